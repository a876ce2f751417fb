/*
 * rmd's HTTP server (libevent's evhttp, on rmd's loop): a read-only JSON API and
 * /metrics on their own port. It listens on loopback unless http_allow_remote says
 * otherwise, because nothing here asks who is calling. Routes are one table; a path that
 * matches none gets 404 and a method other than GET or HEAD 405, both with JSON bodies.
 */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "log.h"
#include "net.h"
#include "xmalloc.h"

static const struct http_route routes[] = {
	{ "/api/v1/cluster", api_cluster },
	{ "/api/v1/queues", api_queues },
	{ "/api/v1/jobs", api_jobs },
	{ "/api/v1/jobs/", api_job },
	{ "/api/v1/nodes", api_nodes },
	{ "/api/v1/events", api_events },
	{ "/api/v1/autoscale", api_autoscale },
	{ "/metrics", api_metrics },
};

void http_reply_view(struct evhttp_request *req, const struct mpw *w)
{
	struct evbuffer *body = evbuffer_new();
	msgpack_unpacked u;
	struct mpr_err e;

	msgpack_unpacked_init(&u);
	if (mpr_unpack(&u, mpw_data(w), mpw_len(w), &e) < 0) {
		msgpack_unpacked_destroy(&u);
		evbuffer_free(body);
		http_error(req, 500, "cannot encode the view: %s", e.msg);
		return;
	}
	json_write(body, &u.data, false);
	evbuffer_add(body, "\n", 1);
	msgpack_unpacked_destroy(&u);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
}

static const char *status_text(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

void http_error(struct evhttp_request *req, int status, const char *fmt, ...)
{
	struct evbuffer *body = evbuffer_new();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	evbuffer_add_printf(body, "{\"error\":");
	json_write_string(body, msg, strlen(msg));
	evbuffer_add_printf(body, ",\"status\":%d}\n", status);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evhttp_send_reply(req, status, status_text(status), body);
	evbuffer_free(body);
}

/* The route for path, with *tail the part after a prefix route. */
static const struct http_route *route_find(const char *path, const char **tail)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t n = strlen(routes[i].path);
		bool prefix = routes[i].path[n - 1] == '/';
		if (prefix ? strncmp(path, routes[i].path, n) == 0 && path[n] != '\0'
			   : strcmp(path, routes[i].path) == 0) {
			*tail = path + n;
			return &routes[i];
		}
	}
	return NULL;
}

static void request_cb(struct evhttp_request *req, void *arg)
{
	struct rmd *rmd = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const struct http_route *r;
	const char *tail = "";

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		http_error(req, 405, "only GET and HEAD: the API is read-only");
		return;
	}
	if (path == NULL || (r = route_find(path, &tail)) == NULL) {
		http_error(req, 404, "no such endpoint: %s (see /api/v1/cluster, /api/v1/queues, "
			   "/api/v1/jobs, /api/v1/nodes, /api/v1/events, /api/v1/autoscale, /metrics)",
			   path != NULL ? path : "?");
		return;
	}
	r->fn(rmd, req, tail);
}

/* True when every address host resolves to is a loopback address. */
static bool host_is_loopback(const char *host)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
	bool loop = true;

	if (host[0] == '\0' || getaddrinfo(host, NULL, &hints, &ai) != 0)
		return false;
	for (p = ai; p != NULL; p = p->ai_next) {
		if (p->ai_family == AF_INET) {
			const struct sockaddr_in *s = (const struct sockaddr_in *)p->ai_addr;
			loop &= (ntohl(s->sin_addr.s_addr) >> 24) == 127;
		} else if (p->ai_family == AF_INET6) {
			const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)p->ai_addr;
			loop &= IN6_IS_ADDR_LOOPBACK(&s->sin6_addr) != 0;
		} else {
			loop = false;
		}
	}
	freeaddrinfo(ai);
	return loop;
}

int http_start(struct rmd *rmd, char *err, size_t errlen)
{
	const char *addr = rmd->conf.http_listen;
	struct evhttp_bound_socket *sock;
	char host[256];
	int port;

	if (addr[0] == '\0')
		return 0;
	if (net_parse_hostport(addr, host, sizeof(host), &port, err, errlen) < 0)
		return -1;
	if (!rmd->conf.http_allow_remote && !host_is_loopback(host)) {
		snprintf(err, errlen, "http_listen %s is not a loopback address; the HTTP API has "
			 "no authentication (set http_allow_remote = true to serve it anyway)", addr);
		return -1;
	}
	rmd->http = xcalloc(1, sizeof(*rmd->http));
	rmd->http->http = evhttp_new(rmd->base);
	evhttp_set_allowed_methods(rmd->http->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
							   EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
							   EVHTTP_REQ_DELETE);
	evhttp_set_gencb(rmd->http->http, request_cb, rmd);
	evhttp_set_timeout(rmd->http->http, 60);
	sock = evhttp_bind_socket_with_handle(rmd->http->http, host[0] ? host : "0.0.0.0",
					      (uint16_t)port);
	if (sock == NULL) {
		snprintf(err, errlen, "cannot listen on http_listen %s", addr);
		return -1;
	}
	rmd->http_port = net_local_port(evhttp_bound_socket_get_fd(sock));
	sse_start(rmd);
	log_info("http", "serving the JSON API and /metrics on %s (port %d)", addr,
		 rmd->http_port);
	return 0;
}

void http_stop(struct rmd *rmd)
{
	if (rmd->http == NULL)
		return;
	sse_stop(rmd);
	evhttp_free(rmd->http->http);
	free(rmd->http);
	rmd->http = NULL;
}

/*
 * The two listening ports and the connections they accept. Each port has its own message
 * table: node agents speak on the node port, clients and frameworks on the client port.
 * A connection's record (struct conn) is freed at the end of the loop turn in which it
 * closed, never inside one of its own callbacks.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autoscale-run.h"
#include "framework.h"
#include "log.h"
#include "net.h"
#include "rm.h"
#include "xmalloc.h"

#define NODE_ROLES ROLE_NODE
#define CLIENT_ROLES (ROLE_CLIENT | ROLE_FRAMEWORK)
#define FW_ROLES ROLE_FRAMEWORK

static const struct dispatch_entry node_table[] = {
	{ MSG_HELLO, 0, msg_hello },
	{ MSG_NODE_REGISTER, NODE_ROLES, msg_node_register },
	{ MSG_NODE_HEARTBEAT, NODE_ROLES, msg_node_heartbeat },
	{ MSG_ATTEMPT_STATUS, NODE_ROLES, msg_attempt_status },
	{ MSG_ATTEMPT_COMMITTED, NODE_ROLES, msg_attempt_committed },
	{ MSG_LOG_DATA, NODE_ROLES, msg_log_data },
};

static const struct dispatch_entry client_table[] = {
	{ MSG_HELLO, 0, msg_hello },
	{ MSG_JOB_SUBMIT, CLIENT_ROLES, msg_job_submit },
	{ MSG_JOB_LIST, CLIENT_ROLES, msg_job_list },
	{ MSG_JOB_INFO, CLIENT_ROLES, msg_job_info },
	{ MSG_JOB_KILL, CLIENT_ROLES, msg_job_kill },
	{ MSG_LOGS_GET, CLIENT_ROLES, msg_logs_get },
	{ MSG_NODE_LIST, CLIENT_ROLES, msg_node_list },
	{ MSG_CLUSTER_INFO, CLIENT_ROLES, msg_cluster_info },
	{ MSG_EVENTS_SUBSCRIBE, CLIENT_ROLES, msg_events_subscribe },
	{ MSG_NODE_DRAIN, CLIENT_ROLES, msg_node_drain },
	{ MSG_NODE_UNDRAIN, CLIENT_ROLES, msg_node_undrain },
	{ MSG_AUTOSCALE_INFO, CLIENT_ROLES, msg_autoscale_info },
	{ MSG_QUEUE_LIST, CLIENT_ROLES, msg_queue_list },
	{ MSG_QUEUE_RELOAD, CLIENT_ROLES, msg_queue_reload },
	{ MSG_FRAMEWORK_REGISTER, FW_ROLES, msg_framework_register },
	{ MSG_CONTAINER_REQUEST, FW_ROLES, msg_container_request },
	{ MSG_CONTAINER_LAUNCH, FW_ROLES, msg_container_launch },
	{ MSG_CONTAINER_RELEASE, FW_ROLES, msg_container_release },
	{ MSG_FRAMEWORK_UNREGISTER, FW_ROLES, msg_framework_unregister },
};

static const char *const port_names[PORT_MAX] = { "client", "node" };

static void on_msg(struct peer *p, int type, uint64_t id, const msgpack_object *obj, void *arg)
{
	struct conn *c = arg;

	if (c->port == PORT_NODE)
		dispatch(node_table, sizeof(node_table) / sizeof(node_table[0]), p, type, id, obj,
			 c->rmd);
	else
		dispatch(client_table, sizeof(client_table) / sizeof(client_table[0]), p, type,
			 id, obj, c->rmd);
}

static void on_close(struct peer *p, const char *why, void *arg)
{
	struct conn *c = arg;
	struct rmd *rmd = c->rmd;

	log_debug("net", "%s connection %s closed: %s", port_names[c->port], peer_desc(p), why);
	if (c->node != NULL)
		node_disconnected(rmd, c, why);
	if (c->fw != NULL)
		framework_disconnected(rmd, c->fw, why);
	c->fw = NULL;
	logs_peer_closed(rmd, p);
	journal_peer_closed(rmd, p);
	events_peer_closed(rmd, p);
	/* Moves to the dead list; the record outlives this callback's callers. */
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		rmd->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->peer = NULL;
	c->prev = NULL;
	c->next = rmd->dead;
	rmd->dead = c;
	rmd_later(rmd, LATER_REAP);
}

static void accept_cb(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct rmd *rmd = arg;
	char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?", desc[NI_MAXHOST + NI_MAXSERV + 2];
	struct conn *c = xcalloc(1, sizeof(*c));
	struct peer_opts opts = {
		.max_frame = (size_t)rmd->conf.max_frame_mb << 20,
		.max_outbuf = (size_t)rmd->conf.max_outbuf_mb << 20,
	};
	struct peer_cbs cbs = { .on_msg = on_msg, .on_close = on_close, .arg = c };

	getnameinfo(sa, (socklen_t)salen, host, sizeof(host), serv, sizeof(serv),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(desc, sizeof(desc), "%s:%s", host, serv);
	c->rmd = rmd;
	c->port = lis == rmd->lis[PORT_NODE] ? PORT_NODE : PORT_CLIENT;
	c->peer = peer_accept(rmd->base, fd, desc, &opts, &cbs);
	if (c->peer == NULL) {
		log_warn("net", "cannot set up connection from %s", desc);
		evutil_closesocket(fd);
		free(c);
		return;
	}
	peer_set_data(c->peer, c);
	c->next = rmd->conns;
	if (c->next != NULL)
		c->next->prev = c;
	rmd->conns = c;
	log_debug("net", "%s connection from %s", port_names[c->port], desc);
}

/* Binds one listener on addr ("host:port"). */
static struct evconnlistener *bind_one(struct rmd *rmd, const char *addr, int *port, char *err,
				       size_t errlen)
{
	char host[256], ps[16];
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	struct evconnlistener *lis = NULL;
	int p, rc;

	if (net_parse_hostport(addr, host, sizeof(host), &p, err, errlen) < 0)
		return NULL;
	snprintf(ps, sizeof(ps), "%d", p);
	if ((rc = getaddrinfo(host[0] ? host : NULL, ps, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: %s", addr, gai_strerror(rc));
		return NULL;
	}
	lis = evconnlistener_new_bind(rmd->base, accept_cb, rmd,
				      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
					      LEV_OPT_CLOSE_ON_EXEC,
				      128, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (lis == NULL) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
		return NULL;
	}
	*port = net_local_port(evconnlistener_get_fd(lis));
	return lis;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = saved;
		if (saved == '\0')
			break;
	}
	free(p);
	return rc;
}

/* <state_dir>/ports, written to a temporary file and renamed so readers never see half. */
static int write_ports(struct rmd *rmd, char *err, size_t errlen)
{
	char *tmp = xasprintf("%s/ports.tmp", rmd->conf.state_dir);
	char *path = xasprintf("%s/ports", rmd->conf.state_dir);
	FILE *f = NULL;
	int rc = -1;

	if (make_dirs(rmd->conf.state_dir) < 0 || (f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "state_dir %s: %s", rmd->conf.state_dir, strerror(errno));
		goto out;
	}
	fprintf(f, "client=%d\nnode=%d\n", rmd->port[PORT_CLIENT], rmd->port[PORT_NODE]);
	if (rmd->http_port > 0)
		fprintf(f, "http=%d\n", rmd->http_port);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}

int listen_start(struct rmd *rmd, char *err, size_t errlen)
{
	rmd->lis[PORT_CLIENT] = bind_one(rmd, rmd->conf.client_listen, &rmd->port[PORT_CLIENT],
					 err, errlen);
	if (rmd->lis[PORT_CLIENT] == NULL)
		return -1;
	rmd->lis[PORT_NODE] = bind_one(rmd, rmd->conf.node_listen, &rmd->port[PORT_NODE], err,
				       errlen);
	if (rmd->lis[PORT_NODE] == NULL)
		return -1;
	if (http_start(rmd, err, errlen) < 0)
		return -1;
	if (write_ports(rmd, err, errlen) < 0)
		return -1;
	log_info("net", "listening: client=%d node=%d", rmd->port[PORT_CLIENT],
		 rmd->port[PORT_NODE]);
	return 0;
}

void listen_stop(struct rmd *rmd)
{
	for (int i = 0; i < PORT_MAX; i++) {
		if (rmd->lis[i] != NULL)
			evconnlistener_free(rmd->lis[i]);
		rmd->lis[i] = NULL;
	}
}

void conns_close_all(struct rmd *rmd)
{
	while (rmd->conns != NULL)
		peer_close(rmd->conns->peer, "rmd is shutting down");
}

void conns_reap(struct rmd *rmd)
{
	while (rmd->dead != NULL) {
		struct conn *c = rmd->dead;
		rmd->dead = c->next;
		free(c);
	}
}

struct mpw *reply_begin(struct rmd *rmd, uint64_t id, uint32_t nfields)
{
	mpw_reset(&rmd->w);
	mpw_msg(&rmd->w, MSG_REPLY, id, nfields);
	return &rmd->w;
}

int reply_send(struct rmd *rmd, struct peer *p)
{
	return peer_send(p, &rmd->w);
}

void reply_bad(struct peer *p, uint64_t id, const struct mpr_err *e)
{
	peer_send_error(p, id, ERR_BAD_REQUEST, e->field, "%s%s%s", e->field,
			e->field[0] ? ": " : "", e->msg);
}

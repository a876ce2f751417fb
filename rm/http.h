/*
 * rmd's HTTP server, internal to http*.c: the route table's row type and the helpers
 * every handler replies with (JSON bodies, JSON errors).
 */
#ifndef LOOM_RM_HTTP_H
#define LOOM_RM_HTTP_H

#include <event2/http.h>

#include "rm.h"

/* A handler gets the path's tail after the route's prefix ("" for an exact route). */
typedef void (*http_route_fn)(struct rmd *rmd, struct evhttp_request *req, const char *tail);

struct http_route {
	const char *path;  /* "/api/v1/jobs", or a prefix ending in "/" */
	http_route_fn fn;
};

struct sse_sub;
struct rm_http {
	struct evhttp *http;
	struct sse_sub *sse;      /* open /api/v1/events streams */
	struct event *keepalive;  /* a comment to each stream, so idle ones stay open */
};

/* Replies 200 with the msgpack map in w (no "t"/"id") as JSON. */
void http_reply_view(struct evhttp_request *req, const struct mpw *w);
/* Replies status with {"error": message, "status": status}. */
void http_error(struct evhttp_request *req, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* http-api.c */
void api_cluster(struct rmd *rmd, struct evhttp_request *req, const char *tail);
void api_queues(struct rmd *rmd, struct evhttp_request *req, const char *tail);
void api_jobs(struct rmd *rmd, struct evhttp_request *req, const char *tail);
void api_job(struct rmd *rmd, struct evhttp_request *req, const char *tail);
void api_nodes(struct rmd *rmd, struct evhttp_request *req, const char *tail);
void api_metrics(struct rmd *rmd, struct evhttp_request *req, const char *tail);
void api_autoscale(struct rmd *rmd, struct evhttp_request *req, const char *tail);
/* http-sse.c */
void api_events(struct rmd *rmd, struct evhttp_request *req, const char *tail);
void sse_start(struct rmd *rmd);
/* Ends every stream (at shutdown), before evhttp is freed. */
void sse_stop(struct rmd *rmd);

#endif

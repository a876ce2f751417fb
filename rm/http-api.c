/*
 * The JSON API's read-only endpoints. Each builds the very msgpack view that the binary
 * protocol sends (views.c, views-list.c) and http_reply_view turns it into JSON, so the
 * two protocols cannot drift apart. Query parameters are checked like message fields:
 * an unknown parameter or a bad value is a 400 naming it.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscale-run.h"
#include "http.h"
#include "metrics.h"

/* Copies query parameter `key` into out (size n); false when it is too long. */
static bool param(struct evkeyvalq *q, const char *key, char *out, size_t n)
{
	const char *v = evhttp_find_header(q, key);

	if (v == NULL)
		return true;
	if (strlen(v) >= n)
		return false;
	snprintf(out, n, "%s", v);
	return true;
}

/*
 * Reads the list filters (state, queue, user, limit) of the request's query into m.
 * allowed is a space-separated list of the parameters this endpoint takes. Replies 400
 * and returns -1 on any problem.
 */
static int list_params(struct evhttp_request *req, const char *allowed,
		       struct msg_list_request *m)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q;
	char limit[32] = "";
	int rc = -1;

	memset(m, 0, sizeof(*m));
	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) < 0) {
		http_error(req, 400, "cannot parse the query string");
		return -1;
	}
	for (struct evkeyval *kv = q.tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		char word[64];
		snprintf(word, sizeof(word), " %s ", kv->key);
		if (strstr(allowed, word) == NULL) {
			http_error(req, 400, "unknown parameter '%s' (known:%.*s)", kv->key,
				   (int)strlen(allowed) - 1, allowed);
			goto out;
		}
	}
	if (!param(&q, "state", m->state, sizeof(m->state)) ||
	    !param(&q, "queue", m->queue, sizeof(m->queue)) ||
	    !param(&q, "user", m->user, sizeof(m->user)) || !param(&q, "limit", limit, 32)) {
		http_error(req, 400, "a parameter is too long");
		goto out;
	}
	char *end;
	m->limit = limit[0] ? strtoll(limit, &end, 10) : 0;
	if (limit[0] && (*end != '\0' || m->limit < 0)) {
		http_error(req, 400, "limit: '%s' is not a number >= 0", limit);
		goto out;
	}
	rc = 0;
out:
	evhttp_clear_headers(&q);
	return rc;
}

void api_cluster(struct rmd *rmd, struct evhttp_request *req, const char *tail)
{
	struct mpw w;

	mpw_init(&w);
	mpw_map(&w, VIEWS_CLUSTER_FIELDS);
	views_cluster(&w, rmd);
	http_reply_view(req, &w);
	mpw_free(&w);
}

void api_queues(struct rmd *rmd, struct evhttp_request *req, const char *tail)
{
	struct mpw w;

	mpw_init(&w);
	mpw_map(&w, VIEWS_QUEUE_LIST_FIELDS);
	views_queue_list(&w, &rmd->cl); /* the body of queue_list's reply */
	http_reply_view(req, &w);
	mpw_free(&w);
}

/* A list endpoint: its filters, then the view (jobs or nodes). */
static void api_list(struct rmd *rmd, struct evhttp_request *req, const char *allowed,
		     int (*view)(struct mpw *, const struct cluster *,
				 const struct msg_list_request *, char *, size_t))
{
	struct msg_list_request m;
	struct mpw w;
	char err[256];

	if (list_params(req, allowed, &m) < 0)
		return;
	mpw_init(&w);
	mpw_map(&w, 1);
	if (view(&w, &rmd->cl, &m, err, sizeof(err)) < 0)
		http_error(req, 400, "%s", err);
	else
		http_reply_view(req, &w);
	mpw_free(&w);
}

void api_jobs(struct rmd *rmd, struct evhttp_request *req, const char *tail)
{
	api_list(rmd, req, " state queue user limit ", views_job_list);
}

void api_nodes(struct rmd *rmd, struct evhttp_request *req, const char *tail)
{
	api_list(rmd, req, " state limit ", views_node_list);
}

void api_job(struct rmd *rmd, struct evhttp_request *req, const char *tail)
{
	struct loom_id id;
	const struct rm_job *j;
	struct mpw w;
	int st;

	if (id_parse(tail, &id) < 0 || !id_is_job(&id)) {
		http_error(req, 400, "'%s' is not a job id (job-42)", tail);
		return;
	}
	if ((j = cluster_job(&rmd->cl, id.job)) == NULL) {
		if ((st = cluster_job_state(&rmd->cl, id.job)) >= 0)
			http_error(req, 404, "job-%llu ended %s and was dropped "
				   "(completed_jobs_kept)", (unsigned long long)id.job,
				   job_state_names[st]);
		else
			http_error(req, 404, "job-%llu not found", (unsigned long long)id.job);
		return;
	}
	mpw_init(&w);
	mpw_map(&w, 1);
	mpw_key(&w, "job");
	view_job(&w, j, true);
	http_reply_view(req, &w);
	mpw_free(&w);
}

void api_autoscale(struct rmd *rmd, struct evhttp_request *req, const char *tail)
{
	struct mpw w;

	mpw_init(&w);
	autoscale_view(&w, rmd);
	http_reply_view(req, &w);
	mpw_free(&w);
}

void api_metrics(struct rmd *rmd, struct evhttp_request *req, const char *tail)
{
	struct evbuffer *body = evbuffer_new();

	metrics_write(rmd, body);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  PROM_CONTENT_TYPE);
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
}

/* Stub cluster_ops and builders for the rmcore tests. */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

static int64_t now_us(void *arg)
{
	return ((struct fx *)arg)->now;
}

static void launch(void *arg, struct rm_attempt *a)
{
	struct fx *f = arg;
	if (f->nlaunch < 64)
		f->launched[f->nlaunch] = a;
	f->nlaunch++;
}

static void kill_(void *arg, struct rm_attempt *a, const char *reason)
{
	((struct fx *)arg)->nkill++;
}

static void commit(void *arg, struct rm_attempt *a, bool c)
{
	struct fx *f = arg;
	f->ncommit++;
	f->last_commit_attempt = a;
	f->last_commit = c;
}

static void schedule(void *arg)
{
	((struct fx *)arg)->nschedule++;
}

static void allocated(void *arg, struct rm_attempt *a);
static const struct cluster_ops fx_ops = { now_us, launch, kill_,  commit,
					   schedule, NULL, allocated };

void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	log_open("test", LL_ERROR, NULL);
	cluster_init(&f->cl, &fx_ops, f);
	f->now = 1000000;
}

void fx_free(struct fx *f)
{
	sched_result_free(&f->sr);
	cluster_free(&f->cl);
}

struct rm_node *fx_node(struct fx *f, const char *name, int vcores, int64_t mem_mb)
{
	struct rm_node *n = cluster_add_node(&f->cl, name);
	n->capacity.vcores_m = vcores * 1000;
	n->capacity.mem_mb = mem_mb;
	n->peer = (struct peer *)f; /* any non-NULL pointer: the core never dereferences it */
	node_set_state(n, NODE_RUNNING, "registered");
	return n;
}

void fx_node_label(struct rm_node *n, const char *label)
{
	n->labels = xrealloc(n->labels, ((size_t)n->nlabels + 2) * sizeof(*n->labels));
	n->labels[n->nlabels++] = xstrdup(label);
	n->labels[n->nlabels] = NULL;
}

void fx_job_label(struct rm_job *j, bool exclude, const char *label)
{
	char ***v = exclude ? &j->spec.exclude_labels : &j->spec.require_labels;
	int *n = exclude ? &j->spec.nexclude_labels : &j->spec.nrequire_labels;

	*v = xrealloc(*v, ((size_t)*n + 2) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(label);
	(*v)[*n] = NULL;
}

struct rm_job *fx_job(struct fx *f, int ntasks, int priority, int max_attempts)
{
	char *argv[] = { "true", NULL };
	struct job_spec s = { .argv = argv, .nargv = 1, .ntasks = ntasks, .priority = priority,
			      .max_attempts = max_attempts };
	s.res.vcores_m = 1000;
	s.res.mem_mb = 100;
	snprintf(s.name, sizeof(s.name), "true");
	return cluster_add_job(&f->cl, &s);
}

void fx_tree_begin(struct fx *f)
{
	queue_tree_init(&f->qt);
}

struct queue_conf *fx_queue(struct fx *f, const char *parent, const char *name, double guar_pct,
			    double max_pct)
{
	struct rm_queue *p = parent == NULL ? f->qt.root : NULL;
	struct queue_conf c;

	/* The tree is not derived yet: find the parent by walking the children. */
	struct rm_queue *stack[64] = { f->qt.root };
	size_t n = 1;
	while (p == NULL && n > 0) {
		struct rm_queue *q = stack[--n];
		if (strcmp(q->path, parent) == 0 || strcmp(q->name, parent) == 0)
			p = q;
		for (size_t k = 0; k < q->nchildren && n < 64; k++)
			stack[n++] = q->children[k];
	}
	if (p == NULL)
		abort();
	queue_conf_defaults(&c);
	for (int i = 0; i < QR_N; i++) {
		c.guar_pct[i] = guar_pct;
		c.max_pct[i] = max_pct;
	}
	return &queue_add(&f->qt, p, name, &c)->c;
}

void fx_tree_end(struct fx *f, const char *dflt)
{
	char err[256];

	if (queue_tree_derive(&f->qt, dflt, err, sizeof(err)) < 0 ||
	    cluster_set_queues(&f->cl, &f->qt, err, sizeof(err)) < 0) {
		fprintf(stderr, "fx_tree_end: %s\n", err);
		abort();
	}
}

struct rm_queue *fx_q(struct fx *f, const char *path)
{
	return queue_find(&f->cl.qt, path);
}

struct rm_job *fx_job_opt(struct fx *f, const struct fx_jobopt *o)
{
	char *argv[] = { "true", NULL };
	struct job_spec s = { .argv = argv, .nargv = 1, .ntasks = o->ntasks ? o->ntasks : 1,
			      .priority = o->priority, .max_attempts = 1, .gang = o->gang,
			      .time_limit_ms = o->time_limit_ms };

	s.res.vcores_m = (o->vcores ? o->vcores : 1) * 1000;
	s.res.mem_mb = o->mem_mb ? o->mem_mb : 100;
	snprintf(s.name, sizeof(s.name), "true");
	snprintf(s.queue, sizeof(s.queue), "%s", o->queue ? o->queue : "");
	snprintf(s.user, sizeof(s.user), "%s", o->user ? o->user : "");
	return cluster_add_job(&f->cl, &s);
}

void fx_prefer(struct rm_job *j, int task, const char *name)
{
	struct job_spec *s = &j->spec;

	if (s->prefer == NULL) {
		s->prefer = xcalloc((size_t)s->ntasks, sizeof(*s->prefer));
		s->nprefer = s->ntasks;
	}
	struct task_pref *p = &s->prefer[task];
	p->nodes = xrealloc(p->nodes, ((size_t)p->n + 1) * sizeof(*p->nodes));
	p->nodes[p->n++] = xstrdup(name);
}

void fx_finish(struct fx *f, struct rm_attempt *a)
{
	fx_report(f, a, AR_EXITED, 0, 0);
	outcome_committed(&f->cl, a, true, true, "");
}

int fx_launched_of(const struct fx *f, const struct rm_job *j)
{
	int n = 0;

	for (int i = 0; i < f->nlaunch && i < 64; i++)
		n += f->launched[i]->job == j;
	return n;
}

size_t fx_pass(struct fx *f)
{
	sched_pass(&f->cl, &f->sr);
	cluster_apply(&f->cl, &f->sr);
	return f->sr.npl;
}

void fx_report(struct fx *f, struct rm_attempt *a, int state, int exit_code, int signal)
{
	struct attempt_report r = { .id = a->id, .state = state, .exit_code = exit_code,
				    .signal = signal, .progress = -1 };
	outcome_report(&f->cl, a, &r);
}

int fx_setup(void **state)
{
	static struct fx f;
	fx_init(&f);
	*state = &f;
	return 0;
}

int fx_teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* ---- frameworks -------------------------------------------------------------------- */

static void allocated(void *arg, struct rm_attempt *a)
{
	struct fx *f = arg;
	if (f->nallocated < 64)
		f->allocated[f->nallocated] = a;
	f->nallocated++;
}

struct rm_job *fx_fw_job(struct fx *f, const char *framework, int ntasks)
{
	char *argv[] = { "<container>", NULL };
	struct job_spec s = { .argv = argv, .nargv = 1, .ntasks = ntasks, .max_attempts = 1 };
	s.res.vcores_m = 1000;
	s.res.mem_mb = 100;
	snprintf(s.name, sizeof(s.name), "%s", framework);
	snprintf(s.framework, sizeof(s.framework), "%s", framework);
	return cluster_add_job(&f->cl, &s);
}

/* Stub cluster_ops and builders for the rmcore tests. */
#include "fixture.h"

#include <stdio.h>
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

static const struct cluster_ops fx_ops = { now_us, launch, kill_, commit, schedule, NULL };

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

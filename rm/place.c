/*
 * The I/O side of scheduling: the placement pass that runs once at the end of a loop
 * turn, and the cluster_ops that turn the core's decisions into ATTEMPT_LAUNCH,
 * ATTEMPT_KILL and ATTEMPT_COMMIT messages to the nodes.
 */
#include <stdio.h>

#include "framework.h"
#include "log.h"
#include "rm.h"
#include "timeutil.h"

/* Sends rmd->w to node n; a disconnected node gets nothing (it reconciles on return). */
static void send_node(struct rm_node *n, struct rmd *rmd, const char *what,
		      const struct loom_id *id)
{
	char s[ID_BUFSZ];

	if (n->peer != NULL && peer_send(n->peer, &rmd->w) == 0)
		return;
	log_warn("sched", "cannot send %s for %s: %s is not connected", what,
		 id_format(id, s, sizeof(s)), n->name);
}

static int64_t ops_now(void *arg)
{
	return wall_us();
}

static void ops_launch(void *arg, struct rm_attempt *a)
{
	struct rmd *rmd = arg;
	const struct job_spec *s = &a->job->spec;
	char id[ID_BUFSZ];
	struct msg_attempt_launch m = {
		.id = a->id,
		.ntasks = s->ntasks,
		.argv = s->argv,
		.nargv = s->nargv,
		.env = s->env,
		.nenv = s->nenv,
		.res = s->res,
		.output_dir = s->output_dir,
		.workdir = s->workdir,
		.kill_grace_ms = rmd->conf.kill_grace_ms,
	};

	if (a->argv != NULL) { /* a framework's launch: its command, its own output */
		m.argv = a->argv;
		m.nargv = a->nargv;
		m.env = a->env;
		m.nenv = a->nenv;
		m.output_dir = "";
		m.workdir = a->workdir;
	}

	snprintf(m.user, sizeof(m.user), "%s", s->user);
	journal_launched(rmd, a); /* before the launch leaves: attempt numbers stay unique */
	log_info("sched", "placed %s on %s", id_format(&a->id, id, sizeof(id)), a->node->name);
	mpw_reset(&rmd->w);
	msg_encode_attempt_launch(&rmd->w, 0, &m);
	send_node(a->node, rmd, "launch", &a->id);
}

void place_send_kill(struct rmd *rmd, struct rm_node *n, const struct loom_id *id,
		     const char *reason, int64_t grace_ms)
{
	struct msg_attempt_kill m = { .id = *id, .grace_ms = grace_ms };
	char s[ID_BUFSZ];

	snprintf(m.reason, sizeof(m.reason), "%s", reason);
	log_info("sched", "killing %s on %s: %s", id_format(id, s, sizeof(s)), n->name, reason);
	mpw_reset(&rmd->w);
	msg_encode_attempt_kill(&rmd->w, 0, &m);
	send_node(n, rmd, "kill", id);
}

/* A preempted attempt gets preempt_grace: the SIGTERM is its warning to save its work.
 * The same after a restart, when adoption sends the kill again (msg-node.c). */
int64_t place_kill_grace(const struct rmd *rmd, const struct rm_attempt *a)
{
	return a->preempted ? rmd->cl.sc.preempt_grace_ms : rmd->conf.kill_grace_ms;
}

static void ops_kill(void *arg, struct rm_attempt *a, const char *reason)
{
	struct rmd *rmd = arg;
	int64_t grace = place_kill_grace(rmd, a);

	if (a->preempted)
		framework_preempting(rmd, a, grace, reason);
	place_send_kill(rmd, a->node, &a->id, reason, grace);
}

/* A framework's container was placed: kept like a launch, then its framework is told. */
static void ops_allocated(void *arg, struct rm_attempt *a)
{
	struct rmd *rmd = arg;
	char id[ID_BUFSZ];

	journal_launched(rmd, a); /* attempt numbers stay unique across restarts */
	log_info("sched", "allocated %s on %s for framework %s",
		 id_format(&a->id, id, sizeof(id)), a->node->name, a->job->spec.framework);
	framework_allocated(rmd, a);
}

static void ops_commit(void *arg, struct rm_attempt *a, bool commit)
{
	struct rmd *rmd = arg;
	struct msg_attempt_commit m = { .id = a->id, .commit = commit };

	mpw_reset(&rmd->w);
	msg_encode_attempt_commit(&rmd->w, 0, &m);
	send_node(a->node, rmd, commit ? "commit" : "discard", &a->id);
}

static void ops_schedule(void *arg)
{
	rmd_later(arg, LATER_SCHED);
}

const struct cluster_ops rm_cluster_ops = {
	.now_us = ops_now,
	.launch = ops_launch,
	.kill = ops_kill,
	.commit = ops_commit,
	.schedule = ops_schedule,
	.journal = journal_change,
	.allocated = ops_allocated,
};

void place_pass(struct rmd *rmd)
{
	int64_t t0 = mono_us();

	if (rmd->recovering) /* agents may still report tasks that run: recover.c */
		return;

	sched_queues.pass(&rmd->cl, &rmd->sr);
	metrics_observe_pass(rmd, (double)(mono_us() - t0) / 1e6);
	cluster_apply(&rmd->cl, &rmd->sr);
	if (rmd->sr.npl > 0 || rmd->sr.ndep > 0)
		log_debug("sched", "pass: %zu placed, %zu failed on dependencies, %lld us",
			  rmd->sr.npl, rmd->sr.ndep, (long long)(mono_us() - t0));
	spec_run(rmd, true); /* with what the pass left free */
	preempt_run(rmd);    /* for the queues the pass left waiting below their guarantee */
	cluster_trim(&rmd->cl);
}

/*
 * The relay between mpirun's remote launch agent (loom-mpi-rsh) and Loom. mpirun starts
 * one agent per node ("loom-mpi-rsh node-2 orted ARGS..."); each connects to this unix
 * socket and sends "HOST\0COMMAND\0". The relay launches the command with /bin/sh -c (as
 * ssh would run it) in that node's allocated container, and when the container ends it
 * answers "exit N\n" or "error TEXT\n", which the agent turns into its exit status. An
 * agent that goes away first (mpirun killed it) gets its container released: no orted
 * outlives its agent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "mpirun.h"

struct lmr_sess {
	struct lmr_sess *next;
	struct lmr *m;
	struct bufferevent *bev;
	char container[64]; /* launched there; "" before */
	bool replied;
};

struct lmr_node *lmr_node_of(struct lmr *m, const char *name)
{
	for (int i = 0; i < m->nnodes; i++)
		if (!strcmp(m->nodes[i].name, name))
			return &m->nodes[i];
	return NULL;
}

static void sess_free(struct lmr_sess *s)
{
	struct lmr_sess **pp = &s->m->sessions;

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	bufferevent_free(s->bev);
	free(s);
}

static void on_flushed(struct bufferevent *bev, void *arg)
{
	sess_free(arg);
}

static void on_sess_event(struct bufferevent *bev, short what, void *arg)
{
	struct lmr_sess *s = arg;
	struct lmr_node *nd = NULL;

	for (int i = 0; s->container[0] && i < s->m->nnodes; i++)
		if (!strcmp(s->m->nodes[i].container, s->container))
			nd = &s->m->nodes[i];
	if (!s->replied && nd && !nd->ended && !s->m->fw_closed) {
		lmr_log(s->m, "the rsh agent for %s went away; releasing container %s", nd->name,
			s->container);
		loom_fw_release(s->m->fw, s->container);
	}
	sess_free(s);
}

/* Sends the final answer; the session is freed once it is written. */
static void reply_close(struct lmr_sess *s, const char *text)
{
	s->replied = true;
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_setcb(s->bev, NULL, on_flushed, on_sess_event, s);
	bufferevent_write(s->bev, text, strlen(text));
}

/* The environment orted gets besides the agent's: PATH as here (ssh would give the login
 * PATH), and Open MPI's consent to run as root when we are root. */
static void orted_env(char **env, char *path, size_t len)
{
	const char *p = getenv("PATH");
	int n = 0;

	if (p && *p) {
		snprintf(path, len, "PATH=%s", p);
		env[n++] = path;
	}
	if (geteuid() == 0) {
		env[n++] = "OMPI_ALLOW_RUN_AS_ROOT=1";
		env[n++] = "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1";
	}
	env[n] = NULL;
}

/*
 * The shell line a container runs: the agent's command in a private TMPDIR. Why: the
 * orteds of one job may share a machine (and its /tmp), and Open MPI 4.1 races creating
 * their shared session directory /tmp/ompi.HOST.UID/jf.N: one fails with "File exists".
 * The directory goes when the shell does (not after a SIGKILL).
 */
static char *wrap_cmd(const char *cmd)
{
	static const char fmt[] =
		"d=$(mktemp -d \"${TMPDIR:-/tmp}/loom-orted.XXXXXX\") || exit 255; "
		"trap 'rm -rf \"$d\"' EXIT; trap 'exit 143' TERM INT HUP; "
		"TMPDIR=$d; export TMPDIR; %s";
	char *line;

	if (asprintf(&line, fmt, cmd) < 0) {
		lmr_err("out of memory");
		abort();
	}
	return line;
}

/* The node a hostfile name stands for (NODE LMR_HOST_SUFFIX), or NULL. */
static struct lmr_node *node_of_host(struct lmr *m, const char *host)
{
	size_t n = strlen(host), k = strlen(LMR_HOST_SUFFIX);
	char name[128];

	if (n <= k || n - k >= sizeof name || strcmp(host + n - k, LMR_HOST_SUFFIX) != 0)
		return NULL;
	memcpy(name, host, n - k);
	name[n - k] = '\0';
	return lmr_node_of(m, name);
}

static void launch(struct lmr_sess *s, const char *host, const char *cmd)
{
	struct lmr *m = s->m;
	struct lmr_node *nd = node_of_host(m, host);
	char err[600], path[8192], *env[4], *argv[] = { "/bin/sh", "-c", NULL, NULL };
	int rc;

	if (!nd) {
		snprintf(err, sizeof err, "error host '%.200s' is not a node of this job's "
			 "allocation\n", host);
		reply_close(s, err);
		return;
	}
	if (nd->launched) {
		snprintf(err, sizeof err, "error orted was launched on %s already\n", host);
		reply_close(s, err);
		return;
	}
	orted_env(env, path, sizeof path);
	argv[2] = wrap_cmd(cmd);
	rc = loom_fw_launch(m->fw, nd->container, argv, env, NULL);
	free(argv[2]);
	if (rc != LOOM_OK) {
		snprintf(err, sizeof err, "error cannot launch in %s: %.400s\n", nd->container,
			 loom_fw_error(m->fw));
		reply_close(s, err);
		return;
	}
	nd->launched = true;
	snprintf(s->container, sizeof s->container, "%s", nd->container);
	lmr_log(m, "launching orted in container %s on %s", nd->container, nd->name);
}

static void on_sess_read(struct bufferevent *bev, void *arg)
{
	struct lmr_sess *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	char *data, *nul;

	if (s->container[0] || s->replied) {
		evbuffer_drain(in, len); /* one request per agent */
		return;
	}
	if (len > LMR_MAX_REQ) {
		reply_close(s, "error request too long\n");
		return;
	}
	data = (char *)evbuffer_pullup(in, -1);
	nul = memchr(data, '\0', len);
	if (!nul || !memchr(nul + 1, '\0', len - (size_t)(nul + 1 - data)))
		return; /* not all there yet */
	launch(s, data, nul + 1);
	evbuffer_drain(in, len);
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct lmr *m = arg;
	struct lmr_sess *s = lmr_calloc(1, sizeof *s);

	s->m = m;
	s->bev = bufferevent_socket_new(m->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!s->bev) {
		evutil_closesocket(fd);
		free(s);
		return;
	}
	s->next = m->sessions;
	m->sessions = s;
	bufferevent_setcb(s->bev, on_sess_read, NULL, on_sess_event, s);
	bufferevent_enable(s->bev, EV_READ);
}

int lmr_relay_listen(struct lmr *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (lmr_make_dir(m) < 0)
		return -1;
	if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/relay.sock", m->dir) >=
	    (int)sizeof sa.sun_path)
		return lmr_err("temp dir %s is too long for a unix socket (set TMPDIR)", m->dir),
		       -1;
	m->lis = evconnlistener_new_bind(m->base, on_accept, m,
					 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
					 (struct sockaddr *)&sa, sizeof sa);
	if (!m->lis)
		return lmr_err("cannot listen on %s: %s", sa.sun_path, strerror(errno)), -1;
	return 0;
}

void lmr_relay_ended(struct lmr *m, const char *container, const char *reply)
{
	for (struct lmr_sess *s = m->sessions; s; s = s->next) {
		if (!s->replied && !strcmp(s->container, container)) {
			reply_close(s, reply);
			return;
		}
	}
}

void lmr_relay_free(struct lmr *m)
{
	while (m->sessions)
		sess_free(m->sessions);
	if (m->lis)
		evconnlistener_free(m->lis);
	m->lis = NULL;
}

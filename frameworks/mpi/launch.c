/*
 * The local half of loom-mpirun: a private temp dir with the hostfile (one line per
 * allocated node, one slot per container there), and Open MPI's mpirun run as a child with
 * loom-mpi-rsh as its remote launch agent, the way Slurm's integration hands mpirun its
 * allocation. When mpirun ends, its exit status becomes loom-mpirun's.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mpirun.h"

/* MCA settings loom-mpirun always gives (the user's --mca of the same key wins). */
static const char *const base_mca[][2] = {
	{ "plm", "rsh" },                     /* remote starts go through the agent... */
	{ "plm_rsh_no_tree_spawn", "1" },     /* ...all from here, none from an orted */
	{ "orte_leave_session_attached", "1" }, /* orted must not daemonize: it is the
						 * container's process */
	{ "orte_keep_fqdn_hostnames", "1" },  /* node names are Loom's, used as given */
};
/* Added when every allocated node is this machine (a one-machine cluster, nodes on
 * loopback or under this host's name): keep Open MPI's traffic on lo, which its TCP
 * transports skip unless told, and which is there even where no other interface is. */
static const char *const loopback_mca[][2] = {
	{ "oob_tcp_if_include", "lo" },
	{ "btl_tcp_if_include", "lo" },
	{ "btl", "self,tcp" },
	{ "pml", "ob1" },
};

static bool is_here(const char *host, const char *self)
{
	return !strncmp(host, "127.", 4) || !strcmp(host, "localhost") ||
	       !strcmp(host, "::1") || !strcmp(host, self);
}

static bool all_here(const struct lmr *m)
{
	char self[256] = "";

	gethostname(self, sizeof self - 1);
	for (int i = 0; i < m->nnodes; i++)
		if (!is_here(m->nodes[i].host, self))
			return false;
	return true;
}

static bool user_set(const struct lmr *m, const char *key)
{
	for (int i = 0; i < m->o.nmca; i += 2)
		if (!strcmp(m->o.mca[i], key))
			return true;
	return false;
}

static void add_mca(const struct lmr *m, char **av, int *ac, const char *const kv[2])
{
	if (user_set(m, kv[0]))
		return;
	av[(*ac)++] = "--mca";
	av[(*ac)++] = (char *)kv[0];
	av[(*ac)++] = (char *)kv[1];
}

/* loom-mpi-rsh beside this program ($LOOM_MPI_RSH overrides); 0 or -1 with why printed. */
static int find_rsh(char *out, size_t len)
{
	char self[PATH_MAX];
	const char *env = getenv("LOOM_MPI_RSH");
	ssize_t n;

	if (env && *env) {
		snprintf(out, len, "%s", env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n < 0)
			return lmr_err("cannot read /proc/self/exe: %s", strerror(errno)), -1;
		self[n] = '\0';
		snprintf(out, len, "%s/loom-mpi-rsh", dirname(self));
	}
	if (access(out, X_OK) != 0)
		return lmr_err("the rsh agent %s is not executable: %s", out, strerror(errno)), -1;
	return 0;
}

static int write_hostfile(const struct lmr *m, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return lmr_err("cannot write %s: %s", path, strerror(errno)), -1;
	for (int i = 0; i < m->nnodes; i++)
		fprintf(f, "%s%s slots=%d max_slots=%d\n", m->nodes[i].name, LMR_HOST_SUFFIX,
			m->nodes[i].slots, m->nodes[i].slots);
	if (fclose(f) != 0)
		return lmr_err("cannot write %s: %s", path, strerror(errno)), -1;
	return 0;
}

static char **build_argv(const struct lmr *m, const char *hostfile, const char *rsh, char *np)
{
	int nprog = 0, ac = 0;
	char **av;
	const char *const agent[2] = { "plm_rsh_agent", rsh };
	bool here = all_here(m);

	while (m->o.prog[nprog])
		nprog++;
	av = lmr_calloc((size_t)(6 + 3 * 10 + 3 * m->o.nmca / 2 + nprog + 1), sizeof *av);
	av[ac++] = (char *)m->o.mpirun;
	av[ac++] = "--hostfile";
	av[ac++] = (char *)hostfile;
	av[ac++] = "-np";
	av[ac++] = np;
	add_mca(m, av, &ac, agent);
	for (size_t i = 0; i < sizeof base_mca / sizeof base_mca[0]; i++)
		add_mca(m, av, &ac, base_mca[i]);
	for (size_t i = 0; here && i < sizeof loopback_mca / sizeof loopback_mca[0]; i++)
		add_mca(m, av, &ac, loopback_mca[i]);
	for (int i = 0; i < m->o.nmca; i += 2) {
		av[ac++] = "--mca";
		av[ac++] = (char *)m->o.mca[i];
		av[ac++] = (char *)m->o.mca[i + 1];
	}
	for (int i = 0; i < nprog; i++)
		av[ac++] = m->o.prog[i];
	return av;
}

static void log_argv(const struct lmr *m, char **av)
{
	if (!m->o.verbose)
		return;
	fputs("loom-mpirun: running", stderr);
	for (int i = 0; av[i]; i++)
		fprintf(stderr, " %s", av[i]);
	fputc('\n', stderr);
}

int lmr_launch_mpirun(struct lmr *m)
{
	char hostfile[PATH_MAX + 16], rsh[PATH_MAX], sock[PATH_MAX + 16], np[16];
	char **av;

	snprintf(hostfile, sizeof hostfile, "%s/hostfile", m->dir);
	snprintf(sock, sizeof sock, "%s/relay.sock", m->dir);
	snprintf(np, sizeof np, "%d", m->o.n);
	if (find_rsh(rsh, sizeof rsh) < 0 || write_hostfile(m, hostfile) < 0)
		return -1;
	av = build_argv(m, hostfile, rsh, np);
	log_argv(m, av);
	m->child = fork();
	if (m->child == 0) {
		setenv(LMR_SOCK_ENV, sock, 1);
		if (geteuid() == 0) { /* Open MPI refuses root without both */
			setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
			setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
		}
		execvp(av[0], av);
		fprintf(stderr, "loom-mpirun: cannot run %s: %s\n", av[0], strerror(errno));
		_exit(127);
	}
	free(av);
	if (m->child < 0) {
		m->child = 0;
		return lmr_err("cannot fork: %s", strerror(errno)), -1;
	}
	return 0;
}

void lmr_reap(struct lmr *m)
{
	int st, code;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid != m->child)
			continue;
		m->child = 0;
		code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		lmr_log(m, "mpirun exited with status %d", code);
		if (m->stopping) {
			lmr_finish(m, code);
			continue;
		}
		m->exit_code = code;
		lmr_fw_done(m);
	}
}

int lmr_make_dir(struct lmr *m)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(m->dir, sizeof m->dir, "%s/loom-mpirun.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(m->dir)) {
		lmr_err("cannot create a temp dir %s: %s", m->dir, strerror(errno));
		m->dir[0] = '\0';
		return -1;
	}
	return 0;
}

void lmr_cleanup_dir(struct lmr *m)
{
	char p[PATH_MAX + 16];

	if (!m->dir[0])
		return;
	snprintf(p, sizeof p, "%s/hostfile", m->dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/relay.sock", m->dir);
	unlink(p);
	rmdir(m->dir);
}

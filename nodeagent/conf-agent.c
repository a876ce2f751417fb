/*
 * The node agent's configuration table, and what the agent detects about its machine when
 * a setting is left at 0: vcores from the CPUs it may run on, memory from MemTotal less a
 * reserve for the system, the node name from the host name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "conf.h"
#include "log.h"
#include "xmalloc.h"

#define OFF(f) offsetof(struct agent_conf, f)
#define DAY_MS (86400LL * 1000)

const struct conf_entry agent_conf_table[] = {
	{ "rm", CONF_STR, 1, 300, "\"127.0.0.1:7421\"", OFF(rm),
	  "rmd's node port, host:port" },
	{ "name", CONF_STR, 0, PROTO_NAME_MAX - 1, "\"\"", OFF(name),
	  "node name, unique in the cluster; \"\" = this machine's host name" },
	{ "vcores", CONF_VCORES_M, 0, 1000000LL * 1000, "0", OFF(vcores_m),
	  "vcores offered to tasks; 0 = the CPUs this process may run on" },
	{ "memory", CONF_MEM_MB, 0, 1LL << 30, "0", OFF(memory_mb),
	  "memory offered to tasks; 0 = MemTotal minus memory_reserve" },
	{ "memory_reserve", CONF_MEM_MB, 0, 1LL << 30, "\"1G\"", OFF(memory_reserve_mb),
	  "kept back for the system when memory is detected (at most half of MemTotal)" },
	{ "gpus", CONF_INT, 0, 1024, "0", OFF(gpus), "gpus offered to tasks" },
	{ "labels", CONF_STRLIST, 0, PROTO_MAX_LABELS, "[]", OFF(labels),
	  "node labels that jobs may ask for, e.g. [\"ssd\", \"rack1\"]" },
	{ "work_dir", CONF_STR, 1, 3000, "\"/var/lib/loom/agent\"", OFF(work_dir),
	  "attempt directories (logs, default working directories) live under <work_dir>/attempts" },
	{ "mem_check_interval", CONF_MS, 100, DAY_MS, "\"1s\"", OFF(mem_check_interval_ms),
	  "how often the memory of running attempts is sampled from /proc" },
	{ "mem_enforce", CONF_BOOL, 0, 0, "true", OFF(mem_enforce),
	  "kill attempts whose process tree uses more memory than they asked for" },
	{ "kill_grace", CONF_MS, 0, DAY_MS, "\"5s\"", OFF(kill_grace_ms),
	  "SIGTERM -> SIGKILL grace when rmd does not give one (limits, shutdown)" },
	{ "reconnect_min", CONF_MS, 10, DAY_MS, "\"100ms\"", OFF(reconnect_min_ms),
	  "first delay before reconnecting to rmd; doubles on each failure" },
	{ "reconnect_max", CONF_MS, 10, DAY_MS, "\"5s\"", OFF(reconnect_max_ms),
	  "longest delay between reconnection attempts" },
	{ "max_frame", CONF_MEM_MB, 1, 1024, "\"16M\"", OFF(max_frame_mb),
	  "largest message accepted from rmd" },
	{ "log_level", CONF_STR, 1, 16, "\"info\"", OFF(log_level),
	  "error, warn, info or debug" },
	{ "log_file", CONF_STR, 0, PATH_MAX, "\"\"", OFF(log_file),
	  "log file; \"\" or \"-\" = standard error" },
	{ "health_script", CONF_STR, 0, PATH_MAX, "\"\"", OFF(health_script),
	  "node health check run every health_interval; a line starting ERROR or a non-zero exit = unhealthy; \"\" = none" },
	{ "health_interval", CONF_MS, 100, DAY_MS, "\"30s\"", OFF(health_interval_ms),
	  "how often the health script runs" },
	{ "attempt_retention", CONF_MS, 0, 365 * DAY_MS, "\"3h\"", OFF(attempt_retention_ms),
	  "attempt directories (logs) no longer tracked are removed after this; 0 = never" },
	{ "health_timeout", CONF_MS, 100, DAY_MS, "\"20s\"", OFF(health_timeout_ms),
	  "a health script running longer is killed and the node is unhealthy" },
};
const size_t agent_conf_count = sizeof agent_conf_table / sizeof agent_conf_table[0];

int agent_conf_load(struct agent_conf *c, const char *path, char **overrides, int nover,
		    char *err, size_t errlen)
{
	if (conf_defaults(agent_conf_table, agent_conf_count, c, err, errlen) < 0)
		return -1;
	if (path != NULL && conf_load(agent_conf_table, agent_conf_count, c, path, err,
				      errlen) < 0)
		return -1;
	for (int i = 0; i < nover; i++)
		if (conf_set(agent_conf_table, agent_conf_count, c, overrides[i], err, errlen) < 0)
			return -1;
	return 0;
}

void agent_conf_free(struct agent_conf *c)
{
	conf_free(agent_conf_table, agent_conf_count, c);
}

int64_t meminfo_total_mb(const char *text)
{
	const char *p = strstr(text, "MemTotal:");
	char *end;

	if (p == NULL)
		return -1;
	long long kb = strtoll(p + strlen("MemTotal:"), &end, 10);
	if (end == p + strlen("MemTotal:") || kb <= 0)
		return -1;
	return kb / 1024;
}

/* Startup only (before the loop runs), so a plain blocking read is fine. */
static int64_t detect_memory_mb(int64_t reserve_mb)
{
	char buf[4096];
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	int64_t total = meminfo_total_mb(buf);
	if (total <= 0)
		return -1;
	int64_t reserve = reserve_mb < total / 2 ? reserve_mb : total / 2;
	return total - reserve;
}

static int64_t detect_vcores_m(void)
{
	cpu_set_t set;
	long n = 0;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return (int64_t)(n > 0 ? n : 1) * 1000;
}

static void set_str(char **field, char *v)
{
	free(*field);
	*field = v;
}

static int check_labels(char **labels, char *err, size_t errlen)
{
	for (int i = 0; labels != NULL && labels[i] != NULL; i++) {
		size_t n = strlen(labels[i]);
		if (n == 0 || n >= PROTO_LABEL_MAX) {
			snprintf(err, errlen, "labels: '%s' must be 1 to %d characters long",
				 labels[i], PROTO_LABEL_MAX - 1);
			return -1;
		}
	}
	return 0;
}

/* The name and the machine's size, when left to be detected. */
static int resolve_machine(struct agent_conf *c, char *err, size_t errlen)
{
	char host[256];

	if (c->name == NULL || c->name[0] == '\0') {
		if (gethostname(host, sizeof host) < 0 || host[0] == '\0')
			snprintf(host, sizeof host, "localhost");
		host[PROTO_NAME_MAX - 1] = '\0';
		set_str(&c->name, xstrdup(host));
	}
	if (c->vcores_m == 0)
		c->vcores_m = detect_vcores_m();
	if (c->memory_mb == 0 && (c->memory_mb = detect_memory_mb(c->memory_reserve_mb)) < 0) {
		snprintf(err, errlen, "memory: cannot read MemTotal from /proc/meminfo; set it");
		return -1;
	}
	return 0;
}

int agent_conf_resolve(struct agent_conf *c, char *err, size_t errlen)
{
	char cwd[PATH_MAX];

	if (log_level_parse(c->log_level) < 0) {
		snprintf(err, errlen, "log_level: '%s' is not error, warn, info or debug",
			 c->log_level);
		return -1;
	}
	if (c->reconnect_min_ms > c->reconnect_max_ms) {
		snprintf(err, errlen, "reconnect_min must not be above reconnect_max");
		return -1;
	}
	if (check_labels(c->labels, err, errlen) < 0)
		return -1;
	if (c->work_dir[0] != '/') {
		/* Tasks see paths under it; they must not depend on the agent's cwd. */
		if (getcwd(cwd, sizeof cwd) == NULL) {
			snprintf(err, errlen, "work_dir: %s", strerror(errno));
			return -1;
		}
		set_str(&c->work_dir, xasprintf("%s/%s", cwd, c->work_dir));
	}
	return resolve_machine(c, err, errlen);
}

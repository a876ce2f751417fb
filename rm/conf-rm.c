/* rmd's configuration table: every key, its range, default and help, in one place. */
#include <stddef.h>

#include "rm.h"

#define F(field) offsetof(struct rm_conf, field)
#define DAY_MS (24LL * 3600 * 1000)

const struct conf_entry rm_conf_table[] = {
	{ "client_listen", CONF_STR, 1, 255, "\"127.0.0.1:7420\"", F(client_listen),
	  "address for clients and frameworks (host:port; port 0 picks a free one)" },
	{ "node_listen", CONF_STR, 1, 255, "\"127.0.0.1:7421\"", F(node_listen),
	  "address for node agents (host:port; port 0 picks a free one)" },
	{ "state_dir", CONF_STR, 1, 4095, "\"/var/lib/loom/rmd\"", F(state_dir),
	  "directory for rmd's state; the bound ports are written to <state_dir>/ports" },
	{ "heartbeat_interval", CONF_MS, 50, 60000, "\"500ms\"", F(heartbeat_interval_ms),
	  "how often node agents are told to heartbeat" },
	{ "node_expiry", CONF_MS, 200, DAY_MS, "\"4s\"", F(node_expiry_ms),
	  "a node with no heartbeat for this long is LOST and its attempts placed again" },
	{ "max_frame", CONF_MEM_MB, 1, 1024, "\"16M\"", F(max_frame_mb),
	  "largest message accepted; a bigger frame closes the connection" },
	{ "max_outbuf", CONF_MEM_MB, 1, 4096, "\"64M\"", F(max_outbuf_mb),
	  "unsent bytes queued for one connection before it is closed" },
	{ "default_max_attempts", CONF_INT, 1, 100, "4", F(default_max_attempts),
	  "attempts per task when a job does not say (LOST attempts do not count)" },
	{ "kill_grace", CONF_MS, 0, 3600000, "\"5s\"", F(kill_grace_ms),
	  "time between SIGTERM and SIGKILL when rmd stops an attempt" },
	{ "completed_jobs_kept", CONF_INT, 0, 100000000, "10000", F(completed_jobs_kept),
	  "finished jobs kept for queries; the oldest are dropped beyond this" },
	{ "log_timeout", CONF_MS, 100, 600000, "\"10s\"", F(log_timeout_ms),
	  "how long a log request waits for the node before failing" },
	{ "log_level", CONF_STR, 4, 5, "\"info\"", F(log_level),
	  "error, warn, info or debug" },
	{ "log_file", CONF_STR, 0, 0, "\"\"", F(log_file),
	  "log to this file; \"\" or \"-\" logs to stderr" },
};

const size_t rm_conf_n = sizeof(rm_conf_table) / sizeof(rm_conf_table[0]);

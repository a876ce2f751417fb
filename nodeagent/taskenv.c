/*
 * The environment a task sees: the agent's own environment, then the job's "KEY=VALUE"
 * entries, then the LOOM_* variables, each later entry replacing an earlier one with the
 * same key. Pure functions, built in the parent before fork.
 */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "xmalloc.h"

void loom_vars_build(struct loom_vars *lv, const struct loom_id *id, int32_t ntasks,
		     const char *output_dir)
{
	char idbuf[ID_BUFSZ];
	int i = 0;

	snprintf(lv->job, sizeof lv->job, "LOOM_JOB_ID=job-%llu", (unsigned long long)id->job);
	snprintf(lv->task, sizeof lv->task, "LOOM_TASK_INDEX=%d", id->task);
	snprintf(lv->ntasks, sizeof lv->ntasks, "LOOM_NUM_TASKS=%d", ntasks);
	snprintf(lv->attempt, sizeof lv->attempt, "LOOM_ATTEMPT=%d", id->attempt);
	snprintf(lv->attempt_id, sizeof lv->attempt_id, "LOOM_ATTEMPT_ID=%s",
		 id_format(id, idbuf, sizeof idbuf));
	snprintf(lv->progress_fd, sizeof lv->progress_fd, "LOOM_PROGRESS_FD=%d",
		 AGENT_PROGRESS_FD);
	lv->output_dir = xasprintf("LOOM_OUTPUT_DIR=%s", output_dir);
	lv->v[i++] = lv->job;
	lv->v[i++] = lv->task;
	lv->v[i++] = lv->ntasks;
	lv->v[i++] = lv->attempt;
	lv->v[i++] = lv->attempt_id;
	lv->v[i++] = lv->output_dir;
	lv->v[i++] = lv->progress_fd;
	lv->v[i] = NULL;
}

void loom_vars_free(struct loom_vars *lv)
{
	free(lv->output_dir);
	lv->output_dir = NULL;
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

/* Length of the key of "K=V" (0 when there is no '=' or the key is empty). */
static size_t env_key_len(const char *s)
{
	const char *eq = strchr(s, '=');
	return eq == NULL ? 0 : (size_t)(eq - s);
}

/* Index of the entry in v[0..n) with the same key as s, or n. */
static size_t env_find(char **v, size_t n, const char *s, size_t klen)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i], s, klen) == 0 && v[i][klen] == '=')
			return i;
	return n;
}

/*
 * The base is copied as is (an environment has unique keys); only layer entries are
 * looked up, so the cost is (layer entries x total), a few hundred comparisons.
 */
char **env_merge(char *const *base, char *const *const *layers, int nlayers)
{
	size_t total = strv_len(base), n = 0;

	for (int l = 0; l < nlayers; l++)
		total += strv_len(layers[l]);
	char **v = xmalloc((total + 1) * sizeof *v);
	for (size_t i = 0; base != NULL && base[i] != NULL; i++)
		if (env_key_len(base[i]) > 0)
			v[n++] = base[i];
	for (int l = 0; l < nlayers; l++) {
		for (size_t i = 0; layers[l] != NULL && layers[l][i] != NULL; i++) {
			char *s = layers[l][i];
			size_t klen = env_key_len(s);
			if (klen == 0)
				continue;
			size_t at = env_find(v, n, s, klen);
			v[at] = s;
			if (at == n)
				n++;
		}
	}
	v[n] = NULL;
	return v;
}

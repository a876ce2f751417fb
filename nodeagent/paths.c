/*
 * Where an attempt's files live: <work_dir>/attempts/<attempt id>/ holds its stdout and
 * stderr (and is its working directory by default); its output goes to
 * <output_dir>/_attempts/<attempt id>/, or stays in the attempt directory without one.
 * Ids reach paths only in canonical form, so "../" can never appear in one.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "xmalloc.h"

bool attempt_id_valid(const char *s)
{
	struct loom_id id;
	char canon[ID_BUFSZ];

	if (s == NULL || id_parse(s, &id) < 0 || !id_is_attempt(&id))
		return false;
	return strcmp(id_format(&id, canon, sizeof canon), s) == 0;
}

char *attempt_path(const char *attempts_dir, const char *id, const char *leaf)
{
	if (!attempt_id_valid(id))
		return NULL;
	if (leaf == NULL)
		return xasprintf("%s/%s", attempts_dir, id);
	return xasprintf("%s/%s/%s", attempts_dir, id, leaf);
}

char *attempt_output_path(const char *output_dir, const char *attempt_dir, const char *id)
{
	/* No shared output: the attempt's own directory is its output, which saves a mkdir
	 * per launch (file creation is most of an agent's cost for short tasks). */
	if (output_dir == NULL || output_dir[0] == '\0')
		return xstrdup(attempt_dir);
	size_t n = strlen(output_dir);
	while (n > 1 && output_dir[n - 1] == '/')
		n--;
	return xasprintf("%.*s/_attempts/%s", (int)n, output_dir, id);
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; rc == 0 && *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, mode) < 0 && errno != EEXIST)
		rc = -1;
	int saved = errno;
	free(p);
	errno = saved;
	return rc;
}

/* The common case (parents exist) costs one mkdir; an existing leaf is fine. */
int mkdir_leaf(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	return mkdir_p(path, mode);
}

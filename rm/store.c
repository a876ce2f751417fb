/*
 * The state store's front: encodes records and hands them to the backend's ops. rmd
 * calls these and never the backend directly, so a backend is one ops struct.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "xmalloc.h"

struct store *store_new(const struct store_ops *ops, struct event_base *base, const char *dir,
			bool fsync)
{
	struct store *st = xcalloc(1, sizeof(*st));

	st->ops = ops;
	st->base = base;
	st->dir = xstrdup(dir);
	st->fsync = fsync;
	mpw_init(&st->w);
	return st;
}

int store_open(struct store *st, store_replay_fn fn, void *arg, char *err, size_t errlen)
{
	return st->ops->open(st, fn, arg, err, errlen);
}

int store_append(struct store *st, const struct store_rec *r)
{
	mpw_reset(&st->w);
	rec_encode(&st->w, r);
	if (st->ops->append(st, mpw_data(&st->w), mpw_len(&st->w), r->type) < 0)
		return -1;
	st->st.appends++;
	st->st.since_snapshot++;
	return 0;
}

void store_sync(struct store *st, store_done_fn cb, void *arg)
{
	st->ops->sync(st, cb, arg);
}

struct store_snap *store_snap_begin(struct store *st, uint64_t next_job)
{
	return st->ops->snap_begin(st, next_job);
}

void store_snap_add(struct store *st, struct store_snap *sn, const struct store_rec *r)
{
	mpw_reset(&st->w);
	rec_encode(&st->w, r);
	st->ops->snap_add(sn, mpw_data(&st->w), mpw_len(&st->w), r->type);
}

int store_snap_commit(struct store *st, struct store_snap *sn, char *err, size_t errlen)
{
	int rc = st->ops->snap_commit(st, sn, err, errlen);

	if (rc == 0)
		st->st.since_snapshot = 0;
	return rc;
}

void store_free(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st);
	mpw_free(&st->w);
	free(st->dir);
	free(st);
}

/*
 * One worker thread for blocking work. Jobs wait in a mutex-protected FIFO; finished jobs
 * move to a done list and a byte on a pipe wakes the loop, which runs their done
 * callbacks in order. One thread keeps the order of jobs the order of submission.
 */
#include "worker.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

struct work {
	work_fn work;
	done_fn done;
	void *arg;
	struct work *next;
};

/* A singly linked FIFO. */
struct work_list {
	struct work *head, *tail;
};

struct worker {
	char name[32];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct work_list todo; /* under lock */
	struct work_list done; /* under lock */
	bool stop;             /* under lock */
	int pending;           /* loop thread only */
	int pipe[2];
	struct event *ev;
};

static void list_push(struct work_list *l, struct work *w)
{
	w->next = NULL;
	if (l->tail != NULL)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
}

static struct work *list_pop(struct work_list *l)
{
	struct work *w = l->head;
	if (w != NULL) {
		l->head = w->next;
		if (l->head == NULL)
			l->tail = NULL;
	}
	return w;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;

	pthread_mutex_lock(&wk->lock);
	for (;;) {
		struct work *w = list_pop(&wk->todo);
		if (w == NULL) {
			if (wk->stop)
				break;
			pthread_cond_wait(&wk->cond, &wk->lock);
			continue;
		}
		pthread_mutex_unlock(&wk->lock);
		w->work(w->arg);
		pthread_mutex_lock(&wk->lock);
		list_push(&wk->done, w);
		/* A full pipe already promises a wake-up, so EAGAIN is fine. */
		ssize_t rc = write(wk->pipe[1], "x", 1);
		(void)rc;
	}
	pthread_mutex_unlock(&wk->lock);
	return NULL;
}

/* On the loop: drain the wake-up bytes, then run every finished job's done callback. */
static void worker_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker *wk = arg;
	char buf[256];
	struct work_list done;

	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&wk->lock);
	done = wk->done;
	wk->done.head = wk->done.tail = NULL;
	pthread_mutex_unlock(&wk->lock);
	struct work *w;
	while ((w = list_pop(&done)) != NULL) {
		wk->pending--;
		if (w->done != NULL)
			w->done(w->arg);
		free(w);
	}
}

struct worker *worker_new(struct event_base *base, const char *name)
{
	struct worker *wk = xcalloc(1, sizeof *wk);

	snprintf(wk->name, sizeof wk->name, "%s", name);
	if (pipe2(wk->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		fatal("worker %s: pipe: %s", name, strerror(errno));
	pthread_mutex_init(&wk->lock, NULL);
	pthread_cond_init(&wk->cond, NULL);
	wk->ev = event_new(base, wk->pipe[0], EV_READ | EV_PERSIST, worker_wake, wk);
	if (wk->ev == NULL || event_add(wk->ev, NULL) < 0)
		fatal("worker %s: cannot watch its pipe", name);
	int rc = pthread_create(&wk->thread, NULL, worker_main, wk);
	if (rc != 0)
		fatal("worker %s: pthread_create: %s", name, strerror(rc));
	return wk;
}

void worker_submit(struct worker *wk, work_fn work, done_fn done, void *arg)
{
	struct work *w = xmalloc(sizeof *w);

	w->work = work;
	w->done = done;
	w->arg = arg;
	wk->pending++;
	pthread_mutex_lock(&wk->lock);
	list_push(&wk->todo, w);
	pthread_cond_signal(&wk->cond);
	pthread_mutex_unlock(&wk->lock);
}

int worker_pending(const struct worker *wk)
{
	return wk->pending;
}

void worker_free(struct worker *wk)
{
	struct work *w;

	if (wk == NULL)
		return;
	pthread_mutex_lock(&wk->lock);
	wk->stop = true;
	pthread_cond_signal(&wk->cond);
	pthread_mutex_unlock(&wk->lock);
	pthread_join(wk->thread, NULL);
	while ((w = list_pop(&wk->done)) != NULL)
		free(w);
	event_free(wk->ev);
	close(wk->pipe[0]);
	close(wk->pipe[1]);
	pthread_mutex_destroy(&wk->lock);
	pthread_cond_destroy(&wk->cond);
	free(wk);
}

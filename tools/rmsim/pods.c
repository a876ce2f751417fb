/*
 * Multi-resource replay of a pod trace on a node list: pods arrive at their creation
 * time, take a node chosen by a packing policy (resource vectors of common/resource.h,
 * the arithmetic rmd places with) and hold it for their recorded run time (deletion -
 * scheduled time; a pod the real cluster never scheduled holds it until its deletion
 * time). A pod that fits no node waits, oldest first, and is retried on every node that
 * frees capacity; a pod still waiting at its deletion time gave up: "not placed".
 * Events at one instant: ends first, then give-ups, then arrivals in file order.
 *
 * With hold, pods never end: the cluster only fills, as in the simulator of the paper
 * that published this trace (Weng et al., ATC'23), where packing decides how many of the
 * pods fit at all. Without it, the trace's 149 days hold few pods at once.
 */
#include "rmsim.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* ---- packing policies --------------------------------------------------------------- */

/* The GPUs of n that p would take: whole GPUs are the first idle ones; a share goes on
 * the fullest GPU that still takes it when tight, else on the emptiest. */
static bool gpu_pick(const struct pnode *n, const struct pod *p, bool tight, uint32_t *mask)
{
	int best = -1, got = 0;

	*mask = 0;
	if (p->share_m > 0) {
		for (int g = 0; g < n->ngpu; g++)
			if (n->gpu_free[g] >= p->share_m &&
			    (best < 0 || (tight ? n->gpu_free[g] < n->gpu_free[best]
						: n->gpu_free[g] > n->gpu_free[best])))
				best = g;
		*mask = best >= 0 ? 1u << best : 0;
		return best >= 0;
	}
	for (int g = 0; g < n->ngpu && got < p->ngpu; g++)
		if (n->gpu_free[g] == 1000) {
			*mask |= 1u << g;
			got++;
		}
	return got == p->ngpu;
}

static double frac(int64_t left, int64_t cap)
{
	return cap > 0 ? (double)left / (double)cap : 0;
}

/* What stays free on n after p, as the mean of its components' free fractions. */
static double left_after(const struct pnode *n, const struct pod *p)
{
	double s = frac(n->free.vcores_m - p->want.vcores_m, n->cap.vcores_m) +
		   frac(n->free.mem_mb - p->want.mem_mb, n->cap.mem_mb);

	if (n->ngpu == 0)
		return s / 2;
	return (s + frac(n->free.gpus - p->want.gpus, n->cap.gpus)) / 3;
}

static double score_first(const struct pnode *n, const struct pod *p)
{
	(void)n, (void)p;
	return 0;
}

static double score_best(const struct pnode *n, const struct pod *p)
{
	return left_after(n, p);
}

static double score_worst(const struct pnode *n, const struct pod *p)
{
	return -left_after(n, p);
}

/*
 * GPU-aware: spread CPU and memory (as worst fit), so that no node runs out of cores
 * while its GPUs idle, but pack GPU shares: a share goes to a GPU that another share
 * already uses, the fullest one that takes it, so whole GPUs stay whole for the pods
 * that need them. Pods without GPUs go to nodes without GPUs while one fits.
 */
static double score_gpu(const struct pnode *n, const struct pod *p)
{
	double spread = -left_after(n, p); /* in [-1, 0] */
	uint32_t mask;

	if (p->want.gpus == 0)
		return (n->ngpu == 0 ? 0 : 2) + spread;
	if (p->share_m > 0 && gpu_pick(n, p, true, &mask)) {
		int g = __builtin_ctz(mask);
		if (n->gpu_free[g] < 1000) /* shared already: the fuller, the better */
			return -3 + (double)(n->gpu_free[g] - p->share_m) / 1000;
	}
	return spread;
}

const struct packing packings[] = {
	{ "first-fit", "the first node in the node list that fits", score_first, false },
	{ "best-fit", "the node left with the least free (mean of cpu, memory, gpu shares)",
	  score_best, true },
	{ "worst-fit", "the node left with the most free (spread, as Kubernetes' default)",
	  score_worst, false },
	{ "gpu-aware", "spread CPU, pack GPU shares, CPU-only pods off GPU nodes (Loom's)",
	  score_gpu, true },
};
const size_t npackings = sizeof(packings) / sizeof(packings[0]);

const struct packing *packing_find(const char *name)
{
	for (size_t i = 0; i < npackings; i++)
		if (strcmp(packings[i].name, name) == 0)
			return &packings[i];
	return NULL;
}

/* ---- the cluster's side ------------------------------------------------------------- */

static bool fits(const struct pnode *n, const struct pod *p, bool tight, uint32_t *mask)
{
	return res_fits(&p->want, &n->free) && gpu_pick(n, p, tight, mask);
}

static void pod_bind(struct pnode *n, struct pod *p, uint32_t mask, int32_t node, int64_t now)
{
	res_sub(&n->free, &p->want);
	for (int g = 0; g < n->ngpu; g++)
		if (mask & (1u << g))
			n->gpu_free[g] -= p->share_m > 0 ? p->share_m : 1000;
	p->gpus = mask;
	p->node = node;
	p->start = now;
}

static void unbind(struct pnode *n, struct pod *p)
{
	res_add(&n->free, &p->want);
	for (int g = 0; g < n->ngpu; g++)
		if (p->gpus & (1u << g))
			n->gpu_free[g] += p->share_m > 0 ? p->share_m : 1000;
}

/* The node the policy picks for p, or -1 when none fits. */
static int32_t choose(const struct pods *w, const struct pod *p, const struct packing *pk,
		      uint32_t *mask)
{
	int32_t best = -1;
	double best_s = 0;
	uint32_t m;

	for (size_t i = 0; i < w->nnodes; i++) {
		const struct pnode *n = &w->node[i];
		if (!fits(n, p, pk->tight_gpu, &m))
			continue;
		double s = pk->score(n, p);
		if (best < 0 || s < best_s) {
			best = (int32_t)i;
			best_s = s;
			*mask = m;
			if (pk->score == score_first)
				break;
		}
	}
	return best;
}

/* ---- events ------------------------------------------------------------------------- */

enum { EV_END, EV_GIVEUP };

struct event {
	int64_t time;
	int kind;
	size_t pod;
};

struct heap {
	struct event *e;
	size_t n, cap;
};

static bool ev_before(const struct event *a, const struct event *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	if (a->kind != b->kind)
		return a->kind < b->kind;
	return a->pod < b->pod;
}

static void heap_push(struct heap *h, struct event ev)
{
	size_t i = h->n++;

	h->e = xgrow(h->e, &h->cap, h->n, sizeof(*h->e));
	for (; i > 0 && ev_before(&ev, &h->e[(i - 1) / 2]); i = (i - 1) / 2)
		h->e[i] = h->e[(i - 1) / 2];
	h->e[i] = ev;
}

static struct event heap_pop(struct heap *h)
{
	struct event top = h->e[0], last = h->e[--h->n];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && ev_before(&h->e[c + 1], &h->e[c]))
			c++;
		if (!ev_before(&h->e[c], &last))
			break;
		h->e[i] = h->e[c];
		i = c;
	}
	if (h->n > 0)
		h->e[i] = last;
	return top;
}

struct replay {
	struct pods *w;
	const struct packing *pk;
	bool hold;             /* pods never end */
	struct heap h;
	size_t *wait;          /* waiting pods, oldest first ([0, nwait)) */
	size_t nwait, capwait;
	struct res used;       /* allocated now */
	int64_t t0, t1, last;  /* measured span and the last accounting time */
	double cpu_area, gpu_area;
	struct pods_stats *st;
};

/* Accounts allocation up to now (inside [t0, t1]) and tracks peaks. */
static void account(struct replay *r, int64_t now)
{
	int64_t a = r->last > r->t0 ? r->last : r->t0, b = now < r->t1 ? now : r->t1;

	if (b > a) {
		r->cpu_area += (double)r->used.vcores_m * (double)(b - a);
		r->gpu_area += (double)r->used.gpus * (double)(b - a);
	}
	r->last = now;
}

static void peaks(struct replay *r)
{
	double c = frac(r->used.vcores_m, r->w->total.vcores_m);
	double g = frac(r->used.gpus, r->w->total.gpus);

	if (c > r->st->cpu_peak)
		r->st->cpu_peak = c;
	if (g > r->st->gpu_peak)
		r->st->gpu_peak = g;
}

static void start(struct replay *r, size_t i, int32_t node, uint32_t mask, int64_t now)
{
	struct pod *p = &r->w->pod[i];

	pod_bind(&r->w->node[node], p, mask, node, now);
	res_add(&r->used, &p->want);
	peaks(r);
	if (!r->hold)
		heap_push(&r->h, (struct event){ p->dur >= 0 ? now + p->dur : p->leave, EV_END, i });
	if (now > p->arrive) {
		r->st->waited++;
		r->st->wait_sum += (double)(now - p->arrive);
	}
}

/* Node `node` has more room: the waiting pods that fit there now take it, oldest first. */
static void retry(struct replay *r, int32_t node, int64_t now)
{
	size_t k = 0;
	uint32_t mask;

	for (size_t i = 0; i < r->nwait; i++) {
		size_t pi = r->wait[i];
		if (fits(&r->w->node[node], &r->w->pod[pi], r->pk->tight_gpu, &mask))
			start(r, pi, node, mask, now);
		else
			r->wait[k++] = pi;
	}
	r->nwait = k;
}

static void on_event(struct replay *r, struct event ev)
{
	struct pod *p = &r->w->pod[ev.pod];

	if (ev.kind == EV_END) {
		unbind(&r->w->node[p->node], p);
		res_sub(&r->used, &p->want);
		retry(r, p->node, ev.time);
		return;
	}
	for (size_t i = 0; i < r->nwait; i++) /* a give-up: gone if still waiting */
		if (r->wait[i] == ev.pod) {
			memmove(&r->wait[i], &r->wait[i + 1], (r->nwait - i - 1) * sizeof(*r->wait));
			r->nwait--;
			r->st->unplaced++;
			r->st->unplaced_kind[p->share_m > 0 ? 1 : p->ngpu > 0 ? 0 : 2]++;
			return;
		}
}

static void arrive(struct replay *r, size_t i)
{
	struct pod *p = &r->w->pod[i];
	uint32_t mask = 0;
	int32_t node = choose(r->w, p, r->pk, &mask);

	if (node >= 0) {
		start(r, i, node, mask, p->arrive);
		return;
	}
	r->wait = xgrow(r->wait, &r->capwait, r->nwait + 1, sizeof(*r->wait));
	r->wait[r->nwait++] = i;
	heap_push(&r->h, (struct event){ p->leave, EV_GIVEUP, i });
}

static int cmp_arrival(const void *a, const void *b)
{
	const struct pod *x = a, *y = b;

	if (x->arrive != y->arrive)
		return (x->arrive > y->arrive) - (x->arrive < y->arrive);
	return (x->line > y->line) - (x->line < y->line);
}

void pods_replay(struct pods *w, const struct packing *pk, bool hold, struct pods_stats *st)
{
	struct replay r = { .w = w, .pk = pk, .hold = hold, .st = st };
	size_t next = 0;

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < w->nnodes; i++) { /* an empty cluster, also on a second run */
		struct pnode *n = &w->node[i];
		n->free = n->cap;
		for (int g = 0; g < n->ngpu; g++)
			n->gpu_free[g] = 1000;
	}
	qsort(w->pod, w->npods, sizeof(*w->pod), cmp_arrival);
	r.t0 = r.last = w->pod[0].arrive;
	r.t1 = w->pod[w->npods - 1].arrive;
	while (next < w->npods || r.h.n > 0) {
		bool take_ev = r.h.n > 0 && (next == w->npods || r.h.e[0].time <= w->pod[next].arrive);
		int64_t now = take_ev ? r.h.e[0].time : w->pod[next].arrive;

		account(&r, now);
		if (take_ev)
			on_event(&r, heap_pop(&r.h));
		else
			arrive(&r, next++);
	}
	st->pods = w->npods;
	st->placed = w->npods - st->unplaced;
	st->span = r.t1 - r.t0;
	st->cpu_mean = r.t1 > r.t0 ? r.cpu_area / ((double)st->span * (double)w->total.vcores_m) : 0;
	st->gpu_mean = r.t1 > r.t0 && w->total.gpus > 0
		? r.gpu_area / ((double)st->span * (double)w->total.gpus) : 0;
	free(r.h.e);
	free(r.wait);
}

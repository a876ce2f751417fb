/*
 * Reads the Alibaba GPU cluster extract (cluster-trace-gpu-v2023): the pod list and the
 * node list, as CSV with a header row. Columns are found by name; every number is
 * checked, and errors name FILE:LINE and the column.
 *
 * GPU model: a pod asks for num_gpu whole GPUs (gpu_milli 1000), or for gpu_milli
 * thousandths of a single GPU that other pods may share (num_gpu 1, gpu_milli < 1000).
 * In the resource vector the gpus component counts thousandths of a GPU, so both kinds
 * add and subtract with res_add/res_sub; which GPU a share lands on is kept per pod.
 */
#include "rmsim.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

enum { P_CPU, P_MEM, P_NGPU, P_GPUM, P_CREATE, P_DELETE, P_SCHED, P_NCOLS };
static const char *const pod_cols[P_NCOLS] = { "cpu_milli", "memory_mib", "num_gpu",
	"gpu_milli", "creation_time", "deletion_time", "scheduled_time" };

enum { N_NAME, N_CPU, N_MEM, N_GPU, N_NCOLS };
static const char *const node_cols[N_NCOLS] = { "sn", "cpu_milli", "memory_mib", "gpu" };

/* Reads the numbers of one pod row into p; -1 with c's error filled when one is bad. */
static int pod_row(struct csv *c, void *elem)
{
	struct pod *p = elem;
	int64_t v[P_NCOLS];

	for (size_t i = 0; i < P_NCOLS; i++)
		if (csv_int(c, i, pod_cols[i], i == P_SCHED, &v[i]) != 0)
			return -1;
	if (v[P_NGPU] > PODS_MAX_GPUS)
		return csv_fail(c, "num_gpu: %lld is more than %d", (long long)v[P_NGPU],
				PODS_MAX_GPUS);
	if (v[P_GPUM] > 1000 || (v[P_NGPU] == 0) != (v[P_GPUM] == 0))
		return csv_fail(c, "gpu_milli: %lld does not go with num_gpu %lld (0 with 0,"
			       " else 1..1000)", (long long)v[P_GPUM], (long long)v[P_NGPU]);
	if (v[P_NGPU] > 1 && v[P_GPUM] != 1000)
		return csv_fail(c, "gpu_milli: a share (%lld) of more than one GPU",
				(long long)v[P_GPUM]);
	if (v[P_DELETE] < v[P_CREATE])
		return csv_fail(c, "deletion_time is before creation_time");
	if (v[P_SCHED] >= 0 && (v[P_SCHED] < v[P_CREATE] || v[P_SCHED] > v[P_DELETE]))
		return csv_fail(c, "scheduled_time is outside [creation_time, deletion_time]");
	*p = (struct pod){ .arrive = v[P_CREATE], .leave = v[P_DELETE], .line = c->line,
			   .dur = v[P_SCHED] >= 0 ? v[P_DELETE] - v[P_SCHED] : -1,
			   .node = -1, .start = -1 };
	p->want.vcores_m = v[P_CPU];
	p->want.mem_mb = v[P_MEM];
	p->want.gpus = v[P_NGPU] * v[P_GPUM];
	p->ngpu = v[P_GPUM] == 1000 ? (int32_t)v[P_NGPU] : 0;
	p->share_m = v[P_GPUM] < 1000 ? (int32_t)v[P_GPUM] : 0;
	return 0;
}

static int node_row(struct csv *c, void *elem)
{
	struct pnode *n = elem;
	int64_t cpu, mem, gpu;

	if (csv_int(c, N_CPU, "cpu_milli", false, &cpu) != 0 ||
	    csv_int(c, N_MEM, "memory_mib", false, &mem) != 0 ||
	    csv_int(c, N_GPU, "gpu", false, &gpu) != 0)
		return -1;
	if (gpu > PODS_MAX_GPUS)
		return csv_fail(c, "gpu: %lld is more than %d", (long long)gpu, PODS_MAX_GPUS);
	if (*csv_str(c, N_NAME) == '\0')
		return csv_fail(c, "sn: empty node name");
	*n = (struct pnode){ .ngpu = (int32_t)gpu };
	n->cap.vcores_m = cpu;
	n->cap.mem_mb = mem;
	n->cap.gpus = gpu * 1000;
	n->free = n->cap;
	for (int g = 0; g < n->ngpu; g++)
		n->gpu_free[g] = 1000;
	return 0;
}

/* Reads every data row of path through row() into a growing array; -1 on error. */
static int read_rows(const char *path, const char *const *cols, size_t ncols, void **arr,
		     size_t *n, size_t sz, int (*row)(struct csv *, void *), char *err,
		     size_t errlen)
{
	struct csv c;
	size_t cap = 0;
	int rc = csv_open(&c, path, cols, ncols, err, errlen);

	while (rc == 0 && (rc = csv_next(&c)) == 1) {
		*arr = xgrow(*arr, &cap, *n + 1, sz);
		if ((rc = row(&c, (char *)*arr + *n * sz)) == 0)
			(*n)++;
	}
	csv_close(&c);
	return rc;
}

int pods_load(struct pods *w, const char *pods_path, const char *nodes_path, char *err,
	      size_t errlen)
{
	memset(w, 0, sizeof(*w));
	if (read_rows(pods_path, pod_cols, P_NCOLS, (void **)&w->pod, &w->npods,
		      sizeof(*w->pod), pod_row, err, errlen) < 0 ||
	    read_rows(nodes_path, node_cols, N_NCOLS, (void **)&w->node, &w->nnodes,
		      sizeof(*w->node), node_row, err, errlen) < 0) {
		pods_free(w);
		return -1;
	}
	if (w->npods == 0 || w->nnodes == 0) {
		snprintf(err, errlen, "%s: no %s", w->npods == 0 ? pods_path : nodes_path,
			 w->npods == 0 ? "pods" : "nodes");
		pods_free(w);
		return -1;
	}
	for (size_t i = 0; i < w->nnodes; i++)
		res_add(&w->total, &w->node[i].cap);
	return 0;
}

void pods_free(struct pods *w)
{
	free(w->pod);
	free(w->node);
	memset(w, 0, sizeof(*w));
}

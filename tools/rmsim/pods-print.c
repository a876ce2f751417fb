/* The pods replay's figures, for people (a row per packing policy) or as JSON. */
#include "rmsim.h"

void pods_print_head(FILE *f, const char *path, const struct pods *w)
{
	fprintf(f, "pods %s: %zu pods on %zu nodes (%lld GPUs, %lld vcores, %lld GiB)\n"
		   "allocated shares are time-weighted over first to last arrival\n"
		   "%-10s %7s %8s %16s %7s %10s %9s %8s %9s %8s\n",
		path, w->npods, w->nnodes, (long long)(w->total.gpus / 1000),
		(long long)(w->total.vcores_m / 1000), (long long)(w->total.mem_mb / 1024),
		"packing", "placed", "unplaced", "(gpu/share/cpu)", "waited", "mean_wait", "gpu_mean", "gpu_peak",
		"cpu_mean", "cpu_peak");
}

static double mean_wait(const struct pods_stats *st)
{
	return st->waited > 0 ? st->wait_sum / (double)st->waited : 0;
}

void pods_print_row(FILE *f, const char *name, const struct pods_stats *st)
{
	char kinds[48];

	snprintf(kinds, sizeof(kinds), "%zu/%zu/%zu", st->unplaced_kind[0], st->unplaced_kind[1],
		 st->unplaced_kind[2]);
	fprintf(f, "%-10s %7zu %8zu %16s %7zu %10.0f %9.3f %8.3f %9.3f %8.3f\n", name,
		st->placed, st->unplaced, kinds, st->waited, mean_wait(st), st->gpu_mean, st->gpu_peak,
		st->cpu_mean, st->cpu_peak);
}

void pods_print_json(FILE *f, const char *name, const struct pods_stats *st, bool first)
{
	fprintf(f, "%s{\"packing\":\"%s\",\"placed\":%zu,\"unplaced\":%zu,"
		   "\"unplaced_gpu\":%zu,\"unplaced_share\":%zu,\"unplaced_cpu\":%zu,\"waited\":%zu,"
		   "\"mean_wait_s\":%.4f,\"gpu_alloc_mean\":%.6f,\"gpu_alloc_peak\":%.6f,"
		   "\"cpu_alloc_mean\":%.6f,\"cpu_alloc_peak\":%.6f,\"span_s\":%lld}",
		first ? "" : ",", name, st->placed, st->unplaced, st->unplaced_kind[0],
		st->unplaced_kind[1], st->unplaced_kind[2], st->waited, mean_wait(st),
		st->gpu_mean, st->gpu_peak, st->cpu_mean, st->cpu_peak, (long long)st->span);
}

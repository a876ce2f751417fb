/* Protocol codec: job_submit round-trips every job_spec field, fills defaults for absent
 * ones, and job_spec_copy makes an equal copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_samples.h"
#include "proto_test_util.h"

static void assert_spec_equal(const struct job_spec *a, const struct job_spec *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->queue, b->queue);
	assert_string_equal(a->user, b->user);
	assert_int_equal(a->nargv, b->nargv);
	for (int i = 0; i < a->nargv; i++)
		assert_string_equal(a->argv[i], b->argv[i]);
	assert_int_equal(a->nenv, b->nenv);
	for (int i = 0; i < a->nenv; i++)
		assert_string_equal(a->env[i], b->env[i]);
	assert_int_equal(a->ntasks, b->ntasks);
	assert_res_equal(&a->res, &b->res);
	assert_int_equal(a->max_attempts, b->max_attempts);
	assert_int_equal(a->priority, b->priority);
	assert_string_equal(a->output_dir, b->output_dir);
	assert_string_equal(a->workdir, b->workdir);
	assert_int_equal(a->nafter, b->nafter);
	for (int i = 0; i < a->nafter; i++)
		assert_int_equal(a->after[i], b->after[i]);
	assert_int_equal(a->speculation.mode, b->speculation.mode);
	assert_int_equal(a->speculation.slow_task_pct, b->speculation.slow_task_pct);
	assert_int_equal(a->speculation.slow_node_pct, b->speculation.slow_node_pct);
	assert_int_equal(a->speculation.cap_pct, b->speculation.cap_pct);
	assert_int_equal(a->speculation.multiplier_pct, b->speculation.multiplier_pct);
	assert_int_equal(a->speculation.quantile_pct, b->speculation.quantile_pct);
	assert_int_equal(a->speculation.min_runtime_ms, b->speculation.min_runtime_ms);
	assert_int_equal(a->nrequire_labels, b->nrequire_labels);
	for (int i = 0; i < a->nrequire_labels; i++)
		assert_string_equal(a->require_labels[i], b->require_labels[i]);
	assert_int_equal(a->nexclude_labels, b->nexclude_labels);
	for (int i = 0; i < a->nexclude_labels; i++)
		assert_string_equal(a->exclude_labels[i], b->exclude_labels[i]);
}

static void test_rt_job_submit(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct job_spec s, want, copy;

	mpw_init(&w);
	enc_submit(&w);
	assert_int_equal(msg_decode_job_submit(unpack(&w, &u, MSG_JOB_SUBMIT, 10), &s, &e), 0);
	sample_spec(&want);
	assert_spec_equal(&s, &want);
	assert_null(s.argv[s.nargv]);
	assert_null(s.require_labels[s.nrequire_labels]);
	job_spec_copy(&copy, &s);
	job_spec_free(&s);
	assert_spec_equal(&copy, &want);
	job_spec_free(&copy);
	assert_null(copy.argv);
	msgpack_unpacked_destroy(&u);

	/* Defaults: only argv given; the name comes from argv[0]. */
	mpw_reset(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 1);
	char *argv[] = { "/bin/sleep", "1" };
	mpw_kstrv(&w, "argv", argv, 2);
	assert_int_equal(msg_decode_job_submit(unpack(&w, &u, MSG_JOB_SUBMIT, 1), &s, &e), 0);
	assert_string_equal(s.name, "sleep");
	assert_int_equal(s.ntasks, 1);
	assert_int_equal(s.max_attempts, 0);
	assert_string_equal(s.output_dir, "");
	assert_string_equal(s.workdir, "");
	assert_int_equal(s.nenv, 0);
	assert_non_null(s.env);
	assert_int_equal(s.nafter, 0);
	assert_int_equal(s.speculation.mode, SPECULATE_DEFAULT);
	assert_int_equal(s.speculation.multiplier_pct, 0);
	assert_int_equal(s.nrequire_labels, 0);
	assert_int_equal(s.nexclude_labels, 0);
	job_spec_free(&s);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rt_job_submit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

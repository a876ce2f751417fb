#!/usr/bin/env bash
# A task that fails is retried, on another node where possible; a task that keeps failing
# fails its job with the task, the exit code and its last log lines in the reason.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 3

# Fails on its first attempt only.
flaky=$(rmsubmit --max-attempts 3 --mem 32M \
	--wrap 'echo "attempt $LOOM_ATTEMPT" >&2; [ "$LOOM_ATTEMPT" -ge 2 ]')
rmctl wait "$flaky" 2>/dev/null || fail "rmctl wait on the flaky job did not exit 0"
assert_eq "$(job_state "$flaky")" SUCCEEDED "flaky job state"
attempts=$(job_json "$flaky" | jq '.job.tasks[0].attempts | length')
assert_eq "$attempts" 2 "attempts of the flaky task"
first=$(job_json "$flaky" | jq -r '.job.tasks[0].attempts[0].state')
assert_eq "$first" FAILED "first attempt"

# Always fails: the job must fail with a reason a person can act on.
rc=0
bad=$(rmsubmit --wait --max-attempts 2 --mem 32M \
	--wrap 'echo "disk on fire at sector 7" >&2; exit 3' 2>"$T/wait.err") || rc=$?
assert_eq "$rc" 1 "rmsubmit --wait exit status for a failed job"
assert_eq "$(job_state "$bad")" FAILED "failing job state"
reason=$(job_field "$bad" reason)
assert_contains "$reason" "$bad.t0" "job reason"
assert_contains "$reason" "exit code 3" "job reason"
assert_contains "$reason" "disk on fire at sector 7" "job reason"
nodes=$(job_json "$bad" | jq -r '[.job.tasks[0].attempts[].node] | unique | length')
assert_eq "$nodes" 2 "distinct nodes tried"
assert_contains "$(cat "$T/wait.err")" "FAILED" "rmsubmit --wait output"
rc=0; rmctl wait "$bad" 2>/dev/null || rc=$?
assert_eq "$rc" 1 "rmctl wait exit status for a failed job"
pass

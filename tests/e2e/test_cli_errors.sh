#!/usr/bin/env bash
# Bad input to the CLIs gets a message naming the problem and a non-zero exit.
. "$(dirname "$0")/lib.sh"

# expect_fail CODE TEXT COMMAND...: COMMAND exits CODE and its stderr contains TEXT.
expect_fail() {
	local code=$1 text=$2 rc=0; shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	assert_eq "$rc" "$code" "exit status of '$*'"
	assert_contains "$(cat "$T/err")" "$text" "stderr of '$*'"
}

expect_fail 3 "cannot connect" rmsubmit --rm 127.0.0.1:1 -- true
cluster_start --agents 1 --mem 2G

expect_fail 1 "unknown queue" rmsubmit --queue nosuch -- true
expect_fail 1 "larger than any node" rmsubmit --mem 999G -- true
expect_fail 2 "command" rmsubmit --
expect_fail 2 "cannot read job file" rmsubmit -f "$T/missing.job"
printf 'name = "x";\ntasks = 2;\ncommand = ["true"];\nbogus_key = 1;\n' >"$T/bad.job"
expect_fail 2 ":4" rmsubmit -f "$T/bad.job"
printf 'name = "x";\ntasks = -5;\ncommand = ["true"];\n' >"$T/neg.job"
expect_fail 2 "tasks" rmsubmit -f "$T/neg.job"
expect_fail 2 "unknown command" rmctl frobnicate
expect_fail 1 "not found" rmctl job job-999
expect_fail 2 "" rmctl job not-an-id
expect_fail 2 "" rmsubmit --after job-x -- true

# A good job file works.
printf 'name = "from-file";\ntasks = 2;\ncommand = ["true"];\nresources = { memory = "32M"; };\n' >"$T/good.job"
job=$(rmsubmit -f "$T/good.job")
wait_until 20 "job from file" job_is "$job" SUCCEEDED
assert_eq "$(job_field "$job" name)" from-file "job name from file"
assert_eq "$(job_field "$job" ntasks)" 2 "tasks from file"
pass

#!/usr/bin/env bash
# Time-outs and preemptions survive an rmd restart: a job failed at its --time still shows
# timed_out 1 and its reason afterwards; an attempt whose time-limit kill was sent just
# before rmd died (its end reported only to the new rmd) still fails its task as a
# time-out instead of being tried again; attempts preempted while rmd went down stay
# preempted (KILLED, counted by their job and queue, their tasks run again).
. "$(dirname "$0")/lib.sh"

# The processes of the kill tests ignore SIGTERM, so they die at the SIGKILL (kill_grace,
# preempt_grace after rmd's kill), while rmd is down.
conf="$T/rmd.conf"
cat >"$conf" <<EOF
preempt_after = "1s";
preempt_grace = "2s";
queues = {
  default = "batch";
  prod = { guaranteed = 50; maximum = 100; };
  batch = { guaranteed = 50; maximum = 100; };
};
EOF
cluster_start --agents 1 --rm-conf "$conf" --rm-opt recovery_wait=20s --rm-opt kill_grace=2s

attempts_of() { job_json "$1" | jq '[.job.tasks[].attempts[]] | length'; }
restart_rm() {
	"$LOOM_SRC/tools/loom-cluster" kill-rm --dir "$CLUSTER" --signal KILL
	sleep "${1:-0}"
	"$LOOM_SRC/tools/loom-cluster" restart-rm --dir "$CLUSTER"
}

# 1. Ended before the restart.
done1=$(rmsubmit --name done-slow --time 2s --max-attempts 3 -- sleep 60)
wait_until 30 "the over-time job to fail" job_is "$done1" FAILED
restart_rm
note "rmd restarted after $done1 failed at its time limit"
assert_eq "$(job_field "$done1" state)" FAILED "state of $done1 after the restart"
assert_eq "$(job_field "$done1" timed_out)" 1 "timed_out of $done1 after the restart"
assert_contains "$(job_field "$done1" reason)" "time limit" "reason of $done1 after the restart"
assert_eq "$(job_json "$done1" | jq '.job.tasks[0].attempts[0].timed_out')" true \
	"the attempt of $done1 marked timed_out after the restart"

# 2. Killed for its time limit, rmd gone before the end came back.
stub=$(rmsubmit --name stubborn --time 2s --max-attempts 3 -- \
	bash -c 'trap "" TERM; sleep 60')
killing() { [ "$(job_json "$stub" | jq '.job.tasks[0].attempts[0].timed_out')" = true ]; }
wait_until 30 "the time-limit kill of $stub" killing
assert_eq "$(job_field "$stub" state)" RUNNING "state of $stub while its kill is in flight"
restart_rm 4
note "rmd restarted while the kill of $stub was in flight"
wait_until 40 "$stub to fail after the restart" job_is "$stub" FAILED
assert_eq "$(job_field "$stub" timed_out)" 1 "timed_out of $stub after the restart"
assert_contains "$(job_field "$stub" reason)" "time limit" "reason of $stub"
assert_eq "$(attempts_of "$stub")" 1 "attempts of $stub (a time-out is not tried again)"
assert_eq "$(job_field "$done1" timed_out)" 1 "timed_out of $done1 after a second restart"

# 3. Preempted, rmd gone before the ends came back (1 agent, 4 vcores: batch takes all).
hog=$(rmsubmit --name hog --queue batch --tasks 4 --vcores 1 --mem 64M -- \
	bash -c 'trap "" TERM; sleep 60')
running_of() {
	job_json "$1" | jq '[.job.tasks[].attempts[] | select(.state == "RUNNING")] | length'
}
all_running() { [ "$(running_of "$hog")" = 4 ]; }
wait_until 30 "batch to take the node" all_running
prod=$(rmsubmit --name urgent --queue prod --tasks 2 --vcores 1 --mem 64M -- sleep 1)
preempted_ids() {
	job_json "$hog" | jq -r '[.job.tasks[].attempts[] | select(.preempted) | .id] | join(" ")'
}
some_preempted() { [ -n "$(preempted_ids)" ]; }
wait_until 30 "preemption of batch attempts" some_preempted
before=$(preempted_ids)
n=$(echo "$before" | wc -w)
restart_rm 4
note "rmd restarted while $before were being preempted"
wait_until 40 "$prod to succeed after the restart" job_is "$prod" SUCCEEDED
for id in $before; do
	at=$(job_json "$hog" | jq -c --arg id "$id" '.job.tasks[].attempts[] | select(.id == $id)')
	assert_eq "$(echo "$at" | jq -r .preempted)" true "$id preempted after the restart"
	assert_eq "$(echo "$at" | jq -r .state)" KILLED "state of $id after the restart"
done
got=$(job_field "$hog" preempted)
[ "$got" -ge "$n" ] || fail "$hog counts $got preemptions, expected >= $n"
assert_eq "$(job_field "$hog" state)" RUNNING "state of $hog (its preempted tasks run again)"
pre=$(rmctl --json queues | jq -r '.queues[] | select(.path == "root.batch") | .preempted')
[ "$pre" -ge "$n" ] || fail "root.batch counts $pre preemptions, expected >= $n"
rmctl kill "$hog" >/dev/null
pass "time-outs and $n preemption(s) kept across restarts, also with the kill in flight"

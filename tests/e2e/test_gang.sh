#!/usr/bin/env bash
# Gang jobs, reservations, EASY backfill, time limits and preferred nodes on a real cluster
# of 2 agents x 4 vcores:
#  - a gang of 4 x 2 vcores needs the whole cluster: it waits, reserving nodes, and
#    `rmctl job` says what it waits for; a job with no time limit may not take the
#    reserved room, one whose --time ends before the reservation frees may (backfill);
#    when room frees, all 4 tasks start in the same pass.
#  - an attempt that outlives its --time is killed with that reason and its task fails
#    without another attempt.
#  - a task that prefers a node runs there when it has room.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 2 --rm-opt locality_wait=30s
live_of() {
	job_json "$1" | jq '[.job.tasks[].attempts[] | select(.state == "STARTING" or .state == "RUNNING" or .state == "COMMITTING")] | length'
}

# 6 of 8 vcores busy for ~6 s, with a declared limit the reservation can count on.
first=$(rmsubmit --name first --tasks 6 --vcores 1 --mem 64M --time 20s -- sleep 6)
six() { [ "$(live_of "$first")" -eq 6 ]; }
wait_until 20 "the first job's 6 tasks to start" six

gang=$(rmsubmit --name gang --gang --tasks 4 --vcores 2 --mem 64M -- sleep 1)
waits_gang() { job_field "$gang" reason | grep -q "gang"; }
wait_until 10 "the gang job to say it waits for its reservation" waits_gang
assert_eq "$(job_field "$gang" state)" PENDING "gang job while the cluster is busy"
assert_eq "$(live_of "$gang")" 0 "gang attempts started while only 2 of 8 vcores are free"
shown=$(rmctl job "$gang")
assert_contains "$shown" "Waiting:" "rmctl job of the waiting gang"
assert_contains "$shown" "reserv" "rmctl job of the waiting gang"
[ "$(job_field "$gang" 'reserved_nodes | length')" -ge 1 ] || fail "the gang job reserved no node"

# No time limit: may not take the reserved room. A short --time: backfills at once.
long=$(rmsubmit --name long --vcores 1 --mem 64M -- sleep 1)
short=$(rmsubmit --name short --vcores 1 --mem 64M --time 3s -- sleep 1)
wait_until 10 "the short job to backfill" job_is "$short" SUCCEEDED
assert_eq "$(job_field "$long" state)" PENDING "a job without --time while the gang waits"

# The first job ends: the gang starts whole, never partly.
partial=0
until [ "$(job_field "$gang" state)" != PENDING ]; do
	n=$(live_of "$gang")
	[ "$n" -eq 0 ] || [ "$n" -eq 4 ] || partial=$n
	sleep 0.1
	[ $SECONDS -lt 60 ] || fail "the gang job never started"
done
assert_eq "$partial" 0 "gang attempts seen live while the gang was still pending"
wait_until 30 "the gang job to succeed" job_is "$gang" SUCCEEDED
starts=$(job_json "$gang" | jq '[.job.tasks[].attempts[0].start_us] | (max - min)')
[ "$starts" -lt 1000000 ] || fail "the gang's tasks started ${starts} us apart"
wait_until 30 "the long job to run after the gang" job_is "$long" SUCCEEDED

# Time limit: killed with the reason, the task is not tried again.
slow=$(rmsubmit --name slow --time 2s --max-attempts 3 -- sleep 60)
wait_until 30 "the over-time job to fail" job_is "$slow" FAILED
assert_contains "$(job_field "$slow" reason)" "time limit" "reason of the over-time job"
assert_eq "$(job_json "$slow" | jq '[.job.tasks[].attempts[]] | length')" 1 \
	"attempts of the over-time task"
assert_eq "$(job_field "$slow" timed_out)" 1 "timed-out attempts of the over-time job"

# Preferred node: the task runs where its data is.
loc=$(rmsubmit --name local --tasks 2 --prefer 0=node-2 --prefer 1=node-1 --mem 64M \
	--wait -- true 2>/dev/null) || fail "the job with preferred nodes failed"
where=$(job_json "$loc" | jq -r '[.job.tasks[] | .attempts[-1].node] | join(",")')
assert_eq "$where" node-2,node-1 "nodes of tasks 0 and 1 (preferred node-2, node-1)"
pass "gang waited with a reservation and started whole; backfill, time limit and locality held"

#!/usr/bin/env bash
# rmctl drain: a draining node gets no new attempts, its running attempts finish, then it
# is DECOMMISSIONED; undrain puts a draining node back to work; with a short --timeout a
# long attempt is moved elsewhere (KILLED, not counted as a failure) and its job succeeds.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 3

running_on() { # job node
	job_json "$1" | jq -e --arg n "$2" '[.job.tasks[].attempts[] | select(.node == $n and
		(.state == "RUNNING" or .state == "STARTING"))] | length > 0'
}

long=$(rmsubmit --name long --tasks 6 --vcores 1 --mem 64M --wrap "sleep 3")
wait_until 20 "an attempt running on node-1" running_on "$long" node-1
wait_until 20 "an attempt running on node-3" running_on "$long" node-3
assert_eq "$(rmctl drain node-1)" "node-1 DRAINING" "rmctl drain"
assert_eq "$(rmctl drain node-3 --reason test)" "node-3 DRAINING" "rmctl drain node-3"
assert_eq "$(rmctl undrain node-3)" "node-3 RUNNING" "rmctl undrain"
node_is node-1 DRAINING || fail "node-1 is $(node_state node-1), not DRAINING"

short=$(rmsubmit --name short --tasks 8 --vcores 1 --mem 64M --wrap "sleep 0.2")
wait_until 60 "the short job to succeed" job_is "$short" SUCCEEDED
on1=$(job_json "$short" | jq '[.job.tasks[].attempts[] | select(.node == "node-1")] | length')
assert_eq "$on1" 0 "new attempts placed on the draining node"
wait_until 60 "the long job to succeed" job_is "$long" SUCCEEDED
won1=$(job_json "$long" | jq '[.job.tasks[].attempts[] | select(.node == "node-1" and .state == "SUCCEEDED")] | length')
[ "$won1" -ge 1 ] || fail "node-1's attempts did not finish there"
wait_until 10 "node-1 to be DECOMMISSIONED" node_is node-1 DECOMMISSIONED

# A short timeout moves a long attempt.
stuck='case "$PWD" in */node-2/*) sleep 60 ;; *) sleep 0.5 ;; esac'
moved=$(rmsubmit --name moved --tasks 4 --vcores 1 --mem 64M --max-attempts 1 --wrap "$stuck")
wait_until 20 "an attempt running on node-2" running_on "$moved" node-2
assert_eq "$(rmctl drain node-2 --timeout 1s)" "node-2 DRAINING" "rmctl drain --timeout"
wait_until 20 "node-2 to be DECOMMISSIONED" node_is node-2 DECOMMISSIONED
wait_until 60 "the moved job to succeed" job_is "$moved" SUCCEEDED
killed=$(job_json "$moved" | jq '[.job.tasks[].attempts[] | select(.node == "node-2" and .state == "KILLED")] | length')
[ "$killed" -ge 1 ] || fail "no attempt was killed on node-2"
assert_eq "$(job_field "$moved" tasks_failed)" 0 "failed tasks"

# Errors: unknown node, a decommissioned one, undrain of a running one.
rmctl drain nosuch 2>"$T/err" && fail "drain of an unknown node succeeded"
assert_contains "$(cat "$T/err")" "node nosuch not found" "rmctl drain nosuch"
rmctl drain node-1 2>"$T/err" && fail "drain of a decommissioned node succeeded"
assert_contains "$(cat "$T/err")" "DECOMMISSIONED" "rmctl drain node-1"
rmctl undrain node-3 2>"$T/err" && fail "undrain of a running node succeeded"
assert_contains "$(cat "$T/err")" "not DRAINING" "rmctl undrain node-3"
pass "drained without new work, finished, moved after the timeout, decommissioned"

#!/usr/bin/env bash
# Nodes where attempts keep failing: a task that always fails on node-2 gets node-2
# excluded for its job after job_node_failures failures, and the job succeeds elsewhere;
# failures across jobs (node_failures) make node-2 UNHEALTHY for node_cooldown, after
# which it is RUNNING again.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 3 --rm-opt job_node_failures=2 --rm-opt node_failures=5 \
	--rm-opt node_failure_window=1m --rm-opt node_cooldown=3s

# Attempts run in <work_dir>/attempts/<id>: $PWD tells the node.
flaky='case "$PWD" in */node-2/*) echo "bad node" >&2; exit 3 ;; esac; sleep 0.3'

job=$(rmsubmit --name picky --tasks 12 --vcores 1 --mem 64M --max-attempts 4 --wrap "$flaky")
wait_until 60 "the job to succeed" job_is "$job" SUCCEEDED
failed2=$(job_json "$job" | jq '[.job.tasks[].attempts[] | select(.node == "node-2" and .state == "FAILED")] | length')
won2=$(job_json "$job" | jq '[.job.tasks[].attempts[] | select(.node == "node-2" and .state == "SUCCEEDED")] | length')
[ "$failed2" -ge 2 ] || fail "expected at least 2 failures on node-2, got $failed2"
assert_eq "$won2" 0 "partitions committed from node-2"
grep -q "job-1: node node-2 excluded after 2 failed attempts" "$CLUSTER/rmd.log" ||
	fail "rmd did not log the exclusion of node-2 for job-1"

# Cluster-wide: more failures on node-2, from any job, reach node_failures.
n=$failed2
while [ "$n" -lt 5 ] && ! node_is node-2 UNHEALTHY; do
	j=$(rmsubmit --name picky-again --tasks 6 --vcores 1 --mem 64M --wrap "$flaky")
	wait_until 60 "$j to succeed" job_is "$j" SUCCEEDED
	n=$((n + $(job_json "$j" | jq '[.job.tasks[].attempts[] | select(.node == "node-2" and .state == "FAILED")] | length')))
done
wait_until 10 "node-2 to be UNHEALTHY" node_is node-2 UNHEALTHY
reason=$(rmctl --json nodes | jq -r '.nodes[] | select(.name == "node-2") | .reason')
assert_eq "$reason" "excluded: 5 attempt failures in 1m" "node-2's reason"
wait_until 20 "node-2 to be RUNNING after its cool-down" node_is node-2 RUNNING
pass "$failed2 failures excluded node-2 for $job; $n across jobs excluded it for a cool-down"

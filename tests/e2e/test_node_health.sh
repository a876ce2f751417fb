#!/usr/bin/env bash
# The node health check: a health script that prints ERROR makes its node UNHEALTHY with
# the script's line as the reason in `rmctl nodes`, no new attempt lands there, and the
# node is RUNNING again once the script is happy. A script that hangs is killed after
# health_timeout and the node is unhealthy "health script timed out".
. "$(dirname "$0")/lib.sh"

# One script for every agent; it runs in the agent's work_dir, so $PWD names the node.
cat >"$T/health.sh" <<SCRIPT
#!/bin/sh
case "\$PWD" in
*/node-2)
	[ -e "$T/sick" ] && echo "ERROR disk /data is full"
	[ -e "$T/hang" ] && sleep 30
	;;
esac
echo "OK"
exit 0
SCRIPT
chmod +x "$T/health.sh"

cluster_start --agents 3 --agent-opt "health_script=$T/health.sh" \
	--agent-opt health_interval=200ms --agent-opt health_timeout=1s

node_reason() { rmctl --json nodes | jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .reason'; }

touch "$T/sick"
wait_until 20 "node-2 to be UNHEALTHY" node_is node-2 UNHEALTHY
assert_contains "$(rmctl nodes)" "ERROR disk /data is full" "rmctl nodes"
assert_eq "$(node_reason node-2)" "health check: ERROR disk /data is full" "node-2's reason"

job=$(rmsubmit --name healthy-only --tasks 12 --vcores 1 --mem 64M --wrap "sleep 0.3")
wait_until 60 "the job to succeed" job_is "$job" SUCCEEDED
on2=$(job_json "$job" | jq '[.job.tasks[].attempts[] | select(.node == "node-2")] | length')
assert_eq "$on2" 0 "attempts placed on the unhealthy node"

rm -f "$T/sick"
wait_until 20 "node-2 to be RUNNING again" node_is node-2 RUNNING

touch "$T/hang"
wait_until 20 "node-2 to be UNHEALTHY (timeout)" node_is node-2 UNHEALTHY
assert_eq "$(node_reason node-2)" "health check: health script timed out" "node-2's reason"
rm -f "$T/hang"
wait_until 20 "node-2 to be RUNNING after the hang" node_is node-2 RUNNING

job2=$(rmsubmit --name everywhere --tasks 12 --vcores 1 --mem 64M --wrap "sleep 0.5")
wait_until 60 "the second job to succeed" job_is "$job2" SUCCEEDED
pass "unhealthy with the script's reason, no work placed there, healthy again"

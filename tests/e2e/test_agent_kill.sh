#!/usr/bin/env bash
# SIGKILL an agent while it runs partitions of the demo: its node is marked LOST after the
# expiry, its attempts are placed again elsewhere, and the total is still exact.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 3
expected=$(make_sales 8M)
tasks=6
map=$(rmsubmit --name slow-map --tasks $tasks --vcores 1 --mem 128M --output "$T/partials" \
	--wrap "sleep 3; exec loom-revsum map '$T/sales.csv'")

running_on_node2() {
	job_json "$map" | jq -e '[.job.tasks[].attempts[] | select(.node == "node-2" and
		(.state == "RUNNING" or .state == "STARTING"))] | length > 0'
}
wait_until 20 "an attempt running on node-2" running_on_node2
# The node's own view lists exactly the attempts the job places there.
on2=$(job_json "$map" | jq -r '[.job.tasks[].attempts[] | select(.node == "node-2" and
	(.state == "RUNNING" or .state == "STARTING")) | .id] | sort | join(",")')
listed=$(rmctl --json nodes node-2 | jq -r '[.attempts[].id] | sort | join(",")')
assert_eq "$listed" "$on2" "attempts listed by rmctl nodes node-2"
assert_contains "$(rmctl nodes node-2)" "$map" "rmctl nodes node-2"
"$LOOM_SRC/tools/loom-cluster" kill-agent --dir "$CLUSTER" node-2 --signal KILL
wait_until 20 "node-2 to be declared LOST" node_is node-2 LOST
wait_until 60 "the map job to finish" job_is "$map" SUCCEEDED

lost=$(job_json "$map" | jq '[.job.tasks[].attempts[] | select(.state == "LOST")] | length')
[ "$lost" -ge 1 ] || fail "no attempt was marked LOST"
# LOST attempts do not count against max attempts, and the winners ran elsewhere.
winners=$(job_json "$map" | jq -r '[.job.tasks[].attempts[] | select(.state == "SUCCEEDED") | .node] | unique | join(",")')
case ",$winners," in *,node-2,*) fail "a partition was committed from the lost node" ;; esac

reduce=$(rmsubmit --wait --after "$map" --mem 64M --output "$T/total" \
	-- loom-revsum reduce "$T/partials" --parts $tasks 2>/dev/null) || fail "reduce failed"
got=$(sed -n 's/.*total=\([0-9.-]*\).*/\1/p' "$T/total/part-00000/total")
assert_eq "$got" "$expected" "revenue total after losing a node"
pass "$lost attempt(s) lost and re-placed, total $got"

#!/usr/bin/env bash
# The revenue demo on a three-agent cluster: the total must be exact, every partition
# committed exactly once, and no attempt's private output left behind.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 3
# Nodes are listed in name order, whatever order they registered in.
assert_eq "$(rmctl --json nodes | jq -r '[.nodes[].name] | join(",")')" "node-1,node-2,node-3" \
	"node order"
expected=$(make_sales 24M)
got=$(run_revenue 8)
assert_eq "$got" "$expected" "revenue total"

map=$(cat "$T/map.id")
assert_eq "$(job_state "$map")" SUCCEEDED "map job state"
assert_eq "$(ls -d "$T"/partials/part-* | wc -l)" 8 "committed partitions"
[ -z "$(ls -A "$T/partials/_attempts" 2>/dev/null)" ] || fail "attempt outputs left behind"
# Every task ran on some node and the work spread over more than one of them.
nodes=$(job_json "$map" | jq -r '[.job.tasks[].attempts[].node] | unique | length')
[ "$nodes" -ge 2 ] || fail "all partitions ran on $nodes node(s)"
pass "total $got"

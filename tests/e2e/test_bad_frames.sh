#!/usr/bin/env bash
# Garbage, truncated, oversized and malformed frames on both rmd ports: the daemon answers
# or closes that one connection and keeps serving everyone else.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 2
for port in "$(rm_port client)" "$(rm_port node)"; do
	for s in oversized garbage notmsgpack notmap badfield unknown truncated; do
		loom-test-wirecheck 127.0.0.1 "$port" "$s" >"$T/wire.out" 2>&1 ||
			fail "port $port, scenario $s: $(cat "$T/wire.out")"
	done
done
loom-test-wirecheck 127.0.0.1 "$(rm_port client)" nohello >/dev/null || fail "nohello"
grep -q "too big\|over the limit\|exceeds" "$CLUSTER/rmd.log" || fail "no log line for the oversized frame"

# Everyone else was served throughout: agents stayed up and a job still runs.
assert_eq "$(rmctl --json nodes | jq '[.nodes[] | select(.state == "RUNNING")] | length')" 2 \
	"running nodes"
job=$(rmsubmit --wait --mem 32M -- true 2>/dev/null) || fail "job after bad frames failed"
assert_eq "$(job_state "$job")" SUCCEEDED "job after bad frames"
pass

#!/usr/bin/env bash
# A burst of 500 small tasks grows the pool to its maximum and never beyond; afterwards the
# idle nodes are drained and released while a node running a long attempt is kept (its
# reason says so) and the attempt finishes: draining never cuts a running attempt short.
. "$(dirname "$0")/lib.sh"

cp "$LOOM_SRC/conf/rmd.conf" "$T/base.conf"
cat >"$T/rmd.conf" <<CONF
@include "base.conf"
pools = (
  { name = "burst"; node = { vcores = 2; memory = "1G"; }; min = 0; max = 3; max_step = 2;
    grow_delay = "200ms"; idle_timeout = "2s"; cooldown = "1s";
    hook = "$LOOM_SRC/tools/autoscale/local-provider"; }
);
CONF
cluster_start --agents 0 --rm-conf "$T/rmd.conf"
members() { rmctl --json nodes | jq '[.nodes[] | select(.state != "DECOMMISSIONED" and .state != "LOST")] | length'; }
pool() { rmctl --json autoscale | jq -r ".pools[0].$1"; }

job=$(rmsubmit --name burst --tasks 500 --vcores 1 --mem 16M --no-speculate -- sleep 0.2)
peak=0
while ! job_is "$job" SUCCEEDED; do
	m=$(members)
	[ "$m" -gt "$peak" ] && peak=$m
	[ "$m" -le 3 ] || fail "$m nodes: beyond the pool's max of 3"
	total=$(( $(pool running) + $(pool starting) + $(pool draining) + $(pool releasing) ))
	[ "$total" -le 3 ] || fail "pool counts $total nodes: beyond max 3"
	[ $SECONDS -lt 200 ] || fail "the burst did not finish"
	sleep 0.2
done
assert_eq "$peak" 3 "peak nodes"
note "burst done on $peak nodes; $(pool last_decision)"

# One long task; the other nodes idle out and go, its node stays until it is done.
long=$(rmsubmit --name long --vcores 1 --mem 16M --no-speculate -- sleep 6)
wait_until 20 "$long to run" job_is "$long" RUNNING
lnode=$(job_json "$long" | jq -r '.job.tasks[0].attempts[0].node')
running_kept() { [ "$(rmctl --json autoscale | jq -r --arg n "$lnode" \
	'.pools[0].nodes[] | select(.name == $n) | .not_released')" = "running 1 attempts" ]; }
wait_until 20 "$lnode to be kept for its attempt" running_kept
only_one() { [ "$(members)" = 1 ]; }
wait_until 30 "the idle nodes to be released" only_one
wait_until 30 "$long to finish" job_is "$long" SUCCEEDED
assert_eq "$(job_json "$long" | jq '.job.tasks[0].attempts | length')" 1 "attempts of the long task"
wait_until 30 "the last node to be released" sh -c "[ \"\$(rmctl --json autoscale | jq '.pools[0].nodes | length')\" = 0 ]"
pass "peak $peak nodes of max 3; long attempt kept its node"

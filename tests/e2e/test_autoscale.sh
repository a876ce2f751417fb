#!/usr/bin/env bash
# Autoscaling with the local provider: a cluster at zero nodes takes the revenue demo,
# the pool grows (the job waits with "scaling up pool local"; jobs and container requests
# no pool's nodes fit by size or labels are refused), the total is exact, and
# after the idle timeout every node is drained and released and no nodeagent remains.
. "$(dirname "$0")/lib.sh"

# libconfig takes @include paths relative to the including file's directory.
cp "$LOOM_SRC/conf/rmd.conf" "$T/base.conf"
cat >"$T/rmd.conf" <<CONF
@include "base.conf"
pools = (
  { name = "local"; labels = ["ssd"]; node = { vcores = 4; memory = "4G"; gpus = 0; };
    min = 0; max = 3; max_step = 3; grow_delay = "300ms"; idle_timeout = "3s";
    cooldown = "1s"; start_timeout = "30s"; hook = "$LOOM_SRC/tools/autoscale/local-provider";
    hook_timeout = "20s"; hook_retries = 2; }
);
CONF
cluster_start --agents 0 --rm-conf "$T/rmd.conf"
as_json() { rmctl --json autoscale; }
pool() { as_json | jq -r ".pools[0].$1"; }
agents_left() { # nodeagent processes of this cluster
	local p n=0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$LOOM_BIN/nodeagent" ] || continue
		tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qxF "LOOM_CLUSTER_DIR=$CLUSTER" &&
			n=$((n + 1))
	done
	echo "$n"
}

assert_eq "$(rmctl --json nodes | jq '.nodes | length')" 0 "nodes at start"
assert_eq "$(pool running)" 0 "running at start"

# A task no pool's node (4 vcores) could ever hold is refused at submission.
if out=$(rmsubmit --vcores 16 --mem 64M -- true 2>&1); then
	fail "a 16-vcore job was accepted: $out"
fi
assert_contains "$out" "no autoscale pool" "refusal"
# So is one requiring a label the pool's nodes do not carry (naming it), and a framework's
# container request goes through the same check.
if out=$(rmsubmit --label gpu --vcores 1 --mem 64M -- true 2>&1); then
	fail "a job requiring gpu was accepted: $out"
fi
assert_contains "$out" "label 'gpu'" "label refusal"
if out=$(fwprobe "127.0.0.1:$(rm_port client)" fw-as register request 1 16 64 2>&1); then
	fail "a 16-vcore container request was accepted: $out"
fi
assert_contains "$out" "no autoscale pool" "container request refusal"

expected=$(make_sales 8M)
# The submission at zero nodes waits for the pool (whose nodes bring the label it needs).
job=$(rmsubmit --name waiter --label ssd --vcores 1 --mem 64M -- true)
reason=$(job_field "$job" reason)
assert_contains "$reason" "scaling up pool local" "reason at zero nodes"
got=$(run_revenue 4)
assert_eq "$got" "$expected" "revenue total"
wait_until 30 "$job to finish" job_is "$job" SUCCEEDED
note "grew: $(pool last_decision)"
curl -sN --max-time 2 "http://127.0.0.1:$(rm_port http)/api/v1/events?backlog=1000" \
	>"$T/sse" 2>/dev/null || true
grep -q '"kind":"autoscale".*"to":"add"' "$T/sse" || fail "no autoscale add event: $(grep autoscale "$T/sse" | head -3)"
rmctl autoscale >"$T/autoscale.txt"
assert_contains "$(cat "$T/autoscale.txt")" "pool local: min 0, max 3" "rmctl autoscale"
curl -sf "http://127.0.0.1:$(rm_port http)/api/v1/autoscale" | jq -e '.pools[0].name == "local"' \
	>/dev/null || fail "/api/v1/autoscale"

# Idle for idle_timeout: drained, released, nothing left running.
wait_until 60 "every pool node to be released" \
	sh -c "[ \"\$(rmctl --json autoscale | jq '.pools[0].nodes | length')\" = 0 ]"
no_agents() { [ "$(agents_left)" = 0 ]; }
wait_until 20 "no nodeagent process left" no_agents
members=$(rmctl --json nodes | jq '[.nodes[] | select(.state != "DECOMMISSIONED")] | length')
assert_eq "$members" 0 "nodes not decommissioned"
curl -sf "http://127.0.0.1:$(rm_port http)/metrics" | grep -c \
	'loom_autoscale_decisions_total{pool="local",action="grow"} [1-9]' >/dev/null ||
	fail "decisions metric"
# An rmd restart keeps the pool's nodes: they re-register and are released as before.
job=$(rmsubmit --vcores 1 --mem 64M -- true)
wait_until 30 "$job to finish" job_is "$job" SUCCEEDED
"$LOOM_SRC/tools/loom-cluster" kill-rm --dir "$CLUSTER"
"$LOOM_SRC/tools/loom-cluster" restart-rm --dir "$CLUSTER" >/dev/null
wait_until 30 "the pool to know its node again" sh -c \
	"rmctl --json autoscale | jq -e '.pools[0].nodes | length == 1' >/dev/null"
wait_until 60 "the node to be released after the restart" sh -c \
	"[ \"\$(rmctl --json autoscale | jq '.pools[0].nodes | length')\" = 0 ]"
wait_until 20 "no nodeagent process left after the restart" no_agents
pass "total $got; pool grew and shrank to zero, also across an rmd restart"

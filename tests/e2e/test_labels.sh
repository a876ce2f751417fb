#!/usr/bin/env bash
# Node labels: node-3 carries the label ssd. A job with --label ssd runs only there, one
# with --no-label ssd never does, and a job requiring a label no node has is refused at
# submission with a message naming the label.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 2
"$LOOM_SRC/tools/loom-cluster" add-agent --dir "$CLUSTER" node-3 --agent-opt 'labels=["ssd"]' \
	>/dev/null
node3_ssd() {
	[ "$(rmctl --json nodes | jq -r '.nodes[] | select(.name == "node-3" and .state == "RUNNING") | .labels | join(",")')" = ssd ]
}
wait_until 20 "node-3 to register with label ssd" node3_ssd

nodes_of() { job_json "$1" | jq -r '[.job.tasks[].attempts[].node] | unique | join(",")'; }

fast=$(rmsubmit --name fast --tasks 6 --vcores 1 --mem 64M --label ssd --wait -- sleep 0.2 \
	2>/dev/null) || fail "the --label ssd job did not succeed"
assert_eq "$(nodes_of "$fast")" node-3 "nodes of the --label ssd job"
shown=$(rmctl job "$fast")
assert_contains "$shown" "Labels:       ssd" "rmctl job $fast"
assert_eq "$(job_field "$fast" 'require_labels | join(",")')" ssd "require_labels of $fast"

slow=$(rmsubmit --name slow --tasks 8 --vcores 1 --mem 64M --no-label ssd --wait -- sleep 0.2 \
	2>/dev/null) || fail "the --no-label ssd job did not succeed"
used=$(nodes_of "$slow")
case ",$used," in *,node-3,*) fail "the --no-label ssd job ran on node-3 ($used)" ;; esac
[ -n "$used" ] || fail "the --no-label ssd job ran nowhere"
assert_eq "$(job_field "$slow" 'exclude_labels | join(",")')" ssd "exclude_labels of $slow"

# A job file says the same with require_labels / exclude_labels.
cat >"$T/job.cfg" <<'CFG'
command = ["true"];
tasks = 3;
resources = { memory = "64M"; };
require_labels = ["ssd"];
CFG
viafile=$(rmsubmit -f "$T/job.cfg" --wait 2>/dev/null) || fail "the job-file job did not succeed"
assert_eq "$(nodes_of "$viafile")" node-3 "nodes of the job-file job"

# No node has gpu: refused, naming the label.
rc=0
out=$(rmsubmit --label gpu --mem 64M -- true 2>&1) || rc=$?
assert_eq "$rc" 1 "rmsubmit's exit code for --label gpu"
assert_contains "$out" "no node has label 'gpu'" "rmsubmit --label gpu"
pass "--label ssd ran on node-3 only, --no-label ssd on $used, --label gpu was refused"

#!/usr/bin/env bash
# Two queues share a real cluster: batch borrows all of it while prod is idle; when prod's
# work arrives, preemption takes back prod's guarantee from batch's youngest attempts
# (killed with a warning, placed again, not counted as failures) and never takes batch
# below its own. Then reloads: a bad file is refused whole with file:line, a good one
# stops batch, which then refuses new jobs; unknown queues are refused at submission.
. "$(dirname "$0")/lib.sh"

conf="$T/rmd.conf"
write_conf() { # batch-guarantee batch-state
	cat >"$conf" <<EOF
preempt_after = "1s";
preempt_grace = "1s";
queues = {
  default = "batch";
  prod = { guaranteed = 50; maximum = 100; weight = 1.0; };
  batch = {
    guaranteed = $1;
    maximum = 100;
    state = "$2";
  };
};
EOF
}
write_conf 50 RUNNING
cluster_start --agents 2 --rm-conf "$conf"

queue_json() { rmctl --json queues | jq -c --arg q "$1" '.queues[] | select(.path == $q)'; }
queue_field() { queue_json "$1" | jq -r ".$2"; }
running_of() {
	job_json "$1" | jq '[.job.tasks[].attempts[] | select(.state == "RUNNING")] | length'
}

# 2 agents x 4 vcores: batch's 16 one-vcore tasks take all 8 while prod is idle.
batch=$(rmsubmit --name hog --queue batch --tasks 16 --vcores 1 --mem 64M -- sleep 30)
eight_running() { [ "$(running_of "$batch")" -eq 8 ]; }
wait_until 30 "batch to borrow the whole cluster" eight_running
share=$(queue_field root.batch share)
assert_eq "$share" 1 "batch's share of the cluster while prod is idle"

prod=$(rmsubmit --name urgent --queue prod --tasks 4 --vcores 1 --mem 64M -- sleep 4)
assert_eq "$(job_field "$prod" queue)" root.prod "queue of the prod job"
prod_running() { [ "$(running_of "$prod")" -eq 4 ]; }
wait_until 30 "preemption to make room for prod's 4 tasks" prod_running

preempted=$(job_json "$batch" | jq '[.job.tasks[].attempts[] | select(.preempted)] | length')
[ "$preempted" -ge 4 ] || fail "only $preempted batch attempts were preempted, expected 4"
[ "$preempted" -le 5 ] || fail "$preempted batch attempts were preempted: more than prod needed"
assert_eq "$(job_field "$batch" preempted)" "$preempted" "the batch job's preempted count"
# Never below batch's guarantee: it keeps 4 of 8 vcores.
assert_eq "$(running_of "$batch")" 4 "batch attempts still running (its guarantee)"
assert_eq "$(job_field "$batch" state)" RUNNING "batch job state after preemption"
nfail=$(job_json "$batch" | jq '[.job.tasks[].attempts[] | select(.state == "FAILED")] | length')
assert_eq "$nfail" 0 "batch attempts counted as failed"
[ "$(queue_field root.batch preempted)" -ge 4 ] || fail "root.batch counts no preemptions"
reason=$(job_json "$batch" | jq -r '[.job.tasks[].attempts[] | select(.preempted) | .reason][0]')
assert_contains "$reason" "preempted" "reason of a preempted attempt"
grep -q "preempt" "$CLUSTER/rmd.log" || fail "rmd.log does not mention the preemption"
shown=$(rmctl queues)
assert_contains "$shown" "prod" "rmctl queues"
assert_contains "$shown" "batch" "rmctl queues"

# prod finishes; batch takes the whole cluster again, its preempted tasks run again.
wait_until 30 "the prod job to succeed" job_is "$prod" SUCCEEDED
wait_until 30 "batch to grow back to 8" eight_running

# A bad reload is refused whole, naming the file and line; nothing changes.
write_conf 70 RUNNING
if out=$(rmctl queues reload 2>&1); then fail "a reload with guarantees over 100% was accepted"; fi
assert_contains "$out" "rmd.conf:" "the refused reload's message"
assert_contains "$out" "nothing changed" "the refused reload's message"
assert_eq "$(queue_field root.batch guarantee)" 0.5 "batch's guarantee after the refused reload"

# A good one stops batch: its job keeps running, new jobs are refused.
write_conf 40 STOPPED
rmctl queues reload >/dev/null || fail "a good reload was refused"
assert_eq "$(queue_field root.batch state)" STOPPED "batch's state after the reload"
assert_eq "$(queue_field root.batch guarantee)" 0.4 "batch's guarantee after the reload"
assert_eq "$(job_field "$batch" state)" RUNNING "the batch job after its queue stopped"
if out=$(rmsubmit --queue batch -- true 2>&1); then fail "a STOPPED queue took a job"; fi
assert_contains "$out" "STOPPED" "refusal by a STOPPED queue"
if out=$(rmsubmit --queue nosuch -- true 2>&1); then fail "an unknown queue took a job"; fi
assert_contains "$out" "unknown queue" "refusal of an unknown queue"

rmctl kill "$batch" >/dev/null
pass "prod took back $preempted attempts from batch; reloads refused and applied"

#!/usr/bin/env bash
# SIGKILL rmd while the demo's map tasks run, start it again on the same ports and state
# dir: every job acknowledged before the crash is still listed, the running attempts are
# adopted (each task has one attempt, never re-run), no partition is committed twice and
# the total is exact.
. "$(dirname "$0")/lib.sh"

# recovery_wait is generous: the wait ends as soon as every known agent is back.
cluster_start --agents 3 --rm-opt recovery_wait=30s
expected=$(make_sales 8M)
tasks=6

acked=()
for i in 1 2 3 4 5; do acked+=("$(rmsubmit --name "acked-$i" --mem 16M -- true)"); done
# No speculation: the six maps sleep, then race through their rows in a few ms, so a pass
# landing between the first finishers and the last could copy a task that is not slow,
# and this test is about adoption, not stragglers (test_speculation covers those).
map=$(rmsubmit --name slow-map --tasks $tasks --vcores 1 --mem 128M --no-speculate --output "$T/partials" \
	--wrap "sleep 4; exec loom-revsum map '$T/sales.csv'")
acked+=("$map")

all_running() {
	job_json "$map" | jq -e --argjson n $tasks \
		'[.job.tasks[].attempts[] | select(.state == "RUNNING")] | length == $n'
}
wait_until 30 "all $tasks map attempts running" all_running
before=$(job_json "$map" | jq -r '[.job.tasks[].attempts[].id] | sort | join(",")')

"$LOOM_SRC/tools/loom-cluster" kill-rm --dir "$CLUSTER" --signal KILL
note "rmd killed with $tasks attempts running: $before"
"$LOOM_SRC/tools/loom-cluster" restart-rm --dir "$CLUSTER"
note "rmd restarted on port $(rm_port client)"

wait_until 60 "the map job to succeed after the restart" job_is "$map" SUCCEEDED
after=$(job_json "$map" | jq -r '[.job.tasks[].attempts[].id] | sort | join(",")')
assert_eq "$after" "$before" "attempts after the restart (adopted, none re-run)"
nsucc=$(job_json "$map" | jq '[.job.tasks[].attempts[] | select(.state == "SUCCEEDED")] | length')
assert_eq "$nsucc" "$tasks" "succeeded attempts"
adopted=$(grep -c "adopted job-" "$CLUSTER/rmd.log" || true)
[ "$adopted" -ge $tasks ] || fail "rmd.log shows $adopted adoptions, expected $tasks"

listed=$(rmctl --json jobs --all | jq -r '[.jobs[].id] | join(" ")')
for j in "${acked[@]}"; do
	case " $listed " in *" $j "*) ;; *) fail "$j was acknowledged before the crash but is gone" ;; esac
done
for j in "${acked[@]:0:5}"; do
	wait_until 30 "$j to succeed" job_is "$j" SUCCEEDED
done

nparts=$(find "$T/partials" -maxdepth 1 -name 'part-*' | wc -l)
assert_eq "$nparts" "$tasks" "partitions committed"
if grep -q "already committed" "$CLUSTER"/*.log; then fail "a partition was committed twice"; fi

reduce=$(rmsubmit --wait --after "$map" --mem 64M --output "$T/total" \
	-- loom-revsum reduce "$T/partials" --parts $tasks 2>/dev/null) || fail "reduce failed"
got=$(sed -n 's/.*total=\([0-9.-]*\).*/\1/p' "$T/total/part-00000/total")
assert_eq "$got" "$expected" "revenue total across an rmd crash"
pass "$adopted attempt(s) adopted, ${#acked[@]} acknowledged jobs kept, total $got"

#!/usr/bin/env bash
# A straggler node: every attempt on node-2 is SIGSTOPped as soon as it starts. Speculation
# finishes the map job anyway, with LATE for a task that reports progress and with Spark's
# rule for one that does not; the totals are exact and each partition is committed once.
. "$(dirname "$0")/lib.sh"

STRAGGLER=node-2
stopper_pid=""

# Stops (SIGSTOP) every process whose working directory is an attempt of $STRAGGLER,
# remembering them in $T/stopped; runs until killed.
stopper() {
	set +e +o pipefail # find fails on processes that vanish while it looks
	while [ ! -e "$T/stopper.quit" ]; do
		find /proc -mindepth 2 -maxdepth 2 -name cwd \
			-lname "$CLUSTER/$STRAGGLER/attempts/*" 2>/dev/null |
			while read -r link; do
				pid=${link#/proc/}; pid=${pid%/cwd}
				kill -STOP "$pid" 2>/dev/null && echo "$pid" >>"$T/stopped"
			done
		sleep 0.1
	done
}

# The processes whose working directory is in the cluster's directory (attempts).
attempt_pids() {
	find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$CLUSTER/*" 2>/dev/null |
		sed 's,^/proc/\([0-9]*\)/cwd$,\1,' || true
}

# Before lib.sh's cleanup: end the stopper, let every stopped process go on, stop the
# cluster, and kill what is left of the attempts (the agents leave them running).
spec_cleanup() {
	local rc=$?
	set +e # clean up as much as can be
	if [ -n "$stopper_pid" ]; then
		touch "$T/stopper.quit"
		wait "$stopper_pid" 2>/dev/null || true
	fi
	[ -f "$T/stopped" ] && sort -u "$T/stopped" | xargs -r kill -CONT 2>/dev/null
	"$LOOM_SRC/tools/loom-cluster" stop --dir "$CLUSTER" >/dev/null 2>&1 || true
	attempt_pids | xargs -r kill -KILL 2>/dev/null
	(exit $rc)
	e2e_cleanup
}
trap spec_cleanup EXIT

cluster_start --agents 3 --rm-opt kill_grace=1s
expected=$(make_sales 2M)

# A map task that lasts STEPS x 0.2 s: with "progress" it reports it on LOOM_PROGRESS_FD.
cat >"$T/slowmap.sh" <<'EOF'
#!/bin/bash
steps=$1 mode=$2 file=$3
for ((i = 1; i <= steps; i++)); do
	sleep 0.2
	[ "$mode" = progress ] && printf '0.%02d\n' $((i * 90 / steps)) >&"$LOOM_PROGRESS_FD"
done
[ "$mode" = progress ] || unset LOOM_PROGRESS_FD
exec loom-revsum map "$file"
EOF
chmod +x "$T/slowmap.sh"
stopper &
stopper_pid=$!

# check_job JOB TASKS OUTDIR: succeeded with copies that won; one part per partition and
# the exact total from a reduce over them. Echoes the job's speculation counts.
check_job() {
	local job=$1 tasks=$2 out=$3 parts got
	wait_until 90 "$job to finish" job_is "$job" SUCCEEDED
	parts=$(find "$out" -maxdepth 1 -name 'part-*' | wc -l)
	assert_eq "$parts" "$tasks" "partitions committed for $job"
	for ((i = 0; i < tasks; i++)); do
		[ -d "$out/$(printf 'part-%05d' "$i")" ] || fail "$job: partition $i missing"
	done
	rmsubmit --wait --after "$job" --mem 64M --output "$out.total" \
		-- loom-revsum reduce "$out" --parts "$tasks" >/dev/null 2>&1 || fail "reduce failed"
	got=$(sed -n 's/.*total=\([0-9.-]*\).*/\1/p' "$out.total/part-00000/total")
	assert_eq "$got" "$expected" "revenue total of $job"
	local launched won
	launched=$(job_field "$job" spec_launched)
	won=$(job_field "$job" spec_won)
	[ "$launched" -ge 1 ] || fail "$job: no speculative copy was launched"
	[ "$won" -ge 1 ] || fail "$job: no speculative copy won"
	job_json "$job" | jq -e '[.job.tasks[].attempts[] | select(.speculative)] | length >= 1' \
		>/dev/null || fail "$job: no attempt is marked speculative"
	rmctl job "$job" | grep -c "^Speculation: *[a-z]*: $launched cop" >/dev/null ||
		fail "$job: rmctl job does not show the speculation counts"
	echo "$launched launched, $won won, $(job_field "$job" spec_wasted) wasted"
}

# LATE: six tasks, two of them on the straggler node; they report progress.
late=$(rmsubmit --name late-map --tasks 6 --vcores 1 --mem 128M --output "$T/late" \
	-- "$T/slowmap.sh" 10 progress "$T/sales.csv")
late_counts=$(check_job "$late" 6 "$T/late")
note "LATE: $late_counts"
winners=$(job_json "$late" | jq -r '[.job.tasks[].attempts[] | select(.state == "SUCCEEDED") | .node] | unique | join(",")')
case ",$winners," in *,$STRAGGLER,*) fail "a partition was committed from the stopped node" ;; esac

# Spark's rule: no progress reports; a job file sets the quantile (3 of 8 tasks straggle).
cat >"$T/spark.cfg" <<EOF
name = "spark-map";
tasks = 8;
command = [ "$T/slowmap.sh", "10", "quiet", "$T/sales.csv" ];
resources = { vcores = 1; memory = "128M"; };
output = "$T/spark";
speculation = true;
speculation_params = { quantile_pct = 50; };
EOF
spark=$(rmsubmit -f "$T/spark.cfg")
spark_counts=$(check_job "$spark" 8 "$T/spark")
note "Spark: $spark_counts"
[ "$(job_json "$spark" | jq '[.job.tasks[].attempts[] | select(.progress > 0 and .state == "RUNNING")] | length')" = 0 ] ||
	fail "the quiet job reported progress"

# A job that says no gets no copies: its stopped tasks stay until killed.
off=$(rmsubmit --name off-map --tasks 3 --vcores 1 --mem 128M --no-speculate \
	--output "$T/off" -- "$T/slowmap.sh" 5 progress "$T/sales.csv")
two_done() { [ "$(job_field "$off" tasks_done)" -ge 2 ]; }
wait_until 30 "two tasks of $off to finish" two_done
sleep 2
assert_eq "$(job_field "$off" spec_launched)" 0 "copies of a job with --no-speculate"
assert_eq "$(job_json "$off" | jq -r .job.speculation)" off "the job's speculation"
pass "LATE $late_counts; Spark $spark_counts"

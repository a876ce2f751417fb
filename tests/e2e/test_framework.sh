#!/usr/bin/env bash
# The framework protocol against a real rmd and agents (fwprobe speaks it): register,
# request containers, launch in them, see exits, release, lose a node, disconnect and
# resume within framework_grace, then disconnect for good and see everything released.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 3 --rm-opt framework_grace=3s
addr="127.0.0.1:$(rm_port client)"
out="$T/probe1.out"

# Phase 1: three containers; one exits 3, one is released, one is lost with its node;
# then a second request whose container keeps running while the probe goes away.
fwprobe "$addr" fw-test register request 3 1 64 wait allocated 3 20 \
	launch 0 'echo hi; exit 3' wait exited 1 20 \
	launch 1 'sleep 30' launch 2 'sleep 30' wait running 3 20 \
	release 1 wait released 1 20 \
	exec "'$LOOM_SRC/tools/loom-cluster' kill-agent --dir '$CLUSTER' {node2} --signal KILL" \
	wait lost 1 30 wait node_event 1 5 \
	request 1 1 64 wait allocated 4 20 launch 3 'sleep 30' wait running 4 20 \
	>"$out" 2>&1 || { cat "$out" >&2; fail "fwprobe (phase 1) failed"; }
cat "$out"

grep -q '^registered resumed=0 containers=0 requests=0$' "$out" || fail "first registration"
[ "$(grep -c '^event allocated ' "$out")" -eq 4 ] || fail "expected 4 allocated events"
grep -Eq '^event exited job-1\.t[0-9]+\.a1 .* exit=3 ' "$out" || fail "no exit code 3"
grep -q '^event released ' "$out" || fail "no released event"
grep -q '^event lost ' "$out" || fail "no lost event"
grep -Eq '^node_event node-[0-9]+ LOST$' "$out" || fail "no node event"
# One final event per container: the released one is not "exited" too.
rel=$(sed -n 's/^event released \([^ ]*\) .*/\1/p' "$out")
[ "$(grep -c " $rel " "$out")" -le 3 ] || fail "$rel has more than one final event"
req1=$(sed -n 's/^request //p' "$out" | head -1)
req2=$(sed -n 's/^request //p' "$out" | tail -1)
wait_until 10 "$req1 to succeed (every container ended)" job_is "$req1" SUCCEEDED
job_is "$req2" RUNNING || fail "$req2 should be running: $(job_state "$req2")"

# Phase 2: the framework comes back within the grace and is told what still runs.
out2="$T/probe2.out"
fwprobe "$addr" fw-test register >"$out2" 2>&1 || { cat "$out2" >&2; fail "resume failed"; }
cat "$out2"
grep -q '^registered resumed=1 containers=1 requests=1$' "$out2" || fail "resync reply"
grep -Eq "^live $req2\.t0\.a1 RUNNING node-" "$out2" || fail "resync lists the container"

# A second live registration of the same name is refused.
out3="$T/probe3.out"
fwprobe "$addr" fw-test register sleep 100 register >"$out3" 2>&1 && fail "double register"
grep -q "^error" "$out3" || fail "no error for a second registration: $(cat "$out3")"

# Phase 3: it does not come back: after the grace its request ends KILLED, released.
wait_until 15 "$req2 to be killed after the grace" job_is "$req2" KILLED
assert_contains "$(job_field "$req2" reason)" "did not come back within 3s"
grep -q 'framework fw-test did not come back' "$CLUSTER/rmd.log" ||
	fail "no log line for the grace expiry"

# Phase 4: rmd restarts under a framework: its running container is adopted, the one
# never launched ends, and the framework resumes with the same resync.
out4="$T/probe4.out"
fwprobe "$addr" fw-r register request 2 1 64 wait allocated 2 20 launch 0 'sleep 30' \
	wait running 1 20 >"$out4" 2>&1 || { cat "$out4" >&2; fail "fwprobe (phase 4) failed"; }
req3=$(sed -n 's/^request //p' "$out4")
"$LOOM_SRC/tools/loom-cluster" kill-rm --dir "$CLUSTER" --signal KILL
logged=$(wc -l <"$CLUSTER/rmd.log")
"$LOOM_SRC/tools/loom-cluster" restart-rm --dir "$CLUSTER"
addr="127.0.0.1:$(rm_port client)"
recovered() { tail -n "+$((logged + 1))" "$CLUSTER/rmd.log" | grep -q "recovery over"; }
wait_until 20 "recovery to end" recovered
out5="$T/probe5.out"
fwprobe "$addr" fw-r register >"$out5" 2>&1 || { cat "$out5" >&2; fail "resume after restart"; }
cat "$out5"
grep -q '^registered resumed=1 containers=1 requests=1$' "$out5" || fail "resync after restart"
grep -Eq "^live $req3\.t[01]\.a1 RUNNING " "$out5" || fail "the running container was not adopted"
wait_until 15 "$req3 to be killed after the grace" job_is "$req3" KILLED

# A plain rmsubmit job still runs on the built-in path.
j=$(rmsubmit --wait --mem 64M -- true) || fail "built-in job failed"
pass "containers allocated, launched, exited (3), released, lost, resumed, expired, restarted"

#!/usr/bin/env bash
# rmsim --policy drf replays SWF traces through rmcore's queue-aware scheduler and
# preemption on its real cluster. On a hand-made trace where one queue floods the
# machine, the other queue's jobs get their guarantee back by preemption within
# preempt_after + preempt_grace, far sooner than under FIFO; with one leaf nothing is
# preempted; output is byte-identical run to run; bad queue files are refused with
# file:line. With ../shared/traces it also checks that the scheduler's EASY backfilling
# beats strict FCFS on Lublin-1 (skipped with a message when the traces are absent).
set -euo pipefail

RMSIM="${LOOM_BIN:?LOOM_BIN is not set}/rmsim"
EX="${LOOM_SRC:?LOOM_SRC is not set}/tools/rmsim/examples"
TRACES="$LOOM_SRC/../shared/traces/swf"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect_exit CODE TEXT COMMAND...: COMMAND exits CODE and its stderr contains TEXT.
expect_exit() {
	local code=$1 text=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq "$code" ] || fail "'$*' exited $rc, expected $code"
	grep -qF -- "$text" "$T/err" || fail "'$*' stderr lacks '$text': $(cat "$T/err")"
}

# json_num FILE KEY: the first number KEY has in FILE (the top level's, before "windows").
json_num() {
	grep -o "\"$2\":[0-9.]*" "$1" | head -1 | cut -d: -f2
}

# leaf_num FILE LEAF KEY: KEY of leaf queue LEAF in the top-level "queues" array.
leaf_num() {
	sed 's/,"windows":.*//' "$1" | tr '{' '\n' | grep -F "\"queue\":\"$2\"" |
		sed -n "s/.*\"$3\":\([0-9.]*\).*/\1/p"
}

# The flood: 40 one-node jobs of SWF queue 1 (leaf q1, 60%) fill the 10 nodes four times
# over at t=0. At t=100..103 four one-node jobs of queue 2 (the default leaf, rest, 40%:
# four nodes) arrive. FIFO runs them after the flood (3,900 s); drf takes four nodes back
# from q1 once rest has starved for preempt_after (5 s), and they are free preempt_grace
# (10 s) later. Taking more than twice that is thrashing.
{
	echo "; MaxNodes: 10"
	for i in $(seq 1 40); do
		echo "$i 0 -1 1000 1 -1 -1 1 1200 -1 1 1 1 -1 1 -1 -1 -1"
	done
	for i in $(seq 41 44); do
		echo "$i $((i + 59)) -1 300 1 -1 -1 1 400 -1 1 2 1 -1 2 -1 -1 -1"
	done
} >"$T/flood.swf"

"$RMSIM" --trace "$T/flood.swf" --policy fcfs --json >"$T/fifo.json" || fail "fcfs refused flood.swf"
"$RMSIM" --trace "$T/flood.swf" --policy drf --queues "$EX/queues-2.conf" --json >"$T/drf.json" ||
	fail "drf refused flood.swf: $(cat "$T/drf.json")"
"$RMSIM" --trace "$T/flood.swf" --policy drf --queues "$EX/queues-2.conf" --json >"$T/drf2.json"
cmp -s "$T/drf.json" "$T/drf2.json" || fail "drf output differs between runs"
fifo_wait=$(json_num "$T/fifo.json" mean_wait_s)
rest_wait=$(leaf_num "$T/drf.json" root.rest mean_wait_s)
rest_jobs=$(leaf_num "$T/drf.json" root.rest jobs)
q1_jobs=$(leaf_num "$T/drf.json" root.q1 jobs)
preempt=$(json_num "$T/drf.json" preemptions)
[ "$rest_jobs" = 4 ] && [ "$q1_jobs" = 40 ] ||
	fail "drf: leaves got q1 $q1_jobs and rest $rest_jobs jobs, expected 40 and 4: $(cat "$T/drf.json")"
awk -v r="${rest_wait:-999999}" -v f="${fifo_wait:-0}" 'BEGIN { exit !(r < 60 && r * 10 < f) }' ||
	fail "drf: rest's mean wait $rest_wait s is not far below FIFO's $fifo_wait s"
awk -v p="${preempt:-0}" 'BEGIN { exit !(p >= 4 && p <= 8) }' ||
	fail "drf: $preempt preemptions, expected 4 (at most 8)"
q1_pre=$(leaf_num "$T/drf.json" root.q1 preempted)
[ "${q1_pre:-0}" = "$preempt" ] || fail "drf: q1 lost $q1_pre attempts of $preempt preempted"
grep -q '"queue":"root.rest","guarantee":0.400000,' "$T/drf.json" || fail "drf: rest's guarantee: $(cat "$T/drf.json")"
grep -q '"jobs":44,' "$T/drf.json" || fail "drf: jobs: $(cat "$T/drf.json")"
[ "$fails" -eq 0 ] && echo "ok: flood: rest waits $rest_wait s under drf against $fifo_wait s under FIFO ($preempt preemptions)"

# One leaf (no --queues): guaranteed everything, so nothing is ever preempted.
"$RMSIM" --trace "$T/flood.swf" --policy drf --json >"$T/one.json" || fail "drf one leaf refused"
grep -q '"preemptions":0,"queues":\[{"queue":"root.default","guarantee":1.000000,"jobs":44,' "$T/one.json" ||
	fail "drf one leaf: $(cat "$T/one.json")"
"$RMSIM" --trace "$T/flood.swf" --policy drf --queues "$EX/queues-2.conf" >"$T/drf.txt"
grep -q '^leaf queues: .*(.* preemptions)' "$T/drf.txt" && grep -q '^  root.rest  *40.0%  *4 ' "$T/drf.txt" ||
	fail "drf text: $(cat "$T/drf.txt")"

# A synthetic workload (three queues, 40 users): deterministic, every job replayed.
"$RMSIM" --config "$EX/poisson.conf" --policy drf --queues "$EX/queues-2.conf" --json >"$T/p1.json" ||
	fail "poisson.conf drf refused"
"$RMSIM" --config "$EX/poisson.conf" --policy drf --queues "$EX/queues-2.conf" --json >"$T/p2.json"
cmp -s "$T/p1.json" "$T/p2.json" || fail "poisson.conf drf: output differs between runs"
grep -q '^{"trace":"[^"]*poisson.conf","policy":"drf","jobs":2000,' "$T/p1.json" ||
	fail "poisson.conf drf: $(head -c 300 "$T/p1.json")"

# Bad input: --queues without drf, a queue file that cannot be, one that is missing.
expect_exit 2 "--queues is for --policy drf" "$RMSIM" --trace "$T/flood.swf" --policy fcfs --queues "$EX/queues-2.conf"
printf 'queues = {\n  a = { guaranteed = 70; };\n  b = { guaranteed = 50; };\n};\n' >"$T/over.conf"
expect_exit 2 "over.conf" "$RMSIM" --trace "$T/flood.swf" --policy drf --queues "$T/over.conf"
printf 'queues = {\n  a = { guaranted = 70; };\n};\n' >"$T/typo.conf"
expect_exit 2 "typo.conf:2" "$RMSIM" --trace "$T/flood.swf" --policy drf --queues "$T/typo.conf"
expect_exit 2 "missing.conf" "$RMSIM" --trace "$T/flood.swf" --policy drf --queues "$T/missing.conf"
"$RMSIM" --help | grep -c '^  drf ' >/dev/null || fail "--help does not list drf"

if [ ! -d "$TRACES" ]; then
	echo "SKIP: $TRACES is absent: the shared-trace checks did not run"
	[ "$fails" -eq 0 ] || exit 1
	echo "PASS"
	exit 0
fi

# Lublin-1, the paper windows: the scheduler's EASY backfilling (every job has a time
# limit) beats strict FCFS's 7273.77 by far, and the replay is deterministic.
L="$TRACES/lublin_256.swf.gz"
"$RMSIM" --trace "$L" --policy drf --windows paper --json >"$T/l1.json" || fail "lublin drf refused"
"$RMSIM" --trace "$L" --policy drf --windows paper --json >"$T/l2.json"
cmp -s "$T/l1.json" "$T/l2.json" || fail "lublin drf: output differs between runs"
bsld=$(json_num "$T/l1.json" mean_bounded_slowdown)
awk -v b="${bsld:-99999}" 'BEGIN { exit !(b < 1000) }' || fail "lublin drf: mean bsld $bsld, FCFS has 7273.77"
grep -q '"jobs":10240,' "$T/l1.json" || fail "lublin drf: $(head -c 300 "$T/l1.json")"
[ "$fails" -eq 0 ] && echo "ok: lublin drf mean bounded slowdown $bsld"

[ "$fails" -eq 0 ] || exit 1
echo "PASS"

#!/usr/bin/env bash
# loom-mapreduce, the MapReduce engine on libloom, on a three-agent cluster: revenue by
# product and a word count, each checked against a single-process computation of the same
# input; a straggler overtaken by its speculative copy; rmd SIGKILLed and restarted, then an
# agent SIGKILLed, while the maps run; and the engine's containers preempted by another
# queue. Every run must give the exact same answer, one output per partition.
. "$(dirname "$0")/lib.sh"

EX="$LOOM_SRC/frameworks/mapreduce/examples"
REV="$LOOM_BIN/loom-mr-revenue"

# mr NAME [options...]: runs the engine in the foreground, its progress in $T/NAME.log.
mr() {
	local name=$1; shift
	loom-mapreduce --workdir "$T/$name.work" --output "$T/$name.out" --mem 64M "$@" \
		2>"$T/$name.log" || fail "$name: loom-mapreduce failed: $(tail -25 "$T/$name.log")"
}

# check_output NAME R REFERENCE: R committed partitions, nothing else left, same lines.
check_output() {
	local name=$1 parts=$2 ref=$3
	assert_eq "$(ls "$T/$name.out" | tr '\n' ' ')" \
		"$(for ((r = 0; r < parts; r++)); do printf 'part-%05d ' $r; done)" "$name: outputs"
	[ ! -e "$T/$name.work/shuffle" ] || fail "$name: the shuffle directory was left behind"
	sort "$T/$name.out"/part-* >"$T/$name.got"
	diff "$T/$name.got" "$ref" >"$T/$name.diff" ||
		fail "$name: differs from the single-process answer: $(head -10 "$T/$name.diff")"
}

# Revenue per product in exact cents, one process, independent of the engine's code.
revenue_reference() {
	awk -F, 'NR > 1 && NF >= 8 {
		n = split($8, p, "."); c = p[1] * 100 + (n > 1 ? substr(p[2] "00", 1, 2) : 0)
		s[$3] += c
	} END { for (k in s) printf "%s\t%d.%02d\n", k, int(s[k] / 100), s[k] % 100 }' "$1" |
		sort
}

# The runner alone: for any number of splits every line reaches exactly one map, in order,
# including long lines, empty lines and a last line without '\n'.
awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) { n = int(rand() ^ 4 * 300); s = ""
	for (k = 0; k < n; k++) s = s "x"; print i " " s } }' >"$T/lines"
printf '\n\nlast line without a newline' >>"$T/lines"
size=$(stat -c %s "$T/lines")
for m in 1 2 3 7 50 128; do
	for ((i = 0; i < m; i++)); do
		lo=$((i * (size / m) + (i < size % m ? i : size % m)))
		len=$((size / m + (i < size % m ? 1 : 0)))
		loom-mr-task map --index $i --reduces 1 --out "$T/split/$i" \
			--split $lo $len "$T/lines" -- cat || fail "the runner failed on split $i of $m"
	done
	for ((i = 0; i < m; i++)); do cat "$T/split/$i/part-00000"; done >"$T/lines.got"
	cmp -s "$T/lines.got" <(grep -v '^$' "$T/lines") || fail "$m splits do not cover the lines once"
	rm -rf "$T/split"
done

cluster_start --agents 3
expected=$(make_sales 8M)
revenue_reference "$T/sales.csv" >"$T/revenue.ref"
total=$(awk -F '\t' '{ split($2, p, "."); c += p[1] * 100 + p[2] }
	END { printf "%d.%02d", int(c / 100), c % 100 }' "$T/revenue.ref")
assert_eq "$total" "$expected" "reference total vs the generator's"

note "(a) revenue by product: 8 maps, 3 reduces"
mr revenue --input "$T/sales.csv" --maps 8 --reduces 3 --map "$REV map" --reduce "$REV reduce"
check_output revenue 3 "$T/revenue.ref"

note "(b) word count over two files (a split crosses the boundary)"
awk 'BEGIN { srand(11); for (i = 0; i < 40000; i++) { n = 1 + int(rand() * 12); line = ""
	for (k = 0; k < n; k++) line = line (k ? " " : "") "w" int(rand() ^ 3 * 3000)
	print line } }' >"$T/words"
head -n 15000 "$T/words" >"$T/words-1"
tail -n +15001 "$T/words" >"$T/words-2"
tr -s ' ' '\n' <"$T/words" | sort | uniq -c | awk '{ print $2 "\t" $1 }' | sort >"$T/words.ref"
mr words --input "$T/words-1" "$T/words-2" --maps 7 --reduces 4 \
	--map "$EX/wordcount-map.sh" --reduce "$EX/wordcount-reduce.sh"
check_output words 4 "$T/words.ref"

note "(c) a straggler: map 3's first attempt sleeps, its speculative copy commits"
mr straggler --input "$T/sales.csv" --maps 8 --reduces 2 --spec-min 1000 \
	--map "if [ \"\$LOOM_MR_INDEX\" = 3 ] && mkdir '$T/slow' 2>/dev/null; then sleep 60; fi
	       exec $REV map" --reduce "$REV reduce"
check_output straggler 2 "$T/revenue.ref"
grep -q "map 3 is a straggler" "$T/straggler.log" || fail "no speculative copy of map 3"
grep -q "map 3 attempt 2 .*committed" "$T/straggler.log" || fail "the copy did not commit"
grep -q "map 3 attempt 1 .*released (attempt 2 committed first)" "$T/straggler.log" ||
	fail "the straggler was not released"
no_straggler() { ! pgrep -f "mkdir '$T/slow'" >/dev/null; }
wait_until 15 "the released straggler's processes to be killed" no_straggler

note "(d) SIGKILL rmd while the maps run and start it again: the engine registers again"
loom-mapreduce --workdir "$T/restart.work" --output "$T/restart.out" --mem 64M \
	--input "$T/sales.csv" --maps 6 --reduces 2 --no-speculation \
	--map "sleep 4; exec $REV map" --reduce "$REV reduce" 2>"$T/restart.log" &
engine=$!
all_launched() { [ "$(grep -c "map [0-9] attempt 1: .* on node-" "$T/restart.log")" = 6 ]; }
wait_until 30 "all six maps launched" all_launched
"$LOOM_SRC/tools/loom-cluster" kill-rm --dir "$CLUSTER" --signal KILL
"$LOOM_SRC/tools/loom-cluster" restart-rm --dir "$CLUSTER"
wait "$engine" || fail "restart: loom-mapreduce failed: $(tail -25 "$T/restart.log")"
grep -q "registered again" "$T/restart.log" || fail "the engine did not register again"
check_output restart 2 "$T/revenue.ref"
note "after the restart: $(grep -c "ended while the engine was away" "$T/restart.log" || true) attempt(s) run again"

note "(e) SIGKILL node-2's agent while the maps run"
loom-mapreduce --workdir "$T/lost.work" --output "$T/lost.out" --mem 64M --vcores 2 \
	--input "$T/sales.csv" --maps 6 --reduces 2 --no-speculation \
	--map "sleep 4; exec $REV map" --reduce "$REV reduce" 2>"$T/lost.log" &
engine=$!
wait_until 30 "a map running on node-2" grep -q "^.*map [0-9] attempt 1.* on node-2" "$T/lost.log"
"$LOOM_SRC/tools/loom-cluster" kill-agent --dir "$CLUSTER" node-2 --signal KILL
wait "$engine" || fail "lost: loom-mapreduce failed: $(tail -25 "$T/lost.log")"
grep -q "lost with node node-2" "$T/lost.log" || fail "no attempt was seen lost with node-2"
check_output lost 2 "$T/revenue.ref"
note "(f) preemption: prod takes back its guarantee from the engine's batch containers"
"$LOOM_SRC/tools/loom-cluster" stop --dir "$CLUSTER" >/dev/null
CLUSTER="$T/cluster-queues"
cat >"$T/queues.conf" <<CONF
preempt_after = "1s";
preempt_grace = "1s";
queues = {
  default = "batch";
  prod = { guaranteed = 50; maximum = 100; weight = 1.0; };
  batch = { guaranteed = 50; maximum = 100; };
};
CONF
cluster_start --agents 1 --rm-conf "$T/queues.conf"
loom-mapreduce --workdir "$T/preempt.work" --output "$T/preempt.out" --mem 64M \
	--queue batch --input "$T/sales.csv" --maps 8 --reduces 2 --no-speculation \
	--map "sleep 3; exec $REV map" --reduce "$REV reduce" 2>"$T/preempt.log" &
engine=$!
four_launched() { [ "$(grep -c "map [0-9] attempt 1: .* on node-1" "$T/preempt.log")" -ge 4 ]; }
wait_until 30 "the engine's containers to fill node-1" four_launched
rmsubmit --name urgent --queue prod --tasks 2 --vcores 1 --mem 64M -- sleep 1 >/dev/null
wait "$engine" || fail "preempt: loom-mapreduce failed: $(tail -25 "$T/preempt.log")"
grep -q "will be preempted" "$T/preempt.log" || fail "no preemption warning reached the engine"
grep -q ": preempted" "$T/preempt.log" || fail "no container of the engine was preempted"
check_output preempt 2 "$T/revenue.ref"
pass "revenue, word count, straggler, rmd restart, lost node and preemption all exact"

#!/usr/bin/env bash
# A damaged write-ahead log tail: garbage appended, then a record cut in the middle, each
# while rmd is stopped. rmd starts anyway, says in its log what it cut (bytes, offset,
# why), keeps the cut bytes beside the log, and every job recorded before the damage is
# still there.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 1
jobs=()
for i in 1 2 3 4 5; do jobs+=("$(rmsubmit --name "j$i" --mem 16M -- true)"); done
for j in "${jobs[@]}"; do wait_until 30 "$j to succeed" job_is "$j" SUCCEEDED; done

last_segment() { ls "$CLUSTER"/rmd/wal-*.log | sort | tail -n 1; }

# 1: garbage after the last record.
"$LOOM_SRC/tools/loom-cluster" kill-rm --dir "$CLUSTER" --signal TERM
seg=$(last_segment)
size=$(stat -c %s "$seg")
printf 'this is not a record at all' >>"$seg"
"$LOOM_SRC/tools/loom-cluster" restart-rm --dir "$CLUSTER"
grep -q "$(basename "$seg"): cut 27 bytes at offset $size: bad magic" "$CLUSTER/rmd.log" ||
	fail "rmd did not report the 27 garbage bytes at offset $size: $(grep store "$CLUSTER/rmd.log" | tail -3)"
[ -f "$seg.cut-$size" ] || fail "the cut bytes were not kept in $seg.cut-$size"
assert_eq "$(stat -c %s "$seg")" "$size" "segment size after the cut"
for j in "${jobs[@]}"; do job_is "$j" SUCCEEDED || fail "$j lost after the garbage tail"; done

# 2: the last record cut in the middle (a torn write).
extra=$(rmsubmit --name j6 --mem 16M -- true)
wait_until 30 "$extra to succeed" job_is "$extra" SUCCEEDED
"$LOOM_SRC/tools/loom-cluster" kill-rm --dir "$CLUSTER" --signal KILL
seg=$(last_segment)
size=$(stat -c %s "$seg")
truncate -s $((size - 5)) "$seg"
"$LOOM_SRC/tools/loom-cluster" restart-rm --dir "$CLUSTER"
grep -q "$(basename "$seg"): cut .* bytes at offset .*: torn record" "$CLUSTER/rmd.log" ||
	fail "rmd did not report the torn record: $(grep store "$CLUSTER/rmd.log" | tail -3)"
for j in "${jobs[@]}" "$extra"; do
	rmctl --json job "$j" >/dev/null 2>&1 || fail "$j lost after the torn tail"
done
wait_until 30 "$extra to finish again" job_is "$extra" SUCCEEDED
pass "garbage and torn tails cut and reported; ${#jobs[@]}+1 jobs kept"

#!/bin/sh
# End-to-end check of the demo programs without a cluster: generates a CSV, runs
# loom-revsum map for several partition counts as the agent would (env vars, one output
# directory per partition), and checks that reduce, sum and awk agree with datagen.
#
#   tools/demo/revsum-check.sh BINDIR [SIZE]      e.g. build/tools 50M; exits 0 or 1
set -eu

bin=${1:?usage: revsum-check.sh BINDIR [SIZE]}
size=${2:-50M}
work=$(mktemp -d "${TMPDIR:-/tmp}/revsum-check.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

"$bin/loom-datagen" --out "$work/sales.csv" --size "$size" --seed 42 --no-fsync
expected=$(cut -d' ' -f3 "$work/sales.csv.expected")

for parts in 1 4 7 13; do
	job="$work/job$parts"
	mkdir "$job"
	i=0
	while [ "$i" -lt "$parts" ]; do
		LOOM_TASK_INDEX=$i LOOM_NUM_TASKS=$parts \
			LOOM_OUTPUT_DIR=$(printf '%s/part-%05d' "$job" "$i") \
			"$bin/loom-revsum" map "$work/sales.csv" >/dev/null
		i=$((i + 1))
	done
	"$bin/loom-revsum" reduce "$job" --parts "$parts" --expect "$work/sales.csv.expected"
done

sum=$("$bin/loom-revsum" sum "$work/sales.csv" | cut -d' ' -f2)
[ "$sum" = "$expected" ] || { echo "sum mode: $sum, expected $expected" >&2; exit 1; }
# awk adds in doubles, so on big files it may drift from the exact total by a few cents
awk=$(awk -F, 'NR>1{s+=$8} END{printf "total=%.2f\n", s}' "$work/sales.csv")
[ "$awk" = "$expected" ] || echo "note: awk (floating point) says $awk, exact is $expected" >&2
echo "revsum-check: ok ($expected)"

#!/usr/bin/env bash
# rmd and a nodeagent under valgrind run jobs (one succeeds, one fails and is retried, one
# is killed) and shut down with no memory errors and nothing definitely lost.
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 0; }
case "$LOOM_BIN" in *asan*) echo "SKIP: valgrind does not run ASan builds"; exit 0 ;; esac

export LOOM_DAEMON_WRAP="valgrind --child-silent-after-fork=yes --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --log-file=$T/vg.%p"
cluster_start --agents 1
ok=$(rmsubmit --wait --tasks 3 --mem 32M --wrap 'echo partition $LOOM_TASK_INDEX' 2>/dev/null)
rc=0; rmsubmit --wait --max-attempts 2 --mem 32M -- false >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "failing job"
long=$(rmsubmit --mem 32M -- sleep 30)
wait_until 60 "sleeper to run" job_is "$long" RUNNING
rmctl kill "$long" >/dev/null
wait_until 60 "sleeper to be killed" job_is "$long" KILLED
rmctl logs "$ok.t2" | grep -c "partition 2" >/dev/null || fail "logs through valgrind'd daemons"
"$LOOM_SRC/tools/loom-cluster" stop --dir "$CLUSTER"

n=0
for f in "$T"/vg.*; do
	[ -s "$f" ] || continue
	n=$((n + 1))
	grep -q "ERROR SUMMARY: 0 errors" "$f" || { cat "$f" >&2; fail "valgrind found errors ($f)"; }
	! grep -q "definitely lost: [1-9]" "$f" || { cat "$f" >&2; fail "leak in $f"; }
done
[ "$n" -ge 2 ] || fail "expected valgrind logs for rmd and the agent, found $n"
pass "$n daemons clean"

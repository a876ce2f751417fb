# Shared by the end-to-end tests: a private local cluster in a temporary directory on
# loopback ports chosen at run time, helpers to drive it with the real CLIs, and a trap that
# stops every process the test started, pass or fail. Source it, then call cluster_start.
set -euo pipefail

: "${LOOM_BIN:?LOOM_BIN must name the directory holding rmd, nodeagent, rmctl ...}"
: "${LOOM_SRC:?LOOM_SRC must name the source tree}"
export PATH="$LOOM_BIN:$PATH"
T=$(mktemp -d "${TMPDIR:-/tmp}/loom-e2e.XXXXXX")
CLUSTER="$T/cluster"
TEST_NAME=$(basename "$0" .sh)

e2e_cleanup() {
	local rc=$?
	"$LOOM_SRC/tools/loom-cluster" stop --dir "$CLUSTER" >/dev/null 2>&1 || true
	if [ $rc -ne 0 ]; then
		echo "---- $TEST_NAME failed; last log lines:" >&2
		for f in "$CLUSTER"/*.log; do
			[ -f "$f" ] && { echo "== $f" >&2; tail -n 25 "$f" >&2; }
		done
	fi
	if [ -z "${LOOM_KEEP:-}" ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
	exit $rc
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
pass() { echo "PASS: $TEST_NAME${1:+: $1}"; }
note() { echo "-- $*"; }

# cluster_start [loom-cluster start options...]: default 3 agents, fast node expiry.
cluster_start() {
	"$LOOM_SRC/tools/loom-cluster" start --dir "$CLUSTER" --bin "$LOOM_BIN" \
		--rm-opt node_expiry=2s --rm-opt heartbeat_interval=200ms "$@" >/dev/null
	# shellcheck disable=SC1091
	. "$CLUSTER/env"
	export LOOM_RM
}

rm_port() { sed -n "s/^$1=//p" "$CLUSTER/rmd/ports"; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_until() {
	local secs=$1 deadline=$((SECONDS + $1)) what=$2; shift 2
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || fail "timed out after $secs s waiting for $what"
		sleep 0.1
	done
}

job_json() { rmctl --json job "$1"; }
job_field() { job_json "$1" | jq -r ".job.$2"; }
job_state() { job_field "$1" state; }
job_is() { [ "$(job_state "$1")" = "$2" ]; }
node_state() { rmctl --json nodes | jq -r --arg n "$1" '.nodes[] | select(.name == $n) | .state'; }
node_is() { [ "$(node_state "$1")" = "$2" ]; }

assert_eq() { [ "$1" = "$2" ] || fail "${3:-values differ}: expected '$2', got '$1'"; }
assert_contains() {
	case "$1" in *"$2"*) ;; *) fail "${3:-text} does not contain '$2': $1" ;; esac
}

# make_sales SIZE: a CSV in $T/sales.csv with its expected total; echoes the total.
make_sales() {
	loom-datagen --out "$T/sales.csv" --size "$1" >/dev/null
	sed -n 's/.*total=\([0-9.-]*\).*/\1/p' "$T/sales.csv.expected"
}

# run_revenue TASKS [extra rmsubmit options]: map + reduce; echoes the computed total.
run_revenue() {
	local tasks=$1; shift
	local map reduce
	map=$(rmsubmit --name revenue-map --tasks "$tasks" --vcores 1 --mem 256M \
		--output "$T/partials" "$@" -- loom-revsum map "$T/sales.csv")
	echo "$map" >"$T/map.id"
	reduce=$(rmsubmit --wait --after "$map" --mem 64M --output "$T/total" \
		-- loom-revsum reduce "$T/partials" --parts "$tasks" 2>/dev/null) ||
		fail "revenue jobs did not succeed: $(rmctl job "$map" 2>&1 | tail -20)"
	sed -n 's/.*total=\([0-9.-]*\).*/\1/p' "$T/total/part-00000/total"
}

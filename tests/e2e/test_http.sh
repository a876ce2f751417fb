#!/usr/bin/env bash
# rmd's HTTP API against a real cluster: every endpoint answers JSON that agrees with
# rmctl, filters and errors (400/404/405) have JSON bodies, the server-sent event stream
# delivers a job's events as it runs, /metrics counts them, and http_listen refuses a
# non-loopback address unless allowed.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: $TEST_NAME: curl is not installed"; exit 0; }

cluster_start --agents 2
H="http://127.0.0.1:$(rm_port http)"
[ -n "$(rm_port http)" ] || fail "no http= line in the ports file"
get() { curl -sS --max-time 10 "$H$1"; }
code() { curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$@"; }

# The event stream, opened before anything happens.
curl -sSN --max-time 120 "$H/api/v1/events" >"$T/sse" 2>/dev/null &
sse_pid=$!
wait_until 10 "the event stream to open" grep -q '^event: snapshot' "$T/sse"

job=$(rmsubmit --tasks 2 --mem 32M --name web -- sleep 1)
wait_until 30 "job to succeed" job_is "$job" SUCCEEDED

# cluster and queues
c=$(get /api/v1/cluster)
assert_eq "$(jq -r '.nodes_by_state.RUNNING' <<<"$c")" 2 "nodes RUNNING"
assert_eq "$(jq -r '.capacity.vcores_m' <<<"$c")" 8000 "capacity"
assert_eq "$(jq -r '.jobs_by_state.SUCCEEDED' <<<"$c")" 1 "jobs SUCCEEDED"
assert_eq "$(jq -r '.queues[1].path' <<<"$c")" root.default "queue in cluster"
assert_eq "$(get /api/v1/queues | jq -r '.queues | length')" 2 "queues (root, default)"
assert_eq "$(get /api/v1/queues | jq -r '.default')" root.default "default queue"

# jobs, with filters, and one job with its tasks
assert_eq "$(get /api/v1/jobs | jq -r '.jobs[0].id')" "$job" "job list"
assert_eq "$(get "/api/v1/jobs?state=succeeded&user=$(id -un)" | jq -r '.jobs | length')" 1 \
	"jobs filtered by state and user"
assert_eq "$(get '/api/v1/jobs?state=RUNNING' | jq -r '.jobs | length')" 0 "running jobs"
assert_eq "$(get '/api/v1/jobs?queue=default&limit=1' | jq -r '.jobs | length')" 1 "limit"
j=$(get "/api/v1/jobs/$job")
assert_eq "$(jq -r '.job.state' <<<"$j")" SUCCEEDED "job state"
assert_eq "$(jq -r '.job.tasks | length' <<<"$j")" 2 "job tasks"
assert_eq "$(jq -r '.job.tasks[0].attempts[0].exit_code' <<<"$j")" 0 "attempt exit code"
# The same view as the binary protocol (one code path).
assert_eq "$(jq -S '.job | del(.tasks)' <<<"$j")" "$(rmctl --json job "$job" | jq -S '.job | del(.tasks)')" \
	"HTTP and rmctl views"

# nodes
n=$(get /api/v1/nodes)
assert_eq "$(jq -r '.nodes | length' <<<"$n")" 2 "nodes"
assert_eq "$(jq -r '[.nodes[].state] | unique | join(",")' <<<"$n")" RUNNING "node states"
assert_eq "$(get '/api/v1/nodes?state=LOST' | jq -r '.nodes | length')" 0 "lost nodes"

# errors: JSON bodies with the status
assert_eq "$(code "$H/api/v1/jobs/job-999")" 404 "unknown job"
assert_contains "$(jq -r .error "$T/body")" "job-999 not found" "404 body"
assert_eq "$(code "$H/api/v1/jobs/nonsense")" 400 "bad job id"
assert_eq "$(code "$H/api/v1/jobs?state=BOGUS")" 400 "bad state"
assert_contains "$(jq -r .error "$T/body")" "not a job state" "400 body"
assert_eq "$(code "$H/api/v1/jobs?color=red")" 400 "unknown parameter"
assert_eq "$(code "$H/api/v1/jobs?limit=x")" 400 "bad limit"
assert_eq "$(code "$H/nope")" 404 "unknown path"
assert_eq "$(jq -r .status "$T/body")" 404 "404 status in body"
assert_eq "$(code -X POST "$H/api/v1/jobs")" 405 "POST"

# the event stream saw the job run and finish
done_event() { grep -q "\"object\":\"$job\",.*\"to\":\"SUCCEEDED\"" "$T/sse"; }
wait_until 10 "the job's SUCCEEDED event on the stream" done_event
grep -q '^event: attempt_placed' "$T/sse" || fail "no attempt_placed event: $(head -c 2000 "$T/sse")"
grep '^data: ' "$T/sse" | sed 's/^data: //' | jq -e . >/dev/null || fail "an event is not JSON"
kill "$sse_pid" 2>/dev/null || true
# a backlog replays past events
curl -sN --max-time 2 "$H/api/v1/events?backlog=1000" >"$T/sse2" 2>/dev/null || true
grep -q "\"object\":\"$job\"" "$T/sse2" || fail "backlog does not hold the job's events"
assert_eq "$(code "$H/api/v1/events?backlog=-1")" 400 "bad backlog"

# metrics count what happened
m=$(get /metrics)
assert_contains "$m" 'loom_jobs_submitted_total 1' "metrics"
assert_contains "$m" 'loom_attempts_total{outcome="succeeded"} 2' "metrics"
assert_contains "$m" 'loom_nodes{state="RUNNING"} 2' "metrics"

# http_listen: non-loopback refused unless allowed; "" turns HTTP off
if rmd -c "$LOOM_SRC/conf/rmd.conf" -o state_dir="$T/r1" -o client_listen=127.0.0.1:0 \
	-o node_listen=127.0.0.1:0 -o http_listen=0.0.0.0:0 >"$T/r1.log" 2>&1; then
	fail "rmd served HTTP on 0.0.0.0 without http_allow_remote"
fi
assert_contains "$(cat "$T/r1.log")" "not a loopback address" "refusal"
rmd -c "$LOOM_SRC/conf/rmd.conf" -o state_dir="$T/r2" -o client_listen=127.0.0.1:0 \
	-o node_listen=127.0.0.1:0 -o 'http_listen=""' -o log_file="$T/r2.log" &
r2=$!
wait_until 10 "second rmd" test -s "$T/r2/ports"
kill "$r2"; wait "$r2" || true
grep -q '^http=' "$T/r2/ports" && fail "http_listen=\"\" still served HTTP"
pass

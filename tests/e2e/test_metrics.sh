#!/usr/bin/env bash
# /metrics against a real rmd: `promtool check metrics` accepts the exposition (format and
# naming lint), and a real Prometheus server on a loopback port chosen at run time scrapes
# rmd until up{job="loom"} == 1 and a loom metric is stored. Skips, saying why, when
# Debian's prometheus package (promtool and the server) is not installed.
. "$(dirname "$0")/lib.sh"
for tool in curl promtool prometheus; do
	command -v "$tool" >/dev/null ||
		{ echo "SKIP: $TEST_NAME: $tool is not installed (Debian packages curl, prometheus)"; exit 0; }
done

cluster_start --agents 2
HP=$(rm_port http)
H="http://127.0.0.1:$HP"
job=$(rmsubmit --tasks 2 --mem 32M -- true)
wait_until 30 "job to succeed" job_is "$job" SUCCEEDED

curl -sS --max-time 10 -D "$T/headers" "$H/metrics" >"$T/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/headers" ||
	fail "content type: $(grep -i content-type "$T/headers")"
promtool check metrics <"$T/metrics" >"$T/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$T/promtool.out")"
grep -q 'loom_scheduling_pass_seconds_bucket{le="+Inf"}' "$T/metrics" || fail "no pass histogram"
grep -q 'loom_node_heartbeat_age_seconds{node="node-1"}' "$T/metrics" || fail "no heartbeat age"
grep -q 'loom_queue_guarantee{queue="root.default"} 1' "$T/metrics" || fail "no queue guarantee"
grep -q 'loom_queue_share{queue="root.default"}' "$T/metrics" || fail "no queue share"
grep -q 'loom_queue_pending_tasks{queue="root"}' "$T/metrics" || fail "no queue pending tasks"

# A free loopback port for Prometheus, chosen now (the kernel picks, then we let it go).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}
PP=$(free_port)
mkdir -p "$T/prom"
cat >"$T/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: loom
    static_configs:
      - targets: ["127.0.0.1:$HP"]
YML
prometheus --config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
	--web.listen-address="127.0.0.1:$PP" >"$T/prom/log" 2>&1 &
prom_pid=$!
stop_prom() { kill "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; }
# The test's status must reach e2e_cleanup, which reads $? first.
trap 'rc=$?; set +e; stop_prom; (exit $rc); e2e_cleanup' EXIT

query() { curl -sS --max-time 5 -G "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1"; }
scraped() { [ "$(query 'up{job="loom"}' | jq -r '.data.result[0].value[1]')" = 1 ]; }
wait_until 60 "Prometheus to scrape rmd (log: $(tail -3 "$T/prom/log" 2>/dev/null))" scraped
has_jobs() { [ "$(query 'loom_jobs_submitted_total{job="loom"}' | jq -r '.data.result[0].value[1]')" = 1 ]; }
wait_until 30 "loom_jobs_submitted_total in Prometheus" has_jobs
succ=$(query 'loom_attempts_total{outcome="succeeded"}' | jq -r '.data.result[0].value[1]')
assert_eq "$succ" 2 "attempts succeeded, as Prometheus stored it"
pass

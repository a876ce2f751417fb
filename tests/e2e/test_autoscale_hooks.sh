#!/usr/bin/env bash
# Autoscale hooks that fail: one that exits non-zero twice and then succeeds is retried,
# reported in rmctl autoscale, and its pool's job still finishes; one that hangs (and
# ignores SIGTERM) is killed at its timeout, reported and retried, while the other pool
# grows and schedules as if nothing happened.
. "$(dirname "$0")/lib.sh"

cat >"$T/flaky-hook" <<HOOK
#!/usr/bin/env bash
# Fails its first two add calls, then is the local provider.
n=\$(( \$(cat "$T/calls" 2>/dev/null || echo 0) + 1 )); echo "\$n" >"$T/calls"
if [ "\$1" = add ] && [ "\$n" -le 2 ]; then echo "flaky hook: failing call \$n" >&2; exit 3; fi
exec "$LOOM_SRC/tools/autoscale/local-provider" "\$@"
HOOK
cat >"$T/hang-hook" <<HOOK
#!/usr/bin/env bash
echo started >>"$T/hangs"
trap '' TERM
while :; do sleep 1; done
HOOK
chmod +x "$T/flaky-hook" "$T/hang-hook"
cp "$LOOM_SRC/conf/rmd.conf" "$T/base.conf"
cat >"$T/rmd.conf" <<CONF
@include "base.conf"
pools = (
  { name = "local"; node = { vcores = 4; memory = "4G"; }; min = 0; max = 2;
    grow_delay = "200ms"; idle_timeout = "60s"; hook = "$T/flaky-hook";
    hook_timeout = "20s"; hook_retries = 3; },
  { name = "big"; node = { vcores = 16; memory = "8G"; }; min = 0; max = 1;
    grow_delay = "200ms"; hook = "$T/hang-hook"; hook_timeout = "1s"; hook_retries = 1; }
);
CONF
cluster_start --agents 0 --rm-conf "$T/rmd.conf"
pool() { rmctl --json autoscale | jq -r --arg p "$1" ".pools[] | select(.name == \$p) | .$2"; }

big=$(rmsubmit --name big --vcores 8 --mem 64M -- true)
assert_contains "$(job_field "$big" reason)" "scaling up pool big" "big job's reason"
expected=$(make_sales 4M)
got=$(run_revenue 2)
assert_eq "$got" "$expected" "revenue total (flaky hook)"
assert_eq "$(pool local hook_failures)" 2 "flaky hook failures"
assert_contains "$(pool local last_hook_result)" "exit 0" "flaky hook's last result"
assert_contains "$(pool local last_hook_result)" "run 3 of 4" "flaky hook's runs"

# The hanging hook: killed at its timeout (SIGTERM ignored: SIGKILL), retried once.
hung_out() { [ "$(pool big hook_failures)" -ge 2 ]; }
wait_until 30 "the hanging hook to fail twice" hung_out
assert_contains "$(pool big last_hook_result)" "timed out after 1s: killed" "hang result"
assert_eq "$(wc -l <"$T/hangs")" 2 "hanging hook runs"
rmctl autoscale >"$T/as.txt"
assert_contains "$(cat "$T/as.txt")" "pool big" "rmctl autoscale"
pgrep -f "$T/hang-hook" >/dev/null && fail "a hanging hook is still running"
assert_eq "$(job_state "$big")" PENDING "big job (waits, not lost)"
# A framework's container request larger than every registered node is admitted as a job
# is: it waits for the pool that can hold it.
out=$(fwprobe "127.0.0.1:$(rm_port client)" fw-as register request 1 8 64 2>&1) ||
	fail "a container request pool big could hold was refused: $out"
req=$(sed -n 's/^request //p' <<<"$out")
assert_contains "$(job_field "$req" reason)" "scaling up pool big" "container request's reason"
rmctl kill "$req" >/dev/null
rmctl kill "$big" >/dev/null
# SIGHUP rereads the pools: local's max changes, big (gone from the file) stops growing,
# and a file with an error changes nothing.
sed -i 's/max = 2;/max = 3;/; /name = "big"/,/hook_retries = 1; }/d; s/hook_retries = 3; },/hook_retries = 3; }/' "$T/rmd.conf"
kill -HUP "$(cat "$CLUSTER/rmd.pid")"
reloaded() { [ "$(pool local max)" = 3 ] && [ "$(pool big max)" = 0 ]; }
wait_until 10 "the pools to be reloaded" reloaded
echo 'pools = ( { name = "local"; max = "many"; } );' >>"$T/rmd.conf"
kill -HUP "$(cat "$CLUSTER/rmd.pid")"
wait_until 10 "the failed reload to be logged" grep -q "reload:.*the pools stay" "$CLUSTER/rmd.log"
assert_eq "$(pool local max)" 3 "local max after a bad reload"
pass "flaky hook retried; hanging hook killed; reloaded on SIGHUP; total $got"

#!/usr/bin/env bash
# Dask on Loom (loom.dask.LoomCluster, Debian's python3-distributed) on three real agents:
#  - the dask scheduler and 3 workers run as Loom containers of one framework; the workers
#    (3 vcores each on 4-vcore nodes) land on 3 distinct nodes and see their container's
#    LOOM_ATTEMPT_ID;
#  - a dask.array reduction returns the exact sum;
#  - adapt(minimum=1, maximum=3) shrinks the idle cluster to one worker, releasing the
#    others' containers;
#  - close() releases every container and unregisters: every request job is final and
#    no scheduler or worker process is left;
#  - the same with scheduler="local" (in the test's process, workers still in containers);
#  - preemption: a prod job takes a node back from a batch cluster of 3 whole-node workers;
#    the worker warned by the "preempting" event is retired within the grace (its results
#    move to the others, nothing is computed again) and a new worker takes its place.
PY=/usr/bin/python3
if ! "$PY" -c 'import distributed, dask.array' 2>/dev/null; then
	echo "SKIP: python3-distributed (with python3-numpy) is not installed" >&2
	exit 77
fi
. "$(dirname "$0")/lib.sh"
export PYTHONPATH="$LOOM_SRC/client/python${PYTHONPATH:+:$PYTHONPATH}"

# Two queues: the clusters run in batch (the default), which borrows everything while prod
# is idle; a prod job then preempts.
conf="$T/rmd.conf"
cat >"$conf" <<EOF
preempt_after = "1s";
preempt_grace = "6s";
queues = {
  default = "batch";
  prod = { guaranteed = 50; maximum = 100; };
  batch = { guaranteed = 50; maximum = 100; };
};
EOF
cluster_start --agents 3 --rm-conf "$conf"
mkdir -p "$T/dask"
out=$(timeout 240 "$PY" - "$T/dask" <<'EOF'
import os, sys, time
import dask.array as da
from distributed import Client
from loom.dask import LoomCluster

def wait_for(what, pred, secs):
    deadline = time.monotonic() + secs
    while not pred():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {secs}s waiting for {what}")
        time.sleep(0.2)

cluster = LoomCluster(nthreads=2, vcores=3, memory="1GiB", shared_dir=sys.argv[1],
                      silence_logs="error")
print("framework", cluster.framework.name)
print("scheduler", cluster.scheduler.address, cluster.scheduler.container)
cluster.scale(3)
client = Client(cluster)
client.wait_for_workers(3, timeout=120)
assert da.arange(10**6, chunks=10**5).sum().compute() == 499999500000
ones_total = da.ones((2000, 2000), chunks=(500, 500)).sum().compute()
assert ones_total == 4_000_000, ones_total

# The workers are the containers the framework launched, on three distinct nodes.
containers = cluster.containers
assert len(containers) == 3, containers
nodes = {w.node for w in cluster.workers.values()}
assert len(nodes) == 3, nodes
seen = client.run(lambda: (os.environ.get("LOOM_DASK_NAME"), os.environ.get("LOOM_ATTEMPT_ID")))
assert sorted(seen.values()) == sorted(containers.items()), (seen, containers)
print("workers", " ".join(sorted(containers.values())))
print("nodes", " ".join(sorted(nodes)))

# Idle: adapt shrinks to its minimum and the released containers end.
cluster.adapt(minimum=1, maximum=3, interval="300ms", wait_count=3, target_duration="1s")
wait_for("adapt to shrink to 1 worker", lambda: len(client.scheduler_info()["workers"]) == 1
         and len(cluster.workers) == 1, 60)
left = set(cluster.containers.values())
assert len(left) == 1, left
print("after-adapt", " ".join(sorted(left)))
assert client.submit(sum, [1, 2, 3]).result() == 6
client.close()
cluster.close()
assert cluster.framework.conn.broken, "the framework connection is still open"
print("closed")

# The other placement of the scheduler: in this process, workers still in containers.
with LoomCluster(n_workers=1, scheduler="local", memory="512MiB",
                 silence_logs="error") as local, Client(local) as lc:
    lc.wait_for_workers(1, timeout=60)
    assert lc.submit(sum, [4, 5]).result() == 9
    assert lc.run(lambda: os.environ.get("LOOM_ATTEMPT_ID")) != {}
    print("local-fw", local.framework.name, local.scheduler.address)
print("local-ok")
EOF
) || fail "dask checks failed: $out"
echo "$out"
fw=$(echo "$out" | sed -n 's/^framework //p')
sched_addr=$(echo "$out" | sed -n 's/^scheduler \([^ ]*\) .*/\1/p')
sched_container=$(echo "$out" | sed -n 's/^scheduler [^ ]* //p')
{ [ -n "$fw" ] && [ -n "$sched_addr" ]; } || fail "no framework or scheduler address printed"
assert_contains "$out" "local-ok" "the python output"
assert_eq "$(echo "$out" | sed -n 's/^nodes //p' | wc -w)" 3 "distinct worker nodes"

# rmd's view: the schedulers and every worker were containers (attempts) of the two
# frameworks' request jobs, and all of them are final now.
local_fw=$(echo "$out" | sed -n 's/^local-fw \([^ ]*\) .*/\1/p')
local_addr=$(echo "$out" | sed -n 's/^local-fw [^ ]* //p')
jobs=$(rmctl --json jobs --all | jq -c --arg a "$fw" --arg b "$local_fw" \
	'[.jobs[] | select((.name | startswith($a + ":")) or (.name | startswith($b + ":")))]')
[ "$(echo "$jobs" | jq length)" -ge 5 ] || fail "expected >= 5 request jobs of $fw and $local_fw: $jobs"
live=$(echo "$jobs" | jq '[.[] | select(.state == "PENDING" or .state == "RUNNING")] | length')
assert_eq "$live" 0 "request jobs still live after close: $jobs"
for c in $sched_container $(echo "$out" | sed -n 's/^workers //p'); do
	job=${c%%.t*}
	st=$(job_json "$job" | jq -r --arg c "$c" '.job.tasks[].attempts[] | select(.id == $c) | .state')
	case "$st" in SUCCEEDED | FAILED | KILLED) ;; *) fail "container $c is '$st' after close" ;; esac
done
# No dask process of this test is left on the machine.
# (A worker's command line: python -c <loom's entry point> <scheduler> --nthreads ...)
gone() { ! pgrep -f "$T/dask" >/dev/null && ! pgrep -f -- "$sched_addr --nthreads" >/dev/null &&
	! pgrep -f -- "$local_addr --nthreads" >/dev/null; }
wait_until 20 "the scheduler and worker processes to exit" gone

# Preemption: 3 workers of 4 vcores fill the 3 nodes; prod's 4-vcore job takes one back.
pre=$(timeout 200 "$PY" - <<'EOF'
import subprocess, time
import dask.array as da
from distributed import Client
from dask.utils import stringify
from loom.dask import LoomCluster

def wait_for(what, pred, secs):
    deadline = time.monotonic() + secs
    while not pred():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {secs}s waiting for {what}")
        time.sleep(0.2)

with LoomCluster(n_workers=3, scheduler="local", nthreads=1, vcores=4, memory="512MiB",
                 silence_logs="error") as cluster, Client(cluster) as client:
    client.wait_for_workers(3, timeout=120)
    x = client.persist(da.arange(3000, chunks=100))
    wait_for("the array in memory", lambda: all(f.status == "finished"
                                                  for f in client.futures_of(x)), 60)
    before = dict(cluster.workers)
    keys = [f.key for f in client.futures_of(x)]
    prod = subprocess.run(["rmsubmit", "--queue", "prod", "--vcores", "4", "--mem", "64M",
                           "--", "sleep", "8"], capture_output=True, text=True, check=True)
    print("prod", prod.stdout.strip())
    wait_for("a preempting event", lambda: any(w.preempting for w in before.values()), 30)
    victim = next(n for n, w in before.items() if w.preempting)
    print("preempted", victim, before[victim].container)
    wait_for("the victim to be replaced", lambda: victim not in cluster.workers
             and len(cluster.workers) == 3, 30)
    held = lambda: list(client.who_has(x).values())
    wait_for("its results to be elsewhere", lambda: len(held()) == len(keys) and all(held()), 30)
    sched = cluster.scheduler  # in this process (scheduler="local"); keys as it spells them
    runs = sum(1 for k in keys for t in sched.story(stringify(k)) if t[2] == "processing")
    assert runs == len(keys), f"{runs} computations of {len(keys)} chunks: some ran again"
    assert x.sum().compute() == 2999 * 3000 // 2
    client.wait_for_workers(3, timeout=60)  # the replacement, once prod is done
    print("replaced-by", sorted(set(cluster.workers) - set(before)))
    print("preempt-ok")
EOF
) || fail "dask preemption checks failed: $pre"
echo "$pre"
assert_contains "$pre" "preempt-ok" "the preemption checks"
victim=$(echo "$pre" | sed -n 's/^preempted [^ ]* //p')
job=${victim%%.t*}
st=$(job_json "$job" | jq -r --arg c "$victim" '.job.tasks[].attempts[] | select(.id == $c) | "\(.state) \(.preempted)"')
case "$st" in "KILLED true" | "SUCCEEDED true") ;; *) fail "the preempted worker's container $victim is '$st'" ;; esac
pass "3 workers on 3 nodes, exact sum, adapt shrank to 1, local scheduler too, all released; a preempted worker retired and replaced"

#!/usr/bin/env bash
# rmtop and the autoscaler, inside tmux on an 80x24 terminal, against a cluster that starts
# at zero nodes with a pool of the local provider: the summary shows the pool (running
# nodes/min..max, those starting, the last decision), the job makes the pool grow, and the
# nodes view and the node's detail then say in plain words why the node is not released yet
# ("idle for only ...", "cooldown ..."), until it is. The tmux server has its own socket
# (-L), killed on exit; e2e_cleanup stops the cluster and the pool's agents.
. "$(dirname "$0")/lib.sh"

# libconfig takes @include paths relative to the including file's directory.
cp "$LOOM_SRC/conf/rmd.conf" "$T/base.conf"
cat >"$T/rmd.conf" <<CONF
@include "base.conf"
pools = (
  { name = "local"; labels = []; node = { vcores = 4; memory = "4G"; gpus = 0; };
    min = 0; max = 3; max_step = 3; grow_delay = "300ms"; idle_timeout = "12s";
    cooldown = "1s"; start_timeout = "30s"; hook = "$LOOM_SRC/tools/autoscale/local-provider";
    hook_timeout = "20s"; hook_retries = 2; }
);
CONF
cluster_start --agents 0 --rm-conf "$T/rmd.conf"
. "$(dirname "$0")/tmux.sh"
pool_empty() { [ "$(rmctl --json autoscale | jq '.pools[0].nodes | length')" = 0 ]; }

tm new-session -d -s top -x 80 -y 24 "LOOM_RM=$LOOM_RM $LOOM_BIN/rmtop"
wait_screen 10 "rmtop to connect" "connected to $LOOM_RM"
wait_screen 10 "the pool in the summary, at zero nodes" "autoscale: local 0/0..3"
# The resources line fits 80 columns (it ends with the waiting demand's memory).
wait_screen 5 "the whole resources line at 80 columns" "Used:" "Waiting: 0 tasks ([^)]*)\$"

# A job at zero nodes: the pool grows, and the summary says so.
job=$(rmsubmit --name aswait --vcores 1 --mem 64M -- sleep 4)
wait_screen 20 "the grow decision in the summary" "autoscale: local" "last: grow 1 (1 task waiting)"
wait_screen 30 "the pool's node up in the summary" "autoscale: local 1/0..3"
wait_until 40 "$job to finish" job_is "$job" SUCCEEDED

# The nodes view: under the list, why the selected pool node is not released.
tm send-keys -t top 3
wait_screen 10 "the pool node in the nodes view" "local-1" "RUNNING"
wait_screen 10 "why local-1 is not released" "local-1 (pool local) not released:" "idle for only"
# Its detail says it too, and follows the autoscaler (the seconds count up).
tm send-keys -t top Home Enter
wait_screen 10 "the node detail" "Last heartbeat"
wait_screen 10 "why, in the node detail" "Autoscale: pool local" "not released: idle for only"
first=$(screen | grep -o 'idle for only [0-9]*s' | head -1)
moved() { s=$(screen | grep -o 'idle for only [0-9]*s' | head -1); [ -n "$s" ] && [ "$s" != "$first" ]; }
wait_until 10 "the idle time to move on screen (was: $first)" moved

# rmtop --once has the pool and the kept node too.
once=$(rmtop --once)
assert_contains "$once" "autoscale: local 1/0..3" "rmtop --once pool"
assert_contains "$once" "idle for only" "rmtop --once why not released"

# After idle_timeout the node is drained and released; the summary shows the shrink.
tm send-keys -t top Escape
wait_screen 40 "the shrink decision in the summary" "autoscale: local" "last: shrink local-1"
wait_until 60 "the pool node to be released" pool_empty
wait_screen 15 "the pool back at zero in the summary" "autoscale: local 0/0..3  last: shrink local-1"
tm send-keys -t top q
gone() { ! tm has-session -t top 2>/dev/null; }
wait_until 5 "rmtop to quit on q" gone
pass

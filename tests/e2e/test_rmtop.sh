#!/usr/bin/env bash
# rmtop as a person uses it, inside tmux against a real local cluster: the summary and
# queues on the first screen, a job seen running then finished, a job killed with k and a
# confirmation, a node's detail, the events log, reconnection after rmd restarts, and
# `rmtop --once` for scripts. The tmux server has its own socket (-L), killed on exit.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 2
. "$(dirname "$0")/tmux.sh"

tm new-session -d -s top -x 120 -y 40 "LOOM_RM=$LOOM_RM $LOOM_BIN/rmtop"
wait_screen 10 "rmtop to connect" "connected to $LOOM_RM"
wait_screen 10 "the summary bar" "Nodes: 2 up, 0 lost"
wait_screen 10 "the queues table" "default" "fifo"

# A job runs, then finishes, on the jobs view (its columns include the speculative
# copies, SPEC, and why a job waits, WHY).
job=$(rmsubmit --tasks 2 --mem 32M --name topjob -- sleep 3)
tm send-keys -t top 2
wait_screen 10 "the jobs view's columns" "SPEC" "WHY"
wait_screen 20 "$job RUNNING in the jobs view" "$job" "RUNNING"
wait_screen 30 "$job SUCCEEDED in the jobs view" "$job" "SUCCEEDED"

# A long job, killed with k and y (the newest job is at the top, selected).
long=$(rmsubmit --tasks 1 --mem 32M --name longjob -- sleep 300)
wait_screen 20 "$long RUNNING" "$long" "RUNNING"
tm send-keys -t top Home k
wait_screen 5 "the kill confirmation" "Kill job $long? \[y/N\]"
tm send-keys -t top y
wait_screen 20 "$long KILLED after k" "$long" "KILLED"
assert_eq "$(job_state "$long")" KILLED "rmd's state of the killed job"

# Enter opens a job's detail with its attempts and nodes; Esc goes back.
tm send-keys -t top End Enter
wait_screen 10 "the job detail" "$job.t1.a1" "SUCCEEDED"
tm send-keys -t top Escape
wait_screen 5 "back in the list" "D/R/P/F"

# While the cluster is full a job waits, and the jobs list says why in plain words: on
# its row and, for the selected row, in full under the list. On an 80x24 terminal too.
filler=$(rmsubmit --tasks 2 --vcores 4 --mem 32M --name filler -- sleep 300)
wait_until 20 "$filler running" job_is "$filler" RUNNING
waiter=$(rmsubmit --tasks 1 --mem 32M --name waiter -- true)
tm send-keys -t top Home
wait_screen 10 "$waiter pending, with why on its row" "$waiter" "cluster full"
wait_screen 5 "why the selected job waits" "$waiter waits: cluster full: no node has"
tm resize-window -t top -x 80 -y 24
wait_screen 5 "the 80-column jobs header" "D/R/P/F" "SPEC"
wait_screen 5 "why, at 80x24" "$waiter waits: cluster full"
rmctl kill "$waiter" >/dev/null
rmctl kill "$filler" >/dev/null
wait_screen 10 "$filler KILLED" "$filler" "KILLED"
tm resize-window -t top -x 120 -y 40

# The nodes view and a node's detail, listing the attempt running there; the events log.
nodejob=$(rmsubmit --tasks 1 --mem 32M --name nodejob -- sleep 300)
wait_until 20 "$nodejob running" job_is "$nodejob" RUNNING
where=$(job_json "$nodejob" | jq -r '.job.tasks[0].attempts[0].node')
tm send-keys -t top 3
wait_screen 10 "the nodes view" "node-1" "RUNNING"
tm send-keys -t top / "$where" Enter Home Enter
wait_screen 10 "the node detail" "Last heartbeat"
wait_screen 10 "$where's detail listing $nodejob's attempt" "$nodejob.t0.a1" "RUNNING"
tm send-keys -t top Escape / Enter
rmctl kill "$nodejob" >/dev/null
tm send-keys -t top 4
wait_screen 10 "the events log" "$long" "KILLED"

# / filters the jobs; ? shows the keys.
tm send-keys -t top 2 / longjob Enter
wait_screen 5 "the filter" "filter: longjob"
screen | grep -q "$job " && fail "the filter still shows $job: $(screen)"
tm send-keys -t top '?'
wait_screen 5 "the help" "kill the selected job"
tm send-keys -t top x

# rmd restarts: rmtop says so, reconnects and shows the cluster again.
"$LOOM_SRC/tools/loom-cluster" kill-rm --dir "$CLUSTER" --signal TERM >/dev/null
wait_screen 10 "rmtop to notice rmd is gone" "reconnecting"
"$LOOM_SRC/tools/loom-cluster" restart-rm --dir "$CLUSTER" >/dev/null
wait_screen 20 "rmtop to reconnect" "reconnected to $LOOM_RM"
# A restarted rmd knows its nodes as LOST until their agents, in reconnect backoff,
# register again; the screen may still show the old counts until then.
two_up() { [ "$(rmctl --json nodes | jq '[.nodes[] | select(.state == "RUNNING")] | length')" = 2 ]; }
wait_until 30 "both agents to register again" two_up
wait_screen 30 "the agents back on rmtop's screen" "Nodes: 2 up"

# --once prints a plain snapshot; q quits the screen.
once=$(rmtop --once)
assert_contains "$once" "Nodes: 2 up" "rmtop --once"
assert_contains "$once" "default" "rmtop --once queues"
# rmd has no autoscale pools here: no autoscaler line, on the screen or in the snapshot.
case "$once" in *autoscale:*) fail "an autoscaler line without pools: $once" ;; esac
shows "autoscale:" && fail "an autoscaler line on screen without pools: $(screen)"
tm send-keys -t top q
gone() { ! tm has-session -t top 2>/dev/null; }
wait_until 5 "rmtop to quit on q" gone
rmtop --once --rm 127.0.0.1:1 >/dev/null 2>&1 && fail "rmtop --once succeeded without rmd"
pass

#!/usr/bin/env bash
# rmctl logs fetches a task's output; rmctl kill stops every process of a job; a task over
# its memory limit is killed with that reason; a job after a failed one fails too.
. "$(dirname "$0")/lib.sh"

cluster_start --agents 2

job=$(rmsubmit --tasks 2 --mem 32M --wrap 'echo hello-from-$LOOM_TASK_INDEX; exec sleep 3011')
all_running() { [ "$(job_json "$job" | jq '.job.tasks_running')" = 2 ]; }
wait_until 20 "both tasks running" all_running
has_log() { rmctl logs "$job.t1" | grep -q hello-from-1; }
wait_until 10 "the task's stdout" has_log

rmctl kill "$job" >/dev/null
wait_until 20 "job killed" job_is "$job" KILLED
gone() { ! pgrep -f "sleep 3011" >/dev/null; }
wait_until 20 "the killed tasks' processes to exit" gone
assert_eq "$(job_json "$job" | jq -r '[.job.tasks[].state] | unique | join(",")')" KILLED \
	"task states after kill"

hog=$(rmsubmit --max-attempts 1 --mem 64M -- loom-test-memhog 256 60)
wait_until 30 "memory hog to fail" job_is "$hog" FAILED
assert_contains "$(job_field "$hog" reason)" "memory" "memory hog's reason"

first=$(rmsubmit --max-attempts 1 --mem 32M -- false)
second=$(rmsubmit --after "$first" --mem 32M -- true)
wait_until 20 "dependent job to fail" job_is "$second" FAILED
assert_contains "$(job_field "$second" reason)" "$first" "dependent job's reason"
pass

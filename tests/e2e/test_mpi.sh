#!/usr/bin/env bash
# Open MPI jobs across three agents through loom-mpirun (frameworks/mpi): it registers as a
# framework, gets a gang of 3 containers (768M each on 1G agents, so one per node), runs
# mpirun here with loom-mpi-rsh as its remote launch agent, and each orted (and so each
# MPI rank) runs inside a container. Checks: the ring/allreduce answer; each rank ran in a
# container of the one gang request, whose 3 containers are on 3 nodes; a failing
# program's status comes back; loom-mpirun also works as a batch job (rmsubmit --
# loom-mpirun); no orted, rank or rsh agent outlives a run and the nodes end up free.
# Skips (exit 77) when Open MPI is not installed (tools/install-deps installs it). As root,
# Open MPI needs OMPI_ALLOW_RUN_AS_ROOT{,_CONFIRM}=1: loom-mpirun sets them for mpirun and
# orted itself, this script for mpicc.
. "$(dirname "$0")/lib.sh"

for p in mpicc mpirun orted; do
	command -v "$p" >/dev/null || { echo "SKIP: $TEST_NAME: no $p (apt-get install openmpi-bin libopenmpi-dev)"; exit 77; }
done
[ -x "$LOOM_BIN/loom-mpirun" ] && [ -x "$LOOM_BIN/loom-mpi-rsh" ] ||
	fail "loom-mpirun or loom-mpi-rsh is not built in $LOOM_BIN"
if [ "$(id -u)" -eq 0 ]; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
mpicc -o "$T/ring" "$LOOM_SRC/frameworks/mpi/examples/ring.c" || fail "mpicc could not build ring.c"

# 1G agents and 768M containers: one container per node, room left for a small launcher.
cluster_start --agents 3 --mem 1G

# Processes of this run that must be gone at the end: orted (started by our agents), the
# ranks, and the rsh agents (which carry loom-mpirun's socket under $T).
with_env() { # pgrep-pattern VAR=VALUE-prefix
	local p
	for p in $(pgrep -f "$1" || true); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q "^$2" && echo "$p"
	done
	return 0
}
leftovers() { with_env orted "LOOM_CLUSTER_DIR=$CLUSTER"; with_env loom-mpi-rsh "LOOM_MPI_SOCK=$T/"; pgrep -f "$T/ring" || true; }
nothing_left() { [ -z "$(leftovers)" ]; }
export TMPDIR=$T # loom-mpirun's relay socket lives under it
log=$CLUSTER/loom-mpirun.log # shown with the cluster's logs if the test fails

note "loom-mpirun -n 3 ring (each rank holds its container for 3 s)"
loom-mpirun -v -n 3 --vcores 1 --mem 768M --name mpi-ring -- "$T/ring" 3 \
	>"$T/out" 2>"$log" &
pid=$!
req_id() { rmctl --json jobs | jq -r '.jobs[] | select(.name == "mpi-ring") | .id' | head -1; }
running3() {
	local j
	j=$(req_id) && [ -n "$j" ] &&
		[ "$(job_json "$j" | jq '[.job.tasks[].attempts[] | select(.state == "RUNNING")] | length')" -eq 3 ]
}
wait_until 60 "the gang's 3 containers to run orted" running3
req=$(req_id)
assert_eq "$(job_field "$req" gang)" true "the request's gang flag"
assert_eq "$(job_field "$req" ntasks)" 3 "containers of the request"
nodes=$(job_json "$req" | jq -r '[.job.tasks[].attempts[].node] | unique | join(",")')
assert_eq "$nodes" node-1,node-2,node-3 "nodes of the gang's containers"
[ -n "$(with_env orted "LOOM_CLUSTER_DIR=$CLUSTER")" ] || fail "no orted runs under the cluster's agents"
note "request $req: gang of 3 on $nodes, orted running under the agents"

rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "loom-mpirun exited with $rc"
assert_contains "$(cat "$T/out")" "ring size=3 token=6 allreduce=3" "the ring's output"
# Each rank ran in one of the request's containers (the agent's LOOM_ATTEMPT_ID).
ranks=$(sed -n 's/^rank [0-9] of 3 in container \(.*\)$/\1/p' "$T/out" | sort | tr '\n' ' ')
conts=$(job_json "$req" | jq -r '[.job.tasks[].attempts[].id] | sort | join(" ")')
assert_eq "$ranks" "$conts " "containers the 3 ranks ran in"
wait_until 15 "orted, ranks and agents to be gone" nothing_left
wait_until 15 "the request to end" \
	bash -c "rmctl --json job $req | jq -e '.job.state | test(\"SUCCEEDED|KILLED\")'"
exits=$(job_json "$req" | jq -r '[.job.tasks[].attempts[].exit_code] | join(",")')
assert_eq "$exits" 0,0,0 "exit codes of the orted containers"

note "a failing program: its status comes back, the containers are freed"
rc=0
loom-mpirun -n 3 --mem 768M -- sh -c 'exit 3' >>"$log" 2>&1 || rc=$?
[ "$rc" -eq 3 ] || fail "loom-mpirun of a program exiting 3 exited $rc"
wait_until 15 "orted of the failed run to be gone" nothing_left
free3() { [ "$(rmctl --json nodes | jq '[.nodes[] | select(.used.vcores_m == 0)] | length')" -eq 3 ]; }
wait_until 15 "all 3 nodes to be free again" free3

note "as a batch job: rmsubmit -- loom-mpirun (the launcher in a container of its own)"
batch=$(rmsubmit --name mpi-batch --mem 64M --env "LOOM_RM=$LOOM_RM" --wait \
	-- loom-mpirun -n 3 --mem 768M --name mpi-batch-ring -- "$T/ring" 2>>"$log") ||
	fail "the batch job running loom-mpirun failed: $(rmctl logs "$batch.t0" --stderr 2>&1 | tail -5)"
out=$(rmctl logs "$batch.t0")
assert_contains "$out" "ring size=3 token=6 allreduce=3" "the batch job's output"
inner=$(rmctl --json jobs --all | jq -r '.jobs[] | select(.name == "mpi-batch-ring") | .id' | head -1)
[ -n "$inner" ] || fail "no container request named mpi-batch-ring in rmctl jobs --all"
assert_eq "$(job_field "$inner" gang)" true "the batch run's request gang flag"
ranks=$(echo "$out" | sed -n 's/^rank [0-9] of 3 in container \(.*\)$/\1/p' | sort | tr '\n' ' ')
conts=$(job_json "$inner" | jq -r '[.job.tasks[].attempts[].id] | sort | join(" ")')
assert_eq "$ranks" "$conts " "containers the batch run's ranks ran in"
wait_until 15 "orted of the batch run to be gone" nothing_left
wait_until 15 "all 3 nodes to be free again" free3

pass "MPI ring over 3 Loom containers on 3 nodes (gang $req): token=6, allreduce=3"

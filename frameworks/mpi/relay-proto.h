/*
 * The tiny protocol between loom-mpi-rsh (mpirun's remote launch agent) and loom-mpirun's
 * relay, over a unix socket whose path is in $LOOM_MPI_SOCK:
 *   agent -> relay: HOST '\0' COMMAND '\0'     (COMMAND: the agent's arguments joined by
 *                                               spaces, as ssh joins them)
 *   relay -> agent: "exit N\n" | "error TEXT\n", then the relay closes.
 */
#ifndef LOOM_MPI_RELAY_PROTO_H
#define LOOM_MPI_RELAY_PROTO_H

#define LMR_SOCK_ENV "LOOM_MPI_SOCK"
/* Largest request an agent may send (host + orted command line). */
#define LMR_MAX_REQ (256 * 1024)

#endif

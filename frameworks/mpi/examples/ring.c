/*
 * ring: a small MPI program to check a Loom MPI run end to end. A token goes once around
 * the ring of ranks, each adding its rank + 1, so rank 0 gets back n(n+1)/2; then an
 * allreduce of the ranks gives n(n-1)/2 everywhere. Rank 0 prints one line the test
 * checks; every rank prints where it ran (LOOM_ATTEMPT_ID names its container).
 *
 *   mpicc -o ring ring.c && loom-mpirun -n 3 -- ./ring [SECONDS_TO_HOLD]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int rank, size, token = 0, sum = 0;
	const char *where = getenv("LOOM_ATTEMPT_ID");

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	printf("rank %d of %d in container %s\n", rank, size, where ? where : "(none)");
	fflush(stdout);
	if (argc > 1) /* hold the containers a while so that a test can look at them */
		sleep((unsigned)atoi(argv[1]));
	if (rank == 0) {
		token = 1;
		if (size > 1) {
			MPI_Send(&token, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
			MPI_Recv(&token, 1, MPI_INT, size - 1, 0, MPI_COMM_WORLD,
				 MPI_STATUS_IGNORE);
		}
	} else {
		MPI_Recv(&token, 1, MPI_INT, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		token += rank + 1;
		MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, 0, MPI_COMM_WORLD);
	}
	MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	if (rank == 0)
		printf("ring size=%d token=%d allreduce=%d\n", size, token, sum);
	MPI_Finalize();
	return 0;
}

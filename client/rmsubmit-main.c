/* rmsubmit's entry point; the program is rmsubmit.c (a library, so tests can drive it). */
#include "client.h"

int main(int argc, char **argv)
{
	return rmsubmit_main(argc, argv);
}

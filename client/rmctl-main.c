/* rmctl's entry point; the program is rmctl.c (a library, so tests can drive it). */
#include "client.h"

int main(int argc, char **argv)
{
	return rmctl_main(argc, argv);
}

/*
 * The benchmark's limit for `huskyhook run`: spawns PROGRAM COUNT times,
 * one after the other, waiting for each, with nothing else around it.
 * Usage: spawnloop COUNT PROGRAM
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int
main(int argc, char **argv)
{
	struct timespec a, b;
	char *args[2];
	long count, i;
	pid_t pid;
	int status;

	if (argc != 3)
		return 2;
	count = atol(argv[1]);
	args[0] = argv[2];
	args[1] = NULL;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < count; i++) {
		if (posix_spawn(&pid, argv[2], NULL, NULL, args, environ) != 0 ||
		    waitpid(pid, &status, 0) != pid)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("spawned=%ld seconds=%.3f\n", count,
	    (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}

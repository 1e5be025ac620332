/*
 * The benchmark's limit for the durable path: stores COUNT vendor-shaped
 * events (~1 KB, unique ids) with huskyhook's own spool_commit, the same
 * fsyncs and links the receiver makes, from CONC processes at once, with
 * no HTTP, no signature and no parsing. Prints events/s.
 * Usage: storeloop SPOOL COUNT CONC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "spool.h"

int
main(int argc, char **argv)
{
	struct timespec a, b;
	char body[1200], err[256];
	struct spool *sp;
	struct event ev;
	long count, conc, i, p;
	int differs, len, status, failed = 0;

	if (argc != 4)
		return 2;
	count = atol(argv[2]);
	conc = atol(argv[3]);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (p = 0; p < conc; p++) {
		if (fork() != 0)
			continue;
		if ((sp = spool_open(argv[1], err, sizeof err)) == NULL)
			_exit(1);
		for (i = p; i < count; i += conc) {
			len = snprintf(body, sizeof body,
			    "{\"event_id\":\"store-%ld\",\"event_type\":"
			    "\"call.completed\",\"created_at\":"
			    "\"2026-06-01T10:00:00Z\",\"org_id\":\"org_abc_123\","
			    "\"data\":{\"call_id\":\"call_%09ld\",\"transcript\":"
			    "\"%0800d\"}}", i, i, 0);
			if (event_parse(body, (size_t)len, &ev, NULL, err,
			    sizeof err) != EVENT_OK ||
			    spool_commit(sp, &ev, "127.0.0.1", body,
			    (size_t)len, &differs) != SPOOL_STORED)
				_exit(1);
		}
		_exit(0);
	}
	for (p = 0; p < conc; p++)
		if (wait(&status) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed = 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("stored=%ld seconds=%.3f rps=%.1f\n", failed ? 0 : count,
	    (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
	    (double)count / ((double)(b.tv_sec - a.tv_sec) +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e9));
	return failed;
}

/*
 * The benchmark's limit for the durable path: stores COUNT vendor-shaped
 * events (~1 KB, unique ids) with huskyhook's own spool_commit, the same
 * fsyncs and links the receiver makes, from CONC processes at once, with
 * no HTTP, no signature and no parsing. Prints events/s and the
 * latency of one commit (p50, p99: the disk's own spread).
 * Usage: storeloop SPOOL COUNT CONC [ID-PREFIX]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "spool.h"

static double
ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct timespec a, b, t;
	double *lat;
	char body[1200], err[256];
	struct spool *sp;
	struct event ev;
	long count, conc, i, p;
	int differs, len, status, failed = 0;

	const char *prefix = argc == 5 ? argv[4] : "store";

	if (argc != 4 && argc != 5)
		return 2;
	count = atol(argv[2]);
	conc = atol(argv[3]);
	if (count < 1 || conc < 1)
		return 2;
	/* Shared with the children: each fills the slots of its events. */
	lat = mmap(NULL, (size_t)count * sizeof *lat, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lat == MAP_FAILED)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (p = 0; p < conc; p++) {
		if (fork() != 0)
			continue;
		if ((sp = spool_open(argv[1], err, sizeof err)) == NULL)
			_exit(1);
		for (i = p; i < count; i += conc) {
			len = snprintf(body, sizeof body,
			    "{\"event_id\":\"%s-%ld\",\"event_type\":"
			    "\"call.completed\",\"created_at\":"
			    "\"2026-06-01T10:00:00Z\",\"org_id\":\"org_abc_123\","
			    "\"data\":{\"call_id\":\"call_%09ld\",\"transcript\":"
			    "\"%0800d\"}}", prefix, i, i, 0);
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (event_parse(body, (size_t)len, &ev, NULL, err,
			    sizeof err) != EVENT_OK ||
			    spool_commit(sp, &ev, "127.0.0.1", body,
			    (size_t)len, &differs) != SPOOL_STORED)
				_exit(1);
			lat[i] = ms_since(&t);
		}
		_exit(0);
	}
	for (p = 0; p < conc; p++)
		if (wait(&status) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed = 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	qsort(lat, (size_t)count, sizeof *lat, cmp_double);
	printf("stored=%ld seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f\n",
	    failed ? 0 : count,
	    (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
	    (double)count / ((double)(b.tv_sec - a.tv_sec) +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e9), lat[count / 2],
	    lat[(long)((double)count * 0.99)]);
	return failed;
}

/*
 * The benchmark's limit for the durable path: stores COUNT vendor-shaped
 * events (~1 KB, unique ids) with huskyhook's own spool_commit, the same
 * fsyncs and links the receiver makes, from CONC threads of one process
 * (each with its spool handle, as the receiver's threads have), with no
 * HTTP, no signature and no parsing. MODE "each" makes one commit per
 * event (two fsyncs of its own); "grouped" lets the threads share the
 * fsyncs of events/ (SPOOL_OPEN_GROUP). Prints events/s and the
 * latency of one commit (p50, p99: the disk's own spread).
 * Usage: storeloop SPOOL COUNT CONC [ID-PREFIX [each|grouped]]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "spool.h"

struct loop {
	const char	*path, *prefix;
	long		 count, conc, first;
	int		 grouped, failed;
	double		*lat;
};

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

/* One thread: events first, first + conc, ... */
static void *
loop_thread(void *arg)
{
	struct loop *l = arg;
	struct timespec t;
	char body[1200], err[256];
	struct spool *sp;
	struct event ev;
	int differs, len;
	long i;

	if ((sp = spool_open(l->path, SPOOL_OPEN_MAKE | (l->grouped ?
	    SPOOL_OPEN_GROUP : 0), err, sizeof err)) == NULL) {
		l->failed = 1;
		return NULL;
	}
	for (i = l->first; i < l->count; i += l->conc) {
		len = snprintf(body, sizeof body,
		    "{\"event_id\":\"%s-%ld\",\"event_type\":"
		    "\"call.completed\",\"created_at\":"
		    "\"2026-06-01T10:00:00Z\",\"org_id\":\"org_abc_123\","
		    "\"data\":{\"call_id\":\"call_%09ld\",\"transcript\":"
		    "\"%0800d\"}}", l->prefix, i, i, 0);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (event_parse(body, (size_t)len, &ev, NULL, err,
		    sizeof err) != EVENT_OK ||
		    spool_commit(sp, &ev, "127.0.0.1", body, (size_t)len,
		    &differs) != SPOOL_STORED) {
			l->failed = 1;
			break;
		}
		l->lat[i] = ms_since(&t);
	}
	spool_close(sp);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct timespec a, b;
	struct loop *l;
	pthread_t *th;
	double *lat, secs;
	long count, conc, p;
	int failed = 0;

	if (argc < 4 || argc > 6)
		return 2;
	count = atol(argv[2]);
	conc = atol(argv[3]);
	if (count < 1 || conc < 1 || conc > 1024 || (argc == 6 &&
	    strcmp(argv[5], "each") != 0 && strcmp(argv[5], "grouped") != 0))
		return 2;
	lat = calloc((size_t)count, sizeof *lat);
	l = calloc((size_t)conc, sizeof *l);
	th = calloc((size_t)conc, sizeof *th);
	if (lat == NULL || l == NULL || th == NULL)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (p = 0; p < conc; p++) {
		l[p].path = argv[1];
		l[p].prefix = argc >= 5 ? argv[4] : "store";
		l[p].count = count;
		l[p].conc = conc;
		l[p].first = p;
		l[p].grouped = argc == 6 && strcmp(argv[5], "grouped") == 0;
		l[p].lat = lat;
		if (pthread_create(&th[p], NULL, loop_thread, &l[p]) != 0)
			return 1;
	}
	for (p = 0; p < conc; p++) {
		pthread_join(th[p], NULL);
		failed |= l[p].failed;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) /
	    1e9;
	qsort(lat, (size_t)count, sizeof *lat, cmp_double);
	printf("stored=%ld seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f\n",
	    failed ? 0 : count, secs, (double)count / secs, lat[count / 2],
	    lat[(long)((double)count * 0.99)]);
	free(th);
	free(l);
	free(lat);
	return failed;
}

/*
 * What huskyhook status and the status page count, and one writer of it
 * in Prometheus' text format, which both serve (`status --prometheus`
 * for node_exporter's textfile collector, `?format=prometheus` for a
 * scrape). Names follow Prometheus' guide: the huskyhook_ prefix, base
 * units (seconds, timestamps as seconds since the epoch), _total on
 * counters, the state or result as a label rather than in the name.
 */
#include <stdio.h>
#include <string.h>

#include "metrics.h"

/* The age of something received at t, seen at now: 0 at least (a
 * receipt "later" than now is a clock step). */
static long
metrics_age(time_t now, time_t t)
{
	return now > t ? (long)(now - t) : 0;
}

/* One retrying event into the tally (spool_each: one meta at a time). */
static int
metrics_tally_one(const struct spool_meta *m, void *arg)
{
	struct metrics_tally *t = arg;
	long age = metrics_age(t->now, m->received.tv_sec);

	t->count[SPOOL_RETRYING]++;
	if (age > t->oldest[SPOOL_RETRYING])
		t->oldest[SPOOL_RETRYING] = age;
	return 0;
}

int
metrics_tally(struct spool *sp, const char *path, time_t now,
    struct metrics_tally *t)
{
	struct spool_runs runs;
	time_t received;
	int st;

	memset(t, 0, sizeof *t);
	t->now = now;
	for (st = 0; st < SPOOL_DONE; st++)
		t->oldest[st] = -1;
	if ((t->count[SPOOL_PENDING] = spool_each(sp, SPOOL_PENDING, NULL,
	    &received)) == -1 ||
	    spool_each(sp, SPOOL_RETRYING, metrics_tally_one, t) == -1 ||
	    (t->count[SPOOL_DONE] = spool_each(sp, SPOOL_DONE, NULL,
	    NULL)) == -1 ||
	    (t->count[SPOOL_FAILED] = spool_each(sp, SPOOL_FAILED, NULL,
	    NULL)) == -1)
		return -1;
	if (received != 0)
		t->oldest[SPOOL_PENDING] = metrics_age(now, received);
	t->last_run = spool_runs(sp, &runs) == -1 ? 0 : runs.last;
	/* Counters that do not read are told as none (the page and the
	 * status still show the rest); the writer logs why. */
	if (counters_read(path, &t->counters) == -1)
		memset(&t->counters, 0, sizeof t->counters);
	return 0;
}

static void
metrics_family(FILE *out, const char *name, const char *type,
    const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
metrics_write_prometheus(FILE *out, const struct metrics_tally *t)
{
	const struct counters *c = &t->counters;
	int st, r;

	metrics_family(out, "huskyhook_events", "gauge",
	    "Events in the spool, by state.");
	for (st = 0; st < SPOOL_NSTATES; st++)
		fprintf(out, "huskyhook_events{state=\"%s\"} %ld\n",
		    spool_state_name((enum spool_state)st), t->count[st]);
	metrics_family(out, "huskyhook_oldest_event_age_seconds", "gauge",
	    "Age of the oldest event waiting in the state, by its receipt "
	    "(0: none waits).");
	for (st = 0; st < SPOOL_DONE; st++)
		fprintf(out, "huskyhook_oldest_event_age_seconds{state=\"%s\"} "
		    "%ld\n", spool_state_name((enum spool_state)st),
		    t->oldest[st] < 0 ? 0 : t->oldest[st]);
	metrics_family(out, "huskyhook_last_run_end_timestamp_seconds",
	    "gauge", "When the last run ended, or a run --watch last "
	    "looked at pending events (0: never).");
	fprintf(out, "huskyhook_last_run_end_timestamp_seconds %lld\n",
	    (long long)t->last_run);
	if (c->run_start != 0) {
		metrics_family(out,
		    "huskyhook_last_run_start_timestamp_seconds", "gauge",
		    "When the last run that ended started.");
		fprintf(out, "huskyhook_last_run_start_timestamp_seconds "
		    "%lld\n", (long long)c->run_start);
	}
	if (c->run_known) {
		metrics_family(out, "huskyhook_last_run_events", "gauge",
		    "Events the last run that ended recorded, by result.");
		for (r = 0; r < COUNTERS_NRESULTS; r++)
			fprintf(out, "huskyhook_last_run_events{result=\"%s\"} "
			    "%lld\n", counters_result_name(r),
			    c->run_events[r]);
	}
	metrics_family(out, "huskyhook_hook_attempts_total", "counter",
	    "Attempts at an event's hooks run recorded, by result (done: all "
	    "succeeded; retry, failed: a hook failed).");
	for (r = 0; r < COUNTERS_NRESULTS; r++)
		fprintf(out, "huskyhook_hook_attempts_total{result=\"%s\"} "
		    "%llu\n", counters_result_name(r), c->attempts[r]);
}

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

static const char *const metrics_states[METRICS_NSTATES] = {
	"pending", "retrying", "failed", "done"
};

const char *
metrics_state_name(enum metrics_state st)
{
	return st < METRICS_NSTATES ? metrics_states[st] : "?";
}

enum metrics_state
metrics_state_of(const struct spool_meta *m, enum spool_state st)
{
	switch (st) {
	case SPOOL_FAILED:
		return METRICS_FAILED;
	case SPOOL_DONE:
		return METRICS_DONE;
	default:
		return m->attempts > 0 ? METRICS_RETRYING : METRICS_PENDING;
	}
}

/* One pending event into the tally (spool_each: one meta at a time). */
static int
metrics_tally_one(const struct spool_meta *m, void *arg)
{
	struct metrics_tally *t = arg;
	enum metrics_state st = metrics_state_of(m, SPOOL_PENDING);
	long age = (long)(t->now - m->received.tv_sec);

	t->count[st]++;
	if (age < 0)
		age = 0;	/* received "later" than now: a clock step */
	if (age > t->oldest[st])
		t->oldest[st] = age;
	return 0;
}

int
metrics_tally(struct spool *sp, const char *path, time_t now,
    struct metrics_tally *t)
{
	int st;

	memset(t, 0, sizeof *t);
	t->now = now;
	for (st = 0; st < METRICS_FAILED; st++)
		t->oldest[st] = -1;
	if (spool_each(sp, SPOOL_PENDING, metrics_tally_one, t) == -1)
		return -1;
	if ((t->count[METRICS_DONE] = spool_count(sp, SPOOL_DONE)) == -1 ||
	    (t->count[METRICS_FAILED] = spool_count(sp, SPOOL_FAILED)) == -1)
		return -1;
	t->last_run = spool_stamp_get(sp, SPOOL_STAMP_LAST_RUN);
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
	for (st = 0; st < METRICS_NSTATES; st++)
		fprintf(out, "huskyhook_events{state=\"%s\"} %ld\n",
		    metrics_states[st], t->count[st]);
	metrics_family(out, "huskyhook_oldest_event_age_seconds", "gauge",
	    "Age of the oldest event waiting in the state, by its receipt "
	    "(0: none waits).");
	for (st = 0; st < METRICS_FAILED; st++)
		fprintf(out, "huskyhook_oldest_event_age_seconds{state=\"%s\"} "
		    "%ld\n", metrics_states[st], t->oldest[st] < 0 ? 0 :
		    t->oldest[st]);
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

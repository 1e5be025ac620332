/* The spool's numbers, for huskyhook status and the status page, and
 * Prometheus' text format of them. */
#ifndef HUSKYHOOK_METRICS_H
#define HUSKYHOOK_METRICS_H

#include <stdio.h>
#include <time.h>

#include "counters.h"
#include "spool.h"

/* The states as a person tells them: the spool's pending is two,
 * pending (never tried) and retrying (tried, due again later). */
enum metrics_state {
	METRICS_PENDING,
	METRICS_RETRYING,
	METRICS_FAILED,
	METRICS_DONE,
	METRICS_NSTATES
};

struct metrics_tally {
	time_t		 now;
	long		 count[METRICS_NSTATES];
	/* The oldest pending and retrying event's age by its receipt, in
	 * seconds; -1 when there is none. */
	long		 oldest[METRICS_FAILED];
	time_t		 last_run;	/* the last-run stamp; 0: never */
	struct counters	 counters;
};

const char *metrics_state_name(enum metrics_state st);
enum metrics_state metrics_state_of(const struct spool_meta *m,
    enum spool_state st);
/* Counts sp's events (each pending meta read, the others by name), and
 * reads the last-run stamp and the counters of the spool at path. 0, or
 * -1 with errno. */
int metrics_tally(struct spool *sp, const char *path, time_t now,
    struct metrics_tally *t);
/* t in Prometheus' text exposition format (version 0.0.4). */
void metrics_write_prometheus(FILE *out, const struct metrics_tally *t);

#endif

/* The spool's numbers, for huskyhook status and the status page, and
 * Prometheus' text format of them. */
#ifndef HUSKYHOOK_METRICS_H
#define HUSKYHOOK_METRICS_H

#include <stdio.h>
#include <time.h>

#include "counters.h"
#include "spool.h"

struct metrics_tally {
	time_t		 now;
	long		 count[SPOOL_NSTATES];
	/* The oldest pending and retrying event's age by its receipt, in
	 * seconds; -1 when there is none. */
	long		 oldest[SPOOL_DONE];
	time_t		 last_run;	/* when the last run synced; 0: never */
	struct counters	 counters;
};

/* Counts sp's events (the retrying metas read, the others counted by
 * name, pending aged by its bodies' times), and reads when the last run
 * ended and the counters of the spool at path. 0, or -1 with errno. */
int metrics_tally(struct spool *sp, const char *path, time_t now,
    struct metrics_tally *t);
/* t in Prometheus' text exposition format (version 0.0.4). */
void metrics_write_prometheus(FILE *out, const struct metrics_tally *t);

#endif

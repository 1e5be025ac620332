/* Counts that outlive runs and purges, kept in the spool's top as
 * `counters` (see counters.c). */
#ifndef HUSKYHOOK_COUNTERS_H
#define HUSKYHOOK_COUNTERS_H

#include <time.h>


/* What an attempt at an event's hooks came to. */
enum counters_result {
	COUNTERS_DONE,		/* every hook succeeded */
	COUNTERS_RETRY,		/* a hook failed; tried again later */
	COUNTERS_FAILED,	/* failed for good */
	COUNTERS_NRESULTS
};

struct counters {
	/* Every attempt run recorded since the spool was made. */
	unsigned long long	 attempts[COUNTERS_NRESULTS];
	/* The last run that ended: when it started (0: a run --watch,
	 * whose start is not kept), and what its events came to. */
	time_t			 run_start;
	long long		 run_events[COUNTERS_NRESULTS];
	int			 run_known;	/* a run has ended */
};

const char *counters_result_name(enum counters_result r);
/* Reads the spool's counters; all zero where there are none yet. 0, or
 * -1 with errno. */
int counters_read(const char *spool, struct counters *c);
/* A run's tallies so far (done, to retry, failed for good: what it
 * recorded since it started, counted up in this process): what was not
 * yet added to the attempts is added. A run --watch calls it as it goes. */
int counters_run_progress(const char *spool, long done, long retrying,
    long failed);
/* The same at the end of a run, which is also recorded as the last run:
 * its start (0: unknown) and its tallies. */
int counters_run_ended(const char *spool, time_t start, long done,
    long retrying, long failed);

#endif

/* huskyhook run: the spool processor. */
#ifndef HUSKYHOOK_RUN_H
#define HUSKYHOOK_RUN_H

#include <stddef.h>
#include <stdio.h>

struct config;

struct run_options {
	int	 verbose;
	int	 watch;		/* keep running: huskyhook run --watch */
	long	 jobs;		/* events at once; 0: the config's jobs */
	/* Where --watch says, besides the log, that the hooks directory
	 * went or came back (huskyhook run: stderr); NULL: the log only. */
	FILE	*notes;
};

/* Runs every due event's hooks once, then housekeeping; with watch,
 * goes on running events as they arrive and fall due until SIGTERM,
 * SIGINT or SIGHUP. Reports each event's failure on out (and everything
 * with verbose): the caller's stream, as opt->notes is. Returns 0 (also when another run holds the lock), or -1
 * when the spool cannot be used, with why in err. */
int run_spool(const struct config *cfg, const struct run_options *opt,
    FILE *out, char *err, size_t errlen);

/* The delay before attempt n+1 after n failed attempts. */
long run_backoff_sec(const struct config *cfg, long failed_attempts);

#endif

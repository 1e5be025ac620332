/* huskyhook run: the spool processor. */
#ifndef HUSKYHOOK_RUN_H
#define HUSKYHOOK_RUN_H

#include <stddef.h>
#include <stdio.h>

struct config;

/* Runs every due event's hooks once, then housekeeping. Reports each
 * event's failure on out (and everything with verbose). Returns 0 (also
 * when another run holds the lock), or -1 when the spool cannot be used,
 * with why in err. */
int run_spool(const struct config *cfg, int verbose, FILE *out, char *err,
    size_t errlen);

/* The delay before attempt n+1 after n failed attempts. */
long run_backoff_sec(const struct config *cfg, long failed_attempts);

#endif

/* huskyhook run: the spool processor. */
#ifndef HUSKYHOOK_RUN_H
#define HUSKYHOOK_RUN_H

#include <stdio.h>

struct config;

/* Runs every due event's hooks once, then housekeeping. Reports
 * failures on out (everything with verbose). Returns the exit status:
 * 0, or 1 when the spool cannot be used. */
int run_spool(const struct config *cfg, int verbose, FILE *out);

/* The delay before attempt n+1 after n failed attempts. */
long run_backoff_sec(const struct config *cfg, long failed_attempts);

#endif

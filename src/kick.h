/* The receiver's kick: starting `huskyhook run` after an answer. */
#ifndef HUSKYHOOK_KICK_H
#define HUSKYHOOK_KICK_H

struct config;
struct spool;

/* With kick = yes (and hooks set), starts kick_program run -c CONFIG
 * detached, unless a run holds the spool's lock or one was started in
 * the last KICK_MIN_INTERVAL_SEC; then it leaves the mark that makes
 * that run list pending/ again. Call it after the answer is finished:
 * it waits only for an intermediate fork. Errors are logged. */
void kick_run(const struct config *cfg, struct spool *sp);

#endif

/* huskyhook status: counts per state, the oldest waiting, the last run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "text.h"

/* "  (oldest received 5m ago)" after a count of events. */
static void
status_oldest(long oldest)
{
	char agebuf[32];

	if (oldest < 0)
		return;
	text_format_age(agebuf, sizeof agebuf, oldest);
	printf("  (oldest received %s ago)", agebuf);
}

static void
status_json_age(const char *key, long age)
{
	printf(",\"%s\":", key);
	if (age >= 0)
		printf("%ld", age);
	else
		printf("null");
}

/* "run      held by HOST pid N since TIME" while a run holds the
 * spool's lock, on this host or another. */
static void
status_lock_holder(struct spool *sp)
{
	struct spool_runs h;
	char stamp[32];

	if (spool_runs(sp, &h) == -1 || !h.held)
		return;
	cli_format_utc(stamp, sizeof stamp, h.since);
	printf("run       held by %s pid %ld since %s\n", h.host[0] != '\0' ?
	    h.host : "?", h.pid, stamp);
}

struct status_tally {
	long	count[SPOOL_NSTATES];
	long	oldest[SPOOL_NSTATES];
	time_t	now;
};

/* One retrying event into the tally (spool_each: one meta at a time). */
static int
status_tally_one(const struct spool_meta *m, void *arg)
{
	struct status_tally *t = arg;
	long age = (long)(t->now - m->received.tv_sec);

	t->count[SPOOL_RETRYING]++;
	if (age > t->oldest[SPOOL_RETRYING])
		t->oldest[SPOOL_RETRYING] = age;
	return 0;
}

/*
 * Counts per state. The oldest event is told for pending and retrying
 * each, on its own line: a pending count beside the age of an event that
 * is retrying would say something old waits for its first run. pending/
 * is counted by its names and aged by its bodies' times, no meta read:
 * a backlog of 300,000 costs a directory read and a stat each.
 */
static int
status_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct status_tally t;
	long *count = t.count, *oldest = t.oldest;
	enum spool_state cs;
	struct spool_runs runs;
	time_t now = time(NULL), last, received;
	char stamp[32], agebuf[32];

	for (cs = 0; cs < SPOOL_NSTATES; cs++) {
		count[cs] = 0;
		oldest[cs] = -1;
	}
	t.now = now;
	if ((count[SPOOL_PENDING] = spool_each(sp, SPOOL_PENDING, NULL,
	    &received)) == -1 || spool_each(sp, SPOOL_RETRYING,
	    status_tally_one, &t) == -1)
		return cli_fail("%s: pending and retrying events: %s",
		    cfg->spool, strerror(errno));
	if (received != 0)
		oldest[SPOOL_PENDING] = now > received ? (long)(now - received) :
		    0;
	count[SPOOL_DONE] = spool_each(sp, SPOOL_DONE, NULL, NULL);
	count[SPOOL_FAILED] = spool_each(sp, SPOOL_FAILED, NULL, NULL);
	last = spool_runs(sp, &runs) == -1 ? 0 : runs.last;

	cli_format_utc(stamp, sizeof stamp, last);
	if (cli_value(c, "json") != NULL) {
		printf("{\"pending\":%ld,\"retrying\":%ld,\"failed\":%ld,"
		    "\"done\":%ld", count[SPOOL_PENDING], count[SPOOL_RETRYING],
		    count[SPOOL_FAILED], count[SPOOL_DONE]);
		status_json_age("oldest_pending_age_seconds",
		    oldest[SPOOL_PENDING]);
		status_json_age("oldest_retrying_age_seconds",
		    oldest[SPOOL_RETRYING]);
		printf(",\"last_run\":");
		if (last != 0)
			printf("\"%s\",\"last_run_age_seconds\":%ld}\n", stamp,
			    (long)(now - last));
		else
			printf("null,\"last_run_age_seconds\":null}\n");
		return 0;
	}
	printf("pending   %ld", count[SPOOL_PENDING]);
	status_oldest(oldest[SPOOL_PENDING]);
	printf("\nretrying  %ld", count[SPOOL_RETRYING]);
	status_oldest(oldest[SPOOL_RETRYING]);
	printf("\nfailed    %ld\ndone      %ld\n", count[SPOOL_FAILED],
	    count[SPOOL_DONE]);
	if (last != 0) {
		text_format_age(agebuf, sizeof agebuf, (long)(now - last));
		printf("last run  %s (%s ago)\n", stamp, agebuf);
	} else {
		printf("last run  never\n");
	}
	status_lock_holder(sp);
	return 0;
}

static int
cmd_status(struct cli *c)
{
	return cli_with_spool(c, status_in);
}

const struct cli_entry cmd_status_entry = {
	.name = "status",
	.usage = "[--json]",
	.about = "counts per state, last run",
	.options = {
		{ 0, "json", 0 },
	},
	.lower = 0, .upper = 0,
	.flags = CLI_CONFIG,
	.exec = cmd_status,
};

/* huskyhook status: counts per state, the oldest waiting, the last run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "metrics.h"
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
	struct metrics_tally t;
	const long *count = t.count, *oldest = t.oldest;
	time_t now = time(NULL), last;
	char stamp[32], agebuf[32];

	if (metrics_tally(sp, cfg->spool, now, &t) == -1)
		return cli_fail("%s: %s", cfg->spool, strerror(errno));
	if (cli_value(c, "prometheus") != NULL) {
		metrics_write_prometheus(stdout, &t);
		return 0;
	}
	last = t.last_run;
	cli_format_utc(stamp, sizeof stamp, last);
	if (cli_value(c, "json") != NULL) {
		printf("{\"pending\":%ld,\"retrying\":%ld,\"failed\":%ld,"
		    "\"done\":%ld", count[SPOOL_PENDING],
		    count[SPOOL_RETRYING], count[SPOOL_FAILED],
		    count[SPOOL_DONE]);
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
	if (cli_value(c, "json") != NULL && cli_value(c, "prometheus") != NULL)
		return cli_usage(c->entry, "--json and --prometheus: one or "
		    "the other");
	return cli_with_spool(c, status_in);
}

const struct cli_entry cmd_status_entry = {
	.name = "status",
	.usage = "[--json | --prometheus]",
	.about = "counts per state, last run",
	.options = {
		{ 0, "json", 0 },
		{ 0, "prometheus", 0 },
	},
	.lower = 0, .upper = 0,
	.flags = CLI_CONFIG,
	.exec = cmd_status,
};

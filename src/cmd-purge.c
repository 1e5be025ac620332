/* huskyhook purge: failed or done events removed, the older ones or all. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* What purge carries through spool_each. */
struct purge_sweep {
	struct spool	*sp;
	enum spool_state st;
	long		 older_than;	/* -1, or seconds */
	time_t		 now;
	int		 done, rc;
};

static int
purge_each(const struct spool_meta *m, void *arg)
{
	struct purge_sweep *w = arg;

	if (w->older_than >= 0 && m->finished > w->now - w->older_than)
		return 0;
	if (spool_remove(w->sp, m->id, w->st) == -1)
		w->rc = cli_fail("%s: %s", m->id, strerror(errno));
	else
		w->done++;
	return 0;
}

static int
purge_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	const char *older = cli_value(c, "older-than");
	struct purge_sweep w = { sp, cli_value(c, "failed") != NULL ?
	    SPOOL_FAILED : SPOOL_DONE, -1, time(NULL), 0, 0 };

	if (older != NULL)	/* checked by cmd_purge */
		(void)config_parse_duration(older, &w.older_than);
	if (cli_lock(cfg, sp) != 0)
		return 1;
	if (spool_each(sp, w.st, purge_each, &w) == -1)
		return cli_fail("%s: %s events: %s", cfg->spool,
		    spool_state_name(w.st), strerror(errno));
	printf("%d %s events purged\n", w.done, spool_state_name(w.st));
	return w.rc;
}

static int
cmd_purge(struct cli *c)
{
	const char *older = cli_value(c, "older-than");
	long sec;

	if ((cli_value(c, "failed") != NULL) == (cli_value(c, "done") != NULL))
		return cli_usage(c->entry, "purge takes --failed or --done");
	if (older != NULL && config_parse_duration(older, &sec) == -1)
		return cli_usage(c->entry, "--older-than: '%s' is not a "
		    "duration", older);
	return cli_with_spool(c, purge_in);
}

const struct cli_entry cmd_purge_entry = {
	.name = "purge",
	.usage = "--failed|--done [--older-than DURATION]",
	.about = "remove failed or done events",
	.options = {
		{ 0, "failed", 0 },
		{ 0, "done", 0 },
		{ 0, "older-than", 1 },
	},
	.lower = 0, .upper = 0,
	.flags = CLI_CONFIG | CLI_WRITES,
	.exec = cmd_purge,
};

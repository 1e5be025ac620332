/* huskyhook requeue: finished or retrying events back to pending. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int
requeue_one(struct spool *sp, const char *id)
{
	if (spool_requeue(sp, id) == -1) {
		if (errno == EBUSY)
			return cli_fail("%s: pending or retrying, and a run holds "
			    "the lock: it runs the event when it falls due", id);
		return errno == ENOENT || errno == EINVAL ? cli_find_failed(id) :
		    cli_fail("%s: %s", id, strerror(errno));
	}
	printf("%s: requeued\n", id);
	return 0;
}
/* What requeue --failed carries through spool_each. */
struct requeue_sweep {
	struct spool	*sp;
	int		 rc;
};

static int
requeue_each(const struct spool_meta *m, void *arg)
{
	struct requeue_sweep *w = arg;

	if (requeue_one(w->sp, m->id) != 0)
		w->rc = 1;
	return 0;
}

static int
requeue_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct requeue_sweep w = { sp, 0 };
	int k, failed = cli_value(c, "failed") != NULL;

	if (cli_lock(cfg, sp) != 0)
		return 1;
	for (k = 0; k < c->nargs; k++)
		if (requeue_one(sp, c->args[k]) != 0)
			w.rc = 1;
	if (failed && spool_each(sp, SPOOL_FAILED, requeue_each, &w) == -1)
		w.rc = cli_fail("%s: %s events: %s", cfg->spool,
		    spool_state_name(SPOOL_FAILED), strerror(errno));
	return w.rc;
}

static int
cmd_requeue(struct cli *c)
{
	int failed = cli_value(c, "failed") != NULL;

	if (failed == (c->nargs > 0))
		return cli_usage(c->entry, "requeue takes EVENT_IDs or --failed");
	return cli_with_spool(c, requeue_in);
}

const struct cli_entry cmd_requeue_entry = {
	.name = "requeue",
	.usage = "EVENT_ID... | --failed",
	.about = "back to pending, attempts reset",
	.options = {
		{ 0, "failed", 0 },
	},
	.lower = 0, .upper = -1,
	.flags = CLI_CONFIG | CLI_WRITES,
	.exec = cmd_requeue,
};

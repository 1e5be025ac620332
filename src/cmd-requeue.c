/* huskyhook requeue: finished or retrying events back to pending. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"
#include "log.h"

/* A line in the event's hook log: its attempts are counted from 1 again,
 * and show's count is the one since, so the log says where that starts.
 * The requeue stands without it: a log that cannot be written is said. */
static void
requeue_note(struct spool *sp, const char *id)
{
	char stamp[32], line[96];
	int fd;

	log_format_time(stamp, sizeof stamp, time(NULL), -1);
	snprintf(line, sizeof line, "=== %s requeued: attempts from 1 again\n",
	    stamp);
	if ((fd = spool_log_open(sp, id)) == -1 ||
	    io_write_all(fd, line, strlen(line)) == -1 || fdatasync(fd) == -1)
		cli_fail("%s: its hook log: %s (requeued all the same)", id,
		    strerror(errno));
	if (fd != -1)
		close(fd);
}

static int
requeue_one(struct spool *sp, const char *id)
{
	if (spool_requeue(sp, id) == -1) {
		if (errno == EBUSY)
			return cli_fail("%s: pending, and a run holds the lock: "
			    "it runs the event when it falls due", id);
		return errno == ENOENT || errno == EINVAL ? cli_find_failed(id) :
		    cli_fail("%s: %s", id, strerror(errno));
	}
	requeue_note(sp, id);
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

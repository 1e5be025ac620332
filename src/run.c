/*
 * huskyhook run, started by cron: takes the spool's lock (a second run
 * exits at once), restores meta of events stored without it, runs the
 * hooks of every due pending event, oldest created_at first, and records
 * each outcome with one rename. Then housekeeping: done events past
 * keep_days and stale tmp/ files are removed.
 *
 * State changes here are not fsync'd one by one; the directories are
 * synced once at the end. A crash before that can only make an event run
 * again (at-least-once), never lose one: the event's body and its
 * pending meta were made durable by the receiver.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "hook.h"
#include "log.h"
#include "run.h"
#include "spool.h"

struct run_ctx {
	const struct config	*cfg;
	struct spool		*sp;
	FILE			*out;
	int			 verbose;
	time_t			 now;
	int			 done, retrying, failed;
};

long
run_backoff_sec(const struct config *cfg, long failed_attempts)
{
	long delay = cfg->retry_base;
	long i;

	for (i = 1; i < failed_attempts && delay < cfg->retry_max; i++)
		delay *= 2;
	return delay < cfg->retry_max ? delay : cfg->retry_max;
}

static int
meta_order(const void *a, const void *b)
{
	const struct spool_meta *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	if (x->received.tv_sec != y->received.tv_sec)
		return x->received.tv_sec < y->received.tv_sec ? -1 : 1;
	if (x->received.tv_nsec != y->received.tv_nsec)
		return x->received.tv_nsec < y->received.tv_nsec ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* 1 if name is in the space-separated list. */
static int
hooks_done_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static void
hooks_done_add(char *list, size_t size, const char *name)
{
	size_t len = strlen(list);

	snprintf(list + len, size - len, "%s%s", len ? " " : "", name);
}

static void
log_header(int fd, const struct spool_meta *m, const char *hook, long attempt)
{
	char line[512], stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof line, "=== %s attempt %ld hook %s (%s)\n",
	    stamp, attempt, hook, m->type);
	if (write(fd, line, (size_t)n) < 0) {
		/* the log is best effort */
	}
}

static void
log_footer(int fd, const char *outcome)
{
	char line[512];
	int n;

	n = snprintf(line, sizeof line, "=== %s\n", outcome);
	if (write(fd, line, (size_t)n) < 0) {
		/* the log is best effort */
	}
}

/* Runs the hooks of one event that have not yet succeeded, and records
 * the outcome. */
static void
run_event(struct run_ctx *ctx, struct spool_meta *m)
{
	const struct config *cfg = ctx->cfg;
	char err[512], what[128], file[4096];
	struct hook_list hooks;
	struct hook_result res;
	struct hook_env env;
	struct hook_env_input in;
	struct event ev;
	char *body = NULL;
	size_t len, i;
	long attempt = m->attempts + 1;
	int logfd = -1, bodyfd = -1, parsed = 0, failed_now = 0, ok = 1;

	memset(&hooks, 0, sizeof hooks);
	memset(&ev, 0, sizeof ev);
	err[0] = '\0';
	if (hook_find(cfg->hooks, m->type, &hooks, err, sizeof err) == -1) {
		ok = 0;
		goto record;
	}
	if (hooks.n == 0)
		goto record;	/* no hook at all: done */

	if (spool_body_read(ctx->sp, m->id, &body, &len) == -1) {
		snprintf(err, sizeof err, "cannot read the stored body: %s",
		    strerror(errno));
		ok = 0;
		goto record;
	}
	parsed = event_parse(body, len, &ev, NULL, what, sizeof what) ==
	    EVENT_OK;
	spool_body_path(ctx->sp, m->id, file, sizeof file);
	if ((bodyfd = spool_body_open(ctx->sp, m->id)) == -1 ||
	    (logfd = spool_log_open(ctx->sp, m->id)) == -1) {
		snprintf(err, sizeof err, "cannot open the event's files: %s",
		    strerror(errno));
		ok = 0;
		goto record;
	}

	for (i = 0; i < hooks.n && ok; i++) {
		if (hooks_done_has(m->hooks_done, hooks.names[i]))
			continue;
		in.meta = m;
		in.event = parsed ? &ev : NULL;
		in.hook_path = cfg->hook_path;
		in.event_file = file;
		in.hook_name = hooks.names[i];
		in.attempt = attempt;
		if (hook_env_build(&env, &in) == -1) {
			snprintf(err, sizeof err, "out of memory");
			ok = 0;
			break;
		}
		lseek(bodyfd, 0, SEEK_SET);
		log_header(logfd, m, hooks.names[i], attempt);
		hook_run(hooks.paths[i], &env, bodyfd, logfd, cfg->hooks,
		    cfg->hook_timeout, &res);
		hook_env_free(&env);
		hook_result_describe(&res, cfg->hook_timeout, what,
		    sizeof what);
		log_footer(logfd, what);
		if (res.spawn_errno == 0 && !res.timed_out && res.signal == 0 &&
		    res.exit_status == 0) {
			hooks_done_add(m->hooks_done, sizeof m->hooks_done,
			    hooks.names[i]);
			if (ctx->verbose)
				fprintf(ctx->out, "%s %s: hook %s done\n",
				    m->id, m->type, hooks.names[i]);
			/* Remembered at once, so that a later failure of
			 * another hook does not run this one again. */
			if (i + 1 < hooks.n)
				spool_meta_save(ctx->sp, SPOOL_PENDING, m, 0);
			continue;
		}
		ok = 0;
		failed_now = !res.timed_out && res.signal == 0 &&
		    res.exit_status == 100;
		snprintf(err, sizeof err, "hook %s: %s", hooks.names[i], what);
	}

record:
	m->last_error[0] = '\0';
	if (!ok)
		snprintf(m->last_error, sizeof m->last_error, "%s", err);
	if (ok) {
		m->finished = time(NULL);
		m->next_attempt = 0;
		if (spool_move(ctx->sp, m, SPOOL_PENDING, SPOOL_DONE, 0) == -1)
			log_msg(LOG_LEVEL_ERR, "event %s: cannot record it as "
			    "done: %s", m->id, strerror(errno));
		else
			ctx->done++;
		if (ctx->verbose)
			fprintf(ctx->out, "%s %s: done\n", m->id, m->type);
	} else {
		m->attempts = attempt;
		if (failed_now || m->attempts >= cfg->max_attempts) {
			m->finished = time(NULL);
			m->next_attempt = 0;
			if (spool_move(ctx->sp, m, SPOOL_PENDING, SPOOL_FAILED,
			    0) == -1)
				log_msg(LOG_LEVEL_ERR, "event %s: cannot record "
				    "it as failed: %s", m->id, strerror(errno));
			ctx->failed++;
			fprintf(ctx->out, "%s %s: failed for good after attempt "
			    "%ld: %s\n", m->id, m->type, attempt, err);
		} else {
			m->next_attempt = time(NULL) +
			    run_backoff_sec(cfg, m->attempts);
			if (spool_meta_save(ctx->sp, SPOOL_PENDING, m, 0) == -1)
				log_msg(LOG_LEVEL_ERR, "event %s: cannot record "
				    "the attempt: %s", m->id, strerror(errno));
			ctx->retrying++;
			fprintf(ctx->out, "%s %s: attempt %ld of %ld failed, "
			    "retry in %lds: %s\n", m->id, m->type, attempt,
			    cfg->max_attempts, run_backoff_sec(cfg, m->attempts),
			    err);
		}
	}
	if (logfd != -1)
		close(logfd);
	if (bodyfd != -1)
		close(bodyfd);
	event_free(&ev);
	free(body);
	hook_list_free(&hooks);
}

/* Done events whose dedupe window is over go, body first. */
static void
run_housekeeping(struct run_ctx *ctx)
{
	int removed, cleaned;

	removed = spool_purge_done(ctx->sp, ctx->now -
	    ctx->cfg->keep_days * 86400L);
	cleaned = spool_clean_tmp(ctx->sp, ctx->now, SPOOL_TMP_STALE_SEC);
	if (ctx->verbose && (removed > 0 || cleaned > 0))
		fprintf(ctx->out, "housekeeping: %d done events past keep_days "
		    "and %d stale tmp/ files removed\n", removed > 0 ? removed :
		    0, cleaned > 0 ? cleaned : 0);
}

int
run_spool(const struct config *cfg, int verbose, FILE *out)
{
	struct run_ctx ctx;
	struct spool_meta *list = NULL;
	char err[1024];
	size_t n = 0, i;
	int r, rc = 1;

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.out = out;
	ctx.verbose = verbose;
	ctx.now = time(NULL);
	if ((ctx.sp = spool_open(cfg->spool, err, sizeof err)) == NULL) {
		fprintf(stderr, "huskyhook: %s\n", err);
		return 1;
	}
	if ((r = spool_lock(ctx.sp)) != 1) {
		if (r == 0) {
			if (verbose)
				fprintf(out, "another run holds the lock\n");
			rc = 0;
		} else {
			fprintf(stderr, "huskyhook: %s/run.lock: %s\n",
			    cfg->spool, strerror(errno));
		}
		goto done;
	}
	if ((r = spool_recover(ctx.sp, ctx.now)) > 0 && verbose)
		fprintf(out, "restored the meta of %d events\n", r);
	if (spool_list(ctx.sp, SPOOL_PENDING, &list, &n) == -1) {
		fprintf(stderr, "huskyhook: %s/pending: %s\n", cfg->spool,
		    strerror(errno));
		goto done;
	}
	if (n > 1)
		qsort(list, n, sizeof *list, meta_order);
	for (i = 0; i < n; i++) {
		if (list[i].next_attempt > ctx.now)
			continue;
		run_event(&ctx, &list[i]);
	}
	run_housekeeping(&ctx);
	if (spool_sync(ctx.sp) == -1)
		log_msg(LOG_LEVEL_ERR, "cannot sync the spool: %s",
		    strerror(errno));
	spool_last_run_set(ctx.sp, time(NULL));
	if (verbose)
		fprintf(out, "%d done, %d to retry, %d failed\n", ctx.done,
		    ctx.retrying, ctx.failed);
	rc = 0;
done:
	free(list);
	spool_close(ctx.sp);
	return rc;
}

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
#include <limits.h>
#include <stdarg.h>
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

/* Adds name to the list; -1 if it does not fit, which SPOOL_HOOKS_DONE_BYTES
 * rules out for hook names of at most HOOK_NAME_MAX_CHARS. */
static int
hooks_done_add(char *list, size_t size, const char *name)
{
	size_t len = strlen(list);
	int n;

	n = snprintf(list + len, size - len, "%s%s", len ? " " : "", name);
	if (n < 0 || (size_t)n >= size - len) {
		list[len] = '\0';
		return -1;
	}
	return 0;
}

/* 1 if the stored body is the event its meta describes. The meta is
 * only a copy kept for listing; what a hook is chosen by and told must
 * come from the body the signature covered. */
static int
run_meta_agrees(const struct spool_meta *m, const struct event *ev)
{
	return strcmp(m->id, ev->id) == 0 && strcmp(m->type, ev->type) == 0 &&
	    strcmp(m->created_at, ev->created_at) == 0 &&
	    m->created == ev->created && strcmp(m->org_id, ev->org_id) == 0;
}

static void
log_header(struct hook_output *out, const struct spool_meta *m,
    const char *hook, long attempt)
{
	char stamp[32];

	log_format_time(stamp, sizeof stamp, time(NULL), -1);
	snprintf(out->header, sizeof out->header,
	    "=== %s attempt %ld hook %s (%s)\n", stamp, attempt, hook,
	    m->type);
}

struct log_open_arg {
	struct spool	*sp;
	const char	*id;
};

static int
log_open(void *arg)
{
	struct log_open_arg *a = arg;

	return spool_log_open(a->sp, a->id);
}

/* What running an event's hooks came to. */
enum run_verdict {
	RUN_DONE,		/* every hook succeeded (or there is none) */
	RUN_RETRY,		/* a hook failed; try again later */
	RUN_FAILED		/* failed for good: no retry will change it */
};

struct run_outcome {
	enum run_verdict	 verdict;
	char			 error[SPOOL_ERROR_BYTES];
};

static void
run_outcome_set(struct run_outcome *o, enum run_verdict v, const char *fmt,
    ...) __attribute__((format(__printf__, 3, 4)));

static void
run_outcome_set(struct run_outcome *o, enum run_verdict v, const char *fmt,
    ...)
{
	va_list ap;

	o->verdict = v;
	va_start(ap, fmt);
	vsnprintf(o->error, sizeof o->error, fmt, ap);
	va_end(ap);
}

/* 1 if the hook's run counts as a success. */
static int
run_hook_succeeded(const struct hook_result *res)
{
	return res->spawn_errno == 0 && !res->timed_out && res->signal == 0 &&
	    res->exit_status == 0;
}

/* Runs one hook with its log; what it came to in *res and what. */
static int
run_one_hook(struct run_ctx *ctx, const struct spool_meta *m,
    const struct hook_env_input *in, int fd, const char *path, int bodyfd,
    struct hook_result *res, char *what, size_t whatlen)
{
	const struct config *cfg = ctx->cfg;
	struct log_open_arg loa = { ctx->sp, m->id };
	struct hook_output out;
	struct hook_env env;
	char line[160];

	if (hook_env_build(&env, in) == -1)
		return -1;
	out.fd = -1;
	out.open = log_open;
	out.arg = &loa;
	lseek(bodyfd, 0, SEEK_SET);
	log_header(&out, m, in->hook_name, in->attempt);
	hook_run(fd, path, &env, bodyfd, &out, cfg->hooks, cfg->hook_timeout,
	    res);
	hook_env_free(&env);
	hook_result_describe(res, cfg->hook_timeout, what, whatlen);
	/* The log records every run that printed something or failed; a
	 * silent success leaves no trace but the state. */
	if (!run_hook_succeeded(res) || out.fd != -1) {
		snprintf(line, sizeof line, "=== %s\n", what);
		hook_output_write(&out, line, strlen(line));
	}
	if (out.fd != -1)
		close(out.fd);
	return 0;
}

/* Runs the hooks of one event that have not yet succeeded, remembering
 * each success at once (so that a later failure of another hook does not
 * run it again). The hooks are chosen by the stored body, which the
 * signature covered, never by the meta alone. */
static void
run_hooks(struct run_ctx *ctx, struct spool_meta *m, struct run_outcome *o)
{
	const struct config *cfg = ctx->cfg;
	char err[MESSAGE_BYTES], what[128];
	struct hook_list hooks;
	struct hook_result res;
	struct hook_env_input in;
	struct event ev;
	char *body = NULL;
	size_t len, i;
	int bodyfd;

	memset(&hooks, 0, sizeof hooks);
	run_outcome_set(o, RUN_DONE, "%s", "");
	if ((bodyfd = spool_body_open(ctx->sp, m->id)) == -1 ||
	    spool_body_read_fd(bodyfd, &body, &len) == -1) {
		run_outcome_set(o, errno == EFBIG ? RUN_FAILED : RUN_RETRY,
		    "cannot read the stored body: %s", strerror(errno));
		goto done;
	}
	/* The receiver stored only valid events: a body that is not one, or
	 * not the one its meta names, was put there by someone else. */
	if (event_parse(body, len, &ev, NULL, what, sizeof what) != EVENT_OK ||
	    !run_meta_agrees(m, &ev)) {
		run_outcome_set(o, RUN_FAILED, "the stored body is not the "
		    "event its meta describes");
		goto done;
	}
	if (hook_find(cfg->hooks, ev.type, &hooks, err, sizeof err) == -1) {
		run_outcome_set(o, RUN_RETRY, "%s", err);
		goto done;
	}
	in.meta = m;
	in.event = &ev;
	in.hook_path = cfg->hook_path;
	in.event_file = HOOK_EVENT_FILE;
	in.attempt = m->attempts + 1;
	for (i = 0; i < hooks.n; i++) {
		if (hooks_done_has(m->hooks_done, hooks.names[i]))
			continue;
		in.hook_name = hooks.names[i];
		if (run_one_hook(ctx, m, &in, hooks.fds[i], hooks.paths[i],
		    bodyfd, &res, what, sizeof what) == -1) {
			run_outcome_set(o, RUN_RETRY, "out of memory");
			break;
		}
		if (!run_hook_succeeded(&res)) {
			run_outcome_set(o, !res.timed_out && res.signal == 0 &&
			    res.exit_status == HOOK_EXIT_FAILED_FOR_GOOD ?
			    RUN_FAILED : RUN_RETRY, "hook %s: %s",
			    hooks.names[i], what);
			break;
		}
		if (hooks_done_add(m->hooks_done, sizeof m->hooks_done,
		    hooks.names[i]) == -1) {
			run_outcome_set(o, RUN_RETRY, "hook %s: done, but "
			    "hooks_done is full", hooks.names[i]);
			break;
		}
		if (ctx->verbose)
			fprintf(ctx->out, "%s %s: hook %s done\n", m->id,
			    m->type, hooks.names[i]);
		if (i + 1 < hooks.n && spool_progress_save(ctx->sp, m) == -1)
			log_msg(LOG_LEVEL_ERR, "event %s: cannot record that "
			    "hook %s is done: %s", m->id, hooks.names[i],
			    strerror(errno));
	}
done:
	if (bodyfd != -1)
		close(bodyfd);
	free(body);
	hook_list_free(&hooks);
}

/* Records what running the event came to: done, another attempt later,
 * or failed for good (told so, or out of attempts). */
static void
run_record(struct run_ctx *ctx, struct spool_meta *m,
    const struct run_outcome *o)
{
	const struct config *cfg = ctx->cfg;
	enum spool_state to = SPOOL_DONE;
	long attempt = m->attempts + 1, delay = 0;

	snprintf(m->last_error, sizeof m->last_error, "%s", o->error);
	m->next_attempt = 0;
	if (o->verdict != RUN_DONE) {
		m->attempts = attempt;
		to = o->verdict == RUN_FAILED ||
		    m->attempts >= cfg->max_attempts ? SPOOL_FAILED :
		    SPOOL_PENDING;
	}
	if (to == SPOOL_PENDING) {
		delay = run_backoff_sec(cfg, m->attempts);
		m->next_attempt = time(NULL) + delay;
	} else {
		m->finished = time(NULL);
	}
	if (spool_record(ctx->sp, m, to) == -1)
		log_msg(LOG_LEVEL_ERR, "event %s: cannot record it as %s: %s",
		    m->id, spool_state_name(to), strerror(errno));
	switch (to) {
	case SPOOL_DONE:
		ctx->done++;
		if (ctx->verbose)
			fprintf(ctx->out, "%s %s: done\n", m->id, m->type);
		break;
	case SPOOL_FAILED:
		ctx->failed++;
		fprintf(ctx->out, "%s %s: failed for good after attempt %ld: "
		    "%s\n", m->id, m->type, attempt, o->error);
		break;
	default:
		ctx->retrying++;
		fprintf(ctx->out, "%s %s: attempt %ld of %ld failed, retry in "
		    "%lds: %s\n", m->id, m->type, attempt, cfg->max_attempts,
		    delay, o->error);
		break;
	}
}

static void
run_event(struct run_ctx *ctx, struct spool_meta *m)
{
	struct run_outcome o;

	run_hooks(ctx, m, &o);
	run_record(ctx, m, &o);
}

/* Done events whose dedupe window is over go, body first; at most once
 * in SPOOL_PURGE_INTERVAL_SEC, as it looks at every done event. */
static void
run_housekeeping(struct run_ctx *ctx)
{
	time_t last = spool_stamp_get(ctx->sp, SPOOL_STAMP_LAST_PURGE);
	int removed = 0, cleaned;

	if (last > ctx->now || ctx->now - last >= SPOOL_PURGE_INTERVAL_SEC) {
		removed = spool_purge_done(ctx->sp, ctx->now -
		    ctx->cfg->keep_days * 86400L);
		if (removed != -1)
			spool_stamp_set(ctx->sp, SPOOL_STAMP_LAST_PURGE,
			    ctx->now);
	}
	cleaned = spool_clean_tmp(ctx->sp, ctx->now, SPOOL_TMP_STALE_SEC);
	if (ctx->verbose && (removed > 0 || cleaned > 0))
		fprintf(ctx->out, "housekeeping: %d done events past keep_days "
		    "and %d stale tmp/ files removed\n", removed > 0 ? removed :
		    0, cleaned > 0 ? cleaned : 0);
}

int
run_spool(const struct config *cfg, int verbose, FILE *out, char *err,
    size_t errlen)
{
	struct run_ctx ctx;
	struct spool_meta *list = NULL, m;
	char (*due)[EVENT_ID_MAX_CHARS + 1] = NULL;
	size_t n = 0, i, ndue = 0;
	int r, rc = -1;

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.out = out;
	ctx.verbose = verbose;
	ctx.now = time(NULL);
	if ((ctx.sp = spool_open(cfg->spool, err, errlen)) == NULL)
		return -1;
	if ((r = spool_lock(ctx.sp)) != 1) {
		if (r == 0) {
			if (verbose)
				fprintf(out, "another run holds the lock\n");
			rc = 0;
		} else {
			snprintf(err, errlen, "%s/run.lock: %s", cfg->spool,
			    strerror(errno));
		}
		goto done;
	}
	if ((r = spool_recover(ctx.sp, ctx.now)) > 0 && verbose)
		fprintf(out, "restored the meta of %d events\n", r);
	if (spool_list(ctx.sp, SPOOL_PENDING, &list, &n) == -1) {
		snprintf(err, errlen, "%s/pending: %s", cfg->spool,
		    strerror(errno));
		goto done;
	}
	if (n > 1)
		qsort(list, n, sizeof *list, meta_order);
	/* Only the ids of due events are kept while hooks run: a long list
	 * of full meta would make every spawn dearer. */
	if ((due = calloc(n > 0 ? n : 1, sizeof *due)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		if (list[i].next_attempt <= ctx.now)
			memcpy(due[ndue++], list[i].id, sizeof due[0]);
	free(list);
	list = NULL;
	for (i = 0; i < ndue; i++) {
		/* Read again: another tool may have changed it meanwhile. */
		if (spool_find(ctx.sp, due[i], &m) == SPOOL_PENDING)
			run_event(&ctx, &m);
	}
	run_housekeeping(&ctx);
	if (spool_sync(ctx.sp) == -1)
		log_msg(LOG_LEVEL_ERR, "cannot sync the spool: %s",
		    strerror(errno));
	spool_stamp_set(ctx.sp, SPOOL_STAMP_LAST_RUN, time(NULL));
	if (verbose)
		fprintf(out, "%d done, %d to retry, %d failed\n", ctx.done,
		    ctx.retrying, ctx.failed);
	rc = 0;
done:
	free(list);
	free(due);
	spool_close(ctx.sp);
	return rc;
}

/*
 * huskyhook run, started by cron: takes the spool's lock (a second run
 * exits at once), restores meta of events stored without it, runs the
 * hooks of every due pending event, oldest created_at first, and records
 * each outcome with one rename. Then housekeeping: done events past
 * keep_days and stale tmp/ files are removed.
 *
 * With jobs > 1 or --watch, each event runs in a child process of its
 * own, which runs its hooks and records its outcome, and this process
 * only schedules and reaps (run_sched): one event is recorded by exactly
 * one process, and hook.c's subreaper, which kills whatever a hook left
 * behind when it ends, stays within the child of that one event. Events
 * that belong together (the same order_by value) never run at once and
 * start in created_at order. --watch keeps going: inotify on pending/,
 * a rescan every RUN_WATCH_RESCAN_SEC, sleeps until the next retry.
 *
 * What a run records is durable before what depends on it: each meta's
 * data is fsync'd before its rename (a power cut must not leave a done/
 * meta empty), a hook's log before the outcome is recorded, and a
 * multi-hook event's progress wholly (data, name, directory) before its
 * next hook starts; the directories' fsyncs are shared by a batch: at
 * the end of a run, before housekeeping removes anything, when the
 * scheduler is idle, and RUN_SYNC_MAX_SEC after a record while events
 * keep it busy. A power cut before that sync can only make an
 * event run again (at-least-once), never lose one: the event's body and
 * its name were made durable by the receiver.
 */
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "counters.h"
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
	time_t			 now;		/* when the run started */
	/* What a retry's delay is counted from: a cron run's start, so that
	 * a retry falls due at the tick its delay says however long the
	 * hooks before it took; 0 under --watch, which has no ticks: the
	 * attempt's end. */
	time_t			 base;
	int			 done, retrying, failed;
	int			 upkeep_left;	/* the state lock was held */
	/* Why an event found the hooks directory unusable: it was left as
	 * it was, and no other is run (see run_hooks_dir_failed). */
	char			 hooks_error[MESSAGE_BYTES];
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

/* The order events run in: created_at, then arrival, then id. */
static int
run_order(time_t xc, const struct timespec *xr, const char *xid, time_t yc,
    const struct timespec *yr, const char *yid)
{
	if (xc != yc)
		return xc < yc ? -1 : 1;
	if (xr->tv_sec != yr->tv_sec)
		return xr->tv_sec < yr->tv_sec ? -1 : 1;
	if (xr->tv_nsec != yr->tv_nsec)
		return xr->tv_nsec < yr->tv_nsec ? -1 : 1;
	return strcmp(xid, yid);
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
	int		 refused;	/* tried once: the output is lost */
};

/* hook_output's opener, asked again at each write while it fails: the
 * failure is logged once, and the hook's output is then dropped. */
static int
log_open(void *arg)
{
	struct log_open_arg *a = arg;
	int fd;

	if (a->refused) {
		errno = EBADF;
		return -1;
	}
	if ((fd = spool_log_open(a->sp, a->id)) == -1) {
		a->refused = 1;
		log_msg(LOG_LEVEL_ERR, "event %s: logs/%s.log: %s; the hook's "
		    "output is not kept", a->id, a->id, spool_strerror(errno));
	}
	return fd;
}

/* What running an event's hooks came to. */
enum run_verdict {
	RUN_DONE,		/* every hook succeeded (or there is none) */
	RUN_RETRY,		/* a hook failed; try again later */
	RUN_FAILED,		/* failed for good: no retry will change it */
	RUN_UNTRIED		/* the hooks directory cannot be used: no
				 * fault of the event's, nothing recorded */
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
	struct log_open_arg loa = { ctx->sp, m->id, 0 };
	struct hook_output out;
	struct hook_env env;
	struct hook_spec spec;
	char line[160];

	if (hook_env_build(&env, in) == -1)
		return -1;
	out.fd = -1;
	out.open = log_open;
	out.arg = &loa;
	lseek(bodyfd, 0, SEEK_SET);
	log_header(&out, m, in->hook_name, in->attempt);
	spec.fd = fd;
	spec.path = path;
	spec.env = &env;
	spec.stdin_fd = bodyfd;
	spec.cwd = cfg->hooks;
	spec.timeout_sec = cfg->hook_timeout;
	hook_run(&spec, &out, res);
	hook_env_free(&env);
	hook_result_describe(res, cfg->hook_timeout, what, whatlen);
	/* The log records every run that printed something or failed; a
	 * silent success leaves no trace but the state. */
	if (!run_hook_succeeded(res) || out.fd != -1) {
		snprintf(line, sizeof line, "=== %s\n", what);
		hook_output_write(&out, line, strlen(line));
	}
	/* On disk before the outcome that points to it is recorded. */
	if (out.fd != -1) {
		if (fdatasync(out.fd) == -1)
			log_msg(LOG_LEVEL_ERR, "event %s: logs/%s.log: %s",
			    m->id, m->id, strerror(errno));
		close(out.fd);
	}
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
	int bodyfd, r;

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
	if ((r = hook_find(cfg->hooks, ev.type, &hooks, err, sizeof err)) <
	    0) {
		run_outcome_set(o, r == HOOK_FIND_NO_DIR ? RUN_UNTRIED :
		    RUN_RETRY, "%s", err);
		goto done;
	}
	memset(&in, 0, sizeof in);
	in.cfg = cfg;
	in.meta = m;
	in.event = &ev;
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
static enum spool_state
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
		m->next_attempt = (ctx->base != 0 ? ctx->base : time(NULL)) +
		    delay;
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
	return to;
}

static enum spool_state
run_event(struct run_ctx *ctx, struct spool_meta *m)
{
	struct run_outcome o;

	run_hooks(ctx, m, &o);
	if (o.verdict == RUN_UNTRIED) {
		snprintf(ctx->hooks_error, sizeof ctx->hooks_error, "%s",
		    o.error);
		return SPOOL_PENDING;
	}
	return run_record(ctx, m, &o);
}

/*
 * The hooks directory cannot be used (missing, not a directory, not
 * searchable): no hook can run, and no event is to blame, so none is
 * recorded, not even as an attempt. Said once, on stderr (by the caller,
 * from err) and in the log; -1 for the caller to return.
 */
static int
run_hooks_dir_failed(struct run_ctx *ctx, char *err, size_t errlen)
{
	char why[MESSAGE_BYTES];

	if (ctx->hooks_error[0] != '\0')
		snprintf(why, sizeof why, "%s", ctx->hooks_error);
	else if (hook_dir_check(ctx->cfg->hooks, why, sizeof why) == 0)
		snprintf(why, sizeof why, "hooks directory %s: could not be "
		    "used during the run", ctx->cfg->hooks);
	snprintf(err, errlen, "%s: no hook can run; every event not run "
	    "stays pending as it was", why);
	if (strcmp(ctx->cfg->log, "stderr") != 0)
		log_msg(LOG_LEVEL_ERR, "%s", err);
	/* What events before it recorded is kept, as at a run's end. */
	if (spool_sync(ctx->sp) == -1)
		log_msg(LOG_LEVEL_ERR, "cannot sync the spool: %s",
		    strerror(errno));
	return -1;
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

/* What a run does to the spool beside running hooks: recovery (metas
 * given back to bodies, late metas settled) and housekeeping, under the
 * state lock, which requeue and purge hold while they change finished
 * events. A run never waits for it: if it is held, the work is left for
 * the next run (a watcher: for the next second). The number of metas
 * restored, or -1 if the lock was not had. */
static int
run_upkeep(struct run_ctx *ctx, int recover, int housekeep)
{
	int r, restored = 0;

	if ((r = spool_state_lock(ctx->sp, 0)) != 1) {
		if (r == -1)
			log_msg(LOG_LEVEL_ERR, "%s/state.lock: %s",
			    ctx->cfg->spool, spool_strerror(errno));
		else if (ctx->verbose)
			fprintf(ctx->out, "a requeue or purge holds the state "
			    "lock: recovery and housekeeping left for later\n");
		return -1;
	}
	if (recover && (restored = spool_recover(ctx->sp, ctx->now)) > 0 &&
	    ctx->verbose)
		fprintf(ctx->out, "restored the meta of %d events\n", restored);
	if (housekeep)
		run_housekeeping(ctx);
	spool_state_unlock(ctx->sp);
	return restored > 0 ? restored : 0;
}

/* Due now for this run: a cron run also takes what falls due within
 * SPOOL_DUE_SLACK_SEC (its tick may come a little early); --watch waits
 * for the second itself. */
static int
run_is_due(time_t next_attempt, time_t now, int watch)
{
	return next_attempt <= now + (watch ? 0 : SPOOL_DUE_SLACK_SEC);
}

/* What the sequential pass keeps of a due event while it orders them:
 * not the whole meta (about 5 KB with room for every hook's name), nor
 * room for the longest id, so that a backlog of hundreds of thousands
 * stays small. */
struct run_due {
	char		*id;
	time_t		 created;
	struct timespec	 received;
};

struct run_due_list {
	struct run_due	*v;
	size_t		 n, cap;
	time_t		 now;
};

static int
run_due_add(const struct spool_meta *m, void *arg)
{
	struct run_due_list *l = arg;
	struct run_due *grown;

	if (!run_is_due(m->next_attempt, l->now, 0))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		if ((grown = realloc(l->v, l->cap * sizeof *l->v)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		l->v = grown;
	}
	if ((l->v[l->n].id = strdup(m->id)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	l->v[l->n].created = m->created;
	l->v[l->n].received = m->received;
	l->n++;
	return 0;
}

static void
run_due_free(struct run_due_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].id);
	free(l->v);
}

static int
run_due_order(const void *a, const void *b)
{
	const struct run_due *x = a, *y = b;

	return run_order(x->created, &x->received, x->id, y->created,
	    &y->received, y->id);
}

/* One pass over the due events, one after the other in this process:
 * a cron run with jobs = 1, as it always was. */
static int
run_sequential(struct run_ctx *ctx, char *err, size_t errlen)
{
	struct run_due_list due = { NULL, 0, 0, 0 };
	struct spool_meta m;
	time_t synced = time(NULL);
	size_t i;

	due.now = time(NULL);
	if (spool_each(ctx->sp, SPOOL_PENDING, run_due_add, &due) == -1) {
		snprintf(err, errlen, "%s/pending: %s", ctx->cfg->spool,
		    strerror(errno));
		run_due_free(&due);
		return -1;
	}
	if (due.n > 1)
		qsort(due.v, due.n, sizeof *due.v, run_due_order);
	for (i = 0; i < due.n; i++) {
		/* Read again: another tool may have changed it meanwhile. */
		if (spool_find(ctx->sp, due.v[i].id, &m) != SPOOL_PENDING)
			continue;
		run_event(ctx, &m);
		if (ctx->hooks_error[0] != '\0')
			break;
		/* A long backlog's records are not left unsynced for long;
		 * run_finish syncs the last ones. */
		if (time(NULL) - synced >= RUN_SYNC_MAX_SEC) {
			if (spool_sync(ctx->sp) == -1)
				log_msg(LOG_LEVEL_ERR, "cannot sync the spool: %s",
				    strerror(errno));
			synced = time(NULL);
		}
	}
	run_due_free(&due);
	if (ctx->hooks_error[0] != '\0')
		return run_hooks_dir_failed(ctx, err, errlen);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Parallel dispatch and --watch.                                      */

/* A pending event the scheduler knows of, not running: small (its id
 * apart), as a backlog holds hundreds of thousands. */
struct run_item {
	char		*id;
	time_t		 created;
	struct timespec	 received;
	time_t		 due;		/* next_attempt, or later (see reap) */
	uint64_t	 group;		/* hash of its order_by value */
	unsigned char	 group_known;	/* group and grouped are read */
	unsigned char	 grouped;	/* 0: it has none, orders with nothing */
	unsigned char	 gone;		/* dispatched or dropped in this pass */
};

/* An event whose child process is running its hooks. */
struct run_job {
	pid_t		 pid;
	char		 id[EVENT_ID_MAX_CHARS + 1];
	uint64_t	 group;
	int		 grouped;
};

/* A child's exit status: what it recorded. */
#define RUN_CHILD_DONE		0
#define RUN_CHILD_RETRYING	1
#define RUN_CHILD_FAILED	2
#define RUN_CHILD_LOST		3	/* its parent went: ran nothing */
#define RUN_CHILD_NO_HOOKS	4	/* no hooks directory: recorded nothing */

struct run_sched {
	struct run_ctx	*ctx;
	int		 watch;
	long		 jobs;
	const char	*member;	/* order_by's data member, or NULL */
	struct run_item	*items;
	size_t		 nitems, cap;
	struct run_job	 job[HOOK_JOBS_LIMIT];
	size_t		 njobs;
	pid_t		 self;
	int		 stopping;	/* SIGTERM: start nothing more */
	int		 held;		/* no hooks directory: start nothing
					 * (--watch: until it is back) */
	int		 synced;	/* no record since the last spool_sync */
	time_t		 unsynced_since; /* the first record after it */
};

static int
item_order(const void *a, const void *b)
{
	const struct run_item *x = a, *y = b;

	return run_order(x->created, &x->received, x->id, y->created,
	    &y->received, y->id);
}

struct run_group_arg {
	const char	*member;
	uint64_t	 hash;
	int		 found;
};

static int
run_group_member(const char *key, const char *value, size_t len, void *arg)
{
	struct run_group_arg *a = arg;
	size_t i;

	if (a->found || strcmp(key, a->member) != 0)
		return 0;
	/* FNV-1a: two values that collide only make two groups wait for
	 * each other, never two events of one group run at once. */
	a->hash = 14695981039346656037ULL;
	for (i = 0; i < len; i++) {
		a->hash ^= (unsigned char)value[i];
		a->hash *= 1099511628211ULL;
	}
	a->found = 1;
	return 0;
}

/* The event's order_by group, from its stored body (the meta does not
 * hold data). A body that does not read or parse has none: its child
 * will record why. Read when the event may start (dispatch), not when
 * it is listed: a backlog's bodies are not all read before the first
 * one runs. */
static void
run_group_of(struct run_sched *s, struct run_item *it)
{
	struct run_group_arg a = { s->member, 0, 0 };
	char *body = NULL, what[128];
	struct event ev;
	size_t len;
	int fd;

	it->group_known = 1;
	it->grouped = 0;
	if (s->member == NULL || s->jobs == 1)
		return;		/* one at a time is in order anyway */
	if ((fd = spool_body_open(s->ctx->sp, it->id)) == -1)
		return;
	if (spool_body_read_fd(fd, &body, &len) == 0 &&
	    event_parse(body, len, &ev, NULL, what, sizeof what) == EVENT_OK &&
	    event_each_data_scalar(&ev, run_group_member, &a) == 0 &&
	    a.found) {
		it->group = a.hash;
		it->grouped = 1;
	}
	close(fd);
	free(body);
}

static int
run_is_running(const struct run_sched *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->njobs; i++)
		if (strcmp(s->job[i].id, id) == 0)
			return 1;
	return 0;
}

/* Forgets every item (a rescan lists them afresh). */
static void
run_items_clear(struct run_sched *s)
{
	size_t i;

	for (i = 0; i < s->nitems; i++)
		free(s->items[i].id);
	s->nitems = 0;
}

/* Learns of a pending event (new, or its meta changed), not before
 * not_before; known: the caller knows it is not among the items (a
 * rescan, whose names are each once in pending/), so none is looked
 * through. */
static int
run_sched_put(struct run_sched *s, const struct spool_meta *m,
    time_t not_before, int known)
{
	struct run_item *it, *n;
	size_t i = s->nitems;

	if (run_is_running(s, m->id))
		return 0;	/* its child's own save: reaped later */
	if (!known)
		for (i = 0; i < s->nitems; i++)
			if (strcmp(s->items[i].id, m->id) == 0)
				break;
	if (i == s->nitems) {
		if (s->nitems == s->cap) {
			if ((n = reallocarray(s->items, s->cap ? s->cap * 2 : 64,
			    sizeof *n)) == NULL)
				return -1;
			s->items = n;
			s->cap = s->cap ? s->cap * 2 : 64;
		}
		it = &s->items[s->nitems];
		memset(it, 0, sizeof *it);
		if ((it->id = strdup(m->id)) == NULL)
			return -1;
		s->nitems++;
	}
	it = &s->items[i];
	it->created = m->created;
	it->received = m->received;
	it->due = m->next_attempt > not_before ? m->next_attempt : not_before;
	it->gone = 0;
	return 0;
}

/* Every pending event, afresh. */
static int
run_sched_scan_one(const struct spool_meta *m, void *arg)
{
	if (run_sched_put(arg, m, 0, 1) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static int
run_sched_scan(struct run_sched *s)
{
	run_items_clear(s);
	return spool_each(s->ctx->sp, SPOOL_PENDING, run_sched_scan_one, s);
}

/* An event named by a notification, or whose child ended. */
static void
run_sched_note(struct run_sched *s, const char *id, time_t not_before)
{
	struct spool_meta m;

	if (!event_id_is_valid(id, strlen(id)) || run_is_running(s, id))
		return;		/* not ours, or its child's own save */
	if (spool_find(s->ctx->sp, id, &m) == SPOOL_PENDING &&
	    run_sched_put(s, &m, not_before, 0) == -1)
		log_msg(LOG_LEVEL_ERR, "event %s: out of memory; the next "
		    "rescan finds it", id);
}

static int
run_group_busy(const struct run_sched *s, const struct run_item *it)
{
	size_t i;

	if (!it->grouped)
		return 0;
	for (i = 0; i < s->njobs; i++)
		if (s->job[i].grouped && s->job[i].group == it->group)
			return 1;
	return 0;
}

/* In the child: the event's hooks and its record, then the verdict as
 * the exit status. Signals stay blocked as the parent had them: a
 * SIGTERM or ^C for the whole process group must let the event finish
 * (the hooks themselves get a clean mask). */
static void
run_child(struct run_sched *s, struct spool_meta *m)
{
	struct run_ctx *ctx = s->ctx;
	enum spool_state to;

	/* Like a hook of ours, the child must not outlive a killed run: the
	 * event stays pending and runs again (at least once). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != s->self)
		_exit(RUN_CHILD_LOST);
	to = run_event(ctx, m);
	fflush(ctx->out);
	if (ctx->hooks_error[0] != '\0')
		_exit(RUN_CHILD_NO_HOOKS);
	_exit(to == SPOOL_DONE ? RUN_CHILD_DONE : to == SPOOL_FAILED ?
	    RUN_CHILD_FAILED : RUN_CHILD_RETRYING);
}

/* Starts what may start now, in created_at order. Returns how many
 * due events are left waiting (a free slot or their group), and in
 * *next the earliest time one that is not yet due falls due (0: none). */
static size_t
run_sched_dispatch(struct run_sched *s, time_t *next)
{
	struct run_ctx *ctx = s->ctx;
	struct spool_meta m;
	struct run_item *it;
	size_t i, o, waiting = 0;
	time_t now = time(NULL);
	pid_t pid;

	*next = 0;
	if (s->nitems > 1)
		qsort(s->items, s->nitems, sizeof *s->items, item_order);
	for (i = 0; i < s->nitems; i++) {
		it = &s->items[i];
		if (!run_is_due(it->due, now, s->watch)) {
			if (*next == 0 || it->due < *next)
				*next = it->due;
			continue;
		}
		/* The earliest due event of a group is the first looked at
		 * here: it starts, or its group is running. Either way the
		 * later ones of the group wait. */
		if (!s->stopping && s->njobs < (size_t)s->jobs &&
		    !it->group_known)
			run_group_of(s, it);
		if (s->stopping || s->held || s->njobs == (size_t)s->jobs ||
		    run_group_busy(s, it)) {
			waiting++;
			continue;
		}
		/* Read again: its child may have just recorded it. Listed
		 * twice (a directory read while a name was renamed over may
		 * show it twice): it runs once. */
		if (run_is_running(s, it->id) ||
		    spool_find(ctx->sp, it->id, &m) != SPOOL_PENDING) {
			it->gone = 1;
			continue;
		}
		if (!run_is_due(m.next_attempt, now, s->watch)) {
			it->due = m.next_attempt;
			if (*next == 0 || it->due < *next)
				*next = it->due;
			continue;
		}
		fflush(ctx->out);	/* or the child prints it again */
		if ((pid = fork()) == -1) {
			log_msg(LOG_LEVEL_ERR, "event %s: cannot start it: %s",
			    it->id, strerror(errno));
			waiting++;
			break;
		}
		if (pid == 0)
			run_child(s, &m);
		s->job[s->njobs].pid = pid;
		snprintf(s->job[s->njobs].id, sizeof s->job[s->njobs].id, "%s",
		    it->id);
		s->job[s->njobs].group = it->group;
		s->job[s->njobs].grouped = it->grouped;
		s->njobs++;
		it->gone = 1;
	}
	for (i = 0, o = 0; i < s->nitems; i++)
		if (!s->items[i].gone)
			s->items[o++] = s->items[i];
		else
			free(s->items[i].id);
	s->nitems = o;
	return waiting;
}

/* Reaps every ended child. */
static void
run_sched_reap(struct run_sched *s)
{
	struct run_ctx *ctx = s->ctx;
	char id[EVENT_ID_MAX_CHARS + 1];
	int status;
	size_t i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < s->njobs && s->job[i].pid != pid; i++)
			;
		if (i == s->njobs)
			continue;
		memcpy(id, s->job[i].id, sizeof id);
		s->job[i] = s->job[--s->njobs];
		if (s->synced)
			s->unsynced_since = time(NULL);
		s->synced = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) <=
		    RUN_CHILD_FAILED) {
			if (WEXITSTATUS(status) == RUN_CHILD_DONE)
				ctx->done++;
			else if (WEXITSTATUS(status) == RUN_CHILD_FAILED)
				ctx->failed++;
			else
				ctx->retrying++;
			/* A retry is taken by a later cron run, or by us. */
			if (s->watch)
				run_sched_note(s, id, 0);
			continue;
		}
		/* It found no hooks directory and left the event as it was:
		 * a cron run stops (run_sched says why, once); a watcher
		 * tries it again once the directory is back. */
		if (WIFEXITED(status) && WEXITSTATUS(status) ==
		    RUN_CHILD_NO_HOOKS) {
			if (s->watch)
				run_sched_note(s, id, time(NULL) +
				    RUN_WATCH_HOOKS_RETRY_SEC);
			else
				s->stopping = s->held = 1;
			continue;
		}
		/* Killed before it recorded anything (out of memory, say):
		 * the event is still pending as it was; not at once again,
		 * or a crash would repeat as fast as it can. */
		log_msg(LOG_LEVEL_ERR, "event %s: its process %s %d before "
		    "it recorded an outcome; it runs again", id,
		    WIFSIGNALED(status) ? "was killed by signal" :
		    "exited with status", WIFSIGNALED(status) ?
		    WTERMSIG(status) : WEXITSTATUS(status));
		fprintf(ctx->out, "%s: its process ended before it recorded "
		    "an outcome; it stays pending\n", id);
		if (s->watch)
			run_sched_note(s, id, time(NULL) +
			    (ctx->cfg->retry_base > 0 ? ctx->cfg->retry_base : 1));
	}
}

static long
run_ms_until(time_t t)
{
	struct timespec ts;
	long long ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (long long)t * 1000 - ((long long)ts.tv_sec * 1000 +
	    ts.tv_nsec / 1000000);
	if (ms < 0)
		return 0;
	return ms > 3600L * 1000 ? 3600L * 1000 : (long)ms;
}

/* Drains the notifications: each names a meta that arrived. */
static void
run_sched_notified(struct run_sched *s, int nfd, int *rescan)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	while ((n = read(nfd, buf, sizeof buf)) > 0) {
		for (p = buf; p < buf + n; p += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			if (ev->mask & (IN_Q_OVERFLOW | IN_IGNORED))
				*rescan = 1;
			else if (ev->len > 0)
				run_sched_note(s, ev->name, 0);
		}
	}
}

/* Waits for the run lock (--watch: a cron run may hold it for a
 * while); 0 once held, 1 if told to stop first, -1 on an error. */
static int
run_lock_wait(struct run_ctx *ctx, const sigset_t *stop)
{
	struct timespec tick = { 1, 0 };
	int r, told = 0;

	while ((r = spool_lock(ctx->sp)) == 0) {
		if (!told && ctx->verbose) {
			fprintf(ctx->out, "another run holds the lock; "
			    "waiting\n");
			fflush(ctx->out);
			told = 1;
		}
		if (sigtimedwait(stop, NULL, &tick) > 0)
			return 1;
	}
	return r == 1 ? 0 : -1;
}

/* --watch: whether the hooks directory can be used, looked at before
 * each pass; that it went, and that it is back, are said once each, in
 * the log and on stderr. */
static void
run_watch_hooks_dir(struct run_sched *s)
{
	const struct config *cfg = s->ctx->cfg;
	char why[MESSAGE_BYTES], line[MESSAGE_BYTES + 160];
	int held;

	held = hook_dir_check(cfg->hooks, why, sizeof why) == -1;
	if (held == s->held)
		return;
	s->held = held;
	if (held)
		snprintf(line, sizeof line, "%s: no hook can run; events stay "
		    "pending as they are until it is back (looked at every "
		    "%lds)", why, RUN_WATCH_HOOKS_RETRY_SEC);
	else
		snprintf(line, sizeof line, "hooks directory %s is back: "
		    "events run again", cfg->hooks);
	log_msg(held ? LOG_LEVEL_ERR : LOG_LEVEL_INFO, "%s", line);
	if (strcmp(cfg->log, "stderr") != 0)
		fprintf(stderr, "huskyhook: %s\n", line);
}

/*
 * The scheduler's loop. A cron run (watch 0) runs what is due when it
 * lists, then returns; --watch returns only when told to stop, and then
 * only after every running event has recorded its outcome (each ends
 * within hook_timeout per hook).
 */
static int
run_sched_loop(struct run_sched *s, int nfd, int sfd, char *err,
    size_t errlen)
{
	struct run_ctx *ctx = s->ctx;
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	time_t next, rescan_at, keep_at, now;
	long timeout;
	size_t waiting;
	int rescan = 0, r;

	if (run_sched_scan(s) == -1) {
		snprintf(err, errlen, "%s/pending: %s", ctx->cfg->spool,
		    strerror(errno));
		return -1;
	}
	now = time(NULL);
	rescan_at = now + RUN_WATCH_RESCAN_SEC;
	/* A watcher that found the state lock held at its start tries again
	 * in a second, not at the next housekeeping. */
	keep_at = now + (ctx->upkeep_left ? 1 : RUN_WATCH_HOUSEKEEPING_SEC);
	for (;;) {
		if (s->watch && !s->stopping)
			run_watch_hooks_dir(s);
		waiting = run_sched_dispatch(s, &next);
		if (!s->synced && (s->njobs == 0 || time(NULL) -
		    s->unsynced_since >= RUN_SYNC_MAX_SEC)) {
			/* Idle, or busy for a while: what the children
			 * recorded is made durable (a crash before could only
			 * run an event again). */
			if (spool_sync(ctx->sp) == -1)
				log_msg(LOG_LEVEL_ERR, "cannot sync the spool: %s",
				    strerror(errno));
			s->synced = 1;
		}
		if (s->njobs == 0 && (s->stopping || (!s->watch &&
		    waiting == 0)))
			break;
		timeout = -1;	/* a cron run waits for its children only */
		if (waiting > 0 && s->njobs == 0)
			timeout = 1000;	/* fork failed: try again */
		if (s->watch && !s->stopping) {
			timeout = run_ms_until(rescan_at < keep_at ? rescan_at :
			    keep_at);
			if (next != 0 && s->njobs < (size_t)s->jobs &&
			    run_ms_until(next) < timeout)
				timeout = run_ms_until(next);
			if (s->held && timeout > RUN_WATCH_HOOKS_RETRY_SEC * 1000L)
				timeout = RUN_WATCH_HOOKS_RETRY_SEC * 1000L;
		}
		if (!s->synced && (timeout == -1 || run_ms_until(
		    s->unsynced_since + RUN_SYNC_MAX_SEC) < timeout))
			timeout = run_ms_until(s->unsynced_since +
			    RUN_SYNC_MAX_SEC);
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = nfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, nfd != -1 ? 2 : 1, (int)timeout) == -1 &&
		    errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
			if (si.ssi_signo == SIGCHLD)
				continue;
			if (!s->stopping && ctx->verbose)
				fprintf(ctx->out, "signal %u: stopping once %zu "
				    "running events are recorded\n",
				    si.ssi_signo, s->njobs);
			s->stopping = 1;
		}
		run_sched_reap(s);
		if (nfd != -1)
			run_sched_notified(s, nfd, &rescan);
		if (!s->watch || s->stopping)
			continue;
		now = time(NULL);
		if (rescan || now >= rescan_at) {
			if (run_sched_scan(s) == -1)
				log_msg(LOG_LEVEL_ERR, "%s/pending: %s",
				    ctx->cfg->spool, strerror(errno));
			spool_stamp_set(ctx->sp, SPOOL_STAMP_LAST_RUN, now);
			counters_run_progress(ctx->cfg->spool, ctx->done,
			    ctx->retrying, ctx->failed);
			rescan = 0;
			rescan_at = now + RUN_WATCH_RESCAN_SEC;
		}
		if (now >= keep_at) {
			ctx->now = now;
			if ((r = run_upkeep(ctx, 1, 1)) > 0)
				rescan = 1;
			keep_at = now + (r == -1 ? 1 : RUN_WATCH_HOUSEKEEPING_SEC);
		}
		fflush(ctx->out);
	}
	return 0;
}

/* One scheduler over the spool: signals taken by a signalfd (blocked,
 * so that none is lost between two polls, and the children inherit the
 * mask), pending/ watched by inotify under --watch. */
static int
run_sched(struct run_ctx *ctx, int watch, long jobs, char *err,
    size_t errlen)
{
	struct run_sched s;
	sigset_t set, old;
	siginfo_t si;
	int sfd = -1, nfd = -1, rc = -1;

	memset(&s, 0, sizeof s);
	s.ctx = ctx;
	s.watch = watch;
	s.jobs = jobs;
	s.member = config_order_member(ctx->cfg);
	s.self = getpid();
	s.synced = 1;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		goto done;
	}
	if (watch && (nfd = spool_notify_open(ctx->sp)) == -1)
		/* Only slower: the rescans find everything. */
		log_msg(LOG_LEVEL_WARN, "%s/pending cannot be watched (%s): "
		    "events are found by a rescan every %lds", ctx->cfg->spool,
		    strerror(errno), RUN_WATCH_RESCAN_SEC);
	rc = run_sched_loop(&s, nfd, sfd, err, errlen);
	/* After an error: whatever still runs records its outcome (waited
	 * for, then reaped by run_sched_reap, which counts it). */
	while (s.njobs > 0 && waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) == 0)
		run_sched_reap(&s);
	if (rc == 0 && !watch && s.held)
		rc = run_hooks_dir_failed(ctx, err, errlen);
done:
	if (nfd != -1)
		close(nfd);
	if (sfd != -1)
		close(sfd);
	run_items_clear(&s);
	free(s.items);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* The end of a run's work: what it recorded made durable, the last-run
 * stamp, and the tally. */
static void
run_finish(struct run_ctx *ctx)
{
	if (spool_sync(ctx->sp) == -1)
		log_msg(LOG_LEVEL_ERR, "cannot sync the spool: %s",
		    strerror(errno));
	spool_stamp_set(ctx->sp, SPOOL_STAMP_LAST_RUN, time(NULL));
	counters_run_ended(ctx->cfg->spool, ctx->base, ctx->done,
	    ctx->retrying, ctx->failed);
	if (ctx->verbose)
		fprintf(ctx->out, "%d done, %d to retry, %d failed\n",
		    ctx->done, ctx->retrying, ctx->failed);
}

/* A cron run's work under the lock: the due events (listed again while
 * the receiver's kick mark comes back), housekeeping, the sync and the
 * last-run stamp. */
static int
run_cron_pass(struct run_ctx *ctx, long jobs, char *err, size_t errlen)
{
	int round;

	for (round = 0; round <= RUN_RELIST_MAX; round++) {
		if (hook_dir_check(ctx->cfg->hooks, ctx->hooks_error,
		    sizeof ctx->hooks_error) == -1)
			return run_hooks_dir_failed(ctx, err, errlen);
		if (ctx->cfg->kick)
			spool_stamp_clear(ctx->sp, SPOOL_STAMP_KICK_WANTED);
		if ((jobs == 1 ? run_sequential(ctx, err, errlen) :
		    run_sched(ctx, 0, jobs, err, errlen)) == -1)
			return -1;
		if (!ctx->cfg->kick || spool_stamp_get(ctx->sp,
		    SPOOL_STAMP_KICK_WANTED) == 0)
			break;
	}
	run_upkeep(ctx, 0, 1);
	run_finish(ctx);
	return 0;
}

int
run_spool(const struct config *cfg, const struct run_options *opt,
    FILE *out, char *err, size_t errlen)
{
	struct run_ctx ctx;
	sigset_t stop, old;
	long jobs = opt->jobs > 0 ? opt->jobs : cfg->jobs;
	int r, rc = -1;

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.out = out;
	ctx.verbose = opt->verbose;
	ctx.now = time(NULL);
	ctx.base = opt->watch ? 0 : ctx.now;
	if ((ctx.sp = spool_open(cfg->spool, SPOOL_OPEN_MAKE, err, errlen)) ==
	    NULL)
		return -1;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	if (opt->watch) {
		sigprocmask(SIG_BLOCK, &stop, &old);
		r = run_lock_wait(&ctx, &stop);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (r == 1) {
			rc = 0;
			goto done;
		}
		r = r == 0 ? 1 : -1;
	} else
		r = spool_lock(ctx.sp);
	if (r != 1) {
		if (r == 0) {
			if (opt->verbose)
				fprintf(out, "another run holds the lock\n");
			rc = 0;
		} else {
			snprintf(err, errlen, "%s/run.lock: %s", cfg->spool,
			    spool_strerror(errno));
		}
		goto done;
	}
	ctx.upkeep_left = run_upkeep(&ctx, 1, opt->watch) == -1;
	if (opt->watch) {
		if (opt->verbose) {
			fprintf(out, "watching %s/pending, %ld at once\n",
			    cfg->spool, jobs);
			fflush(out);
		}
		if (run_sched(&ctx, 1, jobs, err, errlen) == -1)
			goto done;
	} else {
		for (;;) {
			if (run_cron_pass(&ctx, jobs, err, errlen) == -1)
				goto done;
			/* With kick = yes, an event stored after the last
			 * listing and before the lock is let go left the mark,
			 * and no run was started for it: this one looks. */
			if (!cfg->kick)
				break;
			spool_unlock(ctx.sp);
			if (spool_stamp_get(ctx.sp, SPOOL_STAMP_KICK_WANTED) ==
			    0 || spool_lock(ctx.sp) != 1)
				break;
			ctx.now = time(NULL);
			ctx.base = ctx.now;
		}
		rc = 0;
		goto done;
	}
	run_finish(&ctx);
	rc = 0;
done:
	spool_close(ctx.sp);
	return rc;
}

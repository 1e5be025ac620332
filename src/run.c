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
#include "io.h"
#include "log.h"
#include "run.h"
#include "run-sched.h"
#include "spool.h"

struct run_ctx {
	const struct config	*cfg;
	struct spool		*sp;
	FILE			*out;
	FILE			*notes;		/* opt->notes */
	int			 verbose;
	time_t			 now;		/* when the run started */
	/* What a retry's delay is counted from: a cron run's start, so that
	 * a retry falls due at the tick its delay says however long the
	 * hooks before it took; 0 under --watch, which has no ticks: the
	 * attempt's end. */
	time_t			 base;
	int			 done, retrying, failed;
	/* Outcomes that could not be recorded: the events run again. */
	int			 unrecorded;
	int			 stopping;	/* a signal: start nothing more */
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

/* hook_output's opener, asked again at each write while it fails: the
 * event's log (spool_log says once why it cannot be had). */
static int
run_log_open(void *arg)
{
	return spool_log(arg);
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
run_one_hook(struct run_ctx *ctx, struct spool_event *e,
    const struct hook_env_input *in, int fd, const char *path,
    struct hook_result *res, char *what, size_t whatlen)
{
	const struct config *cfg = ctx->cfg;
	struct hook_output out;
	struct hook_env env;
	struct hook_spec spec;
	char line[160];

	if (hook_env_build(&env, in) == -1)
		return -1;
	out.fd = -1;
	out.open = run_log_open;
	out.arg = e;
	lseek(e->body_fd, 0, SEEK_SET);
	log_header(&out, &e->meta, in->hook_name, in->attempt);
	spec.fd = fd;
	spec.path = path;
	spec.env = &env;
	spec.stdin_fd = e->body_fd;
	spec.cwd = cfg->hooks;
	spec.timeout_sec = cfg->hook_timeout;
	hook_run(&spec, &out, res);
	hook_env_free(&env);
	hook_result_describe(res, cfg->hook_timeout, what, whatlen);
	/* The log records every run that printed something or failed; a
	 * silent success leaves no trace but the state. It is on disk
	 * before the outcome that points to it (spool_save, spool_finish). */
	if (!run_hook_succeeded(res) || out.fd != -1) {
		snprintf(line, sizeof line, "=== %s\n", what);
		hook_output_write(&out, line, strlen(line));
	}
	return 0;
}

/* Runs the hooks of one event that have not yet succeeded, remembering
 * each success at once (so that a later failure of another hook does not
 * run it again). The hooks are chosen by the stored body, which the
 * signature covered, never by the meta alone. */
static void
run_hooks(struct run_ctx *ctx, struct spool_event *e, struct run_outcome *o)
{
	const struct config *cfg = ctx->cfg;
	struct spool_meta *m = &e->meta;
	char err[MESSAGE_BYTES], what[128];
	struct hook_list hooks;
	struct hook_result res;
	struct hook_env_input in;
	struct event ev;
	size_t i;
	int r;

	memset(&hooks, 0, sizeof hooks);
	run_outcome_set(o, RUN_DONE, "%s", "");
	if (e->body == NULL) {
		run_outcome_set(o, e->body_errno == EFBIG ? RUN_FAILED :
		    RUN_RETRY, "cannot read the stored body: %s",
		    strerror(e->body_errno));
		return;
	}
	/* The receiver stored only valid events: a body that is not one, or
	 * not the one its meta names, was put there by someone else. */
	if (event_parse(e->body, e->len, &ev, NULL, what, sizeof what) !=
	    EVENT_OK || !run_meta_agrees(m, &ev)) {
		run_outcome_set(o, RUN_FAILED, "the stored body is not the "
		    "event its meta describes");
		return;
	}
	if ((r = hook_find(cfg->hooks, ev.type, &hooks, err, sizeof err)) <
	    0) {
		run_outcome_set(o, r == HOOK_FIND_NO_DIR ? RUN_UNTRIED :
		    RUN_RETRY, "%s", err);
		return;
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
		if (run_one_hook(ctx, e, &in, hooks.fds[i], hooks.paths[i],
		    &res, what, sizeof what) == -1) {
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
		if (i + 1 < hooks.n && spool_save(e) == -1)
			log_msg(LOG_LEVEL_ERR, "event %s: cannot record that "
			    "hook %s is done: %s", m->id, hooks.names[i],
			    strerror(errno));
	}
	hook_list_free(&hooks);
}

/* What run_record and run_event return when the outcome could not be
 * recorded (the event stays as it was, and runs again). */
#define RUN_NOT_RECORDED	(-2)

/* Records what running the event came to: done, another attempt later,
 * or failed for good (told so, or out of attempts). The state it went
 * to, or RUN_NOT_RECORDED. */
static int
run_record(struct run_ctx *ctx, struct spool_event *e,
    const struct run_outcome *o)
{
	const struct config *cfg = ctx->cfg;
	struct spool_meta *m = &e->meta;
	enum spool_state to = SPOOL_DONE;
	long attempt = m->attempts + 1, delay = 0;

	snprintf(m->last_error, sizeof m->last_error, "%s", o->error);
	m->next_attempt = 0;
	if (o->verdict != RUN_DONE) {
		m->attempts = attempt;
		to = o->verdict == RUN_FAILED ||
		    m->attempts >= cfg->max_attempts ? SPOOL_FAILED :
		    SPOOL_RETRYING;
	}
	if (to == SPOOL_RETRYING) {
		delay = run_backoff_sec(cfg, m->attempts);
		m->next_attempt = (ctx->base != 0 ? ctx->base : time(NULL)) +
		    delay;
	} else {
		m->finished = time(NULL);
	}
	if (spool_finish(e, (int)to) == -1) {
		log_msg(LOG_LEVEL_ERR, "event %s: cannot record it as %s: %s",
		    m->id, spool_state_name(to), strerror(errno));
		fprintf(ctx->out, "%s %s: %s, but that could not be recorded "
		    "(%s); it runs again\n", m->id, m->type,
		    spool_state_name(to), strerror(errno));
		return RUN_NOT_RECORDED;
	}
	/* Counted by run_sched_outcome, in the process that schedules. */
	switch (to) {
	case SPOOL_DONE:
		if (ctx->verbose)
			fprintf(ctx->out, "%s %s: done\n", m->id, m->type);
		break;
	case SPOOL_FAILED:
		fprintf(ctx->out, "%s %s: failed for good after attempt %ld: "
		    "%s\n", m->id, m->type, attempt, o->error);
		break;
	default:
		fprintf(ctx->out, "%s %s: attempt %ld of %ld failed, retry in "
		    "%lds: %s\n", m->id, m->type, attempt, cfg->max_attempts,
		    delay, o->error);
		break;
	}
	return to;
}

/* Takes the event, runs its hooks, records the outcome; the state it
 * was left in, or -1 if it was no longer pending. */
static int
run_event(struct run_ctx *ctx, const char *id)
{
	struct spool_event e;
	struct run_outcome o;

	if (spool_take(ctx->sp, id, SPOOL_TAKE_RUN, &e) == -1)
		return -1;
	run_hooks(ctx, &e, &o);
	if (o.verdict == RUN_UNTRIED) {
		snprintf(ctx->hooks_error, sizeof ctx->hooks_error, "%s",
		    o.error);
		spool_finish(&e, SPOOL_UNTOUCHED);
		return SPOOL_PENDING;
	}
	return run_record(ctx, &e, &o);
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

/* What a run does to the spool beside running hooks (spool_upkeep):
 * recovery and the removal of old events, under the state lock, which
 * requeue and purge hold while they change finished events. A run never
 * waits for it: if it is held, the work is left for the next run (a
 * watcher: for the next second). The number of metas restored, or -1 if
 * the lock was not had. */
static int
run_upkeep(struct run_ctx *ctx, int what)
{
	struct spool_upkeep u;
	int r;

	if ((r = spool_upkeep(ctx->sp, what, ctx->now, ctx->cfg->keep_days *
	    86400L, &u)) != 1) {
		if (r == -1)
			log_msg(LOG_LEVEL_ERR, "%s/state.lock: %s",
			    ctx->cfg->spool, io_strerror(errno));
		else if (ctx->verbose)
			fprintf(ctx->out, "a requeue or purge holds the state "
			    "lock: recovery and housekeeping left for later\n");
		return -1;
	}
	if (ctx->verbose && u.moved > 0)
		fprintf(ctx->out, "moved %d retrying events to retrying/ (the "
		    "spool's newer layout)\n", u.moved);
	if (ctx->verbose && u.restored > 0)
		fprintf(ctx->out, "restored the meta of %d events\n",
		    u.restored);
	if (ctx->verbose && (u.purged > 0 || u.cleaned > 0))
		fprintf(ctx->out, "housekeeping: %d done events past keep_days "
		    "and %d stale tmp/ files removed\n", u.purged, u.cleaned);
	return u.restored;
}

/* ------------------------------------------------------------------ */
/* The scheduler's process side: what sched.c picks is started here.  */

/* A child's exit status: what it recorded. */
#define RUN_CHILD_DONE		0
#define RUN_CHILD_RETRYING	1
#define RUN_CHILD_FAILED	2
#define RUN_CHILD_LOST		3	/* its parent went: ran nothing */
#define RUN_CHILD_NO_HOOKS	4	/* no hooks directory: recorded nothing */
#define RUN_CHILD_GONE		5	/* no longer pending: ran nothing */
#define RUN_CHILD_UNRECORDED	6	/* ran, but recorded nothing */

struct run_sched {
	struct run_ctx	*ctx;
	struct sched	 q;
	int		 watch;
	int		 inline_;	/* jobs = 1 without --watch: each event
					 * runs in this process */
	int		 sfd;		/* the signals, or -1 */
	const char	*member;	/* order_by's data member, or NULL */
	pid_t		 self;
	int		 held;		/* no hooks directory: start nothing
					 * (--watch: until it is back) */
	int		 synced;	/* no record since the last spool_sync */
	time_t		 unsynced_since; /* the first record after it */
};

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

/* sched.c's group_of: the event's order_by group, from its stored body
 * (the meta does not hold data). A body that does not read or parse has
 * none: its run will record why. */
static void
run_group_of(struct sched_item *it, void *arg)
{
	struct run_sched *s = arg;
	struct run_group_arg a = { s->member, 0, 0 };
	struct spool_event e;
	struct event ev;
	char what[128];

	if (spool_take(s->ctx->sp, it->id, SPOOL_TAKE_RUN, &e) == -1)
		return;
	if (e.body != NULL && event_parse(e.body, e.len, &ev, NULL, what,
	    sizeof what) == EVENT_OK &&
	    event_each_data_scalar(&ev, run_group_member, &a) == 0 &&
	    a.found) {
		it->group = a.hash;
		it->grouped = 1;
	}
	spool_finish(&e, SPOOL_UNTOUCHED);
}

/* Tells the scheduler of a pending event, not due before not_before. */
static int
run_sched_put(struct run_sched *s, const struct spool_meta *m,
    time_t not_before, int fresh)
{
	return sched_put(&s->q, m->id, m->created, &m->received,
	    m->next_attempt, not_before, fresh);
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
	sched_clear(&s->q);
	if (spool_each(s->ctx->sp, SPOOL_PENDING, run_sched_scan_one, s) != 0)
		return -1;
	return spool_each(s->ctx->sp, SPOOL_RETRYING, run_sched_scan_one, s);
}

/* An event named by a notification, or whose run ended. */
static void
run_sched_note(struct run_sched *s, const char *id, time_t not_before)
{
	struct spool_meta m;

	if (!event_id_is_valid(id, strlen(id)) || sched_is_running(&s->q, id))
		return;		/* not ours, or its child's own save */
	if (spool_find(s->ctx->sp, id, SPOOL_UNFINISHED, &m) != -1 &&
	    run_sched_put(s, &m, not_before, 0) == -1)
		log_msg(LOG_LEVEL_ERR, "event %s: out of memory; the next "
		    "rescan finds it", id);
}

/* Something was recorded since the last sync. */
static void
run_sched_recorded(struct run_sched *s)
{
	if (s->synced)
		s->unsynced_since = time(NULL);
	s->synced = 0;
}

/* Makes what was recorded durable once the scheduler is idle, or has
 * been busy for RUN_SYNC_MAX_SEC (a crash before could only run an
 * event again). */
static void
run_sched_sync(struct run_sched *s, int idle)
{
	if (s->synced || (!idle && time(NULL) - s->unsynced_since <
	    RUN_SYNC_MAX_SEC))
		return;
	if (spool_sync(s->ctx->sp) == -1)
		log_msg(LOG_LEVEL_ERR, "cannot sync the spool: %s",
		    strerror(errno));
	s->synced = 1;
}

/* What an event's run came to, told by its exit status or, inline, by
 * run_event: counted, and a watcher learns of it again. */
static void
run_sched_outcome(struct run_sched *s, const char *id, int code)
{
	struct run_ctx *ctx = s->ctx;

	run_sched_recorded(s);
	switch (code) {
	case RUN_CHILD_DONE:
	case RUN_CHILD_RETRYING:
	case RUN_CHILD_FAILED:
		if (code == RUN_CHILD_DONE)
			ctx->done++;
		else if (code == RUN_CHILD_FAILED)
			ctx->failed++;
		else
			ctx->retrying++;
		/* A retry is taken by a later cron run, or by us. */
		if (s->watch)
			run_sched_note(s, id, 0);
		break;
	case RUN_CHILD_NO_HOOKS:
		/* It found no hooks directory and left the event as it was:
		 * a cron run stops (run_sched says why, once); a watcher
		 * tries it again once the directory is back. */
		if (s->watch)
			run_sched_note(s, id, time(NULL) +
			    RUN_WATCH_HOOKS_RETRY_SEC);
		else
			s->ctx->stopping = s->held = 1;
		break;
	case RUN_CHILD_UNRECORDED:
		/* Still as it was: not at once again (a spool that cannot
		 * be written would run its hooks as fast as it can). */
		ctx->unrecorded++;
		if (s->watch)
			run_sched_note(s, id, time(NULL) +
			    (ctx->cfg->retry_base > 0 ? ctx->cfg->retry_base : 1));
		break;
	case RUN_CHILD_GONE:
		break;
	}
}

/* The exit status for what run_event came to. */
static int
run_code(struct run_ctx *ctx, int st)
{
	if (ctx->hooks_error[0] != '\0')
		return RUN_CHILD_NO_HOOKS;
	if (st == RUN_NOT_RECORDED)
		return RUN_CHILD_UNRECORDED;
	switch (st) {
	case SPOOL_DONE:
		return RUN_CHILD_DONE;
	case SPOOL_FAILED:
		return RUN_CHILD_FAILED;
	case SPOOL_RETRYING:
	case SPOOL_PENDING:		/* no hooks directory: nothing recorded */
		return RUN_CHILD_RETRYING;
	default:
		return RUN_CHILD_GONE;
	}
}

/* In the child: the event's hooks and its record, then the verdict as
 * the exit status. Signals stay blocked as the parent had them: a
 * SIGTERM or ^C for the whole process group must let the event finish
 * (the hooks themselves get a clean mask). */
static void
run_child(struct run_sched *s, const char *id)
{
	struct run_ctx *ctx = s->ctx;
	int code;

	/* Like a hook of ours, the child must not outlive a killed run: the
	 * event stays pending and runs again (at least once). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != s->self)
		_exit(RUN_CHILD_LOST);
	code = run_code(ctx, run_event(ctx, id));
	fflush(ctx->out);
	_exit(code);
}

/* Reads the signals that came (SIGCHLD aside): each one stops the
 * scheduler once what runs has recorded its outcome. */
static void
run_sched_signals(struct run_sched *s)
{
	struct signalfd_siginfo si;

	while (s->sfd != -1 && read(s->sfd, &si, sizeof si) ==
	    (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		if (!s->ctx->stopping && s->ctx->verbose && s->inline_)
			fprintf(s->ctx->out, "signal %u: stopping after this "
			    "event\n", si.ssi_signo);
		else if (!s->ctx->stopping && s->ctx->verbose)
			fprintf(s->ctx->out, "signal %u: stopping once %zu "
			    "running events are recorded\n", si.ssi_signo,
			    s->q.njobs);
		s->ctx->stopping = 1;
	}
}

/* Starts one event: in a child of its own, or here (inline). 0, or -1
 * if no child could be made. */
static int
run_sched_start(struct run_sched *s, struct sched_item *it)
{
	struct run_ctx *ctx = s->ctx;
	char id[EVENT_ID_MAX_CHARS + 1];
	pid_t pid;

	if (s->inline_) {
		snprintf(id, sizeof id, "%s", it->id);
		sched_start(&s->q, it, 0);
		run_sched_outcome(s, id, run_code(ctx, run_event(ctx, id)));
		run_sched_sync(s, 0);
		run_sched_signals(s);
		s->q.hold = s->ctx->stopping || s->held;
		return 0;
	}
	fflush(ctx->out);	/* or the child prints it again */
	if ((pid = fork()) == -1) {
		log_msg(LOG_LEVEL_ERR, "event %s: cannot start it: %s",
		    it->id, strerror(errno));
		return -1;
	}
	if (pid == 0)
		run_child(s, it->id);
	sched_start(&s->q, it, pid);
	return 0;
}

/* Starts what may start now, in created_at order. Returns how many
 * due events are left waiting (a free slot or their group), and in
 * *next the earliest time one that is not yet due falls due (0: none). */
static size_t
run_sched_dispatch(struct run_sched *s, time_t *next)
{
	struct spool_meta m;
	struct sched_item *it;

	s->q.hold = s->ctx->stopping || s->held;
	sched_begin(&s->q, time(NULL));
	while ((it = sched_next(&s->q)) != NULL) {
		/* Read again: its run may have just recorded it. Listed
		 * twice (a directory read while a name was renamed over may
		 * show it twice): it runs once. */
		if (sched_is_running(&s->q, it->id) || spool_find(s->ctx->sp,
		    it->id, SPOOL_UNFINISHED, &m) == -1) {
			sched_drop(&s->q, it);
			continue;
		}
		if (!sched_is_due(&s->q, m.next_attempt, s->q.now)) {
			sched_defer(&s->q, it, m.next_attempt);
			continue;
		}
		if (run_sched_start(s, it) == -1) {
			s->q.waiting++;	/* tried again in a second */
			break;
		}
	}
	return sched_end(&s->q, next);
}

/* Reaps every ended child. */
static void
run_sched_reap(struct run_sched *s)
{
	struct run_ctx *ctx = s->ctx;
	char id[EVENT_ID_MAX_CHARS + 1];
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (sched_ended(&s->q, pid, id) == -1)
			continue;
		if (WIFEXITED(status) && WEXITSTATUS(status) !=
		    RUN_CHILD_LOST && WEXITSTATUS(status) <=
		    RUN_CHILD_UNRECORDED) {
			run_sched_outcome(s, id, WEXITSTATUS(status));
			continue;
		}
		/* Killed before it recorded anything (out of memory, say):
		 * the event is still pending as it was; not at once again,
		 * or a crash would repeat as fast as it can. */
		run_sched_recorded(s);
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

	while ((r = spool_lock(ctx->sp, SPOOL_LOCK_RUN, 0)) == 0) {
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
 * the log and on opt->notes. */
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
	if (s->ctx->notes != NULL && strcmp(cfg->log, "stderr") != 0)
		fprintf(s->ctx->notes, "huskyhook: %s\n", line);
}

/*
 * The scheduler's loop. A cron run (watch 0) runs what is due when it
 * lists, then returns; --watch returns only when told to stop, and then
 * only after every running event has recorded its outcome (each ends
 * within hook_timeout per hook).
 */
static int
run_sched_loop(struct run_sched *s, int nfd, char *err, size_t errlen)
{
	struct run_ctx *ctx = s->ctx;
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
		if (s->watch && !s->ctx->stopping)
			run_watch_hooks_dir(s);
		waiting = run_sched_dispatch(s, &next);
		run_sched_sync(s, s->q.njobs == 0);
		if (s->q.njobs == 0 && (s->ctx->stopping || (!s->watch &&
		    waiting == 0)))
			break;
		timeout = -1;	/* a cron run waits for its children only */
		if (waiting > 0 && s->q.njobs == 0)
			timeout = 1000;	/* fork failed: try again */
		if (s->watch && !s->ctx->stopping) {
			timeout = run_ms_until(rescan_at < keep_at ? rescan_at :
			    keep_at);
			if (next != 0 && s->q.njobs < (size_t)s->q.jobs &&
			    run_ms_until(next) < timeout)
				timeout = run_ms_until(next);
			if (s->held && timeout > RUN_WATCH_HOOKS_RETRY_SEC * 1000L)
				timeout = RUN_WATCH_HOOKS_RETRY_SEC * 1000L;
		}
		if (!s->synced && (timeout == -1 || run_ms_until(
		    s->unsynced_since + RUN_SYNC_MAX_SEC) < timeout))
			timeout = run_ms_until(s->unsynced_since +
			    RUN_SYNC_MAX_SEC);
		pfd[0].fd = s->sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = nfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, nfd != -1 ? 2 : 1, (int)timeout) == -1 &&
		    errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		run_sched_signals(s);
		run_sched_reap(s);
		if (nfd != -1)
			run_sched_notified(s, nfd, &rescan);
		if (!s->watch || s->ctx->stopping)
			continue;
		now = time(NULL);
		if (rescan || now >= rescan_at) {
			if (run_sched_scan(s) == -1)
				log_msg(LOG_LEVEL_ERR, "%s/pending: %s",
				    ctx->cfg->spool, strerror(errno));
			/* The sync notes the watcher's sign of life. */
			s->synced = 0;
			run_sched_sync(s, 1);
			counters_run_progress(ctx->cfg->spool, ctx->done,
			    ctx->retrying, ctx->failed);
			rescan = 0;
			rescan_at = now + RUN_WATCH_RESCAN_SEC;
		}
		if (now >= keep_at) {
			ctx->now = now;
			if ((r = run_upkeep(ctx, SPOOL_UPKEEP_RECOVER |
			    SPOOL_UPKEEP_CLEAN)) > 0)
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
	int nfd = -1, rc = -1;

	memset(&s, 0, sizeof s);
	s.ctx = ctx;
	s.watch = s.q.watch = watch;
	s.q.jobs = jobs;
	s.inline_ = jobs == 1 && !watch;
	s.member = config_order_member(ctx->cfg);
	if (s.member != NULL) {
		s.q.group_of = run_group_of;
		s.q.arg = &s;
	}
	s.self = getpid();
	s.synced = 1;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	if ((s.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		goto done;
	}
	if (watch && (nfd = spool_notify_open(ctx->sp)) == -1)
		/* Only slower: the rescans find everything. */
		log_msg(LOG_LEVEL_WARN, "%s/pending cannot be watched (%s): "
		    "events are found by a rescan every %lds", ctx->cfg->spool,
		    strerror(errno), RUN_WATCH_RESCAN_SEC);
	rc = run_sched_loop(&s, nfd, err, errlen);
	/* After an error: whatever still runs records its outcome (waited
	 * for, then reaped by run_sched_reap, which counts it). */
	while (s.q.njobs > 0 && waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) == 0)
		run_sched_reap(&s);
	if (rc == 0 && !watch && s.held)
		rc = run_hooks_dir_failed(ctx, err, errlen);
done:
	if (nfd != -1)
		close(nfd);
	if (s.sfd != -1)
		close(s.sfd);
	sched_free(&s.q);
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

	if (ctx->cfg->kick)
		spool_kick(ctx->sp, SPOOL_KICK_TAKE);
	for (round = 0; round <= RUN_RELIST_MAX; round++) {
		if (hook_dir_check(ctx->cfg->hooks, ctx->hooks_error,
		    sizeof ctx->hooks_error) == -1)
			return run_hooks_dir_failed(ctx, err, errlen);
		if (run_sched(ctx, 0, jobs, err, errlen) == -1)
			return -1;
		/* Taken away before the next listing; told to stop, the
		 * next run (cron's) lists again. */
		if (!ctx->cfg->kick || ctx->stopping ||
		    spool_kick(ctx->sp, SPOOL_KICK_TAKE) != 1)
			break;
	}
	run_upkeep(ctx, SPOOL_UPKEEP_CLEAN);
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
	ctx.notes = opt->notes;
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
		r = spool_lock(ctx.sp, SPOOL_LOCK_RUN, 0);
	if (r != 1) {
		if (r == 0) {
			if (opt->verbose)
				fprintf(out, "another run holds the lock\n");
			rc = 0;
		} else {
			snprintf(err, errlen, "%s/run.lock: %s", cfg->spool,
			    io_strerror(errno));
		}
		goto done;
	}
	ctx.upkeep_left = run_upkeep(&ctx, SPOOL_UPKEEP_RECOVER |
	    (opt->watch ? SPOOL_UPKEEP_CLEAN : 0)) == -1;
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
			if (!cfg->kick || ctx.stopping)
				break;
			spool_unlock(ctx.sp, SPOOL_LOCK_RUN);
			if (spool_kick(ctx.sp, SPOOL_KICK_LOOK) != 1 ||
			    spool_lock(ctx.sp, SPOOL_LOCK_RUN, 0) != 1)
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
	if (rc == 0 && ctx.unrecorded > 0) {
		snprintf(err, errlen, "%d outcome%s could not be recorded in %s "
		    "(see the log): those events run again", ctx.unrecorded,
		    ctx.unrecorded == 1 ? "" : "s", cfg->spool);
		rc = -1;
	}
	spool_close(ctx.sp);
	return rc;
}

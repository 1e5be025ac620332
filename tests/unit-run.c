/* The retry backoff: retry_base doubled after each failed attempt, up
 * to retry_max, never past it, whatever the count. The scheduler: which
 * event starts next (created_at order, due times, the jobs limit,
 * order_by groups), as run.c asks it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "run.h"
#include "run-sched.h"
#include "tap.h"

static void
put(struct sched *s, const char *id, time_t created, time_t due)
{
	struct timespec r = { created, 0 };

	if (sched_put(s, id, created, &r, due, 0, 0) == -1)
		tap_ok(0, "sched_put %s: out of memory", id);
}

/* The ids a pass starts (pid 0: each runs to its end at once, as a run
 * with jobs = 1 does), space-separated; *waiting as sched_end says. */
static void
pass(struct sched *s, time_t now, pid_t pid, char *out, size_t n,
    size_t *waiting, time_t *next)
{
	struct sched_item *it;
	size_t len = 0;

	out[0] = '\0';
	sched_begin(s, now);
	while ((it = sched_next(s)) != NULL) {
		len += (size_t)snprintf(out + len, n - len, "%s%s",
		    len ? " " : "", it->id);
		sched_start(s, it, pid ? pid++ : 0);
	}
	*waiting = sched_end(s, next);
}

/* order_by for the test: events named g1-* are one group. */
static void
group_of(struct sched_item *it, void *arg)
{
	(void)arg;
	if (strncmp(it->id, "g1-", 3) == 0) {
		it->group = 1;
		it->grouped = 1;
	}
}

static void
sched_test(void)
{
	struct sched s;
	struct sched_item *it;
	char got[512], id[EVENT_ID_MAX_CHARS + 1];
	size_t waiting;
	time_t next;
	long i, inorder;

	memset(&s, 0, sizeof s);
	s.jobs = 1;
	put(&s, "c", 30, 0);
	put(&s, "a", 10, 0);
	put(&s, "b", 20, 0);
	put(&s, "later", 5, 200);
	put(&s, "slack", 6, 101);
	pass(&s, 100, 0, got, sizeof got, &waiting, &next);
	tap_ok(strcmp(got, "slack a b c") == 0 && waiting == 0 && next == 200,
	    "created_at order; a cron run takes what falls due within a "
	    "second; the next due time said (%s; next %lld)", got,
	    (long long)next);
	tap_ok(s.nitems == 1 && strcmp(s.items[0].id, "later") == 0,
	    "what started is forgotten, what waits is kept");

	s.watch = 1;
	put(&s, "w", 1, 201);
	pass(&s, 200, 0, got, sizeof got, &waiting, &next);
	tap_ok(strcmp(got, "later") == 0 && next == 201,
	    "--watch waits for the second itself (%s)", got);
	sched_free(&s);

	memset(&s, 0, sizeof s);
	s.jobs = 2;
	put(&s, "a", 1, 0);
	put(&s, "b", 2, 0);
	put(&s, "c", 3, 0);
	pass(&s, 100, 11, got, sizeof got, &waiting, &next);
	tap_ok(strcmp(got, "a b") == 0 && waiting == 1 && s.njobs == 2,
	    "at most jobs at once, the rest waits (%s, %zu waiting)", got,
	    waiting);
	put(&s, "a", 1, 0);
	tap_ok(s.nitems == 1, "a running event put again is not listed");
	tap_ok(sched_ended(&s, 11, id) == 0 && strcmp(id, "a") == 0 &&
	    sched_ended(&s, 99, id) == -1, "an ended child names its event; "
	    "a stranger is none of ours");
	pass(&s, 100, 13, got, sizeof got, &waiting, &next);
	tap_ok(strcmp(got, "c") == 0 && waiting == 0,
	    "a freed slot takes the next (%s)", got);
	sched_free(&s);

	memset(&s, 0, sizeof s);
	s.jobs = 3;
	s.group_of = group_of;
	put(&s, "g1-a", 1, 0);
	put(&s, "g1-b", 2, 0);
	put(&s, "other", 3, 0);
	pass(&s, 100, 21, got, sizeof got, &waiting, &next);
	tap_ok(strcmp(got, "g1-a other") == 0 && waiting == 1,
	    "two of one group never at once; others pass them (%s)", got);
	sched_ended(&s, 21, id);
	pass(&s, 100, 31, got, sizeof got, &waiting, &next);
	tap_ok(strcmp(got, "g1-b") == 0, "the group's next starts once the "
	    "first ended (%s)", got);
	sched_free(&s);

	memset(&s, 0, sizeof s);
	s.jobs = 2;
	put(&s, "a", 1, 0);
	put(&s, "b", 2, 0);
	put(&s, "b", 2, 50);
	tap_ok(s.nitems == 2 && s.items[1].due == 50, "put again: the due "
	    "time changes, the event is listed once");
	s.hold = 1;
	pass(&s, 10, 41, got, sizeof got, &waiting, &next);
	tap_ok(got[0] == '\0' && waiting == 1 && next == 50,
	    "held: nothing starts, the due ones wait");
	s.hold = 0;
	sched_begin(&s, 10);
	it = sched_next(&s);
	sched_defer(&s, it, 40);
	it = sched_next(&s);
	tap_ok(it == NULL && sched_end(&s, &next) == 0 && next == 40 &&
	    s.nitems == 2, "deferred: its meta said later, the next due "
	    "time follows");
	sched_begin(&s, 100);
	sched_drop(&s, sched_next(&s));
	sched_end(&s, &next);
	tap_ok(s.nitems == 1 && strcmp(s.items[0].id, "b") == 0,
	    "dropped: no longer pending, forgotten");
	sched_free(&s);

	/* A backlog, listed backwards: one pass starts each once, in
	 * order. */
	memset(&s, 0, sizeof s);
	s.jobs = 1;
	for (i = 50000; i > 0; i--) {
		snprintf(id, sizeof id, "e%06ld", i);
		put(&s, id, 1000, 0);
	}
	sched_begin(&s, 2000);
	for (i = 1, inorder = 0; (it = sched_next(&s)) != NULL; i++) {
		snprintf(id, sizeof id, "e%06ld", i);
		inorder += strcmp(it->id, id) == 0;
		sched_start(&s, it, 0);
	}
	tap_ok(inorder == 50000 && sched_end(&s, &next) == 0 &&
	    s.nitems == 0, "50,000 events of one created_at: each once, by "
	    "arrival then id (%ld in order)", inorder);
	sched_free(&s);
}

int
main(void)
{
	static const struct {
		long	 base, max, attempts, want;
	} cases[] = {
		{ 60, 3600, 0, 60 },		/* before any failure: base */
		{ 60, 3600, 1, 60 },
		{ 60, 3600, 2, 120 },
		{ 60, 3600, 3, 240 },
		{ 60, 3600, 6, 1920 },
		{ 60, 3600, 7, 3600 },		/* 3840 capped */
		{ 60, 3600, 1000, 3600 },	/* no overflow on the way */
		{ 0, 0, 5, 0 },			/* retry at once */
		{ 0, 3600, 5, 0 },		/* 0 doubled stays 0 */
		{ 7, 7, 3, 7 },
		{ 30L * 86400, 30L * 86400, 1000, 30L * 86400 },
	};
	struct config cfg;
	size_t i;
	long got;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&cfg, 0, sizeof cfg);
		cfg.retry_base = cases[i].base;
		cfg.retry_max = cases[i].max;
		got = run_backoff_sec(&cfg, cases[i].attempts);
		tap_ok(got == cases[i].want, "base %ld, max %ld, after %ld "
		    "failed: %lds (got %ld)", cases[i].base, cases[i].max,
		    cases[i].attempts, cases[i].want, got);
	}
	sched_test();
	return tap_done();
}

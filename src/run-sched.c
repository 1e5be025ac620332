/*
 * The run's scheduler: see run-sched.h. A pass sorts the items once and
 * walks them in order with a cursor, so that a backlog of n events
 * costs n log n, however many start on the way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run-sched.h"

int
sched_order(time_t xc, const struct timespec *xr, const char *xid, time_t yc,
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

/* A cron run also takes what falls due within SPOOL_DUE_SLACK_SEC (its
 * tick may come a little early); --watch waits for the second itself. */
int
sched_is_due(const struct sched *s, time_t due, time_t now)
{
	return due <= now + (s->watch ? 0 : SPOOL_DUE_SLACK_SEC);
}

static int
sched_item_order(const void *a, const void *b)
{
	const struct sched_item *x = a, *y = b;

	return sched_order(x->created, &x->received, x->id, y->created,
	    &y->received, y->id);
}

int
sched_is_running(const struct sched *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->njobs; i++)
		if (strcmp(s->job[i].id, id) == 0)
			return 1;
	return 0;
}

int
sched_put(struct sched *s, const char *id, time_t created,
    const struct timespec *received, time_t due, time_t not_before,
    int fresh)
{
	struct sched_item *it, *n;
	size_t i = s->nitems;

	if (sched_is_running(s, id))
		return 0;
	if (!fresh)
		for (i = 0; i < s->nitems; i++)
			if (strcmp(s->items[i].id, id) == 0)
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
		if ((it->id = strdup(id)) == NULL)
			return -1;
		s->nitems++;
	}
	it = &s->items[i];
	it->created = created;
	it->received = *received;
	it->due = due > not_before ? due : not_before;
	it->gone = 0;
	return 0;
}

void
sched_clear(struct sched *s)
{
	size_t i;

	for (i = 0; i < s->nitems; i++)
		free(s->items[i].id);
	s->nitems = 0;
}

void
sched_free(struct sched *s)
{
	sched_clear(s);
	free(s->items);
	s->items = NULL;
	s->cap = 0;
}

static int
sched_group_busy(const struct sched *s, const struct sched_item *it)
{
	size_t i;

	if (!it->grouped)
		return 0;
	for (i = 0; i < s->njobs; i++)
		if (s->job[i].grouped && s->job[i].group == it->group)
			return 1;
	return 0;
}

void
sched_begin(struct sched *s, time_t now)
{
	s->now = now;
	s->next = 0;
	s->cursor = 0;
	s->waiting = 0;
	if (s->nitems > 1)
		qsort(s->items, s->nitems, sizeof *s->items, sched_item_order);
}

static void
sched_note_next(struct sched *s, time_t due)
{
	if (s->next == 0 || due < s->next)
		s->next = due;
}

struct sched_item *
sched_next(struct sched *s)
{
	struct sched_item *it;

	while (s->cursor < s->nitems) {
		it = &s->items[s->cursor++];
		if (it->gone)
			continue;
		if (!sched_is_due(s, it->due, s->now)) {
			sched_note_next(s, it->due);
			continue;
		}
		/* The earliest due event of a group is the first looked at
		 * here: it starts, or its group is running. Either way the
		 * later ones of the group wait. */
		if (!s->hold && s->njobs < (size_t)s->jobs &&
		    !it->group_known) {
			it->group_known = 1;
			it->grouped = 0;
			if (s->group_of != NULL && s->jobs > 1)
				s->group_of(it, s->arg);
		}
		if (s->hold || s->njobs >= (size_t)s->jobs ||
		    sched_group_busy(s, it)) {
			s->waiting++;
			continue;
		}
		return it;
	}
	return NULL;
}

void
sched_start(struct sched *s, struct sched_item *it, pid_t pid)
{
	struct sched_job *j;

	it->gone = 1;
	if (pid == 0)
		return;
	j = &s->job[s->njobs++];
	j->pid = pid;
	snprintf(j->id, sizeof j->id, "%s", it->id);
	j->group = it->group;
	j->grouped = it->grouped;
}

void
sched_drop(struct sched *s, struct sched_item *it)
{
	(void)s;
	it->gone = 1;
}

void
sched_defer(struct sched *s, struct sched_item *it, time_t due)
{
	it->due = due;
	sched_note_next(s, due);
}

size_t
sched_end(struct sched *s, time_t *next)
{
	size_t i, o;

	for (i = 0, o = 0; i < s->nitems; i++)
		if (!s->items[i].gone)
			s->items[o++] = s->items[i];
		else
			free(s->items[i].id);
	s->nitems = o;
	*next = s->next;
	return s->waiting;
}

int
sched_ended(struct sched *s, pid_t pid, char *id)
{
	size_t i;

	for (i = 0; i < s->njobs && s->job[i].pid != pid; i++)
		;
	if (i == s->njobs)
		return -1;
	memcpy(id, s->job[i].id, sizeof s->job[i].id);
	s->job[i] = s->job[--s->njobs];
	return 0;
}

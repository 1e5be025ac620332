/*
 * The run's scheduler, without processes or files: which pending event
 * starts next. Events start oldest created_at first (then arrival, then
 * id), each once it is due, at most jobs at a time, and two of one
 * order_by group never at once. run.c lists the events into it, starts
 * what it picks (in a child process, or in its own), and tells it when
 * one ended; it never reads the spool itself.
 */
#ifndef HUSKYHOOK_RUN_SCHED_H
#define HUSKYHOOK_RUN_SCHED_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bounds.h"

/* A pending event the scheduler knows of, not running: small (its id
 * apart), as a backlog holds hundreds of thousands. */
struct sched_item {
	char		*id;
	time_t		 created;
	struct timespec	 received;
	time_t		 due;		/* next_attempt, or later */
	uint64_t	 group;		/* hash of its order_by value */
	unsigned char	 group_known;	/* group and grouped are read */
	unsigned char	 grouped;	/* 0: it has none, orders with nothing */
	unsigned char	 gone;		/* started or dropped in this pass */
};

/* An event that is running. */
struct sched_job {
	pid_t		 pid;
	char		 id[EVENT_ID_MAX_CHARS + 1];
	uint64_t	 group;
	int		 grouped;
};

struct sched {
	long		 jobs;		/* at most this many at once */
	int		 watch;		/* due means due now, not within
					 * SPOOL_DUE_SLACK_SEC */
	int		 hold;		/* start nothing (the run is told to
					 * stop, or has no hooks directory) */
	/* Reads an item's group, when it is first looked at as one that may
	 * start (its body is read then, not when it is listed); NULL: no
	 * groups. */
	void		(*group_of)(struct sched_item *, void *);
	void		*arg;
	struct sched_item *items;
	size_t		 nitems, cap;
	struct sched_job job[HOOK_JOBS_LIMIT];
	size_t		 njobs;
	/* A pass: sched_begin, sched_next until NULL, sched_end. */
	size_t		 cursor, waiting;
	time_t		 now, next;
};

/* The order events run in: created_at, then arrival, then id. */
int sched_order(time_t xc, const struct timespec *xr, const char *xid,
    time_t yc, const struct timespec *yr, const char *yid);
/* 1 if an event due at due is due at now. */
int sched_is_due(const struct sched *s, time_t due, time_t now);

/* Learns of a pending event, or of its new due time: due no earlier than
 * not_before. Ignored while it runs (its own outcome is told by
 * sched_ended). With fresh, the caller knows it is not among the items
 * (a rescan after sched_clear), so none is looked through. 0, or -1 out
 * of memory. */
int sched_put(struct sched *s, const char *id, time_t created,
    const struct timespec *received, time_t due, time_t not_before,
    int fresh);
/* Forgets every item (not the running ones). */
void sched_clear(struct sched *s);
void sched_free(struct sched *s);
int sched_is_running(const struct sched *s, const char *id);

/* A pass over the items at now. sched_next returns the next one that
 * may start (due, a slot free, its group idle), or NULL at the end; the
 * caller then calls one of sched_start (pid 0: it ran to its end in the
 * caller's own process), sched_drop (it is no longer pending) or
 * sched_defer (its meta says it is due later). sched_end forgets what
 * started or was dropped, and returns how many due events were left
 * waiting (for a slot, or their group), with in *next the earliest due
 * time of one not yet due (0: none). */
void sched_begin(struct sched *s, time_t now);
struct sched_item *sched_next(struct sched *s);
void sched_start(struct sched *s, struct sched_item *it, pid_t pid);
void sched_drop(struct sched *s, struct sched_item *it);
void sched_defer(struct sched *s, struct sched_item *it, time_t due);
size_t sched_end(struct sched *s, time_t *next);

/* A running event ended: its id into id (EVENT_ID_MAX_CHARS + 1 bytes);
 * 0, or -1 if pid is none of ours. */
int sched_ended(struct sched *s, pid_t pid, char *id);

#endif

/* The spool: the only module that knows its layout. See spool.c. */
#ifndef HUSKYHOOK_SPOOL_H
#define HUSKYHOOK_SPOOL_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "bounds.h"

struct event;
struct spool;

/* The finished states come last. */
enum spool_state {
	SPOOL_PENDING,		/* pending/<id>: not yet tried */
	SPOOL_RETRYING,		/* retrying/<id>: tried, to be tried again */
	SPOOL_DONE,		/* done/<id> */
	SPOOL_FAILED,		/* failed/<id> */
	SPOOL_NSTATES
};

enum spool_result {
	SPOOL_STORED,
	SPOOL_DUPLICATE,
	SPOOL_ERROR		/* errno says why; nothing was left behind */
};

/* What the spool records about an event beside its body. */
struct spool_meta {
	char		 id[EVENT_ID_MAX_CHARS + 1];
	char		 type[EVENT_TYPE_MAX_CHARS + 1];
	char		 created_at[CREATED_AT_MAX_BYTES + 1];
	time_t		 created;
	char		 org_id[ORG_ID_MAX_BYTES + 1];
	struct timespec	 received;
	char		 remote_addr[REMOTE_ADDR_MAX_BYTES + 1];
	long		 attempts;
	time_t		 next_attempt;	/* 0: due now */
	time_t		 finished;	/* when it went to done or failed */
	char		 hooks_done[SPOOL_HOOKS_DONE_BYTES];	/* "a b c" */
	char		 last_error[SPOOL_ERROR_BYTES];
	/* Not in the file: set once this process saved the meta, which is
	 * then no longer what the receiver wrote. */
	int		 revised;
};

/* Opens the spool at path. With SPOOL_OPEN_MAKE its subdirectories are
 * made where they are missing (the receiver, run, requeue, purge, init);
 * without, nothing is created, so that a command that only reads (status,
 * list, show, check) leaves no trace, whoever runs it. With
 * SPOOL_OPEN_GROUP, spool_commit shares the fsyncs of events/ with the
 * other threads of this process that store into the same spool (group
 * commit); what is durable before the answer stays the same. err gets a
 * reason on failure. */
#define SPOOL_OPEN_MAKE		0x1
#define SPOOL_OPEN_GROUP	0x2
struct spool *spool_open(const char *path, int flags, char *err,
    size_t errlen);
void spool_close(struct spool *sp);

/* Stores body under ev's id: atomic, exclusive, durable before it
 * returns SPOOL_STORED. *differs is set on a duplicate whose stored body
 * is not byte-for-byte this one. SPOOL_ERROR with errno ESTALE: the
 * spool's path or one of its directories no longer names what
 * spool_open opened (moved aside, or made anew; looked at no more than
 * once a second): nothing was written, and the caller opens the spool
 * again, so that no event is written where nobody looks. */
enum spool_result spool_commit(struct spool *sp, const struct event *ev,
    const char *remote_addr, const void *body, size_t len, int *differs);

/* --- For the processor and the command-line tool. --- */

const char *spool_state_name(enum spool_state st);

/*
 * The spool's two locks. The run lock (run.lock) is held by a run for
 * as long as it runs hooks: one run at a time, on this host or another
 * sharing the spool. The state lock (state.lock) is held by requeue and
 * purge, and by a run's upkeep, while they change finished events. Both
 * must be this user's file with one link: else refused, errno EMLINK or
 * EPERM (io_strerror says why). spool_lock waits up to wait_sec seconds:
 * 1 taken, 0 still held by another, -1 error. Both are let go of by
 * spool_close too.
 */
enum spool_lock { SPOOL_LOCK_RUN, SPOOL_LOCK_STATE };
int spool_lock(struct spool *sp, enum spool_lock which, long wait_sec);
void spool_unlock(struct spool *sp, enum spool_lock which);

/* What the spool knows of runs: who holds the run lock, as the holder
 * wrote it into run.lock, and when the last run synced what it recorded
 * (at its end, and every minute while --watch runs). */
#define SPOOL_LOCK_HOST_BYTES	256
struct spool_runs {
	int	 held;				/* a run holds the lock */
	char	 host[SPOOL_LOCK_HOST_BYTES];	/* "" if not recorded */
	long	 pid;				/* 0 if not recorded */
	time_t	 since;				/* 0 if not recorded */
	time_t	 last;				/* 0: never */
};
int spool_runs(struct spool *sp, struct spool_runs *r);

/*
 * The kick's mark (kick = yes): a receiver that stored an event leaves
 * it, a run takes it away before it lists pending/, and lists again if
 * it is back. SPOOL_KICK_LEAVE (the receiver): leaves the mark; 1 if
 * the caller is to start a run (no run holds the lock, and none it or
 * another receiver started within KICK_MIN_INTERVAL_SEC may still be on
 * its way to it; the start is then noted), 0 if one will see the mark.
 * SPOOL_KICK_LOOK: 1 if the mark is there. SPOOL_KICK_TAKE: 1 if it was
 * there, and it is gone. -1 on an error.
 */
enum spool_kick { SPOOL_KICK_LEAVE, SPOOL_KICK_LOOK, SPOOL_KICK_TAKE };
int spool_kick(struct spool *sp, enum spool_kick op);

/* An inotify descriptor (non-blocking) that becomes readable when a meta
 * arrives in pending/; -1 with errno if there can be none. */
int spool_notify_open(struct spool *sp);

/* Calls fn with the meta of every event in state st, one at a time (the
 * names are kept, not the metas: a backlog of hundreds of thousands costs
 * little memory); stops at fn's first non-zero return, which it returns.
 * A meta that does not read is left out and logged; under the run lock a
 * pending or retrying one is rebuilt from its body (or recorded as
 * failed). With fn NULL, counts the events in st by their names (no meta
 * read) and returns how many; arg, if not NULL, is a time_t that gets the
 * earliest time of receipt among them (their bodies' mtimes; 0 if none). */
int spool_each(struct spool *sp, enum spool_state st,
    int (*fn)(const struct spool_meta *, void *), void *arg);
/* The meta of id in state st, read (and repaired) as spool_each reads
 * each; with SPOOL_UNFINISHED, retrying or pending, and neither done nor
 * failed (a meta written late beside a finished one is no event to run);
 * with SPOOL_ANY, in
 * whichever state it is, done and failed before retrying before
 * pending. Returns the state, or -1: errno ENOENT if there is none,
 * EINVAL if there is a meta that does not pass the checks. */
#define SPOOL_ANY		(-1)
#define SPOOL_UNFINISHED	(-2)
int spool_find(struct spool *sp, const char *id, int st,
    struct spool_meta *m);

/*
 * One event taken in hand: its meta, its body, its hook log.
 * SPOOL_TAKE_RUN (a run, under the run lock): the event must be pending
 * or retrying;
 * its body is read (body, len; body_errno says why not), the log opened
 * for appending at spool_log's first call. SPOOL_TAKE_READ (show): any
 * state; the paths are filled in, spool_log opens the log for reading.
 * Either way body_fd reads the body (-1 if it cannot be opened).
 * spool_take returns the event's state, or -1 as spool_find does.
 */
enum spool_take { SPOOL_TAKE_RUN, SPOOL_TAKE_READ };
struct spool_event {
	struct spool_meta	 meta;
	enum spool_state	 state;
	char			*body;
	size_t			 len;
	int			 body_errno;
	int			 body_fd;
	char			 body_path[PATH_MAX];
	char			 log_path[PATH_MAX];
	/* The spool's own. */
	struct spool		*sp;
	enum spool_take		 how;
	int			 fresh;		/* no attempt, no hook done */
	int			 log_fd;
	int			 log_refused;
};
int spool_take(struct spool *sp, const char *id, enum spool_take how,
    struct spool_event *e);
/* The event's hook log: appended to (created at the first call, and
 * refused as run.lock is if it has another link or owner; that is
 * logged once, and -1 returned from then on), or read. */
int spool_log(struct spool_event *e);
/* Saves a taken event's meta (its hooks_done) where it is while its
 * hooks run: the log's data, then the meta's, its name and its directory
 * are durable when it returns. */
int spool_save(struct spool_event *e);
/*
 * Lets go of a taken event, recording its outcome: SPOOL_DONE,
 * SPOOL_FAILED or SPOOL_RETRYING (its meta saved: attempts, the next due
 * time; one rename; for a first try whose meta is still the receiver's,
 * an fsync of that file and the bare rename), or SPOOL_UNTOUCHED
 * (nothing recorded; always so for SPOOL_TAKE_READ). The log's data and
 * the meta's are fsync'd before the rename; the directories are not:
 * spool_sync, once for a batch, makes them durable. 0, or -1 with errno
 * if the outcome could not be recorded; the event is let go of either way.
 */
#define SPOOL_UNTOUCHED	(-1)
int spool_finish(struct spool_event *e, int to);

/* Puts id back to pending, due now, its attempts and error cleared (its
 * hook log says so in a line of its own); a done event's hooks all run
 * again. Returns the state it was in, or -1
 * (errno as spool_find's, or the move's; EBUSY: it is pending or
 * retrying and a run holds the run lock, so may be running its hooks). Durable when it
 * returns. Call it under the state lock (which also lets spool_find
 * rebuild a finished meta that does not read). */
int spool_requeue(struct spool *sp, const char *id);
/* Removes an event entirely: body first (so it cannot come back as an
 * orphan), then its log, then its meta, each removal durable before the
 * next. */
int spool_remove(struct spool *sp, const char *id, enum spool_state st);
/* fsync of the state directories, logs/ and events/: makes a batch of
 * outcomes durable; then notes the time as the last run's (under the run
 * lock). */
int spool_sync(struct spool *sp);

/*
 * A run's upkeep, under the state lock (taken without waiting: if
 * requeue or purge holds it, 0 is returned and nothing done). With
 * SPOOL_UPKEEP_RECOVER, under the run lock: a spool of an older layout,
 * whose retrying events were in pending/, has them moved to retrying/
 * (once: the stamp layout-2 says it was done); bodies and metas brought
 * into agreement by name: every stored event without meta (a writer killed
 * between its link and its rename) gets pending meta rebuilt from its
 * body, received at the body's mtime, unless it is younger than
 * SPOOL_ORPHAN_MIN_AGE_SEC (its writer may still be at work); a pending
 * meta beside a retrying, done or failed one, and a retrying one beside a
 * done or failed one, is removed (the later state wins); a meta without
 * a body (if there is still none) is removed (done, failed) or recorded
 * as failed (pending, retrying), the events/ name never
 * touched; an empty done or failed meta (a power cut before it was
 * synced) is rebuilt from its body in its state, its last_error saying
 * what was lost. With SPOOL_UPKEEP_CLEAN: done events received more
 * than keep_sec ago are removed as spool_remove does (looked for at
 * most once in SPOOL_PURGE_INTERVAL_SEC, after what was recorded before
 * is durable), and tmp/ files older than SPOOL_TMP_STALE_SEC. What was
 * done is counted in *u. 1, 0 (the lock is held), or -1.
 */
#define SPOOL_UPKEEP_RECOVER	0x1
#define SPOOL_UPKEEP_CLEAN	0x2
struct spool_upkeep {
	int	 moved;		/* retrying metas moved out of pending/ */
	int	 restored;	/* metas put right */
	int	 purged;	/* done events removed */
	int	 cleaned;	/* stale tmp/ files removed */
};
int spool_upkeep(struct spool *sp, int what, time_t now, long keep_sec,
    struct spool_upkeep *u);

/* --- For huskyhook check, which looks at a spool's directories by
 * path, to say what is wrong with each. */

/* The path of the spool's ith directory under path: 1, or 0 past the
 * last one, -1 if it does not fit buf. */
int spool_dir_path(const char *path, size_t i, char *buf, size_t n);

#endif

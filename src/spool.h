/* The spool: the only module that knows its layout. See spool.c. */
#ifndef HUSKYHOOK_SPOOL_H
#define HUSKYHOOK_SPOOL_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "bounds.h"

struct event;
struct spool;

enum spool_state {
	SPOOL_PENDING,		/* pending/<id>: not yet done (or retrying) */
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
 * list, show, check) leaves no trace, whoever runs it. err gets a reason
 * on failure. */
#define SPOOL_OPEN_MAKE	0x1
struct spool *spool_open(const char *path, int flags, char *err,
    size_t errlen);
/* With on, spool_commit shares the fsyncs of events/ with the other
 * threads of this process that store into the same spool (group
 * commit); what is durable before the answer stays the same. */
void spool_group_commits(struct spool *sp, int on);
void spool_close(struct spool *sp);
/* 1 if the spool's path and each of its directories still name the
 * directories spool_open opened: a long-running receiver reopens the
 * spool when one was moved aside or made anew, so that no event is
 * written where nobody looks. */
int spool_is_current(struct spool *sp);

/* Stores body under ev's id: atomic, exclusive, durable before it
 * returns SPOOL_STORED. *differs is set on a duplicate whose stored body
 * is not byte-for-byte this one. */
enum spool_result spool_commit(struct spool *sp, const struct event *ev,
    const char *remote_addr, const void *body, size_t len, int *differs);

/* --- For the processor and the command-line tool. --- */

const char *spool_state_name(enum spool_state st);
/* Takes the spool's run lock without waiting: 1 taken, 0 held by
 * another process, -1 error. Released by spool_close. run.lock, like
 * state.lock and a hook's log, must be this user's file with one link:
 * else refused, errno EMLINK or EPERM (spool_strerror says why). */
int spool_lock(struct spool *sp);
/* 1 if some process holds the run lock, 0 if none, -1 error. Only a
 * look, in /proc/locks; without it, the lock is taken for an instant
 * (a run starting in that instant would find it held). */
int spool_is_locked(struct spool *sp);
/* Lets go of the run lock (spool_close does too). */
int spool_unlock(struct spool *sp);
/* An inotify descriptor (non-blocking) that becomes readable when a meta
 * arrives in pending/; -1 with errno if there can be none. */
int spool_notify_open(struct spool *sp);
/* The state lock (state.lock), held by requeue and purge, and by a run
 * while it recovers and purges: 1 taken, 0 still held by another after
 * wait_sec seconds, -1 error. Let go of by spool_state_unlock (and
 * spool_close). */
int spool_state_lock(struct spool *sp, long wait_sec);
void spool_state_unlock(struct spool *sp);

/* Who holds the run lock, as the holder wrote it into run.lock (on this
 * host or another sharing the spool). */
#define SPOOL_LOCK_HOST_BYTES	256
struct spool_lock_holder {
	char	 host[SPOOL_LOCK_HOST_BYTES];	/* "" if not recorded */
	long	 pid;				/* 0 if not recorded */
	time_t	 since;				/* 0 if not recorded */
};
/* 1 held (*h says by whom, as far as recorded), 0 not held, -1 error. */
int spool_lock_holder(struct spool *sp, struct spool_lock_holder *h);

/* Under the run lock, brings bodies and metas into agreement by name:
 * every stored event without meta (a writer killed between its link and
 * its rename) gets pending meta rebuilt from its body, received at the
 * body's mtime, unless it is younger than SPOOL_ORPHAN_MIN_AGE_SEC (its
 * writer may still be at work); a pending meta beside a done or failed
 * one is removed (the finished state wins); a meta without a body (if
 * there is still none) is removed (done, failed) or recorded as failed
 * (pending), the events/ name never touched; an empty done or failed
 * meta (a power cut before it was synced) is rebuilt from its body in
 * its state, its last_error saying what was lost. Returns how many
 * files were put right, or -1. */
int spool_recover(struct spool *sp, time_t now);

/* Calls fn with the meta of every event in state st, one at a time (the
 * names are kept, not the metas: a backlog of hundreds of thousands costs
 * little memory); stops at fn's first non-zero return, which it returns.
 * A meta that does not read is left out and logged; under the run lock a
 * pending one is rebuilt from its body (or recorded as failed). */
int spool_each(struct spool *sp, enum spool_state st,
    int (*fn)(const struct spool_meta *, void *), void *arg);
/* The meta of id in state st, read (and repaired) as spool_each reads
 * each: 0, or -1 (errno ENOENT: not in that state). */
int spool_load(struct spool *sp, enum spool_state st, const char *id,
    struct spool_meta *m);
/* How many events are in state st: a directory scan, no file read. */
long spool_count(struct spool *sp, enum spool_state st);
/* Finds id in any state, done and failed before pending. Returns the
 * state, or -1: errno ENOENT if there is none, EINVAL if there is a meta
 * that does not pass the checks. */
int spool_find(struct spool *sp, const char *id, struct spool_meta *m);

/* Records a pending event's outcome: to SPOOL_DONE or SPOOL_FAILED (one
 * rename; for a first try whose meta is still the receiver's, an fsync
 * of that file and the bare rename), or stays SPOOL_PENDING with m saved
 * (attempts, the next due time). The meta's data is fsync'd before its
 * rename; the directories are not: spool_sync, once for a batch of
 * records, makes them durable. */
int spool_record(struct spool *sp, struct spool_meta *m, enum spool_state to);
/* Puts id back to pending, due now, its attempts and error cleared; a
 * done event's hooks all run again. Returns the state it was in, or -1
 * (errno as spool_find's, or the move's; EBUSY: it is pending and a run
 * holds the run lock, so may be running its hooks). Durable when it
 * returns. Call it under the state lock (which also lets spool_find
 * rebuild a finished meta that does not read). */
int spool_requeue(struct spool *sp, const char *id);
/* Saves a pending event's progress (hooks_done) while its hooks run:
 * durable (data, rename, directory) when it returns. */
int spool_progress_save(struct spool *sp, struct spool_meta *m);
/* Removes an event entirely: body first (so it cannot come back as an
 * orphan), then its log, then its meta, each removal durable before the
 * next. */
int spool_remove(struct spool *sp, const char *id, enum spool_state st);
/* fsync of the state directories, logs/ and events/: makes a batch of
 * spool_record's renames durable. */
int spool_sync(struct spool *sp);
/* strerror, but for EMLINK and EPERM from the files above that must be
 * this user's own, what the refusal means. */
const char *spool_strerror(int err);

/* The path of the stored body, for HUSKY_EVENT_FILE. */
int spool_body_path(struct spool *sp, const char *id, char *buf, size_t n);
/* Opens events/<id>.json for reading. */
int spool_body_open(struct spool *sp, const char *id);
/* The same as spool_body_read from an fd spool_body_open gave, which it
 * reads with pread: its offset stays where it was. */
int spool_body_read_fd(int fd, char **body, size_t *len);
/* Opens logs/<id>.log for appending, creating it (refused as run.lock
 * is, if it has another link or owner). */
int spool_log_open(struct spool *sp, const char *id);
/* Opens logs/<id>.log for reading: a regular file, no link followed. */
int spool_log_open_read(struct spool *sp, const char *id);
int spool_log_path(struct spool *sp, const char *id, char *buf, size_t n);

/* Removes done events received before cutoff (the body's mtime is the
 * time of receipt), the records made before durable first, as
 * spool_remove does (its syncs once for all); returns how many. */
int spool_purge_done(struct spool *sp, time_t cutoff);
/* Removes tmp/ files older than max_age seconds; returns how many. */
int spool_clean_tmp(struct spool *sp, time_t now, long max_age);
/* Times kept in small files at the spool's top: the end of the last
 * run, and the last purge of done events (done at most hourly, so an
 * idle run costs directory scans, not a stat per done event). 0 when
 * there is none. */
#define SPOOL_STAMP_LAST_RUN	"last-run"
#define SPOOL_STAMP_LAST_PURGE	"last-purge"
/* When the receiver last started a run (kick = yes), and the mark it
 * leaves after storing an event: a cron-style run removes the mark
 * before it lists pending/, and lists again if it is back, also after it
 * let go of the lock. */
#define SPOOL_STAMP_LAST_KICK	"last-kick"
#define SPOOL_STAMP_KICK_WANTED	"kick-wanted"
int spool_stamp_set(struct spool *sp, const char *name, time_t t);
time_t spool_stamp_get(struct spool *sp, const char *name);
long spool_stamp_age(struct spool *sp, const char *name, time_t now);
int spool_stamp_clear(struct spool *sp, const char *name);


/* --- For huskyhook check, which looks at a spool without opening it
 * (spool_open would make missing directories, as whoever runs check). */

/* The path of the spool's ith directory under path: 1, or 0 past the
 * last one, -1 if it does not fit buf. */
int spool_dir_path(const char *path, size_t i, char *buf, size_t n);

#endif

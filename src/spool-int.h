/*
 * Inside the spool: what its files share and nobody else sees. spool.h
 * is the contract; spool.c opens, names and puts files in place,
 * spool-commit.c stores and dedupes (the receiver's side),
 * spool-event.c hands one event to a run and records its outcome,
 * spool-lock.c holds the run and state locks and keeps the kick's mark,
 * spool-scan.c reads the directories back (loading, recovery, listing),
 * spool-state.c removes events and does a run's upkeep.
 */
#ifndef HUSKYHOOK_SPOOL_INT_H
#define HUSKYHOOK_SPOOL_INT_H

#include <sys/types.h>
#include <dirent.h>
#include <time.h>

#include "bounds.h"
#include "spool.h"

extern const char *const spool_state_dirs[SPOOL_NSTATES];
#define SPOOL_NDIRS	3

extern const char *const spool_dirs[SPOOL_NDIRS];

struct spool_id {
	dev_t	 dev;
	ino_t	 ino;
};

struct spool {
	char	*path;
	int	 rootfd;
	int	 lockfd;
	int	 statelockfd;	/* state.lock while held */
	int	 tmpfd;
	int	 eventsfd;
	int	 logsfd;
	int	 statefd[SPOOL_NSTATES];
	int	 locked;	/* holds the run lock */
	int	 grouped;	/* shares events/'s fsyncs (SPOOL_OPEN_GROUP) */
	struct timespec checked;	/* when spool_is_current last looked */
	/* What was opened: the root, then spool_dirs, then the states. */
	struct spool_id	 id[1 + SPOOL_NDIRS + SPOOL_NSTATES];
	char	 host[SPOOL_HOST_BYTES];
	unsigned long counter;
};

/*
 * How far a file put in place is made durable before the call returns:
 * not at all (the receiver's meta, whose loss recovery mends, and the
 * stamps); its data only, fsync'd under tmp/ before its name is put in
 * place, the directory being synced for a whole batch by spool_sync (a
 * run's records: one fsync per event, and one per directory per batch);
 * or the data, then the name, then the directory (what a later step
 * depends on at once: a hook's success before the next hook, a requeue
 * before it says so).
 */
enum spool_sync { SPOOL_SYNC_NONE, SPOOL_SYNC_DATA, SPOOL_SYNC_ALL };

enum spool_put_mode { SPOOL_PUT_REPLACE, SPOOL_PUT_CREATE };

/* The valid event ids named in a directory (a suffix such as ".json"
 * stripped), packed in one buffer (a name is a few bytes; a malloc of
 * its own for each cost more than the name): v[i] is the ith. */
struct spool_names {
	char	*buf;
	size_t	 len, bufcap;
	size_t	*off;		/* while scanning: buf moves as it grows */
	char	**v;
	size_t	 n, cap;
};

/* Times kept in small files at the spool's top: the end of the last
 * run (spool_sync under the run lock), the last purge of done events
 * (done at most hourly, so an idle run costs directory scans, not a stat
 * per done event), when a receiver last started a run, and the kick's
 * mark (see spool-lock.c). 0 when there is none. */
#define SPOOL_STAMP_LAST_RUN	"last-run"
#define SPOOL_STAMP_LAST_PURGE	"last-purge"
#define SPOOL_STAMP_LAST_KICK	"last-kick"
#define SPOOL_STAMP_KICK_WANTED	"kick-wanted"
/* When pending/ was cleared of retrying events (spool_migrate). */
#define SPOOL_STAMP_LAYOUT	"layout-2"
int spool_stamp_set(struct spool *sp, const char *name, time_t t);
time_t spool_stamp_get(struct spool *sp, const char *name);
long spool_stamp_age(struct spool *sp, const char *name, time_t now);

/* Used by more than one of the spool's files; each is described where
 * it is defined. */
int spool_is_current(struct spool *sp);
int spool_recover(struct spool *sp, time_t now);
int spool_body_open(struct spool *sp, const char *id);
int spool_body_read_fd(int fd, char **body, size_t *len);
int spool_log_open(struct spool *sp, const char *id);
int spool_log_open_read(struct spool *sp, const char *id);
int spool_body_path(struct spool *sp, const char *id, char *buf, size_t n);
int spool_log_path(struct spool *sp, const char *id, char *buf, size_t n);
ssize_t spool_read_small(int dirfd, const char *name, char *buf, size_t n);
int spool_body_read(struct spool *sp, const char *id, char **body, size_t *len);
void spool_lock_clear(struct spool *sp);
void spool_meta_from_event(struct spool_meta *m, const struct event *ev,
    const char *remote_addr);
int spool_meta_put(struct spool *sp, enum spool_state st,
    const struct spool_meta *m, enum spool_sync sync, enum spool_put_mode mode);
int spool_meta_save(struct spool *sp, enum spool_state st,
    const struct spool_meta *m, enum spool_sync sync);
int spool_move(struct spool *sp, const struct spool_meta *m,
    enum spool_state from, enum spool_state to, enum spool_sync sync);
void spool_names_free(struct spool_names *nm);
int spool_open_file(int dirfd, const char *name, int flags, mode_t mode);
int spool_open_file_st(int dirfd, const char *name, int flags, mode_t mode,
    struct stat *st);
int spool_open_own(struct spool *sp, int dirfd, const char *dir,
    const char *name, int flags);
DIR *spool_opendir(int dirfd);
int spool_put(struct spool *sp, int dirfd, const char *name, const void *buf,
    size_t len, enum spool_sync sync, enum spool_put_mode mode);
int spool_scan(int dirfd, const char *suffix, int sorted, struct spool_names *nm);
int spool_write_tmp(struct spool *sp, char *name, size_t namelen, const void *buf,
    size_t len, int durable);

#endif

/*
 * The spool, described as which files exist (qmail's way). This file
 * opens it, names files and puts them in place; spool-int.h says where
 * the rest is.
 *
 *   tmp/<unique>         being written; never read as an event. Leftovers
 *                        of a killed writer, removed after 36 hours.
 *   events/<id>.json     the body, byte for byte as signed. Created by
 *                        link(2) of a complete, fsync'd file: that one
 *                        call is the acceptance and the dedupe record,
 *                        kept keep_days whatever the state.
 *   pending/<id>         meta (key=value lines): not yet tried.
 *   retrying/<id>        meta of an event tried and to be tried again:
 *                        attempts, the next due time, the hooks done.
 *   done/<id>            meta of an event whose hooks all succeeded.
 *   failed/<id>          meta of an event that gave up.
 *   logs/<id>.log        what the hooks printed.
 *
 * Every transition is one rename(2) or link(2). An events/<id>.json with
 * no meta anywhere (a writer killed between its link and its rename) is
 * pending; the processor restores its meta from the body, with the file's
 * mtime as the time of receipt.
 *
 * What is durable when: the body and its name before the receiver
 * answers. The receiver's pending meta is not synced (that would cost
 * its hot path an fsync per event): after a power cut it may be empty,
 * and is rebuilt from the body, losing only remote_addr and the exact
 * time of receipt. Every meta the processor, requeue and purge write is
 * fsync'd before its name is put in place, and the directory synced
 * before anything that depends on it (see spool_sync and run.c); a
 * removal takes the body first, synced before the meta goes. A done or
 * failed meta found empty or damaged is rebuilt from the body in its
 * state, saying what was lost.
 *
 * Unique tmp names carry time, pid, a counter, 64 random bits and the
 * host name (two hosts may well share a name: the random bits do not
 * trust it), and an EEXIST from link(2) is checked against the inode
 * (Postfix's sane_link), so several hosts may share one spool over NFS
 * or GlusterFS.
 *
 * run.lock is flock(2)ed by whoever runs hooks or changes states; the
 * holder writes host, pid and the time it took the lock into it, and
 * empties it before letting go.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include "event.h"
#include "io.h"
#include "log.h"
#include "meta.h"
#include "text.h"

#include "spool-int.h"

const char *const spool_state_dirs[SPOOL_NSTATES] = {
	"pending", "retrying", "done", "failed"
};
const char *const spool_dirs[SPOOL_NDIRS] = {
	"tmp", "events", "logs"
};

static int
spool_subdir(struct spool *sp, const char *name, int make, int *fdp,
    char *err, size_t errlen)
{
	int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;

	/* Made only when missing: a CGI receiver opens the spool per
	 * request. */
	if ((*fdp = openat(sp->rootfd, name, flags)) == -1 && errno == ENOENT &&
	    make) {
		/* Made durable in the spool before anything is stored in
		 * it: a body answered 200 must not go with its directory. */
		if ((mkdirat(sp->rootfd, name, 0777) == -1 && errno != EEXIST) ||
		    fsync(sp->rootfd) == -1) {
			snprintf(err, errlen, "cannot create %s/%s: %s",
			    sp->path, name, strerror(errno));
			return -1;
		}
		*fdp = openat(sp->rootfd, name, flags);
	}
	/* retrying/ came with a later layout: until a run or a delivery
	 * makes it, a look at the spool finds it empty. */
	if (*fdp == -1 && errno == ENOENT && !make &&
	    strcmp(name, spool_state_dirs[SPOOL_RETRYING]) == 0)
		return 0;
	if (*fdp == -1) {
		snprintf(err, errlen, "cannot open %s/%s: %s%s", sp->path, name,
		    strerror(errno), errno == ENOENT ? " (the first delivery "
		    "or run makes it)" : "");
		return -1;
	}
	return 0;
}

static int
spool_id_of(int fd, struct spool_id *id)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

/* 1 if the entry name below dirfd (or path, when name is NULL) is the
 * directory that was opened. */
static int
spool_id_is(int dirfd, const char *name, const struct spool_id *id)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	return st.st_dev == id->dev && st.st_ino == id->ino;
}

/* 1 if the spool's path and each of its directories still name the
 * directories spool_open opened. */
int
spool_is_current(struct spool *sp)
{
	int i;

	if (!spool_id_is(AT_FDCWD, sp->path, &sp->id[0]))
		return 0;
	for (i = 0; i < SPOOL_NDIRS; i++)
		if (!spool_id_is(sp->rootfd, spool_dirs[i], &sp->id[1 + i]))
			return 0;
	for (i = 0; i < SPOOL_NSTATES; i++)
		if (!spool_id_is(sp->rootfd, spool_state_dirs[i],
		    &sp->id[1 + SPOOL_NDIRS + i]))
			return 0;
	return 1;
}

struct spool *
spool_open(const char *path, int flags, char *err, size_t errlen)
{
	struct spool *sp;
	char *c;
	int i, make = (flags & SPOOL_OPEN_MAKE) != 0;

	if ((sp = calloc(1, sizeof *sp)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sp->rootfd = sp->lockfd = sp->statelockfd = sp->tmpfd = -1;
	sp->eventsfd = sp->logsfd = -1;
	for (i = 0; i < SPOOL_NSTATES; i++)
		sp->statefd[i] = -1;
	if ((sp->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	sp->rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->rootfd == -1) {
		snprintf(err, errlen, "cannot open spool %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (spool_subdir(sp, spool_dirs[0], make, &sp->tmpfd, err, errlen) ==
	    -1 || spool_subdir(sp, spool_dirs[1], make, &sp->eventsfd, err,
	    errlen) == -1 || spool_subdir(sp, spool_dirs[2], make, &sp->logsfd,
	    err, errlen) == -1)
		goto fail;
	for (i = 0; i < SPOOL_NSTATES; i++)
		if (spool_subdir(sp, spool_state_dirs[i], make, &sp->statefd[i],
		    err, errlen) == -1)
			goto fail;
	if (spool_id_of(sp->rootfd, &sp->id[0]) == -1 ||
	    spool_id_of(sp->tmpfd, &sp->id[1]) == -1 ||
	    spool_id_of(sp->eventsfd, &sp->id[2]) == -1 ||
	    spool_id_of(sp->logsfd, &sp->id[3]) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	for (i = 0; i < SPOOL_NSTATES; i++)
		if (sp->statefd[i] != -1 && spool_id_of(sp->statefd[i],
		    &sp->id[1 + SPOOL_NDIRS + i]) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
	if (gethostname(sp->host, sizeof sp->host) == -1)
		snprintf(sp->host, sizeof sp->host, "localhost");
	sp->host[sizeof sp->host - 1] = '\0';
	for (c = sp->host; *c != '\0'; c++)
		if (*c == '/' || *c == ':' || *c == '.')
			*c = '_';
	sp->grouped = (flags & SPOOL_OPEN_GROUP) != 0;
	clock_gettime(CLOCK_MONOTONIC, &sp->checked);
	return sp;
fail:
	spool_close(sp);
	return NULL;
}

void
spool_close(struct spool *sp)
{
	int i;

	if (sp == NULL)
		return;
	if (sp->rootfd != -1)
		close(sp->rootfd);
	if (sp->lockfd != -1) {
		spool_lock_clear(sp);
		close(sp->lockfd);
	}
	spool_unlock(sp, SPOOL_LOCK_STATE);
	if (sp->tmpfd != -1)
		close(sp->tmpfd);
	if (sp->eventsfd != -1)
		close(sp->eventsfd);
	if (sp->logsfd != -1)
		close(sp->logsfd);
	for (i = 0; i < SPOOL_NSTATES; i++)
		if (sp->statefd[i] != -1)
			close(sp->statefd[i]);
	free(sp->path);
	free(sp);
}

/* 64 bits from getrandom(2); 0 if there are none to be had (the rest of
 * a tmp name is still unique on hosts whose names differ). */
static unsigned long long
spool_random64(void)
{
	unsigned long long r = 0;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = 0;
	return r;
}

/* time.usec.Ptid_Ncounter_Rrandom.host: unique across threads (each has a
 * spool of its own, and its thread id), processes and hosts, even hosts
 * that share a name (containers, clones of one VM). */
static void
spool_tmp_name(struct spool *sp, char *buf, size_t n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, n, "%lld.%06ld.P%ld_N%lu_R%016llx.%s",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)gettid(),
	    ++sp->counter, spool_random64(), sp->host);
}

/*
 * Opens a file below dirfd that must be a regular file: no symlink
 * followed, and no FIFO or device that would block or feed endless
 * bytes (a spool shared through a group may hold files of another
 * user's making). O_NONBLOCK changes nothing for a regular file.
 */
int
spool_open_file_st(int dirfd, const char *name, int flags, mode_t mode,
    struct stat *st)
{
	int fd, saved;

	fd = openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY, mode);
	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		saved = errno;
		if (saved == 0 || S_ISREG(st->st_mode) == 0)
			saved = EINVAL;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The same, when the caller needs no more of the file's status. */
int
spool_open_file(int dirfd, const char *name, int flags, mode_t mode)
{
	struct stat st;

	return spool_open_file_st(dirfd, name, flags, mode, &st);
}

/*
 * Opens, creating it if missing, a file this process writes in place
 * (run.lock, state.lock, logs/<id>.log: every other file the spool
 * writes is made under a fresh tmp/ name with O_EXCL and renamed). The
 * name must be this user's own file with no other link: in a spool
 * shared through a group, another member could have made it a hard link
 * to a file of ours elsewhere, which we would then empty or append to.
 * Refused with EMLINK (another link) or EPERM (another owner), logged
 * with the file's name; nothing is written to it.
 */
int
spool_open_own(struct spool *sp, int dirfd, const char *dir,
    const char *name, int flags)
{
	struct stat st;
	int fd;

	if ((fd = spool_open_file_st(dirfd, name, flags | O_CREAT, 0666, &st))
	    == -1)
		return -1;
	if (st.st_nlink == 1 && st.st_uid == geteuid())
		return fd;
	close(fd);
	log_msg(LOG_LEVEL_ERR, "%s%s%s/%s: %s; refused (remove it, and see who "
	    "made it)", sp->path, dir[0] ? "/" : "", dir, name,
	    st.st_nlink != 1 ? "it has another link (a hard link to some "
	    "other file?)" : "it belongs to another user");
	errno = st.st_nlink != 1 ? EMLINK : EPERM;
	return -1;
}

/* Writes a new file tmp/<name> holding buf; fsync'd if durable. On
 * failure nothing is left behind and errno says why. */
int
spool_write_tmp(struct spool *sp, char *name, size_t namelen, const void *buf,
    size_t len, int durable)
{
	int fd, saved;

	spool_tmp_name(sp, name, namelen);
	fd = openat(sp->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0666);
	if (fd == -1)
		return -1;
	if (io_write_all(fd, buf, len) == -1 || (durable && fsync(fd) == -1))
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlinkat(sp->tmpfd, name, 0);
	errno = saved;
	return -1;
}

/* ------------------------------------------------------------------ */
/* The processor's side.                                               */

const char *
spool_state_name(enum spool_state st)
{
	return st < SPOOL_NSTATES ? spool_state_dirs[st] : "?";
}

/*
 * Puts a small file in place whole: written under a tmp/ name (fsync'd
 * unless SPOOL_SYNC_NONE), then renamed over dirfd/name
 * (SPOOL_PUT_REPLACE) or linked there only if there is none yet
 * (SPOOL_PUT_CREATE, an existing one counting as success). The directory
 * is synced with SPOOL_SYNC_ALL.
 */
int
spool_put(struct spool *sp, int dirfd, const char *name, const void *buf,
    size_t len, enum spool_sync sync, enum spool_put_mode mode)
{
	char tmp[SPOOL_TMP_NAME_BYTES];
	int rc, saved;

	if (spool_write_tmp(sp, tmp, sizeof tmp, buf, len,
	    sync != SPOOL_SYNC_NONE) == -1)
		return -1;
	if (mode == SPOOL_PUT_REPLACE)
		rc = renameat(sp->tmpfd, tmp, dirfd, name);
	else if ((rc = linkat(sp->tmpfd, tmp, dirfd, name, 0)) == -1 &&
	    errno == EEXIST)
		rc = 0;
	saved = errno;
	if (rc == -1 || mode == SPOOL_PUT_CREATE)
		unlinkat(sp->tmpfd, tmp, 0);
	errno = saved;
	if (rc == 0 && sync == SPOOL_SYNC_ALL && fsync(dirfd) == -1)
		return -1;
	return rc;
}

/* The meta of m in state st, put with spool_put. */
int
spool_meta_put(struct spool *sp, enum spool_state st,
    const struct spool_meta *m, enum spool_sync sync, enum spool_put_mode mode)
{
	char buf[SPOOL_META_MAX_BYTES];
	int n;

	if ((n = meta_format(m, buf, sizeof buf)) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return spool_put(sp, sp->statefd[st], m->id, buf, (size_t)n, sync,
	    mode);
}

int
spool_meta_save(struct spool *sp, enum spool_state st,
    const struct spool_meta *m, enum spool_sync sync)
{
	return spool_meta_put(sp, st, m, sync, SPOOL_PUT_REPLACE);
}

/* m saved over its meta in from/ (its data fsync'd unless
 * SPOOL_SYNC_NONE), then renamed into to/: one rename, which a crash
 * leaves done or not. The directories are synced with SPOOL_SYNC_ALL,
 * after the rename. */
int
spool_move(struct spool *sp, const struct spool_meta *m,
    enum spool_state from, enum spool_state to, enum spool_sync sync)
{
	if (spool_meta_save(sp, from, m, sync == SPOOL_SYNC_ALL ?
	    SPOOL_SYNC_DATA : sync) == -1)
		return -1;
	if (renameat(sp->statefd[from], m->id, sp->statefd[to], m->id) == -1)
		return -1;
	if (sync == SPOOL_SYNC_ALL && (fsync(sp->statefd[to]) == -1 ||
	    fsync(sp->statefd[from]) == -1))
		return -1;
	return 0;
}

/* A line in the event's hook log: its attempts count from 1 again, and
 * the log says where. The requeue stands without it (logged). */
static void
spool_requeue_note(struct spool *sp, const char *id)
{
	char stamp[32], line[96];
	int fd;

	log_format_time(stamp, sizeof stamp, time(NULL), -1);
	snprintf(line, sizeof line, "=== %s requeued: attempts from 1 again\n",
	    stamp);
	if ((fd = spool_log_open(sp, id)) == -1 ||
	    io_write_all(fd, line, strlen(line)) == -1 || fdatasync(fd) == -1)
		log_msg(LOG_LEVEL_WARN, "event %s: logs/%s.log: %s (requeued "
		    "all the same)", id, id, io_strerror(errno));
	if (fd != -1)
		close(fd);
}

int
spool_requeue(struct spool *sp, const char *id)
{
	struct spool_meta m;
	int st, r, locked = 0;

	if ((st = spool_find(sp, id, SPOOL_ANY, &m)) == -1)
		return -1;
	m.attempts = 0;
	m.next_attempt = 0;
	m.finished = 0;
	m.last_error[0] = '\0';
	if (st == SPOOL_DONE)
		m.hooks_done[0] = '\0';	/* all hooks run again */
	if (st >= SPOOL_DONE) {
		if (spool_move(sp, &m, (enum spool_state)st, SPOOL_PENDING,
		    SPOOL_SYNC_ALL) == -1)
			return -1;
		spool_requeue_note(sp, id);
		return st;
	}
	/* A pending or retrying event may be in a run's hands, its outcome
	 * about to be saved over the meta written here (or this one moved to
	 * failed/ in its place): it is requeued only while no run holds the
	 * lock. */
	if (!sp->locked) {
		if ((r = spool_lock(sp, SPOOL_LOCK_RUN, 0)) != 1) {
			if (r == 0)
				errno = EBUSY;
			return -1;
		}
		locked = 1;
	}
	r = (st == SPOOL_PENDING ? spool_meta_save(sp, SPOOL_PENDING, &m,
	    SPOOL_SYNC_ALL) : spool_move(sp, &m, SPOOL_RETRYING, SPOOL_PENDING,
	    SPOOL_SYNC_ALL)) == -1 ? -1 : st;
	if (locked)
		spool_unlock(sp, SPOOL_LOCK_RUN);
	if (r != -1)
		spool_requeue_note(sp, id);
	return r;
}

/* The stamps: times kept in small files at the spool's top. */
int
spool_stamp_set(struct spool *sp, const char *name, time_t t)
{
	char buf[32];
	int n;

	n = snprintf(buf, sizeof buf, "%lld\n", (long long)t);
	return spool_put(sp, sp->rootfd, name, buf, (size_t)n, SPOOL_SYNC_NONE,
	    SPOOL_PUT_REPLACE);
}

/* How long ago (in seconds, by its modification time) a stamp was
 * written; -1 if there is none, or it is no regular file, or its time
 * is ahead of now. */
long
spool_stamp_age(struct spool *sp, const char *name, time_t now)
{
	struct stat sb;

	if (fstatat(sp->rootfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(sb.st_mode) || sb.st_mtime > now)
		return -1;
	return (long)(now - sb.st_mtime);
}

time_t
spool_stamp_get(struct spool *sp, const char *name)
{
	char buf[32];
	ssize_t n;
	long long v;

	if ((n = spool_read_small(sp->rootfd, name, buf, sizeof buf)) <= 0 ||
	    buf[n - 1] != '\n')
		return 0;
	buf[n - 1] = '\0';
	/* Written by us, but in a spool others may write: a time in range,
	 * or none (so that arithmetic on it cannot overflow). */
	if (text_number_parse(buf, SPOOL_META_TIME_MAX, &v) == -1)
		return 0;
	return (time_t)v;
}

/* ------------------------------------------------------------------ */
/* For huskyhook check: the layout's directories, by path, without     */
/* opening the spool.                                                  */

int
spool_dir_path(const char *path, size_t i, char *buf, size_t n)
{
	const char *name;
	int k;

	if (i < SPOOL_NDIRS)
		name = spool_dirs[i];
	else if (i < SPOOL_NDIRS + SPOOL_NSTATES)
		name = spool_state_dirs[i - SPOOL_NDIRS];
	else
		return 0;
	k = snprintf(buf, n, "%s/%s", path, name);
	return k < 0 || (size_t)k >= n ? -1 : 1;
}

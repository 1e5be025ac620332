/*
 * The spool, described as which files exist (qmail's way):
 *
 *   tmp/<unique>         being written; never read as an event. Leftovers
 *                        of a killed writer, removed after 36 hours.
 *   events/<id>.json     the body, byte for byte as signed. Created by
 *                        link(2) of a complete, fsync'd file: that one
 *                        call is the acceptance and the dedupe record,
 *                        kept keep_days whatever the state.
 *   pending/<id>         meta (key=value lines): not yet done; attempts
 *                        and the next due time once a hook has failed.
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
#include <pthread.h>
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
#include "spool.h"
#include "text.h"

static const char *const spool_state_dirs[SPOOL_NSTATES] = {
	"pending", "done", "failed"
};
#define SPOOL_NDIRS	3

static const char *const spool_dirs[SPOOL_NDIRS] = {
	"tmp", "events", "logs"
};

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
	int	 grouped;	/* shares events/'s fsyncs (spool_group_commits) */
	/* What was opened: the root, then spool_dirs, then the states. */
	struct spool_id	 id[1 + SPOOL_NDIRS + SPOOL_NSTATES];
	char	 host[SPOOL_HOST_BYTES];
	unsigned long counter;
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
		if (mkdirat(sp->rootfd, name, 0777) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s/%s: %s",
			    sp->path, name, strerror(errno));
			return -1;
		}
		*fdp = openat(sp->rootfd, name, flags);
	}
	if (*fdp == -1) {
		snprintf(err, errlen, "cannot open %s/%s: %s%s", sp->path, name,
		    strerror(errno), errno == ENOENT ? " (the first delivery "
		    "or run makes it)" : "");
		return -1;
	}
	return 0;
}

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

static int spool_meta_save(struct spool *, enum spool_state,
    const struct spool_meta *, enum spool_sync);
static int spool_move(struct spool *, const struct spool_meta *,
    enum spool_state, enum spool_state, enum spool_sync);
static int spool_body_read(struct spool *, const char *, char **, size_t *);

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
		if (spool_id_of(sp->statefd[i], &sp->id[1 + SPOOL_NDIRS + i])
		    == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
	if (gethostname(sp->host, sizeof sp->host) == -1)
		snprintf(sp->host, sizeof sp->host, "localhost");
	sp->host[sizeof sp->host - 1] = '\0';
	for (c = sp->host; *c != '\0'; c++)
		if (*c == '/' || *c == ':' || *c == '.')
			*c = '_';
	return sp;
fail:
	spool_close(sp);
	return NULL;
}

static void spool_lock_clear(struct spool *);

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
	spool_state_unlock(sp);
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
static int
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
static int
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
static int
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

const char *
spool_strerror(int err)
{
	if (err == EMLINK)
		return "it has another link (a hard link to some other file?): "
		    "refused; remove it";
	if (err == EPERM)
		return "it belongs to another user: refused; remove it";
	return strerror(err);
}

/* Writes a new file tmp/<name> holding buf; fsync'd if durable. On
 * failure nothing is left behind and errno says why. */
static int
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

/* Compares the stored body of id with body; 1 if they differ. */
static int
spool_body_differs(struct spool *sp, const char *name, const void *body,
    size_t len)
{
	char buf[IO_BLOCK_BYTES];
	const char *p = body;
	size_t off = 0;
	ssize_t n;
	int fd, differs = 1;

	fd = spool_open_file(sp->eventsfd, name, O_RDONLY, 0);
	if (fd == -1)
		return 1;
	while ((n = io_read_full(fd, buf, sizeof buf)) >= 0) {
		if ((size_t)n > len - off || memcmp(buf, p + off, (size_t)n))
			break;
		off += (size_t)n;
		if ((size_t)n < sizeof buf) {	/* the end of the file */
			differs = off != len;
			break;
		}
	}
	close(fd);
	return differs;
}

/* link(2) that counts an EEXIST on the same inode as success: over NFS a
 * link can be done on the server and its reply lost. */
static int
spool_sane_link(struct spool *sp, const char *tmpname, int dirfd,
    const char *name)
{
	struct stat a, b;
	int saved;

	if (linkat(sp->tmpfd, tmpname, dirfd, name, 0) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	saved = errno;
	if (fstatat(sp->tmpfd, tmpname, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 0;
	errno = saved;
	return -1;
}

/*
 * A duplicate may be answered 200 only if the stored name will survive a
 * crash: the first delivery may be between its link and the directory's
 * fsync, which can still fail (and then it removes the name). A meta in
 * a state directory means that fsync was done (the receiver renames it
 * there after it). Otherwise the directory is synced here, and the name
 * looked for again. 1: durable; 0: the name is gone; -1: error.
 */
static int
spool_name_is_durable(struct spool *sp, const char *id, const char *name)
{
	struct stat st;
	int s;

	for (s = 0; s < SPOOL_NSTATES; s++)
		if (fstatat(sp->statefd[s], id, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
	if (fsync(sp->eventsfd) == -1)
		return -1;
	if (fstatat(sp->eventsfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	return 1;
}

static void
spool_meta_from_event(struct spool_meta *m, const struct event *ev,
    const char *remote_addr)
{
	memset(m, 0, sizeof *m);
	snprintf(m->id, sizeof m->id, "%s", ev->id);
	snprintf(m->type, sizeof m->type, "%s", ev->type);
	snprintf(m->created_at, sizeof m->created_at, "%s", ev->created_at);
	m->created = ev->created;
	snprintf(m->org_id, sizeof m->org_id, "%s", ev->org_id);
	snprintf(m->remote_addr, sizeof m->remote_addr, "%s",
	    remote_addr != NULL ? remote_addr : "");
	clock_gettime(CLOCK_REALTIME, &m->received);
}

/*
 * Group commit of the name: the threads of one process storing into one
 * spool share the fsyncs of events/. Each linked name gets a number
 * (taken after the link); an fsync that begins after a link makes that
 * name durable when it returns. A thread whose name is not yet durable
 * makes an fsync itself, for every name linked so far, if fewer than two
 * are under way; else it waits for one. Two, as the journal has them: one
 * being written and the next one gathering, so that a second thread never
 * waits for the first one's fsync to start its own (one fsync at a time
 * left the disk idle between them, and lost to one fsync per event at 2
 * connections), while the threads that come during both share the next.
 * An fsync that fails fails every name up to the last one it was to cover
 * but the one of the thread whose own fsync succeeded (and, to be sure,
 * those of earlier fsyncs whose threads have not looked yet): their
 * deliveries are answered 503 and come again. One group per
 * process, for one events/ at a time: a thread storing into another (a
 * spool made anew, a config reloaded) takes the group over when nobody
 * is in it, and else syncs on its own.
 */
#define SPOOL_GROUP_SYNCS	2

static struct {
	pthread_mutex_t		lock;
	pthread_cond_t		done;
	struct spool_id		dir;
	int			users, syncing, err;
	unsigned long long	linked, synced, failed;
} spool_group = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
    { 0, 0 }, 0, 0, 0, 0, 0, 0 };

void
spool_group_commits(struct spool *sp, int on)
{
	sp->grouped = on;
}

/* events/ made durable with the name just linked there. */
static int
spool_sync_name(struct spool *sp)
{
	const struct spool_id *ev = &sp->id[2];	/* events/ */
	unsigned long long mine, upto;
	int r, err = 0, own = 0;

	if (!sp->grouped)
		return fsync(sp->eventsfd);
	pthread_mutex_lock(&spool_group.lock);
	if (spool_group.users == 0)
		spool_group.dir = *ev;
	else if (spool_group.dir.dev != ev->dev ||
	    spool_group.dir.ino != ev->ino) {
		pthread_mutex_unlock(&spool_group.lock);
		return fsync(sp->eventsfd);
	}
	spool_group.users++;
	mine = ++spool_group.linked;
	while (spool_group.synced < mine && spool_group.failed < mine) {
		if (spool_group.syncing == SPOOL_GROUP_SYNCS) {
			pthread_cond_wait(&spool_group.done, &spool_group.lock);
			continue;
		}
		spool_group.syncing++;
		upto = spool_group.linked;
		pthread_mutex_unlock(&spool_group.lock);
		r = fsync(sp->eventsfd);
		err = errno;
		pthread_mutex_lock(&spool_group.lock);
		spool_group.syncing--;
		if (r == 0) {
			own = 1;
			if (upto > spool_group.synced)
				spool_group.synced = upto;
		} else if (upto > spool_group.failed) {
			spool_group.failed = upto;
			spool_group.err = err;
		}
		pthread_cond_broadcast(&spool_group.done);
	}
	/* Its own fsync, begun after its link, answers for it; another's
	 * does only if no fsync that covered it failed. */
	r = !own && mine <= spool_group.failed ? -1 : 0;
	err = spool_group.err;
	spool_group.users--;
	pthread_mutex_unlock(&spool_group.lock);
	errno = err;
	return r;
}

enum spool_result
spool_commit(struct spool *sp, const struct event *ev, const char *remote_addr,
    const void *body, size_t len, int *differs)
{
	char bodytmp[SPOOL_TMP_NAME_BYTES], metatmp[SPOOL_TMP_NAME_BYTES], name[EVENT_ID_MAX_CHARS + 8];
	char meta[SPOOL_META_MAX_BYTES];
	struct spool_meta m;
	struct stat st;
	int n, saved, have_meta = 0;

	*differs = 0;
	if (!event_id_is_valid(ev->id, strlen(ev->id))) {
		errno = EINVAL;
		return SPOOL_ERROR;
	}
	snprintf(name, sizeof name, "%s.json", ev->id);

	/* A redelivery of a stored event needs no write at all. This look is
	 * only a shortcut: acceptance is still decided by link(2) below, so
	 * two first deliveries racing each other still store one event. */
	if (fstatat(sp->eventsfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		switch (spool_name_is_durable(sp, ev->id, name)) {
		case 1:
			*differs = (size_t)st.st_size != len ||
			    spool_body_differs(sp, name, body, len);
			return SPOOL_DUPLICATE;
		case -1:
			return SPOOL_ERROR;
		}
		/* Gone meanwhile: its writer failed. Store it here. */
	}
	spool_meta_from_event(&m, ev, remote_addr);
	n = meta_format(&m, meta, sizeof meta);
	if (n < 0) {
		errno = ENAMETOOLONG;
		return SPOOL_ERROR;
	}
	/* The body must be on disk before its name exists. */
	if (spool_write_tmp(sp, bodytmp, sizeof bodytmp, body, len, 1) == -1)
		return SPOOL_ERROR;
	/* The meta is not synced, off the answer's path: if a power cut
	 * empties or loses it, the processor rebuilds it from the durable
	 * body, which loses only remote_addr and the exact time of receipt
	 * (a first try has no attempts or hooks done to lose). */
	if (spool_write_tmp(sp, metatmp, sizeof metatmp, meta, (size_t)n, 0)
	    == -1)
		goto fail;
	have_meta = 1;

	if (spool_sane_link(sp, bodytmp, sp->eventsfd, name) == -1) {
		if (errno != EEXIST)
			goto fail;
		/* Another delivery linked it first; answered as a duplicate
		 * only once that name is durable. */
		if ((n = spool_name_is_durable(sp, ev->id, name)) != 1) {
			if (n == 0)
				errno = EAGAIN;	/* it failed: try again */
			goto fail;
		}
		*differs = spool_body_differs(sp, name, body, len);
		unlinkat(sp->tmpfd, bodytmp, 0);
		unlinkat(sp->tmpfd, metatmp, 0);
		return SPOOL_DUPLICATE;
	}
	/* Not durable yet: answered 503, the name is left where it is. The
	 * body behind it is complete (synced before the link), and a
	 * redelivery may have been answered 200 as its duplicate meanwhile,
	 * after a sync of its own: removing the name could lose an event so
	 * answered. The next redelivery finds it, and `run` gives it its
	 * meta. */
	if (spool_sync_name(sp) == -1)
		goto fail;
	if (renameat(sp->tmpfd, metatmp, sp->statefd[SPOOL_PENDING], ev->id)
	    == -1) {
		/* The event is stored; its meta will be rebuilt. */
		log_msg(LOG_LEVEL_WARN, "event %s: cannot record it as "
		    "pending: %s", ev->id, strerror(errno));
		unlinkat(sp->tmpfd, metatmp, 0);
	}
	if (unlinkat(sp->tmpfd, bodytmp, 0) == -1)
		log_msg(LOG_LEVEL_WARN, "cannot remove tmp/%s: %s", bodytmp,
		    strerror(errno));
	return SPOOL_STORED;
fail:
	saved = errno;
	unlinkat(sp->tmpfd, bodytmp, 0);
	if (have_meta)
		unlinkat(sp->tmpfd, metatmp, 0);
	errno = saved;
	return SPOOL_ERROR;
}

/* ------------------------------------------------------------------ */
/* The processor's side.                                               */

const char *
spool_state_name(enum spool_state st)
{
	return st < SPOOL_NSTATES ? spool_state_dirs[st] : "?";
}

static ssize_t read_small(int, const char *, char *, size_t);

/* Writes who holds the run lock into run.lock, once it is held: for
 * `huskyhook status`, on this host or another sharing the spool. Only
 * information: a failure to write it changes nothing. */
static void
spool_lock_record(struct spool *sp)
{
	char host[SPOOL_LOCK_HOST_BYTES], buf[SPOOL_LOCK_HOST_BYTES + 64];
	int n;

	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	n = snprintf(buf, sizeof buf, "host=%s\npid=%ld\nsince=%lld\n", host,
	    (long)getpid(), (long long)time(NULL));
	if (n < 0 || (size_t)n >= sizeof buf || ftruncate(sp->lockfd, 0) == -1)
		return;
	/* Written through: a network filesystem's client may keep it
	 * (GlusterFS's write-behind does) while the fd stays open. */
	if (pwrite(sp->lockfd, buf, (size_t)n, 0) != n ||
	    fdatasync(sp->lockfd) == -1)
		return;
}

/* Empties run.lock before the lock is let go: a record left in it then
 * means a holder that died (status tells the two apart by the lock). */
static void
spool_lock_clear(struct spool *sp)
{
	if (sp->locked && sp->lockfd != -1 && ftruncate(sp->lockfd, 0) == -1)
		return;
}

/* Unlike spool_is_locked (the kick's look, in /proc/locks, which sees
 * this host's locks only), this asks the filesystem, so that a run on
 * another host sharing the spool shows too. */
/* 1 if another process holds the run lock, 0 if none does, -1: a shared
 * lock taken for an instant on each place spool_lock takes its own (on
 * descriptors of our own, so as not to touch one this process holds). A
 * run starting in that instant leaves its work to the next. */
static int
spool_lock_is_held(struct spool *sp)
{
	int fd, r, held = 0;

	if ((fd = openat(sp->rootfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		if ((r = flock(fd, LOCK_SH | LOCK_NB)) == 0)
			flock(fd, LOCK_UN);
		else
			held = errno == EWOULDBLOCK;
		close(fd);
	}
	if (held)
		return 1;
	if ((fd = spool_open_file(sp->rootfd, "run.lock", O_RDONLY, 0)) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((r = flock(fd, LOCK_SH | LOCK_NB)) == 0)
		flock(fd, LOCK_UN);
	else
		held = errno == EWOULDBLOCK ? 1 : -1;
	close(fd);
	return held;
}

int
spool_lock_holder(struct spool *sp, struct spool_lock_holder *h)
{
	char buf[SPOOL_LOCK_HOST_BYTES + 64], *line, *next, *c;
	long long v;
	ssize_t len;
	int held;

	memset(h, 0, sizeof h[0]);
	/* This process's own record, or another's while it holds the lock
	 * (a record left behind by a holder that died says nothing). */
	if (!sp->locked && (held = spool_lock_is_held(sp)) != 1)
		return held;
	if ((len = read_small(sp->rootfd, "run.lock", buf, sizeof buf)) <= 0)
		return 1;
	buf[len] = '\0';
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "host=", 5) == 0 &&
		    strlen(line + 5) < sizeof h->host) {
			/* The spool is shared: a host name is shown only as
			 * the characters a host name may have. */
			snprintf(h->host, sizeof h->host, "%s", line + 5);
			for (c = h->host; *c != '\0'; c++)
				if (!((*c >= 'a' && *c <= 'z') ||
				    (*c >= 'A' && *c <= 'Z') ||
				    (*c >= '0' && *c <= '9') || *c == '-' ||
				    *c == '.' || *c == '_'))
					*c = '?';
		} else if (strncmp(line, "pid=", 4) == 0 &&
		    meta_number_parse(line + 4, 1LL << 31, &v) == 0) {
			h->pid = (long)v;
		} else if (strncmp(line, "since=", 6) == 0 &&
		    meta_number_parse(line + 6, SPOOL_META_TIME_MAX, &v) == 0) {
			h->since = (time_t)v;
		}
	}
	return 1;
}

/*
 * The run lock is two flock(2)s, both held: one on the spool's own
 * directory, which the web server's user (who may write inside a
 * group-shared spool) cannot replace, as it could rename a new run.lock
 * over one a run holds; and one on run.lock, which is what locks across
 * the clients of a network filesystem (GlusterFS's FUSE client does not
 * lock directories across hosts). run.lock also says who holds it.
 */
static int
spool_lock_fd(struct spool *sp)
{
	if (sp->lockfd == -1)
		sp->lockfd = spool_open_own(sp, sp->rootfd, "", "run.lock",
		    O_RDWR);
	return sp->lockfd;
}

int
spool_lock(struct spool *sp)
{
	int saved;

	/* A filesystem that cannot lock a directory leaves run.lock. */
	if (flock(sp->rootfd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK)
		return 0;
	if (spool_lock_fd(sp) == -1 ||
	    flock(sp->lockfd, LOCK_EX | LOCK_NB) == -1) {
		saved = errno;
		flock(sp->rootfd, LOCK_UN);
		errno = saved;
		return errno == EWOULDBLOCK ? 0 : -1;
	}
	sp->locked = 1;
	spool_lock_record(sp);
	return 1;
}

/* 1 if /proc/locks lists a lock on the inode of fd, 0 if not, -1 if it
 * cannot be read. A look that takes nothing: a run starting meanwhile
 * must not find the lock held by the one looking. */
static int
spool_proc_locked(int fd)
{
	char line[256];
	unsigned long maj, min, ino;
	struct stat sb;
	FILE *fp;
	int r = 0;

	if (fstat(fd, &sb) == -1 || (fp = fopen("/proc/locks", "re")) == NULL)
		return -1;
	while (r == 0 && fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "%*s %*s %*s %*s %*s %lx:%lx:%lu", &maj, &min,
		    &ino) == 3 && ino == (unsigned long)sb.st_ino &&
		    makedev(maj, min) == sb.st_dev)
			r = 1;
	fclose(fp);
	return r;
}

int
spool_is_locked(struct spool *sp)
{
	int fd, r;

	/* Absent: no run ever took it, none holds it. */
	if ((fd = spool_open_file(sp->rootfd, "run.lock", O_RDONLY, 0)) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((r = spool_proc_locked(fd)) == -1) {
		r = 0;
		if (flock(fd, LOCK_EX | LOCK_NB) == -1)
			r = errno == EWOULDBLOCK ? 1 : -1;
	}
	close(fd);
	return r;
}

int
spool_unlock(struct spool *sp)
{
	int rc;

	if (sp->lockfd == -1 || !sp->locked)
		return 0;
	spool_lock_clear(sp);
	sp->locked = 0;
	rc = flock(sp->lockfd, LOCK_UN);
	flock(sp->rootfd, LOCK_UN);
	return rc;
}

int
spool_notify_open(struct spool *sp)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", sp->path,
	    spool_state_dirs[SPOOL_PENDING]) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		return -1;
	/* The receiver renames a meta in; a retry's save renames or links
	 * one. */
	if (inotify_add_watch(fd, path, IN_MOVED_TO | IN_CREATE |
	    IN_ONLYDIR) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}


/*
 * The state lock, a flock(2) on state.lock (a file, so that it locks
 * across the hosts sharing a spool as run.lock does). requeue and purge
 * hold it while they change finished events; a run holds it only while
 * it recovers metas and purges old events, the steps that judge a meta
 * beside another or without its body. So requeue and purge need no run
 * lock, and work beside `run --watch`, which holds that one for good.
 *
 * What else a run does cannot undo theirs: requeue moves a finished
 * event's meta with one rename, which a run listing pending/ sees whole
 * or not at all. A pending event, whose hooks a run may be running (its
 * outcome about to be saved over the meta), is requeued only while no
 * run holds the run lock (cli.c).
 * Anyone who may write the spool's top can replace state.lock and so
 * take a second one: the worst that does is what such a writer can do
 * anyway, a meta beside another, which recovery settles.
 */
static int
spool_state_try(struct spool *sp)
{
	if (sp->statelockfd == -1 && (sp->statelockfd = spool_open_own(sp,
	    sp->rootfd, "", "state.lock", O_RDWR)) == -1)
		return -1;
	if (flock(sp->statelockfd, LOCK_EX | LOCK_NB) == 0)
		return 1;
	return errno == EWOULDBLOCK ? 0 : -1;
}

int
spool_state_lock(struct spool *sp, long wait_sec)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	long tries;
	int r;

	for (tries = 0; (r = spool_state_try(sp)) == 0 &&
	    tries < wait_sec * 10; tries++)
		nanosleep(&tick, NULL);

	if (r != 1)
		spool_state_unlock(sp);
	return r;
}

void
spool_state_unlock(struct spool *sp)
{
	if (sp->statelockfd != -1) {
		close(sp->statelockfd);		/* lets go of the flock */
		sp->statelockfd = -1;
	}
}

/* Reads a whole small file below dirfd into buf (size n). */
static ssize_t
read_small(int dirfd, const char *name, char *buf, size_t n)
{
	struct stat st;
	ssize_t r = 0, rest;
	int fd, saved;

	if ((fd = spool_open_file_st(dirfd, name, O_RDONLY, 0, &st)) == -1)
		return -1;
	/* A read that returns the size fstat told is taken as the whole
	 * file, without a second read to find its end: a backlog reads
	 * hundreds of thousands of metas, and that read was a fifth of the
	 * system calls. Our writers never grow a file in place (they rename
	 * a new one over it); what a file holds is checked by its reader
	 * whatever it is, and one that grew meanwhile is read on. */
	if (st.st_size >= 0 && (size_t)st.st_size < n &&
	    (r = read(fd, buf, (size_t)st.st_size + 1)) == st.st_size) {
		close(fd);
		return r;
	}
	if (r < 0)
		r = 0;		/* EINTR, say: read from the start */
	if ((rest = io_read_full(fd, buf + r, n - (size_t)r)) == -1)
		r = -1;
	else
		r += rest;
	saved = errno;
	close(fd);
	if (r == (ssize_t)n) {
		errno = EFBIG;
		return -1;
	}
	errno = saved;
	return r;
}

static int
spool_meta_load(struct spool *sp, enum spool_state st, const char *id,
    struct spool_meta *m)
{
	char buf[SPOOL_META_MAX_BYTES];
	struct stat sb;
	ssize_t n;

	if ((n = read_small(sp->statefd[st], id, buf, sizeof buf)) == -1)
		return -1;
	if (meta_parse(buf, (size_t)n, m) == -1 || strcmp(m->id, id)) {
		errno = EINVAL;
		return -1;
	}
	/* Moved to done by a bare rename: it finished when it was moved. */
	if (st != SPOOL_PENDING && m->finished == 0 &&
	    fstatat(sp->statefd[st], id, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		m->finished = sb.st_ctime;
	return 0;
}

/* Opens <id><suffix> below dirfd as spool_open_file does. */
static int
spool_open_event_file(int dirfd, const char *id, const char *suffix,
    int flags)
{
	char name[EVENT_ID_MAX_CHARS + 8];

	if (!event_id_is_valid(id, strlen(id))) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, sizeof name, "%s%s", id, suffix);
	return spool_open_file(dirfd, name, flags, 0666);
}

int
spool_body_open(struct spool *sp, const char *id)
{
	return spool_open_event_file(sp->eventsfd, id, ".json", O_RDONLY);
}

int
spool_body_read_fd(int fd, char **body, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t off = 0;
	ssize_t r;
	int saved;

	if (fstat(fd, &st) == -1)
		return -1;
	/* Larger than any body the receiver stores: not read (a sparse
	 * file of any size costs its writer nothing). */
	if (st.st_size > MAX_BODY_BYTES_LIMIT) {
		errno = EFBIG;
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		return -1;
	while (off < (size_t)st.st_size) {
		r = pread(fd, buf + off, (size_t)st.st_size - off, (off_t)off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			saved = r == 0 ? EIO : errno;
			free(buf);
			errno = saved;
			return -1;
		}
		off += (size_t)r;
	}
	buf[off] = '\0';
	*body = buf;
	*len = off;
	return 0;
}

static int
spool_body_read(struct spool *sp, const char *id, char **body, size_t *len)
{
	int fd, rc, saved;

	if ((fd = spool_body_open(sp, id)) == -1)
		return -1;
	rc = spool_body_read_fd(fd, body, len);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
spool_body_path(struct spool *sp, const char *id, char *buf, size_t n)
{
	int k = snprintf(buf, n, "%s/events/%s.json", sp->path, id);

	return k < 0 || (size_t)k >= n ? -1 : 0;
}

int
spool_log_path(struct spool *sp, const char *id, char *buf, size_t n)
{
	int k = snprintf(buf, n, "%s/logs/%s.log", sp->path, id);

	return k < 0 || (size_t)k >= n ? -1 : 0;
}

int
spool_log_open_read(struct spool *sp, const char *id)
{
	return spool_open_event_file(sp->logsfd, id, ".log", O_RDONLY);
}

int
spool_log_open(struct spool *sp, const char *id)
{
	char name[EVENT_ID_MAX_CHARS + 8];

	if (!event_id_is_valid(id, strlen(id))) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, sizeof name, "%s.log", id);
	return spool_open_own(sp, sp->logsfd, "logs", name,
	    O_WRONLY | O_APPEND);
}

/* Meta for a stored body that has none. A body that is not an event
 * (put there by hand) is given to the failed state. */
static int
spool_meta_rebuild(struct spool *sp, const char *id, struct spool_meta *m,
    enum spool_state *st)
{
	char name[EVENT_ID_MAX_CHARS + 8], err[SPOOL_ERROR_BYTES - 48];
	struct event ev;
	struct stat sb;
	char *body;
	size_t len;

	snprintf(name, sizeof name, "%s.json", id);
	if (fstatat(sp->eventsfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	body = NULL;
	if (spool_body_read(sp, id, &body, &len) == -1) {
		if (errno != EFBIG)
			return -1;
		snprintf(err, sizeof err, "larger than any the receiver stores");
	}
	memset(m, 0, sizeof *m);
	*st = SPOOL_PENDING;
	if (body != NULL &&
	    event_parse(body, len, &ev, NULL, err, sizeof err) == EVENT_OK &&
	    strcmp(ev.id, id) == 0) {
		spool_meta_from_event(m, &ev, "");
	} else {
		/* No event to take the fields from: placeholders a meta may
		 * hold, and the reason. */
		snprintf(m->id, sizeof m->id, "%s", id);
		snprintf(m->type, sizeof m->type, "invalid");
		snprintf(m->created_at, sizeof m->created_at,
		    "1970-01-01T00:00:00Z");
		snprintf(m->org_id, sizeof m->org_id, "invalid");
		snprintf(m->last_error, sizeof m->last_error,
		    "the stored body is not a valid event: %s", err);
		*st = SPOOL_FAILED;
	}
	m->received = sb.st_mtim;
	free(body);
	return 0;
}

/* A directory stream over a copy of dirfd, from its first entry. */
static DIR *
spool_opendir(int dirfd)
{
	DIR *d;
	int fd;

	if ((fd = dup(dirfd)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return NULL;
	}
	rewinddir(d);
	return d;
}

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

static void
spool_names_free(struct spool_names *nm)
{
	free(nm->buf);
	free(nm->off);
	free(nm->v);
	memset(nm, 0, sizeof *nm);
}

/* Every valid event id named in dirfd into nm, sorted if asked. */
static int
spool_scan(int dirfd, const char *suffix, int sorted, struct spool_names *nm)
{
	size_t len, i, slen = suffix ? strlen(suffix) : 0;
	struct dirent *de;
	void *grown;
	DIR *d;

	memset(nm, 0, sizeof *nm);
	if ((d = spool_opendir(dirfd)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= slen || (suffix != NULL &&
		    strcmp(de->d_name + len - slen, suffix) != 0))
			continue;
		len -= slen;
		if (!event_id_is_valid(de->d_name, len))
			continue;
		if (nm->n == nm->cap) {
			nm->cap = nm->cap ? nm->cap * 2 : 1024;
			if ((grown = reallocarray(nm->off, nm->cap,
			    sizeof *nm->off)) == NULL)
				goto fail;
			nm->off = grown;
		}
		if (nm->bufcap - nm->len < len + 1) {
			nm->bufcap = nm->bufcap ? nm->bufcap * 2 : 16384;
			if ((grown = realloc(nm->buf, nm->bufcap)) == NULL)
				goto fail;
			nm->buf = grown;
		}
		memcpy(nm->buf + nm->len, de->d_name, len);
		nm->buf[nm->len + len] = '\0';
		nm->off[nm->n++] = nm->len;
		nm->len += len + 1;
	}
	closedir(d);
	if (nm->n > 0 && (nm->v = reallocarray(NULL, nm->n,
	    sizeof *nm->v)) == NULL) {
		spool_names_free(nm);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < nm->n; i++)
		nm->v[i] = nm->buf + nm->off[i];
	if (sorted && nm->n > 1)
		qsort(nm->v, nm->n, sizeof *nm->v, text_strptr_cmp);
	return 0;
fail:
	closedir(d);
	spool_names_free(nm);
	errno = ENOMEM;
	return -1;
}

enum spool_put_mode { SPOOL_PUT_REPLACE, SPOOL_PUT_CREATE };

/*
 * Puts a small file in place whole: written under a tmp/ name (fsync'd
 * unless SPOOL_SYNC_NONE), then renamed over dirfd/name
 * (SPOOL_PUT_REPLACE) or linked there only if there is none yet
 * (SPOOL_PUT_CREATE, an existing one counting as success). The directory
 * is synced with SPOOL_SYNC_ALL.
 */
static int
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
static int
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


static int spool_meta_load(struct spool *, enum spool_state, const char *,
    struct spool_meta *);

/* Records a pending event that cannot run as failed, saying why; a meta
 * that does not even load is removed (there is nothing left to run). */
static int
spool_pending_fail(struct spool *sp, const char *id, const char *why)
{
	struct spool_meta m;

	if (spool_meta_load(sp, SPOOL_PENDING, id, &m) == -1)
		return unlinkat(sp->statefd[SPOOL_PENDING], id, 0);
	snprintf(m.last_error, sizeof m.last_error, "%s", why);
	m.finished = time(NULL);
	m.next_attempt = 0;
	return spool_move(sp, &m, SPOOL_PENDING, SPOOL_FAILED, SPOOL_SYNC_ALL);
}

/*
 * A finished event's meta that does not read (empty: a power cut before
 * it was synced, as older versions left done/ metas; or damaged) made
 * anew from what is still known: the state by its directory, id, type,
 * created_at and org by the body, finished by the file's time. The rest
 * (attempts, the hooks done, the sender's address, the last error) is
 * lost, and last_error says so. Only under the state lock: requeue moves
 * finished metas under it. 0, or -1 (no body, say).
 */
static int
spool_meta_rebuild_finished(struct spool *sp, enum spool_state st,
    const char *id, struct spool_meta *m, const char *why)
{
	enum spool_state rst;
	struct stat sb;

	if (fstatat(sp->statefd[st], id, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
	    spool_meta_rebuild(sp, id, m, &rst) == -1)
		return -1;
	m->finished = sb.st_mtime;
	if (rst == SPOOL_PENDING)
		snprintf(m->last_error, sizeof m->last_error, "its meta was "
		    "lost (%s) and rebuilt from the body: attempts, hooks "
		    "done, the sender's address%s are not known", why,
		    st == SPOOL_FAILED ? " and the last error" : "");
	if (spool_meta_save(sp, st, m, SPOOL_SYNC_ALL) == -1)
		return -1;
	log_msg(LOG_LEVEL_WARN, "%s/%s: meta %s; rebuilt from the body, still "
	    "%s (attempts, hooks done and the last error are lost)",
	    spool_state_name(st), id, why, spool_state_name(st));
	return 0;
}

/* 1 if this process holds the state lock. */
static int
spool_holds_state_lock(const struct spool *sp)
{
	return sp->statelockfd != -1;
}

/* 1 if id is among the sorted names of nm. */
static int
names_have(const struct spool_names *nm, const char *id)
{
	return nm->n > 0 && bsearch(&id, nm->v, nm->n, sizeof *nm->v,
	    text_strptr_cmp) != NULL;
}

/*
 * Brings the spool's files into agreement, by name (a count of bodies
 * equal to a count of metas says nothing: one missing of each cancels):
 *
 * - pending/<id> beside done/<id> or failed/<id>: a meta that came late
 *   (a receiver stalled between its link and its rename while this
 *   recovered the event and ran it). The finished state wins; the
 *   pending one is removed, or the hooks would run twice.
 * - events/<id>.json with no meta: given one (spool_meta_rebuild).
 * - a meta with no body: a removal that was cut short (body first, then
 *   log, then meta). Done and failed ones are removed; a pending one
 *   cannot run and goes to failed, saying why.
 *
 * Runs under the run lock and the state lock (requeue and purge hold
 * the latter).
 */
int
spool_recover(struct spool *sp, time_t now)
{
	struct spool_names names[SPOOL_NSTATES], events;
	char name[EVENT_ID_MAX_CHARS + 8];
	size_t i;
	struct spool_meta m;
	enum spool_state st;
	struct stat sb;
	int s, fixed = 0, rc = -1;

	memset(names, 0, sizeof names);
	memset(&events, 0, sizeof events);
	for (s = 0; s < SPOOL_NSTATES; s++)
		if (spool_scan(sp->statefd[s], NULL, 1, &names[s]) == -1)
			goto done;
	if (spool_scan(sp->eventsfd, ".json", 1, &events) == -1)
		goto done;

	for (i = 0; i < names[SPOOL_PENDING].n; i++) {
		const char *id = names[SPOOL_PENDING].v[i];

		if (!names_have(&names[SPOOL_DONE], id) &&
		    !names_have(&names[SPOOL_FAILED], id))
			continue;
		if (unlinkat(sp->statefd[SPOOL_PENDING], id, 0) == -1)
			continue;
		log_msg(LOG_LEVEL_WARN, "event %s: a pending meta beside a "
		    "finished one (written late); the finished one is kept",
		    id);
		fixed++;
	}

	for (i = 0; i < events.n; i++) {
		const char *id = events.v[i];

		for (s = 0; s < SPOOL_NSTATES; s++)
			if (names_have(&names[s], id))
				break;
		if (s < SPOOL_NSTATES)
			continue;
		snprintf(name, sizeof name, "%s.json", id);
		if (fstatat(sp->eventsfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    sb.st_mtime > now - SPOOL_ORPHAN_MIN_AGE_SEC)
			continue;
		if (spool_meta_rebuild(sp, id, &m, &st) == -1 ||
		    spool_meta_put(sp, st, &m, SPOOL_SYNC_ALL, SPOOL_PUT_CREATE)
		    == -1) {
			log_msg(LOG_LEVEL_ERR, "event %s: cannot restore its "
			    "meta: %s", id, strerror(errno));
			continue;
		}
		log_msg(LOG_LEVEL_INFO, "event %s: stored without meta; "
		    "restored as %s", id, spool_state_name(st));
		fixed++;
	}

	/* An empty finished meta: synced before its rename since, but one
	 * an older version left after a power cut. Looked for by size, not
	 * read (done/ keeps keep_days of events); a damaged one that is not
	 * empty is rebuilt when read under the state lock (requeue). */
	for (s = SPOOL_DONE; s < SPOOL_NSTATES; s++) {
		for (i = 0; i < names[s].n; i++) {
			const char *id = names[s].v[i];

			if (!names_have(&events, id) || fstatat(sp->statefd[s],
			    id, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
			    !S_ISREG(sb.st_mode) || sb.st_size != 0)
				continue;
			if (spool_meta_rebuild_finished(sp,
			    (enum spool_state)s, id, &m, "empty") == 0)
				fixed++;
		}
	}

	for (s = 0; s < SPOOL_NSTATES; s++) {
		for (i = 0; i < names[s].n; i++) {
			const char *id = names[s].v[i];

			if (names_have(&events, id) || (s == SPOOL_PENDING &&
			    (names_have(&names[SPOOL_DONE], id) ||
			    names_have(&names[SPOOL_FAILED], id))))
				continue;
			/* A redelivery may have stored the body since the
			 * scan, and been answered 200: only the meta goes, and
			 * only while there is still no body. */
			snprintf(name, sizeof name, "%s.json", id);
			if (fstatat(sp->eventsfd, name, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			if (s == SPOOL_PENDING ?
			    spool_pending_fail(sp, id, "the stored body is "
			    "missing") == -1 :
			    unlinkat(sp->statefd[s], id, 0) == -1)
				continue;
			log_msg(LOG_LEVEL_WARN, "event %s: %s meta without a "
			    "body; %s", id, spool_state_name((enum spool_state)s),
			    s == SPOOL_PENDING ? "recorded as failed" :
			    "the meta is removed");
			fixed++;
		}
	}
	rc = fixed;
done:
	for (s = 0; s < SPOOL_NSTATES; s++)
		spool_names_free(&names[s]);
	spool_names_free(&events);
	return rc;
}

/*
 * The meta of name in state st into *m: 0, or -1 to leave it out (moved
 * meanwhile, or unreadable: logged). A meta that does not read (empty:
 * the receiver's, which it does not sync, after a power cut; torn, or
 * foreign) in pending/ is rebuilt from the body, or recorded as failed
 * if the body is no event either, only under the run lock (not while
 * `list` looks); in done/ or failed/, under the state lock
 * (spool_meta_rebuild_finished).
 */
static int
spool_meta_load_or_repair(struct spool *sp, enum spool_state st,
    const char *name, struct spool_meta *m)
{
	enum spool_state rst;

	if (spool_meta_load(sp, st, name, m) == 0)
		return 0;
	if (errno == ENOENT)
		return -1;	/* moved meanwhile */
	if (st != SPOOL_PENDING && spool_holds_state_lock(sp) &&
	    spool_meta_rebuild_finished(sp, st, name, m, "damaged") == 0)
		return 0;
	if (st == SPOOL_PENDING && sp->locked &&
	    spool_meta_rebuild(sp, name, m, &rst) == 0) {
		if (rst == SPOOL_PENDING &&
		    spool_meta_save(sp, st, m, SPOOL_SYNC_ALL) == 0) {
			log_msg(LOG_LEVEL_WARN, "pending/%s: meta empty, torn or "
			    "not ours; rebuilt from the body (the sender's "
			    "address, attempts and hooks done are lost)", name);
			return 0;
		}
		if (rst == SPOOL_FAILED &&
		    spool_move(sp, m, SPOOL_PENDING, SPOOL_FAILED,
		    SPOOL_SYNC_ALL) == 0) {
			log_msg(LOG_LEVEL_WARN, "pending/%s: unreadable meta and "
			    "a body that is no event: recorded as failed", name);
			return -1;
		}
	}
	log_msg(LOG_LEVEL_WARN, "%s/%s: unreadable meta, skipped",
	    spool_state_name(st), name);
	return -1;
}

/*
 * spool_each reads metas ahead of fn on other cores: a backlog's cost is
 * a few system calls per meta (openat, fstat, read, close), which one
 * core does no faster. Loader threads take chunks of names in turn and
 * fill one of a few buffers each; fn is still called in this thread, in
 * the names' order, one meta at a time. They only read: a meta that does
 * not load is handed back, and repaired (under the run lock) here.
 */
#define SPOOL_EACH_CHUNK	32	/* metas a buffer holds */
#define SPOOL_EACH_THREADS	4	/* loaders at most */
#define SPOOL_EACH_MIN_NAMES	256	/* fewer: one thread does it */

enum spool_each_buf_state { SPOOL_BUF_EMPTY, SPOOL_BUF_FILLING, SPOOL_BUF_FULL };

struct spool_each_buf {
	struct spool_meta	 m[SPOOL_EACH_CHUNK];
	int			 err[SPOOL_EACH_CHUNK];	/* 0: loaded */
	size_t			 chunk;
	enum spool_each_buf_state state;
};

struct spool_each_ahead {
	struct spool		*sp;
	enum spool_state	 st;
	const struct spool_names *nm;
	size_t			 nchunks, next, nbuf;
	int			 stop;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct spool_each_buf	*buf;
};

static void *
spool_each_loader(void *arg)
{
	struct spool_each_ahead *a = arg;
	struct spool_each_buf *b;
	size_t i, lo, hi;

	pthread_mutex_lock(&a->mu);
	while (!a->stop && a->next < a->nchunks) {
		b = &a->buf[a->next % a->nbuf];
		if (b->state != SPOOL_BUF_EMPTY) {
			pthread_cond_wait(&a->cv, &a->mu);
			continue;
		}
		b->state = SPOOL_BUF_FILLING;
		b->chunk = a->next++;
		pthread_mutex_unlock(&a->mu);
		lo = b->chunk * SPOOL_EACH_CHUNK;
		hi = lo + SPOOL_EACH_CHUNK < a->nm->n ? lo + SPOOL_EACH_CHUNK :
		    a->nm->n;
		for (i = lo; i < hi; i++)
			b->err[i - lo] = spool_meta_load(a->sp, a->st,
			    a->nm->v[i], &b->m[i - lo]) == 0 ? 0 :
			    errno != 0 ? errno : EINVAL;
		pthread_mutex_lock(&a->mu);
		b->state = SPOOL_BUF_FULL;
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* How many loaders: one per online core, within SPOOL_EACH_THREADS; 0
 * (this thread alone) for few names or one core. */
static size_t
spool_each_nloaders(size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < SPOOL_EACH_MIN_NAMES || cores < 2)
		return 0;
	return cores < SPOOL_EACH_THREADS ? (size_t)cores : SPOOL_EACH_THREADS;
}

/* fn over the metas the loaders fill, chunk after chunk; *ran is 0 if
 * no loader could be started (and nothing was done). */
static int
spool_each_ahead(struct spool *sp, enum spool_state st,
    const struct spool_names *nm, size_t nloaders,
    int (*fn)(const struct spool_meta *, void *), void *arg, int *ran)
{
	pthread_t tid[SPOOL_EACH_THREADS];
	struct spool_each_ahead a;
	struct spool_each_buf *b;
	struct spool_meta m;
	size_t j, k, i, started = 0;
	int rc = 0;

	memset(&a, 0, sizeof a);
	a.sp = sp;
	a.st = st;
	a.nm = nm;
	a.nchunks = (nm->n + SPOOL_EACH_CHUNK - 1) / SPOOL_EACH_CHUNK;
	a.nbuf = 2 * nloaders;
	*ran = 0;
	if ((a.buf = calloc(a.nbuf, sizeof *a.buf)) == NULL)
		return 0;
	pthread_mutex_init(&a.mu, NULL);
	pthread_cond_init(&a.cv, NULL);
	while (started < nloaders && pthread_create(&tid[started], NULL,
	    spool_each_loader, &a) == 0)
		started++;
	if (started == 0)
		goto done;	/* none: the caller reads them */
	*ran = 1;
	for (j = 0; j < a.nchunks && rc == 0; j++) {
		b = &a.buf[j % a.nbuf];
		pthread_mutex_lock(&a.mu);
		while (b->state != SPOOL_BUF_FULL || b->chunk != j)
			pthread_cond_wait(&a.cv, &a.mu);
		pthread_mutex_unlock(&a.mu);
		for (k = 0; k < SPOOL_EACH_CHUNK && rc == 0; k++) {
			i = j * SPOOL_EACH_CHUNK + k;
			if (i >= nm->n)
				break;
			if (b->err[k] == 0)
				rc = fn(&b->m[k], arg);
			else if (b->err[k] != ENOENT &&
			    spool_meta_load_or_repair(sp, st, nm->v[i], &m) == 0)
				rc = fn(&m, arg);
		}
		pthread_mutex_lock(&a.mu);
		b->state = SPOOL_BUF_EMPTY;
		pthread_cond_broadcast(&a.cv);
		pthread_mutex_unlock(&a.mu);
	}
	pthread_mutex_lock(&a.mu);
	a.stop = 1;
	pthread_cond_broadcast(&a.cv);
	pthread_mutex_unlock(&a.mu);
	while (started > 0)
		pthread_join(tid[--started], NULL);
done:
	pthread_cond_destroy(&a.cv);
	pthread_mutex_destroy(&a.mu);
	free(a.buf);
	return rc;
}

int
spool_each(struct spool *sp, enum spool_state st,
    int (*fn)(const struct spool_meta *, void *), void *arg)
{
	struct spool_names nm;
	struct spool_meta m;
	size_t i;
	int rc = 0, ran = 0;

	if (spool_scan(sp->statefd[st], NULL, 0, &nm) == -1)
		return -1;
	if (spool_each_nloaders(nm.n) > 0)
		rc = spool_each_ahead(sp, st, &nm, spool_each_nloaders(nm.n),
		    fn, arg, &ran);
	if (!ran)
		for (i = 0; i < nm.n && rc == 0; i++)
			if (spool_meta_load_or_repair(sp, st, nm.v[i], &m) == 0)
				rc = fn(&m, arg);
	spool_names_free(&nm);
	return rc;
}

int
spool_load(struct spool *sp, enum spool_state st, const char *id,
    struct spool_meta *m)
{
	if (!event_id_is_valid(id, strlen(id))) {
		errno = EINVAL;
		return -1;
	}
	return spool_meta_load_or_repair(sp, st, id, m);
}

long
spool_count(struct spool *sp, enum spool_state st)
{
	struct spool_names nm;
	long n;

	if (spool_scan(sp->statefd[st], NULL, 0, &nm) == -1)
		return -1;
	n = (long)nm.n;
	spool_names_free(&nm);
	return n;
}

int
spool_find(struct spool *sp, const char *id, struct spool_meta *m)
{
	static const enum spool_state order[SPOOL_NSTATES] = {
		SPOOL_DONE, SPOOL_FAILED, SPOOL_PENDING
	};
	int i, damaged = ENOENT;

	if (!event_id_is_valid(id, strlen(id))) {
		errno = EINVAL;
		return -1;
	}
	/* A finished state wins over a pending meta written late (see
	 * spool_recover). */
	for (i = 0; i < SPOOL_NSTATES; i++) {
		if (spool_meta_load(sp, order[i], id, m) == 0)
			return order[i];
		if (errno == ENOENT)
			continue;
		damaged = errno;
		/* requeue's: mended under the state lock. */
		if (order[i] != SPOOL_PENDING && spool_holds_state_lock(sp) &&
		    spool_meta_rebuild_finished(sp, order[i], id, m,
		    "damaged") == 0)
			return order[i];
	}
	errno = damaged;
	return -1;
}

static int
spool_meta_save(struct spool *sp, enum spool_state st,
    const struct spool_meta *m, enum spool_sync sync)
{
	return spool_meta_put(sp, st, m, sync, SPOOL_PUT_REPLACE);
}

/* m saved over its meta in from/ (its data fsync'd unless
 * SPOOL_SYNC_NONE), then renamed into to/: one rename, which a crash
 * leaves done or not. The directories are synced with SPOOL_SYNC_ALL,
 * after the rename. */
static int
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

int
spool_requeue(struct spool *sp, const char *id)
{
	struct spool_meta m;
	int st, r, locked = 0;

	if ((st = spool_find(sp, id, &m)) == -1)
		return -1;
	m.attempts = 0;
	m.next_attempt = 0;
	m.finished = 0;
	m.last_error[0] = '\0';
	if (st == SPOOL_DONE)
		m.hooks_done[0] = '\0';	/* all hooks run again */
	if (st != SPOOL_PENDING)
		return spool_move(sp, &m, (enum spool_state)st, SPOOL_PENDING,
		    SPOOL_SYNC_ALL) == -1 ? -1 : st;
	/* A pending event may be in a run's hands, its outcome about to be
	 * saved over the meta written here (or this one moved to failed/ in
	 * its place): it is requeued only while no run holds the lock. */
	if (!sp->locked) {
		if ((r = spool_lock(sp)) != 1) {
			if (r == 0)
				errno = EBUSY;
			return -1;
		}
		locked = 1;
	}
	r = spool_meta_save(sp, SPOOL_PENDING, &m, SPOOL_SYNC_ALL) == -1 ? -1 :
	    st;
	if (locked)
		spool_unlock(sp);
	return r;
}

/* Durable before the next hook starts: a power cut during that hook
 * must not run this one again. */
int
spool_progress_save(struct spool *sp, struct spool_meta *m)
{
	m->revised = 1;
	return spool_meta_save(sp, SPOOL_PENDING, m, SPOOL_SYNC_ALL);
}

/* fsync of a file in place (fsync(2) needs no write access). */
static int
spool_file_sync(int dirfd, const char *name)
{
	int fd, rc, saved;

	if ((fd = spool_open_file(dirfd, name, O_RDONLY, 0)) == -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
spool_record(struct spool *sp, struct spool_meta *m, enum spool_state to)
{
	if (to == SPOOL_PENDING) {
		m->revised = 1;
		return spool_meta_save(sp, SPOOL_PENDING, m, SPOOL_SYNC_DATA);
	}
	/* A first try's meta on disk is still the receiver's: one rename
	 * records the outcome, the time it finished being the rename's
	 * ctime (spool_meta_load reads it back so). The receiver did not
	 * sync that file: its data is, before the rename, or a power cut
	 * could leave an empty done/ meta. */
	if (to == SPOOL_DONE && m->attempts == 0 && !m->revised) {
		if (spool_file_sync(sp->statefd[SPOOL_PENDING], m->id) == -1)
			return -1;
		return renameat(sp->statefd[SPOOL_PENDING], m->id,
		    sp->statefd[SPOOL_DONE], m->id);
	}
	return spool_move(sp, m, SPOOL_PENDING, to, SPOOL_SYNC_DATA);
}

int
spool_sync(struct spool *sp)
{
	int s, rc = 0;

	for (s = 0; s < SPOOL_NSTATES; s++)
		if (fsync(sp->statefd[s]) == -1)
			rc = -1;
	if (fsync(sp->logsfd) == -1 || fsync(sp->eventsfd) == -1)
		rc = -1;
	return rc;
}

/* The first half of a removal: the body and the log. */
static int
spool_remove_body(struct spool *sp, const char *id)
{
	char name[EVENT_ID_MAX_CHARS + 8];

	snprintf(name, sizeof name, "%s.json", id);
	if (unlinkat(sp->eventsfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	snprintf(name, sizeof name, "%s.log", id);
	if (unlinkat(sp->logsfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

/*
 * The body's removal is durable before the meta's: a meta gone and a
 * body left would come back as an event stored without meta, and run
 * again. A meta left without its body is removed by recovery. The meta's
 * removal is durable before this returns (a purge says what it removed).
 */
int
spool_remove(struct spool *sp, const char *id, enum spool_state st)
{
	if (!event_id_is_valid(id, strlen(id))) {
		errno = EINVAL;
		return -1;
	}
	if (spool_remove_body(sp, id) == -1 || fsync(sp->eventsfd) == -1)
		return -1;
	if (unlinkat(sp->statefd[st], id, 0) == -1 && errno != ENOENT)
		return -1;
	return fsync(sp->statefd[st]);
}

/* As spool_remove does, in two batches: every body, one fsync of
 * events/, every meta, one fsync of done/. The outcomes recorded before
 * are made durable first, so that none is removed before it is on disk. */
int
spool_purge_done(struct spool *sp, time_t cutoff)
{
	char name[EVENT_ID_MAX_CHARS + 8];
	struct spool_names nm;
	struct stat sb;
	int removed = 0;
	size_t i, n = 0;

	if (spool_sync(sp) == -1 ||
	    spool_scan(sp->statefd[SPOOL_DONE], NULL, 0, &nm) == -1)
		return -1;
	for (i = 0; i < nm.n; i++) {
		snprintf(name, sizeof name, "%s.json", nm.v[i]);
		if (fstatat(sp->eventsfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    sb.st_mtime >= cutoff)
			continue;
		if (spool_remove_body(sp, nm.v[i]) == 0)
			nm.v[n++] = nm.v[i];	/* its meta goes next */
	}
	if (n > 0 && fsync(sp->eventsfd) == -1) {
		spool_names_free(&nm);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (unlinkat(sp->statefd[SPOOL_DONE], nm.v[i], 0) == 0 ||
		    errno == ENOENT)
			removed++;
	spool_names_free(&nm);
	if (n > 0 && (fsync(sp->statefd[SPOOL_DONE]) == -1 ||
	    fsync(sp->logsfd) == -1))
		return -1;
	return removed;
}

int
spool_clean_tmp(struct spool *sp, time_t now, long max_age)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int removed = 0;

	if ((d = spool_opendir(sp->tmpfd)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(sp->tmpfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW)
		    == -1 || !S_ISREG(sb.st_mode) || sb.st_mtime >= now - max_age)
			continue;
		if (unlinkat(sp->tmpfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

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

int
spool_stamp_clear(struct spool *sp, const char *name)
{
	if (unlinkat(sp->rootfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

time_t
spool_stamp_get(struct spool *sp, const char *name)
{
	char buf[32];
	ssize_t n;
	long long v;

	if ((n = read_small(sp->rootfd, name, buf, sizeof buf)) <= 0 ||
	    buf[n - 1] != '\n')
		return 0;
	buf[n - 1] = '\0';
	/* Written by us, but in a spool others may write: a time in range,
	 * or none (so that arithmetic on it cannot overflow). */
	if (meta_number_parse(buf, SPOOL_META_TIME_MAX, &v) == -1)
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

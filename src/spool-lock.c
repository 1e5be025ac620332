/* The spool's locks: the run lock (flock on the directory and on
 * run.lock, who holds it said in run.lock) and the state lock. */
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
void
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
spool_runs(struct spool *sp, struct spool_runs *h)
{
	char buf[SPOOL_LOCK_HOST_BYTES + 64], *line, *next, *c;
	long long v;
	ssize_t len;
	int held = 1;

	memset(h, 0, sizeof h[0]);
	h->last = spool_stamp_get(sp, SPOOL_STAMP_LAST_RUN);
	/* This process's own record, or another's while it holds the lock
	 * (a record left behind by a holder that died says nothing). */
	if (!sp->locked && (held = spool_lock_is_held(sp)) != 1)
		return held;
	h->held = 1;
	if ((len = spool_read_small(sp->rootfd, "run.lock", buf, sizeof buf)) <= 0)
		return 0;
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
		    text_number_parse(line + 4, 1LL << 31, &v) == 0) {
			h->pid = (long)v;
		} else if (strncmp(line, "since=", 6) == 0 &&
		    text_number_parse(line + 6, SPOOL_META_TIME_MAX, &v) == 0) {
			h->since = (time_t)v;
		}
	}
	return 0;
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

static int
spool_run_try(struct spool *sp)
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
	char line[256], type[16];
	unsigned long maj, min, ino;
	struct stat sb;
	FILE *fp;
	int r = 0;

	if (fstat(fd, &sb) == -1 || (fp = fopen("/proc/locks", "re")) == NULL)
		return -1;
	/* An exclusive lock (WRITE): a run's. status's look at the lock is
	 * a shared one (READ), held for an instant, and sees no mark. */
	while (r == 0 && fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "%*s %*s %*s %15s %*s %lx:%lx:%lu", type, &maj,
		    &min, &ino) == 4 && strcmp(type, "WRITE") == 0 &&
		    ino == (unsigned long)sb.st_ino &&
		    makedev(maj, min) == sb.st_dev)
			r = 1;
	fclose(fp);
	return r;
}

static int
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

static void
spool_run_unlock(struct spool *sp)
{
	if (sp->lockfd == -1 || !sp->locked)
		return;
	spool_lock_clear(sp);
	sp->locked = 0;
	flock(sp->lockfd, LOCK_UN);
	flock(sp->rootfd, LOCK_UN);
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
 * run holds the run lock (spool_requeue).
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
spool_lock(struct spool *sp, enum spool_lock which, long wait_sec)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	long tries;
	int r;

	for (tries = 0; (r = which == SPOOL_LOCK_RUN ? spool_run_try(sp) :
	    spool_state_try(sp)) == 0 && tries < wait_sec * 10; tries++)
		nanosleep(&tick, NULL);
	if (r != 1 && which == SPOOL_LOCK_STATE)
		spool_unlock(sp, which);
	return r;
}

void
spool_unlock(struct spool *sp, enum spool_lock which)
{
	if (which == SPOOL_LOCK_RUN)
		spool_run_unlock(sp);
	else if (sp->statelockfd != -1) {
		close(sp->statelockfd);		/* lets go of the flock */
		sp->statelockfd = -1;
	}
}

/*
 * The kick's mark. Each stored event leaves it first; a run removes it
 * before it lists pending/ and lists again if it is back, also after
 * letting go of the lock. So no run need be started while one holds the
 * lock, nor while the last one started (within KICK_MIN_INTERVAL_SEC,
 * and not yet ended) may still be on its way to the lock: either will
 * see the event.
 *
 * Under load most deliveries find the mark already there, left less
 * than KICK_MIN_INTERVAL_SEC ago: whoever left it made the whole check
 * after storing its own event, and no run has listed since (a run
 * removes the mark before it lists). The run that check found or
 * started lists after it removes the mark, so it sees this delivery's
 * event too: one fstatat is all such a delivery costs. An older mark is
 * not believed (its maker may have died before starting anything): the
 * whole check is made again, and leaves a fresh mark.
 */
static int
spool_kick_leave(struct spool *sp)
{
	time_t now = time(NULL), kicked, ended;
	long age;
	int r;

	if ((age = spool_stamp_age(sp, SPOOL_STAMP_KICK_WANTED, now)) >= 0 &&
	    age < KICK_MIN_INTERVAL_SEC)
		return 0;		/* a fresh mark: see above */
	if (spool_stamp_set(sp, SPOOL_STAMP_KICK_WANTED, now) == -1)
		log_msg(LOG_LEVEL_ERR, "kick: cannot leave a mark in %s: %s",
		    sp->path, strerror(errno));
	if ((r = spool_is_locked(sp)) == -1)
		return -1;
	kicked = spool_stamp_get(sp, SPOOL_STAMP_LAST_KICK);
	ended = spool_stamp_get(sp, SPOOL_STAMP_LAST_RUN);
	if (r == 1 || (kicked <= now && now - kicked < KICK_MIN_INTERVAL_SEC &&
	    ended < kicked))
		return 0;		/* that run will see the mark */
	if (spool_stamp_set(sp, SPOOL_STAMP_LAST_KICK, now) == -1)
		return -1;
	return 1;
}

int
spool_kick(struct spool *sp, enum spool_kick op)
{
	struct stat sb;
	int r;

	if (op == SPOOL_KICK_LEAVE)
		return spool_kick_leave(sp);
	r = op == SPOOL_KICK_TAKE ? unlinkat(sp->rootfd,
	    SPOOL_STAMP_KICK_WANTED, 0) : fstatat(sp->rootfd,
	    SPOOL_STAMP_KICK_WANTED, &sb, AT_SYMLINK_NOFOLLOW);
	if (r == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

/* The spool, the receiver's side: an event stored once, durable before
 * it is answered, its duplicates known by their name (spool-int.h). */
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

void
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
	/* Looked at no more than once in RECEIVE_RECHECK_SEC: a look is
	 * seven fstatat calls. */
	if (text_is_due(&sp->checked, RECEIVE_RECHECK_SEC) &&
	    !spool_is_current(sp)) {
		errno = ESTALE;
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

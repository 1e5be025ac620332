/* The spool's transitions after the receiver's: outcomes recorded,
 * requeue, removal and purges, each durable before what depends on it. */
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

int
spool_sync(struct spool *sp)
{
	int s, rc = 0;

	for (s = 0; s < SPOOL_NSTATES; s++)
		if (sp->statefd[s] != -1 && fsync(sp->statefd[s]) == -1)
			rc = -1;
	if (fsync(sp->logsfd) == -1 || fsync(sp->eventsfd) == -1)
		rc = -1;
	if (sp->locked)
		spool_stamp_set(sp, SPOOL_STAMP_LAST_RUN, time(NULL));
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

/* Removes done events received before cutoff (the body's mtime is the
 * time of receipt), as spool_remove does, in two batches: every body, one fsync of
 * events/, every meta, one fsync of done/. The outcomes recorded before
 * are made durable first, so that none is removed before it is on disk. */
static int
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

static int
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

/*
 * Spools of the first layout kept a retrying event's meta in pending/
 * (attempts above 0). Once, under the run lock, every such meta is moved
 * to retrying/ with one rename, and the stamp SPOOL_STAMP_LAYOUT says it
 * was done: after that `status` counts pending/ by its names.
 */
static int
spool_migrate(struct spool *sp)
{
	struct spool_names nm;
	struct spool_meta m;
	size_t i;
	int moved = 0;

	if (spool_stamp_get(sp, SPOOL_STAMP_LAYOUT) != 0 ||
	    sp->statefd[SPOOL_RETRYING] == -1 ||
	    spool_scan(sp->statefd[SPOOL_PENDING], NULL, 0, &nm) == -1)
		return 0;
	for (i = 0; i < nm.n; i++)
		if (spool_find(sp, nm.v[i], SPOOL_PENDING, &m) == SPOOL_PENDING &&
		    m.attempts > 0 && renameat(sp->statefd[SPOOL_PENDING],
		    nm.v[i], sp->statefd[SPOOL_RETRYING], nm.v[i]) == 0)
			moved++;
	spool_names_free(&nm);
	if (fsync(sp->statefd[SPOOL_RETRYING]) == -1 ||
	    fsync(sp->statefd[SPOOL_PENDING]) == -1 ||
	    spool_stamp_set(sp, SPOOL_STAMP_LAYOUT, time(NULL)) == -1)
		return moved;
	if (moved > 0)
		log_msg(LOG_LEVEL_INFO, "%s: %d retrying events moved from "
		    "pending/ to retrying/ (the spool's newer layout)", sp->path,
		    moved);
	return moved;
}

int
spool_upkeep(struct spool *sp, int what, time_t now, long keep_sec,
    struct spool_upkeep *u)
{
	time_t last;
	int r;

	memset(u, 0, sizeof *u);
	if ((r = spool_lock(sp, SPOOL_LOCK_STATE, 0)) != 1)
		return r;
	if (what & SPOOL_UPKEEP_RECOVER) {
		u->moved = spool_migrate(sp);
		if ((u->restored = spool_recover(sp, now)) == -1)
			u->restored = 0;
	}
	if (what & SPOOL_UPKEEP_CLEAN) {
		last = spool_stamp_get(sp, SPOOL_STAMP_LAST_PURGE);
		if ((last > now || now - last >= SPOOL_PURGE_INTERVAL_SEC) &&
		    (u->purged = spool_purge_done(sp, now - keep_sec)) != -1)
			spool_stamp_set(sp, SPOOL_STAMP_LAST_PURGE, now);
		if (u->purged == -1)
			u->purged = 0;
		if ((u->cleaned = spool_clean_tmp(sp, now,
		    SPOOL_TMP_STALE_SEC)) == -1)
			u->cleaned = 0;
	}
	spool_unlock(sp, SPOOL_LOCK_STATE);
	return 1;
}

/*
 * One event in a run's (or show's) hands: taken with its meta, body and
 * log, its progress saved while its hooks run, and let go of with its
 * outcome recorded. What a run records is made durable in this order:
 * the hook log's data, then the meta's data, then its name (the
 * directories are synced for a batch by spool_sync).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "io.h"
#include "log.h"

#include "spool-int.h"

int
spool_take(struct spool *sp, const char *id, enum spool_take how,
    struct spool_event *e)
{
	int st;

	memset(e, 0, sizeof *e);
	e->sp = sp;
	e->how = how;
	e->body_fd = e->log_fd = -1;
	if ((st = spool_find(sp, id, how == SPOOL_TAKE_RUN ? SPOOL_UNFINISHED :
	    SPOOL_ANY, &e->meta)) == -1)
		return -1;
	e->state = (enum spool_state)st;
	e->fresh = e->meta.attempts == 0 && e->meta.hooks_done[0] == '\0';
	if ((e->body_fd = spool_body_open(sp, e->meta.id)) == -1)
		e->body_errno = errno;
	if (how == SPOOL_TAKE_READ) {
		if (spool_body_path(sp, e->meta.id, e->body_path,
		    sizeof e->body_path) == -1)
			snprintf(e->body_path, sizeof e->body_path, "?");
		if (spool_log_path(sp, e->meta.id, e->log_path,
		    sizeof e->log_path) == -1)
			snprintf(e->log_path, sizeof e->log_path, "?");
	} else if (e->body_fd != -1 &&
	    spool_body_read_fd(e->body_fd, &e->body, &e->len) == -1) {
		e->body_errno = errno;
	}
	return st;
}

int
spool_log(struct spool_event *e)
{
	const char *id = e->meta.id;

	if (e->log_fd != -1 || e->log_refused)
		return e->log_fd;
	if (e->how == SPOOL_TAKE_READ)
		e->log_fd = spool_log_open_read(e->sp, id);
	else if ((e->log_fd = spool_log_open(e->sp, id)) == -1)
		log_msg(LOG_LEVEL_ERR, "event %s: logs/%s.log: %s; the hook's "
		    "output is not kept", id, id, io_strerror(errno));
	e->log_refused = e->log_fd == -1;
	return e->log_fd;
}

/* The log is on disk before the meta that counts the attempts it
 * describes. */
static void
spool_log_sync(struct spool_event *e)
{
	if (e->log_fd != -1 && e->how == SPOOL_TAKE_RUN &&
	    fdatasync(e->log_fd) == -1)
		log_msg(LOG_LEVEL_ERR, "event %s: logs/%s.log: %s", e->meta.id,
		    e->meta.id, strerror(errno));
}

/* Durable before the next hook starts: a power cut during that hook
 * must not run this one again. */
int
spool_save(struct spool_event *e)
{
	spool_log_sync(e);
	e->meta.revised = 1;
	return spool_meta_save(e->sp, e->state, &e->meta, SPOOL_SYNC_ALL);
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

/* The meta of an event taken from state from, recorded in state to;
 * fresh: the meta on disk holds no attempt and no hook done (the
 * receiver's, or a requeued one that never ran). */
static int
spool_record(struct spool *sp, struct spool_meta *m, enum spool_state from,
    enum spool_state to, int fresh)
{
	if (to == from) {
		m->revised = 1;
		return spool_meta_save(sp, to, m, SPOOL_SYNC_DATA);
	}
	/* A first try's meta on disk is still the receiver's: one rename
	 * records the outcome, the time it finished being the rename's
	 * ctime (spool_meta_load reads it back so). The receiver did not
	 * sync that file: its data is, before the rename, or a power cut
	 * could leave an empty done/ meta. */
	if (to == SPOOL_DONE && from == SPOOL_PENDING && fresh &&
	    m->attempts == 0 && !m->revised) {
		if (spool_file_sync(sp->statefd[from], m->id) == -1)
			return -1;
		return renameat(sp->statefd[from], m->id, sp->statefd[to],
		    m->id);
	}
	return spool_move(sp, m, from, to, SPOOL_SYNC_DATA);
}

int
spool_finish(struct spool_event *e, int to)
{
	int rc = 0, saved = 0;

	if (to != SPOOL_UNTOUCHED && e->how == SPOOL_TAKE_RUN) {
		spool_log_sync(e);
		if ((rc = spool_record(e->sp, &e->meta, e->state,
		    (enum spool_state)to, e->fresh)) == -1)
			saved = errno;
	}
	if (e->log_fd != -1)
		close(e->log_fd);
	if (e->body_fd != -1)
		close(e->body_fd);
	free(e->body);
	e->body = NULL;
	e->log_fd = e->body_fd = -1;
	errno = saved;
	return rc;
}

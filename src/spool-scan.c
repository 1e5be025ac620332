/* The spool read back: metas and bodies loaded as untrusted input,
 * directories scanned, recovery after a crash, listing and counting. */
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

/* Reads a whole small file below dirfd into buf (size n). */
ssize_t
spool_read_small(int dirfd, const char *name, char *buf, size_t n)
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

	if (sp->statefd[st] == -1) {
		errno = ENOENT;	/* a directory of a later layout */
		return -1;
	}
	if ((n = spool_read_small(sp->statefd[st], id, buf, sizeof buf)) == -1)
		return -1;
	if (meta_parse(buf, (size_t)n, m) == -1 || strcmp(m->id, id)) {
		errno = EINVAL;
		return -1;
	}
	/* Moved to done by a bare rename: it finished when it was moved. */
	if (st >= SPOOL_DONE && m->finished == 0 &&
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

int
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
DIR *
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

void
spool_names_free(struct spool_names *nm)
{
	free(nm->buf);
	free(nm->off);
	free(nm->v);
	memset(nm, 0, sizeof *nm);
}

/* Every valid event id named in dirfd into nm, sorted if asked. */
int
spool_scan(int dirfd, const char *suffix, int sorted, struct spool_names *nm)
{
	size_t len, i, slen = suffix ? strlen(suffix) : 0;
	struct dirent *de;
	void *grown;
	DIR *d;

	memset(nm, 0, sizeof *nm);
	if (dirfd == -1)
		return 0;	/* a directory of a later layout: empty */
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

static int spool_meta_load(struct spool *, enum spool_state, const char *,
    struct spool_meta *);

/* Records a pending or retrying event that cannot run as failed, saying
 * why; a meta that does not even load is removed (there is nothing left
 * to run). */
static int
spool_unfinished_fail(struct spool *sp, enum spool_state st, const char *id,
    const char *why)
{
	struct spool_meta m;

	if (spool_meta_load(sp, st, id, &m) == -1)
		return unlinkat(sp->statefd[st], id, 0);
	snprintf(m.last_error, sizeof m.last_error, "%s", why);
	m.finished = time(NULL);
	m.next_attempt = 0;
	return spool_move(sp, &m, st, SPOOL_FAILED, SPOOL_SYNC_ALL);
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

/* 1 if id has a meta in a state later than st (names: per state). */
static int
spool_later_has(const struct spool_names *names, enum spool_state st,
    const char *id)
{
	int s;

	for (s = (int)st + 1; s < SPOOL_NSTATES; s++)
		if (names_have(&names[s], id))
			return 1;
	return 0;
}

/*
 * Brings the spool's files into agreement, by name (a count of bodies
 * equal to a count of metas says nothing: one missing of each cancels):
 *
 * - pending/<id> beside retrying/<id>, done/<id> or failed/<id>, or
 *   retrying/<id> beside done/<id> or failed/<id>: a meta that came late
 *   (a receiver stalled between its link and its rename while this
 *   recovered the event and ran it). The later state wins; the earlier
 *   one is removed, or the hooks would run twice.
 * - events/<id>.json with no meta: given one (spool_meta_rebuild).
 * - a meta with no body: a removal that was cut short (body first, then
 *   log, then meta). Done and failed ones are removed; a pending or
 *   retrying one cannot run and goes to failed, saying why.
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

	for (s = SPOOL_PENDING; s < SPOOL_DONE; s++) {
		for (i = 0; i < names[s].n; i++) {
			const char *id = names[s].v[i];

			if (!spool_later_has(names, (enum spool_state)s, id) ||
			    unlinkat(sp->statefd[s], id, 0) == -1)
				continue;
			log_msg(LOG_LEVEL_WARN, "event %s: a %s meta beside a "
			    "later one (written late); the later one is kept",
			    id, spool_state_name((enum spool_state)s));
			fixed++;
		}
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

			if (names_have(&events, id) || (s < SPOOL_DONE &&
			    spool_later_has(names, (enum spool_state)s, id)))
				continue;
			/* A redelivery may have stored the body since the
			 * scan, and been answered 200: only the meta goes, and
			 * only while there is still no body. */
			snprintf(name, sizeof name, "%s.json", id);
			if (fstatat(sp->eventsfd, name, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			if (s < SPOOL_DONE ?
			    spool_unfinished_fail(sp, (enum spool_state)s, id,
			    "the stored body is missing") == -1 :
			    unlinkat(sp->statefd[s], id, 0) == -1)
				continue;
			log_msg(LOG_LEVEL_WARN, "event %s: %s meta without a "
			    "body; %s", id, spool_state_name((enum spool_state)s),
			    s < SPOOL_DONE ? "recorded as failed" :
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
	if (st >= SPOOL_DONE && spool_holds_state_lock(sp) &&
	    spool_meta_rebuild_finished(sp, st, name, m, "damaged") == 0)
		return 0;
	/* Rebuilt as a first try: pending (moved there from retrying/). */
	if (st < SPOOL_DONE && sp->locked &&
	    spool_meta_rebuild(sp, name, m, &rst) == 0) {
		if (rst == SPOOL_PENDING && (st == SPOOL_PENDING ?
		    spool_meta_save(sp, st, m, SPOOL_SYNC_ALL) :
		    spool_move(sp, m, st, SPOOL_PENDING, SPOOL_SYNC_ALL)) == 0) {
			log_msg(LOG_LEVEL_WARN, "%s/%s: meta empty, torn or "
			    "not ours; rebuilt from the body as pending (the "
			    "sender's address, attempts and hooks done are "
			    "lost)", spool_state_name(st), name);
			return 0;
		}
		if (rst == SPOOL_FAILED && spool_move(sp, m, st, SPOOL_FAILED,
		    SPOOL_SYNC_ALL) == 0) {
			log_msg(LOG_LEVEL_WARN, "%s/%s: unreadable meta and "
			    "a body that is no event: recorded as failed",
			    spool_state_name(st), name);
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

/* The earliest mtime (the time of receipt) of the bodies named, the
 * ith of every step names from first; 0 if none. A stat each, no meta
 * read: `status` at a backlog of hundreds of thousands. */
struct spool_oldest {
	struct spool		*sp;
	const struct spool_names *nm;
	size_t			 first, step;
	time_t			 oldest;
};

static void *
spool_oldest_part(void *arg)
{
	struct spool_oldest *o = arg;
	char name[EVENT_ID_MAX_CHARS + 8];
	struct stat sb;
	size_t i;

	o->oldest = 0;
	for (i = o->first; i < o->nm->n; i += o->step) {
		snprintf(name, sizeof name, "%s.json", o->nm->v[i]);
		if (fstatat(o->sp->eventsfd, name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    0 && (o->oldest == 0 || sb.st_mtime < o->oldest))
			o->oldest = sb.st_mtime;
	}
	return NULL;
}

static size_t spool_each_nloaders(size_t);

/* Split across the loaders' threads where spool_each would use them. */
static time_t
spool_oldest_body(struct spool *sp, const struct spool_names *nm)
{
	struct spool_oldest part[SPOOL_EACH_THREADS];
	pthread_t tid[SPOOL_EACH_THREADS];
	size_t i, n = spool_each_nloaders(nm->n), started = 0;
	time_t oldest = 0;

	if (n == 0)
		n = 1;
	for (i = 0; i < n; i++) {
		part[i].sp = sp;
		part[i].nm = nm;
		part[i].first = i;
		part[i].step = n;
	}
	/* Part 0 here; the others in threads (or here, if none starts). */
	for (i = 1; i < n; i++)
		if (pthread_create(&tid[i], NULL, spool_oldest_part, &part[i]) !=
		    0)
			break;
	started = i;
	spool_oldest_part(&part[0]);
	for (i = started; i < n; i++)
		spool_oldest_part(&part[i]);
	for (i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < n; i++)
		if (part[i].oldest != 0 && (oldest == 0 || part[i].oldest <
		    oldest))
			oldest = part[i].oldest;
	return oldest;
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
	if (fn == NULL) {
		if (arg != NULL)
			*(time_t *)arg = spool_oldest_body(sp, &nm);
		rc = nm.n > INT_MAX ? INT_MAX : (int)nm.n;
		spool_names_free(&nm);
		return rc;
	}
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
spool_find(struct spool *sp, const char *id, int st, struct spool_meta *m)
{
	static const enum spool_state order[SPOOL_NSTATES] = {
		SPOOL_DONE, SPOOL_FAILED, SPOOL_RETRYING, SPOOL_PENDING
	};
	struct stat sb;
	int i, damaged = ENOENT;

	if (!event_id_is_valid(id, strlen(id))) {
		errno = EINVAL;
		return -1;
	}
	if (st >= 0)
		return spool_meta_load_or_repair(sp, (enum spool_state)st, id,
		    m) == -1 ? -1 : st;
	/* A later state wins over a meta written late (see spool_recover):
	 * an event with a done or failed meta is not unfinished, whatever
	 * else is there. */
	for (i = 0; i < SPOOL_NSTATES; i++) {
		if (st == SPOOL_UNFINISHED && order[i] >= SPOOL_DONE) {
			if (sp->statefd[order[i]] != -1 &&
			    fstatat(sp->statefd[order[i]], id, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0) {
				errno = ENOENT;
				return -1;
			}
			continue;
		}
		if (st == SPOOL_UNFINISHED) {
			if (spool_meta_load_or_repair(sp, order[i], id, m) == 0)
				return order[i];
			if (errno != ENOENT)
				damaged = EINVAL;
			continue;
		}
		if (spool_meta_load(sp, order[i], id, m) == 0)
			return order[i];
		if (errno == ENOENT)
			continue;
		damaged = errno;
		/* requeue's: mended under the state lock. */
		if (order[i] >= SPOOL_DONE && spool_holds_state_lock(sp) &&
		    spool_meta_rebuild_finished(sp, order[i], id, m,
		    "damaged") == 0)
			return order[i];
	}
	errno = damaged;
	return -1;
}

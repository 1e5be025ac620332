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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "spool.h"

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
	int	 tmpfd;
	int	 eventsfd;
	int	 logsfd;
	int	 statefd[SPOOL_NSTATES];
	int	 locked;	/* holds the run lock */
	/* What was opened: the root, then spool_dirs, then the states. */
	struct spool_id	 id[1 + SPOOL_NDIRS + SPOOL_NSTATES];
	char	 host[64];
	unsigned long counter;
};

static int
spool_subdir(struct spool *sp, const char *name, int *fdp, char *err,
    size_t errlen)
{
	if (mkdirat(sp->rootfd, name, 0777) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s/%s: %s", sp->path,
		    name, strerror(errno));
		return -1;
	}
	*fdp = openat(sp->rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (*fdp == -1) {
		snprintf(err, errlen, "cannot open %s/%s: %s", sp->path, name,
		    strerror(errno));
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
spool_open(const char *path, char *err, size_t errlen)
{
	struct spool *sp;
	char *c;
	int i;

	if ((sp = calloc(1, sizeof *sp)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sp->rootfd = sp->lockfd = sp->tmpfd = sp->eventsfd = sp->logsfd = -1;
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
	if (spool_subdir(sp, spool_dirs[0], &sp->tmpfd, err, errlen) == -1 ||
	    spool_subdir(sp, spool_dirs[1], &sp->eventsfd, err, errlen) == -1 ||
	    spool_subdir(sp, spool_dirs[2], &sp->logsfd, err, errlen) == -1)
		goto fail;
	for (i = 0; i < SPOOL_NSTATES; i++)
		if (spool_subdir(sp, spool_state_dirs[i], &sp->statefd[i], err,
		    errlen) == -1)
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

/* time.usec.Ppid_Ncounter_Rrandom.host: unique across processes and
 * hosts, even hosts that share a name (containers, clones of one VM). */
static void
spool_tmp_name(struct spool *sp, char *buf, size_t n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, n, "%lld.%06ld.P%ld_N%lu_R%016llx.%s",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(),
	    ++sp->counter, spool_random64(), sp->host);
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Opens a file below dirfd that must be a regular file: no symlink
 * followed, and no FIFO or device that would block or feed endless
 * bytes (a spool shared through a group may hold files of another
 * user's making). O_NONBLOCK changes nothing for a regular file.
 */
static int
spool_open_file(int dirfd, const char *name, int flags, mode_t mode)
{
	struct stat st;
	int fd, saved;

	fd = openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	    mode);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		saved = errno;
		if (saved == 0 || S_ISREG(st.st_mode) == 0)
			saved = EINVAL;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
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
	if (write_all(fd, buf, len) == -1 || (durable && fsync(fd) == -1))
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
	char buf[8192];
	const char *p = body;
	size_t off = 0;
	ssize_t n;
	int fd, differs = 1;

	fd = spool_open_file(sp->eventsfd, name, O_RDONLY, 0);
	if (fd == -1)
		return 1;
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		if (n == 0) {
			differs = off != len;
			break;
		}
		if ((size_t)n > len - off || memcmp(buf, p + off, (size_t)n))
			break;
		off += (size_t)n;
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

enum spool_result
spool_commit(struct spool *sp, const struct event *ev, const char *remote_addr,
    const void *body, size_t len, int *differs)
{
	char bodytmp[256], metatmp[256], name[EVENT_ID_MAX_CHARS + 8];
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
	n = spool_meta_format(&m, meta, sizeof meta);
	if (n < 0) {
		errno = ENAMETOOLONG;
		return SPOOL_ERROR;
	}
	/* The body must be on disk before its name exists. */
	if (spool_write_tmp(sp, bodytmp, sizeof bodytmp, body, len, 1) == -1)
		return SPOOL_ERROR;
	/* The meta need not be durable: if a crash loses it, the processor
	 * rebuilds it from the body. */
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
	if (fsync(sp->eventsfd) == -1) {
		saved = errno;
		unlinkat(sp->eventsfd, name, 0);
		errno = saved;
		goto fail;
	}
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

/*
 * The meta file: one `key=value` line per field, every field of struct
 * spool_meta, in the order of meta_fields. Values are written with the
 * bytes that could break a line or the format (control bytes, '%', DEL)
 * as %HH.
 *
 * A meta file is read back as untrusted input: in a spool shared through
 * a group, the web server's user can write one. So a file parses only if
 * it has each field exactly once, no other key, and every value is one
 * the receiver could have written: ids and types of their own character
 * sets, a created_at that is RFC 3339 and agrees with `created`, an
 * address or nothing, counts and times in range.
 */
enum meta_kind {
	META_ID,	/* event_id_is_valid */
	META_TYPE,	/* event_type_is_valid */
	META_CREATED_AT, /* RFC 3339, checked against created */
	META_ORG,	/* event_org_id_is_valid */
	META_ADDR,	/* an address, or empty */
	META_HOOKS,	/* hook names, space-separated */
	META_TEXT,	/* printable, may be empty */
	META_TIME,	/* a time_t from 0 */
	META_COUNT,	/* a long from 0 to MAX_ATTEMPTS_LIMIT */
	META_STAMP,	/* received: seconds.nanoseconds */
	META_STAMP_TEXT	/* received_at: derived from received */
};

struct meta_field {
	const char	*key;
	enum meta_kind	 kind;
	size_t		 off;
	size_t		 size;	/* of a string field's buffer */
};

#define META_STR(key, kind, member) \
	{ key, kind, offsetof(struct spool_meta, member), \
	    sizeof(((struct spool_meta *)0)->member) }
#define META_NUM(key, kind, member) \
	{ key, kind, offsetof(struct spool_meta, member), 0 }

static const struct meta_field meta_fields[] = {
	META_STR("event_id", META_ID, id),
	META_STR("event_type", META_TYPE, type),
	META_STR("created_at", META_CREATED_AT, created_at),
	META_NUM("created", META_TIME, created),
	META_STR("org_id", META_ORG, org_id),
	META_NUM("received_at", META_STAMP_TEXT, received),
	META_NUM("received", META_STAMP, received),
	META_STR("remote_addr", META_ADDR, remote_addr),
	META_NUM("attempts", META_COUNT, attempts),
	META_NUM("next_attempt", META_TIME, next_attempt),
	META_NUM("finished", META_TIME, finished),
	META_STR("hooks_done", META_HOOKS, hooks_done),
	META_STR("last_error", META_TEXT, last_error),
};
#define META_NFIELDS	(sizeof meta_fields / sizeof meta_fields[0])

/* The longest a meta file can be: every string field full and every byte
 * of it escaped, every number at its longest, each key with '=' and '\n'. */
_Static_assert(SPOOL_META_MAX_BYTES >
    3 * (EVENT_ID_MAX_CHARS + EVENT_TYPE_MAX_CHARS + CREATED_AT_MAX_BYTES +
    ORG_ID_MAX_BYTES + REMOTE_ADDR_MAX_BYTES + SPOOL_HOOKS_DONE_BYTES +
    SPOOL_ERROR_BYTES) + 13 * (16 + 2 + 32),
    "SPOOL_META_MAX_BYTES holds the longest meta file");

/* One line: key=value with value escaped. */
static int
meta_put(char *buf, size_t n, size_t *off, const char *key, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = *off;
	const unsigned char *p;
	int k;

	k = snprintf(buf + o, n - o, "%s=", key);
	if (k < 0 || (size_t)k >= n - o)
		return -1;
	o += (size_t)k;
	for (p = (const unsigned char *)val; *p != '\0'; p++) {
		if (o + 4 >= n)
			return -1;
		if (*p < 0x20 || *p == '%' || *p == 0x7f) {
			buf[o++] = '%';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
		} else {
			buf[o++] = (char)*p;
		}
	}
	if (o + 1 >= n)
		return -1;
	buf[o++] = '\n';
	buf[o] = '\0';
	*off = o;
	return 0;
}

/* The text of a field as it is written, into val (size n). */
static void
meta_field_text(const struct meta_field *f, const struct spool_meta *m,
    char *val, size_t n)
{
	const char *base = (const char *)m + f->off;
	const struct timespec *ts = (const struct timespec *)(const void *)base;

	switch (f->kind) {
	case META_TIME:
		snprintf(val, n, "%lld", (long long)*(const time_t *)(const void *)
		    base);
		break;
	case META_COUNT:
		snprintf(val, n, "%ld", *(const long *)(const void *)base);
		break;
	case META_STAMP:
		snprintf(val, n, "%lld.%09ld", (long long)ts->tv_sec,
		    ts->tv_nsec);
		break;
	case META_STAMP_TEXT:
		log_format_time(val, n, ts->tv_sec, ts->tv_nsec);
		break;
	default:
		snprintf(val, n, "%s", base);
		break;
	}
}

int
spool_meta_format(const struct spool_meta *m, char *buf, size_t n)
{
	char val[SPOOL_HOOKS_DONE_BYTES];
	size_t off = 0, i;

	for (i = 0; i < META_NFIELDS; i++) {
		meta_field_text(&meta_fields[i], m, val, sizeof val);
		if (meta_put(buf, n, &off, meta_fields[i].key, val) == -1)
			return -1;
	}
	return (int)off;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a %HH-escaped value of length len into dst (size n); *lenp is
 * its decoded length. -1 for a bad escape, a NUL, or a value too long. */
static int
meta_get(char *dst, size_t n, const char *v, size_t len, size_t *lenp)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (o + 1 >= n)
			return -1;
		if (v[i] == '%') {
			if (i + 2 >= len)
				return -1;
			hi = hexval((unsigned char)v[i + 1]);
			lo = hexval((unsigned char)v[i + 2]);
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return -1;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			return -1;	/* written escaped: not our file */
		} else {
			dst[o++] = v[i];
		}
	}
	dst[o] = '\0';
	*lenp = o;
	return 0;
}

/* Digits only, no sign, at most max. */
static int
meta_get_number(const char *v, long long max, long long *out)
{
	long long x = 0;

	if (*v == '\0' || (v[0] == '0' && v[1] != '\0'))
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9' || x > (max - (*v - '0')) / 10)
			return -1;
		x = x * 10 + (*v - '0');
	}
	*out = x;
	return 0;
}

/* No control byte (C0, DEL) anywhere: nothing that could be a line, a
 * terminal sequence or a field separator. */
static int
meta_text_is_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Space-separated names as hooks_done holds them: [A-Za-z0-9_.-]+ each
 * (a directory's hooks, or a single hook named after its event type). */
static int
meta_hooks_are_valid(const char *s)
{
	size_t word = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ') {
			if (word == 0 || s[1] == '\0')
				return 0;
			word = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
		    *s == '-') || ++word > HOOK_NAME_MAX_CHARS)
			return 0;
	}
	return 1;
}

/* Checks one decoded value against its field and stores it in m. */
static int
meta_field_set(const struct meta_field *f, struct spool_meta *m,
    const char *val, size_t len)
{
	char *base = (char *)m + f->off;
	struct timespec *ts = (struct timespec *)(void *)base;
	char text[64];
	const char *dot;
	long long v;

	switch (f->kind) {
	case META_ID:
		if (!event_id_is_valid(val, len))
			return -1;
		break;
	case META_TYPE:
		if (!event_type_is_valid(val, len))
			return -1;
		break;
	case META_ORG:
		if (!event_org_id_is_valid(val, len))
			return -1;
		break;
	case META_ADDR:
		if (len > 0 && !log_addr_is_valid(val))
			return -1;
		break;
	case META_HOOKS:
		if (!meta_hooks_are_valid(val))
			return -1;
		break;
	case META_CREATED_AT:
	case META_TEXT:
		if (!meta_text_is_printable(val))
			return -1;
		break;
	case META_TIME:
		if (meta_get_number(val, SPOOL_META_TIME_MAX, &v) == -1)
			return -1;
		*(time_t *)(void *)base = (time_t)v;
		return 0;
	case META_COUNT:
		if (meta_get_number(val, MAX_ATTEMPTS_LIMIT, &v) == -1)
			return -1;
		*(long *)(void *)base = (long)v;
		return 0;
	case META_STAMP:
		if ((dot = strchr(val, '.')) == NULL ||
		    (size_t)(dot - val) >= sizeof text ||
		    strlen(dot + 1) != 9 || strspn(dot + 1, "0123456789") != 9)
			return -1;
		memcpy(text, val, (size_t)(dot - val));
		text[dot - val] = '\0';
		if (meta_get_number(text, SPOOL_META_TIME_MAX, &v) == -1)
			return -1;
		ts->tv_sec = (time_t)v;
		ts->tv_nsec = strtol(dot + 1, NULL, 10);
		return 0;
	case META_STAMP_TEXT:
		return 0;	/* checked against received once that is read */
	}
	if (len >= f->size)
		return -1;
	memcpy(base, val, len + 1);
	return 0;
}

int
spool_meta_parse(const char *buf, size_t len, struct spool_meta *m)
{
	const char *p = buf, *end = buf + len, *nl, *eq;
	char val[SPOOL_HOOKS_DONE_BYTES], stamp[64], derived[64];
	unsigned char seen[META_NFIELDS];
	size_t vlen, i;
	time_t created;

	memset(m, 0, sizeof *m);
	memset(seen, 0, sizeof seen);
	stamp[0] = '\0';
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return -1;	/* a torn file */
		if ((eq = memchr(p, '=', (size_t)(nl - p))) == NULL)
			return -1;
		for (i = 0; i < META_NFIELDS; i++)
			if (strlen(meta_fields[i].key) == (size_t)(eq - p) &&
			    memcmp(meta_fields[i].key, p, (size_t)(eq - p)) == 0)
				break;
		if (i == META_NFIELDS || seen[i]++)
			return -1;	/* not a key of ours, or given twice */
		if (meta_get(val, sizeof val, eq + 1, (size_t)(nl - eq - 1),
		    &vlen) == -1 || meta_field_set(&meta_fields[i], m, val,
		    vlen) == -1)
			return -1;
		if (meta_fields[i].kind == META_STAMP_TEXT) {
			if (vlen >= sizeof stamp)
				return -1;
			memcpy(stamp, val, vlen + 1);
		}
		p = nl + 1;
	}
	for (i = 0; i < META_NFIELDS; i++)
		if (!seen[i])
			return -1;
	if (event_parse_time(m->created_at, &created) == -1 ||
	    created != m->created)
		return -1;
	log_format_time(derived, sizeof derived, m->received.tv_sec,
	    m->received.tv_nsec);
	if (strcmp(stamp, derived) != 0)
		return -1;
	return 0;
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

int
spool_lock_holder(struct spool *sp, struct spool_lock_holder *h)
{
	char buf[SPOOL_LOCK_HOST_BYTES + 64], *line, *next, *c;
	long long v;
	ssize_t len;
	int fd, held;

	memset(h, 0, sizeof h[0]);
	if (sp->locked) {
		held = 1;	/* this process: its record is its own */
	} else {
		fd = spool_open_file(sp->rootfd, "run.lock", O_RDONLY, 0);
		if (fd == -1)
			return errno == ENOENT ? 0 : -1;
		/* A shared lock taken for an instant: a run starting in that
		 * instant leaves it to the next (cron's next minute). */
		if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
			flock(fd, LOCK_UN);
			held = 0;
		} else {
			held = errno == EWOULDBLOCK ? 1 : -1;
		}
		close(fd);
		if (held != 1)
			return held;
	}
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
		    meta_get_number(line + 4, 1LL << 31, &v) == 0) {
			h->pid = (long)v;
		} else if (strncmp(line, "since=", 6) == 0 &&
		    meta_get_number(line + 6, SPOOL_META_TIME_MAX, &v) == 0) {
			h->since = (time_t)v;
		}
	}
	return 1;
}

int
spool_lock(struct spool *sp)
{
	if (sp->lockfd == -1) {
		sp->lockfd = openat(sp->rootfd, "run.lock", O_RDWR | O_CREAT |
		    O_CLOEXEC | O_NOFOLLOW, 0666);
		if (sp->lockfd == -1)
			return -1;
	}
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB) == -1)
		return errno == EWOULDBLOCK ? 0 : -1;
	sp->locked = 1;
	spool_lock_record(sp);
	return 1;
}

int
spool_lock_wait(struct spool *sp, long wait_sec)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	long tries;
	int r;

	for (tries = 0; (r = spool_lock(sp)) == 0 && tries < wait_sec * 10;
	    tries++)
		nanosleep(&tick, NULL);
	return r;
}

/* Reads a whole small file below dirfd into buf (size n). */
static ssize_t
read_small(int dirfd, const char *name, char *buf, size_t n)
{
	size_t off = 0;
	ssize_t r;
	int fd, saved;

	fd = spool_open_file(dirfd, name, O_RDONLY, 0);
	if (fd == -1)
		return -1;
	while (off < n) {
		r = read(fd, buf + off, n - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	if (off == n) {
		errno = EFBIG;
		return -1;
	}
	return (ssize_t)off;
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
	if (spool_meta_parse(buf, (size_t)n, m) == -1 || strcmp(m->id, id)) {
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
	return spool_open_event_file(sp->logsfd, id, ".log",
	    O_WRONLY | O_APPEND | O_CREAT);
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
	if (spool_body_read(sp, id, &body, &len) == -1)
		return -1;
	memset(m, 0, sizeof *m);
	*st = SPOOL_PENDING;
	if (event_parse(body, len, &ev, NULL, err, sizeof err) == EVENT_OK &&
	    strcmp(ev.id, id) == 0) {
		spool_meta_from_event(m, &ev, "");
	} else {
		snprintf(m->id, sizeof m->id, "%s", id);
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

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every valid event id named in dirfd (suffix stripped), appended to
 * *names. */
static int
spool_scan(int dirfd, const char *suffix, char ***names, size_t *n,
    size_t *cap)
{
	struct dirent *de;
	size_t len, slen = suffix ? strlen(suffix) : 0;
	char **grown;
	DIR *d;

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
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			grown = realloc(*names, *cap * sizeof **names);
			if (grown == NULL)
				goto fail;
			*names = grown;
		}
		if (((*names)[*n] = strndup(de->d_name, len)) == NULL)
			goto fail;
		(*n)++;
	}
	closedir(d);
	return 0;
fail:
	closedir(d);
	errno = ENOMEM;
	return -1;
}

static void
names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Writes meta into state st under its id only if there is none yet. */
static int
spool_meta_create(struct spool *sp, enum spool_state st,
    const struct spool_meta *m)
{
	char tmp[256], buf[SPOOL_META_MAX_BYTES];
	int n, rc;

	if ((n = spool_meta_format(m, buf, sizeof buf)) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (spool_write_tmp(sp, tmp, sizeof tmp, buf, (size_t)n, 1) == -1)
		return -1;
	rc = linkat(sp->tmpfd, tmp, sp->statefd[st], m->id, 0);
	if (rc == -1 && errno == EEXIST)
		rc = 0;
	unlinkat(sp->tmpfd, tmp, 0);
	return rc;
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
	return spool_move(sp, &m, SPOOL_PENDING, SPOOL_FAILED, 1);
}

/* 1 if id is among the n sorted names. */
static int
names_have(char **names, size_t n, const char *id)
{
	return n > 0 && bsearch(&id, names, n, sizeof *names, name_cmp) != NULL;
}

/* Every valid event id named in dirfd, sorted. */
static int
spool_scan_sorted(int dirfd, const char *suffix, char ***names, size_t *n)
{
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (spool_scan(dirfd, suffix, names, n, &cap) == -1)
		return -1;
	if (*n > 1)
		qsort(*names, *n, sizeof **names, name_cmp);
	return 0;
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
 * Runs under the run lock, which requeue and purge take too.
 */
int
spool_recover(struct spool *sp, time_t now)
{
	char **names[SPOOL_NSTATES] = { NULL }, **events = NULL;
	char name[EVENT_ID_MAX_CHARS + 8];
	size_t n[SPOOL_NSTATES] = { 0 }, nev = 0, i;
	struct spool_meta m;
	enum spool_state st;
	struct stat sb;
	int s, fixed = 0, rc = -1;

	for (s = 0; s < SPOOL_NSTATES; s++)
		if (spool_scan_sorted(sp->statefd[s], NULL, &names[s], &n[s])
		    == -1)
			goto done;
	if (spool_scan_sorted(sp->eventsfd, ".json", &events, &nev) == -1)
		goto done;

	for (i = 0; i < n[SPOOL_PENDING]; i++) {
		const char *id = names[SPOOL_PENDING][i];

		if (!names_have(names[SPOOL_DONE], n[SPOOL_DONE], id) &&
		    !names_have(names[SPOOL_FAILED], n[SPOOL_FAILED], id))
			continue;
		if (unlinkat(sp->statefd[SPOOL_PENDING], id, 0) == -1)
			continue;
		log_msg(LOG_LEVEL_WARN, "event %s: a pending meta beside a "
		    "finished one (written late); the finished one is kept",
		    id);
		fixed++;
	}

	for (i = 0; i < nev; i++) {
		for (s = 0; s < SPOOL_NSTATES; s++)
			if (names_have(names[s], n[s], events[i]))
				break;
		if (s < SPOOL_NSTATES)
			continue;
		snprintf(name, sizeof name, "%s.json", events[i]);
		if (fstatat(sp->eventsfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    sb.st_mtime > now - SPOOL_ORPHAN_MIN_AGE_SEC)
			continue;
		if (spool_meta_rebuild(sp, events[i], &m, &st) == -1 ||
		    spool_meta_create(sp, st, &m) == -1) {
			log_msg(LOG_LEVEL_ERR, "event %s: cannot restore its "
			    "meta: %s", events[i], strerror(errno));
			continue;
		}
		log_msg(LOG_LEVEL_INFO, "event %s: stored without meta; "
		    "restored as %s", events[i], spool_state_name(st));
		fixed++;
	}

	for (s = 0; s < SPOOL_NSTATES; s++) {
		for (i = 0; i < n[s]; i++) {
			const char *id = names[s][i];

			if (names_have(events, nev, id) ||
			    (s == SPOOL_PENDING &&
			    (names_have(names[SPOOL_DONE], n[SPOOL_DONE], id) ||
			    names_have(names[SPOOL_FAILED], n[SPOOL_FAILED], id))))
				continue;
			if (s == SPOOL_PENDING ?
			    spool_pending_fail(sp, id, "the stored body is "
			    "missing") == -1 :
			    spool_remove(sp, id, (enum spool_state)s) == -1)
				continue;
			log_msg(LOG_LEVEL_WARN, "event %s: %s meta without a "
			    "body; %s", id, spool_state_name((enum spool_state)s),
			    s == SPOOL_PENDING ? "recorded as failed" :
			    "its removal is finished");
			fixed++;
		}
	}
	rc = fixed;
done:
	for (s = 0; s < SPOOL_NSTATES; s++)
		names_free(names[s], n[s]);
	names_free(events, nev);
	return rc;
}

int
spool_list(struct spool *sp, enum spool_state st, struct spool_meta **out,
    size_t *n)
{
	char **names = NULL;
	size_t nnames = 0, cap = 0, i;
	struct spool_meta *list = NULL;
	enum spool_state rst;

	*out = NULL;
	*n = 0;
	if (spool_scan(sp->statefd[st], NULL, &names, &nnames, &cap) == -1)
		return -1;
	if (nnames > 0 && (list = calloc(nnames, sizeof *list)) == NULL) {
		names_free(names, nnames);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < nnames; i++) {
		if (spool_meta_load(sp, st, names[i], &list[*n]) == 0) {
			(*n)++;
			continue;
		}
		if (errno == ENOENT)
			continue;	/* moved meanwhile */
		/* A torn meta file (a crash while it was being replaced
		 * without fsync) or a foreign one: rebuilt from the body, or
		 * recorded as failed if the body is no event either; only
		 * under the run lock (not while `list` looks). */
		if (st == SPOOL_PENDING && sp->locked &&
		    spool_meta_rebuild(sp, names[i], &list[*n], &rst) == 0) {
			if (rst == SPOOL_PENDING &&
			    spool_meta_save(sp, st, &list[*n], 1) == 0) {
				log_msg(LOG_LEVEL_WARN, "pending/%s: meta torn or "
				    "not ours; rebuilt from the body",
				    names[i]);
				(*n)++;
				continue;
			}
			if (rst == SPOOL_FAILED &&
			    spool_move(sp, &list[*n], SPOOL_PENDING,
			    SPOOL_FAILED, 1) == 0) {
				log_msg(LOG_LEVEL_WARN, "pending/%s: unreadable "
				    "meta and a body that is no event: recorded "
				    "as failed", names[i]);
				continue;
			}
		}
		log_msg(LOG_LEVEL_WARN, "%s/%s: unreadable meta, skipped",
		    spool_state_name(st), names[i]);
	}
	names_free(names, nnames);
	*out = list;
	return 0;
}

long
spool_count(struct spool *sp, enum spool_state st)
{
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (spool_scan(sp->statefd[st], NULL, &names, &n, &cap) == -1)
		return -1;
	names_free(names, n);
	return (long)n;
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
		if (errno != ENOENT)
			damaged = errno;
	}
	errno = damaged;
	return -1;
}

int
spool_meta_save(struct spool *sp, enum spool_state st,
    const struct spool_meta *m, int durable)
{
	char tmp[256], buf[SPOOL_META_MAX_BYTES];
	int n, saved;

	if ((n = spool_meta_format(m, buf, sizeof buf)) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (spool_write_tmp(sp, tmp, sizeof tmp, buf, (size_t)n, durable) == -1)
		return -1;
	if (renameat(sp->tmpfd, tmp, sp->statefd[st], m->id) == -1) {
		saved = errno;
		unlinkat(sp->tmpfd, tmp, 0);
		errno = saved;
		return -1;
	}
	if (durable && fsync(sp->statefd[st]) == -1)
		return -1;
	return 0;
}

int
spool_move(struct spool *sp, const struct spool_meta *m,
    enum spool_state from, enum spool_state to, int durable)
{
	if (spool_meta_save(sp, from, m, durable) == -1)
		return -1;
	if (renameat(sp->statefd[from], m->id, sp->statefd[to], m->id) == -1)
		return -1;
	if (durable && (fsync(sp->statefd[to]) == -1 ||
	    fsync(sp->statefd[from]) == -1))
		return -1;
	return 0;
}

int
spool_move_as_is(struct spool *sp, const char *id, enum spool_state from,
    enum spool_state to)
{
	return renameat(sp->statefd[from], id, sp->statefd[to], id);
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

int
spool_remove(struct spool *sp, const char *id, enum spool_state st)
{
	char name[EVENT_ID_MAX_CHARS + 8];

	if (!event_id_is_valid(id, strlen(id))) {
		errno = EINVAL;
		return -1;
	}
	snprintf(name, sizeof name, "%s.json", id);
	if (unlinkat(sp->eventsfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	snprintf(name, sizeof name, "%s.log", id);
	if (unlinkat(sp->logsfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	if (unlinkat(sp->statefd[st], id, 0) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

int
spool_purge_done(struct spool *sp, time_t cutoff)
{
	char **names = NULL, name[EVENT_ID_MAX_CHARS + 8];
	size_t n = 0, cap = 0, i;
	struct stat sb;
	int removed = 0;

	if (spool_scan(sp->statefd[SPOOL_DONE], NULL, &names, &n, &cap) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s.json", names[i]);
		if (fstatat(sp->eventsfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    sb.st_mtime >= cutoff)
			continue;
		if (spool_remove(sp, names[i], SPOOL_DONE) == 0)
			removed++;
	}
	names_free(names, n);
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
	char tmp[256], buf[32];
	int n, saved;

	n = snprintf(buf, sizeof buf, "%lld\n", (long long)t);
	if (spool_write_tmp(sp, tmp, sizeof tmp, buf, (size_t)n, 0) == -1)
		return -1;
	if (renameat(sp->tmpfd, tmp, sp->rootfd, name) == -1) {
		saved = errno;
		unlinkat(sp->tmpfd, tmp, 0);
		errno = saved;
		return -1;
	}
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
	if (meta_get_number(buf, SPOOL_META_TIME_MAX, &v) == -1)
		return 0;
	return (time_t)v;
}

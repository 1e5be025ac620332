/*
 * The spool's counters: how many attempts at events' hooks run recorded,
 * by result, and what the last run that ended came to. A count must
 * survive a restart and a purge (Prometheus takes a counter that goes
 * down for a reset), so it is kept in a file of its own at the spool's
 * top, never derived from the events still there:
 *
 *   counters        "name value" lines, replaced whole: written to
 *                   counters.tmp, fsync'd, renamed over it
 *   counters.lock   flock(2)ed around each read-add-write (one run holds
 *                   the run lock at a time, but the file is not the run
 *                   lock's to guard)
 *
 * A run adds its tallies (which its scheduler keeps for its children
 * too) when it ends, and a run --watch every time it rescans: one write
 * and one fsync a run, not one an event beside the event's own. A run
 * killed before it adds them leaves its outcomes uncounted: a count may
 * fall short, never go back.
 *
 * A reader takes no lock: the rename shows it the old file or the new.
 * The file is read as untrusted input (others may share the spool):
 * numbers in range, anything else left out.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "io.h"
#include "log.h"
#include "text.h"

#define COUNTERS_FILE		"counters"
#define COUNTERS_TMP		"counters.tmp"
#define COUNTERS_LOCK		"counters.lock"
#define COUNTERS_FILE_BYTES	1024
#define COUNTERS_VALUE_MAX	1000000000000000000LL

static const char *const counters_results[COUNTERS_NRESULTS] = {
	"done", "retry", "failed"
};

const char *
counters_result_name(enum counters_result r)
{
	return r < COUNTERS_NRESULTS ? counters_results[r] : "?";
}

/* One "name value" line into c; unknown names and bad values are left
 * out. */
static void
counters_parse_line(struct counters *c, const char *name, const char *value)
{
	long long v;
	int r;

	if (text_number_parse(value, COUNTERS_VALUE_MAX, &v) == -1)
		return;
	for (r = 0; r < COUNTERS_NRESULTS; r++) {
		if (strncmp(name, "attempts_", 9) == 0 &&
		    strcmp(name + 9, counters_results[r]) == 0)
			c->attempts[r] = (unsigned long long)v;
		if (strncmp(name, "run_", 4) == 0 &&
		    strcmp(name + 4, counters_results[r]) == 0) {
			c->run_events[r] = v;
			c->run_known = 1;
		}
	}
	if (strcmp(name, "run_start") == 0)
		c->run_start = (time_t)v;
}

static int
counters_read_at(int dirfd, struct counters *c)
{
	char buf[COUNTERS_FILE_BYTES], *line, *next, *sp;
	struct stat sb;
	ssize_t n;
	int fd;

	memset(c, 0, sizeof *c);
	if ((fd = openat(dirfd, COUNTERS_FILE, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	n = io_read_full(fd, buf, sizeof buf - 1);
	close(fd);
	if (n == -1)
		return -1;
	buf[n] = '\0';
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			break;		/* a last line cut short: left out */
		*next++ = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		counters_parse_line(c, line, sp + 1);
	}
	return 0;
}

static int
counters_write_at(int dirfd, const struct counters *c)
{
	char buf[COUNTERS_FILE_BYTES];
	size_t len = 0;
	int fd = -1, r, n, saved;

	for (r = 0; r < COUNTERS_NRESULTS; r++) {
		n = snprintf(buf + len, sizeof buf - len, "attempts_%s %llu\n",
		    counters_results[r], c->attempts[r]);
		len += (size_t)n;
	}
	if (c->run_known) {
		n = snprintf(buf + len, sizeof buf - len, "run_start %lld\n",
		    (long long)c->run_start);
		len += (size_t)n;
		for (r = 0; r < COUNTERS_NRESULTS; r++) {
			n = snprintf(buf + len, sizeof buf - len, "run_%s %lld\n",
			    counters_results[r], c->run_events[r]);
			len += (size_t)n;
		}
	}
	/* A leftover of a writer killed before its rename is ours to
	 * remove (under the lock); never written through (it could be a
	 * link someone else made). */
	if (unlinkat(dirfd, COUNTERS_TMP, 0) == -1 && errno != ENOENT)
		return -1;
	if ((fd = openat(dirfd, COUNTERS_TMP, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0666)) == -1)
		return -1;
	if (io_write_all(fd, buf, len) == -1 || fsync(fd) == -1)
		goto fail;
	r = close(fd);
	fd = -1;
	if (r == -1 || renameat(dirfd, COUNTERS_TMP, dirfd, COUNTERS_FILE) ==
	    -1)
		goto fail;
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlinkat(dirfd, COUNTERS_TMP, 0);
	errno = saved;
	return -1;
}

/* What to change under the lock. */
struct counters_change {
	long			 add[COUNTERS_NRESULTS];	/* attempts */
	int			 run;		/* 1: a run ended */
	time_t			 run_start;
	long			 run_events[COUNTERS_NRESULTS];
};

/* What this process added so far of its run's tallies. */
static long counters_added[COUNTERS_NRESULTS];

static int
counters_update(const char *spool, const struct counters_change *ch)
{
	struct counters c;
	int dirfd = -1, lockfd = -1, rc = -1, r;

	if ((dirfd = open(spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		goto done;
	if ((lockfd = openat(dirfd, COUNTERS_LOCK, O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0666)) == -1)
		goto done;
	while ((r = flock(lockfd, LOCK_EX)) == -1 && errno == EINTR)
		;
	if (r == -1)
		goto done;
	/* A file that does not read is not made zero by a write: counts
	 * that went backwards would look like a reset. */
	if (counters_read_at(dirfd, &c) == -1)
		goto done;
	for (r = 0; r < COUNTERS_NRESULTS; r++)
		if (ch->add[r] > 0)
			c.attempts[r] += (unsigned long long)ch->add[r];
	if (ch->run) {
		c.run_known = 1;
		c.run_start = ch->run_start;
		for (r = 0; r < COUNTERS_NRESULTS; r++)
			c.run_events[r] = ch->run_events[r];
	}
	rc = counters_write_at(dirfd, &c);
done:
	if (rc == -1)
		log_msg(LOG_LEVEL_ERR, "%s/%s: cannot count: %s", spool,
		    COUNTERS_FILE, strerror(errno));
	if (lockfd != -1)
		close(lockfd);	/* lets go of the lock */
	if (dirfd != -1)
		close(dirfd);
	return rc;
}

int
counters_read(const char *spool, struct counters *c)
{
	int dirfd, rc, saved;

	memset(c, 0, sizeof *c);
	if ((dirfd = open(spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	rc = counters_read_at(dirfd, c);
	saved = errno;
	close(dirfd);
	errno = saved;
	return rc;
}

/* The change that adds what is not yet added of the tallies. */
static void
counters_delta(struct counters_change *ch, long done, long retrying,
    long failed)
{
	const long now[COUNTERS_NRESULTS] = { done, retrying, failed };
	int r;

	memset(ch, 0, sizeof *ch);
	for (r = 0; r < COUNTERS_NRESULTS; r++) {
		ch->add[r] = now[r] - counters_added[r];
		ch->run_events[r] = now[r];
	}
}

static int
counters_apply(const char *spool, const struct counters_change *ch)
{
	int r;

	if (counters_update(spool, ch) == -1)
		return -1;	/* added next time */
	for (r = 0; r < COUNTERS_NRESULTS; r++)
		counters_added[r] += ch->add[r];
	return 0;
}

int
counters_run_progress(const char *spool, long done, long retrying,
    long failed)
{
	struct counters_change ch;

	counters_delta(&ch, done, retrying, failed);
	if (ch.add[COUNTERS_DONE] <= 0 && ch.add[COUNTERS_RETRY] <= 0 &&
	    ch.add[COUNTERS_FAILED] <= 0)
		return 0;
	return counters_apply(spool, &ch);
}

int
counters_run_ended(const char *spool, time_t start, long done,
    long retrying, long failed)
{
	struct counters_change ch;

	counters_delta(&ch, done, retrying, failed);
	ch.run = 1;
	ch.run_start = start;
	return counters_apply(spool, &ch);
}

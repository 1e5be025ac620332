/*
 * Group commit (SPOOL_OPEN_GROUP): threads share the fsyncs of
 * events/, at most two under way at once, and a shared fsync that fails
 * fails every delivery it was to make durable, not only the thread that
 * made it (each leaves its name, the body behind it whole, and no meta).
 * fsync is wrapped (-Wl,--wrap=fsync) so that the test decides
 * when each fsync of a directory ends, and how.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "spool.h"
#include "tap.h"

#define NTHREADS	8
#define NGATES		16

int __real_fsync(int);
int __wrap_fsync(int);

static char events_dir[512];
static pthread_mutex_t wrap_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wrap_cv = PTHREAD_COND_INITIALIZER;
static int dir_syncs;		/* directory fsyncs begun */
static int open_gate[NGATES];	/* 1: the nth may end; 2: and fails */

static void
nap(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	nanosleep(&tick, NULL);
}

static int
count_names(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The nth fsync of a directory waits until the test opens its gate. */
int
__wrap_fsync(int fd)
{
	struct stat sb;
	int n, how;

	if (fstat(fd, &sb) == -1 || !S_ISDIR(sb.st_mode) ||
	    events_dir[0] == '\0')
		return __real_fsync(fd);
	pthread_mutex_lock(&wrap_lock);
	n = dir_syncs++;
	pthread_cond_broadcast(&wrap_cv);
	while (n < NGATES && open_gate[n] == 0)
		pthread_cond_wait(&wrap_cv, &wrap_lock);
	how = n < NGATES ? open_gate[n] : 1;
	pthread_mutex_unlock(&wrap_lock);
	if (how == 2) {
		errno = EIO;
		return -1;
	}
	return __real_fsync(fd);
}

static void
gate(int n, int how)
{
	pthread_mutex_lock(&wrap_lock);
	open_gate[n] = how;
	pthread_cond_broadcast(&wrap_cv);
	pthread_mutex_unlock(&wrap_lock);
}

/* Waits until n directory fsyncs have begun. */
static void
syncs_begun(int n)
{
	pthread_mutex_lock(&wrap_lock);
	while (dir_syncs < n)
		pthread_cond_wait(&wrap_cv, &wrap_lock);
	pthread_mutex_unlock(&wrap_lock);
}

struct job {
	const char		*spool;
	int			 n;
	enum spool_result	 result;
	int			 err;
};

static void *
store_one(void *arg)
{
	struct job *j = arg;
	char body[512], err[256], id[32];
	struct spool *sp;
	struct event ev;
	int len, differs;

	snprintf(id, sizeof id, "evt_group_%d", j->n);
	len = snprintf(body, sizeof body, "{\"event_id\":\"%s\",\"event_type\":"
	    "\"call.completed\",\"created_at\":\"2026-06-01T10:00:00Z\","
	    "\"org_id\":\"org_1\",\"data\":{\"call_id\":\"call_%d\"}}", id,
	    j->n);
	j->result = SPOOL_ERROR;
	if ((sp = spool_open(j->spool, SPOOL_OPEN_MAKE | SPOOL_OPEN_GROUP, err,
	    sizeof err)) == NULL ||
	    event_parse(body, (size_t)len, &ev, NULL, err, sizeof err) !=
	    EVENT_OK)
		return NULL;
	j->result = spool_commit(sp, &ev, "127.0.0.1", body, (size_t)len,
	    &differs);
	j->err = errno;
	spool_close(sp);
	return NULL;
}

int
main(void)
{
	char tmpl[] = "/tmp/unit-group.XXXXXX", path[600], err[256], *dir;
	struct job jobs[NTHREADS];
	struct spool *sp;
	pthread_t th[NTHREADS];
	int i, stored = 0, failed = 0, eio = 0, kept = 0, nometa = 0, again = 0;
	int waiting;

	if ((dir = mkdtemp(tmpl)) == NULL)
		return 99;
	/* The layout first: its own fsyncs are not the test's. */
	if ((sp = spool_open(dir, SPOOL_OPEN_MAKE, err, sizeof err)) == NULL)
		return 99;
	spool_close(sp);
	snprintf(events_dir, sizeof events_dir, "%s/events", dir);
	for (i = 0; i < NTHREADS; i++) {
		jobs[i].spool = dir;
		jobs[i].n = i;
	}
	/* The first delivery's fsync begins and waits; the second makes
	 * one of its own at once (two may be under way); the other six
	 * link their names and wait, as two are under way. */
	pthread_create(&th[0], NULL, store_one, &jobs[0]);
	syncs_begun(1);
	pthread_create(&th[1], NULL, store_one, &jobs[1]);
	syncs_begun(2);
	for (i = 2; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, store_one, &jobs[i]);
	for (i = 0; i < 500 && count_names(events_dir) < NTHREADS; i++)
		nap();
	for (i = 0; i < 10; i++)
		nap();		/* and are waiting for a turn */
	waiting = dir_syncs;
	/* The first ends well: one of the six makes the third, for all six
	 * of them, which fails; then the second ends well. */
	gate(0, 1);
	pthread_join(th[0], NULL);
	syncs_begun(3);
	gate(2, 2);
	for (i = 2; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	gate(1, 1);
	pthread_join(th[1], NULL);
	for (i = 3; i < NGATES; i++)
		gate(i, 1);
	for (i = 0; i < NTHREADS; i++) {
		if (jobs[i].result == SPOOL_STORED)
			stored++;
		else {
			failed++;
			eio += jobs[i].err == EIO;
			snprintf(path, sizeof path, "%s/evt_group_%d.json",
			    events_dir, i);
			kept += access(path, F_OK) == 0;
			snprintf(path, sizeof path, "%s/pending/evt_group_%d",
			    dir, i);
			nometa += access(path, F_OK) == -1;
		}
	}
	tap_ok(waiting == 2, "two fsyncs of events/ under way at once, the "
	    "others waiting (%d begun)", waiting);
	tap_ok(dir_syncs == 3, "8 deliveries: 3 fsyncs of events/ (%d)",
	    dir_syncs);
	tap_ok(jobs[0].result == SPOOL_STORED && jobs[1].result ==
	    SPOOL_STORED, "the two that made their own fsyncs are stored");
	tap_ok(failed == NTHREADS - 2, "the shared fsync failed: all %d it "
	    "covered fail, not only the thread that made it (%d)",
	    NTHREADS - 2, failed);
	tap_ok(eio == failed, "each with the fsync's error (EIO)");
	tap_ok(kept == failed, "each left its name and whole body in events/ "
	    "(a duplicate may have been answered for it meanwhile)");
	tap_ok(nometa == failed, "and no meta: it is not recorded as pending");
	/* Delivered again, with fsync working: a duplicate of what is
	 * there, answered once its name is synced. */
	for (i = 0; i < NTHREADS; i++)
		if (jobs[i].result != SPOOL_STORED) {
			store_one(&jobs[i]);
			again += jobs[i].result == SPOOL_DUPLICATE;
		}
	tap_ok(again == NTHREADS - 2, "delivered again, each is a duplicate "
	    "of the body left");
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 99;
	return tap_done();
}

/*
 * Group commit (spool_group_commits): threads share the fsyncs of
 * events/, and a shared fsync that fails fails every delivery it was to
 * make durable, not only the thread that made it. fsync is wrapped
 * (-Wl,--wrap=fsync) so that the test decides when a directory's fsync
 * ends and how.
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

#define NTHREADS 8

int __real_fsync(int);
int __wrap_fsync(int);

static char events_dir[512];
static int dir_syncs;		/* directory fsyncs seen */
static pthread_mutex_t wrap_lock = PTHREAD_MUTEX_INITIALIZER;

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

/* The first directory fsync waits until every thread has linked its
 * name (so all the others wait for it) and succeeds; the second, made
 * by one of those others for all of them, fails with EIO. */
int
__wrap_fsync(int fd)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct stat sb;
	int n, i;

	if (fstat(fd, &sb) == -1 || !S_ISDIR(sb.st_mode) ||
	    events_dir[0] == '\0')
		return __real_fsync(fd);
	pthread_mutex_lock(&wrap_lock);
	n = ++dir_syncs;
	pthread_mutex_unlock(&wrap_lock);
	if (n == 1) {
		for (i = 0; i < 300 && count_names(events_dir) < NTHREADS; i++)
			nanosleep(&tick, NULL);
		return __real_fsync(fd);
	}
	if (n == 2) {
		errno = EIO;
		return -1;
	}
	return __real_fsync(fd);
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
	if ((sp = spool_open(j->spool, err, sizeof err)) == NULL ||
	    event_parse(body, (size_t)len, &ev, NULL, err, sizeof err) !=
	    EVENT_OK)
		return NULL;
	spool_group_commits(sp, 1);
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
	int i, stored = 0, failed = 0, eio = 0, gone = 0, again = 0;

	if ((dir = mkdtemp(tmpl)) == NULL)
		return 99;
	/* The layout first: its own fsyncs are not the test's. */
	if ((sp = spool_open(dir, err, sizeof err)) == NULL)
		return 99;
	spool_close(sp);
	snprintf(events_dir, sizeof events_dir, "%s/events", dir);
	for (i = 0; i < NTHREADS; i++) {
		jobs[i].spool = dir;
		jobs[i].n = i;
		pthread_create(&th[i], NULL, store_one, &jobs[i]);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NTHREADS; i++) {
		if (jobs[i].result == SPOOL_STORED)
			stored++;
		else {
			failed++;
			eio += jobs[i].err == EIO;
			snprintf(path, sizeof path, "%s/evt_group_%d.json",
			    events_dir, i);
			gone += access(path, F_OK) == -1;
		}
	}
	tap_ok(dir_syncs == 2, "8 deliveries at once: 2 fsyncs of events/ "
	    "(%d)", dir_syncs);
	tap_ok(stored == 1, "the first, synced alone, is stored (%d stored)",
	    stored);
	tap_ok(failed == NTHREADS - 1, "the shared fsync failed: all %d that "
	    "waited for it fail, not only the thread that made it (%d)",
	    NTHREADS - 1, failed);
	tap_ok(eio == failed, "each with the fsync's error (EIO)");
	tap_ok(gone == failed, "none of them left its name in events/");
	tap_ok(count_names(events_dir) == stored, "events/ holds the stored "
	    "event only");
	/* Delivered again, with fsync working: stored. */
	for (i = 0; i < NTHREADS; i++)
		if (jobs[i].result != SPOOL_STORED) {
			store_one(&jobs[i]);
			again += jobs[i].result == SPOOL_STORED;
		}
	tap_ok(again == NTHREADS - 1, "delivered again, each is stored");
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 99;
	return tap_done();
}

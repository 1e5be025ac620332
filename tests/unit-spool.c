/* The spool's meta format round-trips, escapes what could break a line,
 * and refuses torn or foreign files: a meta file is read back as
 * untrusted input, each field checked as the receiver checks a request. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "meta.h"
#include "spool.h"
#include "tap.h"

/* spool_each over a spool of more events than one thread reads alone
 * (its loader threads): each once, a stop where fn says, a damaged meta
 * left out. */
#define EACH_N	600

struct each_seen {
	unsigned char	 seen[EACH_N];
	long		 calls, twice, stop_at;
};

static int
each_note(const struct spool_meta *m, void *arg)
{
	struct each_seen *e = arg;
	long i = strtol(m->id + 4, NULL, 10);

	if (i >= 0 && i < EACH_N && e->seen[i]++)
		e->twice++;
	return ++e->calls == e->stop_at ? 7 : 0;
}

/* An event taken, its progress saved, its log written, its outcome
 * recorded; the kick's mark left, looked at and taken. */
static void
take_test(struct spool *sp, const char *dir)
{
	struct spool_event e, r;
	struct spool_meta m;
	char path[512];
	int fd;

	tap_ok(spool_take(sp, "evt_5", SPOOL_TAKE_RUN, &e) == SPOOL_PENDING &&
	    e.body != NULL && e.len == 2 && memcmp(e.body, "{}", 2) == 0 &&
	    e.body_fd != -1, "spool_take: meta and body of a pending event");
	snprintf(e.meta.hooks_done, sizeof e.meta.hooks_done, "a");
	tap_ok(spool_save(&e) == 0 && spool_find(sp, "evt_5", SPOOL_PENDING,
	    &m) == SPOOL_PENDING && strcmp(m.hooks_done, "a") == 0,
	    "spool_save: the progress is on disk");
	fd = spool_log(&e);
	tap_ok(fd != -1 && write(fd, "out\n", 4) == 4 && spool_log(&e) == fd,
	    "spool_log: one log, opened once");
	tap_ok(spool_finish(&e, SPOOL_DONE) == 0 && spool_find(sp, "evt_5",
	    SPOOL_ANY, &m) == SPOOL_DONE, "spool_finish: recorded as done");
	tap_ok(spool_take(sp, "evt_5", SPOOL_TAKE_RUN, &e) == -1 &&
	    errno == ENOENT, "a done event is not taken to run");
	tap_ok(spool_take(sp, "evt_5", SPOOL_TAKE_READ, &r) == SPOOL_DONE &&
	    (fd = spool_log(&r)) != -1 && read(fd, path, 4) == 4 &&
	    memcmp(path, "out\n", 4) == 0 && strstr(r.body_path,
	    "/events/evt_5.json") != NULL, "SPOOL_TAKE_READ: any state, "
	    "the log read back, the paths");
	spool_finish(&r, SPOOL_UNTOUCHED);
	tap_ok(spool_take(sp, "evt_6", SPOOL_TAKE_RUN, &e) == SPOOL_PENDING &&
	    spool_finish(&e, SPOOL_UNTOUCHED) == 0 && spool_find(sp, "evt_6",
	    SPOOL_ANY, &m) == SPOOL_PENDING && m.attempts == 0,
	    "SPOOL_UNTOUCHED records nothing");
	tap_ok(spool_kick(sp, SPOOL_KICK_LOOK) == 0 &&
	    spool_kick(sp, SPOOL_KICK_LEAVE) == 1 &&
	    spool_kick(sp, SPOOL_KICK_LEAVE) == 0 &&
	    spool_kick(sp, SPOOL_KICK_LOOK) == 1 &&
	    spool_kick(sp, SPOOL_KICK_TAKE) == 1 &&
	    spool_kick(sp, SPOOL_KICK_TAKE) == 0, "the kick's mark: the "
	    "first leave starts a run, the second not; looked at, taken once");
	snprintf(path, sizeof path, "%s/last-kick", dir);
	tap_ok(access(path, F_OK) == 0, "the start is noted");
}

static void
each_test(void)
{
	char dir[] = "/tmp/unit-spool.XXXXXX", err[256], path[512];
	struct each_seen e;
	struct spool_meta m;
	struct spool *sp;
	struct event ev;
	long i, missing = 0;
	int differs, fd, rc;

	if (mkdtemp(dir) == NULL || (sp = spool_open(dir, SPOOL_OPEN_MAKE, err,
	    sizeof err)) == NULL) {
		tap_ok(0, "a spool to list: %s", strerror(errno));
		return;
	}
	memset(&ev, 0, sizeof ev);
	snprintf(ev.type, sizeof ev.type, "call.completed");
	snprintf(ev.org_id, sizeof ev.org_id, "o");
	snprintf(ev.created_at, sizeof ev.created_at, "2026-06-01T10:00:00Z");
	ev.created = 1780308000;
	for (i = 0, rc = 0; i < EACH_N; i++) {
		snprintf(ev.id, sizeof ev.id, "evt_%ld", i);
		if (spool_commit(sp, &ev, "192.0.2.1", "{}", 2, &differs) !=
		    SPOOL_STORED)
			rc = -1;
	}
	tap_ok(rc == 0, "%d events stored", EACH_N);

	memset(&e, 0, sizeof e);
	rc = spool_each(sp, SPOOL_PENDING, each_note, &e);
	for (i = 0; i < EACH_N; i++)
		missing += !e.seen[i];
	tap_ok(rc == 0 && e.calls == EACH_N && e.twice == 0 && missing == 0,
	    "spool_each: every meta once (%ld calls, %ld twice, %ld missing)",
	    e.calls, e.twice, missing);

	memset(&e, 0, sizeof e);
	e.stop_at = 300;
	rc = spool_each(sp, SPOOL_PENDING, each_note, &e);
	tap_ok(rc == 7 && e.calls == 300, "spool_each stops at fn's first "
	    "non-zero return, and returns it (%d after %ld)", rc, e.calls);

	snprintf(path, sizeof path, "%s/pending/evt_123", dir);
	fd = open(path, O_WRONLY | O_TRUNC);
	tap_ok(fd != -1 && write(fd, "event_id=evt_123\n", 17) == 17,
	    "a meta damaged");
	if (fd != -1)
		close(fd);
	memset(&e, 0, sizeof e);
	rc = spool_each(sp, SPOOL_PENDING, each_note, &e);
	tap_ok(rc == 0 && e.calls == EACH_N - 1 && !e.seen[123],
	    "a damaged meta is left out (not locked: not repaired)");
	tap_ok(spool_find(sp, "evt_124", SPOOL_PENDING, &m) == SPOOL_PENDING &&
	    strcmp(m.id, "evt_124") == 0, "spool_find reads one meta");
	tap_ok(spool_find(sp, "evt_124", SPOOL_DONE, &m) == -1 &&
	    errno == ENOENT, "spool_find: not in that state, ENOENT");
	tap_ok(spool_find(sp, "../x", SPOOL_PENDING, &m) == -1 &&
	    errno == EINVAL, "spool_find: not an id, EINVAL");
	tap_ok(spool_each(sp, SPOOL_PENDING, NULL, NULL) == EACH_N &&
	    spool_each(sp, SPOOL_DONE, NULL, NULL) == 0,
	    "spool_each without fn counts the names");
	take_test(sp, dir);
	spool_close(sp);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		tap_ok(0, "%s removed", dir);
}

/* good with the line of key replaced by line ("" to drop it), parsed. */
static int
parse_with(const char *good, const char *key, const char *line)
{
	char buf[SPOOL_META_MAX_BYTES], want[64];
	struct spool_meta back;
	const char *at, *nl;
	size_t k;

	snprintf(want, sizeof want, "%s=", key);
	if (strncmp(good, want, strlen(want)) == 0)
		at = good;
	else {
		snprintf(want, sizeof want, "\n%s=", key);
		if ((at = strstr(good, want)) == NULL)
			return -2;
		at++;
	}
	nl = strchr(at, '\n') + 1;
	k = (size_t)(at - good);
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)k, good, line, nl);
	return meta_parse(buf, strlen(buf), &back);
}

int
main(void)
{
	struct spool_meta m, back;
	char buf[SPOOL_META_MAX_BYTES], raw[SPOOL_META_MAX_BYTES];
	int n;

	memset(&m, 0, sizeof m);
	snprintf(m.id, sizeof m.id, "evt_1");
	snprintf(m.type, sizeof m.type, "call.completed");
	snprintf(m.created_at, sizeof m.created_at, "2026-06-01T10:00:00Z");
	m.created = 1780308000;
	snprintf(m.org_id, sizeof m.org_id, "org_abc_123");
	m.received.tv_sec = 1780308001;
	m.received.tv_nsec = 123456789;
	snprintf(m.remote_addr, sizeof m.remote_addr, "::1");
	m.attempts = 3;
	m.next_attempt = 1780309000;
	snprintf(m.hooks_done, sizeof m.hooks_done, "10-log 20-crm");
	snprintf(m.last_error, sizeof m.last_error, "hook x: exit=1 (50%%)");

	n = meta_format(&m, buf, sizeof buf);
	tap_ok(n > 0 && (size_t)n == strlen(buf), "formats");
	tap_ok(strstr(buf, "last_error=hook x: exit=1 (50%25)\n") != NULL, "percent escaped");
	tap_ok(strstr(buf, "received_at=2026-06-01T10:00:01.123456Z\n") != NULL, "readable receipt time");
	tap_ok(meta_parse(buf, (size_t)n, &back) == 0, "parses back");
	tap_ok(memcmp(&m, &back, sizeof m) == 0, "round trip is exact");
	tap_ok(meta_parse(buf, (size_t)n - 1, &back) == -1, "torn file refused");
	tap_ok(meta_parse("event_id=../x\n", 14, &back) == -1, "bad id refused");
	tap_ok(meta_parse("event_id=a%zz\n", 14, &back) == -1, "bad escape refused");
	tap_ok(meta_parse("event_id=a%2\n", 13, &back) == -1, "short escape refused");
	tap_ok(meta_parse("", 0, &back) == -1, "empty refused");

	/* Field by field: each line as someone else could write it. */
	tap_ok(parse_with(buf, "finished", "finished=0\n") == 0, "the harness parses a good line");
	tap_ok(parse_with(buf, "event_type", "event_type=../../../../bin/sh\n") == -1, "an event type with a path refused");
	tap_ok(parse_with(buf, "event_type", "event_type=Call\n") == -1, "an event type out of its set refused");
	tap_ok(parse_with(buf, "event_id", "event_id=.x\n") == -1, "an id out of its set refused");
	tap_ok(parse_with(buf, "created_at", "created_at=2026-06-01T10:00:01Z\n") == -1, "created_at not agreeing with created refused");
	tap_ok(parse_with(buf, "created_at", "created_at=yesterday\n") == -1, "created_at not RFC 3339 refused");
	tap_ok(parse_with(buf, "created", "created=-5\n") == -1, "a negative time refused");
	tap_ok(parse_with(buf, "org_id", "org_id=%1B[2J\n") == -1, "an escape byte in org_id refused");
	tap_ok(parse_with(buf, "org_id", "org_id=\n") == -1, "an empty org_id refused");
	tap_ok(parse_with(buf, "remote_addr", "remote_addr=x;id>f;#\n") == -1, "a remote_addr that is not an address refused");
	tap_ok(parse_with(buf, "remote_addr", "remote_addr=\n") == 0, "an empty remote_addr taken");
	tap_ok(parse_with(buf, "attempts", "attempts=1001\n") == -1, "attempts over the limit refused");
	tap_ok(parse_with(buf, "attempts", "attempts=+1\n") == -1, "a signed count refused");
	tap_ok(parse_with(buf, "attempts", "attempts=99999999999999999999999\n") == -1, "an overflowing count refused");
	tap_ok(parse_with(buf, "next_attempt", "next_attempt=9223372036854775807\n") == -1, "a time past 9999 refused");
	tap_ok(parse_with(buf, "hooks_done", "hooks_done=a  b\n") == -1, "hooks_done with an empty name refused");
	tap_ok(parse_with(buf, "hooks_done", "hooks_done=../x\n") == -1, "hooks_done with a path refused");
	tap_ok(parse_with(buf, "last_error", "last_error=a%0Ab\n") == -1, "a newline in last_error refused");
	tap_ok(parse_with(buf, "last_error", "last_error=a%00b\n") == -1, "a NUL refused");
	memcpy(raw, buf, (size_t)n);
	*strchr(strstr(raw, "hooks_done=") + strlen("hooks_done="), ' ') = '\0';
	tap_ok(meta_parse(raw, (size_t)n, &back) == -1, "a raw NUL refused (found by fuzz-meta)");
	tap_ok(parse_with(buf, "last_error", "last_error=a\tb\n") == -1, "a raw control byte refused");
	tap_ok(parse_with(buf, "received", "received=1780308001.5\n") == -1, "received without nine digits refused");
	tap_ok(parse_with(buf, "received_at", "received_at=2020-01-01T00:00:00.000000Z\n") == -1, "received_at not agreeing with received refused");
	tap_ok(parse_with(buf, "finished", "") == -1, "a missing key refused");
	tap_ok(parse_with(buf, "finished", "finished=0\nfinished=0\n") == -1, "a key given twice refused");
	tap_ok(parse_with(buf, "finished", "finished=0\nextra=1\n") == -1, "an unknown key refused");
	each_test();
	return tap_done();
}

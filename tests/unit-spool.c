/* The spool's meta format round-trips, escapes what could break a line,
 * and refuses torn or foreign files: a meta file is read back as
 * untrusted input, each field checked as the receiver checks a request. */
#include <stdio.h>
#include <string.h>

#include "meta.h"
#include "spool.h"
#include "tap.h"

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
	return tap_done();
}

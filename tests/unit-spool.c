/* The spool's meta format round-trips, escapes what could break a line,
 * and refuses torn or foreign files. */
#include <stdio.h>
#include <string.h>

#include "spool.h"
#include "tap.h"

int
main(void)
{
	struct spool_meta m, back;
	char buf[SPOOL_META_MAX_BYTES];
	int n;

	memset(&m, 0, sizeof m);
	snprintf(m.id, sizeof m.id, "evt_1");
	snprintf(m.type, sizeof m.type, "call.completed");
	snprintf(m.created_at, sizeof m.created_at, "2026-06-01T10:00:00Z");
	m.created = 1780308000;
	snprintf(m.org_id, sizeof m.org_id, "org\nwith=odd%%bytes");
	m.received.tv_sec = 1780308001;
	m.received.tv_nsec = 123456789;
	snprintf(m.remote_addr, sizeof m.remote_addr, "::1");
	m.attempts = 3;
	m.next_attempt = 1780309000;
	snprintf(m.hooks_done, sizeof m.hooks_done, "10-log 20-crm");
	snprintf(m.last_error, sizeof m.last_error, "exit 1");

	n = spool_meta_format(&m, buf, sizeof buf);
	tap_ok(n > 0 && (size_t)n == strlen(buf), "formats");
	tap_ok(strstr(buf, "org_id=org%0Awith=odd%25bytes\n") != NULL, "newline and percent escaped");
	tap_ok(strstr(buf, "received_at=2026-06-01T10:00:01.123456Z\n") != NULL, "readable receipt time");
	tap_ok(spool_meta_parse(buf, (size_t)n, &back) == 0, "parses back");
	tap_ok(memcmp(&m, &back, sizeof m) == 0, "round trip is exact");
	tap_ok(spool_meta_parse(buf, (size_t)n - 1, &back) == -1, "torn file refused");
	tap_ok(spool_meta_parse("event_id=../x\n", 14, &back) == -1, "bad id refused");
	tap_ok(spool_meta_parse("event_id=a%zz\n", 14, &back) == -1, "bad escape refused");
	tap_ok(spool_meta_parse("event_id=a%2\n", 13, &back) == -1, "short escape refused");
	tap_ok(spool_meta_parse("", 0, &back) == -1, "empty refused");
	return tap_done();
}

/* Event validation: every field missing, of the wrong type, or off its
 * pattern; RFC 3339 times; age and org rules; the data walker. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "tap.h"

#define GOOD_DATA "\"data\":{\"call_id\":\"c1\",\"duration_seconds\":124,\"ok\":true,\"x\":null,\"o\":{}}"

static char last_err[256];

static int
parse(const char *body, const struct event_rules *rules, struct event *ev)
{
	int r;

	last_err[0] = '\0';
	r = event_parse(body, strlen(body), ev, rules, last_err,
	    sizeof last_err);
	return r;
}

static void
expect(const char *body, const struct event_rules *rules, int want,
    const char *errpart, const char *name)
{
	struct event ev;
	int r = parse(body, rules, &ev);

	tap_ok(r == want && (errpart == NULL || strstr(last_err, errpart)),
	    "%s", name);
	if (r != want || (errpart && !strstr(last_err, errpart)))
		printf("#   got %d '%s'\n", r, last_err);
}

static int
count_data(const char *key, const char *value, size_t len, void *arg)
{
	char *out = arg;

	(void)len;
	strcat(out, key);
	strcat(out, "=");
	strcat(out, value);
	strcat(out, ";");
	return 0;
}

int
main(void)
{
	char body[4096], out[256] = "";
	struct event_rules rules;
	struct event ev;
	char *orgs[] = { (char *)"org_abc_123" };
	time_t t;
	char id129[131];

	/* Times. */
	tap_ok(event_parse_time("1970-01-01T00:00:00Z", &t) == 0 && t == 0, "epoch");
	tap_ok(event_parse_time("2026-06-01T10:00:00Z", &t) == 0 && t == 1780308000, "vendor sample time");
	tap_ok(event_parse_time("2026-06-01T12:00:00+02:00", &t) == 0 && t == 1780308000, "offset");
	tap_ok(event_parse_time("2026-06-01t10:00:00.123456z", &t) == 0 && t == 1780308000, "fraction, lower case");
	tap_ok(event_parse_time("2024-02-29T00:00:00Z", &t) == 0, "leap day");
	tap_ok(event_parse_time("2023-02-29T00:00:00Z", &t) == -1, "no leap day in 2023");
	tap_ok(event_parse_time("2026-06-01 10:00:00Z", &t) == -1, "space instead of T");
	tap_ok(event_parse_time("2026-06-01T10:00:00", &t) == -1, "no zone");
	tap_ok(event_parse_time("2026-13-01T10:00:00Z", &t) == -1, "month 13");
	tap_ok(event_parse_time("2026-06-01T24:00:00Z", &t) == -1, "hour 24");
	tap_ok(event_parse_time("2026-06-01T10:00:00Z ", &t) == -1, "trailing space");
	tap_ok(event_parse_time("2026-06-01T10:00:00.Z", &t) == -1, "empty fraction");

	/* Patterns. */
	tap_ok(event_id_is_valid("evt_123", 7), "evt_123 valid");
	tap_ok(!event_id_is_valid("../x", 4), "../x invalid");
	tap_ok(!event_id_is_valid(".x", 2), ".x invalid");
	tap_ok(!event_id_is_valid("a/b", 3), "a/b invalid");
	tap_ok(!event_id_is_valid("", 0), "empty invalid");
	memset(id129, 'a', 129);
	tap_ok(event_id_is_valid(id129, 128), "128 chars valid");
	tap_ok(!event_id_is_valid(id129, 129), "129 chars invalid");
	tap_ok(event_type_is_valid("call.completed", 14), "call.completed valid");
	tap_ok(!event_type_is_valid("Call.completed", 14), "upper case type invalid");
	tap_ok(!event_type_is_valid(".call", 5), "leading dot type invalid");

#define ENV(id, type, at, org, data) \
	"{\"event_id\":" id ",\"event_type\":" type ",\"created_at\":" at \
	",\"org_id\":" org "," data "}"
#define OK_ID "\"evt_1\""
#define OK_TYPE "\"call.completed\""
#define OK_AT "\"2026-06-01T10:00:00Z\""
#define OK_ORG "\"org_abc_123\""

	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), NULL, EVENT_OK, NULL, "good event");
	expect("", NULL, EVENT_INVALID, "empty", "empty body");
	expect("[]", NULL, EVENT_INVALID, "not a JSON object", "array");
	expect("{\"a\":1} x", NULL, EVENT_INVALID, "not valid JSON", "trailing garbage");
	expect("{\"a\":1", NULL, EVENT_INVALID, "not valid JSON", "truncated");
	expect("{\"a\":1}  \r\n", NULL, EVENT_INVALID, "event_id is missing", "trailing white space is fine");
	expect("{\"a\":1,}", NULL, EVENT_INVALID, "not valid JSON", "trailing comma");
	expect("{\"a\":01}", NULL, EVENT_INVALID, "not valid JSON", "leading zero");
	expect("{\"a\":NaN}", NULL, EVENT_INVALID, "not valid JSON", "NaN");
	expect("{\"a\":\"\t\"}", NULL, EVENT_INVALID, "not valid JSON", "raw tab in a string");
	expect("{\"a\":\"\\x41\"}", NULL, EVENT_INVALID, "not valid JSON", "bad escape");
	expect("\xef\xbb\xbf{}", NULL, EVENT_INVALID, "not valid JSON", "byte order mark");
	expect("{\"a\":\"\xed\xa0\x80\"}", NULL, EVENT_INVALID, "not valid JSON", "UTF-8 surrogate");
	expect("{\"a\":\"\xc0\xaf\"}", NULL, EVENT_INVALID, "not valid JSON", "overlong UTF-8");
	expect("{\"a\":1 /* c */}", NULL, EVENT_INVALID, "not valid JSON", "comment");
	expect("{'a':1}", NULL, EVENT_INVALID, "not valid JSON", "single quotes");
	expect("{\"a\":\"\xff\"}", NULL, EVENT_INVALID, "not valid JSON", "invalid UTF-8");
	expect("{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", NULL, EVENT_INVALID, "not valid JSON", "too deep");
	expect("{\"event_type\":\"x\"}", NULL, EVENT_INVALID, "event_id is missing", "event_id missing");
	expect(ENV("5", OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "event_id is not a string", "event_id number");
	expect(ENV("\"../x\"", OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "event_id must match", "event_id ../x");
	expect(ENV("\"a\\u0000b\"", OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "event_id must match", "event_id with NUL escape");
	expect(ENV("\"\xc3\xa9t\"", OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "event_id must match", "event_id non-ASCII");
	expect("{\"event_id\":\"e\",\"created_at\":" OK_AT "}", NULL, EVENT_INVALID, "event_type is missing", "event_type missing");
	expect(ENV(OK_ID, "[]", OK_AT, OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "event_type is not a string", "event_type array");
	expect(ENV(OK_ID, "\"Call\"", OK_AT, OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "event_type must match", "event_type upper");
	expect(ENV(OK_ID, "\"call.brand_new\"", OK_AT, OK_ORG, GOOD_DATA), NULL, EVENT_OK, NULL, "unknown event_type accepted");
	expect("{\"event_id\":\"e\",\"event_type\":\"t\"}", NULL, EVENT_INVALID, "created_at is missing", "created_at missing");
	expect(ENV(OK_ID, OK_TYPE, "1780308000", OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "created_at is not a string", "created_at number");
	expect(ENV(OK_ID, OK_TYPE, "\"yesterday\"", OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "RFC 3339", "created_at prose");
	expect(ENV(OK_ID, OK_TYPE, "\"1467-06-01T10:00:00Z\"", OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "from 1970 on", "created_at before 1970 (found by fuzz-request)");
	expect(ENV(OK_ID, OK_TYPE, "\"1970-01-01T00:00:00Z\"", OK_ORG, GOOD_DATA), NULL, EVENT_OK, NULL, "created_at at the epoch");
	expect("{\"event_id\":\"e\",\"event_type\":\"t\",\"created_at\":" OK_AT ",\"data\":{}}", NULL, EVENT_INVALID, "org_id is missing", "org_id missing");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "7", GOOD_DATA), NULL, EVENT_INVALID, "org_id is not a string", "org_id number");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"\"", GOOD_DATA), NULL, EVENT_INVALID, "org_id must match", "org_id empty");
	/* org_id reaches hooks, meta files and terminals: a set like
	 * event_id's. */
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"\\u001b[2J\\u001b]0;owned\\u0007\"", GOOD_DATA), NULL, EVENT_INVALID, "org_id must match", "org_id with ESC and BEL");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"org\\u001b[31m\"", GOOD_DATA), NULL, EVENT_INVALID, "org_id must match", "org_id with ESC inside");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"org_abc\\nx=1\"", GOOD_DATA), NULL, EVENT_INVALID, "org_id must match", "org_id with a newline");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"org abc\"", GOOD_DATA), NULL, EVENT_INVALID, "org_id must match", "org_id with a space");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"org/../abc\"", GOOD_DATA), NULL, EVENT_INVALID, "org_id must match", "org_id with a slash");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"_org\"", GOOD_DATA), NULL, EVENT_INVALID, "org_id must match", "org_id with a leading underscore");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"org_\xc2\x9b\"", GOOD_DATA), NULL, EVENT_INVALID, "org_id must match", "org_id with a C1 control (U+009B)");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"org_\\u0000\"", GOOD_DATA), NULL, EVENT_INVALID, "org_id must match", "org_id with NUL");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"0c6e4f2a-9d1b-4c3e-8f7a-2b5d6e7f8a9b\"", GOOD_DATA), NULL, EVENT_OK, NULL, "org_id a UUID");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"urn:husky:org@eu-1.x\"", GOOD_DATA), NULL, EVENT_OK, NULL, "org_id with : @ . -");
	tap_ok(event_org_id_is_valid("org_abc_123", 11), "the vendor's org_abc_123 valid");
	tap_ok(event_org_id_is_valid(id129, 128) && !event_org_id_is_valid(id129, 129), "org_id: 128 characters valid, 129 not");
	tap_ok(!event_org_id_is_valid("a\0b", 3), "org_id: a NUL byte invalid");
	expect("{\"event_id\":\"e\",\"event_type\":\"t\",\"created_at\":" OK_AT ",\"org_id\":\"o\"}", NULL, EVENT_INVALID, "data is missing", "data missing");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":[]"), NULL, EVENT_INVALID, "data is not an object", "data array");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":\"x\""), NULL, EVENT_INVALID, "data is not an object", "data string");

	/* Members are found by their decoded names, at the top level only;
	 * a member given twice counts as its last value (as json-c has it). */
	expect("{\"event\\u005fid\":\"e1\",\"event_type\":\"t\",\"created_at\":" OK_AT ",\"org_id\":\"o\",\"d\\u0061ta\":{}}", NULL, EVENT_OK, NULL, "escaped member names");
	expect("{\"x\":{\"event_id\":\"e\"},\"event_type\":\"t\"}", NULL, EVENT_INVALID, "event_id is missing", "nested event_id is not the envelope's");
	expect("{\"event_id\\u0000x\":\"e\",\"event_type\":\"t\"}", NULL, EVENT_INVALID, "member name holds \\u0000", "a name with NUL is refused");
	expect("{\"event_id\":\"e\",\"event_id\":5}", NULL, EVENT_INVALID, "event_id is not a string", "last of two event_id counts");
	expect(ENV("\"ev\\/1\"", OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), NULL, EVENT_INVALID, "event_id must match", "an escaped slash in event_id is still a slash");
	snprintf(body, sizeof body, "%s", ENV("\"\\u0065v1\"", OK_TYPE, OK_AT, "\"\\ud83d\\ude00 \\u00e9\\\"\\n\"", GOOD_DATA));
	tap_ok(parse(body, NULL, &ev) == EVENT_INVALID && strcmp(ev.id, "ev1") == 0 && strstr(last_err, "org_id must match"), "escapes decoded to UTF-8, then checked: a non-ASCII org_id is refused");
	snprintf(body, sizeof body, "%s", ENV(OK_ID, OK_TYPE, OK_AT, "\"\\u006frg\\u005fa\\/b\"", GOOD_DATA));
	tap_ok(parse(body, NULL, &ev) == EVENT_INVALID, "org_id: an escaped slash is a slash");
	snprintf(body, sizeof body, "%s", ENV(OK_ID, OK_TYPE, OK_AT, "\"\\u006frg\\u005f1\"", GOOD_DATA));
	tap_ok(parse(body, NULL, &ev) == EVENT_OK && strcmp(ev.org_id, "org_1") == 0, "org_id: escapes decoded before the check");
	snprintf(body, sizeof body, "{\"event_id\":\"%0129d\"}", 0);
	expect(body, NULL, EVENT_INVALID, "event_id must match", "event_id of 129 characters");

	/* Rules. */
	memset(&rules, 0, sizeof rules);
	rules.now = 1780308000 + 4 * 86400;
	rules.max_age = 3 * 86400;
	rules.max_skew = 300;
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), &rules, EVENT_INVALID, "older than max_age (3d)", "too old");
	rules.now = 1780308000 - 301;
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), &rules, EVENT_INVALID, "max_skew (5m)", "too far in the future");
	rules.now = 1780308000 - 299;
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), &rules, EVENT_OK, NULL, "within skew");
	rules.now = 1780308000 + 4 * 86400;
	rules.max_age = 0;
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), &rules, EVENT_OK, NULL, "max_age 0 disables");
	rules.org_ids = orgs;
	rules.norg_ids = 1;
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, GOOD_DATA), &rules, EVENT_OK, NULL, "allowed org");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, "\"org_other\"", GOOD_DATA), &rules, EVENT_ORG_REFUSED, "org_id is not one", "other org refused");

	/* The data walker sees scalars only. */
	snprintf(body, sizeof body, "%s", ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, GOOD_DATA));
	parse(body, NULL, &ev);
	event_each_data_scalar(&ev, count_data, out);
	tap_is_str(out, "call_id=c1;duration_seconds=124;ok=true;", "data scalars");

	/* What the receiver, the hooks (json-c) and a JSON tool on stdin
	 * would each read differently is refused. json-c ends a name at
	 * \u0000: here the hooks would get data {"evil":"2"}, the receiver
	 * and jq {"safe":"1"}. */
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"safe\":\"1\"},\"data\\u0000x\":{\"evil\":\"2\"}"), NULL, EVENT_INVALID, "member name holds \\u0000", "data and data\\u0000x: refused");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"a\":[{\"b\\u0000\":1}]}"), NULL, EVENT_INVALID, "member name holds \\u0000", "a NUL in a name deep in data: refused");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"\\u0000\":1}"), NULL, EVENT_INVALID, "member name holds \\u0000", "a name that is only NUL: refused");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"v\":\"a\\u0000b\"}"), NULL, EVENT_OK, NULL, "a NUL in a value is fine");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"n\":-0}"), NULL, EVENT_INVALID, "an integer is -0", "-0: json-c reads 0, refused");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"n\":99999999999999999999}"), NULL, EVENT_INVALID, "an integer is -0 or outside", "2^64 and more: json-c clamps, refused");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"n\":18446744073709551616}"), NULL, EVENT_INVALID, "outside", "2^64: refused");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"n\":[-9223372036854775809]}"), NULL, EVENT_INVALID, "outside", "below -2^63, even nested: refused");
	expect(ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"a\":\"\\ud800\"}"), NULL, EVENT_INVALID, "not valid JSON", "a lone surrogate (json-c: U+FFFD): refused");
	snprintf(body, sizeof body, "%s", ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"max\":18446744073709551615,\"min\":-9223372036854775808,\"big\":1e400,\"nz\":-0.0,\"z\":0,\"x\":\"1\",\"x\":\"2\"}"));
	out[0] = '\0';
	tap_ok(parse(body, NULL, &ev) == EVENT_OK, "numbers json-c keeps as written: accepted");
	event_each_data_scalar(&ev, count_data, out);
	tap_is_str(out, "max=18446744073709551615;min=-9223372036854775808;big=1e400;nz=-0.0;z=0;x=2;", "hooks get the numbers as written, and the last of two members");
	snprintf(body, sizeof body, "%s", ENV(OK_ID, OK_TYPE, OK_AT, OK_ORG, "\"data\":{\"a\":1},\"data\":{ \"b\":2 }"));
	tap_ok(parse(body, NULL, &ev) == EVENT_OK && ev.data_len == 9 && strncmp(ev.data, "{ \"b\":2 }", 9) == 0, "ev.data is the last data member");
	return tap_done();
}

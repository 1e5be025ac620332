/*
 * The event envelope: event_id, event_type, created_at, org_id, data.
 * Only bodies whose signature checked out get here. One pass of a strict
 * RFC 8259 scanner checks the whole body (UTF-8, depth limit, nothing
 * after the one value but white space) and notes where the envelope's
 * members are; only those are decoded. json-c is used for `data` alone,
 * when the hooks ask for it (event_each_data_scalar).
 *
 * So the scanner must accept nothing that json-c reads otherwise: the
 * receiver, the hooks' HUSKY_DATA_* and any JSON tool a hook runs on its
 * stdin must all see one event. Where they could differ:
 *  - a member name with \u0000: json-c cuts the name there, so
 *    "data\u0000x" would be "data" to the hooks and another member to the
 *    receiver and to most tools. Refused, at any depth.
 *  - an integer json-c cannot hold: it silently clamps to INT64_MIN or
 *    UINT64_MAX, and reads -0 as 0, and the hooks would be given that
 *    instead of the text of the body. Refused (a number with a fraction or
 *    an exponent is a double to json-c, which keeps its text: 1e400 and
 *    -0.0 reach the hooks as written).
 *  - a member given twice: json-c keeps the last value (in the place of
 *    the first), as the scanner does for the envelope and as most JSON
 *    tools do; so HUSKY_DATA_X is the last "x" of data, as jq has it.
 *  - lone surrogates (json-c makes them U+FFFD), invalid or overlong UTF-8:
 *    refused.
 * fuzz/fuzz-event.c checks that every body accepted here reads the same
 * to json-c: the envelope's strings and every member of data.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "text.h"

static int
event_fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return EVENT_INVALID;
}

static int
is_alnum_ascii(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* [A-Za-z0-9][A-Za-z0-9<punct>]{0,max-1} */
static int
event_word_is_valid(const char *s, size_t len, size_t max, const char *punct)
{
	size_t i;

	if (len == 0 || len > max || !is_alnum_ascii(s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_alnum_ascii(s[i]) &&
		    (s[i] == '\0' || strchr(punct, s[i]) == NULL))
			return 0;
	return 1;
}

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,127} */
int
event_id_is_valid(const char *s, size_t len)
{
	return event_word_is_valid(s, len, EVENT_ID_MAX_CHARS, "_.-");
}

/* [a-z0-9][a-z0-9_.-]{0,63} */
int
event_type_is_valid(const char *s, size_t len)
{
	size_t i;
	int c;

	if (len == 0 || len > EVENT_TYPE_MAX_CHARS)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '_' || c == '.' || c == '-'))
			continue;
		return 0;
	}
	return 1;
}

/*
 * [A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}. The org id reaches hooks
 * (HUSKY_ORG_ID), meta files, logs and the terminal of whoever runs
 * `huskyhook show`, so like event_id it gets a set with nothing a shell
 * or a terminal treats specially. HuskyVoice's are like org_abc_123; the
 * set also admits UUIDs and URN- or mail-like ids (':', '@') should an
 * account use those.
 */
int
event_org_id_is_valid(const char *s, size_t len)
{
	return event_word_is_valid(s, len, ORG_ID_MAX_CHARS, "_.:@-");
}

static int
parse_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long
days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
event_parse_time(const char *s, time_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, dim;
	const char *p;
	long days;

	if (strlen(s) < 20 ||
	    parse_digits(s, 4, &y) || s[4] != '-' ||
	    parse_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    parse_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    parse_digits(s + 11, 2, &h) || s[13] != ':' ||
	    parse_digits(s + 14, 2, &mi) || s[16] != ':' ||
	    parse_digits(s + 17, 2, &sec))
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (parse_digits(p + 1, 2, &oh) || p[3] != ':' ||
		    parse_digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 60)
		return -1;
	dim = mdays[mo - 1] + (mo == 2 && (y % 4 == 0 &&
	    (y % 100 != 0 || y % 400 == 0)));
	if (d < 1 || d > dim)
		return -1;
	if (sec == 60)		/* a leap second: the same instant as :59 + 1 */
		sec = 59;
	days = days_from_civil(y, mo, d);
	*out = (time_t)(days * 86400L + h * 3600L + mi * 60L + sec) -
	    (time_t)sign * (oh * 3600L + om * 60L);
	return 0;
}

/*
 * The strict RFC 8259 scanner (json-c's strict mode still takes single
 * quotes and other leniencies). Refused: invalid or overlong UTF-8,
 * encoded surrogates, lone \u surrogates, nesting deeper than
 * JSON_MAX_DEPTH. While it scans the top-level object it records where
 * the value of each envelope member starts and ends; a member given
 * twice counts as its last value, as in json-c.
 */
enum envelope_member { M_ID, M_TYPE, M_CREATED, M_ORG, M_DATA, M_COUNT };

static const char *const envelope_names[M_COUNT] = {
	"event_id", "event_type", "created_at", "org_id", "data"
};

struct json_span {
	const unsigned char	*start;		/* NULL: absent */
	const unsigned char	*end;
};

struct json_scan {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 depth;
	struct json_span	 member[M_COUNT];
	const char		*why;	/* if valid JSON, refused all the same */
};

static int json_scan_value(struct json_scan *);

static void
json_scan_ws(struct json_scan *js)
{
	while (js->p < js->end && (*js->p == ' ' || *js->p == '\t' ||
	    *js->p == '\n' || *js->p == '\r'))
		js->p++;
}

/* One UTF-8 sequence of two or more bytes; -1 if invalid. */
static int
json_scan_utf8(struct json_scan *js)
{
	int n = text_utf8_len(js->p, (size_t)(js->end - js->p));

	if (n < 2)
		return -1;
	js->p += n;
	return 0;
}

/* Four hex digits the scanner has already checked, as a number. */
static unsigned
hex4_value(const unsigned char *p)
{
	unsigned v = 0, i;

	for (i = 0; i < 4; i++)
		v = v << 4 | (unsigned)text_hexval(p[i]);
	return v;
}

static int
json_scan_hex4(struct json_scan *js, unsigned *out)
{
	int i;

	if (js->end - js->p < 4)
		return -1;
	for (i = 0; i < 4; i++)
		if (text_hexval(js->p[i]) == -1)
			return -1;
	*out = hex4_value(js->p);
	js->p += 4;
	return 0;
}

/* A string, from its opening quote; is_name for a member name. */
static int
json_scan_string(struct json_scan *js, int is_name)
{
	unsigned u, lo;

	js->p++;	/* the opening quote */
	while (js->p < js->end) {
		if (*js->p == '"') {
			js->p++;
			return 0;
		}
		if (*js->p < 0x20)
			return -1;
		if (*js->p >= 0x80) {
			if (json_scan_utf8(js) == -1)
				return -1;
			continue;
		}
		if (*js->p != '\\') {
			js->p++;
			continue;
		}
		if (++js->p == js->end)
			return -1;
		switch (*js->p++) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			break;
		case 'u':
			if (json_scan_hex4(js, &u) == -1)
				return -1;
			if (u == 0 && is_name && js->why == NULL)
				js->why = "a member name holds \\u0000, which "
				    "JSON parsers cut or keep differently";
			if (u >= 0xdc00 && u <= 0xdfff)
				return -1;	/* a lone low surrogate */
			if (u >= 0xd800 && u <= 0xdbff) {
				if (js->end - js->p < 6 || js->p[0] != '\\' ||
				    js->p[1] != 'u')
					return -1;
				js->p += 2;
				if (json_scan_hex4(js, &lo) == -1 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return -1;
			}
			break;
		default:
			return -1;
		}
	}
	return -1;
}

/* Decodes a string the scanner has passed (s after its opening quote, e
 * at its closing one) into dst, size n, NUL-terminated; the decoded
 * length in *lenp. -1 if it does not fit or holds a NUL. */
static int
json_string_decode(const unsigned char *s, const unsigned char *e,
    char *dst, size_t n, size_t *lenp)
{
	unsigned char utf8[4];
	size_t o = 0, k, m;
	unsigned u;

	while (s < e) {
		if (*s != '\\') {
			utf8[0] = *s++;
			m = 1;
		} else {
			s++;
			m = 1;
			switch (*s++) {
			case 'b': utf8[0] = '\b'; break;
			case 'f': utf8[0] = '\f'; break;
			case 'n': utf8[0] = '\n'; break;
			case 'r': utf8[0] = '\r'; break;
			case 't': utf8[0] = '\t'; break;
			case 'u':
				u = hex4_value(s);
				s += 4;
				if (u >= 0xd800 && u <= 0xdbff) {
					u = 0x10000 + ((u - 0xd800) << 10) +
					    (hex4_value(s + 2) - 0xdc00);
					s += 6;
				}
				if (u == 0)
					return -1;
				if (u < 0x80) {
					utf8[0] = (unsigned char)u;
				} else if (u < 0x800) {
					utf8[0] = (unsigned char)(0xc0 | u >> 6);
					utf8[1] = (unsigned char)(0x80 | (u & 0x3f));
					m = 2;
				} else if (u < 0x10000) {
					utf8[0] = (unsigned char)(0xe0 | u >> 12);
					utf8[1] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
					utf8[2] = (unsigned char)(0x80 | (u & 0x3f));
					m = 3;
				} else {
					utf8[0] = (unsigned char)(0xf0 | u >> 18);
					utf8[1] = (unsigned char)(0x80 | (u >> 12 & 0x3f));
					utf8[2] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
					utf8[3] = (unsigned char)(0x80 | (u & 0x3f));
					m = 4;
				}
				break;
			default:	/* " \ / */
				utf8[0] = s[-1];
				break;
			}
		}
		if (o + m >= n)
			return -1;
		for (k = 0; k < m; k++)
			dst[o++] = (char)utf8[k];
	}
	dst[o] = '\0';
	*lenp = o;
	return 0;
}

/* Which envelope member a top-level key names (its quotes excluded);
 * M_COUNT for none. Keys are compared decoded: "event\u005fid" is
 * event_id, as json-c has it. */
static enum envelope_member
envelope_member_of(const unsigned char *s, const unsigned char *e)
{
	char key[16];
	size_t len;
	int m;

	if (json_string_decode(s, e, key, sizeof key, &len) == -1)
		return M_COUNT;
	for (m = 0; m < M_COUNT; m++)
		if (strlen(envelope_names[m]) == len &&
		    memcmp(envelope_names[m], key, len) == 0)
			return (enum envelope_member)m;
	return M_COUNT;
}

static int
json_scan_digits(struct json_scan *js)
{
	const unsigned char *start = js->p;

	while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
		js->p++;
	return js->p == start ? -1 : 0;
}

/* Whether json-c gives back the integer of n digits d (no leading zero)
 * as written: it holds -2^63..2^64-1, clamping anything beyond, and -0
 * becomes 0. */
static int
json_int_is_exact(const unsigned char *d, size_t n, int negative)
{
	const char *limit = negative ? "9223372036854775808" :
	    "18446744073709551615";
	size_t limit_len = strlen(limit);

	if (negative && n == 1 && d[0] == '0')
		return 0;
	if (n != limit_len)
		return n < limit_len;
	return memcmp(d, limit, n) <= 0;
}

static int
json_scan_number(struct json_scan *js)
{
	const unsigned char *digits;
	int negative = 0, integer = 1;

	if (*js->p == '-') {
		negative = 1;
		js->p++;
	}
	if (js->p == js->end)
		return -1;
	digits = js->p;
	if (*js->p == '0')
		js->p++;
	else if (json_scan_digits(js) == -1)
		return -1;
	if (js->p < js->end && *js->p == '.') {
		integer = 0;
		js->p++;
		if (json_scan_digits(js) == -1)
			return -1;
	}
	if (js->p < js->end && (*js->p == 'e' || *js->p == 'E')) {
		integer = 0;
		js->p++;
		if (js->p < js->end && (*js->p == '+' || *js->p == '-'))
			js->p++;
		if (json_scan_digits(js) == -1)
			return -1;
	}
	if (integer && js->why == NULL &&
	    !json_int_is_exact(digits, (size_t)(js->p - digits), negative))
		js->why = "an integer is -0 or outside "
		    "-9223372036854775808..18446744073709551615, which hooks "
		    "would be given changed";
	return 0;
}

static int
json_scan_word(struct json_scan *js, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(js->end - js->p) < n || memcmp(js->p, word, n) != 0)
		return -1;
	js->p += n;
	return 0;
}

/* An object or array, from its opening bracket. */
static int
json_scan_container(struct json_scan *js)
{
	unsigned char close = *js->p == '{' ? '}' : ']';
	int is_object = close == '}';
	enum envelope_member m = M_COUNT;
	const unsigned char *key, *value;

	if (++js->depth > JSON_MAX_DEPTH)
		return -1;
	js->p++;
	json_scan_ws(js);
	if (js->p < js->end && *js->p == close) {
		js->p++;
		js->depth--;
		return 0;
	}
	for (;;) {
		if (is_object) {
			key = js->p + 1;
			if (js->p == js->end || *js->p != '"' ||
			    json_scan_string(js, 1) == -1)
				return -1;
			m = js->depth == 1 ?
			    envelope_member_of(key, js->p - 1) : M_COUNT;
			json_scan_ws(js);
			if (js->p == js->end || *js->p++ != ':')
				return -1;
			json_scan_ws(js);
		}
		value = js->p;
		if (json_scan_value(js) == -1)
			return -1;
		if (m != M_COUNT) {
			js->member[m].start = value;
			js->member[m].end = js->p;
		}
		json_scan_ws(js);
		if (js->p == js->end)
			return -1;
		if (*js->p == close) {
			js->p++;
			js->depth--;
			return 0;
		}
		if (*js->p++ != ',')
			return -1;
		json_scan_ws(js);
	}
}

static int
json_scan_value(struct json_scan *js)
{
	if (js->p == js->end)
		return -1;
	switch (*js->p) {
	case '{':
	case '[':
		return json_scan_container(js);
	case '"':
		return json_scan_string(js, 0);
	case 't':
		return json_scan_word(js, "true");
	case 'f':
		return json_scan_word(js, "false");
	case 'n':
		return json_scan_word(js, "null");
	default:
		if (*js->p == '-' || (*js->p >= '0' && *js->p <= '9'))
			return json_scan_number(js);
		return -1;
	}
}

/* 0 if body is exactly one JSON value, white space around it allowed;
 * js then holds the envelope members of a top-level object, and in why
 * the first thing json-c would read otherwise, if any (noted, not failed
 * on, so that invalid JSON is always reported as such). */
static int
json_scan_body(struct json_scan *js, const char *body, size_t len)
{
	memset(js, 0, sizeof *js);
	js->p = (const unsigned char *)body;
	js->end = js->p + len;
	json_scan_ws(js);
	if (json_scan_value(js) == -1)
		return -1;
	json_scan_ws(js);
	return js->p == js->end ? 0 : -1;
}

/* Copies the string member m into dst (size n); -1 if absent, -2 if not
 * a string, -3 if too long or holding a NUL. */
static int
envelope_string(const struct json_scan *js, enum envelope_member m,
    char *dst, size_t n, size_t *lenp)
{
	const struct json_span *v = &js->member[m];

	if (v->start == NULL)
		return -1;
	if (*v->start != '"')
		return -2;
	if (json_string_decode(v->start + 1, v->end - 1, dst, n, lenp) == -1)
		return -3;
	return 0;
}

static enum event_status
event_check_age(const struct event *ev, const struct event_rules *rules,
    char *err, size_t errlen)
{
	char limit[32];

	if (rules->max_age > 0 && ev->created < rules->now - rules->max_age) {
		text_format_duration(limit, sizeof limit, rules->max_age);
		snprintf(err, errlen, "created_at is older than max_age (%s): "
		    "refused as a possible replay", limit);
		return EVENT_INVALID;
	}
	if (ev->created > rules->now + rules->max_skew) {
		text_format_duration(limit, sizeof limit, rules->max_skew);
		snprintf(err, errlen, "created_at is further in the future "
		    "than max_skew (%s)", limit);
		return EVENT_INVALID;
	}
	return EVENT_OK;
}

static int
event_org_is_allowed(const struct event *ev, const struct event_rules *rules)
{
	int i;

	if (rules->norg_ids == 0)
		return 1;
	for (i = 0; i < rules->norg_ids; i++)
		if (strcmp(rules->org_ids[i], ev->org_id) == 0)
			return 1;
	return 0;
}

enum event_status
event_parse(const char *body, size_t len, struct event *ev,
    const struct event_rules *rules, char *err, size_t errlen)
{
	struct json_scan js;
	const struct json_span *data;
	size_t n;
	int r;

	memset(ev, 0, sizeof *ev);
	if (len == 0)
		return event_fail(err, errlen, "body is empty");
	if (json_scan_body(&js, body, len) == -1) {
		snprintf(err, errlen, "body is not valid JSON (RFC 8259, UTF-8, "
		    "nested at most %d deep)", JSON_MAX_DEPTH);
		return EVENT_INVALID;
	}
	if (js.why != NULL)
		return event_fail(err, errlen, js.why);
	js.p = (const unsigned char *)body;
	json_scan_ws(&js);
	if (*js.p != '{')
		return event_fail(err, errlen, "body is not a JSON object");
	ev->body = body;
	ev->len = len;

	r = envelope_string(&js, M_ID, ev->id, sizeof ev->id, &n);
	if (r == -1)
		return event_fail(err, errlen, "event_id is missing");
	if (r == -2)
		return event_fail(err, errlen, "event_id is not a string");
	if (r == -3 || !event_id_is_valid(ev->id, n)) {
		ev->id[0] = '\0';
		return event_fail(err, errlen, "event_id must match "
		    "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
	}

	r = envelope_string(&js, M_TYPE, ev->type,
	    sizeof ev->type, &n);
	if (r == -1)
		return event_fail(err, errlen, "event_type is missing");
	if (r == -2)
		return event_fail(err, errlen, "event_type is not a string");
	if (r == -3 || !event_type_is_valid(ev->type, n))
		return event_fail(err, errlen, "event_type must match "
		    "[a-z0-9][a-z0-9_.-]{0,63}");

	r = envelope_string(&js, M_CREATED, ev->created_at,
	    sizeof ev->created_at, &n);
	if (r == -1)
		return event_fail(err, errlen, "created_at is missing");
	if (r == -2)
		return event_fail(err, errlen, "created_at is not a string");
	/* Before 1970 is no time a call was made (and the spool keeps times
	 * as counts from then). */
	if (r == -3 || event_parse_time(ev->created_at, &ev->created) == -1 ||
	    ev->created < 0)
		return event_fail(err, errlen, "created_at is not an RFC 3339 "
		    "timestamp from 1970 on, such as 2026-06-01T10:00:00Z");
	if (rules != NULL &&
	    event_check_age(ev, rules, err, errlen) != EVENT_OK)
		return EVENT_INVALID;

	r = envelope_string(&js, M_ORG, ev->org_id, sizeof ev->org_id,
	    &n);
	if (r == -1)
		return event_fail(err, errlen, "org_id is missing");
	if (r == -2)
		return event_fail(err, errlen, "org_id is not a string");
	if (r == -3 || !event_org_id_is_valid(ev->org_id, n)) {
		ev->org_id[0] = '\0';
		return event_fail(err, errlen, "org_id must match "
		    "[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}");
	}
	if (rules != NULL && !event_org_is_allowed(ev, rules)) {
		snprintf(err, errlen, "org_id is not one this receiver "
		    "accepts");
		return EVENT_ORG_REFUSED;
	}

	data = &js.member[M_DATA];
	if (data->start == NULL)
		return event_fail(err, errlen, "data is missing");
	if (*data->start != '{')
		return event_fail(err, errlen, "data is not an object");
	ev->data = (const char *)data->start;
	ev->data_len = (size_t)(data->end - data->start);
	return EVENT_OK;
}

int
event_each_data_scalar(const struct event *ev, event_data_fn fn, void *arg)
{
	struct json_tokener *tok;
	struct json_object *root, *data;
	const char *text;
	size_t len;
	int r = 0;

	if (ev->body == NULL || ev->len > (size_t)INT32_MAX)
		return 0;
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1)) == NULL)
		return -1;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, ev->body, (int)ev->len);
	json_tokener_free(tok);
	if (root == NULL)
		return -1;	/* the scanner passed it: out of memory */
	if (!json_object_object_get_ex(root, "data", &data) ||
	    !json_object_is_type(data, json_type_object))
		goto done;
	json_object_object_foreach(data, key, val) {
		switch (json_object_get_type(val)) {
		case json_type_string:
			text = json_object_get_string(val);
			len = (size_t)json_object_get_string_len(val);
			break;
		case json_type_int:
		case json_type_double:
		case json_type_boolean:
			text = json_object_to_json_string_ext(val,
			    JSON_C_TO_STRING_PLAIN);
			len = strlen(text);
			break;
		default:
			continue;
		}
		if ((r = fn(key, text, len, arg)) == -1)
			break;
	}
done:
	json_object_put(root);
	return r;
}

char *
event_format_pretty(const char *body, size_t len)
{
	struct json_tokener *tok;
	json_object *root;
	const char *text;
	char *out = NULL;

	if (len > (size_t)INT32_MAX ||
	    (tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, body, (int)len);
	json_tokener_free(tok);
	if (root == NULL)
		return NULL;
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL)
		out = strdup(text);
	json_object_put(root);
	return out;
}

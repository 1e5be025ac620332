/*
 * The event envelope: event_id, event_type, created_at, org_id, data.
 * Only bodies whose signature checked out get here. The parser is json-c
 * in strict mode with UTF-8 validation and a depth limit; anything after
 * the one top-level object but white space is refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"

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

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,127} */
int
event_id_is_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > EVENT_ID_MAX_CHARS || !is_alnum_ascii(s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_alnum_ascii(s[i]) && s[i] != '_' && s[i] != '.' &&
		    s[i] != '-')
			return 0;
	return 1;
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

/* Copies the string member key of root into dst (size n); -1 if absent,
 * -2 if not a string, -3 if too long or holding a NUL. */
static int
event_get_string(struct json_object *root, const char *key, char *dst,
    size_t n, size_t *lenp)
{
	struct json_object *v;
	const char *s;
	size_t len;

	if (!json_object_object_get_ex(root, key, &v))
		return -1;
	if (!json_object_is_type(v, json_type_string))
		return -2;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len >= n || memchr(s, '\0', len) != NULL) {
		*lenp = len;
		return -3;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
	*lenp = len;
	return 0;
}

/*
 * A strict RFC 8259 syntax check run before json-c builds the tree:
 * json-c's own strict mode still takes single quotes and other
 * leniencies. Also refused: invalid or overlong UTF-8, encoded
 * surrogates, lone \u surrogates, nesting deeper than JSON_MAX_DEPTH.
 */
struct json_scan {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 depth;
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
	const unsigned char *p = js->p;
	unsigned c = p[0], need, cp, min, i;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3; cp = c & 0x07; min = 0x10000;
	} else {
		return -1;
	}
	if ((size_t)(js->end - p) <= need)
		return -1;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	js->p += need + 1;
	return 0;
}

static int
json_scan_hex4(struct json_scan *js, unsigned *out)
{
	unsigned v = 0, i;
	int c;

	if (js->end - js->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		c = js->p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	js->p += 4;
	*out = v;
	return 0;
}

static int
json_scan_string(struct json_scan *js)
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

static int
json_scan_digits(struct json_scan *js)
{
	const unsigned char *start = js->p;

	while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
		js->p++;
	return js->p == start ? -1 : 0;
}

static int
json_scan_number(struct json_scan *js)
{
	if (*js->p == '-')
		js->p++;
	if (js->p == js->end)
		return -1;
	if (*js->p == '0')
		js->p++;
	else if (json_scan_digits(js) == -1)
		return -1;
	if (js->p < js->end && *js->p == '.') {
		js->p++;
		if (json_scan_digits(js) == -1)
			return -1;
	}
	if (js->p < js->end && (*js->p == 'e' || *js->p == 'E')) {
		js->p++;
		if (js->p < js->end && (*js->p == '+' || *js->p == '-'))
			js->p++;
		if (json_scan_digits(js) == -1)
			return -1;
	}
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
			if (js->p == js->end || *js->p != '"' ||
			    json_scan_string(js) == -1)
				return -1;
			json_scan_ws(js);
			if (js->p == js->end || *js->p++ != ':')
				return -1;
			json_scan_ws(js);
		}
		if (json_scan_value(js) == -1)
			return -1;
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
		return json_scan_string(js);
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

/* 0 if body is exactly one JSON value, white space around it allowed. */
static int
json_is_strict(const char *body, size_t len)
{
	struct json_scan js;

	js.p = (const unsigned char *)body;
	js.end = js.p + len;
	js.depth = 0;
	json_scan_ws(&js);
	if (json_scan_value(&js) == -1)
		return -1;
	json_scan_ws(&js);
	return js.p == js.end ? 0 : -1;
}

static struct json_object *
event_parse_json(const char *body, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root = NULL;
	enum json_tokener_error jerr;
	size_t end;

	if (len > (size_t)INT32_MAX) {
		event_fail(err, errlen, "body is too large to parse");
		return NULL;
	}
	if (json_is_strict(body, len) == -1) {
		event_fail(err, errlen, "body is not valid JSON (RFC 8259, "
		    "UTF-8, nested at most 32 deep)");
		return NULL;
	}
	/* json-c cannot tell where a lone scalar ends; an object it can. */
	for (end = 0; end < len && (body[end] == ' ' || body[end] == '\t' ||
	    body[end] == '\r' || body[end] == '\n'); end++)
		;
	if (end == len || body[end] != '{') {
		event_fail(err, errlen, "body is not a JSON object");
		return NULL;
	}
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1)) == NULL) {
		event_fail(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (root == NULL) {
		if (jerr == json_tokener_continue)
			snprintf(err, errlen, "body is not valid JSON: "
			    "it ends too early");
		else
			snprintf(err, errlen, "body is not valid JSON: %s",
			    json_tokener_error_desc(jerr));
		goto done;
	}
	end = json_tokener_get_parse_end(tok);
	while (end < len && (body[end] == ' ' || body[end] == '\t' ||
	    body[end] == '\n' || body[end] == '\r'))
		end++;
	if (end != len) {
		event_fail(err, errlen, "body is not valid JSON: "
		    "something follows the object");
		json_object_put(root);
		root = NULL;
	}
done:
	json_tokener_free(tok);
	return root;
}

static void
format_duration(char *buf, size_t n, long sec)
{
	if (sec % 86400 == 0)
		snprintf(buf, n, "%ldd", sec / 86400);
	else if (sec % 3600 == 0)
		snprintf(buf, n, "%ldh", sec / 3600);
	else if (sec % 60 == 0)
		snprintf(buf, n, "%ldm", sec / 60);
	else
		snprintf(buf, n, "%lds", sec);
}

static enum event_status
event_check_age(const struct event *ev, const struct event_rules *rules,
    char *err, size_t errlen)
{
	char limit[32];

	if (rules->max_age > 0 && ev->created < rules->now - rules->max_age) {
		format_duration(limit, sizeof limit, rules->max_age);
		snprintf(err, errlen, "created_at is older than max_age (%s): "
		    "refused as a possible replay", limit);
		return EVENT_INVALID;
	}
	if (ev->created > rules->now + rules->max_skew) {
		format_duration(limit, sizeof limit, rules->max_skew);
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
	struct json_object *data;
	size_t n;
	int r;

	memset(ev, 0, sizeof *ev);
	if (len == 0)
		return event_fail(err, errlen, "body is empty");
	if (memchr(body, '\0', len) != NULL)
		return event_fail(err, errlen, "body is not valid JSON: "
		    "it holds a NUL byte");
	if ((ev->root = event_parse_json(body, len, err, errlen)) == NULL)
		return EVENT_INVALID;
	if (!json_object_is_type(ev->root, json_type_object))
		return event_fail(err, errlen, "body is not a JSON object");

	r = event_get_string(ev->root, "event_id", ev->id, sizeof ev->id, &n);
	if (r == -1)
		return event_fail(err, errlen, "event_id is missing");
	if (r == -2)
		return event_fail(err, errlen, "event_id is not a string");
	if (r == -3 || !event_id_is_valid(ev->id, n)) {
		ev->id[0] = '\0';
		return event_fail(err, errlen, "event_id must match "
		    "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
	}

	r = event_get_string(ev->root, "event_type", ev->type,
	    sizeof ev->type, &n);
	if (r == -1)
		return event_fail(err, errlen, "event_type is missing");
	if (r == -2)
		return event_fail(err, errlen, "event_type is not a string");
	if (r == -3 || !event_type_is_valid(ev->type, n))
		return event_fail(err, errlen, "event_type must match "
		    "[a-z0-9][a-z0-9_.-]{0,63}");

	r = event_get_string(ev->root, "created_at", ev->created_at,
	    sizeof ev->created_at, &n);
	if (r == -1)
		return event_fail(err, errlen, "created_at is missing");
	if (r == -2)
		return event_fail(err, errlen, "created_at is not a string");
	if (r == -3 || event_parse_time(ev->created_at, &ev->created) == -1)
		return event_fail(err, errlen, "created_at is not an RFC 3339 "
		    "timestamp such as 2026-06-01T10:00:00Z");
	if (rules != NULL &&
	    event_check_age(ev, rules, err, errlen) != EVENT_OK)
		return EVENT_INVALID;

	r = event_get_string(ev->root, "org_id", ev->org_id, sizeof ev->org_id,
	    &n);
	if (r == -1)
		return event_fail(err, errlen, "org_id is missing");
	if (r == -2)
		return event_fail(err, errlen, "org_id is not a string");
	if (r == -3 || n == 0)
		return event_fail(err, errlen, "org_id is empty, too long or "
		    "holds a NUL");
	if (rules != NULL && !event_org_is_allowed(ev, rules)) {
		snprintf(err, errlen, "org_id is not one this receiver "
		    "accepts");
		return EVENT_ORG_REFUSED;
	}

	if (!json_object_object_get_ex(ev->root, "data", &data))
		return event_fail(err, errlen, "data is missing");
	if (!json_object_is_type(data, json_type_object))
		return event_fail(err, errlen, "data is not an object");
	return EVENT_OK;
}

int
event_each_data_scalar(const struct event *ev, event_data_fn fn, void *arg)
{
	struct json_object *data;
	const char *text;
	size_t len;

	if (ev->root == NULL ||
	    !json_object_object_get_ex(ev->root, "data", &data) ||
	    !json_object_is_type(data, json_type_object))
		return 0;
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
		if (fn(key, text, len, arg) == -1)
			return -1;
	}
	return 0;
}

void
event_free(struct event *ev)
{
	if (ev->root != NULL)
		json_object_put(ev->root);
	ev->root = NULL;
}

/*
 * The spool's meta files: one `key=value` line per field, every field of struct
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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "event.h"
#include "log.h"
#include "meta.h"
#include "spool.h"
#include "text.h"

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
meta_format(const struct spool_meta *m, char *buf, size_t n)
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
			hi = text_hexval((unsigned char)v[i + 1]);
			lo = text_hexval((unsigned char)v[i + 2]);
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
		if (text_number_parse(val, SPOOL_META_TIME_MAX, &v) == -1)
			return -1;
		*(time_t *)(void *)base = (time_t)v;
		return 0;
	case META_COUNT:
		if (text_number_parse(val, MAX_ATTEMPTS_LIMIT, &v) == -1)
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
		if (text_number_parse(text, SPOOL_META_TIME_MAX, &v) == -1)
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
meta_parse(const char *buf, size_t len, struct spool_meta *m)
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


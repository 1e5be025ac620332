/* A HuskyVoice event: the JSON envelope, validated. json-c stays here. */
#ifndef HUSKYHOOK_EVENT_H
#define HUSKYHOOK_EVENT_H

#include <stddef.h>
#include <time.h>

#include "bounds.h"

struct event {
	char		 id[EVENT_ID_MAX_CHARS + 1];
	char		 type[EVENT_TYPE_MAX_CHARS + 1];
	char		 created_at[CREATED_AT_MAX_BYTES + 1];
	time_t		 created;		/* created_at as Unix time */
	char		 org_id[ORG_ID_MAX_BYTES + 1];
	const char	*body;		/* the caller's, for event_each_data_scalar */
	size_t		 len;
	const char	*data;		/* data's value within body */
	size_t		 data_len;
};

enum event_status {
	EVENT_OK,
	EVENT_INVALID,		/* 400 */
	EVENT_ORG_REFUSED,	/* 403 */
	EVENT_NO_MEMORY		/* 500 */
};

/* What event_parse checks beyond the shape of the envelope. */
struct event_rules {
	time_t		 now;
	long		 max_age;	/* 0: off */
	long		 max_skew;
	char *const	*org_ids;	/* allowed orgs; none: any */
	int		 norg_ids;
};

/* Parses body (strict JSON, valid UTF-8, one object, depth-limited, and
 * nothing json-c would read otherwise: no \u0000 in member names, no
 * integer json-c cannot hold) and checks the envelope's fields in the
 * order huskyhook-receive(8) gives. rules may be NULL to skip the age and
 * org checks (for events already stored).
 * err gets a reason fit to send back; the event id is set as soon as it
 * is known to be valid (for the log). */
enum event_status event_parse(const char *body, size_t len, struct event *ev,
    const struct event_rules *rules, char *err, size_t errlen);

int event_id_is_valid(const char *s, size_t len);
int event_type_is_valid(const char *s, size_t len);
int event_org_id_is_valid(const char *s, size_t len);
/* RFC 3339 date-time to Unix time; -1 when s is not one. */
int event_parse_time(const char *s, time_t *out);

/* Calls fn for each member of the event's `data` whose value is a string,
 * number or boolean, with its text (numbers and booleans as written by
 * json-c, which parses the body here, so the body event_parse was given
 * must still be there). Used to build HUSKY_DATA_* for hooks. -1 if fn
 * says so or memory runs out. */
typedef int (*event_data_fn)(const char *key, const char *value, size_t len,
    void *arg);
int event_each_data_scalar(const struct event *ev, event_data_fn fn, void *arg);

/* body, a JSON document, indented for a person to read (malloc'd, the
 * caller's to free); NULL if it is not JSON json-c reads, or memory ran
 * out. */
char *event_format_pretty(const char *body, size_t len);

#endif

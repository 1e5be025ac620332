/*
 * Event validation: the JSON body after a good signature. Besides not
 * crashing, what the scanner accepts must be what json-c reads, with no
 * exception: the same envelope strings, the same `data` (the member the
 * scanner took for it, read on its own, equals json-c's), and for each
 * member of data the hooks are given (event_each_data_scalar, json-c),
 * the value the body's text holds for its last occurrence, as any JSON
 * tool reading the hook's stdin would see it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* json-c, as event.c sets it up. */
static struct json_object *
parse_json_c(const char *s, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	json_tokener_free(tok);
	return o;
}

static void
same_as_json_c(struct json_object *root, const char *key, const char *want)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, key, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) != strlen(want) ||
	    memcmp(json_object_get_string(v), want, strlen(want)) != 0)
		abort();
}

/* A walk over text the scanner has accepted: no checks needed. */
static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
skip_string(const char *p)
{
	for (p++; *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p + 1;
}

static const char *
skip_value(const char *p)
{
	int depth = 0;

	if (*p == '"')
		return skip_string(p);
	if (*p != '{' && *p != '[') {
		while (strchr(",]} \t\r\n", *p) == NULL)
			p++;
		return p;
	}
	do {
		if (*p == '"') {
			p = skip_string(p);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	} while (depth > 0);
	return p;
}

/* One member of data as its text has it. */
struct member {
	char		*key;		/* decoded, may hold a NUL */
	size_t		 keylen;
	char		*text;		/* a scalar's value as hooks get it */
	size_t		 textlen;	/* (a string decoded); NULL: no scalar */
	int		 seen;
};

/* A JSON string token decoded by json-c standing alone, where it keeps
 * every byte. */
static char *
decode_string(const char *p, const char *e, size_t *lenp)
{
	struct json_object *o;
	char *s;

	if ((o = parse_json_c(p, (size_t)(e - p))) == NULL ||
	    !json_object_is_type(o, json_type_string))
		abort();
	*lenp = (size_t)json_object_get_string_len(o);
	if ((s = malloc(*lenp + 1)) == NULL)
		abort();
	memcpy(s, json_object_get_string(o), *lenp + 1);
	json_object_put(o);
	return s;
}

struct members {
	struct member	*m;
	size_t		 n;
};

static void
data_members(const char *p, struct members *ms)
{
	const char *k, *v, *e;
	struct member *m;

	p = skip_ws(p);
	if (*p++ != '{')
		abort();
	p = skip_ws(p);
	while (*p != '}') {
		k = p;
		p = skip_string(p);
		ms->m = realloc(ms->m, (ms->n + 1) * sizeof *ms->m);
		if (ms->m == NULL)
			abort();
		m = &ms->m[ms->n++];
		memset(m, 0, sizeof *m);
		m->key = decode_string(k, p, &m->keylen);
		p = skip_ws(p);
		p = skip_ws(p + 1);	/* the colon */
		v = p;
		e = p = skip_value(p);
		if (*v == '"') {
			m->text = decode_string(v, e, &m->textlen);
		} else if (*v != '{' && *v != '[' && *v != 'n') {
			m->textlen = (size_t)(e - v);
			if ((m->text = strndup(v, m->textlen)) == NULL)
				abort();
		}
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
	}
}

/* Each call from event_each_data_scalar must be the last occurrence of
 * its key in the text, holding a scalar of the same value. */
static int
check_scalar(const char *key, const char *value, size_t len, void *arg)
{
	struct members *ms = arg;
	size_t i, keylen = strlen(key);

	for (i = ms->n; i-- > 0; )
		if (ms->m[i].keylen == keylen &&
		    memcmp(ms->m[i].key, key, keylen) == 0)
			break;
	if (i == (size_t)-1 || ms->m[i].seen || ms->m[i].text == NULL ||
	    ms->m[i].textlen != len || memcmp(ms->m[i].text, value, len) != 0)
		abort();
	ms->m[i].seen = 1;
	return 0;
}

static void
check_data(const struct event *ev, struct json_object *root)
{
	struct json_object *data, *alone;
	struct members ms = { NULL, 0 };
	size_t i, j;

	if (!json_object_object_get_ex(root, "data", &data) ||
	    !json_object_is_type(data, json_type_object))
		abort();
	/* The scanner's data, read on its own, is json-c's. */
	if ((alone = parse_json_c(ev->data, ev->data_len)) == NULL ||
	    !json_object_equal(alone, data))
		abort();
	json_object_put(alone);

	/* Member by member, the hooks get what the text says. */
	data_members(ev->data, &ms);
	if (event_each_data_scalar(ev, check_scalar, &ms) == -1)
		abort();
	for (i = 0; i < ms.n; i++) {
		/* A last occurrence holding a scalar was given. */
		for (j = i + 1; j < ms.n; j++)
			if (ms.m[j].keylen == ms.m[i].keylen &&
			    memcmp(ms.m[j].key, ms.m[i].key, ms.m[i].keylen) == 0)
				break;
		if (j == ms.n && ms.m[i].text != NULL && !ms.m[i].seen)
			abort();
		free(ms.m[i].key);
		free(ms.m[i].text);
	}
	free(ms.m);
}

static void
check_with_json_c(const uint8_t *data, size_t size, const struct event *ev)
{
	struct json_object *root;

	if ((root = parse_json_c((const char *)data, size)) == NULL)
		abort();
	same_as_json_c(root, "event_id", ev->id);
	same_as_json_c(root, "event_type", ev->type);
	same_as_json_c(root, "created_at", ev->created_at);
	same_as_json_c(root, "org_id", ev->org_id);
	check_data(ev, root);
	json_object_put(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *orgs[] = { (char *)"org_abc_123" };
	struct event_rules rules = { 1780308000, 259200, 300, orgs, 1 };
	struct event ev;
	char err[256], *body;

	if (size > 256 * 1024)
		return 0;
	if (event_parse((const char *)data, size, &ev, &rules, err,
	    sizeof err) == EVENT_OK) {
		/* What was accepted must hold what the spool relies on. */
		if (!event_id_is_valid(ev.id, strlen(ev.id)) ||
		    !event_type_is_valid(ev.type, strlen(ev.type)))
			abort();
	}
	/* A NUL-terminated copy, for the text walk's sake (a NUL byte is
	 * never in a body the scanner accepts). */
	if ((body = malloc(size + 1)) == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	if (event_parse(body, size, &ev, NULL, err, sizeof err) == EVENT_OK)
		check_with_json_c((const uint8_t *)body, size, &ev);
	free(body);
	return 0;
}

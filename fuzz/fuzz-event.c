/*
 * Event validation: the JSON body after a good signature. Besides not
 * crashing, what the scanner accepts must be what json-c reads: the same
 * envelope strings, and a tree json-c can build (the hooks' HUSKY_DATA_*
 * come from json-c's reading of the same body).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

static void
check_with_json_c(const uint8_t *data, size_t size, const struct event *ev)
{
	struct json_tokener *tok;
	struct json_object *root, *v;

	tok = json_tokener_new_ex(33);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (root == NULL)
		abort();
	/* json-c cuts member names at a NUL; with such a name about,
	 * which member is the envelope's may differ by design. */
	if (memmem(data, size, "\\u0000", 6) == NULL) {
		same_as_json_c(root, "event_id", ev->id);
		same_as_json_c(root, "event_type", ev->type);
		same_as_json_c(root, "created_at", ev->created_at);
		same_as_json_c(root, "org_id", ev->org_id);
		if (!json_object_object_get_ex(root, "data", &v) ||
		    !json_object_is_type(v, json_type_object))
			abort();
	}
	json_object_put(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *orgs[] = { (char *)"org_abc_123" };
	struct event_rules rules = { 1780308000, 259200, 300, orgs, 1 };
	struct event ev;
	char err[256];

	if (size > 256 * 1024)
		return 0;
	if (event_parse((const char *)data, size, &ev, &rules, err,
	    sizeof err) == EVENT_OK) {
		/* What was accepted must hold what the spool relies on. */
		if (!event_id_is_valid(ev.id, strlen(ev.id)) ||
		    !event_type_is_valid(ev.type, strlen(ev.type)))
			abort();
	}
	if (event_parse((const char *)data, size, &ev, NULL, err,
	    sizeof err) == EVENT_OK)
		check_with_json_c(data, size, &ev);
	return 0;
}

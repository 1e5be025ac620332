/* Event validation: the JSON body after a good signature. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	event_free(&ev);
	event_parse((const char *)data, size, &ev, NULL, err, sizeof err);
	event_free(&ev);
	return 0;
}

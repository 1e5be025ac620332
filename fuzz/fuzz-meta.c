/*
 * The spool's meta files, which anyone who may write the spool can
 * write: whatever parses must hold only values the receiver could have
 * written (checked here by the validators of the request path, not by
 * the parser's own), and must format back to the same file content.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "meta.h"
#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Each space-separated word a name a hook may have. */
static int
hooks_are_names(const char *s)
{
	char copy[SPOOL_HOOKS_DONE_BYTES], *w, *save;

	if (*s == '\0')
		return 1;
	if (s[0] == ' ' || s[strlen(s) - 1] == ' ' || strstr(s, "  "))
		return 0;
	memcpy(copy, s, strlen(s) + 1);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (strlen(w) > HOOK_NAME_MAX_CHARS ||
		    strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-") != strlen(w))
			return 0;
	return 1;
}

static void
check_valid(const struct spool_meta *m)
{
	time_t t;

	if (!event_id_is_valid(m->id, strlen(m->id)) ||
	    !event_type_is_valid(m->type, strlen(m->type)) ||
	    event_parse_time(m->created_at, &t) == -1 || t != m->created ||
	    !event_org_id_is_valid(m->org_id, strlen(m->org_id)) ||
	    has_control(m->last_error) ||
	    (m->remote_addr[0] != '\0' && !log_addr_is_valid(m->remote_addr)) ||
	    m->attempts < 0 || m->attempts > MAX_ATTEMPTS_LIMIT ||
	    m->created < 0 || m->next_attempt < 0 || m->finished < 0 ||
	    m->received.tv_sec < 0 || m->received.tv_nsec < 0 ||
	    m->received.tv_nsec >= 1000000000 || !hooks_are_names(m->hooks_done))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_meta a, b;
	char buf[SPOOL_META_MAX_BYTES];
	int n;

	if (size > SPOOL_META_MAX_BYTES)
		return 0;
	if (meta_parse((const char *)data, size, &a) != 0)
		return 0;
	check_valid(&a);
	n = meta_format(&a, buf, sizeof buf);
	if (n < 0)
		abort();	/* what parses must fit */
	if (meta_parse(buf, (size_t)n, &b) != 0 ||
	    memcmp(&a, &b, sizeof a) != 0)
		abort();
	return 0;
}

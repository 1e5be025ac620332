/* The hook environment builder: HUSKY_DATA_* from an event's data, kept
 * under hook_env_max_bytes() with HUSKY_DATA_TRUNCATED=1 whenever a value
 * was left out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "config.h"
#include "hook.h"
#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_meta m;
	struct hook_env env;
	struct hook_env_input in;
	struct config cfg;
	static char hook_path[] = "/usr/bin:/bin";
	struct event ev;
	char err[256];
	size_t i, bytes, truncated;

	/* Over the 512 KiB cap, so that leaving values out is reached. */
	if (size > 1024 * 1024)
		return 0;
	if (event_parse((const char *)data, size, &ev, NULL, err,
	    sizeof err) != EVENT_OK)
		return 0;
	memset(&m, 0, sizeof m);
	memcpy(m.id, ev.id, sizeof m.id);
	memcpy(m.type, ev.type, sizeof m.type);
	memcpy(m.created_at, ev.created_at, sizeof m.created_at);
	memcpy(m.org_id, ev.org_id, sizeof m.org_id);
	memset(&in, 0, sizeof in);
	memset(&cfg, 0, sizeof cfg);
	cfg.hook_path = hook_path;
	in.cfg = &cfg;
	in.meta = &m;
	in.event = &ev;
	in.event_file = "/spool/events/x.json";
	in.hook_name = "default";
	in.attempt = 1;
	if (hook_env_build(&env, &in) == 0) {
		/* Every entry is NAME=VALUE with a name fit for a shell. */
		for (i = 0; i < env.n; i++) {
			const char *p = env.vars[i];

			if (strchr(p, '=') == NULL || p[0] == '=')
				abort();
			for (; *p != '='; p++)
				if (!((*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9') || *p == '_'))
					abort();
		}
		if (env.vars[env.n] != NULL)
			abort();
		/* As execve(2) counts it: within the cap, and the count the
		 * builder kept is the real one. */
		bytes = 2 * sizeof(char *);
		truncated = 0;
		for (i = 0; i < env.n; i++) {
			bytes += strlen(env.vars[i]) + 1 + sizeof(char *);
			if (strncmp(env.vars[i], "HUSKY_DATA_TRUNCATED=", 21) == 0) {
				if (strcmp(env.vars[i] + 21, "1") != 0)
					abort();
				truncated++;
			}
		}
		if (bytes != env.bytes || bytes > env.max_bytes)
			abort();
		/* Set once when anything was left out, else not at all. */
		if (truncated != (hook_env_left_out(&env) > 0 ? 1 : 0))
			abort();
		hook_env_free(&env);
	}
	return 0;
}

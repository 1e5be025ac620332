/* hook_find opens hooks beneath the hooks directory: no event type, however
 * it is spelled, reaches a file outside it, and only a hook file may be a
 * symbolic link. hook_env_build keeps the environment under its cap and
 * flags what it left out. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "config.h"
#include "hook.h"
#include "spool.h"
#include "tap.h"

static char top[] = "/tmp/unit-hook.XXXXXX";
static char hooks[256];

static void
mkexec(const char *path)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(99);
	}
	fputs("#!/bin/sh\nexit 0\n", fp);
	fclose(fp);
	chmod(path, 0755);
}

static ino_t
ino_of(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_ino : 0;
}

static ino_t
fd_ino(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) == 0 ? sb.st_ino : 0;
}

static void
refused(const char *type)
{
	struct hook_list l;
	char err[512] = "";

	tap_ok(hook_find(hooks, type, &l, err, sizeof err) == -1 && l.n == 0 &&
	    strstr(err, "not a valid event type") != NULL,
	    "type \"%s\" refused: %s", type, err);
}

int
main(void)
{
	char path[512], link[512], err[512], big[32001], *body;
	struct hook_list l;
	struct hook_env env;
	struct hook_env_input in;
	struct config cfg;
	static char hook_path[] = "/usr/bin:/bin";
	struct spool_meta m;
	struct event ev;
	size_t i, off, cap, bytes;
	int truncated, smalls;

	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(hooks, sizeof hooks, "%s/hooks", top);
	mkdir(hooks, 0700);
	snprintf(path, sizeof path, "%s/outside", top);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/outside/x", top);
	mkexec(path);
	snprintf(path, sizeof path, "%s/outside/call.completed", top);
	mkexec(path);
	snprintf(path, sizeof path, "%s/call.completed", hooks);
	mkexec(path);
	/* The operator's links: a directory outside, a file outside. */
	snprintf(path, sizeof path, "%s/outside", top);
	snprintf(link, sizeof link, "%s/call.answered", hooks);
	if (symlink(path, link) == -1)
		return 99;
	snprintf(path, sizeof path, "%s/outside/x", top);
	snprintf(link, sizeof link, "%s/call.initiated", hooks);
	if (symlink(path, link) == -1)
		return 99;

	refused("../outside/x");
	refused("..");
	refused(".");
	refused("");
	refused("/bin/sh");
	refused("../../../../../../bin/sh");
	refused("call.completed/../../outside/x");
	refused(".hidden");
	refused("a/b");
	refused("Call.Completed");

	tap_ok(hook_find(hooks, "call.completed", &l, err, sizeof err) == 0 &&
	    l.n == 1, "a hook file is found");
	snprintf(path, sizeof path, "%s/call.completed", hooks);
	tap_ok(l.n == 1 && fd_ino(l.fds[0]) == ino_of(path),
	    "what was opened is the file beneath the hooks directory");
	hook_list_free(&l);

	tap_ok(hook_find(hooks, "call.answered", &l, err, sizeof err) == -1 &&
	    l.n == 0 && strstr(err, "symbolic link") != NULL,
	    "a linked directory is refused: %s", err);

	tap_ok(hook_find(hooks, "call.initiated", &l, err, sizeof err) == 0 &&
	    l.n == 1, "a hook file that is a link is followed");
	snprintf(path, sizeof path, "%s/outside/x", top);
	tap_ok(l.n == 1 && fd_ino(l.fds[0]) == ino_of(path),
	    "to the file it names");
	hook_list_free(&l);

	tap_ok(hook_find(hooks, "call.failed", &l, err, sizeof err) == 0 &&
	    l.n == 0, "no hook, no default: none");
	snprintf(path, sizeof path, "%s/default", hooks);
	mkexec(path);
	tap_ok(hook_find(hooks, "call.failed", &l, err, sizeof err) == 0 &&
	    l.n == 1 && strcmp(l.names[0], "default") == 0,
	    "no hook of its own: default");
	hook_list_free(&l);

	/* Only `default` and call.<a-z_>+ may run: a file of any other name
	 * is found for no type, even the type that is its very name. */
	{
		static const char *const runnable[] = { "default",
		    "call.completed", "call.failed", "call.brand_new" };
		static const char *const not_runnable[] = { "forward.sh",
		    "x.dpkg-old", "x.new", "call.completed.new",
		    "call.completed.swp", "call.failed.disabled",
		    "call.completed-old", "call.2", "call.", "call",
		    "calls.completed", "call.completed~", "#call.completed#",
		    ".call.completed.swp", ".hidden", "Call.Completed",
		    "defaults", "default.bak", "" };

		for (i = 0; i < sizeof runnable / sizeof runnable[0]; i++)
			tap_ok(hook_name_is_runnable(runnable[i]),
			    "\"%s\" may run", runnable[i]);
		for (i = 0; i < sizeof not_runnable / sizeof not_runnable[0];
		    i++) {
			tap_ok(!hook_name_is_runnable(not_runnable[i]),
			    "\"%s\" never runs", not_runnable[i]);
			if (*not_runnable[i] == '\0')
				continue;
			snprintf(path, sizeof path, "%s/%s", hooks,
			    not_runnable[i]);
			mkexec(path);
			/* What the receiver would refuse is refused here
			 * too; what it accepts finds default alone. */
			if (event_type_is_valid(not_runnable[i],
			    strlen(not_runnable[i])) &&
			    not_runnable[i][0] != '.')
				tap_ok(hook_find(hooks, not_runnable[i], &l, err,
				    sizeof err) == 0 && l.n == 1 &&
				    strcmp(l.names[0], "default") == 0,
				    "type \"%s\": default, not its namesake",
				    not_runnable[i]);
			else
				tap_ok(hook_find(hooks, not_runnable[i], &l, err,
				    sizeof err) == -1 && l.n == 0,
				    "type \"%s\": refused", not_runnable[i]);
			hook_list_free(&l);
		}
		tap_ok(hook_find(hooks, "default", &l, err, sizeof err) == 0 &&
		    l.n == 1 && strcmp(l.names[0], "default") == 0,
		    "type \"default\": default, once");
		hook_list_free(&l);
		tap_ok(hook_find(hooks, "call.completed", &l, err, sizeof err) ==
		    0 && l.n == 1 && strcmp(l.names[0], "call.completed") == 0,
		    "beside its copies, call.completed finds itself alone");
		hook_list_free(&l);
	}

	/* The hooks directory itself: missing, a file, not searchable or
	 * not set is never "no hook". */
	tap_ok(hook_dir_check(hooks, err, sizeof err) == 0,
	    "hook_dir_check: a directory passes");
	snprintf(path, sizeof path, "%s/nowhere", top);
	tap_ok(hook_dir_check(path, err, sizeof err) == -1 &&
	    strstr(err, path) != NULL &&
	    strstr(err, strerror(ENOENT)) != NULL,
	    "hook_dir_check: missing: %s", err);
	tap_ok(hook_find(path, "call.failed", &l, err, sizeof err) ==
	    HOOK_FIND_NO_DIR && l.n == 0,
	    "hook_find: a missing hooks directory is not an empty one");
	snprintf(path, sizeof path, "%s/outside/x", top);
	tap_ok(hook_dir_check(path, err, sizeof err) == -1 &&
	    strstr(err, strerror(ENOTDIR)) != NULL,
	    "hook_dir_check: a file: %s", err);
	tap_ok(hook_find(path, "call.failed", &l, err, sizeof err) ==
	    HOOK_FIND_NO_DIR, "hook_find: nor is a file");
	tap_ok(hook_dir_check(NULL, err, sizeof err) == -1 &&
	    strstr(err, "'hooks' is not set") != NULL,
	    "hook_dir_check: not set: %s", err);
	tap_ok(hook_find(NULL, "call.failed", &l, err, sizeof err) ==
	    HOOK_FIND_NO_DIR, "hook_find: nor is none at all");
	if (geteuid() != 0) {
		chmod(hooks, 0);
		tap_ok(hook_dir_check(hooks, err, sizeof err) == -1 &&
		    strstr(err, strerror(EACCES)) != NULL,
		    "hook_dir_check: not searchable: %s", err);
		tap_ok(hook_find(hooks, "call.failed", &l, err, sizeof err) ==
		    HOOK_FIND_NO_DIR, "hook_find: nor is one not searchable");
		chmod(hooks, 0700);
	} else {
		printf("ok %d # SKIP root may search any directory\n",
		    ++tap_count);
		printf("ok %d # SKIP root may search any directory\n",
		    ++tap_count);
	}

	/* 100 values of 32000 bytes between two small ones. */
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	if ((body = malloc(100 * 32100 + 1024)) == NULL)
		return 99;
	off = (size_t)sprintf(body, "{\"event_id\":\"e\",\"event_type\":"
	    "\"call.completed\",\"created_at\":\"2026-06-01T10:00:00Z\","
	    "\"org_id\":\"o\",\"data\":{\"first\":\"s1\",\"truncated\":\"0\"");
	for (i = 0; i < 100; i++)
		off += (size_t)sprintf(body + off, ",\"v%zu\":\"%s\"", i, big);
	off += (size_t)sprintf(body + off, ",\"last\":\"s2\"}}");
	tap_ok(event_parse(body, off, &ev, NULL, err, sizeof err) == EVENT_OK,
	    "the big event parses");
	memset(&m, 0, sizeof m);
	snprintf(m.id, sizeof m.id, "e");
	snprintf(m.type, sizeof m.type, "call.completed");
	memset(&in, 0, sizeof in);
	memset(&cfg, 0, sizeof cfg);
	cfg.hook_path = hook_path;
	in.cfg = &cfg;
	in.meta = &m;
	in.event = &ev;
	in.event_file = "/spool/events/e.json";
	in.hook_name = "default";
	in.attempt = 1;
	cap = hook_env_max_bytes();
	tap_ok(cap > 0 && cap <= HOOK_ENV_MAX_BYTES, "the cap: %zu bytes", cap);
	tap_ok(hook_env_build(&env, &in) == 0, "the environment is built");
	bytes = 2 * sizeof(char *);
	truncated = smalls = 0;
	for (i = 0; i < env.n; i++) {
		bytes += strlen(env.vars[i]) + 1 + sizeof(char *);
		if (strcmp(env.vars[i], "HUSKY_DATA_TRUNCATED=1") == 0)
			truncated++;
		if (strcmp(env.vars[i], "HUSKY_DATA_FIRST=s1") == 0 ||
		    strcmp(env.vars[i], "HUSKY_DATA_LAST=s2") == 0)
			smalls++;
	}
	tap_ok(bytes <= cap && bytes == env.bytes,
	    "under the cap: %zu of %zu bytes", bytes, cap);
	tap_ok(truncated == 1, "HUSKY_DATA_TRUNCATED=1, once");
	tap_ok(smalls == 2, "the small values before and after are there");
	tap_ok(env.left_room > 0 && env.left_name == 1,
	    "counted: %zu for room, %zu for the reserved name", env.left_room,
	    env.left_name);
	hook_env_free(&env);
	free(body);

	snprintf(path, sizeof path, "rm -rf '%s'", top);
	if (system(path) != 0)
		return 99;
	return tap_done();
}

/* Finding and running the user's hooks for an event. */
#ifndef HUSKYHOOK_HOOK_H
#define HUSKYHOOK_HOOK_H

#include <stddef.h>

#include "bounds.h"

struct event;
struct spool_meta;

struct hook_list {
	char	*paths[HOOK_MAX_PER_EVENT];
	char	*names[HOOK_MAX_PER_EVENT];
	size_t	 n;
};

/* The hooks for event_type: HOOKS/<type> (a file, or a directory whose
 * executables run in C-locale order, run-parts names only), else
 * HOOKS/default the same way. No hook at all: 0 hooks, success. A hook
 * file that is not executable is an error (err says which). */
int  hook_find(const char *hooks_dir, const char *event_type,
    struct hook_list *out, char *err, size_t errlen);
void hook_list_free(struct hook_list *list);
/* run-parts' rule: [A-Za-z0-9_-]+ */
int  hook_name_is_valid(const char *name);

/* The environment a hook gets. */
struct hook_env {
	char	*vars[HOOK_ENV_MAX_VARS + 1];
	size_t	 n;
};
struct hook_env_input {
	const struct spool_meta	*meta;
	const struct event	*event;		/* for HUSKY_DATA_*; may be NULL */
	const char		*hook_path;	/* PATH */
	const char		*event_file;
	const char		*hook_name;
	long			 attempt;
};
/* Builds a clean environment: HOME, USER, LOGNAME, LANG and TZ kept from
 * ours, PATH, the HUSKY_* variables, and HUSKY_DATA_<KEY> per scalar of
 * data (values over 32 KiB or holding a NUL left out). */
int  hook_env_build(struct hook_env *env, const struct hook_env_input *in);
void hook_env_free(struct hook_env *env);
/* HUSKY_DATA_ name for a data key: upper-cased, anything but A-Z and 0-9
 * turned into '_'. Returns -1 if it does not fit. */
int  hook_data_name(const char *key, char *out, size_t n);

/* Where a hook's output goes: a log opened only when there is something
 * to write, beginning with header. Most hooks print nothing, and a file
 * created per event is the dearest step of a run. */
struct hook_output {
	int	 fd;			/* -1 until opened */
	int	 (*open)(void *arg);	/* returns an fd for appending */
	void	*arg;
	char	 header[256];
};
void hook_output_write(struct hook_output *out, const void *buf, size_t len);

struct hook_result {
	int	 exit_status;	/* -1 unless it exited */
	int	 signal;	/* the signal that ended it, or 0 */
	int	 timed_out;
	int	 spawn_errno;	/* fork/pipe failed: not run at all */
	size_t	 output_bytes;
};

/* Runs path with no shell in between, in its own process group, stdin
 * from stdin_fd, stdout and stderr to out (at most HOOK_LOG_MAX_BYTES),
 * killed with its group after timeout_sec. Whatever the hook leaves
 * running in its group when it exits is killed too. */
int  hook_run(const char *path, const struct hook_env *env, int stdin_fd,
    struct hook_output *out, const char *cwd, long timeout_sec,
    struct hook_result *res);
/* "exit 3", "killed by signal 9", "timed out after 60s", ... */
void hook_result_describe(const struct hook_result *res, long timeout_sec,
    char *buf, size_t n);

#endif

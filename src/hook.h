/* Finding and running the user's hooks for an event. */
#ifndef HUSKYHOOK_HOOK_H
#define HUSKYHOOK_HOOK_H

#include <stddef.h>

#include "bounds.h"

struct event;
struct config;
struct spool_meta;

/* A hook that exits with this status has failed for good: its event is
 * not retried (qmail's convention for a permanent failure). */
#define HOOK_EXIT_FAILED_FOR_GOOD	100

/* Hooks are opened, not named: each is a file descriptor (O_PATH)
 * opened beneath the hooks directory one component at a time, and that
 * descriptor is what runs. paths are for messages only. */
struct hook_list {
	int	 fds[HOOK_MAX_PER_EVENT];
	char	*paths[HOOK_MAX_PER_EVENT];
	char	*names[HOOK_MAX_PER_EVENT];
	size_t	 n;
};

/* The hooks for event_type: HOOKS/<type> (a file, or a directory whose
 * executables run in C-locale order, run-parts names only) if the type
 * is a name hook_name_is_runnable() accepts, else HOOKS/default the same
 * way. No hook at all: 0 hooks, success. A hook file that is not
 * executable is an error (-1, err says which), and so is an event_type
 * that is not a name event_type_is_valid() accepts: it comes from the
 * spool, which the web server's user can write, and must never reach
 * outside the hooks directory. A hook file may be a symbolic link (the
 * operator's: the hooks directory must not be writable by anyone else);
 * a run-parts directory may not, nor may anything lead through one.
 * HOOK_FIND_NO_DIR when the hooks directory itself cannot be used (see
 * hook_dir_check): never "no hook", and no event's fault. */
int  hook_find(const char *hooks_dir, const char *event_type,
    struct hook_list *out, char *err, size_t errlen);
#define HOOK_FIND_NO_DIR	(-2)
/* 0 if hooks_dir is a directory hooks can be looked up in (it exists,
 * is a directory, and this process may search it); else -1, errno set,
 * and err says "hooks directory PATH: REASON" (or that hooks_dir is
 * NULL: 'hooks' is not set). */
int  hook_dir_check(const char *hooks_dir, char *err, size_t errlen);
void hook_list_free(struct hook_list *list);
/* run-parts' rule, for the files of a hook directory: [A-Za-z0-9_-]+ */
int  hook_name_is_valid(const char *name);
/* The names in the hooks directory that may ever run: `default`, and
 * `call.` followed by lower-case letters and '_' (call.completed, the
 * vendor's form of an event type). Nothing else there runs, whatever an
 * event's type says: a helper script (forward.sh), a package manager's
 * or an editor's copy (x.dpkg-old, call.completed.swp, call.completed~),
 * a hook set aside (call.failed.disabled). */
int  hook_name_is_runnable(const char *name);

/* The environment a hook gets. */
struct hook_env {
	char	*vars[HOOK_ENV_MAX_VARS + 1];
	size_t	 n;
	size_t	 bytes;		/* as execve(2) counts them, pointers too */
	size_t	 max_bytes;	/* hook_env_max_bytes() when it was built */
	/* HUSKY_DATA_* values left out, by reason; any of them sets
	 * HUSKY_DATA_TRUNCATED=1. */
	size_t	 left_long;	/* over HOOK_DATA_VALUE_MAX_BYTES */
	size_t	 left_nul;	/* holding a NUL */
	size_t	 left_many;	/* beyond HOOK_DATA_MAX_VARS */
	size_t	 left_room;	/* no room left under max_bytes */
	size_t	 left_name;	/* name taken, reserved or too long */
};
struct hook_env_input {
	const struct config	*cfg;		/* PATH from hook_path */
	const struct spool_meta	*meta;
	const struct event	*event;		/* for HUSKY_DATA_*; may be NULL */
	const char		*event_file;
	const char		*hook_name;
	long			 attempt;
};
/* Builds a clean environment: HOME, USER, LOGNAME, LANG and TZ kept from
 * ours, PATH, the HUSKY_* variables (HUSKY_HOST from gethostname), and HUSKY_DATA_<KEY> per scalar of
 * data while they fit in hook_env_max_bytes() (values over 32 KiB or
 * holding a NUL left out), then HUSKY_DATA_TRUNCATED=1 if any was left
 * out. */
int  hook_env_build(struct hook_env *env, const struct hook_env_input *in);
void hook_env_free(struct hook_env *env);
/* The most a hook's environment may take, in bytes as execve(2) counts
 * them: HOOK_ENV_MAX_BYTES, less if the stack limit makes the room for
 * arguments smaller. */
size_t hook_env_max_bytes(void);
/* How many HUSKY_DATA_* values were left out. */
size_t hook_env_left_out(const struct hook_env *env);
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

/* One run of a hook. */
struct hook_spec {
	int			 fd;		/* the hook, opened */
	const char		*path;		/* for messages; its argv[0] */
	const struct hook_env	*env;
	int			 stdin_fd;	/* the body */
	const char		*cwd;		/* the hooks directory */
	long			 timeout_sec;
};

/* Runs the hook spec names with no shell in between, in its own process
 * group, stdout and stderr to out (at most HOOK_LOG_MAX_BYTES), killed
 * with its group after timeout_sec. Whatever the hook leaves running when
 * it exits or is killed, in its group or not (setsid), is killed and
 * reaped too: the first call makes this process a child subreaper, so
 * orphans of a hook become its children. A script runs as /dev/fd/N (N
 * is HOOK_EXEC_FD), which is its $0. */
int  hook_run(const struct hook_spec *spec, struct hook_output *out,
    struct hook_result *res);
/* "exit 3", "killed by signal 9", "timed out after 60s", ... */
void hook_result_describe(const struct hook_result *res, long timeout_sec,
    char *buf, size_t n);

#endif

/*
 * Hooks are the user's programs, one per event type or a directory of
 * them (run-parts style). Each runs by execve(2), no shell in between, in
 * a process group of its own so that a timeout kills everything it
 * started. Output goes through a pipe into the event's log, capped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "config.h"
#include "hook.h"
#include "io.h"
#include "log.h"
#include "spool.h"
#include "text.h"

int
hook_name_is_valid(const char *name)
{
	const char *p;

	if (*name == '\0' || strlen(name) > HOOK_NAME_MAX_CHARS)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

void
hook_list_free(struct hook_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		close(list->fds[i]);
		free(list->paths[i]);
		free(list->names[i]);
	}
	list->n = 0;
}

/* Takes fd: it is in the list or closed. */
static int
hook_add(struct hook_list *list, int fd, const char *path, const char *name)
{
	if (list->n == HOOK_MAX_PER_EVENT) {
		close(fd);
		errno = E2BIG;
		return -1;
	}
	list->paths[list->n] = strdup(path);
	list->names[list->n] = strdup(name);
	if (list->paths[list->n] == NULL || list->names[list->n] == NULL) {
		free(list->paths[list->n]);
		free(list->names[list->n]);
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	list->fds[list->n++] = fd;
	return 0;
}

/*
 * Opens the single component name beneath dirfd, never by a path: the
 * name must not lead anywhere else. A symbolic link is followed only to
 * a regular file: the operator's `ln -s /usr/local/bin/x hooks/T`. That
 * is safe as only who can write the hooks directory can make one, and he
 * can put any program there anyway; what the spool says (the event type)
 * only picks a name within it. A link to a directory is refused, so no
 * directory outside is ever listed and run. *linked says which it was.
 */
static int
hook_open_beneath(int dirfd, const char *name, struct stat *sb, int *linked)
{
	int fd, lfd;

	*linked = 0;
	if ((fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, sb) == -1)
		goto fail;
	if (!S_ISLNK(sb->st_mode))
		return fd;
	*linked = 1;
	if ((lfd = openat(dirfd, name, O_PATH | O_CLOEXEC)) == -1)
		goto fail;
	close(fd);
	fd = lfd;
	if (fstat(fd, sb) == -1)
		goto fail;
	if (!S_ISREG(sb->st_mode)) {
		errno = ELOOP;	/* "a link to something else" */
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* The executables of a run-parts directory (open as fd, O_PATH), in
 * C-locale order. */
static int
hook_find_dir(int fd, const char *dir, struct hook_list *list, char *err,
    size_t errlen)
{
	char *names[HOOK_MAX_PER_EVENT], path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	size_t n = 0, i;
	DIR *d;
	int dfd, hfd, linked, rc = 0;

	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (d = fdopendir(dfd)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		if (dfd != -1)
			close(dfd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!hook_name_is_valid(de->d_name))
			continue;	/* dotfiles, *.disabled, *~, ... */
		if (fstatat(dfd, de->d_name, &sb, 0) == -1 ||
		    !S_ISREG(sb.st_mode) ||
		    faccessat(dfd, de->d_name, X_OK, 0) == -1)
			continue;
		if (n == HOOK_MAX_PER_EVENT) {
			snprintf(err, errlen, "%s: more than %d hooks", dir,
			    HOOK_MAX_PER_EVENT);
			rc = -1;
			break;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, text_strptr_cmp);
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >=
		    (int)sizeof path)
			snprintf(path, sizeof path, "%s", names[i]);
		/* What was looked at above is opened again, by itself: one
		 * that went meanwhile, or is now a link to a directory, is
		 * skipped as it would have been then. */
		if (rc == 0 && (hfd = hook_open_beneath(dfd, names[i], &sb,
		    &linked)) != -1) {
			if (!S_ISREG(sb.st_mode))
				close(hfd);
			else if (hook_add(list, hfd, path, names[i]) == -1) {
				snprintf(err, errlen, "%s", strerror(errno));
				rc = -1;
			}
		}
		free(names[i]);
	}
	closedir(d);
	return rc;
}

/* 1 if name was found (as a file or a directory) beneath dirfd, 0 if
 * absent. */
static int
hook_find_one(int dirfd, const char *hooks_dir, const char *name,
    struct hook_list *list, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat sb;
	int fd, linked, r;

	snprintf(path, sizeof path, "%s/%s", hooks_dir, name);
	if ((fd = hook_open_beneath(dirfd, name, &sb, &linked)) == -1) {
		if (errno == ENOENT && !linked)
			return 0;
		if (linked)
			snprintf(err, errlen, "%s is a symbolic link to %s: "
			    "only a hook file may be a link", path,
			    errno == ENOENT ? "nothing" : "a directory or "
			    "something else that is not a file");
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		r = hook_find_dir(fd, path, list, err, errlen);
		close(fd);
		return r == -1 ? -1 : 1;
	}
	if (!S_ISREG(sb.st_mode) || faccessat(dirfd, name, X_OK, 0) == -1) {
		snprintf(err, errlen, "%s is not an executable file", path);
		close(fd);
		return -1;
	}
	if (hook_add(list, fd, path, name) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return 1;
}

int
hook_name_is_runnable(const char *name)
{
	static const char prefix[] = "call.";
	const char *p;

	if (strcmp(name, "default") == 0)
		return 1;
	if (strncmp(name, prefix, sizeof prefix - 1) != 0 ||
	    name[sizeof prefix - 1] == '\0' ||
	    strlen(name) > EVENT_TYPE_MAX_CHARS)
		return 0;
	for (p = name + sizeof prefix - 1; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return 0;
	return 1;
}

/* The hooks directory, opened by its path (it comes from the
 * configuration: trusted) and searchable, as every hook is looked up
 * beneath it; -1 with err naming it and why, errno kept. */
static int
hook_dir_open(const char *hooks_dir, char *err, size_t errlen)
{
	int fd, saved;

	if (hooks_dir == NULL) {
		snprintf(err, errlen, "'hooks' is not set");
		errno = EINVAL;
		return -1;
	}
	if ((fd = open(hooks_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) != -1 &&
	    faccessat(fd, ".", X_OK, AT_EACCESS) == 0)
		return fd;
	saved = errno;
	if (fd != -1)
		close(fd);
	snprintf(err, errlen, "hooks directory %s: %s", hooks_dir,
	    strerror(saved));
	errno = saved;
	return -1;
}

int
hook_dir_check(const char *hooks_dir, char *err, size_t errlen)
{
	int fd;

	if ((fd = hook_dir_open(hooks_dir, err, errlen)) == -1)
		return -1;
	close(fd);
	return 0;
}

int
hook_find(const char *hooks_dir, const char *event_type,
    struct hook_list *out, char *err, size_t errlen)
{
	char shown[4 * EVENT_TYPE_MAX_CHARS + 8];
	int dirfd, r = 0;

	memset(out, 0, sizeof *out);
	/* One name beneath the hooks directory: no '/', no leading '.'. */
	if (!event_type_is_valid(event_type, strlen(event_type)) ||
	    strchr(event_type, '/') != NULL || event_type[0] == '.') {
		/* Shown, but not a byte of it that a terminal would act on. */
		log_escape(shown, sizeof shown, event_type, strlen(event_type));
		snprintf(err, errlen, "\"%s\" is not a valid event type name: "
		    "no hook is looked for", shown);
		return -1;
	}
	/* Missing is not empty: a directory moved aside, not mounted or
	 * misspelt in the configuration would make every event done. */
	if ((dirfd = hook_dir_open(hooks_dir, err, errlen)) == -1)
		return HOOK_FIND_NO_DIR;
	/* A type that is no hook's name (forward.sh, call.failed.disabled,
	 * x.dpkg-old) finds no hook of its own: only `default` may run. */
	if (hook_name_is_runnable(event_type))
		r = hook_find_one(dirfd, hooks_dir, event_type, out, err,
		    errlen);
	if (r == 0)
		r = hook_find_one(dirfd, hooks_dir, "default", out, err,
		    errlen);
	close(dirfd);
	if (r == -1) {
		hook_list_free(out);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */

int
hook_data_name(const char *key, char *out, size_t n)
{
	static const char prefix[] = "HUSKY_DATA_";
	size_t i, o = sizeof prefix - 1;
	char c;

	if (*key == '\0' || o + strlen(key) + 1 > n)
		return -1;
	memcpy(out, prefix, o);
	for (i = 0; key[i] != '\0'; i++) {
		c = key[i];
		/* One '_' per character: UTF-8 continuation bytes add none. */
		if (((unsigned char)c & 0xc0) == 0x80)
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			c = '_';
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* What execve(2) counts for one NAME=VALUE: the string and its pointer. */
static size_t
env_cost(size_t namelen, size_t len)
{
	return namelen + 1 + len + 1 + sizeof(char *);
}

size_t
hook_env_max_bytes(void)
{
	struct rlimit rl;
	size_t max = HOOK_ENV_MAX_BYTES, room = 0;
	long am;

	/* The kernel gives arguments and environment together a quarter
	 * of the stack limit; libc's _SC_ARG_MAX says the same or less.
	 * The hook inherits our limit. */
	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		room = (size_t)(rl.rlim_cur / 4);
	if ((am = sysconf(_SC_ARG_MAX)) > 0 && (room == 0 || (size_t)am < room))
		room = (size_t)am;
	if (room > 0 && room / HOOK_ENV_ARG_MAX_SHARE < max)
		max = room / HOOK_ENV_ARG_MAX_SHARE;
	return max;
}

size_t
hook_env_left_out(const struct hook_env *env)
{
	return env->left_long + env->left_nul + env->left_many +
	    env->left_room + env->left_name;
}

static int
env_add(struct hook_env *env, const char *name, const char *value,
    size_t len)
{
	size_t nlen = strlen(name);
	char *v;

	if (env->n == HOOK_ENV_MAX_VARS)
		return 0;	/* cannot be: HOOK_DATA_MAX_VARS is less */
	if ((v = malloc(nlen + 1 + len + 1)) == NULL)
		return -1;
	memcpy(v, name, nlen);
	v[nlen] = '=';
	memcpy(v + nlen + 1, value, len);
	v[nlen + 1 + len] = '\0';
	env->vars[env->n++] = v;
	env->vars[env->n] = NULL;
	env->bytes += env_cost(nlen, len);
	return 0;
}

static int
env_add_str(struct hook_env *env, const char *name, const char *value)
{
	return env_add(env, name, value, strlen(value));
}

static int
env_has(const struct hook_env *env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < env->n; i++)
		if (strncmp(env->vars[i], name, n) == 0 &&
		    env->vars[i][n] == '=')
			return 1;
	return 0;
}

/* Set when any HUSKY_DATA_* value was left out; no data key may take it. */
static const char env_truncated[] = "HUSKY_DATA_TRUNCATED";

struct data_ctx {
	struct hook_env	*env;
	size_t		 added;
};

static int
env_add_data(const char *key, const char *value, size_t len, void *arg)
{
	struct data_ctx *ctx = arg;
	struct hook_env *env = ctx->env;
	char name[128];

	if (ctx->added == HOOK_DATA_MAX_VARS) {
		env->left_many++;
		return 0;
	}
	if (len > HOOK_DATA_VALUE_MAX_BYTES) {
		env->left_long++;
		return 0;
	}
	if (memchr(value, '\0', len) != NULL) {
		env->left_nul++;
		return 0;
	}
	/* Two keys that map to one name: the first wins. */
	if (hook_data_name(key, name, sizeof name) == -1 ||
	    strcmp(name, env_truncated) == 0 || env_has(env, name)) {
		env->left_name++;
		return 0;
	}
	/* Room is kept for the flag; a smaller value further on may still
	 * fit where this one does not. */
	if (env->bytes + env_cost(strlen(name), len) +
	    env_cost(sizeof env_truncated - 1, 1) > env->max_bytes) {
		env->left_room++;
		return 0;
	}
	ctx->added++;
	return env_add(env, name, value, len);
}

/* HUSKY_HOST: the host this run is on, so that a hook on one of several
 * hosts sharing a spool can say where it ran. */
static int
env_add_host(struct hook_env *env)
{
	char host[256];

	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	return env_add_str(env, "HUSKY_HOST", host);
}

int
hook_env_build(struct hook_env *env, const struct hook_env_input *in)
{
	static const char *const keep[] = { "HOME", "USER", "LOGNAME", "LANG",
	    "TZ" };
	char num[32], stamp[64];
	struct data_ctx ctx;
	const char *v;
	size_t i;

	memset(env, 0, sizeof *env);
	env->max_bytes = hook_env_max_bytes();
	/* The pointers ending argv and envp. */
	env->bytes = 2 * sizeof(char *);
	for (i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if ((v = getenv(keep[i])) != NULL && env_add_str(env, keep[i], v))
			goto fail;
	snprintf(num, sizeof num, "%ld", in->attempt);
	log_format_time(stamp, sizeof stamp, in->meta->received.tv_sec,
	    in->meta->received.tv_nsec);
	if (env_add_str(env, "PATH", in->cfg->hook_path) ||
	    env_add_str(env, "HUSKY_EVENT_ID", in->meta->id) ||
	    env_add_str(env, "HUSKY_EVENT_TYPE", in->meta->type) ||
	    env_add_str(env, "HUSKY_CREATED_AT", in->meta->created_at) ||
	    env_add_str(env, "HUSKY_RECEIVED_AT", stamp) ||
	    env_add_str(env, "HUSKY_ORG_ID", in->meta->org_id) ||
	    env_add_str(env, "HUSKY_EVENT_FILE", in->event_file) ||
	    env_add_str(env, "HUSKY_ATTEMPT", num) ||
	    env_add_str(env, "HUSKY_HOOK", in->hook_name) ||
	    env_add_host(env))
		goto fail;
	if (in->event != NULL) {
		ctx.env = env;
		ctx.added = 0;
		if (event_each_data_scalar(in->event, env_add_data, &ctx) == -1)
			goto fail;
	}
	if (hook_env_left_out(env) > 0 &&
	    env_add_str(env, env_truncated, "1") == -1)
		goto fail;
	return 0;
fail:
	hook_env_free(env);
	return -1;
}

void
hook_env_free(struct hook_env *env)
{
	size_t i;

	for (i = 0; i < env->n; i++)
		free(env->vars[i]);
	env->n = 0;
	env->vars[0] = NULL;
}

/* ------------------------------------------------------------------ */

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void
hook_output_write(struct hook_output *out, const void *buf, size_t len)
{
	if (out->fd == -1) {
		if ((out->fd = out->open(out->arg)) == -1)
			return;
		(void)io_write_all(out->fd, out->header, strlen(out->header));
	}
	/* A full disk must not stop the hook: what does not fit is lost. */
	(void)io_write_all(out->fd, buf, len);
}

static void hook_child(int, const char *, const struct hook_env *, int, int,
    const char *) __attribute__((noreturn));

/* "huskyhook: WHAT WHO: REASON" on the hook's stderr, then _exit(127),
 * with write(2) alone: the vfork child shares the parent's memory, so it
 * formats nothing (strerrordesc_np only looks up a constant string). */
static void hook_child_fail(const char *, const char *, int)
    __attribute__((noreturn));

static void
hook_child_fail(const char *what, const char *who, int err)
{
	const char *reason = strerrordesc_np(err);
	const char *parts[] = { "huskyhook: ", what, " ", who, ": ",
	    reason != NULL ? reason : "error", "\n" };
	size_t i;

	for (i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (write(2, parts[i], strlen(parts[i])) < 0)
			break;
	_exit(127);
}

static void
hook_child(int fd, const char *path, const struct hook_env *env,
    int stdin_fd, int out_fd, const char *cwd)
{
	char *const argv[] = { (char *)path, NULL };
	sigset_t all;
	int xfd;

	/* A hook must not outlive a killed `huskyhook run`. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	/* The hook's descriptor goes to HOOK_EXEC_FD, the body (stdin) once
	 * more to HOOK_BODY_FD, out of the way of each other whatever their
	 * numbers were. HUSKY_EVENT_FILE names HOOK_BODY_FD: the body run
	 * checked, not a path into the spool that someone who may write the
	 * spool could point elsewhere once it was checked. */
	if ((xfd = fcntl(fd, F_DUPFD_CLOEXEC, HOOK_BODY_FD + 1)) == -1 ||
	    dup2(stdin_fd, 0) == -1 || dup2(out_fd, 1) == -1 ||
	    dup2(out_fd, 2) == -1 ||
	    dup3(xfd, HOOK_EXEC_FD, O_CLOEXEC) == -1 ||
	    dup2(0, HOOK_BODY_FD) == -1)
		_exit(127);
	/* A session of its own, and so a process group (killed whole on a
	 * timeout) and no controlling terminal: a hook, which may be the
	 * web server's user's, must not reach the terminal of whoever runs
	 * `huskyhook run` (root's shell: TIOCSTI would type into it). */
	if (setsid() == -1)
		hook_child_fail("cannot start a session for", path, errno);
	if (cwd != NULL && chdir(cwd) == -1)
		hook_child_fail("cannot enter", cwd, errno);
	closefrom(HOOK_BODY_FD + 1);
	/* What was opened runs, not what a path names now. A '#!' script is
	 * read by its interpreter as /dev/fd/HOOK_EXEC_FD, which close-on-
	 * exec would take away (ENOENT): then once more with it kept open. */
	fexecve(HOOK_EXEC_FD, argv, (char *const *)env->vars);
	if (errno == ENOENT) {
		fcntl(HOOK_EXEC_FD, F_SETFD, 0);
		fexecve(HOOK_EXEC_FD, argv, (char *const *)env->vars);
	}
	hook_child_fail("cannot execute", path, errno);
}

/* vfork: no copy of the parent's page tables, which costs more than the
 * hook itself when the run holds a long list. The child only makes system
 * calls (and string lookups) on its own stack until execve or _exit,
 * formatting nothing. Kept apart from hook_run so that no variable of the
 * caller lives across the vfork. */
static pid_t
hook_spawn(int fd, const char *path, const struct hook_env *env,
    int stdin_fd, int out_fd, const char *cwd)
{
	pid_t pid;

	if ((pid = vfork()) == 0)
		hook_child(fd, path, env, stdin_fd, out_fd, cwd);
	return pid;
}

/*
 * Our children, at most max of them, into pids; -1 if they cannot be
 * known. /proc/self/task/T/children lists them per thread; without it
 * (a kernel built without CONFIG_PROC_CHILDREN) every /proc/P/stat is
 * looked at for our pid as the parent's.
 */
static int
hook_children(pid_t *pids, size_t max, size_t *n)
{
	char path[NAME_MAX + 32], buf[4096], *p, *end;
	struct dirent *de;
	ssize_t len;
	pid_t self = getpid(), ppid;
	DIR *d;
	long v;
	int fd, any = 0;

	*n = 0;
	if ((d = opendir("/proc/self/task")) != NULL) {
		while ((de = readdir(d)) != NULL && *n < max) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "/proc/self/task/%s/children",
			    de->d_name);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
				continue;
			any = 1;
			len = io_read_full(fd, buf, sizeof buf - 1);
			close(fd);
			if (len <= 0)
				continue;
			buf[len] = '\0';
			for (p = buf; *n < max; p = end) {
				v = strtol(p, &end, 10);
				if (end == p)
					break;
				if (v > 0)
					pids[(*n)++] = (pid_t)v;
			}
		}
		closedir(d);
		if (any)
			return 0;
	}
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL && *n < max) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		len = io_read_full(fd, buf, sizeof buf - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* pid (comm) state ppid: comm may hold anything, even ')'. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %*c %d", &ppid) != 1 || ppid != self)
			continue;
		pids[(*n)++] = (pid_t)strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	return 0;
}

static int
pid_in(pid_t pid, const pid_t *pids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return 1;
	return 0;
}

/*
 * Kills and reaps what a hook left behind. As the subreaper, we get
 * every orphan of the hook's, whichever session or group it moved to;
 * killing one makes its own children ours in turn, hence the rounds.
 * Children we had before the hook started (`sleep & exec huskyhook run`
 * in a script) are none of the hook's: before lists them, and they are
 * left alone.
 */
static void
hook_kill_orphans(const pid_t *before, size_t nbefore)
{
	pid_t pids[HOOK_REAP_MAX_PIDS];
	size_t n, i, mine;
	int round;

	for (round = 0; round < HOOK_REAP_MAX_ROUNDS; round++) {
		if (hook_children(pids, HOOK_REAP_MAX_PIDS, &n) == -1)
			return;
		for (i = 0, mine = 0; i < n; i++) {
			if (pid_in(pids[i], before, nbefore))
				continue;
			kill(pids[i], SIGKILL);
			mine++;
		}
		if (mine == 0)
			return;
		for (i = 0; i < n; i++)
			if (!pid_in(pids[i], before, nbefore))
				while (waitpid(pids[i], NULL, 0) == -1 &&
				    errno == EINTR)
					;
	}
	log_msg(LOG_LEVEL_ERR, "a hook left processes behind that were still "
	    "there after %d rounds of killing", HOOK_REAP_MAX_ROUNDS);
}

/*
 * Where a hook's run is, and so what its one deadline means:
 * RUNNING until timeout_sec (then SIGTERM to its group), TERMINATING for
 * HOOK_KILL_GRACE_SEC (then SIGKILL), KILLED (SIGKILL again each second
 * until it is gone), and, once it has exited, DRAINING: its output read
 * to the end, for at most a second, as something not ours (a descriptor
 * passed over a socket) may hold the pipe open.
 */
enum hook_phase {
	HOOK_RUNNING,
	HOOK_TERMINATING,
	HOOK_KILLED,
	HOOK_DRAINING
};

/* Reads what the hook wrote; 0 at the end of its output. */
static int
hook_read_output(int rfd, struct hook_output *out, struct hook_result *res)
{
	char buf[IO_BLOCK_BYTES];
	size_t room;
	ssize_t n;

	if ((n = read(rfd, buf, sizeof buf)) == 0)
		return 0;
	if (n > 0) {
		room = HOOK_LOG_MAX_BYTES - res->output_bytes;
		if (res->output_bytes < (size_t)HOOK_LOG_MAX_BYTES)
			hook_output_write(out, buf, (size_t)n < room ?
			    (size_t)n : room);
		res->output_bytes += (size_t)n;
	}
	return 1;
}

/* The note that some of the data values are not in the environment. */
static void
hook_note_left_out(const struct hook_env *env, struct hook_output *out)
{
	char buf[512];
	int n;

	if (hook_env_left_out(env) == 0)
		return;
	n = snprintf(buf, sizeof buf, "[huskyhook: %zu data values left out "
	    "of the environment, HUSKY_DATA_TRUNCATED=1 (%zu over %ld bytes, "
	    "%zu holding a NUL, %zu beyond the first %d, %zu for want of room "
	    "in %zu bytes, %zu whose name was taken or too long); stdin and "
	    "HUSKY_EVENT_FILE have them all]\n", hook_env_left_out(env),
	    env->left_long, (long)HOOK_DATA_VALUE_MAX_BYTES, env->left_nul,
	    env->left_many, HOOK_DATA_MAX_VARS, env->left_room, env->max_bytes,
	    env->left_name);
	if (n > 0)
		hook_output_write(out, buf, (size_t)n < sizeof buf ? (size_t)n :
		    sizeof buf - 1);
}

int
hook_run(const struct hook_spec *spec, struct hook_output *out,
    struct hook_result *res)
{
	static int subreaper;
	pid_t before[HOOK_REAP_MAX_PIDS];
	char buf[128];
	struct pollfd pfd[2];
	enum hook_phase phase = HOOK_RUNNING;
	long phase_ends, left;
	int pipefd[2], pidfd = -1, status = 0, eof = 0, npfd, n;
	size_t nbefore = 0;
	pid_t pid;

	memset(res, 0, sizeof *res);
	res->exit_status = -1;
	/* Orphans of the hook come to us, not to init, so that none can
	 * outlive it (setsid takes it out of the group killed below). */
	if (!subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) == 0)
		subreaper = 1;
	if (hook_children(before, HOOK_REAP_MAX_PIDS, &nbefore) == -1)
		nbefore = 0;
	hook_note_left_out(spec->env, out);
	if (pipe2(pipefd, O_CLOEXEC) == -1) {
		res->spawn_errno = errno;
		return -1;
	}
	if ((pid = hook_spawn(spec->fd, spec->path, spec->env, spec->stdin_fd,
	    pipefd[1], spec->cwd)) == -1) {
		res->spawn_errno = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	/* vfork: the child's setsid is done by now, its group is pid. */
	close(pipefd[1]);
#ifdef SYS_pidfd_open
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	phase_ends = now_ms() + spec->timeout_sec * 1000L;

	while (phase != HOOK_DRAINING || !eof) {
		npfd = 0;
		if (!eof) {
			pfd[npfd].fd = pipefd[0];
			pfd[npfd++].events = POLLIN;
		}
		if (phase != HOOK_DRAINING && pidfd != -1) {
			pfd[npfd].fd = pidfd;
			pfd[npfd++].events = POLLIN;
		}
		if ((left = phase_ends - now_ms()) < 0)
			left = 0;
		if (pidfd == -1 && phase != HOOK_DRAINING && left > 50)
			left = 50;	/* no pidfd: look for the exit often */
		if (poll(pfd, (nfds_t)npfd, (int)left) == -1) {
			if (errno != EINTR)
				break;
			pfd[0].revents = 0;
		}
		if (!eof && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			eof = !hook_read_output(pipefd[0], out, res);
		if (phase != HOOK_DRAINING &&
		    waitpid(pid, &status, WNOHANG) == pid) {
			/* Whatever it left behind, in its group or out of it,
			 * goes too, and with it the last writers of the pipe:
			 * what they wrote is still read to the end. */
			kill(-pid, SIGKILL);
			hook_kill_orphans(before, nbefore);
			phase = HOOK_DRAINING;
			phase_ends = now_ms() + 1000L;
			continue;
		}
		if (now_ms() < phase_ends)
			continue;
		switch (phase) {
		case HOOK_RUNNING:
			res->timed_out = 1;
			kill(-pid, SIGTERM);
			phase = HOOK_TERMINATING;
			phase_ends = now_ms() + HOOK_KILL_GRACE_SEC * 1000L;
			break;
		case HOOK_TERMINATING:
		case HOOK_KILLED:
			kill(-pid, SIGKILL);
			phase = HOOK_KILLED;
			phase_ends = now_ms() + 1000L;
			break;
		case HOOK_DRAINING:
			eof = 1;	/* what still holds the pipe is not ours */
			break;
		}
	}
	if (phase != HOOK_DRAINING) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	hook_kill_orphans(before, nbefore);
	if (pidfd != -1)
		close(pidfd);
	close(pipefd[0]);
	if (res->output_bytes > (size_t)HOOK_LOG_MAX_BYTES) {
		n = snprintf(buf, sizeof buf, "\n[huskyhook: %zu more bytes of "
		    "output not kept]\n", res->output_bytes -
		    (size_t)HOOK_LOG_MAX_BYTES);
		hook_output_write(out, buf, (size_t)n);
	}
	if (WIFEXITED(status))
		res->exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->signal = WTERMSIG(status);
	return 0;
}

void
hook_result_describe(const struct hook_result *res, long timeout_sec,
    char *buf, size_t n)
{
	if (res->spawn_errno != 0)
		snprintf(buf, n, "could not be started: %s",
		    strerror(res->spawn_errno));
	else if (res->timed_out)
		snprintf(buf, n, "timed out after %lds", timeout_sec);
	else if (res->signal != 0)
		snprintf(buf, n, "killed by signal %d", res->signal);
	else
		snprintf(buf, n, "exit %d", res->exit_status);
}

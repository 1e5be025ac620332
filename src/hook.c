/*
 * Hooks are the user's programs, one per event type or a directory of
 * them (run-parts style). Each runs by execve(2), no shell in between, in
 * a process group of its own so that a timeout kills everything it
 * started. Output goes through a pipe into the event's log, capped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "hook.h"
#include "log.h"
#include "spool.h"

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
		free(list->paths[i]);
		free(list->names[i]);
	}
	list->n = 0;
}

static int
hook_add(struct hook_list *list, const char *path, const char *name)
{
	if (list->n == HOOK_MAX_PER_EVENT) {
		errno = E2BIG;
		return -1;
	}
	list->paths[list->n] = strdup(path);
	list->names[list->n] = strdup(name);
	if (list->paths[list->n] == NULL || list->names[list->n] == NULL) {
		free(list->paths[list->n]);
		free(list->names[list->n]);
		errno = ENOMEM;
		return -1;
	}
	list->n++;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The executables of a run-parts directory, in C-locale order. */
static int
hook_find_dir(const char *dir, struct hook_list *list, char *err,
    size_t errlen)
{
	char *names[HOOK_MAX_PER_EVENT], path[4096];
	struct dirent *de;
	struct stat sb;
	size_t n = 0, i;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!hook_name_is_valid(de->d_name))
			continue;	/* dotfiles, *.disabled, *~, ... */
		if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >=
		    (int)sizeof path)
			continue;
		if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    access(path, X_OK) == -1)
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
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, str_cmp);
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >=
		    (int)sizeof path)
			rc = -1;
		if (rc == 0 && hook_add(list, path, names[i]) == -1) {
			snprintf(err, errlen, "%s", strerror(errno));
			rc = -1;
		}
		free(names[i]);
	}
	return rc;
}

/* 1 if name was found (as a file or a directory), 0 if absent. */
static int
hook_find_one(const char *hooks_dir, const char *name, struct hook_list *list,
    char *err, size_t errlen)
{
	char path[4096];
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", hooks_dir, name);
	if (stat(path, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb.st_mode))
		return hook_find_dir(path, list, err, errlen) == -1 ? -1 : 1;
	if (!S_ISREG(sb.st_mode) || access(path, X_OK) == -1) {
		snprintf(err, errlen, "%s is not an executable file", path);
		return -1;
	}
	if (hook_add(list, path, name) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return 1;
}

int
hook_find(const char *hooks_dir, const char *event_type,
    struct hook_list *out, char *err, size_t errlen)
{
	int r;

	memset(out, 0, sizeof *out);
	r = hook_find_one(hooks_dir, event_type, out, err, errlen);
	if (r == 0)
		r = hook_find_one(hooks_dir, "default", out, err, errlen);
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

static int
env_add(struct hook_env *env, const char *name, const char *value,
    size_t len)
{
	size_t nlen = strlen(name);
	char *v;

	if (env->n == HOOK_ENV_MAX_VARS)
		return 0;	/* silently full: the body is on stdin */
	if ((v = malloc(nlen + 1 + len + 1)) == NULL)
		return -1;
	memcpy(v, name, nlen);
	v[nlen] = '=';
	memcpy(v + nlen + 1, value, len);
	v[nlen + 1 + len] = '\0';
	env->vars[env->n++] = v;
	env->vars[env->n] = NULL;
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

struct data_ctx {
	struct hook_env	*env;
	size_t		 added;
};

static int
env_add_data(const char *key, const char *value, size_t len, void *arg)
{
	struct data_ctx *ctx = arg;
	char name[128];

	if (ctx->added == HOOK_DATA_MAX_VARS)
		return 0;
	if (len > HOOK_DATA_VALUE_MAX_BYTES || memchr(value, '\0', len))
		return 0;
	if (hook_data_name(key, name, sizeof name) == -1)
		return 0;
	if (env_has(ctx->env, name))
		return 0;	/* two keys that map to one name: first wins */
	ctx->added++;
	return env_add(ctx->env, name, value, len);
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
	for (i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if ((v = getenv(keep[i])) != NULL && env_add_str(env, keep[i], v))
			goto fail;
	snprintf(num, sizeof num, "%ld", in->attempt);
	log_format_time(stamp, sizeof stamp, in->meta->received.tv_sec,
	    in->meta->received.tv_nsec);
	if (env_add_str(env, "PATH", in->hook_path) ||
	    env_add_str(env, "HUSKY_EVENT_ID", in->meta->id) ||
	    env_add_str(env, "HUSKY_EVENT_TYPE", in->meta->type) ||
	    env_add_str(env, "HUSKY_CREATED_AT", in->meta->created_at) ||
	    env_add_str(env, "HUSKY_RECEIVED_AT", stamp) ||
	    env_add_str(env, "HUSKY_ORG_ID", in->meta->org_id) ||
	    env_add_str(env, "HUSKY_EVENT_FILE", in->event_file) ||
	    env_add_str(env, "HUSKY_ATTEMPT", num) ||
	    env_add_str(env, "HUSKY_HOOK", in->hook_name))
		goto fail;
	if (in->event != NULL) {
		ctx.env = env;
		ctx.added = 0;
		if (event_each_data_scalar(in->event, env_add_data, &ctx) == -1)
			goto fail;
	}
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

static void
write_log(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* a full disk must not stop the hook */
		buf += n;
		len -= (size_t)n;
	}
}

void
hook_output_write(struct hook_output *out, const void *buf, size_t len)
{
	if (out->fd == -1) {
		if ((out->fd = out->open(out->arg)) == -1)
			return;
		write_log(out->fd, out->header, strlen(out->header));
	}
	write_log(out->fd, buf, len);
}

static void hook_child(const char *, const struct hook_env *, int, int,
    const char *) __attribute__((noreturn));

static void
hook_child(const char *path, const struct hook_env *env, int stdin_fd,
    int out_fd, const char *cwd)
{
	char *const argv[] = { (char *)path, NULL };
	sigset_t all;
	char msg[512];
	int n;

	/* A hook must not outlive a killed `huskyhook run`. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	if (dup2(stdin_fd, 0) == -1 || dup2(out_fd, 1) == -1 ||
	    dup2(out_fd, 2) == -1)
		_exit(127);
	if (cwd != NULL && chdir(cwd) == -1) {
		n = snprintf(msg, sizeof msg, "huskyhook: cannot enter %s: %s\n",
		    cwd, strerror(errno));
		if (write(2, msg, (size_t)n) < 0)
			_exit(127);
		_exit(127);
	}
	closefrom(3);
	execve(path, argv, (char *const *)env->vars);
	n = snprintf(msg, sizeof msg, "huskyhook: cannot execute %s: %s\n",
	    path, strerror(errno));
	if (write(2, msg, (size_t)n) < 0)
		_exit(127);
	_exit(127);
}

/* vfork: no copy of the parent's page tables, which costs more than the
 * hook itself when the run holds a long list. The child only makes system
 * calls on its own stack until execve or _exit. Kept apart from hook_run
 * so that no variable of the caller lives across the vfork. */
static pid_t
hook_spawn(const char *path, const struct hook_env *env, int stdin_fd,
    int out_fd, const char *cwd)
{
	pid_t pid;

	if ((pid = vfork()) == 0)
		hook_child(path, env, stdin_fd, out_fd, cwd);
	return pid;
}

int
hook_run(const char *path, const struct hook_env *env, int stdin_fd,
    struct hook_output *out, const char *cwd, long timeout_sec,
    struct hook_result *res)
{
	char buf[65536];
	struct pollfd pfd[2];
	long deadline, kill_at = -1, left;
	int pipefd[2], pidfd = -1, status, exited = 0, eof = 0, npfd;
	pid_t pid;
	ssize_t n;

	memset(res, 0, sizeof *res);
	res->exit_status = -1;
	if (pipe2(pipefd, O_CLOEXEC) == -1) {
		res->spawn_errno = errno;
		return -1;
	}
	if ((pid = hook_spawn(path, env, stdin_fd, pipefd[1], cwd)) == -1) {
		res->spawn_errno = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	setpgid(pid, pid);	/* also here: no race with a quick kill */
	close(pipefd[1]);
#ifdef SYS_pidfd_open
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	deadline = now_ms() + timeout_sec * 1000L;

	while (!exited || !eof) {
		npfd = 0;
		if (!eof) {
			pfd[npfd].fd = pipefd[0];
			pfd[npfd++].events = POLLIN;
		}
		if (!exited && pidfd != -1) {
			pfd[npfd].fd = pidfd;
			pfd[npfd++].events = POLLIN;
		}
		left = (kill_at != -1 ? kill_at : deadline) - now_ms();
		if (left < 0)
			left = 0;
		if (pidfd == -1 && !exited && left > 50)
			left = 50;	/* no pidfd: look for the exit often */
		if (poll(pfd, (nfds_t)npfd, (int)left) == -1) {
			if (errno != EINTR)
				break;
			pfd[0].revents = 0;
		}
		if (!eof && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(pipefd[0], buf, sizeof buf);
			if (n == 0) {
				eof = 1;
			} else if (n > 0) {
				if (res->output_bytes < (size_t)HOOK_LOG_MAX_BYTES)
					hook_output_write(out, buf, (size_t)n <
					    HOOK_LOG_MAX_BYTES - res->output_bytes ?
					    (size_t)n : HOOK_LOG_MAX_BYTES -
					    res->output_bytes);
				res->output_bytes += (size_t)n;
			}
		}
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = 1;
			/* Whatever it left behind in its group goes too,
			 * and with it the last writers of the pipe. */
			kill(-pid, SIGKILL);
			kill_at = now_ms() + 1000L;
		}
		if (exited) {
			/* Something that left the group (setsid) may hold
			 * the pipe open: stop reading a second later. */
			if (now_ms() >= kill_at)
				break;
			continue;
		}
		if (kill_at == -1 && now_ms() >= deadline) {
			res->timed_out = 1;
			kill(-pid, SIGTERM);
			kill_at = now_ms() + HOOK_KILL_GRACE_SEC * 1000L;
		} else if (kill_at != -1 && now_ms() >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = now_ms() + 1000L;
		}
	}
	if (!exited) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
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

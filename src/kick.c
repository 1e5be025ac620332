/*
 * The kick: where only cron runs huskyhook, a receiver with kick = yes
 * starts `huskyhook run` itself once it has answered a delivery that
 * stored a new event, so that the hooks run within a second instead of
 * at the next cron minute.
 *
 * Nothing of the request chooses what runs: the program is kick_program
 * from the config (default BINDIR/huskyhook), its config the receiver's
 * own, its environment made here from the password entry. The answer is
 * finished before (the caller's job), and the run is a grandchild in a
 * session of its own with nothing of ours open, so it holds neither the
 * FastCGI socket nor the web server's pipes, and outlives the request.
 *
 * One run at a time is enough: each stored event leaves the spool's
 * kick mark, and a run is started only where spool_kick says none will
 * see it (spool-lock.c says how); under load that costs a delivery one
 * fstatat.
 */
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "kick.h"
#include "log.h"
#include "spool.h"

/* What the grandchild runs, made before any fork: the receiver has
 * threads, and a child of a threaded process may only make system calls
 * (no getpwuid_r, no malloc, no snprintf) until it execs. */
struct kick_cmd {
	char	*argv[5];
	char	*envp[5];
	char	 home[KICK_ENV_BYTES], user[KICK_ENV_BYTES];
	char	 logname[KICK_ENV_BYTES];
};

/*
 * Hooks get HOME, USER and LOGNAME from the run: the user's, never a
 * request's (under FastCGI the environment is the request's). With
 * getpwuid_r: getpwuid's entry is one static buffer, shared by the
 * receiver's threads. Without an entry (or one too long to pass on) the
 * run gets PATH alone.
 */
static void
kick_cmd_user(struct kick_cmd *k)
{
	struct passwd pwd, *pw = NULL;
	char *buf = NULL, *grown;
	long max = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = max > 0 ? (size_t)max : KICK_PW_BUF_BYTES;
	int r = ENOMEM, n1, n2, n3;

	while ((grown = realloc(buf, size)) != NULL) {
		buf = grown;
		r = getpwuid_r(geteuid(), &pwd, buf, size, &pw);
		if (r != ERANGE || size >= KICK_PW_BUF_BYTES_LIMIT)
			break;
		size *= 2;
	}
	if (pw == NULL) {
		if (r != 0)
			log_msg(LOG_LEVEL_ERR, "kick: password entry of uid "
			    "%lu: %s", (unsigned long)geteuid(), strerror(r));
		goto done;
	}
	n1 = snprintf(k->home, sizeof k->home, "HOME=%s", pw->pw_dir);
	n2 = snprintf(k->user, sizeof k->user, "USER=%s", pw->pw_name);
	n3 = snprintf(k->logname, sizeof k->logname, "LOGNAME=%s",
	    pw->pw_name);
	if (n1 < 0 || (size_t)n1 >= sizeof k->home || n2 < 0 ||
	    (size_t)n2 >= sizeof k->user || n3 < 0 ||
	    (size_t)n3 >= sizeof k->logname) {
		log_msg(LOG_LEVEL_ERR, "kick: the password entry of uid %lu "
		    "is too long to pass on", (unsigned long)geteuid());
		goto done;
	}
	k->envp[1] = k->home;
	k->envp[2] = k->user;
	k->envp[3] = k->logname;
	k->envp[4] = NULL;
done:
	free(buf);
}

static void
kick_cmd_make(struct kick_cmd *k, const char *config_path)
{
	static char name[] = "huskyhook", cmd[] = "run", opt[] = "-c";
	static char path[] = "PATH=/usr/bin:/bin";

	k->argv[0] = name;
	k->argv[1] = cmd;
	k->argv[2] = opt;
	k->argv[3] = (char *)config_path;
	k->argv[4] = NULL;
	k->envp[0] = path;
	k->envp[1] = NULL;
	kick_cmd_user(k);
}

static void kick_exec(const char *, const struct kick_cmd *)
    __attribute__((noreturn));

/* In the grandchild: a clean process, then the run. System calls only. */
static void
kick_exec(const char *program, const struct kick_cmd *k)
{
	sigset_t none;
	int fd, sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		_exit(127);
	if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		_exit(127);
	closefrom(3);
	execve(program, k->argv, k->envp);
	_exit(127);
}

void
kick_run(const struct config *cfg, struct spool *sp)
{
	struct kick_cmd k;
	pid_t pid, w;
	int r, status;

	if (cfg == NULL || sp == NULL || !cfg->kick || cfg->hooks == NULL)
		return;
	if ((r = spool_kick(sp, SPOOL_KICK_LEAVE)) == -1)
		log_msg(LOG_LEVEL_ERR, "kick: %s: %s", cfg->spool,
		    strerror(errno));
	if (r != 1)
		return;		/* a run will see the mark */
	/* What the grandchild could only fail at in silence. */
	if (access(cfg->kick_program, X_OK) == -1) {
		log_msg(LOG_LEVEL_ERR, "kick: %s: %s", cfg->kick_program,
		    strerror(errno));
		return;
	}
	kick_cmd_make(&k, cfg->path);
	if ((pid = fork()) == -1) {
		log_msg(LOG_LEVEL_ERR, "kick: fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		/* A session of its own, and not our child: nothing waits
		 * for it, and a web server killing our group spares it. */
		setsid();
		if ((pid = fork()) == 0)
			kick_exec(cfg->kick_program, &k);
		_exit(pid == -1 ? 1 : 0);
	}
	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (w == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_msg(LOG_LEVEL_ERR, "kick: cannot start %s",
		    cfg->kick_program);
}

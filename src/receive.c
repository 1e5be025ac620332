/*
 * huskyhook-receive: the webhook endpoint. libfcgi's accept loop makes it
 * a FastCGI responder when a FastCGI server started it, and a plain CGI
 * program (one pass of the same loop) otherwise. All decisions about a
 * request are in request.c; this file moves bytes between libfcgi and it,
 * takes the config path from the process's own environment once, and,
 * when asked for workers, forks them and watches over them (the process
 * supervisor below).
 */

#include <sys/prctl.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgi_stdio.h>
#include <fcgiapp.h>

#include "bounds.h"
#include "config.h"
#include "kick.h"
#include "log.h"
#include "request.h"

static const char *
receive_param(void *arg, const char *name)
{
	(void)arg;
	return getenv(name);
}

static ssize_t
receive_read(void *arg, void *buf, size_t n)
{
	size_t got;

	(void)arg;
	got = FCGI_fread(buf, 1, n, FCGI_stdin);
	if (got == 0)
		return FCGI_ferror(FCGI_stdin) ? -1 : 0;
	return (ssize_t)got;
}

/* The answer is formatted by the C library's snprintf (libfcgi's own
 * printf knows no %zu) and handed to libfcgi in one write. */
static void
receive_answer(const struct response *resp)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof head,
	    "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "Content-Length: %zu\r\n"
	    "%s",
	    resp->status, response_status_text(resp->status),
	    strlen(resp->body), resp->allow_post ? "Allow: POST\r\n" : "");
	if (resp->retry_after_sec > 0 && n > 0 && (size_t)n < sizeof head)
		n += snprintf(head + n, sizeof head - (size_t)n,
		    "Retry-After: %d\r\n", resp->retry_after_sec);
	if (n < 0 || (size_t)n >= sizeof head - 2)
		return;
	memcpy(head + n, "\r\n", 3);
	FCGI_fwrite(head, 1, (size_t)n + 2, FCGI_stdout);
	FCGI_fwrite((void *)resp->body, 1, strlen(resp->body), FCGI_stdout);
}

/* The answer is complete before the kick: under FastCGI the request is
 * ended; under CGI our standard output, the web server's pipe, is
 * flushed and closed (pointed at /dev/null), which is the end of the
 * answer for the web server. */
static void
receive_finish(void)
{
	int fd;

	if (!FCGX_IsCGI()) {
		FCGI_Finish();
		return;
	}
	FCGI_fflush(FCGI_stdout);
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
}

/* A program started with fd 0, 1 or 2 closed would later hand out that
 * number for a spool file, and a stray write could land in an event. */
static void
receive_sanitize_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) == -1)
			_exit(111);
}

/* Outside a request libfcgi's stdio is not set up: plain fds here. */
static int
receive_usage(const char *arg)
{
	if (strcmp(arg, "--version") == 0) {
		dprintf(STDOUT_FILENO, "huskyhook-receive %s\n", PACKAGE_VERSION);
		return 0;
	}
	dprintf(strcmp(arg, "--help") == 0 ? STDOUT_FILENO : STDERR_FILENO,
	    "usage: huskyhook-receive\n"
	    "A CGI or FastCGI program, started by the web server; its config\n"
	    "comes from HUSKYHOOK_CONFIG (default %s).\n",
	    SYSCONFDIR "/huskyhook.conf");
	return strcmp(arg, "--help") == 0 ? 0 : 2;
}

/*
 * Workers. A FastCGI process serves one request at a time, and a new
 * event waits for two fsyncs, so concurrent deliveries need processes
 * that wait side by side. lighttpd's own max-procs gives each process a
 * socket of its own and starts them as it sees load; measured, that did
 * not raise the durable rate. With HUSKYHOOK_FCGI_WORKERS=N the process
 * the web server started forks N workers that all accept on the socket
 * it was given (as spawn-fcgi -F does) and only watches over them: a
 * worker that dies is replaced, and on a SIGTERM, SIGINT or SIGHUP (the
 * web server stopping it) all of them get a SIGTERM and it waits for them
 * before it exits. If the parent is killed, the workers are killed too
 * (PR_SET_PDEATHSIG).
 */
/* Forks one worker: 0 in the worker, its pid in the parent, -1. */
static pid_t
receive_fork_worker(pid_t parent, const sigset_t *old)
{
	pid_t pid = fork();

	if (pid == -1)
		log_msg(LOG_LEVEL_ERR, "cannot start a worker: %s",
		    strerror(errno));
	if (pid != 0)
		return pid;
	sigprocmask(SIG_SETMASK, old, NULL);
	/* If the parent is killed, its workers go at once, without finishing
	 * a request (a SIGKILL mid-commit leaves nothing half-made): a worker
	 * still accepting on the socket makes lighttpd think the receiver
	 * still runs. lighttpd can still look before they are gone (see
	 * HUSKYHOOK_FCGI_WORKERS in huskyhook-receive(8)). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);	/* the parent is already gone */
	return 0;
}

/* In the parent: runs until told to stop, then returns 1. In a worker:
 * returns 0, and the worker goes on to serve requests. The parent takes
 * its signals with sigwaitinfo, so none is lost between two waits. */
static int
receive_supervise(int n)
{
	pid_t pids[RECEIVE_MAX_WORKERS], pid, self = getpid();
	time_t started[RECEIVE_MAX_WORKERS];
	sigset_t set, old;
	siginfo_t si;
	int i, status, sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (i = 0; i < n; i++) {
		if ((pids[i] = receive_fork_worker(self, &old)) == 0)
			return 0;
		started[i] = time(NULL);
	}
	while (sig != SIGTERM && sig != SIGINT && sig != SIGHUP) {
		if ((sig = sigwaitinfo(&set, &si)) != SIGCHLD)
			continue;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < n && pids[i] != pid; i++)
				;
			if (i == n)
				continue;
			log_msg(LOG_LEVEL_ERR, "worker %ld %s %d; starting "
			    "another", (long)pid, WIFSIGNALED(status) ?
			    "was killed by signal" : "exited with status",
			    WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status));
			/* One that dies at once must not make a fork loop. */
			if (time(NULL) - started[i] < 1)
				sleep(1);
			if ((pids[i] = receive_fork_worker(self, &old)) == 0)
				return 0;
			started[i] = time(NULL);
		}
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(&status) != -1 || errno == EINTR)
		;
	return 1;
}

/* The number of workers asked for: 0 for none (serve in this process). */
static int
receive_workers(void)
{
	const char *s = getenv("HUSKYHOOK_FCGI_WORKERS");
	char *end;
	long n;

	if (s == NULL || *s == '\0')
		return 0;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n < 1 || n > RECEIVE_MAX_WORKERS) {
		log_msg(LOG_LEVEL_ERR, "HUSKYHOOK_FCGI_WORKERS=%s is not a "
		    "number from 1 to %d; serving in one process", s,
		    RECEIVE_MAX_WORKERS);
		return 0;
	}
	return (int)n;
}

int
main(int argc, char **argv)
{
	struct request_io io = { receive_param, receive_read, NULL };
	struct response resp;
	struct receiver *r;
	const char *config;
	int workers;

	receive_sanitize_fds();
	/* A file size limit or a closed connection must surface as an error
	 * from write(2), answered 503 or ignored, not kill us mid-commit. */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	log_init("huskyhook-receive");
	/* A web server may pass words of a query string as arguments, so
	 * options count only outside a request. */
	if (argc > 1 && getenv("GATEWAY_INTERFACE") == NULL &&
	    getenv("FCGI_ROLE") == NULL)
		return receive_usage(argv[1]);

	/* Workers only where there is a socket to share: under CGI this
	 * process answers its one request itself. */
	if ((workers = receive_workers()) > 0 && !FCGX_IsCGI() &&
	    receive_supervise(workers) == 1)
		return 0;

	/* The config path is the process's own, read before the first
	 * FCGI_Accept: afterwards getenv sees the request's parameters,
	 * which anyone who can reach the socket chooses. */
	config = getenv("HUSKYHOOK_CONFIG");
	if (config == NULL || *config == '\0')
		config = SYSCONFDIR "/huskyhook.conf";
	if ((r = receiver_new(config)) == NULL) {
		log_msg(LOG_LEVEL_ERR, "out of memory");
		return 111;
	}
	while (FCGI_Accept() >= 0) {
		receiver_handle(r, &io, &resp);
		receive_answer(&resp);
		if (resp.stored && receiver_config(r) != NULL &&
		    receiver_config(r)->kick) {
			receive_finish();
			kick_run(receiver_config(r), receiver_current_spool(r));
		}
	}
	receiver_free(r);
	return 0;
}

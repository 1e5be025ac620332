/*
 * huskyhook-receive: the webhook endpoint. Started by a FastCGI server
 * (its listening socket on standard input), it serves requests in
 * HUSKYHOOK_FCGI_THREADS threads of one process, each accepting on the
 * socket with libfcgi's FCGX_Accept_r and holding a receiver of its own
 * (config, keys, open spool): no lock is taken on the request path, and a
 * SIGKILL takes the whole receiver down, so the server restarts it as
 * any FastCGI program. Started otherwise it is a plain CGI program that
 * answers its one request. All decisions about a request are in
 * request.c; this file moves bytes between the server and it, and takes
 * the config path from the process's own environment, once.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "bounds.h"
#include "config.h"
#include "io.h"
#include "kick.h"
#include "log.h"
#include "request.h"

/* The config path, fixed before the first request. */
static const char *receive_config;

/* Under CGI: the process's own environment and standard input. */
static const char *
receive_cgi_param(void *arg, const char *name)
{
	(void)arg;
	return getenv(name);
}

static ssize_t
receive_cgi_read(void *arg, void *buf, size_t n)
{
	(void)arg;
	return read(STDIN_FILENO, buf, n);
}

/* Under FastCGI: the request's parameters and stream. */
static const char *
receive_fcgi_param(void *arg, const char *name)
{
	FCGX_Request *req = arg;

	return FCGX_GetParam(name, req->envp);
}

static ssize_t
receive_fcgi_read(void *arg, void *buf, size_t n)
{
	FCGX_Request *req = arg;
	int got;

	if (n > INT_MAX)
		n = INT_MAX;
	got = FCGX_GetStr(buf, (int)n, req->in);
	if (got == 0 && FCGX_GetError(req->in) != 0)
		return -1;
	return got;
}

/* The answer's header and body, in one buffer; its length, or -1. */
static int
receive_format(const struct response *resp, char *out, size_t n)
{
	int k;

	k = snprintf(out, n,
	    "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "Content-Length: %zu\r\n"
	    "%s",
	    resp->status, response_status_text(resp->status),
	    strlen(resp->body), resp->allow_post ? "Allow: POST\r\n" : "");
	if (k > 0 && resp->retry_after_sec > 0 && (size_t)k < n)
		k += snprintf(out + k, n - (size_t)k, "Retry-After: %d\r\n",
		    resp->retry_after_sec);
	if (k > 0 && (size_t)k < n)
		k += snprintf(out + k, n - (size_t)k, "\r\n%s", resp->body);
	return k < 0 || (size_t)k >= n ? -1 : k;
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

/* Outside a request: plain fds. */
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

/* One thread: accepts requests on the server's socket and answers
 * them, with a receiver of its own. Returns only if accepting fails. */
static void *
receive_serve(void *arg)
{
	char answer[RESPONSE_BYTES];
	struct request_io io = { receive_fcgi_param, receive_fcgi_read, NULL };
	struct response resp;
	struct receiver *r;
	FCGX_Request req;
	int n, rc;

	(void)arg;
	if ((r = receiver_new(receive_config)) == NULL ||
	    FCGX_InitRequest(&req, 0, 0) != 0) {
		log_msg(LOG_LEVEL_ERR, "out of memory");
		receiver_free(r);
		return NULL;
	}
	io.arg = &req;
	for (;;) {
		/* Every thread waits in accept(2) at once, with no lock of
		 * ours around it (libfcgi's threaded example has one, for
		 * systems that wake every waiter): Linux wakes one waiter per
		 * connection, where a lock made each request wake a second
		 * thread, the next to accept. */
		rc = FCGX_Accept_r(&req);
		if (rc < 0)
			break;
		receiver_handle(r, &io, &resp);
		if ((n = receive_format(&resp, answer, sizeof answer)) > 0)
			FCGX_PutStr(answer, n, req.out);
		FCGX_Finish_r(&req);
		/* The answer is complete: a kick never delays it. */
		if (resp.stored)
			kick_run(receiver_config(r), receiver_current_spool(r));
	}
	receiver_free(r);
	return NULL;
}

/* The number of threads asked for, or the default. */
static int
receive_threads(void)
{
	const char *s = getenv("HUSKYHOOK_FCGI_THREADS");
	char *end;
	long n;

	if (s == NULL || *s == '\0')
		return RECEIVE_THREADS_DEFAULT;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n < 1 || n > RECEIVE_MAX_THREADS) {
		log_msg(LOG_LEVEL_ERR, "HUSKYHOOK_FCGI_THREADS=%s is not a "
		    "number from 1 to %d; using %d", s, RECEIVE_MAX_THREADS,
		    RECEIVE_THREADS_DEFAULT);
		return RECEIVE_THREADS_DEFAULT;
	}
	return (int)n;
}

/* One CGI request: this process's environment, stdin and stdout. */
static int
receive_cgi(void)
{
	struct request_io io = { receive_cgi_param, receive_cgi_read, NULL };
	char answer[RESPONSE_BYTES];
	struct response resp;
	struct receiver *r;
	int n, fd;

	if ((r = receiver_new(receive_config)) == NULL) {
		log_msg(LOG_LEVEL_ERR, "out of memory");
		return 111;
	}
	receiver_handle(r, &io, &resp);
	if ((n = receive_format(&resp, answer, sizeof answer)) > 0)
		(void)io_write_all(STDOUT_FILENO, answer, (size_t)n);
	if (resp.stored && receiver_config(r) != NULL &&
	    receiver_config(r)->kick) {
		/* Our standard output, the web server's pipe, closed (pointed
		 * at /dev/null): the answer is complete before the kick. */
		if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1) {
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
		kick_run(receiver_config(r), receiver_current_spool(r));
	}
	receiver_free(r);
	return 0;
}

int
main(int argc, char **argv)
{
	pthread_t tids[RECEIVE_MAX_THREADS];
	int i, n, started = 0;

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

	/* The config path is the process's own, read before any request:
	 * a FastCGI request's parameters are chosen by whoever can reach
	 * the socket, and never consulted for it. */
	receive_config = getenv("HUSKYHOOK_CONFIG");
	if (receive_config == NULL || *receive_config == '\0')
		receive_config = SYSCONFDIR "/huskyhook.conf";
	if (FCGX_IsCGI())
		return receive_cgi();
	if (FCGX_Init() != 0) {
		log_msg(LOG_LEVEL_ERR, "cannot set up FastCGI");
		return 111;
	}
	/* libfcgi catches SIGTERM and SIGUSR1 to finish the request in
	 * hand, but threads waiting in accept(2) never look: the server
	 * stopping the receiver would wait for nothing. A commit cut short
	 * leaves nothing half-made, so these simply end the process. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	n = receive_threads();
	for (i = 1; i < n; i++)
		if (pthread_create(&tids[started], NULL, receive_serve, NULL) ==
		    0)
			started++;
		else
			log_msg(LOG_LEVEL_ERR, "cannot start a thread: %s",
			    strerror(errno));
	receive_serve(NULL);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	return 0;
}

/*
 * huskyhook-receive: the webhook endpoint. libfcgi's accept loop makes it
 * a FastCGI responder when a FastCGI server started it, and a plain CGI
 * program (one pass of the same loop) otherwise. All decisions are in
 * request.c; this file only moves bytes between libfcgi and it.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgi_stdio.h>

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

int
main(int argc, char **argv)
{
	struct request_io io = { receive_param, receive_read, NULL };
	struct response resp;
	struct receiver *r;
	const char *fallback;

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

	/* FastCGI replaces the environment with each request's; keep the
	 * process's own config path as the fallback. */
	fallback = getenv("HUSKYHOOK_CONFIG");
	if (fallback == NULL || *fallback == '\0')
		fallback = SYSCONFDIR "/huskyhook.conf";
	if ((r = receiver_new(fallback)) == NULL) {
		log_msg(LOG_LEVEL_ERR, "out of memory");
		return 111;
	}
	while (FCGI_Accept() >= 0) {
		receiver_handle(r, &io, &resp);
		receive_answer(&resp);
	}
	receiver_free(r);
	return 0;
}

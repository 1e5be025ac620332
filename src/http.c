/*
 * The curl program as one object: started with fixed options, fed its
 * headers and body through pipes, its answer (with --include) read back
 * and parsed for the status, Content-Type and body. A client of our own
 * would be one more HTTP implementation to get right; curl is on every
 * host that has a web server.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bounds.h"
#include "http.h"
#include "io.h"

int
http_url_is_valid(const char *url)
{
	return (strncmp(url, "http://", 7) == 0 && url[7] != '\0') ||
	    (strncmp(url, "https://", 8) == 0 && url[8] != '\0');
}

/* The child: the pipes on 0, 1 and 3, then curl. Never returns. */
static void
http_exec_curl(int in, int out, int hdr, const char *method,
    const char *url)
{
	char max_time[32];
	const char *argv[] = {
		"curl", "--silent", "--show-error", "--include", "--proto",
		"=http,https", "--max-time", max_time, "-H", "@/dev/fd/3",
		"-X", method, "--url", url, NULL, NULL, NULL
	};

	snprintf(max_time, sizeof max_time, "%d", HTTP_TIMEOUT_SEC);
	if (strcmp(method, "POST") == 0) {
		argv[14] = "--data-binary";
		argv[15] = "@-";
	}
	/* Out of the way of 0, 1 and 3 first, whichever they are now. */
	if ((in = fcntl(in, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (out = fcntl(out, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (hdr = fcntl(hdr, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(hdr, 3) == -1)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	execvp("curl", (char *const *)argv);
	fprintf(stderr, "huskyhook: curl: %s (install curl)\n",
	    strerror(errno));
	_exit(127);
}

/* The final answer in raw (curl's --include output): 0, or -1. */
static int
http_parse(char *raw, size_t len, struct http_answer *ans)
{
	char *p = raw, *end = raw + len, *eol, *head_end, *v;
	size_t n;

	for (;;) {
		if (len < 12 || strncmp(p, "HTTP/", 5) != 0 ||
		    (head_end = strstr(p, "\r\n\r\n")) == NULL)
			return -1;
		v = strchr(p, ' ');
		if (v == NULL || v > head_end)
			return -1;
		ans->status = atoi(v + 1);
		if (ans->status >= 200 || ans->status < 100)
			break;
		p = head_end + 4;	/* 100 Continue: its answer follows */
		len = (size_t)(end - p);
	}
	ans->content_type[0] = '\0';
	for (eol = strstr(p, "\r\n"); eol != NULL && eol < head_end;
	    eol = strstr(eol + 2, "\r\n")) {
		if (strncasecmp(eol + 2, "Content-Type:", 13) != 0)
			continue;
		v = eol + 15;
		v += strspn(v, " \t");
		n = strcspn(v, "\r\n");
		snprintf(ans->content_type, sizeof ans->content_type, "%.*s",
		    (int)n, v);
		break;
	}
	p = head_end + 4;
	ans->len = (size_t)(end - p);
	memmove(raw, p, ans->len);
	raw[ans->len] = '\0';
	ans->body = raw;
	return 0;
}

int
http_request(const char *method, const char *url, const char *headers,
    const char *body, size_t len, struct http_answer *ans, char *err,
    size_t n)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, hdr[2] = { -1, -1 };
	int status, rc = -1, saved;
	char *raw = NULL;
	size_t got = 0;
	pid_t pid = -1;

	memset(ans, 0, sizeof *ans);
	if (!http_url_is_valid(url)) {
		snprintf(err, n, "%s: not an http:// or https:// URL", url);
		return -1;
	}
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(hdr, O_CLOEXEC) == -1) {
		snprintf(err, n, "pipe: %s", strerror(errno));
		goto done;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, n, "fork: %s", strerror(errno));
		goto done;
	}
	if (pid == 0)
		http_exec_curl(in[0], out[1], hdr[0], method, url);
	close(in[0]);
	close(out[1]);
	close(hdr[0]);
	in[0] = out[1] = hdr[0] = -1;
	/* curl reads the headers, then the whole body, before it connects:
	 * nothing it writes can fill a pipe while these are written. A curl
	 * that died early makes the writes fail (EPIPE), and says why. */
	signal(SIGPIPE, SIG_IGN);
	(void)io_write_all(hdr[1], headers, strlen(headers));
	close(hdr[1]);
	hdr[1] = -1;
	if (body != NULL)
		(void)io_write_all(in[1], body, len);
	close(in[1]);
	in[1] = -1;
	if (io_read_all(out[0], HTTP_ANSWER_MAX_BYTES, &raw, &got) == -1) {
		saved = errno;
		kill(pid, SIGTERM);
		snprintf(err, n, "reading curl's output: %s", strerror(saved));
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, n, "waitpid: %s", strerror(errno));
			goto done;
		}
	pid = -1;
	if (raw == NULL)
		goto done;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, n, "no answer from %s (curl exit status %d)", url,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
		    WTERMSIG(status));
		goto done;
	}
	if (http_parse(raw, got, ans) == -1) {
		snprintf(err, n, "%s: curl's output is no HTTP answer", url);
		goto done;
	}
	raw = NULL;	/* now ans->body */
	rc = 0;
done:
	free(raw);
	if (pid > 0)
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	for (saved = 0; saved < 2; saved++) {
		if (in[saved] != -1)
			close(in[saved]);
		if (out[saved] != -1)
			close(out[saved]);
		if (hdr[saved] != -1)
			close(hdr[saved]);
	}
	return rc;
}

void
http_answer_free(struct http_answer *ans)
{
	free(ans->body);
	ans->body = NULL;
}

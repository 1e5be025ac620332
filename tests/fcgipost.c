/*
 * fcgipost: one FastCGI request, as a server that streams a body it does
 * not know the length of sends it. cgi-fcgi sends only CONTENT_LENGTH
 * bytes of its input, and none without one; this sends the parameters
 * given, whatever they say, then all of standard input in STDIN records
 * and the empty one that ends it. The answer's STDOUT goes to standard
 * output, its STDERR to standard error.
 * usage: fcgipost SOCKET [NAME=VALUE...] < BODY
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RECORD_MAX 65535

static int
put(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, p, n)) <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One record of request 1, no padding. */
static int
record(int fd, int type, const void *buf, size_t n)
{
	unsigned char h[8] = { 1, (unsigned char)type, 0, 1,
	    (unsigned char)(n >> 8), (unsigned char)n, 0, 0 };

	return put(fd, h, sizeof h) == 0 && (n == 0 || put(fd, buf, n) == 0) ?
	    0 : -1;
}

static int
get(int fd, unsigned char *buf, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = read(fd, buf, n)) <= 0)
			return -1;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/* A name or value length: one byte below 128, else four. */
static unsigned char *
length(unsigned char *p, size_t n)
{
	if (n < 128) {
		*p++ = (unsigned char)n;
		return p;
	}
	*p++ = (unsigned char)((n >> 24) | 0x80);
	*p++ = (unsigned char)(n >> 16);
	*p++ = (unsigned char)(n >> 8);
	*p++ = (unsigned char)n;
	return p;
}

int
main(int argc, char **argv)
{
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	static unsigned char pairs[RECORD_MAX], buf[RECORD_MAX];
	struct sockaddr_un sa;
	unsigned char h[8], *p = pairs;
	const char *eq;
	size_t nlen, vlen, len;
	ssize_t k;
	int fd, i;

	if (argc < 2 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "usage: fcgipost SOCKET [NAME=VALUE...]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 2; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL)
			continue;
		nlen = (size_t)(eq - argv[i]);
		vlen = strlen(eq + 1);
		if (nlen + vlen + 8 > sizeof pairs - (size_t)(p - pairs)) {
			fprintf(stderr, "fcgipost: parameters too long\n");
			return 2;
		}
		p = length(p, nlen);
		p = length(p, vlen);
		memcpy(p, argv[i], nlen);
		memcpy(p + nlen, eq + 1, vlen);
		p += nlen + vlen;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		perror("fcgipost: connect");
		return 1;
	}
	if (record(fd, 1, begin, sizeof begin) == -1 ||
	    record(fd, 4, pairs, (size_t)(p - pairs)) == -1 ||
	    record(fd, 4, NULL, 0) == -1)
		goto answer;
	/* The body as it comes; the receiver may answer and stop reading
	 * before it ends (413). */
	while ((k = read(STDIN_FILENO, buf, sizeof buf)) > 0)
		if (record(fd, 5, buf, (size_t)k) == -1)
			goto answer;
	(void)record(fd, 5, NULL, 0);
answer:
	for (;;) {
		if (get(fd, h, sizeof h) == -1)
			return 1;
		len = (size_t)h[4] << 8 | h[5];
		if (get(fd, buf, len + h[6]) == -1)
			return 1;
		if (h[1] == 3)		/* END_REQUEST */
			return 0;
		if (h[1] == 6 || h[1] == 7)
			(void)put(h[1] == 6 ? STDOUT_FILENO : STDERR_FILENO,
			    buf, len);
	}
}

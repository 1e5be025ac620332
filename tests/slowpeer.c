/*
 * slowpeer: a FastCGI client that is too slow, in each phase of a
 * request. It connects to a Unix socket, prints "connected", and
 *
 *   silent   sends nothing;
 *   params   sends a BEGIN_REQUEST record, then a PARAMS record one byte
 *            a second (no real client stalls there: cgi-fcgi and the web
 *            servers send their parameters at once);
 *   body     sends a whole request for a 100-byte POST from ADDR with a
 *            wrong signature, then its body in records of one byte, one
 *            a second, as a web server streams what a slow client sends;
 *   keep     sends such a request whole at once, asking the server to
 *            keep the connection (FCGI_KEEP_CONN) for more, and waits;
 *
 * until the server closes the connection. Then it prints "answered
 * STATUS after N s" and the answer's JSON body if an answer came, else
 * "closed after N s", or "still open after N s" when LIMIT seconds
 * passed first (in keep mode, after the answer's lines).
 * usage: slowpeer SOCKET silent|params|body|keep LIMIT [ADDR]
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BODY_BYTES 100

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends a FastCGI record header (request 1, no padding) to p. */
static unsigned char *
record(unsigned char *p, int type, size_t len)
{
	*p++ = 1;
	*p++ = (unsigned char)type;
	*p++ = 0;
	*p++ = 1;
	*p++ = (unsigned char)(len >> 8);
	*p++ = (unsigned char)len;
	*p++ = 0;
	*p++ = 0;
	return p;
}

/* Appends one name-value pair (both shorter than 128 bytes). */
static unsigned char *
param(unsigned char *p, const char *name, const char *value)
{
	*p++ = (unsigned char)strlen(name);
	*p++ = (unsigned char)strlen(value);
	memcpy(p, name, strlen(name));
	p += strlen(name);
	memcpy(p, value, strlen(value));
	return p + strlen(value);
}

/* The records of a request up to its body, in buf; their length. */
static size_t
request_head(unsigned char *buf, const char *addr, int keep)
{
	unsigned char pairs[512], *p, *q;
	char len[16], sig[65];

	memset(sig, '0', 64);
	sig[64] = '\0';
	snprintf(len, sizeof len, "%d", BODY_BYTES);
	q = pairs;
	q = param(q, "REQUEST_METHOD", "POST");
	q = param(q, "CONTENT_TYPE", "application/json");
	q = param(q, "CONTENT_LENGTH", len);
	q = param(q, "REMOTE_ADDR", addr);
	q = param(q, "HTTP_X_HUSKY_SIGNATURE", sig);
	p = record(buf, 1, 8);	/* BEGIN_REQUEST: responder, keep-alive? */
	memcpy(p, keep ? "\0\1\1\0\0\0\0\0" : "\0\1\0\0\0\0\0\0", 8);
	p = record(p + 8, 4, (size_t)(q - pairs));
	memcpy(p, pairs, (size_t)(q - pairs));
	p = record(p + (q - pairs), 4, 0);
	return (size_t)(p - buf);
}

int
main(int argc, char **argv)
{
	static const unsigned char begin[16] = { 1, 1, 0, 1, 0, 8, 0, 0,
	    0, 1, 0, 0, 0, 0, 0, 0 };
	unsigned char head[1024], in[4096], one[9], whole[8 + BODY_BYTES + 8];
	struct sockaddr_un sa;
	struct pollfd pfd;
	double start, limit, next;
	char got[8192], *st;
	size_t gotlen = 0, n;
	int fd, sent = 0, open = 1, mode, answered;
	ssize_t k;

	if (argc < 4 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "usage: slowpeer SOCKET silent|params|body "
		    "LIMIT [ADDR]\n");
		return 2;
	}
	if (strcmp(argv[2], "silent") == 0)
		mode = 0;
	else if (strcmp(argv[2], "params") == 0)
		mode = 1;
	else if (strcmp(argv[2], "body") == 0)
		mode = 2;
	else if (strcmp(argv[2], "keep") == 0)
		mode = 3;
	else {
		fprintf(stderr, "slowpeer: no mode %s\n", argv[2]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	limit = atof(argv[3]);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		perror("slowpeer: connect");
		return 1;
	}
	start = now();
	printf("connected\n");
	fflush(stdout);
	if (mode == 1) {
		n = (size_t)(record(head, 4, 100) - head);
		if (write(fd, begin, sizeof begin) != sizeof begin ||
		    write(fd, head, n) != (ssize_t)n)
			open = 0;
	} else if (mode >= 2) {
		n = request_head(head, argc > 4 ? argv[4] : "192.0.2.1",
		    mode == 3);
		if (write(fd, head, n) != (ssize_t)n)
			open = 0;
	}
	if (mode == 3) {
		/* The body in one STDIN record, then the empty one. */
		memset(record(whole, 5, BODY_BYTES), 'x', BODY_BYTES);
		record(whole + 8 + BODY_BYTES, 5, 0);
		if (write(fd, whole, sizeof whole) != sizeof whole)
			open = 0;
		sent = BODY_BYTES;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	next = start;
	while (open && now() - start < limit) {
		if (poll(&pfd, 1, 100) == 1) {
			if ((k = read(fd, in, sizeof in)) <= 0)
				break;
			n = (size_t)k;
			if (n > sizeof got - 1 - gotlen)
				n = sizeof got - 1 - gotlen;
			memcpy(got + gotlen, in, n);
			gotlen += n;
			continue;
		}
		if (mode == 0 || sent >= BODY_BYTES || now() < next)
			continue;
		next += 1.0;
		if (mode == 1)
			k = write(fd, "x", 1) == 1 ? 1 : -1;
		else {
			/* One STDIN record of one byte. */
			memcpy(record(one, 5, 1), "x", 1);
			k = write(fd, one, sizeof one) == sizeof one ? 1 : -1;
		}
		if (k == -1)
			open = 0;	/* the server shut its end: read the rest */
		sent++;
	}
	/* What the server may still have sent. */
	while (poll(&pfd, 1, 500) == 1 && (k = read(fd, in, sizeof in)) > 0 &&
	    gotlen + (size_t)k < sizeof got) {
		memcpy(got + gotlen, in, (size_t)k);
		gotlen += (size_t)k;
	}
	got[gotlen] = '\0';
	for (st = got; st < got + gotlen; st++)
		if (strncmp(st, "Status: ", 8) == 0)
			break;
	answered = st < got + gotlen;
	if (answered) {
		printf("answered %.3s after %.1f s\n", st + 8, now() - start);
		/* And the JSON body, on a line of its own. */
		if ((st = strstr(st, "\r\n\r\n{")) != NULL)
			printf("%.*s\n", (int)strcspn(st + 4, "\n"), st + 4);
	}
	if (answered && mode != 3)
		return 0;
	if (now() - start >= limit)
		printf("still open after %.1f s\n", now() - start);
	else
		printf("closed after %.1f s\n", now() - start);
	return 0;
}

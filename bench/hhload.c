/*
 * hhload: an HTTP load generator for webhook receivers on loopback. Each
 * request is a vendor-shaped event (~1 KB, like call.completed) with its
 * own event_id, signed with HMAC-SHA256 on the fly, which wrk and ab
 * cannot do. CONNS threads each keep one HTTP/1.1 connection alive and
 * send requests one after the other. Kinds of request, mixed by -m:
 *
 *   new        a fresh event, signed: expects 200
 *   dup        one of 16 fixed events, signed: expects 200 (the first
 *              delivery of each is accepted, the rest are duplicates,
 *              byte for byte the same body, as a redelivery is; give
 *              -T the same time in two runs and their bodies are equal)
 *   bad        a fresh event with a wrong signature: expects 401
 *   malformed  a signed body that is not JSON: expects 400
 *
 * With -g, plain GETs of PATH instead (for a static file's baseline).
 *
 * Prints key=value lines: counts, unexpected answers, requests/s and
 * latency percentiles; -o writes the ids answered "accepted".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "signature.h"

enum kind { K_NEW, K_DUP, K_BAD, K_MALFORMED, K_N };
static const char *const kind_names[K_N] = { "new", "dup", "bad", "malformed" };
static const int kind_expect[K_N] = { 200, 200, 401, 400 };

static struct {
	const char	*host;
	int		 port;
	const char	*path;
	const char	*secret;
	const char	*prefix;
	long		 requests;
	int		 conns;
	int		 mix[K_N];	/* percentages */
	FILE		*accepted;
	int		 get;		/* -g: GET path, no body (a static file) */
} opt = { "127.0.0.1", 8080, "/huskyhook", "secret", "load", 1000, 2,
	{ 100, 0, 0, 0 }, NULL, 0 };

static atomic_long next_request;
static atomic_long count_sent[K_N], count_expected[K_N], count_accepted;
static atomic_long count_non2xx, count_errors;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t run_start;	/* the dup kind's created_at */

struct worker {
	pthread_t	 tid;
	double		*lat_ms;
	long		 nlat;
	long		 caplat;
	int		 fd;
};

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dial(void)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)opt.port);
	inet_pton(AF_INET, opt.host, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static enum kind
kind_of(long i)
{
	int r = (int)(i % 100), k, acc = 0;

	for (k = 0; k < K_N; k++) {
		acc += opt.mix[k];
		if (r < acc)
			return (enum kind)k;
	}
	return K_NEW;
}

/* The event body for request i; returns its length. */
static int
make_body(char *buf, size_t n, long i, enum kind k, char *id, size_t idn)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	/* A redelivery is the same bytes as the first delivery: the dup
	 * kind's body depends on i % 16 and the start of the run only. */
	if (k == K_DUP) {
		i %= 16;
		now = run_start;
		snprintf(id, idn, "%s-dup-%ld", opt.prefix, i);
	} else {
		snprintf(id, idn, "%s-%ld", opt.prefix, i);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (k == K_MALFORMED)
		return snprintf(buf, n, "{\"event_id\":\"%s\",\"event_type\":", id);
	return snprintf(buf, n,
	    "{\"event_id\":\"%s\",\"event_type\":\"call.completed\","
	    "\"created_at\":\"%s\",\"org_id\":\"org_abc_123\",\"data\":{"
	    "\"call_id\":\"call_%09ld\",\"agent_id\":\"agent_alpha\","
	    "\"status\":\"completed\",\"duration_seconds\":124,"
	    "\"transcript\":\"Agent: Hello, this is Alpha from the clinic, "
	    "calling to confirm your appointment tomorrow at ten. Customer: "
	    "Yes, that works, thank you. Agent: Great, we will see you then. "
	    "Is there anything else I can help you with today? Customer: No, "
	    "that is all. Agent: Thank you, goodbye. Customer: Goodbye.\","
	    "\"summary\":\"Customer confirmed appointment for tomorrow 10:00; "
	    "no further questions; call ended politely by both parties.\","
	    "\"recording_url\":\"https://example.invalid/recordings/%ld.mp3\"}}",
	    id, stamp, i, i);
}

/* Reads one HTTP response; returns its status, body in body (size n). */
static int
read_response(int fd, char *body, size_t n)
{
	static __thread char buf[16384];
	static __thread size_t have;
	char *end, *cl;
	long clen = 0;
	size_t hlen, need;
	ssize_t r;
	int status;

	for (;;) {
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
		if (have == sizeof buf - 1)
			return -1;
		r = read(fd, buf + have, sizeof buf - 1 - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	hlen = (size_t)(end - buf) + 4;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	if ((cl = strcasestr(buf, "\r\ncontent-length:")) != NULL && cl < end)
		clen = strtol(cl + 17, NULL, 10);
	need = hlen + (size_t)clen;
	if (need >= sizeof buf)
		return -1;
	while (have < need) {
		r = read(fd, buf + have, sizeof buf - 1 - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	snprintf(body, n, "%.*s", (int)clen, buf + hlen);
	memmove(buf, buf + need, have - need);
	have -= need;
	return status;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	char body[4096], req[8192], id[128], answer[1024];
	char sig[SIGNATURE_HEX_CHARS + 1];
	enum kind k;
	double t0;
	long i;
	int len, rlen, status;

	w->fd = -1;
	while ((i = atomic_fetch_add(&next_request, 1)) < opt.requests) {
		k = kind_of(i);
		len = make_body(body, sizeof body, i, k, id, sizeof id);
		if (k == K_BAD)
			snprintf(sig, sizeof sig, "%064d", 0);
		else
			signature_hex(opt.secret, strlen(opt.secret), body,
			    (size_t)len, sig);
		if (opt.get)
			rlen = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\n"
			    "Host: %s:%d\r\n\r\n", opt.path, opt.host, opt.port);
		else
		rlen = snprintf(req, sizeof req,
		    "POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
		    "Content-Type: application/json\r\n"
		    "X-Husky-Signature: %s\r\nContent-Length: %d\r\n\r\n%s",
		    opt.path, opt.host, opt.port, sig, len, body);
		atomic_fetch_add(&count_sent[k], 1);
		t0 = now_sec();
		if (w->fd == -1 && (w->fd = dial()) == -1) {
			atomic_fetch_add(&count_errors, 1);
			continue;
		}
		if (write(w->fd, req, (size_t)rlen) != rlen ||
		    (status = read_response(w->fd, answer, sizeof answer)) < 0) {
			/* The server closed a kept-alive connection: once more
			 * on a fresh one. */
			close(w->fd);
			if ((w->fd = dial()) == -1 ||
			    write(w->fd, req, (size_t)rlen) != rlen ||
			    (status = read_response(w->fd, answer,
			    sizeof answer)) < 0) {
				atomic_fetch_add(&count_errors, 1);
				if (w->fd != -1)
					close(w->fd);
				w->fd = -1;
				continue;
			}
		}
		if (w->nlat == w->caplat) {
			w->caplat = w->caplat ? w->caplat * 2 : 4096;
			w->lat_ms = realloc(w->lat_ms, (size_t)w->caplat *
			    sizeof *w->lat_ms);
		}
		w->lat_ms[w->nlat++] = (now_sec() - t0) * 1000.0;
		if (status < 200 || status > 299)
			atomic_fetch_add(&count_non2xx, 1);
		if (status == kind_expect[k] || (opt.get && status == 200))
			atomic_fetch_add(&count_expected[k], 1);
		if (status == 200 && strstr(answer, "\"accepted\"") != NULL) {
			atomic_fetch_add(&count_accepted, 1);
			if (opt.accepted != NULL) {
				pthread_mutex_lock(&out_lock);
				fprintf(opt.accepted, "%s\n", id);
				pthread_mutex_unlock(&out_lock);
			}
		}
	}
	if (w->fd != -1)
		close(w->fd);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: hhload [-g] [-h HOST] [-p PORT] [-P PATH] [-s SECRET] "
	    "[-n REQUESTS] [-c CONNS]\n"
	    "              [-m NEW:DUP:BAD:MALFORMED] [-x ID_PREFIX] "
	    "[-o ACCEPTED_IDS_FILE] [-T DUP_CREATED_AT_EPOCH]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct worker *w;
	double t0, secs, *all;
	long total = 0, j, unexpected = 0;
	int c, i, k;

	run_start = time(NULL);
	while ((c = getopt(argc, argv, "gh:p:P:s:n:c:m:x:o:T:")) != -1) {
		switch (c) {
		case 'T': run_start = (time_t)atoll(optarg); break;
		case 'g': opt.get = 1; break;
		case 'h': opt.host = optarg; break;
		case 'p': opt.port = atoi(optarg); break;
		case 'P': opt.path = optarg; break;
		case 's': opt.secret = optarg; break;
		case 'n': opt.requests = atol(optarg); break;
		case 'c': opt.conns = atoi(optarg); break;
		case 'x': opt.prefix = optarg; break;
		case 'm':
			if (sscanf(optarg, "%d:%d:%d:%d", &opt.mix[0], &opt.mix[1],
			    &opt.mix[2], &opt.mix[3]) != 4 || opt.mix[0] +
			    opt.mix[1] + opt.mix[2] + opt.mix[3] != 100)
				usage();
			break;
		case 'o':
			if ((opt.accepted = fopen(optarg, "w")) == NULL) {
				perror(optarg);
				return 1;
			}
			/* Line by line: readers count it while we run, and a
			 * kill must not lose ids already answered. */
			setvbuf(opt.accepted, NULL, _IOLBF, 0);
			break;
		default:
			usage();
		}
	}
	if (opt.conns < 1 || opt.requests < 1)
		usage();
	w = calloc((size_t)opt.conns, sizeof *w);
	t0 = now_sec();
	for (i = 0; i < opt.conns; i++)
		pthread_create(&w[i].tid, NULL, work, &w[i]);
	for (i = 0; i < opt.conns; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].nlat;
	}
	secs = now_sec() - t0;
	all = malloc((size_t)(total ? total : 1) * sizeof *all);
	for (i = 0, j = 0; i < opt.conns; i++) {
		memcpy(all + j, w[i].lat_ms, (size_t)w[i].nlat * sizeof *all);
		j += w[i].nlat;
	}
	qsort(all, (size_t)total, sizeof *all, cmp_double);
	for (k = 0; k < K_N; k++) {
		printf("%s_sent=%ld %s_expected=%ld\n", kind_names[k],
		    atomic_load(&count_sent[k]), kind_names[k],
		    atomic_load(&count_expected[k]));
		unexpected += atomic_load(&count_sent[k]) -
		    atomic_load(&count_expected[k]);
	}
	printf("requests=%ld answered=%ld errors=%ld non2xx=%ld accepted=%ld "
	    "unexpected=%ld\n", opt.requests, total, atomic_load(&count_errors),
	    atomic_load(&count_non2xx), atomic_load(&count_accepted),
	    unexpected);
	printf("seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
	    secs, (double)total / secs, total ? all[total / 2] : 0.0,
	    total ? all[(long)((double)total * 0.99)] : 0.0,
	    total ? all[total - 1] : 0.0);
	if (opt.accepted != NULL)
		fclose(opt.accepted);
	fflush(stdout);
	for (i = 0; i < opt.conns; i++)
		free(w[i].lat_ms);
	free(w);
	free(all);
	return 0;
}

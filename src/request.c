/*
 * The receiver's decision for one request: the checks huskyhook-receive(8)
 * lists, in their order, the first failure deciding the answer. The config, the
 * prepared signature keys and the open spool live across requests in
 * struct receiver, and are rebuilt when a file they came from changes.
 * Unauthenticated bytes never reach the JSON parser.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "event.h"
#include "bounds.h"
#include "log.h"
#include "request.h"
#include "signature.h"
#include "spool.h"
#include "text.h"

struct receiver {
	char			*config_path;	/* fixed when the process starts */
	int			 loaded;
	struct config		 cfg;
	struct signature_keys	*keys;
	struct spool		*spool;
	/* When the config's files were last looked at: at most once in
	 * RECEIVE_RECHECK_SEC, not per request. */
	struct timespec		 config_checked;
};


const struct config *
receiver_config(const struct receiver *r)
{
	return r->loaded ? &r->cfg : NULL;
}

struct spool *
receiver_current_spool(struct receiver *r)
{
	return r->spool;
}

struct receiver *
receiver_new(const char *config_path)
{
	struct receiver *r;

	if ((r = calloc(1, sizeof *r)) == NULL)
		return NULL;
	if ((r->config_path = strdup(config_path)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
receiver_unload(struct receiver *r)
{
	spool_close(r->spool);
	r->spool = NULL;
	signature_keys_free(r->keys);
	r->keys = NULL;
	if (r->loaded)
		config_free(&r->cfg);
	r->loaded = 0;
}

void
receiver_free(struct receiver *r)
{
	if (r == NULL)
		return;
	receiver_unload(r);
	free(r->config_path);
	free(r);
}

const char *
response_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 503: return "Service Unavailable";
	default:  return "Internal Server Error";
	}
}

/* Loads the config if it is not loaded or any of its files changed (as
 * seen at most once in RECEIVE_RECHECK_SEC). */
static int
receiver_load(struct receiver *r)
{
	const char *path = r->config_path;
	char err[MESSAGE_BYTES];

	if (r->loaded && (!text_is_due(&r->config_checked, RECEIVE_RECHECK_SEC) ||
	    !config_is_stale(&r->cfg)))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &r->config_checked);
	receiver_unload(r);
	if (config_load(path, &r->cfg, err, sizeof err) == -1) {
		log_msg(LOG_LEVEL_ERR, "%s", err);
		return -1;
	}
	r->loaded = 1;
	if (log_set_target(r->cfg.log) == -1)
		log_msg(LOG_LEVEL_ERR, "%s: log %s: %s", path, r->cfg.log,
		    strerror(errno));
	umask(r->cfg.umask);
	if ((r->keys = signature_keys_new(&r->cfg)) == NULL) {
		log_msg(LOG_LEVEL_ERR, "cannot prepare the HMAC keys");
		receiver_unload(r);
		return -1;
	}
	return 0;
}

/* The spool stays open across requests; it is opened again when
 * spool_commit finds it or one of its directories is no longer the one
 * opened (moved aside, or made anew: ESTALE), so an event is never
 * written into a directory nobody sees. The threads of a FastCGI
 * process share events/'s fsyncs. */
static enum spool_result
receiver_store(struct receiver *r, const struct event *ev, const char *addr,
    const char *body, size_t len, int *differs)
{
	enum spool_result res = SPOOL_ERROR;
	char err[MESSAGE_BYTES];
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (r->spool == NULL && (r->spool = spool_open(r->cfg.spool,
		    SPOOL_OPEN_MAKE | SPOOL_OPEN_GROUP, err, sizeof err)) ==
		    NULL) {
			log_msg(LOG_LEVEL_ERR, "%s", err);
			errno = 0;
			return SPOOL_ERROR;
		}
		res = spool_commit(r->spool, ev, addr, body, len, differs);
		if (res != SPOOL_ERROR || errno != ESTALE)
			break;
		spool_close(r->spool);
		r->spool = NULL;
	}
	return res;
}

static int
content_type_is_json(const char *ct)
{
	size_t n = strlen("application/json");

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static int
request_is_https(const struct request_io *io)
{
	const char *https = io->param(io->arg, "HTTPS");
	const char *scheme = io->param(io->arg, "REQUEST_SCHEME");

	if (https != NULL && (strcasecmp(https, "on") == 0 ||
	    strcmp(https, "1") == 0))
		return 1;
	return scheme != NULL && strcasecmp(scheme, "https") == 0;
}

/* Parses CONTENT_LENGTH: digits only, no sign, no overflow. */
static int
parse_content_length(const char *s, long long *out)
{
	long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (MAX_BODY_BYTES_LIMIT * 16LL))
			v = MAX_BODY_BYTES_LIMIT * 16LL + 1;	/* saturate */
		else
			v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Reads exactly len bytes into *bufp (malloc'd, grown as they come: a
 * Content-Length is only a claim until the signature is checked), their
 * count in *gotp; or, with to_end, up to len bytes until the stream
 * ends. 0; -1 with errno set if the body ends early (0), the peer is too
 * slow (EAGAIN, ETIMEDOUT) or memory runs out (ENOMEM). */
static int
read_body(const struct request_io *io, char **bufp, size_t len, size_t *gotp,
    int to_end)
{
	size_t cap = 0, want;
	ssize_t n;
	char *p;

	*gotp = 0;
	for (;;) {
		if (*gotp == cap && (cap < len || *bufp == NULL)) {
			cap = cap == 0 ? IO_BLOCK_BYTES : cap * 2;
			if (cap > len)
				cap = len;
			if ((p = realloc(*bufp, cap > 0 ? cap : 1)) == NULL) {
				errno = ENOMEM;
				return -1;
			}
			*bufp = p;
		}
		if (*gotp == len)
			return 0;
		want = cap - *gotp;
		if (want > IO_BLOCK_BYTES)
			want = IO_BLOCK_BYTES;
		n = io->read(io->arg, *bufp + *gotp, want);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 && to_end)
			return 0;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		*gotp += (size_t)n;
	}
}

/*
 * Every way a request can end, and what each is answered: one table, so
 * that a status, its reason and its headers are decided in one place.
 * A NULL reason is given by the check that failed (event_parse's).
 */
enum receive_outcome {
	RECEIVE_ACCEPTED,
	RECEIVE_DUPLICATE,
	RECEIVE_MISCONFIGURED,
	RECEIVE_NOT_POST,
	RECEIVE_NOT_HTTPS,
	RECEIVE_NOT_JSON,
	RECEIVE_NO_LENGTH,
	RECEIVE_BAD_LENGTH,
	RECEIVE_TOO_LARGE,
	RECEIVE_NO_MEMORY,
	RECEIVE_SHORT_BODY,
	RECEIVE_TOO_SLOW,
	RECEIVE_SIGNATURE_MISSING,
	RECEIVE_SIGNATURE_MALFORMED,
	RECEIVE_SIGNATURE_MISMATCH,
	RECEIVE_SIGNATURE_ERROR,
	RECEIVE_INVALID_EVENT,
	RECEIVE_ORG_REFUSED,
	RECEIVE_EVENT_NO_MEMORY,
	RECEIVE_SPOOL_UNAVAILABLE,
	RECEIVE_NOUTCOMES
};

static const struct receive_answer {
	int		 status;
	int		 retry_after_sec;
	const char	*reason;	/* or the body's status word, for 200 */
} receive_answers[RECEIVE_NOUTCOMES] = {
	[RECEIVE_ACCEPTED] = { 200, 0, "accepted" },
	[RECEIVE_DUPLICATE] = { 200, 0, "duplicate" },
	[RECEIVE_MISCONFIGURED] = { 500, 0,
	    "the receiver is misconfigured (see the server's error log)" },
	[RECEIVE_NOT_POST] = { 405, 0, "only POST is accepted" },
	[RECEIVE_NOT_HTTPS] = { 403, 0, "HTTPS is required" },
	[RECEIVE_NOT_JSON] = { 415, 0,
	    "Content-Type must be application/json" },
	[RECEIVE_NO_LENGTH] = { 411, 0, "Content-Length is required: the "
	    "server passed this body to the CGI program without its length "
	    "(a chunked request, often); send it with a Content-Length, or "
	    "run the receiver under FastCGI" },
	[RECEIVE_BAD_LENGTH] = { 400, 0, "Content-Length is not a number" },
	[RECEIVE_TOO_LARGE] = { 413, 0, "body is larger than max_body" },
	[RECEIVE_NO_MEMORY] = { 503, SPOOL_RETRY_AFTER_SEC, "out of memory" },
	[RECEIVE_SHORT_BODY] = { 400, 0,
	    "body is shorter than Content-Length" },
	[RECEIVE_TOO_SLOW] = { 408, 0, "the body did not arrive in time" },
	[RECEIVE_SIGNATURE_MISSING] = { 401, 0,
	    "X-Husky-Signature is missing" },
	[RECEIVE_SIGNATURE_MALFORMED] = { 401, 0,
	    "X-Husky-Signature holds no 64-hex-digit HMAC-SHA256" },
	[RECEIVE_SIGNATURE_MISMATCH] = { 401, 0,
	    "X-Husky-Signature does not match the body under any configured "
	    "secret" },
	[RECEIVE_SIGNATURE_ERROR] = { 500, 0, "cannot compute HMAC-SHA256" },
	[RECEIVE_INVALID_EVENT] = { 400, 0, NULL },
	[RECEIVE_ORG_REFUSED] = { 403, 0, NULL },
	[RECEIVE_EVENT_NO_MEMORY] = { 500, 0, NULL },
	[RECEIVE_SPOOL_UNAVAILABLE] = { 503, SPOOL_RETRY_AFTER_SEC,
	    "the spool cannot be written; try again later" },
};

/* The answer for outcome o; detail stands for a NULL reason, or is
 * added to the table's in parentheses. A refusal is logged, but for 500,
 * whose cause the log already has. */
static void
receive_respond(struct response *resp, enum receive_outcome o,
    const char *detail, const char *addr, const char *id)
{
	const struct receive_answer *a = &receive_answers[o];
	char reason[RESPONSE_BODY_BYTES], esc[RESPONSE_BODY_BYTES - 16];
	char idesc[EVENT_ID_MAX_CHARS * 4 + 8];

	resp->status = a->status;
	resp->stored = o == RECEIVE_ACCEPTED;
	resp->allow_post = o == RECEIVE_NOT_POST;
	resp->retry_after_sec = a->retry_after_sec;
	if (a->status == 200) {
		snprintf(resp->body, sizeof resp->body,
		    "{\"status\":\"%s\",\"event_id\":\"%s\"}\n", a->reason, id);
		return;
	}
	if (a->reason == NULL)
		snprintf(reason, sizeof reason, "%s", detail);
	else if (detail != NULL)
		snprintf(reason, sizeof reason, "%s (%s)", a->reason, detail);
	else
		snprintf(reason, sizeof reason, "%s", a->reason);
	text_json_escape(esc, sizeof esc, reason);
	snprintf(resp->body, sizeof resp->body, "{\"error\":\"%s\"}\n", esc);
	if (a->status != 500) {
		log_escape(idesc, sizeof idesc, id, strlen(id));
		log_msg(LOG_LEVEL_WARN, "refused %d from %s%s%s: %s",
		    a->status, addr, id[0] ? " event " : "",
		    idesc, reason);
	}
}

/* Reads and drops what is left of a body that was not read, up to
 * REQUEST_DRAIN_MAX_BYTES: a CGI program that answers before reading its
 * body makes some servers (Apache's mod_cgid) reset the connection, and
 * the client then never sees the answer. */
static void
receive_drain(const struct request_io *io)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	while (total < REQUEST_DRAIN_MAX_BYTES) {
		n = io->read(io->arg, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
}

/* Checks the request up to and including its signature; the body read
 * into *bodyp (malloc'd), its length in *lenp. */
static enum receive_outcome
receive_check(struct receiver *r, const struct request_io *io, char **bodyp,
    long long *lenp, char *detail, size_t dlen)
{
	const char *method, *ctype, *clen;
	enum signature_result sr;
	size_t got;
	int n, idle, to_end = 0;

	/* The request never chooses the config: a FastCGI request's
	 * parameters come from whoever can reach the socket. */
	if (receiver_load(r) == -1)
		return RECEIVE_MISCONFIGURED;
	method = io->param(io->arg, "REQUEST_METHOD");
	if (method == NULL || strcmp(method, "POST") != 0)
		return RECEIVE_NOT_POST;
	if (r->cfg.require_https && !request_is_https(io))
		return RECEIVE_NOT_HTTPS;
	ctype = io->param(io->arg, "CONTENT_TYPE");
	if (ctype != NULL && *ctype != '\0' && !content_type_is_json(ctype))
		return RECEIVE_NOT_JSON;
	/* No length: some servers pass a chunked body so (Caddy says -1).
	 * FastCGI marks the end of the stream; a CGI program's standard
	 * input need not end with the body. */
	clen = io->param(io->arg, "CONTENT_LENGTH");
	if (clen == NULL || *clen == '\0' || strcmp(clen, "-1") == 0) {
		if (!io->body_has_end)
			return RECEIVE_NO_LENGTH;
		to_end = 1;
		*lenp = r->cfg.max_body + 1;
	} else if (parse_content_length(clen, lenp) == -1)
		return RECEIVE_BAD_LENGTH;
	if (*lenp > r->cfg.max_body && !to_end) {
		snprintf(detail, dlen, "%ld bytes", r->cfg.max_body);
		return RECEIVE_TOO_LARGE;
	}
	if (read_body(io, bodyp, (size_t)*lenp, &got, to_end) == -1) {
		switch (errno) {
		case ENOMEM:
			return RECEIVE_NO_MEMORY;
		case EAGAIN:
		case ETIMEDOUT:
			idle = errno == EAGAIN;
			if (to_end)
				n = snprintf(detail, dlen, "%zu bytes", got);
			else
				n = snprintf(detail, dlen, "%zu of %lld bytes",
				    got, *lenp);
			if (n <= 0 || (size_t)n >= dlen)
				;
			else if (idle)
				snprintf(detail + n, dlen - (size_t)n,
				    ", then none for %d s", RECEIVE_IDLE_SEC);
			else
				snprintf(detail + n, dlen - (size_t)n,
				    " in %d s", RECEIVE_READ_BUDGET_SEC);
			return RECEIVE_TOO_SLOW;
		default:
			return RECEIVE_SHORT_BODY;
		}
	}
	if (to_end) {
		*lenp = (long long)got;
		if (*lenp > r->cfg.max_body) {
			/* Read no further than that; the rest is dropped. */
			snprintf(detail, dlen, "%ld bytes", r->cfg.max_body);
			receive_drain(io);
			return RECEIVE_TOO_LARGE;
		}
	}
	sr = signature_verify(r->keys, io->param(io->arg,
	    "HTTP_X_HUSKY_SIGNATURE"), *bodyp, (size_t)*lenp);
	switch (sr) {
	case SIGNATURE_OK:
		return RECEIVE_ACCEPTED;
	case SIGNATURE_MISSING:
		return RECEIVE_SIGNATURE_MISSING;
	case SIGNATURE_MALFORMED:
		return RECEIVE_SIGNATURE_MALFORMED;
	case SIGNATURE_MISMATCH:
		return RECEIVE_SIGNATURE_MISMATCH;
	default:
		return RECEIVE_SIGNATURE_ERROR;
	}
}

void
receiver_handle(struct receiver *r, const struct request_io *io,
    struct response *resp)
{
	char detail[256];
	const char *addr, *shown;
	struct event_rules rules;
	struct event ev;
	enum receive_outcome o;
	char *body = NULL;
	long long len = 0, skip = 0;
	int differs;

	memset(resp, 0, sizeof *resp);
	memset(&ev, 0, sizeof ev);
	detail[0] = '\0';
	/* Only an address reaches the log and the spool: a FastCGI server
	 * passes on whatever a client or a tenant's config put there. */
	addr = io->param(io->arg, "REMOTE_ADDR");
	if (addr != NULL && log_addr_is_valid(addr))
		shown = addr;
	else {
		shown = addr == NULL || *addr == '\0' ? "-" : "invalid";
		addr = "";	/* what the meta keeps */
	}

	if ((o = receive_check(r, io, &body, &len, detail, sizeof detail)) !=
	    RECEIVE_ACCEPTED) {
		/* A body not read (or not all, for want of memory) is
		 * drained; one that ended or came too slowly is not. */
		if (body == NULL || o == RECEIVE_NO_MEMORY)
			receive_drain(io);
		goto answer;
	}
	rules.now = time(NULL);
	rules.max_age = r->cfg.max_age;
	rules.max_skew = r->cfg.max_skew;
	rules.org_ids = r->cfg.org_ids;
	rules.norg_ids = r->cfg.norg_ids;
	/* A UTF-8 byte order mark before the JSON (RFC 8259 lets a parser
	 * ignore one) is signed with the rest, and neither parsed nor
	 * stored: the spool's event is the JSON text that follows it. */
	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	switch (event_parse(body + skip, (size_t)(len - skip), &ev, &rules,
	    detail, sizeof detail)) {
	case EVENT_OK:
		break;
	case EVENT_ORG_REFUSED:
		o = RECEIVE_ORG_REFUSED;
		goto answer;
	case EVENT_NO_MEMORY:
		o = RECEIVE_EVENT_NO_MEMORY;
		goto answer;
	default:
		o = RECEIVE_INVALID_EVENT;
		goto answer;
	}
	switch (receiver_store(r, &ev, addr, body + skip, (size_t)(len - skip),
	    &differs)) {
	case SPOOL_STORED:
		o = RECEIVE_ACCEPTED;
		break;
	case SPOOL_DUPLICATE:
		if (differs)
			log_msg(LOG_LEVEL_WARN, "event %s from %s: a duplicate "
			    "with a different body; the stored one is kept",
			    ev.id, shown);
		o = RECEIVE_DUPLICATE;
		break;
	default:
		/* errno 0: the spool did not open, and why was logged. */
		if (errno != 0)
			log_msg(LOG_LEVEL_ERR, "event %s: cannot store it in "
			    "%s: %s", ev.id, r->cfg.spool, strerror(errno));
		o = RECEIVE_SPOOL_UNAVAILABLE;
		break;
	}
answer:
	receive_respond(resp, o, detail[0] ? detail : NULL, shown, ev.id);
	free(body);
}

/*
 * The receiver's decision for one request: the checks of SPEC section 3
 * in their order, the first failure deciding the answer. The config, the
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
};

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
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 503: return "Service Unavailable";
	default:  return "Internal Server Error";
	}
}

/* Loads the config if it is not loaded or any of its files changed. */
static int
receiver_load(struct receiver *r)
{
	const char *path = r->config_path;
	char err[1024];

	if (r->loaded && !config_is_stale(&r->cfg))
		return 0;
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

/* The spool stays open across requests; it is reopened when it or any
 * of its directories is no longer the one opened (moved aside, or made
 * anew), so an event is never written into a directory nobody sees. */
static int
receiver_spool(struct receiver *r)
{
	char err[1024];

	if (r->spool != NULL && spool_is_current(r->spool))
		return 0;
	spool_close(r->spool);
	if ((r->spool = spool_open(r->cfg.spool, err, sizeof err)) == NULL) {
		log_msg(LOG_LEVEL_ERR, "%s", err);
		return -1;
	}
	return 0;
}

static void
respond_ok(struct response *resp, const char *status, const char *id)
{
	resp->status = 200;
	snprintf(resp->body, sizeof resp->body,
	    "{\"status\":\"%s\",\"event_id\":\"%s\"}\n", status, id);
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

/* Reads exactly len bytes; -1 if the body ends early or fails. */
static int
read_body(const struct request_io *io, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = io->read(io->arg, buf + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

void
receiver_handle(struct receiver *r, const struct request_io *io,
    struct response *resp)
{
	const char *method, *ctype, *clen, *sig, *addr, *reason = NULL;
	char err[256], esc[RESPONSE_BODY_BYTES - 16], idesc[EVENT_ID_MAX_CHARS * 4 + 8];
	struct event_rules rules;
	struct event ev;
	enum event_status es;
	enum signature_result sr;
	char *body = NULL;
	long long len = 0;
	int differs;

	memset(resp, 0, sizeof *resp);
	memset(&ev, 0, sizeof ev);
	/* Only an address reaches the log and the spool: a FastCGI server
	 * passes on whatever a client or a tenant's config put there. */
	addr = io->param(io->arg, "REMOTE_ADDR");
	if (addr == NULL || *addr == '\0')
		addr = "";
	else if (!log_addr_is_valid(addr))
		addr = "invalid";

	/* The request never chooses the config: a FastCGI request's
	 * parameters come from whoever can reach the socket. */
	if (receiver_load(r) == -1) {
		resp->status = 500;
		reason = "the receiver is misconfigured (see the server's "
		    "error log)";
		goto fail;
	}

	method = io->param(io->arg, "REQUEST_METHOD");
	if (method == NULL || strcmp(method, "POST") != 0) {
		resp->status = 405;
		resp->allow_post = 1;
		reason = "only POST is accepted";
		goto fail;
	}
	if (r->cfg.require_https && !request_is_https(io)) {
		resp->status = 403;
		reason = "HTTPS is required";
		goto fail;
	}
	ctype = io->param(io->arg, "CONTENT_TYPE");
	if (ctype != NULL && *ctype != '\0' && !content_type_is_json(ctype)) {
		resp->status = 415;
		reason = "Content-Type must be application/json";
		goto fail;
	}
	clen = io->param(io->arg, "CONTENT_LENGTH");
	if (clen == NULL || *clen == '\0') {
		resp->status = 411;
		reason = "Content-Length is required";
		goto fail;
	}
	if (parse_content_length(clen, &len) == -1) {
		resp->status = 400;
		reason = "Content-Length is not a number";
		goto fail;
	}
	if (len > r->cfg.max_body) {
		resp->status = 413;
		snprintf(err, sizeof err, "body is larger than max_body "
		    "(%ld bytes)", r->cfg.max_body);
		reason = err;
		goto fail;
	}
	if ((body = malloc(len > 0 ? (size_t)len : 1)) == NULL) {
		resp->status = 503;
		resp->retry_after_sec = SPOOL_RETRY_AFTER_SEC;
		reason = "out of memory";
		goto fail;
	}
	if (read_body(io, body, (size_t)len) == -1) {
		resp->status = 400;
		reason = "body is shorter than Content-Length";
		goto fail;
	}

	sig = io->param(io->arg, "HTTP_X_HUSKY_SIGNATURE");
	sr = signature_verify(r->keys, sig, body, (size_t)len);
	if (sr != SIGNATURE_OK) {
		resp->status = sr == SIGNATURE_ERROR ? 500 : 401;
		reason = sr == SIGNATURE_MISSING ?
		    "X-Husky-Signature is missing" :
		    sr == SIGNATURE_MALFORMED ?
		    "X-Husky-Signature holds no 64-hex-digit HMAC-SHA256" :
		    sr == SIGNATURE_MISMATCH ?
		    "X-Husky-Signature does not match the body under any "
		    "configured secret" : "cannot compute HMAC-SHA256";
		goto fail;
	}

	rules.now = time(NULL);
	rules.max_age = r->cfg.max_age;
	rules.max_skew = r->cfg.max_skew;
	rules.org_ids = r->cfg.org_ids;
	rules.norg_ids = r->cfg.norg_ids;
	es = event_parse(body, (size_t)len, &ev, &rules, err, sizeof err);
	if (es != EVENT_OK) {
		resp->status = es == EVENT_ORG_REFUSED ? 403 :
		    es == EVENT_NO_MEMORY ? 500 : 400;
		reason = err;
		goto fail;
	}

	if (receiver_spool(r) == -1) {
		resp->status = 503;
		resp->retry_after_sec = SPOOL_RETRY_AFTER_SEC;
		reason = "the spool cannot be written; try again later";
		goto fail;
	}
	switch (spool_commit(r->spool, &ev, log_addr_is_valid(addr) ? addr :
	    "", body, (size_t)len,
	    &differs)) {
	case SPOOL_STORED:
		respond_ok(resp, "accepted", ev.id);
		break;
	case SPOOL_DUPLICATE:
		if (differs)
			log_msg(LOG_LEVEL_WARN, "event %s from %s: a duplicate "
			    "with a different body; the stored one is kept",
			    ev.id, addr[0] ? addr : "-");
		respond_ok(resp, "duplicate", ev.id);
		break;
	default:
		log_msg(LOG_LEVEL_ERR, "event %s: cannot store it in %s: %s",
		    ev.id, r->cfg.spool, strerror(errno));
		resp->status = 503;
		resp->retry_after_sec = SPOOL_RETRY_AFTER_SEC;
		reason = "the spool cannot be written; try again later";
		goto fail;
	}
	free(body);
	return;
fail:
	text_json_escape(esc, sizeof esc, reason);
	snprintf(resp->body, sizeof resp->body, "{\"error\":\"%s\"}\n", esc);
	if (resp->status != 500) {
		log_escape(idesc, sizeof idesc, ev.id, strlen(ev.id));
		log_msg(LOG_LEVEL_WARN, "refused %d from %s%s%s: %s",
		    resp->status, addr[0] ? addr : "-", ev.id[0] ? " event " :
		    "", idesc, reason);
	}
	free(body);
}

/* request.c's decision table, one request at a time through
 * receiver_handle with a real config and spool in a temporary directory:
 * each way a request can go, its status, its reason, and whether it
 * stored anything. The transport is this file's: parameters from a
 * table, the body from a buffer, a read that can be made to fail as a
 * slow peer's does. */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "request.h"
#include "signature.h"
#include "tap.h"

#define SECRET	"unit-request-secret"

struct fake {
	const char	*params[16][2];
	const char	*body;
	size_t		 len, off;
	int		 fail_errno;	/* the read fails so, after the first byte */
};

static const char *
fake_param(void *arg, const char *name)
{
	struct fake *f = arg;
	size_t i;

	for (i = 0; i < 16 && f->params[i][0] != NULL; i++)
		if (strcmp(f->params[i][0], name) == 0)
			return f->params[i][1];
	return NULL;
}

static ssize_t
fake_read(void *arg, void *buf, size_t n)
{
	struct fake *f = arg;

	if (f->fail_errno != 0 && f->off > 0) {
		errno = f->fail_errno;
		return -1;
	}
	if (f->off == f->len)
		return 0;
	if (f->fail_errno != 0 || n > f->len - f->off)
		n = f->fail_errno != 0 ? 1 : f->len - f->off;
	memcpy(buf, f->body + f->off, n);
	f->off += n;
	return (ssize_t)n;
}

static char sig[SIGNATURE_HEX_CHARS + 1], clen[32];

/* A POST of body, signed unless sign is 0, its other parameters (name,
 * value pairs, NULL-ended) replacing the usual ones. */
static void
handle(struct receiver *r, struct response *resp, const char *body, int sign,
    int fail_errno, ...)
{
	struct fake f;
	struct request_io io = { fake_param, fake_read, &f, 0 };
	const char *name;
	va_list ap;
	size_t i, k;

	memset(&f, 0, sizeof f);
	f.body = body;
	f.len = strlen(body);
	f.fail_errno = fail_errno;
	signature_hex(SECRET, strlen(SECRET), body, f.len, sig);
	snprintf(clen, sizeof clen, "%zu", f.len);
	i = 0;
	f.params[i][0] = "REQUEST_METHOD", f.params[i++][1] = "POST";
	f.params[i][0] = "CONTENT_TYPE", f.params[i++][1] = "application/json";
	f.params[i][0] = "CONTENT_LENGTH", f.params[i++][1] = clen;
	f.params[i][0] = "REMOTE_ADDR", f.params[i++][1] = "192.0.2.1";
	if (sign)
		f.params[i][0] = "HTTP_X_HUSKY_SIGNATURE", f.params[i++][1] = sig;
	va_start(ap, fail_errno);
	while ((name = va_arg(ap, const char *)) != NULL) {
		for (k = 0; k < i && strcmp(f.params[k][0], name) != 0; k++)
			;
		f.params[k][0] = name;
		f.params[k][1] = va_arg(ap, const char *);
		if (k == i)
			i++;
	}
	va_end(ap);
	memset(resp, 0, sizeof *resp);
	receiver_handle(r, &io, resp);
}

/* The status, the reason in the answer, and whether it stored. */
static void
expect(const struct response *resp, int status, const char *reason,
    int stored, const char *what)
{
	tap_ok(resp->status == status && strstr(resp->body, reason) != NULL &&
	    resp->stored == stored, "%s: %d, \"%s\"%s", what, status, reason,
	    stored ? ", stored" : "");
	if (resp->status != status || strstr(resp->body, reason) == NULL)
		printf("#   got %d %s", resp->status, resp->body);
}

static char *
event(const char *id)
{
	static char buf[512];
	char stamp[32];
	time_t now = time(NULL);

	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(buf, sizeof buf, "{\"event_id\":\"%s\",\"event_type\":"
	    "\"call.completed\",\"created_at\":\"%s\",\"org_id\":\"org_1\","
	    "\"data\":{\"call_id\":\"c1\"}}", id, stamp);
	return buf;
}

static int
remove_one(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	char dir[] = "/tmp/unit-request.XXXXXX", path[256], big[2048];
	struct receiver *r;
	struct response resp;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/secret", dir);
	if ((f = fopen(path, "w")) == NULL || fprintf(f, "%s\n", SECRET) < 0 ||
	    fclose(f) != 0)
		return 1;
	chmod(path, 0600);
	snprintf(path, sizeof path, "%s/spool", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
	if ((f = fopen(path, "w")) == NULL || fprintf(f, "secret_file = secret\n"
	    "spool = spool\nmax_body = 1K\n") < 0 || fclose(f) != 0)
		return 1;
	if ((r = receiver_new(path)) == NULL)
		return 1;

	handle(r, &resp, event("evt_ok"), 1, 0, NULL);
	expect(&resp, 200, "accepted", 1, "a signed event");
	handle(r, &resp, event("evt_ok"), 1, 0, NULL);
	expect(&resp, 200, "duplicate", 0, "the same again");
	handle(r, &resp, event("evt_get"), 1, 0, "REQUEST_METHOD", "GET", NULL);
	expect(&resp, 405, "only POST", 0, "GET");
	tap_ok(resp.allow_post, "GET: Allow: POST");
	handle(r, &resp, event("evt_ct"), 1, 0, "CONTENT_TYPE", "text/plain",
	    NULL);
	expect(&resp, 415, "", 0, "text/plain");
	handle(r, &resp, event("evt_nolen"), 1, 0, "CONTENT_LENGTH", NULL,
	    NULL);
	expect(&resp, 411, "Content-Length is required", 0, "no Content-Length");
	handle(r, &resp, event("evt_badlen"), 1, 0, "CONTENT_LENGTH", "12x",
	    NULL);
	expect(&resp, 400, "Content-Length is not a number", 0, "12x");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	handle(r, &resp, big, 1, 0, NULL);
	expect(&resp, 413, "larger than max_body", 0, "2 KiB over max_body 1K");
	handle(r, &resp, event("evt_unsigned"), 0, 0, NULL);
	expect(&resp, 401, "", 0, "no signature");
	handle(r, &resp, event("evt_forged"), 1, 0, "HTTP_X_HUSKY_SIGNATURE",
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    NULL);
	expect(&resp, 401, "", 0, "a signature that does not match");
	handle(r, &resp, event("evt_malformed"), 1, 0, "HTTP_X_HUSKY_SIGNATURE",
	    "zz", NULL);
	expect(&resp, 401, "", 0, "a signature that is not hex");
	handle(r, &resp, "{\"event_id\":", 1, 0, NULL);
	expect(&resp, 400, "", 0, "a signed body that is not JSON");
	handle(r, &resp, "{\"event_id\":\"../x\",\"event_type\":\"call.completed\","
	    "\"created_at\":\"2026-01-01T00:00:00Z\",\"org_id\":\"o\",\"data\":{}}",
	    1, 0, NULL);
	expect(&resp, 400, "", 0, "a signed event with a hostile id");
	handle(r, &resp, event("evt_slow"), 1, EAGAIN, NULL);
	expect(&resp, 408, "did not arrive in time", 0, "a body that stops");
	handle(r, &resp, event("evt_slow2"), 1, ETIMEDOUT, NULL);
	expect(&resp, 408, "did not arrive in time", 0, "a body over its budget");
	handle(r, &resp, event("evt_last"), 1, 0, NULL);
	expect(&resp, 200, "accepted", 1, "after all that, a signed event");

	receiver_free(r);
	if (nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS) != 0)
		tap_ok(0, "clean up %s", dir);
	return tap_done();
}

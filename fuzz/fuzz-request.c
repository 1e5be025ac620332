/*
 * The request path as a whole: CGI variables and a body in, an answer
 * out, through the real config reader, signature check, validation and
 * spool. Input: a flags byte, then NAME=VALUE lines, an empty line, the
 * body. Flag 1 signs the body with the right secret, so that inputs get
 * past the signature; flag 2 sets CONTENT_LENGTH to the body's length;
 * flag 4 has the body end where the input does, as a FastCGI stream does
 * (a body without a length is then read to its end).
 * Events stored are removed again so that the spool stays small.
 *
 * What must hold whatever the input: the answer is JSON with a status;
 * nothing refused is written; the meta of an accepted event reads back
 * (the processor trusts no meta it cannot check); the config is the
 * harness's whatever HUSKYHOOK_CONFIG the input sets (so no 500); and
 * a request adds at most one log line, of printable ASCII.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "request.h"
#include "signature.h"
#include "meta.h"
#include "spool.h"

#define FUZZ_SECRET "fuzz-secret"
#define MAX_PARAMS 32

struct fuzz_req {
	char		*names[MAX_PARAMS];
	char		*values[MAX_PARAMS];
	int		 n;
	const uint8_t	*body;
	size_t		 len, off;
};

static char dir[] = "/tmp/huskyhook-fuzz-request.XXXXXX";
static char conf[96], spool[96], logpath[96];
static long log_seen;
static struct receiver *receiver;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
fuzz_param(void *arg, const char *name)
{
	struct fuzz_req *r = arg;
	int i;

	for (i = r->n - 1; i >= 0; i--)
		if (strcmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

static ssize_t
fuzz_read(void *arg, void *buf, size_t n)
{
	struct fuzz_req *r = arg;
	size_t left = r->len - r->off;

	if (n > left)
		n = left;
	if (n > 1000)
		n = 1000;	/* arrive in pieces, as from a socket */
	memcpy(buf, r->body + r->off, n);
	r->off += n;
	return (ssize_t)n;
}

static void
add(struct fuzz_req *r, const char *name, const char *value)
{
	if (r->n == MAX_PARAMS)
		return;
	r->names[r->n] = strdup(name);
	r->values[r->n] = strdup(value);
	r->n++;
}

static void
setup(void)
{
	FILE *fp;
	char path[128];

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(conf, sizeof conf, "%s/huskyhook.conf", dir);
	snprintf(spool, sizeof spool, "%s/spool", dir);
	snprintf(logpath, sizeof logpath, "%s/log", dir);
	snprintf(path, sizeof path, "%s/secret", dir);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fputs(FUZZ_SECRET "\n", fp);
	fclose(fp);
	if ((fp = fopen(conf, "w")) == NULL)
		abort();
	fprintf(fp, "secret_file = secret\nspool = spool\nmax_age = 0\n"
	    "max_body = 64K\nlog = log\norg_id = org_abc_123\n"
	    "org_id = o\n");
	fclose(fp);
	if (mkdir(spool, 0700) == -1)
		abort();
	if ((receiver = receiver_new(conf)) == NULL)
		abort();
}

static void meta_check(const char *, const char *);

/* Removes what an accepted event left, so that the next input with the
 * same id is accepted again. */
static void
cleanup(const struct response *resp)
{
	const char *p = strstr(resp->body, "\"event_id\":\"");
	char id[256], path[512];
	size_t n;

	if (p == NULL)
		return;
	p += strlen("\"event_id\":\"");
	n = strcspn(p, "\"");
	if (n >= sizeof id)
		abort();
	memcpy(id, p, n);
	id[n] = '\0';
	if (strchr(id, '/') != NULL || id[0] == '.')
		abort();	/* an id the spool must never have taken */
	snprintf(path, sizeof path, "%s/pending/%s", spool, id);
	if (strstr(resp->body, "\"accepted\"") != NULL)
		meta_check(path, id);
	unlink(path);
	snprintf(path, sizeof path, "%s/events/%s.json", spool, id);
	unlink(path);
}

/* The meta the receiver wrote passes the processor's checks. */
static void
meta_check(const char *path, const char *id)
{
	char buf[SPOOL_META_MAX_BYTES];
	struct spool_meta m;
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		abort();
	n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	if (meta_parse(buf, n, &m) != 0 || strcmp(m.id, id) != 0)
		abort();
}

/* What this request added to the log: at most one line, printable. */
static void
log_check(void)
{
	char buf[4096];
	size_t n, i, lines = 0;
	FILE *fp;

	if ((fp = fopen(logpath, "r")) == NULL)
		return;
	fseek(fp, log_seen, SEEK_SET);
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				lines++;
			else if ((unsigned char)buf[i] < 0x20 ||
			    (unsigned char)buf[i] >= 0x7f)
				abort();
		}
		log_seen += (long)n;
	}
	fclose(fp);
	if (lines > 1)
		abort();
}

static int
spool_has_files(const char *sub)
{
	char path[256];
	struct dirent *de;
	DIR *d;
	int any = 0;

	snprintf(path, sizeof path, "%s/%s", spool, sub);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			any = 1;
	closedir(d);
	return any;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request_io io = { fuzz_param, fuzz_read, NULL, 0 };
	struct fuzz_req r;
	struct response resp;
	char sig[SIGNATURE_HEX_CHARS + 1], num[32], *head, *line, *eq;
	const uint8_t *sep;
	size_t headlen;
	uint8_t flags;
	int i;

	if (size < 1 || size > 70000)
		return 0;
	if (receiver == NULL)
		setup();
	memset(&r, 0, sizeof r);
	flags = data[0];
	io.body_has_end = (flags & 4) != 0;
	data++;
	size--;
	sep = memmem(data, size, "\n\n", 2);
	headlen = sep ? (size_t)(sep - data) : 0;
	r.body = sep ? sep + 2 : data;
	r.len = size - (size_t)(r.body - data);

	add(&r, "GATEWAY_INTERFACE", "CGI/1.1");
	add(&r, "REQUEST_METHOD", "POST");
	add(&r, "CONTENT_TYPE", "application/json");
	add(&r, "REMOTE_ADDR", "192.0.2.1");
	if (flags & 1) {
		signature_hex(FUZZ_SECRET, strlen(FUZZ_SECRET), r.body, r.len,
		    sig);
		add(&r, "HTTP_X_HUSKY_SIGNATURE", sig);
	}
	if (flags & 2) {
		snprintf(num, sizeof num, "%zu", r.len);
		add(&r, "CONTENT_LENGTH", num);
	}
	if ((head = strndup((const char *)data, headlen)) == NULL)
		return 0;
	for (line = strtok(head, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		add(&r, line, eq + 1);
	}
	free(head);

	io.arg = &r;
	receiver_handle(receiver, &io, &resp);
	if (resp.status == 200)
		cleanup(&resp);
	if (resp.status < 200 || resp.status > 599 || resp.body[0] != '{' ||
	    resp.status == 500)
		abort();
	log_check();
	/* Nothing refused is written, nothing is left half-made: with
	 * accepted events removed, the spool holds no file at all. */
	if (spool_has_files("events") || spool_has_files("tmp") ||
	    spool_has_files("pending"))
		abort();
	for (i = 0; i < r.n; i++) {
		free(r.names[i]);
		free(r.values[i]);
	}
	return 0;
}

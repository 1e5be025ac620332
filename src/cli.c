/*
 * huskyhook: the command-line tool. `run` is the spool processor, driven
 * by cron; the rest look after a spool (status, list, show, requeue,
 * purge), help with testing (sign) and deployment (check, init).
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "fsinfo.h"
#include "hook.h"
#include "log.h"
#include "run.h"
#include "signature.h"
#include "spool.h"

#ifndef SBINDIR
#define SBINDIR "/usr/local/sbin"
#endif
#ifndef BINDIR
#define BINDIR "/usr/local/bin"
#endif
#ifndef DATADIR
#define DATADIR "/usr/local/share"
#endif

#define SIGN_MAX_BYTES	(64L * 1024L * 1024L)

struct cli {
	const char	*config_path;
	int		 json;
	int		 verbose;
	int		 failed;	/* --failed */
	int		 done;		/* --done */
	long		 older_than;	/* -1: not given */
	const char	*secret_file;	/* sign -s */
	char		*args[64];	/* operands */
	int		 nargs;
};

static const char usage_text[] =
    "usage: huskyhook [-c FILE] COMMAND [ARGS]\n"
    "\n"
    "  run [-v]                              run the hooks of due events\n"
    "  status [--json]                       counts per state, last run\n"
    "  list [pending|retrying|failed|done] [--json]\n"
    "  show EVENT_ID                         body, state, attempts, hook log\n"
    "  requeue EVENT_ID... | --failed        back to pending, attempts reset\n"
    "  purge --failed|--done [--older-than DURATION]\n"
    "  sign [-s SECRET_FILE] [FILE]          X-Husky-Signature for FILE\n"
    "  check                                 check the config and deployment\n"
    "  init DIR                              a ready layout in DIR\n"
    "\n"
    "  -c FILE   the config (default: $HUSKYHOOK_CONFIG, else "
    SYSCONFDIR "/huskyhook.conf)\n"
    "  --help, --version\n";

static int
usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "huskyhook: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	fputs(usage_text, stderr);
	return 2;
}

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "huskyhook: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return 1;
}

static int
load_config(const struct cli *c, struct config *cfg)
{
	char err[1024];

	if (config_load(c->config_path ? c->config_path : config_default_path(),
	    cfg, err, sizeof err) == -1) {
		fprintf(stderr, "huskyhook: %s\n", err);
		return -1;
	}
	umask(cfg->umask);
	if (log_set_target(cfg->log) == -1)
		fprintf(stderr, "huskyhook: log %s: %s\n", cfg->log,
		    strerror(errno));
	return 0;
}

static struct spool *
open_spool(const struct config *cfg)
{
	char err[1024];
	struct spool *sp;

	if ((sp = spool_open(cfg->spool, err, sizeof err)) == NULL)
		fprintf(stderr, "huskyhook: %s\n", err);
	return sp;
}

/* Loads the config, opens the spool, runs fn with both, closes them. */
static int
with_spool(struct cli *c, int (*fn)(struct cli *, const struct config *,
    struct spool *))
{
	struct config cfg;
	struct spool *sp;
	int rc;

	if (load_config(c, &cfg) == -1)
		return 1;
	if ((sp = open_spool(&cfg)) == NULL) {
		config_free(&cfg);
		return 1;
	}
	rc = fn(c, &cfg, sp);
	spool_close(sp);
	config_free(&cfg);
	return rc;
}

/*
 * Everything printed from the spool goes through cli_put: a meta file or
 * a body may have been written by anyone who is the web server's user,
 * and a hook log holds whatever a hook printed, so none of it reaches a
 * terminal raw. C0 controls, DEL, C1 controls (U+0080..U+009F, which some
 * terminals obey as ESC [ and the like) and bytes that are not UTF-8 (a
 * lone 0x9b is CSI to a terminal in an 8-bit mode) are shown as \xHH,
 * byte by byte. CLI_TEXT keeps newline and tab, for bodies and logs;
 * CLI_LINE keeps neither, for one-line fields. Backslashes stay as they
 * are: this is for reading, and JSON bodies are full of them. CLI_JSON
 * writes the inside of a JSON string instead: controls as \u00XX, bytes
 * that are not UTF-8 as U+FFFD, so that the output stays JSON.
 */
enum cli_put_how { CLI_LINE, CLI_TEXT, CLI_JSON };

/* Writes len bytes of s to out as set out above; returns how many bytes
 * it wrote. With used, a UTF-8 sequence cut short at the end is left
 * for the next call (the rest of a file still to be read) and *used
 * says how much of s was taken; without, the end is the end. */
static size_t
cli_put(FILE *out, const char *s, size_t len, enum cli_put_how how,
    size_t *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, w = 0;
	int n, k;

	while (i < len) {
		n = event_utf8_len(p + i, len - i);
		if (n == -1 && used != NULL)
			break;
		if (n == 1 && ((p[i] >= 0x20 && p[i] != 0x7f) ||
		    (how == CLI_TEXT && (p[i] == '\n' || p[i] == '\t')))) {
			if (how == CLI_JSON && (p[i] == '"' || p[i] == '\\')) {
				fputc('\\', out);
				w++;
			}
			fputc(p[i++], out);
			w++;
			continue;
		}
		if (n > 1 && !(n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			fwrite(p + i, 1, (size_t)n, out);
			w += (size_t)n;
			i += (size_t)n;
			continue;
		}
		if (n < 1)
			n = 1;		/* not UTF-8: one byte at a time */
		if (how == CLI_JSON && n == 1 && p[i] >= 0x80)
			w += (size_t)fprintf(out, "\\ufffd");
		else if (how == CLI_JSON)	/* C0, DEL, or C1 as C2 80..9F */
			w += (size_t)fprintf(out, "\\u%04x", p[i + n - 1]);
		else
			for (k = 0; k < n; k++)
				w += (size_t)fprintf(out, "\\x%02x", p[i + k]);
		i += (size_t)n;
	}
	if (used != NULL)
		*used = i;
	return w;
}

static void
cli_put_line(const char *s)
{
	cli_put(stdout, s, strlen(s), CLI_LINE, NULL);
}

/* s on one line, padded with blanks to width. */
static void
cli_put_padded(const char *s, size_t width)
{
	size_t w = cli_put(stdout, s, strlen(s), CLI_LINE, NULL);

	for (; w < width; w++)
		putchar(' ');
}

/* A file from the spool (a body, a hook log), newlines and tabs kept. */
static void
cli_put_fd(int fd)
{
	char buf[65536];
	size_t have = 0, used;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof buf - have)) > 0) {
		have += (size_t)n;
		cli_put(stdout, buf, have, CLI_TEXT, &used);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	cli_put(stdout, buf, have, CLI_TEXT, NULL);
}

static void
json_string(FILE *out, const char *s)
{
	fputc('"', out);
	cli_put(out, s, strlen(s), CLI_JSON, NULL);
	fputc('"', out);
}

static void
format_utc(char *buf, size_t n, time_t t)
{
	if (t == 0)
		snprintf(buf, n, "-");
	else
		log_format_time(buf, n, t, -1);
}

static void
format_age(char *buf, size_t n, long sec)
{
	if (sec < 120)
		snprintf(buf, n, "%lds", sec);
	else if (sec < 7200)
		snprintf(buf, n, "%ldm", sec / 60);
	else if (sec < 172800)
		snprintf(buf, n, "%ldh", sec / 3600);
	else
		snprintf(buf, n, "%ldd", sec / 86400);
}

/* ------------------------------------------------------------------ */

static int
cmd_run(struct cli *c)
{
	struct config cfg;
	int rc;

	if (c->nargs != 0)
		return usage("run takes no operands");
	if (load_config(c, &cfg) == -1)
		return 1;
	if (cfg.hooks == NULL) {
		config_free(&cfg);
		return fail("%s: 'hooks' is not set; run needs it", cfg.path ?
		    cfg.path : "config");
	}
	rc = run_spool(&cfg, c->verbose, stdout);
	config_free(&cfg);
	return rc;
}

/* "run      held by HOST pid N since TIME" while a run (or requeue,
 * purge) holds the spool's lock, on this host or another. */
static void
status_lock_holder(struct spool *sp)
{
	struct spool_lock_holder h;
	char stamp[32];

	if (spool_lock_holder(sp, &h) != 1)
		return;
	format_utc(stamp, sizeof stamp, h.since);
	printf("run       held by %s pid %ld since %s\n", h.host[0] != '\0' ?
	    h.host : "?", h.pid, stamp);
}

static int
status_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct spool_meta *list = NULL;
	size_t n = 0, i;
	long pending = 0, retrying = 0, done, failed, oldest = -1, age;
	time_t now = time(NULL), last;
	char stamp[32], agebuf[32];

	if (spool_list(sp, SPOOL_PENDING, &list, &n) == -1)
		return fail("%s/pending: %s", cfg->spool, strerror(errno));
	for (i = 0; i < n; i++) {
		if (list[i].attempts > 0)
			retrying++;
		else
			pending++;
		age = (long)(now - list[i].received.tv_sec);
		if (age > oldest)
			oldest = age;
	}
	free(list);
	done = spool_count(sp, SPOOL_DONE);
	failed = spool_count(sp, SPOOL_FAILED);
	last = spool_stamp_get(sp, SPOOL_STAMP_LAST_RUN);

	format_utc(stamp, sizeof stamp, last);
	if (c->json) {
		printf("{\"pending\":%ld,\"retrying\":%ld,\"failed\":%ld,"
		    "\"done\":%ld,\"oldest_pending_age_seconds\":", pending,
		    retrying, failed, done);
		if (oldest >= 0)
			printf("%ld", oldest);
		else
			printf("null");
		printf(",\"last_run\":");
		if (last != 0)
			printf("\"%s\",\"last_run_age_seconds\":%ld}\n", stamp,
			    (long)(now - last));
		else
			printf("null,\"last_run_age_seconds\":null}\n");
		return 0;
	}
	printf("pending   %ld", pending);
	if (oldest >= 0) {
		format_age(agebuf, sizeof agebuf, oldest);
		printf("  (oldest received %s ago)", agebuf);
	}
	printf("\nretrying  %ld\nfailed    %ld\ndone      %ld\n", retrying,
	    failed, done);
	if (last != 0) {
		format_age(agebuf, sizeof agebuf, (long)(now - last));
		printf("last run  %s (%s ago)\n", stamp, agebuf);
	} else {
		printf("last run  never\n");
	}
	status_lock_holder(sp);
	return 0;
}

static int
cmd_status(struct cli *c)
{
	if (c->nargs != 0)
		return usage("status takes no operands");
	return with_spool(c, status_in);
}

static int
meta_by_created(const void *a, const void *b)
{
	const struct spool_meta *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

static const char *
meta_state_name(const struct spool_meta *m, enum spool_state st)
{
	if (st == SPOOL_PENDING && m->attempts > 0)
		return "retrying";
	return spool_state_name(st);
}

static const char *const list_names[] = { "pending", "retrying",
    "failed", "done" };

/* The state list asks for: an index in list_names, or -1 for all. */
static int
list_wanted(const struct cli *c)
{
	int k;

	if (c->nargs == 1)
		for (k = 0; k < 4; k++)
			if (strcmp(c->args[0], list_names[k]) == 0)
				return k;
	return -1;
}

static int
list_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct spool_meta *list;
	size_t n, i;
	int want = list_wanted(c), s, first = 1;
	const char *state;

	if (c->json)
		printf("[");
	for (s = 0; s < SPOOL_NSTATES; s++) {
		if (want == 2 && s != SPOOL_FAILED)
			continue;
		if (want == 3 && s != SPOOL_DONE)
			continue;
		if ((want == 0 || want == 1) && s != SPOOL_PENDING)
			continue;
		if (spool_list(sp, (enum spool_state)s, &list, &n) == -1) {
			fprintf(stderr, "huskyhook: %s/%s: %s\n", cfg->spool,
			    spool_state_name((enum spool_state)s),
			    strerror(errno));
			continue;
		}
		if (n > 1)
			qsort(list, n, sizeof *list, meta_by_created);
		for (i = 0; i < n; i++) {
			state = meta_state_name(&list[i], (enum spool_state)s);
			if ((want == 0 || want == 1) &&
			    strcmp(state, list_names[want]) != 0)
				continue;
			if (c->json) {
				printf("%s{\"event_id\":", first ? "" : ",");
				json_string(stdout, list[i].id);
				printf(",\"state\":\"%s\",\"event_type\":", state);
				json_string(stdout, list[i].type);
				printf(",\"created_at\":");
				json_string(stdout, list[i].created_at);
				printf(",\"attempts\":%ld,\"last_error\":",
				    list[i].attempts);
				json_string(stdout, list[i].last_error);
				printf("}");
			} else {
				cli_put_padded(list[i].id, 24);
				printf(" %-8s ", state);
				cli_put_padded(list[i].type, 18);
				putchar(' ');
				cli_put_line(list[i].created_at);
				printf("  attempts %ld", list[i].attempts);
				if (list[i].last_error[0] != '\0') {
					printf("  ");
					cli_put_line(list[i].last_error);
				}
				putchar('\n');
			}
			first = 0;
		}
		free(list);
	}
	if (c->json)
		printf("]\n");
	return 0;
}

static int
cmd_list(struct cli *c)
{
	if (c->nargs > 1)
		return usage("list takes at most one state");
	if (c->nargs == 1 && list_wanted(c) == -1)
		return usage("unknown state '%s'", c->args[0]);
	return with_spool(c, list_in);
}

/* One line of show: a label, then a value from the spool. */
static void
show_field(const char *label, const char *value)
{
	printf("%-14s", label);
	cli_put_line(value);
	putchar('\n');
}

static int
show_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct spool_meta m;
	char path[4096], stamp[64];
	int st, fd;

	(void)cfg;
	if ((st = spool_find(sp, c->args[0], &m)) == -1)
		return fail(errno == EINVAL ? "%s: its meta is damaged or not "
		    "huskyhook's (see huskyhook run)" : "%s: no such event",
		    c->args[0]);
	log_format_time(stamp, sizeof stamp, m.received.tv_sec, -1);
	show_field("event_id", m.id);
	printf("state         %s\n", meta_state_name(&m, (enum spool_state)st));
	show_field("event_type", m.type);
	show_field("created_at", m.created_at);
	printf("received_at   %s\n", stamp);
	show_field("org_id", m.org_id);
	show_field("remote_addr", m.remote_addr[0] ? m.remote_addr : "-");
	printf("attempts      %ld\n", m.attempts);
	format_utc(stamp, sizeof stamp, m.next_attempt);
	if (st == SPOOL_PENDING && m.attempts > 0)
		printf("next_attempt  %s\n", stamp);
	format_utc(stamp, sizeof stamp, m.finished);
	if (st != SPOOL_PENDING)
		printf("finished      %s\n", stamp);
	show_field("hooks_done", m.hooks_done[0] ? m.hooks_done :
	    st == SPOOL_DONE ? "(all)" : "-");
	if (m.last_error[0])
		show_field("last_error", m.last_error);
	spool_body_path(sp, m.id, path, sizeof path);
	printf("\n--- body (");
	cli_put_line(path);
	printf(")\n");
	if ((fd = spool_body_open(sp, m.id)) != -1) {
		cli_put_fd(fd);
		close(fd);
	}
	spool_log_path(sp, m.id, path, sizeof path);
	printf("\n--- hook log (");
	cli_put_line(path);
	printf(")\n");
	if ((fd = spool_log_open_read(sp, m.id)) != -1) {
		cli_put_fd(fd);
		close(fd);
	} else {
		printf("(nothing: no hook has printed anything or failed)\n");
	}
	return 0;
}

static int
cmd_show(struct cli *c)
{
	if (c->nargs != 1)
		return usage("show takes one EVENT_ID");
	return with_spool(c, show_in);
}

static int
requeue_one(struct spool *sp, const char *id)
{
	struct spool_meta m;
	int st;

	if ((st = spool_find(sp, id, &m)) == -1)
		return fail(errno == EINVAL ? "%s: its meta is damaged or not "
		    "huskyhook's (see huskyhook run)" : "%s: no such event", id);
	m.attempts = 0;
	m.next_attempt = 0;
	m.finished = 0;
	m.last_error[0] = '\0';
	if (st == SPOOL_DONE)
		m.hooks_done[0] = '\0';	/* all hooks run again */
	if (st == SPOOL_PENDING) {
		if (spool_meta_save(sp, SPOOL_PENDING, &m, 1) == -1)
			return fail("%s: %s", id, strerror(errno));
	} else if (spool_move(sp, &m, (enum spool_state)st, SPOOL_PENDING,
	    1) == -1) {
		return fail("%s: %s", id, strerror(errno));
	}
	printf("%s: requeued\n", id);
	return 0;
}

/* requeue and purge change states a run may be changing: they take the
 * run's lock, waiting a little for a run that holds it. */
static int
cli_lock(const struct config *cfg, struct spool *sp)
{
	int r = spool_lock_wait(sp, SPOOL_LOCK_WAIT_SEC);

	if (r == 1)
		return 0;
	if (r == 0)
		return fail("%s: a run has held the lock for %lds; try again "
		    "when it ends", cfg->spool, SPOOL_LOCK_WAIT_SEC);
	return fail("%s/run.lock: %s", cfg->spool, strerror(errno));
}

static int
requeue_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct spool_meta *list;
	size_t n, i;
	int k, rc = 0;

	if (cli_lock(cfg, sp) != 0)
		return 1;
	for (k = 0; k < c->nargs; k++)
		if (requeue_one(sp, c->args[k]) != 0)
			rc = 1;
	if (c->failed) {
		if (spool_list(sp, SPOOL_FAILED, &list, &n) == -1) {
			rc = fail("%s/failed: %s", cfg->spool, strerror(errno));
		} else {
			for (i = 0; i < n; i++)
				if (requeue_one(sp, list[i].id) != 0)
					rc = 1;
			free(list);
		}
	}
	return rc;
}

static int
cmd_requeue(struct cli *c)
{
	if (c->failed == (c->nargs > 0))
		return usage("requeue takes EVENT_IDs or --failed");
	return with_spool(c, requeue_in);
}

static int
purge_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct spool_meta *list;
	enum spool_state st = c->failed ? SPOOL_FAILED : SPOOL_DONE;
	time_t now = time(NULL);
	size_t n, i;
	int removed = 0, rc = 0;

	if (cli_lock(cfg, sp) != 0)
		return 1;
	if (spool_list(sp, st, &list, &n) == -1) {
		rc = fail("%s/%s: %s", cfg->spool, spool_state_name(st),
		    strerror(errno));
	} else {
		for (i = 0; i < n; i++) {
			if (c->older_than >= 0 &&
			    list[i].finished > now - c->older_than)
				continue;
			if (spool_remove(sp, list[i].id, st) == -1)
				rc = fail("%s: %s", list[i].id, strerror(errno));
			else
				removed++;
		}
		free(list);
		printf("%d %s events purged\n", removed, spool_state_name(st));
	}
	return rc;
}

static int
cmd_purge(struct cli *c)
{
	if (c->nargs != 0 || c->failed == c->done)
		return usage("purge takes --failed or --done");
	return with_spool(c, purge_in);
}

static int
read_all(int fd, char **out, size_t *len)
{
	size_t cap = 65536, off = 0;
	char *buf = malloc(cap), *grown;
	ssize_t n;

	if (buf == NULL)
		return -1;
	for (;;) {
		if (off == cap) {
			if (cap >= (size_t)SIGN_MAX_BYTES) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			if ((grown = realloc(buf, cap)) == NULL) {
				free(buf);
				return -1;
			}
			buf = grown;
		}
		n = read(fd, buf + off, cap - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	*out = buf;
	*len = off;
	return 0;
}

static int
cmd_sign(struct cli *c)
{
	struct config cfg;
	unsigned char *key = NULL;
	size_t keylen = 0, len;
	char err[1024], hex[SIGNATURE_HEX_CHARS + 1], *body;
	int fd = STDIN_FILENO, rc = 1, have_cfg = 0;

	if (c->nargs > 1)
		return usage("sign takes at most one FILE");
	if (c->secret_file != NULL) {
		if (config_read_secret_file(c->secret_file, &key, &keylen, err,
		    sizeof err) == -1)
			return fail("%s", err);
	} else {
		if (load_config(c, &cfg) == -1)
			return 1;
		have_cfg = 1;
		keylen = cfg.secrets[0].len;
		if ((key = malloc(keylen)) == NULL) {
			config_free(&cfg);
			return fail("out of memory");
		}
		memcpy(key, cfg.secrets[0].key, keylen);
		config_free(&cfg);
	}
	(void)have_cfg;
	if (c->nargs == 1 && strcmp(c->args[0], "-") != 0 &&
	    (fd = open(c->args[0], O_RDONLY | O_CLOEXEC)) == -1) {
		fail("%s: %s", c->args[0], strerror(errno));
		goto done;
	}
	if (read_all(fd, &body, &len) == -1) {
		fail("%s: %s", c->nargs ? c->args[0] : "stdin", strerror(errno));
		goto done;
	}
	if (signature_hex(key, keylen, body, len, hex) == -1)
		fail("cannot compute HMAC-SHA256");
	else
		rc = printf("%s\n", hex) < 0;
	free(body);
done:
	if (fd > STDIN_FILENO)
		close(fd);
	explicit_bzero(key, keylen);
	free(key);
	return rc;
}

/* ------------------------------------------------------------------ */

struct check {
	int problems;
	int warnings;
};

static void check_say(struct check *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* level: 0 ok, 1 warning, 2 problem */
static void
check_say(struct check *ck, int level, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", level == 0 ? "ok" : level == 1 ? "warning" : "problem");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (level == 1)
		ck->warnings++;
	if (level == 2)
		ck->problems++;
}

static void
check_hooks_dir(struct check *ck, const char *dir)
{
	static const char *const types[] = { "call.initiated", "call.answered",
	    "call.completed", "call.failed", "call.disallowed", "default" };
	struct hook_list hooks;
	char err[1024];
	size_t i;
	int any = 0;

	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (hook_find(dir, types[i], &hooks, err, sizeof err) == -1) {
			check_say(ck, 2, "%s", err);
			continue;
		}
		if (hooks.n > 0 && strcmp(hooks.names[0], "default") != 0) {
			any = 1;
		}
		hook_list_free(&hooks);
	}
	if (!any)
		check_say(ck, 1, "no hook for any of the five HuskyVoice event "
		    "types in %s: their events will be marked done without "
		    "running anything", dir);
	else
		check_say(ck, 0, "hooks in %s", dir);
}

/* The filesystem under the spool: a warning where several hosts could
 * not share it safely (fsinfo.c). */
static void
check_spool_fs(struct check *ck, const char *spool)
{
	struct fsinfo fi;
	char real[PATH_MAX], msg[1024];
	FILE *mi;
	int r;

	if (realpath(spool, real) == NULL ||
	    (mi = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	r = fsinfo_find(mi, real, &fi);
	fclose(mi);
	if (r == 0 && fsinfo_judge(&fi, msg, sizeof msg) == 1)
		check_say(ck, 1, "spool %s is on %s: %s", spool, fi.mountpoint,
		    msg);
	else if (r == 0)
		check_say(ck, 0, "spool %s is on %s (%s)", spool, fi.mountpoint,
		    fi.fstype);
}

static int
cmd_check(struct cli *c)
{
	static const char *const subdirs[] = { "tmp", "events", "pending",
	    "done", "failed", "logs" };
	struct check ck = { 0, 0 };
	struct config cfg;
	struct stat sb, root;
	char path[4096];
	size_t i;
	int s;

	if (c->nargs != 0)
		return usage("check takes no operands");
	if (load_config(c, &cfg) == -1) {
		printf("problem: the config does not load (see above)\n");
		return 1;
	}
	check_say(&ck, 0, "%s loads", cfg.path);
	for (s = 0; s < cfg.nsecrets; s++) {
		if (cfg.secrets[s].file == NULL)
			continue;
		if (stat(cfg.secrets[s].file, &sb) == 0 &&
		    (sb.st_mode & 077) != 0)
			check_say(&ck, 2, "secret_file %s is readable or "
			    "writable by others (mode %03o): chmod 600 it",
			    cfg.secrets[s].file, sb.st_mode & 0777);
		else
			check_say(&ck, 0, "secret_file %s is private",
			    cfg.secrets[s].file);
	}
	if (cfg.inline_secret_line != 0)
		check_say(&ck, 1, "%s:%d: an inline secret: anyone who can read "
		    "the config can forge events; prefer secret_file",
		    cfg.path, cfg.inline_secret_line);

	if (stat(cfg.spool, &root) == -1 || !S_ISDIR(root.st_mode)) {
		check_say(&ck, 2, "spool %s is not a directory", cfg.spool);
	} else {
		if (access(cfg.spool, W_OK | X_OK) == -1)
			check_say(&ck, 2, "spool %s is not writable by this "
			    "user", cfg.spool);
		if ((root.st_mode & 007) != 0)
			check_say(&ck, 1, "spool %s is open to others (mode "
			    "%03o): events hold personal data", cfg.spool,
			    root.st_mode & 0777);
		for (i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
			snprintf(path, sizeof path, "%s/%s", cfg.spool,
			    subdirs[i]);
			if (stat(path, &sb) == -1)
				continue;	/* made on first use */
			if (sb.st_dev != root.st_dev)
				check_say(&ck, 2, "%s is on another filesystem "
				    "than the spool: link(2) and rename(2) "
				    "cannot work across them", path);
			else if (access(path, W_OK | X_OK) == -1)
				check_say(&ck, 2, "%s is not writable by this "
				    "user", path);
		}
		check_say(&ck, 0, "spool %s", cfg.spool);
		check_spool_fs(&ck, cfg.spool);
	}

	if (cfg.hooks == NULL)
		check_say(&ck, 2, "'hooks' is not set: `huskyhook run` needs it");
	else if (stat(cfg.hooks, &sb) == -1 || !S_ISDIR(sb.st_mode))
		check_say(&ck, 2, "hooks %s is not a directory", cfg.hooks);
	else
		check_hooks_dir(&ck, cfg.hooks);

	if (cfg.max_age == 0)
		check_say(&ck, 1, "max_age = 0: replayed old events are accepted");
	printf("%d problems, %d warnings\n", ck.problems, ck.warnings);
	config_free(&cfg);
	return ck.problems > 0;
}

/* ------------------------------------------------------------------ */

static int
write_new_file(const char *path, mode_t mode, const char *text)
{
	int fd;
	size_t len = strlen(text);

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd == -1)
		return fail("%s: %s", path, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || close(fd) == -1)
		return fail("%s: %s", path, strerror(errno));
	return 0;
}

static const char example_hook[] =
    "#!/bin/sh\n"
    "# An example hook for %s events, disabled by its name. To use it:\n"
    "#   mv %s.disabled %s\n"
    "# It gets the event's exact body on stdin and its fields in the\n"
    "# environment (see huskyhook(1)); exit 0 when done, 100 to give up\n"
    "# for good, anything else to be retried later.\n"
    "set -eu\n"
    "printf '%%s,%%s,%%s,%%s\\n' \"$HUSKY_RECEIVED_AT\" \"$HUSKY_EVENT_ID\" \\\n"
    "    \"$HUSKY_EVENT_TYPE\" \"${HUSKY_DATA_CALL_ID:-}\" >> \"%s/calls.csv\"\n";

static int
cmd_init(struct cli *c)
{
	static const char *const types[] = { "call.initiated", "call.answered",
	    "call.completed", "call.failed", "call.disallowed" };
	unsigned char raw[32];
	char dir[PATH_MAX], path[PATH_MAX + 64], secret[65], text[4096];
	size_t i;
	int fd;

	if (c->nargs != 1)
		return usage("init takes one DIR");
	if (mkdir(c->args[0], 0700) == -1 && errno != EEXIST)
		return fail("%s: %s", c->args[0], strerror(errno));
	if (realpath(c->args[0], dir) == NULL)
		return fail("%s: %s", c->args[0], strerror(errno));
	snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
	if (access(path, F_OK) == 0)
		return fail("%s exists already; nothing changed", path);

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1 ||
	    read(fd, raw, sizeof raw) != (ssize_t)sizeof raw)
		return fail("/dev/urandom: %s", strerror(errno));
	close(fd);
	for (i = 0; i < sizeof raw; i++)
		snprintf(secret + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof raw);

	snprintf(path, sizeof path, "%s/secret", dir);
	snprintf(text, sizeof text, "%s\n", secret);
	explicit_bzero(secret, sizeof secret);
	if (write_new_file(path, 0600, text))
		return 1;
	explicit_bzero(text, sizeof text);
	snprintf(path, sizeof path, "%s/spool", dir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return fail("%s: %s", path, strerror(errno));
	snprintf(path, sizeof path, "%s/hooks", dir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return fail("%s: %s", path, strerror(errno));
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		snprintf(path, sizeof path, "%s/hooks/%s.disabled", dir,
		    types[i]);
		if (snprintf(text, sizeof text, example_hook, types[i],
		    types[i], types[i], dir) >= (int)sizeof text)
			return fail("%s: path too long", dir);
		if (write_new_file(path, 0700, text))
			return 1;
	}
	snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
	snprintf(text, sizeof text,
	    "# huskyhook.conf: see huskyhook.conf(5). Paths are relative to "
	    "this file.\n"
	    "secret_file = secret\n"
	    "spool = spool\n"
	    "hooks = hooks\n"
	    "# Events older than this are refused as replays.\n"
	    "max_age = 3d\n"
	    "keep_days = 7\n"
	    "# Only accept requests the web server received over HTTPS.\n"
	    "# require_https = yes\n"
	    "# Only accept events of your HuskyVoice organisation.\n"
	    "# org_id = org_...\n");
	if (write_new_file(path, 0600, text))
		return 1;

	printf("A huskyhook layout is ready in %s:\n\n"
	    "  huskyhook.conf  the config (mode 600)\n"
	    "  secret          a random webhook secret (mode 600): put the "
	    "signing secret\n"
	    "                  HuskyVoice shows for your endpoint here "
	    "instead, if it gives one\n"
	    "  spool/          where events are stored (mode 700)\n"
	    "  hooks/          example hooks, disabled: rename one to its "
	    "event type to enable it\n\n", dir);
	printf("Keep %s outside your web server's document root.\n\n", dir);
	printf("1. Let cron run the hooks every minute (crontab -e):\n\n"
	    "   * * * * * %s/huskyhook run -c %s/huskyhook.conf\n\n",
	    BINDIR, dir);
	printf("2. Point the web server at the receiver, with this config:\n\n"
	    "   lighttpd (mod_fastcgi), in lighttpd.conf:\n"
	    "     var.huskyhook_receive = \"%s/huskyhook-receive\"\n"
	    "     var.huskyhook_config  = \"%s/huskyhook.conf\"\n"
	    "     var.huskyhook_socket  = \"/tmp/huskyhook.socket\"\n"
	    "     include \"huskyhook-fastcgi.conf\"\n\n"
	    "   Apache (mod_fcgid): copy apache/huskyhook-fcgid.conf, set its "
	    "two lines\n"
	    "     Define HUSKYHOOK_RECEIVE %s/huskyhook-receive\n"
	    "     Define HUSKYHOOK_CONFIG  %s/huskyhook.conf\n"
	    "   and Include it in the server config.\n\n"
	    "   shared hosting (Apache, cgi-bin): copy huskyhook-receive into "
	    "cgi-bin as\n"
	    "   huskyhook.cgi, with apache/htaccess as .htaccess, its SetEnv "
	    "line set to\n"
	    "     SetEnv HUSKYHOOK_CONFIG %s/huskyhook.conf\n"
	    "   (under suexec, use apache/huskyhook.cgi instead).\n\n"
	    "   The files are in %s/huskyhook; see the README.\n\n",
	    SBINDIR, dir, SBINDIR, dir, dir, DATADIR);
	printf("3. In the HuskyVoice dashboard (Integrations -> Outbound "
	    "Webhooks ->\n"
	    "   Add Endpoint), enter your URL, e.g. "
	    "https://your-site.example/huskyhook,\n"
	    "   and the secret from %s/secret.\n\n", dir);
	printf("4. Check the whole setup:  huskyhook check -c "
	    "%s/huskyhook.conf\n", dir);
	return 0;
}

/* ------------------------------------------------------------------ */

static const struct command {
	const char	*name;
	int		 (*fn)(struct cli *);
} commands[] = {
	{ "run",	cmd_run },
	{ "status",	cmd_status },
	{ "list",	cmd_list },
	{ "show",	cmd_show },
	{ "requeue",	cmd_requeue },
	{ "purge",	cmd_purge },
	{ "sign",	cmd_sign },
	{ "check",	cmd_check },
	{ "init",	cmd_init },
};

/* Options may stand before or after the command. */
static int
parse_args(struct cli *c, int argc, char **argv, const char **command)
{
	const char *a;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (strcmp(a, "--version") == 0) {
			printf("huskyhook %s\n", PACKAGE_VERSION);
			exit(0);
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 ||
		    strcmp(a, "-s") == 0 || strcmp(a, "--older-than") == 0) {
			if (i + 1 == argc)
				return usage("%s needs a value", a);
			if (a[1] == 'c' || a[2] == 'c')
				c->config_path = argv[++i];
			else if (a[1] == 's')
				c->secret_file = argv[++i];
			else if (config_parse_duration(argv[++i],
			    &c->older_than) == -1)
				return usage("--older-than: '%s' is not a "
				    "duration", argv[i]);
		} else if (strcmp(a, "--json") == 0) {
			c->json = 1;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			c->verbose = 1;
		} else if (strcmp(a, "--failed") == 0) {
			c->failed = 1;
		} else if (strcmp(a, "--done") == 0) {
			c->done = 1;
		} else if (a[0] == '-' && a[1] != '\0') {
			return usage("unknown option %s", a);
		} else if (*command == NULL) {
			*command = a;
		} else {
			if (c->nargs == (int)(sizeof c->args / sizeof c->args[0]))
				return usage("too many operands");
			c->args[c->nargs++] = argv[i];
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli c;
	const char *command = NULL;
	size_t i;

	memset(&c, 0, sizeof c);
	c.older_than = -1;
	log_init("huskyhook");
	if (parse_args(&c, argc, argv, &command) != 0)
		return 2;
	if (command == NULL)
		return usage("no command given");
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(command, commands[i].name) == 0)
			return commands[i].fn(&c);
	return usage("unknown command '%s'", command);
}

/*
 * The huskyhook.conf reader: `key = value` lines, `#` comments. Every key
 * is known here; anything else is an error naming the file and the line.
 * Relative paths are taken from the config file's own directory, so a
 * layout made by `huskyhook init` can be moved as a whole.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "text.h"
#include "io.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* The kinds of value a key takes. */
enum config_kind {
	CONFIG_SECRET,		/* inline secret */
	CONFIG_SECRET_FILE,	/* a file holding one */
	CONFIG_PATH,		/* taken from the config's directory */
	CONFIG_STRING,
	CONFIG_LOG,		/* stderr, syslog or a path */
	CONFIG_ORG,		/* one more allowed org_id */
	CONFIG_SIZE,		/* bytes, K or M */
	CONFIG_DURATION,	/* seconds, m, h or d */
	CONFIG_COUNT,		/* a whole number */
	CONFIG_YES_NO,
	CONFIG_UMASK,		/* octal */
	CONFIG_ORDER_BY		/* none or data.NAME */
};

/*
 * Every key huskyhook.conf knows: its kind, where it goes in struct
 * config, the range of a number and its default (a number's in def, a
 * string's in defstr). The keys of one value come from
 * CONFIG_VALUE_KEYS (config.h), which makes their fields too.
 */
static const struct config_key {
	const char		*name;
	enum config_kind	 kind;
	size_t			 off;
	long			 min, max;
	long			 def;
	const char		*defstr;
} config_keys[] = {
	{ "secret", CONFIG_SECRET, 0, 0, 0, 0, NULL },
	{ "secret_file", CONFIG_SECRET_FILE, 0, 0, 0, 0, NULL },
	{ "org_id", CONFIG_ORG, 0, 0, 0, 0, NULL },
#define CONFIG_ROW(name, kind, min, max, def, defstr)			\
	{ #name, CONFIG_##kind, offsetof(struct config, name), min, max,	\
	    def, defstr },
	CONFIG_VALUE_KEYS(CONFIG_ROW)
#undef CONFIG_ROW
};
#define CONFIG_NKEYS	(sizeof config_keys / sizeof config_keys[0])

struct config_ctx {
	struct config	*cfg;
	const char	*file;
	char		*dir;
	int		 line;
	char		*err;
	size_t		 errlen;
	int		 key_line[CONFIG_NKEYS];	/* where each was set */
};

/* run.c's cutoff is now - keep_days * 86400 in a long. */
_Static_assert(KEEP_DAYS_LIMIT <= LONG_MAX / 86400L,
    "keep_days in seconds must fit a long");

static int config_fail(struct config_ctx *, const char *, ...)
    __attribute__((format(__printf__, 2, 3)));

const char *
config_default_path(void)
{
	const char *p = getenv("HUSKYHOOK_CONFIG");

	if (p != NULL && *p != '\0')
		return p;
	return SYSCONFDIR "/huskyhook.conf";
}

static int
config_fail(struct config_ctx *ctx, const char *fmt, ...)
{
	char msg[MESSAGE_BYTES / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (ctx->line > 0)
		snprintf(ctx->err, ctx->errlen, "%s:%d: %s", ctx->file,
		    ctx->line, msg);
	else
		snprintf(ctx->err, ctx->errlen, "%s: %s", ctx->file, msg);
	return -1;
}

/* Digits (text_number_parse's: no sign, no leading zero), then one
 * optional unit letter from units (multipliers mult). */
static int
config_parse_number(const char *s, const char *units, const long *mult,
    long *out)
{
	char digits[24];
	size_t n = strspn(s, "0123456789");
	const char *u;
	long long v;

	if (n == 0 || n >= sizeof digits)
		return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (text_number_parse(digits, LONG_MAX, &v) == -1)
		return -1;
	if (s[n] != '\0') {
		u = strchr(units, s[n]);
		if (u == NULL || s[n + 1] != '\0' || v > LONG_MAX / mult[u - units])
			return -1;
		v *= mult[u - units];
	}
	*out = (long)v;
	return 0;
}

/*
 * A copy of an event passes the age check until max_age after its
 * created_at, and created_at may lie max_skew after the first copy's
 * receipt, which is when its dedupe record's keep_days start (the body's
 * mtime). One SPOOL_PURGE_INTERVAL_SEC more is a margin for what the
 * second-granular times and clocks of a receiver and a runner sharing a
 * spool may be off by. With max_age 0 there is no age check, and so no
 * keep_days that would be long enough: nothing is required (see
 * huskyhook.conf(5)). Both arguments are bounded by their limits, so the
 * sum cannot overflow.
 */
long
config_min_keep_days(long max_age, long max_skew)
{
	long need;

	if (max_age == 0)
		return 0;
	need = max_age + max_skew + SPOOL_PURGE_INTERVAL_SEC;
	return (need + 86400L - 1) / 86400L;
}

int
config_parse_duration(const char *s, long *out)
{
	static const long mult[] = { 1, 60, 3600, 86400 };

	return config_parse_number(s, "smhd", mult, out);
}

int
config_parse_size(const char *s, long *out)
{
	static const long mult[] = { 1024, 1024L * 1024, 1024, 1024L * 1024 };

	return config_parse_number(s, "KMkm", mult, out);
}

static char *
config_resolve_path(struct config_ctx *ctx, const char *value)
{
	char *p;
	size_t n;

	if (value[0] == '/' || ctx->dir == NULL)
		return strdup(value);
	n = strlen(ctx->dir) + 1 + strlen(value) + 1;
	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s", ctx->dir, value);
	return p;
}

/*
 * st is the fstat of the descriptor read, taken before reading: a stat of
 * the path after the read could describe a file renamed there meanwhile,
 * whose arrival would then never count as a change, and the old secret
 * would be kept for good; and a write during the read changes the times
 * config_is_stale compares.
 */
static int
config_watch_add(struct config *cfg, const char *path, const struct stat *st)
{
	struct config_watch *w = &cfg->watch[cfg->nwatch];

	memset(w, 0, sizeof *w);
	if ((w->path = strdup(path)) == NULL)
		return -1;
	cfg->nwatch++;
	w->dev = st->st_dev;
	w->ino = st->st_ino;
	w->size = st->st_size;
	w->mtime = st->st_mtim;
	w->ctime = st->st_ctim;
	return 0;
}

int
config_is_stale(const struct config *cfg)
{
	const struct config_watch *w;
	struct stat st;
	int i;

	for (i = 0; i < cfg->nwatch; i++) {
		w = &cfg->watch[i];
		if (stat(w->path, &st) == -1)
			return 1;
		if (st.st_dev != w->dev || st.st_ino != w->ino ||
		    st.st_size != w->size ||
		    st.st_mtim.tv_sec != w->mtime.tv_sec ||
		    st.st_mtim.tv_nsec != w->mtime.tv_nsec ||
		    st.st_ctim.tv_sec != w->ctime.tv_sec ||
		    st.st_ctim.tv_nsec != w->ctime.tv_nsec)
			return 1;
	}
	return 0;
}

/* Reads a secret file: at most SECRET_MAX_BYTES, one trailing newline
 * (or CRLF) dropped. *st is what the descriptor read was before reading. */
static int
config_read_secret(struct config_ctx *ctx, const char *path,
    struct config_secret *sec, struct stat *st)
{
	unsigned char buf[SECRET_MAX_BYTES + 2];
	size_t len = 0;
	ssize_t n;
	int fd, rc = -1;

	/* O_NONBLOCK: a FIFO or a terminal must not hang the receiver. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return config_fail(ctx, "secret_file %s: %s", path,
		    strerror(errno));
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		close(fd);
		return config_fail(ctx, "secret_file %s is not a regular file",
		    path);
	}
	if ((n = io_read_full(fd, buf, sizeof buf)) == -1) {
		config_fail(ctx, "secret_file %s: %s", path, strerror(errno));
		goto done;
	}
	len = (size_t)n;
	if (len == sizeof buf) {
		config_fail(ctx, "secret_file %s: longer than %d bytes", path,
		    SECRET_MAX_BYTES);
		goto done;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0) {
		config_fail(ctx, "secret_file %s is empty", path);
		goto done;
	}
	if (len > SECRET_MAX_BYTES) {
		config_fail(ctx, "secret_file %s: longer than %d bytes", path,
		    SECRET_MAX_BYTES);
		goto done;
	}
	if ((sec->key = malloc(len)) == NULL) {
		config_fail(ctx, "out of memory");
		goto done;
	}
	memcpy(sec->key, buf, len);
	sec->len = len;
	rc = 0;
done:
	explicit_bzero(buf, sizeof buf);
	close(fd);
	return rc;
}

int
config_read_secret_file(const char *path, unsigned char **key, size_t *len,
    char *err, size_t errlen)
{
	struct config_ctx ctx;
	struct config_secret sec;
	struct stat st;

	memset(&ctx, 0, sizeof ctx);
	memset(&sec, 0, sizeof sec);
	ctx.file = path;
	ctx.err = err;
	ctx.errlen = errlen;
	if (config_read_secret(&ctx, path, &sec, &st) == -1)
		return -1;
	*key = sec.key;
	*len = sec.len;
	return 0;
}

static int
config_set_string(struct config_ctx *ctx, char **slot, const char *value,
    int is_path)
{
	free(*slot);
	*slot = is_path ? config_resolve_path(ctx, value) : strdup(value);
	if (*slot == NULL)
		return config_fail(ctx, "out of memory");
	return 0;
}

static int
config_add_secret(struct config_ctx *ctx, const struct config_key *k,
    const char *value)
{
	struct config *cfg = ctx->cfg;
	struct config_secret *sec;
	struct stat st;
	char *path;

	if (cfg->nsecrets == CONFIG_MAX_SECRETS)
		return config_fail(ctx, "more than %d secrets",
		    CONFIG_MAX_SECRETS);
	sec = &cfg->secrets[cfg->nsecrets];
	sec->line = ctx->line;
	if (k->kind == CONFIG_SECRET) {
		if (strlen(value) > SECRET_MAX_BYTES)
			return config_fail(ctx, "secret: longer than %d bytes",
			    SECRET_MAX_BYTES);
		sec->len = strlen(value);
		if ((sec->key = malloc(sec->len)) == NULL)
			return config_fail(ctx, "out of memory");
		memcpy(sec->key, value, sec->len);
		if (cfg->inline_secret_line == 0)
			cfg->inline_secret_line = ctx->line;
	} else {
		if ((path = config_resolve_path(ctx, value)) == NULL)
			return config_fail(ctx, "out of memory");
		sec->file = path;
		if (config_read_secret(ctx, path, sec, &st) == -1)
			return -1;
		if (config_watch_add(cfg, path, &st) == -1)
			return config_fail(ctx, "out of memory");
	}
	cfg->nsecrets++;
	return 0;
}

/* 1 if value is "none" or "data.NAME" with NAME a plain member name:
 * letters, digits, '_' and '-' (call_id, conversation-id). Nothing
 * nested: a '.' in NAME would promise a path it does not follow. */
static int
config_order_by_is_valid(const char *value)
{
	const char *p;

	if (strcmp(value, "none") == 0)
		return 1;
	if (strncmp(value, "data.", 5) != 0 || value[5] == '\0' ||
	    strlen(value + 5) > ORDER_BY_NAME_MAX_CHARS)
		return 0;
	for (p = value + 5; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return 0;
	return 1;
}

const char *
config_order_member(const struct config *cfg)
{
	if (cfg->order_by == NULL || strcmp(cfg->order_by, "none") == 0)
		return NULL;
	return cfg->order_by + 5;
}

static int
config_apply(struct config_ctx *ctx, const char *key, const char *value)
{
	struct config *cfg = ctx->cfg;
	const struct config_key *k;
	char *slot, *end;
	long long n;
	long v = 0;
	size_t i;

	for (i = 0; i < CONFIG_NKEYS && strcmp(config_keys[i].name, key); i++)
		;
	if (i == CONFIG_NKEYS)
		return config_fail(ctx, "unknown key '%s'", key);
	k = &config_keys[i];
	ctx->key_line[i] = ctx->line;
	slot = (char *)cfg + k->off;
	switch (k->kind) {
	case CONFIG_SECRET:
	case CONFIG_SECRET_FILE:
		return config_add_secret(ctx, k, value);
	case CONFIG_ORDER_BY:
		if (!config_order_by_is_valid(value))
			return config_fail(ctx, "%s: '%s' is neither none nor "
			    "data.NAME (a member of data: letters, digits, _ and "
			    "-, at most %d)", key, value,
			    ORDER_BY_NAME_MAX_CHARS);
		return config_set_string(ctx, (char **)(void *)slot, value, 0);
	case CONFIG_PATH:
	case CONFIG_STRING:
	case CONFIG_LOG:
		return config_set_string(ctx, (char **)(void *)slot, value,
		    k->kind == CONFIG_PATH || (k->kind == CONFIG_LOG &&
		    strcmp(value, "stderr") != 0 && strcmp(value, "syslog")));
	case CONFIG_ORG:
		if (cfg->norg_ids == CONFIG_MAX_ORG_IDS)
			return config_fail(ctx, "more than %d org_id lines",
			    CONFIG_MAX_ORG_IDS);
		if ((cfg->org_ids[cfg->norg_ids] = strdup(value)) == NULL)
			return config_fail(ctx, "out of memory");
		cfg->norg_ids++;
		return 0;
	case CONFIG_SIZE:
		if (config_parse_size(value, &v) == -1 || v < k->min ||
		    v > k->max)
			return config_fail(ctx, "%s: '%s' is not a size from "
			    "%ld to %ld bytes (a number with an optional K or M)",
			    key, value, k->min, k->max);
		break;
	case CONFIG_DURATION:
		/* The ceiling bounds what is done with the value later
		 * (now + max_skew, doubled retry delays, milliseconds). */
		if (config_parse_duration(value, &v) == -1)
			return config_fail(ctx, "%s: '%s' is not a duration "
			    "(a number with an optional s, m, h or d)", key,
			    value);
		if (v > k->max)
			return config_fail(ctx, "%s: '%s' is more than %lds",
			    key, value, k->max);
		if (v < k->min)
			return config_fail(ctx, "%s must be at least %lds", key,
			    k->min);
		break;
	case CONFIG_COUNT:
		if (text_number_parse(value, k->max, &n) == -1 || n < k->min)
			return config_fail(ctx, "%s: '%s' is not a whole number "
			    "from %ld to %ld", key, value, k->min, k->max);
		v = (long)n;
		break;
	case CONFIG_YES_NO:
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return config_fail(ctx, "%s: '%s' is neither yes nor no",
			    key, value);
		*(int *)(void *)slot = strcmp(value, "yes") == 0;
		return 0;
	case CONFIG_UMASK:
		v = strtol(value, &end, 8);
		if (*value < '0' || *value > '7' || *end != '\0' || v > k->max)
			return config_fail(ctx, "%s: '%s' is not an octal mode "
			    "such as 077", key, value);
		*(mode_t *)(void *)slot = (mode_t)v;
		return 0;
	}
	*(long *)(void *)slot = v;
	return 0;
}

/* The line a key was last set on, 0 if it was not. */
static int
config_line_of(const struct config_ctx *ctx, const char *key)
{
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_keys[i].name, key) == 0)
			return ctx->key_line[i];
	return 0;
}

static char *
config_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Every key's default, from the table: 0, or -1 out of memory. */
static int
config_defaults(struct config *cfg)
{
	const struct config_key *k;
	char *slot;

	memset(cfg, 0, sizeof *cfg);
	for (k = config_keys; k < config_keys + CONFIG_NKEYS; k++) {
		slot = (char *)cfg + k->off;
		switch (k->kind) {
		case CONFIG_SECRET:
		case CONFIG_SECRET_FILE:
		case CONFIG_ORG:
			break;
		case CONFIG_PATH:
		case CONFIG_STRING:
		case CONFIG_LOG:
		case CONFIG_ORDER_BY:
			if (k->defstr != NULL && (*(char **)(void *)slot =
			    strdup(k->defstr)) == NULL)
				return -1;
			break;
		case CONFIG_SIZE:
		case CONFIG_DURATION:
		case CONFIG_COUNT:
			*(long *)(void *)slot = k->def;
			break;
		case CONFIG_YES_NO:
			*(int *)(void *)slot = (int)k->def;
			break;
		case CONFIG_UMASK:
			*(mode_t *)(void *)slot = (mode_t)k->def;
			break;
		}
	}
	return 0;
}

int
config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	return config_load_fd(-1, path, cfg, err, errlen);
}

int
config_load_fd(int fd, const char *path, struct config *cfg, char *err,
    size_t errlen)
{
	struct config_ctx ctx;
	char buf[CONFIG_LINE_BYTES + 2], *line, *eq, *key, *value, *slash, *abs;
	FILE *fp = NULL;
	struct stat st;
	long min_days;
	int rc = -1;

	memset(&ctx, 0, sizeof ctx);
	ctx.cfg = cfg;
	ctx.file = path;
	ctx.err = err;
	ctx.errlen = errlen;

	if (config_defaults(cfg) == -1 || (cfg->path = strdup(path)) == NULL ||
	    (ctx.dir = strdup(path)) == NULL) {
		config_fail(&ctx, "out of memory");
		goto done;
	}
	/* Relative paths in the file are taken from its directory, made
	 * absolute so that hooks are given absolute paths. */
	if ((slash = strrchr(ctx.dir, '/')) != NULL)
		slash[slash == ctx.dir ? 1 : 0] = '\0';
	else
		snprintf(ctx.dir, strlen(ctx.dir) + 1, "%s", ".");
	if ((abs = realpath(ctx.dir, NULL)) != NULL) {
		free(ctx.dir);
		ctx.dir = abs;
	}
	if (fd != -1 && (fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1) {
		config_fail(&ctx, "%s", strerror(errno));
		goto done;
	}
	if ((fp = fd != -1 ? fdopen(fd, "re") : fopen(path, "re")) == NULL ||
	    fstat(fileno(fp), &st) == -1) {
		config_fail(&ctx, "%s", strerror(errno));
		if (fp == NULL && fd != -1)
			close(fd);
		goto done;
	}
	if (config_watch_add(cfg, path, &st) == -1) {
		config_fail(&ctx, "out of memory");
		goto done;
	}
	while (fgets(buf, sizeof buf, fp) != NULL) {
		ctx.line++;
		if (strchr(buf, '\n') == NULL && !feof(fp)) {
			config_fail(&ctx, "line longer than %d bytes",
			    CONFIG_LINE_BYTES);
			goto done;
		}
		line = config_trim(buf);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			config_fail(&ctx, "expected 'key = value'");
			goto done;
		}
		*eq = '\0';
		key = config_trim(line);
		value = config_trim(eq + 1);
		if (*key == '\0') {
			config_fail(&ctx, "missing key before '='");
			goto done;
		}
		if (*value == '\0') {
			config_fail(&ctx, "%s: missing value", key);
			goto done;
		}
		if (config_apply(&ctx, key, value) == -1)
			goto done;
	}
	if (ferror(fp)) {
		config_fail(&ctx, "%s", strerror(errno));
		goto done;
	}
	ctx.line = 0;
	if (cfg->nsecrets == 0) {
		config_fail(&ctx, "no secret: add a secret_file line");
		goto done;
	}
	if (cfg->spool == NULL) {
		config_fail(&ctx, "required key 'spool' is missing");
		goto done;
	}
	min_days = config_min_keep_days(cfg->max_age, cfg->max_skew);
	if (cfg->keep_days < min_days) {
		/* The line to change: keep_days, else what raised the need. */
		ctx.line = config_line_of(&ctx, "keep_days");
		if (ctx.line == 0)
			ctx.line = config_line_of(&ctx, "max_age") >
			    config_line_of(&ctx, "max_skew") ?
			    config_line_of(&ctx, "max_age") :
			    config_line_of(&ctx, "max_skew");
		config_fail(&ctx, "keep_days (%ld) is too short for max_age "
		    "(%lds) and max_skew (%lds): at least %ld are needed, or "
		    "a replay could be accepted after its first copy is purged "
		    "and run its hooks again", cfg->keep_days, cfg->max_age,
		    cfg->max_skew, min_days);
		goto done;
	}
	if (cfg->retry_max < cfg->retry_base) {
		config_fail(&ctx, "retry_max is shorter than retry_base");
		goto done;
	}
	rc = 0;
done:
	if (fp != NULL)
		fclose(fp);
	explicit_bzero(buf, sizeof buf);
	free(ctx.dir);
	if (rc == -1)
		config_free(cfg);
	return rc;
}

void
config_free(struct config *cfg)
{
	int i;

	for (i = 0; i < cfg->nsecrets; i++) {
		if (cfg->secrets[i].key != NULL)
			explicit_bzero(cfg->secrets[i].key, cfg->secrets[i].len);
		free(cfg->secrets[i].key);
		free(cfg->secrets[i].file);
	}
	/* A secret that failed to load may have its file set. */
	if (cfg->nsecrets < CONFIG_MAX_SECRETS)
		free(cfg->secrets[cfg->nsecrets].file);
	for (i = 0; i < cfg->norg_ids; i++)
		free(cfg->org_ids[i]);
	for (i = 0; i < cfg->nwatch; i++)
		free(cfg->watch[i].path);
	free(cfg->path);
	free(cfg->spool);
	free(cfg->hooks);
	free(cfg->hook_path);
	free(cfg->log);
	free(cfg->order_by);
	free(cfg->kick_program);
	memset(cfg, 0, sizeof *cfg);
}

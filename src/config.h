/* huskyhook.conf: one reader for both programs. */
#ifndef HUSKYHOOK_CONFIG_H
#define HUSKYHOOK_CONFIG_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "bounds.h"

struct config_secret {
	unsigned char	*key;
	size_t		 len;
	char		*file;		/* NULL for an inline `secret` */
	int		 line;
};

/* A file the config was read from, as it was when it was read: taken from
 * the descriptor read, so that a replacement racing the read is seen. */
struct config_watch {
	char		*path;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	struct timespec	 ctime;
};

/*
 * The keys that take one value, all there is to know of each in one row:
 * X(name, kind, min, max, default for a number, default for a string).
 * The row makes the field of struct config (its type from the kind, see
 * CONFIG_TYPE_*) and the reader's entry (config.c): a new key is a row
 * here, its use, and its documentation. secret, secret_file and org_id,
 * which may be given more than once, are the reader's own.
 */
#define CONFIG_VALUE_KEYS(X)						\
	X(spool, PATH, 0, 0, 0, NULL)					\
	X(hooks, PATH, 0, 0, 0, NULL)					\
	X(hook_path, STRING, 0, 0, 0, DEFAULT_HOOK_PATH)		\
	X(log, LOG, 0, 0, 0, "stderr")					\
	X(max_body, SIZE, 1, MAX_BODY_BYTES_LIMIT, DEFAULT_MAX_BODY_BYTES,	\
	    NULL)							\
	X(max_age, DURATION, 0, MAX_AGE_SEC_LIMIT, DEFAULT_MAX_AGE_SEC,	\
	    NULL)							\
	X(max_skew, DURATION, 0, MAX_SKEW_SEC_LIMIT, DEFAULT_MAX_SKEW_SEC,	\
	    NULL)							\
	X(hook_timeout, DURATION, 1, HOOK_TIMEOUT_SEC_LIMIT,		\
	    DEFAULT_HOOK_TIMEOUT_SEC, NULL)				\
	X(retry_base, DURATION, 0, RETRY_SEC_LIMIT, DEFAULT_RETRY_BASE_SEC,	\
	    NULL)							\
	X(retry_max, DURATION, 0, RETRY_SEC_LIMIT, DEFAULT_RETRY_MAX_SEC,	\
	    NULL)							\
	X(keep_days, COUNT, 1, KEEP_DAYS_LIMIT, DEFAULT_KEEP_DAYS, NULL)	\
	X(max_attempts, COUNT, 1, MAX_ATTEMPTS_LIMIT, DEFAULT_MAX_ATTEMPTS,	\
	    NULL)							\
	X(require_https, YES_NO, 0, 1, 0, NULL)				\
	X(umask, UMASK, 0, 0777, DEFAULT_UMASK, NULL)			\
	X(jobs, COUNT, 1, HOOK_JOBS_LIMIT, DEFAULT_JOBS, NULL)		\
	X(order_by, ORDER_BY, 0, 0, 0, DEFAULT_ORDER_BY)		\
	X(kick, YES_NO, 0, 1, 0, NULL)					\
	X(kick_program, PATH, 0, 0, 0, BINDIR "/huskyhook")

/* The field each kind of value makes. */
#define CONFIG_TYPE_PATH	char *		/* from the config's dir */
#define CONFIG_TYPE_STRING	char *
#define CONFIG_TYPE_LOG		char *		/* stderr, syslog or a path */
#define CONFIG_TYPE_ORDER_BY	char *		/* none or data.NAME */
#define CONFIG_TYPE_SIZE	long		/* bytes, K or M */
#define CONFIG_TYPE_DURATION	long		/* seconds, m, h or d */
#define CONFIG_TYPE_COUNT	long		/* a whole number */
#define CONFIG_TYPE_YES_NO	int
#define CONFIG_TYPE_UMASK	mode_t		/* octal */

#ifndef BINDIR
#define BINDIR "/usr/local/bin"
#endif

struct config {
	char			*path;
	struct config_secret	 secrets[CONFIG_MAX_SECRETS];
	int			 nsecrets;
	int			 inline_secret_line;	/* 0: none */
	char			*org_ids[CONFIG_MAX_ORG_IDS];
	int			 norg_ids;
#define CONFIG_FIELD(name, kind, min, max, def, defstr)	\
	CONFIG_TYPE_##kind name;
	CONFIG_VALUE_KEYS(CONFIG_FIELD)
#undef CONFIG_FIELD
	/* Files whose change means the config must be read again. */
	struct config_watch	 watch[1 + CONFIG_MAX_SECRETS];
	int			 nwatch;
};

/* The file to read: $HUSKYHOOK_CONFIG, else the compiled-in default. */
const char *config_default_path(void);

/* Reads path into cfg. On failure returns -1 with a message naming the
 * file (and line, where there is one) in err; cfg is then left empty. */
int  config_load(const char *path, struct config *cfg, char *err, size_t errlen);
/* The same from fd, a descriptor of path already open (the caller's to
 * close): what was checked when it was opened is what is read. */
int  config_load_fd(int fd, const char *path, struct config *cfg, char *err,
    size_t errlen);
void config_free(struct config *cfg);
/* 1 if any file the config was built from changed since it was loaded. */
int  config_is_stale(const struct config *cfg);

/* Reads one secret file as secret_file does (a trailing newline
 * dropped); *key is malloc'd and must be wiped by the caller. */
int  config_read_secret_file(const char *path, unsigned char **key,
    size_t *len, char *err, size_t errlen);

/* The fewest keep_days that keep every event's dedupe record as long as
 * a copy of it can pass the age check; 0 when max_age is 0 (off). */
long config_min_keep_days(long max_age, long max_skew);

/* The data member whose value groups events that must run one after
 * the other (order_by = data.NAME), or NULL for order_by = none. */
const char *config_order_member(const struct config *cfg);

/* Value parsers, exposed for the command-line tool and the tests. */
int  config_parse_duration(const char *s, long *out);
int  config_parse_size(const char *s, long *out);

#endif

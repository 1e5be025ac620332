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

struct config {
	char			*path;
	struct config_secret	 secrets[CONFIG_MAX_SECRETS];
	int			 nsecrets;
	int			 inline_secret_line;	/* 0: none */
	char			*spool;
	char			*hooks;
	long			 max_body;
	char			*org_ids[CONFIG_MAX_ORG_IDS];
	int			 norg_ids;
	long			 max_age;
	long			 max_skew;
	long			 keep_days;
	int			 require_https;
	long			 hook_timeout;
	long			 max_attempts;
	long			 retry_base;
	long			 retry_max;
	char			*hook_path;
	mode_t			 umask;
	char			*log;
	long			 jobs;		/* events run at once */
	char			*order_by;	/* "none" or "data.NAME" */
	int			 kick;		/* the receiver starts run */
	char			*kick_program;	/* huskyhook, for the kick */
	/* Files whose change means the config must be read again. */
	struct config_watch	 watch[1 + CONFIG_MAX_SECRETS];
	int			 nwatch;
};

/* The file to read: $HUSKYHOOK_CONFIG, else the compiled-in default. */
const char *config_default_path(void);

/* Reads path into cfg. On failure returns -1 with a message naming the
 * file (and line, where there is one) in err; cfg is then left empty. */
int  config_load(const char *path, struct config *cfg, char *err, size_t errlen);
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

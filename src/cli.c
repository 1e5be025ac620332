/*
 * huskyhook: the command-line tool. `run` is the spool processor, driven
 * by cron; the rest look after a spool (status, list, show, requeue,
 * purge), help with testing (sign) and deployment (check, init).
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgibin.h"
#include "config.h"
#include "io.h"
#include "event.h"
#include "fsinfo.h"
#include "hook.h"
#include "log.h"
#include "meta.h"
#include "run.h"
#include "signature.h"
#include "spool.h"
#include "text.h"

#ifndef SBINDIR
#define SBINDIR "/usr/local/sbin"
#endif
#ifndef BINDIR
#define BINDIR "/usr/local/bin"
#endif
#ifndef DATADIR
#define DATADIR "/usr/local/share"
#endif

/* The HuskyVoice event types: init makes an example hook for each, check
 * looks for a hook for each. */
static const char *const cli_event_types[] = {
	"call.initiated", "call.answered", "call.completed", "call.failed",
	"call.disallowed"
};
#define CLI_NEVENT_TYPES (sizeof cli_event_types / sizeof cli_event_types[0])

struct cli_entry;

/* What the command line says, once parsed. */
struct cli {
	const struct cli_entry	*entry;		/* the command */
	const char		*config_path;	/* -c; NULL: the default */
	int			 json;		/* --json */
	int			 verbose;	/* -v */
	int			 failed;	/* --failed */
	int			 done;		/* --done */
	long			 older_than;	/* --older-than; -1: not given */
	long			 jobs;		/* run -j; 0: not given */
	int			 watch;		/* run --watch */
	const char		*secret_file;	/* sign -s */
	const char		*cgi_bin;	/* init --cgi-bin */
	const char		*url;		/* init --url */
	char			**args;		/* operands */
	int			 nargs;
	char			**argv;		/* as given, for messages */
	int			 argc;
};

/*
 * One entry per command, as tmux's cmd_entry: its own options (getopt's
 * and getopt_long's), its usage, how many operands it takes and the
 * function that runs it. An option another command has is refused like
 * any unknown one.
 */
struct cli_entry {
	const char		*name;
	const char		*usage;		/* what follows the name */
	const char		*about;		/* one line for --help */
	const char		*shortopts;
	const struct option	*longopts;
	int			 lower;		/* operands, at least */
	int			 upper;		/* at most; -1: any number */
	int			 flags;
#define CLI_CONFIG	0x1	/* reads the config: takes -c */
#define CLI_WRITES	0x2	/* changes the spool, opens the log */
	int			(*exec)(struct cli *);
};

/* getopt_long's values for options that have no short form. */
enum cli_option {
	CLI_OPT_JSON = 256,
	CLI_OPT_FAILED,
	CLI_OPT_DONE,
	CLI_OPT_OLDER_THAN,
	CLI_OPT_VERSION,
	CLI_OPT_CGI_BIN,
	CLI_OPT_URL,
	CLI_OPT_WATCH
};

/*
 * A command's short options, after two flags to getopt_long: '-' hands
 * operands back in place (as option 1), so that options may follow
 * operands as documented (`list failed --json`) whatever
 * POSIXLY_CORRECT says; ':' tells a missing value from an unknown option.
 */
#define CLI_SHORTOPTS(s)	"-:" s

#define CLI_LONG_CONFIG	{ "config", required_argument, NULL, 'c' }
#define CLI_LONG_HELP	{ "help", no_argument, NULL, 'h' }
#define CLI_LONG_END	{ NULL, 0, NULL, 0 }

static int usage(const struct cli_entry *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(const char *, ...) __attribute__((format(printf, 1, 2)));
static void cli_help(FILE *);
static const char *init_self(void);

static void
cli_usage_line(FILE *out, const struct cli_entry *e)
{
	fprintf(out, "usage: huskyhook %s%s %s\n", (e->flags & CLI_CONFIG) ?
	    "[-c FILE] " : "", e->name, e->usage);
}

/* A usage error: the reason, then the usage of the command, or all of
 * it when there is no command yet. Exit status 2. */
static int
usage(const struct cli_entry *e, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "huskyhook: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	if (e != NULL)
		cli_usage_line(stderr, e);
	else
		cli_help(stderr);
	return 2;
}

/* Any other error: exit status 1. */
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

/*
 * root acts as the user a layout belongs to: a log, a spool directory or
 * a meta that root made would be one the receiver and the owner's runs
 * cannot write (the receiver would answer 503, run would take a meta for
 * torn). The owner is whoever owns path; nothing changes for root's own
 * files, nor for any other user, whose permissions decide as they are.
 * The groups are the owner's, and HOME, USER and LOGNAME too, for hooks.
 */
static int
cli_become_owner_of(const char *path)
{
	struct passwd pw, *pwp = NULL;
	struct stat sb;
	char buf[PASSWD_BUF_BYTES];
	gid_t gid;

	if (geteuid() != 0 || stat(path, &sb) == -1 || sb.st_uid == 0)
		return 0;
	getpwuid_r(sb.st_uid, &pw, buf, sizeof buf, &pwp);
	gid = pwp != NULL ? pwp->pw_gid : sb.st_gid;
	if ((pwp != NULL ? initgroups(pwp->pw_name, gid) :
	    setgroups(0, NULL)) == -1 || setgid(gid) == -1 ||
	    setuid(sb.st_uid) == -1)
		return fail("%s belongs to uid %ld: cannot act as that user: "
		    "%s", path, (long)sb.st_uid, strerror(errno));
	if (pwp != NULL && (setenv("HOME", pwp->pw_dir, 1) == -1 ||
	    setenv("USER", pwp->pw_name, 1) == -1 ||
	    setenv("LOGNAME", pwp->pw_name, 1) == -1))
		return fail("setenv: %s", strerror(errno));
	return 0;
}

/* Writes " word" for each of argv, quoted for the shell where it needs
 * to be, for a command line the user can copy. */
static void
cli_put_command(FILE *out, char **argv, int argc)
{
	const char *a, *p;
	int i;

	for (i = 0; i < argc; i++) {
		a = argv[i];
		fputc(' ', out);
		if (*a != '\0' && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789/._+,:=@%-") ==
		    strlen(a)) {
			fputs(a, out);
			continue;
		}
		fputc('\'', out);
		for (p = a; *p != '\0'; p++) {
			if (*p == '\'')
				fputs("'\\'", out);	/* end, \', begin */
			fputc(*p, out);
		}
		fputc('\'', out);
	}
}

/*
 * Someone else's file at path that this user may not use (how, for
 * access(2)): the command to run as its owner instead. 0 if this user may
 * (or is root, who acts as the owner), else -1 once it is said.
 */
static int
cli_owner_only(const struct cli *c, const char *path, int how)
{
	struct passwd pw, *pwp = NULL;
	struct stat sb;
	char buf[PASSWD_BUF_BYTES], up[PATH_MAX], *slash;

	if (geteuid() == 0 || access(path, how) == 0 || errno != EACCES)
		return 0;
	/* Its owner, or that of the nearest directory above it this user
	 * may look into (a layout is mode 700). */
	snprintf(up, sizeof up, "%s", path);
	while (stat(up, &sb) == -1) {
		if (errno != EACCES || (slash = strrchr(up, '/')) == NULL ||
		    slash == up)
			return 0;
		*slash = '\0';
	}
	if (sb.st_uid == geteuid())
		return 0;
	getpwuid_r(sb.st_uid, &pw, buf, sizeof buf, &pwp);
	fprintf(stderr, "huskyhook: %s belongs to %s, and this user may not "
	    "%s it; run this as that user:\n  sudo -u %s -- ", path,
	    pwp != NULL ? pwp->pw_name : "another user",
	    (how & W_OK) ? "write" : "read",
	    pwp != NULL ? pwp->pw_name : "OWNER");
	/* The program by its absolute path: the other user's PATH may not
	 * have it. */
	fputs(init_self(), stderr);
	cli_put_command(stderr, c->argv + 1, c->argc - 1);
	fputc('\n', stderr);
	return -1;
}

static int
cli_load_config(const struct cli *c, struct config *cfg)
{
	const char *path = c->config_path, *env;
	char err[MESSAGE_BYTES];
	struct stat sb;

	/* Without -c, a config that is not there is most likely a first
	 * try: say how to name one, or make one. */
	if (path == NULL && stat(path = config_default_path(), &sb) == -1 &&
	    errno == ENOENT) {
		env = getenv("HUSKYHOOK_CONFIG");
		if (env != NULL && *env != '\0')
			fail("no config at %s (HUSKYHOOK_CONFIG): give -c FILE, "
			    "or make one with huskyhook init DIR", path);
		else
			fail("no config at %s: give -c FILE, set "
			    "HUSKYHOOK_CONFIG, or make one with huskyhook init "
			    "DIR", path);
		return -1;
	}
	/* A config in a layout of another user's is read as that user,
	 * and so are the files it names. */
	if (cli_become_owner_of(path) != 0 || cli_owner_only(c, path, R_OK) != 0)
		return -1;
	if (config_load(path, cfg, err, sizeof err) == -1) {
		fail("%s", err);
		return -1;
	}
	if (cli_become_owner_of(cfg->spool) != 0 ||
	    ((c->entry->flags & CLI_WRITES) && cli_owner_only(c, cfg->spool,
	    W_OK | X_OK) != 0)) {
		config_free(cfg);
		return -1;
	}
	umask(cfg->umask);
	/* Only a command that writes opens the log (and so may create it):
	 * the others tell what they have to say on stderr. */
	if ((c->entry->flags & CLI_WRITES) && log_set_target(cfg->log) == -1)
		fail("log %s: %s", cfg->log, strerror(errno));
	return 0;
}

static struct spool *
cli_open_spool(const struct cli *c, const struct config *cfg)
{
	char err[MESSAGE_BYTES];
	struct spool *sp;

	if ((sp = spool_open(cfg->spool, (c->entry->flags & CLI_WRITES) ?
	    SPOOL_OPEN_MAKE : 0, err, sizeof err)) == NULL)
		fail("%s", err);
	return sp;
}

/*
 * The nearest directory at or above path (or above where it would be)
 * that every user may write, /tmp or /var/tmp say, into out; 1 if there is
 * one. There another local user can make a file, link or socket by a name
 * huskyhook expects before it does (a FastCGI socket that answers in the
 * receiver's place), and the system may clean files away.
 */
static int
cli_open_dir_above(const char *path, char *out, size_t n)
{
	char want[PATH_MAX], buf[PATH_MAX], *slash;
	struct stat sb;

	snprintf(want, sizeof want, "%s", path);
	while (realpath(want, buf) == NULL) {
		if ((slash = strrchr(want, '/')) == NULL)
			snprintf(want, sizeof want, ".");
		else if (slash == want)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (strcmp(want, ".") == 0 && realpath(want, buf) == NULL)
			return 0;
	}
	for (;;) {
		if (stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    (sb.st_mode & S_IWOTH) != 0) {
			snprintf(out, n, "%s", buf);
			return 1;
		}
		if ((slash = strrchr(buf, '/')) == NULL || buf[1] == '\0')
			return 0;
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

/* Loads the config, opens the spool, runs fn with both, closes them. */
static int
cli_with_spool(struct cli *c, int (*fn)(struct cli *, const struct config *,
    struct spool *))
{
	struct config cfg;
	struct spool *sp;
	int rc;

	if (cli_load_config(c, &cfg) == -1)
		return 1;
	if ((sp = cli_open_spool(c, &cfg)) == NULL) {
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
 * are: this is for reading, and JSON bodies are full of them. For
 * --json output, json_string escapes as JSON instead (text_json_escape).
 */
enum cli_put_how { CLI_LINE, CLI_TEXT };

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
		n = text_utf8_len(p + i, len - i);
		if (n == -1 && used != NULL)
			break;
		if (n == 1 && ((p[i] >= 0x20 && p[i] != 0x7f) ||
		    (how == CLI_TEXT && (p[i] == '\n' || p[i] == '\t')))) {
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
	char buf[IO_BLOCK_BYTES];
	size_t have = 0, used;
	ssize_t n;

	while ((n = io_read_full(fd, buf + have, sizeof buf - have)) > 0) {
		have += (size_t)n;
		cli_put(stdout, buf, have, CLI_TEXT, &used);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	cli_put(stdout, buf, have, CLI_TEXT, NULL);
}

/* A field from the spool as a JSON string (text_json_escape). */
static void
json_string(FILE *out, const char *s)
{
	char esc[6 * SPOOL_HOOKS_DONE_BYTES + 1];

	text_json_escape(esc, sizeof esc, s);
	fprintf(out, "\"%s\"", esc);
}

static void
format_utc(char *buf, size_t n, time_t t)
{
	if (t == 0)
		snprintf(buf, n, "-");
	else
		log_format_time(buf, n, t, -1);
}

/* ------------------------------------------------------------------ */

static int
cmd_run(struct cli *c)
{
	struct run_options opt = { c->verbose, c->watch, c->jobs };
	struct config cfg;
	char err[MESSAGE_BYTES];
	int rc = 0;

	if (cli_load_config(c, &cfg) == -1)
		return 1;
	if (cfg.hooks == NULL)
		rc = fail("%s: 'hooks' is not set; run needs it", cfg.path);
	else if (run_spool(&cfg, &opt, stdout, err, sizeof err) == -1)
		rc = fail("%s", err);
	config_free(&cfg);
	return rc;
}

/*
 * The states as status, list and show tell them: the spool's pending
 * state is two, pending (never tried) and retrying (tried and failed,
 * due again later).
 */
enum cli_state {
	CLI_PENDING,
	CLI_RETRYING,
	CLI_FAILED,
	CLI_DONE,
	CLI_NSTATES
};

static const char *
cli_state_name(enum cli_state cs)
{
	switch (cs) {
	case CLI_PENDING:
		return spool_state_name(SPOOL_PENDING);
	case CLI_RETRYING:
		return "retrying";
	case CLI_FAILED:
		return spool_state_name(SPOOL_FAILED);
	case CLI_DONE:
		return spool_state_name(SPOOL_DONE);
	default:
		return "?";
	}
}

/* The spool state a state of ours lives in. */
static enum spool_state
cli_state_spool(enum cli_state cs)
{
	switch (cs) {
	case CLI_FAILED:
		return SPOOL_FAILED;
	case CLI_DONE:
		return SPOOL_DONE;
	default:
		return SPOOL_PENDING;
	}
}

static enum cli_state
cli_state_of(const struct spool_meta *m, enum spool_state st)
{
	switch (st) {
	case SPOOL_FAILED:
		return CLI_FAILED;
	case SPOOL_DONE:
		return CLI_DONE;
	default:
		return m->attempts > 0 ? CLI_RETRYING : CLI_PENDING;
	}
}

/* The state named s, or CLI_NSTATES if none is. */
static enum cli_state
cli_state_named(const char *s)
{
	enum cli_state cs;

	for (cs = 0; cs < CLI_NSTATES; cs++)
		if (strcmp(s, cli_state_name(cs)) == 0)
			break;
	return cs;
}

/* "  (oldest received 5m ago)" after a count of events. */
static void
status_oldest(long oldest)
{
	char agebuf[32];

	if (oldest < 0)
		return;
	text_format_age(agebuf, sizeof agebuf, oldest);
	printf("  (oldest received %s ago)", agebuf);
}

static void
status_json_age(const char *key, long age)
{
	printf(",\"%s\":", key);
	if (age >= 0)
		printf("%ld", age);
	else
		printf("null");
}

/* "run      held by HOST pid N since TIME" while a run holds the
 * spool's lock, on this host or another. */
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

struct status_tally {
	long	count[CLI_NSTATES];
	long	oldest[CLI_NSTATES];
	time_t	now;
};

/* One pending event into the tally (spool_each: one meta at a time). */
static int
status_tally_one(const struct spool_meta *m, void *arg)
{
	struct status_tally *t = arg;
	enum cli_state cs = cli_state_of(m, SPOOL_PENDING);
	long age = (long)(t->now - m->received.tv_sec);

	t->count[cs]++;
	if (age > t->oldest[cs])
		t->oldest[cs] = age;
	return 0;
}

/*
 * Counts per state. The oldest event is told for pending and retrying
 * each, on its own line: a pending count beside the age of an event that
 * is retrying would say something old waits for its first run.
 */
static int
status_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct status_tally t;
	long *count = t.count, *oldest = t.oldest;
	enum cli_state cs;
	time_t now = time(NULL), last;
	char stamp[32], agebuf[32];

	for (cs = 0; cs < CLI_NSTATES; cs++) {
		count[cs] = 0;
		oldest[cs] = -1;
	}
	t.now = now;
	if (spool_each(sp, SPOOL_PENDING, status_tally_one, &t) == -1)
		return fail("%s: %s events: %s", cfg->spool,
		    spool_state_name(SPOOL_PENDING), strerror(errno));
	count[CLI_DONE] = spool_count(sp, SPOOL_DONE);
	count[CLI_FAILED] = spool_count(sp, SPOOL_FAILED);
	last = spool_stamp_get(sp, SPOOL_STAMP_LAST_RUN);

	format_utc(stamp, sizeof stamp, last);
	if (c->json) {
		printf("{\"pending\":%ld,\"retrying\":%ld,\"failed\":%ld,"
		    "\"done\":%ld", count[CLI_PENDING], count[CLI_RETRYING],
		    count[CLI_FAILED], count[CLI_DONE]);
		status_json_age("oldest_pending_age_seconds",
		    oldest[CLI_PENDING]);
		status_json_age("oldest_retrying_age_seconds",
		    oldest[CLI_RETRYING]);
		printf(",\"last_run\":");
		if (last != 0)
			printf("\"%s\",\"last_run_age_seconds\":%ld}\n", stamp,
			    (long)(now - last));
		else
			printf("null,\"last_run_age_seconds\":null}\n");
		return 0;
	}
	printf("pending   %ld", count[CLI_PENDING]);
	status_oldest(oldest[CLI_PENDING]);
	printf("\nretrying  %ld", count[CLI_RETRYING]);
	status_oldest(oldest[CLI_RETRYING]);
	printf("\nfailed    %ld\ndone      %ld\n", count[CLI_FAILED],
	    count[CLI_DONE]);
	if (last != 0) {
		text_format_age(agebuf, sizeof agebuf, (long)(now - last));
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
	return cli_with_spool(c, status_in);
}

/* What list keeps of an event while it orders them: its key, not the
 * whole meta (about 5 KB), which is read again to be shown. */
struct list_key {
	time_t	 created;
	char	*id;
};

struct list_keys {
	struct list_key	*v;
	size_t		 n, cap;
	enum spool_state st;
	enum cli_state	 want;	/* CLI_NSTATES: all */
};

static int
list_key_order(const void *a, const void *b)
{
	const struct list_key *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int
list_key_add(const struct spool_meta *m, void *arg)
{
	struct list_keys *k = arg;
	struct list_key *grown;

	if (k->want != CLI_NSTATES && cli_state_of(m, k->st) != k->want)
		return 0;
	if (k->n == k->cap) {
		if ((grown = reallocarray(k->v, k->cap ? k->cap * 2 : 256,
		    sizeof *grown)) == NULL)
			return -1;
		k->v = grown;
		k->cap = k->cap ? k->cap * 2 : 256;
	}
	if ((k->v[k->n].id = strdup(m->id)) == NULL)
		return -1;
	k->v[k->n++].created = m->created;
	return 0;
}

static void
list_keys_free(struct list_keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i].id);
	free(k->v);
	k->v = NULL;
	k->n = k->cap = 0;
}

/*
 * The attempts made, numbered as the hook log and HUSKY_ATTEMPT number
 * them. The meta counts the attempts that failed; a done event's last
 * attempt, the one that succeeded, is one more (1 for a first-try
 * success). Pending or retrying: the failed attempts so far; failed:
 * every attempt failed.
 */
static long
cli_attempts(const struct spool_meta *m, enum spool_state st)
{
	return st == SPOOL_DONE ? m->attempts + 1 : m->attempts;
}

static void
list_one(const struct cli *c, const struct spool_meta *m, enum spool_state st,
    int first)
{
	enum cli_state cs = cli_state_of(m, st);

	if (c->json) {
		printf("%s{\"event_id\":", first ? "" : ",");
		json_string(stdout, m->id);
		printf(",\"state\":\"%s\",\"event_type\":", cli_state_name(cs));
		json_string(stdout, m->type);
		printf(",\"created_at\":");
		json_string(stdout, m->created_at);
		printf(",\"attempts\":%ld,\"last_error\":",
		    cli_attempts(m, st));
		json_string(stdout, m->last_error);
		printf("}");
		return;
	}
	cli_put_padded(m->id, 24);
	printf(" %-8s ", cli_state_name(cs));
	cli_put_padded(m->type, 18);
	putchar(' ');
	cli_put_line(m->created_at);
	printf("  attempts %ld", cli_attempts(m, st));
	if (m->last_error[0] != '\0') {
		printf("  ");
		cli_put_line(m->last_error);
	}
	putchar('\n');
}

/* Every event of the state asked for (all: each in turn), oldest
 * created first: the keys of one spool state are ordered, then each meta
 * is read again as it is shown (one that changed state meanwhile is left
 * out), so that a backlog costs its keys, not its metas. */
static int
list_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct list_keys k;
	struct spool_meta m;
	enum spool_state st;
	size_t i;
	int first = 1, rc = 0;

	memset(&k, 0, sizeof k);
	k.want = CLI_NSTATES;
	if (c->nargs == 1)
		k.want = cli_state_named(c->args[0]);
	if (c->json)
		printf("[");
	for (st = 0; st < SPOOL_NSTATES; st++) {
		if (k.want != CLI_NSTATES && cli_state_spool(k.want) != st)
			continue;
		k.st = st;
		if (spool_each(sp, st, list_key_add, &k) != 0) {
			rc = fail("%s: %s events: %s", cfg->spool,
			    spool_state_name(st), strerror(errno));
			list_keys_free(&k);
			continue;
		}
		if (k.n > 1)
			qsort(k.v, k.n, sizeof *k.v, list_key_order);
		for (i = 0; i < k.n; i++) {
			if (spool_load(sp, st, k.v[i].id, &m) == -1 ||
			    (k.want != CLI_NSTATES &&
			    cli_state_of(&m, st) != k.want))
				continue;
			list_one(c, &m, st, first);
			first = 0;
		}
		list_keys_free(&k);
	}
	if (c->json)
		printf("]\n");
	return rc;
}

static int
cmd_list(struct cli *c)
{
	if (c->nargs == 1 && cli_state_named(c->args[0]) == CLI_NSTATES)
		return usage(c->entry, "unknown state '%s'", c->args[0]);
	return cli_with_spool(c, list_in);
}

/* One line of show: a label, then a value from the spool. */
static void
show_field(const char *label, const char *value)
{
	printf("%-14s", label);
	cli_put_line(value);
	putchar('\n');
}

/* spool_find's failure, for id. */
static int
cli_find_failed(const char *id)
{
	if (errno == EINVAL)
		return fail("%s: its meta is damaged or not huskyhook's (see "
		    "huskyhook run)", id);
	return fail("%s: no such event", id);
}

static int
show_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct spool_meta m;
	enum spool_state st;
	char path[PATH_MAX], stamp[64];
	int found, fd;

	(void)cfg;
	if ((found = spool_find(sp, c->args[0], &m)) == -1)
		return cli_find_failed(c->args[0]);
	st = (enum spool_state)found;
	log_format_time(stamp, sizeof stamp, m.received.tv_sec, -1);
	show_field("event_id", m.id);
	printf("state         %s\n", cli_state_name(cli_state_of(&m, st)));
	show_field("event_type", m.type);
	show_field("created_at", m.created_at);
	printf("received_at   %s\n", stamp);
	show_field("org_id", m.org_id);
	show_field("remote_addr", m.remote_addr[0] ? m.remote_addr : "-");
	printf("attempts      %ld\n", cli_attempts(&m, st));
	format_utc(stamp, sizeof stamp, m.next_attempt);
	if (cli_state_of(&m, st) == CLI_RETRYING)
		printf("next_attempt  %s\n", stamp);
	format_utc(stamp, sizeof stamp, m.finished);
	if (st != SPOOL_PENDING)
		printf("finished      %s\n", stamp);
	show_field("hooks_done", m.hooks_done[0] ? m.hooks_done :
	    st == SPOOL_DONE ? "(all)" : "-");
	if (m.last_error[0])
		show_field("last_error", m.last_error);
	if (spool_body_path(sp, m.id, path, sizeof path) == -1)
		snprintf(path, sizeof path, "?");
	printf("\n--- body (");
	cli_put_line(path);
	printf(")\n");
	if ((fd = spool_body_open(sp, m.id)) != -1) {
		cli_put_fd(fd);
		close(fd);
	}
	if (spool_log_path(sp, m.id, path, sizeof path) == -1)
		snprintf(path, sizeof path, "?");
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
	return cli_with_spool(c, show_in);
}

static int
requeue_one(struct spool *sp, const char *id)
{
	if (spool_requeue(sp, id) == -1) {
		if (errno == EBUSY)
			return fail("%s: pending, and a run holds the lock: "
			    "it runs the event when it falls due", id);
		return errno == ENOENT || errno == EINVAL ? cli_find_failed(id) :
		    fail("%s: %s", id, strerror(errno));
	}
	printf("%s: requeued\n", id);
	return 0;
}

/* requeue and purge change finished events, which a run's recovery and
 * housekeeping look at: they hold the spool's state lock (not the run
 * lock, so they work beside `run --watch`), waiting a little for it. */
static int
cli_lock(const struct config *cfg, struct spool *sp)
{
	int r = spool_state_lock(sp, SPOOL_LOCK_WAIT_SEC);

	if (r == 1)
		return 0;
	if (r == 0)
		return fail("%s/state.lock: held for %lds by another requeue or "
		    "purge, or a run's recovery; try again when it ends",
		    cfg->spool, SPOOL_LOCK_WAIT_SEC);
	return fail("%s/state.lock: %s", cfg->spool, strerror(errno));
}

/* What requeue --failed and purge carry through spool_each. */
struct cli_sweep {
	struct spool	*sp;
	enum spool_state st;
	long		 older_than;	/* purge: -1, or seconds */
	time_t		 now;
	int		 done, rc;
};

static int
requeue_each(const struct spool_meta *m, void *arg)
{
	struct cli_sweep *w = arg;

	if (requeue_one(w->sp, m->id) != 0)
		w->rc = 1;
	return 0;
}

static int
requeue_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct cli_sweep w = { sp, SPOOL_FAILED, -1, 0, 0, 0 };
	int k;

	if (cli_lock(cfg, sp) != 0)
		return 1;
	for (k = 0; k < c->nargs; k++)
		if (requeue_one(sp, c->args[k]) != 0)
			w.rc = 1;
	if (c->failed && spool_each(sp, SPOOL_FAILED, requeue_each, &w) == -1)
		w.rc = fail("%s: %s events: %s", cfg->spool,
		    spool_state_name(SPOOL_FAILED), strerror(errno));
	return w.rc;
}

static int
cmd_requeue(struct cli *c)
{
	if (c->failed == (c->nargs > 0))
		return usage(c->entry, "requeue takes EVENT_IDs or --failed");
	return cli_with_spool(c, requeue_in);
}

static int
purge_each(const struct spool_meta *m, void *arg)
{
	struct cli_sweep *w = arg;

	if (w->older_than >= 0 && m->finished > w->now - w->older_than)
		return 0;
	if (spool_remove(w->sp, m->id, w->st) == -1)
		w->rc = fail("%s: %s", m->id, strerror(errno));
	else
		w->done++;
	return 0;
}

static int
purge_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct cli_sweep w = { sp, c->failed ? SPOOL_FAILED : SPOOL_DONE,
	    c->older_than, time(NULL), 0, 0 };

	if (cli_lock(cfg, sp) != 0)
		return 1;
	if (spool_each(sp, w.st, purge_each, &w) == -1)
		return fail("%s: %s events: %s", cfg->spool,
		    spool_state_name(w.st), strerror(errno));
	printf("%d %s events purged\n", w.done, spool_state_name(w.st));
	return w.rc;
}

static int
cmd_purge(struct cli *c)
{
	if (c->failed == c->done)
		return usage(c->entry, "purge takes --failed or --done");
	return cli_with_spool(c, purge_in);
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
		if ((n = io_read_full(fd, buf + off, cap - off)) == -1) {
			free(buf);
			return -1;
		}
		off += (size_t)n;
		if (off < cap)
			break;	/* the end of the input */
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
	char err[MESSAGE_BYTES], hex[SIGNATURE_HEX_CHARS + 1], *body;
	int fd = STDIN_FILENO, rc = 1;

	if (c->secret_file != NULL) {
		if (config_read_secret_file(c->secret_file, &key, &keylen, err,
		    sizeof err) == -1)
			return fail("%s", err);
	} else {
		if (cli_load_config(c, &cfg) == -1)
			return 1;
		keylen = cfg.secrets[0].len;
		if ((key = malloc(keylen)) == NULL) {
			config_free(&cfg);
			return fail("out of memory");
		}
		memcpy(key, cfg.secrets[0].key, keylen);
		config_free(&cfg);
	}
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

enum check_level {
	CHECK_OK,
	CHECK_WARNING,
	CHECK_PROBLEM
};

struct check {
	int problems;
	int warnings;
	char open_dir[PATH_MAX];	/* said already (check_not_open) */
};

static void check_say(struct check *, enum check_level, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
check_say(struct check *ck, enum check_level level, const char *fmt, ...)
{
	static const char *const names[] = { "ok", "warning", "problem" };
	va_list ap;

	printf("%s: ", names[level]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (level == CHECK_WARNING)
		ck->warnings++;
	if (level == CHECK_PROBLEM)
		ck->problems++;
}

/* Whether hook_find takes the hooks of type in dir; 1 if type has one
 * of its own (not default's). */
static int
check_hooks_of(struct check *ck, const char *dir, const char *type)
{
	struct hook_list hooks;
	char err[MESSAGE_BYTES];
	int own;

	if (hook_find(dir, type, &hooks, err, sizeof err) == -1) {
		check_say(ck, CHECK_PROBLEM, "%s", err);
		return 0;
	}
	own = hooks.n > 0 && strcmp(hooks.names[0], "default") != 0;
	hook_list_free(&hooks);
	return own;
}

static void
check_hooks_dir(struct check *ck, const char *dir)
{
	size_t i;
	int any = 0, problems = ck->problems;

	for (i = 0; i < CLI_NEVENT_TYPES; i++)
		any |= check_hooks_of(ck, dir, cli_event_types[i]);
	(void)check_hooks_of(ck, dir, "default");
	if (!any)
		check_say(ck, CHECK_WARNING, "no hook for any of the five "
		    "HuskyVoice event types in %s: their events will be marked "
		    "done without running anything", dir);
	else if (ck->problems == problems)	/* no ok after a problem */
		check_say(ck, CHECK_OK, "hooks in %s", dir);
}

/* The filesystem under the spool: a warning where several hosts could
 * not share it safely (fsinfo.c). */
static void
check_spool_fs(struct check *ck, const char *spool)
{
	struct fsinfo fi;
	char real[PATH_MAX], msg[MESSAGE_BYTES];
	FILE *mi;
	int r;

	if (realpath(spool, real) == NULL ||
	    (mi = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	r = fsinfo_find(mi, real, &fi);
	fclose(mi);
	if (r == 0 && fsinfo_judge(&fi, msg, sizeof msg) == 1)
		check_say(ck, CHECK_WARNING, "spool %s is on %s: %s", spool,
		    fi.mountpoint, msg);
	else if (r == 0)
		check_say(ck, CHECK_OK, "spool %s is on %s (%s)", spool,
		    fi.mountpoint, fi.fstype);
}

/*
 * Every file and directory in the spool must be writable by whoever runs
 * the receiver and run (this user: root's check acts as the spool's
 * owner): a directory or meta another user left there makes the receiver
 * answer 503, or run take a meta for torn. One line per directory, with
 * the first such name.
 */
/* The entries of dir this user cannot write: how many, and the first. */
static long
check_unwritable_in(const char *dir, char *first, size_t n)
{
	struct dirent *de;
	DIR *d;
	long count = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    faccessat(dirfd(d), de->d_name, W_OK, AT_EACCESS |
		    AT_SYMLINK_NOFOLLOW) == 0 || errno == ENOENT)
			continue;
		if (count++ == 0)
			snprintf(first, n, "%s", de->d_name);
	}
	closedir(d);
	return count;
}

/*
 * Every file and directory in the spool must be writable by whoever runs
 * the receiver and run (this user: root's check acts as the spool's
 * owner): a directory or meta another user left there makes the receiver
 * answer 503, or run take a meta for torn. One line per directory, with
 * the first such name.
 */
static void
check_spool_writable(struct check *ck, const char *spool)
{
	char path[PATH_MAX], first[NAME_MAX + 1];
	size_t i;
	long n;
	int r = 1;

	snprintf(path, sizeof path, "%s", spool);
	for (i = 0; r != 0; r = spool_dir_path(spool, i++, path,
	    sizeof path)) {
		if (r == -1 || (n = check_unwritable_in(path, first,
		    sizeof first)) == 0)
			continue;
		check_say(ck, CHECK_PROBLEM, "%ld file%s in %s %s not writable "
		    "by this user (%s%s): chown -R them to the user the "
		    "receiver and run run as", n, n == 1 ? "" : "s", path,
		    n == 1 ? "is" : "are", first, n == 1 ? "" : ", ...");
	}
}

static void
check_spool(struct check *ck, const char *spool)
{
	struct stat sb, root;
	char path[PATH_MAX];
	size_t i;
	int r, problems = ck->problems;

	if (stat(spool, &root) == -1 || !S_ISDIR(root.st_mode)) {
		check_say(ck, CHECK_PROBLEM, "spool %s is not a directory",
		    spool);
		return;
	}
	if (access(spool, W_OK | X_OK) == -1)
		check_say(ck, CHECK_PROBLEM, "spool %s is not writable by this "
		    "user", spool);
	if ((root.st_mode & 007) != 0)
		check_say(ck, CHECK_WARNING, "spool %s is open to others (mode "
		    "%03o): events hold personal data", spool,
		    (unsigned)(root.st_mode & 0777));
	for (i = 0; (r = spool_dir_path(spool, i, path, sizeof path)) != 0;
	    i++) {
		if (r == -1 || stat(path, &sb) == -1)
			continue;	/* made on first use */
		if (sb.st_dev != root.st_dev)
			check_say(ck, CHECK_PROBLEM, "%s is on another "
			    "filesystem than the spool: link(2) and rename(2) "
			    "cannot work across them", path);
		else if (access(path, W_OK | X_OK) == -1)
			check_say(ck, CHECK_PROBLEM, "%s is not writable by this "
			    "user", path);
	}
	if (ck->problems == problems)	/* no ok after a problem */
		check_say(ck, CHECK_OK, "spool %s", spool);
	check_spool_fs(ck, spool);
}

/* what at path is a problem under a directory every user may write;
 * said once for each such directory. */
static void
check_not_open(struct check *ck, const char *what, const char *path)
{
	char open_dir[PATH_MAX];

	if (cli_open_dir_above(path, open_dir, sizeof open_dir) != 1 ||
	    strcmp(open_dir, ck->open_dir) == 0)
		return;
	snprintf(ck->open_dir, sizeof ck->open_dir, "%s", open_dir);
	check_say(ck, CHECK_PROBLEM, "%s %s is under %s, which every user may "
	    "write: another user can put a file, link or socket where "
	    "huskyhook expects its own, and the system may clean it away; move "
	    "it, and all else of huskyhook's there, to a directory of yours",
	    what, path, open_dir);
}

/* The log: check does not open it (a command that only reads creates
 * nothing), but says whether the owner could. */
static void
check_log(struct check *ck, const char *log)
{
	char dir[PATH_MAX], *slash;

	if (strcmp(log, "stderr") == 0 || strcmp(log, "syslog") == 0)
		return;
	check_not_open(ck, "log", log);
	if (access(log, W_OK) == 0)
		return;
	if (errno != ENOENT) {
		check_say(ck, CHECK_PROBLEM, "log %s is not writable by this "
		    "user: the receiver's and run's messages go to stderr "
		    "instead (the web server's error log, or nowhere)", log);
		return;
	}
	snprintf(dir, sizeof dir, "%s", log);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	if (access(dir, W_OK | X_OK) == -1)
		check_say(ck, CHECK_PROBLEM, "log %s cannot be created by this "
		    "user (%s: %s)", log, dir, strerror(errno));
}

static int
cmd_check(struct cli *c)
{
	struct check ck = { 0, 0, "" };
	struct config cfg;
	struct stat sb;
	int s;

	if (cli_load_config(c, &cfg) == -1) {
		printf("problem: the config does not load (see above)\n");
		return 1;
	}
	check_say(&ck, CHECK_OK, "%s loads", cfg.path);
	for (s = 0; s < cfg.nsecrets; s++) {
		if (cfg.secrets[s].file == NULL)
			continue;
		if (stat(cfg.secrets[s].file, &sb) == 0 &&
		    (sb.st_mode & 077) != 0)
			check_say(&ck, CHECK_PROBLEM, "secret_file %s is "
			    "readable or writable by others (mode %03o): chmod "
			    "600 it", cfg.secrets[s].file,
			    (unsigned)(sb.st_mode & 0777));
		else
			check_say(&ck, CHECK_OK, "secret_file %s is private",
			    cfg.secrets[s].file);
	}
	if (cfg.inline_secret_line != 0)
		check_say(&ck, CHECK_WARNING, "%s:%d: an inline secret: anyone "
		    "who can read the config can forge events; prefer "
		    "secret_file", cfg.path, cfg.inline_secret_line);

	check_spool(&ck, cfg.spool);
	check_spool_writable(&ck, cfg.spool);
	check_not_open(&ck, "spool", cfg.spool);
	check_not_open(&ck, "config", cfg.path);
	for (s = 0; s < cfg.nsecrets; s++)
		if (cfg.secrets[s].file != NULL)
			check_not_open(&ck, "secret_file", cfg.secrets[s].file);
	check_log(&ck, cfg.log);

	if (cfg.hooks == NULL)
		check_say(&ck, CHECK_PROBLEM, "'hooks' is not set: `huskyhook "
		    "run` needs it");
	else if (stat(cfg.hooks, &sb) == -1 || !S_ISDIR(sb.st_mode))
		check_say(&ck, CHECK_PROBLEM, "hooks %s is not a directory",
		    cfg.hooks);
	else
		check_hooks_dir(&ck, cfg.hooks);
	if (cfg.hooks != NULL)
		check_not_open(&ck, "hooks", cfg.hooks);

	if (cfg.max_age == 0)
		check_say(&ck, CHECK_WARNING, "max_age = 0: replayed old events "
		    "are accepted");
	printf("%d problem%s, %d warning%s\n", ck.problems,
	    ck.problems == 1 ? "" : "s", ck.warnings,
	    ck.warnings == 1 ? "" : "s");
	config_free(&cfg);
	return ck.problems > 0;
}

/* ------------------------------------------------------------------ */

/* A new file holding text, durable when this returns: a power cut soon
 * after init must not leave an empty config (the receiver would answer
 * 500 to every delivery) or an empty secret. The directory entry is made
 * durable by init_sync_dir, once per directory. */
static int
write_new_file(const char *path, mode_t mode, const char *text)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1)
		return fail("%s: %s", path, strerror(errno));
	if (io_write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1) {
		fail("%s: %s", path, strerror(errno));
		close(fd);
		return 1;
	}
	if (close(fd) == -1)
		return fail("%s: %s", path, strerror(errno));
	return 0;
}

/* fsync(2) of a directory init made or wrote into. */
static int
init_sync_dir(const char *dir)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return fail("%s: %s", dir, strerror(errno));
	if (fsync(fd) == -1)
		rc = fail("%s: %s", dir, strerror(errno));
	close(fd);
	return rc;
}

/* mkdir DIR/name (mode 700), made durable in DIR; one there already is
 * taken as it is. */
static int
init_mkdir(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    (int)sizeof path)
		return fail("%s/%s: path too long", dir, name);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return fail("%s: %s", path, strerror(errno));
	return init_sync_dir(dir);
}

/* init_hook: examples/hooks/log-csv, as a C string. */
#include "init-hook.h"

/* This program's absolute path: cron's PATH is minimal, and a prefix's
 * bin/ may be on nobody's PATH after make install. */
static const char *
init_self(void)
{
	static char self[PATH_MAX];
	ssize_t n;

	if (self[0] == '\0') {
		n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n <= 0 || self[0] != '/')
			snprintf(self, sizeof self, "%s/huskyhook", BINDIR);
		else
			self[n] = '\0';
	}
	return self;
}

/* Whether dir is one of $PATH's directories. */
static int
init_on_path(const char *dir)
{
	const char *p = getenv("PATH"), *end;
	size_t len = strlen(dir);

	for (; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ":");
		if ((size_t)(end - p) == len && strncmp(p, dir, len) == 0)
			return 1;
	}
	return 0;
}

static void
init_cron(const char *dir)
{
	const char *self = init_self();
	char bindir[PATH_MAX];
	char *slash;

	printf("1. Let cron run the hooks every minute (crontab -e):\n\n"
	    "   * * * * * %s run -c %s/huskyhook.conf >> %s/cron.log 2>&1\n\n"
	    "   run prints a line only when a hook fails. Cron would mail it "
	    "to this\n"
	    "   user's local mailbox, which a shared host may not have, so "
	    "the line keeps\n"
	    "   it in %s/cron.log; for mail instead, put MAILTO=you@example.org"
	    "\n   above it and drop the \">> ... 2>&1\".\n\n",
	    self, dir, dir, dir);
	snprintf(bindir, sizeof bindir, "%s", self);
	if ((slash = strrchr(bindir, '/')) != NULL)
		*(slash == bindir ? slash + 1 : slash) = '\0';
	if (!init_on_path(bindir))
		printf("   %s is not on your PATH; to run huskyhook by its "
		    "name,\n"
		    "   add this line to ~/.profile:\n\n"
		    "     export PATH=\"%s:$PATH\"\n\n", bindir, bindir);
}

/*
 * The lines for a server of one's own, to be pasted as they are (a test
 * serves a delivery through exactly these). lighttpd's socket is in DIR,
 * which only its owner may enter: lighttpd connects to a socket that is
 * there before it spawns anything, so one in a directory every user may
 * write (/tmp) lets any local user answer in the receiver's place and
 * keep every webhook.
 */
static void
init_servers(const char *dir)
{
	struct passwd pw, *pwp = NULL;
	char buf[PASSWD_BUF_BYTES];
	const char *user;

	getpwuid_r(geteuid(), &pw, buf, sizeof buf, &pwp);
	user = pwp != NULL ? pwp->pw_name : "the user who ran init";
	printf("2. Point the web server at the receiver. It must run the "
	    "receiver as %s,\n"
	    "   who owns %s: the receiver writes the spool there.\n\n"
	    "   lighttpd (mod_fastcgi), at the end of lighttpd.conf, with "
	    "server.username\n"
	    "   = \"%s\" (the receiver's socket is made in %s/run,\n"
	    "   which no other user can enter):\n\n"
	    "var.huskyhook_receive = \"%s/huskyhook-receive\"\n"
	    "var.huskyhook_config  = \"%s/huskyhook.conf\"\n"
	    "var.huskyhook_socket  = \"%s/run/huskyhook.socket\"\n"
	    "include \"%s/huskyhook/lighttpd/huskyhook-fastcgi.conf\"\n\n",
	    user, dir, user, dir, SBINDIR, dir, dir, DATADIR);
	if (strlen(dir) + sizeof "/run/huskyhook.socket-99" >
	    sizeof(((struct sockaddr_un *)NULL)->sun_path))
		printf("   (%s is too long a path for a Unix socket in it; "
		    "make the layout\n   in a shorter one for lighttpd.)\n\n",
		    dir);
	printf("   Apache (mod_fcgid), in the server config or a "
	    "<VirtualHost>, with Apache's\n"
	    "   User %s (or suexec running the receiver as %s):\n\n"
	    "Define HUSKYHOOK_RECEIVE %s/huskyhook-receive\n"
	    "Define HUSKYHOOK_CONFIG  %s/huskyhook.conf\n"
	    "Include %s/huskyhook/apache/huskyhook-fcgid.conf\n\n"
	    "   shared hosting (Apache, a cgi-bin): let init write the "
	    "receiver's entry\n"
	    "   there (huskyhook.cgi and the .htaccess lines):\n"
	    "     %s init %s --cgi-bin ~/public_html/cgi-bin\n\n"
	    "   See the README for each server.\n\n",
	    user, user, SBINDIR, dir, DATADIR, init_self(), dir);
}

static void
init_dashboard(const char *dir)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *user = pw != NULL ? pw->pw_name : "USER";

	printf("3. In the HuskyVoice dashboard (Integrations -> Outbound "
	    "Webhooks ->\n"
	    "   Add Endpoint), enter the receiver's URL, HOST being your "
	    "site's name:\n\n"
	    "     a server of your own (lighttpd or Apache, as above):\n"
	    "       https://HOST/huskyhook\n"
	    "     shared hosting (the CGI script in cgi-bin):\n"
	    "       https://HOST/~%s/cgi-bin/huskyhook.cgi   (a user "
	    "directory)\n"
	    "       https://HOST/cgi-bin/huskyhook.cgi         (a site of "
	    "your own)\n\n"
	    "   and the secret from %s/secret.\n\n", user, dir);
}

/* init --cgi-bin: what was written, and the one URL for the dashboard. */
static void
init_cgi_report(const struct cli *c, const struct cgibin *cb,
    const char *dir)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *user = pw != NULL ? pw->pw_name : "USER";
	const char *rel = NULL;
	char home[PATH_MAX], url[PATH_MAX * 2];
	size_t n;

	printf("2. The receiver is ready in %s:\n\n"
	    "   huskyhook.cgi   runs %s\n"
	    "                   with HUSKYHOOK_CONFIG=%s/huskyhook.conf\n",
	    cb->dir, cb->receive, dir);
	if (cb->aside)
		printf("   %s\n"
		    "                   the .htaccess lines: %s/.htaccess has "
		    "a huskyhook block\n"
		    "                   already and was left alone; replace "
		    "that block with this one\n", cb->htaccess, cb->dir);
	else
		printf("   .htaccess       %s, its lines for huskyhook.cgi "
		    "only, between\n"
		    "                   \"# BEGIN huskyhook\" and \"# END "
		    "huskyhook\"\n", cb->appended ?
		    "appended to the one there (its other lines unchanged)" :
		    "new");
	printf("\n   The directory must allow CGI programs (Options ExecCGI), "
	    "as a host's\n"
	    "   cgi-bin does. If CGI programs there run as the web server's "
	    "user, not as\n"
	    "   %s (no suexec: see the README's shared hosting section), the "
	    "receiver\n"
	    "   cannot write %s/spool.\n\n", user, dir);
	if (cb->open_dir)
		printf("   %s is writable by others than you: suexec refuses "
		    "to run\n   anything in it; chmod 755 it.\n\n", cb->dir);

	if (c->url != NULL) {
		n = strlen(c->url);
		while (n > 0 && c->url[n - 1] == '/')
			n--;
		snprintf(url, sizeof url, "%.*s/huskyhook.cgi", (int)n, c->url);
		printf("3. In the HuskyVoice dashboard (Integrations -> Outbound "
		    "Webhooks ->\n"
		    "   Add Endpoint), enter this URL:\n\n"
		    "     %s\n\n"
		    "   and the secret from %s/secret.\n\n", url, dir);
		return;
	}
	if (pw != NULL && realpath(pw->pw_dir, home) != NULL) {
		n = strlen(home);
		if (strncmp(cb->dir, home, n) == 0 &&
		    strncmp(cb->dir + n, "/public_html", 12) == 0 &&
		    (cb->dir[n + 12] == '/' || cb->dir[n + 12] == '\0'))
			rel = cb->dir + n + 12;
	}
	printf("3. In the HuskyVoice dashboard (Integrations -> Outbound "
	    "Webhooks ->\n"
	    "   Add Endpoint), enter the receiver's URL, HOST being your "
	    "site's name:\n\n");
	if (rel != NULL)
		printf("     https://HOST/~%s%s/huskyhook.cgi   (your user "
		    "directory)\n"
		    "     https://HOST%s/huskyhook.cgi   (if public_html is "
		    "your site's own root)\n\n", user, rel, rel);
	else
		printf("     https://HOST/PATH/huskyhook.cgi, PATH being where "
		    "%s is served\n\n", cb->dir);
	printf("   (--url URL, the URL of %s, makes init print the exact one)\n"
	    "   and the secret from %s/secret.\n\n", cb->dir, dir);
}

static int
cmd_init(struct cli *c)
{
	unsigned char raw[32];
	char dir[PATH_MAX], path[PATH_MAX + 64], secret[65], text[4096];
	char err[MESSAGE_BYTES];
	struct cgibin cb;
	struct spool *sp;
	struct stat sb;
	size_t i;
	int exists;

	umask(DEFAULT_UMASK);
	if (mkdir(c->args[0], 0700) == -1 && errno != EEXIST)
		return fail("%s: %s", c->args[0], strerror(errno));
	if (realpath(c->args[0], dir) == NULL)
		return fail("%s: %s", c->args[0], strerror(errno));
	/* A directory someone else made (in /tmp, say, before we came) is
	 * theirs to read and to change: nothing is written into it. */
	if (stat(dir, &sb) == -1)
		return fail("%s: %s", dir, strerror(errno));
	if (sb.st_uid != geteuid() || (sb.st_mode & 022) != 0)
		return fail("%s belongs to another user or is writable by "
		    "others (mode %03o): make the layout in a directory of "
		    "your own", dir, (unsigned)(sb.st_mode & 0777));
	snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
	exists = access(path, F_OK) == 0;
	if (exists && c->cgi_bin == NULL)
		return fail("%s exists already; nothing changed", path);
	if (c->url != NULL && c->cgi_bin == NULL)
		return usage(c->entry, "init: --url goes with --cgi-bin");
	if (c->cgi_bin != NULL && cgibin_prepare(&cb, c->cgi_bin, init_self(),
	    SBINDIR) == -1)
		return 1;
	if (exists)	/* --cgi-bin for a layout made before */
		goto entry;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return fail("getrandom: %s", strerror(errno));
	for (i = 0; i < sizeof raw; i++)
		snprintf(secret + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof raw);

	snprintf(path, sizeof path, "%s/secret", dir);
	snprintf(text, sizeof text, "%s\n", secret);
	explicit_bzero(secret, sizeof secret);
	if (write_new_file(path, 0600, text))
		return 1;
	explicit_bzero(text, sizeof text);
	if (init_mkdir(dir, "spool") || init_mkdir(dir, "hooks") ||
	    init_mkdir(dir, "run"))
		return 1;
	/* The spool's own directories, made now by their owner (whoever
	 * runs init): the commands that only read make nothing. */
	snprintf(path, sizeof path, "%s/spool", dir);
	if ((sp = spool_open(path, SPOOL_OPEN_MAKE, err, sizeof err)) == NULL)
		return fail("%s", err);
	spool_close(sp);
	if (init_sync_dir(path))
		return 1;
	/* The example hooks are examples/hooks/log-csv as shipped. */
	for (i = 0; i < CLI_NEVENT_TYPES; i++) {
		snprintf(path, sizeof path, "%s/hooks/%s.disabled", dir,
		    cli_event_types[i]);
		if (write_new_file(path, 0700, init_hook))
			return 1;
	}
	snprintf(path, sizeof path, "%s/hooks", dir);
	if (init_sync_dir(path))
		return 1;
	snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
	snprintf(text, sizeof text,
	    "# huskyhook.conf: see huskyhook.conf(5). Paths are relative to "
	    "this file.\n"
	    "secret_file = secret\n"
	    "spool = spool\n"
	    "hooks = hooks\n"
	    "# Where the receiver and huskyhook log, here rather than in the "
	    "web server's\n"
	    "# error log, which a shared host may not show. A receiver that "
	    "cannot write\n"
	    "# it (another user) logs to the error log instead.\n"
	    "log = huskyhook.log\n"
	    "# Events older than this are refused as replays.\n"
	    "max_age = 3d\n"
	    "keep_days = 7\n"
	    "# Only accept requests the web server received over HTTPS.\n"
	    "# require_https = yes\n"
	    "# Only accept events of your HuskyVoice organisation.\n"
	    "# org_id = org_...\n");
	if (write_new_file(path, 0600, text) || init_sync_dir(dir))
		return 1;
entry:
	snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
	if (c->cgi_bin != NULL && cgibin_write(&cb, path) == -1)
		return 1;

	if (exists)
		printf("The layout in %s is there already; its receiver "
		    "entry is new.\n\n", dir);
	else
		printf("A huskyhook layout is ready in %s:\n\n"
	    "  huskyhook.conf  the config (mode 600)\n"
	    "  secret          a random webhook secret (mode 600): put the "
	    "signing secret\n"
	    "                  HuskyVoice shows for your endpoint here "
	    "instead, if it gives one\n"
	    "  spool/          where events are stored (mode 700)\n"
	    "  hooks/          example hooks, disabled: rename one to its "
	    "event type to enable it\n"
	    "  huskyhook.log   the log, once something is logged\n\n", dir);
	printf("Keep %s outside your web server's document root.\n\n", dir);
	if (cli_open_dir_above(dir, path, sizeof path) == 1)
		printf("%s is under %s, which every user may write: the "
		    "system may clean it\naway, and huskyhook check calls "
		    "that a problem. Use it to try huskyhook\nout only.\n\n",
		    dir, path);
	init_cron(dir);
	if (c->cgi_bin != NULL) {
		init_cgi_report(c, &cb, dir);
		goto check;
	}
	init_servers(dir);
	init_dashboard(dir);
check:
	printf("4. Check the whole setup:  %s check -c %s/huskyhook.conf\n",
	    init_self(), dir);
	return 0;
}

/* ------------------------------------------------------------------ */

static const struct option run_longopts[] = {
	CLI_LONG_CONFIG, CLI_LONG_HELP,
	{ "verbose", no_argument, NULL, 'v' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "watch", no_argument, NULL, CLI_OPT_WATCH },
	CLI_LONG_END
};
static const struct option json_longopts[] = {	/* status, list */
	CLI_LONG_CONFIG, CLI_LONG_HELP,
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	CLI_LONG_END
};
static const struct option config_longopts[] = {	/* show, sign, check */
	CLI_LONG_CONFIG, CLI_LONG_HELP,
	CLI_LONG_END
};
static const struct option requeue_longopts[] = {
	CLI_LONG_CONFIG, CLI_LONG_HELP,
	{ "failed", no_argument, NULL, CLI_OPT_FAILED },
	CLI_LONG_END
};
static const struct option purge_longopts[] = {
	CLI_LONG_CONFIG, CLI_LONG_HELP,
	{ "failed", no_argument, NULL, CLI_OPT_FAILED },
	{ "done", no_argument, NULL, CLI_OPT_DONE },
	{ "older-than", required_argument, NULL, CLI_OPT_OLDER_THAN },
	CLI_LONG_END
};
static const struct option init_longopts[] = {
	CLI_LONG_HELP,
	{ "cgi-bin", required_argument, NULL, CLI_OPT_CGI_BIN },
	{ "url", required_argument, NULL, CLI_OPT_URL },
	CLI_LONG_END
};

static const struct cli_entry cli_entries[] = {
	{ "run", "[-v] [-j N] [--watch]", "run the hooks of due events",
	  CLI_SHORTOPTS("c:hvj:"), run_longopts, 0, 0, CLI_CONFIG | CLI_WRITES,
	  cmd_run },
	{ "status", "[--json]", "counts per state, last run",
	  CLI_SHORTOPTS("c:h"), json_longopts, 0, 0, CLI_CONFIG, cmd_status },
	{ "list", "[pending|retrying|failed|done] [--json]",
	  "one line per event, oldest first",
	  CLI_SHORTOPTS("c:h"), json_longopts, 0, 1, CLI_CONFIG, cmd_list },
	{ "show", "EVENT_ID", "body, state, attempts, hook log",
	  CLI_SHORTOPTS("c:h"), config_longopts, 1, 1, CLI_CONFIG, cmd_show },
	{ "requeue", "EVENT_ID... | --failed",
	  "back to pending, attempts reset",
	  CLI_SHORTOPTS("c:h"), requeue_longopts, 0, -1,
	  CLI_CONFIG | CLI_WRITES, cmd_requeue },
	{ "purge", "--failed|--done [--older-than DURATION]",
	  "remove failed or done events",
	  CLI_SHORTOPTS("c:h"), purge_longopts, 0, 0, CLI_CONFIG | CLI_WRITES,
	  cmd_purge },
	{ "sign", "[-s SECRET_FILE] [FILE]", "X-Husky-Signature for FILE",
	  CLI_SHORTOPTS("c:hs:"), config_longopts, 0, 1, CLI_CONFIG, cmd_sign },
	{ "check", "", "check the config and deployment",
	  CLI_SHORTOPTS("c:h"), config_longopts, 0, 0, CLI_CONFIG, cmd_check },
	{ "init", "DIR [--cgi-bin WEBDIR [--url URL]]",
	  "a ready layout in DIR (and the receiver in WEBDIR)",
	  CLI_SHORTOPTS("h"), init_longopts, 1, 1, 0, cmd_init },
};
#define CLI_NENTRIES (sizeof cli_entries / sizeof cli_entries[0])

/* The column --help gives the commands' descriptions. */
#define CLI_HELP_COLUMN	40

static void
cli_help(FILE *out)
{
	const struct cli_entry *e;
	int w;

	fprintf(out, "usage: huskyhook [-c FILE] COMMAND [ARGS]\n\n");
	for (e = cli_entries; e < cli_entries + CLI_NENTRIES; e++) {
		w = fprintf(out, "  %s%s%s", e->name, e->usage[0] ? " " : "",
		    e->usage);
		if (w >= CLI_HELP_COLUMN) {
			fputc('\n', out);
			w = 0;
		}
		fprintf(out, "%*s%s\n", CLI_HELP_COLUMN - w, "", e->about);
	}
	fprintf(out, "\n"
	    "  -c FILE   the config (default: $HUSKYHOOK_CONFIG, else "
	    SYSCONFDIR "/huskyhook.conf)\n"
	    "  --help, --version; huskyhook COMMAND --help: its usage\n");
}

/* run -j N: 1 to HOOK_JOBS_LIMIT, as the jobs key. */
static int
cli_parse_jobs(const char *s, long *out)
{
	long long v;

	if (meta_number_parse(s, HOOK_JOBS_LIMIT, &v) == -1 || v < 1)
		return -1;
	*out = (long)v;
	return 0;
}

/* The option getopt_long just refused, as it was written. */
static void
cli_bad_option(char **argv, char *buf, size_t n)
{
	const char *a = argv[optind - 1];

	if (optopt > 0 && optopt < CLI_OPT_JSON && strncmp(a, "--", 2) != 0)
		snprintf(buf, n, "-%c", optopt);
	else
		snprintf(buf, n, "%.*s", (int)strcspn(a, "="), a);
}

/*
 * Parses the command's options and operands; argv[0] is the command.
 * Only the command's own options are known to getopt_long, so any other
 * is refused. Returns -1 to go on, else the exit status.
 */
static int
cli_parse(struct cli *c, int argc, char **argv)
{
	const struct cli_entry *e = c->entry;
	char bad[64];
	int ch;

	if ((c->args = calloc((size_t)argc, sizeof *c->args)) == NULL)
		return fail("out of memory");
	optind = 0;	/* getopt afresh, from argv[1] */
	while ((ch = getopt_long(argc, argv, e->shortopts, e->longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 1:
			c->args[c->nargs++] = optarg;
			break;
		case 'c':
			c->config_path = optarg;
			break;
		case 'h':
			cli_usage_line(stdout, e);
			return 0;
		case 's':
			c->secret_file = optarg;
			break;
		case 'v':
			c->verbose = 1;
			break;
		case 'j':
			if (cli_parse_jobs(optarg, &c->jobs) == -1)
				return usage(e, "-j: '%s' is not a number from 1 "
				    "to %ld", optarg, HOOK_JOBS_LIMIT);
			break;
		case CLI_OPT_WATCH:
			c->watch = 1;
			break;
		case CLI_OPT_JSON:
			c->json = 1;
			break;
		case CLI_OPT_FAILED:
			c->failed = 1;
			break;
		case CLI_OPT_DONE:
			c->done = 1;
			break;
		case CLI_OPT_CGI_BIN:
			c->cgi_bin = optarg;
			break;
		case CLI_OPT_URL:
			c->url = optarg;
			break;
		case CLI_OPT_OLDER_THAN:
			if (config_parse_duration(optarg, &c->older_than) == -1)
				return usage(e, "--older-than: '%s' is not a "
				    "duration", optarg);
			break;
		case ':':
			cli_bad_option(argv, bad, sizeof bad);
			return usage(e, "%s: %s needs a value", e->name, bad);
		default:
			cli_bad_option(argv, bad, sizeof bad);
			return usage(e, "%s: unknown option %s", e->name, bad);
		}
	}
	while (optind < argc)		/* after "--" */
		c->args[c->nargs++] = argv[optind++];
	if (c->nargs < e->lower)
		return usage(e, "%s: missing %s", e->name, e->usage);
	if (e->upper != -1 && c->nargs > e->upper)
		return usage(e, e->upper == 0 ? "%s takes no operands" :
		    "%s: too many operands", e->name);
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONG_CONFIG, CLI_LONG_HELP,
		{ "version", no_argument, NULL, CLI_OPT_VERSION },
		CLI_LONG_END
	};
	const struct cli_entry *e;
	struct cli c;
	char bad[64];
	int ch, rc;

	memset(&c, 0, sizeof c);
	c.older_than = -1;
	c.argv = argv;
	c.argc = argc;
	log_init("huskyhook");
	opterr = 0;	/* messages are ours, with the usage */

	/* The options before the command ('+': stop at it). */
	while ((ch = getopt_long(argc, argv, "+:c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.config_path = optarg;
			break;
		case 'h':
			cli_help(stdout);
			return 0;
		case CLI_OPT_VERSION:
			printf("huskyhook %s\n", PACKAGE_VERSION);
			return 0;
		case ':':
			cli_bad_option(argv, bad, sizeof bad);
			return usage(NULL, "%s needs a value", bad);
		default:
			cli_bad_option(argv, bad, sizeof bad);
			return usage(NULL, "unknown option %s (a command's options "
			    "come after it)", bad);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return usage(NULL, "no command given");
	for (e = cli_entries; e < cli_entries + CLI_NENTRIES; e++)
		if (strcmp(argv[0], e->name) == 0)
			break;
	if (e == cli_entries + CLI_NENTRIES)
		return usage(NULL, "unknown command '%s'", argv[0]);
	c.entry = e;
	if (c.config_path != NULL && !(e->flags & CLI_CONFIG))
		return usage(e, "%s reads no config: no -c", e->name);
	if ((rc = cli_parse(&c, argc, argv)) == -1)
		rc = e->exec(&c);
	free(c.args);
	return rc;
}

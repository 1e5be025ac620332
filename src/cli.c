/*
 * huskyhook: the command-line tool. `run` is the spool processor, driven
 * by cron; the rest look after a spool (status, list, show, requeue,
 * purge), help with testing (sign) and deployment (check, init). This
 * file parses the command line against each command's entry (cli.h) and
 * holds what the commands share: errors, the config as the layout's
 * owner, the spool's states, safe printing.
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
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
#include <sys/stat.h>
#include <unistd.h>

#include "bounds.h"
#include "cli.h"
#include "io.h"
#include "log.h"
#include "metrics.h"
#include "text.h"

#ifndef BINDIR
#define BINDIR "/usr/local/bin"
#endif

const char *const cli_event_types[CLI_NEVENT_TYPES] = {
	"call.initiated", "call.answered", "call.completed", "call.failed",
	"call.disallowed"
};

/* The commands, each in its own file, in the order --help lists them:
 * one row each. */
extern const struct cli_entry cmd_run_entry, cmd_status_entry,
    cmd_list_entry, cmd_show_entry, cmd_requeue_entry, cmd_purge_entry,
    cmd_sign_entry, cmd_check_entry, cmd_init_entry;
static const struct cli_entry *const cli_entries[] = {
	&cmd_run_entry, &cmd_status_entry, &cmd_list_entry, &cmd_show_entry,
	&cmd_requeue_entry, &cmd_purge_entry, &cmd_sign_entry,
	&cmd_check_entry, &cmd_init_entry,
};
#define CLI_NENTRIES (sizeof cli_entries / sizeof cli_entries[0])

static void cli_help(FILE *);

static void
cli_usage_line(FILE *out, const struct cli_entry *e)
{
	fprintf(out, "usage: huskyhook %s%s %s\n", (e->flags & CLI_CONFIG) ?
	    "[-c FILE] " : "", e->name, e->usage);
}

/* A usage error: the reason, then the usage of the command, or all of
 * it when there is no command yet. Exit status 2. */
int
cli_usage(const struct cli_entry *e, const char *fmt, ...)
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
int
cli_fail(const char *fmt, ...)
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
 * torn). The owner is sb's, the file just opened or looked at; nothing
 * changes for root's own files, nor for any other user, whose
 * permissions decide as they are. The groups are the owner's, and HOME,
 * USER and LOGNAME too, for hooks.
 */
static int
cli_become_owner(const char *path, const struct stat *sb)
{
	struct passwd pw, *pwp = NULL;
	char buf[PASSWD_BUF_BYTES];
	gid_t gid;

	if (geteuid() != 0 || sb->st_uid == 0)
		return 0;
	getpwuid_r(sb->st_uid, &pw, buf, sizeof buf, &pwp);
	gid = pwp != NULL ? pwp->pw_gid : sb->st_gid;
	if ((pwp != NULL ? initgroups(pwp->pw_name, gid) :
	    setgroups(0, NULL)) == -1 || setgid(gid) == -1 ||
	    setuid(sb->st_uid) == -1)
		return cli_fail("%s belongs to uid %ld: cannot act as that user: "
		    "%s", path, (long)sb->st_uid, strerror(errno));
	if (pwp != NULL && (setenv("HOME", pwp->pw_dir, 1) == -1 ||
	    setenv("USER", pwp->pw_name, 1) == -1 ||
	    setenv("LOGNAME", pwp->pw_name, 1) == -1))
		return cli_fail("setenv: %s", strerror(errno));
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
	char buf[PASSWD_BUF_BYTES], up[PATH_MAX];

	if (geteuid() == 0 || access(path, how) == 0 || errno != EACCES)
		return 0;
	/* Its owner, or that of the nearest directory above it this user
	 * may look into (a layout is mode 700). */
	snprintf(up, sizeof up, "%s", path);
	while (stat(up, &sb) == -1)
		if (errno != EACCES || !text_path_up(up))
			return 0;
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
	fputs(cli_self(), stderr);
	cli_put_command(stderr, c->argv + 1, c->argc - 1);
	fputc('\n', stderr);
	return -1;
}

/*
 * Whether path (resolved) is root's and writable by no one else, and no
 * directory above it is writable by its group or by others (but for the
 * sticky ones, /tmp, where no one else can rename or remove what is
 * root's). 1 if so; 0 naming the first that is not in *who. (A directory
 * above that belongs to another user is not refused: its owner could
 * swap what is below; the hooks directory itself is what is checked
 * whole.)
 */
static int
cli_path_is_roots(const char *path, char *who, size_t n)
{
	char want[PATH_MAX], real[PATH_MAX];
	struct stat sb;
	int top = 1;

	/* A path not there (yet) holds nothing: run says so itself. What
	 * is above it must still be such that no one else can make it. */
	snprintf(want, sizeof want, "%s", path);
	while (realpath(want, real) == NULL) {
		if (errno != ENOENT || !text_path_up(want)) {
			snprintf(who, n, "%s (%s)", path, strerror(errno));
			return 0;
		}
		top = 0;
	}
	for (;; top = 0) {
		if (stat(real, &sb) == -1 || (top && sb.st_uid != 0) ||
		    ((sb.st_mode & 022) != 0 &&
		    (top || (sb.st_mode & S_ISVTX) == 0))) {
			snprintf(who, n, "%s", real);
			return 0;
		}
		if (!text_path_up(real))
			return 1;
	}
}

/*
 * root, with root's own config: a spool that is another user's is worked
 * on as that user (opened, and its owner read from what was opened). On
 * one that is root's, run stays root, and so needs a hooks directory no
 * other user could have put a hook in, nor swapped on its way: root
 * never runs what another user could have put there.
 */
static int
cli_root_spool(const struct cli *c, const struct config *cfg)
{
	char who[PATH_MAX + 64];
	struct stat sb;
	int fd;

	if ((fd = open(cfg->spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || fstat(fd, &sb) == -1) {
		if (fd != -1)
			close(fd);
		return 0;	/* opening the spool says why, as this user */
	}
	close(fd);
	if (sb.st_uid != 0)
		return cli_become_owner(cfg->spool, &sb);
	if ((c->entry->flags & CLI_RUNS_HOOKS) && cfg->hooks != NULL &&
	    !cli_path_is_roots(cfg->hooks, who, sizeof who))
		return cli_fail("hooks %s: %s is not root's alone, and run "
		    "would run its hooks as root; make them root's, or run "
		    "huskyhook as the spool's user", cfg->hooks, who);
	return 0;
}

int
cli_load_config(const struct cli *c, struct config *cfg)
{
	const char *path = c->config_path, *env;
	char err[MESSAGE_BYTES];
	struct stat sb;
	int fd = -1, rc;

	/* Without -c, a config that is not there is most likely a first
	 * try: say how to name one, or make one. */
	if (path == NULL && stat(path = config_default_path(), &sb) == -1 &&
	    errno == ENOENT) {
		env = getenv("HUSKYHOOK_CONFIG");
		if (env != NULL && *env != '\0')
			cli_fail("no config at %s (HUSKYHOOK_CONFIG): give -c FILE, "
			    "or make one with huskyhook init DIR", path);
		else
			cli_fail("no config at %s: give -c FILE, set "
			    "HUSKYHOOK_CONFIG, or make one with huskyhook init "
			    "DIR", path);
		return -1;
	}
	if (cli_owner_only(c, path, R_OK) != 0)
		return -1;
	/*
	 * root: the config is opened once, and its owner decided from what
	 * was opened: another user's is read (and all it names) as that
	 * user, never as root, whatever its path names by the time it is
	 * read; root's own is read from the same descriptor. A path that
	 * does not open is an error, not a reason to read on as root.
	 */
	if (geteuid() == 0) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
		    fstat(fd, &sb) == -1) {
			cli_fail("%s: %s", path, strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
		if (cli_become_owner(path, &sb) != 0) {
			close(fd);
			return -1;
		}
	}
	rc = config_load_fd(fd, path, cfg, err, sizeof err);
	if (fd != -1)
		close(fd);
	if (rc == -1) {
		cli_fail("%s", err);
		return -1;
	}
	if (geteuid() == 0 && cli_root_spool(c, cfg) != 0) {
		config_free(cfg);
		return -1;
	}
	if ((c->entry->flags & CLI_WRITES) && cli_owner_only(c, cfg->spool,
	    W_OK | X_OK) != 0) {
		config_free(cfg);
		return -1;
	}
	umask(cfg->umask);
	/* Only a command that writes opens the log (and so may create it):
	 * the others tell what they have to say on stderr. */
	if ((c->entry->flags & CLI_WRITES) && log_set_target(cfg->log) == -1)
		cli_fail("log %s: %s", cfg->log, strerror(errno));
	return 0;
}

static struct spool *
cli_open_spool(const struct cli *c, const struct config *cfg)
{
	char err[MESSAGE_BYTES];
	struct spool *sp;

	if ((sp = spool_open(cfg->spool, (c->entry->flags & CLI_WRITES) ?
	    SPOOL_OPEN_MAKE : 0, err, sizeof err)) == NULL)
		cli_fail("%s", err);
	return sp;
}

/*
 * The nearest directory at or above path (or above where it would be)
 * that every user may write, /tmp or /var/tmp say, into out; 1 if there is
 * one. There another local user can make a file, link or socket by a name
 * huskyhook expects before it does (a FastCGI socket that answers in the
 * receiver's place), and the system may clean files away.
 */
int
cli_open_dir_above(const char *path, char *out, size_t n)
{
	char want[PATH_MAX], buf[PATH_MAX];
	struct stat sb;

	snprintf(want, sizeof want, "%s", path);
	while (realpath(want, buf) == NULL) {
		if (text_path_up(want))
			continue;
		if (strcmp(want, ".") == 0)
			return 0;
		snprintf(want, sizeof want, ".");	/* a relative name */
	}
	for (;;) {
		if (stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    (sb.st_mode & S_IWOTH) != 0) {
			snprintf(out, n, "%s", buf);
			return 1;
		}
		if (!text_path_up(buf))
			return 0;
	}
}

/* Loads the config, opens the spool, runs fn with both, closes them. */
int
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

void
cli_put_line(const char *s)
{
	cli_put(stdout, s, strlen(s), CLI_LINE, NULL);
}

/* s on one line, padded with blanks to width. */
void
cli_put_padded(const char *s, size_t width)
{
	size_t w = cli_put(stdout, s, strlen(s), CLI_LINE, NULL);

	for (; w < width; w++)
		putchar(' ');
}

/* A file from the spool (a body, a hook log), newlines and tabs kept. */
void
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
void
cli_json_string(FILE *out, const char *s)
{
	char esc[6 * SPOOL_HOOKS_DONE_BYTES + 1];

	text_json_escape(esc, sizeof esc, s);
	fprintf(out, "\"%s\"", esc);
}

void
cli_format_utc(char *buf, size_t n, time_t t)
{
	if (t == 0)
		snprintf(buf, n, "-");
	else
		log_format_time(buf, n, t, -1);
}

const char *
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
enum spool_state
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

/* The states as metrics.c tells them, which status counts with. */
_Static_assert(CLI_PENDING == (int)METRICS_PENDING && CLI_RETRYING ==
    (int)METRICS_RETRYING && CLI_FAILED == (int)METRICS_FAILED &&
    CLI_DONE == (int)METRICS_DONE && CLI_NSTATES == (int)METRICS_NSTATES,
    "cli_state and metrics_state are one list");

enum cli_state
cli_state_of(const struct spool_meta *m, enum spool_state st)
{
	return (enum cli_state)metrics_state_of(m, st);
}

/* The state named s, or CLI_NSTATES if none is. */
enum cli_state
cli_state_named(const char *s)
{
	enum cli_state cs;

	for (cs = 0; cs < CLI_NSTATES; cs++)
		if (strcmp(s, cli_state_name(cs)) == 0)
			break;
	return cs;
}


/*
 * The attempts made, numbered as the hook log and HUSKY_ATTEMPT number
 * them. The meta counts the attempts that failed; a done event's last
 * attempt, the one that succeeded, is one more (1 for a first-try
 * success). Pending or retrying: the failed attempts so far; failed:
 * every attempt failed.
 */
long
cli_attempts(const struct spool_meta *m, enum spool_state st)
{
	return st == SPOOL_DONE ? m->attempts + 1 : m->attempts;
}

/* spool_find's failure, for id. */
int
cli_find_failed(const char *id)
{
	if (errno == EINVAL)
		return cli_fail("%s: its meta is damaged or not huskyhook's (see "
		    "huskyhook run)", id);
	return cli_fail("%s: no such event", id);
}

/* requeue and purge change finished events, which a run's recovery and
 * housekeeping look at: they hold the spool's state lock (not the run
 * lock, so they work beside `run --watch`), waiting a little for it. */
int
cli_lock(const struct config *cfg, struct spool *sp)
{
	int r = spool_state_lock(sp, SPOOL_LOCK_WAIT_SEC);

	if (r == 1)
		return 0;
	if (r == 0)
		return cli_fail("%s/state.lock: held for %lds by another requeue or "
		    "purge, or a run's recovery; try again when it ends",
		    cfg->spool, SPOOL_LOCK_WAIT_SEC);
	return cli_fail("%s/state.lock: %s", cfg->spool, spool_strerror(errno));
}

/* This program's absolute path: cron's PATH is minimal, and a prefix's
 * bin/ may be on nobody's PATH after make install. */
const char *
cli_self(void)
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

const char *
cli_value(const struct cli *c, const char *name)
{
	const struct cli_option *o;

	for (o = c->entry->options; o->letter != 0 || o->name != NULL; o++)
		if ((o->name != NULL && strcmp(o->name, name) == 0) ||
		    (o->letter != 0 && name[0] == o->letter && name[1] == '\0'))
			return c->values[o - c->entry->options];
	return NULL;
}

/* The column --help gives the commands' descriptions. */
#define CLI_HELP_COLUMN	40

static void
cli_help(FILE *out)
{
	const struct cli_entry *e;
	size_t i;
	int w;

	fprintf(out, "usage: huskyhook [-c FILE] COMMAND [ARGS]\n\n");
	for (i = 0; i < CLI_NENTRIES; i++) {
		e = cli_entries[i];
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

/* getopt_long's value for the entry's option i that has no letter. */
#define CLI_LONG_ONLY	256

/* The option getopt_long just refused, as it was written. */
static void
cli_bad_option(char **argv, char *buf, size_t n)
{
	const char *a = argv[optind - 1];

	if (optopt > 0 && optopt < CLI_LONG_ONLY && strncmp(a, "--", 2) != 0)
		snprintf(buf, n, "-%c", optopt);
	else
		snprintf(buf, n, "%.*s", (int)strcspn(a, "="), a);
}

/*
 * getopt_long's two tables for entry e: its own options, then -c (for a
 * command that reads the config) and -h. The short options begin with two
 * flags: '-' hands operands back in place (as option 1), so that options
 * may follow operands as documented (`list failed --json`) whatever
 * POSIXLY_CORRECT says; ':' tells a missing value from an unknown option.
 * Only the command's own options are known, so any other is refused.
 */
static void
cli_getopt_tables(const struct cli_entry *e, char *shortopts,
    struct option *longopts)
{
	const struct cli_option *o;
	char *s = shortopts;
	struct option *l = longopts;

	*s++ = '-';
	*s++ = ':';
	for (o = e->options; o->letter != 0 || o->name != NULL; o++) {
		if (o->letter != 0) {
			*s++ = (char)o->letter;
			if (o->takes_value)
				*s++ = ':';
		}
		if (o->name != NULL)
			*l++ = (struct option){ o->name, o->takes_value ?
			    required_argument : no_argument, NULL,
			    o->letter != 0 ? o->letter :
			    CLI_LONG_ONLY + (int)(o - e->options) };
	}
	if (e->flags & CLI_CONFIG) {
		*s++ = 'c';
		*s++ = ':';
		*l++ = (struct option){ "config", required_argument, NULL, 'c' };
	}
	*s++ = 'h';
	*s = '\0';
	*l++ = (struct option){ "help", no_argument, NULL, 'h' };
	*l = (struct option){ NULL, 0, NULL, 0 };
}

/* The entry's option getopt_long returned as ch, or -1. */
static int
cli_option_index(const struct cli_entry *e, int ch)
{
	const struct cli_option *o;

	if (ch >= CLI_LONG_ONLY)
		return ch - CLI_LONG_ONLY;
	for (o = e->options; o->letter != 0 || o->name != NULL; o++)
		if (o->letter == ch)
			return (int)(o - e->options);
	return -1;
}

/*
 * Parses the command's options and operands; argv[0] is the command.
 * Returns -1 to go on, else the exit status.
 */
static int
cli_parse(struct cli *c, int argc, char **argv)
{
	const struct cli_entry *e = c->entry;
	char shortopts[2 * CLI_MAX_OPTIONS + 8], bad[64];
	struct option longopts[CLI_MAX_OPTIONS + 3];
	int ch, i;

	if ((c->args = calloc((size_t)argc, sizeof *c->args)) == NULL)
		return cli_fail("out of memory");
	cli_getopt_tables(e, shortopts, longopts);
	optind = 0;	/* getopt afresh, from argv[1] */
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) !=
	    -1) {
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
		case ':':
			cli_bad_option(argv, bad, sizeof bad);
			return cli_usage(e, "%s: %s needs a value", e->name, bad);
		default:
			if ((i = cli_option_index(e, ch)) == -1) {
				cli_bad_option(argv, bad, sizeof bad);
				return cli_usage(e, "%s: unknown option %s",
				    e->name, bad);
			}
			c->values[i] = optarg != NULL ? optarg : "";
		}
	}
	while (optind < argc)		/* after "--" */
		c->args[c->nargs++] = argv[optind++];
	if (c->nargs < e->lower)
		return cli_usage(e, "%s: missing %s", e->name, e->usage);
	if (e->upper != -1 && c->nargs > e->upper)
		return cli_usage(e, e->upper == 0 ? "%s takes no operands" :
		    "%s: too many operands", e->name);
	return -1;
}

/*
 * The whole command line: the options before the command, the command,
 * its own options and operands, into c (whose args the caller frees).
 * Returns -1 when the command is to run, else the exit status (after
 * --help, --version or a usage error).
 */
int
cli_parse_line(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_entry *e = NULL;
	char bad[64];
	size_t i;
	int ch;

	memset(c, 0, sizeof *c);
	c->argv = argv;
	c->argc = argc;
	opterr = 0;	/* messages are ours, with the usage */
	optind = 0;

	/* The options before the command ('+': stop at it). */
	while ((ch = getopt_long(argc, argv, "+:c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c->config_path = optarg;
			break;
		case 'h':
			cli_help(stdout);
			return 0;
		case 'V':
			printf("huskyhook %s\n", PACKAGE_VERSION);
			return 0;
		case ':':
			cli_bad_option(argv, bad, sizeof bad);
			return cli_usage(NULL, "%s needs a value", bad);
		default:
			cli_bad_option(argv, bad, sizeof bad);
			return cli_usage(NULL, "unknown option %s (a command's "
			    "options come after it)", bad);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return cli_usage(NULL, "no command given");
	for (i = 0; i < CLI_NENTRIES && e == NULL; i++)
		if (strcmp(argv[0], cli_entries[i]->name) == 0)
			e = cli_entries[i];
	if (e == NULL)
		return cli_usage(NULL, "unknown command '%s'", argv[0]);
	c->entry = e;
	if (c->config_path != NULL && !(e->flags & CLI_CONFIG))
		return cli_usage(e, "%s reads no config: no -c", e->name);
	return cli_parse(c, argc, argv);
}

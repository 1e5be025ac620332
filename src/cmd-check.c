/* huskyhook check: the config and the deployment, one line per finding. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "text.h"
#include "fsinfo.h"
#include "hook.h"
#include "http.h"
#include "log.h"
#include "signature.h"

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

	if (hook_find(dir, type, &hooks, err, sizeof err) < 0) {
		check_say(ck, CHECK_PROBLEM, "%s", err);
		return 0;
	}
	own = hooks.n > 0 && strcmp(hooks.names[0], "default") != 0;
	hook_list_free(&hooks);
	return own;
}

/* The users web servers run as on the systems huskyhook is tested on
 * and their relatives. */
static const char *const check_web_users[] = {
	"www-data", "apache", "nobody", "http", "lighttpd", "nginx", "wwwrun"
};

static int
check_is_web_user(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof check_web_users / sizeof check_web_users[0];
	    i++)
		if (strcmp(name, check_web_users[i]) == 0)
			return 1;
	return 0;
}

/*
 * A web server's user who may write the hooks directory, a directory
 * above it (and so swap it), or the config (and so name other hooks):
 * whatever else runs as that user (a PHP site, another CGI script) could
 * change what the hooks run. One warning, for the first such path; NULL
 * who if there is none.
 */
static const char *
check_web_writer(const struct stat *sb, char *buf, size_t n)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;

	getpwuid_r(sb->st_uid, &pw, buf, n, &pwp);
	if (pwp != NULL && (sb->st_mode & 0200) &&
	    check_is_web_user(pwp->pw_name))
		return pwp->pw_name;
	if ((sb->st_mode & 020) == 0 || (S_ISDIR(sb->st_mode) &&
	    (sb->st_mode & S_ISVTX)))
		return NULL;
	getgrgid_r(sb->st_gid, &gr, buf, n, &grp);
	return grp != NULL && check_is_web_user(grp->gr_name) ?
	    grp->gr_name : NULL;
}

static void
check_hooks_writer(struct check *ck, const char *hooks, const char *config)
{
	char real[PATH_MAX], buf[PASSWD_BUF_BYTES];
	const char *who = NULL;
	struct stat sb;

	if (stat(config, &sb) == 0)
		who = check_web_writer(&sb, buf, sizeof buf);
	if (who != NULL)
		snprintf(real, sizeof real, "%s", config);
	else if (realpath(hooks, real) != NULL)
		for (;;) {
			if (stat(real, &sb) == 0 && (who = check_web_writer(&sb,
			    buf, sizeof buf)) != NULL)
				break;
			if (!text_path_up(real))
				break;
		}
	if (who == NULL)
		return;
	check_say(ck, CHECK_WARNING, "%s is writable by %s, a web server's "
	    "user: anything else that runs as %s (a site's scripts) could "
	    "change what your hooks run. Run the receiver and the hooks as a "
	    "user of their own (the README: \"A user of its own\")", real, who,
	    who);
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
		    "done without running anything (rename an example "
		    "TYPE.disabled to TYPE; huskyhook requeue EVENT_ID runs a "
		    "done event's hooks again)", dir);
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
	char path[PATH_MAX], first[NAME_MAX + 1], shown[4 * NAME_MAX + 1];
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
		    n == 1 ? "is" : "are", log_escape(shown, sizeof shown,
		    first, strlen(first)), n == 1 ? "" : ", ...");
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

/*
 * what at path, under a directory every user may write (/tmp): a problem
 * when another user could have put something where it is (it is in that
 * directory itself, or the directory between is not ours, or others may
 * write it); else a warning, the system may clean it away. Said once for
 * each such directory.
 */
static void
check_not_open(struct check *ck, const char *what, const char *path)
{
	char open_dir[PATH_MAX], want[PATH_MAX], real[PATH_MAX];
	char below[PATH_MAX];
	struct stat sb;
	size_t n;
	int taken = 1;

	if (cli_open_dir_above(path, open_dir, sizeof open_dir) != 1 ||
	    strcmp(open_dir, ck->open_dir) == 0)
		return;
	snprintf(ck->open_dir, sizeof ck->open_dir, "%s", open_dir);
	/* The directory just below the open one, on the way to path. */
	snprintf(want, sizeof want, "%s", path);
	while (realpath(want, real) == NULL && text_path_up(want))
		;
	n = strlen(open_dir);
	if (strncmp(real, open_dir, n) == 0 && real[n] == '/' &&
	    strchr(real + n + 1, '/') != NULL) {
		snprintf(below, sizeof below, "%.*s", (int)(strchr(real + n + 1,
		    '/') - real), real);
		taken = lstat(below, &sb) == -1 || !S_ISDIR(sb.st_mode) ||
		    (sb.st_uid != geteuid() && sb.st_uid != 0) ||
		    (sb.st_mode & 022) != 0;
	}
	if (taken)
		check_say(ck, CHECK_PROBLEM, "%s %s is under %s, which every "
		    "user may write, and another user could have put a file, "
		    "link or socket where huskyhook expects its own; move it, "
		    "and all else of huskyhook's there, to a directory of "
		    "yours", what, path, open_dir);
	else
		check_say(ck, CHECK_WARNING, "%s %s is under %s, which every "
		    "user may write: the directory between is yours, but the "
		    "system may clean it away", what, path, open_dir);
}

/* The log: check does not open it (a command that only reads creates
 * nothing), but says whether the owner could. */
static void
check_log(struct check *ck, const char *log)
{
	char dir[PATH_MAX];

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
	if (!text_path_up(dir))
		snprintf(dir, sizeof dir, ".");
	if (access(dir, W_OK | X_OK) == -1)
		check_say(ck, CHECK_PROBLEM, "log %s cannot be created by this "
		    "user (%s: %s)", log, dir, strerror(errno));
}

/*
 * check --url: whether the web server at url hands requests to a receiver
 * with this config, from the receiver's own answers: a GET is 405, a bad
 * signature 401 (also over a body of max_body bytes, which the server's
 * own limits must let through), and a body signed with this config's
 * secret gets past the signature to the envelope's 400, which stores
 * nothing. Any other answer is named with its likely cause, as far as
 * what the server sent back can tell it: a tenant on a shared host
 * seldom sees the server's error log.
 */
/* How much of an answer's body a finding quotes. */
#define CHECK_SHOWN_BYTES	120

struct check_probe {
	const char	*what;
	const char	*method;
	int		 want;		/* the receiver's status */
	const char	*want_error;	/* the start of its "error" */
};

static const struct check_probe check_probes[] = {
	{ "GET", "GET", 405, "only POST is accepted" },
	{ "a POST with a wrong signature", "POST", 401,
	    "X-Husky-Signature does not match" },
	{ "a POST of max_body bytes with a wrong signature", "POST", 401,
	    "X-Husky-Signature does not match" },
	{ "a POST signed with this config's secret (no event in it)", "POST",
	    400, "" },
};

/* 1 if ans is the receiver's own answer: its JSON, {"error":"..."} or
 * {"status":"..."}. */
static int
check_is_receivers(const struct http_answer *ans)
{
	return strncmp(ans->content_type, "application/json", 16) == 0 &&
	    (strncmp(ans->body, "{\"error\":\"", 10) == 0 ||
	    strncmp(ans->body, "{\"status\":\"", 11) == 0);
}

/* Why an answer that is not the receiver's came back, and the fix. */
static const char *
check_url_cause(const struct http_answer *ans)
{
	const char *b = ans->body;

	switch (ans->status) {
	case 200:
		if (strncmp(b, "#!", 2) == 0)
			return "the web server sent the script's source instead "
			    "of running it: CGI is not on for this file (Apache: "
			    "init's .htaccess block, SetHandler cgi-script, "
			    "needs AllowOverride FileInfo; lighttpd: mod_cgi's "
			    "cgi.assign); it is served as a plain file";
		if (ans->len >= 4 && memcmp(b, "\177ELF", 4) == 0)
			return "the web server sent the receiver program itself "
			    "as a file: it is not set up to run it (CGI or "
			    "FastCGI) at this URL";
		return "something else answered here, not the receiver: check "
		    "the URL (init prints it)";
	case 301: case 302: case 303: case 307: case 308:
		return "a redirect, which HuskyVoice does not follow: use the "
		    "URL it points to (https://, or the path with or without "
		    "a trailing /)";
	case 401:
		return "a password or other access rule of the web server's "
		    "(not the receiver's 401): HuskyVoice cannot pass it";
	case 403:
		return "the web server refused before the receiver ran. Most "
		    "often CGI is off in this directory (Apache's error log: "
		    "\"Options ExecCGI is off in this directory\"): use the "
		    "host's cgi-bin, ask the host, or, where the host allows "
		    "AllowOverride Options, uncomment \"# Options +ExecCGI\" "
		    "in the .htaccess block (a 500 for the whole directory "
		    "then means it does not: comment it again). Else the "
		    "web server's user may not read the script, or a rule "
		    "(Require, deny) covers the URL";
	case 404:
		return "nothing at this URL: compare it with the one init "
		    "printed (~user and cgi-bin path), see that huskyhook.cgi "
		    "is there, or that the web server includes the huskyhook "
		    "lines and was reloaded since";
	case 413:
		return "the web server's own limit refused the body before the "
		    "receiver saw it (the page is not the receiver's): raise "
		    "LimitRequestBody, FcgidMaxRequestLen or lighttpd's "
		    "server.max-request-size (KiB) to max_body, or lower "
		    "max_body to theirs";
	case 500:
		return "the web server failed before the receiver answered; "
		    "the reason is in the web server's error log (a host's "
		    "control panel shows it; suexec has a log of its own): "
		    "often an .htaccess line the host does not allow (\"not "
		    "allowed here\"), suexec refusing a script or directory "
		    "others may write (chmod 755), a wrong path in "
		    "huskyhook.cgi, or, for a large body, mod_fcgid's "
		    "FcgidMaxRequestLen (128 KiB unless set)";
	case 502: case 503: case 504:
		return "the web server could not reach the receiver (FastCGI): "
		    "it is not running or its socket is not where the web "
		    "server looks, or not the web server's to use; the web "
		    "server's error log says which";
	default:
		return "an answer the receiver never gives; see the web "
		    "server's error log";
	}
}

/* Why the receiver's own answer is not the one wanted. */
static const char *
check_url_receiver_cause(const struct http_answer *ans,
    const struct check_probe *pr)
{
	if (ans->status == 500)
		return "the receiver runs there but its config does not load "
		    "(or HUSKYHOOK_CONFIG does not reach it): the reason is "
		    "in the web server's error log, or in this config's log";
	if (ans->status == 403 && strstr(ans->body, "HTTPS") != NULL)
		return "require_https = yes: check the https:// URL";
	if (ans->status == 503)
		return "the receiver there cannot write the spool: its reason "
		    "is in the log; run huskyhook check as the user the web "
		    "server runs it as";
	if (ans->status == 401 && pr->want == 400)
		return "the receiver there has another secret: it does not "
		    "read this config (HUSKYHOOK_CONFIG, huskyhook.cgi's "
		    "path), or its secret_file is another";
	if (ans->status == 413)
		return "its max_body is smaller than this config's: it does "
		    "not read this config";
	return "something between the sender and the receiver changed the "
	    "request (a proxy, a rewrite)";
}

/* The start of an answer's body, for one line: printable ASCII kept,
 * runs of white space one blank, any other byte '?' (it is whatever the
 * server sent, and goes to a terminal). */
static void
check_url_shown(char *out, size_t n, const struct http_answer *ans)
{
	size_t i, o = 0;
	unsigned char ch;

	for (i = 0; i < ans->len && o + 4 < n; i++) {
		ch = (unsigned char)ans->body[i];
		if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
		} else
			out[o++] = ch > 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (i < ans->len)
		o += (size_t)snprintf(out + o, n - o, "...");
	out[o] = '\0';
}

/* The bodies: a wrong signature over "{}", over max_body bytes, and
 * this config's over "{}". */
static int
check_url_probe(struct check *ck, const struct config *cfg, const char *url,
    const struct check_probe *pr, size_t i)
{
	struct http_answer ans;
	char hex[SIGNATURE_HEX_CHARS + 1], headers[256], err[MESSAGE_BYTES];
	char shown[CHECK_SHOWN_BYTES], *body = NULL;
	size_t len = 2;
	int ok;

	snprintf(hex, sizeof hex, "%064d", 0);
	if (i == 2) {
		len = (size_t)cfg->max_body;
		if ((body = malloc(len)) == NULL) {
			check_say(ck, CHECK_PROBLEM, "out of memory");
			return -1;
		}
		memset(body, ' ', len);
		body[0] = '{';
		body[len - 1] = '}';
	} else if (i == 3 && signature_hex(cfg->secrets[0].key,
	    cfg->secrets[0].len, "{}", 2, hex) == -1) {
		check_say(ck, CHECK_PROBLEM, "cannot compute HMAC-SHA256");
		return -1;
	}
	snprintf(headers, sizeof headers, "Content-Type: application/json\n"
	    "X-Husky-Signature: %s\nExpect:\n", hex);
	if (http_request(pr->method, url, strcmp(pr->method, "GET") == 0 ?
	    "" : headers, body != NULL ? body : "{}", len, &ans, err,
	    sizeof err) == -1) {
		free(body);
		check_say(ck, CHECK_PROBLEM, "%s: %s", url, err);
		return -1;
	}
	free(body);
	check_url_shown(shown, sizeof shown, &ans);
	ok = check_is_receivers(&ans) && ans.status == pr->want &&
	    strncmp(ans.body + 10, pr->want_error, strlen(pr->want_error)) ==
	    0;
	if (ok)
		check_say(ck, CHECK_OK, "%s: %s answered %d by the receiver", url,
		    pr->what, ans.status);
	else if (check_is_receivers(&ans))
		check_say(ck, CHECK_PROBLEM, "%s: %s answered %d by the "
		    "receiver, not %d (%s): %s", url, pr->what, ans.status,
		    pr->want, shown, check_url_receiver_cause(&ans, pr));
	else
		check_say(ck, CHECK_PROBLEM, "%s: %s answered %d, not by the "
		    "receiver (%s): %s", url, pr->what, ans.status, shown,
		    check_url_cause(&ans));
	http_answer_free(&ans);
	return ok ? 0 : -1;
}

static void
check_url(struct check *ck, const struct config *cfg, const char *url)
{
	size_t i;

	if (!http_url_is_valid(url)) {
		check_say(ck, CHECK_PROBLEM, "%s: not an http:// or https:// "
		    "URL", url);
		return;
	}
	/* After a wrong answer the next probes would only repeat it. */
	for (i = 0; i < sizeof check_probes / sizeof check_probes[0]; i++)
		if (check_url_probe(ck, cfg, url, &check_probes[i], i) == -1)
			return;
}

static int
cmd_check(struct cli *c)
{
	struct check ck = { 0, 0, "" };
	struct config cfg;
	struct stat sb;
	char err[MESSAGE_BYTES];
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
	else if (hook_dir_check(cfg.hooks, err, sizeof err) == -1)
		check_say(&ck, CHECK_PROBLEM, "%s: `huskyhook run` would run "
		    "no hook and exit 1", err);
	else
		check_hooks_dir(&ck, cfg.hooks);
	if (cfg.hooks != NULL) {
		check_not_open(&ck, "hooks", cfg.hooks);
		check_hooks_writer(&ck, cfg.hooks, cfg.path);
	}

	if (cfg.max_age == 0)
		check_say(&ck, CHECK_WARNING, "max_age = 0: replayed old events "
		    "are accepted");
	if (cli_value(c, "url") != NULL)
		check_url(&ck, &cfg, cli_value(c, "url"));
	printf("%d problem%s, %d warning%s\n", ck.problems,
	    ck.problems == 1 ? "" : "s", ck.warnings,
	    ck.warnings == 1 ? "" : "s");
	config_free(&cfg);
	return ck.problems > 0;
}

const struct cli_entry cmd_check_entry = {
	.name = "check",
	.usage = "[--url URL]",
	.about = "check the config and deployment (and the receiver at URL)",
	.options = {
		{ 0, "url", 1 },
	},
	.help =
	    "One line per finding: the config, the secret's mode, the spool, the\n"
	    "log, the hooks. With --url URL, also whether the web server hands URL\n"
	    "to a receiver with this config (its own answers to a GET, to wrong\n"
	    "signatures and to a signed request that stores nothing), and if not,\n"
	    "the likely cause. Exit status 0 only when there is no problem.",
	.lower = 0, .upper = 0,
	.flags = CLI_CONFIG,
	.exec = cmd_check,
};

/*
 * huskyhook init: a ready layout (config, secret, spool, hooks, run/),
 * each file on disk before init says so, and the lines to paste: the
 * crontab line, the web servers' lines, the dashboard's URL. The text is
 * data: templates below with @NAME@ for a value, printed by init_say.
 * Whatever a user is told to paste is tested as printed
 * (tests/t0685-init-lines.sh, t0670, t0740).
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bounds.h"
#include "cgibin.h"
#include "cli.h"
#include "text.h"
#include "io.h"

#ifndef SBINDIR
#define SBINDIR "/usr/local/sbin"
#endif
#ifndef DATADIR
#define DATADIR "/usr/local/share"
#endif
#ifndef DOCDIR
#define DOCDIR DATADIR "/doc/huskyhook"
#endif

/* init_hook: examples/hooks/log-csv, as a C string (made by make). */
#include "init-hook.h"

static const char init_config[] =
    "# huskyhook.conf: see huskyhook.conf(5). Paths are relative to this file.\n"
    "secret_file = secret\n"
    "spool = spool\n"
    "hooks = hooks\n"
    "# Where the receiver and huskyhook log, here rather than in the web server's\n"
    "# error log, which a shared host may not show. A receiver that cannot write\n"
    "# it (another user) logs to the error log instead.\n"
    "log = huskyhook.log\n"
    "# Events older than this are refused as replays.\n"
    "max_age = 3d\n"
    "keep_days = 7\n"
    "# Only accept requests the web server received over HTTPS.\n"
    "# require_https = yes\n"
    "# Only accept events of your HuskyVoice organisation.\n"
    "# org_id = org_...\n"
    "# Where only cron runs the hooks (shared hosting), yes makes the receiver\n"
    "# start huskyhook run after each new event: hooks within a second, not at\n"
    "# cron's next minute. Only where the receiver runs as this layout's owner\n"
    "# (suexec, or a server of your own running it as you): hooks run as the\n"
    "# receiver's user. Keep the cron line; it reports failures and retries.\n"
    "# kick = yes\n";

static const char text_made[] =
    "A huskyhook layout is ready in @DIR@:\n\n"
    "  huskyhook.conf  the config (mode 600)\n"
    "  secret          a random webhook secret (mode 600): put the signing secret\n"
    "                  HuskyVoice shows for your endpoint here instead, if it gives one\n"
    "  spool/          where events are stored (mode 700)\n"
    "  hooks/          example hooks, disabled: rename one to its event type to enable it\n"
    "  huskyhook.log   the log, once something is logged\n\n";

static const char text_there[] =
    "The layout in @DIR@ is there already; its receiver entry is new.\n\n";

static const char text_docroot[] =
    "Keep @DIR@ outside your web server's document root.\n\n";

static const char text_open_dir[] =
    "@DIR@ is under @OPEN@, which every user may write: the system may clean it\n"
    "away, and huskyhook check warns about that. Use it to try huskyhook\n"
    "out only.\n\n";

static const char text_cron[] =
    "1. Let cron run the hooks every minute (crontab -e):\n\n"
    "   * * * * * @SELF@ run -c @DIR@/huskyhook.conf >> @DIR@/cron.log 2>&1\n\n"
    "   run prints a line only when a hook fails. Cron would mail it to this\n"
    "   user's local mailbox, which a shared host may not have, so the line keeps\n"
    "   it in @DIR@/cron.log; for mail instead, put MAILTO=you@example.org\n"
    "   above it and drop the \">> ... 2>&1\".\n\n";

static const char text_env[] =
    "   To run huskyhook without -c, add this line to ~/.profile:\n\n"
    "     export HUSKYHOOK_CONFIG=\"@DIR@/huskyhook.conf\"\n\n";

static const char text_path[] =
    "   @SELFDIR@ is not on your PATH; to run huskyhook by its name,\n"
    "   add this line to ~/.profile:\n\n"
    "     export PATH=\"@SELFDIR@:$PATH\"\n\n";

/*
 * A server of one's own, to be pasted as printed. lighttpd's socket is in
 * DIR/run, which only its owner may enter: lighttpd connects to a socket
 * that is there before it starts a receiver, so one in a directory every
 * user may write (/tmp) lets any local user answer in the receiver's
 * place and keep every webhook.
 */
static const char text_lighttpd[] =
    "2. Point the web server at the receiver. It must run the receiver as @USER@,\n"
    "   who owns @DIR@: the receiver writes the spool there.\n\n"
    "   lighttpd (mod_fastcgi), at the end of lighttpd.conf, with server.username\n"
    "   = \"@USER@\" (the receiver's socket is made in @DIR@/run,\n"
    "   which no other user can enter):\n\n"
    "var.huskyhook_receive = \"@SBINDIR@/huskyhook-receive\"\n"
    "var.huskyhook_config  = \"@DIR@/huskyhook.conf\"\n"
    "var.huskyhook_socket  = \"@DIR@/run/huskyhook.socket\"\n"
    "include \"@DATADIR@/huskyhook/lighttpd/huskyhook-fastcgi.con[f]\"\n\n"
    "   (The [f] is a pattern that matches the file while it is installed and\n"
    "   nothing once huskyhook is removed: lighttpd then still starts.)\n\n";

static const char text_long_socket[] =
    "   (@DIR@ is too long a path for a Unix socket in it; make the layout\n"
    "   in a shorter one for lighttpd.)\n\n";

/* nginx starts no FastCGI program: the receiver is started by
 * spawn-fcgi, its socket in DIR/run as lighttpd's is. */
static const char text_nginx[] =
    "   nginx, its workers running as @USER@ (user @USER@; in nginx.conf): start\n"
    "   the receiver (and again after each boot: an @reboot line in crontab -e)\n\n"
    "HUSKYHOOK_CONFIG=@DIR@/huskyhook.conf spawn-fcgi -s @DIR@/run/huskyhook.sock -M 0600 -U @USER@ -u @USER@ -F 2 -- @SBINDIR@/huskyhook-receive\n\n"
    "   and put this in nginx's server { } block:\n\n"
    "location = /huskyhook {\n"
    "\tinclude @DATADIR@/huskyhook/nginx/huskyhook-fastcgi.conf;\n"
    "\tfastcgi_pass unix:@DIR@/run/huskyhook.sock;\n"
    "}\n\n";

static const char text_apache[] =
    "   Apache (mod_fcgid), in the server config or a <VirtualHost>, with Apache's\n"
    "   User @USER@ (or suexec running the receiver as @USER@):\n\n"
    "Define HUSKYHOOK_RECEIVE @SBINDIR@/huskyhook-receive\n"
    "Define HUSKYHOOK_CONFIG  @DIR@/huskyhook.conf\n"
    "IncludeOptional @DATADIR@/huskyhook/apache/huskyhook-fcgid.conf\n\n"
    "   shared hosting (Apache, a cgi-bin): let init write the receiver's entry\n"
    "   there (huskyhook.cgi and the .htaccess lines):\n"
    "     @SELF@ init @DIR@ --cgi-bin ~/public_html/cgi-bin\n\n"
    "   See the README for each server (@DOCDIR@/README.md).\n\n";

static const char text_dashboard[] =
    "3. In the HuskyVoice dashboard (Integrations -> Outbound Webhooks ->\n"
    "   Add Endpoint), enter the receiver's URL, HOST being your site's name:\n\n"
    "     a server of your own (lighttpd, nginx or Apache, as above):\n"
    "       https://HOST/huskyhook\n"
    "     shared hosting (the CGI script in cgi-bin):\n"
    "       https://HOST/~@USER@/cgi-bin/huskyhook.cgi   (a user directory)\n"
    "       https://HOST/cgi-bin/huskyhook.cgi         (a site of your own)\n\n"
    "   and the secret from @DIR@/secret.\n\n";

/* init --cgi-bin: what was written, and the one URL for the dashboard. */
static const char text_cgi_ready[] =
    "2. The receiver is ready in @WEBDIR@:\n\n"
    "   huskyhook.cgi   runs @RECEIVE@\n"
    "                   with HUSKYHOOK_CONFIG=@DIR@/huskyhook.conf\n";

static const char text_cgi_aside[] =
    "   @HTACCESS@\n"
    "                   the .htaccess lines: @WEBDIR@/.htaccess has a huskyhook block\n"
    "                   already and was left alone; replace that block with this one\n";

static const char text_cgi_htaccess[] =
    "   .htaccess       @HOW@, its lines for huskyhook.cgi only, between\n"
    "                   \"# BEGIN huskyhook\" and \"# END huskyhook\"\n";

static const char text_cgi_exec[] =
    "\n   The directory must allow CGI programs (Options ExecCGI), as a host's\n"
    "   cgi-bin does. If CGI programs there run as the web server's user, not as\n"
    "   @USER@ (no suexec: see the README's shared hosting section), the receiver\n"
    "   cannot write @DIR@/spool. If they run as @USER@ (suexec), uncomment\n"
    "   \"kick = yes\" in huskyhook.conf: hooks then run within a second of a\n"
    "   delivery, not at cron's next minute.\n\n";

static const char text_cgi_open[] =
    "   @WEBDIR@ is writable by others than you: suexec refuses to run\n"
    "   anything in it; chmod 755 it.\n\n";

static const char text_cgi_url[] =
    "3. In the HuskyVoice dashboard (Integrations -> Outbound Webhooks ->\n"
    "   Add Endpoint), enter this URL:\n\n"
    "     @URL@\n\n"
    "   and the secret from @DIR@/secret.\n\n";

static const char text_cgi_host[] =
    "3. In the HuskyVoice dashboard (Integrations -> Outbound Webhooks ->\n"
    "   Add Endpoint), enter the receiver's URL, HOST being your site's name:\n\n";

static const char text_cgi_userdir[] =
    "     https://HOST/~@USER@@REL@/huskyhook.cgi   (your user directory)\n"
    "     https://HOST@REL@/huskyhook.cgi   (if public_html is your site's own root)\n\n";

static const char text_cgi_path[] =
    "     https://HOST/PATH/huskyhook.cgi, PATH being where @WEBDIR@ is served\n\n";

static const char text_cgi_exact[] =
    "   (--url URL, the URL of @WEBDIR@, makes init print the exact one)\n"
    "   and the secret from @DIR@/secret.\n\n";

static const char text_check[] =
    "4. Check the whole setup, and that the web server hands the receiver's URL\n"
    "   (from step 3) to a receiver with this config (nothing is stored):\n\n"
    "     @SELF@ check -c @DIR@/huskyhook.conf --url @URL@\n\n"
    "5. Enable a hook (the examples are disabled: events without a hook are\n"
    "   marked done with nothing run), send a fresh sample, run the hooks:\n\n"
    "     mv @DIR@/hooks/call.completed.disabled @DIR@/hooks/call.completed\n"
    "     @SELF@ send -c @DIR@/huskyhook.conf --sample call.completed @URL@\n"
    "     @SELF@ run -c @DIR@/huskyhook.conf -v\n\n"
    "   (huskyhook requeue EVENT_ID runs a done event's hooks again.)\n";

/* The status page, huskyhook-status(8): behind a password, as the
 * layout's owner, as the receiver. */
static const char text_status_page[] =
    "\n6. The status page (optional), behind a password. Make its password file:\n"
    "     htpasswd -c -B @DIR@/htpasswd YOURNAME\n\n";

static const char text_status_lighttpd[] =
    "   lighttpd, after the receiver's lines (which set huskyhook_config;\n"
    "   as @USER@, over HTTPS):\n\n"
    "var.huskyhook_status   = \"@SBINDIR@/huskyhook-status\"\n"
    "var.huskyhook_htpasswd = \"@DIR@/htpasswd\"\n"
    "include \"@DATADIR@/huskyhook/lighttpd/huskyhook-status.conf\"\n\n";

static const char text_status_apache[] =
    "   Apache with a cgi-bin that runs as @USER@ (suexec): huskyhook-status.cgi\n"
    "   there (mode 755), two lines:\n\n"
    "#!/bin/sh\n"
    "HUSKYHOOK_CONFIG=@DIR@/huskyhook.conf exec @SBINDIR@/huskyhook-status\n\n"
    "   and in that directory's .htaccess:\n\n"
    "<Files \"huskyhook-status.cgi\">\n"
    "\tSetHandler cgi-script\n"
    "\tAuthType Basic\n"
    "\tAuthName \"huskyhook status\"\n"
    "\tAuthUserFile @DIR@/htpasswd\n"
    "\tRequire valid-user\n"
    "</Files>\n";

/* The values the templates name. */
struct init_vars {
	const char	*dir, *user, *self, *selfdir, *open, *sbindir, *datadir;
	const char	*docdir;
	const char	*webdir, *receive, *htaccess, *how, *url, *rel;
};

/* Prints text with each @NAME@ replaced by its value. */
static void
init_say(const char *text, const struct init_vars *v)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} names[] = {
#define INIT_VAR(n, f)	{ "@" n "@", offsetof(struct init_vars, f) }
		INIT_VAR("DIR", dir), INIT_VAR("USER", user),
		INIT_VAR("SELF", self), INIT_VAR("SELFDIR", selfdir),
		INIT_VAR("OPEN", open), INIT_VAR("WEBDIR", webdir),
		INIT_VAR("RECEIVE", receive), INIT_VAR("HTACCESS", htaccess),
		INIT_VAR("HOW", how), INIT_VAR("URL", url),
		INIT_VAR("REL", rel), INIT_VAR("SBINDIR", sbindir),
		INIT_VAR("DATADIR", datadir), INIT_VAR("DOCDIR", docdir),
#undef INIT_VAR
	};
	const char *p = text, *at, *value;
	size_t i, len;

	while ((at = strchr(p, '@')) != NULL) {
		fwrite(p, 1, (size_t)(at - p), stdout);
		for (i = 0; i < sizeof names / sizeof names[0]; i++) {
			len = strlen(names[i].name);
			if (strncmp(at, names[i].name, len) == 0)
				break;
		}
		if (i == sizeof names / sizeof names[0]) {
			putchar('@');	/* you@example.org */
			p = at + 1;
			continue;
		}
		value = *(const char *const *)((const char *)v + names[i].off);
		fputs(value != NULL ? value : "", stdout);
		p = at + len;
	}
	fputs(p, stdout);
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

/* A new file holding text, durable when this returns: a power cut soon
 * after init must not leave an empty config (the receiver would answer
 * 500 to every delivery) or an empty secret. The directory entry is made
 * durable by init_sync_dir, once per directory. */
static int
init_write_file(const char *path, mode_t mode, const char *text)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1)
		return cli_fail("%s: %s", path, strerror(errno));
	if (io_write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1) {
		cli_fail("%s: %s", path, strerror(errno));
		close(fd);
		return 1;
	}
	if (close(fd) == -1)
		return cli_fail("%s: %s", path, strerror(errno));
	return 0;
}

/* fsync(2) of a directory init made or wrote into. */
static int
init_sync_dir(const char *dir)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return cli_fail("%s: %s", dir, strerror(errno));
	if (fsync(fd) == -1)
		rc = cli_fail("%s: %s", dir, strerror(errno));
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
		return cli_fail("%s/%s: path too long", dir, name);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return cli_fail("%s: %s", path, strerror(errno));
	return init_sync_dir(dir);
}

/* The layout's files, each durable before the next step. */
static int
init_make_layout(const char *dir)
{
	unsigned char raw[32];
	char path[PATH_MAX + 64], secret[2 * sizeof raw + 2];
	char err[MESSAGE_BYTES];
	struct spool *sp;
	size_t i;
	int rc;

	/* 32 random bytes in hex, a line. */
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return cli_fail("getrandom: %s", strerror(errno));
	for (i = 0; i < sizeof raw; i++)
		snprintf(secret + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof raw);
	secret[2 * sizeof raw] = '\n';
	secret[2 * sizeof raw + 1] = '\0';
	snprintf(path, sizeof path, "%s/secret", dir);
	rc = init_write_file(path, 0600, secret);
	explicit_bzero(secret, sizeof secret);
	if (rc != 0)
		return 1;
	if (init_mkdir(dir, "spool") || init_mkdir(dir, "hooks") ||
	    init_mkdir(dir, "run"))
		return 1;
	/* The spool's own directories, made now by their owner (whoever
	 * runs init): the commands that only read make nothing. */
	snprintf(path, sizeof path, "%s/spool", dir);
	if ((sp = spool_open(path, SPOOL_OPEN_MAKE, err, sizeof err)) == NULL)
		return cli_fail("%s", err);
	spool_close(sp);
	if (init_sync_dir(path))
		return 1;
	/* The example hooks are examples/hooks/log-csv as shipped. */
	for (i = 0; i < CLI_NEVENT_TYPES; i++) {
		snprintf(path, sizeof path, "%s/hooks/%s.disabled", dir,
		    cli_event_types[i]);
		if (init_write_file(path, 0700, init_hook))
			return 1;
	}
	snprintf(path, sizeof path, "%s/hooks", dir);
	if (init_sync_dir(path))
		return 1;
	snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
	if (init_write_file(path, 0600, init_config) || init_sync_dir(dir))
		return 1;
	return 0;
}

/* init --cgi-bin: what was written, and the URL for the dashboard. */
static void
init_say_cgi(const struct cli *c, const struct cgibin *cb,
    struct init_vars *v, char *exact, size_t exactlen)
{
	const char *url = cli_value(c, "url");
	struct passwd pw, *pwp = NULL;
	char buf[PASSWD_BUF_BYTES], home[PATH_MAX];
	size_t n;

	v->webdir = cb->dir;
	v->receive = cb->receive;
	v->htaccess = cb->htaccess;
	v->how = cb->appended ?
	    "appended to the one there (its other lines unchanged)" : "new";
	init_say(text_cgi_ready, v);
	init_say(cb->aside ? text_cgi_aside : text_cgi_htaccess, v);
	init_say(text_cgi_exec, v);
	if (cb->open_dir)
		init_say(text_cgi_open, v);
	if (url != NULL) {
		n = strlen(url);
		while (n > 0 && url[n - 1] == '/')
			n--;
		snprintf(exact, exactlen, "%.*s/huskyhook.cgi", (int)n, url);
		v->url = exact;
		init_say(text_cgi_url, v);
		return;
	}
	/* A cgi-bin under ~/public_html: the user directory's URL. */
	getpwuid_r(getuid(), &pw, buf, sizeof buf, &pwp);
	if (pwp != NULL && realpath(pwp->pw_dir, home) != NULL) {
		n = strlen(home);
		if (strncmp(cb->dir, home, n) == 0 &&
		    strncmp(cb->dir + n, "/public_html", 12) == 0 &&
		    (cb->dir[n + 12] == '/' || cb->dir[n + 12] == '\0'))
			v->rel = cb->dir + n + 12;
	}
	init_say(text_cgi_host, v);
	init_say(v->rel != NULL ? text_cgi_userdir : text_cgi_path, v);
	init_say(text_cgi_exact, v);
}

static int
cmd_init(struct cli *c)
{
	const char *cgi_bin = cli_value(c, "cgi-bin");
	struct passwd pw, *pwp = NULL;
	struct init_vars v;
	struct cgibin cb;
	struct stat sb;
	char dir[PATH_MAX], path[PATH_MAX + 64], open_dir[PATH_MAX];
	char selfdir[PATH_MAX], buf[PASSWD_BUF_BYTES], url[PATH_MAX * 2];
	int exists, fd;

	if (cli_value(c, "url") != NULL && cgi_bin == NULL)
		return cli_usage(c->entry, "init: --url goes with --cgi-bin");
	umask(DEFAULT_UMASK);
	/* The web directory first: one that cannot be used leaves no
	 * layout behind. */
	if (cgi_bin != NULL && cgibin_prepare(&cb, cgi_bin, cli_self(),
	    SBINDIR) == -1)
		return cli_fail("%s", cb.err);
	if (mkdir(c->args[0], 0700) == -1 && errno != EEXIST)
		return cli_fail("%s: %s", c->args[0], strerror(errno));
	/* DIR itself is not followed as a link: one another user left in
	 * /tmp would choose where the layout goes. */
	if (lstat(c->args[0], &sb) == -1)
		return cli_fail("%s: %s", c->args[0], strerror(errno));
	if (S_ISLNK(sb.st_mode))
		return cli_fail("%s is a symbolic link: give the directory it "
		    "names, if it is yours", c->args[0]);
	if (realpath(c->args[0], dir) == NULL)
		return cli_fail("%s: %s", c->args[0], strerror(errno));
	/* Its name in its parent on disk too, where the parent can be
	 * opened: the lines printed point at it. */
	snprintf(path, sizeof path, "%s", dir);
	if (text_path_up(path)) {
		if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
		    -1) {
			if (fsync(fd) == -1) {
				close(fd);
				return cli_fail("%s: %s", path,
				    strerror(errno));
			}
			close(fd);
		}
	}
	/* A directory someone else made (in /tmp, say, before we came) is
	 * theirs to read and to change: nothing is written into it. */
	if (stat(dir, &sb) == -1)
		return cli_fail("%s: %s", dir, strerror(errno));
	if (sb.st_uid != geteuid() || (sb.st_mode & 022) != 0)
		return cli_fail("%s belongs to another user or is writable by "
		    "others (mode %03o): make the layout in a directory of "
		    "your own", dir, (unsigned)(sb.st_mode & 0777));
	snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
	exists = access(path, F_OK) == 0;
	if (exists && cgi_bin == NULL)
		return cli_fail("%s exists already; nothing changed", path);
	/* The config's path goes into huskyhook.cgi: refused before
	 * anything is written if it cannot be. */
	if (cgi_bin != NULL && cgibin_path_check(path, cb.err, sizeof cb.err) ==
	    -1)
		return cli_fail("%s", cb.err);
	/* With --cgi-bin for a layout made before, only the entry. */
	if (!exists && init_make_layout(dir) != 0)
		return 1;
	if (cgi_bin != NULL && cgibin_write(&cb, path) == -1)
		return cli_fail("%s", cb.err);

	memset(&v, 0, sizeof v);
	v.dir = dir;
	v.self = cli_self();
	snprintf(selfdir, sizeof selfdir, "%s", v.self);
	(void)text_path_up(selfdir);
	v.selfdir = selfdir;
	getpwuid_r(geteuid(), &pw, buf, sizeof buf, &pwp);
	v.user = pwp != NULL ? pwp->pw_name : "USER";
	v.sbindir = SBINDIR;
	v.datadir = DATADIR;
	v.docdir = DOCDIR;

	init_say(exists ? text_there : text_made, &v);
	init_say(text_docroot, &v);
	if (cli_open_dir_above(dir, open_dir, sizeof open_dir) == 1) {
		v.open = open_dir;
		init_say(text_open_dir, &v);
	}
	init_say(text_cron, &v);
	if (!init_on_path(selfdir))
		init_say(text_path, &v);
	init_say(text_env, &v);
	v.url = cgi_bin != NULL ? "URL" : "https://HOST/huskyhook";
	if (cgi_bin != NULL) {
		init_say_cgi(c, &cb, &v, url, sizeof url);
	} else {
		init_say(text_lighttpd, &v);
		if (strlen(dir) + sizeof "/run/huskyhook.socket-99" >
		    sizeof(((struct sockaddr_un *)NULL)->sun_path))
			init_say(text_long_socket, &v);
		init_say(text_nginx, &v);
		init_say(text_apache, &v);
		init_say(text_dashboard, &v);
	}
	init_say(text_check, &v);
	init_say(text_status_page, &v);
	if (cgi_bin == NULL)
		init_say(text_status_lighttpd, &v);
	init_say(text_status_apache, &v);
	return 0;
}

const struct cli_entry cmd_init_entry = {
	.name = "init",
	.usage = "DIR [--cgi-bin WEBDIR [--url URL]]",
	.about = "a ready layout in DIR (and the receiver in WEBDIR)",
	.options = {
		{ 0, "cgi-bin", 1 },
		{ 0, "url", 1 },
	},
	.help =
	    "Makes DIR (mode 700) with huskyhook.conf, a random secret, spool/,\n"
	    "hooks/ (an example hook per event type, disabled) and run/, each on\n"
	    "disk before it prints the lines to paste: the crontab line, the\n"
	    "HUSKYHOOK_CONFIG line, the web server's lines and the URL for the\n"
	    "HuskyVoice dashboard. It refuses a DIR that is a link, another\n"
	    "user's or writable by others, and one with a huskyhook.conf already\n"
	    "(unless --cgi-bin, which then adds only the entry).\n"
	    "\n"
	    "  --cgi-bin WEBDIR  shared hosting: also write the receiver's entry\n"
	    "                    there (huskyhook.cgi and its .htaccess lines);\n"
	    "                    WEBDIR's parent must exist\n"
	    "  --url URL         the URL WEBDIR is served at: the exact\n"
	    "                    receiver URL is printed",
	.lower = 1, .upper = 1,
	.flags = 0,
	.exec = cmd_init,
};

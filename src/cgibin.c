/*
 * huskyhook init --cgi-bin: writes the receiver's entry into a web
 * directory on shared hosting: huskyhook.cgi, a two-line script that
 * sets HUSKYHOOK_CONFIG and execs the installed receiver (suexec drops
 * SetEnv, and the script works without suexec too), and the .htaccess
 * block of apache/htaccess with the config's path in it. An .htaccess
 * that is there already keeps its lines: the block is appended, marked.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgibin.h"
#include "io.h"

#define CGIBIN_BEGIN	"# BEGIN huskyhook"
#define CGIBIN_PATH_RULE	"only letters, digits and / . _ + , @ : = - may"

/* The block of apache/htaccess, word for word (t0670 compares them). */
static const char cgibin_block[] =
    CGIBIN_BEGIN "\n"
    "<Files \"huskyhook.cgi\">\n"
    "\tSetHandler cgi-script\n"
    "\t# Options +ExecCGI\n"
    "\tSetEnv HUSKYHOOK_CONFIG %s\n"
    "\t# Only huskyhook.cgi itself: /cgi-bin/huskyhook.cgi/x would run it\n"
    "\t# too, with the rest as path info.\n"
    "\tAcceptPathInfo Off\n"
    "\t# The receiver's max_body (1M by default); keep the three equal.\n"
    "\tLimitRequestBody 1048576\n"
    "\t# With LimitRequestBody alone, Apache starts the receiver before it\n"
    "\t# refuses a longer Content-Length; this refuses it with 413 before\n"
    "\t# anything runs. A chunked body has no length to check here:\n"
    "\t# LimitRequestBody cuts it off at 1 MiB, and the receiver answers "
    "411.\n"
    "\t<If \"%%{HTTP:Content-Length} -gt 1048576\">\n"
    "\t\tRedirect 413\n"
    "\t</If>\n"
    "</Files>\n"
    "# END huskyhook\n";

static const char cgibin_script[] =
    "#!/bin/sh\n"
    "# huskyhook.cgi, written by huskyhook init: the receiver with its "
    "config\n"
    "# (a script, as suexec drops the .htaccess's SetEnv).\n"
    "export HUSKYHOOK_CONFIG=%s\n"
    "exec %s\n";

static int
cgibin_fail(struct cgibin *cb, const char *what, const char *path)
{
	snprintf(cb->err, sizeof cb->err, "%s: %s", path, what);
	return -1;
}

/*
 * The paths written into huskyhook.cgi (a shell script) and .htaccess go
 * in unquoted, so they are held to characters that mean nothing to sh or
 * to Apache's config: ASCII letters, digits and / . _ + , @ : = -. Every
 * one is absolute, so no word of the script starts with '-'. Returns the
 * first other character, or NULL.
 */
static const char *
cgibin_path_bad_char(const char *path)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+,@:=-";
	size_t n = strspn(path, safe);

	return path[n] != '\0' ? path + n : NULL;
}

int
cgibin_path_check(const char *path, char *err, size_t errlen)
{
	const unsigned char *p;
	const char *bad;
	size_t n = 0;

	if ((bad = cgibin_path_bad_char(path)) == NULL && path[0] == '/')
		return 0;
	/* The path with what a terminal would not show as it is escaped:
	 * it may hold a line break or an escape sequence. */
	err[0] = '\0';
	for (p = (const unsigned char *)path; *p != '\0' && n + 5 < errlen;
	    p++)
		n += (size_t)snprintf(err + n, errlen - n, isprint(*p) &&
		    *p != '\\' ? "%c" : "\\x%02x", *p);
	if (bad == NULL)
		snprintf(err + n, errlen - n, ": not an absolute path");
	else if (isprint((unsigned char)*bad))
		snprintf(err + n, errlen - n, ": the character '%c' cannot go "
		    "into huskyhook.cgi and .htaccess (" CGIBIN_PATH_RULE ")",
		    *bad);
	else
		snprintf(err + n, errlen - n, ": the byte 0x%02x cannot go "
		    "into huskyhook.cgi and .htaccess (" CGIBIN_PATH_RULE ")",
		    (unsigned char)*bad);
	return -1;
}

static int
cgibin_executable(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    access(path, X_OK) == 0;
}

int
cgibin_prepare(struct cgibin *cb, const char *dir, const char *self,
    const char *sbindir)
{
	char bindir[PATH_MAX], path[PATH_MAX + 32], *slash;
	struct stat sb;

	memset(cb, 0, sizeof *cb);
	/* The receiver installed with this huskyhook: prefix/sbin beside
	 * prefix/bin, or beside it in a build directory. */
	snprintf(bindir, sizeof bindir, "%s", self);
	if ((slash = strrchr(bindir, '/')) != NULL)
		*slash = '\0';
	snprintf(path, sizeof path, "%s/../sbin/huskyhook-receive", bindir);
	if (!cgibin_executable(path))
		snprintf(path, sizeof path, "%s/huskyhook-receive", bindir);
	if (!cgibin_executable(path))
		snprintf(path, sizeof path, "%s/huskyhook-receive", sbindir);
	if (!cgibin_executable(path))
		return cgibin_fail(cb, "no huskyhook-receive here, nor in ../sbin "
		    "beside this huskyhook: install both (make install)", path);
	if (realpath(path, cb->receive) == NULL)
		return cgibin_fail(cb, strerror(errno), path);
	if (cgibin_path_check(cb->receive, cb->err, sizeof cb->err) == -1)
		return -1;

	/* 755 whatever the umask (init's is 077): the web server's user
	 * must enter it. */
	if (mkdir(dir, 0755) == 0) {
		if (chmod(dir, 0755) == -1)
			return cgibin_fail(cb, strerror(errno), dir);
	} else if (errno != EEXIST)
		return cgibin_fail(cb, errno != ENOENT ? strerror(errno) :
		    "its parent directory is missing (init makes only the "
		    "last one): give the cgi-bin your host serves, or make its "
		    "parent first; nothing was written", dir);
	if (realpath(dir, cb->dir) == NULL)
		return cgibin_fail(cb, strerror(errno), dir);
	if (stat(cb->dir, &sb) == -1 || !S_ISDIR(sb.st_mode))
		return cgibin_fail(cb, "not a directory", cb->dir);
	cb->open_dir = (sb.st_mode & 022) != 0;
	snprintf(cb->script, sizeof cb->script, "%s/huskyhook.cgi", cb->dir);
	if (lstat(cb->script, &sb) == 0)
		return cgibin_fail(cb, "exists already; nothing changed", cb->script);
	if (access(cb->dir, W_OK) == -1)
		return cgibin_fail(cb, strerror(errno), cb->dir);
	return 0;
}

/* Writes text to a new file (O_EXCL), or appends it (append != 0) to a
 * file that is not also linked elsewhere; on disk when this returns. */
static int
cgibin_put(struct cgibin *cb, const char *path, const char *text, mode_t mode,
    int append)
{
	int fd, flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	struct stat st;

	flags |= append ? O_APPEND : O_EXCL;
	if ((fd = open(path, flags, mode)) == -1)
		return cgibin_fail(cb, strerror(errno), path);
	if (append && (fstat(fd, &st) == -1 || st.st_nlink != 1)) {
		(void)close(fd);
		return cgibin_fail(cb, "has another link (a hard link to some other "
		    "file?); nothing appended", path);
	}
	/* Whatever the umask: suexec refuses a script others may write. */
	if ((!append && fchmod(fd, mode) == -1) ||
	    io_write_all(fd, text, strlen(text)) == -1 || fsync(fd) == -1) {
		(void)close(fd);
		return cgibin_fail(cb, strerror(errno), path);
	}
	if (close(fd) == -1)
		return cgibin_fail(cb, strerror(errno), path);
	return 0;
}

/* Whether the file at path has a line that starts the block. */
static int
cgibin_has_block(const char *path)
{
	char line[512];
	FILE *f;
	int found = 0;

	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strncmp(line, CGIBIN_BEGIN, strlen(CGIBIN_BEGIN)) == 0;
	fclose(f);
	return found;
}

int
cgibin_write(struct cgibin *cb, const char *config)
{
	char text[PATH_MAX * 2 + 2048];
	struct stat sb;
	const char *lead = "";
	int fd;

	if (cgibin_path_check(config, cb->err, sizeof cb->err) == -1 ||
	    cgibin_path_check(cb->receive, cb->err, sizeof cb->err) == -1)
		return -1;
	snprintf(text, sizeof text, cgibin_script, config, cb->receive);
	if (cgibin_put(cb, cb->script, text, 0755, 0) == -1)
		return -1;

	snprintf(cb->htaccess, sizeof cb->htaccess, "%s/.htaccess", cb->dir);
	if (lstat(cb->htaccess, &sb) == 0) {
		if (cgibin_has_block(cb->htaccess)) {
			cb->aside = 1;
			snprintf(cb->htaccess, sizeof cb->htaccess,
			    "%s/.htaccess.huskyhook", cb->dir);
		} else {
			cb->appended = 1;
			lead = "\n";
		}
	}
	snprintf(text, sizeof text, "%s", lead);
	snprintf(text + strlen(text), sizeof text - strlen(text), cgibin_block,
	    config);	/* config is at most PATH_MAX */
	if (cgibin_put(cb, cb->htaccess, text, 0644, cb->appended) == -1)
		return -1;
	/* The new names on disk too, as init's own files are. */
	if ((fd = open(cb->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1) {
		if (fd != -1)
			(void)close(fd);
		return cgibin_fail(cb, strerror(errno), cb->dir);
	}
	(void)close(fd);
	return 0;
}

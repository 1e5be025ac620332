/*
 * Logging. The receiver's stderr is the web server's error log, so the
 * default target is stderr; syslog and a plain file are the alternatives.
 * Client strings must pass through log_escape before they reach a log.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "log.h"

enum log_kind { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_FILE };

static const char *log_progname = "huskyhook";
/* The receiver's threads each load the config, and so set the target:
 * the target and the writes to it change under this lock. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_kind log_kind = LOG_TO_STDERR;
static int log_fd = -1;
static char log_current_target[PATH_MAX] = "stderr";
/* A second place for what one thread logs while it serves a request: the
 * request's FastCGI error stream, which the web server writes to its own
 * error log whatever the receiver's stderr is (/dev/null under a
 * spawner, often). */
static __thread log_sink_fn *log_sink;
static __thread void *log_sink_arg;

void
log_init(const char *progname)
{
	log_progname = progname;
}

static int
log_set_target_locked(const char *target)
{
	struct stat st;
	int fd;

	if (strcmp(target, log_current_target) == 0)
		return 0;
	if (strcmp(target, "stderr") == 0) {
		log_kind = LOG_TO_STDERR;
	} else if (strcmp(target, "syslog") == 0) {
		openlog(log_progname, LOG_PID, LOG_DAEMON);
		log_kind = LOG_TO_SYSLOG;
	} else {
		/* Not through a symbolic link, nor a file linked elsewhere
		 * too: in a directory others may write, that would be theirs
		 * to aim at a file of ours. (Another user's file is taken: a
		 * spool shared through a group shares its log.) */
		fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW | O_NOCTTY, 0600);
		if (fd == -1)
			return -1;
		if (fstat(fd, &st) == -1) {
			close(fd);
			return -1;
		}
		if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
			close(fd);
			errno = !S_ISREG(st.st_mode) ? EINVAL : EMLINK;
			return -1;
		}
		if (log_fd != -1)
			close(log_fd);
		log_fd = fd;
		log_kind = LOG_TO_FILE;
	}
	snprintf(log_current_target, sizeof log_current_target, "%s", target);
	return 0;
}

int
log_set_target(const char *target)
{
	int rc, saved;

	pthread_mutex_lock(&log_lock);
	rc = log_set_target_locked(target);
	saved = errno;
	pthread_mutex_unlock(&log_lock);
	errno = saved;
	return rc;
}

static const char *
log_level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERR:  return "error";
	case LOG_LEVEL_WARN: return "warning";
	default:             return "info";
	}
}

void
log_set_thread_sink(log_sink_fn *fn, void *arg)
{
	log_sink = fn;
	log_sink_arg = arg;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	int saved_errno = errno;
	char msg[LOG_LINE_BYTES], line[LOG_LINE_BYTES + 128], stamp[32];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	if (log_sink != NULL) {
		n = snprintf(line, sizeof line, "%s: %s: %s\n", log_progname,
		    log_level_name(level), msg);
		if (n > (int)sizeof line - 1)
			n = (int)sizeof line - 1;
		log_sink(log_sink_arg, line, (size_t)n);
	}
	pthread_mutex_lock(&log_lock);
	if (log_kind == LOG_TO_SYSLOG) {
		syslog(level == LOG_LEVEL_ERR ? LOG_ERR :
		    level == LOG_LEVEL_WARN ? LOG_WARNING : LOG_INFO, "%s", msg);
		pthread_mutex_unlock(&log_lock);
		errno = saved_errno;
		return;
	}
	if (log_kind == LOG_TO_FILE) {
		log_format_time(stamp, sizeof stamp, time(NULL), -1);
		n = snprintf(line, sizeof line, "%s %s[%ld]: %s: %s\n", stamp,
		    log_progname, (long)getpid(), log_level_name(level), msg);
	} else {
		n = snprintf(line, sizeof line, "%s: %s: %s\n", log_progname,
		    log_level_name(level), msg);
	}
	if (n > (int)sizeof line - 1)
		n = (int)sizeof line - 1;
	/* One write per line keeps lines whole when processes share a log. */
	if (write(log_kind == LOG_TO_FILE ? log_fd : STDERR_FILENO, line,
	    (size_t)n) == -1) {
		/* Nowhere left to report it. */
	}
	pthread_mutex_unlock(&log_lock);
	errno = saved_errno;
}

void
log_format_time(char *buf, size_t n, time_t t, long nsec)
{
	struct tm tm;
	char base[32];

	/* A time from a damaged meta file may be out of any calendar. Not
	 * strftime: it reads the local time zone (a file) for nothing. */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		snprintf(buf, n, "(invalid time %lld)", (long long)t);
		return;
	}
	snprintf(base, sizeof base, "%04d-%02d-%02dT%02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (nsec >= 0)
		snprintf(buf, n, "%s.%06ldZ", base, nsec / 1000);
	else
		snprintf(buf, n, "%sZ", base);
}

/* Characters a client string keeps in a log line. Everything else,
 * including what a shell, a terminal or a log parser gives meaning to
 * (space, quotes, ; > | $ ` \\), is written as \\xHH. */
static int
log_char_is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("._:-/@+=,", c));
}

const char *
log_escape(char *dst, size_t n, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	if (n == 0)
		return dst;
	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (o + 8 >= n) {
			if (n >= 4)
				memcpy(dst + (o < n - 4 ? o : n - 4), "...", 3),
				o = (o < n - 4 ? o : n - 4) + 3;
			break;
		}
		if (log_char_is_plain(c)) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

int
log_addr_is_valid(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return strlen(s) <= REMOTE_ADDR_MAX_BYTES &&
	    (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

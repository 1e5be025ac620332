/* Logging to stderr, syslog or a file; every function preserves errno. */
#ifndef HUSKYHOOK_LOG_H
#define HUSKYHOOK_LOG_H

#include <stddef.h>
#include <time.h>

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO };

void log_init(const char *progname);
/* target: "stderr", "syslog" or a file path; returns 0 or -1 (errno set). */
int  log_set_target(const char *target);
/* fn, if not NULL, also gets each line this thread logs from now on
 * (without a time stamp, ending in a newline); NULL stops it. */
typedef void log_sink_fn(void *arg, const char *line, size_t n);
void log_set_thread_sink(log_sink_fn *fn, void *arg);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(__printf__, 2, 3)));
/* t (and nsec >= 0: its microseconds) as RFC 3339 UTC, e.g.
 * 2026-06-01T10:00:00.123456Z. */
void log_format_time(char *buf, size_t n, time_t t, long nsec);
/* Copies src into dst (size n) with anything but letters, digits and
 * ._:-/@+=, escaped as \xHH, truncating with "..." when needed. For
 * client-supplied text. */
const char *log_escape(char *dst, size_t n, const char *src, size_t len);
/* 1 if s is an IPv4 or IPv6 address as inet_pton(3) reads them: the
 * only REMOTE_ADDR that reaches a log or the spool. */
int log_addr_is_valid(const char *s);

#endif

/* Logging to stderr, syslog or a file; every function preserves errno. */
#ifndef HUSKYHOOK_LOG_H
#define HUSKYHOOK_LOG_H

#include <stddef.h>
#include <time.h>

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO };

void log_init(const char *progname);
/* target: "stderr", "syslog" or a file path; returns 0 or -1 (errno set). */
int  log_set_target(const char *target);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(__printf__, 2, 3)));
/* Copies src into dst (size n) with anything but printable ASCII escaped
 * as \xHH, truncating with "..." when needed. For client-supplied text. */
/* t (and nsec >= 0: its microseconds) as RFC 3339 UTC, e.g.
 * 2026-06-01T10:00:00.123456Z. */
void log_format_time(char *buf, size_t n, time_t t, long nsec);
const char *log_escape(char *dst, size_t n, const char *src, size_t len);

#endif

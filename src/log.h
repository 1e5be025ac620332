/* Logging to stderr, syslog or a file; every function preserves errno. */
#ifndef HUSKYHOOK_LOG_H
#define HUSKYHOOK_LOG_H

#include <stddef.h>

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO };

void log_init(const char *progname);
/* target: "stderr", "syslog" or a file path; returns 0 or -1 (errno set). */
int  log_set_target(const char *target);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(__printf__, 2, 3)));
/* Copies src into dst (size n) with anything but printable ASCII escaped
 * as \xHH, truncating with "..." when needed. For client-supplied text. */
const char *log_escape(char *dst, size_t n, const char *src, size_t len);

#endif

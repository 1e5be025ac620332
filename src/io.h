/* Reading and writing whole buffers, retrying what the kernel cuts short. */
#ifndef HUSKYHOOK_IO_H
#define HUSKYHOOK_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all of buf: 0, or -1 with errno (EIO if write(2) made no
 * progress). */
int     io_write_all(int fd, const void *buf, size_t len);
/* Reads until n bytes or the end of the file: how many, or -1. */
ssize_t io_read_full(int fd, void *buf, size_t n);

/* strerror, but for EMLINK and EPERM from opening a file that must be
 * this user's own with one link (the spool's locks and hook logs, the
 * log file), what the refusal means. */
const char *io_strerror(int err);
/* Reads fd to its end into a new buffer (*out, the caller's to free, with
 * a NUL after its *len bytes): 0, or -1 with errno (EFBIG past max). */
int     io_read_all(int fd, size_t max, char **out, size_t *len);

#endif

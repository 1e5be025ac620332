/*
 * Reading and writing whole buffers: the one place that loops over short
 * reads and writes and EINTR, for the spool, the config reader, hooks'
 * logs and the command-line tool.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "bounds.h"
#include "io.h"

int
io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t
io_read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t off = 0;
	ssize_t r;

	while (off < n) {
		r = read(fd, p + off, n - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		off += (size_t)r;
	}
	return (ssize_t)off;
}

const char *
io_strerror(int err)
{
	if (err == EMLINK)
		return "it has another link (a hard link to some other file?): "
		    "refused; remove it";
	if (err == EPERM)
		return "it belongs to another user: refused; remove it";
	return strerror(err);
}

int
io_read_all(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = IO_BLOCK_BYTES, off = 0;
	char *buf, *grown;
	ssize_t n;

	if (cap > max)
		cap = max;
	if ((buf = malloc(cap + 1)) == NULL)
		return -1;
	for (;;) {
		if (off == cap) {
			if (cap >= max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap > max / 2 ? max : cap * 2;
			if ((grown = realloc(buf, cap + 1)) == NULL) {
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
	buf[off] = '\0';
	*out = buf;
	*len = off;
	return 0;
}

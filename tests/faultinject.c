/*
 * An LD_PRELOAD shim for the tests: makes the Nth call of one system call
 * fail with a chosen errno, or kills the process just before it, so every
 * step of the spool's commit path can be broken in turn.
 *
 *   FAULT_CALL   openat | write | fsync | close | linkat | renameat |
 *                unlinkat | mkdirat
 *   FAULT_NTH    which call to break, counting from 1 (default 1)
 *   FAULT_ERRNO  EIO | ENOSPC | EDQUOT | EROFS | EACCES | a number
 *   FAULT_ACTION fail (default) | kill
 *   FAULT_MARK   a file created when the fault fires
 *
 * Calls on file descriptors 0-2 are not counted: they are the response
 * and the log, not the spool.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long fault_seen;

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static int
fault_errno(void)
{
	const char *e = getenv("FAULT_ERRNO");

	if (e == NULL || strcmp(e, "EIO") == 0)
		return EIO;
	if (strcmp(e, "ENOSPC") == 0)
		return ENOSPC;
	if (strcmp(e, "EDQUOT") == 0)
		return EDQUOT;
	if (strcmp(e, "EROFS") == 0)
		return EROFS;
	if (strcmp(e, "EACCES") == 0)
		return EACCES;
	return atoi(e);
}

/* 1 if this call is the one to break. */
static int
fault_hit(const char *call)
{
	const char *want = getenv("FAULT_CALL"), *nth = getenv("FAULT_NTH");
	const char *mark = getenv("FAULT_MARK"), *action;
	long n = nth ? atol(nth) : 1;
	int fd;

	if (want == NULL || strcmp(want, call) != 0)
		return 0;
	if (++fault_seen != n)
		return 0;
	if (mark != NULL) {
		fd = REAL(openat)(AT_FDCWD, mark, O_WRONLY | O_CREAT, 0644);
		if (fd != -1)
			REAL(close)(fd);
	}
	action = getenv("FAULT_ACTION");
	if (action != NULL && strcmp(action, "kill") == 0)
		raise(SIGKILL);
	errno = fault_errno();
	return 1;
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (fault_hit("openat"))
		return -1;
	return REAL(openat)(dirfd, path, flags, mode);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	if (fd > 2 && fault_hit("write"))
		return -1;
	return REAL(write)(fd, buf, n);
}

int
fsync(int fd)
{
	if (fd > 2 && fault_hit("fsync"))
		return -1;
	return REAL(fsync)(fd);
}

int
close(int fd)
{
	if (fd > 2 && fault_hit("close")) {
		REAL(close)(fd);	/* close(2) frees the fd even when failing */
		return -1;
	}
	return REAL(close)(fd);
}

int
linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
    int flags)
{
	if (fault_hit("linkat"))
		return -1;
	return REAL(linkat)(olddirfd, oldpath, newdirfd, newpath, flags);
}

int
renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	if (fault_hit("renameat"))
		return -1;
	return REAL(renameat)(olddirfd, oldpath, newdirfd, newpath);
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	if (fault_hit("unlinkat"))
		return -1;
	return REAL(unlinkat)(dirfd, path, flags);
}

int
mkdirat(int dirfd, const char *path, mode_t mode)
{
	if (fault_hit("mkdirat"))
		return -1;
	return REAL(mkdirat)(dirfd, path, mode);
}

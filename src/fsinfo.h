/* What filesystem a path is on, from /proc/self/mountinfo, and whether
 * a shared spool's guarantees hold on it. See fsinfo.c. */
#ifndef HUSKYHOOK_FSINFO_H
#define HUSKYHOOK_FSINFO_H

#include <stddef.h>
#include <stdio.h>

struct fsinfo {
	char	 mountpoint[4096];
	char	 fstype[64];
	char	 source[1024];
	char	 options[2048];	/* the mount's options, then the superblock's */
};

/* Parses one line of mountinfo (proc(5)); octal escapes in paths are
 * decoded. 0, or -1 if the line is not one. */
int fsinfo_parse_line(const char *line, struct fsinfo *fi);
/* The mount holding the absolute, resolved path: the longest mount point
 * above it, the last mounted of equals. 0, or -1 (errno ENOENT). */
int fsinfo_find(FILE *mountinfo, const char *path, struct fsinfo *fi);
/* 1 if the comma-separated options hold opt exactly ("nolock",
 * "local_lock=all"). */
int fsinfo_has_option(const struct fsinfo *fi, const char *opt);
/* Whether a spool, which may be shared by several hosts, is safe on this
 * filesystem: 0 nothing to say, 1 a warning in msg (what does not hold
 * and what to do). */
int fsinfo_judge(const struct fsinfo *fi, char *msg, size_t n);

#endif

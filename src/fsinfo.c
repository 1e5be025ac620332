/*
 * The filesystem under the spool. huskyhook relies on two things of it
 * when several hosts share a spool: link(2) that fails with EEXIST for
 * every client but one (the acceptance and dedupe record), and flock(2)
 * that excludes across clients (the run lock). Some filesystems that
 * look like a shared directory give neither, or only a local lock;
 * `huskyhook check` says so, from the mount's type and options.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fsinfo.h"

/* Copies the next space-separated field of *p into dst (size n),
 * decoding mountinfo's \ooo escapes. -1 if there is none or it does not
 * fit. */
static int
field(const char **p, char *dst, size_t n)
{
	const char *s = *p;
	size_t len = 0;

	while (*s == ' ')
		s++;
	if (*s == '\0' || *s == '\n')
		return -1;
	while (*s != '\0' && *s != ' ' && *s != '\n') {
		char c = *s;

		if (c == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			c = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		}
		if (len + 1 >= n)
			return -1;
		dst[len++] = c;
		s++;
	}
	dst[len] = '\0';
	*p = s;
	return 0;
}

int
fsinfo_parse_line(const char *line, struct fsinfo *fi)
{
	char word[4096], mntopts[1024], superopts[1024];
	const char *p = line;
	int i;

	memset(fi, 0, sizeof *fi);
	/* mount ID, parent ID, major:minor, root */
	for (i = 0; i < 4; i++)
		if (field(&p, word, sizeof word) == -1)
			return -1;
	if (field(&p, fi->mountpoint, sizeof fi->mountpoint) == -1 ||
	    fi->mountpoint[0] != '/' ||
	    field(&p, mntopts, sizeof mntopts) == -1)
		return -1;
	/* Optional fields up to the lone "-". */
	do {
		if (field(&p, word, sizeof word) == -1)
			return -1;
	} while (strcmp(word, "-") != 0);
	if (field(&p, fi->fstype, sizeof fi->fstype) == -1 ||
	    field(&p, fi->source, sizeof fi->source) == -1)
		return -1;
	if (field(&p, superopts, sizeof superopts) == -1)
		superopts[0] = '\0';
	snprintf(fi->options, sizeof fi->options, "%s%s%s", mntopts,
	    superopts[0] != '\0' ? "," : "", superopts);
	return 0;
}

/* The length of mountpoint mp if it is path or above it, else 0. */
static size_t
mount_covers(const char *mp, const char *path)
{
	size_t len = strlen(mp);

	if (strcmp(mp, "/") == 0)
		return 1;
	if (strncmp(path, mp, len) != 0 || (path[len] != '\0' &&
	    path[len] != '/'))
		return 0;
	return len;
}

int
fsinfo_find(FILE *mountinfo, const char *path, struct fsinfo *fi)
{
	struct fsinfo cur;
	char line[8192];
	size_t best = 0, len;

	while (fgets(line, sizeof line, mountinfo) != NULL) {
		if (fsinfo_parse_line(line, &cur) == -1)
			continue;
		if ((len = mount_covers(cur.mountpoint, path)) > 0 &&
		    len >= best) {
			best = len;
			*fi = cur;
		}
	}
	if (best == 0) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int
fsinfo_has_option(const struct fsinfo *fi, const char *opt)
{
	const char *p = fi->options;
	size_t len = strlen(opt);

	while (*p != '\0') {
		if (strncmp(p, opt, len) == 0 && (p[len] == ',' ||
		    p[len] == '\0'))
			return 1;
		if ((p = strchr(p, ',')) == NULL)
			break;
		p++;
	}
	return 0;
}

int
fsinfo_judge(const struct fsinfo *fi, char *msg, size_t n)
{
	const char *t = fi->fstype;

	msg[0] = '\0';
	if (strcmp(t, "nfs") == 0 || strcmp(t, "nfs4") == 0) {
		if (fsinfo_has_option(fi, "nolock") ||
		    fsinfo_has_option(fi, "local_lock=all") ||
		    fsinfo_has_option(fi, "local_lock=flock")) {
			snprintf(msg, n, "%s mounted with %s: flock(2) is local "
			    "to this host, so `huskyhook run` on two hosts may "
			    "run one event's hooks at once; mount it without "
			    "it (local_lock=none), or run `huskyhook run` on "
			    "one host only", t, fsinfo_has_option(fi, "nolock")
			    ? "nolock" : "local_lock");
			return 1;
		}
		return 0;
	}
	if (strcmp(t, "fuse.glusterfs") == 0) {
		snprintf(msg, n, "GlusterFS: one accepted copy per event and "
		    "the run lock hold across hosts only if the volume "
		    "enforces a majority quorum (replica 3, or replica 2 with "
		    "an arbiter, and cluster.quorum-type auto), which a client "
		    "cannot see: check it with `gluster volume get VOLUME "
		    "cluster.quorum-type`");
		return 1;
	}
	if (strcmp(t, "fuse.sshfs") == 0 || strcmp(t, "fuse.s3fs") == 0 ||
	    strcmp(t, "fuse.rclone") == 0 || strcmp(t, "fuse.goofys") == 0 ||
	    strcmp(t, "fuse.gcsfuse") == 0) {
		snprintf(msg, n, "%s: neither an exclusive link(2) nor "
		    "flock(2) holds across the hosts that mount it: keep "
		    "the spool on a local disk, or on NFS or GlusterFS", t);
		return 1;
	}
	if (strcmp(t, "9p") == 0) {
		snprintf(msg, n, "9p: link(2) and flock(2) go to the server "
		    "only as far as its protocol version and options let "
		    "them; do not share this spool between hosts");
		return 1;
	}
	if ((strcmp(t, "cifs") == 0 || strcmp(t, "smb3") == 0) &&
	    fsinfo_has_option(fi, "nobrl")) {
		snprintf(msg, n, "%s mounted with nobrl: locks are local to "
		    "this host; do not share this spool between hosts", t);
		return 1;
	}
	return 0;
}

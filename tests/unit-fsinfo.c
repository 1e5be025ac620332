/* fsinfo: mountinfo lines parsed, the spool's mount found, and the
 * filesystems a shared spool is not safe on named. */
#include <stdio.h>
#include <string.h>

#include "fsinfo.h"
#include "tap.h"

static const char sample[] =
    "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "25 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
    "40 22 0:35 / /srv/nfs rw,relatime shared:20 - nfs4 fs1:/export rw,vers=4.2,local_lock=none,addr=192.0.2.1\n"
    "41 22 0:36 / /srv/nolock rw,relatime - nfs fs1:/old rw,vers=3,nolock,addr=192.0.2.1\n"
    "42 22 0:37 / /srv/gluster rw,relatime - fuse.glusterfs 127.0.0.2:hv rw,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072\n"
    "43 22 0:38 / /srv/ssh rw,nosuid,nodev,relatime - fuse.sshfs me@host:/spool rw,user_id=0,group_id=0\n"
    "44 40 0:39 / /srv/nfs/inner rw,relatime - tmpfs tmpfs rw,size=1024k\n"
    "45 22 0:40 / /srv/with\\040space rw,relatime - nfs4 fs1:/x rw,local_lock=flock\n"
    "46 22 0:41 / /srv/s3 rw - fuse.s3fs s3fs rw\n"
    "47 22 0:42 / /srv/rclone rw - fuse.rclone remote: rw\n"
    "48 22 0:43 / /srv/9p rw - 9p share rw,trans=virtio\n"
    "49 22 0:44 / /srv/nfs rw,relatime - nfs4 fs2:/export rw,local_lock=all\n";

static int
find(const char *path, struct fsinfo *fi)
{
	FILE *f = fmemopen((void *)sample, sizeof sample - 1, "r");
	int r = fsinfo_find(f, path, fi);

	fclose(f);
	return r;
}

/* The judgement for path: 0 or 1, and the message in msg. */
static int
judge(const char *path, char *msg, size_t n)
{
	struct fsinfo fi;

	if (find(path, &fi) == -1)
		return -1;
	return fsinfo_judge(&fi, msg, n);
}

int
main(void)
{
	struct fsinfo fi;
	char msg[1024];

	tap_ok(fsinfo_parse_line("42 22 0:37 / /srv/gluster rw,relatime - "
	    "fuse.glusterfs 127.0.0.2:hv rw,allow_other\n", &fi) == 0,
	    "a fuse.glusterfs line parses");
	tap_is_str(fi.mountpoint, "/srv/gluster", "its mount point");
	tap_is_str(fi.fstype, "fuse.glusterfs", "its type");
	tap_is_str(fi.source, "127.0.0.2:hv", "its source");
	tap_is_str(fi.options, "rw,relatime,rw,allow_other",
	    "mount and superblock options together");
	tap_ok(fsinfo_parse_line("36 35 98:0 /mnt1 /mnt/parent rw,noatime "
	    "master:1 shared:2 - ext3 /dev/root rw,errors=continue", &fi) == 0 &&
	    strcmp(fi.fstype, "ext3") == 0,
	    "several optional fields before the separator (proc(5)'s example)");
	tap_ok(fsinfo_parse_line("36 35 98:0 / /x rw - ext4", &fi) == -1,
	    "a line without source: refused");
	tap_ok(fsinfo_parse_line("36 35 98:0 / /x rw shared:1 ext4 /dev/x rw",
	    &fi) == -1, "a line without the separator: refused");
	tap_ok(fsinfo_parse_line("", &fi) == -1, "an empty line: refused");
	tap_ok(fsinfo_parse_line("36 35 98:0 / relative rw - ext4 /dev/x rw",
	    &fi) == -1, "a relative mount point: refused");

	tap_ok(find("/home/me/spool", &fi) == 0 &&
	    strcmp(fi.mountpoint, "/") == 0, "a path on / is on /");
	tap_ok(find("/srv/glusterfoo/spool", &fi) == 0 &&
	    strcmp(fi.mountpoint, "/") == 0,
	    "/srv/glusterfoo is not under /srv/gluster");
	tap_ok(find("/srv/gluster", &fi) == 0 &&
	    strcmp(fi.fstype, "fuse.glusterfs") == 0,
	    "the mount point itself is on its mount");
	tap_ok(find("/srv/nfs/inner/spool", &fi) == 0 &&
	    strcmp(fi.fstype, "tmpfs") == 0, "the deepest mount wins");
	tap_ok(find("/srv/nfs/spool", &fi) == 0 &&
	    strcmp(fi.source, "fs2:/export") == 0,
	    "of two mounts on one point, the later (on top) wins");
	tap_ok(find("/srv/with space/spool", &fi) == 0 &&
	    strcmp(fi.fstype, "nfs4") == 0, "an escaped space in a mount point");

	tap_ok(judge("/home/me/spool", msg, sizeof msg) == 0, "ext4: no warning");
	tap_ok(judge("/srv/nfs/inner/x", msg, sizeof msg) == 0, "tmpfs: no warning");
	tap_ok(judge("/srv/nolock/spool", msg, sizeof msg) == 1 &&
	    strstr(msg, "nolock") != NULL, "NFS with nolock: warned, naming it");
	tap_ok(judge("/srv/with space/x", msg, sizeof msg) == 1 &&
	    strstr(msg, "local_lock") != NULL, "NFS with local_lock=flock: warned");
	tap_ok(judge("/srv/nfs/spool", msg, sizeof msg) == 1,
	    "NFS with local_lock=all: warned");
	tap_ok(fsinfo_parse_line("40 22 0:35 / /srv/nfs rw - nfs4 fs1:/export "
	    "rw,vers=4.2,local_lock=none", &fi) == 0 &&
	    fsinfo_judge(&fi, msg, sizeof msg) == 0,
	    "NFS with local_lock=none: no warning");
	tap_ok(fsinfo_parse_line("40 22 0:35 / /srv/nfs rw - nfs4 fs1:/export "
	    "rw,nolockx", &fi) == 0 && fsinfo_judge(&fi, msg, sizeof msg) == 0,
	    "an option only beginning with nolock is not nolock");
	tap_ok(judge("/srv/gluster/spool", msg, sizeof msg) == 1 &&
	    strstr(msg, "quorum") != NULL,
	    "GlusterFS: warned that quorum must be enforced");
	tap_ok(judge("/srv/ssh/spool", msg, sizeof msg) == 1 &&
	    strstr(msg, "fuse.sshfs") != NULL, "sshfs: warned");
	tap_ok(judge("/srv/s3/spool", msg, sizeof msg) == 1, "s3fs: warned");
	tap_ok(judge("/srv/rclone/spool", msg, sizeof msg) == 1, "rclone: warned");
	tap_ok(judge("/srv/9p/spool", msg, sizeof msg) == 1, "9p: warned");
	return tap_done();
}

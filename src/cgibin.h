/* huskyhook init --cgi-bin: the receiver's entry in a web directory. */
#ifndef HUSKYHOOK_CGIBIN_H
#define HUSKYHOOK_CGIBIN_H

#include <limits.h>

#include "bounds.h"

struct cgibin {
	char	dir[PATH_MAX];		/* the web directory, absolute */
	char	receive[PATH_MAX];	/* the huskyhook-receive to exec */
	char	script[PATH_MAX + 16];	/* dir/huskyhook.cgi */
	char	htaccess[PATH_MAX + 32]; /* where the block went */
	int	appended;		/* 1: to an .htaccess that was there */
	int	aside;			/* 1: beside one with a block already */
	int	open_dir;		/* 1: dir is writable by group or others */
	char	err[PATH_MAX + MESSAGE_BYTES];	/* why a call returned -1 */
};

/*
 * Before anything is made: finds the receiver (beside self, in ../sbin,
 * or sbindir), makes dir (mode 755) if only it is missing, and refuses a
 * dir that already has a huskyhook.cgi. 0, or -1 with why in cb->err.
 */
int	cgibin_prepare(struct cgibin *, const char *dir, const char *self,
	    const char *sbindir);

/*
 * Writes dir/huskyhook.cgi (mode 755: the config's and the receiver's
 * absolute paths) and the .htaccess block: a new .htaccess, or appended
 * to the one there, or .htaccess.huskyhook beside one that has a
 * huskyhook block already. 0, or -1 with why in cb->err.
 */
int	cgibin_write(struct cgibin *, const char *config);

/*
 * Whether path may go into huskyhook.cgi and .htaccess: absolute, and of
 * ASCII letters, digits and / . _ + , @ : = - only. 0, or -1 with err
 * naming the path (escaped) and its first other character.
 * cgibin_prepare checks the receiver's path and cgibin_write both; call
 * it on the config's path before anything is written to refuse with
 * nothing written.
 */
int	cgibin_path_check(const char *path, char *err, size_t errlen);

#endif

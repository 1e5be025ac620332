/* The spool: the only module that knows its layout. See spool.c. */
#ifndef HUSKYHOOK_SPOOL_H
#define HUSKYHOOK_SPOOL_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "bounds.h"

struct event;
struct spool;

enum spool_state {
	SPOOL_PENDING,		/* pending/<id>: not yet done (or retrying) */
	SPOOL_DONE,		/* done/<id> */
	SPOOL_FAILED,		/* failed/<id> */
	SPOOL_NSTATES
};

enum spool_result {
	SPOOL_STORED,
	SPOOL_DUPLICATE,
	SPOOL_ERROR		/* errno says why; nothing was left behind */
};

#define SPOOL_HOOKS_DONE_BYTES	1024
#define SPOOL_ERROR_BYTES	256

/* What the spool records about an event beside its body. */
struct spool_meta {
	char		 id[EVENT_ID_MAX_CHARS + 1];
	char		 type[EVENT_TYPE_MAX_CHARS + 1];
	char		 created_at[CREATED_AT_MAX_BYTES + 1];
	time_t		 created;
	char		 org_id[ORG_ID_MAX_BYTES + 1];
	struct timespec	 received;
	char		 remote_addr[REMOTE_ADDR_MAX_BYTES + 1];
	long		 attempts;
	time_t		 next_attempt;	/* 0: due now */
	time_t		 finished;	/* when it went to done or failed */
	char		 hooks_done[SPOOL_HOOKS_DONE_BYTES];	/* "a b c" */
	char		 last_error[SPOOL_ERROR_BYTES];
};

/* Opens the spool at path, making its subdirectories if they are missing.
 * err gets a reason on failure. */
struct spool *spool_open(const char *path, char *err, size_t errlen);
void spool_close(struct spool *sp);

/* Stores body under ev's id: atomic, exclusive, durable before it
 * returns SPOOL_STORED. *differs is set on a duplicate whose stored body
 * is not byte-for-byte this one. */
enum spool_result spool_commit(struct spool *sp, const struct event *ev,
    const char *remote_addr, const void *body, size_t len, int *differs);

/* The meta file format, exposed for the tests. */
int spool_meta_format(const struct spool_meta *m, char *buf, size_t n);
int spool_meta_parse(const char *buf, size_t len, struct spool_meta *m);

#endif

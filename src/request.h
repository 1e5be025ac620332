/* One webhook request, from CGI variables and body to an answer,
 * independent of how they arrive (CGI, FastCGI, a fuzzer). */
#ifndef HUSKYHOOK_REQUEST_H
#define HUSKYHOOK_REQUEST_H

#include <stddef.h>
#include <sys/types.h>

#include "bounds.h"

struct request_io {
	/* A CGI variable of this request, or NULL. */
	const char	*(*param)(void *arg, const char *name);
	/* Reads up to n body bytes: >0 bytes read, 0 end, -1 error.
	 * A peer too slow is -1 with errno EAGAIN (nothing came for
	 * RECEIVE_IDLE_SEC) or ETIMEDOUT (RECEIVE_READ_BUDGET_SEC spent):
	 * the transport keeps the clock. */
	ssize_t		 (*read)(void *arg, void *buf, size_t n);
	void		*arg;
	/* 1 if the transport marks the body's end (FastCGI's stream does,
	 * CGI's standard input need not): a body without a length is then
	 * read to its end, up to max_body. */
	int		 body_has_end;
};

struct response {
	int	 status;
	int	 stored;		/* this request stored a new event */
	int	 allow_post;		/* send Allow: POST */
	int	 retry_after_sec;	/* >0: send Retry-After */
	char	 body[RESPONSE_BODY_BYTES];	/* JSON, ends in newline */
};

struct receiver;

/* config_path: the process's own HUSKYHOOK_CONFIG, or the default, read
 * once at start. No request can name another. */
struct receiver *receiver_new(const char *config_path);
void receiver_free(struct receiver *r);
void receiver_handle(struct receiver *r, const struct request_io *io,
    struct response *resp);
const char *response_status_text(int status);
/* What the last request used, for the kick after its answer: the config
 * (NULL if it did not load) and the spool (NULL if not open). */
struct config;
struct spool;
const struct config *receiver_config(const struct receiver *r);
struct spool *receiver_current_spool(struct receiver *r);

#endif

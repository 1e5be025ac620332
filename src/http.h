/*
 * One HTTP request through the curl program (send and check --url): the
 * headers reach curl through a pipe (-H @/dev/fd/3) and the body on its
 * standard input, never on its command line, where ps would show the
 * signature beside what it signs.
 */
#ifndef HUSKYHOOK_HTTP_H
#define HUSKYHOOK_HTTP_H

#include <stddef.h>

struct http_answer {
	int	 status;		/* the final status */
	char	 content_type[128];	/* "" if none */
	char	*body;			/* NUL-terminated; may hold NULs */
	size_t	 len;
};

/*
 * method GET or POST to url, with headers ("Name: value\n" lines) and,
 * for POST, body: 0 and *ans (for http_answer_free), or -1 with the
 * reason in err (curl's own message went to stderr before).
 */
int	http_request(const char *method, const char *url, const char *headers,
	    const char *body, size_t len, struct http_answer *ans, char *err,
	    size_t n);
void	http_answer_free(struct http_answer *);
/* 1 if url is one http_request takes: http:// or https://, nothing curl
 * could take for an option. */
int	http_url_is_valid(const char *url);

#endif

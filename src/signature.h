/* HMAC-SHA256 signatures as HuskyVoice sends them in X-Husky-Signature. */
#ifndef HUSKYHOOK_SIGNATURE_H
#define HUSKYHOOK_SIGNATURE_H

#include <stddef.h>

#include "bounds.h"

#define SIGNATURE_BYTES		32
#define SIGNATURE_HEX_CHARS	64

struct config;
struct signature_keys;

enum signature_result {
	SIGNATURE_OK,
	SIGNATURE_MISSING,	/* no header, or nothing in it */
	SIGNATURE_MALFORMED,	/* no candidate of 64 hex digits */
	SIGNATURE_MISMATCH,	/* well formed, but no secret made it */
	SIGNATURE_ERROR		/* the crypto library failed */
};

/* Key state prepared once per secret, not once per request. */
struct signature_keys *signature_keys_new(const struct config *cfg);
void signature_keys_free(struct signature_keys *keys);

/* Parses the header value into at most max candidates of SIGNATURE_BYTES.
 * Candidates are separated by commas or blanks; each may carry a
 * "sha256=" prefix; hex in either case. Tokens that are not signatures
 * are skipped; at most max are kept. Returns how many were kept. */
int signature_parse_header(const char *header,
    unsigned char out[][SIGNATURE_BYTES], int max);

/* Checks header against HMAC-SHA256(body) under every key, in constant
 * time for each comparison. */
enum signature_result signature_verify(const struct signature_keys *keys,
    const char *header, const void *body, size_t len);

/* HMAC-SHA256(key, data) as 64 lower-case hex digits and a NUL. */
int signature_hex(const void *key, size_t keylen, const void *data,
    size_t len, char out[SIGNATURE_HEX_CHARS + 1]);

#endif

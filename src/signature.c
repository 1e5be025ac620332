/*
 * X-Husky-Signature: hex HMAC-SHA256 of the raw body under the shared
 * secret. Several secrets may be configured and several signatures sent
 * (rotation); any pair that matches is enough. Each secret's HMAC state
 * is keyed once and copied per request. Nothing here logs or returns the
 * expected value.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "config.h"
#include "signature.h"

struct signature_keys {
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx[CONFIG_MAX_SECRETS];
	int		 n;
};

static EVP_MAC_CTX *
signature_ctx_new(EVP_MAC *mac, const void *key, size_t keylen)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;

	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key, keylen, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct signature_keys *
signature_keys_new(const struct config *cfg)
{
	struct signature_keys *keys;
	int i;

	if ((keys = calloc(1, sizeof *keys)) == NULL)
		return NULL;
	if ((keys->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto fail;
	for (i = 0; i < cfg->nsecrets; i++) {
		keys->ctx[i] = signature_ctx_new(keys->mac,
		    cfg->secrets[i].key, cfg->secrets[i].len);
		if (keys->ctx[i] == NULL)
			goto fail;
		keys->n++;
	}
	return keys;
fail:
	signature_keys_free(keys);
	return NULL;
}

void
signature_keys_free(struct signature_keys *keys)
{
	int i;

	if (keys == NULL)
		return;
	for (i = 0; i < keys->n; i++)
		EVP_MAC_CTX_free(keys->ctx[i]);
	EVP_MAC_free(keys->mac);
	free(keys);
}

static int
signature_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
signature_decode(const char *tok, size_t len, unsigned char out[SIGNATURE_BYTES])
{
	size_t i;
	int hi, lo;

	if (len > 7 && strncasecmp(tok, "sha256=", 7) == 0) {
		tok += 7;
		len -= 7;
	}
	if (len != SIGNATURE_HEX_CHARS)
		return -1;
	for (i = 0; i < SIGNATURE_BYTES; i++) {
		hi = signature_hexval((unsigned char)tok[2 * i]);
		lo = signature_hexval((unsigned char)tok[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
signature_parse_header(const char *header, unsigned char out[][SIGNATURE_BYTES],
    int max)
{
	static const char seps[] = ", \t";
	const char *p = header;
	size_t len;
	int n = 0;

	while (*p != '\0' && n < max) {
		p += strspn(p, seps);
		len = strcspn(p, seps);
		if (len == 0)
			break;
		if (signature_decode(p, len, out[n]) == 0)
			n++;
		p += len;
	}
	return n;
}

static int
signature_compute(EVP_MAC_CTX *keyed, const void *body, size_t len,
    unsigned char out[SIGNATURE_BYTES])
{
	EVP_MAC_CTX *ctx;
	size_t outlen = 0;
	int ok;

	if ((ctx = EVP_MAC_CTX_dup(keyed)) == NULL)
		return -1;
	ok = EVP_MAC_update(ctx, body, len) &&
	    EVP_MAC_final(ctx, out, &outlen, SIGNATURE_BYTES) &&
	    outlen == SIGNATURE_BYTES;
	EVP_MAC_CTX_free(ctx);
	return ok ? 0 : -1;
}

enum signature_result
signature_verify(const struct signature_keys *keys, const char *header,
    const void *body, size_t len)
{
	unsigned char got[SIGNATURE_MAX_CANDIDATES][SIGNATURE_BYTES];
	unsigned char want[SIGNATURE_BYTES];
	enum signature_result res = SIGNATURE_MISMATCH;
	int i, j, n;

	if (header == NULL || header[strspn(header, ", \t")] == '\0')
		return SIGNATURE_MISSING;
	if (strlen(header) > SIGNATURE_HEADER_MAX_BYTES)
		return SIGNATURE_MALFORMED;
	n = signature_parse_header(header, got, SIGNATURE_MAX_CANDIDATES);
	if (n == 0)
		return SIGNATURE_MALFORMED;
	for (i = 0; i < keys->n && res != SIGNATURE_OK; i++) {
		if (signature_compute(keys->ctx[i], body, len, want) == -1) {
			res = SIGNATURE_ERROR;
			break;
		}
		for (j = 0; j < n; j++)
			if (CRYPTO_memcmp(got[j], want, SIGNATURE_BYTES) == 0)
				res = SIGNATURE_OK;
	}
	OPENSSL_cleanse(want, sizeof want);
	return res;
}

int
signature_hex(const void *key, size_t keylen, const void *data, size_t len,
    char out[SIGNATURE_HEX_CHARS + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[SIGNATURE_BYTES];
	EVP_MAC *evp;
	EVP_MAC_CTX *ctx;
	int i, rc = -1;

	if ((evp = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	if ((ctx = signature_ctx_new(evp, key, keylen)) != NULL) {
		if (signature_compute(ctx, data, len, mac) == 0) {
			for (i = 0; i < SIGNATURE_BYTES; i++) {
				out[2 * i] = hex[mac[i] >> 4];
				out[2 * i + 1] = hex[mac[i] & 15];
			}
			out[SIGNATURE_HEX_CHARS] = '\0';
			rc = 0;
		}
		EVP_MAC_CTX_free(ctx);
	}
	EVP_MAC_free(evp);
	OPENSSL_cleanse(mac, sizeof mac);
	return rc;
}

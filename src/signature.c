/*
 * X-Husky-Signature: hex HMAC-SHA256 of the raw body under the shared
 * secret. Several secrets may be configured and several signatures sent
 * (rotation); any pair that matches is enough. Each secret's HMAC state
 * is keyed once and copied per request. Nothing here logs or returns the
 * expected value.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The SHA-256 primitive only: HMAC is built on it here (RFC 2104), with
 * each key's inner and outer states computed once. OpenSSL 3 calls these
 * functions deprecated in favour of EVP; they are kept because the EVP
 * path loads the provider machinery, which alone costs a FastCGI process
 * about 2 MB of memory and each request a fetch. */
#define OPENSSL_API_COMPAT 10101
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "config.h"
#include "signature.h"
#include "text.h"

#define HMAC_BLOCK_BYTES	64

struct hmac_key {
	SHA256_CTX	inner;	/* after absorbing key XOR ipad */
	SHA256_CTX	outer;	/* after absorbing key XOR opad */
};

struct signature_keys {
	struct hmac_key	key[CONFIG_MAX_SECRETS];
	int		n;
};

static void
hmac_key_init(struct hmac_key *hk, const void *key, size_t keylen)
{
	unsigned char block[HMAC_BLOCK_BYTES], pad[HMAC_BLOCK_BYTES];
	size_t i;

	memset(block, 0, sizeof block);
	if (keylen > HMAC_BLOCK_BYTES)
		SHA256(key, keylen, block);
	else
		memcpy(block, key, keylen);
	for (i = 0; i < HMAC_BLOCK_BYTES; i++)
		pad[i] = block[i] ^ 0x36;
	SHA256_Init(&hk->inner);
	SHA256_Update(&hk->inner, pad, sizeof pad);
	for (i = 0; i < HMAC_BLOCK_BYTES; i++)
		pad[i] = block[i] ^ 0x5c;
	SHA256_Init(&hk->outer);
	SHA256_Update(&hk->outer, pad, sizeof pad);
	OPENSSL_cleanse(block, sizeof block);
	OPENSSL_cleanse(pad, sizeof pad);
}

static void
hmac_compute(const struct hmac_key *hk, const void *data, size_t len,
    unsigned char out[SIGNATURE_BYTES])
{
	SHA256_CTX ctx;
	unsigned char inner[SHA256_DIGEST_LENGTH];

	ctx = hk->inner;
	SHA256_Update(&ctx, data, len);
	SHA256_Final(inner, &ctx);
	ctx = hk->outer;
	SHA256_Update(&ctx, inner, sizeof inner);
	SHA256_Final(out, &ctx);
	OPENSSL_cleanse(&ctx, sizeof ctx);
}

struct signature_keys *
signature_keys_new(const struct config *cfg)
{
	struct signature_keys *keys;
	int i;

	if ((keys = calloc(1, sizeof *keys)) == NULL)
		return NULL;
	for (i = 0; i < cfg->nsecrets; i++)
		hmac_key_init(&keys->key[i], cfg->secrets[i].key,
		    cfg->secrets[i].len);
	keys->n = cfg->nsecrets;
	return keys;
}

void
signature_keys_free(struct signature_keys *keys)
{
	if (keys == NULL)
		return;
	OPENSSL_cleanse(keys, sizeof *keys);
	free(keys);
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
		hi = text_hexval((unsigned char)tok[2 * i]);
		lo = text_hexval((unsigned char)tok[2 * i + 1]);
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
		hmac_compute(&keys->key[i], body, len, want);
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
	struct hmac_key hk;
	int i;

	hmac_key_init(&hk, key, keylen);
	hmac_compute(&hk, data, len, mac);
	for (i = 0; i < SIGNATURE_BYTES; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[SIGNATURE_HEX_CHARS] = '\0';
	OPENSSL_cleanse(&hk, sizeof hk);
	OPENSSL_cleanse(mac, sizeof mac);
	return 0;
}

/* The X-Husky-Signature header parser and verifier: input is the header
 * value, the body is fixed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "signature.h"

/* HMAC-SHA256 of "{}" under the two secrets below. */
#define GOOD_1 "1c5fcdae01c36cd63f5d716f1f3e0a294f063d0f7592f208baab7863a3e4ce10"
#define GOOD_2 "32df24e34f0e9ecb137fa4320ab0d50bcc30843d88000f1360748b6144b4e8e5"

static struct signature_keys *keys;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char out[SIGNATURE_MAX_CANDIDATES][SIGNATURE_BYTES];
	static struct config cfg;
	char *header;

	if (size > 4096)
		return 0;
	if (keys == NULL) {
		cfg.nsecrets = 2;
		cfg.secrets[0].key = (unsigned char *)"fuzz-secret";
		cfg.secrets[0].len = 11;
		cfg.secrets[1].key = (unsigned char *)"other";
		cfg.secrets[1].len = 5;
		if ((keys = signature_keys_new(&cfg)) == NULL)
			abort();
	}
	if ((header = malloc(size + 1)) == NULL)
		return 0;
	memcpy(header, data, size);
	header[size] = '\0';
	signature_parse_header(header, out, SIGNATURE_MAX_CANDIDATES);
	/* An oracle: a header is accepted only if it holds one of the two
	 * right signatures (in either case). */
	if (signature_verify(keys, header, "{}", 2) == SIGNATURE_OK) {
		size_t i;

		for (i = 0; i < size; i++)
			if (header[i] >= 'A' && header[i] <= 'F')
				header[i] = (char)(header[i] - 'A' + 'a');
		if (strstr(header, GOOD_1) == NULL &&
		    strstr(header, GOOD_2) == NULL)
			abort();
	}
	free(header);
	return 0;
}

/* The spool's meta files: parse, and what parses formats back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_meta a, b;
	char buf[SPOOL_META_MAX_BYTES];
	int n;

	if (size > SPOOL_META_MAX_BYTES)
		return 0;
	if (spool_meta_parse((const char *)data, size, &a) != 0)
		return 0;
	n = spool_meta_format(&a, buf, sizeof buf);
	if (n < 0)
		return 0;
	if (spool_meta_parse(buf, (size_t)n, &b) != 0 ||
	    memcmp(&a, &b, sizeof a) != 0)
		abort();
	return 0;
}

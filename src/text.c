/*
 * Small text helpers shared by the modules that read or write formats:
 * one hex digit decoder (signatures, meta escapes, JSON \u), one JSON
 * string escaper, one duration formatter, one string comparator.
 */
#include <stdio.h>
#include <string.h>

#include "text.h"

int
text_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
text_strptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
text_json_escape(char *dst, size_t n, const char *src)
{
	size_t o = 0;
	const unsigned char *p;

	if (n == 0)
		return;
	for (p = (const unsigned char *)src; *p != '\0' && o + 7 < n; p++) {
		if (*p == '"' || *p == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)*p;
		} else if (*p < 0x20) {
			o += (size_t)snprintf(dst + o, n - o, "\\u%04x", *p);
		} else {
			dst[o++] = (char)*p;
		}
	}
	dst[o] = '\0';
}

void
text_format_duration(char *buf, size_t n, long sec)
{
	if (sec % 86400 == 0)
		snprintf(buf, n, "%ldd", sec / 86400);
	else if (sec % 3600 == 0)
		snprintf(buf, n, "%ldh", sec / 3600);
	else if (sec % 60 == 0)
		snprintf(buf, n, "%ldm", sec / 60);
	else
		snprintf(buf, n, "%lds", sec);
}

/*
 * Small text helpers shared by the modules that read or write formats:
 * one hex digit decoder (signatures, meta escapes, JSON \u), one JSON
 * string escaper, the duration formatters, one string comparator, one
 * number parser, and the clock of the receiver's periodic looks.
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

size_t
text_json_escape(char *dst, size_t n, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t len = strlen(src), i = 0, o = 0;
	int k;

	if (n == 0)
		return 0;
	while (i < len && o + 7 < n) {
		k = text_utf8_len(p + i, len - i);
		if (k == 1 && p[i] >= 0x20 && p[i] != 0x7f) {
			if (p[i] == '"' || p[i] == '\\')
				dst[o++] = '\\';
			dst[o++] = (char)p[i++];
		} else if (k > 1 && !(k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			if (o + (size_t)k + 1 > n)
				break;
			memcpy(dst + o, p + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
		} else if (k < 1) {
			/* Not UTF-8: one byte at a time, as U+FFFD. */
			o += (size_t)snprintf(dst + o, n - o, "\\ufffd");
			i++;
		} else {
			/* C0, DEL, or C1 as C2 80..9F. */
			o += (size_t)snprintf(dst + o, n - o, "\\u%04x",
			    p[i + (size_t)k - 1]);
			i += (size_t)k;
		}
	}
	dst[o] = '\0';
	return o;
}

/*
 * Durations, two ways: exact, for limits a user configured (max_age =
 * 3d prints as 3d, 90s as 90s); and rounded down to a unit that keeps
 * the number small, for how long ago something happened.
 */
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

int
text_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], need, cp, min, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3; cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i == n)
			return -1;
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return (int)need + 1;
}

void
text_format_age(char *buf, size_t n, long sec)
{
	if (sec < 120)
		snprintf(buf, n, "%lds", sec);
	else if (sec < 7200)
		snprintf(buf, n, "%ldm", sec / 60);
	else if (sec < 172800)
		snprintf(buf, n, "%ldh", sec / 3600);
	else
		snprintf(buf, n, "%ldd", sec / 86400);
}

/* The one parser of whole numbers: the config's, the command line's and
 * the spool's. Digits only, no sign, no leading zero, at most max. */
int
text_number_parse(const char *v, long long max, long long *out)
{
	long long x = 0;

	if (*v == '\0' || (v[0] == '0' && v[1] != '\0'))
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9' || x > (max - (*v - '0')) / 10)
			return -1;
		x = x * 10 + (*v - '0');
	}
	*out = x;
	return 0;
}

int
text_path_up(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash == NULL || (slash == path && path[1] == '\0'))
		return 0;
	if (slash == path)
		slash[1] = '\0';
	else
		*slash = '\0';
	return 1;
}

int
text_is_due(struct timespec *last, long sec)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((last->tv_sec != 0 || last->tv_nsec != 0) &&
	    now.tv_sec - last->tv_sec < sec + (now.tv_nsec < last->tv_nsec))
		return 0;
	*last = now;
	return 1;
}

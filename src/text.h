/* Small text helpers shared by the modules that read or write formats. */
#ifndef HUSKYHOOK_TEXT_H
#define HUSKYHOOK_TEXT_H

#include <stddef.h>

/* The value of one hex digit (either case), or -1. */
int  text_hexval(int c);
/* qsort/bsearch comparator for an array of C strings. */
int  text_strptr_cmp(const void *a, const void *b);
/* src as the inside of a JSON string into dst (size n): quote,
 * backslash and control bytes escaped; cut short (never mid-escape)
 * when dst is full. */
void text_json_escape(char *dst, size_t n, const char *src);
/* sec as a whole number of days, hours, minutes or seconds, the largest
 * unit that divides it: "3d", "5m", "90s". */
void text_format_duration(char *buf, size_t n, long sec);

#endif

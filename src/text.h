/* Small text helpers shared by the modules that read or write formats. */
#ifndef HUSKYHOOK_TEXT_H
#define HUSKYHOOK_TEXT_H

#include <stddef.h>
#include <time.h>

/* The value of one hex digit (either case), or -1. */
int  text_hexval(int c);
/* qsort/bsearch comparator for an array of C strings. */
int  text_strptr_cmp(const void *a, const void *b);
/* src as the inside of a JSON string into dst (size n): quote and
 * backslash escaped, C0, DEL and C1 controls as \u00XX, bytes that are
 * not UTF-8 as \ufffd; cut short (never mid-escape) when dst is full.
 * Returns the length written. Six times strlen(src) plus one is always
 * enough. */
size_t text_json_escape(char *dst, size_t n, const char *src);
/* The length of the UTF-8 sequence at s (n bytes left): 1 for ASCII, 2
 * to 4, 0 if it is not valid UTF-8 (overlong, surrogate, past U+10FFFF),
 * -1 if it is cut short by the end. */
int  text_utf8_len(const unsigned char *s, size_t n);
/* sec as a whole number of days, hours, minutes or seconds, the largest
 * unit that divides it: "3d", "5m", "90s". */
void text_format_duration(char *buf, size_t n, long sec);
/* sec rounded down to a unit that keeps it small: "90s", "5m", "3h",
 * "2d" (for ages). */
void text_format_age(char *buf, size_t n, long sec);
/* A whole number: digits only, no sign, no leading zero, at most max;
 * 0, or -1. The one parser of numbers the config, the command line and
 * the spool's files hold. */
int  text_number_parse(const char *s, long long max, long long *out);
/* path cut to its directory ("/a/b" to "/a", "/a" to "/"): 1, or 0
 * when it is "/" or holds no '/', left as it is. */
int  text_path_up(char *path);

/* 1 (and *last set to now, by CLOCK_MONOTONIC) if sec seconds have
 * passed since *last, or it was never set; else 0. */
int text_is_due(struct timespec *last, long sec);

#endif

/* The spool's meta file format: struct spool_meta as key=value lines. */
#ifndef HUSKYHOOK_META_H
#define HUSKYHOOK_META_H

#include <stddef.h>

struct spool_meta;

/* Writes m into buf (size n): the file's length, or -1 if it does not
 * fit (SPOOL_META_MAX_BYTES always does). */
int meta_format(const struct spool_meta *m, char *buf, size_t n);
/* Reads a meta file into m, checking every field as untrusted input;
 * 0, or -1 for anything the receiver could not have written. */
int meta_parse(const char *buf, size_t len, struct spool_meta *m);

#endif

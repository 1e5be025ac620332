/* A few lines of TAP for the C unit tests. */
#ifndef HUSKYHOOK_TAP_H
#define HUSKYHOOK_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static void tap_ok(int cond, const char *fmt, ...)
    __attribute__((format(__printf__, 2, 3), unused));
static void
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
}

#define tap_is_str(got, want, name) do {				\
	const char *g_ = (got), *w_ = (want);				\
	tap_ok(g_ != NULL && strcmp(g_, w_) == 0, "%s", (name));	\
	if (g_ == NULL || strcmp(g_, w_) != 0)				\
		printf("#   got '%s'\n#   want '%s'\n",			\
		    g_ ? g_ : "(null)", w_);				\
} while (0)

static int __attribute__((unused))
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif

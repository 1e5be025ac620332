/* The retry backoff: retry_base doubled after each failed attempt, up
 * to retry_max, never past it, whatever the count. */
#include <limits.h>
#include <string.h>

#include "config.h"
#include "run.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		long	 base, max, attempts, want;
	} cases[] = {
		{ 60, 3600, 0, 60 },		/* before any failure: base */
		{ 60, 3600, 1, 60 },
		{ 60, 3600, 2, 120 },
		{ 60, 3600, 3, 240 },
		{ 60, 3600, 6, 1920 },
		{ 60, 3600, 7, 3600 },		/* 3840 capped */
		{ 60, 3600, 1000, 3600 },	/* no overflow on the way */
		{ 0, 0, 5, 0 },			/* retry at once */
		{ 0, 3600, 5, 0 },		/* 0 doubled stays 0 */
		{ 7, 7, 3, 7 },
		{ 30L * 86400, 30L * 86400, 1000, 30L * 86400 },
	};
	struct config cfg;
	size_t i;
	long got;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&cfg, 0, sizeof cfg);
		cfg.retry_base = cases[i].base;
		cfg.retry_max = cases[i].max;
		got = run_backoff_sec(&cfg, cases[i].attempts);
		tap_ok(got == cases[i].want, "base %ld, max %ld, after %ld "
		    "failed: %lds (got %ld)", cases[i].base, cases[i].max,
		    cases[i].attempts, cases[i].want, got);
	}
	return tap_done();
}

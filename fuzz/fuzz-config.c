/* The config reader, over files written from the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static char dir[] = "/tmp/huskyhook-fuzz-config.XXXXXX";
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[1024], secret[96];
	FILE *fp;

	if (size > 64 * 1024)
		return 0;
	if (path[0] == '\0') {
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
		snprintf(secret, sizeof secret, "%s/secret", dir);
		if ((fp = fopen(secret, "w")) == NULL)
			abort();
		fputs("fuzz-secret\n", fp);
		fclose(fp);
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	if (config_load(path, &cfg, err, sizeof err) == 0) {
		/* A loaded config is whole. */
		if (cfg.nsecrets < 1 || cfg.spool == NULL || cfg.log == NULL ||
		    cfg.hook_path == NULL)
			abort();
		/* Every value within its limit, so that no later arithmetic
		 * on it overflows, and the dedupe window covers the replay
		 * window. */
		if (cfg.max_age < 0 || cfg.max_age > MAX_AGE_SEC_LIMIT ||
		    cfg.max_skew < 0 || cfg.max_skew > MAX_SKEW_SEC_LIMIT ||
		    cfg.hook_timeout < 1 ||
		    cfg.hook_timeout > HOOK_TIMEOUT_SEC_LIMIT ||
		    cfg.retry_base < 0 || cfg.retry_base > cfg.retry_max ||
		    cfg.retry_max > RETRY_SEC_LIMIT || cfg.keep_days < 1 ||
		    cfg.keep_days > KEEP_DAYS_LIMIT || cfg.max_attempts < 1 ||
		    cfg.max_attempts > MAX_ATTEMPTS_LIMIT || cfg.max_body < 1 ||
		    cfg.max_body > MAX_BODY_BYTES_LIMIT || cfg.umask > 0777)
			abort();
		if (cfg.max_age > 0 && cfg.keep_days * 86400L < cfg.max_age +
		    cfg.max_skew + SPOOL_PURGE_INTERVAL_SEC)
			abort();
		config_free(&cfg);
	} else if (strncmp(err, path, strlen(path)) != 0) {
		abort();	/* every error names the file */
	}
	return 0;
}

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
		config_free(&cfg);
	} else if (strncmp(err, path, strlen(path)) != 0) {
		abort();	/* every error names the file */
	}
	return 0;
}

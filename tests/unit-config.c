/* The config reader: defaults, every value kind, and errors naming the
 * file and the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

static char dir[] = "/tmp/huskyhook-unit-config.XXXXXX";
static char path[256], err[1024];

static void
write_file(const char *name, const char *text)
{
	char p[512];
	FILE *fp;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	fp = fopen(p, "w");
	fputs(text, fp);
	fclose(fp);
}

static int
load(const char *text, struct config *cfg)
{
	write_file("huskyhook.conf", text);
	err[0] = '\0';
	return config_load(path, cfg, err, sizeof err);
}

static void
expect_error(const char *text, const char *want, const char *name)
{
	struct config cfg;
	char full[600];

	snprintf(full, sizeof full, "%s%s", path, want);
	tap_ok(load(text, &cfg) == -1 && strncmp(err, full, strlen(full)) == 0,
	    "%s", name);
	if (strncmp(err, full, strlen(full)) != 0)
		printf("#   got '%s'\n#   want '%s...'\n", err, full);
}

int
main(void)
{
	struct config cfg;
	long v;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof path, "%s/huskyhook.conf", dir);
	write_file("secret", "s3cret\n");
	write_file("secret2", "other\r\n");

	tap_ok(config_parse_duration("90", &v) == 0 && v == 90, "duration bare");
	tap_ok(config_parse_duration("5m", &v) == 0 && v == 300, "duration m");
	tap_ok(config_parse_duration("3d", &v) == 0 && v == 259200, "duration d");
	tap_ok(config_parse_duration("1x", &v) == -1, "duration bad unit");
	tap_ok(config_parse_duration("-1", &v) == -1, "duration negative");
	tap_ok(config_parse_duration("1m1", &v) == -1, "duration junk");
	tap_ok(config_parse_size("1M", &v) == 0 && v == 1048576, "size M");
	tap_ok(config_parse_size("64K", &v) == 0 && v == 65536, "size K");
	tap_ok(config_parse_duration("99999999999999999999", &v) == -1, "duration overflow");

	tap_ok(load("# comment\n\n  secret_file = secret  \nspool=/tmp/sp\n", &cfg) == 0, "minimal config loads");
	tap_ok(cfg.nsecrets == 1 && cfg.secrets[0].len == 6 && memcmp(cfg.secrets[0].key, "s3cret", 6) == 0, "secret file, newline dropped");
	tap_ok(cfg.max_body == 1048576 && cfg.max_age == 259200 && cfg.max_skew == 300 && cfg.keep_days == 7 && cfg.hook_timeout == 60 && cfg.max_attempts == 10 && cfg.retry_base == 60 && cfg.retry_max == 3600 && cfg.umask == 077 && !cfg.require_https, "defaults");
	tap_is_str(cfg.hook_path, "/usr/local/bin:/usr/bin:/bin", "default hook_path");
	tap_is_str(cfg.log, "stderr", "default log");
	tap_ok(!config_is_stale(&cfg), "fresh config is not stale");
	sleep(1);
	write_file("secret", "rotated\n");
	tap_ok(config_is_stale(&cfg), "changed secret file makes it stale");
	config_free(&cfg);
	write_file("secret", "s3cret\n");

	tap_ok(load("secret_file = secret\nsecret_file = secret2\nsecret = inline\nspool = spool\nhooks = hooks\n"
	    "max_body = 64K\norg_id = a\norg_id = b\nmax_age = 0\nmax_skew = 1m\nkeep_days = 3\n"
	    "require_https = yes\nhook_timeout = 10s\nmax_attempts = 3\nretry_base = 1s\nretry_max = 2h\n"
	    "hook_path = /bin\numask = 027\nlog = syslog\n", &cfg) == 0, "every key");
	if (cfg.path == NULL) {
		printf("#   %s\n", err);
	} else {
		tap_ok(cfg.nsecrets == 3 && cfg.secrets[1].len == 5 && cfg.inline_secret_line == 3, "three secrets, CRLF dropped");
		tap_ok(strcmp(cfg.spool, dir) > 0 && strstr(cfg.spool, "/spool") != NULL && cfg.spool[0] == '/', "relative spool resolved beside the config");
		tap_ok(cfg.max_body == 65536 && cfg.norg_ids == 2 && cfg.max_age == 0 && cfg.max_skew == 60 && cfg.keep_days == 3 && cfg.require_https && cfg.hook_timeout == 10 && cfg.max_attempts == 3 && cfg.retry_base == 1 && cfg.retry_max == 7200 && cfg.umask == 027, "values");
		config_free(&cfg);
	}

	expect_error("secret_file = secret\nspool = s\nfrobnicate = 1\n", ":3: unknown key 'frobnicate'", "unknown key names line 3");
	expect_error("secret_file = secret\nspool = s\nmax_body = lots\n", ":3: max_body", "bad size names line");
	expect_error("secret_file = secret\nspool = s\nmax_body = 65M\n", ":3: max_body", "size over the limit");
	expect_error("secret_file = secret\nmax_age = 3 days\nspool = s\n", ":2: max_age", "bad duration names line");
	expect_error("secret_file = secret\nspool = s\njust words\n", ":3: expected 'key = value'", "no equals sign");
	expect_error("secret_file = secret\nspool =\n", ":2: spool: missing value", "empty value");
	expect_error("secret_file = secret\nspool = s\nrequire_https = maybe\n", ":3: require_https", "bad boolean");
	expect_error("secret_file = secret\nspool = s\numask = 999\n", ":3: umask", "bad umask");
	expect_error("secret_file = secret\nspool = s\nmax_attempts = 0\n", ":3: max_attempts", "max_attempts 0");
	expect_error("secret_file = nosuchfile\nspool = s\n", ":1: secret_file", "unreadable secret file");
	expect_error("spool = s\n", ": no secret", "no secret");
	expect_error("secret_file = secret\n", ": required key 'spool'", "no spool");
	expect_error("secret_file = secret\nspool = s\nmax_age = 10d\nkeep_days = 7\n", ":4: keep_days (7) is shorter than max_age", "keep_days < max_age names its line");
	write_file("empty", "\n");
	expect_error("secret_file = empty\nspool = s\n", ":1: secret_file", "empty secret file");
	{
		struct config c2;
		char missing[300];

		snprintf(missing, sizeof missing, "%s/nope.conf", dir);
		tap_ok(config_load(missing, &c2, err, sizeof err) == -1 && strstr(err, "nope.conf: No such file") != NULL, "missing file named");
	}
	return tap_done();
}

/* The config reader: defaults, every value kind, and errors naming the
 * file and the line. */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "run.h"
#include "tap.h"

static char dir[] = "/tmp/huskyhook-unit-config.XXXXXX";
static char path[256], err[1024];

/*
 * A file replaced by rename while config_load has it in hand: the loader
 * must watch the file it read, not whatever the path names a moment
 * later. close() and fopen() below are this program's own, so the
 * library's calls come here (libc's internal ones do not): when armed,
 * they rename swap_from over swap_to just before handing on.
 */
static char swap_from[512], swap_to[512];
static ino_t swap_ino;		/* close: only the descriptor of this file */
static int swap_on_close, swap_on_fopen, swapped;

static void
swap_now(void)
{
	if (rename(swap_from, swap_to) == 0)
		swapped++;
}

int
close(int fd)
{
	struct stat st;

	if (swap_on_close && fstat(fd, &st) == 0 && st.st_ino == swap_ino) {
		swap_on_close = 0;
		swap_now();
	}
	return (int)syscall(SYS_close, fd);
}

FILE *
fopen(const char *name, const char *mode)
{
	int fd, flags;

	if (swap_on_fopen && strcmp(name, swap_to) == 0) {
		swap_on_fopen = 0;
		swap_now();
	}
	flags = mode[0] == 'r' ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC;
	if (strchr(mode, 'e') != NULL)
		flags |= O_CLOEXEC;
	if ((fd = open(name, flags, 0666)) == -1)
		return NULL;
	return fdopen(fd, mode[0] == 'r' ? "r" : "w");
}

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
dir_file(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static ino_t
inode_of(const char *name)
{
	char p[512];
	struct stat st;

	dir_file(p, sizeof p, name);
	return stat(p, &st) == 0 ? st.st_ino : 0;
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

/* The scratch directory and the files the tests wrote in it, gone. */
static void
remove_dir(void)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	(void)rmdir(dir);
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
	/* The parser itself never overflows, whatever the unit. */
	tap_ok(config_parse_duration("9223372036854775807", &v) == 0 && v == LONG_MAX, "duration LONG_MAX");
	tap_ok(config_parse_duration("9223372036854775808", &v) == -1, "duration LONG_MAX + 1");
	tap_ok(config_parse_duration("106751991167300d", &v) == 0 && v == 106751991167300L * 86400L, "duration: largest day count");
	tap_ok(config_parse_duration("106751991167301d", &v) == -1, "duration: day count overflowing");
	tap_ok(config_parse_duration("153722867280912931m", &v) == -1, "duration: minute count overflowing");
	tap_ok(config_parse_size("8796093022208M", &v) == -1, "size: M count overflowing");

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
	expect_error("secret_file = secret\nspool = s\nmax_age = 10d\nkeep_days = 7\n", ":4: keep_days (7) is too short for max_age (864000s)", "keep_days < max_age names its line");
	/*
	 * The dedupe window covers the replay window: a copy is accepted
	 * until max_age after created_at, which may lie max_skew after the
	 * receipt that keep_days counts from (plus a purge interval).
	 */
	tap_ok(config_min_keep_days(DEFAULT_MAX_AGE_SEC, DEFAULT_MAX_SKEW_SEC) == 4, "defaults need keep_days 4");
	tap_ok(config_min_keep_days(0, DEFAULT_MAX_SKEW_SEC) == 0, "max_age 0 needs no keep_days");
	tap_ok(config_min_keep_days(MAX_AGE_SEC_LIMIT, MAX_SKEW_SEC_LIMIT) <= KEEP_DAYS_LIMIT, "the largest max_age and max_skew can be covered");
	expect_error("secret_file = secret\nspool = s\nkeep_days = 3\n",
	    ":3: keep_days (3) is too short for max_age (259200s) and max_skew (300s): at least 4 ", "keep_days 3 = the default max_age refused, minimum named");
	expect_error("secret_file = secret\nspool = s\nmax_age = 7d\nkeep_days = 7\n",
	    ":4: keep_days (7) is too short for max_age (604800s) and max_skew (300s): at least 8 ", "keep_days equal to max_age refused");
	expect_error("secret_file = secret\nspool = s\nmax_age = 6d\nmax_skew = 1d\n",
	    ":4: keep_days (7) is too short for max_age (518400s) and max_skew (86400s): at least 8 ", "max_skew counts: the line that raised it named");
	tap_ok(load("secret_file = secret\nspool = s\nkeep_days = 1\nmax_age = 82500\nmax_skew = 5m\n", &cfg) == 0, "max_age + max_skew + purge interval = keep_days exactly: loads");
	if (cfg.path != NULL)
		config_free(&cfg);
	expect_error("secret_file = secret\nspool = s\nkeep_days = 1\nmax_age = 82501\nmax_skew = 5m\n",
	    ":3: keep_days (1) is too short", "one second more: refused");
	tap_ok(load("secret_file = secret\nspool = s\nkeep_days = 1\nmax_age = 0\nmax_skew = 1d\n", &cfg) == 0, "max_age 0 (off): any keep_days");
	if (cfg.path != NULL)
		config_free(&cfg);

	/* Every duration and count has a ceiling, so that no arithmetic
	 * on it (now + max_skew, retry doubling, timeout in ms) overflows. */
	expect_error("secret_file = secret\nspool = s\nmax_skew = 9223372036854775807\n", ":3: max_skew: '9223372036854775807' is more than 86400s", "max_skew LONG_MAX refused");
	expect_error("secret_file = secret\nspool = s\nmax_skew = 86401\n", ":3: max_skew: '86401' is more than 86400s", "max_skew past its limit refused");
	expect_error("secret_file = secret\nspool = s\nmax_age = 106751991167300d\nkeep_days = 36500\n", ":3: max_age: '106751991167300d' is more than 31536000s", "max_age near LONG_MAX refused");
	expect_error("secret_file = secret\nspool = s\nmax_age = 366d\nkeep_days = 36500\n", ":3: max_age: '366d' is more than 31536000s", "max_age past its limit refused");
	expect_error("secret_file = secret\nspool = s\nhook_timeout = 9223372036854775807\n", ":3: hook_timeout: '9223372036854775807' is more than 86400s", "hook_timeout LONG_MAX refused");
	expect_error("secret_file = secret\nspool = s\nhook_timeout = 0\n", ":3: hook_timeout must be at least 1s", "hook_timeout 0 refused");
	expect_error("secret_file = secret\nspool = s\nretry_base = 31d\nretry_max = 31d\n", ":3: retry_base: '31d' is more than 2592000s", "retry_base past its limit refused");
	expect_error("secret_file = secret\nspool = s\nkeep_days = 36501\n", ":3: keep_days: '36501' is not a whole number from 1 to 36500", "keep_days past its limit refused");
	expect_error("secret_file = secret\nspool = s\nmax_attempts = 1001\n", ":3: max_attempts: '1001' is not a whole number from 1 to 1000", "max_attempts past its limit refused");
	/* Today's run_backoff_sec doubles retry_base up to retry_max: with a
	 * retry_max near LONG_MAX the doubling overflows. */
	if (load("secret_file = secret\nspool = s\nretry_base = 1\nretry_max = 9223372036854775807\n", &cfg) == 0) {
		v = run_backoff_sec(&cfg, 100);
		tap_ok(0, "retry_max LONG_MAX accepted (backoff after 100 failures: %lds)", v);
		config_free(&cfg);
	} else
		tap_ok(strstr(err, ":4: retry_max: '9223372036854775807' is more than 2592000s") != NULL, "retry_max LONG_MAX refused");
	tap_ok(load("secret_file = secret\nspool = s\nmax_age = 365d\nmax_skew = 1d\nkeep_days = 367\n"
	    "hook_timeout = 1d\nretry_base = 1\nretry_max = 30d\nmax_attempts = 1000\n", &cfg) == 0, "every limit itself loads");
	if (cfg.path == NULL) {
		printf("#   %s\n", err);
	} else {
		tap_ok(cfg.max_age == MAX_AGE_SEC_LIMIT && cfg.max_skew == MAX_SKEW_SEC_LIMIT && cfg.hook_timeout == HOOK_TIMEOUT_SEC_LIMIT && cfg.retry_max == RETRY_SEC_LIMIT, "limits as loaded");
		tap_ok(run_backoff_sec(&cfg, cfg.max_attempts) == RETRY_SEC_LIMIT, "backoff at the limits: capped at retry_max");
		cfg.retry_base = RETRY_SEC_LIMIT;
		tap_ok(run_backoff_sec(&cfg, cfg.max_attempts) == RETRY_SEC_LIMIT, "backoff from the largest retry_base");
		config_free(&cfg);
	}

	/*
	 * The watch records the file that was read. Secret replaced (by
	 * rename) after it was read, before the loader is done with it: the
	 * key in hand is the old one, so the config must be stale.
	 */
	write_file("secret.new", "rotated\n");
	dir_file(swap_from, sizeof swap_from, "secret.new");
	dir_file(swap_to, sizeof swap_to, "secret");
	swap_ino = inode_of("secret");
	swapped = 0;
	swap_on_close = 1;
	tap_ok(load("secret_file = secret\nspool = s\n", &cfg) == 0, "load while the secret is replaced");
	swap_on_close = 0;
	if (cfg.path != NULL) {
		tap_ok(swapped == 1 && inode_of("secret") != swap_ino, "the secret was replaced after it was read");
		tap_ok(cfg.secrets[0].len == 6 && memcmp(cfg.secrets[0].key, "s3cret", 6) == 0, "the key in hand is the old one");
		tap_ok(cfg.nwatch == 2 && cfg.watch[1].ino == swap_ino, "the watch holds the inode that was read");
		tap_ok(config_is_stale(&cfg), "secret replaced between read and watch: stale");
		config_free(&cfg);
	}
	write_file("secret", "s3cret\n");
	/* The config file replaced just before it is opened: the watch must
	 * be of the new file, which is the one read (else a needless
	 * reload, or, were the order reversed, a missed one). */
	write_file("huskyhook.conf", "secret_file = secret\nspool = s\n");
	write_file("next.conf", "secret_file = secret\nspool = s2\n");
	dir_file(swap_from, sizeof swap_from, "next.conf");
	snprintf(swap_to, sizeof swap_to, "%s", path);
	swap_ino = inode_of("next.conf");
	swapped = 0;
	swap_on_fopen = 1;
	tap_ok(config_load(path, &cfg, err, sizeof err) == 0, "load while the config is replaced");
	swap_on_fopen = 0;
	if (cfg.path != NULL) {
		tap_ok(swapped == 1 && strstr(cfg.spool, "/s2") != NULL, "the replacement was read");
		tap_ok(cfg.watch[0].ino == swap_ino, "the config's watch holds the inode that was read");
		tap_ok(!config_is_stale(&cfg), "not stale: what was read is what the path names");
		config_free(&cfg);
	}

	write_file("empty", "\n");
	expect_error("secret_file = empty\nspool = s\n", ":1: secret_file", "empty secret file");
	{
		struct config c2;
		char missing[300];

		snprintf(missing, sizeof missing, "%s/nope.conf", dir);
		tap_ok(config_load(missing, &c2, err, sizeof err) == -1 && strstr(err, "nope.conf: No such file") != NULL, "missing file named");
	}
	remove_dir();
	tap_ok(access(dir, F_OK) == -1, "the scratch directory is removed");
	return tap_done();
}

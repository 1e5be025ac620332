/* The command line, parsed as huskyhook parses it (cli_parse_line),
 * without running anything: which command, which of its options with
 * what values, which operands, and the exit status of usage errors. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tap.h"

/* Parses the words given (NULL-ended) as huskyhook's arguments. */
static int
parse(struct cli *c, ...)
{
	static char *argv[16];
	va_list ap;
	int argc = 0;

	argv[argc++] = (char *)"huskyhook";
	va_start(ap, c);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	free(c->args);
	c->args = NULL;
	return cli_parse_line(c, argc, argv);
}

static int
value_is(const struct cli *c, const char *name, const char *want)
{
	const char *v = cli_value(c, name);

	return want == NULL ? v == NULL : v != NULL && strcmp(v, want) == 0;
}

int
main(void)
{
	struct cli c;
	int rc;

	memset(&c, 0, sizeof c);
	rc = parse(&c, "list", "failed", "--json", NULL);
	tap_ok(rc == -1 && strcmp(c.entry->name, "list") == 0 &&
	    c.nargs == 1 && strcmp(c.args[0], "failed") == 0 &&
	    value_is(&c, "json", ""), "list failed --json: an option after "
	    "an operand");
	rc = parse(&c, "-c", "/x.conf", "status", "--json", NULL);
	tap_ok(rc == -1 && strcmp(c.config_path, "/x.conf") == 0 &&
	    value_is(&c, "json", ""), "-c before the command");
	rc = parse(&c, "status", "--config=/y.conf", NULL);
	tap_ok(rc == -1 && strcmp(c.config_path, "/y.conf") == 0,
	    "--config=FILE after the command");
	rc = parse(&c, "run", "-v", "-j", "08", "--watch", NULL);
	tap_ok(rc == -1 && value_is(&c, "verbose", "") &&
	    value_is(&c, "j", "08") && value_is(&c, "jobs", "08") &&
	    value_is(&c, "watch", ""), "run -v -j 08 --watch: values as "
	    "given, by name or letter (run checks the number itself)");
	rc = parse(&c, "run", NULL);
	tap_ok(rc == -1 && value_is(&c, "jobs", NULL) &&
	    value_is(&c, "watch", NULL), "an option not given has no value");
	rc = parse(&c, "sign", "-s", "key", "body.json", NULL);
	tap_ok(rc == -1 && value_is(&c, "s", "key") && c.nargs == 1,
	    "sign -s FILE FILE");
	rc = parse(&c, "purge", "--done", "--older-than", "30d", NULL);
	tap_ok(rc == -1 && value_is(&c, "done", "") &&
	    value_is(&c, "older-than", "30d") && value_is(&c, "failed", NULL),
	    "purge --done --older-than 30d");
	rc = parse(&c, "requeue", "--", "-odd-id", NULL);
	tap_ok(rc == -1 && c.nargs == 1 && strcmp(c.args[0], "-odd-id") == 0,
	    "after --, an operand that looks like an option");
	rc = parse(&c, "init", "/d", "--cgi-bin", "/w", "--url", "https://x/",
	    NULL);
	tap_ok(rc == -1 && value_is(&c, "cgi-bin", "/w") &&
	    value_is(&c, "url", "https://x/"), "init DIR --cgi-bin --url");

	/* Usage errors: exit status 2. */
	tap_ok(parse(&c, NULL) == 2, "no command: 2");
	tap_ok(parse(&c, "frobnicate", NULL) == 2, "an unknown command: 2");
	tap_ok(parse(&c, "status", "--watch", NULL) == 2,
	    "another command's option (--watch on status): 2");
	tap_ok(parse(&c, "list", "-j", "2", NULL) == 2,
	    "another command's short option (-j on list): 2");
	tap_ok(parse(&c, "run", "-j", NULL) == 2, "-j without a value: 2");
	tap_ok(parse(&c, "show", NULL) == 2, "show without its operand: 2");
	tap_ok(parse(&c, "show", "a", "b", NULL) == 2, "show, two operands: 2");
	tap_ok(parse(&c, "status", "x", NULL) == 2, "status takes no operand: 2");
	tap_ok(parse(&c, "-c", "/x", "init", "/d", NULL) == 2,
	    "-c for init, which reads no config: 2");
	tap_ok(parse(&c, "--bogus", "status", NULL) == 2,
	    "an unknown option before the command: 2");
	tap_ok(parse(&c, "status", "--help", NULL) == 0, "COMMAND --help: 0");
	free(c.args);
	return tap_done();
}

/* huskyhook run: the hooks of due events, once or (--watch) for good. */
#include <stdio.h>

#include "bounds.h"
#include "cli.h"
#include "text.h"
#include "run.h"

static int
cmd_run(struct cli *c)
{
	struct run_options opt = { .notes = stderr };
	struct config cfg;
	char err[MESSAGE_BYTES];
	const char *jobs = cli_value(c, "jobs");
	long long v;
	int rc = 0;

	/* -j N: 1 to HOOK_JOBS_LIMIT, as the jobs key. */
	if (jobs != NULL && (text_number_parse(jobs, HOOK_JOBS_LIMIT, &v) ==
	    -1 || v < 1))
		return cli_usage(c->entry, "-j: '%s' is not a number from 1 "
		    "to %ld", jobs, HOOK_JOBS_LIMIT);
	opt.jobs = jobs != NULL ? (long)v : 0;
	opt.verbose = cli_value(c, "verbose") != NULL;
	opt.watch = cli_value(c, "watch") != NULL;
	if (cli_load_config(c, &cfg) == -1)
		return 1;
	if (cfg.hooks == NULL)
		rc = cli_fail("%s: 'hooks' is not set; run needs it", cfg.path);
	else if (run_spool(&cfg, &opt, stdout, err, sizeof err) == -1)
		rc = cli_fail("%s", err);
	config_free(&cfg);
	return rc;
}

const struct cli_entry cmd_run_entry = {
	.name = "run",
	.usage = "[-v] [-j N] [--watch]",
	.about = "run the hooks of due events",
	.options = {
		{ 'v', "verbose", 0 },
		{ 'j', "jobs", 1 },
		{ 0, "watch", 0 },
	},
	.lower = 0, .upper = 0,
	.flags = CLI_CONFIG | CLI_WRITES | CLI_RUNS_HOOKS,
	.exec = cmd_run,
};

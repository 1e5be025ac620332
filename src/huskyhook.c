/* huskyhook: the command line parsed (cli.c), the command run. */
#include <stdlib.h>

#include "cli.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct cli c;
	int rc;

	log_init("huskyhook");
	if ((rc = cli_parse_line(&c, argc, argv)) == -1)
		rc = c.entry->exec(&c);
	free(c.args);
	return rc;
}

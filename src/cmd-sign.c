/* huskyhook sign: the X-Husky-Signature of a file or of stdin, with the
 * config's secret or one read from a file (never from the command line,
 * where ps would show it). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "cli.h"
#include "io.h"
#include "signature.h"

static int
cmd_sign(struct cli *c)
{
	unsigned char *key = NULL;
	size_t keylen = 0, len;
	char hex[SIGNATURE_HEX_CHARS + 1], *body;
	const char *secret_file = cli_value(c, "s");
	int fd = STDIN_FILENO, rc = 1;

	if (cli_load_key(c, secret_file, &key, &keylen) == -1)
		return 1;
	if (c->nargs == 1 && strcmp(c->args[0], "-") != 0 &&
	    (fd = open(c->args[0], O_RDONLY | O_CLOEXEC)) == -1) {
		cli_fail("%s: %s", c->args[0], strerror(errno));
		goto done;
	}
	if (io_read_all(fd, SIGN_MAX_BYTES, &body, &len) == -1) {
		cli_fail("%s: %s", c->nargs ? c->args[0] : "stdin",
		    strerror(errno));
		goto done;
	}
	if (signature_hex(key, keylen, body, len, hex) == -1)
		cli_fail("cannot compute HMAC-SHA256");
	else
		rc = printf("%s\n", hex) < 0;
	free(body);
done:
	if (fd > STDIN_FILENO)
		close(fd);
	explicit_bzero(key, keylen);
	free(key);
	return rc;
}

const struct cli_entry cmd_sign_entry = {
	.name = "sign",
	.usage = "[-s SECRET_FILE] [FILE]",
	.about = "X-Husky-Signature for FILE",
	.options = {
		{ 's', NULL, 1 },
	},
	.lower = 0, .upper = 1,
	.flags = CLI_CONFIG,
	.exec = cmd_sign,
};

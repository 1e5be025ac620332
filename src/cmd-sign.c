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
read_all(int fd, char **out, size_t *len)
{
	size_t cap = 65536, off = 0;
	char *buf = malloc(cap), *grown;
	ssize_t n;

	if (buf == NULL)
		return -1;
	for (;;) {
		if (off == cap) {
			if (cap >= (size_t)SIGN_MAX_BYTES) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			if ((grown = realloc(buf, cap)) == NULL) {
				free(buf);
				return -1;
			}
			buf = grown;
		}
		if ((n = io_read_full(fd, buf + off, cap - off)) == -1) {
			free(buf);
			return -1;
		}
		off += (size_t)n;
		if (off < cap)
			break;	/* the end of the input */
	}
	*out = buf;
	*len = off;
	return 0;
}

static int
cmd_sign(struct cli *c)
{
	struct config cfg;
	unsigned char *key = NULL;
	size_t keylen = 0, len;
	char err[MESSAGE_BYTES], hex[SIGNATURE_HEX_CHARS + 1], *body;
	const char *secret_file = cli_value(c, "s");
	int fd = STDIN_FILENO, rc = 1;

	if (secret_file != NULL) {
		if (config_read_secret_file(secret_file, &key, &keylen, err,
		    sizeof err) == -1)
			return cli_fail("%s", err);
	} else {
		if (cli_load_config(c, &cfg) == -1)
			return 1;
		keylen = cfg.secrets[0].len;
		if ((key = malloc(keylen)) == NULL) {
			config_free(&cfg);
			return cli_fail("out of memory");
		}
		memcpy(key, cfg.secrets[0].key, keylen);
		config_free(&cfg);
	}
	if (c->nargs == 1 && strcmp(c->args[0], "-") != 0 &&
	    (fd = open(c->args[0], O_RDONLY | O_CLOEXEC)) == -1) {
		cli_fail("%s: %s", c->args[0], strerror(errno));
		goto done;
	}
	if (read_all(fd, &body, &len) == -1) {
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

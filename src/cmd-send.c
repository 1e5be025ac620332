/* huskyhook send: an event signed with the config's secret and posted
 * as HuskyVoice would post it, through curl (http.c): a file, stdin, or
 * one of the vendor's samples made fresh (a new event_id, created_at
 * now), so that max_age and the dedupe take it like a new delivery. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "cli.h"
#include "http.h"
#include "io.h"
#include "signature.h"
#include "send-samples.h"

/* The sample of type made fresh, into a new buffer: its "event_id" and
 * "created_at" values replaced. NULL if there is no such sample. */
static char *
send_sample(const char *type, char *id, size_t idlen)
{
	const char *text = NULL, *keys[2] = { "\"event_id\": \"",
	    "\"created_at\": \"" }, *p, *v, *end;
	char at[32], stamp[32], *out, *o;
	const char *values[2];
	unsigned int rnd = 0;
	struct tm tm;
	time_t now = time(NULL);
	size_t i, k;

	for (i = 0; i < sizeof send_samples / sizeof send_samples[0]; i++)
		if (strcmp(send_samples[i].type, type) == 0)
			text = send_samples[i].text;
	if (text == NULL)
		return NULL;
	gmtime_r(&now, &tm);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		rnd = (unsigned int)getpid() ^ (unsigned int)clock();
	snprintf(id, idlen, "evt_sample_%s_%08x", stamp, rnd);
	values[0] = id;
	values[1] = at;
	if ((out = malloc(strlen(text) + idlen + sizeof at + 1)) == NULL)
		return NULL;
	/* The samples are ours (examples/events): each key is there once,
	 * in this order, its value a plain string. */
	for (p = text, o = out, k = 0; k < 2; k++) {
		if ((v = strstr(p, keys[k])) == NULL ||
		    (end = strchr(v + strlen(keys[k]), '"')) == NULL) {
			free(out);
			return NULL;
		}
		v += strlen(keys[k]);
		memcpy(o, p, (size_t)(v - p));
		o += v - p;
		o += sprintf(o, "%s", values[k]);
		p = end;
	}
	strcpy(o, p);
	return out;
}

/* Prints the answer: the status, then the body, the receiver's JSON on
 * the same line, any other (a web server's page) below it. */
static void
send_print(const struct http_answer *ans)
{
	int json = strncmp(ans->content_type, "application/json", 16) == 0;

	printf("HTTP %d%s", ans->status, json ? " " : "\n");
	cli_put_text(ans->body, ans->len);
	if (ans->len > 0 && ans->body[ans->len - 1] != '\n')
		putchar('\n');
}

static int
cmd_send(struct cli *c)
{
	struct http_answer ans;
	unsigned char *key = NULL;
	size_t keylen = 0, len = 0;
	char hex[SIGNATURE_HEX_CHARS + 1], id[EVENT_ID_MAX_CHARS + 1];
	char headers[sizeof hex + 128], err[MESSAGE_BYTES], *body = NULL;
	const char *type = cli_value(c, "sample"), *url = c->args[0];
	int fd = STDIN_FILENO, rc = 1;

	if (!http_url_is_valid(url))
		return cli_usage(c->entry, "%s: not an http:// or https:// URL",
		    url);
	if (type != NULL && c->nargs > 1)
		return cli_usage(c->entry, "--sample or FILE, not both");
	if (type != NULL) {
		if ((body = send_sample(type, id, sizeof id)) == NULL)
			return cli_usage(c->entry, "no sample of type %s: "
			    "call.initiated, call.answered, call.completed, "
			    "call.failed or call.disallowed", type);
		len = strlen(body);
	} else {
		if (c->nargs == 2 && strcmp(c->args[1], "-") != 0 &&
		    (fd = open(c->args[1], O_RDONLY | O_CLOEXEC)) == -1)
			return cli_fail("%s: %s", c->args[1], strerror(errno));
		if (io_read_all(fd, SIGN_MAX_BYTES, &body, &len) == -1) {
			cli_fail("%s: %s", c->nargs == 2 ? c->args[1] : "stdin",
			    strerror(errno));
			goto done;
		}
	}
	if (cli_load_key(c, cli_value(c, "s"), &key, &keylen) == -1)
		goto done;
	if (signature_hex(key, keylen, body, len, hex) == -1) {
		cli_fail("cannot compute HMAC-SHA256");
		goto done;
	}
	snprintf(headers, sizeof headers, "Content-Type: application/json\n"
	    "X-Husky-Signature: %s\nExpect:\n", hex);
	if (type != NULL)
		printf("sample %s as %s\n", type, id);
	if (http_request("POST", url, headers, body, len, &ans, err,
	    sizeof err) == -1) {
		cli_fail("%s", err);
		goto done;
	}
	send_print(&ans);
	rc = ans.status != 200;
	http_answer_free(&ans);
done:
	if (fd > STDIN_FILENO)
		close(fd);
	if (key != NULL) {
		explicit_bzero(key, keylen);
		free(key);
	}
	free(body);
	return rc;
}

const struct cli_entry cmd_send_entry = {
	.name = "send",
	.usage = "[-s SECRET_FILE] [--sample TYPE] URL [FILE]",
	.about = "sign an event and post it to URL",
	.options = {
		{ 's', NULL, 1 },
		{ 0, "sample", 1 },
	},
	.help =
	    "Signs FILE (or stdin) with the config's first secret, or the one in\n"
	    "SECRET_FILE, and posts it to URL with curl, as HuskyVoice would;\n"
	    "prints the answer's status and body. --sample TYPE (call.initiated,\n"
	    "call.answered, call.completed, call.failed, call.disallowed) posts\n"
	    "the vendor's sample of that type with a new event_id and created_at\n"
	    "now. Exit status 0 only on 200.",
	.lower = 1, .upper = 2,
	.flags = CLI_CONFIG,
	.exec = cmd_send,
};

/* huskyhook show: one event whole: its meta, body and hook log. */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"


/* One line of show: a label, then a value from the spool. */
static void
show_field(const char *label, const char *value)
{
	printf("%-14s", label);
	cli_put_line(value);
	putchar('\n');
}

static int
show_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct spool_event e;
	const struct spool_meta *m = &e.meta;
	enum spool_state st;
	char stamp[64];
	int fd;

	(void)cfg;
	if (spool_take(sp, c->args[0], SPOOL_TAKE_READ, &e) == -1)
		return cli_find_failed(c->args[0]);
	st = e.state;
	log_format_time(stamp, sizeof stamp, m->received.tv_sec, -1);
	show_field("event_id", m->id);
	printf("state         %s\n", spool_state_name(st));
	show_field("event_type", m->type);
	show_field("created_at", m->created_at);
	printf("received_at   %s\n", stamp);
	show_field("org_id", m->org_id);
	show_field("remote_addr", m->remote_addr[0] ? m->remote_addr : "-");
	printf("attempts      %ld\n", cli_attempts(m, st));
	cli_format_utc(stamp, sizeof stamp, m->next_attempt);
	if (st == SPOOL_RETRYING)
		printf("next_attempt  %s\n", stamp);
	cli_format_utc(stamp, sizeof stamp, m->finished);
	if (st != SPOOL_PENDING)
		printf("finished      %s\n", stamp);
	show_field("hooks_done", m->hooks_done[0] ? m->hooks_done :
	    st == SPOOL_DONE ? "(all)" : "-");
	if (m->last_error[0])
		show_field("last_error", m->last_error);
	printf("\n--- body (");
	cli_put_line(e.body_path);
	printf(")\n");
	if (e.body_fd != -1)
		cli_put_fd(e.body_fd);
	printf("\n--- hook log (");
	cli_put_line(e.log_path);
	printf("): each run that printed something or failed\n");
	if ((fd = spool_log(&e)) != -1)
		cli_put_fd(fd);
	else
		printf("(nothing: no hook has printed anything or failed)\n");
	spool_finish(&e, SPOOL_UNTOUCHED);
	return 0;
}

static int
cmd_show(struct cli *c)
{
	return cli_with_spool(c, show_in);
}

const struct cli_entry cmd_show_entry = {
	.name = "show",
	.usage = "EVENT_ID",
	.about = "body, state, attempts, hook log",
	.options = {
	},
	.lower = 1, .upper = 1,
	.flags = CLI_CONFIG,
	.exec = cmd_show,
};

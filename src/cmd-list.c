/* huskyhook list: one line per event, oldest first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What list keeps of an event while it orders them: its key, not the
 * whole meta (about 5 KB), which is read again to be shown. */
struct list_key {
	time_t	 created;
	char	*id;
};

struct list_keys {
	struct list_key	*v;
	size_t		 n, cap;
	enum spool_state want;	/* SPOOL_NSTATES: all */
};

static int
list_key_order(const void *a, const void *b)
{
	const struct list_key *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int
list_key_add(const struct spool_meta *m, void *arg)
{
	struct list_keys *k = arg;
	struct list_key *grown;

	if (k->n == k->cap) {
		if ((grown = reallocarray(k->v, k->cap ? k->cap * 2 : 256,
		    sizeof *grown)) == NULL)
			return -1;
		k->v = grown;
		k->cap = k->cap ? k->cap * 2 : 256;
	}
	if ((k->v[k->n].id = strdup(m->id)) == NULL)
		return -1;
	k->v[k->n++].created = m->created;
	return 0;
}

static void
list_keys_free(struct list_keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i].id);
	free(k->v);
	k->v = NULL;
	k->n = k->cap = 0;
}

static void
list_one(int json, const struct spool_meta *m, enum spool_state st, int first)
{
	if (json) {
		printf("%s{\"event_id\":", first ? "" : ",");
		cli_json_string(stdout, m->id);
		printf(",\"state\":\"%s\",\"event_type\":", spool_state_name(st));
		cli_json_string(stdout, m->type);
		printf(",\"created_at\":");
		cli_json_string(stdout, m->created_at);
		printf(",\"attempts\":%ld,\"last_error\":",
		    cli_attempts(m, st));
		cli_json_string(stdout, m->last_error);
		printf("}");
		return;
	}
	cli_put_padded(m->id, 24);
	printf(" %-8s ", spool_state_name(st));
	cli_put_padded(m->type, 18);
	putchar(' ');
	cli_put_line(m->created_at);
	printf("  attempts %ld", cli_attempts(m, st));
	if (m->last_error[0] != '\0') {
		printf("  ");
		cli_put_line(m->last_error);
	}
	putchar('\n');
}

/* Every event of the state asked for (all: each in turn), oldest
 * created first: the keys of one spool state are ordered, then each meta
 * is read again as it is shown (one that changed state meanwhile is left
 * out), so that a backlog costs its keys, not its metas. */
static int
list_in(struct cli *c, const struct config *cfg, struct spool *sp)
{
	struct list_keys k;
	struct spool_meta m;
	enum spool_state st;
	size_t i;
	int first = 1, rc = 0, json = cli_value(c, "json") != NULL;

	memset(&k, 0, sizeof k);
	k.want = SPOOL_NSTATES;
	if (c->nargs == 1)
		k.want = cli_state_named(c->args[0]);
	if (json)
		printf("[");
	for (st = 0; st < SPOOL_NSTATES; st++) {
		if (k.want != SPOOL_NSTATES && k.want != st)
			continue;
		if (spool_each(sp, st, list_key_add, &k) != 0) {
			rc = cli_fail("%s: %s events: %s", cfg->spool,
			    spool_state_name(st), strerror(errno));
			list_keys_free(&k);
			continue;
		}
		if (k.n > 1)
			qsort(k.v, k.n, sizeof *k.v, list_key_order);
		for (i = 0; i < k.n; i++) {
			if (spool_find(sp, k.v[i].id, (int)st, &m) == -1)
				continue;
			list_one(json, &m, st, first);
			first = 0;
		}
		list_keys_free(&k);
	}
	if (json)
		printf("]\n");
	return rc;
}

static int
cmd_list(struct cli *c)
{
	if (c->nargs == 1 && cli_state_named(c->args[0]) == SPOOL_NSTATES)
		return cli_usage(c->entry, "unknown state '%s'", c->args[0]);
	return cli_with_spool(c, list_in);
}

const struct cli_entry cmd_list_entry = {
	.name = "list",
	.usage = "[pending|retrying|failed|done] [--json]",
	.about = "one line per event, oldest first",
	.options = {
		{ 0, "json", 0 },
	},
	.lower = 0, .upper = 1,
	.flags = CLI_CONFIG,
	.exec = cmd_list,
};

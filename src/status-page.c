/*
 * huskyhook-status: the status page, a CGI program that runs as the
 * spool's owner (under suexec, or a server that runs as that user) and
 * answers only behind the web server's authentication (REMOTE_USER). It
 * shows the spool: an overview with a chart of the last 48 hours drawn
 * as inline SVG, paged lists of failed and retrying events, one event
 * whole, and it requeues events on a POST that carries a token only a
 * page it served can hold: HMAC-SHA256 under the config's first secret
 * of the user and the hour. ?format=prometheus is what `huskyhook status
 * --prometheus` prints (metrics.c writes both).
 *
 * Everything from the spool was written by a sender or a hook: it is
 * escaped for HTML, byte by byte, and the page allows no script at all
 * (Content-Security-Policy), so that a missed escape still runs nothing.
 * A request reads metas for STATUS_SCAN_BUDGET_MSEC at most, and says
 * when it stopped before the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "bounds.h"
#include "config.h"
#include "event.h"
#include "io.h"
#include "log.h"
#include "metrics.h"
#include "signature.h"
#include "spool.h"
#include "text.h"

#define STATUS_CSP	"default-src 'none'; style-src 'unsafe-inline'; " \
			"img-src data:; frame-ancestors 'none'; " \
			"form-action 'self'; base-uri 'none'"
#define STATUS_VALUE_BYTES	(EVENT_ID_MAX_CHARS + 1)

enum status_view { VIEW_OVERVIEW, VIEW_FAILED, VIEW_RETRYING, VIEW_EVENT };

struct page {
	struct config		 cfg;
	struct spool		*sp;
	const char		*user;		/* REMOTE_USER */
	const char		*script;	/* SCRIPT_NAME, for links */
	time_t			 now;
	struct timespec		 deadline;
	int			 out_of_time;
	long			 looked;	/* metas read */
	char			 token[SIGNATURE_HEX_CHARS + 1];
	/* The query or form: */
	enum status_view	 view;
	char			 id[STATUS_VALUE_BYTES];
	char			 all[STATUS_VALUE_BYTES];
	char			 given_token[STATUS_VALUE_BYTES];
	char			 format[STATUS_VALUE_BYTES];
	long			 pageno;
};

static const char *const status_palette[STATUS_CHART_TYPES + 1] = {
	"#4e79a7", "#59a14f", "#edc948", "#b07aa1", "#76b7b2", "#9c755f",
	"#bab0ac"
};

/* ------------------------------------------------------------------ */
/* Escaping.                                                           */

/* s (len bytes) as HTML text or attribute value: the five specials as
 * entities, C0 and DEL and bytes that are not UTF-8 as U+FFFD. */
static void
html_n(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int n;

	while (i < len) {
		switch (p[i]) {
		case '&': fputs("&amp;", stdout); i++; continue;
		case '<': fputs("&lt;", stdout); i++; continue;
		case '>': fputs("&gt;", stdout); i++; continue;
		case '"': fputs("&quot;", stdout); i++; continue;
		case '\'': fputs("&#39;", stdout); i++; continue;
		case '\n': case '\t': putchar(p[i]); i++; continue;
		default: break;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			fputs("\xef\xbf\xbd", stdout);
			i++;
			continue;
		}
		n = text_utf8_len(p + i, len - i);
		if (n <= 0) {
			fputs("\xef\xbf\xbd", stdout);
			i++;
			continue;
		}
		fwrite(p + i, 1, (size_t)n, stdout);
		i += (size_t)n;
	}
}

static void
html(const char *s)
{
	html_n(s, strlen(s));
}

/* s percent-encoded for a query value (then escaped as HTML by being
 * only unreserved characters and %XX). */
static void
url_put(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			putchar(*p);
		else
			printf("%%%02X", *p);
}

/* <a href="SCRIPT?view=V&amp;id=ID">: the page's own link. */
static void
link_open(const struct page *pg, const char *view, const char *id,
    long pageno)
{
	fputs("<a href=\"", stdout);
	html(pg->script);
	printf("?view=%s", view);
	if (id != NULL) {
		fputs("&amp;id=", stdout);
		url_put(id);
	}
	if (pageno > 0)
		printf("&amp;page=%ld", pageno);
	fputs("\">", stdout);
}

/* ------------------------------------------------------------------ */
/* The request.                                                        */

static int
page_out_of_time(struct page *pg)
{
	struct timespec ts;

	if (pg->out_of_time)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec > pg->deadline.tv_sec || (ts.tv_sec ==
	    pg->deadline.tv_sec && ts.tv_nsec >= pg->deadline.tv_nsec))
		pg->out_of_time = 1;
	return pg->out_of_time;
}

/* One key=value of a query or form, percent-decoded into buf: 0, or -1
 * when it does not fit or decodes to a NUL. */
static int
form_decode(const char *s, size_t len, char *buf, size_t n)
{
	size_t i, o = 0;
	int hi, lo, c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (i + 2 >= len || (hi = text_hexval(s[i + 1])) < 0 ||
			    (lo = text_hexval(s[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == '\0' || o + 1 >= n)
			return -1;
		buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return 0;
}

/* The query string or form into pg; unknown keys are left alone, a
 * value that does not fit is an error. */
static int
page_parse_form(struct page *pg, const char *q)
{
	char val[STATUS_VALUE_BYTES], key[16];
	const char *p, *amp, *eq;
	long long n;

	for (p = q; p != NULL && *p != '\0'; p = amp != NULL ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp != NULL ? (size_t)(amp - p) : strlen(p));
		if (eq == NULL || (size_t)(eq - p) >= sizeof key)
			continue;
		memcpy(key, p, (size_t)(eq - p));
		key[eq - p] = '\0';
		if (form_decode(eq + 1, amp != NULL ? (size_t)(amp - eq - 1) :
		    strlen(eq + 1), val, sizeof val) == -1)
			return -1;
		if (strcmp(key, "view") == 0) {
			if (strcmp(val, "failed") == 0)
				pg->view = VIEW_FAILED;
			else if (strcmp(val, "retrying") == 0)
				pg->view = VIEW_RETRYING;
			else if (strcmp(val, "event") == 0)
				pg->view = VIEW_EVENT;
			else
				pg->view = VIEW_OVERVIEW;
		} else if (strcmp(key, "id") == 0) {
			snprintf(pg->id, sizeof pg->id, "%s", val);
		} else if (strcmp(key, "all") == 0) {
			snprintf(pg->all, sizeof pg->all, "%s", val);
		} else if (strcmp(key, "token") == 0) {
			snprintf(pg->given_token, sizeof pg->given_token, "%s",
			    val);
		} else if (strcmp(key, "format") == 0) {
			snprintf(pg->format, sizeof pg->format, "%s", val);
		} else if (strcmp(key, "page") == 0) {
			if (text_number_parse(val, STATUS_PAGE_MAX, &n) == -1)
				return -1;
			pg->pageno = (long)n;
		}
	}
	return 0;
}

/* The requeue token of user for the hour window: HMAC-SHA256 under the
 * first secret, so that only this program, given the config, can make
 * one, and one made for one user is no good for another. */
static int
page_token(const struct page *pg, long window, char out[SIGNATURE_HEX_CHARS
    + 1])
{
	char msg[LOG_LINE_BYTES];
	int n;

	if (pg->cfg.nsecrets < 1)
		return -1;
	n = snprintf(msg, sizeof msg, "huskyhook-status requeue\n%s\n%ld",
	    pg->user, window);
	if (n < 0 || (size_t)n >= sizeof msg)
		return -1;
	return signature_hex(pg->cfg.secrets[0].key, pg->cfg.secrets[0].len,
	    msg, (size_t)n, out);
}

/* 1 if the form's token is this user's, of this hour or the last. */
static int
page_token_is_valid(const struct page *pg)
{
	char want[SIGNATURE_HEX_CHARS + 1];
	long window = (long)(pg->now / STATUS_TOKEN_WINDOW_SEC), w;
	int ok = 0;

	if (strlen(pg->given_token) != SIGNATURE_HEX_CHARS)
		return 0;
	for (w = window; w >= window - 1; w--)
		if (page_token(pg, w, want) == 0 && CRYPTO_memcmp(want,
		    pg->given_token, SIGNATURE_HEX_CHARS) == 0)
			ok = 1;
	OPENSSL_cleanse(want, sizeof want);
	return ok;
}

static void
page_headers(const char *status, const char *type)
{
	printf("Status: %s\r\nContent-Type: %s\r\n"
	    "Content-Security-Policy: " STATUS_CSP "\r\n"
	    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\nCache-Control: no-store\r\n\r\n",
	    status, type);
}

static void
page_top(const struct page *pg, const char *title)
{
	page_headers("200 OK", "text/html; charset=utf-8");
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>", stdout);
	html(title);
	fputs(" - huskyhook</title><style>"
	    "body{font-family:system-ui,sans-serif;margin:1em;max-width:72em}"
	    "table{border-collapse:collapse}td,th{padding:.2em .6em;"
	    "text-align:left;border-bottom:1px solid #ddd;vertical-align:top}"
	    "pre{background:#f6f6f6;padding:.6em;overflow:auto;"
	    "white-space:pre-wrap;word-break:break-all}"
	    ".n{text-align:right}.bad{color:#b00}.note{color:#666}"
	    "nav a{margin-right:1em}form{display:inline}"
	    "</style></head><body>\n<nav>", stdout);
	link_open(pg, "overview", NULL, 0);
	fputs("Overview</a>", stdout);
	link_open(pg, "failed", NULL, 0);
	fputs("Failed</a>", stdout);
	link_open(pg, "retrying", NULL, 0);
	fputs("Retrying</a><span class=\"note\">signed in as ", stdout);
	html(pg->user);
	fputs("</span></nav>\n<h1>", stdout);
	html(title);
	fputs("</h1>\n", stdout);
}

static void
page_bottom(const struct page *pg)
{
	if (pg->out_of_time)
		printf("<p class=\"note\" id=\"partial\">Stopped looking after "
		    "%ld events (%ld ms): what is shown is from those.</p>\n",
		    pg->looked, STATUS_SCAN_BUDGET_MSEC);
	fputs("</body></html>\n", stdout);
}

/* A requeue button: a POST form with this user's token. */
static void
page_requeue_form(const struct page *pg, const char *id, const char *label)
{
	fputs("<form method=\"post\" action=\"", stdout);
	html(pg->script);
	fputs("\"><input type=\"hidden\" name=\"token\" value=\"", stdout);
	html(pg->token);
	fputs("\">", stdout);
	if (id != NULL) {
		fputs("<input type=\"hidden\" name=\"id\" value=\"", stdout);
		html(id);
		fputs("\">", stdout);
	} else {
		fputs("<input type=\"hidden\" name=\"all\" value=\"failed\">",
		    stdout);
	}
	fputs("<button type=\"submit\">", stdout);
	html(label);
	fputs("</button></form>\n", stdout);
}

static void
put_time(time_t t)
{
	char buf[40];

	if (t == 0) {
		fputs("-", stdout);
		return;
	}
	log_format_time(buf, sizeof buf, t, -1);
	html(buf);
}

/* ------------------------------------------------------------------ */
/* The overview and its chart.                                         */

struct chart {
	char	 types[STATUS_CHART_TYPES][EVENT_TYPE_MAX_CHARS + 1];
	int	 ntypes;
	long	 count[STATUS_CHART_HOURS][STATUS_CHART_TYPES + 1];
	long	 failed[STATUS_CHART_HOURS];
	long	 max;
};

struct overview {
	struct page		*pg;
	struct chart		 chart;
	time_t			 hour0;		/* the first hour's start */
	long			 oldest_retrying;	/* -1: none */
	enum spool_state	 st;
};

static int
overview_one(const struct spool_meta *m, void *arg)
{
	struct overview *o = arg;
	struct chart *c = &o->chart;
	long age = (long)(o->pg->now - m->received.tv_sec), h;
	int k;

	if (page_out_of_time(o->pg))
		return 1;
	o->pg->looked++;
	if (o->st == SPOOL_RETRYING && age > o->oldest_retrying)
		o->oldest_retrying = age;
	if (m->received.tv_sec < o->hour0)
		return 0;
	h = (long)((m->received.tv_sec - o->hour0) / 3600);
	if (h >= STATUS_CHART_HOURS)
		h = STATUS_CHART_HOURS - 1;	/* a clock step */
	for (k = 0; k < c->ntypes && strcmp(c->types[k], m->type) != 0; k++)
		;
	if (k == c->ntypes && k < STATUS_CHART_TYPES)
		snprintf(c->types[c->ntypes++], sizeof c->types[0], "%s",
		    m->type);
	c->count[h][k]++;
	if (o->st == SPOOL_FAILED || o->st == SPOOL_RETRYING)
		c->failed[h]++;
	return 0;
}

/* The chart: one stacked bar an hour, by type; a red mark over an hour
 * with failed or retrying events. Drawn here, as SVG in the page. */
static void
chart_draw(const struct overview *o)
{
	const struct chart *c = &o->chart;
	const int w = 960, h = 220, left = 40, top = 20, bottom = 30;
	const int plot = h - top - bottom, bw = (w - left) / STATUS_CHART_HOURS;
	long total, max = 1, y;
	int i, k, x, bh;
	char label[16];
	struct tm tm;
	time_t t;

	for (i = 0; i < STATUS_CHART_HOURS; i++) {
		for (total = 0, k = 0; k <= STATUS_CHART_TYPES; k++)
			total += c->count[i][k];
		if (total > max)
			max = total;
	}
	printf("<svg id=\"chart\" role=\"img\" aria-label=\"Events received per "
	    "hour, last %d hours\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">\n",
	    STATUS_CHART_HOURS, w, h);
	printf("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
	    "<text x=\"0\" y=\"%d\">%ld</text><text x=\"0\" y=\"%d\">0</text>\n",
	    left, top + plot, w, top + plot, top + 4, max, top + plot);
	for (i = 0; i < STATUS_CHART_HOURS; i++) {
		x = left + i * bw;
		y = top + plot;
		total = 0;
		for (k = 0; k <= STATUS_CHART_TYPES; k++) {
			if (c->count[i][k] == 0)
				continue;
			total += c->count[i][k];
			bh = (int)(c->count[i][k] * plot / max);
			if (bh < 1)
				bh = 1;
			y -= bh;
			printf("<rect class=\"bar\" x=\"%d\" y=\"%ld\" width=\"%d\" "
			    "height=\"%d\" fill=\"%s\"><title>", x, y, bw - 2, bh,
			    status_palette[k]);
			html(k < c->ntypes ? c->types[k] : "other");
			printf(": %ld</title></rect>\n", c->count[i][k]);
		}
		if (c->failed[i] > 0)
			printf("<path class=\"failmark\" d=\"M%d %ld l%d -8 l-%d 0 z\" "
			    "fill=\"#c00\"><title>%ld failed or retrying"
			    "</title></path>\n", x + bw / 2, y - 2,
			    bw / 2 > 5 ? 5 : bw / 2, 2 * (bw / 2 > 5 ? 5 : bw / 2),
			    c->failed[i]);
		if (i % 6 == 0) {
			t = o->hour0 + (time_t)i * 3600;
			gmtime_r(&t, &tm);
			strftime(label, sizeof label, "%d %H:00", &tm);
			printf("<text x=\"%d\" y=\"%d\">%s</text>\n", x,
			    h - 10, label);
		}
	}
	fputs("</svg>\n<p>", stdout);
	for (k = 0; k <= c->ntypes && k <= STATUS_CHART_TYPES; k++) {
		if (k == c->ntypes) {
			/* "other" only when some event was drawn as one */
			for (total = 0, i = 0; i < STATUS_CHART_HOURS; i++)
				total += c->count[i][STATUS_CHART_TYPES];
			if (total == 0)
				break;
		}
		printf("<span style=\"color:%s\">&#9632;</span> ",
		    status_palette[k]);
		html(k < c->ntypes ? c->types[k] : "other");
		fputs(" &nbsp; ", stdout);
	}
	fputs("<span style=\"color:#c00\">&#9660;</span> hour with failed or "
	    "retrying events (UTC hours)</p>\n", stdout);
}

static int
page_overview(struct page *pg)
{
	static struct overview o;	/* the chart is some kilobytes */
	static const enum spool_state order[SPOOL_NSTATES] = {
		SPOOL_FAILED, SPOOL_RETRYING, SPOOL_PENDING, SPOOL_DONE
	};
	struct counters c;
	struct spool_runs runs;
	long pending, retrying, failed, done, oldest_pending = -1;
	time_t last, received;
	int k;

	memset(&o, 0, sizeof o);
	o.pg = pg;
	o.oldest_retrying = -1;
	o.hour0 = (pg->now / 3600 - (STATUS_CHART_HOURS - 1)) * 3600;
	/* Counted by their names, pending aged by its bodies' times: exact
	 * at any backlog. */
	if ((pending = spool_each(pg->sp, SPOOL_PENDING, NULL, &received)) ==
	    -1 || (retrying = spool_each(pg->sp, SPOOL_RETRYING, NULL,
	    NULL)) == -1 || (failed = spool_each(pg->sp, SPOOL_FAILED, NULL,
	    NULL)) == -1 || (done = spool_each(pg->sp, SPOOL_DONE, NULL,
	    NULL)) == -1)
		return -1;
	if (received != 0)
		oldest_pending = pg->now > received ? (long)(pg->now -
		    received) : 0;
	/* Failed and retrying first: what a person looks for is drawn even
	 * when the time runs out on a large backlog. */
	for (k = 0; k < SPOOL_NSTATES; k++) {
		o.st = order[k];
		if (spool_each(pg->sp, o.st, overview_one, &o) == -1)
			return -1;
	}
	last = spool_runs(pg->sp, &runs) == -1 ? 0 : runs.last;
	if (counters_read(pg->cfg.spool, &c) == -1)
		memset(&c, 0, sizeof c);

	page_top(pg, "Overview");
	fputs("<table id=\"counts\"><tr><th>state</th><th class=\"n\">events"
	    "</th><th>oldest</th></tr>\n", stdout);
	printf("<tr><td>pending</td><td class=\"n\" id=\"n-pending\">%ld</td>"
	    "<td>", pending);
	if (oldest_pending >= 0) {
		char age[32];

		text_format_age(age, sizeof age, oldest_pending);
		printf("<span id=\"oldest-pending\">%s</span> ago", age);
	}
	fputs("</td></tr>\n<tr><td>", stdout);
	link_open(pg, "retrying", NULL, 0);
	printf("retrying</a></td><td class=\"n\" id=\"n-retrying\">%ld</td>"
	    "<td></td></tr>\n", retrying);
	fputs("<tr><td>", stdout);
	link_open(pg, "failed", NULL, 0);
	printf("failed</a></td><td class=\"n%s\" id=\"n-failed\">%ld</td><td>"
	    "</td></tr>\n<tr><td>done</td><td class=\"n\" id=\"n-done\">%ld</td>"
	    "<td></td></tr>\n</table>\n", failed > 0 ? " bad" : "", failed,
	    done);
	fputs("<h2>Last run</h2>\n<p id=\"last-run\">", stdout);
	if (last == 0) {
		fputs("never", stdout);
	} else {
		if (c.run_start != 0) {
			fputs("started ", stdout);
			put_time(c.run_start);
			fputs(", ", stdout);
		}
		fputs("ended ", stdout);
		put_time(last);
		if (c.run_known)
			printf(": %lld done, %lld to retry, %lld failed",
			    c.run_events[COUNTERS_DONE],
			    c.run_events[COUNTERS_RETRY],
			    c.run_events[COUNTERS_FAILED]);
	}
	fputs("</p>\n<p>Since the spool was made: ", stdout);
	for (k = 0; k < COUNTERS_NRESULTS; k++)
		printf("%s%llu %s", k > 0 ? ", " : "", c.attempts[k],
		    counters_result_name(k));
	fputs(" attempts at events' hooks.</p>\n<h2>Events received per hour"
	    "</h2>\n", stdout);
	chart_draw(&o);
	page_bottom(pg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The lists.                                                          */

struct list {
	struct page		*pg;
	enum spool_state	 want;
	long			 skip;		/* matches before the page */
	long			 matched;
	struct spool_meta	 rows[STATUS_ROWS_PER_PAGE];
	int			 n;
};

static int
list_one(const struct spool_meta *m, void *arg)
{
	struct list *l = arg;

	if (page_out_of_time(l->pg))
		return 1;
	l->pg->looked++;
	if (l->matched++ >= l->skip && l->n < STATUS_ROWS_PER_PAGE)
		l->rows[l->n++] = *m;
	return 0;
}

static int
list_row_order(const void *a, const void *b)
{
	const struct spool_meta *x = a, *y = b;

	if (x->received.tv_sec != y->received.tv_sec)
		return x->received.tv_sec < y->received.tv_sec ? 1 : -1;
	return strcmp(x->id, y->id);
}

static int
page_list(struct page *pg)
{
	static struct list l;	/* a page of metas: some 100 KiB */
	const char *view = pg->view == VIEW_FAILED ? "failed" : "retrying";
	struct spool_meta *m;
	int i;

	memset(&l, 0, sizeof l);
	l.pg = pg;
	l.want = pg->view == VIEW_FAILED ? SPOOL_FAILED : SPOOL_RETRYING;
	l.skip = pg->pageno * STATUS_ROWS_PER_PAGE;
	if (spool_each(pg->sp, l.want, list_one, &l) == -1)
		return -1;
	qsort(l.rows, (size_t)l.n, sizeof l.rows[0], list_row_order);

	page_top(pg, pg->view == VIEW_FAILED ? "Failed events" :
	    "Retrying events");
	printf("<p id=\"list-count\">%s%ld %s event%s", pg->out_of_time ?
	    "at least " : "", l.matched, view, l.matched == 1 ? "" : "s");
	if (l.matched > 0)
		printf("; %ld to %ld here", l.skip + (l.n > 0 ? 1 : 0),
		    l.skip + l.n);
	fputs(".</p>\n", stdout);
	if (l.want == SPOOL_FAILED && l.matched > 0)
		page_requeue_form(pg, NULL, "Requeue every failed event");
	fputs("<table id=\"list\"><tr><th>event</th><th>type</th><th>org_id</th>"
	    "<th>received</th><th class=\"n\">attempts</th><th>last error</th>"
	    "<th>", stdout);
	fputs(l.want == SPOOL_FAILED ? "failed at" : "next attempt", stdout);
	fputs("</th></tr>\n", stdout);
	for (i = 0; i < l.n; i++) {
		m = &l.rows[i];
		fputs("<tr><td>", stdout);
		link_open(pg, "event", m->id, 0);
		html(m->id);
		fputs("</a></td><td>", stdout);
		html(m->type);
		fputs("</td><td>", stdout);
		html(m->org_id);
		fputs("</td><td>", stdout);
		put_time(m->received.tv_sec);
		printf("</td><td class=\"n\">%ld</td><td class=\"bad\">",
		    m->attempts);
		html(m->last_error);
		fputs("</td><td>", stdout);
		put_time(l.want == SPOOL_FAILED ? m->finished :
		    m->next_attempt);
		fputs("</td></tr>\n", stdout);
	}
	fputs("</table>\n<p>", stdout);
	if (pg->pageno > 0) {
		link_open(pg, view, NULL, pg->pageno - 1);
		fputs("&larr; newer page</a> ", stdout);
	}
	if (l.matched > l.skip + l.n && pg->pageno + 1 <= STATUS_PAGE_MAX) {
		link_open(pg, view, NULL, pg->pageno + 1);
		fputs("next page &rarr;</a>", stdout);
	}
	fputs("</p>\n", stdout);
	page_bottom(pg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* One event.                                                          */

static void
meta_row(const char *key, const char *value)
{
	fputs("<tr><th>", stdout);
	html(key);
	fputs("</th><td>", stdout);
	html(value);
	fputs("</td></tr>\n", stdout);
}

static void
meta_row_time(const char *key, time_t t)
{
	printf("<tr><th>%s</th><td>", key);
	put_time(t);
	fputs("</td></tr>\n", stdout);
}

/* The end of the hook log, at most STATUS_LOG_MAX_BYTES of it. */
static void
page_event_log(struct spool_event *e)
{
	struct stat sb;
	char *buf = NULL;
	off_t from = 0;
	ssize_t n;
	int fd;

	fputs("<h2>Hook log</h2>\n", stdout);
	if ((fd = spool_log(e)) == -1) {
		printf("<p class=\"note\">%s</p>\n", errno == ENOENT ?
		    "No hook printed anything or failed." : "The log cannot be "
		    "read.");
		return;
	}
	if (fstat(fd, &sb) == 0 && sb.st_size > STATUS_LOG_MAX_BYTES)
		from = sb.st_size - STATUS_LOG_MAX_BYTES;
	if ((buf = malloc(STATUS_LOG_MAX_BYTES)) == NULL ||
	    lseek(fd, from, SEEK_SET) == -1 ||
	    (n = io_read_full(fd, buf, STATUS_LOG_MAX_BYTES)) == -1) {
		fputs("<p class=\"note\">The log cannot be read.</p>\n", stdout);
		goto done;
	}
	if (from > 0)
		printf("<p class=\"note\">Its last %ld bytes:</p>\n",
		    STATUS_LOG_MAX_BYTES);
	fputs("<pre id=\"log\">", stdout);
	html_n(buf, (size_t)n);
	fputs("</pre>\n", stdout);
done:
	free(buf);
}

static int
page_event(struct page *pg)
{
	struct spool_event e;
	const struct spool_meta *m = &e.meta;
	char num[32], *body = NULL, *pretty = NULL;
	size_t len;
	int st;

	if (!event_id_is_valid(pg->id, strlen(pg->id)) ||
	    (st = spool_take(pg->sp, pg->id, SPOOL_TAKE_READ, &e)) == -1) {
		page_headers("404 Not Found", "text/plain; charset=utf-8");
		puts("No such event.");
		return 0;
	}
	page_top(pg, "Event");
	fputs("<table id=\"meta\">\n", stdout);
	meta_row("event_id", m->id);
	meta_row("state", spool_state_name((enum spool_state)st));
	meta_row("event_type", m->type);
	meta_row("org_id", m->org_id);
	meta_row("created_at", m->created_at);
	meta_row_time("received", m->received.tv_sec);
	meta_row("remote_addr", m->remote_addr);
	snprintf(num, sizeof num, "%ld", m->attempts);
	meta_row("attempts", num);
	if (st == SPOOL_RETRYING)
		meta_row_time("next attempt", m->next_attempt);
	else if (st != SPOOL_PENDING)
		meta_row_time("finished", m->finished);
	meta_row("hooks done", m->hooks_done);
	meta_row("last error", m->last_error);
	fputs("</table>\n", stdout);
	if (st != SPOOL_PENDING)
		page_requeue_form(pg, m->id, "Requeue this event");
	fputs("<h2>Body</h2>\n", stdout);
	if (e.body_fd == -1 || io_read_all(e.body_fd, MAX_BODY_BYTES_LIMIT,
	    &body, &len) == -1) {
		fputs("<p class=\"note\">The body cannot be read.</p>\n", stdout);
	} else {
		pretty = event_format_pretty(body, len);
		fputs("<pre id=\"body\">", stdout);
		if (pretty != NULL)
			html(pretty);
		else
			html_n(body, len);
		fputs("</pre>\n", stdout);
	}
	free(body);
	free(pretty);
	page_event_log(&e);
	spool_finish(&e, SPOOL_UNTOUCHED);
	page_bottom(pg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Requeue (POST).                                                     */

struct requeue_all {
	struct page	*pg;
	long		 n, errors;
};

static int
requeue_each(const struct spool_meta *m, void *arg)
{
	struct requeue_all *r = arg;

	if (spool_requeue(r->pg->sp, m->id) == -1)
		r->errors++;
	else
		r->n++;
	return 0;
}

static void
page_redirect(const struct page *pg, const char *view, const char *id)
{
	printf("Status: 303 See Other\r\nLocation: %s?view=%s", pg->script,
	    view);
	if (id != NULL) {
		fputs("&id=", stdout);
		url_put(id);
	}
	fputs("\r\nCache-Control: no-store\r\nContent-Length: 0\r\n\r\n",
	    stdout);
}

/* The form of a POST, then the requeue it asks for. err: why not. */
static int
page_requeue(struct page *pg, const char **err)
{
	char form[STATUS_FORM_MAX_BYTES + 1], ebuf[LOG_LINE_BYTES];
	const char *cl = getenv("CONTENT_LENGTH"), *site;
	struct requeue_all r = { pg, 0, 0 };
	long long len;
	ssize_t n;

	/* A browser says where a request comes from; one from another site
	 * is refused before anything else (the token would refuse it too). */
	site = getenv("HTTP_SEC_FETCH_SITE");
	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0) {
		*err = "a request from another site";
		return 403;
	}
	if (cl == NULL || text_number_parse(cl, STATUS_FORM_MAX_BYTES, &len) ==
	    -1) {
		*err = "no form, or a form too large";
		return 400;
	}
	if ((n = io_read_full(0, form, (size_t)len)) != (ssize_t)len) {
		*err = "the form was cut short";
		return 400;
	}
	form[len] = '\0';
	if (page_parse_form(pg, form) == -1) {
		*err = "the form does not read";
		return 400;
	}
	if (!page_token_is_valid(pg)) {
		*err = "the form's token is not this user's, or is over an hour "
		    "old: load the page again";
		return 403;
	}
	if (spool_lock(pg->sp, SPOOL_LOCK_STATE, 10) != 1) {
		*err = "the spool's state lock is held: try again";
		return 503;
	}
	if (pg->id[0] != '\0') {
		if (spool_requeue(pg->sp, pg->id) == -1) {
			spool_unlock(pg->sp, SPOOL_LOCK_STATE);
			*err = errno == ENOENT || errno == EINVAL ?
			    "no such event" : errno == EBUSY ? "the event is "
			    "pending and a run holds the lock: it runs when due" :
			    "the event could not be requeued";
			return errno == ENOENT || errno == EINVAL ? 404 : 409;
		}
		spool_unlock(pg->sp, SPOOL_LOCK_STATE);
		log_msg(LOG_LEVEL_INFO, "%s requeued %s from the status page",
		    log_escape(ebuf, sizeof ebuf, pg->user, strlen(pg->user)),
		    pg->id);
		page_redirect(pg, "event", pg->id);
		return 0;
	}
	if (strcmp(pg->all, "failed") != 0) {
		spool_unlock(pg->sp, SPOOL_LOCK_STATE);
		*err = "the form names no event";
		return 400;
	}
	if (spool_each(pg->sp, SPOOL_FAILED, requeue_each, &r) == -1)
		r.errors++;
	spool_unlock(pg->sp, SPOOL_LOCK_STATE);
	log_msg(LOG_LEVEL_INFO, "%s requeued %ld failed events from the status "
	    "page (%ld errors)", log_escape(ebuf, sizeof ebuf, pg->user,
	    strlen(pg->user)), r.n, r.errors);
	page_redirect(pg, "failed", NULL);
	return 0;
}

/* ------------------------------------------------------------------ */

/* 403 without REMOTE_USER: the page serves only behind the server's
 * authentication, and says how to put it there. */
static void
page_no_user(const char *config_path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof dir, "%s", config_path);
	if (!text_path_up(dir))
		snprintf(dir, sizeof dir, ".");
	page_headers("403 Forbidden", "text/html; charset=utf-8");
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>403 - huskyhook</title></head><body><h1>Sign-in required"
	    "</h1>\n<p>The status page answers only behind the web server's "
	    "authentication (no REMOTE_USER was set). On Apache, put these lines "
	    "in the .htaccess of its directory:</p>\n<pre>AuthType Basic\n"
	    "AuthName \"huskyhook status\"\nAuthUserFile ", stdout);
	html(dir);
	fputs("/htpasswd\nRequire valid-user\n</pre>\n<p>and make the user with"
	    "</p>\n<pre>htpasswd -c -B ", stdout);
	html(dir);
	fputs("/htpasswd USER</pre>\n</body></html>\n", stdout);
}

static void
page_error(int status, const char *why)
{
	char line[32];

	snprintf(line, sizeof line, "%d %s", status, status == 400 ?
	    "Bad Request" : status == 403 ? "Forbidden" : status == 404 ?
	    "Not Found" : status == 409 ? "Conflict" : status == 503 ?
	    "Service Unavailable" : "Internal Server Error");
	page_headers(line, "text/plain; charset=utf-8");
	printf("%s\n", why);
}

int
main(void)
{
	static struct page pg;
	struct metrics_tally t;
	char err[MESSAGE_BYTES];
	const char *method = getenv("REQUEST_METHOD"), *why = NULL;
	const char *path = config_default_path(), *q;
	int fd, status = 500;

	/* fds 0 to 2 open, or a file opened next would be one. */
	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	log_init("huskyhook-status");
	pg.now = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &pg.deadline);
	pg.deadline.tv_nsec += (STATUS_SCAN_BUDGET_MSEC % 1000) * 1000000L;
	pg.deadline.tv_sec += STATUS_SCAN_BUDGET_MSEC / 1000 +
	    pg.deadline.tv_nsec / 1000000000L;
	pg.deadline.tv_nsec %= 1000000000L;
	pg.script = getenv("SCRIPT_NAME");
	if (pg.script == NULL || strpbrk(pg.script, "\r\n") != NULL)
		pg.script = "";
	pg.user = getenv("REMOTE_USER");

	if (config_load(path, &pg.cfg, err, sizeof err) == -1) {
		log_msg(LOG_LEVEL_ERR, "%s", err);
		why = "the config does not load: the server's error log says why";
		goto fail;
	}
	if (log_set_target(pg.cfg.log) == -1)
		log_msg(LOG_LEVEL_WARN, "log %s: %s", pg.cfg.log,
		    strerror(errno));
	umask(pg.cfg.umask);
	if (pg.user == NULL || pg.user[0] == '\0') {
		page_no_user(path);
		goto done;
	}
	if (page_token(&pg, (long)(pg.now / STATUS_TOKEN_WINDOW_SEC),
	    pg.token) == -1) {
		why = "no secret to make a form's token with";
		goto fail;
	}
	if ((pg.sp = spool_open(pg.cfg.spool, method != NULL &&
	    strcmp(method, "POST") == 0 ? SPOOL_OPEN_MAKE : 0, err,
	    sizeof err)) == NULL) {
		log_msg(LOG_LEVEL_ERR, "%s", err);
		why = "the spool cannot be opened: the log says why";
		status = 503;
		goto fail;
	}
	if (method != NULL && strcmp(method, "POST") == 0) {
		if ((status = page_requeue(&pg, &why)) != 0)
			goto fail;
		goto done;
	}
	if (method == NULL || (strcmp(method, "GET") != 0 &&
	    strcmp(method, "HEAD") != 0)) {
		why = "GET or POST only";
		status = 400;
		goto fail;
	}
	q = getenv("QUERY_STRING");
	if (page_parse_form(&pg, q != NULL ? q : "") == -1) {
		why = "the query does not read";
		status = 400;
		goto fail;
	}
	if (strcmp(pg.format, "prometheus") == 0) {
		if (metrics_tally(pg.sp, pg.cfg.spool, pg.now, &t) == -1) {
			why = "the spool cannot be read";
			goto fail;
		}
		page_headers("200 OK", "text/plain; version=0.0.4; "
		    "charset=utf-8");
		metrics_write_prometheus(stdout, &t);
		goto done;
	}
	switch (pg.view) {
	case VIEW_FAILED:
	case VIEW_RETRYING:
		status = page_list(&pg);
		break;
	case VIEW_EVENT:
		status = page_event(&pg);
		break;
	default:
		status = page_overview(&pg);
		break;
	}
	if (status == -1) {
		why = "the spool cannot be read";
		status = 500;
		goto fail;
	}
	goto done;
fail:
	page_error(status, why != NULL ? why : "error");
done:
	fflush(stdout);
	if (pg.sp != NULL)
		spool_close(pg.sp);
	config_free(&pg.cfg);
	return 0;
}

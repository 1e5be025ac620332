/*
 * Every limit huskyhook enforces, in one place, each with its unit.
 * Tunable ones are defaults for huskyhook.conf keys; the rest are fixed
 * bounds on untrusted input.
 */
#ifndef HUSKYHOOK_BOUNDS_H
#define HUSKYHOOK_BOUNDS_H

/* Defaults of huskyhook.conf keys (huskyhook.conf(5)). */
#define DEFAULT_MAX_BODY_BYTES      (1024L * 1024L)
#define DEFAULT_MAX_AGE_SEC         (3L * 86400L)
#define DEFAULT_MAX_SKEW_SEC        (5L * 60L)
#define DEFAULT_KEEP_DAYS           7L
#define DEFAULT_HOOK_TIMEOUT_SEC    60L
#define DEFAULT_MAX_ATTEMPTS        10L
#define DEFAULT_RETRY_BASE_SEC      60L
#define DEFAULT_RETRY_MAX_SEC       3600L
#define DEFAULT_HOOK_PATH           "/usr/local/bin:/usr/bin:/bin"
#define DEFAULT_UMASK               0077
#define DEFAULT_JOBS                1L
#define DEFAULT_ORDER_BY            "data.call_id"

/* Hard bounds. */
#define MAX_BODY_BYTES_LIMIT        (64L * 1024L * 1024L)
#define CONFIG_LINE_BYTES           4096
#define CONFIG_MAX_SECRETS          8
#define CONFIG_MAX_ORG_IDS          64
#define SECRET_MAX_BYTES            1024
#define SIGNATURE_HEADER_MAX_BYTES  1024
#define SIGNATURE_MAX_CANDIDATES    8
#define JSON_MAX_DEPTH              32
#define EVENT_ID_MAX_CHARS          128
#define EVENT_TYPE_MAX_CHARS        64
#define ORG_ID_MAX_CHARS            128	/* what event_parse accepts */
#define ORG_ID_MAX_BYTES            256	/* what a stored meta may hold */
#define CREATED_AT_MAX_BYTES        64
#define REMOTE_ADDR_MAX_BYTES       64
#define LOG_LINE_BYTES              1024
/* A message a module hands its caller (a config error names file and
 * line and quotes the value, so it is longer than a log line's text). */
#define MESSAGE_BYTES               1024

/* getpwuid_r's buffer: glibc asks for 1 KiB (_SC_GETPW_R_SIZE_MAX); a
 * passwd line from NSS can be longer, never this long. */
#define PASSWD_BUF_BYTES            16384

/* Receiver: threads of one FastCGI process (HUSKYHOOK_FCGI_THREADS). A
 * new event waits for two fsyncs; the threads are how many commits are
 * in flight at once. */
#define RECEIVE_THREADS_DEFAULT     8
#define RECEIVE_MAX_THREADS         64
/* A changed config or secret file, or a spool directory moved aside, is
 * noticed by a running receiver within this long (it looks once in it,
 * not at every request). */
#define RECEIVE_RECHECK_SEC         1
/*
 * Deadlines on a peer that has not shown the secret yet (the signature
 * is checked only once the whole body is in): each read or write on a
 * FastCGI connection or a CGI standard input waits at most
 * RECEIVE_IDLE_SEC, and the request as a whole (FastCGI: from accept to
 * the last body byte, parameters included; CGI: from the start to the
 * last body byte) RECEIVE_READ_BUDGET_SEC; then it is answered 408. Under
 * FastCGI a read still blocked RECEIVE_CUT_GRACE_SEC after that is cut
 * off. A connection is let go at most RECEIVE_LINGER_SEC after its
 * answer, whatever the peer still sends (a peer whose unread data is left
 * behind gets a reset, which can cost it the answer); one answered 408,
 * RECEIVE_CUT_LINGER_SEC, off the serving thread.
 *
 * The budget bounds how long slow senders hold the threads: with the
 * default 8 threads, 24 senders trickling a byte a second are 3 rounds
 * ahead of a delivery sent after them, each of at most 7 + 1 s: it is
 * answered within 24 s (30 s asked). A silent peer is let go after 5 s.
 * A webhook body is a few KB, and even max_body's default 1M needs only
 * 150 KiB/s to arrive in 7 s; lighttpd and nginx read the whole body
 * before they pass it on, Apache's mod_proxy_fcgi streams it.
 */
#define RECEIVE_IDLE_SEC            5
#define RECEIVE_READ_BUDGET_SEC     7
#define RECEIVE_CUT_GRACE_SEC       1
#define RECEIVE_LINGER_SEC          1
#define RECEIVE_CUT_LINGER_SEC      RECEIVE_IDLE_SEC
#define RESPONSE_BODY_BYTES         512	/* the JSON answer */
#define RESPONSE_BYTES              (RESPONSE_BODY_BYTES + 256)	/* + header */
/* A body refused unread is read and dropped up to this much first. */
#define REQUEST_DRAIN_MAX_BYTES     (1024L * 1024L)

/* Command-line tool: sign reads no more than a receiver could accept. */
#define SIGN_MAX_BYTES              MAX_BODY_BYTES_LIMIT
/* send and check --url: how long curl may take, and the most of an answer
 * read back. */
#define HTTP_TIMEOUT_SEC            30
#define HTTP_ANSWER_MAX_BYTES       (1024L * 1024L)

/* Spool. */
#define SPOOL_RETRY_AFTER_SEC       60
#define SPOOL_TMP_STALE_SEC         (36L * 3600L)
#define SPOOL_ORPHAN_MIN_AGE_SEC    60
#define SPOOL_PURGE_INTERVAL_SEC    3600L	/* done events: looked at hourly */
#define SPOOL_META_MAX_BYTES        16384	/* see the assertion in meta.c */
/* Times in a meta file: up to 9999-12-31T23:59:59Z. */
#define SPOOL_META_TIME_MAX         253402300799LL
#define SPOOL_ERROR_BYTES           256	/* last_error */
/* tmp/ names: time, pid, counter and host (SPOOL_HOST_BYTES). */
#define SPOOL_HOST_BYTES            64
#define SPOOL_TMP_NAME_BYTES        (64 + SPOOL_HOST_BYTES)
/* Copying and comparing files a block at a time. */
#define IO_BLOCK_BYTES              65536
/* How long requeue and purge wait for a run to let go of the lock. */
#define SPOOL_LOCK_WAIT_SEC         10L

/* Hooks. */
#define HOOK_MAX_PER_EVENT          64
#define HOOK_NAME_MAX_CHARS         64
#define HOOK_LOG_MAX_BYTES          (1024L * 1024L)	/* per hook run */
#define HOOK_KILL_GRACE_SEC         2
#define HOOK_DATA_VALUE_MAX_BYTES   (32L * 1024L)
#define HOOK_DATA_MAX_VARS          256
#define HOOK_ENV_MAX_VARS           (HOOK_DATA_MAX_VARS + 32)
/* Bytes of environment a hook gets, as execve(2) counts them (strings
 * and pointers): a quarter of the 2 MiB a default 8 MiB stack allows for
 * arguments, so that the hook can still run programs of its own with
 * that environment and their arguments. */
#define HOOK_ENV_MAX_BYTES          (512L * 1024L)
/* Under a smaller stack limit: at most this fraction (1/n) of the room
 * for arguments at run time (RLIMIT_STACK / 4, _SC_ARG_MAX). */
#define HOOK_ENV_ARG_MAX_SHARE      4
/* The descriptor number a hook is executed from (a script's $0 is
 * /dev/fd/HOOK_EXEC_FD). */
#define HOOK_EXEC_FD                3
/* The descriptor the stored body is open on in a hook, beside stdin:
 * HUSKY_EVENT_FILE is /dev/fd/HOOK_BODY_FD. */
#define HOOK_BODY_FD                4
#define HOOK_EVENT_FILE             "/dev/fd/4"
_Static_assert(HOOK_BODY_FD == HOOK_EXEC_FD + 1 && HOOK_BODY_FD == 4,
    "HOOK_EVENT_FILE names HOOK_BODY_FD");
/* Killing what a hook left behind: rounds of "kill every child, reap
 * it" (each round reaches one generation deeper), and children looked
 * at per round. */
#define HOOK_REAP_MAX_ROUNDS        64
#define HOOK_REAP_MAX_PIDS          1024

/* Dispatch: events whose hooks run at once (jobs, run -j). */
#define HOOK_JOBS_LIMIT             64L
/* order_by = data.NAME: NAME is at most this long, [A-Za-z0-9_-]. */
#define ORDER_BY_NAME_MAX_CHARS     64
/* A cron run takes an event due within this many seconds: cron starts
 * each minute's run a little late or early, and a retry due at :02 must
 * not wait a whole minute for the tick at :01 (sched_is_due). */
#define SPOOL_DUE_SLACK_SEC         1L
/* run --watch: a full look at pending/ and retrying/ this often, besides
 * inotify on pending/ (a retry is seen when its run ends), so
 * that a missed notification (or a spool on NFS, where another host's
 * renames notify nothing) costs at most this; recovery and housekeeping
 * as a cron run does them, this often. */
#define RUN_WATCH_RESCAN_SEC        30L
#define RUN_WATCH_HOUSEKEEPING_SEC  300L
/* run --watch: while the hooks directory cannot be used, it is looked at
 * again this often, so that events run soon after it is back. */
#define RUN_WATCH_HOOKS_RETRY_SEC   1L
/* The longest a run's records wait for the directories' fsync while
 * other events keep it busy. */
#define RUN_SYNC_MAX_SEC            1L
/* A cron-style run that the receiver asked to look again (kick) lists
 * pending/ up to this many times more before it lets go of the lock;
 * then, if asked once more, it takes the lock again and goes on. */
#define RUN_RELIST_MAX              60
/* The receiver's kick: at most one run started per this many seconds. */
#define KICK_MIN_INTERVAL_SEC       1L
/* HOME=, USER=, LOGNAME= for the run the kick starts. */
#define KICK_ENV_BYTES              4096
/* getpwuid_r's buffer for the kick, where sysconf has no size for it,
 * and the size it stops doubling at on ERANGE. */
#define KICK_PW_BUF_BYTES           1024
#define KICK_PW_BUF_BYTES_LIMIT     (1024 * 1024)

/* hooks_done: the name of every hook of an event, space-separated. A
 * single hook is named after its event type. */
#define SPOOL_HOOKS_DONE_BYTES      (HOOK_MAX_PER_EVENT * (HOOK_NAME_MAX_CHARS + 1))
_Static_assert(EVENT_TYPE_MAX_CHARS <= HOOK_NAME_MAX_CHARS,
    "a single hook's name (its event type) fits in hooks_done");
_Static_assert(SPOOL_HOOKS_DONE_BYTES >= ORG_ID_MAX_BYTES + 1 &&
    SPOOL_HOOKS_DONE_BYTES >= SPOOL_ERROR_BYTES,
    "every meta value fits the buffer the size of hooks_done");

/* Ceilings of huskyhook.conf keys: far above any sensible setting, and
 * low enough that now + or - any of them, retry_max doubled, or
 * hook_timeout in milliseconds fits a long with room to spare. */
#define MAX_AGE_SEC_LIMIT           (365L * 86400L)	/* replay window */
#define MAX_SKEW_SEC_LIMIT          86400L	/* a clock a day off is broken */
#define KEEP_DAYS_LIMIT             36500L	/* days; x 86400 needs 64 bits */
#define HOOK_TIMEOUT_SEC_LIMIT      86400L	/* x 1000 fits poll()'s int ms */
#define MAX_ATTEMPTS_LIMIT          1000L
#define RETRY_SEC_LIMIT             (30L * 86400L)	/* retry_base, retry_max */

/* The status page (huskyhook-status). A request reads at most
 * STATUS_SCAN_BUDGET_MSEC of metas (a backlog of 300,000 takes seconds
 * to read whole; the page says what it did not look at), lists rows a
 * page, and reads at most so much of a hook log (its end) and a form. A
 * requeue's token is good in the hour it was made and the next. */
#define STATUS_SCAN_BUDGET_MSEC     600L
#define STATUS_ROWS_PER_PAGE        50
#define STATUS_PAGE_MAX             100000L
#define STATUS_LOG_MAX_BYTES        (256L * 1024L)
#define STATUS_FORM_MAX_BYTES       4096L
#define STATUS_TOKEN_WINDOW_SEC     3600L
#define STATUS_CHART_HOURS          48
#define STATUS_CHART_TYPES          6	/* the rest are drawn as one */

/* Limits that feed each other. */
_Static_assert(ORG_ID_MAX_CHARS <= ORG_ID_MAX_BYTES,
    "an org_id the receiver takes fits the meta's field");
_Static_assert(RESPONSE_BODY_BYTES >= EVENT_ID_MAX_CHARS + 64,
    "an answer holds any event id and its status");
_Static_assert(HOOK_ENV_MAX_VARS >= HOOK_DATA_MAX_VARS + 16,
    "the HUSKY_* variables fit beside the data ones");
_Static_assert(RECEIVE_IDLE_SEC < RECEIVE_READ_BUDGET_SEC,
    "a silent peer is let go before the budget is spent");
_Static_assert((RECEIVE_READ_BUDGET_SEC + RECEIVE_CUT_GRACE_SEC) *
    ((24 + RECEIVE_THREADS_DEFAULT - 1) / RECEIVE_THREADS_DEFAULT) <= 30,
    "24 slow senders delay a delivery by at most 30 s with the default "
    "threads");
_Static_assert(REQUEST_DRAIN_MAX_BYTES >= DEFAULT_MAX_BODY_BYTES,
    "a default-size body refused unread is drained whole");
_Static_assert(MAX_AGE_SEC_LIMIT + MAX_SKEW_SEC_LIMIT +
    SPOOL_PURGE_INTERVAL_SEC <= KEEP_DAYS_LIMIT * 86400L,
    "keep_days can always cover the replay window");

#endif

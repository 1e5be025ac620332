/*
 * Every limit huskyhook enforces, in one place, each with its unit.
 * Tunable ones are defaults for huskyhook.conf keys; the rest are fixed
 * bounds on untrusted input.
 */
#ifndef HUSKYHOOK_BOUNDS_H
#define HUSKYHOOK_BOUNDS_H

/* Defaults of huskyhook.conf keys (SPEC section 2). */
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

/* Receiver. */
#define RECEIVE_MAX_WORKERS         64

/* Spool. */
#define SPOOL_RETRY_AFTER_SEC       60
#define SPOOL_TMP_STALE_SEC         (36L * 3600L)
#define SPOOL_ORPHAN_MIN_AGE_SEC    60
#define SPOOL_PURGE_INTERVAL_SEC    3600L	/* done events: looked at hourly */
#define SPOOL_META_MAX_BYTES        8192

/* Hooks. */
#define HOOK_MAX_PER_EVENT          64
#define HOOK_NAME_MAX_CHARS         64
#define HOOK_LOG_MAX_BYTES          (1024L * 1024L)	/* per hook run */
#define HOOK_KILL_GRACE_SEC         2
#define HOOK_DATA_VALUE_MAX_BYTES   (32L * 1024L)
#define HOOK_DATA_MAX_VARS          256
#define HOOK_ENV_MAX_VARS           (HOOK_DATA_MAX_VARS + 32)


#endif

/*
 * huskyhook's commands, as tmux's: each command is one cmd-*.c file (init
 * is init.c) with one struct cli_entry naming its options and its
 * function, and one row in cli.c's table. cli.c parses the command line
 * against the entry and hands the function what it found; the function
 * reads its own options' values with cli_value and checks them.
 */
#ifndef HUSKYHOOK_CLI_H
#define HUSKYHOOK_CLI_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "spool.h"

/* One option of a command: -letter, --name, or both. */
struct cli_option {
	int		 letter;	/* 0: none */
	const char	*name;		/* NULL: none */
	int		 takes_value;
};

/* The most options a command has (-c and --help not counted). */
#define CLI_MAX_OPTIONS	8

struct cli;

struct cli_entry {
	const char		*name;
	const char		*usage;		/* what follows the name */
	const char		*about;		/* one line for --help */
	const char		*help;		/* NULL, or what COMMAND
						 * --help prints after the
						 * usage line */
	struct cli_option	 options[CLI_MAX_OPTIONS + 1];	/* { 0 } ends */
	int			 lower;		/* operands, at least */
	int			 upper;		/* at most; -1: any number */
	int			 flags;
#define CLI_CONFIG	0x1	/* reads the config: takes -c */
#define CLI_WRITES	0x2	/* changes the spool, opens the log */
#define CLI_RUNS_HOOKS	0x4	/* runs hooks (as root: only root's) */
	int			(*exec)(struct cli *);
};

/* What the command line says, once parsed. */
struct cli {
	const struct cli_entry	*entry;		/* the command */
	const char		*config_path;	/* -c; NULL: the default */
	/* By the entry's options' order: NULL if not given, "" for an
	 * option without a value that was. */
	const char		*values[CLI_MAX_OPTIONS];
	char			**args;		/* operands */
	int			 nargs;
	char			**argv;		/* as given, for messages */
	int			 argc;
};

/* Parses a whole command line into c: -1 when the command is to run
 * (c->entry->exec), else the exit status; c->args is the caller's to
 * free. main in huskyhook.c; the parser is unit-tested apart from it. */
int	cli_parse_line(struct cli *, int argc, char **argv);

/* The value of the option called name (its long name, or its letter as
 * a one-character string), or NULL if it was not given. */
const char	*cli_value(const struct cli *, const char *name);

/* Errors: the reason on stderr; cli_fail returns 1 (exit status 1),
 * cli_usage 2, after the command's usage line (or all of --help). */
int	cli_fail(const char *, ...) __attribute__((format(printf, 1, 2)));
int	cli_usage(const struct cli_entry *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Loads the config (acting as the owner of a layout root runs in, and
 * opening the log only for a command that writes); 0, or -1 after a
 * message. */
int	cli_load_config(const struct cli *, struct config *);
/* The secret that sign and send sign with: secret_file's (-s), or else
 * the config's first; *key is the caller's to wipe and free. 0, or -1
 * after a message. */
int	cli_load_key(const struct cli *, const char *secret_file,
	    unsigned char **key, size_t *keylen);
/* Loads the config, opens the spool (making its directories only for a
 * command that writes), runs fn with both, closes them. */
int	cli_with_spool(struct cli *, int (*fn)(struct cli *,
	    const struct config *, struct spool *));
/* requeue and purge: the spool's state lock, waited for a little. */
int	cli_lock(const struct config *, struct spool *);
/* This program's absolute path, for lines the user will paste. */
const char	*cli_self(void);
/* The nearest directory at or above path that every user may write,
 * into out; 1 if there is one. */
int	cli_open_dir_above(const char *path, char *out, size_t n);

/* The HuskyVoice event types: init makes an example hook for each, check
 * looks for a hook for each. */
extern const char *const cli_event_types[];
#define CLI_NEVENT_TYPES	5

/* The state named s, or SPOOL_NSTATES if none is. */
enum spool_state cli_state_named(const char *s);
/* The attempts made, numbered as the hook log and HUSKY_ATTEMPT number
 * them. */
long		 cli_attempts(const struct spool_meta *, enum spool_state);
/* spool_find's failure for id, said; returns 1. */
int		 cli_find_failed(const char *id);

/*
 * Everything printed from the spool goes through these: a meta file or a
 * body may have been written by anyone who is the web server's user, and
 * a hook log holds whatever a hook printed, so none of it reaches a
 * terminal raw (cli.c says how). cli_put_line: one line, no newline or
 * tab kept; cli_put_padded: the same, padded to width; cli_put_fd: a file,
 * newlines and tabs kept (cli_put_text: a buffer so); cli_json_string: as a JSON string.
 */
void	cli_put_line(const char *s);
void	cli_put_padded(const char *s, size_t width);
void	cli_put_fd(int fd);
void	cli_put_text(const char *s, size_t n);
void	cli_json_string(FILE *, const char *s);
/* t as the log writes times, or "-" for 0. */
void	cli_format_utc(char *buf, size_t n, time_t t);

#endif

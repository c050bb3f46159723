/*
 * cli — the command framework of the `lifeline` client: what a command is,
 * how its arguments are parsed, and the helpers every command uses to talk
 * to the server and to report.
 *
 * A command is one row of the table in commands.c (struct cli_command). The
 * row declares the command's words, its synopsis, its help (catalogue ids,
 * so both languages), its options and how many positional arguments it
 * takes. main() finds the row, parses the arguments against it with
 * cli_parse() — so unknown options, missing values, missing required
 * options and wrong argument counts are usage errors (exit 2) before the
 * handler runs — then calls the handler with a struct cli_ctx.
 *
 * Handlers return an exit status (enum cli_exit). They print results on
 * stdout, and everything else — errors, warnings — on stderr through
 * cli_err(). cli_call() does one request and reports a failure the way every
 * command should, returning the exit status to pass on.
 *
 * Glossary:
 *   command words   "outage declare" is the command with the words "outage"
 *                   and "declare"; "outage" alone is a group.
 *   option          "--name", "--name=VALUE", "--name VALUE" or "-x VALUE";
 *                   options and positional arguments may be mixed; "--"
 *                   ends the options.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "errors.h"
#include "i18n.h"

struct api_client;
struct config_login;

/* The exit statuses of CONTRACT.md. */
enum cli_exit {
	CLI_EXIT_OK = 0,          /* done */
	CLI_EXIT_REFUSED = 1,     /* the server refused, or the work failed */
	CLI_EXIT_USAGE = 2,       /* bad command line */
	CLI_EXIT_UNREACHABLE = 3, /* no answer from the server */
};

enum cli_opt_kind {
	CLI_FLAG,  /* --json: present or not */
	CLI_VALUE, /* --reason TEXT: the last one given wins */
	CLI_LIST,  /* --patient ID...: may be repeated; every value is kept */
};

struct cli_option {
	const char *name;       /* long name without the dashes; NULL ends a list */
	char short_name;        /* 'o' for -o, or 0 */
	enum cli_opt_kind kind;
	bool required;          /* a usage error when missing */
};

struct cli_ctx;
struct cli_args;
struct cli_error;

/* Runs a command; returns an enum cli_exit. */
typedef int (*cli_run_fn)(struct cli_ctx *ctx, const struct cli_args *args);

/*
 * Checks what the option table cannot say (a value's form, options that go
 * together); cli_parse() calls it last, so a bad value is a usage error
 * (exit 2) before any token or server is looked at. Returns 0, or LL_EINVAL
 * with *err filled (err->arg borrowed from argv or static).
 */
typedef int (*cli_check_fn)(const struct cli_args *args, struct cli_error *err);

struct cli_command {
	const char *name;      /* the words, one space apart: "outage declare" */
	const char *synopsis;  /* what follows the name, language-neutral */
	enum i18n_msg summary; /* one line for `lifeline --help` */
	enum i18n_msg help;    /* description and options for `lifeline help NAME` */
	cli_run_fn run;
	cli_check_fn check;    /* NULL, or more usage checks (see cli_check_fn) */
	const struct cli_option *options; /* NULL, or ended by {NULL} */
	int min_args;          /* positional arguments, at least... */
	int max_args;          /* ...and at most; -1 for no limit */
	bool needs_auth;       /* refuse before any request when there is no token */
};

/* The parsed arguments of one command. Borrows from argv. */
struct cli_args {
	const struct cli_command *cmd;
	bool help;             /* --help or -h was given */
	int nargs;
	char **args;           /* positional arguments, in order */
	int nopts;
	struct cli_given {
		const struct cli_option *opt;
		const char *value; /* NULL for a flag */
	} *opts;               /* options in the order given */
};

/* What went wrong in cli_parse(), like jansson's json_error_t. */
struct cli_error {
	enum i18n_msg msg;     /* a format taking `arg` when it has a %s */
	const char *arg;       /* borrowed from argv or the table */
};

/* Where the token in use came from. */
enum cli_token_source {
	CLI_TOKEN_NONE,
	CLI_TOKEN_OPTION, /* --token */
	CLI_TOKEN_ENV,    /* LIFELINE_TOKEN */
	CLI_TOKEN_SAVED,  /* the token file of lifeline login */
};

/*
 * What a handler works with. main() owns it and everything it points to, for
 * the whole run.
 */
struct cli_ctx {
	const struct cli_command *cmd;
	struct api_client *api;      /* carries the server URL and the token */
	const char *server;          /* the server URL, without a trailing '/' */
	const char *token;           /* NULL when there is none */
	enum cli_token_source token_source;
	const char *token_path;      /* the token file; NULL when unknown (no HOME) */
	struct config_login *saved;  /* the token file's content, or NULL */
	bool json;                   /* --json */
};

/* ---- the command table ---- */

/*
 * The command whose words start argv, the longest match; *nwords gets how
 * many argv entries its name took. NULL when none matches.
 */
const struct cli_command *cli_find(const struct cli_command *table, size_t n,
	int argc, char **argv, int *nwords);

/* True when argv[0..nwords) is a group: the first words of some command. */
bool cli_is_group(const struct cli_command *table, size_t n, int nwords, char **words);

/* ---- parsing a command's arguments ---- */

/*
 * Parse argv (what follows the command words) against cmd, then run the
 * row's check. On success fills *out (free with cli_args_free) and returns
 * 0; when --help is among the options, out->help is set and nothing else is
 * checked. On a usage error returns LL_EINVAL with *err filled, or
 * LL_ENOMEM; *out is then empty.
 */
int cli_parse(const struct cli_command *cmd, int argc, char **argv,
	struct cli_args *out, struct cli_error *err) LL_MUST_CHECK;
void cli_args_free(struct cli_args *args);

/* Positional argument i, or NULL. */
const char *cli_arg(const struct cli_args *args, int i);
/*
 * Options, by their long name, which must be declared in the command's row
 * (an undeclared name is a programming error and aborts).
 */
bool cli_flag(const struct cli_args *args, const char *name);
const char *cli_value(const struct cli_args *args, const char *name);      /* last, or NULL */
size_t cli_count(const struct cli_args *args, const char *name);
const char *cli_value_at(const struct cli_args *args, const char *name, size_t i);

/* ---- help ---- */

/* "Usage: lifeline NAME SYNOPSIS" */
void cli_print_usage(FILE *f, const struct cli_command *cmd);
/* The usage line, the summary, the help text. */
void cli_print_help(FILE *f, const struct cli_command *cmd);
/* "  NAME  SUMMARY" for every command whose first nwords words are `words`. */
void cli_print_list(FILE *f, const struct cli_command *table, size_t n, int nwords,
	char **words);

/* ---- text for people ---- */

/*
 * How many terminal columns a UTF-8 text takes: two for a CJK (wide or
 * full-width) character, none for a combining mark, one for anything else,
 * including a byte that is not UTF-8.
 */
size_t cli_text_width(const char *text);

/*
 * A table printed with its columns padded to the widest cell (by
 * cli_text_width), two spaces apart; the last column is not padded. Cells
 * are copied, filled row by row, left to right. Allocation failures are kept
 * until cli_table_print(), which then prints nothing and returns LL_ENOMEM.
 */
struct cli_table;
struct cli_table *cli_table_new(size_t ncols);              /* NULL when out of memory */
void cli_table_add(struct cli_table *t, const char *cell);  /* NULL is an empty cell */
void cli_table_addf(struct cli_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
size_t cli_table_rows(const struct cli_table *t);           /* complete rows so far */
int cli_table_print(FILE *f, const struct cli_table *t, const char *indent) LL_MUST_CHECK;
void cli_table_free(struct cli_table *t);                   /* accepts NULL */

/* ---- reporting ---- */

/* "lifeline: MESSAGE" and a newline on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports running out of memory; returns CLI_EXIT_REFUSED for the command to return. */
int cli_nomem(void);
/* The string member key of a JSON object, or NULL. */
const char *cli_str(const json_t *o, const char *key);
/* The report of a parse error, with the usage line, on stderr. */
void cli_report_usage(const struct cli_command *cmd, const struct cli_error *err);
/* Fill *err for a check function and return LL_EINVAL. */
int cli_usage_error(struct cli_error *err, enum i18n_msg msg, const char *arg);
/* Print JSON on stdout, indented, with a final newline. */
void cli_print_json(const json_t *json);
/* "nurse（护士，ward-3）" for a user object of the API; into buf. */
const char *cli_user_text(const json_t *user, char *buf, size_t size);
/*
 * An RFC 3339 time ("2026-11-22T13:00:00Z", "2026-11-22T21:00:00.5+08:00") as
 * local "2026-11-22 21:00 CST"; the text itself when it does not parse.
 */
const char *cli_time_text(const char *rfc3339, char *buf, size_t size);

/*
 * An RFC 3339 date-time with its zone ("Z" or "+08:00"; 'T' may be 't' or a
 * space; fractions of a second dropped; a leap second read as :59) into
 * seconds since the epoch. False for anything else, a time without a zone too.
 */
bool cli_parse_rfc3339(const char *text, time_t *out);

/* ---- talking to the server ---- */

/*
 * One request through ctx->api (see api_request() for the arguments). On
 * success returns CLI_EXIT_OK and *out holds the answer (NULL when the body
 * was empty; the caller json_decref()s it). Otherwise reports the failure on
 * stderr — the server's message and field, or which URL could not be
 * reached and why — and under --json prints the server's error envelope on
 * stdout; returns CLI_EXIT_REFUSED or CLI_EXIT_UNREACHABLE, *out NULL.
 * *status (may be NULL) gets the HTTP status, 0 when there was no answer.
 */
int cli_call(struct cli_ctx *ctx, const char *method, const char *path, json_t *body,
	long *status, json_t **out);

/*
 * Report a failed api_request() on stderr as cli_call() does (but print
 * nothing on stdout) and return the exit status; for handlers that look at
 * the answer themselves first.
 */
int cli_report_failure(struct cli_ctx *ctx, int rc, long status, const json_t *answer);

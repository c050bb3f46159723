/*
 * lifeline — the command-line client. main() reads the global options (they
 * come before the command), picks the language, finds the command in the
 * table of commands.c, parses its arguments, works out the server and the
 * token, and runs it. Exit statuses: see enum cli_exit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "i18n.h"
#include "lifeline_build.h"

#define DEFAULT_SERVER "http://127.0.0.1:8580"
#define TOKEN_MAX 900 /* fits the Authorization header buffer of api.c */

struct globals {
	const char *server;  /* --server */
	const char *token;   /* --token */
	const char *lang;    /* --lang */
	bool json;
	bool version;
	bool help;
	int first;           /* index in argv of the command's first word */
};

/* If argv[*i] is --NAME or --NAME=VALUE, point *value at the value (NULL when missing). */
static bool take_value(const char *name, int argc, char **argv, int *i, const char **value)
{
	const char *a = argv[*i] + 2;
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return false;
	if (a[n] == '=') {
		*value = a + n + 1;
		return true;
	}
	if (a[n] != '\0')
		return false;
	*value = *i + 1 < argc ? argv[++*i] : NULL;
	return true;
}

static bool is_flag(const char *arg, const char *name)
{
	return strncmp(arg, "--", 2) == 0 && strcmp(arg + 2, name) == 0;
}

/* "--json", "--server=URL"...: for the hint when one follows the command. */
static bool is_global_option(const char *arg)
{
	static const char *const names[] = {"json", "server", "token", "lang", "version"};

	if (!arg || strncmp(arg, "--", 2) != 0)
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);

		if (strncmp(arg + 2, names[i], n) == 0 && (arg[2 + n] == '\0' || arg[2 + n] == '='))
			return true;
	}
	return false;
}

/* Reads the global options; prints nothing, since the language is not known yet. */
static int parse_globals(int argc, char **argv, struct globals *g, struct cli_error *err)
{
	int i;

	memset(g, 0, sizeof(*g));
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		const char **slot = NULL;
		const char *value = NULL;
		int at = i;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (is_flag(a, "json"))
			g->json = true;
		else if (is_flag(a, "version"))
			g->version = true;
		else if (is_flag(a, "help") || strcmp(a, "-h") == 0)
			g->help = true;
		else if (a[1] == '-' && take_value("server", argc, argv, &i, &value))
			slot = &g->server;
		else if (a[1] == '-' && take_value("token", argc, argv, &i, &value))
			slot = &g->token;
		else if (a[1] == '-' && take_value("lang", argc, argv, &i, &value))
			slot = &g->lang;
		else {
			err->msg = strchr(a, '=') && (strncmp(a, "--json=", 7) == 0 ||
				strncmp(a, "--version=", 10) == 0 || strncmp(a, "--help=", 7) == 0) ?
				I18N_ERR_UNEXPECTED_VALUE : I18N_ERR_UNKNOWN_OPTION;
			err->arg = a;
			return LL_EINVAL;
		}
		if (slot) {
			if (!value) {
				err->msg = I18N_ERR_MISSING_VALUE;
				err->arg = argv[at];
				return LL_EINVAL;
			}
			*slot = value;
		}
	}
	g->first = i;
	return 0;
}

/* Pick the language before anything is printed. False (and a message) on a bad tag. */
static bool choose_language(const struct globals *g)
{
	const char *env = getenv("LIFELINE_LANG");
	enum i18n_lang lang = i18n_lang_from_locale();
	const char *bad_source = NULL, *bad_value = NULL;

	if (g->lang) {
		if (!i18n_parse_lang(g->lang, &lang)) {
			bad_source = "--lang";
			bad_value = g->lang;
		}
	} else if (env && *env && !i18n_parse_lang(env, &lang)) {
		bad_source = "LIFELINE_LANG";
		bad_value = env;
	}
	i18n_set_lang(lang);
	if (bad_source) {
		cli_err(i18n_get(I18N_ERR_BAD_LANG), bad_source, bad_value);
		return false;
	}
	return true;
}

static void print_global_help(FILE *f)
{
	fputs(i18n_get(I18N_HELP_INTRO), f);
	fprintf(f, "\n%s\n", i18n_get(I18N_HELP_COMMANDS));
	cli_print_list(f, commands_table, commands_count, 0, NULL);
	fputc('\n', f);
	fprintf(f, i18n_get(I18N_HELP_GLOBALS), DEFAULT_SERVER);
	fputc('\n', f);
	fputs(i18n_get(I18N_HELP_FOOTER), f);
}

static void see_global_help(void)
{
	fprintf(stderr, "%s\n", i18n_get(I18N_SEE_GLOBAL_HELP));
}

static void join_words(char *buf, size_t size, int n, char **words)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s%s", i ? " " : "", words[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static void print_group(FILE *f, int n, char **words)
{
	char name[256];

	join_words(name, sizeof(name), n, words);
	fprintf(f, i18n_get(I18N_HELP_GROUP), name);
	fputc('\n', f);
	cli_print_list(f, commands_table, commands_count, n, words);
}

/* How many of the first words name a group of commands ("outage"); 0 when none. */
static int group_words(int argc, char **argv)
{
	int k = 0;

	while (k < argc && cli_is_group(commands_table, commands_count, k + 1, argv))
		k++;
	return k;
}

/* `lifeline help [WORDS...]` and `lifeline --help [WORDS...]`. */
static int do_help(int n, char **words)
{
	const struct cli_command *cmd;
	char name[256];
	int nwords;

	if (n == 0) {
		print_global_help(stdout);
		return CLI_EXIT_OK;
	}
	cmd = cli_find(commands_table, commands_count, n, words, &nwords);
	if (cmd && nwords == n) {
		cli_print_help(stdout, cmd);
		return CLI_EXIT_OK;
	}
	if (group_words(n, words) == n) {
		print_group(stdout, n, words);
		return CLI_EXIT_OK;
	}
	join_words(name, sizeof(name), n, words);
	cli_err(i18n_get(I18N_ERR_UNKNOWN_COMMAND), name);
	see_global_help();
	return CLI_EXIT_USAGE;
}

/* The words match no command: maybe a group without its subcommand. */
static int no_such_command(int argc, char **argv)
{
	int k = group_words(argc, argv);
	char name[256];

	if (k > 0 && k < argc && (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0)) {
		print_group(stdout, k, argv);
		return CLI_EXIT_OK;
	}
	if (k > 0 && k == argc) {
		join_words(name, sizeof(name), k, argv);
		cli_err(i18n_get(I18N_ERR_NEEDS_SUBCOMMAND), name);
		print_group(stderr, k, argv);
		return CLI_EXIT_USAGE;
	}
	join_words(name, sizeof(name), k + 1 <= argc ? k + 1 : argc, argv);
	cli_err(i18n_get(I18N_ERR_UNKNOWN_COMMAND), name);
	if (k > 0)
		print_group(stderr, k, argv);
	else
		see_global_help();
	return CLI_EXIT_USAGE;
}

static bool token_ok(const char *token)
{
	size_t n = strlen(token);

	if (n == 0 || n > TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (token[i] < 0x21 || token[i] > 0x7e)
			return false;
	return true;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/*
 * Work out the server, the token and the timeout, then run the command.
 * Server: --server, LIFELINE_SERVER, the saved login's server, the default.
 * Token: --token, LIFELINE_TOKEN, the saved token — but the saved token only
 * when talking to the server it was issued by.
 */
static int run_command(const struct cli_command *cmd, const struct cli_args *args,
	const struct globals *g)
{
	struct cli_ctx ctx = {.cmd = cmd, .json = g->json};
	struct api_client api = {0};
	struct config_login *saved = NULL;
	char *token_path = NULL, *server = NULL;
	const char *raw_server, *server_source, *token = NULL, *token_source = NULL;
	const char *env;
	long timeout_ms = API_DEFAULT_TIMEOUT_MS;
	bool curl_up = false;
	int rc, exit_code = CLI_EXIT_REFUSED;

	env = env_nonempty("LIFELINE_TIMEOUT");
	if (env && !api_parse_timeout(env, &timeout_ms)) {
		cli_err(i18n_get(I18N_ERR_BAD_TIMEOUT), env);
		return CLI_EXIT_USAGE;
	}

	rc = config_token_path(&token_path);
	if (rc == LL_ENOMEM)
		goto nomem;
	if (token_path) {
		rc = config_login_load(token_path, &saved);
		if (rc == LL_ENOMEM)
			goto nomem;
		if (rc != 0 && rc != LL_ENOTFOUND)
			cli_err(i18n_get(I18N_WARN_TOKEN_READ), token_path,
				rc == LL_EIO ? strerror(errno) : lifeline_strerror(rc));
	}

	if (g->server) {
		raw_server = g->server;
		server_source = "--server";
	} else if ((env = env_nonempty("LIFELINE_SERVER"))) {
		raw_server = env;
		server_source = "LIFELINE_SERVER";
	} else if (saved) {
		raw_server = saved->server;
		server_source = token_path;
	} else {
		raw_server = DEFAULT_SERVER;
		server_source = "lifeline";
	}
	if (!api_url_ok(raw_server)) {
		cli_err(i18n_get(I18N_ERR_BAD_SERVER), server_source, raw_server);
		exit_code = CLI_EXIT_USAGE;
		goto done;
	}
	server = config_server_normalize(raw_server);
	if (!server)
		goto nomem;

	if (g->token) {
		token = g->token;
		token_source = "--token";
		ctx.token_source = CLI_TOKEN_OPTION;
	} else if ((env = env_nonempty("LIFELINE_TOKEN"))) {
		token = env;
		token_source = "LIFELINE_TOKEN";
		ctx.token_source = CLI_TOKEN_ENV;
	} else if (saved && saved->token && strcmp(saved->server, server) == 0) {
		token = saved->token;
		token_source = token_path;
		ctx.token_source = CLI_TOKEN_SAVED;
	}
	if (token && !token_ok(token)) {
		cli_err(i18n_get(I18N_ERR_BAD_TOKEN), token_source);
		exit_code = CLI_EXIT_USAGE;
		goto done;
	}
	if (cmd->needs_auth && !token) {
		cli_err("%s", i18n_get(I18N_ERR_NOT_LOGGED_IN));
		exit_code = CLI_EXIT_REFUSED;
		goto done;
	}

	if (api_global_init() != 0)
		goto nomem;
	curl_up = true;
	if (api_client_init(&api, server, token, i18n_accept_language(), timeout_ms) != 0)
		goto nomem;

	ctx.api = &api;
	ctx.server = server;
	ctx.token = token;
	ctx.token_path = token_path;
	ctx.saved = saved;
	exit_code = cmd->run(&ctx, args);
	goto done;

nomem:
	cli_err("%s", i18n_get(I18N_ERR_NOMEM));
	exit_code = CLI_EXIT_REFUSED;
done:
	api_client_cleanup(&api);
	if (curl_up)
		api_global_cleanup();
	config_login_free(saved);
	free(server);
	free(token_path);
	return exit_code;
}

/* A failed write to stdout (a full disk, a closed pipe) is a failure too. */
static int finish(int exit_code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_err(i18n_get(I18N_ERR_WRITE_OUTPUT), strerror(errno));
		if (exit_code == CLI_EXIT_OK)
			exit_code = CLI_EXIT_REFUSED;
	}
	return exit_code;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;
	struct globals g;
	struct cli_error err = {0};
	struct cli_args args;
	int rc, nwords, n;
	char **words;

	rc = parse_globals(argc, argv, &g, &err);
	if (!choose_language(&g))
		return finish(CLI_EXIT_USAGE);
	if (rc != 0) {
		cli_err(i18n_get(err.msg), err.arg);
		see_global_help();
		return finish(CLI_EXIT_USAGE);
	}
	n = argc - g.first;
	words = argv + g.first;

	if (g.version) {
		printf(i18n_get(I18N_VERSION), LIFELINE_VERSION);
		return finish(CLI_EXIT_OK);
	}
	if (g.help)
		return finish(do_help(n, words));
	if (n > 0 && strcmp(words[0], "help") == 0)
		return finish(do_help(n - 1, words + 1));
	if (n == 0) {
		cli_err("%s", i18n_get(I18N_ERR_NO_COMMAND));
		print_global_help(stderr);
		return finish(CLI_EXIT_USAGE);
	}

	cmd = cli_find(commands_table, commands_count, n, words, &nwords);
	if (!cmd)
		return finish(no_such_command(n, words));
	rc = cli_parse(cmd, n - nwords, words + nwords, &args, &err);
	if (rc == LL_ENOMEM) {
		cli_err("%s", i18n_get(I18N_ERR_NOMEM));
		return finish(CLI_EXIT_REFUSED);
	}
	if (rc != 0) {
		cli_report_usage(cmd, &err);
		if (err.msg == I18N_ERR_UNKNOWN_OPTION && is_global_option(err.arg))
			cli_err(i18n_get(I18N_HINT_GLOBAL_FIRST), err.arg, cmd->name);
		return finish(CLI_EXIT_USAGE);
	}
	if (args.help) {
		cli_print_help(stdout, cmd);
		rc = CLI_EXIT_OK;
	} else {
		rc = run_command(cmd, &args, &g);
	}
	cli_args_free(&args);
	return finish(rc);
}

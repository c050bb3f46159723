/* The command framework: finding commands, parsing their arguments, and the real table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cli.h"
#include "commands.h"

static int run_nothing(struct cli_ctx *ctx, const struct cli_args *args)
{
	(void)ctx;
	(void)args;
	return CLI_EXIT_OK;
}

#define OPTS(...) ((const struct cli_option[]){__VA_ARGS__, {0}})

/* A table shaped like the ones later issues add. */
static const struct cli_command table[] = {
	{.name = "outage declare", .synopsis = "--level L --reason TEXT", .run = run_nothing,
	 .summary = I18N_STATUS_SUMMARY, .help = I18N_STATUS_HELP,
	 .options = OPTS({"level", 0, CLI_VALUE, true}, {"reason", 0, CLI_VALUE, true},
		{"targets", 0, CLI_VALUE, false}, {"drill", 0, CLI_FLAG, false}),
	 .min_args = 0, .max_args = 0},
	{.name = "outage list", .synopsis = "", .run = run_nothing,
	 .summary = I18N_STATUS_SUMMARY, .help = I18N_STATUS_HELP, .min_args = 0, .max_args = 0},
	{.name = "forms print", .synopsis = "FORM [--patient ID]... [-o FILE]", .run = run_nothing,
	 .summary = I18N_STATUS_SUMMARY, .help = I18N_STATUS_HELP,
	 .options = OPTS({"patient", 0, CLI_LIST, false}, {"output", 'o', CLI_VALUE, false},
		{"offline", 0, CLI_FLAG, false}),
	 .min_args = 1, .max_args = -1},
	{.name = "status", .synopsis = "", .run = run_nothing,
	 .summary = I18N_STATUS_SUMMARY, .help = I18N_STATUS_HELP, .min_args = 0, .max_args = 0},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static const struct cli_command *find(const char *line, int *nwords)
{
	static char buf[256];
	char *argv[16];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *tok = strtok(buf, " "); tok && argc < 16; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	return cli_find(table, NTABLE, argc, argv, nwords);
}

static void test_find_takes_the_longest_match(void **state)
{
	int n = -1;

	(void)state;
	assert_ptr_equal(find("outage declare --level 1", &n), &table[0]);
	assert_int_equal(n, 2);
	assert_ptr_equal(find("outage list", &n), &table[1]);
	assert_ptr_equal(find("status --help", &n), &table[3]);
	assert_int_equal(n, 1);
	assert_null(find("outage", &n));
	assert_int_equal(n, 0);
	assert_null(find("outage bogus", &n));
	assert_null(find("out", &n));
	assert_null(find("outage declarex", &n));
}

static void test_groups(void **state)
{
	char *outage[] = {"outage", "list"};
	char *status[] = {"status"};
	char *out[] = {"out"};

	(void)state;
	assert_true(cli_is_group(table, NTABLE, 1, outage));
	assert_false(cli_is_group(table, NTABLE, 2, outage));
	assert_false(cli_is_group(table, NTABLE, 1, status));
	assert_false(cli_is_group(table, NTABLE, 1, out));
	assert_false(cli_is_group(table, NTABLE, 0, outage));
}

static int parse(const struct cli_command *cmd, struct cli_args *a, struct cli_error *e, ...)
{
	static char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, e);
	for (char *s = va_arg(ap, char *); s && argc < 32; s = va_arg(ap, char *))
		argv[argc++] = s;
	va_end(ap);
	return cli_parse(cmd, argc, argv, a, e);
}

static void test_parse_values_flags_and_lists(void **state)
{
	struct cli_args a;
	struct cli_error e;

	(void)state;
	assert_int_equal(parse(&table[2], &a, &e, "--patient", "P1", "ward-form", "--patient=P2",
		"-o", "x.pdf", "--offline", "-oy.pdf", "--", "--patient", "-", NULL), 0);
	assert_false(a.help);
	assert_int_equal(a.nargs, 3);
	assert_string_equal(cli_arg(&a, 0), "ward-form");
	assert_string_equal(cli_arg(&a, 1), "--patient");
	assert_string_equal(cli_arg(&a, 2), "-");
	assert_null(cli_arg(&a, 3));
	assert_int_equal(cli_count(&a, "patient"), 2);
	assert_string_equal(cli_value_at(&a, "patient", 0), "P1");
	assert_string_equal(cli_value_at(&a, "patient", 1), "P2");
	assert_null(cli_value_at(&a, "patient", 2));
	assert_string_equal(cli_value(&a, "output"), "y.pdf"); /* the last one wins */
	assert_true(cli_flag(&a, "offline"));
	cli_args_free(&a);

	assert_int_equal(parse(&table[0], &a, &e, "--reason", "fire", "--level=2", NULL), 0);
	assert_string_equal(cli_value(&a, "level"), "2");
	assert_null(cli_value(&a, "targets"));
	assert_false(cli_flag(&a, "drill"));
	cli_args_free(&a);
}

static void test_parse_usage_errors(void **state)
{
	struct cli_args a;
	struct cli_error e;

	(void)state;
	assert_int_equal(parse(&table[2], &a, &e, "f", "--nope", NULL), LL_EINVAL);
	assert_int_equal(e.msg, I18N_ERR_UNKNOWN_OPTION);
	assert_string_equal(e.arg, "--nope");
	assert_null(a.args);

	assert_int_equal(parse(&table[2], &a, &e, "f", "-x", NULL), LL_EINVAL);
	assert_int_equal(e.msg, I18N_ERR_UNKNOWN_OPTION);

	assert_int_equal(parse(&table[2], &a, &e, "f", "--patient", NULL), LL_EINVAL);
	assert_int_equal(e.msg, I18N_ERR_MISSING_VALUE);
	assert_string_equal(e.arg, "--patient");

	assert_int_equal(parse(&table[2], &a, &e, "f", "--offline=yes", NULL), LL_EINVAL);
	assert_int_equal(e.msg, I18N_ERR_UNEXPECTED_VALUE);

	assert_int_equal(parse(&table[2], &a, &e, "--offline", NULL), LL_EINVAL);
	assert_int_equal(e.msg, I18N_ERR_TOO_FEW_ARGS);

	assert_int_equal(parse(&table[0], &a, &e, "--level", "1", NULL), LL_EINVAL);
	assert_int_equal(e.msg, I18N_ERR_MISSING_OPTION);
	assert_string_equal(e.arg, "reason");

	assert_int_equal(parse(&table[3], &a, &e, "extra", NULL), LL_EINVAL);
	assert_int_equal(e.msg, I18N_ERR_TOO_MANY_ARGS);
	assert_string_equal(e.arg, "extra");

	/* A command without options knows none. */
	assert_int_equal(parse(&table[3], &a, &e, "--json", NULL), LL_EINVAL);
	assert_int_equal(e.msg, I18N_ERR_UNKNOWN_OPTION);
}

static void test_help_wins_unless_after_double_dash(void **state)
{
	struct cli_args a;
	struct cli_error e;

	(void)state;
	assert_int_equal(parse(&table[0], &a, &e, "--bogus", "--help", NULL), 0);
	assert_true(a.help);
	cli_args_free(&a);
	assert_int_equal(parse(&table[2], &a, &e, "-h", NULL), 0);
	assert_true(a.help);
	cli_args_free(&a);
	assert_int_equal(parse(&table[2], &a, &e, "f", "--", "--help", NULL), 0);
	assert_false(a.help);
	assert_string_equal(cli_arg(&a, 1), "--help");
	cli_args_free(&a);
}

static void test_time_text(void **state)
{
	char buf[64];

	(void)state;
	setenv("TZ", "CST-8", 1); /* POSIX form: needs no tzdata */
	tzset();
	assert_string_equal(cli_time_text("2026-11-22T13:00:00Z", buf, sizeof(buf)),
		"2026-11-22 21:00 CST");
	assert_string_equal(cli_time_text("2026-11-22T13:00:00.123Z", buf, sizeof(buf)),
		"2026-11-22 21:00 CST");
	/* Offsets too: PostgreSQL's jsonb writes timestamps as "+00:00". */
	assert_string_equal(cli_time_text("2026-11-22T13:00:00+08:00", buf, sizeof(buf)),
		"2026-11-22 13:00 CST");
	assert_string_equal(cli_time_text("2026-11-22T05:00:00.123456+00:00", buf, sizeof(buf)),
		"2026-11-22 13:00 CST");
	/* Without a zone the hour would be a guess: shown as it came. */
	assert_string_equal(cli_time_text("2026-11-22T13:00:00", buf, sizeof(buf)),
		"2026-11-22T13:00:00");
	assert_string_equal(cli_time_text("soon", buf, sizeof(buf)), "soon");
	assert_string_equal(cli_time_text(NULL, buf, sizeof(buf)), "?");
}

static void test_user_text(void **state)
{
	json_t *u = json_pack("{s:s, s:s, s:s}", "username", "nurse", "role", "nurse",
		"department", "ward-3");
	json_t *admin = json_pack("{s:s, s:s, s:n}", "username", "admin", "role", "admin",
		"department");
	char buf[128];

	(void)state;
	i18n_set_lang(I18N_ZH);
	assert_string_equal(cli_user_text(u, buf, sizeof(buf)), "nurse（护士，ward-3）");
	assert_string_equal(cli_user_text(admin, buf, sizeof(buf)), "admin（管理员）");
	i18n_set_lang(I18N_EN);
	assert_string_equal(cli_user_text(u, buf, sizeof(buf)), "nurse (nurse, ward-3)");
	i18n_set_lang(I18N_ZH);
	json_decref(u);
	json_decref(admin);
}

/* The real table: well-formed rows, and every option documented in both languages. */
static void test_the_command_table(void **state)
{
	(void)state;
	assert_true(commands_count > 0);
	for (size_t i = 0; i < commands_count; i++) {
		const struct cli_command *c = &commands_table[i];

		assert_non_null(c->name);
		assert_non_null(c->run);
		assert_non_null(c->synopsis);
		assert_true(c->name[0] != ' ' && c->name[strlen(c->name) - 1] != ' ');
		assert_null(strstr(c->name, "  "));
		assert_true(c->max_args < 0 || c->min_args <= c->max_args);
		for (size_t j = 0; j < commands_count; j++) {
			size_t n = strlen(c->name);

			if (j == i)
				continue;
			assert_string_not_equal(c->name, commands_table[j].name);
			/* "outage" cannot be both a command and the group of "outage list". */
			if (strncmp(commands_table[j].name, c->name, n) == 0)
				assert_true(commands_table[j].name[n] != ' ');
		}
		for (const struct cli_option *o = c->options; o && o->name; o++) {
			char dashed[64];

			snprintf(dashed, sizeof(dashed), "--%s", o->name);
			for (int lang = 0; lang < I18N_NLANGS; lang++) {
				const char *help = i18n_get_in((enum i18n_lang)lang, c->help);

				if (!strstr(help, dashed))
					fail_msg("%s: %s is not in its help (language %d)", c->name, dashed, lang);
			}
			for (const struct cli_option *p = o + 1; p->name; p++)
				assert_string_not_equal(o->name, p->name);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_takes_the_longest_match),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_parse_values_flags_and_lists),
		cmocka_unit_test(test_parse_usage_errors),
		cmocka_unit_test(test_help_wins_unless_after_double_dash),
		cmocka_unit_test(test_time_text),
		cmocka_unit_test(test_user_text),
		cmocka_unit_test(test_the_command_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

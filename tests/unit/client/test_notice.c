/*
 * The notice commands without a server: the words for what a notice is for,
 * its status and its escalation in both languages; the drill mark on the
 * subject; short local times; and the usage checks of `lifeline notices` and
 * `lifeline ack` (ids, department codes, notes), which settle a bad command
 * line (exit 2) before any request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cli.h"
#include "commands.h"
#include "i18n.h"
#include "notice.h"

static void test_what_a_notice_is_for(void **state)
{
	(void)state;
	i18n_set_lang(I18N_ZH);
	assert_string_equal(notice_what_text("paper-30m", "paper"), "转手工（30 分钟）");
	assert_string_equal(notice_what_text("paper-6h", "paper"), "转手工（6 小时）");
	assert_string_equal(notice_what_text("paper-24h", "paper"), "转手工（24 小时）");
	assert_string_equal(notice_what_text("level-1", "alert"), "待命（一级故障）");
	assert_string_equal(notice_what_text("level-3", "log"), "三级故障登记");
	assert_string_equal(notice_what_text("resume", "resume"), "恢复");
	assert_string_equal(notice_what_text("review", "review"), "故障复盘");
	/* A moment this client does not know: its kind's words, else the moment itself. */
	assert_string_equal(notice_what_text("paper-48h", "paper"), "转手工");
	assert_string_equal(notice_what_text("drill-end", "wrap-up"), "drill-end");
	assert_string_equal(notice_what_text(NULL, "alert"), "故障通知");
	assert_string_equal(notice_what_text(NULL, NULL), "?");

	i18n_set_lang(I18N_EN);
	assert_string_equal(notice_what_text("paper-30m", "paper"), "switch to paper (30 min)");
	assert_string_equal(notice_what_text("level-1", "alert"), "stand by (level 1)");
	assert_string_equal(notice_what_text("level-other", "alert"), "insurance line fault");
	assert_string_equal(notice_what_text("resume", "resume"), "resume");
	assert_string_equal(notice_what_text("review", "review"), "review");
	i18n_set_lang(I18N_ZH);
}

static void test_statuses_and_escalation(void **state)
{
	(void)state;
	i18n_set_lang(I18N_ZH);
	assert_string_equal(notice_status_text("open"), "待确认");
	assert_string_equal(notice_status_text("acknowledged"), "已确认");
	assert_string_equal(notice_status_text("closed"), "已关闭");
	assert_string_equal(notice_status_text("sent"), "已发送");
	assert_string_equal(notice_status_text("planned"), "计划中");
	assert_string_equal(notice_status_text("cancelled"), "已取消");
	assert_string_equal(notice_status_text("archived"), "archived");
	assert_string_equal(notice_status_text(NULL), "?");
	/* Sending is no escalation: nothing to show. */
	assert_null(notice_step_text("planned"));
	assert_null(notice_step_text("sent"));
	assert_null(notice_step_text(NULL));
	assert_string_equal(notice_step_text("repeated"), "已再次通知");
	assert_string_equal(notice_step_text("escalated_head"), "已升级至科室负责人");
	assert_string_equal(notice_step_text("escalated_leadership"), "已升级至应急领导小组");
	assert_string_equal(notice_step_text("escalated_minister"), "escalated_minister");

	i18n_set_lang(I18N_EN);
	assert_string_equal(notice_status_text("open"), "open");
	assert_string_equal(notice_status_text("acknowledged"), "acknowledged");
	assert_string_equal(notice_step_text("escalated_head"), "escalated to the head");
	i18n_set_lang(I18N_ZH);
}

static void test_which_notices_await_an_acknowledgement(void **state)
{
	json_t *open = json_pack("{s:s, s:b}", "status", "open", "wants_ack", 1);
	json_t *log = json_pack("{s:s, s:b}", "status", "sent", "wants_ack", 0);
	json_t *done = json_pack("{s:s, s:b}", "status", "acknowledged", "wants_ack", 1);
	json_t *odd = json_pack("{s:s}", "status", "open");

	(void)state;
	assert_true(notice_awaits_ack(open));
	assert_false(notice_awaits_ack(log));
	assert_false(notice_awaits_ack(done));
	assert_false(notice_awaits_ack(odd));
	assert_false(notice_awaits_ack(NULL));
	json_decref(open);
	json_decref(log);
	json_decref(done);
	json_decref(odd);
}

static void test_drills_are_marked_once(void **state)
{
	char buf[128];

	(void)state;
	i18n_set_lang(I18N_ZH);
	assert_string_equal(notice_subject_text("【转手工】药房：请转入手工操作", false, buf, sizeof(buf)),
		"【转手工】药房：请转入手工操作");
	assert_string_equal(notice_subject_text("【转手工】药房", true, buf, sizeof(buf)),
		"【演练】【转手工】药房");
	/* The server marks its drill texts already: not twice, in either language. */
	assert_string_equal(notice_subject_text("【演练】【转手工】药房", true, buf, sizeof(buf)),
		"【演练】【转手工】药房");
	assert_string_equal(notice_subject_text("[DRILL] [Switch to paper] Pharmacy", true, buf,
		sizeof(buf)), "[DRILL] [Switch to paper] Pharmacy");
	assert_string_equal(notice_subject_text(NULL, false, buf, sizeof(buf)), "-");
	assert_string_equal(notice_subject_text("", true, buf, sizeof(buf)), "【演练】-");

	i18n_set_lang(I18N_EN);
	assert_string_equal(notice_subject_text("[Resume] Pharmacy", true, buf, sizeof(buf)),
		"[DRILL] [Resume] Pharmacy");
	assert_string_equal(notice_subject_text("[DRILL] [Resume] Pharmacy", true, buf, sizeof(buf)),
		"[DRILL] [Resume] Pharmacy");
	/* Too small a buffer: cut, still a string. */
	assert_string_equal(notice_subject_text("[Resume] Pharmacy", true, buf, 12), "[DRILL] [Re");
	i18n_set_lang(I18N_ZH);
}

static void test_short_local_times(void **state)
{
	char buf[64];

	(void)state;
	setenv("TZ", "CST-8", 1);
	tzset();
	assert_string_equal(notice_time_short("2026-11-22T04:54:00.123Z", buf, sizeof(buf)),
		"11-22 12:54");
	assert_string_equal(notice_time_short("2026-11-22T23:30:00+08:00", buf, sizeof(buf)),
		"11-22 23:30");
	assert_string_equal(notice_time_short("2026-12-31T16:00:00Z", buf, sizeof(buf)),
		"01-01 00:00");
	assert_string_equal(notice_time_short("yesterday", buf, sizeof(buf)), "yesterday");
	assert_string_equal(notice_time_short(NULL, buf, sizeof(buf)), "-");
}

static void test_ids_codes_and_notes(void **state)
{
	long long id = 0;
	char *note;

	(void)state;
	assert_true(notice_parse_id("42", &id));
	assert_int_equal(id, 42);
	assert_false(notice_parse_id("0", &id));
	assert_false(notice_parse_id("-4", &id));
	assert_false(notice_parse_id("4/ack", &id));
	assert_false(notice_parse_id("", &id));
	assert_false(notice_parse_id(NULL, &id));

	assert_true(notice_dept_valid("ward-3"));
	assert_true(notice_dept_valid("pharmacy"));
	assert_false(notice_dept_valid("Ward-3"));
	assert_false(notice_dept_valid("-ward"));
	assert_false(notice_dept_valid("ward 3"));
	assert_false(notice_dept_valid("ward-3&status=all"));
	assert_false(notice_dept_valid(""));
	assert_false(notice_dept_valid(NULL));

	assert_int_equal(notice_check_note("收到"), NOTICE_NOTE_OK);
	assert_int_equal(notice_check_note("on paper 😀"), NOTICE_NOTE_OK);
	assert_int_equal(notice_check_note(""), NOTICE_NOTE_BLANK);
	assert_int_equal(notice_check_note(" \t\n"), NOTICE_NOTE_BLANK);
	assert_int_equal(notice_check_note("\xe3\x80\x80 "), NOTICE_NOTE_BLANK); /* U+3000 */
	assert_int_equal(notice_check_note("\xff"), NOTICE_NOTE_NOT_UTF8);
	assert_int_equal(notice_check_note("ok\xe6\x94"), NOTICE_NOTE_NOT_UTF8);     /* cut short */
	assert_int_equal(notice_check_note("\xc0\xaf"), NOTICE_NOTE_NOT_UTF8);       /* overlong '/' */
	assert_int_equal(notice_check_note("\xed\xa0\x80"), NOTICE_NOTE_NOT_UTF8);   /* a surrogate */
	assert_int_equal(notice_check_note("\xf4\x90\x80\x80"), NOTICE_NOTE_NOT_UTF8); /* > U+10FFFF */

	/* The limit counts characters, as the server's schema does, not bytes. */
	note = malloc(3 * (NOTICE_NOTE_MAX + 1) + 1);
	assert_non_null(note);
	note[0] = '\0';
	for (int i = 0; i < NOTICE_NOTE_MAX; i++)
		strcat(note, "收");
	assert_int_equal(notice_check_note(note), NOTICE_NOTE_OK);
	strcat(note, "收");
	assert_int_equal(notice_check_note(note), NOTICE_NOTE_TOO_LONG);
	free(note);
}

/* ---- the usage checks of the real command rows ---- */

static const struct cli_command *row(const char *name)
{
	for (size_t i = 0; i < commands_count; i++)
		if (strcmp(commands_table[i].name, name) == 0)
			return &commands_table[i];
	fail_msg("no command '%s'", name);
	return NULL;
}

/* cli_parse() of a command line (split on '|'): 0, or the message of the usage error. */
static int parse(const char *name, const char *line, enum i18n_msg *msg)
{
	char buf[512], *argv[32];
	int argc = 0, rc;
	struct cli_args args;
	struct cli_error err;

	snprintf(buf, sizeof(buf), "%s", line);
	/* Every piece is an argument, empty ones too ("--note|" gives an empty value). */
	for (char *p = buf, *tok; line[0] && (tok = strsep(&p, "|")) && argc < 32;)
		argv[argc++] = tok;
	rc = cli_parse(row(name), argc, argv, &args, &err);
	*msg = err.msg;
	if (rc == 0)
		cli_args_free(&args);
	return rc;
}

#define ACCEPTS(name, line) do { \
	enum i18n_msg m_; \
	if (parse(name, line, &m_) != 0) \
		fail_msg("%s: '%s' refused (message %d)", name, line, (int)m_); \
} while (0)

#define REFUSES(name, line, msg) do { \
	enum i18n_msg m_; \
	assert_int_equal(parse(name, line, &m_), LL_EINVAL); \
	if (m_ != (msg)) \
		fail_msg("%s: '%s' refused with message %d, not %d", name, line, (int)m_, (int)(msg)); \
} while (0)

static void test_usage_checks(void **state)
{
	(void)state;
	ACCEPTS("notices", "");
	ACCEPTS("notices", "--dept|ward-3");
	ACCEPTS("notices", "--all|--dept=pharmacy");
	REFUSES("notices", "--dept|Pharmacy", I18N_ERR_BAD_DEPT_CODE);
	REFUSES("notices", "--dept|", I18N_ERR_BAD_DEPT_CODE);
	REFUSES("notices", "--dept|a?b", I18N_ERR_BAD_DEPT_CODE);
	REFUSES("notices", "--dept", I18N_ERR_MISSING_VALUE);
	REFUSES("notices", "ward-3", I18N_ERR_TOO_MANY_ARGS);

	ACCEPTS("ack", "12");
	ACCEPTS("ack", "12|--note|收到");
	ACCEPTS("ack", "--note=已转手工|12");
	REFUSES("ack", "", I18N_ERR_TOO_FEW_ARGS);
	REFUSES("ack", "twelve", I18N_ERR_BAD_NOTICE_ID);
	REFUSES("ack", "0", I18N_ERR_BAD_NOTICE_ID);
	REFUSES("ack", "12|13", I18N_ERR_TOO_MANY_ARGS);
	REFUSES("ack", "12|--note|", I18N_ERR_EMPTY_OPTION);
	REFUSES("ack", "12|--note| ", I18N_ERR_EMPTY_OPTION);
	REFUSES("ack", "12|--note|\xff", I18N_ERR_NOTE_NOT_UTF8);
	REFUSES("ack", "12|--via|web", I18N_ERR_UNKNOWN_OPTION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_what_a_notice_is_for),
		cmocka_unit_test(test_statuses_and_escalation),
		cmocka_unit_test(test_which_notices_await_an_acknowledgement),
		cmocka_unit_test(test_drills_are_marked_once),
		cmocka_unit_test(test_short_local_times),
		cmocka_unit_test(test_ids_codes_and_notes),
		cmocka_unit_test(test_usage_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

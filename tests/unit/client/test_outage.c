/*
 * The outage commands without a server: parsing --at, ids, time scales and
 * target lists; the names of levels, statuses and tiers; durations and
 * countdowns; how an outage, a list and a timeline are shown; and the usage
 * checks of the command rows (exit 2 before any request).
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
#include "outage.h"
#include "outage_view.h"

/* China Standard Time in POSIX form, which needs no tzdata. */
static void use_cst(void)
{
	setenv("TZ", "CST-8", 1);
	tzset();
}

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		.tm_hour = h, .tm_min = mi, .tm_sec = s};

	return timegm(&tm);
}

/* outage_parse_at() into a static buffer; NULL when it refuses. */
static const char *at(const char *text, time_t now)
{
	static char buf[32];

	return outage_parse_at(text, now, buf, sizeof(buf)) == 0 ? buf : NULL;
}

static void test_at_clock_time_is_today_in_local_time(void **state)
{
	/* 2026-11-22 10:00 in Beijing. */
	time_t now = utc(2026, 11, 22, 2, 0, 0);

	(void)state;
	use_cst();
	assert_string_equal(at("09:30", now), "2026-11-22T01:30:00Z");
	assert_string_equal(at("9:05", now), "2026-11-22T01:05:00Z");
	assert_string_equal(at("23:59:30", now), "2026-11-22T15:59:30Z");
	/* Just after local midnight, "today" is the local day, not the UTC one. */
	now = utc(2026, 11, 21, 16, 30, 0); /* 2026-11-22 00:30 CST */
	assert_string_equal(at("00:10", now), "2026-11-21T16:10:00Z");
	assert_string_equal(at("08:00", now), "2026-11-22T00:00:00Z");
	/* The same clock time in UTC itself. */
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_string_equal(at("08:00", now), "2026-11-21T08:00:00Z");
	use_cst();

	for (const char *const *bad = (const char *const[]){"24:00", "09:60", "9:5", "0930",
		"09:30:61", "09:30 ", " 09:30", "9", ":30", "", "09-30", "noon", NULL}; *bad; bad++)
		if (at(*bad, now))
			fail_msg("'%s' was taken as %s", *bad, at(*bad, now));
	assert_null(at(NULL, now));
}

static void test_at_rfc3339_is_converted_to_utc(void **state)
{
	time_t now = utc(2026, 11, 22, 2, 0, 0);
	char small[20];

	(void)state;
	use_cst();
	assert_string_equal(at("2026-11-22T09:30:00+08:00", now), "2026-11-22T01:30:00Z");
	assert_string_equal(at("2026-11-22T01:30:00Z", now), "2026-11-22T01:30:00Z");
	assert_string_equal(at("2026-11-22T01:30:00.123Z", now), "2026-11-22T01:30:00Z");
	assert_string_equal(at("2026-11-22t01:30:00z", now), "2026-11-22T01:30:00Z");
	assert_string_equal(at("2026-11-22 01:30:00Z", now), "2026-11-22T01:30:00Z");
	assert_string_equal(at("2026-11-22T00:30:00+08:00", now), "2026-11-21T16:30:00Z");
	assert_string_equal(at("2026-11-21T20:00:00-05:30", now), "2026-11-22T01:30:00Z");
	assert_string_equal(at("2026-12-31T23:59:60Z", now), "2026-12-31T23:59:59Z");
	assert_string_equal(at("2028-02-29T12:00:00Z", now), "2028-02-29T12:00:00Z");

	for (const char *const *bad = (const char *const[]){
		"2026-11-22T09:30:00",        /* no zone: a guess */
		"2026-11-22",                 /* no time */
		"2026-11-22T09:30Z",          /* no seconds */
		"2026-02-29T12:00:00Z",       /* not a leap year */
		"2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-22T24:00:00Z",
		"2026-11-22T09:30:00+8:00", "2026-11-22T09:30:00+08", "2026-11-22T09:30:00.Z",
		"2026-11-22T09:30:00Z trailing", "26-11-22T09:30:00Z", NULL}; *bad; bad++)
		if (at(*bad, now))
			fail_msg("'%s' was taken as %s", *bad, at(*bad, now));
	assert_int_equal(outage_parse_at("2026-11-22T01:30:00Z", now, small, sizeof(small)),
		LL_ETOOBIG);
}

static void test_ids_time_scales_and_targets(void **state)
{
	long long id = 0;
	double scale = 0;
	json_t *list = NULL;

	(void)state;
	assert_true(outage_parse_id("7", &id));
	assert_int_equal(id, 7);
	assert_true(outage_parse_id("0012", &id));
	assert_int_equal(id, 12);
	assert_true(outage_parse_id("9007199254740991", &id));
	for (const char *const *bad = (const char *const[]){"0", "-1", "+1", "1.5", "7/confirm",
		"../7", "7 ", "", "9007199254740992", "99999999999999999999999", NULL}; *bad; bad++)
		if (outage_parse_id(*bad, &id))
			fail_msg("'%s' was taken as the id %lld", *bad, id);
	assert_false(outage_parse_id(NULL, &id));

	assert_true(outage_parse_time_scale("60", &scale));
	assert_true(scale == 60);
	assert_true(outage_parse_time_scale("0.5", &scale));
	assert_true(scale == 0.5);
	assert_true(outage_parse_time_scale("10000", &scale)); /* the server's bound */
	for (const char *const *bad = (const char *const[]){"0", "-1", "abc", "", " 5", "5x",
		"inf", "nan", "1e9", "10000.5", NULL}; *bad; bad++)
		if (outage_parse_time_scale(*bad, &scale))
			fail_msg("'%s' was taken as the time scale %g", *bad, scale);

	assert_int_equal(outage_parse_targets("his-core,his-db", &list), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_array_get(list, 0)), "his-core");
	assert_string_equal(json_string_value(json_array_get(list, 1)), "his-db");
	json_decref(list);
	assert_int_equal(outage_parse_targets(" his-core , lis ", &list), 0);
	assert_string_equal(json_string_value(json_array_get(list, 1)), "lis");
	json_decref(list);
	for (const char *const *bad = (const char *const[]){"", ",", "a,,b", "a,", ",a", " ",
		NULL}; *bad; bad++) {
		assert_int_equal(outage_parse_targets(*bad, &list), LL_EINVAL);
		assert_null(list);
	}
}

static void test_levels_statuses_and_tiers_in_both_languages(void **state)
{
	(void)state;
	for (const char *const *l = (const char *const[]){"1", "2", "3", "other", NULL}; *l; l++)
		assert_true(outage_level_valid(*l));
	for (const char *const *l = (const char *const[]){"0", "4", "一级", "OTHER", "1 ", "",
		NULL}; *l; l++)
		assert_false(outage_level_valid(*l));
	assert_false(outage_level_valid(NULL));

	i18n_set_lang(I18N_ZH);
	assert_string_equal(outage_level_text("1"), "一级（全网瘫痪）");
	assert_string_equal(outage_level_text("2"), "二级（局部故障）");
	assert_string_equal(outage_level_text("3"), "三级（操作失误）");
	assert_string_equal(outage_level_text("other"), "其他（医保线路）");
	assert_string_equal(outage_status_text("suspected"), "疑似");
	assert_string_equal(outage_status_text("confirmed"), "已确认");
	assert_string_equal(outage_status_text("manual"), "手工运行中");
	assert_string_equal(outage_status_text("recovering"), "恢复中");
	assert_string_equal(outage_status_text("resolved"), "已恢复");
	assert_string_equal(outage_status_text("reviewed"), "已复盘");
	assert_string_equal(outage_status_text("dismissed"), "已撤销");
	assert_string_equal(outage_tier_text("30m"), "30 分钟");
	assert_string_equal(outage_tier_who("30m"), "门诊挂号、住院登记、门诊医生、药房转手工");
	assert_null(outage_tier_who("48h"));
	assert_string_equal(outage_target_state_text("down"), "中断");
	assert_string_equal(outage_event_text("recovery_step"), "恢复步骤");
	assert_string_equal(outage_kind_text("cannot_save"), "无法保存");
	assert_string_equal(outage_actor_text("monitor"), "自动监测");
	assert_string_equal(outage_actor_text("it"), "it");
	/* What a newer server may send shows as it is. */
	assert_string_equal(outage_level_text("4"), "4");
	assert_string_equal(outage_status_text("archived"), "archived");
	assert_string_equal(outage_status_text(NULL), "?");

	i18n_set_lang(I18N_EN);
	assert_string_equal(outage_level_text("1"), "level 1 (network paralysis)");
	assert_string_equal(outage_level_text("other"), "other (medical-insurance line)");
	assert_string_equal(outage_status_text("manual"), "on paper");
	assert_string_equal(outage_tier_text("24h"), "24 h");
	i18n_set_lang(I18N_ZH);

	assert_true(outage_status_open("suspected") && outage_status_open("recovering"));
	assert_false(outage_status_open("resolved") || outage_status_open("dismissed") ||
		outage_status_open(NULL));
	assert_true(outage_kind_valid("operator_error") && !outage_kind_valid("broken"));
}

static void test_durations(void **state)
{
	static const struct {
		long long s;
		const char *zh, *en;
	} cases[] = {
		{0, "0秒", "0s"},
		{45, "45秒", "45s"},
		{60, "1分00秒", "1m 00s"},
		{754, "12分34秒", "12m 34s"},
		{3599, "59分59秒", "59m 59s"},
		{3600, "1小时00分", "1h 00m"},
		{20460, "5小时41分", "5h 41m"},
		{86399, "23小时59分", "23h 59m"},
		{86400, "1天0小时", "1d 0h"},
		{93784, "1天2小时", "1d 2h"},
		{-5, "0秒", "0s"},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		i18n_set_lang(I18N_ZH);
		assert_string_equal(outage_duration_text(cases[i].s, buf, sizeof(buf)), cases[i].zh);
		i18n_set_lang(I18N_EN);
		assert_string_equal(outage_duration_text(cases[i].s, buf, sizeof(buf)), cases[i].en);
	}
	i18n_set_lang(I18N_ZH);
}

static void test_json_numbers(void **state)
{
	json_t *i = json_integer(5), *r = json_real(1234.9), *s = json_string("5");

	(void)state;
	assert_int_equal(outage_json_int(i, -1), 5);
	assert_int_equal(outage_json_int(r, -1), 1234);
	assert_int_equal(outage_json_int(s, -1), -1);
	assert_int_equal(outage_json_int(NULL, -7), -7);
	json_decref(i);
	json_decref(r);
	json_decref(s);
}

/* What a view function printed, as a string the caller frees. */
#define CAPTURE(out, call) do { \
	char *buf_ = NULL; size_t len_ = 0; \
	FILE *f = open_memstream(&buf_, &len_); \
	assert_non_null(f); \
	call; \
	assert_int_equal(fclose(f), 0); \
	(out) = buf_; \
} while (0)

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("bad test JSON: %s", e.text);
	return j;
}

static const char *const CONFIRMED_DRILL =
	"{\"id\": 7, \"status\": \"confirmed\", \"level\": \"1\", \"proposed_level\": \"1\","
	" \"drill\": true, \"time_scale\": 60, \"breakpoint\": \"2026-11-22T01:02:03.000Z\","
	" \"detected_at\": \"2026-11-22T01:02:30.000Z\", \"confirmed_at\": \"2026-11-22T01:05:00Z\","
	" \"manual_start_at\": null, \"recovering_at\": null, \"resolved_at\": null,"
	" \"reason\": \"核心服务器宕机\", \"opened_by\": \"monitor\","
	" \"targets\": [\"his-core\", \"his-db\"], \"elapsed_s\": 1234,"
	" \"next_threshold\": {\"tier\": \"30m\", \"at\": \"2026-11-22T01:32:03.000Z\","
	" \"in_s\": 566}, \"problem_reports\": 3}";

static void test_block_shows_level_status_countdown_and_drill(void **state)
{
	json_t *o = load(CONFIRMED_DRILL);
	char *out;

	(void)state;
	use_cst();
	i18n_set_lang(I18N_ZH);
	CAPTURE(out, outage_view_block(f, o, true));
	assert_string_equal(out,
		"故障 #7【演练 DRILL】（时间加速 ×60）\n"
		"  状态：已确认\n"
		"  等级：一级（全网瘫痪）\n"
		"  断点：2026-11-22 09:02 CST\n"
		"  发现：2026-11-22 09:02 CST（自动监测）\n"
		"  确认：2026-11-22 09:05 CST\n"
		"  已持续：20分34秒\n"
		"  下一阈值：30 分钟（门诊挂号、住院登记、门诊医生、药房转手工），"
		"2026-11-22 09:32 CST，还有 9分26秒\n"
		"  手工运行开始：尚未宣布\n"
		"  原因：核心服务器宕机\n"
		"  涉及系统：his-core、his-db\n"
		"  问题报告：3 条\n");
	free(out);

	i18n_set_lang(I18N_EN);
	json_object_set_new(o, "status", json_string("manual"));
	json_object_set_new(o, "manual_start_at", json_string("2026-11-22T01:40:00Z"));
	json_object_set_new(o, "time_scale", json_integer(1));
	CAPTURE(out, outage_view_block(f, o, false));
	assert_string_equal(out,
		"Outage #7 [演练 DRILL]\n"
		"  Status:           on paper\n"
		"  Level:            level 1 (network paralysis)\n"
		"  Breakpoint:       2026-11-22 09:02 CST\n"
		"  Elapsed:          20m 34s\n"
		"  Next threshold:   30 min (outpatient registration, admission, outpatient "
		"doctors and pharmacy go to paper) at 2026-11-22 09:32 CST, in 9m 26s\n"
		"  Manual start:     2026-11-22 09:40 CST\n"
		"  Reason:           核心服务器宕机\n"
		"  Targets:          his-core, his-db\n"
		"  Problem reports:  3\n");
	free(out);
	i18n_set_lang(I18N_ZH);
	json_decref(o);
}

static void test_block_of_suspected_overridden_and_closed_outages(void **state)
{
	json_t *o = load("{\"id\": 8, \"status\": \"suspected\", \"level\": \"2\","
		" \"proposed_level\": \"2\", \"drill\": false, \"elapsed_s\": 30,"
		" \"breakpoint\": \"2026-11-22T01:02:03Z\", \"next_threshold\": null}");
	char *out;

	(void)state;
	use_cst();
	i18n_set_lang(I18N_ZH);
	CAPTURE(out, outage_view_block(f, o, false));
	assert_non_null(strstr(out, "故障 #8\n"));
	assert_null(strstr(out, "演练"));
	assert_non_null(strstr(out, "  状态：疑似\n"));
	assert_non_null(strstr(out, "  等级：二级（局部故障）（系统建议，待信息科确认）\n"));
	assert_non_null(strstr(out, "  下一阈值：无（各阈值均已过）\n"));
	free(out);

	/* IT overrode the proposal, then it was resolved: no countdown, how long it lasted. */
	json_object_set_new(o, "status", json_string("resolved"));
	json_object_set_new(o, "level", json_string("1"));
	json_object_set_new(o, "elapsed_s", json_integer(7500));
	json_object_set_new(o, "resolved_at", json_string("2026-11-22T03:07:03Z"));
	CAPTURE(out, outage_view_block(f, o, true));
	assert_non_null(strstr(out, "  状态：已恢复\n"));
	assert_non_null(strstr(out, "  等级：一级（全网瘫痪）（建议等级：二级（局部故障））\n"));
	assert_non_null(strstr(out, "  持续：2小时05分\n"));
	assert_non_null(strstr(out, "  结束：2026-11-22 11:07 CST\n"));
	assert_null(strstr(out, "下一阈值"));
	assert_null(strstr(out, "手工运行开始"));
	free(out);

	/* Nothing but an id: shows what it can, never crashes. */
	json_decref(o);
	o = load("{\"id\": \"x9\"}");
	CAPTURE(out, outage_view_block(f, o, true));
	assert_non_null(strstr(out, "故障 #x9\n"));
	free(out);
	json_decref(o);
}

/* The display column at which `needle` starts on the line of `text` that holds it. */
static size_t column_of(const char *text, const char *needle)
{
	const char *hit = strstr(text, needle), *line = hit;
	char prefix[512];

	assert_non_null(hit);
	while (line > text && line[-1] != '\n')
		line--;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(hit - line), line);
	return cli_text_width(prefix);
}

static void test_list_is_a_table_aligned_by_display_width(void **state)
{
	json_t *list = json_pack("[o, o]", load(CONFIRMED_DRILL),
		load("{\"id\": 12, \"status\": \"suspected\", \"level\": \"other\","
			" \"proposed_level\": \"other\", \"drill\": false, \"targets\": [],"
			" \"breakpoint\": \"2026-11-22T02:00:00Z\", \"elapsed_s\": 59,"
			" \"next_threshold\": {\"tier\": \"30m\", \"at\": \"2026-11-22T02:30:00Z\","
			" \"in_s\": 1741}}"));
	char *out;

	(void)state;
	use_cst();
	i18n_set_lang(I18N_ZH);
	assert_int_equal(cli_text_width("abc"), 3);
	assert_int_equal(cli_text_width("一级（全网瘫痪）"), 16);
	assert_int_equal(cli_text_width("e\xcc\x81"), 1); /* e + combining acute */
	assert_int_equal(cli_text_width("\xff"), 1);

	CAPTURE(out, assert_int_equal(outage_view_list(f, list), 0));
	assert_non_null(strstr(out, "编号  等级"));
	assert_int_equal(column_of(out, "状态"), column_of(out, "已确认"));
	assert_int_equal(column_of(out, "已确认"), column_of(out, "疑似"));
	assert_int_equal(column_of(out, "持续"), column_of(out, "20分34秒"));
	assert_int_equal(column_of(out, "下一阈值"), column_of(out, "30 分钟，还有 9分26秒"));
	assert_int_equal(column_of(out, "30 分钟，还有 29分01秒"), column_of(out, "下一阈值"));
	assert_non_null(strstr(out, "其他（医保线路）（建议）"));
	assert_non_null(strstr(out, "his-core、his-db  【演练 DRILL】\n"));
	/* No drill mark on the real one, and no trailing blanks. */
	assert_non_null(strstr(out, "  -\n"));
	assert_null(strstr(out, " \n"));
	free(out);
	json_decref(list);
}

static void test_timeline_and_its_details(void **state)
{
	json_t *timeline = load("["
		"{\"at\": \"2026-11-22T01:02:03Z\", \"kind\": \"opened\", \"actor\": \"monitor\","
		" \"detail\": {\"target\": \"his-core\", \"proposed_level\": \"1\"}},"
		"{\"at\": \"2026-11-22T01:05:00Z\", \"kind\": \"level_changed\", \"actor\": \"it\","
		" \"detail\": {\"from\": \"1\", \"to\": \"2\", \"reason\": \"只有检验科\"}},"
		"{\"at\": \"2026-11-22T01:10:00Z\", \"kind\": \"recovery_step\", \"actor\": \"it\","
		" \"detail\": {\"text\": \"重启数据库\"}},"
		"{\"at\": \"2026-11-22T01:11:00Z\", \"kind\": \"manual_start\", \"actor\": \"it\","
		" \"detail\": {\"at\": \"2026-11-22T01:30:00Z\", \"extra\": {\"n\": 1}, \"none\": null}}"
		"]");
	char *out, buf[256];

	(void)state;
	use_cst();
	i18n_set_lang(I18N_ZH);
	CAPTURE(out, assert_int_equal(outage_view_timeline(f, timeline), 0));
	assert_string_equal(out,
		"  2026-11-22 09:02 CST  打开          自动监测  建议等级：一级（全网瘫痪）；系统：his-core\n"
		"  2026-11-22 09:05 CST  改等级        it        "
		"原等级：一级（全网瘫痪）；新等级：二级（局部故障）；原因：只有检验科\n"
		"  2026-11-22 09:10 CST  恢复步骤      it        重启数据库\n"
		"  2026-11-22 09:11 CST  手工运行开始  it        时间：2026-11-22 09:30 CST；extra：{\"n\":1}\n");
	free(out);

	i18n_set_lang(I18N_EN);
	assert_string_equal(outage_view_detail(json_object_get(json_array_get(timeline, 1),
		"detail"), buf, sizeof(buf)),
		"from: level 1 (network paralysis); to: level 2 (local fault); reason: 只有检验科");
	i18n_set_lang(I18N_ZH);
	/* A detail too long for the buffer is cut, not overrun. */
	assert_non_null(outage_view_detail(json_object_get(json_array_get(timeline, 1), "detail"),
		buf, 12));
	assert_true(strlen(buf) < 12);

	/*
	 * What the server writes: jsonb sorts keys by length ("to" before "from", "drill"
	 * first), timestamps with "+00:00"; what says nothing is left out.
	 */
	{
		json_t *d = load("{\"to\": \"2\", \"from\": \"1\", \"reason\": \"x\"}");
		json_t *declared = load("{\"drill\": false, \"level\": \"1\", \"reason\": \"down\","
			" \"targets\": [], \"time_scale\": 1}");
		json_t *drill = load("{\"drill\": true, \"level\": \"3\", \"time_scale\": 60.0}");
		json_t *at = load("{\"at\": \"2026-11-22T01:30:00.123456+00:00\"}");

		i18n_set_lang(I18N_ZH);
		assert_string_equal(outage_view_detail(d, buf, sizeof(buf)),
			"原等级：一级（全网瘫痪）；新等级：二级（局部故障）；原因：x");
		assert_string_equal(outage_view_detail(declared, buf, sizeof(buf)),
			"等级：一级（全网瘫痪）；原因：down");
		assert_string_equal(outage_view_detail(drill, buf, sizeof(buf)),
			"等级：三级（操作失误）；演练：是；时间加速：60");
		assert_string_equal(outage_view_detail(at, buf, sizeof(buf)), "时间：2026-11-22 09:30 CST");
		assert_string_equal(outage_view_detail(NULL, buf, sizeof(buf)), "");
		json_decref(d);
		json_decref(declared);
		json_decref(drill);
		json_decref(at);
	}
	assert_string_equal(outage_event_text("level_proposed"), "系统建议等级");
	assert_string_equal(outage_actor_text("lifeline"), "系统");

	json_decref(timeline);
	timeline = json_array();
	CAPTURE(out, assert_int_equal(outage_view_timeline(f, timeline), 0));
	assert_string_equal(out, "  （无记录）\n");
	free(out);
	json_decref(timeline);
}

static void test_targets(void **state)
{
	json_t *targets = load("["
		"{\"name\": \"his-core\", \"title_zh\": \"HIS 核心应用\", \"title_en\": \"HIS core\","
		" \"core\": true, \"state\": \"down\", \"since\": \"2026-11-22T01:02:03Z\","
		" \"affected_by\": null, \"flapping\": false, \"last_error\": \"connection refused\"},"
		"{\"name\": \"emr\", \"title_zh\": \"电子病历\", \"core\": false, \"state\": \"suspect\","
		" \"affected_by\": \"his-db\", \"flapping\": true, \"last_error\": null}]");
	char *out;

	(void)state;
	use_cst();
	i18n_set_lang(I18N_ZH);
	CAPTURE(out, assert_int_equal(outage_view_targets(f, targets), 0));
	assert_ptr_equal(strstr(out, "  his-core  HIS 核心应用  中断（核心）  自 2026-11-22 09:02 CST  "
		"connection refused\n"), out);
	assert_non_null(strstr(out, "\n  emr       电子病历      可疑  "));
	/* The notes line up under each other, whatever the widths before them. */
	assert_int_equal(column_of(out, "受 his-db 影响；时好时坏\n"), column_of(out, "connection refused"));
	free(out);
	i18n_set_lang(I18N_EN);
	CAPTURE(out, assert_int_equal(outage_view_targets(f, targets), 0));
	assert_non_null(strstr(out, "  his-core  HIS core  down (core)  since 2026-11-22 09:02 CST"));
	assert_non_null(strstr(out, "  emr       电子病历  suspect"));  /* no English title: the other */
	free(out);
	i18n_set_lang(I18N_ZH);
	json_decref(targets);
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
	/* Every piece is an argument, empty ones too ("--reason|" gives an empty value). */
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
	use_cst();
	ACCEPTS("outage declare", "--level|1|--reason|核心宕机");
	ACCEPTS("outage declare", "--level=other|--reason=医保线路断|--targets|insurance");
	ACCEPTS("outage declare", "--level|2|--reason|x|--drill|--time-scale|60");
	ACCEPTS("outage declare", "--drill|--time-scale|0.5|--level|3|--reason|x");
	REFUSES("outage declare", "--level|4|--reason|x", I18N_ERR_BAD_LEVEL);
	REFUSES("outage declare", "--level|一级|--reason|x", I18N_ERR_BAD_LEVEL);
	REFUSES("outage declare", "--level|1", I18N_ERR_MISSING_OPTION);
	REFUSES("outage declare", "--reason|x", I18N_ERR_MISSING_OPTION);
	REFUSES("outage declare", "--level|1|--reason|  ", I18N_ERR_EMPTY_OPTION);
	REFUSES("outage declare", "--level|1|--reason|x|--time-scale|60", I18N_ERR_TIME_SCALE_NO_DRILL);
	REFUSES("outage declare", "--level|1|--reason|x|--drill|--time-scale|0", I18N_ERR_BAD_TIME_SCALE);
	REFUSES("outage declare", "--level|1|--reason|x|--drill|--time-scale|-2", I18N_ERR_BAD_TIME_SCALE);
	REFUSES("outage declare", "--level|1|--reason|x|--targets|a,,b", I18N_ERR_BAD_TARGETS);
	REFUSES("outage declare", "--level|1|--reason|x|extra", I18N_ERR_TOO_MANY_ARGS);

	ACCEPTS("outage confirm", "7");
	ACCEPTS("outage confirm", "7|--reason|checked");
	ACCEPTS("outage confirm", "7|--level|2|--reason|only the lab");
	REFUSES("outage confirm", "7|--level|2", I18N_ERR_LEVEL_NEEDS_REASON);
	REFUSES("outage confirm", "7|--level|9|--reason|x", I18N_ERR_BAD_LEVEL);
	REFUSES("outage confirm", "seven", I18N_ERR_BAD_OUTAGE_ID);
	REFUSES("outage confirm", "", I18N_ERR_TOO_FEW_ARGS);

	ACCEPTS("outage level", "7|2|--reason|x");
	REFUSES("outage level", "7|5|--reason|x", I18N_ERR_BAD_LEVEL);
	REFUSES("outage level", "7|2", I18N_ERR_MISSING_OPTION);
	REFUSES("outage level", "0|2|--reason|x", I18N_ERR_BAD_OUTAGE_ID);
	REFUSES("outage level", "7|--reason|x", I18N_ERR_TOO_FEW_ARGS);

	ACCEPTS("outage manual-start", "7");
	ACCEPTS("outage manual-start", "7|--at|09:30");
	ACCEPTS("outage manual-start", "7|--at|2026-11-22T09:30:00+08:00");
	REFUSES("outage manual-start", "7|--at|9.30", I18N_ERR_BAD_AT);
	REFUSES("outage manual-start", "7|--at|2026-11-22T09:30:00", I18N_ERR_BAD_AT);
	REFUSES("outage manual-start", "7/x", I18N_ERR_BAD_OUTAGE_ID);

	ACCEPTS("outage resolve", "7");
	ACCEPTS("outage resolve", "7|--reason|back");
	REFUSES("outage resolve", "7|--reason|", I18N_ERR_EMPTY_OPTION);
	ACCEPTS("outage dismiss", "7|--reason|a test of the probe");
	REFUSES("outage dismiss", "7", I18N_ERR_MISSING_OPTION);
	ACCEPTS("outage log", "7|--text|restarted the database");
	REFUSES("outage log", "7", I18N_ERR_MISSING_OPTION);
	REFUSES("outage log", "7|--text| ", I18N_ERR_EMPTY_OPTION);
	ACCEPTS("outage show", "7");
	REFUSES("outage show", "-1", I18N_ERR_UNKNOWN_OPTION);
	ACCEPTS("outage list", "");
	ACCEPTS("outage list", "--all");

	ACCEPTS("problem report", "--text|存不了盘");
	ACCEPTS("problem report", "--text|x|--kind|cannot_save|--dept|ward-3");
	REFUSES("problem report", "--text|x|--kind|broken", I18N_ERR_BAD_KIND);
	REFUSES("problem report", "--text|x|--dept|", I18N_ERR_EMPTY_OPTION);
	REFUSES("problem report", "--kind|slow", I18N_ERR_MISSING_OPTION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_at_clock_time_is_today_in_local_time),
		cmocka_unit_test(test_at_rfc3339_is_converted_to_utc),
		cmocka_unit_test(test_ids_time_scales_and_targets),
		cmocka_unit_test(test_levels_statuses_and_tiers_in_both_languages),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_block_shows_level_status_countdown_and_drill),
		cmocka_unit_test(test_block_of_suspected_overridden_and_closed_outages),
		cmocka_unit_test(test_list_is_a_table_aligned_by_display_width),
		cmocka_unit_test(test_timeline_and_its_details),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_usage_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

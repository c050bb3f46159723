/* Unit tests: the words of every notice (server/notify/notice_text.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"
#include "notice_text.h"

static const char *const ward_forms[] = { "ward-census", "mar", "breakpoint-record" };
static const char *const ward_records[] = { "drug_requisition", "fee_execution" };

static struct notice_facts ward_paper(void)
{
	return (struct notice_facts){
		.kind = "paper", .tier = "6h", .tier_s = 21600, .outage_id = "42",
		.dept_zh = "外科一病区护士站", .dept_en = "Surgical ward 1 nurse station",
		.forms = ward_forms, .nforms = 3, .records = ward_records, .nrecords = 2,
		.breakpoint = "2026-11-22 08:05",
	};
}

static void contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" not in:\n%s", needle, haystack);
}

static void test_paper_names_tier_forms_and_manual_start(void **state)
{
	struct notice_facts f = ward_paper();
	struct notice_text t;

	(void)state;
	assert_int_equal(notice_text_compose(&f, NOTICE_ZH, &t), 0);
	assert_string_equal(t.subject, "【转手工】外科一病区护士站：请转入手工操作");
	contains(t.body, "外科一病区护士站：\n");
	contains(t.body, "HIS 自 2026-11-22 08:05 起中断，已超过 6 小时");
	contains(t.body, "统一手工开始时间：以信息中心通知为准");
	contains(t.body, "请打印本科室表单：病区患者一览表、用药执行单、断点记录。");
	contains(t.body, "（故障编号 42）");
	notice_text_free(&t);

	f.manual_start = "2026-11-22 14:10";
	f.tier_s = 1800;
	assert_int_equal(notice_text_compose(&f, NOTICE_EN, &t), 0);
	assert_string_equal(t.subject, "[Switch to paper] Surgical ward 1 nurse station: go to manual operation");
	contains(t.body, "more than 30 minutes");
	contains(t.body, "Unified manual start time: 2026-11-22 14:10.");
	contains(t.body, "ward census / handover list, medication administration record, breakpoint record.");
	notice_text_free(&t);
}

static void test_resume_has_the_real_dates_and_records(void **state)
{
	struct notice_facts f = ward_paper();
	struct notice_text t;

	(void)state;
	f.kind = "resume";
	f.resolved = "2026-11-22 23:40";
	f.today = "2026-11-22";
	f.tomorrow = "2026-11-23";
	assert_int_equal(notice_text_compose(&f, NOTICE_ZH, &t), 0);
	contains(t.subject, "【恢复】外科一病区护士站");
	contains(t.body, "HIS 已于 2026-11-22 23:40 恢复");
	contains(t.body, "今天（2026-11-22）");
	contains(t.body, "明天（2026-11-23）");
	contains(t.body, "本科室需补录：药品请领、费用执行。");
	notice_text_free(&t);

	f.nrecords = 0;
	assert_int_equal(notice_text_compose(&f, NOTICE_EN, &t), 0);
	contains(t.body, "today (2026-11-22)");
	contains(t.body, "This department back-enters: nothing.");
	notice_text_free(&t);
}

static void test_alerts_follow_the_level(void **state)
{
	struct notice_facts f = { .kind = "alert", .level = "1", .dept_zh = "药房", .dept_en = "Pharmacy",
		.breakpoint = "2026-11-22 08:05", .outage_id = "7" };
	struct notice_text t;

	(void)state;
	assert_int_equal(notice_text_compose(&f, NOTICE_ZH, &t), 0);
	contains(t.subject, "一级故障");
	contains(t.body, "不要操作电脑");
	notice_text_free(&t);
	f.level = "2";
	assert_int_equal(notice_text_compose(&f, NOTICE_ZH, &t), 0);
	contains(t.subject, "信息中心主任");
	notice_text_free(&t);
	f.kind = "log";
	f.level = "3";
	assert_int_equal(notice_text_compose(&f, NOTICE_EN, &t), 0);
	contains(t.subject, "Operator error");
	notice_text_free(&t);
	f.kind = "alert";
	f.level = "other";
	assert_int_equal(notice_text_compose(&f, NOTICE_ZH, &t), 0);
	contains(t.body, "请财务科、医保办、门诊部按医保相关规定处理");
	notice_text_free(&t);
	f.kind = "review";
	f.resolved = "2026-11-22 23:40";
	assert_int_equal(notice_text_compose(&f, NOTICE_ZH, &t), 0);
	contains(t.body, "故障 7 已于 2026-11-22 23:40 排除");
	notice_text_free(&t);
}

static void test_drills_are_marked_first(void **state)
{
	struct notice_facts f = ward_paper();
	struct notice_text t, s;

	(void)state;
	f.drill = true;
	assert_int_equal(notice_text_compose(&f, NOTICE_ZH, &t), 0);
	assert_true(strncmp(t.subject, "【演练】【转手工】", strlen("【演练】【转手工】")) == 0);
	assert_true(strncmp(t.body, "（本消息为应急演练，不是真实故障。）\n",
		strlen("（本消息为应急演练，不是真实故障。）\n")) == 0);
	/* A repeat keeps the drill marker in front, once. */
	assert_int_equal(notice_text_step(NOTICE_STEP_REPEATED, NOTICE_ZH, true, f.dept_zh,
		"2026-11-22 14:05", &t, &s), 0);
	assert_string_equal(s.subject, "【演练】【再次通知】【转手工】外科一病区护士站：请转入手工操作");
	notice_text_free(&s);
	notice_text_free(&t);
	assert_int_equal(notice_text_compose(&f, NOTICE_EN, &t), 0);
	assert_true(strncmp(t.subject, "[DRILL] [Switch to paper]", strlen("[DRILL] [Switch to paper]")) == 0);
	notice_text_free(&t);
}

static void test_escalations_wrap_the_original(void **state)
{
	struct notice_text orig = { "【转手工】药房：请转入手工操作", "药房：\n原文\n" }, s;

	(void)state;
	assert_int_equal(notice_text_step(NOTICE_STEP_ESCALATED_HEAD, NOTICE_ZH, false, "药房",
		"2026-11-22 08:35", &orig, &s), 0);
	assert_string_equal(s.subject, "【未确认，请科室负责人处理】【转手工】药房：请转入手工操作");
	contains(s.body, "药房于 2026-11-22 08:35 收到的通知至今未确认");
	contains(s.body, "\n\n药房：\n原文\n");
	notice_text_free(&s);
	assert_int_equal(notice_text_step(NOTICE_STEP_ESCALATED_LEADERSHIP, NOTICE_EN, false, "Pharmacy",
		"2026-11-22 08:35", &orig, &s), 0);
	contains(s.subject, "[Escalated to the leadership group] Pharmacy has not acknowledged: ");
	notice_text_free(&s);
	assert_int_equal(notice_text_step(NOTICE_STEP_SENT, NOTICE_ZH, false, "药房", NULL, &orig, &s),
		LL_EINVAL);
}

static void test_unknown_kinds_and_names(void **state)
{
	struct notice_facts f = { .kind = "party" };
	struct notice_text t;

	(void)state;
	assert_int_equal(notice_text_compose(&f, NOTICE_ZH, &t), LL_EINVAL);
	assert_null(t.subject);
	assert_string_equal(notice_form_name("mar", NOTICE_ZH), "用药执行单");
	assert_string_equal(notice_form_name("no-such-form", NOTICE_EN), "no-such-form");
	assert_string_equal(notice_record_name("dispense", NOTICE_EN), "dispenses");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paper_names_tier_forms_and_manual_start),
		cmocka_unit_test(test_resume_has_the_real_dates_and_records),
		cmocka_unit_test(test_alerts_follow_the_level),
		cmocka_unit_test(test_drills_are_marked_first),
		cmocka_unit_test(test_escalations_wrap_the_original),
		cmocka_unit_test(test_unknown_kinds_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

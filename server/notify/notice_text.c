/*
 * notice_text — the words of every notice (see notice_text.h). The wording
 * follows the hospital's plan: §4 for who hears what at once, §5 and §6 for
 * the switch to paper, §8 for re-entry after recovery and the review.
 */
#include "notice_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

#define DRILL_ZH "【演练】"
#define DRILL_EN "[DRILL] "

struct name {
	const char *code, *zh, *en;
};

static const struct name forms[] = {
	{ "ward-census", "病区患者一览表", "ward census / handover list" },
	{ "mar", "用药执行单", "medication administration record" },
	{ "order-sheet", "住院医嘱单", "inpatient order sheet" },
	{ "drug-requisition", "药品请领单", "drug requisition form" },
	{ "fee-record", "费用执行记录单", "fee execution record" },
	{ "outpatient-prescription", "门诊处方笺", "outpatient prescription" },
	{ "lab-request", "检验/检查申请单", "lab / exam request" },
	{ "registration-log", "门诊手工挂号登记表", "manual outpatient registration log" },
	{ "admission-register", "住院手工登记表", "manual admission register" },
	{ "invoice-register", "手工发票使用登记本", "manual invoice usage register" },
	{ "discharge-settlement", "出院手工结算单", "manual discharge settlement sheet" },
	{ "price-list", "药品价格表", "paper drug price list" },
	{ "breakpoint-record", "断点记录", "breakpoint record" },
};

static const struct name records[] = {
	{ "outpatient_registration", "门诊挂号", "outpatient registrations" },
	{ "admission", "住院登记", "admissions" },
	{ "outpatient_prescription", "门诊处方", "outpatient prescriptions" },
	{ "inpatient_order", "住院医嘱", "inpatient orders" },
	{ "drug_requisition", "药品请领", "drug requisitions" },
	{ "dispense", "发药记录", "dispenses" },
	{ "fee_execution", "费用执行", "fee executions" },
	{ "exam_request", "检验/检查申请", "exam and lab requests" },
	{ "exam_fee", "检查费用", "exam fees" },
	{ "manual_invoice", "手工发票", "manual invoices" },
	{ "discharge_settlement", "出院结算", "discharge settlements" },
};

static const char *lookup(const struct name *t, size_t n, const char *code, enum notice_lang lang)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].code, code) == 0)
			return lang == NOTICE_ZH ? t[i].zh : t[i].en;
	return code;
}

const char *notice_form_name(const char *code, enum notice_lang lang)
{
	return lookup(forms, sizeof(forms) / sizeof(forms[0]), code, lang);
}

const char *notice_record_name(const char *type, enum notice_lang lang)
{
	return lookup(records, sizeof(records) / sizeof(records[0]), type, lang);
}

void notice_text_free(struct notice_text *t)
{
	if (!t)
		return;
	free(t->subject);
	free(t->body);
	t->subject = t->body = NULL;
}

/* ---------- a small writer over open_memstream ---------- */

struct writer {
	FILE *f;
	char *buf;
	size_t len;
};

static int writer_open(struct writer *w)
{
	w->buf = NULL;
	w->len = 0;
	w->f = open_memstream(&w->buf, &w->len);
	return w->f ? 0 : LL_ENOMEM;
}

__attribute__((format(printf, 2, 3)))
static void put(struct writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(w->f, fmt, ap);
	va_end(ap);
}

/* Close the stream; returns the text (owned) or NULL when out of memory. */
static char *writer_close(struct writer *w)
{
	if (fclose(w->f) != 0) {
		free(w->buf);
		return NULL;
	}
	return w->buf;
}

static void put_list(struct writer *w, const char *const *codes, size_t n, enum notice_lang lang,
	const char *(*name)(const char *, enum notice_lang), const char *none)
{
	if (n == 0) {
		put(w, "%s", none);
		return;
	}
	for (size_t i = 0; i < n; i++)
		put(w, "%s%s", i ? (lang == NOTICE_ZH ? "、" : ", ") : "", name(codes[i], lang));
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* "30 分钟" / "30 minutes" from a threshold in seconds. */
static void put_duration(struct writer *w, long s, enum notice_lang lang)
{
	if (s % 3600 == 0)
		put(w, lang == NOTICE_ZH ? "%ld 小时" : "%ld hours", s / 3600);
	else
		put(w, lang == NOTICE_ZH ? "%ld 分钟" : "%ld minutes", s / 60);
}

/* ---------- the first text of each kind ---------- */

static void compose_alert_zh(struct writer *s, struct writer *b, const struct notice_facts *f)
{
	const char *lvl = f->level ? f->level : "1";

	if (strcmp(lvl, "1") == 0) {
		put(s, "【HIS 一级故障】全院网络故障，请立即待命");
		put(b, "医院信息系统（HIS）发生全网故障（一级），断点时间 %s。\n"
			"请立即待命：在信息中心通知之前，不要操作电脑。\n"
			"各科室将按应急预案在 30 分钟、6 小时、24 小时分批转入手工操作，届时另行通知。\n",
			or_dash(f->breakpoint));
	} else if (strcmp(lvl, "2") == 0) {
		put(s, "【HIS 二级故障】请信息中心主任组织处理");
		put(b, "系统管理员报告二级故障（单个终端或单个科室的软硬件故障、单个病人数据丢失等），"
			"断点时间 %s。\n请信息中心主任组织处理。\n", or_dash(f->breakpoint));
	} else if (strcmp(lvl, "3") == 0) {
		put(s, "【三级故障】终端操作类故障，已登记");
		put(b, "三级故障（终端操作错误），断点时间 %s。\n由系统管理员处理，并详细登记维护记录。\n",
			or_dash(f->breakpoint));
	} else {
		put(s, "【医保线路故障】请按医保规定处理");
		put(b, "医保线路或医保端发生故障，断点时间 %s。\n"
			"请财务科、医保办、门诊部按医保相关规定处理。\n", or_dash(f->breakpoint));
	}
}

static void compose_alert_en(struct writer *s, struct writer *b, const struct notice_facts *f)
{
	const char *lvl = f->level ? f->level : "1";

	if (strcmp(lvl, "1") == 0) {
		put(s, "[HIS level 1] Whole-network fault: stand by");
		put(b, "The hospital information system (HIS) has a whole-network fault (level 1) since %s.\n"
			"Stand by: do not touch the computers until the information centre tells you.\n"
			"Departments will switch to paper at 30 minutes, 6 hours and 24 hours as the plan says; "
			"you will be told.\n", or_dash(f->breakpoint));
	} else if (strcmp(lvl, "2") == 0) {
		put(s, "[HIS level 2] For the information-centre director");
		put(b, "The system administrator reports a level-2 fault (one terminal or one department) "
			"since %s.\nThe information centre is to fix it.\n", or_dash(f->breakpoint));
	} else if (strcmp(lvl, "3") == 0) {
		put(s, "[Level 3] Operator error at a terminal, logged");
		put(b, "A level-3 fault (operator error at a terminal) since %s.\n"
			"The system administrator fixes it and logs the maintenance in detail.\n",
			or_dash(f->breakpoint));
	} else {
		put(s, "[Insurance line fault] Handle under the insurance rules");
		put(b, "The medical-insurance line or the insurer's side has failed since %s.\n"
			"Finance, the insurance office and the outpatient office handle it under the "
			"insurance rules.\n", or_dash(f->breakpoint));
	}
}

static void compose_zh(struct writer *s, struct writer *b, const struct notice_facts *f)
{
	const char *dept = or_dash(f->dept_zh);

	if (f->drill) {
		put(s, DRILL_ZH);
		put(b, "（本消息为应急演练，不是真实故障。）\n");
	}
	put(b, "%s：\n", dept);
	if (strcmp(f->kind, "alert") == 0 || strcmp(f->kind, "log") == 0) {
		compose_alert_zh(s, b, f);
	} else if (strcmp(f->kind, "paper") == 0) {
		put(s, "【转手工】%s：请转入手工操作", dept);
		put(b, "HIS 自 %s 起中断，已超过 ", or_dash(f->breakpoint));
		put_duration(b, f->tier_s, NOTICE_ZH);
		put(b, "。按应急预案，本科室现转入手工（纸质）操作。\n统一手工开始时间：%s。\n"
			"在信息中心通知之前，不要再操作电脑。\n请打印本科室表单：",
			f->manual_start ? f->manual_start : "以信息中心通知为准");
		put_list(b, f->forms, f->nforms, NOTICE_ZH, notice_form_name, "断点记录");
		put(b, "。\n请保存断点：断点前后的单据分开存放。\n");
	} else if (strcmp(f->kind, "manual") == 0) {
		put(s, "【统一手工开始时间】%s：%s 起统一手工操作", dept, or_dash(f->manual_start));
		put(b, "信息中心宣布：统一手工操作开始时间为 %s。\n"
			"自该时间起按手工（纸质）流程工作；在信息中心通知之前，不要操作电脑。\n",
			or_dash(f->manual_start));
	} else if (strcmp(f->kind, "resume") == 0) {
		put(s, "【恢复】%s：HIS 已恢复，请重启工作站并补录", dept);
		put(b, "HIS 已于 %s 恢复。请重新启动本科室各工作站后再使用。\n"
			"重要数据请于今天（%s）内录入，全部数据请于明天（%s）下班前录入完毕。\n"
			"本科室需补录：", or_dash(f->resolved), or_dash(f->today), or_dash(f->tomorrow));
		put_list(b, f->records, f->nrecords, NOTICE_ZH, notice_record_name, "无");
		put(b, "。\n");
	} else {
		put(s, "【故障复盘】请于两天内完成故障报告");
		put(b, "故障 %s 已于 %s 排除。按应急预案，故障排除后两天内须完成技术复盘："
			"分析原因、制定防范措施，并向医院领导提交故障报告。\n",
			or_dash(f->outage_id), or_dash(f->resolved));
	}
	put(b, "（故障编号 %s）\n", or_dash(f->outage_id));
}

static void compose_en(struct writer *s, struct writer *b, const struct notice_facts *f)
{
	const char *dept = or_dash(f->dept_en);

	if (f->drill) {
		put(s, DRILL_EN);
		put(b, "(This is an emergency drill, not a real outage.)\n");
	}
	put(b, "%s:\n", dept);
	if (strcmp(f->kind, "alert") == 0 || strcmp(f->kind, "log") == 0) {
		compose_alert_en(s, b, f);
	} else if (strcmp(f->kind, "paper") == 0) {
		put(s, "[Switch to paper] %s: go to manual operation", dept);
		put(b, "The HIS has been down since %s, more than ", or_dash(f->breakpoint));
		put_duration(b, f->tier_s, NOTICE_EN);
		put(b, ". As the emergency plan says, this department now switches to manual (paper) "
			"operation.\nUnified manual start time: %s.\n"
			"Do not touch the computers again until the information centre tells you.\n"
			"Print this department's forms: ",
			f->manual_start ? f->manual_start : "as the information centre announces");
		put_list(b, f->forms, f->nforms, NOTICE_EN, notice_form_name, "breakpoint record");
		put(b, ".\nSave the breakpoint: keep the forms from before and after it apart.\n");
	} else if (strcmp(f->kind, "manual") == 0) {
		put(s, "[Manual start] %s: manual operation for everyone from %s", dept,
			or_dash(f->manual_start));
		put(b, "The information centre announces the unified start of manual operation: %s.\n"
			"From then on work on paper; do not touch the computers until the information "
			"centre tells you.\n", or_dash(f->manual_start));
	} else if (strcmp(f->kind, "resume") == 0) {
		put(s, "[Resume] %s: the HIS is back; restart the workstations and back-enter", dept);
		put(b, "The HIS is back since %s. Restart every workstation of the department before "
			"using it.\nEnter the important data today (%s) and everything by the end of "
			"tomorrow (%s).\nThis department back-enters: ",
			or_dash(f->resolved), or_dash(f->today), or_dash(f->tomorrow));
		put_list(b, f->records, f->nrecords, NOTICE_EN, notice_record_name, "nothing");
		put(b, ".\n");
	} else {
		put(s, "[Fault review] The fault report is due within 2 days");
		put(b, "Outage %s was cleared at %s. The plan asks for a technical review within 2 days: "
			"the cause, the preventive measures, and the fault report to the hospital "
			"leadership.\n", or_dash(f->outage_id), or_dash(f->resolved));
	}
	put(b, "(outage %s)\n", or_dash(f->outage_id));
}

int notice_text_compose(const struct notice_facts *f, enum notice_lang lang, struct notice_text *out)
{
	struct writer s, b;

	out->subject = out->body = NULL;
	if (!f->kind || (strcmp(f->kind, "alert") != 0 && strcmp(f->kind, "log") != 0 &&
			strcmp(f->kind, "paper") != 0 && strcmp(f->kind, "manual") != 0 &&
			strcmp(f->kind, "resume") != 0 &&
			strcmp(f->kind, "review") != 0))
		return LL_EINVAL;
	if (writer_open(&s) != 0)
		return LL_ENOMEM;
	if (writer_open(&b) != 0) {
		free(writer_close(&s));
		return LL_ENOMEM;
	}
	if (lang == NOTICE_ZH)
		compose_zh(&s, &b, f);
	else
		compose_en(&s, &b, f);
	out->subject = writer_close(&s);
	out->body = writer_close(&b);
	if (!out->subject || !out->body) {
		notice_text_free(out);
		return LL_ENOMEM;
	}
	return 0;
}

/* The subject without its drill marker (the step puts the marker first again). */
static const char *strip_drill(const char *subject, enum notice_lang lang)
{
	const char *m = lang == NOTICE_ZH ? DRILL_ZH : DRILL_EN;
	size_t n = strlen(m);

	return strncmp(subject, m, n) == 0 ? subject + n : subject;
}

int notice_text_step(enum notice_step step, enum notice_lang lang, bool drill, const char *dept,
	const char *sent_local, const struct notice_text *orig, struct notice_text *out)
{
	struct writer s, b;
	const char *subj = strip_drill(orig->subject ? orig->subject : "", lang);
	bool zh = lang == NOTICE_ZH;

	out->subject = out->body = NULL;
	if (step < NOTICE_STEP_REPEATED || step > NOTICE_STEP_ESCALATED_LEADERSHIP)
		return LL_EINVAL;
	if (writer_open(&s) != 0)
		return LL_ENOMEM;
	if (writer_open(&b) != 0) {
		free(writer_close(&s));
		return LL_ENOMEM;
	}
	if (drill)
		put(&s, "%s", zh ? DRILL_ZH : DRILL_EN);
	dept = or_dash(dept);
	sent_local = or_dash(sent_local);
	switch (step) {
	case NOTICE_STEP_REPEATED:
		put(&s, zh ? "【再次通知】%s" : "[Reminder] %s", subj);
		put(&b, zh ? "此通知已于 %s 发出，至今未确认收到。请确认。\n\n" :
			"This notice was sent at %s and nobody has acknowledged it yet. Please "
			"acknowledge it.\n\n", sent_local);
		break;
	case NOTICE_STEP_ESCALATED_HEAD:
		put(&s, zh ? "【未确认，请科室负责人处理】%s" : "[Unacknowledged: for the head] %s", subj);
		put(&b, zh ? "%s于 %s 收到的通知至今未确认。请科室负责人督促确认。\n\n" :
			"%s has not acknowledged the notice sent at %s. As its head, please see "
			"that it is acknowledged.\n\n", dept, sent_local);
		break;
	default:
		put(&s, zh ? "【升级至应急领导小组】%s 未确认：%s" :
			"[Escalated to the leadership group] %s has not acknowledged: %s", dept, subj);
		put(&b, zh ? "%s于 %s 收到的通知至今未确认，科室负责人已被通知。请应急领导小组协调。\n\n" :
			"%s has not acknowledged the notice sent at %s; its head has been told. "
			"The leadership group is asked to step in.\n\n", dept, sent_local);
		break;
	}
	put(&b, "%s", orig->body ? orig->body : "");
	out->subject = writer_close(&s);
	out->body = writer_close(&b);
	if (!out->subject || !out->body) {
		notice_text_free(out);
		return LL_ENOMEM;
	}
	return 0;
}

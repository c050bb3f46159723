/*
 * i18n_notices — the catalogue's part for the notices and their
 * acknowledgement (`lifeline notices`, `lifeline ack`; cmd_notices.c and
 * notice.c). The rules of i18n.c hold: every entry in both languages, the
 * same printf conversions in the same order (tests/unit/client checks both).
 *
 * The words follow the hospital's plan and the server's own notice texts
 * (server/notify/notice_text.c): a level-1 alert tells everyone to stand by,
 * paper notices name their tier, drills are marked 【演练】 / [DRILL].
 */
#include "i18n_part.h"

#define N(id) I18N_IN_PART(I18N_PART_NOTICES, id)

const char *const i18n_notices_part[I18N_PART_FORMS - I18N_PART_NOTICES][I18N_NLANGS] = {
	/* ---- the commands ---- */
	N(I18N_NOTICES_SUMMARY) = {
		"列出收到的通知，看哪些还等待确认",
		"list the notices and which ones wait for an acknowledgement"},
	N(I18N_NOTICES_HELP) = {
		"列出故障期间发给科室的通知：编号、发出时间、科室、事项、状态、催办情况\n"
		"（再次通知、升级）和主题，待确认的排在前面，新的在前。演练通知标有【演练】。\n"
		"科室人员只能看本科室的通知；管理员、信息科和院领导可看全院。\n"
		"标 ! 的通知正等待确认收到：用“lifeline ack 编号”确认，之后不再催办。\n"
		"默认不列出计划中（尚未发出）和已取消的通知。\n"
		"\n"
		"选项：\n"
		"  --dept CODE       只列出科室 CODE 的通知（科室人员只能是本科室）\n"
		"  --all             也列出计划中和已取消的通知\n",
		"List the notices sent to departments during outages: id, when sent,\n"
		"department, what it is about, status, escalation (repeated, escalated) and\n"
		"subject; open ones first, newest first. Drills are marked [DRILL].\n"
		"Department staff see their own department's notices; admin, IT and the\n"
		"leadership see every department's.\n"
		"A notice marked ! waits for an acknowledgement: 'lifeline ack ID' gives it,\n"
		"and the reminders and escalations stop.\n"
		"Planned (not yet sent) and cancelled notices are left out unless --all.\n"
		"\n"
		"Options:\n"
		"  --dept CODE       only department CODE's notices (staff: their own only)\n"
		"  --all             planned and cancelled notices too\n"},
	N(I18N_ACK_SUMMARY) = {
		"确认收到一条通知",
		"acknowledge a notice"},
	N(I18N_ACK_HELP) = {
		"确认收到通知 ID（“lifeline notices”中标 ! 的通知）。确认后不再再次通知或\n"
		"升级。各科室人员确认本科室的通知，科室负责人也可确认；管理员和信息科可代\n"
		"科室确认（例如电话确认之后）。已确认或无需确认的通知不能再确认。\n"
		"\n"
		"选项：\n"
		"  --note TEXT       备注，最多 1000 个字符（如“已转手工，表单已打印”）\n",
		"Acknowledge notice ID (one marked ! by 'lifeline notices'): the reminders\n"
		"and escalations stop. Staff acknowledge their own department's notices, and\n"
		"so may its head; admin and IT may acknowledge on a department's behalf (after\n"
		"a telephone call, say). A notice already acknowledged, or that wants no\n"
		"acknowledgement, cannot be acknowledged.\n"
		"\n"
		"Options:\n"
		"  --note TEXT       a note, at most 1000 characters (\"on paper, forms printed\")\n"},
	N(I18N_ERR_BAD_NOTICE_ID) = {
		"通知编号须为正整数：“%s”",
		"a notice id is a positive whole number: '%s'"},
	N(I18N_ERR_NOTE_TOO_LONG) = {
		"--note 最多 1000 个字符",
		"--note takes at most 1000 characters"},
	N(I18N_ERR_NOTE_NOT_UTF8) = {
		"--note 不是有效的 UTF-8 文本",
		"--note is not valid UTF-8 text"},

	/* ---- what a notice is for (its moment, else its kind) ---- */
	N(I18N_NMOMENT_LEVEL_1) = {"待命（一级故障）", "stand by (level 1)"},
	N(I18N_NMOMENT_LEVEL_2) = {"二级故障，信息中心处理", "level 2, for the information centre"},
	N(I18N_NMOMENT_LEVEL_3) = {"三级故障登记", "level 3, logged"},
	N(I18N_NMOMENT_LEVEL_OTHER) = {"医保线路故障", "insurance line fault"},
	N(I18N_NMOMENT_PAPER_30M) = {"转手工（30 分钟）", "switch to paper (30 min)"},
	N(I18N_NMOMENT_PAPER_6H) = {"转手工（6 小时）", "switch to paper (6 h)"},
	N(I18N_NMOMENT_PAPER_24H) = {"转手工（24 小时）", "switch to paper (24 h)"},
	N(I18N_NMOMENT_MANUAL_START) = {"统一手工开始时间", "manual start time"},
	N(I18N_NMOMENT_RESUME) = {"恢复", "resume"},
	N(I18N_NMOMENT_REVIEW) = {"故障复盘", "review"},
	N(I18N_NKIND_ALERT) = {"故障通知", "alert"},
	N(I18N_NKIND_LOG) = {"登记", "log"},
	N(I18N_NKIND_PAPER) = {"转手工", "switch to paper"},
	N(I18N_NKIND_MANUAL) = {"统一手工开始时间", "manual start time"},
	N(I18N_NKIND_RESUME) = {"恢复", "resume"},
	N(I18N_NKIND_REVIEW) = {"故障复盘", "review"},

	/* ---- where a notice stands ---- */
	N(I18N_NSTATUS_PLANNED) = {"计划中", "planned"},
	N(I18N_NSTATUS_OPEN) = {"待确认", "open"},
	N(I18N_NSTATUS_SENT) = {"已发送", "sent"},
	N(I18N_NSTATUS_ACKNOWLEDGED) = {"已确认", "acknowledged"},
	N(I18N_NSTATUS_CLOSED) = {"已关闭", "closed"},
	N(I18N_NSTATUS_CANCELLED) = {"已取消", "cancelled"},
	N(I18N_NSTEP_REPEATED) = {"已再次通知", "reminded"},
	N(I18N_NSTEP_ESCALATED_HEAD) = {"已升级至科室负责人", "escalated to the head"},
	N(I18N_NSTEP_ESCALATED_LEADERSHIP) = {
		"已升级至应急领导小组",
		"escalated to the leadership group"},

	/* ---- the list ---- */
	N(I18N_NOTICE_DRILL) = {"【演练】", "[DRILL] "},
	N(I18N_NOTICE_DUE) = {"预计 %s", "due %s"},
	N(I18N_NOTICE_HEAD_ID) = {"编号", "ID"},
	N(I18N_NOTICE_HEAD_SENT) = {"发出时间", "Sent"},
	N(I18N_NOTICE_HEAD_DEPT) = {"科室", "Department"},
	N(I18N_NOTICE_HEAD_WHAT) = {"事项", "What"},
	N(I18N_NOTICE_HEAD_STATUS) = {"状态", "Status"},
	N(I18N_NOTICE_HEAD_STEP) = {"催办", "Escalation"},
	N(I18N_NOTICE_HEAD_SUBJECT) = {"主题", "Subject"},
	N(I18N_NOTICES_NONE) = {"没有通知。\n", "No notices.\n"},
	N(I18N_NOTICES_FOOTER) = {
		"标 ! 的 %zu 条通知等待确认收到：运行“lifeline ack 编号”确认，例如“lifeline ack %s”。\n",
		"%zu notice(s) marked ! wait for an acknowledgement: run 'lifeline ack ID',"
		" e.g. 'lifeline ack %s'.\n"},

	/* ---- lifeline ack ---- */
	N(I18N_ACK_OK) = {
		"已确认收到通知 #%s（%s）：确认人 %s，时间 %s。\n",
		"Acknowledged notice #%s (%s): by %s at %s.\n"},
};

/*
 * i18n_forms — the catalogue's part for paper forms (`lifeline forms list`,
 * `forms print`, `forms sync`; cmd_forms.c). The rules of i18n.c hold: every
 * entry in both languages, the same printf conversions in the same order
 * (tests/unit/client checks both).
 *
 * The words follow the hospital's plan (§6): 联 for a copy, 流水号 for a
 * sheet's serial, 手写 for a field the font cannot print. An offline print is
 * always called so (离线 / OFFLINE), since its serials are not in the register.
 */
#include "i18n_part.h"

#define F(id) I18N_IN_PART(I18N_PART_FORMS, id)

const char *const i18n_forms_part[I18N_MSG_COUNT - I18N_PART_FORMS][I18N_NLANGS] = {
	/* ---- the commands ---- */
	F(I18N_FORMS_LIST_SUMMARY) = {
		"列出可打印的纸质表单",
		"list the paper forms there are"},
	F(I18N_FORMS_LIST_HELP) = {
		"列出服务器上可打印的表单：代码（供 forms print 使用）、名称、纸张、\n"
		"按科室还是按患者打印、每份的联数。\n",
		"List the forms the server can print: the code (for 'forms print'), the name,\n"
		"the paper, whether one is printed per department or per patient, and how many\n"
		"copies (联) each has.\n"},
	F(I18N_FORMS_PRINT_SUMMARY) = {
		"打印纸质表单（含最近一次人口普查的患者），一个任务一个 PDF",
		"print paper forms, prefilled from the last census, as one PDF"},
	F(I18N_FORMS_PRINT_HELP) = {
		"把表单 FORM（可列多个，见“lifeline forms list”）按最近一次从 HIS 取得的患者\n"
		"数据填好，打印成一个 PDF；每张纸都有唯一流水号并记入打印登记。默认为本科室、\n"
		"全部患者。打印后在本机保存本科室的患者数据，供服务器不可用时离线打印。\n"
		"字体无法显示的字（如生僻字）不会印错：该栏画框标“手写”，须手工填写。\n"
		"\n"
		"选项：\n"
		"  --dept CODE       科室（科室人员只能是本科室）\n"
		"  --patient ID      只打印这位患者（可重复）\n"
		"  --copies N        每张表打印 N 份（1–20，默认 1）\n"
		"  -o, --output FILE.pdf\n"
		"                    写入 FILE.pdf（“-”为标准输出）；默认为当前目录下的\n"
		"                    科室-任务号.pdf\n"
		"  --offline         不连服务器：用本机保存的患者数据打印（Lifeline 服务器\n"
		"                    不可用时）。流水号以 LO- 开头，未进打印登记，恢复后交\n"
		"                    信息科补登\n"
		"  --max-age AGE     离线时可接受的数据最长时间（如 72h、3d、90m；默认 72h）\n",
		"Fill the forms FORM... (see 'lifeline forms list') from the last census the\n"
		"HIS gave and print them as one PDF; every sheet has its own serial, recorded\n"
		"in the print register. Your own department and all its patients by default.\n"
		"After printing, your department's census is kept on this computer, to print\n"
		"from when the Lifeline server cannot be reached.\n"
		"A character the font cannot draw (a rare one) is never printed wrong: its\n"
		"field is boxed and marked 手写, to be written by hand.\n"
		"\n"
		"Options:\n"
		"  --dept CODE       the department (staff: their own only)\n"
		"  --patient ID      only this patient (may be repeated)\n"
		"  --copies N        N of each form (1-20, default 1)\n"
		"  -o, --output FILE.pdf\n"
		"                    write FILE.pdf ('-' for standard output); by default\n"
		"                    DEPT-JOB.pdf in the current directory\n"
		"  --offline         do not ask the server: print from the census kept on this\n"
		"                    computer (when the Lifeline server is unreachable). The\n"
		"                    serials start LO- and are not in the print register: give\n"
		"                    them to IT after recovery\n"
		"  --max-age AGE     the oldest census --offline prints from (72h, 3d, 90m...;\n"
		"                    default 72h)\n"},
	F(I18N_FORMS_SYNC_SUMMARY) = {
		"在本机保存科室的患者数据，供离线打印",
		"keep the department's census on this computer for offline printing"},
	F(I18N_FORMS_SYNC_HELP) = {
		"从服务器取本科室最近一次的患者数据并保存在本机（仅本人可读），供 Lifeline\n"
		"服务器不可用时用“lifeline forms print --offline”打印。每次打印成功后也会自动\n"
		"保存。\n"
		"\n"
		"选项：\n"
		"  --dept CODE       科室（科室人员只能是本科室）\n",
		"Fetch your department's last census from the server and keep it on this\n"
		"computer (readable by you only), so that 'lifeline forms print --offline' can\n"
		"print when the Lifeline server is unreachable. Every successful print does\n"
		"this too.\n"
		"\n"
		"Options:\n"
		"  --dept CODE       the department (staff: their own only)\n"},
	F(I18N_ERR_BAD_FORM_CODE) = {
		"表单代码须为字母、数字、“.”、“_”或“-”（见 lifeline forms list）：“%s”",
		"a form code is letters, digits, '.', '_' or '-' (see lifeline forms list): '%s'"},
	F(I18N_ERR_BAD_PATIENT_ID) = {
		"患者编号须为 1–32 个字母、数字、“.”、“_”或“-”：“%s”",
		"a patient id is 1-32 letters, digits, '.', '_' or '-': '%s'"},
	F(I18N_ERR_BAD_COPIES) = {
		"--copies 须为 1 到 20 的整数：“%s”",
		"--copies takes a whole number from 1 to 20: '%s'"},
	F(I18N_ERR_BAD_MAX_AGE) = {
		"--max-age 须为时长，如 72h、3d、90m（不超过一年）：“%s”",
		"--max-age takes a duration such as 72h, 3d, 90m (at most a year): '%s'"},
	F(I18N_ERR_MAX_AGE_NEEDS_OFFLINE) = {
		"--max-age 只能与 --offline 一起使用",
		"--max-age goes with --offline"},

	/* ---- lifeline forms list ---- */
	F(I18N_FORMS_HEAD_CODE) = {"代码", "Code"},
	F(I18N_FORMS_HEAD_NAME) = {"名称", "Name"},
	F(I18N_FORMS_HEAD_PAPER) = {"纸张", "Paper"},
	F(I18N_FORMS_HEAD_PER) = {"打印单位", "One per"},
	F(I18N_FORMS_HEAD_COPIES) = {"联数", "Copies"},
	F(I18N_FORMS_PER_PATIENT) = {"每位患者", "patient"},
	F(I18N_FORMS_PER_DEPT) = {"科室", "department"},
	F(I18N_FORMS_LANDSCAPE) = {"横向", "landscape"},
	F(I18N_FORMS_NONE) = {"服务器上没有表单。\n", "The server has no forms.\n"},

	/* ---- lifeline forms print ---- */
	F(I18N_FORMS_PRINTED) = {
		"已打印 %s 页到 %s：打印任务 %s，首张流水号 %s。\n",
		"Printed %s pages to %s: print job %s, first serial %s.\n"},
	F(I18N_FORMS_HANDWRITE) = {
		"注意：有 %s 处字段含字体无法显示的字，已画框标“手写”，请对照核实后手工填写（尤其是患者姓名）",
		"note: %s field(s) hold characters the font cannot draw; they are boxed and"
		" marked 手写: write them by hand, checking the patient's name"},
	F(I18N_FORMS_ERR_WRITE) = {
		"无法写入 %s：%s",
		"cannot write %s: %s"},
	F(I18N_FORMS_WARN_NOT_SYNCED) = {
		"警告：本机的离线患者数据未更新（%s）",
		"warning: the offline copy of the census on this computer was not refreshed (%s)"},
	F(I18N_FORMS_SYNCED) = {
		"已在本机保存 %s 的患者数据（%zu 位患者，数据时间 %s）：%s\n",
		"Kept %s's census (%zu patients, taken %s) on this computer: %s\n"},
	F(I18N_FORMS_HINT_OFFLINE) = {
		"本机有 %s 的离线患者数据（数据时间 %s，已过 %s）：加 --offline 可用它打印",
		"this computer keeps %s's census (taken %s, %s ago): add --offline to print from it"},

	/* ---- lifeline forms print --offline ---- */
	F(I18N_FORMS_ERR_NO_CACHE) = {
		"本机没有该科室的离线患者数据（%s）：请在服务器可用时运行“lifeline forms sync”",
		"no offline copy of the department's census on this computer (%s): run"
		" 'lifeline forms sync' while the server is up"},
	F(I18N_FORMS_ERR_NO_CACHE_ANY) = {
		"本机没有任何科室的离线患者数据（%s）：请在服务器可用时运行“lifeline forms sync”",
		"no offline copy of any department's census on this computer (%s): run"
		" 'lifeline forms sync' while the server is up"},
	F(I18N_FORMS_ERR_MANY_CACHES) = {
		"本机有多个科室的离线患者数据（%s）：请用 --dept 选择",
		"this computer keeps the census of several departments (%s): choose one with --dept"},
	F(I18N_FORMS_ERR_CACHE_STALE) = {
		"离线患者数据太旧，不能打印：%s 的数据时间为 %s，已过 %s，超过上限 %s。"
		"床位和患者可能已变化；确需使用请加 --max-age",
		"the offline census is too old to print from: %s's was taken %s, %s ago, more than"
		" the limit of %s. Beds and patients may have changed; --max-age accepts an older one"},
	F(I18N_FORMS_ERR_CACHE_BAD) = {
		"离线患者数据 %s 不可用：%s",
		"the offline census %s cannot be used: %s"},
	F(I18N_FORMS_ERR_CACHE_OWNER) = {
		"离线患者数据 %s 属于其他用户，不予使用",
		"the offline census %s belongs to another user: not used"},
	F(I18N_FORMS_ERR_NO_HOME) = {
		"不知道离线数据存放在哪里：请设置 HOME 或 XDG_CACHE_HOME",
		"no place for the offline census: set HOME or XDG_CACHE_HOME"},
	F(I18N_FORMS_ERR_TEMPLATES) = {
		"无法载入表单模板 %s（可用 LIFELINE_TEMPLATES 指定）：%s",
		"cannot load the form templates in %s (LIFELINE_TEMPLATES names another): %s"},
	F(I18N_FORMS_ERR_RENDER) = {
		"无法打印：%s",
		"cannot print: %s"},
	F(I18N_FORMS_OFFLINE_PRINTED) = {
		"离线打印 %zu 页到 %s：%s 的患者数据（数据时间 %s，已过 %s），流水号 %s 至 %s。\n",
		"OFFLINE: printed %zu pages to %s from %s's census (taken %s, %s ago), serials %s"
		" to %s.\n"},
	F(I18N_FORMS_OFFLINE_NOTE) = {
		"这些 LO- 开头的流水号未进打印登记：恢复后请把用过和作废的表单交信息科补登。\n",
		"These LO- serials are not in the print register: after recovery, hand the sheets"
		" used and spoiled to IT to record them.\n"},
	F(I18N_FORMS_AGE) = {"%ld 小时 %02ld 分", "%ldh%02ldm"},
};

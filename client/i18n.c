#include "i18n.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n_part.h"

static enum i18n_lang current = I18N_ZH;

/*
 * The catalogue up to the first part (i18n_part.h). Keep the two columns'
 * printf conversions identical (same order, same types): a unit test
 * compares them.
 */
static const char *const catalogue[I18N_PART_NOTICES][I18N_NLANGS] = {
	/* ---- global help ---- */
	[I18N_HELP_INTRO] = {
		"lifeline — Lifeline（HIS 停机应急系统）的命令行客户端。\n"
		"\n"
		"用法：lifeline [全局选项] 命令 [参数…]\n",
		"lifeline — the command-line client of Lifeline, the HIS downtime system.\n"
		"\n"
		"Usage: lifeline [GLOBAL OPTIONS] COMMAND [ARGS...]\n"},
	[I18N_HELP_COMMANDS] = {"命令：", "Commands:"},
	[I18N_HELP_GLOBALS] = {
		"全局选项（写在命令之前）：\n"
		"  --server URL    服务器地址（环境变量 LIFELINE_SERVER；否则用上次登录的服务器；\n"
		"                  默认 %s）\n"
		"  --token TOKEN   访问令牌（环境变量 LIFELINE_TOKEN；否则用 lifeline login 保存的令牌）\n"
		"  --json          原样输出服务器返回的 JSON（排版后），供脚本使用\n"
		"  --lang zh|en    界面语言（环境变量 LIFELINE_LANG；否则按 LANG；默认中文）\n"
		"  --version       显示版本\n"
		"  --help          显示本帮助\n"
		"\n"
		"环境变量：LIFELINE_TIMEOUT 请求超时秒数（默认 60，连接最多等 5 秒）；\n"
		"          LIFELINE_TOKEN_FILE 令牌文件的位置。\n",
		"Global options (before the command):\n"
		"  --server URL    the server (env LIFELINE_SERVER; else the server of the last\n"
		"                  login; default %s)\n"
		"  --token TOKEN   the access token (env LIFELINE_TOKEN; else the one kept by\n"
		"                  lifeline login)\n"
		"  --json          print the server's JSON as it is (indented), for scripts\n"
		"  --lang zh|en    language (env LIFELINE_LANG; else from LANG; default Chinese)\n"
		"  --version       print the version\n"
		"  --help          print this help\n"
		"\n"
		"Environment: LIFELINE_TIMEOUT  seconds before a request gives up (default 60;\n"
		"                                connecting waits at most 5);\n"
		"             LIFELINE_TOKEN_FILE  where the token is kept.\n"},
	[I18N_HELP_FOOTER] = {
		"运行“lifeline help 命令”或“lifeline 命令 --help”查看该命令的用法。\n"
		"退出码：0 完成；1 服务器拒绝；2 用法错误；3 无法连接服务器。\n",
		"Run 'lifeline help COMMAND' or 'lifeline COMMAND --help' for a command's usage.\n"
		"Exit status: 0 done; 1 the server refused; 2 usage error; 3 server unreachable.\n"},
	[I18N_HELP_GROUP] = {"“%s”的子命令：", "Subcommands of '%s':"},
	[I18N_USAGE_LINE] = {"用法：%s\n", "Usage: %s\n"},
	[I18N_SEE_COMMAND_HELP] = {
		"运行“lifeline help %s”查看详细说明。",
		"Run 'lifeline help %s' for details."},
	[I18N_SEE_GLOBAL_HELP] = {
		"运行“lifeline --help”查看所有命令和全局选项。",
		"Run 'lifeline --help' for the commands and global options."},
	[I18N_VERSION] = {"lifeline %s\n", "lifeline %s\n"},

	/* ---- usage errors ---- */
	[I18N_ERR_NO_COMMAND] = {"缺少命令", "no command given"},
	[I18N_ERR_UNKNOWN_COMMAND] = {"未知命令“%s”", "unknown command '%s'"},
	[I18N_ERR_UNKNOWN_OPTION] = {"未知选项“%s”", "unknown option '%s'"},
	[I18N_ERR_MISSING_VALUE] = {"选项 %s 需要一个值", "option %s needs a value"},
	[I18N_ERR_UNEXPECTED_VALUE] = {"选项 %s 不带值", "option %s takes no value"},
	[I18N_ERR_MISSING_OPTION] = {"缺少必需的选项 --%s", "missing the required option --%s"},
	[I18N_ERR_TOO_FEW_ARGS] = {"缺少参数", "missing argument"},
	[I18N_ERR_TOO_MANY_ARGS] = {"多余的参数“%s”", "unexpected argument '%s'"},
	[I18N_ERR_NEEDS_SUBCOMMAND] = {"“%s”需要一个子命令", "'%s' needs a subcommand"},
	[I18N_ERR_BAD_LANG] = {
		"%s：不支持的语言“%s”（可用：zh、en）",
		"%s: unsupported language '%s' (use zh or en)"},
	[I18N_ERR_BAD_SERVER] = {
		"%s：服务器地址须以 http:// 或 https:// 开头：“%s”",
		"%s: the server URL must start with http:// or https://: '%s'"},
	[I18N_ERR_BAD_TOKEN] = {
		"%s：令牌只能由可见的 ASCII 字符组成",
		"%s: a token is made of visible ASCII characters only"},
	[I18N_ERR_BAD_TIMEOUT] = {
		"LIFELINE_TIMEOUT 须为正的秒数（最多 86400）：“%s”",
		"LIFELINE_TIMEOUT must be a positive number of seconds (at most 86400): '%s'"},

	[I18N_HINT_GLOBAL_FIRST] = {
		"全局选项要写在命令之前，例如“lifeline %s %s”。",
		"global options go before the command, as in 'lifeline %s %s'."},

	/* ---- talking to the server ---- */
	[I18N_ERR_UNREACHABLE] = {"无法连接服务器 %s：%s", "cannot reach the server %s: %s"},
	[I18N_NET_REFUSED] = {
		"连接被拒绝（服务器没有运行，或地址、端口不对）",
		"connection refused (the server is not running, or the address or port is wrong)"},
	[I18N_NET_DNS] = {"找不到该主机名", "host name not found"},
	[I18N_NET_TIMEOUT] = {"超时，服务器没有及时应答", "timed out waiting for the server"},
	[I18N_NET_TLS] = {"TLS 连接或证书校验失败", "the TLS connection or certificate check failed"},
	[I18N_NET_OTHER] = {"网络错误", "network error"},
	[I18N_HINT_SERVER] = {
		"详情：%s。请确认服务器在运行，并检查 --server 或 LIFELINE_SERVER。",
		"detail: %s. Check that the server is running, and --server or LIFELINE_SERVER."},
	[I18N_ERR_REFUSED] = {
		"服务器拒绝了请求：%s（%s，HTTP %ld）",
		"the server refused: %s (%s, HTTP %ld)"},
	[I18N_ERR_REFUSED_FIELD] = {
		"服务器拒绝了请求：%s（字段 %s；%s，HTTP %ld）",
		"the server refused: %s (field %s; %s, HTTP %ld)"},
	[I18N_ERR_REQUEST_ID] = {
		"请求编号 %s（联系信息科时请提供）",
		"request id %s (give it to IT when you call)"},
	[I18N_ERR_HTTP_NOT_JSON] = {
		"服务器返回 HTTP %ld，但不是 Lifeline 的应答（地址是否指向了别的服务？）",
		"the server answered HTTP %ld, but not as Lifeline does (is the URL another service?)"},
	[I18N_ERR_BAD_RESPONSE] = {
		"服务器的应答无法解析（HTTP %ld，不是 JSON）",
		"cannot read the server's answer (HTTP %ld, not JSON)"},
	[I18N_HINT_RELOGIN] = {
		"令牌无效或已过期：请重新运行“lifeline login 用户名”。",
		"the token is invalid or has expired: run 'lifeline login USER' again."},
	[I18N_ERR_NOT_LOGGED_IN] = {
		"未登录：请先运行“lifeline login 用户名”。",
		"not logged in: run 'lifeline login USER' first."},
	[I18N_ERR_NOMEM] = {"内存不足", "out of memory"},
	[I18N_ERR_WRITE_OUTPUT] = {"无法写出输出：%s", "cannot write the output: %s"},

	/* ---- the saved login ---- */
	[I18N_ERR_NO_TOKEN_PATH] = {
		"不知道令牌该保存在哪里（没有 HOME）；请设置 LIFELINE_TOKEN_FILE",
		"cannot tell where to keep the token (no HOME); set LIFELINE_TOKEN_FILE"},
	[I18N_ERR_TOKEN_SAVE] = {"无法保存令牌到 %s：%s", "cannot save the token to %s: %s"},
	[I18N_ERR_TOKEN_REMOVE] = {"无法删除令牌文件 %s：%s", "cannot remove the token file %s: %s"},
	[I18N_WARN_TOKEN_READ] = {"忽略令牌文件 %s：%s", "ignoring the token file %s: %s"},

	/* ---- users and roles ---- */
	[I18N_USER_WITH_DEPT] = {"%s（%s，%s）", "%s (%s, %s)"},
	[I18N_USER_NO_DEPT] = {"%s（%s）", "%s (%s)"},
	[I18N_ROLE_ADMIN] = {"管理员", "administrator"},
	[I18N_ROLE_IT] = {"信息科", "IT"},
	[I18N_ROLE_LEADER] = {"院领导", "leader"},
	[I18N_ROLE_NURSE] = {"护士", "nurse"},
	[I18N_ROLE_DOCTOR] = {"医生", "doctor"},
	[I18N_ROLE_PHARMACIST] = {"药师", "pharmacist"},
	[I18N_ROLE_CASHIER] = {"收费员", "cashier"},
	[I18N_ROLE_MEDTECH] = {"医技", "medical technician"},
	[I18N_ROLE_VIEWER] = {"只读用户", "viewer"},

	/* ---- login ---- */
	[I18N_LOGIN_SUMMARY] = {
		"登录，并在本机保存令牌",
		"log in and keep the token on this computer"},
	[I18N_LOGIN_HELP] = {
		"以 USER 的身份登录服务器。密码从终端读取，不回显；脚本可用\n"
		"--password-stdin 从标准输入的第一行读取。\n"
		"\n"
		"令牌连同服务器地址保存在 $XDG_CONFIG_HOME/lifeline/token\n"
		"（默认 ~/.config/lifeline/token，可用 LIFELINE_TOKEN_FILE 指定），\n"
		"之后的命令不给 --server 时就用这台服务器。\n"
		"\n"
		"选项：\n"
		"  --password-stdin  从标准输入的第一行读取密码\n",
		"Log in to the server as USER. The password is read from the terminal\n"
		"without echo; scripts pass --password-stdin to read it from the first line\n"
		"of standard input.\n"
		"\n"
		"The token is kept with the server URL in $XDG_CONFIG_HOME/lifeline/token\n"
		"(default ~/.config/lifeline/token; LIFELINE_TOKEN_FILE overrides), and later\n"
		"commands without --server use that server.\n"
		"\n"
		"Options:\n"
		"  --password-stdin  read the password from the first line of standard input\n"},
	[I18N_PROMPT_PASSWORD] = {"%s 的密码：", "Password for %s: "},
	[I18N_ERR_NO_TTY] = {
		"没有可以读取密码的终端；脚本请使用 --password-stdin",
		"no terminal to read the password from; scripts use --password-stdin"},
	[I18N_ERR_PASSWORD_READ] = {"读取密码失败：%s", "cannot read the password: %s"},
	[I18N_ERR_EMPTY_PASSWORD] = {"密码为空", "the password is empty"},
	[I18N_ERR_LOGIN_RESPONSE] = {
		"服务器的登录应答里没有令牌",
		"the server's answer to the login has no token"},
	[I18N_LOGIN_OK] = {"已登录为 %s，有效期至 %s。\n", "Logged in as %s, valid until %s.\n"},

	/* ---- logout ---- */
	[I18N_LOGOUT_SUMMARY] = {
		"注销，并删除本机保存的令牌",
		"log out and remove the token kept on this computer"},
	[I18N_LOGOUT_HELP] = {
		"在服务器上吊销当前的令牌，并删除本机保存的令牌。\n"
		"连不上服务器时，本机的令牌照样删除（退出码 3）。\n"
		"服务器地址仍然保留，下次登录还用这台服务器。\n",
		"Revoke the current token on the server and remove the token kept on this\n"
		"computer. The local token is removed even when the server cannot be\n"
		"reached (exit status 3). The server URL is kept for the next login.\n"},
	[I18N_LOGOUT_OK] = {"已注销。\n", "Logged out.\n"},
	[I18N_LOGOUT_NOT_LOGGED_IN] = {"未登录，无需注销。\n", "Not logged in; nothing to do.\n"},
	[I18N_LOGOUT_ALREADY_INVALID] = {
		"令牌在服务器上已经失效；已注销。\n",
		"The token was no longer valid on the server; logged out.\n"},
	[I18N_LOGOUT_LOCAL_ONLY] = {
		"已删除本机保存的令牌，但服务器没有确认注销：令牌到期前可能仍然有效。",
		"removed the token from this computer, but the server did not confirm the "
		"logout: the token may stay valid until it expires."},

	/* ---- status ---- */
	[I18N_STATUS_SUMMARY] = {
		"显示服务器状态和当前登录的用户",
		"show the server's state and who is logged in"},
	[I18N_STATUS_HELP] = {
		"显示服务器地址、版本、节点角色、数据库是否可用，以及当前令牌对应的用户。\n"
		"已登录时还显示各 HIS 系统的监测状态和进行中的故障：等级、状态、断点、\n"
		"已持续时间、下一个转手工阈值及倒计时、手工运行开始时间；演练标为“演练 DRILL”。\n"
		"不需要登录。连不上服务器时退出码为 3。\n",
		"Show the server URL, its version and node role, whether its database is up,\n"
		"and who the current token belongs to. Logged in, also the state of each\n"
		"monitored HIS target and the open outages: level, status, breakpoint, time\n"
		"elapsed, the next switch-to-paper threshold and the time left to it, the\n"
		"manual start; a drill is marked \"演练 DRILL\". Needs no login. Exit status 3\n"
		"when the server cannot be reached.\n"},
	[I18N_STATUS_SERVER] = {"服务器：%s（版本 %s，%s）\n", "Server:   %s (version %s, %s)\n"},
	[I18N_STATUS_DB] = {"数据库：%s\n", "Database: %s\n"},
	[I18N_STATUS_STATE] = {"状态：%s\n", "State:    %s\n"},
	[I18N_STATUS_USER] = {"用户：%s\n", "User:     %s\n"},
	[I18N_STATUS_NOT_LOGGED_IN] = {
		"用户：未登录（运行“lifeline login 用户名”登录）\n",
		"User:     not logged in (run 'lifeline login USER')\n"},
	[I18N_STATUS_TOKEN_INVALID] = {
		"用户：未登录（令牌无效或已过期，请重新运行“lifeline login 用户名”）\n",
		"User:     not logged in (the token is invalid or has expired; run 'lifeline login USER')\n"},
	[I18N_STATUS_SAVED_OTHER] = {
		"（本机保存的登录属于另一台服务器：%s）\n",
		"(the login kept on this computer is for another server: %s)\n"},
	[I18N_STATUS_ME_FAILED] = {"用户：无法确认\n", "User:     unknown\n"},
	[I18N_NODE_LEADER] = {"主节点", "leader"},
	[I18N_NODE_STANDBY] = {"备用节点", "standby"},
	[I18N_DB_OK] = {"正常", "ok"},
	[I18N_DB_DOWN] = {"不可用", "down"},
	[I18N_STATUS_TARGETS] = {"HIS 系统：\n", "HIS targets:\n"},
	[I18N_STATUS_NO_TARGETS] = {"HIS 系统：未配置监测目标\n", "HIS targets: none monitored\n"},
	[I18N_STATUS_TARGETS_FORBIDDEN] = {
		"HIS 系统：当前用户无权查看\n",
		"HIS targets: not visible to this user\n"},
	[I18N_STATUS_TARGETS_FAILED] = {"HIS 系统：无法获取\n", "HIS targets: unknown\n"},
	[I18N_STATUS_NO_OUTAGE] = {"当前故障：无\n", "Outage:   none open\n"},
	[I18N_STATUS_OUTAGES_FORBIDDEN] = {
		"当前故障：当前用户无权查看\n",
		"Outage:   not visible to this user\n"},
	[I18N_STATUS_OUTAGES_FAILED] = {"当前故障：无法获取\n", "Outage:   unknown\n"},
	[I18N_TARGET_CORE] = {"（核心）", " (core)"},
	[I18N_TARGET_SINCE] = {"自 %s", "since %s"},
	[I18N_TARGET_AFFECTED] = {"受 %s 影响", "affected by %s"},
	[I18N_TARGET_FLAPPING] = {"时好时坏", "flapping"},

	/* ---- outage words ---- */
	[I18N_LEVEL_1] = {"一级（全网瘫痪）", "level 1 (network paralysis)"},
	[I18N_LEVEL_2] = {"二级（局部故障）", "level 2 (local fault)"},
	[I18N_LEVEL_3] = {"三级（操作失误）", "level 3 (operator error)"},
	[I18N_LEVEL_OTHER] = {"其他（医保线路）", "other (medical-insurance line)"},
	[I18N_OSTATUS_SUSPECTED] = {"疑似", "suspected"},
	[I18N_OSTATUS_CONFIRMED] = {"已确认", "confirmed"},
	[I18N_OSTATUS_MANUAL] = {"手工运行中", "on paper"},
	[I18N_OSTATUS_RECOVERING] = {"恢复中", "recovering"},
	[I18N_OSTATUS_RESOLVED] = {"已恢复", "resolved"},
	[I18N_OSTATUS_REVIEWED] = {"已复盘", "reviewed"},
	[I18N_OSTATUS_DISMISSED] = {"已撤销", "dismissed"},
	[I18N_TIER_30M] = {"30 分钟", "30 min"},
	[I18N_TIER_6H] = {"6 小时", "6 h"},
	[I18N_TIER_24H] = {"24 小时", "24 h"},
	[I18N_TIER_30M_WHO] = {
		"门诊挂号、住院登记、门诊医生、药房转手工",
		"outpatient registration, admission, outpatient doctors and pharmacy go to paper"},
	[I18N_TIER_6H_WHO] = {
		"住院医生、护士站、手术室、医技转手工",
		"inpatient doctors, nurse stations, theatres and medical technology go to paper"},
	[I18N_TIER_24H_WHO] = {"全院转手工", "the whole hospital goes to paper"},
	[I18N_TIER_WITH_WHO] = {"%s（%s）", "%s (%s)"},
	[I18N_EVENT_OPENED] = {"打开", "opened"},
	[I18N_EVENT_LEVEL_PROPOSED] = {"系统建议等级", "level proposed"},
	[I18N_EVENT_DECLARED] = {"宣布", "declared"},
	[I18N_EVENT_TARGET_DOWN] = {"系统中断", "target down"},
	[I18N_EVENT_TARGET_UP] = {"系统恢复", "target up"},
	[I18N_EVENT_CONFIRMED] = {"确认", "confirmed"},
	[I18N_EVENT_LEVEL_CHANGED] = {"改等级", "level changed"},
	[I18N_EVENT_MANUAL_START] = {"手工运行开始", "manual start"},
	[I18N_EVENT_RECOVERY_STEP] = {"恢复步骤", "recovery step"},
	[I18N_EVENT_PROBLEM_REPORT] = {"问题报告", "problem report"},
	[I18N_EVENT_RECOVERING] = {"开始恢复", "recovering"},
	[I18N_EVENT_RESOLVED] = {"已恢复", "resolved"},
	[I18N_EVENT_DISMISSED] = {"撤销", "dismissed"},
	[I18N_TSTATE_UNKNOWN] = {"未知", "unknown"},
	[I18N_TSTATE_UP] = {"正常", "up"},
	[I18N_TSTATE_SUSPECT] = {"可疑", "suspect"},
	[I18N_TSTATE_DOWN] = {"中断", "down"},
	[I18N_KIND_SLOW] = {"访问缓慢", "slow"},
	[I18N_KIND_CANNOT_SAVE] = {"无法保存", "cannot save"},
	[I18N_KIND_CANNOT_LOGIN] = {"无法登录", "cannot log in"},
	[I18N_KIND_NETWORK] = {"网络不通", "network"},
	[I18N_KIND_PROGRAM_ERROR] = {"程序出错", "program error"},
	[I18N_KIND_OPERATOR_ERROR] = {"操作失误", "operator error"},
	[I18N_KIND_OTHER] = {"其他", "other"},
	[I18N_ACTOR_MONITOR] = {"自动监测", "monitor"},
	[I18N_ACTOR_LIFELINE] = {"系统", "Lifeline"},
	[I18N_DUR_S] = {"%lld秒", "%llds"},
	[I18N_DUR_MS] = {"%lld分%02lld秒", "%lldm %02llds"},
	[I18N_DUR_HM] = {"%lld小时%02lld分", "%lldh %02lldm"},
	[I18N_DUR_DH] = {"%lld天%lld小时", "%lldd %lldh"},
	[I18N_YES] = {"是", "yes"},
	[I18N_NO] = {"否", "no"},
	[I18N_LIST_SEP] = {"、", ", "},

	/* ---- showing outages ---- */
	[I18N_OUTAGE_TITLE] = {"故障 #%s", "Outage #%s"},
	/* Both languages on purpose: nobody may take a drill for the real thing. */
	[I18N_OUTAGE_DRILL] = {"【演练 DRILL】", " [演练 DRILL]"},
	[I18N_OUTAGE_TIME_SCALE] = {"（时间加速 ×%s）", " (time ×%s)"},
	[I18N_OUTAGE_STATUS] = {"  状态：%s\n", "  Status:           %s\n"},
	[I18N_OUTAGE_LEVEL] = {"  等级：%s\n", "  Level:            %s\n"},
	[I18N_OUTAGE_LEVEL_PROPOSED] = {
		"  等级：%s（系统建议，待信息科确认）\n",
		"  Level:            %s (proposed, for IT to confirm)\n"},
	[I18N_OUTAGE_LEVEL_OVERRIDDEN] = {
		"  等级：%s（建议等级：%s）\n",
		"  Level:            %s (proposed: %s)\n"},
	[I18N_OUTAGE_BREAKPOINT] = {"  断点：%s\n", "  Breakpoint:       %s\n"},
	[I18N_OUTAGE_DETECTED] = {"  发现：%s（%s）\n", "  Detected:         %s (%s)\n"},
	[I18N_OUTAGE_CONFIRMED_AT] = {"  确认：%s\n", "  Confirmed:        %s\n"},
	[I18N_OUTAGE_ELAPSED] = {"  已持续：%s\n", "  Elapsed:          %s\n"},
	[I18N_OUTAGE_DURATION] = {"  持续：%s\n", "  Lasted:           %s\n"},
	[I18N_OUTAGE_NEXT] = {
		"  下一阈值：%s，%s，还有 %s\n",
		"  Next threshold:   %s at %s, in %s\n"},
	[I18N_OUTAGE_NO_NEXT] = {
		"  下一阈值：无（各阈值均已过）\n",
		"  Next threshold:   none (every threshold has passed)\n"},
	[I18N_OUTAGE_MANUAL_START] = {"  手工运行开始：%s\n", "  Manual start:     %s\n"},
	[I18N_OUTAGE_MANUAL_NOT_YET] = {
		"  手工运行开始：尚未宣布\n",
		"  Manual start:     not announced yet\n"},
	[I18N_OUTAGE_RECOVERING_AT] = {"  开始恢复：%s\n", "  Recovering since: %s\n"},
	[I18N_OUTAGE_RESOLVED_AT] = {"  结束：%s\n", "  Closed:           %s\n"},
	[I18N_OUTAGE_REASON] = {"  原因：%s\n", "  Reason:           %s\n"},
	[I18N_OUTAGE_TARGETS] = {"  涉及系统：%s\n", "  Targets:          %s\n"},
	[I18N_OUTAGE_REPORTS] = {"  问题报告：%lld 条\n", "  Problem reports:  %lld\n"},
	[I18N_OUTAGE_TIMELINE] = {"时间线：\n", "Timeline:\n"},
	[I18N_OUTAGE_TIMELINE_EMPTY] = {"  （无记录）\n", "  (nothing recorded)\n"},
	[I18N_DETAIL_PAIR] = {"%s：%s", "%s: %s"},
	[I18N_DETAIL_SEP] = {"；", "; "},
	[I18N_DETAIL_REASON] = {"原因", "reason"},
	[I18N_DETAIL_LEVEL] = {"等级", "level"},
	[I18N_DETAIL_PROPOSED_LEVEL] = {"建议等级", "proposed level"},
	[I18N_DETAIL_FROM] = {"原等级", "from"},
	[I18N_DETAIL_TO] = {"新等级", "to"},
	[I18N_DETAIL_TARGET] = {"系统", "target"},
	[I18N_DETAIL_AT] = {"时间", "at"},
	[I18N_DETAIL_DEPARTMENT] = {"科室", "department"},
	[I18N_DETAIL_KIND] = {"类型", "kind"},
	[I18N_DETAIL_REPORT] = {"报告", "report"},
	[I18N_DETAIL_ERROR] = {"错误", "error"},
	[I18N_DETAIL_DRILL] = {"演练", "drill"},
	[I18N_DETAIL_TIME_SCALE] = {"时间加速", "time scale"},
	[I18N_LIST_HEAD_ID] = {"编号", "ID"},
	[I18N_LIST_HEAD_LEVEL] = {"等级", "Level"},
	[I18N_LIST_HEAD_STATUS] = {"状态", "Status"},
	[I18N_LIST_HEAD_BREAKPOINT] = {"断点", "Breakpoint"},
	[I18N_LIST_HEAD_ELAPSED] = {"持续", "Elapsed"},
	[I18N_LIST_HEAD_NEXT] = {"下一阈值", "Next threshold"},
	[I18N_LIST_HEAD_TARGETS] = {"涉及系统", "Targets"},
	[I18N_LIST_LEVEL_PROPOSED] = {"%s（建议）", "%s (proposed)"},
	[I18N_LIST_NEXT_CELL] = {"%s，还有 %s", "%s in %s"},
	[I18N_LIST_NONE_OPEN] = {"没有进行中的故障。\n", "No open outage.\n"},
	[I18N_LIST_NONE] = {"没有故障记录。\n", "No outage on record.\n"},

	/* ---- the outage commands ---- */
	[I18N_ERR_BAD_LEVEL] = {
		"等级须为 1、2、3 或 other：“%s”",
		"the level must be 1, 2, 3 or other: '%s'"},
	[I18N_ERR_BAD_OUTAGE_ID] = {
		"故障编号须为正整数：“%s”",
		"an outage id is a positive whole number: '%s'"},
	[I18N_ERR_BAD_TIME_SCALE] = {
		"--time-scale 须为正数（最大 10000）：“%s”",
		"--time-scale must be a positive number (at most 10000): '%s'"},
	[I18N_ERR_TIME_SCALE_NO_DRILL] = {
		"--time-scale 只能用于演练（与 --drill 一起）：“%s”",
		"--time-scale is for drills only (with --drill): '%s'"},
	[I18N_ERR_BAD_TARGETS] = {
		"--targets 须为逗号分隔的目标名，例如 his-core,his-db：“%s”",
		"--targets takes target names separated by commas, as in his-core,his-db: '%s'"},
	[I18N_ERR_BAD_AT] = {
		"--at 须为今天的本地时间 HH:MM，或带时区的 RFC 3339 时间（如 2026-11-22T09:30:00+08:00）：“%s”",
		"--at takes HH:MM (today, local time) or an RFC 3339 time with its zone "
		"(as in 2026-11-22T09:30:00+08:00): '%s'"},
	[I18N_ERR_BAD_KIND] = {
		"--kind 须为 slow、cannot_save、cannot_login、network、program_error、"
		"operator_error 或 other：“%s”",
		"--kind must be slow, cannot_save, cannot_login, network, program_error, "
		"operator_error or other: '%s'"},
	[I18N_ERR_LEVEL_NEEDS_REASON] = {
		"确认时指定等级（--level %s）需要用 --reason 说明原因",
		"confirming with --level %s needs --reason to say why"},
	[I18N_ERR_EMPTY_OPTION] = {"--%s 不能为空", "--%s cannot be empty"},
	[I18N_ERR_ANSWER_LACKS] = {
		"服务器的应答里没有“%s”（服务器版本是否过旧？）",
		"the server's answer has no '%s' (is the server too old?)"},
	[I18N_OUTAGE_DECLARE_SUMMARY] = {
		"宣布一次故障（信息科）",
		"declare an outage (IT)"},
	[I18N_OUTAGE_DECLARE_HELP] = {
		"宣布一次 HIS 故障，按应急预案第 4 条定级。30 分钟 / 6 小时 / 24 小时转手工\n"
		"的阈值从断点（最早发现故障的时间）起算。同一时间只能有一次真实故障处于\n"
		"进行中；演练可与之并存。\n"
		"\n"
		"选项：\n"
		"  --level L         等级：1 全网瘫痪；2 局部故障；3 操作失误；other 医保线路\n"
		"  --reason TEXT     原因（必填，会写入时间线和故障报告）\n"
		"  --targets A,B     涉及的 HIS 系统，逗号分隔（默认由服务器按监测结果决定）\n"
		"  --drill           这是一次演练：处处标为“演练 DRILL”，不计入真实故障\n"
		"  --time-scale N    演练的时间加速倍数（如 60：一分钟当一小时）；只用于 --drill\n",
		"Declare an HIS outage at a level of the plan (§4). The 30 min / 6 h / 24 h\n"
		"switch-to-paper thresholds count from the breakpoint (when the failure was\n"
		"first seen). Only one real outage can be open at a time; a drill may run\n"
		"beside it.\n"
		"\n"
		"Options:\n"
		"  --level L         1 network paralysis; 2 local fault; 3 operator error;\n"
		"                    other the medical-insurance line\n"
		"  --reason TEXT     why (required; goes into the timeline and the fault report)\n"
		"  --targets A,B     the HIS targets involved, comma-separated (default: the\n"
		"                    server decides from what the monitor sees)\n"
		"  --drill           a drill: marked \"演练 DRILL\" everywhere, not a real outage\n"
		"  --time-scale N    a drill's clock runs N times faster (60: a minute counts\n"
		"                    as an hour); with --drill only\n"},
	[I18N_OUTAGE_CONFIRM_SUMMARY] = {
		"确认一次疑似故障（信息科）",
		"confirm a suspected outage (IT)"},
	[I18N_OUTAGE_CONFIRM_HELP] = {
		"确认监测自动打开的疑似故障 ID，默认采用系统建议的等级。\n"
		"要改用别的等级，同时给出 --level 和 --reason。\n"
		"\n"
		"选项：\n"
		"  --level L         改用的等级：1、2、3 或 other\n"
		"  --reason TEXT     原因（给了 --level 时必填）\n",
		"Confirm the suspected outage ID that the monitor opened, at the level it\n"
		"proposed. To confirm at another level, give --level and --reason.\n"
		"\n"
		"Options:\n"
		"  --level L         the level to use instead: 1, 2, 3 or other\n"
		"  --reason TEXT     why (required with --level)\n"},
	[I18N_OUTAGE_LEVEL_SUMMARY] = {
		"修改故障的等级（信息科）",
		"change an outage's level (IT)"},
	[I18N_OUTAGE_LEVEL_HELP] = {
		"把故障 ID 的等级改为 LEVEL（1、2、3 或 other），并记入时间线。\n"
		"\n"
		"选项：\n"
		"  --reason TEXT     原因（必填）\n",
		"Change the level of outage ID to LEVEL (1, 2, 3 or other); the change goes\n"
		"into the timeline.\n"
		"\n"
		"Options:\n"
		"  --reason TEXT     why (required)\n"},
	[I18N_OUTAGE_MANUAL_START_SUMMARY] = {
		"宣布统一的手工运行开始时间（信息科）",
		"announce the common time for going to paper (IT)"},
	[I18N_OUTAGE_MANUAL_START_HELP] = {
		"宣布故障 ID 的统一手工运行开始时间，各科室的纸质记录以此为界（预案第 8 条：\n"
		"断点前后的单据分开存放）。不给 --at 时为现在。\n"
		"\n"
		"选项：\n"
		"  --at TIME         今天的本地时间 HH:MM，或带时区的 RFC 3339 时间，\n"
		"                    如 2026-11-22T09:30:00+08:00\n",
		"Announce the common time at which every department runs outage ID on paper;\n"
		"paper records are filed before and after it (plan §8). Now, without --at.\n"
		"\n"
		"Options:\n"
		"  --at TIME         HH:MM today in local time, or an RFC 3339 time with its\n"
		"                    zone, as in 2026-11-22T09:30:00+08:00\n"},
	[I18N_OUTAGE_LOG_SUMMARY] = {
		"在故障时间线上记录一个恢复步骤（信息科）",
		"record a recovery step in an outage's timeline (IT)"},
	[I18N_OUTAGE_LOG_HELP] = {
		"把一个恢复步骤（做了什么、结果如何）记入故障 ID 的时间线，供故障报告使用。\n"
		"\n"
		"选项：\n"
		"  --text TEXT       恢复步骤（必填）\n",
		"Record a recovery step (what was done, what came of it) in the timeline of\n"
		"outage ID, for the fault report.\n"
		"\n"
		"Options:\n"
		"  --text TEXT       the step (required)\n"},
	[I18N_OUTAGE_RESOLVE_SUMMARY] = {
		"标记故障已恢复（信息科）",
		"mark an outage as resolved (IT)"},
	[I18N_OUTAGE_RESOLVE_HELP] = {
		"标记故障 ID 的 HIS 已经恢复，之后开始补录（预案第 8 条：重要数据当天、\n"
		"全部数据次日前补录完毕）。\n"
		"\n"
		"选项：\n"
		"  --reason TEXT     说明（可选）\n",
		"Mark that the HIS of outage ID is back; back-entry starts (plan §8: important\n"
		"data the same day, all of it by the next day).\n"
		"\n"
		"Options:\n"
		"  --reason TEXT     a note (optional)\n"},
	[I18N_OUTAGE_DISMISS_SUMMARY] = {
		"撤销误报的疑似故障（信息科）",
		"dismiss a suspected outage that was a false alarm (IT)"},
	[I18N_OUTAGE_DISMISS_HELP] = {
		"撤销故障 ID：疑似故障查明为误报时使用。\n"
		"\n"
		"选项：\n"
		"  --reason TEXT     为什么是误报（必填）\n",
		"Dismiss outage ID: a suspected outage that turned out to be a false alarm.\n"
		"\n"
		"Options:\n"
		"  --reason TEXT     why it was a false alarm (required)\n"},
	[I18N_OUTAGE_LIST_SUMMARY] = {"列出故障", "list outages"},
	[I18N_OUTAGE_LIST_HELP] = {
		"列出进行中的故障：等级、状态、断点、已持续时间和下一个转手工阈值。\n"
		"\n"
		"选项：\n"
		"  --all             也列出已结束的故障\n",
		"List the open outages: level, status, breakpoint, time elapsed and the next\n"
		"switch-to-paper threshold.\n"
		"\n"
		"Options:\n"
		"  --all             closed outages too\n"},
	[I18N_OUTAGE_SHOW_SUMMARY] = {
		"显示一次故障及其时间线",
		"show an outage and its timeline"},
	[I18N_OUTAGE_SHOW_HELP] = {
		"显示故障 ID 的详情，以及时间线上的每一步：时间、事件、操作人、内容。\n",
		"Show outage ID and every step of its timeline: when, what, who, details.\n"},
	[I18N_PROBLEM_REPORT_SUMMARY] = {
		"向信息科报告 HIS 使用问题",
		"report trouble with the HIS to IT"},
	[I18N_PROBLEM_REPORT_HELP] = {
		"向信息科报告本科室遇到的 HIS 问题（预案第 3 条：访问缓慢、程序打不开、\n"
		"无法保存、网络不通、程序时好时坏）。有进行中的故障时，报告归入该故障。\n"
		"\n"
		"选项：\n"
		"  --text TEXT       看到了什么（必填）\n"
		"  --kind KIND       slow 访问缓慢；cannot_save 无法保存；cannot_login 无法登录；\n"
		"                    network 网络不通；program_error 程序出错；\n"
		"                    operator_error 操作失误；other 其他（默认）\n"
		"  --dept CODE       报告的科室（默认为本人所在科室）\n",
		"Report trouble your department sees with the HIS (plan §3: slow, a program\n"
		"will not open, cannot save, no network, programs failing on and off). While\n"
		"an outage is open, the report is filed under it.\n"
		"\n"
		"Options:\n"
		"  --text TEXT       what you see (required)\n"
		"  --kind KIND       slow; cannot_save; cannot_login; network; program_error;\n"
		"                    operator_error; other (default)\n"
		"  --dept CODE       the department reporting (default: your own)\n"},
	[I18N_DECLARE_OK] = {"已宣布故障 #%s。\n", "Declared outage #%s.\n"},
	[I18N_CONFIRM_OK] = {"已确认故障 #%s。\n", "Confirmed outage #%s.\n"},
	[I18N_LEVEL_OK] = {"故障 #%s 的等级已改为%s。\n", "Outage #%s is now at %s.\n"},
	[I18N_MANUAL_START_OK] = {
		"故障 #%s：统一手工运行开始时间为 %s。\n",
		"Outage #%s: everyone is on paper from %s.\n"},
	[I18N_RESOLVE_OK] = {"故障 #%s：%s。\n", "Outage #%s: %s.\n"},
	[I18N_DISMISS_OK] = {"故障 #%s：%s（误报）。\n", "Outage #%s: %s (false alarm).\n"},
	[I18N_LOG_OK] = {"已记入故障 #%s 的时间线。\n", "Recorded in the timeline of outage #%s.\n"},
	[I18N_PROBLEM_OK] = {"已报告问题 #%s。\n", "Reported problem #%s.\n"},
	[I18N_PROBLEM_ATTACHED] = {"已归入故障 #%s。\n", "Filed under outage #%s.\n"},
	[I18N_PROBLEM_OPENED] = {
		"据此打开了疑似故障 #%s，等待信息科确认。\n",
		"This opened the suspected outage #%s, for IT to confirm.\n"},
	[I18N_PROBLEM_NOT_ATTACHED] = {
		"目前没有进行中的故障；信息科会收到这条报告。\n",
		"No outage is open; IT gets the report.\n"},
	/* ---- departments ---- */
	[I18N_DEPT_LIST_SUMMARY] = {"列出科室及其转手工档次", "list the departments and their paper tiers"},
	[I18N_DEPT_LIST_HELP] = {
		"列出应急预案中的科室：代码、名称、档次（断点后多久转手工）、负责人、\n"
		"成员数、联系方式数、联系方式最近核实的时间。\n",
		"List the departments of the emergency plan: code, name, tier (how long after\n"
		"the breakpoint they switch to paper), head, members, contacts, and when the\n"
		"contacts were last verified.\n"},
	[I18N_DEPT_SHOW_SUMMARY] = {"显示一个科室的成员和联系方式", "show a department's members and contacts"},
	[I18N_DEPT_SHOW_HELP] = {
		"显示科室 CODE：档次、负责人、成员（用户）及每一条联系方式（编号、类型、\n"
		"地址、名称、角色）。\n",
		"Show department CODE: its tier, head, members (users) and every contact (id,\n"
		"kind, address, name, role).\n"},
	[I18N_DEPT_IMPORT_SUMMARY] = {"从 JSON 或 CSV 文件导入科室", "import departments from a JSON or CSV file"},
	[I18N_DEPT_IMPORT_HELP] = {
		"从 FILE 导入科室和联系方式（限管理员、信息科）。以 .csv 结尾的文件按 CSV\n"
		"读取，列为 code,name_zh,name_en,tier,contact_kind,contact_address,\n"
		"contact_name,contact_role（每条联系方式一行）；其他文件按 JSON 读取\n"
		"（{\"departments\": [...]}）。按代码更新或新建，不删除任何内容；有一行出错\n"
		"则整个文件都不导入，并列出出错的行和字段。重复导入结果相同。\n",
		"Import departments and their contacts from FILE (admin, IT). A file ending in\n"
		".csv is read as CSV with the columns code,name_zh,name_en,tier,contact_kind,\n"
		"contact_address,contact_name,contact_role (one row per contact); any other as\n"
		"JSON ({\"departments\": [...]}). Departments are updated or created by code and\n"
		"nothing is removed; one bad row and nothing of the file is imported, and the\n"
		"bad rows and fields are listed. Importing twice gives the same result.\n"},
	[I18N_DEPT_CONTACT_ADD_SUMMARY] = {"为科室添加联系方式", "add a contact to a department"},
	[I18N_DEPT_CONTACT_ADD_HELP] = {
		"为科室 CODE 添加一条联系方式（限管理员、信息科）。\n"
		"\n"
		"选项：\n"
		"  --kind K          email、phone、webhook、wecom、dingtalk 或 sms\n"
		"  --address A       邮箱地址、电话号码或 http(s) 网址\n"
		"  --name N          个人或群组的名称\n"
		"  --role R          member（默认）、head、deputy 或 group\n",
		"Add a contact to department CODE (admin, IT).\n"
		"\n"
		"Options:\n"
		"  --kind K          email, phone, webhook, wecom, dingtalk or sms\n"
		"  --address A       an e-mail address, a telephone number or an http(s) URL\n"
		"  --name N          the person or group\n"
		"  --role R          member (default), head, deputy or group\n"},
	[I18N_DEPT_VERIFY_SUMMARY] = {"确认科室的联系方式无误", "mark a department's contacts verified"},
	[I18N_DEPT_VERIFY_HELP] = {
		"记录科室 CODE 的联系方式已于此刻核实无误。各科室人员只能核实本科室，\n"
		"管理员和信息科可核实任何科室。\n",
		"Record that department CODE checked its contacts now. Staff verify their own\n"
		"department; admin and IT any department.\n"},
	[I18N_DEPT_HEAD_CODE] = {"代码", "CODE"},
	[I18N_DEPT_HEAD_NAME] = {"名称", "NAME"},
	[I18N_DEPT_HEAD_TIER] = {"档次", "TIER"},
	[I18N_DEPT_HEAD_HEAD] = {"负责人", "HEAD"},
	[I18N_DEPT_HEAD_MEMBERS] = {"成员", "MEMBERS"},
	[I18N_DEPT_HEAD_CONTACTS] = {"联系方式", "CONTACTS"},
	[I18N_DEPT_HEAD_VERIFIED] = {"核实于", "VERIFIED"},
	[I18N_DEPT_HEAD_KIND] = {"类型", "KIND"},
	[I18N_DEPT_HEAD_ADDRESS] = {"地址", "ADDRESS"},
	[I18N_DEPT_HEAD_ROLE] = {"角色", "ROLE"},
	[I18N_DEPT_HEAD_USER] = {"用户", "USER"},
	[I18N_DEPT_TIER] = {"档次：%s（断点后 %s 转手工）\n", "Tier: %s (paper %s after the breakpoint)\n"},
	[I18N_DEPT_TIER_COMMAND] = {"档次：指挥（立即通知）\n", "Tier: command (told at once)\n"},
	[I18N_DEPT_HEAD_LINE] = {"负责人：%s\n", "Head: %s\n"},
	[I18N_DEPT_VERIFIED_LINE] = {"联系方式核实于：%s\n", "Contacts verified: %s\n"},
	[I18N_DEPT_NEVER] = {"从未", "never"},
	[I18N_DEPT_MEMBERS] = {"\n成员：\n", "\nMembers:\n"},
	[I18N_DEPT_CONTACTS] = {"\n联系方式：\n", "\nContacts:\n"},
	[I18N_DEPT_NONE] = {"  （无）\n", "  (none)\n"},
	[I18N_DEPT_CONTACT_OK] = {"已为 %s 添加联系方式 #%s：%s\n", "Added to %s contact #%s: %s\n"},
	[I18N_DEPT_VERIFY_OK] = {"已记录 %s 的联系方式于 %s 核实无误。\n",
		"Contacts of %s marked verified at %s.\n"},
	[I18N_DEPT_IMPORT_OK] = {
		"导入完成：新建科室 %lld 个，更新 %lld 个；新增联系方式 %lld 条，更新 %lld 条。\n",
		"Imported: %lld departments created, %lld updated; %lld contacts added, %lld updated.\n"},
	[I18N_DEPT_IMPORT_CODES] = {"科室：%s\n", "Departments: %s\n"},
	[I18N_DEPT_ROW_ERROR] = {"  第 %lld 行 %s：%s\n", "  row %lld %s: %s\n"},
	[I18N_ERR_BAD_DEPT_CODE] = {
		"科室代码只能包含小写字母、数字和 -：“%s”",
		"a department code has lower-case letters, digits and - only: '%s'"},
	[I18N_ERR_BAD_CONTACT_KIND] = {
		"--kind 须为 email、phone、webhook、wecom、dingtalk 或 sms：“%s”",
		"--kind must be email, phone, webhook, wecom, dingtalk or sms: '%s'"},
	[I18N_ERR_BAD_CONTACT_ROLE] = {
		"--role 须为 member、head、deputy 或 group：“%s”",
		"--role must be member, head, deputy or group: '%s'"},
	[I18N_ERR_READ_FILE] = {"无法读取文件：%s", "cannot read the file: %s"},
};

static const struct {
	const char *name;
	enum i18n_msg msg;
} roles[] = {
	{"admin", I18N_ROLE_ADMIN},
	{"it", I18N_ROLE_IT},
	{"leader", I18N_ROLE_LEADER},
	{"nurse", I18N_ROLE_NURSE},
	{"doctor", I18N_ROLE_DOCTOR},
	{"pharmacist", I18N_ROLE_PHARMACIST},
	{"cashier", I18N_ROLE_CASHIER},
	{"medtech", I18N_ROLE_MEDTECH},
	{"viewer", I18N_ROLE_VIEWER},
};

void i18n_set_lang(enum i18n_lang lang)
{
	if ((unsigned)lang < I18N_NLANGS)
		current = lang;
}

enum i18n_lang i18n_current(void)
{
	return current;
}

/* "zh", "zh-CN", "zh_CN.UTF-8": the two letters, then the end or a separator. */
static bool tag_is(const char *text, const char *lang)
{
	size_t n = strlen(lang);

	if (strncasecmp(text, lang, n) != 0)
		return false;
	return text[n] == '\0' || text[n] == '-' || text[n] == '_' || text[n] == '.' ||
		text[n] == '@';
}

bool i18n_parse_lang(const char *text, enum i18n_lang *out)
{
	if (!text)
		return false;
	if (tag_is(text, "zh")) {
		*out = I18N_ZH;
		return true;
	}
	if (tag_is(text, "en")) {
		*out = I18N_EN;
		return true;
	}
	return false;
}

enum i18n_lang i18n_lang_from_locale(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	enum i18n_lang lang = I18N_ZH;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v) {
			/* "C", "POSIX" and other languages fall back to Chinese. */
			(void)i18n_parse_lang(v, &lang);
			return lang;
		}
	}
	return lang;
}

const struct i18n_name *i18n_name_find(const struct i18n_name *table, const char *name)
{
	if (!name)
		return NULL;
	for (; table->name; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

const char *i18n_get_in(enum i18n_lang lang, enum i18n_msg id)
{
	if ((unsigned)lang >= I18N_NLANGS || (unsigned)id >= I18N_MSG_COUNT)
		return NULL;
	if (id >= I18N_PART_FORMS)
		return i18n_forms_part[id - I18N_PART_FORMS][lang];
	if (id >= I18N_PART_NOTICES)
		return i18n_notices_part[id - I18N_PART_NOTICES][lang];
	return catalogue[id][lang];
}

const char *i18n_get(enum i18n_msg id)
{
	const char *s = i18n_get_in(current, id);

	/* The unit test keeps the catalogue complete; this only guards a slip. */
	if (!s)
		s = i18n_get_in(current == I18N_ZH ? I18N_EN : I18N_ZH, id);
	return s ? s : "?";
}

const char *i18n_accept_language(void)
{
	return current == I18N_EN ? "en" : "zh-CN";
}

const char *i18n_role(const char *role)
{
	if (!role)
		return "?";
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(roles[i].name, role) == 0)
			return i18n_get(roles[i].msg);
	return role;
}

#include "i18n.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static enum i18n_lang current = I18N_ZH;

/*
 * The catalogue. Keep the two columns' printf conversions identical (same
 * order, same types): a unit test compares them.
 */
static const char *const catalogue[I18N_MSG_COUNT][I18N_NLANGS] = {
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
		"不需要登录。连不上服务器时退出码为 3。\n",
		"Show the server URL, its version and node role, whether its database is up,\n"
		"and who the current token belongs to. Needs no login. Exit status 3 when\n"
		"the server cannot be reached.\n"},
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

const char *i18n_get_in(enum i18n_lang lang, enum i18n_msg id)
{
	if ((unsigned)lang >= I18N_NLANGS || (unsigned)id >= I18N_MSG_COUNT)
		return NULL;
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

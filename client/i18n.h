/*
 * i18n — every sentence the `lifeline` client shows a person, in Chinese and
 * English.
 *
 * The catalogue is one table in i18n.c indexed by enum i18n_msg; each entry
 * holds the zh-CN and the en text. Many entries are printf formats: the two
 * languages of one entry must take the same conversions in the same order
 * (tests/unit/client checks this, and that no entry is missing).
 *
 * The language is process-wide: main() picks it once, before printing
 * anything, from --lang, LIFELINE_LANG or the locale (LC_ALL, LC_MESSAGES,
 * LANG), defaulting to Chinese. Strings returned here are static.
 *
 * Adding a message: add an enum value below and its {zh, en} pair in i18n.c.
 */
#pragma once

#include <stdbool.h>

enum i18n_lang {
	I18N_ZH = 0,
	I18N_EN = 1,
	I18N_NLANGS
};

enum i18n_msg {
	/* global help */
	I18N_HELP_INTRO,
	I18N_HELP_COMMANDS,
	I18N_HELP_GLOBALS,
	I18N_HELP_FOOTER,
	I18N_HELP_GROUP,
	I18N_USAGE_LINE,
	I18N_SEE_COMMAND_HELP,
	I18N_SEE_GLOBAL_HELP,
	I18N_VERSION,

	/* usage errors (exit 2) */
	I18N_ERR_NO_COMMAND,
	I18N_ERR_UNKNOWN_COMMAND,
	I18N_ERR_UNKNOWN_OPTION,
	I18N_ERR_MISSING_VALUE,
	I18N_ERR_UNEXPECTED_VALUE,
	I18N_ERR_MISSING_OPTION,
	I18N_ERR_TOO_FEW_ARGS,
	I18N_ERR_TOO_MANY_ARGS,
	I18N_ERR_NEEDS_SUBCOMMAND,
	I18N_ERR_BAD_LANG,
	I18N_ERR_BAD_SERVER,
	I18N_ERR_BAD_TOKEN,
	I18N_ERR_BAD_TIMEOUT,
	I18N_HINT_GLOBAL_FIRST,

	/* talking to the server */
	I18N_ERR_UNREACHABLE,
	I18N_NET_REFUSED,
	I18N_NET_DNS,
	I18N_NET_TIMEOUT,
	I18N_NET_TLS,
	I18N_NET_OTHER,
	I18N_HINT_SERVER,
	I18N_ERR_REFUSED,
	I18N_ERR_REFUSED_FIELD,
	I18N_ERR_REQUEST_ID,
	I18N_ERR_HTTP_NOT_JSON,
	I18N_ERR_BAD_RESPONSE,
	I18N_HINT_RELOGIN,
	I18N_ERR_NOT_LOGGED_IN,
	I18N_ERR_NOMEM,
	I18N_ERR_WRITE_OUTPUT,

	/* the saved login */
	I18N_ERR_NO_TOKEN_PATH,
	I18N_ERR_TOKEN_SAVE,
	I18N_ERR_TOKEN_REMOVE,
	I18N_WARN_TOKEN_READ,

	/* users and roles */
	I18N_USER_WITH_DEPT,
	I18N_USER_NO_DEPT,
	I18N_ROLE_ADMIN,
	I18N_ROLE_IT,
	I18N_ROLE_LEADER,
	I18N_ROLE_NURSE,
	I18N_ROLE_DOCTOR,
	I18N_ROLE_PHARMACIST,
	I18N_ROLE_CASHIER,
	I18N_ROLE_MEDTECH,
	I18N_ROLE_VIEWER,

	/* login */
	I18N_LOGIN_SUMMARY,
	I18N_LOGIN_HELP,
	I18N_PROMPT_PASSWORD,
	I18N_ERR_NO_TTY,
	I18N_ERR_PASSWORD_READ,
	I18N_ERR_EMPTY_PASSWORD,
	I18N_ERR_LOGIN_RESPONSE,
	I18N_LOGIN_OK,

	/* logout */
	I18N_LOGOUT_SUMMARY,
	I18N_LOGOUT_HELP,
	I18N_LOGOUT_OK,
	I18N_LOGOUT_NOT_LOGGED_IN,
	I18N_LOGOUT_ALREADY_INVALID,
	I18N_LOGOUT_LOCAL_ONLY,

	/* status */
	I18N_STATUS_SUMMARY,
	I18N_STATUS_HELP,
	I18N_STATUS_SERVER,
	I18N_STATUS_DB,
	I18N_STATUS_STATE,
	I18N_STATUS_USER,
	I18N_STATUS_NOT_LOGGED_IN,
	I18N_STATUS_TOKEN_INVALID,
	I18N_STATUS_SAVED_OTHER,
	I18N_STATUS_ME_FAILED,
	I18N_NODE_LEADER,
	I18N_NODE_STANDBY,
	I18N_DB_OK,
	I18N_DB_DOWN,

	I18N_MSG_COUNT
};

/* Set the language of every later i18n_get(). */
void i18n_set_lang(enum i18n_lang lang);
enum i18n_lang i18n_current(void);

/*
 * Parse a language tag or locale name: "zh", "zh-CN", "zh_CN.UTF-8", "en",
 * "en_US.UTF-8"... (case-insensitive). False when it names neither language.
 */
bool i18n_parse_lang(const char *text, enum i18n_lang *out);

/*
 * The language of the locale (LC_ALL, then LC_MESSAGES, then LANG, first
 * non-empty one); Chinese when that is neither Chinese nor English ("C").
 */
enum i18n_lang i18n_lang_from_locale(void);

/* The text of a message in the current language. Never NULL. */
const char *i18n_get(enum i18n_msg id);

/* The text in a given language; NULL if the catalogue lacks it (for tests). */
const char *i18n_get_in(enum i18n_lang lang, enum i18n_msg id);

/* The Accept-Language header value for the current language. */
const char *i18n_accept_language(void);

/* The display name of a role ("nurse" -> "护士"); the role itself if unknown. */
const char *i18n_role(const char *role);

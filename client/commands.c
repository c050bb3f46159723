#include "commands.h"

#include "cmd_auth.h"

/* Shorthand for an option list: CLI_OPTIONS({"name", 'x', CLI_VALUE}, ...). */
#define CLI_OPTIONS(...) ((const struct cli_option[]){__VA_ARGS__, {0}})

const struct cli_command commands_table[] = {
	{
		.name = "login",
		.synopsis = "USER [--password-stdin]",
		.summary = I18N_LOGIN_SUMMARY,
		.help = I18N_LOGIN_HELP,
		.run = cmd_login,
		.options = CLI_OPTIONS({"password-stdin", 0, CLI_FLAG, false}),
		.min_args = 1, .max_args = 1,
	},
	{
		.name = "logout",
		.synopsis = "",
		.summary = I18N_LOGOUT_SUMMARY,
		.help = I18N_LOGOUT_HELP,
		.run = cmd_logout,
		.min_args = 0, .max_args = 0,
	},
	{
		.name = "status",
		.synopsis = "",
		.summary = I18N_STATUS_SUMMARY,
		.help = I18N_STATUS_HELP,
		.run = cmd_status,
		.min_args = 0, .max_args = 0,
	},
};

const size_t commands_count = sizeof(commands_table) / sizeof(commands_table[0]);

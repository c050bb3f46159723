/*
 * cmd_auth — the commands about who you are: login, logout (cmd_auth.c),
 * status (cmd_status.c, which also shows the HIS targets and open outages).
 *
 * Handlers of the command table (commands.c); each returns an enum cli_exit.
 */
#pragma once

#include "cli.h"

int cmd_login(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_logout(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_status(struct cli_ctx *ctx, const struct cli_args *args);

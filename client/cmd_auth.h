/*
 * cmd_auth — the commands about who you are: login, logout, status.
 *
 * Handlers of the command table (commands.c); each returns an enum cli_exit.
 */
#pragma once

#include "cli.h"

int cmd_login(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_logout(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_status(struct cli_ctx *ctx, const struct cli_args *args);

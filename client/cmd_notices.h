/*
 * cmd_notices — the commands of the notice plan (the plan's §4-§6, §8):
 * `lifeline notices` lists the notices a department received (staff: their
 * own department; admin, IT and the leadership: every one), flagging those
 * that wait for an acknowledgement; `lifeline ack ID` gives it, with an
 * optional note, marked as given from the command line (via "cli").
 *
 * Handlers and usage checks of the command table (commands.c), as in
 * cmd_outage.h: a bad notice id, department code or note is a usage error
 * (exit 2) before any request. The words are notice.h's; the texts are in
 * i18n_notices.c.
 */
#pragma once

#include "cli.h"

int cmd_notices(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_ack(struct cli_ctx *ctx, const struct cli_args *args);

int check_notices(const struct cli_args *args, struct cli_error *err);
int check_ack(const struct cli_args *args, struct cli_error *err);

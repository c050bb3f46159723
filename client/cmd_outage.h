/*
 * cmd_outage — the commands about outages (the plan's §3-§5, §8): IT staff
 * declare, confirm, re-level, announce the manual start, log recovery steps,
 * resolve or dismiss an outage, and anyone lists and shows them; a
 * department reports a problem, which the server files under the open outage.
 *
 * Handlers and usage checks of the command table (commands.c). Handlers
 * return an enum cli_exit; checks return 0 or LL_EINVAL with the
 * cli_error filled, so a bad level, id, time or a missing reason is a usage
 * error (exit 2) before any request.
 */
#pragma once

#include "cli.h"

int cmd_outage_declare(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_outage_confirm(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_outage_level(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_outage_manual_start(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_outage_resolve(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_outage_dismiss(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_outage_list(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_outage_show(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_outage_log(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_problem_report(struct cli_ctx *ctx, const struct cli_args *args);

int check_outage_declare(const struct cli_args *args, struct cli_error *err);
int check_outage_confirm(const struct cli_args *args, struct cli_error *err);
int check_outage_level(const struct cli_args *args, struct cli_error *err);
int check_outage_manual_start(const struct cli_args *args, struct cli_error *err);
int check_outage_resolve(const struct cli_args *args, struct cli_error *err);
int check_outage_dismiss(const struct cli_args *args, struct cli_error *err);
int check_outage_id(const struct cli_args *args, struct cli_error *err); /* the ID alone: show */
int check_outage_log(const struct cli_args *args, struct cli_error *err);
int check_problem_report(const struct cli_args *args, struct cli_error *err);

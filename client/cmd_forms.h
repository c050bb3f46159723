/*
 * cmd_forms — the paper forms commands (issue 5, item 6; the plan's §6):
 * `lifeline forms list` shows the forms the server can print; `lifeline
 * forms print FORM...` has the server fill them from the last census and
 * writes the one PDF of the job, then keeps the department's census on this
 * computer (forms_cache.h), as `lifeline forms sync` does on its own; and
 * `forms print --offline` renders from that copy here (forms_local.h) when
 * the Lifeline server cannot be reached.
 *
 * The server is never silently replaced by the copy: an unreachable server
 * is exit 3, with a hint naming the copy and its age, and printing from it
 * is the person's decision (--offline), because its serials are not in the
 * print register and its patients may have moved.
 *
 * Handlers and usage checks of the command table (commands.c): a bad form
 * code, patient id, department code, copy count or age is a usage error
 * (exit 2) before any request. The texts are in i18n_forms.c.
 */
#pragma once

#include "cli.h"

int cmd_forms_list(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_forms_print(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_forms_sync(struct cli_ctx *ctx, const struct cli_args *args);

int check_forms_print(const struct cli_args *args, struct cli_error *err);
int check_forms_sync(const struct cli_args *args, struct cli_error *err);

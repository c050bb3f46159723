/*
 * cmd_departments — the commands about the department registry (issue 4):
 * anyone lists and shows departments; IT adds contacts and imports a JSON or
 * CSV file; staff mark their own department's contacts verified.
 *
 * Handlers and usage checks of the command table (commands.c), as in
 * cmd_outage.h: a bad code, kind or role, or an unreadable file, is a usage
 * error (exit 2) before any request.
 */
#pragma once

#include "cli.h"

int cmd_departments_list(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_departments_show(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_departments_import(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_departments_contact_add(struct cli_ctx *ctx, const struct cli_args *args);
int cmd_departments_verify(struct cli_ctx *ctx, const struct cli_args *args);

int check_departments_code(const struct cli_args *args, struct cli_error *err);
int check_departments_import(const struct cli_args *args, struct cli_error *err);
int check_departments_contact_add(const struct cli_args *args, struct cli_error *err);

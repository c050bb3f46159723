/*
 * commands — the table of every `lifeline` command, in the order
 * `lifeline --help` lists them.
 *
 * Adding a command is one row in commands.c: its words, synopsis, the
 * catalogue ids of its summary and help (add those to i18n.h/i18n.c), the
 * handler (declared in the cmd_*.h of its area), its options, how many
 * positional arguments it takes, and whether it needs a token. Parsing,
 * --help, `lifeline help NAME`, usage errors and the listing follow from
 * the row.
 */
#pragma once

#include <stddef.h>

#include "cli.h"

extern const struct cli_command commands_table[];
extern const size_t commands_count;

/*
 * outage_view — how the client shows the outage API's answers to people:
 * one outage as a block of labelled lines, a list of outages as a table, an
 * outage's timeline, and the monitored HIS targets.
 *
 * Every function takes the JSON as the server sent it (borrowed) and copes
 * with fields that are missing or null: an older or newer server must not
 * crash the client, it only shows less. Times are shown in local time
 * (cli_time_text), durations by outage_duration_text. A drill is always
 * marked "演练 DRILL", in both languages, so nobody takes it for the real
 * thing.
 *
 * The table printers return 0, or LL_ENOMEM having printed nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "errors.h"

/* The outage's id as text ("7"), or "?"; into buf. */
const char *outage_view_id(const json_t *outage, char *buf, size_t size);

/*
 * The block: a title line "故障 #7【演练 DRILL】", then status, level,
 * breakpoint, elapsed time, the next threshold with its countdown, the
 * manual start, reason, targets and how many problem reports. `full` adds
 * when it was detected (and by whom), confirmed, recovering and resolved.
 */
void outage_view_block(FILE *f, const json_t *outage, bool full);

/* The outages of GET /api/v1/outages as a table with a header row. */
int outage_view_list(FILE *f, const json_t *outages) LL_MUST_CHECK;

/* The timeline of GET /api/v1/outages/ID: time, what, who, details; one line each. */
int outage_view_timeline(FILE *f, const json_t *timeline) LL_MUST_CHECK;

/*
 * A timeline entry's detail object as "原因：…；等级：一级（全网瘫痪）"; into buf.
 * Known keys get a label and their values a name; others show as key: value.
 */
const char *outage_view_detail(const json_t *detail, char *buf, size_t size);

/* The targets of GET /api/v1/targets, indented, one line each. */
int outage_view_targets(FILE *f, const json_t *targets) LL_MUST_CHECK;

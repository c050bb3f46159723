/*
 * outage — the client's words for outages: parsing what people type (levels,
 * outage ids, times, target lists, problem kinds) and naming what the server
 * answers (levels, statuses, tiers, timeline entries, target states) in the
 * current language. Pure: no I/O, no server.
 *
 * The names follow the hospital's plan (§4 levels, §5 tiers); the wire
 * values are those of the outage API: levels "1" "2" "3" "other"; statuses
 * suspected, confirmed, manual, recovering, resolved, reviewed, dismissed.
 *
 * Every *_text() returns a static string; for a value it does not know it
 * returns the value itself (a newer server may send more), "?" for NULL.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "errors.h"

/* "1", "2", "3" or "other". */
bool outage_level_valid(const char *level);
/* A problem report's kind: slow, cannot_save, cannot_login, network, program_error, operator_error, other. */
bool outage_kind_valid(const char *kind);

/*
 * An outage id: decimal digits only, a positive number that fits in a
 * JSON integer. False otherwise (so an id never carries '/' into a URL path).
 */
bool outage_parse_id(const char *text, long long *id);

/* A drill's time scale: a positive finite number, at most OUTAGE_TIME_SCALE_MAX. */
#define OUTAGE_TIME_SCALE_MAX 10000
bool outage_parse_time_scale(const char *text, double *scale);

/*
 * "--targets his-core,his-db": the names, blanks around them dropped, as a
 * new JSON array of strings in *out. LL_EINVAL (and *out NULL) when a name is
 * empty ("a,,b", "a,", ""), LL_ENOMEM.
 */
int outage_parse_targets(const char *text, json_t **out) LL_MUST_CHECK;

/*
 * A time given with --at, into RFC 3339 UTC ("2026-11-22T01:30:00Z"):
 *   "HH:MM" or "HH:MM:SS"   today (the local day of `now`), local time;
 *   RFC 3339                "2026-11-22T09:30:00+08:00", "...Z", fractions of a
 *                           second dropped; 'T' may be 't' or a space.
 * Returns 0, or LL_EINVAL for anything else (out of range, no zone offset),
 * or LL_ETOOBIG when out is too small (21 bytes are enough).
 */
int outage_parse_at(const char *text, time_t now, char *out, size_t size) LL_MUST_CHECK;

/* "一级（全网瘫痪）" / "level 1 (network paralysis)" */
const char *outage_level_text(const char *level);
/* "已确认" / "confirmed" */
const char *outage_status_text(const char *status);
/* True for the statuses of a running outage: suspected, confirmed, manual, recovering. */
bool outage_status_open(const char *status);
/* "30m" -> "30 分钟" */
const char *outage_tier_text(const char *tier);
/* Who goes to paper at that tier by the plan (§5): "门诊挂号、住院登记、门诊医生、药房"; NULL when unknown. */
const char *outage_tier_who(const char *tier);
/* A timeline entry's kind: "confirmed" -> "确认" */
const char *outage_event_text(const char *kind);
/* A target's state: "down" -> "中断" */
const char *outage_target_state_text(const char *state);
/* A problem report's kind: "cannot_save" -> "无法保存" */
const char *outage_kind_text(const char *kind);
/* Who did it: "monitor" -> "自动监测", "lifeline" -> "系统"; a user name as it is. */
const char *outage_actor_text(const char *actor);

/*
 * A number of seconds for people, into buf: "45秒", "12分05秒", "3小时05分",
 * "2天3小时" (en: "45s", "12m 05s", "3h 05m", "2d 3h"). Negative counts as 0.
 */
const char *outage_duration_text(long long seconds, char *buf, size_t size);

/* A JSON number (integer or real) as a whole number; `fallback` when it is not a number. */
long long outage_json_int(const json_t *value, long long fallback);

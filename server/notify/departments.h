/*
 * departments — the department registry of the emergency plan (§2, §5,
 * §6): each department's names, its tier (when it switches to paper), its
 * head, its members and its contacts (e-mail, phone, webhooks), and when it
 * last verified them. The routes under /api/v1/departments read and edit it
 * and import it from JSON or CSV; the notice plan (a later step) reads it.
 *
 * Words:
 *   tier      — "30m", "6h", "24h" (switch to paper that long after the
 *               breakpoint) or "command" (the leadership group and the
 *               information centre: told at once, never switch by tier).
 *   threshold — a tier's seconds, from the config's notify.tiers (the plan's
 *               1800 / 21600 / 86400 by default).
 *   members   — the users whose department is the code.
 *   contacts  — where notices go; role "head" marks the head's own
 *               addresses, "group" a department's shared ones.
 *
 * Ownership: main creates the module after the incident module and frees it
 * after the HTTP server (the routes hold a pointer to it).
 */
#pragma once

#include <jansson.h>

#include "errors.h"
#include "http.h"

struct events;
struct departments;

/*
 * config is the whole config document (its "notify" section is read); env
 * and events are borrowed and must outlive the module. Returns 0, or
 * LL_ENOMEM / LL_EINVAL with err filled.
 */
int departments_new(const struct http_env *env, struct events *events, json_t *config,
	struct departments **out, char *err, size_t errlen) LL_MUST_CHECK;
void departments_free(struct departments *d);

int departments_add_routes(struct departments *d, http_server *srv) LL_MUST_CHECK;

/* The threshold of a tier in seconds; -1 for "command" or an unknown tier. */
long departments_tier_seconds(const struct departments *d, const char *tier);

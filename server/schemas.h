/*
 * schemas — the JSON Schemas of schemas/, loaded and compiled once at start.
 * A schema is named by its path under the schema directory without the
 * ".schema.json" suffix: "config", "api/login". Schemas are the single source
 * of truth for request and record shapes (DESIGN.md).
 */
#pragma once

#include "errors.h"
#include "jsonschema.h"

struct schema_registry;

/* Load every *.schema.json under dir (recursively). err names the bad file. */
int schema_registry_load(const char *dir, struct schema_registry **out, char *err,
	size_t errlen) LL_MUST_CHECK;
void schema_registry_free(struct schema_registry *reg);

/* NULL when there is no such schema. */
const jsonschema *schema_registry_get(const struct schema_registry *reg, const char *name);
size_t schema_registry_count(const struct schema_registry *reg);

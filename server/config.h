/*
 * config — lifelined's configuration: one JSON file, validated against
 * schemas/config.schema.json, then read through one declarative table
 * (config.c: key, type, field, default, reloadable).
 *
 * config_load() either returns a complete config or an error that names the
 * key ("/limits/max_body_bytes: must be at least 1024"). On SIGHUP the server
 * loads a new config and, if that succeeds, config_apply_reload() copies the
 * keys marked reloadable into the live one; the others are reported as
 * needing a restart. A failed reload leaves the live config untouched.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "errors.h"

struct config {
	char *path;
	/* listen */
	char *listen_host;
	int listen_port;
	/* database */
	char *db_conninfo;
	int db_pool_size;
	/* paths */
	char *schema_dir;
	char *web_root;
	char *access_log;
	/* limits */
	int max_body_bytes;
	int max_header_bytes;
	int max_connections;
	int request_timeout_s;
	/* auth */
	int token_ttl_s;
	int token_cache_s;
	/* misc */
	int workers;
	char *log_level;
	bool test_clock;   /* testing.clock_control: POST /api/v1/test/clock allowed */
	/* The whole document, for the sections their modules read themselves
	 * (monitor, incident). Not reloadable. */
	json_t *doc;
};

/* Directory of the JSON Schemas when the config does not say (env LIFELINE_SCHEMA_DIR, else the source tree). */
const char *config_default_schema_dir(void);

int config_load(const char *path, struct config **out, char *err, size_t errlen) LL_MUST_CHECK;
void config_free(struct config *cfg);

/*
 * Copy reloadable keys from fresh into live. Writes a comma-separated list of
 * changed keys that need a restart into restart_keys (empty when none).
 */
void config_apply_reload(struct config *live, const struct config *fresh,
	char *restart_keys, size_t len);

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonschema.h"
#include "lifeline_build.h"

enum cfg_type { CFG_INT, CFG_STR };

/* The whole configuration surface, in one table. Bounds live in the schema. */
static const struct cfg_key {
	const char *pointer;
	enum cfg_type type;
	size_t offset;
	const char *def_str;
	int def_int;
	bool reloadable;
} cfg_keys[] = {
#define S(p, f, d, r) { p, CFG_STR, offsetof(struct config, f), d, 0, r }
#define I(p, f, d, r) { p, CFG_INT, offsetof(struct config, f), NULL, d, r }
	S("/listen/host", listen_host, "127.0.0.1", false),
	I("/listen/port", listen_port, 8580, false),
	S("/database/conninfo", db_conninfo, NULL, false),
	I("/database/pool_size", db_pool_size, 6, false),
	S("/paths/schemas", schema_dir, NULL, false),
	S("/paths/web_root", web_root, LIFELINE_SOURCE_ROOT "/client/web", false),
	S("/paths/access_log", access_log, "-", true),
	I("/limits/max_body_bytes", max_body_bytes, 4 * 1024 * 1024, true),
	I("/limits/max_header_bytes", max_header_bytes, 16 * 1024, true),
	I("/limits/max_connections", max_connections, 1024, true),
	I("/limits/request_timeout_s", request_timeout_s, 30, true),
	I("/auth/token_ttl_s", token_ttl_s, 12 * 3600, true),
	I("/auth/token_cache_s", token_cache_s, 60, true),
	I("/workers", workers, 2, false),
	S("/log/level", log_level, "info", true),
#undef S
#undef I
};

const char *config_default_schema_dir(void)
{
	const char *env = getenv("LIFELINE_SCHEMA_DIR");

	return env && *env ? env : LIFELINE_SOURCE_ROOT "/schemas";
}

/* Look up a JSON pointer made of plain object keys ("/a/b"). */
static json_t *lookup(json_t *root, const char *pointer)
{
	char key[64];
	const char *p = pointer;

	while (root && *p == '/') {
		size_t n = strcspn(p + 1, "/");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p + 1, n);
		key[n] = '\0';
		root = json_is_object(root) ? json_object_get(root, key) : NULL;
		p += 1 + n;
	}
	return root;
}

/*
 * The line of the file on which the value at a JSON pointer starts, found by
 * walking the pointer's keys through the text in order; 0 when not found.
 * jansson keeps no positions for values, and operators want a line number.
 */
static int pointer_line(const char *path, const char *pointer)
{
	FILE *f = fopen(path, "r");
	char *text = NULL, *pos;
	size_t len = 0;
	int line = 0;

	if (!f)
		return 0;
	if (getdelim(&text, &len, '\0', f) < 0) {
		fclose(f);
		free(text);
		return 0;
	}
	fclose(f);
	pos = text;
	while (pos && *pointer == '/') {
		char key[80];
		size_t n = strcspn(pointer + 1, "/");

		if (n + 3 > sizeof(key))
			break;
		key[0] = '"';
		memcpy(key + 1, pointer + 1, n);
		key[n + 1] = '"';
		key[n + 2] = '\0';
		pos = strstr(pos, key);
		pointer += 1 + n;
	}
	if (pos) {
		line = 1;
		for (const char *c = text; c < pos; c++)
			line += *c == '\n';
	}
	free(text);
	return line;
}

int config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	char schema_path[4096];
	json_error_t jerr;
	jsonschema_error serr;
	jsonschema *schema = NULL;
	struct config *cfg = NULL;
	json_t *root;
	int rc;

	*out = NULL;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s: line %d column %d: %s", path, jerr.line, jerr.column, jerr.text);
		return LL_EINVAL;
	}
	snprintf(schema_path, sizeof(schema_path), "%s/config.schema.json", config_default_schema_dir());
	rc = jsonschema_load_file(schema_path, &schema, &serr);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", schema_path, serr.message);
		goto fail;
	}
	if (!jsonschema_validate(schema, root, &serr)) {
		int line = pointer_line(path, serr.pointer);

		if (line > 0)
			snprintf(err, errlen, "%s:%d: %s: %s", path, line,
				serr.pointer[0] ? serr.pointer : "(top level)", serr.message);
		else
			snprintf(err, errlen, "%s: %s: %s", path,
				serr.pointer[0] ? serr.pointer : "(top level)", serr.message);
		rc = LL_EINVAL;
		goto fail;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || !(cfg->path = strdup(path))) {
		rc = LL_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++) {
		const struct cfg_key *k = &cfg_keys[i];
		json_t *v = lookup(root, k->pointer);
		char *field = (char *)cfg + k->offset;

		if (k->type == CFG_INT) {
			*(int *)field = v ? (int)json_integer_value(v) : k->def_int;
		} else {
			const char *s = v ? json_string_value(v) : k->def_str;

			if (!s && strcmp(k->pointer, "/paths/schemas") == 0)
				s = config_default_schema_dir();
			if (s && !(*(char **)field = strdup(s))) {
				rc = LL_ENOMEM;
				goto fail;
			}
		}
	}
	cfg->test_clock = json_is_true(lookup(root, "/testing/clock_control"));
	if (json_object_get(root, "monitor")) {
		char monitor_path[4096];
		jsonschema *ms = NULL;

		jsonschema_free(schema);
		schema = NULL;
		snprintf(monitor_path, sizeof(monitor_path), "%s/monitor.schema.json",
			config_default_schema_dir());
		rc = jsonschema_load_file(monitor_path, &ms, &serr);
		if (rc != 0) {
			snprintf(err, errlen, "%s: %s", monitor_path, serr.message);
			goto fail;
		}
		schema = ms;
		if (!jsonschema_validate(schema, json_object_get(root, "monitor"), &serr)) {
			char pointer[300];

			snprintf(pointer, sizeof(pointer), "/monitor%s", serr.pointer);
			snprintf(err, errlen, "%s:%d: %s: %s", path, pointer_line(path, pointer), pointer,
				serr.message);
			rc = LL_EINVAL;
			goto fail;
		}
	}
	cfg->doc = json_incref(root);
	jsonschema_free(schema);
	json_decref(root);
	*out = cfg;
	return 0;
fail:
	jsonschema_free(schema);
	json_decref(root);
	config_free(cfg);
	return rc;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++)
		if (cfg_keys[i].type == CFG_STR)
			free(*(char **)((char *)cfg + cfg_keys[i].offset));
	free(cfg->path);
	json_decref(cfg->doc);
	free(cfg);
}

void config_apply_reload(struct config *live, const struct config *fresh,
	char *restart_keys, size_t len)
{
	size_t used = 0;

	restart_keys[0] = '\0';
	for (size_t i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++) {
		const struct cfg_key *k = &cfg_keys[i];
		char *dst = (char *)live + k->offset;
		const char *src = (const char *)fresh + k->offset;
		bool changed;

		if (k->type == CFG_INT) {
			changed = *(int *)dst != *(const int *)src;
		} else {
			const char *a = *(char **)dst, *b = *(char *const *)src;

			changed = (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
		}
		if (!changed)
			continue;
		if (!k->reloadable) {
			used += (size_t)snprintf(restart_keys + used, used < len ? len - used : 0,
				"%s%s", used ? ", " : "", k->pointer);
			if (used >= len)
				used = len - 1;
			continue;
		}
		if (k->type == CFG_INT) {
			*(int *)dst = *(const int *)src;
		} else {
			char *copy = strdup(*(char *const *)src);

			if (copy) {
				free(*(char **)dst);
				*(char **)dst = copy;
			}
		}
	}
}

#include "schemas.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SUFFIX ".schema.json"

struct entry {
	char *name;
	jsonschema *schema;
};

struct schema_registry {
	struct entry *entries;
	size_t n, cap;
};

static int add(struct schema_registry *reg, const char *name, jsonschema *s)
{
	if (reg->n == reg->cap) {
		size_t ncap = reg->cap ? reg->cap * 2 : 16;
		struct entry *e = realloc(reg->entries, ncap * sizeof(*e));

		if (!e)
			return LL_ENOMEM;
		reg->entries = e;
		reg->cap = ncap;
	}
	reg->entries[reg->n].name = strdup(name);
	if (!reg->entries[reg->n].name)
		return LL_ENOMEM;
	reg->entries[reg->n++].schema = s;
	return 0;
}

static int load_dir(struct schema_registry *reg, const char *root, const char *rel,
	char *err, size_t errlen)
{
	char path[4096];
	DIR *d;
	struct dirent *de;
	int rc = 0;

	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "cannot open schema directory %s", path);
		return LL_EIO;
	}
	while (rc == 0 && (de = readdir(d))) {
		char child[4096], full[4096 + 256];
		struct stat st;
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, child);
		if (stat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = load_dir(reg, root, child, err, errlen);
		} else if (len > strlen(SUFFIX) && strcmp(de->d_name + len - strlen(SUFFIX), SUFFIX) == 0) {
			jsonschema *s = NULL;
			jsonschema_error serr;

			rc = jsonschema_load_file(full, &s, &serr);
			if (rc != 0) {
				snprintf(err, errlen, "%s: %s%s%s", full, serr.pointer,
					serr.pointer[0] ? ": " : "", serr.message);
				break;
			}
			child[strlen(child) - strlen(SUFFIX)] = '\0';
			rc = add(reg, child, s);
			if (rc != 0)
				jsonschema_free(s);
		}
	}
	closedir(d);
	return rc;
}

int schema_registry_load(const char *dir, struct schema_registry **out, char *err, size_t errlen)
{
	struct schema_registry *reg = calloc(1, sizeof(*reg));
	int rc;

	*out = NULL;
	if (!reg)
		return LL_ENOMEM;
	rc = load_dir(reg, dir, "", err, errlen);
	if (rc != 0) {
		schema_registry_free(reg);
		return rc;
	}
	*out = reg;
	return 0;
}

void schema_registry_free(struct schema_registry *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n; i++) {
		free(reg->entries[i].name);
		jsonschema_free(reg->entries[i].schema);
	}
	free(reg->entries);
	free(reg);
}

const jsonschema *schema_registry_get(const struct schema_registry *reg, const char *name)
{
	for (size_t i = 0; reg && i < reg->n; i++)
		if (strcmp(reg->entries[i].name, name) == 0)
			return reg->entries[i].schema;
	return NULL;
}

size_t schema_registry_count(const struct schema_registry *reg)
{
	return reg ? reg->n : 0;
}

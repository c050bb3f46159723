/*
 * monitor_config — the targets from the config's "monitor" section. The
 * schema (schemas/monitor.schema.json) has already said yes to the shape
 * when the config was loaded; this file checks it again as it reads (the
 * monitor must never trust a json_t blindly) and checks what a schema
 * cannot say: unique names, known dependencies, no cycles, timeout_ms <=
 * interval_ms, addresses that resolve.
 */
#include "monitor_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MONITOR_TARGETS_MAX 256

/* The tunables a target takes from "defaults" unless it sets its own. */
struct params {
	int interval_ms, timeout_ms;
	struct tstate_params ts;
};

static const char *const kinds[] = { "his-core", "his-db", "lis", "pacs", "emr",
	"insurance", "other", NULL };

static const char *const target_keys[] = { "name", "title_zh", "title_en", "kind", "core",
	"depends_on", "probes", NULL };

static const char *const param_keys[] = { "interval_ms", "timeout_ms", "fail_threshold",
	"recover_threshold", "window", "false_alarm_probability", "flap_window_s",
	"flap_changes", "loss_memory", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static int read_int(const json_t *obj, const char *key, long lo, long hi, int *out,
	const char *where, char *err, size_t errlen)
{
	long v = *out;

	if (probe_json_int(obj, key, lo, hi, &v, where, err, errlen) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* Override p with whatever tunables obj sets. */
static int read_params(const json_t *obj, struct params *p, const char *where,
	char *err, size_t errlen)
{
	const json_t *alpha = json_object_get(obj, "false_alarm_probability");
	int flap_s = (int)(p->ts.flap_window_ms / 1000);

	if (read_int(obj, "interval_ms", 100, 86400000, &p->interval_ms, where, err, errlen) ||
	    read_int(obj, "timeout_ms", 50, 600000, &p->timeout_ms, where, err, errlen) ||
	    read_int(obj, "fail_threshold", 1, 100, &p->ts.fail_threshold, where, err, errlen) ||
	    read_int(obj, "recover_threshold", 1, 100, &p->ts.recover_threshold, where, err, errlen) ||
	    read_int(obj, "window", 1, TSTATE_WINDOW_MAX, &p->ts.window, where, err, errlen) ||
	    read_int(obj, "flap_window_s", 1, 86400, &flap_s, where, err, errlen) ||
	    read_int(obj, "flap_changes", 2, TSTATE_FLAP_MAX, &p->ts.flap_changes, where, err, errlen) ||
	    read_int(obj, "loss_memory", 10, 1000000, &p->ts.loss_memory, where, err, errlen))
		return -1;
	p->ts.flap_window_ms = (int64_t)flap_s * 1000;
	if (alpha != NULL) {
		if (!json_is_number(alpha) || !(json_number_value(alpha) >= 1e-12) ||
		    !(json_number_value(alpha) <= 0.1)) {
			snprintf(err, errlen, "%s/false_alarm_probability: must be a number "
				"1e-12..0.1", where);
			return -1;
		}
		p->ts.false_alarm_probability = json_number_value(alpha);
	}
	return 0;
}

static int check_keys(const json_t *obj, const char *const *a, const char *const *b,
	const char *where, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		if (!in_list(key, a) && (b == NULL || !in_list(key, b))) {
			snprintf(err, errlen, "%s/%s: unknown key", where, key);
			return -1;
		}
	}
	return 0;
}

static bool name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || s[0] == '-' || s[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static int opt_string(const json_t *obj, const char *key, const char *dflt, char **out,
	const char *where, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	if (v != NULL && (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > 200)) {
		snprintf(err, errlen, "%s/%s: must be a string of 1..200 bytes", where, key);
		return -1;
	}
	*out = strdup(v ? json_string_value(v) : dflt);
	return *out ? 0 : -1;
}

void monitor_target_release(struct monitor_target *t)
{
	free(t->name);
	free(t->title_zh);
	free(t->title_en);
	free(t->kind);
	free(t->deps);
	for (size_t i = 0; i < t->nprobes; i++)
		probe_spec_free(t->probes[i]);
	free(t->probes);
}

static int load_target(monitor *m, size_t i, const json_t *obj, const struct params *dflt,
	char *err, size_t errlen)
{
	struct monitor_target *t = &m->targets[i];
	const json_t *name = json_object_get(obj, "name"), *probes, *core;
	struct params p = *dflt;
	char where[128], pwhere[160];
	const char *kind;

	snprintf(where, sizeof(where), "targets/%zu", i);
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return -1;
	}
	if (!json_is_string(name) || !name_valid(json_string_value(name))) {
		snprintf(err, errlen, "%s/name: required, 1..32 of a-z 0-9 - _, starting "
			"with a letter or digit", where);
		return -1;
	}
	snprintf(where, sizeof(where), "targets/%zu (%s)", i, json_string_value(name));
	for (size_t j = 0; j < i; j++) {
		if (strcmp(m->targets[j].name, json_string_value(name)) == 0) {
			snprintf(err, errlen, "%s/name: also the name of targets/%zu", where, j);
			return -1;
		}
	}
	t->m = m;
	t->last_latency_ms = -1;
	if (check_keys(obj, target_keys, param_keys, where, err, errlen) != 0 ||
	    opt_string(obj, "name", "", &t->name, where, err, errlen) != 0 ||
	    opt_string(obj, "title_zh", t->name, &t->title_zh, where, err, errlen) != 0 ||
	    opt_string(obj, "title_en", t->name, &t->title_en, where, err, errlen) != 0 ||
	    opt_string(obj, "kind", "other", &t->kind, where, err, errlen) != 0 ||
	    read_params(obj, &p, where, err, errlen) != 0)
		return -1;
	kind = t->kind;
	if (!in_list(kind, kinds)) {
		snprintf(err, errlen, "%s/kind: \"%s\" is not one of his-core, his-db, lis, "
			"pacs, emr, insurance, other", where, kind);
		return -1;
	}
	core = json_object_get(obj, "core");
	if (core != NULL && !json_is_boolean(core)) {
		snprintf(err, errlen, "%s/core: must be true or false", where);
		return -1;
	}
	t->core = json_is_true(core);
	if (p.timeout_ms > p.interval_ms) {
		snprintf(err, errlen, "%s: timeout_ms %d exceeds interval_ms %d", where,
			p.timeout_ms, p.interval_ms);
		return -1;
	}
	if (tstate_params_check(&p.ts, pwhere, sizeof(pwhere)) != 0) {
		snprintf(err, errlen, "%s: %s", where, pwhere);
		return -1;
	}
	t->interval_ms = p.interval_ms;
	t->timeout_ms = p.timeout_ms;
	tstate_init(&t->ts, &p.ts);
	probes = json_object_get(obj, "probes");
	if (!json_is_array(probes) || json_array_size(probes) == 0 || json_array_size(probes) > 16) {
		snprintf(err, errlen, "%s/probes: an array of 1..16 probes is required", where);
		return -1;
	}
	t->probes = calloc(json_array_size(probes), sizeof(*t->probes));
	if (t->probes == NULL)
		return -1;
	for (size_t j = 0; j < json_array_size(probes); j++) {
		snprintf(pwhere, sizeof(pwhere), "%s/probes/%zu", where, j);
		if (probe_spec_new(json_array_get(probes, j), t->name, pwhere, &t->probes[j],
			err, errlen) != 0)
			return -1;
		t->nprobes++;
	}
	return 0;
}

static int find_target(const monitor *m, const char *name)
{
	for (size_t i = 0; i < m->ntargets; i++)
		if (strcmp(m->targets[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int load_deps(monitor *m, size_t i, const json_t *obj, char *err, size_t errlen)
{
	struct monitor_target *t = &m->targets[i];
	const json_t *deps = json_object_get(obj, "depends_on");

	if (deps == NULL)
		return 0;
	if (!json_is_array(deps)) {
		snprintf(err, errlen, "targets/%zu (%s)/depends_on: must be an array of names",
			i, t->name);
		return -1;
	}
	t->deps = calloc(json_array_size(deps) + 1, sizeof(*t->deps));
	if (t->deps == NULL)
		return -1;
	for (size_t j = 0; j < json_array_size(deps); j++) {
		const json_t *d = json_array_get(deps, j);
		int k = json_is_string(d) ? find_target(m, json_string_value(d)) : -1;

		if (k < 0) {
			snprintf(err, errlen, "targets/%zu (%s)/depends_on/%zu: unknown target \"%s\"",
				i, t->name, j, json_is_string(d) ? json_string_value(d) : "?");
			return -1;
		}
		for (size_t x = 0; x < t->ndeps; x++) {
			if (t->deps[x] == (size_t)k) {
				snprintf(err, errlen, "targets/%zu (%s)/depends_on/%zu: \"%s\" is "
					"named twice", i, t->name, j, json_string_value(d));
				return -1;
			}
		}
		t->deps[t->ndeps++] = (size_t)k;
	}
	return 0;
}

/* Depth-first search; color 0 new, 1 on the path, 2 done. path holds the stack. */
static int find_cycle(const monitor *m, size_t i, unsigned char *color, size_t *path,
	size_t depth, char *err, size_t errlen)
{
	const struct monitor_target *t = &m->targets[i];

	color[i] = 1;
	path[depth] = i;
	for (size_t d = 0; d < t->ndeps; d++) {
		size_t k = t->deps[d];

		if (color[k] == 1) {
			size_t start = 0, n;

			while (path[start] != k)
				start++;
			n = (size_t)snprintf(err, errlen, "dependency cycle: ");
			for (size_t x = start; x <= depth && n < errlen; x++)
				n += (size_t)snprintf(err + n, errlen - n, "%s -> ",
					m->targets[path[x]].name);
			if (n < errlen)
				snprintf(err + n, errlen - n, "%s", m->targets[k].name);
			return -1;
		}
		if (color[k] == 0 && find_cycle(m, k, color, path, depth + 1, err, errlen) != 0)
			return -1;
	}
	color[i] = 2;
	return 0;
}

int monitor_config_load(monitor *m, const json_t *config, char *err, size_t errlen)
{
	static const char *const top_keys[] = { "defaults", "targets", NULL };
	const json_t *defaults, *targets;
	struct params dflt = { .interval_ms = 5000, .timeout_ms = 2000 };
	unsigned char *color;
	size_t *path;
	int rc;

	tstate_params_default(&dflt.ts);
	if (!json_is_object(config)) {
		snprintf(err, errlen, "monitor: must be an object");
		return -1;
	}
	if (check_keys(config, top_keys, NULL, "monitor", err, errlen) != 0)
		return -1;
	defaults = json_object_get(config, "defaults");
	if (defaults != NULL && (!json_is_object(defaults) ||
	    check_keys(defaults, param_keys, NULL, "defaults", err, errlen) != 0 ||
	    read_params(defaults, &dflt, "defaults", err, errlen) != 0)) {
		if (!json_is_object(defaults))
			snprintf(err, errlen, "defaults: must be an object");
		return -1;
	}
	targets = json_object_get(config, "targets");
	if (!json_is_array(targets) || json_array_size(targets) > MONITOR_TARGETS_MAX) {
		snprintf(err, errlen, "targets: an array of at most %d targets is required",
			MONITOR_TARGETS_MAX);
		return -1;
	}
	m->targets = calloc(json_array_size(targets) + 1, sizeof(*m->targets));
	if (m->targets == NULL)
		return -1;
	for (size_t i = 0; i < json_array_size(targets); i++) {
		m->ntargets = i + 1; /* so that a half-built target is released */
		if (load_target(m, i, json_array_get(targets, i), &dflt, err, errlen) != 0)
			return -1;
	}
	for (size_t i = 0; i < m->ntargets; i++)
		if (load_deps(m, i, json_array_get(targets, i), err, errlen) != 0)
			return -1;
	color = calloc(m->ntargets + 1, 1);
	path = calloc(m->ntargets + 1, sizeof(*path));
	rc = color && path ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < m->ntargets; i++)
		if (color[i] == 0)
			rc = find_cycle(m, i, color, path, 0, err, errlen);
	free(color);
	free(path);
	return rc;
}

/* fhir_search — the search parameters his-sim serves (see fhir_search.h). */
#include "fhir_search.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FHIR_PATH_STEP_MAX 64
#define FHIR_REF_MAX 256

const char *const fhir_types[] = {
	"Organization", "Location", "Patient", "Encounter", "Coverage", "Condition",
	"AllergyIntolerance", "MedicationRequest", "Medication", "ChargeItemDefinition",
};
const size_t fhir_n_types = sizeof(fhir_types) / sizeof(fhir_types[0]);

/* Names and paths as in FHIR R4's own search parameters for these types. */
const struct fhir_param fhir_params[] = {
	{ NULL, "_id", FHIR_TOKEN, "id", NULL },

	{ "Organization", "identifier", FHIR_TOKEN, "identifier", NULL },
	{ "Organization", "type", FHIR_TOKEN, "type", NULL },
	{ "Organization", "partof", FHIR_REFERENCE, "partOf", "Organization" },

	{ "Location", "identifier", FHIR_TOKEN, "identifier", NULL },
	{ "Location", "type", FHIR_TOKEN, "type", NULL },
	{ "Location", "status", FHIR_TOKEN, "status", NULL },
	{ "Location", "operational-status", FHIR_TOKEN, "operationalStatus", NULL },
	{ "Location", "partof", FHIR_REFERENCE, "partOf", "Location" },
	{ "Location", "organization", FHIR_REFERENCE, "managingOrganization", "Organization" },

	{ "Patient", "identifier", FHIR_TOKEN, "identifier", NULL },
	{ "Patient", "gender", FHIR_TOKEN, "gender", NULL },

	{ "Encounter", "identifier", FHIR_TOKEN, "identifier", NULL },
	{ "Encounter", "status", FHIR_TOKEN, "status", NULL },
	{ "Encounter", "class", FHIR_TOKEN, "class", NULL },
	{ "Encounter", "patient", FHIR_REFERENCE, "subject", "Patient" },
	{ "Encounter", "subject", FHIR_REFERENCE, "subject", "Patient" },
	{ "Encounter", "location", FHIR_REFERENCE, "location.location", "Location" },
	{ "Encounter", "service-provider", FHIR_REFERENCE, "serviceProvider", "Organization" },
	{ "Encounter", "diagnosis", FHIR_REFERENCE, "diagnosis.condition", "Condition" },

	{ "Coverage", "status", FHIR_TOKEN, "status", NULL },
	{ "Coverage", "type", FHIR_TOKEN, "type", NULL },
	{ "Coverage", "beneficiary", FHIR_REFERENCE, "beneficiary", "Patient" },
	{ "Coverage", "patient", FHIR_REFERENCE, "beneficiary", "Patient" },
	{ "Coverage", "payor", FHIR_REFERENCE, "payor", NULL },

	{ "Condition", "code", FHIR_TOKEN, "code", NULL },
	{ "Condition", "category", FHIR_TOKEN, "category", NULL },
	{ "Condition", "clinical-status", FHIR_TOKEN, "clinicalStatus", NULL },
	{ "Condition", "patient", FHIR_REFERENCE, "subject", "Patient" },
	{ "Condition", "subject", FHIR_REFERENCE, "subject", "Patient" },
	{ "Condition", "encounter", FHIR_REFERENCE, "encounter", "Encounter" },

	{ "AllergyIntolerance", "code", FHIR_TOKEN, "code", NULL },
	{ "AllergyIntolerance", "category", FHIR_TOKEN, "category", NULL },
	{ "AllergyIntolerance", "clinical-status", FHIR_TOKEN, "clinicalStatus", NULL },
	{ "AllergyIntolerance", "patient", FHIR_REFERENCE, "patient", "Patient" },

	{ "MedicationRequest", "identifier", FHIR_TOKEN, "identifier", NULL },
	{ "MedicationRequest", "status", FHIR_TOKEN, "status", NULL },
	{ "MedicationRequest", "intent", FHIR_TOKEN, "intent", NULL },
	{ "MedicationRequest", "category", FHIR_TOKEN, "category", NULL },
	{ "MedicationRequest", "patient", FHIR_REFERENCE, "subject", "Patient" },
	{ "MedicationRequest", "subject", FHIR_REFERENCE, "subject", "Patient" },
	{ "MedicationRequest", "encounter", FHIR_REFERENCE, "encounter", "Encounter" },
	{ "MedicationRequest", "medication", FHIR_REFERENCE, "medicationReference", "Medication" },

	{ "Medication", "code", FHIR_TOKEN, "code", NULL },
	{ "Medication", "status", FHIR_TOKEN, "status", NULL },

	{ "ChargeItemDefinition", "identifier", FHIR_TOKEN, "identifier", NULL },
	{ "ChargeItemDefinition", "status", FHIR_TOKEN, "status", NULL },
};
const size_t fhir_n_params = sizeof(fhir_params) / sizeof(fhir_params[0]);

int fhir_type_index(const char *type)
{
	for (size_t i = 0; i < fhir_n_types; i++) {
		if (strcmp(fhir_types[i], type) == 0)
			return (int)i;
	}
	return -1;
}

const struct fhir_param *fhir_param_find(const char *type, const char *name)
{
	for (size_t i = 0; i < fhir_n_params; i++) {
		const struct fhir_param *p = &fhir_params[i];
		if ((p->type == NULL || strcmp(p->type, type) == 0) && strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

/* ---- walking a path -------------------------------------------------------- */

typedef bool (*fhir_leaf_fn)(const json_t *leaf, void *arg);

/* Calls fn on every node path leads to; true as soon as fn says true. */
static bool fhir_walk(const json_t *node, const char *path, fhir_leaf_fn fn, void *arg)
{
	char key[FHIR_PATH_STEP_MAX];
	const char *dot;
	size_t len;

	if (json_is_array(node)) {
		size_t i;
		json_t *item;

		json_array_foreach(node, i, item) {
			if (fhir_walk(item, path, fn, arg))
				return true;
		}
		return false;
	}
	if (*path == '\0')
		return fn(node, arg);
	dot = strchr(path, '.');
	len = dot != NULL ? (size_t)(dot - path) : strlen(path);
	if (len >= sizeof(key))
		return false;
	memcpy(key, path, len);
	key[len] = '\0';
	node = json_object_get(node, key);
	return node != NULL && fhir_walk(node, dot != NULL ? dot + 1 : "", fn, arg);
}

/* ---- tokens ---------------------------------------------------------------- */

/* One alternative of a token value, as slices of the query. */
struct fhir_token {
	bool has_system;
	const char *system, *code;
	size_t system_len, code_len;
};

static void fhir_token_read(const char *s, size_t len, struct fhir_token *t)
{
	const char *bar = memchr(s, '|', len);

	t->has_system = bar != NULL;
	t->system = s;
	t->system_len = bar != NULL ? (size_t)(bar - s) : 0;
	t->code = bar != NULL ? bar + 1 : s;
	t->code_len = bar != NULL ? len - t->system_len - 1 : len;
}

static bool fhir_slice_equal(const char *want, size_t len, const char *have)
{
	return have != NULL && strlen(have) == len && memcmp(want, have, len) == 0;
}

/* A system and code found in the resource against one token alternative. */
static bool fhir_token_pair(const struct fhir_token *t, const char *system, const char *code)
{
	if (t->has_system && t->system_len == 0 && system != NULL)
		return false; /* |code: only codes without a system */
	if (t->has_system && t->system_len > 0 && !fhir_slice_equal(t->system, t->system_len, system))
		return false;
	if (t->has_system && t->code_len == 0)
		return true; /* system|: any code of the system */
	return fhir_slice_equal(t->code, t->code_len, code);
}

static bool fhir_token_leaf(const json_t *leaf, void *arg)
{
	const struct fhir_token *t = arg;
	json_t *codings = json_object_get(leaf, "coding");

	if (json_is_string(leaf)) /* a code: its system is implied, so only the code counts */
		return fhir_slice_equal(t->code, t->code_len, json_string_value(leaf));
	if (codings != NULL)
		return fhir_walk(codings, "", fhir_token_leaf, arg);
	if (json_object_get(leaf, "code") != NULL)
		return fhir_token_pair(t, json_string_value(json_object_get(leaf, "system")),
		    json_string_value(json_object_get(leaf, "code")));
	if (json_object_get(leaf, "value") != NULL)
		return fhir_token_pair(t, json_string_value(json_object_get(leaf, "system")),
		    json_string_value(json_object_get(leaf, "value")));
	return false;
}

/* ---- references ------------------------------------------------------------ */

/* One alternative of a reference value: "Type/id", or "/id" for a bare id of any type. */
struct fhir_refwant {
	char text[FHIR_REF_MAX];
	bool suffix;
};

static bool fhir_refwant_read(const struct fhir_param *p, const char *s, size_t len,
    struct fhir_refwant *w)
{
	const char *scheme = NULL, *slash;
	int n;

	for (size_t i = 0; i + 2 < len; i++) {
		if (memcmp(s + i, "://", 3) == 0) {
			scheme = s + i;
			break;
		}
	}
	if (scheme != NULL) {
		/* An absolute URL: its last two segments. */
		size_t slashes = 0;
		const char *cut = s + len;

		while (cut > scheme + 3 && slashes < 2) {
			cut--;
			if (*cut == '/')
				slashes++;
		}
		if (slashes < 2)
			return false;
		len -= (size_t)(cut + 1 - s);
		s = cut + 1;
	}
	slash = memchr(s, '/', len);
	w->suffix = slash == NULL && p->target == NULL;
	if (slash != NULL || w->suffix)
		n = snprintf(w->text, sizeof(w->text), "%s%.*s", w->suffix ? "/" : "", (int)len, s);
	else
		n = snprintf(w->text, sizeof(w->text), "%s/%.*s", p->target, (int)len, s);
	return n > 0 && (size_t)n < sizeof(w->text);
}

static bool fhir_reference_leaf(const json_t *leaf, void *arg)
{
	const struct fhir_refwant *w = arg;
	const char *ref = json_string_value(json_object_get(leaf, "reference"));
	size_t len, want;

	if (ref == NULL)
		return false;
	if (!w->suffix)
		return strcmp(ref, w->text) == 0;
	len = strlen(ref);
	want = strlen(w->text);
	return len > want && strcmp(ref + len - want, w->text) == 0;
}

/* ---- matching -------------------------------------------------------------- */

static bool fhir_term_matches(const struct fhir_term *term, const json_t *resource)
{
	const char *s = term->value;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);

		if (term->param->kind == FHIR_TOKEN) {
			struct fhir_token t;

			fhir_token_read(s, len, &t);
			if (fhir_walk(resource, term->param->path, fhir_token_leaf, &t))
				return true;
		} else {
			struct fhir_refwant w;

			if (fhir_refwant_read(term->param, s, len, &w) &&
			    fhir_walk(resource, term->param->path, fhir_reference_leaf, &w))
				return true;
		}
		if (comma == NULL)
			return false;
		s = comma + 1;
	}
}

bool fhir_query_matches(const struct fhir_query *q, const json_t *resource)
{
	for (size_t i = 0; i < q->n_terms; i++) {
		if (!fhir_term_matches(&q->terms[i], resource))
			return false;
	}
	return true;
}

struct fhir_refs_walk {
	fhir_ref_fn fn;
	void *arg;
};

static bool fhir_refs_leaf(const json_t *leaf, void *arg)
{
	const struct fhir_refs_walk *rw = arg;
	const char *ref = json_string_value(json_object_get(leaf, "reference"));

	return ref != NULL && !rw->fn(ref, rw->arg);
}

void fhir_param_references(const struct fhir_param *p, const json_t *resource,
    fhir_ref_fn fn, void *arg)
{
	struct fhir_refs_walk rw = { fn, arg };

	fhir_walk(resource, p->path, fhir_refs_leaf, &rw);
}

/* ---- parsing --------------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static int fhir_fail(struct fhir_error *err, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -1;
}

static int fhir_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Form-decodes s in place (+ is a space); -1 on a bad escape or an encoded NUL. */
static int fhir_decode(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			*out++ = ' ';
		} else if (*s == '%') {
			int hi = fhir_hex(s[1]), lo = hi >= 0 ? fhir_hex(s[2]) : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*out++ = (char)(hi * 16 + lo);
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
	return 0;
}

static bool fhir_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			v = max + 1; /* stays too large, never wraps */
	}
	*out = v;
	return true;
}

static int fhir_parse_include(struct fhir_query *q, const char *value, struct fhir_error *err)
{
	char buf[128], *param, *target;
	const struct fhir_param *p;

	if (strlen(value) >= sizeof(buf))
		return fhir_fail(err, 400, "invalid", "_include '%.64s...' is too long", value);
	memcpy(buf, value, strlen(value) + 1);
	param = strchr(buf, ':');
	if (param == NULL)
		return fhir_fail(err, 400, "invalid",
		    "_include wants Type:parameter, as in Encounter:patient, not '%s'", value);
	*param++ = '\0';
	target = strchr(param, ':');
	if (target != NULL)
		*target++ = '\0';
	if (strcmp(buf, q->type) != 0)
		return fhir_fail(err, 400, "invalid",
		    "_include=%s names another type than the one searched (%s)", value, q->type);
	p = fhir_param_find(q->type, param);
	if (p == NULL || p->kind != FHIR_REFERENCE)
		return fhir_fail(err, 400, "not-supported",
		    "_include=%s: %s has no reference search parameter '%s'", value, q->type, param);
	if (target != NULL && (p->target == NULL || strcmp(target, p->target) != 0))
		return fhir_fail(err, 400, "not-supported",
		    "_include=%s: %s:%s does not refer to %s here", value, q->type, param, target);
	if (q->n_includes == FHIR_INCLUDES_MAX)
		return fhir_fail(err, 400, "too-costly", "at most %d _include", FHIR_INCLUDES_MAX);
	q->includes[q->n_includes++] = p;
	return 0;
}

/* The _-parameters other than _id. 1: handled, 0: not one of them, -1: error. */
static int fhir_parse_control(struct fhir_query *q, const char *name, const char *value,
    struct fhir_error *err)
{
	unsigned long n;

	if (strcmp(name, "_count") == 0) {
		if (!fhir_parse_uint(value, FHIR_COUNT_MAX, &n))
			return fhir_fail(err, 400, "invalid",
			    "_count must be a whole number, not '%.64s'", value);
		q->count = n > FHIR_COUNT_MAX ? FHIR_COUNT_MAX : (unsigned)n;
	} else if (strcmp(name, "_offset") == 0) {
		if (!fhir_parse_uint(value, FHIR_OFFSET_MAX, &n) || n > FHIR_OFFSET_MAX)
			return fhir_fail(err, 400, "invalid",
			    "_offset must be a whole number up to %u, not '%.64s'", FHIR_OFFSET_MAX, value);
		q->offset = n;
	} else if (strcmp(name, "_include") == 0) {
		return fhir_parse_include(q, value, err) == 0 ? 1 : -1;
	} else if (strcmp(name, "_summary") == 0) {
		if (strcmp(value, "count") != 0 && strcmp(value, "false") != 0)
			return fhir_fail(err, 400, "not-supported",
			    "_summary=%.64s is not supported (count or false)", value);
		q->summary_count = strcmp(value, "count") == 0;
	} else if (strcmp(name, "_format") == 0) {
		if (strcmp(value, "json") != 0 && strcmp(value, "application/json") != 0 &&
		    strcmp(value, "application/fhir+json") != 0)
			return fhir_fail(err, 406, "not-supported",
			    "_format=%.64s: this server speaks JSON only", value);
	} else if (strcmp(name, "_total") != 0 && strcmp(name, "_pretty") != 0) {
		return 0;
	}
	return 1;
}

static int fhir_parse_pair(struct fhir_query *q, char *pair, struct fhir_error *err)
{
	char *eq = strchr(pair, '='), *name = pair;
	char *value = eq != NULL ? eq + 1 : pair + strlen(pair); /* "name" alone: an empty value */
	const struct fhir_param *p;
	int rc;

	if (eq != NULL)
		*eq = '\0';
	if (fhir_decode(name) != 0 || fhir_decode(value) != 0)
		return fhir_fail(err, 400, "invalid",
		    "the query string has a bad %%-escape near '%.64s'", name);
	if (*value == '\0')
		return fhir_fail(err, 400, "invalid", "parameter '%.64s' has no value", name);
	rc = fhir_parse_control(q, name, value, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (strchr(name, ':') != NULL)
		return fhir_fail(err, 400, "not-supported",
		    "search modifiers are not supported ('%.64s')", name);
	p = fhir_param_find(q->type, name);
	if (p == NULL)
		return fhir_fail(err, 400, "not-supported",
		    "unknown search parameter '%.64s' for %s (see /fhir/metadata)", name, q->type);
	if (q->n_terms == FHIR_TERMS_MAX)
		return fhir_fail(err, 400, "too-costly", "at most %d search parameters",
		    FHIR_TERMS_MAX);
	q->terms[q->n_terms].param = p;
	q->terms[q->n_terms].value = value;
	q->n_terms++;
	return 0;
}

int fhir_query_parse(struct fhir_query *q, const char *type, const char *raw,
    struct fhir_error *err)
{
	char *save = NULL, *pair;

	memset(q, 0, sizeof(*q));
	q->type = type;
	q->count = FHIR_COUNT_DEFAULT;
	q->buf = strdup(raw != NULL ? raw : "");
	if (q->buf == NULL)
		return fhir_fail(err, 500, "exception", "out of memory");
	for (pair = strtok_r(q->buf, "&", &save); pair != NULL; pair = strtok_r(NULL, "&", &save)) {
		if (fhir_parse_pair(q, pair, err) != 0) {
			fhir_query_clear(q);
			return -1;
		}
	}
	return 0;
}

void fhir_query_clear(struct fhir_query *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}

#include "jsonschema.h"

#include <locale.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonschema_format.h"

#define MAX_SCHEMA_NESTING 128 /* compile: deeper schemas are refused */
#define MAX_REF_HOPS 64        /* validate: $ref jumps on one path */
#define MAX_DEPTH 256          /* validate: nested checks on one path */
#define MAX_STEPS 1000000      /* validate: checks in one call */

enum {
	T_NULL = 1, T_BOOLEAN = 2, T_OBJECT = 4, T_ARRAY = 8,
	T_NUMBER = 16, T_INTEGER = 32, T_STRING = 64,
};

/* In the order an error message lists them. */
static const struct {
	const char *name, *phrase;
	unsigned bit;
} type_names[] = {
	{ "string", "a string", T_STRING },
	{ "number", "a number", T_NUMBER },
	{ "integer", "an integer", T_INTEGER },
	{ "boolean", "a boolean", T_BOOLEAN },
	{ "object", "an object", T_OBJECT },
	{ "array", "an array", T_ARRAY },
	{ "null", "null", T_NULL },
};

#define NTYPES (sizeof type_names / sizeof type_names[0])

enum { OF_ALL, OF_ANY, OF_ONE, OF_COUNT };
enum { B_MIN, B_MAX, B_XMIN, B_XMAX, B_COUNT };
enum format { F_NONE, F_DATE, F_DATE_TIME };

static const char *const of_names[OF_COUNT] = { "allOf", "anyOf", "oneOf" };
static const char *const bound_names[B_COUNT] = {
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
};

struct prop {
	const char *key;
	size_t len;
	struct node *schema;
};

/*
 * One compiled (sub)schema. json_t pointers are borrowed from the document
 * the jsonschema holds; strings and arrays are owned.
 */
struct node {
	json_t *json;             /* where this schema sits in the document */
	int boolean;              /* 0/1 for the schemas false/true, -1 for an object */
	json_t *ref_target;       /* $ref: the value it points at... */
	char *ref_where;          /* ...the $ref's own schema pointer, for errors... */
	struct node *ref;         /* ...and the node compiled from the target */
	unsigned types;           /* T_* bits; 0 = no "type" */
	json_t *enum_values, *const_value;
	char *enum_msg, *const_msg;
	size_t min_length, max_length, min_items, max_items; /* max: SIZE_MAX = none */
	regex_t *re;
	char *pattern_msg;
	enum format format;
	json_t *bound[B_COUNT];
	char *bound_msg[B_COUNT];
	json_t *props_obj;
	struct prop *props;
	size_t nprops;
	json_t *required;
	struct node *additional;
	struct node *items;       /* one schema for every item... */
	struct node **tuple;      /* ...or one per position (items: [...]) */
	size_t ntuple;
	bool unique;
	struct node **of[OF_COUNT];
	size_t nof[OF_COUNT];
	struct node *negated;
};

struct jsonschema {
	json_t *doc;
	locale_t loc;             /* C.UTF-8 for regcomp/regexec ("C" if missing) */
	bool utf8;
	struct node *root;
	struct node **nodes;      /* every node, owned; $ref targets are found here */
	size_t nnodes, cap;
};

/* A step of a JSON pointer, kept on the stack while descending. */
struct path {
	const struct path *up;
	const char *key;          /* NULL: an array index */
	size_t len;
	size_t index;
};

/* ---- error text ----------------------------------------------------------- */

static void pointer_write(const struct path *p, char *buf, size_t size, size_t *at)
{
	char num[24];

	if (!p)
		return;
	pointer_write(p->up, buf, size, at);
	if (p->key)
		jsonschema_pointer_append(buf, size, at, p->key, p->len);
	else
		jsonschema_pointer_append(buf, size, at, num,
			(size_t)snprintf(num, sizeof num, "%zu", p->index));
}

/* The pointer of p; cut on a character boundary if too long. */
static void pointer_format(const struct path *p, char *buf, size_t size)
{
	size_t at = 0;

	buf[0] = '\0';
	pointer_write(p, buf, size, &at);
	jsonschema_utf8_trim(buf, at);
}

static void error_vset(jsonschema_error *e, const struct path *p, const char *keyword,
	const char *fmt, va_list ap)
{
	pointer_format(p, e->pointer, sizeof e->pointer);
	snprintf(e->keyword, sizeof e->keyword, "%s", keyword);
	jsonschema_utf8_trim(e->keyword, strlen(e->keyword));
	if (vsnprintf(e->message, sizeof e->message, fmt, ap) >= (int)sizeof e->message)
		jsonschema_utf8_trim(e->message, sizeof e->message - 1);
}

/* ---- compiling -------------------------------------------------------------- */

struct compiler {
	jsonschema *s;
	jsonschema_error *err;
	const char *id_base;      /* root $id without its fragment */
	size_t id_base_len;
};

/* What a keyword handler is given: the keyword, its value, where it is. */
struct kwarg {
	const char *kw;
	json_t *v;
	const struct path *p;
	unsigned depth;
};

__attribute__((format(printf, 5, 6)))
static int fail(struct compiler *c, int rc, const struct path *p, const char *keyword,
	const char *fmt, ...)
{
	va_list ap;

	if (c->err) {
		va_start(ap, fmt);
		error_vset(c->err, p, keyword, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int oom(struct compiler *c, const struct path *p)
{
	return fail(c, LL_ENOMEM, p, "", "out of memory");
}

static int compile_schema(struct compiler *c, json_t *j, const struct path *p,
	unsigned depth, struct node **out) LL_MUST_CHECK;

#define MESSAGE_SIZE sizeof ((jsonschema_error *)0)->message

static bool is_draft07(const char *uri)
{
	return strcmp(uri, "http://json-schema.org/draft-07/schema#") == 0
		|| strcmp(uri, "http://json-schema.org/draft-07/schema") == 0
		|| strcmp(uri, "https://json-schema.org/draft-07/schema#") == 0
		|| strcmp(uri, "https://json-schema.org/draft-07/schema") == 0;
}

/* Annotations: their shape is checked, then they are ignored. */
static int kw_annotation(struct compiler *c, struct node *n, const struct kwarg *a)
{
	const char *kw = a->kw;

	(void)n;
	if (strcmp(kw, "default") == 0)
		return LL_OK;
	if (strcmp(kw, "examples") == 0)
		return json_is_array(a->v) ? LL_OK
			: fail(c, LL_EINVAL, a->p, kw, "examples must be an array");
	if (strcmp(kw, "readOnly") == 0 || strcmp(kw, "writeOnly") == 0)
		return json_is_boolean(a->v) ? LL_OK
			: fail(c, LL_EINVAL, a->p, kw, "%s must be true or false", kw);
	if (strcmp(kw, "$id") == 0 && a->depth != 0)
		return fail(c, LL_EUNSUPPORTED, a->p, kw, "$id is only supported at the root of a schema");
	if (!json_is_string(a->v))
		return fail(c, LL_EINVAL, a->p, kw, "%s must be a string", kw);
	if (strcmp(kw, "$schema") == 0 && !is_draft07(json_string_value(a->v)))
		return fail(c, LL_EUNSUPPORTED, a->p, kw, "$schema %s is not supported: only draft-07 is",
			json_string_value(a->v));
	return LL_OK;
}

static int kw_type(struct compiler *c, struct node *n, const struct kwarg *a)
{
	size_t count = json_is_array(a->v) ? json_array_size(a->v) : 1;

	if (!json_is_string(a->v) && !json_is_array(a->v))
		return fail(c, LL_EINVAL, a->p, a->kw, "type must be a string or an array of strings");
	if (count == 0)
		return fail(c, LL_EINVAL, a->p, a->kw, "type must not be an empty array");
	for (size_t i = 0; i < count; i++) {
		const char *name = json_string_value(json_is_array(a->v) ? json_array_get(a->v, i) : a->v);
		size_t k = 0;

		while (name && k < NTYPES && strcmp(name, type_names[k].name) != 0)
			k++;
		if (!name || k == NTYPES)
			return fail(c, LL_EINVAL, a->p, a->kw, "type \"%s\" is not a JSON Schema type",
				name ? name : "(not a string)");
		if (n->types & type_names[k].bit)
			return fail(c, LL_EINVAL, a->p, a->kw, "type \"%s\" is listed twice", name);
		n->types |= type_names[k].bit;
	}
	return LL_OK;
}

/* properties, and definitions: compiled so that errors show and $ref finds them. */
static int kw_properties(struct compiler *c, struct node *n, const struct kwarg *a)
{
	bool defs = strcmp(a->kw, "definitions") == 0;
	const char *key;
	size_t klen;
	json_t *sub;

	if (!json_is_object(a->v))
		return fail(c, LL_EINVAL, a->p, a->kw, "%s must be an object", a->kw);
	if (!defs) {
		n->props_obj = a->v;
		n->props = calloc(json_object_size(a->v) + 1, sizeof *n->props);
		if (!n->props)
			return oom(c, a->p);
	}
	json_object_keylen_foreach(a->v, key, klen, sub) {
		struct path here = { a->p, key, klen, 0 };
		struct node *def, **out = defs ? &def : &n->props[n->nprops].schema;
		int rc = compile_schema(c, sub, &here, a->depth + 1, out);

		if (rc != LL_OK)
			return rc;
		if (!defs)
			n->props[n->nprops++] = (struct prop){ key, klen, *out };
	}
	return LL_OK;
}

static int kw_required(struct compiler *c, struct node *n, const struct kwarg *a)
{
	json_t *v = a->v;

	if (!json_is_array(v))
		return fail(c, LL_EINVAL, a->p, a->kw, "required must be an array of strings");
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (!json_is_string(json_array_get(v, i)))
			return fail(c, LL_EINVAL, a->p, a->kw, "required must be an array of strings");
		for (size_t k = 0; k < i; k++)
			if (jsonschema_equal(json_array_get(v, i), json_array_get(v, k)))
				return fail(c, LL_EINVAL, a->p, a->kw, "required lists \"%s\" twice",
					json_string_value(json_array_get(v, i)));
	}
	n->required = v;
	return LL_OK;
}

static int kw_value(struct compiler *c, struct node *n, const struct kwarg *a)
{
	if (strcmp(a->kw, "const") == 0) {
		n->const_value = a->v;
		n->const_msg = jsonschema_values_text("must be equal to ", a->v, false, MESSAGE_SIZE);
		return n->const_msg ? LL_OK : oom(c, a->p);
	}
	if (!json_is_array(a->v))
		return fail(c, LL_EINVAL, a->p, a->kw, "enum must be an array");
	n->enum_values = a->v;
	n->enum_msg = jsonschema_values_text("must be one of: ", a->v, true, MESSAGE_SIZE);
	return n->enum_msg ? LL_OK : oom(c, a->p);
}

/* minLength, maxLength, minItems, maxItems: a non-negative integer (2.0 counts). */
static int kw_count(struct compiler *c, struct node *n, const struct kwarg *a)
{
	json_t *v = a->v;
	size_t count;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		unsigned long long u = (unsigned long long)json_integer_value(v);

		count = u > SIZE_MAX ? SIZE_MAX : (size_t)u;
	} else if (json_is_real(v) && json_real_value(v) >= 0
			&& jsonschema_is_integral(json_real_value(v))) {
		count = json_real_value(v) >= 18446744073709551615.0 ? SIZE_MAX
			: (size_t)json_real_value(v);
	} else {
		return fail(c, LL_EINVAL, a->p, a->kw, "%s must be a non-negative integer", a->kw);
	}
	*(strcmp(a->kw, "minLength") == 0 ? &n->min_length
		: strcmp(a->kw, "maxLength") == 0 ? &n->max_length
		: strcmp(a->kw, "minItems") == 0 ? &n->min_items : &n->max_items) = count;
	return LL_OK;
}

static int kw_pattern(struct compiler *c, struct node *n, const struct kwarg *a)
{
	const char *pattern = json_string_value(a->v);
	char why[160], *ere;
	locale_t old;
	int rc;

	if (!pattern)
		return fail(c, LL_EINVAL, a->p, a->kw, "pattern must be a string");
	if (!c->s->utf8)
		return fail(c, LL_EUNSUPPORTED, a->p, a->kw,
			"pattern needs the C.UTF-8 locale, which is not installed");
	rc = jsonschema_pattern_to_ere(pattern, json_string_length(a->v), &ere, why, sizeof why);
	if (rc == LL_ENOMEM)
		return oom(c, a->p);
	if (rc != LL_OK)
		return fail(c, rc, a->p, a->kw, "pattern %s: %s", pattern, why);
	n->re = malloc(sizeof *n->re);
	n->pattern_msg = malloc(strlen("must match pattern ") + strlen(pattern) + 1);
	if (!n->re || !n->pattern_msg) {
		free(ere);
		free(n->re);
		n->re = NULL;
		return oom(c, a->p);
	}
	sprintf(n->pattern_msg, "must match pattern %s", pattern);
	old = uselocale(c->s->loc);
	rc = regcomp(n->re, ere, REG_EXTENDED | REG_NOSUB);
	uselocale(old);
	free(ere);
	if (rc != 0) {
		regerror(rc, n->re, why, sizeof why);
		free(n->re);
		n->re = NULL;
		return rc == REG_ESPACE ? oom(c, a->p)
			: fail(c, LL_EINVAL, a->p, a->kw, "pattern %s: %s", pattern, why);
	}
	return LL_OK;
}

static int kw_format(struct compiler *c, struct node *n, const struct kwarg *a)
{
	const char *f = json_string_value(a->v);

	if (!f)
		return fail(c, LL_EINVAL, a->p, a->kw, "format must be a string");
	/* Other formats are annotations only, as draft-07 has it by default. */
	n->format = strcmp(f, "date") == 0 ? F_DATE : strcmp(f, "date-time") == 0 ? F_DATE_TIME : F_NONE;
	return LL_OK;
}

static int kw_bound(struct compiler *c, struct node *n, const struct kwarg *a)
{
	static const char *const phrases[B_COUNT] = {
		"must be at least ", "must be at most ", "must be greater than ", "must be less than ",
	};
	int b = 0;

	while (strcmp(a->kw, bound_names[b]) != 0)
		b++;
	if (json_is_boolean(a->v) && b >= B_XMIN)
		return fail(c, LL_EUNSUPPORTED, a->p, a->kw,
			"%s as a boolean is draft-04; give the bound as a number", a->kw);
	if (!json_is_number(a->v))
		return fail(c, LL_EINVAL, a->p, a->kw, "%s must be a number", a->kw);
	n->bound[b] = a->v;
	n->bound_msg[b] = jsonschema_values_text(phrases[b], a->v, false, MESSAGE_SIZE);
	return n->bound_msg[b] ? LL_OK : oom(c, a->p);
}

/* An array of schemas: allOf, anyOf, oneOf, and items in tuple form. */
static int compile_list(struct compiler *c, const struct kwarg *a, struct node ***out, size_t *n)
{
	*out = calloc(json_array_size(a->v) + 1, sizeof **out);
	if (!*out)
		return oom(c, a->p);
	for (size_t i = 0; i < json_array_size(a->v); i++) {
		struct path here = { a->p, NULL, 0, i };
		int rc = compile_schema(c, json_array_get(a->v, i), &here, a->depth + 1, &(*out)[i]);

		if (rc != LL_OK)
			return rc;
		(*n)++;
	}
	return LL_OK;
}

static int kw_of(struct compiler *c, struct node *n, const struct kwarg *a)
{
	int k = 0;

	while (strcmp(a->kw, of_names[k]) != 0)
		k++;
	if (!json_is_array(a->v) || json_array_size(a->v) == 0)
		return fail(c, LL_EINVAL, a->p, a->kw, "%s must be a non-empty array of schemas", a->kw);
	return compile_list(c, a, &n->of[k], &n->nof[k]);
}

/* items, additionalProperties, not */
static int kw_subschema(struct compiler *c, struct node *n, const struct kwarg *a)
{
	if (strcmp(a->kw, "items") == 0 && json_is_array(a->v))
		return compile_list(c, a, &n->tuple, &n->ntuple);
	return compile_schema(c, a->v, a->p, a->depth + 1,
		strcmp(a->kw, "items") == 0 ? &n->items
		: strcmp(a->kw, "not") == 0 ? &n->negated : &n->additional);
}

static int kw_unique(struct compiler *c, struct node *n, const struct kwarg *a)
{
	if (!json_is_boolean(a->v))
		return fail(c, LL_EINVAL, a->p, a->kw, "uniqueItems must be true or false");
	n->unique = json_is_true(a->v);
	return LL_OK;
}

/* Find what $ref points at now; resolve_refs() finds its node at the end. */
static int kw_ref(struct compiler *c, struct node *n, const struct kwarg *a)
{
	const char *ref = json_string_value(a->v), *frag;
	size_t len = json_string_length(a->v);
	int rc;

	if (!ref)
		return fail(c, LL_EINVAL, a->p, a->kw, "$ref must be a string");
	if (len > 0 && ref[0] == '#')
		frag = ref + 1;
	else if (c->id_base_len && len >= c->id_base_len
			&& memcmp(ref, c->id_base, c->id_base_len) == 0
			&& (len == c->id_base_len || ref[c->id_base_len] == '#'))
		frag = ref + c->id_base_len + (len > c->id_base_len);
	else
		return fail(c, LL_EUNSUPPORTED, a->p, a->kw, "$ref \"%s\" is not supported: "
			"only references inside the schema (\"#\", \"#/definitions/...\") are", ref);
	rc = jsonschema_pointer_get(c->s->doc, frag, len - (size_t)(frag - ref), &n->ref_target);
	if (rc == LL_ENOMEM)
		return oom(c, a->p);
	if (rc == LL_EUNSUPPORTED)
		return fail(c, rc, a->p, a->kw,
			"$ref \"%s\" is not supported: the fragment must be a JSON pointer", ref);
	if (rc != LL_OK)
		return fail(c, rc, a->p, a->kw, "$ref \"%s\" has a bad escape", ref);
	if (!n->ref_target)
		return fail(c, LL_EINVAL, a->p, a->kw, "$ref \"%s\" points at nothing in the schema", ref);
	n->ref_where = malloc(sizeof ((jsonschema_error *)0)->pointer);
	if (!n->ref_where)
		return oom(c, a->p);
	pointer_format(a->p, n->ref_where, sizeof ((jsonschema_error *)0)->pointer);
	return LL_OK;
}

static const struct keyword {
	const char *name;
	int (*fn)(struct compiler *c, struct node *n, const struct kwarg *a);
} keywords[] = {
	{ "$schema", kw_annotation }, { "$id", kw_annotation }, { "$comment", kw_annotation },
	{ "title", kw_annotation }, { "description", kw_annotation }, { "default", kw_annotation },
	{ "examples", kw_annotation }, { "readOnly", kw_annotation }, { "writeOnly", kw_annotation },
	{ "definitions", kw_properties },
	{ "$ref", kw_ref },
	{ "type", kw_type },
	{ "properties", kw_properties },
	{ "required", kw_required },
	{ "additionalProperties", kw_subschema },
	{ "enum", kw_value }, { "const", kw_value },
	{ "minLength", kw_count }, { "maxLength", kw_count },
	{ "pattern", kw_pattern },
	{ "format", kw_format },
	{ "minimum", kw_bound }, { "maximum", kw_bound },
	{ "exclusiveMinimum", kw_bound }, { "exclusiveMaximum", kw_bound },
	{ "items", kw_subschema },
	{ "minItems", kw_count }, { "maxItems", kw_count },
	{ "uniqueItems", kw_unique },
	{ "allOf", kw_of }, { "anyOf", kw_of }, { "oneOf", kw_of },
	{ "not", kw_subschema },
};

static struct node *node_new(jsonschema *s, json_t *j)
{
	struct node *n;

	if (s->nnodes == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct node **nodes = realloc(s->nodes, cap * sizeof *nodes);

		if (!nodes)
			return NULL;
		s->nodes = nodes;
		s->cap = cap;
	}
	n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->json = j;
	n->boolean = json_is_boolean(j) ? json_is_true(j) : -1;
	n->max_length = n->max_items = SIZE_MAX;
	s->nodes[s->nnodes++] = n;
	return n;
}

static int compile_schema(struct compiler *c, json_t *j, const struct path *p,
	unsigned depth, struct node **out)
{
	const char *key;
	size_t klen;
	json_t *v;
	struct node *n;

	if (!json_is_object(j) && !json_is_boolean(j))
		return fail(c, LL_EINVAL, p, "", "a schema must be an object or true/false");
	if (depth > MAX_SCHEMA_NESTING)
		return fail(c, LL_EINVAL, p, "", "schema nested more than %d levels deep",
			MAX_SCHEMA_NESTING);
	n = node_new(c->s, j);
	if (!n)
		return oom(c, p);
	*out = n;
	json_object_keylen_foreach(j, key, klen, v) {
		struct path here = { p, key, klen, 0 };
		size_t k = 0;
		int rc;

		while (k < sizeof keywords / sizeof keywords[0]
				&& (strlen(keywords[k].name) != klen || memcmp(keywords[k].name, key, klen) != 0))
			k++;
		if (k == sizeof keywords / sizeof keywords[0])
			return fail(c, LL_EUNSUPPORTED, &here, key, "unsupported keyword \"%s\"", key);
		rc = keywords[k].fn(c, n, &(struct kwarg){ keywords[k].name, v, &here, depth });
		if (rc != LL_OK)
			return rc;
	}
	return LL_OK;
}

/* Point each $ref at the node compiled from its target, once all are compiled. */
static int resolve_refs(struct compiler *c)
{
	jsonschema *s = c->s;

	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = s->nodes[i];

		for (size_t k = 0; n->ref_target && !n->ref && k < s->nnodes; k++)
			if (s->nodes[k]->json == n->ref_target)
				n->ref = s->nodes[k];
		if (n->ref_target && !n->ref) {
			if (c->err) {
				snprintf(c->err->pointer, sizeof c->err->pointer, "%s", n->ref_where);
				snprintf(c->err->keyword, sizeof c->err->keyword, "$ref");
				snprintf(c->err->message, sizeof c->err->message,
					"$ref points at a value that is not a schema");
			}
			return LL_EUNSUPPORTED;
		}
	}
	return LL_OK;
}

void jsonschema_free(jsonschema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = s->nodes[i];

		free(n->ref_where);
		free(n->enum_msg);
		free(n->const_msg);
		if (n->re) {
			regfree(n->re);
			free(n->re);
		}
		free(n->pattern_msg);
		for (int b = 0; b < B_COUNT; b++)
			free(n->bound_msg[b]);
		free(n->props);
		free(n->tuple);
		for (int k = 0; k < OF_COUNT; k++)
			free(n->of[k]);
		free(n);
	}
	free(s->nodes);
	if (s->loc)
		freelocale(s->loc);
	json_decref(s->doc);
	free(s);
}

int jsonschema_compile(json_t *schema, jsonschema **out, jsonschema_error *err)
{
	struct compiler c = { .err = err };
	json_t *id;
	int rc;

	*out = NULL;
	if (err)
		memset(err, 0, sizeof *err);
	if (!schema)
		return fail(&c, LL_EINVAL, NULL, "", "no schema");
	c.s = calloc(1, sizeof *c.s);
	if (!c.s)
		return oom(&c, NULL);
	c.s->doc = json_incref(schema);
	c.s->loc = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
	if (!c.s->loc)
		c.s->loc = newlocale(LC_ALL_MASK, "C.utf8", (locale_t)0);
	c.s->utf8 = c.s->loc != (locale_t)0;
	if (!c.s->loc)
		c.s->loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!c.s->loc) {
		jsonschema_free(c.s);
		return oom(&c, NULL);
	}
	id = json_object_get(schema, "$id");
	if (json_is_string(id)) {
		const char *hash = memchr(json_string_value(id), '#', json_string_length(id));

		c.id_base = json_string_value(id);
		c.id_base_len = hash ? (size_t)(hash - c.id_base) : json_string_length(id);
	}
	rc = compile_schema(&c, schema, NULL, 0, &c.s->root);
	if (rc == LL_OK)
		rc = resolve_refs(&c);
	if (rc != LL_OK) {
		jsonschema_free(c.s);
		return rc;
	}
	*out = c.s;
	return LL_OK;
}

int jsonschema_load_file(const char *path, jsonschema **out, jsonschema_error *err)
{
	json_error_t je;
	json_t *doc;
	int rc;

	*out = NULL;
	if (err)
		memset(err, 0, sizeof *err);
	doc = json_load_file(path, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!doc) {
		if (err && je.line > 0)
			snprintf(err->message, sizeof err->message, "line %d column %d: %s",
				je.line, je.column, je.text);
		else if (err)
			snprintf(err->message, sizeof err->message, "%s", je.text);
		return json_error_code(&je) == json_error_cannot_open_file ? LL_EIO : LL_EINVAL;
	}
	rc = jsonschema_compile(doc, out, err);
	json_decref(doc);
	return rc;
}

/* ---- validating ------------------------------------------------------------- */

/* State of one validation call; lives on the caller's stack. */
struct run {
	const jsonschema *s;
	size_t steps;
	bool exhausted;           /* MAX_STEPS reached: every check now fails */
};

/* Where errors go. Branches of anyOf/oneOf/not use a quiet one (max 0). */
struct sink {
	struct run *run;
	jsonschema_error *errs;
	size_t max, count;
	bool first_only;          /* stop at the first error */
};

#define DONE(v) ((v)->first_only && (v)->count > 0)

__attribute__((format(printf, 4, 5)))
static void report(struct sink *v, const struct path *p, const char *keyword,
	const char *fmt, ...)
{
	va_list ap;

	if (v->run->exhausted)
		return;
	if (v->count < v->max) {
		va_start(ap, fmt);
		error_vset(&v->errs[v->count], p, keyword, fmt, ap);
		va_end(ap);
	}
	v->count++;
}

static bool check(struct sink *v, const struct node *n, json_t *inst, const struct path *p,
	unsigned depth, unsigned hops);

static bool matches(struct sink *v, const struct node *n, json_t *inst, const struct path *p,
	unsigned depth, unsigned hops)
{
	struct sink quiet = { .run = v->run, .first_only = true };

	return check(&quiet, n, inst, p, depth + 1, hops);
}

static unsigned instance_types(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return T_OBJECT;
	case JSON_ARRAY: return T_ARRAY;
	case JSON_STRING: return T_STRING;
	case JSON_INTEGER: return T_NUMBER | T_INTEGER;
	case JSON_REAL:
		return T_NUMBER | (jsonschema_is_integral(json_real_value(j)) ? T_INTEGER : 0);
	case JSON_TRUE: case JSON_FALSE: return T_BOOLEAN;
	case JSON_NULL: return T_NULL;
	}
	return 0;
}

static void report_type(struct sink *v, const struct path *p, unsigned types)
{
	char msg[160] = "must be ";
	size_t n = 0, seen = 0;

	if (types & T_NUMBER)
		types &= ~(unsigned)T_INTEGER;
	for (size_t k = 0; k < NTYPES; k++)
		n += (types & type_names[k].bit) != 0;
	for (size_t k = 0; k < NTYPES; k++) {
		if (!(types & type_names[k].bit))
			continue;
		if (seen++)
			strcat(msg, seen == n ? " or " : ", ");
		strcat(msg, type_names[k].phrase);
	}
	report(v, p, "type", "%s", msg);
}

static void check_string(struct sink *v, const struct node *n, json_t *inst, const struct path *p)
{
	const char *s = json_string_value(inst);
	size_t len = json_string_length(inst);

	if (n->min_length > 0 || n->max_length != SIZE_MAX) {
		size_t chars = jsonschema_utf8_length(s, len);

		if (chars < n->min_length)
			report(v, p, "minLength", "must be at least %zu character%s",
				n->min_length, n->min_length == 1 ? "" : "s");
		if (chars > n->max_length)
			report(v, p, "maxLength", "must be at most %zu character%s",
				n->max_length, n->max_length == 1 ? "" : "s");
	}
	if (n->re && !DONE(v)) {
		int rc = REG_NOMATCH;

		/* REG_STARTEND: the string may hold NULs. regexec is thread-safe. */
		if (len <= INT32_MAX) {
			regmatch_t m = { .rm_so = 0, .rm_eo = (regoff_t)len };
			locale_t old = uselocale(v->run->s->loc);

			rc = regexec(n->re, s, 1, &m, REG_STARTEND);
			uselocale(old);
		}
		if (rc != 0)
			report(v, p, "pattern", "%s", n->pattern_msg);
	}
	if (n->format == F_DATE && !jsonschema_is_date(s, len))
		report(v, p, "format", "must be a date (YYYY-MM-DD)");
	if (n->format == F_DATE_TIME && !jsonschema_is_date_time(s, len))
		report(v, p, "format", "must be a date-time (YYYY-MM-DDThh:mm:ss, then Z or an offset)");
}

static void check_number(struct sink *v, const struct node *n, json_t *inst, const struct path *p)
{
	for (int b = 0; b < B_COUNT && !DONE(v); b++) {
		int cmp;

		if (!n->bound[b])
			continue;
		cmp = jsonschema_number_cmp(inst, n->bound[b]);
		if ((b == B_MIN && cmp < 0) || (b == B_MAX && cmp > 0)
				|| (b == B_XMIN && cmp <= 0) || (b == B_XMAX && cmp >= 0))
			report(v, p, bound_names[b], "%s", n->bound_msg[b]);
	}
}

static void check_object(struct sink *v, const struct node *n, json_t *inst,
	const struct path *p, unsigned depth, unsigned hops)
{
	const char *key;
	size_t klen;
	json_t *value;

	for (size_t i = 0; i < json_array_size(n->required) && !DONE(v); i++) {
		json_t *name = json_array_get(n->required, i);
		struct path here = { p, json_string_value(name), json_string_length(name), 0 };

		if (!json_object_getn(inst, here.key, here.len))
			report(v, &here, "required", "is required");
	}
	for (size_t i = 0; i < n->nprops && !DONE(v); i++) {
		const struct prop *pr = &n->props[i];
		struct path here = { p, pr->key, pr->len, 0 };

		value = json_object_getn(inst, pr->key, pr->len);
		if (value)
			check(v, pr->schema, value, &here, depth + 1, hops);
	}
	if (!n->additional)
		return;
	json_object_keylen_foreach(inst, key, klen, value) {
		struct path here = { p, key, klen, 0 };

		if (DONE(v))
			return;
		if (n->props_obj && json_object_getn(n->props_obj, key, klen))
			continue;
		if (n->additional->boolean == 0)
			report(v, &here, "additionalProperties", "is not an allowed property");
		else
			check(v, n->additional, value, &here, depth + 1, hops);
	}
}

static void check_array(struct sink *v, const struct node *n, json_t *inst,
	const struct path *p, unsigned depth, unsigned hops)
{
	size_t size = json_array_size(inst);

	if (size < n->min_items)
		report(v, p, "minItems", "must have at least %zu item%s",
			n->min_items, n->min_items == 1 ? "" : "s");
	if (size > n->max_items)
		report(v, p, "maxItems", "must have at most %zu item%s",
			n->max_items, n->max_items == 1 ? "" : "s");
	if (n->unique && size > 1 && !DONE(v)) {
		size_t *first = jsonschema_repeats(inst);

		if (!first)
			report(v, p, "uniqueItems", "could not be checked for repeated items (out of memory)");
		for (size_t i = 0; first && i < size && !DONE(v); i++) {
			struct path here = { p, NULL, 0, i };

			if (first[i] != SIZE_MAX)
				report(v, &here, "uniqueItems", "repeats item %zu; items must be unique", first[i]);
		}
		free(first);
	}
	for (size_t i = 0; i < size && !DONE(v); i++) {
		struct path here = { p, NULL, 0, i };
		const struct node *sub = n->tuple ? (i < n->ntuple ? n->tuple[i] : NULL) : n->items;

		if (sub)
			check(v, sub, json_array_get(inst, i), &here, depth + 1, hops);
	}
}

static void check_combinators(struct sink *v, const struct node *n, json_t *inst,
	const struct path *p, unsigned depth, unsigned hops)
{
	size_t hits = 0, which[2] = { 0, 0 };

	for (size_t i = 0; i < n->nof[OF_ALL] && !DONE(v); i++)
		check(v, n->of[OF_ALL][i], inst, p, depth + 1, hops);
	if (n->nof[OF_ANY] && !DONE(v)) {
		for (size_t i = 0; i < n->nof[OF_ANY] && !hits; i++)
			hits += matches(v, n->of[OF_ANY][i], inst, p, depth, hops);
		if (!hits)
			report(v, p, "anyOf", "must match at least one of the schemas in anyOf");
	}
	if (n->nof[OF_ONE] && !DONE(v)) {
		hits = 0;
		for (size_t i = 0; i < n->nof[OF_ONE] && hits < 2; i++)
			if (matches(v, n->of[OF_ONE][i], inst, p, depth, hops))
				which[hits++] = i;
		if (hits == 0)
			report(v, p, "oneOf", "must match exactly one of the schemas in oneOf, but matches none");
		else if (hits > 1)
			report(v, p, "oneOf", "must match exactly one of the schemas in oneOf, "
				"but matches %zu and %zu", which[0], which[1]);
	}
	if (n->negated && !DONE(v) && matches(v, n->negated, inst, p, depth, hops))
		report(v, p, "not", "must not match the schema in not");
}

/*
 * Validate inst against n. Errors go to v; true when this call added none.
 * depth counts nested checks and hops counts $ref jumps, so that a schema
 * such as {"$ref": "#"} ends in an error, not a stack overflow.
 */
static bool check(struct sink *v, const struct node *n, json_t *inst, const struct path *p,
	unsigned depth, unsigned hops)
{
	size_t before = v->count;
	unsigned have;

	if (++v->run->steps > MAX_STEPS)
		v->run->exhausted = true;
	if (v->run->exhausted)
		return false;
	if (depth > MAX_DEPTH) {
		report(v, p, "$ref", "nests too deeply: the schema recurses more than %d levels", MAX_DEPTH);
		return false;
	}
	if (n->boolean >= 0) {
		if (!n->boolean)
			report(v, p, "false", "is not allowed");
		return n->boolean;
	}
	if (n->ref) {
		if (hops < MAX_REF_HOPS)
			return check(v, n->ref, inst, p, depth + 1, hops + 1);
		report(v, p, "$ref", "nests too deeply: more than %d $ref levels", MAX_REF_HOPS);
		return false;
	}
	have = instance_types(inst);
	if (n->types && !(n->types & have)) {
		report_type(v, p, n->types);
		return false;
	}
	if (n->enum_values) {
		size_t i = 0;

		while (i < json_array_size(n->enum_values)
				&& !jsonschema_equal(json_array_get(n->enum_values, i), inst))
			i++;
		if (i == json_array_size(n->enum_values))
			report(v, p, "enum", "%s", n->enum_msg);
	}
	if (n->const_value && !DONE(v) && !jsonschema_equal(n->const_value, inst))
		report(v, p, "const", "%s", n->const_msg);
	if (DONE(v))
		return false;
	if (have & T_STRING)
		check_string(v, n, inst, p);
	else if (have & T_NUMBER)
		check_number(v, n, inst, p);
	else if (have & T_OBJECT)
		check_object(v, n, inst, p, depth, hops);
	else if (have & T_ARRAY)
		check_array(v, n, inst, p, depth, hops);
	if (!DONE(v))
		check_combinators(v, n, inst, p, depth, hops);
	return v->count == before && !v->run->exhausted;
}

static void run_validation(struct sink *v, json_t *instance)
{
	if (!instance) {
		report(v, NULL, "type", "is missing (no JSON value)");
		return;
	}
	check(v, v->run->s->root, instance, NULL, 0, 0);
	if (v->run->exhausted) {
		v->run->exhausted = false;
		report(v, NULL, "limit", "is too large to validate (more than %d schema checks)", MAX_STEPS);
	}
}

bool jsonschema_validate(const jsonschema *schema, json_t *instance, jsonschema_error *err)
{
	struct run run = { .s = schema };
	struct sink v = { .run = &run, .errs = err, .max = err ? 1 : 0, .first_only = true };

	if (err)
		memset(err, 0, sizeof *err);
	run_validation(&v, instance);
	return v.count == 0;
}

size_t jsonschema_validate_all(const jsonschema *schema, json_t *instance,
	jsonschema_error *errs, size_t max)
{
	struct run run = { .s = schema };
	struct sink v = { .run = &run, .errs = errs, .max = errs ? max : 0 };

	run_validation(&v, instance);
	return v.count;
}

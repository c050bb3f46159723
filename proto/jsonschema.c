#include "jsonschema.h"

#include <locale.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonschema_format.h"

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

enum { OF_ALL, OF_ANY, OF_ONE, OF_COUNT };
enum { B_MIN, B_MAX, B_XMIN, B_XMAX, B_COUNT };
enum format { F_NONE, F_DATE, F_DATE_TIME };

struct prop {
	const char *key;
	size_t len;
	struct node *schema;
};

/*
 * One compiled (sub)schema. Every json_t pointer is borrowed from the
 * document the jsonschema holds; every char * and array is owned.
 */
struct node {
	json_t *json;             /* where this schema sits in the document */
	int boolean;              /* 0/1 for the schemas false/true, -1 for an object */
	json_t *ref_target;       /* $ref, resolved to a place in the document... */
	char *ref_where;          /* ...(schema pointer of the $ref, for errors)... */
	struct node *ref;         /* ...and then to its node; siblings are ignored */
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
	locale_t loc;             /* C.UTF-8 for regcomp/regexec, "C" if missing */
	bool utf8;
	struct node *root;
	struct node **nodes;      /* all nodes, owned; $ref targets are found here */
	size_t nnodes, cap;
};

/* A step of a JSON pointer, kept on the stack while descending. */
struct path {
	const struct path *up;
	const char *key;          /* NULL: an array index */
	size_t len;
	size_t index;
};

/* ---- error text --------------------------------------------------------- */

/* Cut a trailing incomplete UTF-8 character, so the text stays valid UTF-8. */
static void utf8_trim(char *buf, size_t len)
{
	size_t i = len, need;
	unsigned char lead;

	while (i > 0 && ((unsigned char)buf[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0) {
		buf[0] = '\0';
		return;
	}
	lead = (unsigned char)buf[i - 1];
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	if (len - (i - 1) < need)
		len = i - 1;
	buf[len] = '\0';
}

static void pointer_add(char *buf, size_t size, size_t *at, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *at + 1 < size; i++) {
		const char *esc = s[i] == '~' ? "~0" : s[i] == '/' ? "~1" : NULL;

		if (!esc) {
			buf[(*at)++] = s[i];
		} else if (*at + 2 < size) {
			buf[(*at)++] = esc[0];
			buf[(*at)++] = esc[1];
		} else {
			break;
		}
	}
	buf[*at] = '\0';
}

static void pointer_write(const struct path *p, char *buf, size_t size, size_t *at)
{
	char num[24];

	if (!p)
		return;
	pointer_write(p->up, buf, size, at);
	if (*at + 1 < size) {
		buf[(*at)++] = '/';
		buf[*at] = '\0';
	}
	if (p->key) {
		pointer_add(buf, size, at, p->key, p->len);
	} else {
		snprintf(num, sizeof num, "%zu", p->index);
		pointer_add(buf, size, at, num, strlen(num));
	}
}

/* RFC 6901 pointer of p; truncated (on a character boundary) if too long. */
static void pointer_format(const struct path *p, char *buf, size_t size)
{
	size_t at = 0;

	buf[0] = '\0';
	pointer_write(p, buf, size, &at);
	utf8_trim(buf, at);
}

static void error_vset(jsonschema_error *e, const struct path *p, const char *keyword,
	const char *fmt, va_list ap)
{
	int n;

	pointer_format(p, e->pointer, sizeof e->pointer);
	snprintf(e->keyword, sizeof e->keyword, "%s", keyword);
	utf8_trim(e->keyword, strlen(e->keyword));
	n = vsnprintf(e->message, sizeof e->message, fmt, ap);
	if (n >= (int)sizeof e->message)
		utf8_trim(e->message, sizeof e->message - 1);
}

/* ---- JSON helpers -------------------------------------------------------- */

static bool is_integral(double d)
{
	double a = d < 0 ? -d : d;

	/* Every double from 2^52 up is a whole number; below, the cast is exact. */
	return a >= 4503599627370496.0 || (double)(long long)d == d;
}

static unsigned instance_types(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return T_OBJECT;
	case JSON_ARRAY: return T_ARRAY;
	case JSON_STRING: return T_STRING;
	case JSON_INTEGER: return T_NUMBER | T_INTEGER;
	case JSON_REAL: return T_NUMBER | (is_integral(json_real_value(j)) ? T_INTEGER : 0);
	case JSON_TRUE:
	case JSON_FALSE: return T_BOOLEAN;
	case JSON_NULL: return T_NULL;
	}
	return 0;
}

/* Numbers compare by value (1 == 1.0); long double holds int64 and double exactly. */
static int number_cmp(const json_t *a, const json_t *b)
{
	long double x, y;

	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t i = json_integer_value(a), k = json_integer_value(b);

		return (i > k) - (i < k);
	}
	x = json_is_integer(a) ? (long double)json_integer_value(a) : (long double)json_real_value(a);
	y = json_is_integer(b) ? (long double)json_integer_value(b) : (long double)json_real_value(b);
	return (x > y) - (x < y);
}

/* JSON equality as JSON Schema defines it: numbers by value, objects unordered. */
static bool json_same(json_t *a, json_t *b)
{
	const char *key;
	size_t klen;
	json_t *va;

	if (json_is_number(a) && json_is_number(b))
		return number_cmp(a, b) == 0;
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b)
			&& memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!json_same(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_keylen_foreach(a, key, klen, va) {
			json_t *vb = json_object_getn(b, key, klen);

			if (!vb || !json_same(va, vb))
				return false;
		}
		return true;
	default:
		return true;
	}
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9u;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebu;
	return h ^ (h >> 31);
}

static uint64_t bytes_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
	return mix(h);
}

/* A hash that agrees with json_same(): equal values hash equal. */
static uint64_t json_hash(json_t *j)
{
	const char *key;
	size_t klen;
	json_t *v;
	uint64_t h;
	double d;

	switch (json_typeof(j)) {
	case JSON_INTEGER:
		return mix((uint64_t)json_integer_value(j) ^ 0x4e554d);
	case JSON_REAL:
		d = json_real_value(j);
		if (is_integral(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
			return mix((uint64_t)(long long)d ^ 0x4e554d);
		memcpy(&h, &d, sizeof h);
		return mix(h);
	case JSON_STRING:
		return bytes_hash(json_string_value(j), json_string_length(j));
	case JSON_ARRAY:
		h = 0x415252;
		for (size_t i = 0; i < json_array_size(j); i++)
			h = mix(h ^ json_hash(json_array_get(j, i)));
		return h;
	case JSON_OBJECT:
		h = 0x4f424a;
		json_object_keylen_foreach(j, key, klen, v)
			h += mix(bytes_hash(key, klen) ^ json_hash(v));
		return mix(h);
	default:
		return (uint64_t)json_typeof(j) * 0x9e3779b97f4a7c15u;
	}
}

static size_t utf8_length(const char *s, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xc0) != 0x80;
	return count;
}

/* ---- compiling ----------------------------------------------------------- */

#define MAX_SCHEMA_NESTING 128

struct compiler {
	jsonschema *s;
	jsonschema_error *err;
	const char *id_base;      /* root $id without its fragment */
	size_t id_base_len;
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

typedef int keyword_fn(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth);

static int compile_schema(struct compiler *c, json_t *j, const struct path *p,
	unsigned depth, struct node **out) LL_MUST_CHECK;

/* A non-negative integer; 2.0 counts, as the suite expects. */
static bool get_count(const json_t *v, size_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		unsigned long long u = (unsigned long long)json_integer_value(v);

		*out = u > SIZE_MAX ? SIZE_MAX : (size_t)u;
		return true;
	}
	if (json_is_real(v) && json_real_value(v) >= 0 && is_integral(json_real_value(v))) {
		double d = json_real_value(v);

		*out = d >= 18446744073709551615.0 ? SIZE_MAX : (size_t)d;
		return true;
	}
	return false;
}

/*
 * "<prefix>v1, v2, ..." for enum (list) or const, cut to fit an error
 * message. NULL when out of memory.
 */
static char *values_message(const char *prefix, json_t *v, bool list)
{
	char buf[sizeof ((jsonschema_error *)0)->message];
	size_t n = list ? json_array_size(v) : 1, len;
	const size_t room = sizeof buf - 6; /* keep space for ", ..." */

	len = (size_t)snprintf(buf, sizeof buf, "%s", prefix);
	for (size_t i = 0; i < n; i++) {
		char *text = json_dumps(list ? json_array_get(v, i) : v,
			JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		size_t tlen;

		if (!text)
			return NULL;
		tlen = strlen(text) + (i ? 2 : 0);
		if (len + tlen <= room) {
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "", text);
			free(text);
			continue;
		}
		if (list) {
			strcat(buf, ", ...");
		} else {
			snprintf(buf + len, room - len, "%s", text);
			utf8_trim(buf, strlen(buf));
			strcat(buf, "...");
		}
		free(text);
		break;
	}
	return strdup(buf);
}

static int kw_string(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	(void)n, (void)depth;
	if (!json_is_string(v))
		return fail(c, LL_EINVAL, p, kw, "%s must be a string", kw);
	return LL_OK;
}

static int kw_boolean(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	(void)depth;
	if (!json_is_boolean(v))
		return fail(c, LL_EINVAL, p, kw, "%s must be true or false", kw);
	if (strcmp(kw, "uniqueItems") == 0)
		n->unique = json_is_true(v);
	return LL_OK;
}

static int kw_any(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	(void)c, (void)n, (void)v, (void)p, (void)depth;
	if (strcmp(kw, "examples") == 0 && !json_is_array(v))
		return fail(c, LL_EINVAL, p, kw, "examples must be an array");
	return LL_OK;
}

static int kw_schema(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	const char *uri = json_string_value(v);

	(void)n, (void)depth;
	if (!uri)
		return fail(c, LL_EINVAL, p, kw, "$schema must be a string");
	if (strcmp(uri, "http://json-schema.org/draft-07/schema#") != 0
			&& strcmp(uri, "http://json-schema.org/draft-07/schema") != 0
			&& strcmp(uri, "https://json-schema.org/draft-07/schema#") != 0
			&& strcmp(uri, "https://json-schema.org/draft-07/schema") != 0)
		return fail(c, LL_EUNSUPPORTED, p, kw, "$schema %s is not supported: only draft-07 is", uri);
	return LL_OK;
}

static int kw_id(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	(void)n;
	if (depth != 0)
		return fail(c, LL_EUNSUPPORTED, p, kw, "$id is only supported at the root of a schema");
	if (!json_is_string(v))
		return fail(c, LL_EINVAL, p, kw, "$id must be a string");
	return LL_OK;
}

static int kw_type(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	size_t count = json_is_array(v) ? json_array_size(v) : 1;

	(void)depth;
	if (!json_is_string(v) && !json_is_array(v))
		return fail(c, LL_EINVAL, p, kw, "type must be a string or an array of strings");
	if (count == 0)
		return fail(c, LL_EINVAL, p, kw, "type must not be an empty array");
	for (size_t i = 0; i < count; i++) {
		json_t *t = json_is_array(v) ? json_array_get(v, i) : v;
		const char *name = json_string_value(t);
		size_t k = 0;

		while (name && k < sizeof type_names / sizeof type_names[0]
				&& strcmp(name, type_names[k].name) != 0)
			k++;
		if (!name || k == sizeof type_names / sizeof type_names[0])
			return fail(c, LL_EINVAL, p, kw, "type %s%s%s is not a JSON Schema type",
				name ? "\"" : "", name ? name : "(not a string)", name ? "\"" : "");
		if (n->types & type_names[k].bit)
			return fail(c, LL_EINVAL, p, kw, "type \"%s\" is listed twice", name);
		n->types |= type_names[k].bit;
	}
	return LL_OK;
}

static int kw_properties(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	const char *key;
	size_t klen;
	json_t *sub;
	int rc;

	if (!json_is_object(v))
		return fail(c, LL_EINVAL, p, kw, "%s must be an object", kw);
	if (strcmp(kw, "definitions") == 0) {
		/* Compiled so that errors show and $ref can find them. */
		json_object_keylen_foreach(v, key, klen, sub) {
			struct path here = { p, key, klen, 0 };
			struct node *def;

			if ((rc = compile_schema(c, sub, &here, depth + 1, &def)) != LL_OK)
				return rc;
		}
		return LL_OK;
	}
	n->props_obj = v;
	n->props = calloc(json_object_size(v) + 1, sizeof *n->props);
	if (!n->props)
		return oom(c, p);
	json_object_keylen_foreach(v, key, klen, sub) {
		struct path here = { p, key, klen, 0 };
		struct prop *pr = &n->props[n->nprops];

		pr->key = key;
		pr->len = klen;
		if ((rc = compile_schema(c, sub, &here, depth + 1, &pr->schema)) != LL_OK)
			return rc;
		n->nprops++;
	}
	return LL_OK;
}

static int kw_required(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	(void)depth;
	if (!json_is_array(v))
		return fail(c, LL_EINVAL, p, kw, "required must be an array of strings");
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (!json_is_string(json_array_get(v, i)))
			return fail(c, LL_EINVAL, p, kw, "required must be an array of strings");
		for (size_t k = 0; k < i; k++)
			if (json_same(json_array_get(v, i), json_array_get(v, k)))
				return fail(c, LL_EINVAL, p, kw, "required lists \"%s\" twice",
					json_string_value(json_array_get(v, i)));
	}
	n->required = v;
	return LL_OK;
}

static int kw_value(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	(void)depth;
	if (strcmp(kw, "const") == 0) {
		n->const_value = v;
		n->const_msg = values_message("must be equal to ", v, false);
		return n->const_msg ? LL_OK : oom(c, p);
	}
	if (!json_is_array(v))
		return fail(c, LL_EINVAL, p, kw, "enum must be an array");
	n->enum_values = v;
	n->enum_msg = values_message("must be one of: ", v, true);
	return n->enum_msg ? LL_OK : oom(c, p);
}

static int kw_count(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	size_t count;

	(void)depth;
	if (!get_count(v, &count))
		return fail(c, LL_EINVAL, p, kw, "%s must be a non-negative integer", kw);
	if (strcmp(kw, "minLength") == 0)
		n->min_length = count;
	else if (strcmp(kw, "maxLength") == 0)
		n->max_length = count;
	else if (strcmp(kw, "minItems") == 0)
		n->min_items = count;
	else
		n->max_items = count;
	return LL_OK;
}

static int kw_pattern(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	char why[160], *ere;
	locale_t old;
	int rc;

	(void)depth;
	if (!json_is_string(v))
		return fail(c, LL_EINVAL, p, kw, "pattern must be a string");
	if (!c->s->utf8)
		return fail(c, LL_EUNSUPPORTED, p, kw,
			"pattern needs the C.UTF-8 locale, which is not installed");
	rc = jsonschema_pattern_to_ere(json_string_value(v), json_string_length(v), &ere,
		why, sizeof why);
	if (rc == LL_ENOMEM)
		return oom(c, p);
	if (rc != LL_OK)
		return fail(c, rc, p, kw, "pattern %s: %s", json_string_value(v), why);
	n->re = malloc(sizeof *n->re);
	n->pattern_msg = malloc(strlen("must match pattern ") + json_string_length(v) + 1);
	if (!n->re || !n->pattern_msg) {
		free(ere);
		return oom(c, p);
	}
	strcpy(n->pattern_msg, "must match pattern ");
	strcat(n->pattern_msg, json_string_value(v));
	old = uselocale(c->s->loc);
	rc = regcomp(n->re, ere, REG_EXTENDED | REG_NOSUB);
	uselocale(old);
	free(ere);
	if (rc != 0) {
		regerror(rc, n->re, why, sizeof why);
		free(n->re);
		n->re = NULL;
		if (rc == REG_ESPACE)
			return oom(c, p);
		return fail(c, LL_EINVAL, p, kw, "pattern %s: %s", json_string_value(v), why);
	}
	return LL_OK;
}

static int kw_format(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	const char *f = json_string_value(v);

	(void)depth;
	if (!f)
		return fail(c, LL_EINVAL, p, kw, "format must be a string");
	/* Other formats are annotations only, as draft-07 says by default. */
	n->format = strcmp(f, "date") == 0 ? F_DATE
		: strcmp(f, "date-time") == 0 ? F_DATE_TIME : F_NONE;
	return LL_OK;
}

static int kw_bound(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	static const char *const names[B_COUNT] = {
		"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	};
	static const char *const phrases[B_COUNT] = {
		"must be at least ", "must be at most ", "must be greater than ", "must be less than ",
	};
	int b = 0;

	(void)depth;
	while (strcmp(kw, names[b]) != 0)
		b++;
	if (json_is_boolean(v) && b >= B_XMIN)
		return fail(c, LL_EUNSUPPORTED, p, kw,
			"%s as a boolean is draft-04; give the bound as a number", kw);
	if (!json_is_number(v))
		return fail(c, LL_EINVAL, p, kw, "%s must be a number", kw);
	n->bound[b] = v;
	n->bound_msg[b] = values_message(phrases[b], v, false);
	return n->bound_msg[b] ? LL_OK : oom(c, p);
}

static int kw_subschema(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	if (strcmp(kw, "items") == 0 && json_is_array(v)) {
		n->tuple = calloc(json_array_size(v) + 1, sizeof *n->tuple);
		if (!n->tuple)
			return oom(c, p);
		for (size_t i = 0; i < json_array_size(v); i++) {
			struct path here = { p, NULL, 0, i };
			int rc = compile_schema(c, json_array_get(v, i), &here, depth + 1, &n->tuple[i]);

			if (rc != LL_OK)
				return rc;
			n->ntuple++;
		}
		return LL_OK;
	}
	return compile_schema(c, v, p, depth + 1,
		strcmp(kw, "items") == 0 ? &n->items
		: strcmp(kw, "not") == 0 ? &n->negated : &n->additional);
}

static int kw_of(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	int k = strcmp(kw, "allOf") == 0 ? OF_ALL : strcmp(kw, "anyOf") == 0 ? OF_ANY : OF_ONE;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return fail(c, LL_EINVAL, p, kw, "%s must be a non-empty array of schemas", kw);
	n->of[k] = calloc(json_array_size(v), sizeof *n->of[k]);
	if (!n->of[k])
		return oom(c, p);
	for (size_t i = 0; i < json_array_size(v); i++) {
		struct path here = { p, NULL, 0, i };
		int rc = compile_schema(c, json_array_get(v, i), &here, depth + 1, &n->of[k][i]);

		if (rc != LL_OK)
			return rc;
		n->nof[k]++;
	}
	return LL_OK;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
		: c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decoded copy of s[0..n) (a URI fragment); NULL, *bad set, for a bad escape. */
static char *percent_decode(const char *s, size_t n, size_t *outlen, bool *bad)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	*bad = false;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= n || hex_digit(s[i + 1]) < 0 || hex_digit(s[i + 2]) < 0) {
			free(out);
			*bad = true;
			return NULL;
		}
		out[o++] = (char)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
		i += 2;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* Walk the JSON pointer ptr[0..n) (already percent-decoded) from the root. */
static json_t *pointer_walk(json_t *root, char *ptr, size_t n)
{
	json_t *cur = root;
	size_t i = 0;

	while (cur && i < n) {
		size_t start = ++i, len = 0;

		/* Unescape in place: the result is never longer than the source. */
		while (i < n && ptr[i] != '/') {
			if (ptr[i] == '~' && i + 1 < n && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
				ptr[start + len++] = ptr[i + 1] == '0' ? '~' : '/';
				i += 2;
			} else if (ptr[i] == '~') {
				return NULL;
			} else {
				ptr[start + len++] = ptr[i++];
			}
		}
		if (json_is_object(cur)) {
			cur = json_object_getn(cur, ptr + start, len);
		} else if (json_is_array(cur)) {
			size_t idx = 0;

			if (len == 0 || len > 9 || (len > 1 && ptr[start] == '0'))
				return NULL;
			for (size_t k = 0; k < len; k++) {
				if (ptr[start + k] < '0' || ptr[start + k] > '9')
					return NULL;
				idx = idx * 10 + (size_t)(ptr[start + k] - '0');
			}
			cur = json_array_get(cur, idx);
		} else {
			cur = NULL;
		}
	}
	return cur;
}

static int kw_ref(struct compiler *c, struct node *n, const char *kw, json_t *v,
	const struct path *p, unsigned depth)
{
	const char *ref = json_string_value(v), *frag;
	size_t len = json_string_length(v), flen;
	char *ptr;
	bool bad;

	(void)depth;
	if (!ref)
		return fail(c, LL_EINVAL, p, kw, "$ref must be a string");
	if (len > 0 && ref[0] == '#') {
		frag = ref + 1;
	} else if (c->id_base_len && len >= c->id_base_len
			&& memcmp(ref, c->id_base, c->id_base_len) == 0
			&& (len == c->id_base_len || ref[c->id_base_len] == '#')) {
		frag = ref + c->id_base_len + (len > c->id_base_len);
	} else {
		return fail(c, LL_EUNSUPPORTED, p, kw,
			"$ref \"%s\" is not supported: only references inside the schema "
			"(\"#\", \"#/definitions/...\") are", ref);
	}
	flen = len - (size_t)(frag - ref);
	ptr = percent_decode(frag, flen, &flen, &bad);
	if (!ptr)
		return bad ? fail(c, LL_EINVAL, p, kw, "$ref \"%s\" has a bad %%-escape", ref)
			: oom(c, p);
	if (flen > 0 && ptr[0] != '/') {
		free(ptr);
		return fail(c, LL_EUNSUPPORTED, p, kw,
			"$ref \"%s\" is not supported: the fragment must be a JSON pointer", ref);
	}
	n->ref_target = pointer_walk(c->s->doc, ptr, flen);
	free(ptr);
	if (!n->ref_target)
		return fail(c, LL_EINVAL, p, kw, "$ref \"%s\" points at nothing in the schema", ref);
	n->ref_where = malloc(sizeof ((jsonschema_error *)0)->pointer);
	if (!n->ref_where)
		return oom(c, p);
	pointer_format(p, n->ref_where, sizeof ((jsonschema_error *)0)->pointer);
	return LL_OK;
}

static const struct keyword {
	const char *name;
	keyword_fn *fn;
} keywords[] = {
	{ "$schema", kw_schema },
	{ "$id", kw_id },
	{ "$comment", kw_string },
	{ "title", kw_string },
	{ "description", kw_string },
	{ "default", kw_any },
	{ "examples", kw_any },
	{ "readOnly", kw_boolean },
	{ "writeOnly", kw_boolean },
	{ "definitions", kw_properties },
	{ "$ref", kw_ref },
	{ "type", kw_type },
	{ "properties", kw_properties },
	{ "required", kw_required },
	{ "additionalProperties", kw_subschema },
	{ "enum", kw_value },
	{ "const", kw_value },
	{ "minLength", kw_count },
	{ "maxLength", kw_count },
	{ "pattern", kw_pattern },
	{ "format", kw_format },
	{ "minimum", kw_bound },
	{ "maximum", kw_bound },
	{ "exclusiveMinimum", kw_bound },
	{ "exclusiveMaximum", kw_bound },
	{ "items", kw_subschema },
	{ "minItems", kw_count },
	{ "maxItems", kw_count },
	{ "uniqueItems", kw_boolean },
	{ "allOf", kw_of },
	{ "anyOf", kw_of },
	{ "oneOf", kw_of },
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
	if (n->boolean >= 0)
		return LL_OK;
	json_object_keylen_foreach(j, key, klen, v) {
		struct path here = { p, key, klen, 0 };
		size_t k = 0;
		int rc;

		while (k < sizeof keywords / sizeof keywords[0]
				&& (strlen(keywords[k].name) != klen || memcmp(keywords[k].name, key, klen) != 0))
			k++;
		if (k == sizeof keywords / sizeof keywords[0])
			return fail(c, LL_EUNSUPPORTED, &here, key, "unsupported keyword \"%s\"", key);
		rc = keywords[k].fn(c, n, keywords[k].name, v, &here, depth);
		if (rc != LL_OK)
			return rc;
	}
	return LL_OK;
}

/* Point each $ref at the node compiled from its target. */
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
		if (err) {
			if (je.line > 0)
				snprintf(err->message, sizeof err->message, "line %d column %d: %s",
					je.line, je.column, je.text);
			else
				snprintf(err->message, sizeof err->message, "%s", je.text);
			utf8_trim(err->message, strlen(err->message));
		}
		return json_error_code(&je) == json_error_cannot_open_file ? LL_EIO : LL_EINVAL;
	}
	rc = jsonschema_compile(doc, out, err);
	json_decref(doc);
	return rc;
}

/* ---- validating ---------------------------------------------------------- */

#define MAX_REF_HOPS 64
#define MAX_DEPTH 256
#define MAX_STEPS 1000000

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

static void report_type(struct sink *v, const struct path *p, unsigned types)
{
	char msg[160] = "must be ";
	size_t n = 0, seen = 0;

	if (types & T_NUMBER)
		types &= ~(unsigned)T_INTEGER;
	for (size_t k = 0; k < sizeof type_names / sizeof type_names[0]; k++)
		n += (types & type_names[k].bit) != 0;
	for (size_t k = 0; k < sizeof type_names / sizeof type_names[0]; k++) {
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
		size_t chars = utf8_length(s, len);

		if (chars < n->min_length)
			report(v, p, "minLength", "must be at least %zu character%s",
				n->min_length, n->min_length == 1 ? "" : "s");
		if (chars > n->max_length)
			report(v, p, "maxLength", "must be at most %zu character%s",
				n->max_length, n->max_length == 1 ? "" : "s");
	}
	if (n->re && !DONE(v)) {
		int rc = REG_NOMATCH;

		/* REG_STARTEND: the string may hold NULs; regexec is thread-safe. */
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
	static const char *const names[B_COUNT] = {
		"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	};

	for (int b = 0; b < B_COUNT && !DONE(v); b++) {
		int cmp;

		if (!n->bound[b])
			continue;
		cmp = number_cmp(inst, n->bound[b]);
		if ((b == B_MIN && cmp < 0) || (b == B_MAX && cmp > 0)
				|| (b == B_XMIN && cmp <= 0) || (b == B_XMAX && cmp >= 0))
			report(v, p, names[b], "%s", n->bound_msg[b]);
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

struct hashed {
	uint64_t hash;
	size_t index;
};

static int hashed_cmp(const void *a, const void *b)
{
	const struct hashed *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/*
 * uniqueItems: sort by a hash that agrees with equality, then compare
 * only within runs of equal hashes, so a long array costs n log n.
 * Each repeated item is reported once, naming the first item it repeats.
 */
static void check_unique(struct sink *v, json_t *inst, const struct path *p)
{
	size_t n = json_array_size(inst);
	struct hashed *h;
	size_t *first;

	if (n < 2)
		return;
	h = malloc(n * sizeof *h);
	first = malloc(n * sizeof *first);
	if (!h || !first) {
		free(h);
		free(first);
		report(v, p, "uniqueItems", "could not be checked for repeated items (out of memory)");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		h[i] = (struct hashed){ json_hash(json_array_get(inst, i)), i };
		first[i] = SIZE_MAX;
	}
	qsort(h, n, sizeof *h, hashed_cmp);
	for (size_t i = 0; i < n; i++)
		for (size_t k = i; k-- > 0 && h[k].hash == h[i].hash;)
			if (json_same(json_array_get(inst, h[i].index), json_array_get(inst, h[k].index)))
				first[h[i].index] = h[k].index; /* ends at the earliest */
	for (size_t i = 0; i < n && !DONE(v); i++) {
		struct path here = { p, NULL, 0, i };

		if (first[i] != SIZE_MAX)
			report(v, &here, "uniqueItems", "repeats item %zu; items must be unique", first[i]);
	}
	free(h);
	free(first);
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
	if (n->unique && !DONE(v))
		check_unique(v, inst, p);
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
	size_t hits = 0;

	for (size_t i = 0; i < n->nof[OF_ALL] && !DONE(v); i++)
		check(v, n->of[OF_ALL][i], inst, p, depth + 1, hops);
	if (n->nof[OF_ANY] && !DONE(v)) {
		for (size_t i = 0; i < n->nof[OF_ANY] && !hits; i++)
			hits += matches(v, n->of[OF_ANY][i], inst, p, depth, hops);
		if (!hits)
			report(v, p, "anyOf", "must match at least one of the schemas in anyOf");
	}
	if (n->nof[OF_ONE] && !DONE(v)) {
		size_t which[2] = { 0, 0 };

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
 * Validate inst against n. Errors go to v; returns true when this call
 * added none. depth counts nested checks and hops counts $ref jumps, so a
 * schema such as {"$ref": "#"} ends in an error, not a stack overflow.
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
		report(v, p, "$ref", "nests too deeply: the schema recurses more than %d levels",
			MAX_DEPTH);
		return false;
	}
	if (n->boolean >= 0) {
		if (!n->boolean)
			report(v, p, "false", "is not allowed");
		return n->boolean;
	}
	if (n->ref) {
		if (hops >= MAX_REF_HOPS) {
			report(v, p, "$ref", "nests too deeply: more than %d $ref levels", MAX_REF_HOPS);
			return false;
		}
		return check(v, n->ref, inst, p, depth + 1, hops + 1);
	}
	have = instance_types(inst);
	if (n->types && !(n->types & have)) {
		report_type(v, p, n->types);
		return false;
	}
	if (n->enum_values) {
		size_t i = 0;

		while (i < json_array_size(n->enum_values)
				&& !json_same(json_array_get(n->enum_values, i), inst))
			i++;
		if (i == json_array_size(n->enum_values))
			report(v, p, "enum", "%s", n->enum_msg);
	}
	if (n->const_value && !DONE(v) && !json_same(n->const_value, inst))
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
		report(v, NULL, "limit", "is too large to validate (more than %d schema checks)",
			MAX_STEPS);
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

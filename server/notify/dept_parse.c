#include "dept_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tiers[] = { "30m", "6h", "24h", "command", NULL };
static const char *const kinds[] = { "email", "phone", "webhook", "wecom", "dingtalk", "sms", NULL };
static const char *const roles[] = { "member", "head", "deputy", "group", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

bool dept_tier_ok(const char *tier) { return in_list(tier, tiers); }
bool dept_kind_ok(const char *kind) { return in_list(kind, kinds); }
bool dept_role_ok(const char *role) { return in_list(role, roles); }

bool dept_code_ok(const char *code)
{
	size_t n = code ? strlen(code) : 0;

	if (n < 1 || n > 64 || code[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') ||
				code[i] == '-'))
			return false;
	return true;
}

static bool is_url(const char *a)
{
	size_t skip = strncmp(a, "https://", 8) == 0 ? 8 : strncmp(a, "http://", 7) == 0 ? 7 : 0;

	if (!skip || !a[skip] || a[skip] == '/')
		return false;
	for (; *a; a++)
		if ((unsigned char)*a <= ' ')
			return false;
	return true;
}

bool dept_contact_ok(const char *kind, const char *address, char *why, size_t whylen)
{
	size_t n = address ? strlen(address) : 0;

	if (n == 0 || n > 512) {
		snprintf(why, whylen, "the address must be 1 to 512 characters");
		return false;
	}
	if (strcmp(kind, "email") == 0) {
		const char *at = strchr(address, '@');

		if (!at || at == address || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.') ||
				strpbrk(address, " \t\r\n<>,;")) {
			snprintf(why, whylen, "'%s' is not an e-mail address like ward-1@hospital.example",
				address);
			return false;
		}
		return true;
	}
	if (strcmp(kind, "phone") == 0 || strcmp(kind, "sms") == 0) {
		int digits = 0;

		for (const char *p = address; *p; p++) {
			if (*p >= '0' && *p <= '9')
				digits++;
			else if (!strchr("+-() ", *p))
				digits = -1000;
		}
		if (digits < 3 || digits > 20) {
			snprintf(why, whylen, "'%s' is not a telephone number (digits, + - ( ) and spaces)",
				address);
			return false;
		}
		return true;
	}
	if (!is_url(address)) {
		snprintf(why, whylen, "'%s' is not an http:// or https:// URL", address);
		return false;
	}
	return true;
}

/* ---------- CSV ---------- */

int dept_csv_next(const char *data, size_t len, size_t *pos, size_t *line, json_t **fields,
	size_t *row, const char **why)
{
	size_t i = *pos;
	json_t *out;
	char *buf;
	size_t blen = 0;
	bool quoted = false, was_quoted = false;

	*fields = NULL;
	if (i == 0 && *line == 0) {
		*line = 1;
		if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
			i = 3;
	}
	/* Empty lines (LF or CRLF) separate nothing. */
	while (i < len && (data[i] == '\n' || (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n'))) {
		i += data[i] == '\r' ? 2 : 1;
		(*line)++;
	}
	if (i >= len) {
		*pos = i;
		return 0;
	}
	*row = *line;
	if (!(out = json_array()) || !(buf = malloc(DEPT_CSV_FIELD_MAX + 1))) {
		json_decref(out);
		return LL_ENOMEM;
	}
	for (;;) {
		char c = i < len ? data[i] : '\n';
		bool end = i >= len;

		if (quoted) {
			if (end) {
				*why = "a quoted field is not closed";
				goto bad;
			}
			i++;
			if (c == '"') {
				if (i < len && data[i] == '"')
					i++;
				else {
					quoted = false;
					continue;
				}
			} else if (c == '\n') {
				(*line)++;
			}
			if (blen < DEPT_CSV_FIELD_MAX + 1)
				buf[blen++] = c;
			continue;
		}
		if (c == '"') {
			if (blen != 0 || was_quoted) {
				*why = "a quote inside an unquoted field (quote the whole field and double the quote)";
				goto bad;
			}
			quoted = was_quoted = true;
			i++;
			continue;
		}
		if (c == ',' || c == '\n' || (c == '\r' && (i + 1 >= len || data[i + 1] == '\n'))) {
			json_t *s;

			if (blen > DEPT_CSV_FIELD_MAX) {
				*why = "a field is longer than 1024 bytes";
				goto bad;
			}
			if (!(s = json_stringn(buf, blen))) {
				*why = "a field is not valid UTF-8 (save the file as UTF-8)";
				goto bad;
			}
			if (json_array_append_new(out, s) != 0)
				break;
			blen = 0;
			was_quoted = false;
			if (c == ',') {
				i++;
				continue;
			}
			if (!end) {
				i += c == '\r' ? 2 : 1;
				if (i > len)
					i = len;
				(*line)++;
			}
			free(buf);
			*pos = i;
			*fields = out;
			return 1;
		}
		if (was_quoted) {
			*why = "text after a closing quote";
			goto bad;
		}
		if (blen < DEPT_CSV_FIELD_MAX + 1)
			buf[blen++] = c;
		i++;
	}
	free(buf);
	json_decref(out);
	return LL_ENOMEM;
bad:
	free(buf);
	json_decref(out);
	return LL_EINVAL;
}

/* ---------- CSV to an import document ---------- */

enum col { COL_CODE, COL_NAME_ZH, COL_NAME_EN, COL_TIER, COL_KIND, COL_ADDRESS, COL_NAME, COL_ROLE,
	COL__COUNT };

static const char *const col_names[COL__COUNT] = { "code", "name_zh", "name_en", "tier",
	"contact_kind", "contact_address", "contact_name", "contact_role" };

struct csv_state {
	json_t *errors;
	json_t *departments;   /* the document's array */
	json_t *by_code;       /* code → [department object, first row] */
	int idx[COL__COUNT];   /* column of each name, or -1 */
	int ncols;             /* fields in the header */
};

static void add_error(struct csv_state *st, size_t row, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_error(struct csv_state *st, size_t row, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (json_array_size(st->errors) >= DEPT_CSV_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(st->errors, json_pack("{s:I, s:s, s:s}", "row", (json_int_t)row,
		"field", field, "message", msg));
}

static const char *cell(const struct csv_state *st, json_t *fields, enum col c)
{
	const char *v = st->idx[c] < 0 ? NULL : json_string_value(json_array_get(fields,
		(size_t)st->idx[c]));

	return v && *v ? v : NULL;
}

static void read_header(struct csv_state *st, json_t *fields, size_t row)
{
	for (int c = 0; c < COL__COUNT; c++)
		st->idx[c] = -1;
	for (size_t i = 0; i < json_array_size(fields); i++) {
		const char *name = json_string_value(json_array_get(fields, i));
		int c;

		for (c = 0; c < COL__COUNT && strcmp(name, col_names[c]) != 0; c++)
			;
		if (c == COL__COUNT)
			add_error(st, row, name, "unknown column '%s' (the columns are code, name_zh, "
				"name_en, tier, contact_kind, contact_address, contact_name, contact_role)", name);
		else if (st->idx[c] >= 0)
			add_error(st, row, name, "the column %s appears twice", name);
		else
			st->idx[c] = (int)i;
	}
	for (int c = COL_CODE; c <= COL_TIER; c++)
		if (st->idx[c] < 0)
			add_error(st, row, col_names[c], "the header lacks the column %s", col_names[c]);
}

static bool name_ok(struct csv_state *st, size_t row, enum col c, const char *v)
{
	if (v && strlen(v) <= 128)
		return true;
	add_error(st, row, col_names[c], v ? "%s is longer than 128 bytes" : "%s is empty for a new "
		"department", col_names[c]);
	return false;
}

/* The department of this row: found, or created from the row's names and tier. */
static json_t *row_department(struct csv_state *st, json_t *fields, size_t row)
{
	const char *code = cell(st, fields, COL_CODE);
	const char *zh = cell(st, fields, COL_NAME_ZH), *en = cell(st, fields, COL_NAME_EN);
	const char *tier = cell(st, fields, COL_TIER);
	json_t *seen, *d;
	bool ok;

	if (!dept_code_ok(code)) {
		add_error(st, row, "code", "'%s' is not a department code (a-z, 0-9 and -, at most 64)",
			code ? code : "");
		return NULL;
	}
	if ((seen = json_object_get(st->by_code, code))) {
		static const char *const keys[] = { "name_zh", "name_en", "tier" };
		const char *vals[] = { zh, en, tier };
		size_t first = (size_t)json_integer_value(json_array_get(seen, 1));

		d = json_array_get(seen, 0);
		for (int k = 0; k < 3; k++)
			if (vals[k] && strcmp(vals[k], json_string_value(json_object_get(d, keys[k]))) != 0) {
				add_error(st, row, keys[k], "%s '%s' differs from row %zu of the same department "
					"(leave it empty or repeat it)", keys[k], vals[k], first);
				return NULL;
			}
		return d;
	}
	ok = name_ok(st, row, COL_NAME_ZH, zh);
	ok = name_ok(st, row, COL_NAME_EN, en) && ok;
	if (!dept_tier_ok(tier)) {
		add_error(st, row, "tier", "tier '%s' is not one of 30m, 6h, 24h, command",
			tier ? tier : "");
		ok = false;
	}
	if (!ok)
		return NULL;
	d = json_pack("{s:s, s:s, s:s, s:s, s:[]}", "code", code, "name_zh", zh, "name_en", en,
		"tier", tier, "contacts");
	if (!d)
		return NULL;
	json_array_append(st->departments, d);
	json_object_set_new(st->by_code, code, json_pack("[o, I]", d, (json_int_t)row));
	return d;
}

static void read_row(struct csv_state *st, json_t *fields, size_t row)
{
	const char *kind = cell(st, fields, COL_KIND), *addr = cell(st, fields, COL_ADDRESS);
	const char *name = cell(st, fields, COL_NAME), *role = cell(st, fields, COL_ROLE);
	json_t *d, *contact;
	char why[256];

	if (json_array_size(fields) != (size_t)st->ncols) {
		add_error(st, row, "", "the row has %zu fields, the header %d", json_array_size(fields),
			st->ncols);
		return;
	}
	if (!(d = row_department(st, fields, row)))
		return;
	if (!kind && !addr && !name && !role)
		return;
	if (!dept_kind_ok(kind)) {
		add_error(st, row, "contact_kind", "contact_kind '%s' is not one of email, phone, "
			"webhook, wecom, dingtalk, sms", kind ? kind : "");
		return;
	}
	if (!dept_contact_ok(kind, addr, why, sizeof(why))) {
		add_error(st, row, "contact_address", "%s", why);
		return;
	}
	if (role && !dept_role_ok(role)) {
		add_error(st, row, "contact_role", "contact_role '%s' is not one of member, head, "
			"deputy, group", role);
		return;
	}
	if (name && strlen(name) > 128) {
		add_error(st, row, "contact_name", "contact_name is longer than 128 bytes");
		return;
	}
	contact = json_pack("{s:s, s:s}", "kind", kind, "address", addr);
	if (contact && name)
		json_object_set_new(contact, "name", json_string(name));
	if (contact && role)
		json_object_set_new(contact, "role", json_string(role));
	json_array_append_new(json_object_get(d, "contacts"), contact);
}

int dept_csv_to_import(const char *data, size_t len, json_t **doc, json_t **errors)
{
	struct csv_state st = { 0 };
	size_t pos = 0, line = 0, row = 0;
	json_t *fields;
	const char *why = NULL;
	int rc, n = 0;

	*doc = NULL;
	*errors = NULL;
	st.errors = json_array();
	st.departments = json_array();
	st.by_code = json_object();
	if (!st.errors || !st.departments || !st.by_code) {
		rc = LL_ENOMEM;
		goto done;
	}
	while ((rc = dept_csv_next(data, len, &pos, &line, &fields, &row, &why)) == 1) {
		if (n++ == 0) {
			st.ncols = (int)json_array_size(fields);
			read_header(&st, fields, row);
		} else {
			read_row(&st, fields, row);
		}
		json_decref(fields);
		if (n == 1 && json_array_size(st.errors))
			break;
	}
	if (rc == LL_ENOMEM)
		goto done;
	if (rc == LL_EINVAL)
		add_error(&st, row, "", "%s", why);
	else if (n == 0)
		add_error(&st, 1, "", "the file is empty: the first line must be the header "
			"(code,name_zh,name_en,tier,contact_kind,contact_address,contact_name,contact_role)");
	else if (n == 1 && json_array_size(st.errors) == 0)
		add_error(&st, 2, "", "the file has a header and no departments");
	if (json_array_size(st.errors)) {
		*errors = st.errors;
		st.errors = NULL;
		rc = LL_EINVAL;
	} else {
		*doc = json_pack("{s:O}", "departments", st.departments);
		rc = *doc ? 0 : LL_ENOMEM;
	}
done:
	json_decref(st.errors);
	json_decref(st.departments);
	json_decref(st.by_code);
	return rc;
}

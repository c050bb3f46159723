#include "jsonschema_format.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- RFC 3339 dates ---------------------------------------------------- */

/* Value of n ASCII digits at s, or -1 if one of them is not a digit. */
static int digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool full_date(const char *s)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);

	if (y < 0 || m < 1 || m > 12 || d < 1 || s[4] != '-' || s[7] != '-')
		return false;
	if (m == 2 && d == 29)
		return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	return d <= mdays[m - 1];
}

bool jsonschema_is_date(const char *s, size_t len)
{
	return len == 10 && full_date(s);
}

bool jsonschema_is_date_time(const char *s, size_t len)
{
	size_t i = 19;
	int h, mi, sec, oh = 0, om = 0, sign = 0;

	/* 1985-04-12T23:20:50 is 19 characters; the shortest suffix is "Z". */
	if (len < 20 || !full_date(s) || (s[10] != 'T' && s[10] != 't'))
		return false;
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (s[13] != ':' || s[16] != ':' || h < 0 || h > 23 || mi < 0 || mi > 59
			|| sec < 0 || sec > 60)
		return false;
	if (s[i] == '.') {
		size_t start = ++i;

		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return false;
	}
	if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
		sign = 0;
	} else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		sign = s[i] == '+' ? 1 : -1;
		oh = digits(s + i + 1, 2);
		om = digits(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
	} else {
		return false;
	}
	if (sec == 60) {
		/* A leap second is inserted after 23:59:59 UTC, nowhere else. */
		int utc = ((h * 60 + mi - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;

		return utc == 23 * 60 + 59;
	}
	return true;
}

/* ---- ECMA-262 pattern -> POSIX ERE -------------------------------------- */

#define PAT_MAX_GROUPS 32      /* nesting of (...) */
#define PAT_MAX_REPEAT 1000    /* largest {n,m} bound */
#define PAT_MAX_WEIGHT 20000   /* atoms after expanding repeats, as regcomp does */
#define PAT_MAX_EXPANDED 4096  /* non-ASCII characters written out from ranges */
#define PAT_MAX_RANGES 128     /* items in one [...] */

struct range {
	uint32_t lo, hi;
};

static const struct range cls_digit[] = { { '0', '9' } };
static const struct range cls_word[] = {
	{ '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' },
};
/* ECMA-262 WhiteSpace and LineTerminator. */
static const struct range cls_space[] = {
	{ 0x09, 0x0d }, { 0x20, 0x20 }, { 0xa0, 0xa0 }, { 0x1680, 0x1680 },
	{ 0x2000, 0x200a }, { 0x2028, 0x2029 }, { 0x202f, 0x202f },
	{ 0x205f, 0x205f }, { 0x3000, 0x3000 }, { 0xfeff, 0xfeff },
};
/* "." is everything but these (a negated class). */
static const struct range cls_dot_not[] = {
	{ 0x0a, 0x0a }, { 0x0d, 0x0d }, { 0x2028, 0x2029 },
};

struct class_escape {
	const struct range *r;
	size_t n;
	bool negate;
};

struct tr {
	const char *s;
	size_t len, i;
	char *out;
	size_t olen, ocap;
	bool oom;
	char *why;
	size_t whylen;
	size_t weight[PAT_MAX_GROUPS + 1];
	int depth;
	size_t last;      /* weight of the atom a quantifier would repeat; 0 = none */
	size_t expanded;
};

__attribute__((format(printf, 3, 4)))
static int tr_fail(struct tr *t, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, t->whylen, fmt, ap);
	va_end(ap);
	return rc;
}

static void put(struct tr *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->olen + n + 1 > t->ocap) {
		size_t cap = t->ocap ? t->ocap : 64;
		char *p;

		while (cap < t->olen + n + 1)
			cap *= 2;
		p = realloc(t->out, cap);
		if (!p) {
			t->oom = true;
			return;
		}
		t->out = p;
		t->ocap = cap;
	}
	memcpy(t->out + t->olen, s, n);
	t->olen += n;
	t->out[t->olen] = '\0';
}

static void puts_(struct tr *t, const char *s)
{
	put(t, s, strlen(s));
}

static void put_cp(struct tr *t, uint32_t cp)
{
	char b[4];

	if (cp < 0x80) {
		b[0] = (char)cp;
		put(t, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		put(t, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		put(t, b, 3);
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		put(t, b, 4);
	}
}

/* Decode the UTF-8 character at t->i (jansson has checked the encoding). */
static int next_cp(struct tr *t, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)t->s + t->i;
	size_t left = t->len - t->i, n;

	if (s[0] < 0x80) {
		*cp = s[0];
		n = 1;
	} else if (s[0] >= 0xc2 && s[0] < 0xe0 && left >= 2) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] < 0xf0 && left >= 3) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		n = 3;
	} else if (s[0] >= 0xf0 && s[0] < 0xf5 && left >= 4) {
		*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12
			| (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		n = 4;
	} else {
		return tr_fail(t, LL_EINVAL, "invalid UTF-8 at offset %zu", t->i);
	}
	for (size_t k = 1; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return tr_fail(t, LL_EINVAL, "invalid UTF-8 at offset %zu", t->i);
	t->i += n;
	return LL_OK;
}

static int hex_value(struct tr *t, size_t n, uint32_t *out)
{
	uint32_t v = 0;

	if (t->len - t->i < n)
		return -1;
	for (size_t k = 0; k < n; k++) {
		char c = t->s[t->i + k];
		int d = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		v = v * 16 + (uint32_t)d;
	}
	t->i += n;
	*out = v;
	return 0;
}

/*
 * Parse the escape after a backslash (t->i is past the backslash). Sets
 * either *cls (a class escape such as \d) or *cp (one character).
 */
static int parse_escape(struct tr *t, bool in_class, uint32_t *cp, struct class_escape *cls)
{
	unsigned char c;

	cls->r = NULL;
	if (t->i >= t->len)
		return tr_fail(t, LL_EINVAL, "pattern ends with a backslash");
	c = (unsigned char)t->s[t->i++];
	switch (c) {
	case 'd': case 'D':
		*cls = (struct class_escape){ cls_digit, 1, c == 'D' };
		return LL_OK;
	case 'w': case 'W':
		*cls = (struct class_escape){ cls_word, 4, c == 'W' };
		return LL_OK;
	case 's': case 'S':
		*cls = (struct class_escape){ cls_space, sizeof cls_space / sizeof cls_space[0], c == 'S' };
		return LL_OK;
	case 'b':
		if (in_class) {
			*cp = 0x08;
			return LL_OK;
		}
		return tr_fail(t, LL_EUNSUPPORTED, "word boundary \\b is not supported");
	case 'B':
		return tr_fail(t, LL_EUNSUPPORTED, "word boundary \\B is not supported");
	case 't': *cp = '\t'; return LL_OK;
	case 'n': *cp = '\n'; return LL_OK;
	case 'v': *cp = '\v'; return LL_OK;
	case 'f': *cp = '\f'; return LL_OK;
	case 'r': *cp = '\r'; return LL_OK;
	case 'x':
		if (hex_value(t, 2, cp) < 0)
			return tr_fail(t, LL_EINVAL, "\\x needs two hex digits");
		break;
	case 'u':
		if (t->i < t->len && t->s[t->i] == '{')
			return tr_fail(t, LL_EUNSUPPORTED, "\\u{...} escapes are not supported");
		if (hex_value(t, 4, cp) < 0)
			return tr_fail(t, LL_EINVAL, "\\u needs four hex digits");
		if (*cp >= 0xd800 && *cp < 0xdc00 && t->len - t->i >= 6
				&& t->s[t->i] == '\\' && t->s[t->i + 1] == 'u') {
			size_t at = t->i;
			uint32_t low;

			t->i += 2;
			if (hex_value(t, 4, &low) == 0 && low >= 0xdc00 && low < 0xe000)
				*cp = 0x10000 + ((*cp - 0xd800) << 10) + (low - 0xdc00);
			else
				t->i = at;
		}
		if (*cp >= 0xd800 && *cp < 0xe000)
			return tr_fail(t, LL_EUNSUPPORTED, "lone surrogate \\u%04X is not supported",
				(unsigned)*cp);
		break;
	case 'c':
		if (t->i < t->len && ((t->s[t->i] | 0x20) >= 'a' && (t->s[t->i] | 0x20) <= 'z')) {
			*cp = (uint32_t)(t->s[t->i++] & 0x1f);
			return LL_OK;
		}
		return tr_fail(t, LL_EUNSUPPORTED, "\\c without a letter is not supported");
	case 'p': case 'P':
		return tr_fail(t, LL_EUNSUPPORTED, "Unicode property escape \\%c is not supported", c);
	case 'k':
		return tr_fail(t, LL_EUNSUPPORTED, "named backreference \\k is not supported");
	case '0':
		*cp = 0;
		break;
	default:
		if (c >= '1' && c <= '9')
			return tr_fail(t, LL_EUNSUPPORTED, "backreference \\%c is not supported", c);
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			return tr_fail(t, LL_EUNSUPPORTED, "escape \\%c is not supported", c);
		/* An escaped punctuation or non-ASCII character stands for itself. */
		t->i--;
		return next_cp(t, cp);
	}
	if (*cp == 0)
		return tr_fail(t, LL_EUNSUPPORTED, "NUL characters in patterns are not supported");
	return LL_OK;
}

/* Characters that mean something in a POSIX bracket unless placed with care. */
static bool bracket_special(uint32_t c)
{
	return c == ']' || c == '-' || c == '^' || c == '[';
}

/*
 * Write a POSIX bracket expression for the ranges. POSIX wants "]" first,
 * "-" last, "^" anywhere but first, and "[" where it cannot start "[:", "[."
 * or "[="; so those four are peeled off the ranges and placed by hand.
 */
static int emit_class(struct tr *t, const struct range *r, size_t n, bool negate)
{
	bool seen[4] = { false, false, false, false }; /* ] ^ [ - */
	size_t body_start;

	puts_(t, negate ? "[^" : "[");
	puts_(t, "]"); /* placeholder for "]", dropped below if unused */
	body_start = t->olen;
	for (size_t k = 0; k < n; k++) {
		uint32_t lo = r[k].lo, hi = r[k].hi;

		while (lo <= hi && bracket_special(lo))
			seen[lo == ']' ? 0 : lo == '^' ? 1 : lo == '[' ? 2 : 3] = true, lo++;
		while (hi > lo && bracket_special(hi))
			seen[hi == ']' ? 0 : hi == '^' ? 1 : hi == '[' ? 2 : 3] = true, hi--;
		if (lo > hi)
			continue;
		if (hi >= 0x80 && hi > lo) {
			/* glibc cannot range over multibyte characters in C.UTF-8. */
			if (lo < 0x80) {
				put_cp(t, lo);
				if (0x7f > lo)
					puts_(t, "-\x7f");
				lo = 0x80;
			}
			if (hi - lo + 1 > PAT_MAX_EXPANDED - t->expanded)
				return tr_fail(t, LL_EUNSUPPORTED,
					"character ranges above U+007F may hold at most %d characters",
					PAT_MAX_EXPANDED);
			t->expanded += hi - lo + 1;
			for (uint32_t c = lo; c <= hi; c++)
				put_cp(t, c);
			continue;
		}
		put_cp(t, lo);
		if (hi > lo) {
			puts_(t, "-");
			put_cp(t, hi);
		}
	}
	if (t->oom)
		return LL_ENOMEM;
	if (!seen[0]) {
		/* Drop the "]" placeholder. */
		memmove(t->out + body_start - 1, t->out + body_start, t->olen - body_start + 1);
		t->olen--;
		body_start--;
	}
	if (seen[1] && !negate && t->olen == body_start && !seen[0]) {
		/* "^" would come first and negate the class. */
		if (seen[3]) {
			puts_(t, "-^");
			seen[3] = false;
		} else if (seen[2]) {
			puts_(t, "[^");
			seen[2] = false;
		} else {
			t->olen -= 1; /* drop the "[" */
			puts_(t, "\\^");
			return t->oom ? LL_ENOMEM : LL_OK;
		}
	} else if (seen[1]) {
		puts_(t, "^");
	}
	if (seen[2])
		puts_(t, "[");
	if (seen[3])
		puts_(t, "-");
	puts_(t, "]");
	return t->oom ? LL_ENOMEM : LL_OK;
}

/* One character outside brackets. */
static void emit_literal(struct tr *t, uint32_t cp)
{
	if (cp == ']' || cp == '}') {
		puts_(t, cp == ']' ? "[]]" : "[}]");
		return;
	}
	if (cp < 0x80 && strchr("^.[$()|*+?{\\", (int)cp))
		puts_(t, "\\");
	put_cp(t, cp);
}

/* [...] starting at t->i (past the "["). */
static int parse_class(struct tr *t)
{
	struct range r[PAT_MAX_RANGES];
	size_t n = 0;
	bool negate = false;
	int rc;

	if (t->i < t->len && t->s[t->i] == '^') {
		negate = true;
		t->i++;
	}
	if (t->i < t->len && t->s[t->i] == ']')
		return tr_fail(t, LL_EUNSUPPORTED, "empty classes [] and [^] are not supported");
	for (;;) {
		struct class_escape cls;
		uint32_t lo, hi;

		if (t->i >= t->len)
			return tr_fail(t, LL_EINVAL, "unterminated [");
		if (t->s[t->i] == ']') {
			t->i++;
			break;
		}
		if (t->s[t->i] == '\\') {
			t->i++;
			rc = parse_escape(t, true, &lo, &cls);
		} else {
			cls.r = NULL;
			rc = next_cp(t, &lo);
		}
		if (rc != LL_OK)
			return rc;
		if (cls.r) {
			if (cls.negate)
				return tr_fail(t, LL_EUNSUPPORTED, "\\D, \\W and \\S inside [...] are not supported");
			if (n + cls.n > PAT_MAX_RANGES)
				return tr_fail(t, LL_EUNSUPPORTED, "character class too large");
			memcpy(r + n, cls.r, cls.n * sizeof *r);
			n += cls.n;
			if (t->i + 1 < t->len && t->s[t->i] == '-' && t->s[t->i + 1] != ']')
				return tr_fail(t, LL_EUNSUPPORTED, "a class escape cannot start a range");
			continue;
		}
		hi = lo;
		if (t->i + 1 < t->len && t->s[t->i] == '-' && t->s[t->i + 1] != ']') {
			t->i++;
			if (t->s[t->i] == '\\') {
				t->i++;
				rc = parse_escape(t, true, &hi, &cls);
			} else {
				cls.r = NULL;
				rc = next_cp(t, &hi);
			}
			if (rc != LL_OK)
				return rc;
			if (cls.r)
				return tr_fail(t, LL_EUNSUPPORTED, "a class escape cannot end a range");
			if (hi < lo)
				return tr_fail(t, LL_EINVAL, "range out of order in [...]");
		}
		if (n == PAT_MAX_RANGES)
			return tr_fail(t, LL_EUNSUPPORTED, "character class too large");
		r[n++] = (struct range){ lo, hi };
	}
	return emit_class(t, r, n, negate);
}

static int atom(struct tr *t, size_t w)
{
	t->weight[t->depth] += w;
	t->last = w;
	if (t->weight[t->depth] > PAT_MAX_WEIGHT)
		return tr_fail(t, LL_EUNSUPPORTED, "pattern too complex to compile");
	return LL_OK;
}

/* A quantifier repeats the last atom: count what regcomp will build. */
static int repeat(struct tr *t, size_t times)
{
	if (!t->last)
		return tr_fail(t, LL_EINVAL, "nothing to repeat at offset %zu", t->i);
	if (times > 1)
		t->weight[t->depth] += t->last * (times - 1);
	t->last = 0;
	if (t->i < t->len && t->s[t->i] == '?')
		t->i++; /* lazy: matches the same strings as greedy */
	if (t->weight[t->depth] > PAT_MAX_WEIGHT)
		return tr_fail(t, LL_EUNSUPPORTED, "pattern too complex to compile");
	return LL_OK;
}

/* {n}, {n,} or {n,m} at t->i; false (and t->i unchanged) if it is not one. */
static bool parse_braces(struct tr *t, long *lo, long *hi)
{
	size_t i = t->i + 1;
	long a = 0, b;

	if (i >= t->len || t->s[i] < '0' || t->s[i] > '9')
		return false;
	while (i < t->len && t->s[i] >= '0' && t->s[i] <= '9')
		a = a > PAT_MAX_REPEAT ? a : a * 10 + (t->s[i++] - '0');
	b = a;
	if (i < t->len && t->s[i] == ',') {
		i++;
		b = -1;
		if (i < t->len && t->s[i] >= '0' && t->s[i] <= '9')
			for (b = 0; i < t->len && t->s[i] >= '0' && t->s[i] <= '9'; i++)
				b = b > PAT_MAX_REPEAT ? b : b * 10 + (t->s[i] - '0');
	}
	if (i >= t->len || t->s[i] != '}')
		return false;
	t->i = i + 1;
	*lo = a;
	*hi = b;
	return true;
}

static int parse_group_open(struct tr *t)
{
	const char *s = t->s + t->i;
	size_t left = t->len - t->i;

	if (left >= 2 && s[0] == '?') {
		if (s[1] == ':') {
			t->i += 2;
		} else if (s[1] == '=' || s[1] == '!') {
			return tr_fail(t, LL_EUNSUPPORTED, "lookahead (?%c...) is not supported", s[1]);
		} else if (s[1] == '<' && left >= 3 && (s[2] == '=' || s[2] == '!')) {
			return tr_fail(t, LL_EUNSUPPORTED, "lookbehind (?<%c...) is not supported", s[2]);
		} else if (s[1] == '<') {
			size_t k = 2;

			while (k < left && (s[k] == '_' || s[k] == '$' || (s[k] >= '0' && s[k] <= '9')
					|| ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z')))
				k++;
			if (k == 2 || k >= left || s[k] != '>')
				return tr_fail(t, LL_EINVAL, "invalid group name");
			t->i += k + 1;
		} else {
			return tr_fail(t, LL_EINVAL, "invalid group (? at offset %zu", t->i - 1);
		}
	} else if (left >= 1 && s[0] == '?') {
		return tr_fail(t, LL_EINVAL, "invalid group (? at offset %zu", t->i - 1);
	}
	if (t->depth == PAT_MAX_GROUPS)
		return tr_fail(t, LL_EUNSUPPORTED, "more than %d nested groups", PAT_MAX_GROUPS);
	t->weight[++t->depth] = 0;
	t->last = 0;
	puts_(t, "(");
	return LL_OK;
}

static int translate_one(struct tr *t)
{
	char c = t->s[t->i];
	struct class_escape cls;
	uint32_t cp;
	long lo, hi;
	int rc;

	switch (c) {
	case '*':
	case '+':
	case '?':
		t->i++;
		put(t, &c, 1);
		return repeat(t, c == '+' ? 2 : 1);
	case '{':
		if (!parse_braces(t, &lo, &hi)) {
			t->i++;
			puts_(t, "\\{");
			return atom(t, 1);
		}
		if (lo > PAT_MAX_REPEAT || hi > PAT_MAX_REPEAT)
			return tr_fail(t, LL_EUNSUPPORTED, "repeat counts above %d are not supported",
				PAT_MAX_REPEAT);
		if (hi >= 0 && hi < lo)
			return tr_fail(t, LL_EINVAL, "numbers out of order in {%ld,%ld}", lo, hi);
		{
			char q[32];

			if (hi == lo)
				snprintf(q, sizeof q, "{%ld}", lo);
			else if (hi < 0)
				snprintf(q, sizeof q, "{%ld,}", lo);
			else
				snprintf(q, sizeof q, "{%ld,%ld}", lo, hi);
			puts_(t, q);
		}
		return repeat(t, (size_t)(hi < 0 ? lo + 1 : hi > 0 ? hi : 1));
	case '(':
		t->i++;
		return parse_group_open(t);
	case ')': {
		size_t w;

		if (t->depth == 0)
			return tr_fail(t, LL_EINVAL, "unmatched ) at offset %zu", t->i);
		t->i++;
		w = t->weight[t->depth--];
		puts_(t, ")");
		return atom(t, w ? w : 1);
	}
	case '|':
	case '^':
	case '$':
		t->i++;
		put(t, &c, 1);
		t->last = 0;
		return LL_OK;
	case '.':
		t->i++;
		rc = emit_class(t, cls_dot_not, sizeof cls_dot_not / sizeof cls_dot_not[0], true);
		return rc != LL_OK ? rc : atom(t, 1);
	case '[':
		t->i++;
		rc = parse_class(t);
		return rc != LL_OK ? rc : atom(t, 1);
	case '\\':
		t->i++;
		rc = parse_escape(t, false, &cp, &cls);
		if (rc != LL_OK)
			return rc;
		if (cls.r) {
			rc = emit_class(t, cls.r, cls.n, cls.negate);
			if (rc != LL_OK)
				return rc;
		} else {
			emit_literal(t, cp);
		}
		return atom(t, 1);
	default:
		rc = next_cp(t, &cp);
		if (rc != LL_OK)
			return rc;
		emit_literal(t, cp);
		return atom(t, 1);
	}
}

int jsonschema_pattern_to_ere(const char *ecma, size_t len, char **out,
	char *why, size_t whylen)
{
	struct tr t = { .s = ecma, .len = len, .why = why, .whylen = whylen };
	int rc = LL_OK;

	*out = NULL;
	if (whylen)
		why[0] = '\0';
	if (memchr(ecma, '\0', len))
		return tr_fail(&t, LL_EUNSUPPORTED, "NUL characters in patterns are not supported");
	puts_(&t, "");
	while (rc == LL_OK && t.i < t.len && !t.oom)
		rc = translate_one(&t);
	if (rc == LL_OK && t.depth != 0)
		rc = tr_fail(&t, LL_EINVAL, "unmatched (");
	if (rc == LL_OK && t.oom)
		rc = tr_fail(&t, LL_ENOMEM, "out of memory");
	if (rc != LL_OK) {
		free(t.out);
		return rc;
	}
	*out = t.out;
	return LL_OK;
}

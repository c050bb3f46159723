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
/*
 * Empty steps (anchors, "|", groups, optional atoms) cost glibc regcomp
 * cubic time when they chain, worst inside a loop: 200 of them under a "+"
 * already take a second. So they are counted too.
 */
#define PAT_MAX_EMPTY 200      /* in the whole pattern, after expanding repeats */
#define PAT_MAX_EMPTY_LOOP 32  /* inside what "*", "+" or {n,} repeats */
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
	size_t weight[PAT_MAX_GROUPS + 1], empty[PAT_MAX_GROUPS + 1];
	int depth;
	size_t last;      /* weight of the atom a quantifier would repeat; 0 = none */
	size_t last_empty; /* its empty steps */
	size_t empty_total;
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
	static const unsigned char lead[5] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	char b[4];

	for (size_t k = n; k-- > 1; cp >>= 6)
		b[k] = (char)(0x80 | (cp & 0x3f));
	b[0] = (char)(lead[n] | cp);
	put(t, b, n);
}

/* Decode the UTF-8 character at t->i (jansson has checked the encoding). */
static int next_cp(struct tr *t, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)t->s + t->i;
	size_t n = s[0] < 0x80 ? 1 : s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3
		: s[0] < 0xf5 ? 4 : 0;

	if (n == 0 || n > t->len - t->i)
		return tr_fail(t, LL_EINVAL, "invalid UTF-8 at offset %zu", t->i);
	*cp = n == 1 ? s[0] : s[0] & (0x7fu >> n);
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return tr_fail(t, LL_EINVAL, "invalid UTF-8 at offset %zu", t->i);
		*cp = *cp << 6 | (s[k] & 0x3fu);
	}
	t->i += n;
	return LL_OK;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
		: c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int hex_value(struct tr *t, size_t n, uint32_t *out)
{
	uint32_t v = 0;

	if (t->len - t->i < n)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (hex_digit(t->s[t->i + k]) < 0)
			return -1;
		v = v * 16 + (uint32_t)hex_digit(t->s[t->i + k]);
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

static int too_complex(struct tr *t)
{
	if (t->weight[t->depth] > PAT_MAX_WEIGHT || t->empty_total > PAT_MAX_EMPTY)
		return tr_fail(t, LL_EUNSUPPORTED, "pattern too complex to compile");
	return LL_OK;
}

/* An atom of w atoms and e empty steps: a character, a class or a group. */
static int atom(struct tr *t, size_t w, size_t e)
{
	t->weight[t->depth] += w;
	t->empty[t->depth] += e;
	t->last = w;
	t->last_empty = e;
	return too_complex(t);
}

/* ^ $ | */
static int empty_step(struct tr *t)
{
	t->empty[t->depth]++;
	t->empty_total++;
	t->last = 0;
	return too_complex(t);
}

/* A quantifier repeats the last atom: count what regcomp will build. */
static int repeat(struct tr *t, size_t times, bool optional, bool loop)
{
	size_t e = t->last_empty * (times - 1) + (optional || loop);

	if (!t->last)
		return tr_fail(t, LL_EINVAL, "nothing to repeat at offset %zu", t->i);
	if (loop && t->last_empty > PAT_MAX_EMPTY_LOOP)
		return tr_fail(t, LL_EUNSUPPORTED, "pattern too complex to compile");
	t->weight[t->depth] += t->last * (times - 1);
	t->empty[t->depth] += e;
	t->empty_total += e;
	t->last = 0;
	if (t->i < t->len && t->s[t->i] == '?')
		t->i++; /* lazy: matches the same strings as greedy */
	return too_complex(t);
}

/* {n}, {n,} or {n,m} at t->i; false (and t->i unchanged) if it is not one. */
static bool parse_braces(struct tr *t, long *lo, long *hi)
{
	size_t i = t->i + 1;
	long a = 0, b;

	if (i >= t->len || t->s[i] < '0' || t->s[i] > '9')
		return false;
	for (; i < t->len && t->s[i] >= '0' && t->s[i] <= '9'; i++)
		a = a > PAT_MAX_REPEAT ? a : a * 10 + (t->s[i] - '0'); /* capped: refused later */
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
	t->depth++;
	t->weight[t->depth] = t->empty[t->depth] = 0;
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
		return repeat(t, c == '+' ? 2 : 1, c == '?', c != '?');
	case '{':
		if (!parse_braces(t, &lo, &hi)) {
			t->i++;
			puts_(t, "\\{");
			return atom(t, 1, 0);
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
		return repeat(t, (size_t)(hi < 0 ? lo + 1 : hi > 0 ? hi : 1), lo == 0, hi < 0);
	case '(':
		t->i++;
		return parse_group_open(t);
	case ')': {
		size_t w, e;

		if (t->depth == 0)
			return tr_fail(t, LL_EINVAL, "unmatched ) at offset %zu", t->i);
		t->i++;
		w = t->weight[t->depth];
		e = t->empty[t->depth--] + 2; /* a group opens and closes: two more */
		t->empty_total += 2;
		puts_(t, ")");
		return atom(t, w ? w : 1, e);
	}
	case '|':
	case '^':
	case '$':
		t->i++;
		put(t, &c, 1);
		return empty_step(t);
	case '.':
		t->i++;
		rc = emit_class(t, cls_dot_not, sizeof cls_dot_not / sizeof cls_dot_not[0], true);
		return rc != LL_OK ? rc : atom(t, 1, 0);
	case '[':
		t->i++;
		rc = parse_class(t);
		return rc != LL_OK ? rc : atom(t, 1, 0);
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
		return atom(t, 1, 0);
	default:
		rc = next_cp(t, &cp);
		if (rc != LL_OK)
			return rc;
		emit_literal(t, cp);
		return atom(t, 1, 0);
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

/* ---- JSON values, as JSON Schema compares them ---------------------------- */

bool jsonschema_is_integral(double d)
{
	double a = d < 0 ? -d : d;

	/* Every double from 2^52 up is a whole number; below, the cast is exact. */
	return a >= 4503599627370496.0 || (double)(long long)d == d;
}

int jsonschema_number_cmp(const json_t *a, const json_t *b)
{
	long double x, y;

	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t i = json_integer_value(a), k = json_integer_value(b);

		return (i > k) - (i < k);
	}
	/* long double holds every int64 and every double exactly. */
	x = json_is_integer(a) ? (long double)json_integer_value(a) : (long double)json_real_value(a);
	y = json_is_integer(b) ? (long double)json_integer_value(b) : (long double)json_real_value(b);
	return (x > y) - (x < y);
}

bool jsonschema_equal(json_t *a, json_t *b)
{
	const char *key;
	size_t klen;
	json_t *va;

	if (json_is_number(a) && json_is_number(b))
		return jsonschema_number_cmp(a, b) == 0;
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
			if (!jsonschema_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_keylen_foreach(a, key, klen, va) {
			json_t *vb = json_object_getn(b, key, klen);

			if (!vb || !jsonschema_equal(va, vb))
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

/* A hash that agrees with jsonschema_equal(): equal values hash equal. */
static uint64_t json_hash(json_t *j)
{
	const char *key;
	size_t klen;
	json_t *v;
	uint64_t h;
	double d;

	switch (json_typeof(j)) {
	case JSON_INTEGER:
		return mix((uint64_t)json_integer_value(j));
	case JSON_REAL:
		d = json_real_value(j);
		if (jsonschema_is_integral(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
			return mix((uint64_t)(long long)d); /* as the equal integer */
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
		h = 0x4f424a; /* a sum, so that key order does not matter */
		json_object_keylen_foreach(j, key, klen, v)
			h += mix(bytes_hash(key, klen) ^ json_hash(v));
		return mix(h);
	default:
		return (uint64_t)json_typeof(j) * 0x9e3779b97f4a7c15u;
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
 * Sort by a hash that agrees with equality, then compare only within runs
 * of equal hashes: a long array costs n log n, not n^2.
 */
size_t *jsonschema_repeats(json_t *array)
{
	size_t n = json_array_size(array);
	struct hashed *h = malloc((n ? n : 1) * sizeof *h);
	size_t *first = malloc((n ? n : 1) * sizeof *first);

	if (!h || !first) {
		free(h);
		free(first);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		h[i] = (struct hashed){ json_hash(json_array_get(array, i)), i };
		first[i] = SIZE_MAX;
	}
	qsort(h, n, sizeof *h, hashed_cmp);
	for (size_t i = 0; i < n; i++)
		for (size_t k = i; k-- > 0 && h[k].hash == h[i].hash;)
			if (jsonschema_equal(json_array_get(array, h[i].index),
					json_array_get(array, h[k].index)))
				first[h[i].index] = h[k].index; /* ends at the earliest */
	free(h);
	return first;
}

/* ---- text and JSON pointers --------------------------------------------- */

size_t jsonschema_utf8_length(const char *s, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xc0) != 0x80;
	return count;
}

void jsonschema_utf8_trim(char *buf, size_t len)
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

void jsonschema_pointer_append(char *buf, size_t size, size_t *at, const char *seg, size_t n)
{
	if (*at + 1 < size)
		buf[(*at)++] = '/';
	for (size_t i = 0; i < n && *at + 1 < size; i++) {
		if (seg[i] != '~' && seg[i] != '/') {
			buf[(*at)++] = seg[i];
		} else if (*at + 2 < size) {
			buf[(*at)++] = '~';
			buf[(*at)++] = seg[i] == '~' ? '0' : '1';
		} else {
			break;
		}
	}
	buf[*at] = '\0';
}

char *jsonschema_values_text(const char *prefix, json_t *v, bool list, size_t size)
{
	char *buf = malloc(size);
	size_t n = list ? json_array_size(v) : 1, len;
	const size_t room = size - 6; /* keep space for ", ..." */

	if (!buf)
		return NULL;
	len = (size_t)snprintf(buf, size, "%s", prefix);
	for (size_t i = 0; i < n; i++) {
		char *text = json_dumps(list ? json_array_get(v, i) : v,
			JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));

		if (!text) {
			free(buf);
			return NULL;
		}
		if (len + strlen(text) + (i ? 2 : 0) <= room) {
			len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", text);
			free(text);
			continue;
		}
		if (list) {
			strcat(buf, ", ...");
		} else {
			snprintf(buf + len, room - len, "%s", text);
			jsonschema_utf8_trim(buf, strlen(buf));
			strcat(buf, "...");
		}
		free(text);
		break;
	}
	return buf;
}

int jsonschema_pointer_get(json_t *root, const char *frag, size_t n, json_t **out)
{
	char *ptr = malloc(n + 1);
	size_t len = 0, i = 0;
	json_t *cur = root;

	*out = NULL;
	if (!ptr)
		return LL_ENOMEM;
	/* A URI fragment first: undo the %-escapes. */
	for (size_t k = 0; k < n; k++) {
		if (frag[k] != '%') {
			ptr[len++] = frag[k];
		} else if (k + 2 < n && hex_digit(frag[k + 1]) >= 0 && hex_digit(frag[k + 2]) >= 0) {
			ptr[len++] = (char)(hex_digit(frag[k + 1]) * 16 + hex_digit(frag[k + 2]));
			k += 2;
		} else {
			free(ptr);
			return LL_EINVAL;
		}
	}
	if (len > 0 && ptr[0] != '/') {
		free(ptr);
		return LL_EUNSUPPORTED;
	}
	while (cur && i < len) {
		size_t start = ++i, slen = 0;

		/* Unescape ~0 ~1 in place: the result is never longer than the source. */
		while (i < len && ptr[i] != '/') {
			if (ptr[i] == '~' && i + 1 < len && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
				ptr[start + slen++] = ptr[i + 1] == '0' ? '~' : '/';
				i += 2;
			} else if (ptr[i] == '~') {
				free(ptr);
				return LL_EINVAL;
			} else {
				ptr[start + slen++] = ptr[i++];
			}
		}
		if (json_is_object(cur)) {
			cur = json_object_getn(cur, ptr + start, slen);
		} else if (json_is_array(cur) && slen > 0 && slen < 10
				&& (slen == 1 || ptr[start] != '0')) {
			size_t idx = 0;

			for (size_t k = 0; k < slen && cur; k++) {
				if (ptr[start + k] < '0' || ptr[start + k] > '9')
					cur = NULL;
				idx = idx * 10 + (size_t)(ptr[start + k] - '0');
			}
			cur = cur ? json_array_get(cur, idx) : NULL;
		} else {
			cur = NULL;
		}
	}
	free(ptr);
	*out = cur;
	return LL_OK;
}

/*
 * jsonschema_format — the value-level work behind jsonschema.c, which keeps
 * the keywords and the walk: the "date" and "date-time" formats of RFC 3339,
 * ECMA-262 "pattern" expressions translated to POSIX ones, JSON equality as
 * JSON Schema defines it, and the UTF-8 and JSON-pointer text of errors.
 * Internal to proto/.
 *
 * Why translate: draft-07 patterns are ECMA-262, but the C library we trust is
 * POSIX regcomp(). The translation keeps the meaning exactly or refuses:
 *   \d \w \s and \D \W \S   become bracket expressions (ASCII digits and word
 *                           characters, ECMA white space incl. U+00A0, U+FEFF...);
 *   .                       becomes "any character but a line terminator";
 *   (?:x) and (?<name>x)    become plain groups; lazy quantifiers become greedy
 *                           (the same strings match);
 *   \b \B, lookaround, backreferences, \p{..}, [] and [^], class escapes \D \W \S
 *                           inside [..]: refused (LL_EUNSUPPORTED).
 * The result must be compiled and run in a UTF-8 locale (jsonschema.c uses
 * C.UTF-8 through uselocale()) so that "." and [..] see characters, not bytes.
 * glibc cannot form ranges between non-ASCII characters in C.UTF-8, so those
 * are written out character by character, at most 4096 in all.
 * Patterns that would make regcomp slow are refused as "too complex": more
 * than 20,000 atoms once {n,m} is expanded, repeat counts above 1000, or long
 * chains of empty steps (anchors, "|", optional atoms), which glibc handles
 * in cubic time. Characters outside the BMP count as one character (ECMA
 * counts two UTF-16 units); no Lifeline pattern depends on that.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "errors.h"

/* True when s[0..len) is an RFC 3339 full-date that exists in the calendar. */
bool jsonschema_is_date(const char *s, size_t len);

/*
 * True when s[0..len) is an RFC 3339 date-time: "T" or "t", seconds with an
 * optional fraction, "Z", "z" or a +hh:mm/-hh:mm offset. Second 60 (a leap
 * second) is accepted only at 23:59 UTC.
 */
bool jsonschema_is_date_time(const char *s, size_t len);

/*
 * Translate the ECMA-262 pattern ecma[0..len) into a POSIX ERE for
 * regcomp(REG_EXTENDED). On LL_OK *out is a NUL-terminated string the caller
 * frees. Otherwise why[] says what is wrong: LL_EUNSUPPORTED for a valid
 * pattern we cannot translate (or one too costly to compile), LL_EINVAL for a
 * malformed pattern, LL_ENOMEM.
 */
int jsonschema_pattern_to_ere(const char *ecma, size_t len, char **out,
	char *why, size_t whylen) LL_MUST_CHECK;

/* True when d has no fraction (1.0 is an integer for JSON Schema). */
bool jsonschema_is_integral(double d);

/* Compare two JSON numbers by value, exactly, integer or real: -1, 0 or 1. */
int jsonschema_number_cmp(const json_t *a, const json_t *b);

/* JSON Schema equality: numbers by value (1 == 1.0), object keys in any order. */
bool jsonschema_equal(json_t *a, json_t *b);

/*
 * For each item of the array, the index of the first earlier item equal to
 * it, or SIZE_MAX. A malloc'd array the caller frees; NULL if out of memory.
 */
size_t *jsonschema_repeats(json_t *array);

/* Number of code points in the UTF-8 text s[0..n). */
size_t jsonschema_utf8_length(const char *s, size_t n);

/* Terminate buf at len, first dropping a trailing incomplete UTF-8 character. */
void jsonschema_utf8_trim(char *buf, size_t len);

/*
 * Append "/" and the segment seg[0..n) to the JSON pointer in buf, which
 * holds *at bytes, escaping "~" as "~0" and "/" as "~1" (RFC 6901). Stops at
 * size - 1 bytes, never inside an escape, and keeps buf NUL-terminated.
 */
void jsonschema_pointer_append(char *buf, size_t size, size_t *at, const char *seg, size_t n);

/*
 * "<prefix>v1, v2, ..." for the items of the array v (list) or for v itself,
 * as compact JSON cut to fit size bytes. malloc'd; NULL if out of memory.
 */
char *jsonschema_values_text(const char *prefix, json_t *v, bool list, size_t size);

/*
 * Resolve the URI fragment frag[0..n) (%-escaped; "" or a JSON pointer like
 * "/definitions/a~1b") from root. LL_OK with *out the value, or NULL if
 * there is none; LL_EINVAL for a bad %- or ~-escape; LL_EUNSUPPORTED for a
 * fragment that is not a JSON pointer ("foo"); LL_ENOMEM.
 */
int jsonschema_pointer_get(json_t *root, const char *frag, size_t n, json_t **out)
	LL_MUST_CHECK;

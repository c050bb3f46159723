/*
 * jsonschema_format — the string checks behind jsonschema.c: the "date" and
 * "date-time" formats of RFC 3339, and the translation of ECMA-262 "pattern"
 * regular expressions into POSIX extended ones. Internal to proto/.
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
 * are written out character by character, at most PAT_MAX_EXPANDED in all.
 * Characters outside the BMP count as one character (ECMA counts two UTF-16
 * units); no Lifeline pattern depends on that.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

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

/*
 * pf_error — filling a printforms_error. Internal to printforms.
 */
#pragma once

#include "printforms.h"

/*
 * Fill err (may be NULL) with where and a formatted message; returns code,
 * so that a failure reads `return pf_fail(err, PRINTFORMS_EINVAL, ...)`.
 * Texts too long for the buffers are cut on a UTF-8 character boundary.
 */
int pf_fail(printforms_error *err, int code, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

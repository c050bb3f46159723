/*
 * errors — the one error convention of the Lifeline tree.
 *
 * Functions that can fail return int: 0 on success, or one of the negative
 * LL_E* codes below. lifeline_strerror() turns a code into a short English
 * phrase for logs and error messages; it never returns NULL.
 */
#pragma once

enum lifeline_error {
	LL_OK = 0,
	LL_ENOMEM = -1,        /* out of memory */
	LL_EINVAL = -2,        /* bad argument or bad input */
	LL_EIO = -3,           /* operating-system I/O failure */
	LL_ENOTFOUND = -4,     /* no such object */
	LL_ECONFLICT = -5,     /* state conflict (already exists, wrong state) */
	LL_EDB = -6,           /* database error */
	LL_EDBDOWN = -7,       /* database unavailable */
	LL_ETOOBIG = -8,       /* input larger than allowed */
	LL_EPERM = -9,         /* not allowed for this role */
	LL_EAUTH = -10,        /* authentication failed */
	LL_EUNSUPPORTED = -11, /* feature or keyword not supported */
	LL_ETIMEOUT = -12,     /* timed out */
	LL_ESCHEMA = -13,      /* input does not match its schema */
};

#define LL_MUST_CHECK __attribute__((warn_unused_result))

const char *lifeline_strerror(int err);

#include "pf_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Cut a truncated UTF-8 text back to its last whole character. */
static void cut_utf8(char *s, size_t cap)
{
	size_t len = strnlen(s, cap);
	size_t i = len;

	if (len + 1 < cap)
		return;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0 && ((unsigned char)s[i - 1] & 0x80)) {
		unsigned char lead = (unsigned char)s[i - 1];
		size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
		if (len - (i - 1) < need)
			s[i - 1] = '\0';
	}
}

int pf_fail(printforms_error *err, int code, const char *where, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	snprintf(err->where, sizeof err->where, "%s", where ? where : "");
	cut_utf8(err->where, sizeof err->where);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	cut_utf8(err->message, sizeof err->message);
	return code;
}

const char *printforms_strerror(int status)
{
	switch (status) {
	case PRINTFORMS_OK: return "success";
	case PRINTFORMS_ENOMEM: return "out of memory";
	case PRINTFORMS_EINVAL: return "invalid template, data or job";
	case PRINTFORMS_EIO: return "input/output error";
	case PRINTFORMS_ENOTFOUND: return "not found";
	case PRINTFORMS_ETOOBIG: return "too large";
	case PRINTFORMS_EPDF: return "PDF library error";
	}
	return "unknown error";
}

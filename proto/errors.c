#include "errors.h"

const char *lifeline_strerror(int err)
{
	switch (err) {
	case LL_OK: return "success";
	case LL_ENOMEM: return "out of memory";
	case LL_EINVAL: return "invalid argument";
	case LL_EIO: return "input/output error";
	case LL_ENOTFOUND: return "not found";
	case LL_ECONFLICT: return "conflict";
	case LL_EDB: return "database error";
	case LL_EDBDOWN: return "database unavailable";
	case LL_ETOOBIG: return "too large";
	case LL_EPERM: return "permission denied";
	case LL_EAUTH: return "authentication failed";
	case LL_EUNSUPPORTED: return "not supported";
	case LL_ETIMEOUT: return "timed out";
	case LL_ESCHEMA: return "does not match schema";
	}
	return "unknown error";
}

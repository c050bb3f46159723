/*
 * api_system — the routes about the server itself: health (public),
 * Prometheus metrics, and the route list.
 */
#pragma once

#include "http.h"

struct lease;

struct monitor;

struct api_system {
	http_server *srv;
	struct lease *lease;
	struct monitor **monitor; /* the live monitor (NULL when none configured) */
};

int api_system_add_routes(struct api_system *sys, http_server *srv) LL_MUST_CHECK;

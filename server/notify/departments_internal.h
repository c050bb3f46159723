/*
 * departments_internal — shared by departments.c and departments_import.c
 * only; not part of the module's interface.
 */
#pragma once

#include <libpq-fe.h>
#include <jansson.h>

#include "departments.h"
#include "http.h"

#define DEPT_IT_ROLES (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_IT))

struct departments {
	struct http_env env;
	struct events *events;
	long tier_s[3];   /* 30m, 6h, 24h */
};

/* The API's department object from the DEPT_COLS columns (departments.c) at (res, row). */
json_t *departments_row_json(const struct departments *d, const PGresult *res, int row);

void departments_handle_import(http_ctx *ctx);

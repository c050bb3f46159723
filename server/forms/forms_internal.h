/*
 * forms_internal — shared by forms.c (print jobs) and forms_register.c (the
 * list of forms and the print register) only.
 */
#pragma once

#include "forms.h"
#include "http.h"
#include "printforms.h"

struct forms {
	struct http_env env;
	printforms *pf;          /* immutable after forms_new(): shared by the workers */
	char timezone[64];
};

/* POST /api/v1/forms/print */
void forms_handle_print(http_ctx *ctx);
/* GET /api/v1/forms/data */
void forms_handle_data(http_ctx *ctx);

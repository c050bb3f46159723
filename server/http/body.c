#include "body.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "errors.h"

bool body_content_type_is_json(const char *ct)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, json, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int fail(struct body_error *err, int status, const char *code, const char *field,
	const char *message)
{
	err->status = status;
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	snprintf(err->message, sizeof(err->message), "%s", message);
	return LL_EINVAL;
}

int body_parse(const char *content_type, const char *data, size_t len,
	const jsonschema *schema, json_t **out, struct body_error *err)
{
	json_t *doc = NULL;

	*out = NULL;
	if (len > 0) {
		json_error_t jerr;

		if (!body_content_type_is_json(content_type))
			return fail(err, 415, "unsupported_media_type", NULL,
				"the body must be JSON (Content-Type: application/json)");
		doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!doc) {
			char msg[400];

			snprintf(msg, sizeof(msg), "the body is not valid JSON: line %d column %d: %s",
				jerr.line, jerr.column, jerr.text);
			return fail(err, 400, "invalid_json", NULL, msg);
		}
	}
	if (schema) {
		jsonschema_error serr;

		/* No body is an empty object: optional fields pass, required ones are named. */
		if (!doc && !(doc = json_object()))
			return fail(err, 500, "internal", NULL, "out of memory");
		if (!jsonschema_validate(schema, doc, &serr)) {
			char msg[400];

			snprintf(msg, sizeof(msg), "%s %s", serr.pointer[0] ? serr.pointer : "the body",
				serr.message);
			json_decref(doc);
			return fail(err, 400, "invalid", serr.pointer[0] ? serr.pointer : "/", msg);
		}
	}
	*out = doc;
	return 0;
}

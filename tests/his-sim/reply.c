/* reply — JSON answers on evhttp requests. */
#include "reply.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/* 15 significant digits print 0.3 as 0.3, not 0.29999999999999999. */
#define REPLY_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

static const char *reply_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

struct evbuffer *reply_serialise(json_t *body)
{
	struct evbuffer *buf = NULL;
	char *text = NULL;

	if (body == NULL)
		return NULL;
	text = json_dumps(body, REPLY_JSON_FLAGS);
	json_decref(body);
	if (text == NULL)
		return NULL;
	buf = evbuffer_new();
	if (buf != NULL && (evbuffer_add(buf, text, strlen(text)) != 0 ||
	    evbuffer_add(buf, "\n", 1) != 0)) {
		evbuffer_free(buf);
		buf = NULL;
	}
	free(text);
	return buf;
}

json_t *reply_error_body(const char *code, const char *message, const char *field)
{
	json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);

	if (err == NULL)
		return NULL;
	if (field != NULL && json_object_set_new(err, "field", json_string(field)) != 0) {
		json_decref(err);
		return NULL;
	}
	return json_pack("{s:o}", "error", err);
}

void reply_buffer_as(struct evhttp_request *req, int status, struct evbuffer *buf,
    const char *content_type)
{
	struct evkeyvalq *headers = evhttp_request_get_output_headers(req);

	evhttp_remove_header(headers, "Content-Type");
	evhttp_add_header(headers, "Content-Type", content_type);
	evhttp_add_header(headers, "Cache-Control", "no-store");
	evhttp_send_reply(req, status, reply_reason(status), buf);
}

void reply_buffer(struct evhttp_request *req, int status, struct evbuffer *buf)
{
	reply_buffer_as(req, status, buf, "application/json");
}

void reply_json(struct evhttp_request *req, int status, json_t *body)
{
	struct evbuffer *buf = reply_serialise(body);

	if (buf == NULL) {
		/* Out of memory: fail this request only, with a fixed body. */
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	reply_buffer(req, status, buf);
	evbuffer_free(buf);
}

void reply_error(struct evhttp_request *req, int status, const char *code,
    const char *message, const char *field)
{
	reply_json(req, status, reply_error_body(code, message, field));
}

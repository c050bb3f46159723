/*
 * reply — writing JSON answers on an evhttp request, shared by the control API
 * and the simulated targets.
 *
 * Every function here finishes the request: after the call the request
 * belongs to libevent again and the caller must not touch it. Functions that
 * take a json_t steal the reference (like jansson's *_new calls), also when
 * they fail.
 *
 * Error bodies follow Lifeline's shape everywhere:
 *   {"error": {"code": "...", "message": "...", "field": "..."}}
 * with "field" present only when one input is to blame.
 */
#pragma once

#include <jansson.h>

struct evhttp_request;
struct evbuffer;

/* Serialises body (stolen) into a new evbuffer, with a trailing newline; NULL on OOM. */
struct evbuffer *reply_serialise(json_t *body);

/* Builds the standard error object; field may be NULL. New reference, or NULL on OOM. */
json_t *reply_error_body(const char *code, const char *message, const char *field);

/* Answers status with the JSON body (stolen). */
void reply_json(struct evhttp_request *req, int status, json_t *body);

/* Answers status with an already serialised JSON buffer; buf stays the caller's. */
void reply_buffer(struct evhttp_request *req, int status, struct evbuffer *buf);

/* The same with another JSON media type (application/fhir+json; ...). */
void reply_buffer_as(struct evhttp_request *req, int status, struct evbuffer *buf,
    const char *content_type);

/* Answers status with the standard error object. */
void reply_error(struct evhttp_request *req, int status, const char *code,
    const char *message, const char *field);

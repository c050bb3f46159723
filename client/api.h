/*
 * api — the client's side of Lifeline's HTTP API: one JSON request at a time
 * over libcurl's easy interface (blocking is right for a command-line tool).
 *
 * An api_client holds one curl handle, reused so that the requests of one
 * command share a connection. Each request sends the bearer token (when
 * there is one), Content-Type: application/json, Accept-Language and a
 * User-Agent, and is bounded by a connect timeout (5 s, or the total when
 * that is shorter) and a total timeout. Redirects are not followed: the
 * token is never sent anywhere but the configured server.
 *
 * curl's global state is set up once by api_global_init() at start and torn
 * down by api_global_cleanup() at exit, around every client.
 *
 * Glossary:
 *   unreachable   no HTTP answer at all: refused, DNS, timeout, TLS, reset.
 *   refused       an HTTP answer outside 2xx; Lifeline sends an error
 *                 envelope {"error": {"code", "message", "field"?}} with it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "errors.h"

/* What api_request() returns. */
enum api_result {
	API_OK = 0,              /* a 2xx answer */
	API_EHTTP = -1,          /* an answer outside 2xx */
	API_EUNREACHABLE = -2,   /* no answer; see net_error and net_detail */
	API_EBADRESPONSE = -3,   /* a 2xx answer whose body is not JSON, or too big */
	API_ENOMEM = -4,
};

/* Why a server was unreachable. */
enum api_net_error {
	API_NET_NONE,
	API_NET_REFUSED,  /* nothing listens there */
	API_NET_DNS,      /* the host name does not resolve */
	API_NET_TIMEOUT,  /* connect or total timeout */
	API_NET_TLS,      /* handshake or certificate */
	API_NET_OTHER,    /* reset, broken pipe, nothing received... */
};

#define API_DETAIL_SIZE 256
#define API_DEFAULT_TIMEOUT_MS 60000L
#define API_CONNECT_TIMEOUT_MS 5000L
/* Answers larger than this are refused (API_EBADRESPONSE). */
#define API_MAX_RESPONSE (64L * 1024 * 1024)

struct api_client {
	/* Settings; the strings are borrowed and must outlive the client. */
	const char *server;          /* base URL without a trailing '/' */
	const char *token;           /* bearer token, or NULL to send none */
	const char *accept_language; /* "zh-CN", "en" */
	long timeout_ms;             /* whole request */

	/* After API_EUNREACHABLE: why, and curl's own words. */
	enum api_net_error net_error;
	char net_detail[API_DETAIL_SIZE];

	void *curl;                  /* private: the reused curl easy handle */
};

/* curl_global_init()/curl_global_cleanup(): once per process, in main(). */
int api_global_init(void) LL_MUST_CHECK;
void api_global_cleanup(void);

/*
 * Set up a client; the strings are borrowed. Returns 0, or API_ENOMEM.
 * api_client_cleanup() accepts a client whose init failed.
 */
int api_client_init(struct api_client *api, const char *server, const char *token,
	const char *accept_language, long timeout_ms) LL_MUST_CHECK;
void api_client_cleanup(struct api_client *api);

/*
 * METHOD server+path with body (borrowed; may be NULL for none — GET never
 * has one). *status gets the HTTP status (0 when unreachable). *out gets the
 * parsed JSON answer, new reference for the caller to json_decref(): on
 * API_OK the body (NULL when empty), on API_EHTTP the error envelope when
 * the body is JSON (else NULL); NULL on every other result.
 */
int api_request(struct api_client *api, const char *method, const char *path, json_t *body,
	long *status, json_t **out) LL_MUST_CHECK;

/*
 * As api_request(), with a body that is not JSON (a CSV import): payload
 * (borrowed; NULL for none) of payload_len bytes sent as content_type. The
 * answer is still read as JSON.
 */
int api_request_raw(struct api_client *api, const char *method, const char *path,
	const char *content_type, const char *payload, size_t payload_len, long *status,
	json_t **out) LL_MUST_CHECK;

/* An answer that is not JSON (a PDF), with its header lines. */
struct api_download {
	unsigned char *data;   /* the body; never NULL after API_OK */
	size_t len;
	void *headers;         /* private: the header lines (a curl_slist) */
};

/*
 * METHOD server+path with a JSON body (borrowed; NULL for none), asking for
 * `accept`. On API_OK (a 2xx answer) *out holds the body and the headers:
 * free with api_download_free(). On API_EHTTP *error gets the error envelope
 * when the body is JSON (else NULL; the caller json_decref()s it) and *out
 * is empty. Other results as api_request(). *status as api_request().
 */
int api_download(struct api_client *api, const char *method, const char *path, json_t *body,
	const char *accept, long *status, struct api_download *out, json_t **error) LL_MUST_CHECK;
/*
 * The value of header `name` (case-insensitive) of the answer, the last
 * line's leading blanks dropped; NULL when absent. Valid until
 * api_download_free().
 */
const char *api_download_header(const struct api_download *d, const char *name);
void api_download_free(struct api_download *d);  /* accepts an empty one */

/*
 * Parse a timeout in seconds ("60", "2.5") into milliseconds. False unless it
 * is a positive number no larger than a day.
 */
bool api_parse_timeout(const char *text, long *ms);

/* True for "http://..." and "https://..." with something after the scheme. */
bool api_url_ok(const char *url);

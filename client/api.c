#include "api.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "lifeline_build.h"

_Static_assert(API_DETAIL_SIZE >= CURL_ERROR_SIZE, "net_detail must hold curl's error buffer");

/* The answer's body as it arrives; NUL-terminated for the JSON parser. */
struct body_buf {
	char *data;
	size_t len;
	size_t cap;
	bool too_big;
	bool nomem;
};

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body_buf *b = userdata;
	size_t n = size * nmemb;

	if (b->len + n > (size_t)API_MAX_RESPONSE) {
		b->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->nomem = true;
			return 0;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

int api_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : API_ENOMEM;
}

void api_global_cleanup(void)
{
	curl_global_cleanup();
}

int api_client_init(struct api_client *api, const char *server, const char *token,
	const char *accept_language, long timeout_ms)
{
	memset(api, 0, sizeof(*api));
	api->server = server;
	api->token = token;
	api->accept_language = accept_language;
	api->timeout_ms = timeout_ms > 0 ? timeout_ms : API_DEFAULT_TIMEOUT_MS;
	api->curl = curl_easy_init();
	return api->curl ? 0 : API_ENOMEM;
}

void api_client_cleanup(struct api_client *api)
{
	if (api->curl)
		curl_easy_cleanup(api->curl);
	api->curl = NULL;
}

static enum api_net_error classify(CURL *c, CURLcode code)
{
	long os_errno = 0;

	switch (code) {
	case CURLE_COULDNT_CONNECT:
		/* "No route to host" also lands here: only call it refused when it was. */
		if (curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK &&
			os_errno == ECONNREFUSED)
			return API_NET_REFUSED;
		return API_NET_OTHER;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return API_NET_DNS;
	case CURLE_OPERATION_TIMEDOUT:
		return API_NET_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return API_NET_TLS;
	default:
		return API_NET_OTHER;
	}
}

/* Appends one header; false when out of memory (the list is then freed). */
static bool add_header(struct curl_slist **list, const char *name, const char *value)
{
	char line[1024];
	struct curl_slist *l;
	int n = snprintf(line, sizeof(line), "%s: %s", name, value);

	if (n < 0 || (size_t)n >= sizeof(line)) {
		curl_slist_free_all(*list);
		*list = NULL;
		return false;
	}
	l = curl_slist_append(*list, line);
	if (!l) {
		curl_slist_free_all(*list);
		*list = NULL;
		return false;
	}
	*list = l;
	return true;
}

static struct curl_slist *make_headers(const struct api_client *api, const char *content_type,
	const char *accept)
{
	struct curl_slist *h = NULL;

	const char *lang = api->accept_language ? api->accept_language : "zh-CN";

	if (!add_header(&h, "Accept", accept) ||
		!add_header(&h, "Content-Type", content_type) ||
		!add_header(&h, "Accept-Language", lang) ||
		/* curl waits for "100 Continue" on larger bodies; our server answers at once. */
		!add_header(&h, "Expect", ""))
		return NULL;
	if (api->token) {
		char bearer[1024];
		int n = snprintf(bearer, sizeof(bearer), "Bearer %s", api->token);

		if (n < 0 || (size_t)n >= sizeof(bearer) ||
			!add_header(&h, "Authorization", bearer)) {
			curl_slist_free_all(h);
			return NULL;
		}
	}
	return h;
}

int api_request(struct api_client *api, const char *method, const char *path, json_t *body,
	long *status, json_t **out)
{
	char *payload = NULL;
	int rc;

	*status = 0;
	*out = NULL;
	if (body && !(payload = json_dumps(body, JSON_COMPACT)))
		return API_ENOMEM;
	rc = api_request_raw(api, method, path, "application/json", payload,
		payload ? strlen(payload) : 0, status, out);
	free(payload);
	return rc;
}

/* The answer's header lines, kept for api_download_header(). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct curl_slist **list = userdata, *l;
	size_t n = size * nmemb;
	char line[1024];

	if (!list)
		return n;
	/* A line too long for us is no header we look for; skip it, keep going. */
	if (n >= sizeof(line))
		return n;
	memcpy(line, ptr, n);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	line[n] = '\0';
	if (n == 0)
		return size * nmemb;
	l = curl_slist_append(*list, line);
	if (!l)
		return 0; /* out of memory: makes curl stop */
	*list = l;
	return size * nmemb;
}

/*
 * One request; the body is left in *resp (the caller frees resp->data) and,
 * when header_lines is not NULL, the answer's header lines in it. Returns
 * API_OK when an HTTP answer came (any status, in *status), else
 * API_EUNREACHABLE, API_EBADRESPONSE (too big) or API_ENOMEM.
 */
static int perform(struct api_client *api, const char *method, const char *path,
	const char *content_type, const char *accept, const char *payload, size_t payload_len,
	struct body_buf *resp, struct curl_slist **header_lines, long *status)
{
	CURL *c = api->curl;
	struct curl_slist *headers = NULL;
	char *url = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	long connect_ms = api->timeout_ms < API_CONNECT_TIMEOUT_MS ? api->timeout_ms :
		API_CONNECT_TIMEOUT_MS;
	size_t url_len;
	CURLcode code;
	int rc = API_ENOMEM;

	*status = 0;
	api->net_error = API_NET_NONE;
	api->net_detail[0] = '\0';

	url_len = strlen(api->server) + strlen(path) + 1;
	url = malloc(url_len);
	if (!url)
		goto done;
	snprintf(url, url_len, "%s%s", api->server, path);
	headers = make_headers(api, content_type, accept);
	if (!headers)
		goto done;

	/* Each request starts from a clean handle; the connection cache survives. */
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, api->timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "lifeline/" LIFELINE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	if (header_lines) {
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, header_lines);
	}
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(method, "POST") == 0)
			curl_easy_setopt(c, CURLOPT_POST, 1L);
		else
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload ? payload : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, payload ? (long)payload_len : 0L);
	}

	code = curl_easy_perform(c);
	if (code == CURLE_WRITE_ERROR && resp->nomem) {
		rc = API_ENOMEM;
		goto done;
	}
	if (code == CURLE_WRITE_ERROR && resp->too_big) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		rc = API_EBADRESPONSE;
		goto done;
	}
	if (code != CURLE_OK) {
		api->net_error = classify(c, code);
		snprintf(api->net_detail, sizeof(api->net_detail), "%s",
			errbuf[0] ? errbuf : curl_easy_strerror(code));
		rc = API_EUNREACHABLE;
		goto done;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	rc = API_OK;

done:
	/* The handle keeps pointers to these; drop them before freeing. */
	if (c) {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, NULL);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, NULL);
	}
	curl_slist_free_all(headers);
	free(url);
	return rc;
}

int api_request_raw(struct api_client *api, const char *method, const char *path,
	const char *content_type, const char *payload, size_t payload_len, long *status, json_t **out)
{
	struct body_buf resp = {0};
	int rc;

	*out = NULL;
	rc = perform(api, method, path, content_type, "application/json", payload, payload_len,
		&resp, NULL, status);
	if (rc == API_OK) {
		if (resp.len > 0) {
			json_error_t jerr;

			*out = json_loadb(resp.data, resp.len, JSON_DECODE_ANY, &jerr);
		}
		if (*status >= 200 && *status < 300)
			rc = (resp.len > 0 && !*out) ? API_EBADRESPONSE : API_OK;
		else
			rc = API_EHTTP;
	}
	free(resp.data);
	return rc;
}

int api_download(struct api_client *api, const char *method, const char *path, json_t *body,
	const char *accept, long *status, struct api_download *out, json_t **error)
{
	struct body_buf resp = {0};
	struct curl_slist *lines = NULL;
	char *payload = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	*error = NULL;
	*status = 0;
	if (body && !(payload = json_dumps(body, JSON_COMPACT)))
		return API_ENOMEM;
	rc = perform(api, method, path, "application/json", accept, payload,
		payload ? strlen(payload) : 0, &resp, &lines, status);
	free(payload);
	if (rc == API_OK && (*status < 200 || *status >= 300)) {
		json_error_t jerr;

		if (resp.len > 0)
			*error = json_loadb(resp.data, resp.len, JSON_DECODE_ANY, &jerr);
		rc = API_EHTTP;
	}
	if (rc == API_OK) {
		/* The body becomes the caller's; an empty one is still a valid pointer. */
		out->data = resp.data ? (unsigned char *)resp.data : calloc(1, 1);
		out->len = resp.len;
		out->headers = lines;
		if (!out->data) {
			api_download_free(out);
			return API_ENOMEM;
		}
		return API_OK;
	}
	free(resp.data);
	curl_slist_free_all(lines);
	return rc;
}

const char *api_download_header(const struct api_download *d, const char *name)
{
	const char *found = NULL;
	size_t n = strlen(name);

	/* The last one: a "100 Continue" or a proxy's answer may come before the real one. */
	for (const struct curl_slist *l = d->headers; l; l = l->next) {
		const char *v;

		if (strncasecmp(l->data, name, n) != 0 || l->data[n] != ':')
			continue;
		v = l->data + n + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		found = v;
	}
	return found;
}

void api_download_free(struct api_download *d)
{
	free(d->data);
	curl_slist_free_all(d->headers);
	memset(d, 0, sizeof(*d));
}

bool api_parse_timeout(const char *text, long *ms)
{
	char *end;
	double s;

	if (!text || !*text)
		return false;
	errno = 0;
	s = strtod(text, &end);
	if (errno || *end || !isfinite(s) || s <= 0 || s > 86400)
		return false;
	*ms = (long)(s * 1000.0 + 0.5);
	if (*ms < 1)
		*ms = 1;
	return true;
}

bool api_url_ok(const char *url)
{
	if (!url)
		return false;
	if (strncmp(url, "http://", 7) == 0)
		return url[7] != '\0' && url[7] != '/';
	if (strncmp(url, "https://", 8) == 0)
		return url[8] != '\0' && url[8] != '/';
	return false;
}

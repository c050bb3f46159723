/* probe_http — GET through curlev; status and optional body text. */
#include "probe_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_USER_AGENT "lifeline-monitor/1"

/* Keep the first PROBE_BODY_MAX bytes; read (and drop) the rest. */
static size_t http_write(char *data, size_t size, size_t nmemb, void *arg)
{
	probe_run *run = arg;
	size_t n = size * nmemb, room = PROBE_BODY_MAX - run->body_len, take = n < room ? n : room;

	if (take > 0) {
		char *b = realloc(run->body, run->body_len + take + 1);

		if (b == NULL)
			return 0; /* libcurl fails the transfer with CURLE_WRITE_ERROR */
		memcpy(b + run->body_len, data, take);
		run->body = b;
		run->body_len += take;
		b[run->body_len] = '\0';
	}
	return n;
}

static void http_done(CURL *easy, CURLcode result, void *arg)
{
	probe_run *run = arg;
	const probe_spec *s = run->spec;
	long status = 0;
	char line[PROBE_REASON_MAX];

	(void)easy;
	if (result == CURLE_OPERATION_TIMEDOUT) {
		probe_finish(run, false, "timeout after %d ms", run->timeout_ms);
		return;
	}
	if (result != CURLE_OK) {
		long oserr = 0;

		curl_easy_getinfo(run->easy, CURLINFO_OS_ERRNO, &oserr);
		if (result == CURLE_COULDNT_CONNECT && oserr == ECONNREFUSED) {
			probe_finish(run, false, "connection refused");
			return;
		}
		probe_one_line(line, sizeof(line), run->curl_err[0] ? run->curl_err :
			curl_easy_strerror(result));
		probe_finish(run, false, "%s", line);
		return;
	}
	curl_easy_getinfo(run->easy, CURLINFO_RESPONSE_CODE, &status);
	if (s->expect_status != 0 ? status != s->expect_status : status < 200 || status > 299) {
		if (s->expect_status != 0)
			probe_finish(run, false, "HTTP %ld (expected %ld)", status, s->expect_status);
		else
			probe_finish(run, false, "HTTP %ld", status);
		return;
	}
	if (s->expect_body != NULL &&
	    (run->body == NULL || memmem(run->body, run->body_len, s->expect_body,
		strlen(s->expect_body)) == NULL)) {
		probe_finish(run, false, "HTTP %ld but the body lacks \"%.64s\"", status, s->expect_body);
		return;
	}
	probe_finish(run, true, NULL);
}

void probe_http_start(probe_run *run)
{
	const probe_spec *s = run->spec;
	CURL *e = curl_easy_init();
	int rc;

	run->easy = e;
	if (e == NULL) {
		probe_fail_soon(run, "out of memory");
		return;
	}
	curl_easy_setopt(e, CURLOPT_URL, s->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, s->follow_redirects ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)run->timeout_ms);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, PROBE_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, run->curl_err);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, run);
	rc = curlev_add(run->env->curl, e, http_done, run);
	if (rc != 0) {
		curl_easy_cleanup(e);
		run->easy = NULL;
		probe_fail_soon(run, "cannot start the request: %s", lifeline_strerror(rc));
	}
}

void probe_http_stop(probe_run *run)
{
	if (run->easy == NULL)
		return;
	/* After http_done the handle is out of the multi already: cancel is a no-op. */
	curlev_cancel(run->env->curl, run->easy);
	curl_easy_cleanup(run->easy);
	run->easy = NULL;
}

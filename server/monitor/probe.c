/*
 * probe — probe specs from the config, and the life of one run: the timeout
 * timer, outcomes decided during start delivered at the next loop turn, and
 * the one place (probe_finish) that stops a run and calls its callback.
 */
#include "probe_internal.h"

#include <ctype.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *probe_type_name(enum probe_type type)
{
	switch (type) {
	case PROBE_HTTP:
		return "http";
	case PROBE_TCP:
		return "tcp";
	case PROBE_MLLP:
		return "mllp";
	case PROBE_SQL:
		return "sql";
	}
	return "?";
}

enum probe_type probe_spec_type(const probe_spec *spec)
{
	return spec->type;
}

const char *probe_spec_endpoint(const probe_spec *spec)
{
	return spec->endpoint;
}

void probe_spec_free(probe_spec *spec)
{
	if (spec == NULL)
		return;
	free(spec->target);
	free(spec->endpoint);
	free(spec->url);
	free(spec->expect_body);
	free(spec->conninfo);
	free(spec->hostaddr);
	free(spec->query);
	free(spec);
}

void probe_one_line(char *buf, size_t len, const char *text)
{
	size_t n = strcspn(text, "\r\n");

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, text, n);
	while (n > 0 && (isspace((unsigned char)buf[n - 1]) || buf[n - 1] == '.'))
		n--;
	buf[n] = '\0';
}

/* A string member; NULL when absent. -1 (err set) when present but not a string. */
static int get_str(const json_t *obj, const char *key, const char **out, const char *where,
	char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(err, errlen, "%s/%s: must be a non-empty string", where, key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

int probe_json_int(const json_t *obj, const char *key, long lo, long hi, long *out,
	const char *where, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(err, errlen, "%s/%s: must be an integer %ld..%ld", where, key, lo, hi);
		return -1;
	}
	*out = (long)json_integer_value(v);
	return 0;
}

static int check_keys(const json_t *obj, const char *const *allowed, const char *where,
	char *err, size_t errlen)
{
	const char *key;
	const json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		size_t i;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(err, errlen, "%s/%s: unknown key for this probe type", where, key);
			return -1;
		}
	}
	return 0;
}

/* Blocking, at load only: the first address of host:port. */
static int resolve(probe_spec *spec, const char *host, long port, const char *where,
	char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
	struct addrinfo *res = NULL;
	char portstr[8], endpoint[300];
	int rc;

	snprintf(portstr, sizeof(portstr), "%ld", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "%s/host: cannot resolve \"%s\": %s", where, host,
			rc != 0 ? gai_strerror(rc) : "no address");
		return -1;
	}
	memcpy(&spec->addr, res->ai_addr, res->ai_addrlen);
	spec->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(endpoint, sizeof(endpoint), strchr(host, ':') ? "[%s]:%ld" : "%s:%ld", host, port);
	spec->endpoint = strdup(endpoint);
	return spec->endpoint ? 0 : -1;
}

/* An HL7 field value of ours: printable, none of the delimiters |^~\& . */
static int hl7_value(char *dst, const char *src, const char *dflt, const char *key,
	const char *where, char *err, size_t errlen)
{
	if (src == NULL)
		src = dflt;
	if (strlen(src) > PROBE_HL7_FIELD_MAX || strpbrk(src, "|^~\\&") != NULL) {
		snprintf(err, errlen, "%s/%s: at most %d characters, none of | ^ ~ \\ &",
			where, key, PROBE_HL7_FIELD_MAX);
		return -1;
	}
	for (const char *p = src; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "%s/%s: control characters are not allowed", where, key);
			return -1;
		}
	}
	snprintf(dst, PROBE_HL7_FIELD_MAX + 1, "%s", src);
	return 0;
}

static int parse_http(probe_spec *s, const json_t *obj, const char *where, char *err, size_t errlen)
{
	static const char *const keys[] = { "type", "url", "expect_status", "expect_body",
		"follow_redirects", NULL };
	const char *url, *body;
	const json_t *follow = json_object_get(obj, "follow_redirects");

	if (check_keys(obj, keys, where, err, errlen) != 0 ||
	    get_str(obj, "url", &url, where, err, errlen) != 0 ||
	    get_str(obj, "expect_body", &body, where, err, errlen) != 0 ||
	    probe_json_int(obj, "expect_status", 100, 599, &s->expect_status, where, err, errlen) != 0)
		return -1;
	if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
		snprintf(err, errlen, "%s/url: an http:// or https:// URL is required", where);
		return -1;
	}
	if (follow != NULL && !json_is_boolean(follow)) {
		snprintf(err, errlen, "%s/follow_redirects: must be true or false", where);
		return -1;
	}
	s->follow_redirects = json_is_true(follow);
	s->url = strdup(url);
	s->endpoint = strdup(url);
	if (body != NULL)
		s->expect_body = strdup(body);
	return s->url && s->endpoint && (body == NULL || s->expect_body) ? 0 : -1;
}

static int parse_net(probe_spec *s, const json_t *obj, const char *where, char *err, size_t errlen)
{
	static const char *const tcp_keys[] = { "type", "host", "port", NULL };
	static const char *const mllp_keys[] = { "type", "host", "port", "sending_app",
		"sending_facility", "receiving_app", "receiving_facility", NULL };
	const char *host, *sa, *sf, *ra, *rf;
	long port = 0;

	if (check_keys(obj, s->type == PROBE_TCP ? tcp_keys : mllp_keys, where, err, errlen) != 0 ||
	    get_str(obj, "host", &host, where, err, errlen) != 0 ||
	    probe_json_int(obj, "port", 1, 65535, &port, where, err, errlen) != 0)
		return -1;
	if (host == NULL || port == 0) {
		snprintf(err, errlen, "%s: host and port are required", where);
		return -1;
	}
	if (s->type == PROBE_MLLP) {
		if (get_str(obj, "sending_app", &sa, where, err, errlen) != 0 ||
		    get_str(obj, "sending_facility", &sf, where, err, errlen) != 0 ||
		    get_str(obj, "receiving_app", &ra, where, err, errlen) != 0 ||
		    get_str(obj, "receiving_facility", &rf, where, err, errlen) != 0 ||
		    hl7_value(s->sending_app, sa, "LIFELINE", "sending_app", where, err, errlen) != 0 ||
		    hl7_value(s->sending_facility, sf, "LIFELINE", "sending_facility", where, err, errlen) != 0 ||
		    hl7_value(s->receiving_app, ra, "HIS", "receiving_app", where, err, errlen) != 0 ||
		    hl7_value(s->receiving_facility, rf, "HIS", "receiving_facility", where, err, errlen) != 0)
			return -1;
	}
	return resolve(s, host, port, where, err, errlen);
}

static int parse_sql(probe_spec *s, const json_t *obj, const char *where, char *err, size_t errlen)
{
	static const char *const keys[] = { "type", "conninfo", "query", NULL };
	const char *conninfo, *query;

	if (check_keys(obj, keys, where, err, errlen) != 0 ||
	    get_str(obj, "conninfo", &conninfo, where, err, errlen) != 0 ||
	    get_str(obj, "query", &query, where, err, errlen) != 0)
		return -1;
	if (conninfo == NULL) {
		snprintf(err, errlen, "%s: conninfo is required", where);
		return -1;
	}
	s->query = strdup(query ? query : "SELECT 1");
	if (s->query == NULL)
		return -1;
	return probe_sql_prepare(s, conninfo, where, err, errlen);
}

int probe_spec_new(const json_t *obj, const char *target, const char *where,
	probe_spec **out, char *err, size_t errlen)
{
	probe_spec *s;
	const char *type;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return LL_EINVAL;
	}
	if (get_str(obj, "type", &type, where, err, errlen) != 0)
		return LL_EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->target = strdup(target)) == NULL) {
		free(s);
		return LL_ENOMEM;
	}
	if (type == NULL) {
		snprintf(err, errlen, "%s/type: required (http, tcp, mllp or sql)", where);
		rc = -1;
	} else if (strcmp(type, "http") == 0) {
		s->type = PROBE_HTTP;
		rc = parse_http(s, obj, where, err, errlen);
	} else if (strcmp(type, "tcp") == 0 || strcmp(type, "mllp") == 0) {
		s->type = type[0] == 't' ? PROBE_TCP : PROBE_MLLP;
		rc = parse_net(s, obj, where, err, errlen);
	} else if (strcmp(type, "sql") == 0) {
		s->type = PROBE_SQL;
		rc = parse_sql(s, obj, where, err, errlen);
	} else {
		snprintf(err, errlen, "%s/type: \"%s\" is not http, tcp, mllp or sql", where, type);
		rc = -1;
	}
	if (rc != 0) {
		probe_spec_free(s);
		/* an empty message means an allocation failed */
		return err[0] ? LL_EINVAL : LL_ENOMEM;
	}
	*out = s;
	return 0;
}

static void probe_stop(probe_run *run)
{
	switch (run->spec->type) {
	case PROBE_HTTP:
		probe_http_stop(run);
		break;
	case PROBE_TCP:
	case PROBE_MLLP:
		probe_net_stop(run);
		break;
	case PROBE_SQL:
		probe_sql_stop(run);
		break;
	}
	if (run->timer)
		event_free(run->timer);
	if (run->soon)
		event_free(run->soon);
	run->timer = run->soon = NULL;
}

void probe_finish(probe_run *run, bool ok, const char *fmt, ...)
{
	char reason[PROBE_REASON_MAX];
	probe_done_cb cb = run->cb;
	void *arg = run->arg;
	va_list ap;
	int n;

	reason[0] = '\0';
	if (!ok) {
		n = snprintf(reason, sizeof(reason), "%s %s: ",
			probe_type_name(run->spec->type), run->spec->target);
		if (n > 0 && (size_t)n < sizeof(reason)) {
			va_start(ap, fmt);
			vsnprintf(reason + n, sizeof(reason) - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	/* Release sockets before the callback, which may start the next probe. */
	probe_stop(run);
	free(run->body);
	free(run);
	cb(ok, ok ? NULL : reason, arg);
}

static void probe_soon_cb(evutil_socket_t fd, short what, void *arg)
{
	probe_run *run = arg;

	(void)fd;
	(void)what;
	probe_finish(run, run->soon_ok, "%s", run->reason);
}

void probe_fail_soon(probe_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(run->reason, sizeof(run->reason), fmt, ap);
	va_end(ap);
	run->soon_ok = false;
	event_active(run->soon, EV_TIMEOUT, 0);
}

static void probe_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	probe_run *run = arg;

	(void)fd;
	(void)what;
	probe_finish(run, false, "timeout after %d ms", run->timeout_ms);
}

int probe_start(const struct probe_env *env, const probe_spec *spec, int timeout_ms,
	probe_done_cb cb, void *arg, probe_run **out)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	probe_run *run = calloc(1, sizeof(*run));

	*out = NULL;
	if (run == NULL)
		return LL_ENOMEM;
	run->env = env;
	run->spec = spec;
	run->timeout_ms = timeout_ms;
	run->cb = cb;
	run->arg = arg;
	run->fd = -1;
	run->timer = evtimer_new(env->base, probe_timeout_cb, run);
	run->soon = event_new(env->base, -1, 0, probe_soon_cb, run);
	if (run->timer == NULL || run->soon == NULL || evtimer_add(run->timer, &tv) != 0) {
		probe_stop(run);
		free(run);
		return LL_ENOMEM;
	}
	switch (spec->type) {
	case PROBE_HTTP:
		probe_http_start(run);
		break;
	case PROBE_TCP:
	case PROBE_MLLP:
		probe_net_start(run);
		break;
	case PROBE_SQL:
		probe_sql_start(run);
		break;
	}
	*out = run;
	return 0;
}

void probe_cancel(probe_run *run)
{
	if (run == NULL)
		return;
	probe_stop(run);
	free(run->body);
	free(run);
}

/*
 * fhir — the FHIR R4 census server of his-sim. The endpoints, parameters,
 * paging and the fail_after fault are written down in fhir.h (and in
 * tests/his-sim/README.md); the resources in census_fhir.h; the query
 * rules in fhir_search.h.
 */
#include "fhir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "census_fhir.h"
#include "fhir_search.h"
#include "fhir_store.h"
#include "lifeline_build.h"

#define FHIR_PREFIX "/fhir"
#define FHIR_BASE_MAX 300
#define FHIR_KEY_MAX 256
#define FHIR_HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]"

struct fhir {
	struct fhir_store *store;
	json_t *capability;        /* the CapabilityStatement, built once */
	uint64_t requests;
	uint64_t failed;
	uint64_t by_type[FHIR_TYPES_MAX + 1]; /* index: fhir_types; fhir_n_types: metadata */
	bool failing;              /* fail_after armed */
	uint64_t fail_left;        /* requests still served before failing */
	enum fhir_fail_mode fail_mode;
};

/* ---- answers --------------------------------------------------------------- */

static json_t *fhir_outcome(const char *code, const char *text)
{
	return json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "resourceType", "OperationOutcome",
	    "issue", "severity", "error", "code", code, "diagnostics", text);
}

static void fhir_answer(struct sim_answer *ans, int status, json_t *body)
{
	ans->status = status;
	ans->body = body;
	ans->content_type = FHIR_CONTENT_TYPE;
}

static void fhir_answer_error(struct sim_answer *ans, const struct fhir_error *err)
{
	fhir_answer(ans, err->status, fhir_outcome(err->code, err->text));
}

/* "http://HOST/fhir" from the Host header, or the target's own address. */
static void fhir_base(struct sim_target *t, struct evhttp_request *req, char *buf, size_t len)
{
	const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");

	if (host != NULL && host[0] != '\0' && strlen(host) <= 255 &&
	    strspn(host, FHIR_HOST_CHARS) == strlen(host))
		snprintf(buf, len, "http://%s" FHIR_PREFIX, host);
	else
		snprintf(buf, len, "http://127.0.0.1:%d" FHIR_PREFIX, sim_target_port(t));
}

/* ---- search ---------------------------------------------------------------- */

/*
 * A paging link: the search as the client wrote it, its own _count and
 * _offset replaced by ours. raw may be NULL.
 */
static json_t *fhir_link(const char *relation, const char *base, const char *type,
    const char *raw, unsigned count, size_t offset)
{
	size_t cap = strlen(base) + strlen(type) + (raw ? strlen(raw) : 0) + 64, used;
	char *url = malloc(cap);
	const char *s = raw;
	json_t *link;

	if (url == NULL)
		return NULL;
	used = (size_t)snprintf(url, cap, "%s/%s?", base, type);
	while (s != NULL && *s != '\0') {
		size_t len = strcspn(s, "&"), key = strcspn(s, "=&");

		if (len > 0 && !(key == 6 && strncmp(s, "_count", 6) == 0) &&
		    !(key == 7 && strncmp(s, "_offset", 7) == 0)) {
			memcpy(url + used, s, len);
			used += len;
			url[used++] = '&';
		}
		s += len + (s[len] == '&');
	}
	snprintf(url + used, cap - used, "_count=%u&_offset=%zu", count, offset);
	link = json_pack("{s:s, s:s}", "relation", relation, "url", url);
	free(url);
	return link;
}

static int fhir_add_link(json_t *links, json_t *link)
{
	return json_array_append_new(links, link);
}

static json_t *fhir_links(const struct fhir_query *q, const char *base, const char *raw,
    size_t total)
{
	json_t *links = json_array();
	char *self = NULL;
	size_t last;
	int rc = 0;

	if (links == NULL)
		return NULL;
	if (asprintf(&self, "%s/%s%s%s", base, q->type, raw ? "?" : "", raw ? raw : "") < 0)
		self = NULL;
	rc |= fhir_add_link(links, self ? json_pack("{s:s, s:s}", "relation", "self", "url", self)
	                                : NULL);
	free(self);
	if (q->count > 0 && !q->summary_count) {
		last = total == 0 ? 0 : (total - 1) / q->count * q->count;
		rc |= fhir_add_link(links, fhir_link("first", base, q->type, raw, q->count, 0));
		if (q->offset > 0)
			rc |= fhir_add_link(links, fhir_link("previous", base, q->type, raw, q->count,
			    q->offset > q->count ? q->offset - q->count : 0));
		if (q->offset + q->count < total)
			rc |= fhir_add_link(links, fhir_link("next", base, q->type, raw, q->count,
			    q->offset + q->count));
		rc |= fhir_add_link(links, fhir_link("last", base, q->type, raw, q->count, last));
	}
	if (rc != 0) {
		json_decref(links);
		return NULL;
	}
	return links;
}

/* The entries of one page, with what its _include parameters bring in. */
struct fhir_page {
	const struct fhir *f;
	const char *base;
	json_t *entries;
	json_t *seen;              /* {"Type/id": true} of every entry so far */
	int rc;
};

static void fhir_page_add(struct fhir_page *pg, json_t *resource, const char *mode)
{
	const char *type = json_string_value(json_object_get(resource, "resourceType"));
	const char *id = json_string_value(json_object_get(resource, "id"));
	char key[FHIR_KEY_MAX], url[FHIR_BASE_MAX + FHIR_KEY_MAX];

	snprintf(key, sizeof(key), "%s/%s", type, id);
	snprintf(url, sizeof(url), "%s/%s", pg->base, key);
	if (json_object_set_new(pg->seen, key, json_true()) != 0 ||
	    json_array_append_new(pg->entries, json_pack("{s:s, s:O, s:{s:s}}", "fullUrl", url,
	    "resource", resource, "search", "mode", mode)) != 0)
		pg->rc = -1;
}

static bool fhir_page_include(const char *ref, void *arg)
{
	struct fhir_page *pg = arg;
	json_t *resource;

	if (json_object_get(pg->seen, ref) != NULL)
		return true;
	resource = fhir_store_get(pg->f->store, ref);
	if (resource != NULL)
		fhir_page_add(pg, resource, "include");
	return pg->rc == 0;
}

static json_t *fhir_bundle(const struct fhir *f, const struct fhir_query *q, const char *base,
    const char *raw, json_t *const *matches, size_t total)
{
	struct fhir_page pg = { f, base, json_array(), json_object(), 0 };
	size_t end = q->offset + q->count < total ? q->offset + q->count : total;
	json_t *bundle;

	if (q->summary_count)
		end = 0;
	for (size_t i = q->offset; i < end && pg.rc == 0; i++)
		fhir_page_add(&pg, matches[i], "match");
	for (size_t i = q->offset; i < end && pg.rc == 0; i++) {
		for (size_t k = 0; k < q->n_includes; k++)
			fhir_param_references(q->includes[k], matches[i], fhir_page_include, &pg);
	}
	bundle = json_pack("{s:s, s:s, s:I, s:o}", "resourceType", "Bundle", "type", "searchset",
	    "total", (json_int_t)total, "link", fhir_links(q, base, raw, total));
	/* FHIR JSON has no empty arrays: no entry at all on an empty page. */
	if (bundle != NULL && json_array_size(pg.entries) > 0 &&
	    json_object_set(bundle, "entry", pg.entries) != 0)
		pg.rc = -1;
	if (pg.rc != 0 || pg.entries == NULL || pg.seen == NULL) {
		json_decref(bundle);
		bundle = NULL;
	}
	json_decref(pg.entries);
	json_decref(pg.seen);
	return bundle;
}

static json_t *fhir_search(const struct fhir *f, const char *type, const char *base,
    const char *raw, struct fhir_error *err)
{
	size_t n = fhir_store_count(f->store, type), total = 0;
	struct fhir_query q;
	json_t **matches, *bundle;

	if (fhir_query_parse(&q, type, raw, err) != 0)
		return NULL;
	matches = malloc((n > 0 ? n : 1) * sizeof(*matches));
	if (matches == NULL) {
		fhir_query_clear(&q);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *resource = fhir_store_at(f->store, type, i);
		if (fhir_query_matches(&q, resource))
			matches[total++] = resource;
	}
	bundle = fhir_bundle(f, &q, base, raw, matches, total);
	free(matches);
	fhir_query_clear(&q);
	return bundle;
}

/* ---- the CapabilityStatement ---------------------------------------------- */

static json_t *fhir_capability_resource(const char *type)
{
	json_t *params = json_array(), *includes = json_array(), *res;
	char include[128];

	for (size_t i = 0; params != NULL && includes != NULL && i < fhir_n_params; i++) {
		const struct fhir_param *p = &fhir_params[i];

		if (p->type != NULL && strcmp(p->type, type) != 0)
			continue;
		if (json_array_append_new(params, json_pack("{s:s, s:s}", "name", p->name, "type",
		    p->kind == FHIR_TOKEN ? "token" : "reference")) != 0)
			goto fail;
		snprintf(include, sizeof(include), "%s:%s", type, p->name);
		if (p->kind == FHIR_REFERENCE && json_array_append_new(includes,
		    json_string(include)) != 0)
			goto fail;
	}
	res = json_pack("{s:s, s:[{s:s}, {s:s}], s:o}", "type", type,
	    "interaction", "code", "read", "code", "search-type", "searchParam", params);
	if (res != NULL && json_array_size(includes) > 0 &&
	    json_object_set(res, "searchInclude", includes) != 0) {
		json_decref(res);
		res = NULL;
	}
	json_decref(includes);
	return res;
fail:
	json_decref(params);
	json_decref(includes);
	return NULL;
}

static json_t *fhir_capability(struct census_day day)
{
	json_t *resources = json_array();
	char date[16];

	for (size_t i = 0; resources != NULL && i < fhir_n_types; i++) {
		if (json_array_append_new(resources, fhir_capability_resource(fhir_types[i])) != 0) {
			json_decref(resources);
			resources = NULL;
		}
	}
	census_day_format(day, date, sizeof(date));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s}, s:s, s:[s], "
	    "s:[{s:s, s:o}]}",
	    "resourceType", "CapabilityStatement", "status", "active", "date", date,
	    "publisher", "Lifeline his-sim", "kind", "instance",
	    "software", "name", "his-sim", "version", LIFELINE_VERSION,
	    "implementation", "description", "演示市第一人民医院 HIS (simulated), read-only census",
	    "fhirVersion", "4.0.1", "format", "json",
	    "rest", "mode", "server", "resource", resources);
}

/* ---- the handler ------------------------------------------------------------ */

/* An injected failure for this request, or false to serve it. */
static bool fhir_fault(struct fhir *f, struct sim_target *t, struct sim_answer *ans)
{
	if (!f->failing)
		return false;
	if (f->fail_left > 0) {
		f->fail_left--;
		return false;
	}
	f->failed++;
	ans->injected = true;
	switch (f->fail_mode) {
	case FHIR_FAIL_503:
		fhir_answer(ans, 503, fhir_outcome("transient",
		    "the HIS failed part-way through (simulated: /control/census fail_after)"));
		break;
	case FHIR_FAIL_DROP:
		ans->drop = true;
		break;
	case FHIR_FAIL_DOWN:
		ans->drop = true;
		f->failing = false;
		fprintf(stderr, "his-sim: %s goes down in the middle of a census pull\n",
		    sim_target_name(t));
		sim_target_set_mode_later(t, SIM_MODE_REFUSE);
		break;
	}
	return true;
}

/* Accept: absent, or naming some JSON or anything. */
static bool fhir_accepts_json(struct evhttp_request *req)
{
	const char *accept = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");

	return accept == NULL || strstr(accept, "json") != NULL || strstr(accept, "*/*") != NULL ||
	    strstr(accept, "application/*") != NULL;
}

static void fhir_route(struct fhir *f, struct sim_target *t, struct evhttp_request *req,
    struct sim_answer *ans)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = evhttp_uri_get_path(uri) + strlen(FHIR_PREFIX);
	const char *raw = evhttp_uri_get_query(uri);
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	struct fhir_error err = { 500, "exception", "out of memory" };
	char type[64], key[FHIR_KEY_MAX], base[FHIR_BASE_MAX];
	const char *id;
	size_t len;
	int idx;
	json_t *body, *resource;

	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		fhir_answer(ans, 405, fhir_outcome("not-supported",
		    "this FHIR server is read-only: use GET"));
		return;
	}
	if (!fhir_accepts_json(req)) {
		fhir_answer(ans, 406, fhir_outcome("not-supported",
		    "this FHIR server speaks JSON only (application/fhir+json)"));
		return;
	}
	if (strcmp(path, "/metadata") == 0) {
		f->by_type[fhir_n_types]++;
		fhir_answer(ans, 200, json_incref(f->capability));
		return;
	}
	len = path[0] == '/' ? strcspn(path + 1, "/") : 0;
	if (len == 0 || len >= sizeof(type)) {
		fhir_answer(ans, 404, fhir_outcome("not-found",
		    "use GET /fhir/TYPE?PARAMS, /fhir/TYPE/ID or /fhir/metadata"));
		return;
	}
	memcpy(type, path + 1, len);
	type[len] = '\0';
	idx = fhir_type_index(type);
	if (idx < 0) {
		snprintf(err.text, sizeof(err.text),
		    "resource type '%.64s' is not served here (see /fhir/metadata)", type);
		fhir_answer(ans, 404, fhir_outcome("not-supported", err.text));
		return;
	}
	f->by_type[idx]++;
	id = path + 1 + len;
	if (id[0] == '\0' || strcmp(id, "/") == 0) {
		fhir_base(t, req, base, sizeof(base));
		body = fhir_search(f, fhir_types[idx], base, raw, &err);
		if (body == NULL)
			fhir_answer_error(ans, &err);
		else
			fhir_answer(ans, 200, body);
		return;
	}
	id++;
	resource = strchr(id, '/') == NULL && snprintf(key, sizeof(key), "%s/%s", type, id) <
	    (int)sizeof(key) ? fhir_store_get(f->store, key) : NULL;
	if (resource == NULL) {
		snprintf(err.text, sizeof(err.text), "%s/%.64s is not known", type, id);
		fhir_answer(ans, 404, fhir_outcome("not-found", err.text));
		return;
	}
	fhir_answer(ans, 200, json_incref(resource));
}

void fhir_handle(struct sim_target *t, struct evhttp_request *req, struct sim_answer *ans)
{
	struct fhir *f = sim_target_fhir(t);

	if (f == NULL)
		return;
	f->requests++;
	if (fhir_fault(f, t, ans))
		return;
	fhir_route(f, t, req, ans);
	if (ans->body == NULL) {
		/* Out of memory while building the answer: this request fails only. */
		ans->status = 500;
		ans->body = fhir_outcome("exception", "out of memory");
	}
}

/* ---- faults, counters, life cycle ------------------------------------------ */

static const char *const fhir_fail_mode_names[] = {
	[FHIR_FAIL_503] = "503", [FHIR_FAIL_DROP] = "drop", [FHIR_FAIL_DOWN] = "down",
};

bool fhir_fail_mode_parse(const char *s, enum fhir_fail_mode *mode)
{
	for (size_t i = 0; i < sizeof(fhir_fail_mode_names) / sizeof(fhir_fail_mode_names[0]); i++) {
		if (strcmp(s, fhir_fail_mode_names[i]) == 0) {
			*mode = (enum fhir_fail_mode)i;
			return true;
		}
	}
	return false;
}

const char *fhir_fail_mode_name(enum fhir_fail_mode mode)
{
	return fhir_fail_mode_names[mode];
}

void fhir_fail_after(struct fhir *f, uint64_t n, enum fhir_fail_mode mode)
{
	f->failing = true;
	f->fail_left = n;
	f->fail_mode = mode;
}

void fhir_fail_clear(struct fhir *f)
{
	f->failing = false;
	f->fail_left = 0;
}

void fhir_reset_counters(struct fhir *f)
{
	fhir_fail_clear(f);
	f->requests = f->failed = 0;
	memset(f->by_type, 0, sizeof(f->by_type));
}

json_t *fhir_stats_json(const struct fhir *f, const char *target)
{
	json_t *by_type = json_object(), *fail = json_null();

	for (size_t i = 0; by_type != NULL && i <= fhir_n_types; i++) {
		if (json_object_set_new(by_type, i < fhir_n_types ? fhir_types[i] : "metadata",
		    json_integer((json_int_t)f->by_type[i])) != 0) {
			json_decref(by_type);
			by_type = NULL;
		}
	}
	if (f->failing)
		fail = json_pack("{s:I, s:s}", "remaining", (json_int_t)f->fail_left,
		    "mode", fhir_fail_mode_name(f->fail_mode));
	return json_pack("{s:s, s:I, s:I, s:I, s:o, s:o}", "target", target,
	    "requests", (json_int_t)f->requests,
	    "served", (json_int_t)(f->requests - f->failed),
	    "failed", (json_int_t)f->failed, "by_type", by_type, "fail_after", fail);
}

struct fhir *fhir_new(struct census_day day, char *err, size_t errlen)
{
	struct fhir *f = calloc(1, sizeof(*f));
	struct census census;
	int rc;

	if (f == NULL)
		goto oom;
	if (fhir_n_types > FHIR_TYPES_MAX) {
		snprintf(err, errlen, "fhir: more resource types than counters");
		goto fail;
	}
	f->store = fhir_store_new();
	if (f->store == NULL || census_build(&census, day) != 0)
		goto oom;
	rc = census_fhir_load(&census, f->store);
	census_free(&census);
	if (rc != 0)
		goto oom;
	f->capability = fhir_capability(day);
	if (f->capability == NULL)
		goto oom;
	return f;
oom:
	snprintf(err, errlen, "out of memory building the census");
fail:
	fhir_free(f);
	return NULL;
}

void fhir_free(struct fhir *f)
{
	if (f == NULL)
		return;
	fhir_store_free(f->store);
	json_decref(f->capability);
	free(f);
}

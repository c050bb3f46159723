/*
 * census — the schedule and the pull's state machine (see census.h).
 *
 * The searches come in phases, because each needs what the one before found:
 *   0  Organization?type=prov (the hospital's name), Location?type=ward
 *   1  per ward: its in-progress inpatient Encounters with their Patients
 *   2  per 50 patients: Coverage, Condition, AllergyIntolerance, active
 *      MedicationRequests with their Medications; then the Medication
 *      dictionary and the ChargeItemDefinition price list
 *   3  map (census_map.c) and store
 * Each search is followed through its "next" links before the next one
 * starts; one request is under way at a time, which is plenty for a few
 * hundred patients every five minutes and gentle on a HIS.
 */
#include "census_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "db.h"
#include "log.h"

#define TICK_MS 1000
#define MAX_BODY (64u * 1024 * 1024)
#define MAX_REQUESTS 10000u   /* a HIS whose next links never end */
#define PATIENTS_PER_SEARCH 50

static struct census *jump_target;
static bool jump_registered;

static void on_tick(evutil_socket_t fd, short what, void *arg);
static void fetch(struct census *c, const char *url);

static void on_jump(void *arg)
{
	(void)arg;
	if (jump_target && jump_target->tick)
		event_active(jump_target->tick, EV_TIMEOUT, 0);
}

static int cfg_int(json_t *obj, const char *key, int def)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : def;
}

int census_new(const struct http_env *env, curlev *cev, json_t *config, struct census **out,
	char *err, size_t errlen)
{
	json_t *cfg = json_object_get(config, "census");
	const char *url = json_string_value(json_object_get(cfg, "url"));
	const char *offset = json_string_value(json_object_get(cfg, "utc_offset"));
	struct census *c = calloc(1, sizeof(*c));
	int64_t ms;
	size_t n;

	*out = NULL;
	if (!c)
		goto oom;
	c->env = *env;
	c->cev = cev;
	c->interval_s = cfg_int(cfg, "interval_s", 300);
	c->keep_last = cfg_int(cfg, "keep_last", 5);
	c->timeout_s = cfg_int(cfg, "timeout_s", 30);
	c->offset_s = 8 * 3600;
	if (offset) {
		char probe[40];

		snprintf(probe, sizeof(probe), "2000-01-01T00:00:00%s", offset);
		if (!census_parse_time(probe, &ms, &c->offset_s)) {
			snprintf(err, errlen, "/census/utc_offset: '%s' is not an offset like +08:00", offset);
			census_free(c);
			return LL_EINVAL;
		}
	}
	if (url) {
		if (!(c->url = strdup(url)))
			goto oom;
		n = strlen(c->url);
		while (n > 0 && c->url[n - 1] == '/')
			c->url[--n] = '\0';
	}
	if (!(c->tick = event_new(env->base, -1, EV_PERSIST, on_tick, c)))
		goto oom;
	if (!jump_registered) {
		if (clock_on_jump(on_jump, NULL) != 0)
			goto oom;
		jump_registered = true;
	}
	jump_target = c;
	*out = c;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	census_free(c);
	return LL_ENOMEM;
}

/* ---------- ending a pull ---------- */

static void pull_reset(struct census *c)
{
	if (c->easy) {
		curlev_cancel(c->cev, c->easy);
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
	}
	curl_slist_free_all(c->headers);
	c->headers = NULL;
	free(c->body);
	c->body = NULL;
	c->body_len = c->body_cap = 0;
	json_decref(c->queue);
	c->queue = NULL;
	census_pull_free(&c->pull);
}

static void outcome(struct census *c, bool ok, int64_t snapshot_id, int patients, const char *fmt,
	...) __attribute__((format(printf, 5, 6)));

static void outcome(struct census *c, bool ok, int64_t snapshot_id, int patients, const char *fmt,
	...)
{
	va_list ap;

	c->has_outcome = true;
	c->last_ok = ok;
	c->last_started_ms = c->started_ms;
	c->last_finished_ms = clock_now_ms();
	c->last_snapshot_id = snapshot_id;
	c->last_patients = patients;
	c->last_requests = c->requests;
	c->last_error[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
		va_end(ap);
	}
	if (ok)
		log_info("census: snapshot %lld stored: %d inpatients, %u FHIR requests",
			(long long)snapshot_id, patients, c->requests);
	else
		log_warn("census: pull from %s abandoned, the last good snapshot stays in use: %s",
			c->url, c->last_error);
	pull_reset(c);
	c->state = CENSUS_IDLE;
	c->next_pull_ms = c->last_finished_ms + (int64_t)c->interval_s * 1000;
}

/* ---------- storing ---------- */

static void on_stored(int err, PGresult *res, void *arg)
{
	struct census *c = arg;
	int patients = c->last_patients;

	if (err)
		outcome(c, false, 0, 0, "the database is unavailable: the snapshot was not stored");
	else if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		outcome(c, false, 0, 0, "the snapshot was not stored: %s", PQresultErrorMessage(res));
	else
		outcome(c, true, strtoll(PQgetvalue(res, 0, 0), NULL, 10), patients, NULL);
}

/*
 * One statement: the INSERT, and the DELETE of the complete snapshots
 * beyond keep_last (the CTE's DELETE sees the table before the INSERT, so
 * it keeps keep_last - 1 of the older ones). A snapshot a print job refers
 * to stays: the print register points at it.
 */
#define STORE_SQL \
	"WITH ins AS (INSERT INTO census_snapshots (taken_at, source, complete, patients, data) " \
	" VALUES (to_timestamp($1::double precision / 1000), $2, true, $3::int, $4::jsonb) " \
	" RETURNING id), " \
	"del AS (DELETE FROM census_snapshots s WHERE s.complete AND s.id NOT IN " \
	" (SELECT id FROM census_snapshots WHERE complete ORDER BY taken_at DESC, id DESC " \
	"  LIMIT $5::int - 1) " \
	" AND NOT EXISTS (SELECT 1 FROM print_jobs p WHERE p.snapshot_id = s.id)) " \
	"SELECT id FROM ins"

static void store(struct census *c)
{
	json_t *doc = NULL;
	char err[512], taken[24], patients[16], keep[16], *text;
	const char *params[5];
	int n = 0, rc;

	rc = census_map_build(&c->pull, c->started_ms, c->offset_s, &doc, &n, err, sizeof(err));
	if (rc != 0) {
		outcome(c, false, 0, 0, "the census is inconsistent: %s", err);
		return;
	}
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text) {
		outcome(c, false, 0, 0, "out of memory");
		return;
	}
	snprintf(taken, sizeof(taken), "%lld", (long long)c->started_ms);
	snprintf(patients, sizeof(patients), "%d", n);
	snprintf(keep, sizeof(keep), "%d", c->keep_last);
	params[0] = taken;
	params[1] = c->url;
	params[2] = patients;
	params[3] = text;
	params[4] = keep;
	c->state = CENSUS_STORING;
	c->last_patients = n;
	census_pull_free(&c->pull);   /* the text is all the INSERT needs */
	rc = db_query_background(c->env.db, STORE_SQL, 5, params, on_stored, c);
	free(text);
	if (rc != 0)
		outcome(c, false, 0, 0, "the database is unavailable: the snapshot was not stored");
}

/* ---------- the phases ---------- */

static int queue_url(struct census *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int queue_url(struct census *c, const char *fmt, ...)
{
	char path[8192], url[8704];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	snprintf(url, sizeof(url), "%s/%s", c->url, path);
	return json_array_append_new(c->queue, json_string(url)) == 0 ? 0 : LL_ENOMEM;
}

/* FHIR ids are [A-Za-z0-9.-]{1,64}: safe in a URL as they are. */
static bool fhir_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > 64)
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

static int plan_phase1(struct census *c, char *err, size_t errlen)
{
	json_t *loc;
	size_t i;

	json_array_foreach(json_object_get(c->pull.matches, "Location"), i, loc) {
		const char *id = json_string_value(json_object_get(loc, "id"));

		if (!fhir_id_ok(id)) {
			snprintf(err, errlen, "a ward Location has a bad id");
			return LL_EINVAL;
		}
		if (queue_url(c, "Encounter?status=in-progress&class=IMP&location=Location/%s"
			"&_include=Encounter:patient&_count=100", id) != 0)
			return LL_ENOMEM;
	}
	return 0;
}

static int plan_phase2(struct census *c, char *err, size_t errlen)
{
	json_t *encs = json_object_get(c->pull.matches, "Encounter"), *enc;
	char ids[PATIENTS_PER_SEARCH * 72];
	size_t i, n = json_array_size(encs);
	int in_chunk = 0;

	ids[0] = '\0';
	for (i = 0; i <= n; i++) {
		if (i < n) {
			const char *ref;

			enc = json_array_get(encs, i);
			ref = json_string_value(json_object_get(json_object_get(enc, "subject"), "reference"));
			if (!ref || strncmp(ref, "Patient/", 8) != 0 || !fhir_id_ok(ref + 8)) {
				snprintf(err, errlen, "Encounter/%s has no Patient subject",
					json_string_value(json_object_get(enc, "id")));
				return LL_EINVAL;
			}
			snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s", in_chunk ? "," : "",
				ref + 8);
			in_chunk++;
		}
		if (in_chunk == PATIENTS_PER_SEARCH || (i == n && in_chunk > 0)) {
			if (queue_url(c, "Coverage?beneficiary=%s&_count=100", ids) != 0 ||
				queue_url(c, "Condition?patient=%s&_count=100", ids) != 0 ||
				queue_url(c, "AllergyIntolerance?patient=%s&_count=100", ids) != 0 ||
				queue_url(c, "MedicationRequest?status=active&patient=%s"
					"&_include=MedicationRequest:medication&_count=100", ids) != 0)
				return LL_ENOMEM;
			ids[0] = '\0';
			in_chunk = 0;
		}
	}
	if (queue_url(c, "Medication?status=active&_count=100") != 0 ||
		queue_url(c, "ChargeItemDefinition?status=active&_count=100") != 0)
		return LL_ENOMEM;
	return 0;
}

/* The current search is done: the next one, or the next phase, or the store. */
static void advance(struct census *c)
{
	char err[256] = "out of memory", url[8704];
	int rc = 0;

	while (json_array_size(c->queue) == 0) {
		c->phase++;
		if (c->phase == 1)
			rc = plan_phase1(c, err, sizeof(err));
		else if (c->phase == 2)
			rc = plan_phase2(c, err, sizeof(err));
		else {
			store(c);
			return;
		}
		if (rc != 0) {
			outcome(c, false, 0, 0, "%s", err);
			return;
		}
	}
	snprintf(url, sizeof(url), "%s", json_string_value(json_array_get(c->queue, 0)));
	json_array_remove(c->queue, 0);
	fetch(c, url);
}

/* ---------- one request ---------- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct census *c = arg;
	size_t n = size * nmemb;

	if (c->body_len + n + 1 > c->body_cap) {
		size_t cap = c->body_cap ? c->body_cap : 65536;
		char *b;

		while (cap < c->body_len + n + 1)
			cap *= 2;
		if (cap > MAX_BODY || !(b = realloc(c->body, cap)))
			return 0;   /* libcurl fails the transfer: CURLE_WRITE_ERROR */
		c->body = b;
		c->body_cap = cap;
	}
	memcpy(c->body + c->body_len, ptr, n);
	c->body_len += n;
	return n;
}

static void on_fetched(CURL *easy, CURLcode result, void *arg)
{
	struct census *c = arg;
	long code = 0;
	char *url = NULL, where[600], err[256];
	const char *next = NULL;
	json_error_t jerr;
	json_t *bundle;
	int rc;

	c->easy = NULL;
	curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
	snprintf(where, sizeof(where), "%s", url ? url : "?");
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(easy);
	if (result != CURLE_OK) {
		outcome(c, false, 0, 0, "GET %s: %s%s%s", where, curl_easy_strerror(result),
			c->curl_err[0] ? ": " : "", c->curl_err);
		return;
	}
	if (code != 200) {
		outcome(c, false, 0, 0, "GET %s: HTTP %ld", where, code);
		return;
	}
	if (!(bundle = json_loadb(c->body ? c->body : "", c->body_len, 0, &jerr))) {
		outcome(c, false, 0, 0, "GET %s: bad JSON: %s (line %d)", where, jerr.text, jerr.line);
		return;
	}
	c->body_len = 0;
	rc = census_pull_add_page(&c->pull, bundle, &next, err, sizeof(err));
	if (rc != 0) {
		json_decref(bundle);
		outcome(c, false, 0, 0, "GET %s: %s", where, err);
		return;
	}
	if (next) {
		char next_url[8704];

		snprintf(next_url, sizeof(next_url), "%s", next);
		json_decref(bundle);
		fetch(c, next_url);
		return;
	}
	json_decref(bundle);
	advance(c);
}

static void fetch(struct census *c, const char *url)
{
	CURL *e;

	if (++c->requests > MAX_REQUESTS) {
		outcome(c, false, 0, 0, "more than %u FHIR requests: the HIS's next links do not end",
			MAX_REQUESTS);
		return;
	}
	if (!(e = c->easy = curl_easy_init())) {
		outcome(c, false, 0, 0, "out of memory");
		return;
	}
	c->curl_err[0] = '\0';
	c->body_len = 0;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->curl_err);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_s * 1000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_s * 1000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	if (curlev_add(c->cev, e, on_fetched, c) != 0) {
		c->easy = NULL;
		curl_easy_cleanup(e);
		outcome(c, false, 0, 0, "cannot start the request to %s", url);
	}
}

static void pull_begin(struct census *c)
{
	c->state = CENSUS_FETCHING;
	c->phase = 0;
	c->requests = 0;
	c->started_ms = clock_now_ms();
	log_info("census: pulling a snapshot from %s", c->url);
	if (census_pull_init(&c->pull) != 0 || !(c->queue = json_array()) ||
		!(c->headers = curl_slist_append(NULL, "Accept: application/fhir+json")) ||
		queue_url(c, "Organization?type=prov") != 0 ||
		queue_url(c, "Location?type=ward&_count=100") != 0) {
		outcome(c, false, 0, 0, "out of memory");
		return;
	}
	advance(c);
}

/* ---------- the schedule ---------- */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct census *c = arg;

	(void)fd;
	(void)what;
	if (!c->running || c->state != CENSUS_IDLE)
		return;
	if (c->requested || clock_now_ms() >= c->next_pull_ms) {
		c->requested = false;
		pull_begin(c);
	}
}

bool census_request_pull(struct census *c)
{
	if (!c->running)
		return false;
	c->requested = true;
	event_active(c->tick, EV_TIMEOUT, 0);
	return true;
}

int census_start(struct census *c)
{
	struct timeval tv = { TICK_MS / 1000, (TICK_MS % 1000) * 1000 };

	if (!c || !c->url || c->running)
		return 0;
	if (event_add(c->tick, &tv) != 0)
		return LL_ENOMEM;
	c->running = true;
	c->next_pull_ms = clock_now_ms();
	event_active(c->tick, EV_TIMEOUT, 0);
	log_info("census: the leader takes a snapshot from %s every %d s", c->url, c->interval_s);
	return 0;
}

void census_stop(struct census *c)
{
	if (!c || !c->running)
		return;
	c->running = false;
	c->requested = false;
	event_del(c->tick);
	/* A store under way finishes (its callback records the outcome); a fetch is abandoned. */
	if (c->state == CENSUS_FETCHING) {
		pull_reset(c);
		c->state = CENSUS_IDLE;
	}
}

void census_free(struct census *c)
{
	if (!c)
		return;
	pull_reset(c);
	if (c->tick)
		event_free(c->tick);
	if (jump_target == c)
		jump_target = NULL;
	free(c->url);
	free(c);
}

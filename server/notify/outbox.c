/*
 * outbox — queueing deliveries and the delivery worker (see outbox.h).
 *
 * A delivery goes: claimed (SENDING, its transfer in curlev) → UNMARKED (its
 * outcome known, waiting to be recorded) → MARKING (the UPDATE that records
 * it is under way) → freed. The outcomes of one loop turn are recorded by one
 * UPDATE (flush_marks). When it cannot run (the database is away) the
 * deliveries stay UNMARKED and the janitor tick tries again: the outcome is
 * kept in memory so that a message the receiver accepted is not sent again
 * when the database returns.
 */
#include "outbox_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "outbox_format.h"

#define TICK_MS 1000
#define CONNECT_TIMEOUT_MS 5000L
#define TRANSFER_TIMEOUT_MAX_MS 30000L
#define MARK_BATCH 256

enum delivery_state { D_SENDING, D_MARKING, D_UNMARKED };

struct delivery {
	struct outbox *o;
	struct delivery *prev, *next;
	enum delivery_state state;
	int64_t id;
	int attempts;
	bool drill, ok;
	char *channel, *address, *subject, *body, *payload, *claimer;
	CURL *easy;
	struct curl_slist *list;  /* HTTP headers, or the SMTP recipient */
	char *upload;             /* the e-mail */
	size_t upload_len, upload_pos;
	char reply[200];          /* the start of an HTTP answer, for last_error */
	size_t reply_len;
	char curl_err[CURL_ERROR_SIZE];
	char error[512];
	int64_t done_ms;
	bool warned;              /* "the database is away" said once */
};

static struct outbox *jump_target;
static bool jump_registered;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int cfg_int(json_t *obj, const char *key, int def)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : def;
}

static void on_tick(evutil_socket_t fd, short what, void *arg);
static void on_mark(evutil_socket_t fd, short what, void *arg);

static void on_jump(void *arg)
{
	(void)arg;
	if (jump_target)
		outbox_kick(jump_target);
}

int outbox_new(const struct http_env *env, curlev *cev, json_t *config, struct outbox **out,
	char *err, size_t errlen)
{
	json_t *notify = json_object_get(config, "notify");
	json_t *smtp = json_object_get(notify, "smtp"), *ob = json_object_get(notify, "outbox");
	struct outbox *o = calloc(1, sizeof(*o));
	char host[64] = "lifelined";

	*out = NULL;
	if (!o)
		goto oom;
	o->env = *env;
	o->cev = cev;
	o->batch = cfg_int(ob, "batch", 16);
	o->max_in_flight = cfg_int(ob, "max_in_flight", 32);
	o->max_attempts = cfg_int(ob, "max_attempts", 10);
	o->lease_s = cfg_int(ob, "lease_s", 60);
	if (json_string_value(json_object_get(smtp, "url"))) {
		o->smtp_url = strdup(json_string_value(json_object_get(smtp, "url")));
		o->smtp_from = strdup(json_string_value(json_object_get(smtp, "from")) ?
			json_string_value(json_object_get(smtp, "from")) : "lifeline@localhost");
		if (!o->smtp_url || !o->smtp_from)
			goto oom;
	}
	if (json_string_value(json_object_get(json_object_get(notify, "sms"), "url")) &&
		!(o->sms_url = strdup(json_string_value(json_object_get(json_object_get(notify, "sms"),
			"url")))))
		goto oom;
	gethostname(host, sizeof(host) - 1);
	snprintf(o->me_base, sizeof(o->me_base), "%s:%d:%lld", host, (int)getpid(),
		(long long)clock_mono_ms());
	snprintf(o->me, sizeof(o->me), "%s:%u", o->me_base, o->gen);
	o->tick = event_new(env->base, -1, EV_PERSIST, on_tick, o);
	o->mark_ev = event_new(env->base, -1, 0, on_mark, o);
	if (!o->tick || !o->mark_ev)
		goto oom;
	if (!jump_registered) {
		if (clock_on_jump(on_jump, NULL) != 0)
			goto oom;
		jump_registered = true;
	}
	jump_target = o;
	*out = o;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	outbox_free(o);
	return LL_ENOMEM;
}

bool outbox_has_sms(const struct outbox *o)
{
	return o->sms_url != NULL;
}

/* ---------- queueing ---------- */

struct enqueue {
	outbox_enqueue_cb cb;
	void *arg;
	struct outbox *o;
};

static void on_enqueued(int err, PGresult *res, void *arg)
{
	struct enqueue q = *(struct enqueue *)arg;
	int n = 0;

	free(arg);
	if (!err && PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_error("outbox: cannot queue deliveries: %s", PQresultErrorMessage(res));
		err = LL_EDB;
	}
	if (!err && (n = PQntuples(res)) > 0)
		outbox_kick(q.o);
	if (q.cb)
		q.cb(err, n, q.arg);
}

static json_t *message_json(const struct outbox_message *m)
{
	json_t *payload = m->payload ? json_incref(m->payload) :
		outbox_payload_build(m->channel, m->department, m->address, m->subject, m->body, m->drill);

	if (strcmp(m->channel, "email") != 0 && !payload)
		return NULL;
	return json_pack("{s:o, s:s?, s:s, s:s, s:s?, s:s?, s:o, s:b, s:s}",
		"notice_id", m->notice_id > 0 ? json_integer(m->notice_id) : json_null(),
		"department", m->department, "channel", m->channel, "address", m->address,
		"subject", m->subject, "body", m->body, "payload", payload ? payload : json_null(),
		"drill", m->drill, "dedup_key", m->dedup_key);
}

static bool channel_ok(const char *c)
{
	return c && (strcmp(c, "email") == 0 || strcmp(c, "webhook") == 0 ||
		strcmp(c, "wecom") == 0 || strcmp(c, "dingtalk") == 0 || strcmp(c, "sms") == 0);
}

int outbox_enqueue_n(struct outbox *o, const struct outbox_message *m, size_t n,
	outbox_enqueue_cb cb, void *arg)
{
	json_t *arr;
	struct enqueue *q;
	char *text, now[24];
	const char *params[2];
	int rc;

	for (size_t i = 0; i < n; i++)
		if (!channel_ok(m[i].channel) || !m[i].address || !m[i].dedup_key)
			return LL_EINVAL;
	if (!(arr = json_array()))
		return LL_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, message_json(&m[i])) != 0) {
			json_decref(arr);
			return LL_ENOMEM;
		}
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	q = malloc(sizeof(*q));
	if (!text || !q) {
		free(text);
		free(q);
		return LL_ENOMEM;
	}
	*q = (struct enqueue){ cb, arg, o };
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	params[0] = text;
	params[1] = now;
	rc = db_query(o->env.db,
		"INSERT INTO outbox (notice_id, department, channel, address, subject, body, payload, "
		"drill, dedup_key, status, attempts, next_attempt_at, created_at) "
		"SELECT x.notice_id, x.department, x.channel, x.address, x.subject, x.body, "
		"nullif(x.payload, 'null'::jsonb), x.drill, x.dedup_key, 'pending', 0, "
		"to_timestamp($2::double precision / 1000), to_timestamp($2::double precision / 1000) "
		"FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(j, ord), "
		"LATERAL jsonb_to_record(e.j) AS x(notice_id bigint, department text, channel text, "
		"address text, subject text, body text, payload jsonb, drill boolean, dedup_key text) "
		"ORDER BY e.ord "
		"ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
		2, params, on_enqueued, q);
	free(text);
	if (rc != 0)
		free(q);
	return rc;
}

int outbox_enqueue(struct outbox *o, const struct outbox_message *m, outbox_enqueue_cb cb,
	void *arg)
{
	return outbox_enqueue_n(o, m, 1, cb, arg);
}

/* ---------- deliveries ---------- */

static void delivery_free(struct delivery *d)
{
	struct outbox *o = d->o;

	if (d->prev)
		d->prev->next = d->next;
	else
		o->active = d->next;
	if (d->next)
		d->next->prev = d->prev;
	o->in_flight--;
	if (d->easy) {
		curlev_cancel(o->cev, d->easy);
		curl_easy_cleanup(d->easy);
	}
	curl_slist_free_all(d->list);
	free(d->channel);
	free(d->address);
	free(d->subject);
	free(d->body);
	free(d->payload);
	free(d->claimer);
	free(d->upload);
	free(d);
}

/* One UPDATE recording the outcomes of up to MARK_BATCH deliveries. */
struct marking {
	struct outbox *o;
	size_t n;
	struct delivery *d[MARK_BATCH];
};

static void log_outcome(const struct delivery *d, const char *status)
{
	if (!status)
		log_warn("outbox: delivery %lld was claimed by another worker meanwhile (its lease ran "
			"out); it may be delivered twice — raise notify.outbox.lease_s", (long long)d->id);
	else if (d->ok)
		log_info("outbox: delivery %lld sent (%s to %s)", (long long)d->id, d->channel, d->address);
	else
		log_warn("outbox: delivery %lld (%s to %s) failed, attempt %d: %s; status %s",
			(long long)d->id, d->channel, d->address, d->attempts, d->error, status);
}

static void on_marked(int err, PGresult *res, void *arg)
{
	struct marking *m = arg;
	struct outbox *o = m->o;

	for (size_t i = 0; i < m->n; i++) {
		struct delivery *d = m->d[i];
		const char *status = NULL;

		if (err) {
			if (!d->warned)
				log_warn("outbox: delivery %lld was %s but the database is away; "
					"will record it when it returns", (long long)d->id,
					d->ok ? "sent" : "not sent");
			d->warned = true;
			d->state = D_UNMARKED;
			continue;
		}
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			log_error("outbox: cannot record delivery %lld: %s", (long long)d->id,
				PQresultErrorMessage(res));
		} else {
			for (int r = 0; r < PQntuples(res) && !status; r++)
				if (strtoll(PQgetvalue(res, r, 0), NULL, 10) == d->id)
					status = PQgetvalue(res, r, 1);
			log_outcome(d, status);
		}
		delivery_free(d);
	}
	free(m);
	/* Claim again once a batch fits (or nothing is under way): not after every delivery. */
	if (!err && o->running && (o->max_in_flight - o->in_flight >= o->batch || o->in_flight == 0))
		outbox_kick(o);
}

static void flush_marks(struct outbox *o)
{
	struct marking *m;
	json_t *rows;
	char *text, max[16];
	const char *params[2] = { NULL, max };

	if (!db_pool_up(o->env.db) || !(m = calloc(1, sizeof(*m))))
		return;
	if (!(rows = json_array())) {
		free(m);
		return;
	}
	m->o = o;
	for (struct delivery *d = o->active; d && m->n < MARK_BATCH; d = d->next) {
		if (d->state != D_UNMARKED)
			continue;
		if (json_array_append_new(rows, json_pack("{s:I, s:s, s:b, s:I, s:I, s:s}",
				"id", (json_int_t)d->id, "claimer", d->claimer, "ok", d->ok,
				"at", (json_int_t)d->done_ms,
				"next", (json_int_t)(d->done_ms + outbox_backoff_ms(d->attempts)),
				"error", d->error)) != 0)
			break;
		m->d[m->n++] = d;
	}
	text = m->n ? json_dumps(rows, JSON_COMPACT) : NULL;
	json_decref(rows);
	if (!text) {
		free(m);
		return;
	}
	snprintf(max, sizeof(max), "%d", o->max_attempts);
	params[0] = text;
	for (size_t i = 0; i < m->n; i++)
		m->d[i]->state = D_MARKING;
	if (db_query_background(o->env.db,
			"WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, claimer text, "
			" ok boolean, at double precision, next double precision, error text)) "
			"UPDATE outbox o SET status = CASE WHEN x.ok THEN 'sent' "
			" WHEN o.attempts >= $2::int THEN 'failed' ELSE 'pending' END, "
			"sent_at = CASE WHEN x.ok THEN to_timestamp(x.at / 1000) ELSE o.sent_at END, "
			"next_attempt_at = CASE WHEN x.ok THEN o.next_attempt_at "
			" ELSE to_timestamp(x.next / 1000) END, "
			"last_error = CASE WHEN x.ok THEN NULL ELSE x.error END, "
			"claimed_by = NULL, claimed_until = NULL "
			"FROM x WHERE o.id = x.id AND o.claimed_by = x.claimer AND o.status = 'sending' "
			"RETURNING o.id, o.status",
			2, params, on_marked, m) != 0) {
		for (size_t i = 0; i < m->n; i++)
			m->d[i]->state = D_UNMARKED;
		free(m);
	}
	free(text);
}

/* The outcome is known: record it with the others of this loop turn. */
static void mark(struct delivery *d)
{
	d->state = D_UNMARKED;
	if (d->o->mark_ev)
		event_active(d->o->mark_ev, EV_TIMEOUT, 0);
}

static void on_mark(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_marks(arg);
}

static void on_sent(CURL *easy, CURLcode result, void *arg)
{
	struct delivery *d = arg;
	long code = 0;

	d->easy = NULL;
	d->done_ms = clock_now_ms();
	if (result != CURLE_OK) {
		snprintf(d->error, sizeof(d->error), "%s%s%s", curl_easy_strerror(result),
			d->curl_err[0] ? ": " : "", d->curl_err);
	} else if (strcmp(d->channel, "email") != 0) {
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code < 300)
			d->ok = true;
		else
			snprintf(d->error, sizeof(d->error), "HTTP %ld: %.*s", code, (int)d->reply_len,
				d->reply);
	} else {
		d->ok = true;
	}
	curl_easy_cleanup(easy);
	mark(d);
}

static size_t read_upload(char *buf, size_t size, size_t nitems, void *arg)
{
	struct delivery *d = arg;
	size_t n = size * nitems, left = d->upload_len - d->upload_pos;

	if (n > left)
		n = left;
	memcpy(buf, d->upload + d->upload_pos, n);
	d->upload_pos += n;
	return n;
}

static size_t keep_reply(char *buf, size_t size, size_t nitems, void *arg)
{
	struct delivery *d = arg;
	size_t n = size * nitems, room = sizeof(d->reply) - d->reply_len;

	memcpy(d->reply + d->reply_len, buf, n < room ? n : room);
	d->reply_len += n < room ? n : room;
	return size * nitems;
}

/* Build the transfer; false with d->error set when it cannot even start. */
static bool prepare(struct outbox *o, struct delivery *d)
{
	CURL *e = d->easy = curl_easy_init();
	long timeout = (long)o->lease_s * 1000 / 2;
	char hdr[64];

	if (!e)
		goto oom;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, d->curl_err);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout < TRANSFER_TIMEOUT_MAX_MS ? timeout :
		TRANSFER_TIMEOUT_MAX_MS);
	if (strcmp(d->channel, "email") == 0) {
		struct outbox_email m = { .id = d->id, .from = o->smtp_from, .to = d->address,
			.subject = d->subject, .body = d->body, .date_ms = clock_now_ms(), .drill = d->drill };
		char from[300], rcpt[600];

		if (!o->smtp_url) {
			snprintf(d->error, sizeof(d->error), "no SMTP server configured (notify.smtp.url)");
			return false;
		}
		if (!(d->upload = outbox_email_build(&m)))
			goto oom;
		d->upload_len = strlen(d->upload);
		snprintf(from, sizeof(from), "<%s>", o->smtp_from);
		snprintf(rcpt, sizeof(rcpt), "<%s>", d->address);
		if (!(d->list = curl_slist_append(NULL, rcpt)))
			goto oom;
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
		curl_easy_setopt(e, CURLOPT_URL, o->smtp_url);
		curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
		curl_easy_setopt(e, CURLOPT_MAIL_RCPT, d->list);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, read_upload);
		curl_easy_setopt(e, CURLOPT_READDATA, d);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)d->upload_len);
		return true;
	}
	if (strcmp(d->channel, "sms") == 0 && !o->sms_url) {
		snprintf(d->error, sizeof(d->error), "no SMS gateway configured (notify.sms.url)");
		return false;
	}
	snprintf(hdr, sizeof(hdr), "X-Lifeline-Delivery: %lld", (long long)d->id);
	if (!(d->list = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8")) ||
		!curl_slist_append(d->list, hdr))
		goto oom;
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_URL, strcmp(d->channel, "sms") == 0 ? o->sms_url : d->address);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->list);
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, d->payload ? d->payload : "{}");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_reply);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
	return true;
oom:
	snprintf(d->error, sizeof(d->error), "out of memory");
	return false;
}

static void start_delivery(struct outbox *o, const PGresult *res, int row)
{
	struct delivery *d = calloc(1, sizeof(*d));

	if (!d) {
		log_error("outbox: out of memory; delivery %s waits for its lease to run out",
			PQgetvalue(res, row, 0));
		return;
	}
	d->o = o;
	d->next = o->active;
	if (o->active)
		o->active->prev = d;
	o->active = d;
	o->in_flight++;
	d->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	d->channel = strdup(PQgetvalue(res, row, 1));
	d->address = strdup(PQgetvalue(res, row, 2));
	d->subject = PQgetisnull(res, row, 3) ? NULL : strdup(PQgetvalue(res, row, 3));
	d->body = PQgetisnull(res, row, 4) ? NULL : strdup(PQgetvalue(res, row, 4));
	d->payload = PQgetisnull(res, row, 5) ? NULL : strdup(PQgetvalue(res, row, 5));
	d->drill = PQgetvalue(res, row, 6)[0] == 't';
	d->attempts = atoi(PQgetvalue(res, row, 7));
	d->claimer = dup_or_null(o->me);
	if (!d->channel || !d->address || !d->claimer) {
		snprintf(d->error, sizeof(d->error), "out of memory");
	} else if (prepare(o, d)) {
		if (curlev_add(o->cev, d->easy, on_sent, d) == 0)
			return;
		snprintf(d->error, sizeof(d->error), "cannot start the transfer");
	}
	if (d->easy) {
		curl_easy_cleanup(d->easy);
		d->easy = NULL;
	}
	d->done_ms = clock_now_ms();
	if (d->claimer)
		mark(d);
	else
		delivery_free(d);
}

/* ---------- the worker ---------- */

static void new_identity(struct outbox *o)
{
	o->gen++;
	snprintf(o->me, sizeof(o->me), "%s:%u", o->me_base, o->gen);
}

static void on_claimed(int err, PGresult *res, void *arg)
{
	struct outbox *o = arg;
	int n;

	o->claiming = false;
	if (err) {
		/*
		 * The claim may have committed without our hearing of it: take a new
		 * name so that those rows count as another worker's and are taken
		 * again after their lease.
		 */
		new_identity(o);
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_error("outbox: cannot claim deliveries: %s", PQresultErrorMessage(res));
		return;
	}
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
		start_delivery(o, res, i);
	/* A full batch: there may be more due. */
	if (n > 0 && o->running)
		outbox_kick(o);
}

static void claim(struct outbox *o)
{
	int room = o->max_in_flight - o->in_flight;
	char now[24], lease[16], limit[16];
	const char *params[4] = { o->me, now, lease, limit };

	if (!o->running || o->claiming || room <= 0)
		return;
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	snprintf(lease, sizeof(lease), "%d", o->lease_s);
	snprintf(limit, sizeof(limit), "%d", room < o->batch ? room : o->batch);
	o->claiming = true;
	/* A row this worker claimed is never reclaimed by it: it is still under way here. */
	if (db_query_background(o->env.db,
			"UPDATE outbox o SET status = 'sending', claimed_by = $1, "
			"claimed_until = to_timestamp($2::double precision / 1000) + make_interval(secs => $3::int), "
			"attempts = o.attempts + 1 "
			"WHERE o.id IN (SELECT id FROM outbox WHERE "
			"(status = 'pending' AND next_attempt_at <= to_timestamp($2::double precision / 1000)) OR "
			"(status = 'sending' AND claimed_until < to_timestamp($2::double precision / 1000) "
			" AND claimed_by IS DISTINCT FROM $1) "
			"ORDER BY id LIMIT $4::int FOR UPDATE SKIP LOCKED) "
			"RETURNING o.id, o.channel, o.address, o.subject, o.body, o.payload::text, o.drill, "
			"o.attempts",
			4, params, on_claimed, o) != 0)
		o->claiming = false;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *o = arg;

	(void)fd;
	(void)what;
	flush_marks(o);
	claim(o);
}

void outbox_kick(struct outbox *o)
{
	if (o && o->tick)
		event_active(o->tick, EV_TIMEOUT, 0);
}

int outbox_start(struct outbox *o)
{
	struct timeval tv = { TICK_MS / 1000, (TICK_MS % 1000) * 1000 };

	if (o->running)
		return 0;
	if (event_add(o->tick, &tv) != 0)
		return LL_ENOMEM;
	new_identity(o);
	o->running = true;
	log_info("outbox: delivering as %s", o->me);
	outbox_kick(o);
	return 0;
}

void outbox_stop(struct outbox *o)
{
	if (!o || !o->running)
		return;
	o->running = false;
	log_info("outbox: no longer delivering (%d under way finish)", o->in_flight);
}

void outbox_free(struct outbox *o)
{
	if (!o)
		return;
	if (jump_target == o)
		jump_target = NULL;
	while (o->active) {
		if (o->active->state != D_SENDING)
			log_warn("outbox: delivery %lld: its outcome (%s) could not be recorded; it will be "
				"tried again after its lease", (long long)o->active->id,
				o->active->ok ? "sent" : "failed");
		delivery_free(o->active);
	}
	if (o->tick)
		event_free(o->tick);
	if (o->mark_ev)
		event_free(o->mark_ev);
	free(o->smtp_url);
	free(o->smtp_from);
	free(o->sms_url);
	free(o);
}

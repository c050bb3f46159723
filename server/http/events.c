#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "db.h"
#include "log.h"

#define PING_SECONDS 15
#define STREAM_TIMEOUT_S 3600
#define CHANNEL "lifeline_events"
#define LISTEN_CHECK_S 2
/* PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
#define MAX_PAYLOAD 7900

struct client {
	struct evhttp_request *req;
	char user[65];
	struct client *next;
};

struct events {
	struct client *clients;
	size_t nclients;
	uint64_t next_id;
	struct event *ping;
	/* fan-out through PostgreSQL: every instance LISTENs on one held connection */
	db_pool *db;
	db_conn *listener;    /* held while listening */
	bool listening;
	bool busy;            /* an acquire or a check is in flight */
	bool stopping;
	struct event *check;
	/* events published in this loop turn, fanned out by one statement (flush) */
	json_t *batch;        /* array of "type json" payloads, or NULL */
	struct event *flush;
};

/* Drop clients whose connection libevent has already detached. */
static void sweep(struct events *ev)
{
	struct client **pp = &ev->clients;

	while (*pp) {
		struct client *c = *pp;

		if (!evhttp_request_get_connection(c->req)) {
			*pp = c->next;
			evhttp_send_reply_end(c->req); /* frees the detached request */
			free(c);
			ev->nclients--;
			continue;
		}
		pp = &c->next;
	}
}

static void send_all(struct events *ev, const char *text, size_t len)
{
	sweep(ev);
	for (struct client *c = ev->clients; c; c = c->next) {
		struct evbuffer *buf = evbuffer_new();

		if (!buf)
			continue;
		evbuffer_add(buf, text, len);
		evhttp_send_reply_chunk(c->req, buf);
		evbuffer_free(buf);
	}
}

static void on_ping(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	send_all(arg, ": ping\n\n", 8);
}

/* Write one event to this instance's streams. */
static void deliver(struct events *ev, const char *type, const char *json)
{
	char *text = NULL;
	int len;

	len = asprintf(&text, "id: %llu\nevent: %s\ndata: %s\n\n",
		(unsigned long long)++ev->next_id, type, json);
	if (len < 0)
		return;
	send_all(ev, text, (size_t)len);
	free(text);
}

static void on_notified(int err, PGresult *res, void *arg)
{
	char *payloads = arg;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warn("events not fanned out to other instances: %s",
			err ? lifeline_strerror(err) : PQresultErrorMessage(res));
	free(payloads);
}

/* Deliver a payload ("type json") on this instance only. */
static void deliver_payload(struct events *ev, const char *payload)
{
	char type[32];
	size_t n = strcspn(payload, " ");

	if (n == 0 || n >= sizeof(type) || !payload[n])
		return;
	memcpy(type, payload, n);
	type[n] = '\0';
	deliver(ev, type, payload + n + 1);
}

/* The events of one loop turn go out as one statement, in order. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;
	json_t *batch = ev->batch;
	char *text;
	const char *params[1];
	size_t i;
	json_t *p;

	(void)fd;
	(void)what;
	ev->batch = NULL;
	if (!batch)
		return;
	text = json_dumps(batch, JSON_COMPACT);
	params[0] = text;
	if (!text || !ev->listening || db_query_background(ev->db,
			"SELECT count(pg_notify('" CHANNEL "', p)) FROM json_array_elements_text($1::json) p",
			1, params, on_notified, text) != 0) {
		free(text);
		json_array_foreach(batch, i, p)
			deliver_payload(ev, json_string_value(p));
	}
	json_decref(batch);
}

/*
 * While this instance listens, an event goes out as a NOTIFY and comes back
 * to every instance's listener (this one included), so that clients of a
 * standby see the leader's changes too. Otherwise it is delivered here only.
 */
void events_publish(struct events *ev, const char *type, json_t *data)
{
	char *json = json_dumps(data, JSON_COMPACT);
	char *payload = NULL;

	if (!json)
		return;
	if (ev->listening && db_pool_up(ev->db) && ev->flush &&
		asprintf(&payload, "%s %s", type, json) > 0 && strlen(payload) < MAX_PAYLOAD) {
		if (!ev->batch && (ev->batch = json_array()))
			event_active(ev->flush, EV_TIMEOUT, 0);
		if (ev->batch && json_array_append_new(ev->batch, json_string(payload)) == 0) {
			free(payload);
			free(json);
			return;
		}
	}
	free(payload);
	deliver(ev, type, json);
	free(json);
}

static void on_notify(const char *channel, const char *payload, void *arg)
{
	if (strcmp(channel, CHANNEL) == 0)
		deliver_payload(arg, payload);
}

static void lose_listener(struct events *ev)
{
	if (ev->listener && !ev->stopping)
		db_release(ev->listener);
	ev->listener = NULL;
	ev->listening = false;
}

static void on_listen(int err, PGresult *res, void *arg)
{
	struct events *ev = arg;

	ev->busy = false;
	if (ev->stopping) {
		ev->listener = NULL;
		return;
	}
	if (err || (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)) {
		if (ev->listening)
			log_warn("event fan-out lost its database connection; listening again");
		lose_listener(ev);
		return;
	}
	if (!ev->listening)
		log_info("listening for events from other instances");
	ev->listening = true;
}

static void on_listener(int err, db_conn *conn, void *arg)
{
	struct events *ev = arg;

	if (err || !conn || ev->stopping) {
		ev->busy = false;
		if (conn)
			db_release(conn);
		return;
	}
	ev->listener = conn;
	if (db_conn_query(conn, "LISTEN " CHANNEL, 0, NULL, on_listen, ev) != 0) {
		ev->busy = false;
		lose_listener(ev);
	}
}

/* Keep one connection listening; a lost one is noticed by a cheap query. */
static void on_check(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;

	(void)fd;
	(void)what;
	if (ev->busy || ev->stopping || !ev->db)
		return;
	ev->busy = true;
	if (ev->listener) {
		if (db_conn_query(ev->listener, "SELECT 1", 0, NULL, on_listen, ev) != 0) {
			ev->busy = false;
			lose_listener(ev);
		}
		return;
	}
	if (db_acquire(ev->db, on_listener, ev) != 0)
		ev->busy = false;
}

static void handle_events(http_ctx *ctx)
{
	struct events *ev = http_ctx_arg(ctx);
	struct client *c = calloc(1, sizeof(*c));
	struct evhttp_request *req;
	struct evkeyvalq *out;
	struct evbuffer *hello;

	if (!c) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	snprintf(c->user, sizeof(c->user), "%s", http_ctx_user(ctx)->username);
	req = http_ctx_detach(ctx, 200);
	out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Content-Type", "text/event-stream; charset=utf-8");
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Accel-Buffering", "no");
	if (evhttp_request_get_connection(req))
		evhttp_connection_set_timeout(evhttp_request_get_connection(req), STREAM_TIMEOUT_S);
	evhttp_send_reply_start(req, 200, "OK");
	c->req = req;
	c->next = ev->clients;
	ev->clients = c;
	ev->nclients++;
	hello = evbuffer_new();
	if (hello) {
		evbuffer_add_printf(hello, "retry: 2000\n: connected as %s\n\n", c->user);
		evhttp_send_reply_chunk(req, hello);
		evbuffer_free(hello);
	}
}

static const struct http_route event_routes[] = {
	{ "GET", "/api/v1/events", handle_events, ROLES_ALL, HTTP_STREAM, NULL, NULL },
};

int events_add_routes(struct events *ev, http_server *srv)
{
	return http_server_add_routes(srv, event_routes, 1, ev);
}

int events_new(struct event_base *base, db_pool *db, struct events **out)
{
	struct events *ev = calloc(1, sizeof(*ev));
	struct timeval every = { PING_SECONDS, 0 };
	struct timeval check = { LISTEN_CHECK_S, 0 };

	*out = NULL;
	if (!ev)
		return LL_ENOMEM;
	ev->db = db;
	ev->ping = event_new(base, -1, EV_PERSIST, on_ping, ev);
	ev->check = event_new(base, -1, EV_PERSIST, on_check, ev);
	ev->flush = event_new(base, -1, 0, on_flush, ev);
	if (db)
		db_pool_set_notify_cb(db, on_notify, ev);
	if (!ev->ping || event_add(ev->ping, &every) != 0 || !ev->check || !ev->flush ||
		event_add(ev->check, &check) != 0) {
		events_free(ev);
		return LL_ENOMEM;
	}
	*out = ev;
	return 0;
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	while (ev->clients) {
		struct client *c = ev->clients;

		ev->clients = c->next;
		evhttp_send_reply_end(c->req);
		free(c);
	}
	if (ev->ping)
		event_free(ev->ping);
	if (ev->check)
		event_free(ev->check);
	if (ev->flush)
		event_free(ev->flush);
	json_decref(ev->batch);
	free(ev);
}

void events_stop(struct events *ev)
{
	if (!ev || ev->stopping)
		return;
	if (ev->db)
		db_pool_set_notify_cb(ev->db, NULL, NULL);
	if (ev->listener && !ev->busy)
		db_release(ev->listener);
	ev->listener = NULL;
	ev->stopping = true;
	ev->listening = false;
}

size_t events_clients(const struct events *ev)
{
	return ev ? ev->nclients : 0;
}

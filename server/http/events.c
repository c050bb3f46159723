#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "log.h"

#define PING_SECONDS 15
#define STREAM_TIMEOUT_S 3600

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

void events_publish(struct events *ev, const char *type, json_t *data)
{
	char *json = json_dumps(data, JSON_COMPACT);
	char *text = NULL;
	int len;

	if (!json)
		return;
	len = asprintf(&text, "id: %llu\nevent: %s\ndata: %s\n\n",
		(unsigned long long)++ev->next_id, type, json);
	free(json);
	if (len < 0)
		return;
	send_all(ev, text, (size_t)len);
	free(text);
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

int events_new(struct event_base *base, struct events **out)
{
	struct events *ev = calloc(1, sizeof(*ev));
	struct timeval every = { PING_SECONDS, 0 };

	*out = NULL;
	if (!ev)
		return LL_ENOMEM;
	ev->ping = event_new(base, -1, EV_PERSIST, on_ping, ev);
	if (!ev->ping || event_add(ev->ping, &every) != 0) {
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
	free(ev);
}

size_t events_clients(const struct events *ev)
{
	return ev ? ev->nclients : 0;
}

/*
 * evhttp_baseline — the least a libevent evhttp server can do to answer
 * GET /api/v1/health the way lifelined does: one thread, the same JSON built
 * with jansson on every request, the same headers (Content-Type, X-Request-Id,
 * Cache-Control). No routing table, no database, no metrics, no access log.
 *
 * tools/bench --baseline builds it with cc and measures it beside nginx and
 * lifelined, to tell what evhttp itself costs from what lifelined adds.
 *
 *   evhttp_baseline PORT     (listens on 127.0.0.1:PORT; SIGTERM/SIGINT stop it)
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long served;

static void on_request(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *body;
	json_t *doc;
	char *text, id[24];

	(void)arg;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
		strcmp(evhttp_request_get_uri(req), "/api/v1/health") != 0) {
		evhttp_send_error(req, 404, NULL);
		return;
	}
	doc = json_pack("{s:s, s:s, s:s, s:s}", "status", "ok", "db", "ok", "role", "leader",
		"version", "0.1.0");
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	body = evbuffer_new();
	if (!text || !body) {
		free(text);
		if (body)
			evbuffer_free(body);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(body, text, strlen(text));
	free(text);
	snprintf(id, sizeof(id), "%08x%08x", 0x6c69666du, (unsigned)++served);
	evhttp_add_header(out, "Content-Type", "application/json; charset=utf-8");
	evhttp_add_header(out, "X-Request-Id", id);
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *http;
	struct event *term, *intr;
	int port = argc == 2 ? atoi(argv[1]) : 0;

	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: evhttp_baseline PORT\n");
		return 2;
	}
	base = event_base_new();
	http = base ? evhttp_new(base) : NULL;
	if (!http) {
		fprintf(stderr, "evhttp_baseline: out of memory\n");
		return 1;
	}
	evhttp_set_gencb(http, on_request, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)port) != 0) {
		fprintf(stderr, "evhttp_baseline: cannot listen on 127.0.0.1:%d\n", port);
		return 1;
	}
	term = evsignal_new(base, SIGTERM, on_signal, base);
	intr = evsignal_new(base, SIGINT, on_signal, base);
	if (!term || !intr || event_add(term, NULL) != 0 || event_add(intr, NULL) != 0) {
		fprintf(stderr, "evhttp_baseline: cannot install signal handlers\n");
		return 1;
	}
	event_base_dispatch(base);
	event_free(term);
	event_free(intr);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}

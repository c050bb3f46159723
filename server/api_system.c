#include "api_system.h"

#include <string.h>

#include <event2/buffer.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "lease.h"
#include "lifeline_build.h"
#include "monitor.h"
#include "work.h"

static void handle_health(http_ctx *ctx)
{
	/*
	 * The busiest route (every monitoring system polls it): one of four
	 * constant answers, sent by reference, no JSON built per request.
	 */
	static const char *const bodies[2][2] = {
		{ "{\"status\":\"degraded\",\"db\":\"down\",\"role\":\"standby\",\"version\":\""
			LIFELINE_VERSION "\"}",
		  "{\"status\":\"degraded\",\"db\":\"down\",\"role\":\"leader\",\"version\":\""
			LIFELINE_VERSION "\"}" },
		{ "{\"status\":\"ok\",\"db\":\"ok\",\"role\":\"standby\",\"version\":\""
			LIFELINE_VERSION "\"}",
		  "{\"status\":\"ok\",\"db\":\"ok\",\"role\":\"leader\",\"version\":\""
			LIFELINE_VERSION "\"}" },
	};
	struct api_system *sys = http_ctx_arg(ctx);
	const char *body = bodies[db_pool_up(http_ctx_env(ctx)->db)][lease_is_leader(sys->lease)];
	struct evbuffer *buf = evbuffer_new();

	if (!buf) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	evbuffer_add_reference(buf, body, strlen(body), NULL, NULL);
	http_reply_text(ctx, 200, "application/json; charset=utf-8", buf);
	evbuffer_free(buf);
}

static void handle_metrics(http_ctx *ctx)
{
	struct api_system *sys = http_ctx_arg(ctx);
	const struct http_env *env = http_ctx_env(ctx);
	struct evbuffer *out = evbuffer_new();
	struct db_pool_stats st;

	if (!out) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	db_pool_get_stats(env->db, &st);
	evbuffer_add_printf(out,
		"# HELP lifeline_build_info Version of this lifelined.\n"
		"# TYPE lifeline_build_info gauge\n"
		"lifeline_build_info{version=\"%s\"} 1\n"
		"# HELP lifeline_leader 1 when this instance holds the leader lease.\n"
		"# TYPE lifeline_leader gauge\n"
		"lifeline_leader %d\n"
		"# HELP lifeline_db_up 1 when the database pool has a live connection.\n"
		"# TYPE lifeline_db_up gauge\n"
		"lifeline_db_up %d\n"
		"# HELP lifeline_db_pool_size Configured database connections.\n"
		"# TYPE lifeline_db_pool_size gauge\n"
		"lifeline_db_pool_size %d\n"
		"# HELP lifeline_db_pool_connections Database connections by state.\n"
		"# TYPE lifeline_db_pool_connections gauge\n"
		"lifeline_db_pool_connections{state=\"connected\"} %d\n"
		"lifeline_db_pool_connections{state=\"busy\"} %d\n"
		"# HELP lifeline_db_pool_queued Statements waiting for a connection.\n"
		"# TYPE lifeline_db_pool_queued gauge\n"
		"lifeline_db_pool_queued %zu\n"
		"# HELP lifeline_db_queries_total Statements completed.\n"
		"# TYPE lifeline_db_queries_total counter\n"
		"lifeline_db_queries_total %llu\n"
		"# HELP lifeline_db_failures_total Statements failed because the database was unavailable.\n"
		"# TYPE lifeline_db_failures_total counter\n"
		"lifeline_db_failures_total %llu\n"
		"# HELP lifeline_db_reconnects_total Reconnection attempts.\n"
		"# TYPE lifeline_db_reconnects_total counter\n"
		"lifeline_db_reconnects_total %llu\n"
		"# HELP lifeline_work_pending Jobs queued or running on worker threads.\n"
		"# TYPE lifeline_work_pending gauge\n"
		"lifeline_work_pending %d\n",
		LIFELINE_VERSION, lease_is_leader(sys->lease), st.up, st.size, st.connected, st.busy,
		st.queued, (unsigned long long)st.queries, (unsigned long long)st.failures,
		(unsigned long long)st.reconnects, work_pool_pending(env->work));
	http_server_write_metrics(sys->srv, out);
	http_reply_text(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", out);
	evbuffer_free(out);
}

/* The leader's live view of its probes: counts, loss, latency, K_eff. */
static void handle_monitor(http_ctx *ctx)
{
	struct api_system *sys = http_ctx_arg(ctx);
	struct monitor *m = sys->monitor ? *sys->monitor : NULL;
	bool probing = m && monitor_running(m);
	json_t *targets = m ? monitor_status_json(m) : json_array();

	http_reply_json(ctx, 200, json_pack("{s:b, s:b, s:o}", "leader", lease_is_leader(sys->lease),
		"probing", probing, "targets", targets ? targets : json_array()));
}

static void handle_routes(http_ctx *ctx)
{
	struct api_system *sys = http_ctx_arg(ctx);

	http_reply_json(ctx, 200, json_pack("{s:o}", "routes", http_server_routes_json(sys->srv)));
}

static void handle_test_clock(http_ctx *ctx)
{
	char buf[40];

	if (!http_ctx_env(ctx)->cfg->test_clock) {
		http_reply_error(ctx, 404, "not_found", NULL, "no such resource: %s",
			"/api/v1/test/clock");
		return;
	}
	clock_advance(json_integer_value(json_object_get(http_ctx_body(ctx), "advance_ms")));
	http_reply_json(ctx, 200, json_pack("{s:s, s:I}",
		"now", clock_format_ms(clock_now_ms(), buf, sizeof(buf)),
		"offset_ms", (json_int_t)clock_offset_ms()));
}

static const struct http_route system_routes[] = {
	{ "GET", "/api/v1/health", handle_health, 0, HTTP_PUBLIC, NULL, NULL },
	{ "GET", "/metrics", handle_metrics, 0, HTTP_PUBLIC, NULL, NULL },
	{ "POST", "/api/v1/test/clock", handle_test_clock, ROLE_BIT(ROLE_ADMIN), 0, "api/test-clock",
		NULL },
	{ "GET", "/api/v1/monitor", handle_monitor, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_IT), 0, NULL,
		NULL },
	{ "GET", "/api/v1/routes", handle_routes, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_IT), 0, NULL,
		NULL },
};

int api_system_add_routes(struct api_system *sys, http_server *srv)
{
	sys->srv = srv;
	return http_server_add_routes(srv, system_routes,
		sizeof(system_routes) / sizeof(system_routes[0]), sys);
}

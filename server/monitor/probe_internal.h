/*
 * probe_internal — what probe.c (specs, the run's life: timer, deferred
 * outcome, callback) shares with the per-type files probe_http.c,
 * probe_net.c (tcp, mllp) and probe_sql.c. Not for use outside the monitor.
 *
 * A type implements start (set up, begin; report problems with
 * probe_fail_soon) and stop (release everything, idempotent; called once
 * the run is decided, before the user's callback, or on cancel).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "probe.h"

#define PROBE_REASON_MAX 256
#define PROBE_BODY_MAX (64 * 1024)   /* what an http probe reads of a body */
#define PROBE_MLLP_MAX (64 * 1024)   /* the largest MLLP reply accepted */
#define PROBE_HL7_FIELD_MAX 64

struct probe_spec {
	enum probe_type type;
	char *target;    /* the target's name, for reasons */
	char *endpoint;  /* what probe_spec_endpoint shows */
	/* http */
	char *url;
	long expect_status; /* 0: any 2xx */
	char *expect_body;  /* NULL: not checked */
	bool follow_redirects;
	/* tcp, mllp: resolved at load */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	/* mllp */
	char sending_app[PROBE_HL7_FIELD_MAX + 1];
	char sending_facility[PROBE_HL7_FIELD_MAX + 1];
	char receiving_app[PROBE_HL7_FIELD_MAX + 1];
	char receiving_facility[PROBE_HL7_FIELD_MAX + 1];
	/* sql */
	char *conninfo;
	char *hostaddr;  /* added when conninfo's host is a name; else NULL */
	char *query;
};

struct probe_run {
	const struct probe_env *env;
	const probe_spec *spec;
	int timeout_ms;
	probe_done_cb cb;
	void *arg;
	struct event *timer;  /* the timeout */
	struct event *soon;   /* delivers an outcome decided during start */
	bool soon_ok;
	char reason[PROBE_REASON_MAX];
	/* http */
	CURL *easy;
	char curl_err[CURL_ERROR_SIZE];
	char *body;
	size_t body_len;
	/* tcp, mllp */
	evutil_socket_t fd;       /* -1 when closed or owned by bev */
	struct event *net_ev;     /* EV_WRITE while connecting */
	struct bufferevent *bev;  /* mllp, once connected */
	char control_id[24];
	/* sql */
	PGconn *pg;
	struct event *pg_ev;
	int pg_step;          /* enum in probe_sql.c */
	bool pg_have_result;
	char pg_error[PROBE_REASON_MAX];
};

/* Decide the run now: stop it, free it, call the callback (reason: printf). */
void probe_finish(probe_run *run, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Decide the run at the next loop turn (from inside start). */
void probe_fail_soon(probe_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Copy text into buf as one line: the first line, trailing blanks and dots cut. */
void probe_one_line(char *buf, size_t len, const char *text);

void probe_http_start(probe_run *run);
void probe_http_stop(probe_run *run);
void probe_net_start(probe_run *run);
void probe_net_stop(probe_run *run);
void probe_sql_start(probe_run *run);
void probe_sql_stop(probe_run *run);

/* probe_sql.c: check and resolve a conninfo at load (fills conninfo, hostaddr). */
int probe_sql_prepare(probe_spec *spec, const char *conninfo, const char *where,
	char *err, size_t errlen);

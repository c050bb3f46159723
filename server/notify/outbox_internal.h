/*
 * outbox_internal — shared by outbox.c (the worker) and outbox_api.c (the
 * routes) only; not part of the module's interface.
 */
#pragma once

#include <stdbool.h>

#include "curlev.h"
#include "http.h"
#include "outbox.h"

struct delivery;
struct event;

struct outbox {
	struct http_env env;
	curlev *cev;
	char *smtp_url, *smtp_from, *sms_url; /* NULL when not configured */
	int batch, max_in_flight, max_attempts, lease_s;
	struct event *tick;        /* 1 s janitor; made active by outbox_kick() */
	struct event *mark_ev;     /* records this loop turn's outcomes (flush_marks) */
	char me[160];              /* claimed_by: host:pid:start:generation */
	char me_base[128];
	unsigned gen;
	bool running;              /* the leader: claims due rows */
	bool claiming;             /* a claim statement is under way */
	int in_flight;             /* deliveries held: sending or being marked */
	struct delivery *active;   /* every delivery held, doubly linked */
};

/* "2026-03-03T08:05:09.000Z" of a timestamptz column, in SQL. */
#define OUTBOX_ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/*
 * census_internal — shared by census.c (the pull) and census_api.c (the
 * routes) only; not part of the module's interface.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "census.h"
#include "census_map.h"

struct event;

/* A pull goes IDLE → FETCHING (one request at a time) → STORING (the INSERT) → IDLE. */
enum census_state { CENSUS_IDLE, CENSUS_FETCHING, CENSUS_STORING };

struct census {
	struct http_env env;
	curlev *cev;
	char *url;                 /* the FHIR base without a trailing slash; NULL: off */
	int interval_s, keep_last, timeout_s, offset_s;
	struct event *tick;        /* 1 s janitor; made active by a clock jump or a pull request */
	bool running;              /* the leader */
	bool requested;            /* POST /api/v1/census/pull: pull at the next tick */
	enum census_state state;
	int64_t next_pull_ms;      /* clock_now_ms() at which the next pull is due */

	/* the pull under way */
	int phase;                 /* which searches (census.c) */
	json_t *queue;             /* URLs still to search in this phase */
	struct census_pull pull;
	int64_t started_ms;
	unsigned requests;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	size_t body_len, body_cap;
	char curl_err[CURL_ERROR_SIZE];

	/* the last pull's outcome */
	bool has_outcome, last_ok;
	char last_error[512];
	int64_t last_started_ms, last_finished_ms, last_snapshot_id;
	int last_patients;
	unsigned last_requests;
};

/* Ask for a pull now (the leader only). false when not the leader or off. */
bool census_request_pull(struct census *c);

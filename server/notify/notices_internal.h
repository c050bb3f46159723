/*
 * notices_internal — shared by notice_plan.c (planner and sender) and
 * notices_api.c (the routes) only; not part of the module's interface.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "http.h"
#include "notices.h"

struct event;

struct notices {
	struct http_env env;
	struct events *events;
	struct outbox *outbox;
	char *plan_cfg;            /* the planner's rules as JSON ($2 of the plan statement) */
	char *public_url;          /* ends with '/' */
	char *timezone;
	char *leadership;          /* department code of the leadership group */
	char *language;            /* zh, en, zh+en: external messages */
	long tier_s[3];            /* 30m, 6h, 24h */
	long repeat_s, head_s, leadership_s;
	int batch, lease_s;
	struct event *tick;
	char me[160];              /* claimed_by: host:pid:start:generation */
	char me_base[128];
	unsigned gen;
	bool running;              /* the leader: plans and sends */
	bool busy;                 /* a pass is under way */
	bool again;                /* kicked during a pass: run another */
};

/*
 * One notice as the API and the event stream show it: a JSON object built by
 * PostgreSQL, selected as one text column. "n" is notices, "d" departments.
 */
#define NOTICE_ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define NOTICE_FIELDS \
	"'id', n.id, 'outage_id', n.outage_id, 'department', n.department, " \
	"'department_name_zh', d.name_zh, 'department_name_en', d.name_en, 'moment', n.moment, " \
	"'kind', n.kind, 'audience', n.audience, 'drill', n.drill, 'wants_ack', n.wants_ack, " \
	"'status', n.status, 'step', CASE n.step WHEN 0 THEN 'planned' WHEN 1 THEN 'sent' " \
	"WHEN 2 THEN 'repeated' WHEN 3 THEN 'escalated_head' ELSE 'escalated_leadership' END, " \
	"'due_at', " NOTICE_ISO("n.due_at") ", 'next_at', " NOTICE_ISO("n.next_at") ", " \
	"'sent_at', " NOTICE_ISO("n.sent_at") ", 'repeated_at', " NOTICE_ISO("n.repeated_at") ", " \
	"'escalated_head_at', " NOTICE_ISO("n.escalated_head_at") ", " \
	"'escalated_leadership_at', " NOTICE_ISO("n.escalated_leadership_at") ", " \
	"'acknowledged_at', " NOTICE_ISO("n.acked_at") ", 'acknowledged_by', n.acked_by, " \
	"'ack_note', n.ack_note, 'ack_via', n.ack_via, 'closed_at', " NOTICE_ISO("n.closed_at") ", " \
	"'closed_reason', n.closed_reason, " \
	"'deliveries', (SELECT json_build_object('pending', count(*) FILTER (WHERE b.status IN " \
	"('pending', 'sending')), 'sent', count(*) FILTER (WHERE b.status = 'sent'), " \
	"'failed', count(*) FILTER (WHERE b.status = 'failed')) FROM outbox b WHERE b.notice_id = n.id)"
/* The whole notice, both languages' texts included. */
#define NOTICE_JSON \
	"json_build_object(" NOTICE_FIELDS ", " \
	"'texts', json_build_object('zh', json_build_object('subject', n.subject_zh, 'body', n.body_zh), " \
	"'en', json_build_object('subject', n.subject_en, 'body', n.body_en)))::text"
/* A notice as lists show it: the subject in the language lang (a SQL expression). */
#define NOTICE_BRIEF(lang) \
	"json_build_object(" NOTICE_FIELDS ", 'subject', CASE WHEN " lang " = 'en' " \
	"THEN n.subject_en ELSE n.subject_zh END)"

/* Publish the notices with these ids ("{1,2,3}", a bigint[] literal) on the event stream. */
void notices_publish(struct notices *n, const char *ids);
/* A notice object of NOTICE_JSON, with "subject" and "body" in lang ("zh"/"en"). */
json_t *notices_parse(const char *text, const char *lang);

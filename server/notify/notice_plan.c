/*
 * notice_plan — the planner and the sender of notices (see notices.h).
 *
 * A pass, on the leader only, runs strictly one after another:
 *   plan    — one statement writes the notices every confirmed outage needs,
 *             cancels the planned ones no longer needed, closes what an
 *             ended outage left open, and plans resume and review notices;
 *   claim   — due notices are taken with FOR UPDATE SKIP LOCKED and a lease;
 *   commit  — the step, its texts, its outbox rows and its one-time links
 *             are written in one statement (only if the notice is still
 *             claimed by us and still wants the step: an acknowledgement that
 *             came in meanwhile wins);
 *   sleep   — until the next notice is due, at most a second (the planner
 *             must see confirmations, level changes and recoveries made on
 *             any instance).
 */
#include "notices_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "clock.h"
#include "db.h"
#include "events.h"
#include "log.h"
#include "notice_text.h"
#include "outbox.h"
#include "outbox_format.h"

#define TICK_MS 1000
#define MIN_SLEEP_MS 20
#define LINK_TOKEN_BYTES 24

static struct notices *jump_target;
static bool jump_registered;

/* ---------- configuration ---------- */

static long cfg_long(json_t *obj, const char *key, long def)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

static const char *cfg_str(json_t *obj, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : def;
}

/* The plan's rules (§2, §4) for who hears what at once; the config may replace a level's. */
static json_t *default_immediate(const char *level)
{
	if (strcmp(level, "1") == 0)
		return json_pack("{s:[s], s:b}", "departments", "leadership", "all_heads", 1);
	if (strcmp(level, "2") == 0)
		return json_pack("{s:[s]}", "heads", "info-centre");
	if (strcmp(level, "3") == 0)
		return json_pack("{s:[s]}", "log", "info-centre");
	return json_pack("{s:[s, s, s]}", "departments", "finance", "insurance", "outpatient-office");
}

static int add_rules(json_t *rules, const char *level, json_t *spec)
{
	static const struct { const char *key, *audience; } kinds[] = {
		{ "departments", "department" }, { "heads", "head" }, { "log", "log" },
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t i;
		json_t *code;

		json_array_foreach(json_object_get(spec, kinds[k].key), i, code)
			if (json_array_append_new(rules, json_pack("{s:s, s:s, s:s}", "level", level,
					"dept", json_string_value(code), "audience", kinds[k].audience)) != 0)
				return LL_ENOMEM;
	}
	if (json_is_true(json_object_get(spec, "all_heads")) &&
			json_array_append_new(rules, json_pack("{s:s, s:s, s:s}", "level", level,
				"dept", "*", "audience", "head")) != 0)
		return LL_ENOMEM;
	return 0;
}

static int build_plan_cfg(struct notices *n, json_t *notify)
{
	static const char *const levels[] = { "1", "2", "3", "other" };
	json_t *imm = json_object_get(notify, "immediate");
	json_t *review = json_object_get(notify, "review");
	json_t *paper = json_object_get(notify, "paper_levels");
	json_t *rules = json_array(), *doc;

	if (!rules)
		return LL_ENOMEM;
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		json_t *spec = json_object_get(imm, levels[i]);
		json_t *def = spec ? NULL : default_immediate(levels[i]);
		int rc = add_rules(rules, levels[i], spec ? spec : def);

		json_decref(def);
		if (rc != 0) {
			json_decref(rules);
			return rc;
		}
	}
	doc = json_pack("{s:{s:I, s:I, s:I}, s:o, s:o, s:I, s:s}",
		"tiers", "30m", (json_int_t)n->tier_s[0], "6h", (json_int_t)n->tier_s[1],
		"24h", (json_int_t)n->tier_s[2],
		"paper_levels", paper ? json_incref(paper) : json_pack("[s]", "1"),
		"rules", rules,
		"review_after_s", (json_int_t)cfg_long(review, "after_s", 172800),
		"review_dept", cfg_str(review, "department", "info-centre"));
	if (!doc)
		return LL_ENOMEM;
	n->plan_cfg = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return n->plan_cfg ? 0 : LL_ENOMEM;
}

void notices_set_port(struct notices *n, const char *host, int port)
{
	if (n->public_url)
		return;
	if (!host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 || strcmp(host, "*") == 0)
		host = "127.0.0.1";
	if (asprintf(&n->public_url, strchr(host, ':') ? "http://[%s]:%d/" : "http://%s:%d/", host,
			port) < 0)
		n->public_url = NULL;
}

static void on_jump(void *arg)
{
	(void)arg;
	if (jump_target)
		notices_kick(jump_target);
}

static void on_tick(evutil_socket_t fd, short what, void *arg);

int notices_new(const struct http_env *env, struct events *events, struct outbox *outbox,
	json_t *config, struct notices **out, char *err, size_t errlen)
{
	json_t *notify = json_object_get(config, "notify");
	json_t *tiers = json_object_get(notify, "tiers"), *ack = json_object_get(notify, "ack");
	const char *url = cfg_str(notify, "public_url", NULL);
	struct notices *n = calloc(1, sizeof(*n));
	char host[64] = "lifelined", path[128];
	struct stat st;

	*out = NULL;
	if (!n)
		return LL_ENOMEM;
	n->env = *env;
	n->events = events;
	n->outbox = outbox;
	n->tier_s[0] = cfg_long(tiers, "30m", 1800);
	n->tier_s[1] = cfg_long(tiers, "6h", 21600);
	n->tier_s[2] = cfg_long(tiers, "24h", 86400);
	n->repeat_s = cfg_long(ack, "repeat_after_s", 600);
	n->head_s = cfg_long(ack, "escalate_head_after_s", 1200);
	n->leadership_s = cfg_long(ack, "escalate_leadership_after_s", 2400);
	n->batch = 64;
	n->lease_s = 60;
	n->timezone = strdup(cfg_str(notify, "timezone", "Asia/Shanghai"));
	n->leadership = strdup(cfg_str(notify, "leadership", "leadership"));
	n->language = strdup(cfg_str(notify, "language", "zh"));
	/* Without notify.public_url: the address lifelined listens on (notices_set_port). */
	if (url && asprintf(&n->public_url, "%s%s", url, url[strlen(url) - 1] == '/' ? "" : "/") < 0) {
		notices_free(n);
		return LL_ENOMEM;
	}
	n->tick = evtimer_new(env->base, on_tick, n);
	if (!n->timezone || !n->leadership || !n->language || !n->tick ||
			build_plan_cfg(n, notify) != 0) {
		notices_free(n);
		return LL_ENOMEM;
	}
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", n->timezone);
	if (strcmp(n->timezone, "UTC") != 0 && stat(path, &st) != 0) {
		snprintf(err, errlen, "/notify/timezone: unknown time zone \"%s\" (an IANA name such as "
			"Asia/Shanghai)", n->timezone);
		notices_free(n);
		return LL_EINVAL;
	}
	gethostname(host, sizeof(host) - 1);
	snprintf(n->me_base, sizeof(n->me_base), "%.63s:%ld:%lld", host, (long)getpid(),
		(long long)clock_now_ms());
	if (!jump_registered && clock_on_jump(on_jump, NULL) == 0)
		jump_registered = true;
	jump_target = n;
	*out = n;
	return 0;
}

/* ---------- a pass: plan ---------- */

static void claim(struct notices *n);
static void sleep_until_due(struct notices *n);

static void pass_failed(struct notices *n, const char *what, int err, const PGresult *res)
{
	struct timeval tv = { TICK_MS / 1000, (TICK_MS % 1000) * 1000 };

	if (!err)
		log_error("notices: %s failed: %s", what, PQresultErrorMessage(res));
	n->busy = false;
	if (n->running)
		evtimer_add(n->tick, &tv);
}

static void on_planned(int err, PGresult *res, void *arg)
{
	struct notices *n = arg;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pass_failed(n, "planning", err, res);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "{}") != 0) {
		log_info("notices: plan changed: %s", PQgetvalue(res, 0, 1));
		notices_publish(n, PQgetvalue(res, 0, 0));
	}
	if (!n->running) {
		n->busy = false;
		return;
	}
	claim(n);
}

/*
 * The plan, as one statement. $1 now (ms), $2 the rules (build_plan_cfg).
 * "want" is every notice the outages need now; "ins" writes the missing ones
 * (a cancelled one comes back; a planned paper notice follows a changed
 * threshold), "cancel" drops planned ones a level change made unwanted,
 * "ended" closes what an ended outage left open (and a reviewed outage's
 * resume and review notices).
 */
static const char plan_sql[] =
	"WITH cfg AS (SELECT $2::jsonb AS c, to_timestamp($1::double precision / 1000) AS now), "
	"rules AS (SELECT r.level, r.dept, r.audience FROM cfg, "
	" jsonb_to_recordset(cfg.c->'rules') AS r(level text, dept text, audience text)), "
	"open_o AS (SELECT o.id, o.level, o.drill, o.time_scale, o.breakpoint, o.manual_start_at FROM outages o "
	" WHERE o.status IN ('confirmed', 'manual', 'recovering') AND o.confirmed_at IS NOT NULL), "
	"done_o AS (SELECT o.id, o.drill, o.time_scale, o.resolved_at FROM outages o "
	" WHERE o.status IN ('resolved', 'reviewed') AND o.confirmed_at IS NOT NULL "
	" AND o.resolved_at IS NOT NULL AND EXISTS (SELECT 1 FROM notices x WHERE x.outage_id = o.id) "
	" AND NOT EXISTS (SELECT 1 FROM notices x WHERE x.outage_id = o.id "
	"  AND x.moment IN ('resume', 'review'))), "
	"want AS ("
	" SELECT * FROM (SELECT DISTINCT ON (o.id, d.code) o.id AS outage_id, d.code AS department, "
	"  'level-' || o.level AS moment, CASE WHEN r.audience = 'log' THEN 'log' ELSE 'alert' END AS kind, "
	"  r.audience, o.drill, r.audience <> 'log' AS wants_ack, cfg.now AS due_at "
	"  FROM open_o o CROSS JOIN cfg JOIN rules r ON r.level = o.level "
	"  JOIN departments d ON d.code = r.dept OR (r.dept = '*' AND NOT EXISTS "
	"   (SELECT 1 FROM rules r2 WHERE r2.level = o.level AND r2.dept = d.code)) "
	"  ORDER BY o.id, d.code, r.dept = '*') a "
	" UNION ALL "
	" SELECT o.id, d.code, 'paper-' || d.tier, 'paper', 'department', o.drill, true, "
	"  o.breakpoint + make_interval(secs => (cfg.c->'tiers'->>d.tier)::double precision / o.time_scale) "
	"  FROM open_o o CROSS JOIN cfg JOIN departments d ON cfg.c->'tiers' ? d.tier "
	"  WHERE cfg.c->'paper_levels' ? o.level "
	" UNION ALL "
	/* The unified manual start time, to those already on paper without it. */
	" SELECT o.id, p.department, 'manual-start', 'manual', 'department', o.drill, true, cfg.now "
	"  FROM open_o o CROSS JOIN cfg JOIN notices p ON p.outage_id = o.id AND p.kind = 'paper' "
	"  AND p.step >= 1 AND p.manual_start_at IS NULL WHERE o.manual_start_at IS NOT NULL "
	"  AND cfg.c->'paper_levels' ? o.level "
	" UNION ALL "
	" SELECT o.id, p.department, 'resume', 'resume', 'department', o.drill, true, o.resolved_at "
	"  FROM done_o o JOIN notices p ON p.outage_id = o.id AND p.kind = 'paper' AND p.step >= 1 "
	" UNION ALL "
	" SELECT o.id, d.code, 'review', 'review', 'department', o.drill, true, "
	"  o.resolved_at + make_interval(secs => (cfg.c->>'review_after_s')::double precision / o.time_scale) "
	"  FROM done_o o CROSS JOIN cfg JOIN departments d ON d.code = cfg.c->>'review_dept'), "
	"ins AS (INSERT INTO notices AS n (outage_id, department, moment, kind, audience, drill, "
	" wants_ack, due_at, next_at, status, created_at) "
	" SELECT w.outage_id, w.department, w.moment, w.kind, w.audience, w.drill, w.wants_ack, "
	" w.due_at, w.due_at, 'planned', cfg.now FROM want w, cfg "
	" ON CONFLICT (outage_id, moment, department) DO UPDATE SET status = 'planned', "
	" due_at = excluded.due_at, next_at = excluded.due_at, closed_at = NULL, closed_reason = NULL "
	" WHERE n.status = 'cancelled' OR (n.status = 'planned' AND n.kind = 'paper' "
	"  AND n.due_at <> excluded.due_at) "
	" RETURNING n.id, n.outage_id, CASE WHEN n.xmax = 0 THEN 'planned' ELSE 'replanned' END AS what), "
	"cancel AS (UPDATE notices n SET status = 'cancelled', next_at = NULL, claimed_by = NULL, "
	" claimed_until = NULL, closed_at = cfg.now, closed_reason = 'not in the plan of level ' || o.level "
	" FROM open_o o, cfg WHERE n.outage_id = o.id AND n.status = 'planned' "
	" AND n.kind IN ('alert', 'log', 'paper', 'manual') AND NOT EXISTS (SELECT 1 FROM want w "
	"  WHERE w.outage_id = n.outage_id AND w.moment = n.moment AND w.department = n.department) "
	" RETURNING n.id, n.outage_id, 'cancelled'::text AS what), "
	"ended AS (UPDATE notices n SET status = CASE WHEN n.status = 'planned' THEN 'cancelled' "
	" ELSE 'closed' END, next_at = NULL, claimed_by = NULL, claimed_until = NULL, "
	" closed_at = coalesce(o.resolved_at, cfg.now), closed_reason = 'outage ' || o.status "
	" FROM outages o, cfg WHERE n.outage_id = o.id AND n.status IN ('planned', 'open') "
	" AND ((o.status IN ('resolved', 'reviewed', 'dismissed') "
	"  AND n.kind IN ('alert', 'log', 'paper', 'manual')) "
	"  OR (o.status = 'reviewed' AND n.kind IN ('resume', 'review'))) "
	" RETURNING n.id, n.outage_id, n.status AS what), "
	"changed AS (SELECT * FROM ins UNION ALL SELECT * FROM cancel UNION ALL SELECT * FROM ended), "
	"ev AS (INSERT INTO notice_events (notice_id, at, kind, actor) "
	" SELECT c.id, cfg.now, c.what, 'lifeline' FROM changed c, cfg), "
	"oev AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
	" SELECT e.outage_id, cfg.now, 'notices_closed', 'lifeline', jsonb_build_object("
	" 'closed', count(*) FILTER (WHERE e.what = 'closed'), "
	" 'cancelled', count(*) FILTER (WHERE e.what = 'cancelled')) "
	" FROM ended e, cfg GROUP BY e.outage_id, cfg.now) "
	"SELECT coalesce(array_agg(id ORDER BY id), '{}')::text, "
	" coalesce(string_agg(what || ' ' || id, ', ' ORDER BY id), '') FROM changed";

static void pass(struct notices *n)
{
	char now[24];
	const char *params[2] = { now, n->plan_cfg };

	if (!n->running)
		return;
	if (n->busy) {
		n->again = true;
		return;
	}
	n->busy = true;
	n->again = false;
	evtimer_del(n->tick);
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	if (db_query_background(n->env.db, plan_sql, 2, params, on_planned, n) != 0)
		pass_failed(n, "planning", LL_EDBDOWN, NULL);
}

/* ---------- a pass: claim, write the step, commit ---------- */

enum claim_col {
	C_ID, C_OUTAGE, C_DEPT, C_MOMENT, C_KIND, C_AUDIENCE, C_DRILL, C_WANTS_ACK, C_STEP,
	C_SUBJ_ZH, C_BODY_ZH, C_SUBJ_EN, C_BODY_EN, C_SENT_MS, C_SENT_LOCAL, C_OSTATUS, C_SCALE,
	C_BREAKPOINT, C_MANUAL, C_RESOLVED, C_TODAY, C_TOMORROW, C_NAME_ZH, C_NAME_EN, C_FORMS,
	C_RECORDS, C_TIER, C_CONTACTS, C_LEAD_CONTACTS, C_MANUAL_MS,
};

#define LOCAL(col) "to_char(" col " AT TIME ZONE $5, 'YYYY-MM-DD HH24:MI')"

static const char claim_sql[] =
	"UPDATE notices n SET claimed_by = $1, "
	"claimed_until = to_timestamp($2::double precision / 1000) + make_interval(secs => $3::int) "
	"FROM outages o, departments d "
	"WHERE o.id = n.outage_id AND d.code = n.department AND n.id IN ("
	" SELECT id FROM notices WHERE status IN ('planned', 'open') "
	" AND next_at <= to_timestamp($2::double precision / 1000) "
	" AND (claimed_until IS NULL OR claimed_until < to_timestamp($2::double precision / 1000)) "
	" ORDER BY next_at, id LIMIT $4::int FOR UPDATE SKIP LOCKED) "
	"RETURNING n.id, n.outage_id, n.department, n.moment, n.kind, n.audience, n.drill, n.wants_ack, "
	"n.step, n.subject_zh, n.body_zh, n.subject_en, n.body_en, "
	"(extract(epoch FROM n.sent_at) * 1000)::bigint, " LOCAL("n.sent_at") ", "
	"o.status, o.time_scale, " LOCAL("o.breakpoint") ", " LOCAL("o.manual_start_at") ", "
	LOCAL("o.resolved_at") ", to_char((o.resolved_at AT TIME ZONE $5)::date, 'YYYY-MM-DD'), "
	"to_char((o.resolved_at AT TIME ZONE $5)::date + 1, 'YYYY-MM-DD'), "
	"d.name_zh, d.name_en, array_to_json(d.forms)::text, array_to_json(d.backfill)::text, d.tier, "
	"(SELECT coalesce(json_agg(json_build_object('id', c.id, 'kind', c.kind, 'address', c.address, "
	" 'role', c.role) ORDER BY c.id), '[]')::text FROM department_contacts c "
	" WHERE c.department = n.department AND c.active), "
	"(SELECT coalesce(json_agg(json_build_object('id', c.id, 'kind', c.kind, 'address', c.address, "
	" 'role', c.role) ORDER BY c.id), '[]')::text FROM department_contacts c "
	" WHERE c.department = $6 AND c.active), "
	"(extract(epoch FROM o.manual_start_at) * 1000)::bigint";

static const char commit_sql[] =
	"WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, step int, status text, "
	" next_at double precision, event text, detail jsonb, manual_ms double precision, "
	" subject_zh text, body_zh text, "
	" subject_en text, body_en text, deliveries jsonb, links jsonb)), "
	"t AS (SELECT to_timestamp($2::double precision / 1000) AS now), "
	"n AS (UPDATE notices n SET step = x.step, status = x.status, "
	" next_at = to_timestamp(x.next_at / 1000), claimed_by = NULL, claimed_until = NULL, "
	" subject_zh = coalesce(x.subject_zh, n.subject_zh), body_zh = coalesce(x.body_zh, n.body_zh), "
	" subject_en = coalesce(x.subject_en, n.subject_en), body_en = coalesce(x.body_en, n.body_en), "
	" sent_at = CASE WHEN x.step = 1 THEN t.now ELSE n.sent_at END, "
	" manual_start_at = CASE WHEN x.step = 1 THEN to_timestamp(x.manual_ms / 1000) "
	"  ELSE n.manual_start_at END, "
	" repeated_at = CASE WHEN x.step = 2 THEN t.now ELSE n.repeated_at END, "
	" escalated_head_at = CASE WHEN x.step = 3 THEN t.now ELSE n.escalated_head_at END, "
	" escalated_leadership_at = CASE WHEN x.step = 4 THEN t.now ELSE n.escalated_leadership_at END "
	" FROM x, t WHERE n.id = x.id AND n.claimed_by = $3 AND n.status IN ('planned', 'open') "
	" RETURNING n.id, n.department, n.drill), "
	"ev AS (INSERT INTO notice_events (notice_id, at, kind, actor, detail) "
	" SELECT n.id, t.now, x.event, 'lifeline', x.detail FROM n JOIN x USING (id), t), "
	"l AS (INSERT INTO notice_links (token_hash, notice_id, address, created_at) "
	" SELECT k.hash, n.id, k.address, t.now FROM n JOIN x USING (id), t, "
	" jsonb_to_recordset(x.links) AS k(hash text, address text)), "
	"ob AS (INSERT INTO outbox (notice_id, department, channel, address, subject, body, payload, "
	" drill, dedup_key, status, attempts, next_attempt_at, created_at) "
	" SELECT n.id, n.department, dl.channel, dl.address, dl.subject, dl.body, "
	" nullif(dl.payload, 'null'::jsonb), n.drill, dl.dedup_key, 'pending', 0, t.now, t.now "
	" FROM n JOIN x USING (id), t, jsonb_to_recordset(x.deliveries) AS dl(channel text, "
	" address text, subject text, body text, payload jsonb, dedup_key text) "
	" ON CONFLICT (dedup_key) DO NOTHING RETURNING 1) "
	"SELECT coalesce(array_agg(n.id ORDER BY n.id), '{}')::text, (SELECT count(*) FROM ob) FROM n";

/* Whether the step s applies to a notice (a head notice has no head to escalate to...). */
static bool step_applies(int s, const char *audience, bool leadership_dept)
{
	if (s == NOTICE_STEP_ESCALATED_HEAD && strcmp(audience, "head") == 0)
		return false;
	if (s == NOTICE_STEP_ESCALATED_LEADERSHIP && leadership_dept)
		return false;
	return s >= NOTICE_STEP_REPEATED && s <= NOTICE_STEP_ESCALATED_LEADERSHIP;
}

static int next_step(int step, const char *audience, bool leadership_dept)
{
	for (int s = step + 1; s <= NOTICE_STEP_ESCALATED_LEADERSHIP; s++)
		if (step_applies(s, audience, leadership_dept))
			return s;
	return 0;
}

static long step_delay_s(const struct notices *n, int step)
{
	return step == NOTICE_STEP_REPEATED ? n->repeat_s :
		step == NOTICE_STEP_ESCALATED_HEAD ? n->head_s : n->leadership_s;
}

static const char *const step_events[] = {
	"planned", "sent", "repeated", "escalated_head", "escalated_leadership",
};

/* The outbox channel for a contact kind; NULL when it cannot be reached that way. */
static const char *channel_of(const struct notices *n, const char *kind)
{
	if (strcmp(kind, "phone") == 0)
		return outbox_has_sms(n->outbox) ? "sms" : NULL;
	return kind;
}

enum pick { PICK_ALL, PICK_HEAD_OR_GROUP, PICK_HEAD };

static bool picked(json_t *c, enum pick p, bool have_head)
{
	const char *role = json_string_value(json_object_get(c, "role"));
	bool head = role && (strcmp(role, "head") == 0 || strcmp(role, "deputy") == 0);

	if (p == PICK_ALL)
		return true;
	if (p == PICK_HEAD || have_head)
		return head;
	return role && strcmp(role, "group") == 0;
}

struct texts {
	struct notice_text zh, en;
};

/* The text an outside message carries, in notify.language, with its link line. */
static int external_text(const struct notices *n, const struct texts *t, const char *link,
	char **subject, char **body)
{
	bool zh = strcmp(n->language, "en") != 0, en = strcmp(n->language, "zh") != 0;
	char *lz = NULL, *le = NULL;
	int rc = 0;

	if (link && ((zh && asprintf(&lz, "\n确认收到（一次性链接）：%s\n", link) < 0) ||
			(en && asprintf(&le, "\nAcknowledge (one-time link): %s\n", link) < 0))) {
		free(lz);
		return LL_ENOMEM;
	}
	if (zh && en) {
		if (asprintf(subject, "%s / %s", t->zh.subject, t->en.subject) < 0 ||
				asprintf(body, "%s%s\n----\n\n%s%s", t->zh.body, lz ? lz : "", t->en.body,
					le ? le : "") < 0)
			rc = LL_ENOMEM;
	} else if (zh) {
		if (!(*subject = strdup(t->zh.subject)) ||
				asprintf(body, "%s%s", t->zh.body, lz ? lz : "") < 0)
			rc = LL_ENOMEM;
	} else {
		if (!(*subject = strdup(t->en.subject)) ||
				asprintf(body, "%s%s", t->en.body, le ? le : "") < 0)
			rc = LL_ENOMEM;
	}
	free(lz);
	free(le);
	return rc;
}

/* A fresh one-time link: the URL (owned by the caller) and the SHA-256 of its token, in hex. */
static char *new_link(const struct notices *n, char hash_hex[crypto_hash_sha256_BYTES * 2 + 1])
{
	unsigned char raw[LINK_TOKEN_BYTES], hash[crypto_hash_sha256_BYTES];
	char token[sodium_base64_ENCODED_LEN(LINK_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char *url;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, sizeof(token), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(hash_hex, crypto_hash_sha256_BYTES * 2 + 1, hash, sizeof(hash));
	if (asprintf(&url, "%sack/%s", n->public_url ? n->public_url : "http://127.0.0.1:8580/",
			token) < 0)
		return NULL;
	return url;
}

/* Add one delivery per reachable contact to deliveries (and a link each to links). */
static int add_deliveries(const struct notices *n, json_t *contacts, enum pick p, const char *id,
	const char *dept, bool drill, int step, bool with_link, const struct texts *t,
	json_t *deliveries, json_t *links)
{
	bool have_head = false;
	size_t i;
	json_t *c;

	json_array_foreach(contacts, i, c)
		if (picked(c, PICK_HEAD, false))
			have_head = true;
	json_array_foreach(contacts, i, c) {
		const char *channel = channel_of(n, json_string_value(json_object_get(c, "kind")));
		const char *address = json_string_value(json_object_get(c, "address"));
		char hash[crypto_hash_sha256_BYTES * 2 + 1], key[96];
		char *link = NULL, *subject = NULL, *body = NULL;
		int rc;

		if (!channel || !address || !picked(c, p, have_head))
			continue;
		if (with_link && !(link = new_link(n, hash)))
			return LL_ENOMEM;
		rc = external_text(n, t, link, &subject, &body);
		snprintf(key, sizeof(key), "notice:%s:%d:%lld", id, step,
			(long long)json_integer_value(json_object_get(c, "id")));
		if (rc == 0) {
			/* E-mail is written at delivery; the other channels' JSON body now. */
			json_t *payload = strcmp(channel, "email") == 0 ? json_null() :
				outbox_payload_build(channel, dept, address, subject, body, drill);

			if (!payload || json_array_append_new(deliveries, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}",
					"channel", channel, "address", address, "subject", subject, "body", body,
					"dedup_key", key, "payload", payload)) != 0)
				rc = LL_ENOMEM;
		}
		if (rc == 0 && link && json_array_append_new(links, json_pack("{s:s, s:s}",
				"hash", hash, "address", address)) != 0)
			rc = LL_ENOMEM;
		free(link);
		free(subject);
		free(body);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static const char *val(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* A JSON array of strings as a C array (pointers into arr). */
static size_t string_array(json_t *arr, const char **out, size_t max)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (n < max && json_is_string(v))
			out[n++] = json_string_value(v);
	return n;
}

static int first_texts(const struct notices *n, const PGresult *res, int row, struct texts *t)
{
	const char *moment = PQgetvalue(res, row, C_MOMENT);
	const char *tier = val(res, row, C_TIER);
	const char *forms[32], *records[32];
	json_t *jf = json_loads(PQgetvalue(res, row, C_FORMS), 0, NULL);
	json_t *jr = json_loads(PQgetvalue(res, row, C_RECORDS), 0, NULL);
	struct notice_facts f = {
		.kind = PQgetvalue(res, row, C_KIND),
		.level = strncmp(moment, "level-", 6) == 0 ? moment + 6 : NULL,
		.tier = tier,
		.drill = PQgetvalue(res, row, C_DRILL)[0] == 't',
		.outage_id = PQgetvalue(res, row, C_OUTAGE),
		.dept_zh = PQgetvalue(res, row, C_NAME_ZH),
		.dept_en = PQgetvalue(res, row, C_NAME_EN),
		.forms = forms,
		.records = records,
		.breakpoint = val(res, row, C_BREAKPOINT),
		.manual_start = val(res, row, C_MANUAL),
		.resolved = val(res, row, C_RESOLVED),
		.today = val(res, row, C_TODAY),
		.tomorrow = val(res, row, C_TOMORROW),
	};
	int rc;

	if (tier && strncmp(moment, "paper-", 6) == 0)
		f.tier_s = strcmp(moment + 6, "30m") == 0 ? n->tier_s[0] :
			strcmp(moment + 6, "6h") == 0 ? n->tier_s[1] : n->tier_s[2];
	f.nforms = string_array(jf, forms, 32);
	f.nrecords = string_array(jr, records, 32);
	rc = notice_text_compose(&f, NOTICE_ZH, &t->zh);
	if (rc == 0)
		rc = notice_text_compose(&f, NOTICE_EN, &t->en);
	json_decref(jf);
	json_decref(jr);
	return rc;
}

static int step_texts(const PGresult *res, int row, int step, struct texts *t)
{
	bool drill = PQgetvalue(res, row, C_DRILL)[0] == 't';
	struct notice_text zh = { (char *)val(res, row, C_SUBJ_ZH), (char *)val(res, row, C_BODY_ZH) };
	struct notice_text en = { (char *)val(res, row, C_SUBJ_EN), (char *)val(res, row, C_BODY_EN) };
	int rc;

	rc = notice_text_step(step, NOTICE_ZH, drill, PQgetvalue(res, row, C_NAME_ZH),
		val(res, row, C_SENT_LOCAL), &zh, &t->zh);
	if (rc == 0)
		rc = notice_text_step(step, NOTICE_EN, drill, PQgetvalue(res, row, C_NAME_EN),
			val(res, row, C_SENT_LOCAL), &en, &t->en);
	return rc;
}

/* The step a claimed notice takes now, as a commit item; NULL to leave it (logged). */
static json_t *take_step(struct notices *n, const PGresult *res, int row, int64_t now)
{
	const char *id = PQgetvalue(res, row, C_ID), *kind = PQgetvalue(res, row, C_KIND);
	const char *audience = PQgetvalue(res, row, C_AUDIENCE), *ostatus = PQgetvalue(res, row, C_OSTATUS);
	bool wants_ack = PQgetvalue(res, row, C_WANTS_ACK)[0] == 't';
	bool lead = strcmp(PQgetvalue(res, row, C_DEPT), n->leadership) == 0;
	int cur = atoi(PQgetvalue(res, row, C_STEP));
	int step = cur == 0 ? NOTICE_STEP_SENT : next_step(cur, audience, lead);
	double scale = strtod(PQgetvalue(res, row, C_SCALE), NULL);
	int64_t sent_ms = cur == 0 ? now : strtoll(PQgetvalue(res, row, C_SENT_MS), NULL, 10);
	json_t *contacts, *deliveries = json_array(), *links = json_array(), *item = NULL;
	struct texts t = { { 0 }, { 0 } };
	enum pick p = strcmp(audience, "head") == 0 ? PICK_HEAD_OR_GROUP : PICK_ALL;
	int after, rc;

	/* An outage that ended between planning and now: the planner closes its notices. */
	if ((strcmp(kind, "alert") == 0 || strcmp(kind, "paper") == 0 || strcmp(kind, "log") == 0 ||
			strcmp(kind, "manual") == 0) &&
			strcmp(ostatus, "confirmed") != 0 && strcmp(ostatus, "manual") != 0 &&
			strcmp(ostatus, "recovering") != 0) {
		json_decref(deliveries);
		json_decref(links);
		return NULL;
	}
	if (scale <= 0)
		scale = 1;
	contacts = json_loads(PQgetvalue(res, row, step == NOTICE_STEP_ESCALATED_LEADERSHIP ?
		C_LEAD_CONTACTS : C_CONTACTS), 0, NULL);
	if (step == 0) {
		item = json_pack("{s:s, s:i, s:s, s:n, s:s, s:{}}", "id", id, "step", cur,
			"status", wants_ack ? "open" : "sent", "next_at", "event", "sent", "detail");
		goto done;
	}
	rc = step == NOTICE_STEP_SENT ? first_texts(n, res, row, &t) : step_texts(res, row, step, &t);
	if (rc == 0 && strcmp(audience, "log") != 0)
		rc = add_deliveries(n, contacts, step == NOTICE_STEP_ESCALATED_HEAD ? PICK_HEAD :
			step == NOTICE_STEP_ESCALATED_LEADERSHIP ? PICK_ALL : p, id,
			PQgetvalue(res, row, C_DEPT), PQgetvalue(res, row, C_DRILL)[0] == 't', step,
			wants_ack && step != NOTICE_STEP_ESCALATED_LEADERSHIP, &t, deliveries, links);
	if (rc != 0) {
		log_error("notices: notice %s: cannot write step %d: %s", id, step, lifeline_strerror(rc));
		goto done;
	}
	after = wants_ack ? next_step(step, audience, lead) : 0;
	item = json_pack("{s:s, s:i, s:s, s:o, s:s, s:{s:I}, s:O, s:O}",
		"id", id, "step", step, "status", wants_ack ? "open" : "sent",
		"next_at", after ? json_real((double)sent_ms +
			(double)step_delay_s(n, after) * 1000.0 / scale) : json_null(),
		"event", step_events[step], "detail", "deliveries", (json_int_t)json_array_size(deliveries),
		"deliveries", deliveries, "links", links);
	if (item && step == NOTICE_STEP_SENT) {
		if (val(res, row, C_MANUAL_MS))
			json_object_set_new(item, "manual_ms",
				json_real(strtod(PQgetvalue(res, row, C_MANUAL_MS), NULL)));
		json_object_set_new(item, "subject_zh", json_string(t.zh.subject));
		json_object_set_new(item, "body_zh", json_string(t.zh.body));
		json_object_set_new(item, "subject_en", json_string(t.en.subject));
		json_object_set_new(item, "body_en", json_string(t.en.body));
	}
	if (item && json_array_size(deliveries) == 0 && strcmp(audience, "log") != 0) {
		log_warn("notices: notice %s (%s, %s): nobody to send step %s to: no reachable contact",
			id, PQgetvalue(res, row, C_DEPT), PQgetvalue(res, row, C_MOMENT), step_events[step]);
		json_object_set_new(json_object_get(item, "detail"), "no_contact", json_true());
	}
done:
	notice_text_free(&t.zh);
	notice_text_free(&t.en);
	json_decref(contacts);
	json_decref(deliveries);
	json_decref(links);
	return item;
}

static void new_identity(struct notices *n)
{
	n->gen++;
	snprintf(n->me, sizeof(n->me), "%s:%u", n->me_base, n->gen);
}

struct commit {
	struct notices *n;
	int claimed;
};

static void on_committed(int err, PGresult *res, void *arg)
{
	struct commit *c = arg;
	struct notices *n = c->n;
	int claimed = c->claimed;

	free(c);
	if (err) {
		/* It may have committed: a new name makes our claims another worker's. */
		new_identity(n);
		pass_failed(n, "sending", err, res);
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pass_failed(n, "sending", 0, res);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "{}") != 0)
		notices_publish(n, PQgetvalue(res, 0, 0));
	if (atoi(PQgetvalue(res, 0, 1)) > 0)
		outbox_kick(n->outbox);
	if (claimed >= n->batch && n->running)
		claim(n);   /* a full batch: there may be more due */
	else
		sleep_until_due(n);
}

static void on_claimed(int err, PGresult *res, void *arg)
{
	struct notices *n = arg;
	int64_t now = clock_now_ms();
	json_t *items;
	struct commit *c;
	char *text, now_s[24];
	const char *params[3];
	int rows;

	if (err) {
		new_identity(n);
		pass_failed(n, "claiming", err, res);
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pass_failed(n, "claiming", 0, res);
		return;
	}
	rows = PQntuples(res);
	if (rows == 0 || !n->running) {
		sleep_until_due(n);
		return;
	}
	items = json_array();
	for (int i = 0; i < rows && items; i++) {
		json_t *item = take_step(n, res, i, now);

		if (item)
			json_array_append_new(items, item);
	}
	text = items ? json_dumps(items, JSON_COMPACT) : NULL;
	json_decref(items);
	c = malloc(sizeof(*c));
	if (!text || !c) {
		free(text);
		free(c);
		pass_failed(n, "sending (out of memory)", LL_ENOMEM, NULL);
		return;
	}
	c->n = n;
	c->claimed = rows;
	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	params[0] = text;
	params[1] = now_s;
	params[2] = n->me;
	if (db_query_background(n->env.db, commit_sql, 3, params, on_committed, c) != 0) {
		free(c);
		pass_failed(n, "sending", LL_EDBDOWN, NULL);
	}
	free(text);
}

static void claim(struct notices *n)
{
	char now[24], lease[16], limit[16];
	const char *params[6] = { n->me, now, lease, limit, n->timezone, n->leadership };

	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	snprintf(lease, sizeof(lease), "%d", n->lease_s);
	snprintf(limit, sizeof(limit), "%d", n->batch);
	if (db_query_background(n->env.db, claim_sql, 6, params, on_claimed, n) != 0)
		pass_failed(n, "claiming", LL_EDBDOWN, NULL);
}

/* ---------- a pass: sleep until the next notice is due ---------- */

static void on_next_due(int err, PGresult *res, void *arg)
{
	struct notices *n = arg;
	int64_t wait = TICK_MS;
	struct timeval tv;

	n->busy = false;
	if (!err && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
			!PQgetisnull(res, 0, 0)) {
		int64_t due = strtoll(PQgetvalue(res, 0, 0), NULL, 10) - clock_now_ms();

		if (due < wait)
			wait = due < MIN_SLEEP_MS ? MIN_SLEEP_MS : due;
	}
	if (!n->running)
		return;
	if (n->again) {
		n->again = false;
		wait = 0;
	}
	tv.tv_sec = (long)(wait / 1000);
	tv.tv_usec = (long)(wait % 1000) * 1000;
	evtimer_add(n->tick, &tv);
}

static void sleep_until_due(struct notices *n)
{
	if (db_query_background(n->env.db,
			"SELECT (extract(epoch FROM min(greatest(next_at, coalesce(claimed_until, next_at)))) "
			"* 1000)::bigint FROM notices WHERE status IN ('planned', 'open') AND next_at IS NOT NULL",
			0, NULL, on_next_due, n) != 0)
		pass_failed(n, "looking for the next due notice", LL_EDBDOWN, NULL);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pass(arg);
}

/* ---------- life cycle ---------- */

void notices_kick(struct notices *n)
{
	if (!n || !n->running)
		return;
	if (n->busy)
		n->again = true;
	else
		event_active(n->tick, EV_TIMEOUT, 0);
}

int notices_start(struct notices *n)
{
	if (n->running)
		return 0;
	new_identity(n);
	n->running = true;
	log_info("notices: planning and sending as %s", n->me);
	notices_kick(n);
	return 0;
}

void notices_stop(struct notices *n)
{
	if (!n || !n->running)
		return;
	n->running = false;
	evtimer_del(n->tick);
	log_info("notices: no longer planning or sending");
}

void notices_free(struct notices *n)
{
	if (!n)
		return;
	if (jump_target == n)
		jump_target = NULL;
	if (n->tick)
		event_free(n->tick);
	free(n->plan_cfg);
	free(n->public_url);
	free(n->timezone);
	free(n->leadership);
	free(n->language);
	free(n);
}

#include "audit.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "log.h"

struct audit {
	struct db_pool *db;
};

int audit_new(struct db_pool *db, struct audit **out)
{
	struct audit *a = calloc(1, sizeof(*a));

	*out = a;
	if (!a)
		return LL_ENOMEM;
	a->db = db;
	return 0;
}

void audit_free(struct audit *audit)
{
	free(audit);
}

const char *audit_outcome(int status)
{
	if (status < 400)
		return "ok";
	if (status == 401 || status == 403)
		return "denied";
	if (status == 409)
		return "conflict";
	if (status < 500)
		return "invalid";
	return "error";
}

struct audit_job {
	char *line; /* the row as text, logged if it cannot be stored */
};

static void on_inserted(int err, PGresult *res, void *arg)
{
	struct audit_job *job = arg;

	if (err || PQresultStatus(res) != PGRES_COMMAND_OK)
		log_error("audit row not stored (%s): %s", err ? lifeline_strerror(err) :
			PQresultErrorMessage(res), job->line);
	free(job->line);
	free(job);
}

void audit_record(struct audit *audit, const struct audit_entry *e)
{
	char actor_id[24], status[8];
	char *detail = e->detail ? json_dumps(e->detail, JSON_COMPACT) : NULL;
	const char *params[8];
	struct audit_job *job = calloc(1, sizeof(*job));

	snprintf(actor_id, sizeof(actor_id), "%lld", (long long)e->actor_id);
	snprintf(status, sizeof(status), "%d", e->status);
	params[0] = e->actor_id ? actor_id : NULL;
	params[1] = e->actor;
	params[2] = e->action;
	params[3] = e->object_type;
	params[4] = e->object_id;
	params[5] = status;
	params[6] = e->request_id;
	params[7] = detail;
	if (!job || asprintf(&job->line, "actor=%s action=%s object=%s/%s status=%s request=%s detail=%s",
			e->actor ? e->actor : "-", e->action, e->object_type ? e->object_type : "-",
			e->object_id ? e->object_id : "-", status, e->request_id, detail ? detail : "-") < 0) {
		log_error("audit row not stored (out of memory): action=%s request=%s", e->action,
			e->request_id);
		free(job);
		free(detail);
		return;
	}
	if (db_query(audit->db,
			"INSERT INTO audit_log (actor_id, actor, action, object_type, object_id, outcome, "
			"status, request_id, detail) VALUES ($1, $2, $3, $4, $5, "
			"CASE WHEN $6::int < 400 THEN 'ok' WHEN $6::int IN (401, 403) THEN 'denied' "
			"WHEN $6::int = 409 THEN 'conflict' WHEN $6::int < 500 THEN 'invalid' ELSE 'error' END, "
			"$6::int, $7, $8::jsonb)", 8, params, on_inserted, job) != 0) {
		log_error("audit row not stored (database unavailable): %s", job->line);
		free(job->line);
		free(job);
	}
	free(detail);
}

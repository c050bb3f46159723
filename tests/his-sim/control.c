/* control — the control API of his-sim (see control.h for the contract). */
#include "control.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "fhir.h"
#include "reply.h"
#include "sim.h"
#include "simnet.h"

#define CONTROL_PREFIX "/control/"
#define CONTROL_MSG_MAX 512
#define CONTROL_SEED_MAX 9223372036854775807ULL /* fits a JSON integer */
#define CONTROL_FAIL_AFTER_MAX 1000000000ULL

struct control {
	struct sim *sim;
	struct evhttp *http;
	int port;
};

/* One call being answered: its query and the targets it applies to. */
struct control_call {
	struct control *c;
	struct evhttp_request *req;
	const struct control_cmd *cmd;
	struct evkeyvalq query;
	bool selected[SIM_TARGETS_MAX];
	char message[CONTROL_MSG_MAX];
};

/* A command answers 0 (200 with the targets) or has already answered an error (-1). */
typedef int (*control_run_fn)(struct control_call *call);
/* The body of a 200 answer, when it is not the selected targets. */
typedef json_t *(*control_result_fn)(struct control_call *call);

struct control_cmd {
	const char *name;
	enum evhttp_cmd_type method;
	const char *params[4];
	control_run_fn run;
	control_result_fn result; /* NULL: {"action":NAME,"targets":{...}} */
};

static int control_run_down(struct control_call *call);
static int control_run_up(struct control_call *call);
static int control_run_slow(struct control_call *call);
static int control_run_flaky(struct control_call *call);
static int control_run_reset(struct control_call *call);
static int control_run_stats(struct control_call *call);
static int control_run_census(struct control_call *call);
static json_t *control_census_result(struct control_call *call);

static const struct control_cmd control_cmds[] = {
	{ "down", EVHTTP_REQ_POST, { "target", "mode", NULL }, control_run_down, NULL },
	{ "up", EVHTTP_REQ_POST, { "target", NULL }, control_run_up, NULL },
	{ "slow", EVHTTP_REQ_POST, { "target", "ms", NULL }, control_run_slow, NULL },
	{ "flaky", EVHTTP_REQ_POST, { "target", "p", "seed", NULL }, control_run_flaky, NULL },
	{ "reset", EVHTTP_REQ_POST, { "target", NULL }, control_run_reset, NULL },
	{ "stats", EVHTTP_REQ_GET, { "target", NULL }, control_run_stats, NULL },
	{ "census", EVHTTP_REQ_POST, { "fail_after", "mode", NULL }, control_run_census,
	  control_census_result },
};

__attribute__((format(printf, 5, 6)))
static int control_fail(struct control_call *call, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->message, sizeof(call->message), fmt, ap);
	va_end(ap);
	reply_error(call->req, status, code, call->message, field);
	return -1;
}

/* ---- parameters ---------------------------------------------------------- */

static const char *control_param(struct control_call *call, const char *name)
{
	return evhttp_find_header(&call->query, name);
}

/* Digits only (no sign, no spaces), at most max. */
static bool control_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (*s < '0' || *s > '9' || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* A plain decimal number in [0, 1]: no hex, inf or nan that strtod would take. */
static bool control_parse_probability(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || strspn(s, "0123456789.eE+-") != strlen(s))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0.0 || v > 1.0)
		return false;
	*out = v;
	return true;
}

static void control_known_targets(struct sim *sim, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sim_target_count(sim) && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i > 0 ? ", " : "",
		    sim_target_name(sim_target_at(sim, i)));
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Fills call->selected from "target" (a name or a comma-separated list). */
static int control_select(struct control_call *call)
{
	struct sim *sim = call->c->sim;
	const char *value = control_param(call, "target");
	char names[CONTROL_MSG_MAX], known[256];
	char *save = NULL, *name;
	size_t n = sim_target_count(sim), named = 0;

	if (value == NULL) {
		for (size_t i = 0; i < n; i++)
			call->selected[i] = true;
		return 0;
	}
	if (strlen(value) >= sizeof(names) || value[0] == '\0')
		return control_fail(call, 400, "invalid_value", "target",
		    "target must name one or more targets, comma-separated");
	memcpy(names, value, strlen(value) + 1);
	for (name = strtok_r(names, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
		bool found = false;

		named++;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(sim_target_name(sim_target_at(sim, i)), name) == 0) {
				call->selected[i] = true;
				found = true;
			}
		}
		if (!found) {
			control_known_targets(sim, known, sizeof(known));
			return control_fail(call, 400, "unknown_target", "target",
			    "unknown target '%.64s' (known: %s)", name, known);
		}
	}
	if (named == 0)
		return control_fail(call, 400, "invalid_value", "target",
		    "target must name one or more targets, comma-separated");
	return 0;
}

/* Every query key must be one the command takes, and only once. */
static int control_check_params(struct control_call *call)
{
	struct evkeyval *kv, *other;

	TAILQ_FOREACH(kv, &call->query, next) {
		bool known = false;

		for (size_t i = 0; call->cmd->params[i] != NULL; i++)
			known = known || strcmp(kv->key, call->cmd->params[i]) == 0;
		if (!known)
			return control_fail(call, 400, "unknown_parameter", kv->key,
			    "/control/%s takes no parameter '%.64s'", call->cmd->name, kv->key);
		for (other = TAILQ_NEXT(kv, next); other != NULL; other = TAILQ_NEXT(other, next)) {
			if (strcmp(kv->key, other->key) == 0)
				return control_fail(call, 400, "duplicate_parameter", kv->key,
				    "parameter '%.64s' is given twice", kv->key);
		}
	}
	return 0;
}

/* ---- commands ------------------------------------------------------------ */

typedef int (*control_apply_fn)(struct sim_target *t, const void *arg, char *err, size_t errlen);

/*
 * Applies fn to every selected target. A failure (a port that cannot be bound
 * again) does not stop the others; it answers 409 naming the first failure.
 */
static int control_apply(struct control_call *call, control_apply_fn fn, const void *arg)
{
	struct sim *sim = call->c->sim;
	char err[256], first[256] = "";

	for (size_t i = 0; i < sim_target_count(sim); i++) {
		if (!call->selected[i])
			continue;
		if (fn(sim_target_at(sim, i), arg, err, sizeof(err)) != 0 && first[0] == '\0')
			snprintf(first, sizeof(first), "%s", err);
	}
	if (first[0] != '\0')
		return control_fail(call, 409, "bind_failed", "target", "%s", first);
	return 0;
}

static int control_apply_mode(struct sim_target *t, const void *arg, char *err, size_t errlen)
{
	return sim_target_set_mode(t, *(const enum sim_mode *)arg, err, errlen);
}

static int control_apply_up(struct sim_target *t, const void *arg, char *err, size_t errlen)
{
	(void)arg;
	return sim_target_up(t, err, errlen);
}

static int control_apply_reset(struct sim_target *t, const void *arg, char *err, size_t errlen)
{
	(void)arg;
	return sim_target_reset(t, err, errlen);
}

static int control_run_down(struct control_call *call)
{
	const char *value = control_param(call, "mode");
	enum sim_mode mode = SIM_MODE_REFUSE;

	if (value != NULL && (!sim_mode_parse(value, &mode) || mode == SIM_MODE_NORMAL))
		return control_fail(call, 400, "invalid_value", "mode",
		    "mode must be refuse, 503 or hang, not '%.64s'", value);
	return control_apply(call, control_apply_mode, &mode);
}

static int control_run_up(struct control_call *call)
{
	return control_apply(call, control_apply_up, NULL);
}

static int control_run_slow(struct control_call *call)
{
	struct sim *sim = call->c->sim;
	const char *value = control_param(call, "ms");
	uint64_t ms;

	if (value == NULL)
		return control_fail(call, 400, "missing_parameter", "ms",
		    "slow needs ms, the delay in milliseconds");
	if (!control_parse_u64(value, SIM_SLOW_MS_MAX, &ms))
		return control_fail(call, 400, "invalid_value", "ms",
		    "ms must be a whole number from 0 to %u, not '%.64s'", SIM_SLOW_MS_MAX, value);
	for (size_t i = 0; i < sim_target_count(sim); i++) {
		if (call->selected[i]) {
			sim_target_set_slow(sim_target_at(sim, i), (unsigned)ms);
			fprintf(stderr, "his-sim: %s answers %u ms late\n",
			    sim_target_name(sim_target_at(sim, i)), (unsigned)ms);
		}
	}
	return 0;
}

static int control_run_flaky(struct control_call *call)
{
	struct sim *sim = call->c->sim;
	const char *pval = control_param(call, "p");
	const char *sval = control_param(call, "seed");
	uint64_t seed = sim_default_seed(sim);
	double p;

	if (pval == NULL)
		return control_fail(call, 400, "missing_parameter", "p",
		    "flaky needs p, the probability of a failure (0 to 1)");
	if (!control_parse_probability(pval, &p))
		return control_fail(call, 400, "invalid_value", "p",
		    "p must be a number from 0 to 1, not '%.64s'", pval);
	if (sval != NULL && !control_parse_u64(sval, CONTROL_SEED_MAX, &seed))
		return control_fail(call, 400, "invalid_value", "seed",
		    "seed must be a whole number from 0 to %llu, not '%.64s'",
		    CONTROL_SEED_MAX, sval);
	for (size_t i = 0; i < sim_target_count(sim); i++) {
		if (call->selected[i]) {
			sim_target_set_flaky(sim_target_at(sim, i), p, seed);
			fprintf(stderr, "his-sim: %s fails with p=%g (seed %llu)\n",
			    sim_target_name(sim_target_at(sim, i)), p, (unsigned long long)seed);
		}
	}
	return 0;
}

static int control_run_reset(struct control_call *call)
{
	if (control_param(call, "target") == NULL)
		sim_reset_received(call->c->sim);
	fprintf(stderr, "his-sim: reset %s\n",
	    control_param(call, "target") ? control_param(call, "target") : "all targets");
	return control_apply(call, control_apply_reset, NULL);
}

static int control_run_stats(struct control_call *call)
{
	(void)call;
	return 0;
}

/* The target that serves the FHIR census, or NULL. */
static struct sim_target *control_fhir_target(struct sim *sim)
{
	for (size_t i = 0; i < sim_target_count(sim); i++) {
		if (sim_target_fhir(sim_target_at(sim, i)) != NULL)
			return sim_target_at(sim, i);
	}
	return NULL;
}

static json_t *control_fhir_json(struct sim *sim)
{
	struct sim_target *t = control_fhir_target(sim);

	return t != NULL ? fhir_stats_json(sim_target_fhir(t), sim_target_name(t)) : json_null();
}

static int control_run_census(struct control_call *call)
{
	struct sim_target *t = control_fhir_target(call->c->sim);
	const char *after = control_param(call, "fail_after");
	const char *mval = control_param(call, "mode");
	enum fhir_fail_mode mode = FHIR_FAIL_503;
	uint64_t n;

	if (t == NULL)
		return control_fail(call, 409, "no_census", NULL,
		    "no target serves the FHIR census: it lives on his-core (see --targets)");
	if (after == NULL)
		return control_fail(call, 400, "missing_parameter", "fail_after",
		    "census needs fail_after: how many FHIR requests to serve before failing, or off");
	if (mval != NULL && !fhir_fail_mode_parse(mval, &mode))
		return control_fail(call, 400, "invalid_value", "mode",
		    "mode must be 503, drop or down, not '%.64s'", mval);
	if (strcmp(after, "off") == 0) {
		fhir_fail_clear(sim_target_fhir(t));
		fprintf(stderr, "his-sim: the census on %s no longer fails\n", sim_target_name(t));
		return 0;
	}
	if (!control_parse_u64(after, CONTROL_FAIL_AFTER_MAX, &n))
		return control_fail(call, 400, "invalid_value", "fail_after",
		    "fail_after must be off or a whole number from 0 to %llu, not '%.64s'",
		    CONTROL_FAIL_AFTER_MAX, after);
	fhir_fail_after(sim_target_fhir(t), n, mode);
	fprintf(stderr, "his-sim: the census on %s fails (%s) after %llu more FHIR requests\n",
	    sim_target_name(t), fhir_fail_mode_name(mode), (unsigned long long)n);
	return 0;
}

static json_t *control_census_result(struct control_call *call)
{
	return json_pack("{s:s, s:o}", "action", call->cmd->name,
	    "census", control_fhir_json(call->c->sim));
}

/* ---- dispatch ------------------------------------------------------------ */

static json_t *control_result(struct control_call *call)
{
	struct sim *sim = call->c->sim;
	json_t *targets = json_object(), *out;

	for (size_t i = 0; targets != NULL && i < sim_target_count(sim); i++) {
		if (!call->selected[i])
			continue;
		if (json_object_set_new(targets, sim_target_name(sim_target_at(sim, i)),
		    sim_target_json(sim_target_at(sim, i))) != 0) {
			json_decref(targets);
			return NULL;
		}
	}
	out = json_pack("{s:s, s:o}", "action", call->cmd->name, "targets", targets);
	if (out != NULL && call->cmd->run == control_run_stats &&
	    (json_object_set_new(out, "seed", json_integer((json_int_t)sim_default_seed(sim))) != 0 ||
	    json_object_set_new(out, "received", sim_received_json(sim)) != 0 ||
	    json_object_set_new(out, "fhir", control_fhir_json(sim)) != 0)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static void control_dispatch(struct control_call *call)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(call->req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	const char *name;

	if (path == NULL || strncmp(path, CONTROL_PREFIX, strlen(CONTROL_PREFIX)) != 0) {
		control_fail(call, 404, "not_found", NULL,
		    "no such path: the control API lives under /control/");
		return;
	}
	name = path + strlen(CONTROL_PREFIX);
	for (size_t i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++) {
		if (strcmp(name, control_cmds[i].name) == 0)
			call->cmd = &control_cmds[i];
	}
	if (call->cmd == NULL) {
		control_fail(call, 404, "not_found", NULL, "no control command '%.64s' "
		    "(down, up, slow, flaky, reset, stats, census)", name);
		return;
	}
	if (evhttp_request_get_command(call->req) != call->cmd->method) {
		const char *method = call->cmd->method == EVHTTP_REQ_GET ? "GET" : "POST";

		evhttp_add_header(evhttp_request_get_output_headers(call->req), "Allow", method);
		control_fail(call, 405, "method_not_allowed", NULL, "use %s /control/%s",
		    method, call->cmd->name);
		return;
	}
	if (query != NULL && evhttp_parse_query_str(query, &call->query) != 0) {
		control_fail(call, 400, "invalid_query", NULL,
		    "the query string is malformed: use name=value pairs joined by &");
		return;
	}
	if (control_check_params(call) != 0 || control_select(call) != 0 ||
	    call->cmd->run(call) != 0)
		return;
	reply_json(call->req, 200, call->cmd->result != NULL ? call->cmd->result(call)
	                                                    : control_result(call));
}

static void control_request_cb(struct evhttp_request *req, void *arg)
{
	struct control_call *call = calloc(1, sizeof(*call));

	if (call == NULL) {
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	call->c = arg;
	call->req = req;
	TAILQ_INIT(&call->query);
	control_dispatch(call);
	evhttp_clear_headers(&call->query);
	free(call);
}

/* ---- life cycle ---------------------------------------------------------- */

struct control *control_new(struct event_base *base, struct sim *sim, const char *host,
    int port, char *err, size_t errlen)
{
	struct control *c = calloc(1, sizeof(*c));
	evutil_socket_t fd = -1;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->sim = sim;
	if (simnet_listen(host, port, &fd, err, errlen) != 0)
		goto fail;
	c->http = evhttp_new(base);
	if (c->http == NULL || evhttp_accept_socket_with_handle(c->http, fd) == NULL) {
		snprintf(err, errlen, "control: cannot serve on %s:%d: out of memory", host, port);
		close(fd);
		goto fail;
	}
	c->port = simnet_local_port(fd);
	evhttp_set_gencb(c->http, control_request_cb, c);
	evhttp_set_max_body_size(c->http, 64 * 1024);
	evhttp_set_max_headers_size(c->http, 32 * 1024);
	return c;
fail:
	control_free(c);
	return NULL;
}

int control_port(const struct control *c)
{
	return c->port;
}

void control_free(struct control *c)
{
	if (c == NULL)
		return;
	if (c->http != NULL)
		evhttp_free(c->http);
	free(c);
}

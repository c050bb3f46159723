/* sim — simulated HIS targets, their fault modes and request pipeline. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "fhir.h"
#include "health.h"
#include "mllp.h"
#include "prng.h"
#include "reply.h"
#include "simnet.h"

#define SIM_HOST "127.0.0.1"
#define SIM_MAX_BODY (1024 * 1024)
#define SIM_MAX_HEADERS (32 * 1024)

const char *const sim_default_targets[] = {
	"his-core", "his-db", "lis", "pacs", "emr", "insurance",
};
const size_t sim_default_target_count =
    sizeof(sim_default_targets) / sizeof(sim_default_targets[0]);

static const char *const sim_counter_names[SIM_RX_COUNT_] = {
	[SIM_RX_HEALTH] = "health",
	[SIM_RX_NOT_FOUND] = "not_found",
	[SIM_RX_MLLP] = "mllp",
};

/* A path, or with subtree a path and everything under it (/fhir, /fhir/...). */
static const struct sim_route {
	const char *path;
	bool subtree;
	sim_handler_fn handle;
} sim_routes[] = {
	{ "/health", false, health_handle },
	{ "/fhir", true, fhir_handle },
};

/*
 * A request sim holds: hung (timer NULL) or delayed (timer running, then
 * the answer in body is sent, or with drop the connection is closed).
 */
struct sim_pending {
	TAILQ_ENTRY(sim_pending) link;
	struct sim_target *target;
	struct evhttp_request *req;
	struct event *timer;
	int status;
	const char *content_type;
	struct evbuffer *body;
	bool drop;
};

TAILQ_HEAD(sim_pending_list, sim_pending);

struct sim_target {
	struct sim *sim;
	char name[SIM_NAME_MAX + 1];
	int port;                  /* the bound port, kept while refused */
	struct evhttp *http;       /* NULL while refused */
	struct mllp *mllp;         /* NULL: no MLLP side */
	enum sim_mode mode;
	unsigned slow_ms;
	double flaky_p;            /* 0: not flaky */
	uint64_t flaky_seed;
	uint64_t prng;             /* splitmix64 state */
	struct event *mode_later;  /* sim_target_set_mode_later()'s timer */
	enum sim_mode next_mode;
	struct fhir *fhir;         /* not owned; NULL: no FHIR census here */
	uint64_t requests;         /* every request that reached the target */
	uint64_t answered;         /* answers sent (not merely planned), 503s included */
	uint64_t failures_injected;
	uint64_t hung;             /* requests ever held by hang */
	unsigned hanging;          /* held now by hang */
	unsigned delayed;          /* answers (or drops) waiting for their timer */
	struct sim_pending_list pending;
};

struct sim {
	struct event_base *base;
	uint64_t seed;
	uint64_t last_id;
	size_t n;
	struct sim_target *targets;
	uint64_t received[SIM_RX_COUNT_];
};

static void sim_request_cb(struct evhttp_request *req, void *arg);

const char *sim_mode_name(enum sim_mode mode)
{
	switch (mode) {
	case SIM_MODE_NORMAL: return "normal";
	case SIM_MODE_REFUSE: return "refuse";
	case SIM_MODE_503: return "503";
	case SIM_MODE_HANG: return "hang";
	}
	return "?";
}

bool sim_mode_parse(const char *s, enum sim_mode *mode)
{
	static const enum sim_mode all[] = {
		SIM_MODE_NORMAL, SIM_MODE_REFUSE, SIM_MODE_503, SIM_MODE_HANG,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, sim_mode_name(all[i])) == 0) {
			*mode = all[i];
			return true;
		}
	}
	return false;
}

bool sim_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > SIM_NAME_MAX || name[0] == '-' || name[0] == '_')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* ---- pending requests ---------------------------------------------------- */

static void sim_pending_unlink(struct sim_pending *p)
{
	struct sim_target *t = p->target;

	TAILQ_REMOVE(&t->pending, p, link);
	if (p->timer != NULL) {
		event_free(p->timer);
		t->delayed--;
	} else {
		t->hanging--;
	}
	if (p->body != NULL)
		evbuffer_free(p->body);
	free(p);
}

/*
 * Drops a pending request without answering it: its connection is closed,
 * as a crashed server would. Freeing the connection frees every request
 * libevent still has queued on it, so any other pending entry on the same
 * connection is unlinked first. When the client already went away, libevent
 * detached the request from its connection and left it to us to free.
 */
static void sim_pending_drop(struct sim_pending *p)
{
	struct sim_target *t = p->target;
	struct evhttp_request *req = p->req;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct sim_pending *q, *next;

	sim_pending_unlink(p);
	if (evcon == NULL) {
		evhttp_request_free(req);
		return;
	}
	for (q = TAILQ_FIRST(&t->pending); q != NULL; q = next) {
		next = TAILQ_NEXT(q, link);
		if (evhttp_request_get_connection(q->req) == evcon)
			sim_pending_unlink(q);
	}
	evhttp_connection_free(evcon);
}

static void sim_pending_drop_all(struct sim_target *t, bool hung_only)
{
	struct sim_pending *p;

	/* One drop may unlink other entries too: look again from the head. */
	for (;;) {
		TAILQ_FOREACH(p, &t->pending, link) {
			if (!hung_only || p->timer == NULL)
				break;
		}
		if (p == NULL)
			return;
		sim_pending_drop(p);
	}
}

static void sim_pending_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_pending *p = arg;
	struct evhttp_request *req = p->req;
	struct evbuffer *body = p->body;
	const char *content_type = p->content_type;
	int status = p->status;

	(void)fd;
	(void)what;
	if (p->drop) {
		sim_pending_drop(p);
		return;
	}
	/* Unlink before answering: the answer may free req (client gone). */
	p->body = NULL;
	p->target->answered++;
	sim_pending_unlink(p);
	reply_buffer_as(req, status, body, content_type);
	evbuffer_free(body);
}

static struct sim_pending *sim_pending_add(struct sim_target *t, struct evhttp_request *req)
{
	struct sim_pending *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->target = t;
	p->req = req;
	TAILQ_INSERT_TAIL(&t->pending, p, link);
	t->hanging++;
	return p;
}

/* ---- the request pipeline ------------------------------------------------ */

/*
 * Sends the answer now or after slow_ms. A drop closes the connection after
 * slow_ms, and at the soonest at the next turn of the loop: libevent must
 * be done with the request before its connection goes. Takes ans->body.
 */
static void sim_deliver(struct sim_target *t, struct evhttp_request *req, struct sim_answer *ans)
{
	const char *content_type = ans->content_type ? ans->content_type : "application/json";
	struct evbuffer *buf = NULL;
	struct sim_pending *p;
	struct timeval tv;

	if (ans->injected)
		t->failures_injected++;
	if (ans->drop) {
		json_decref(ans->body);
	} else {
		buf = reply_serialise(ans->body);
		if (buf == NULL)
			goto oom;
		if (t->slow_ms == 0)
			goto now;
	}
	ans->body = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto later_failed;
	p->timer = evtimer_new(t->sim->base, sim_pending_timer_cb, p);
	if (p->timer == NULL) {
		free(p);
		goto later_failed;
	}
	p->target = t;
	p->req = req;
	p->status = ans->status;
	p->content_type = content_type;
	p->body = buf;
	p->drop = ans->drop;
	tv.tv_sec = t->slow_ms / 1000;
	tv.tv_usec = (t->slow_ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
	TAILQ_INSERT_TAIL(&t->pending, p, link);
	t->delayed++;
	return;
later_failed:
	if (buf != NULL)
		goto now;
oom:
	/* Out of memory: this request fails, plainly. */
	t->answered++;
	evhttp_send_error(req, 500, "Internal Server Error");
	return;
now:
	t->answered++;
	reply_buffer_as(req, ans->status, buf, content_type);
	evbuffer_free(buf);
}

enum sim_fault sim_target_fault(struct sim_target *t)
{
	switch (t->mode) {
	case SIM_MODE_503:
	case SIM_MODE_REFUSE: /* not reachable: a refused target has no listener */
		return SIM_FAULT_DOWN_503;
	case SIM_MODE_HANG:
		return SIM_FAULT_HANG;
	case SIM_MODE_NORMAL:
		break;
	}
	if (t->flaky_p > 0.0) {
		double u = (double)(prng_next(&t->prng) >> 11) * 0x1.0p-53;
		if (u < t->flaky_p)
			return SIM_FAULT_FLAKY;
	}
	return SIM_FAULT_NONE;
}

static void sim_request_cb(struct evhttp_request *req, void *arg)
{
	struct sim_target *t = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	struct sim_answer ans = { 0 };
	char msg[128];

	t->requests++;
	switch (sim_target_fault(t)) {
	case SIM_FAULT_HANG:
		if (sim_pending_add(t, req) != NULL) {
			t->hung++;
			return;
		}
		/* Out of memory: cannot hold it, so fail it like a 503. */
		/* fall through */
	case SIM_FAULT_DOWN_503:
	case SIM_FAULT_FLAKY:
		snprintf(msg, sizeof(msg), "%s is unavailable (simulated)", t->name);
		ans.status = 503;
		ans.body = reply_error_body("unavailable", msg, NULL);
		ans.injected = true;
		sim_deliver(t, req, &ans);
		return;
	case SIM_FAULT_NONE:
		break;
	}
	for (size_t i = 0; path != NULL && i < sizeof(sim_routes) / sizeof(sim_routes[0]); i++) {
		const struct sim_route *r = &sim_routes[i];
		size_t len = strlen(r->path);

		if (strncmp(path, r->path, len) == 0 &&
		    (path[len] == '\0' || (r->subtree && path[len] == '/'))) {
			r->handle(t, req, &ans);
			break;
		}
	}
	if (ans.status == 0 && !ans.drop) {
		sim_count(t->sim, SIM_RX_NOT_FOUND);
		json_decref(ans.body);
		ans = (struct sim_answer){ 404, reply_error_body("not_found",
		    "no such path on this target", NULL), NULL, false, false };
	}
	sim_deliver(t, req, &ans);
}

/* ---- listeners ----------------------------------------------------------- */

static int sim_target_listen(struct sim_target *t, char *err, size_t errlen)
{
	evutil_socket_t fd = -1;
	struct evhttp *http;

	if (simnet_listen(SIM_HOST, t->port, &fd, err, errlen) != 0)
		return -1;
	http = evhttp_new(t->sim->base);
	if (http == NULL || evhttp_accept_socket_with_handle(http, fd) == NULL) {
		snprintf(err, errlen, "%s: cannot serve on port %d: out of memory", t->name, t->port);
		if (http != NULL)
			evhttp_free(http);
		close(fd);
		return -1;
	}
	evhttp_set_gencb(http, sim_request_cb, t);
	evhttp_set_max_body_size(http, SIM_MAX_BODY);
	evhttp_set_max_headers_size(http, SIM_MAX_HEADERS);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	if (t->port == 0)
		t->port = simnet_local_port(fd);
	t->http = http;
	return 0;
}

static void sim_target_close(struct sim_target *t)
{
	/* evhttp_free() frees queued requests: ours must be gone first. */
	sim_pending_drop_all(t, false);
	if (t->http != NULL) {
		evhttp_free(t->http);
		t->http = NULL;
	}
	if (t->mllp != NULL)
		mllp_close(t->mllp);
}

/* Both listeners, or neither. */
static int sim_target_open(struct sim_target *t, char *err, size_t errlen)
{
	char why[256];

	if (sim_target_listen(t, err, errlen) != 0)
		return -1;
	if (t->mllp != NULL && mllp_listen(t->mllp, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s MLLP: %s", t->name, why);
		sim_target_close(t);
		return -1;
	}
	return 0;
}

int sim_target_set_mode(struct sim_target *t, enum sim_mode mode, char *err, size_t errlen)
{
	enum sim_mode old = t->mode;

	/* A mode set now overrides one planned for later. */
	if (t->mode_later != NULL)
		evtimer_del(t->mode_later);
	if (mode == old)
		return 0;
	if (mode == SIM_MODE_REFUSE) {
		sim_target_close(t);
	} else if (old == SIM_MODE_REFUSE) {
		if (sim_target_open(t, err, errlen) != 0)
			return -1;
	} else if (old == SIM_MODE_HANG) {
		sim_pending_drop_all(t, true);
		if (t->mllp != NULL)
			mllp_release_held(t->mllp);
	}
	t->mode = mode;
	fprintf(stderr, "his-sim: %s is %s (mode %s)\n", t->name,
	    mode == SIM_MODE_NORMAL ? "up" : "down", sim_mode_name(mode));
	return 0;
}

static void sim_mode_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_target *t = arg;
	char err[256];

	(void)fd;
	(void)what;
	if (sim_target_set_mode(t, t->next_mode, err, sizeof(err)) != 0)
		fprintf(stderr, "his-sim: %s stays %s: %s\n", t->name, sim_mode_name(t->mode), err);
}

void sim_target_set_mode_later(struct sim_target *t, enum sim_mode mode)
{
	struct timeval now = { 0, 0 };

	t->next_mode = mode;
	if (t->mode_later == NULL || evtimer_add(t->mode_later, &now) != 0)
		fprintf(stderr, "his-sim: %s: cannot plan the change to mode %s\n", t->name,
		    sim_mode_name(mode));
}

int sim_target_up(struct sim_target *t, char *err, size_t errlen)
{
	if (sim_target_set_mode(t, SIM_MODE_NORMAL, err, errlen) != 0)
		return -1;
	sim_target_set_slow(t, 0);
	sim_target_set_flaky(t, 0.0, 0);
	if (t->fhir != NULL)
		fhir_fail_clear(t->fhir);
	return 0;
}

void sim_target_set_slow(struct sim_target *t, unsigned ms)
{
	t->slow_ms = ms > SIM_SLOW_MS_MAX ? SIM_SLOW_MS_MAX : ms;
}

void sim_target_set_flaky(struct sim_target *t, double p, uint64_t seed)
{
	t->flaky_p = p > 0.0 ? (p < 1.0 ? p : 1.0) : 0.0;
	t->flaky_seed = seed;
	t->prng = seed;
}

int sim_target_reset(struct sim_target *t, char *err, size_t errlen)
{
	if (sim_target_up(t, err, errlen) != 0)
		return -1;
	t->requests = t->answered = t->failures_injected = t->hung = 0;
	if (t->mllp != NULL)
		mllp_reset_counters(t->mllp);
	if (t->fhir != NULL)
		fhir_reset_counters(t->fhir);
	return 0;
}

void sim_reset_received(struct sim *sim)
{
	memset(sim->received, 0, sizeof(sim->received));
}

/* ---- the simulator ------------------------------------------------------- */

struct sim *sim_new(struct event_base *base, const struct sim_target_spec *specs,
    size_t n, uint64_t seed, char *err, size_t errlen)
{
	struct sim *sim = calloc(1, sizeof(*sim));

	if (sim == NULL)
		goto oom;
	if (n > SIM_TARGETS_MAX) {
		snprintf(err, errlen, "at most %d targets", SIM_TARGETS_MAX);
		goto fail;
	}
	sim->base = base;
	sim->seed = seed;
	sim->targets = calloc(n > 0 ? n : 1, sizeof(*sim->targets));
	if (sim->targets == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct sim_target *t = &sim->targets[i];

		t->sim = sim;
		snprintf(t->name, sizeof(t->name), "%s", specs[i].name);
		t->port = specs[i].port;
		t->mode = SIM_MODE_NORMAL;
		TAILQ_INIT(&t->pending);
		sim->n = i + 1;
		t->mode_later = evtimer_new(base, sim_mode_later_cb, t);
		if (t->mode_later == NULL)
			goto oom;
		if (sim_target_listen(t, err, errlen) != 0)
			goto fail;
		if (specs[i].mllp_port >= 0) {
			char why[256];

			t->mllp = mllp_new(t, base, specs[i].mllp_port, why, sizeof(why));
			if (t->mllp == NULL) {
				snprintf(err, errlen, "%s MLLP: %s", t->name, why);
				goto fail;
			}
		}
	}
	return sim;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	sim_free(sim);
	return NULL;
}

void sim_free(struct sim *sim)
{
	if (sim == NULL)
		return;
	for (size_t i = 0; i < sim->n; i++) {
		sim_target_close(&sim->targets[i]);
		mllp_free(sim->targets[i].mllp);
		if (sim->targets[i].mode_later != NULL)
			event_free(sim->targets[i].mode_later);
	}
	free(sim->targets);
	free(sim);
}

size_t sim_target_count(const struct sim *sim) { return sim->n; }
struct sim_target *sim_target_at(struct sim *sim, size_t i) { return &sim->targets[i]; }
uint64_t sim_default_seed(const struct sim *sim) { return sim->seed; }
const char *sim_target_name(const struct sim_target *t) { return t->name; }
int sim_target_port(const struct sim_target *t) { return t->port; }
int sim_target_mllp_port(const struct sim_target *t) { return t->mllp ? mllp_port(t->mllp) : -1; }
unsigned sim_target_slow_ms(const struct sim_target *t) { return t->slow_ms; }
uint64_t sim_next_id(struct sim *sim) { return ++sim->last_id; }
struct sim *sim_target_sim(struct sim_target *t) { return t->sim; }
enum sim_mode sim_target_mode(const struct sim_target *t) { return t->mode; }
void sim_target_set_fhir(struct sim_target *t, struct fhir *f) { t->fhir = f; }
struct fhir *sim_target_fhir(const struct sim_target *t) { return t->fhir; }

struct sim_target *sim_target_find(struct sim *sim, const char *name)
{
	for (size_t i = 0; i < sim->n; i++) {
		if (strcmp(sim->targets[i].name, name) == 0)
			return &sim->targets[i];
	}
	return NULL;
}

void sim_count(struct sim *sim, enum sim_counter counter)
{
	if (counter < SIM_RX_COUNT_)
		sim->received[counter]++;
}

/* The MLLP side's keys, added to the target's object; -1 on OOM. */
static int sim_target_mllp_json(const struct sim_target *t, json_t *obj)
{
	struct mllp_stats st;
	json_t *mllp;

	mllp_get_stats(t->mllp, &st);
	mllp = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "mllp_port", t->mllp != NULL ? json_integer(mllp_port(t->mllp)) : json_null(),
	    "mllp_requests", (json_int_t)st.requests,
	    "mllp_answered", (json_int_t)st.answered,
	    "mllp_failures_injected", (json_int_t)st.failures_injected,
	    "mllp_hung", (json_int_t)st.hung,
	    "mllp_hanging", (json_int_t)st.hanging,
	    "mllp_delayed", (json_int_t)st.delayed,
	    "mllp_connections", (json_int_t)st.connections);
	if (mllp == NULL || json_object_update(obj, mllp) != 0) {
		json_decref(mllp);
		return -1;
	}
	json_decref(mllp);
	return 0;
}

json_t *sim_target_json(const struct sim_target *t)
{
	json_t *flaky = json_null(), *obj;

	if (t->flaky_p > 0.0)
		flaky = json_pack("{s:f, s:I}", "p", t->flaky_p, "seed", (json_int_t)t->flaky_seed);
	obj = json_pack("{s:s, s:s, s:i, s:I, s:o?, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "state", t->mode == SIM_MODE_NORMAL ? "up" : "down",
	    "mode", sim_mode_name(t->mode),
	    "port", t->port,
	    "slow_ms", (json_int_t)t->slow_ms,
	    "flaky", flaky,
	    "requests", (json_int_t)t->requests,
	    "answered", (json_int_t)t->answered,
	    "failures_injected", (json_int_t)t->failures_injected,
	    "hung", (json_int_t)t->hung,
	    "hanging", (json_int_t)t->hanging,
	    "delayed", (json_int_t)t->delayed);
	if (obj != NULL && sim_target_mllp_json(t, obj) != 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *sim_received_json(const struct sim *sim)
{
	json_t *obj = json_object();

	for (size_t i = 0; obj != NULL && i < SIM_RX_COUNT_; i++) {
		if (json_object_set_new(obj, sim_counter_names[i],
		    json_integer((json_int_t)sim->received[i])) != 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

/*
 * lifelined — the Lifeline server.
 *
 * main() starts the modules in order and stops them in reverse. Failure
 * policy: a bad config or an unreachable database at start-up is fatal with
 * a clear message; after start-up, a failure inside one request fails that
 * request only, and a lost database is waited for (the pool reconnects).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <sodium.h>

#include "api_system.h"
#include "audit.h"
#include "auth.h"
#include "census.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "curlev.h"
#include "departments.h"
#include "events.h"
#include "http.h"
#include "incident.h"
#include "lease.h"
#include "lifeline_build.h"
#include "log.h"
#include "migrate.h"
#include "monitor.h"
#include "forms.h"
#include "notices.h"
#include "outbox.h"
#include "schemas.h"
#include "work.h"

#define SHUTDOWN_GRACE_MS 5000

struct lifelined {
	struct config *cfg;
	struct event_base *base;
	struct schema_registry *schemas;
	work_pool *work;
	db_pool *db;
	struct audit *audit;
	struct auth *auth;
	struct lease *lease;
	http_server *http;
	struct events *events;
	struct incident *incident;
	struct departments *departments;
	curlev *curl;            /* the outbox's outgoing traffic */
	struct outbox *outbox;
	struct notices *notices;
	struct forms *forms;
	struct census *census;   /* shares curl; idle without census.url */
	monitor *monitor;   /* NULL when the config watches no targets */
	struct api_system sys;
	struct event *sig_term, *sig_int, *sig_hup, *janitor;
	bool is_leader;
	bool stopping;
	int64_t stop_deadline_ms;
};

static void usage(FILE *out)
{
	fputs("usage: lifelined --config FILE [--check-config]\n"
		"       lifelined --config FILE --create-user NAME --role ROLE [--dept CODE]\n"
		"                 [--display-name TEXT] [--password-stdin]\n"
		"       lifelined --version | --help\n"
		"\n"
		"  --config FILE       the configuration (JSON, schemas/config.schema.json)\n"
		"  --check-config      validate the configuration and exit (0 = good)\n"
		"  --create-user NAME  create a user, or reset its password, role and department\n"
		"  --role ROLE         admin, it, leader, nurse, doctor, pharmacist, cashier,\n"
		"                      medtech or viewer\n"
		"  --dept CODE         the user's department\n"
		"  --password-stdin    read the password from the first line of standard input\n"
, out);
}

/* ---------- one-shot command-line modes (blocking is fine here) ---------- */

static PGconn *connect_and_migrate(const struct config *cfg)
{
	char err[1024];
	int version;
	PGconn *conn = db_connect_blocking(cfg->db_conninfo, err, sizeof(err));

	if (!conn) {
		log_error("cannot connect to the database (%s): %s", cfg->db_conninfo, err);
		return NULL;
	}
	if (migrate_run(conn, &version, err, sizeof(err)) != 0) {
		log_error("database migration failed: %s", err);
		PQfinish(conn);
		return NULL;
	}
	log_info("database schema at version %d", version);
	return conn;
}

static int read_password(bool from_stdin, char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = !from_stdin && isatty(STDIN_FILENO);
	char *nl;

	if (tty) {
		fputs("password: ", stderr);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (!fgets(buf, (int)len, stdin))
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if ((nl = strchr(buf, '\n')))
		*nl = '\0';
	if ((nl = strchr(buf, '\r')))
		*nl = '\0';
	return strlen(buf) >= 8 ? 0 : LL_EINVAL;
}

static int create_user(const struct config *cfg, const char *name, const char *role,
	const char *dept, const char *display_name, bool pw_stdin)
{
	char password[1024], hash[crypto_pwhash_STRBYTES];
	const char *params[5];
	PGconn *conn;
	PGresult *res;
	int rc = 1;

	if (role_parse(role) < 0) {
		log_error("--role %s: unknown role", role);
		return 2;
	}
	if (read_password(pw_stdin, password, sizeof(password)) != 0) {
		log_error("the password must be at least 8 characters");
		return 2;
	}
	if (auth_hash_password(password, hash) != 0) {
		log_error("could not hash the password");
		return 1;
	}
	sodium_memzero(password, sizeof(password));
	if (!(conn = connect_and_migrate(cfg)))
		return 1;
	params[0] = name;
	params[1] = display_name;
	params[2] = hash;
	params[3] = role;
	params[4] = dept;
	res = PQexecParams(conn,
		"INSERT INTO users (username, display_name, password_hash, role, department) "
		"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO UPDATE SET "
		"display_name = coalesce(EXCLUDED.display_name, users.display_name), "
		"password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, "
		"department = EXCLUDED.department, disabled = false, updated_at = now() "
		"RETURNING id, (xmax = 0) AS created", 5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		const char *id = PQgetvalue(res, 0, 0);
		bool created = PQgetvalue(res, 0, 1)[0] == 't';
		PGresult *a;
		const char *ap[3] = { name, created ? "user.create" : "user.update", id };

		a = PQexecParams(conn,
			"INSERT INTO audit_log (actor, action, object_type, object_id, outcome, status, "
			"detail) VALUES ('lifelined --create-user', $2, 'user', $3, 'ok', 0, "
			"jsonb_build_object('username', $1::text))", 3, NULL, ap, NULL, NULL, 0);
		PQclear(a);
		printf("%s user %s (id %s, role %s%s%s)\n", created ? "created" : "updated", name, id,
			role, dept ? ", department " : "", dept ? dept : "");
		rc = 0;
	} else {
		log_error("cannot create user %s: %s", name, PQresultErrorMessage(res));
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
}

/* ---------- the server ---------- */

static void begin_shutdown(struct lifelined *d, const char *why)
{
	if (d->stopping)
		return;
	d->stopping = true;
	d->stop_deadline_ms = clock_mono_ms() + SHUTDOWN_GRACE_MS;
	log_info("%s: shutting down (waiting up to %d s for requests in flight)", why,
		SHUTDOWN_GRACE_MS / 1000);
	http_server_stop_accepting(d->http);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct lifelined *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		struct config *fresh = NULL;
		char err[1024], restart[512];

		if (config_load(d->cfg->path, &fresh, err, sizeof(err)) != 0) {
			log_error("reload refused, keeping the running configuration: %s", err);
			return;
		}
		config_apply_reload(d->cfg, fresh, restart, sizeof(restart));
		config_free(fresh);
		log_min_level = log_level_parse(d->cfg->log_level);
		http_server_apply_config(d->http);
		log_info("configuration reloaded from %s", d->cfg->path);
		if (restart[0])
			log_warn("changed keys that take effect only after a restart: %s", restart);
		return;
	}
	begin_shutdown(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_janitor(evutil_socket_t fd, short what, void *arg)
{
	struct lifelined *d = arg;

	(void)fd;
	(void)what;
	http_server_flush(d->http);
	auth_janitor(d->auth);
	if (d->stopping) {
		if (http_server_in_flight(d->http) == 0 || clock_mono_ms() >= d->stop_deadline_ms)
			event_base_loopbreak(d->base);
		return;
	}
	lease_tick(d->lease);
}

static void on_db_state(bool up, void *arg)
{
	(void)arg;
	if (up)
		log_info("database is up");
	else
		log_warn("database is down: writes are refused (503) until it returns; "
			"reconnecting with back-off");
}

static void on_db_log(int level, const char *msg, void *arg)
{
	(void)arg;
	if (level >= LOG_WARN)
		log_warn("db: %s", msg);
	else
		log_debug("db: %s", msg);
}

static const char *state_name(enum tstate_state s)
{
	switch (s) {
	case TSTATE_UP: return "up";
	case TSTATE_SUSPECT: return "suspect";
	case TSTATE_DOWN: return "down";
	default: return "unknown";
	}
}

/* The monitor speaks to the incident module through this one function. */
static void on_monitor_change(const struct monitor_change *mc, void *arg)
{
	struct lifelined *d = arg;
	struct incident_target_change chg = {
		.target = mc->target,
		.state = state_name(mc->new_state),
		.old_state = state_name(mc->old_state),
		.at_ms = mc->decided_ms,   /* detection time; the breakpoint travels apart */
		.breakpoint_ms = mc->breakpoint_ms,
		.affected_by = mc->affected_by,
		.reason = mc->reason,
		.flapping = mc->flapping,
	};

	if (!(mc->what & (MONITOR_CHANGE_STATE | MONITOR_CHANGE_AFFECTED)))
		return;
	log_info("target %s: %s -> %s%s%s%s%s", mc->target, chg.old_state, chg.state,
		mc->affected_by ? " (affected by " : "", mc->affected_by ? mc->affected_by : "",
		mc->affected_by ? ")" : "", mc->flapping ? " [flapping]" : "");
	incident_target_changed(d->incident, &chg);
}

static void on_lease(bool leader, void *arg)
{
	struct lifelined *d = arg;

	d->is_leader = leader;
	if (d->outbox && leader && outbox_start(d->outbox) != 0)
		log_error("cannot start the outbox: nothing is delivered");
	else if (!leader)
		outbox_stop(d->outbox);
	if (d->notices && leader && notices_start(d->notices) != 0)
		log_error("cannot start the notice plan: nobody is told");
	else if (!leader)
		notices_stop(d->notices);
	if (d->census && leader && census_start(d->census) != 0)
		log_error("cannot start the census: no snapshots are taken");
	else if (!leader)
		census_stop(d->census);
	if (!d->monitor)
		return;
	if (leader && monitor_start(d->monitor) != 0)
		log_error("cannot start the monitor");
	else if (!leader)
		monitor_stop(d->monitor);
}

static void lifelined_stop(struct lifelined *d)
{
	/* Reverse order of start. Jobs finish first, then the pool fails what is left. */
	if (d->janitor)
		event_free(d->janitor);
	if (d->sig_term)
		event_free(d->sig_term);
	if (d->sig_int)
		event_free(d->sig_int);
	if (d->sig_hup)
		event_free(d->sig_hup);
	monitor_free(d->monitor);
	work_pool_free(d->work);
	lease_stop(d->lease);
	incident_stop(d->incident);
	notices_stop(d->notices);
	census_stop(d->census);
	outbox_stop(d->outbox);
	events_stop(d->events);
	db_pool_free(d->db);
	events_free(d->events);
	http_server_free(d->http);
	notices_free(d->notices);
	forms_free(d->forms);
	census_free(d->census);
	outbox_free(d->outbox);
	curlev_free(d->curl);
	departments_free(d->departments);
	incident_free(d->incident);
	lease_free(d->lease);
	auth_free(d->auth);
	audit_free(d->audit);
	schema_registry_free(d->schemas);
	if (d->base)
		event_base_free(d->base);
	config_free(d->cfg);
}

/*
 * The database answered the migrations a moment ago: give the pool a few
 * seconds to connect before we take requests, so that the first writes do
 * not meet a pool that is merely still connecting.
 */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void wait_for_pool(struct lifelined *d)
{
	struct timeval tick = { 0, 50000 };
	int64_t deadline = clock_mono_ms() + 10000;
	struct event *ev = evtimer_new(d->base, on_tick, NULL);

	while (ev && !db_pool_up(d->db) && clock_mono_ms() < deadline) {
		evtimer_add(ev, &tick);
		event_base_loop(d->base, EVLOOP_ONCE);
	}
	if (ev)
		event_free(ev);
	if (!db_pool_up(d->db))
		log_warn("the database pool is not up yet; serving anyway (writes get 503 until it is)");
}

static int lifelined_run(struct lifelined *d)
{
	struct http_env env;
	struct timeval one_second = { 1, 0 };
	char err[1024];
	int port;
	PGconn *conn;

	conn = connect_and_migrate(d->cfg);
	if (!conn)
		return 1;
	PQfinish(conn);
	if (schema_registry_load(d->cfg->schema_dir, &d->schemas, err, sizeof(err)) != 0) {
		log_error("cannot load the schemas: %s", err);
		return 1;
	}
	{
		struct event_config *ec = event_config_new();

		if (!ec)
			return 1;
		/*
		 * evhttp turns reading off and on around every answer; the changelist
		 * folds those event_del/event_add pairs so they cost no epoll_ctl
		 * (tools/bench: 0.72 -> 0.84 of nginx). Safe: we never dup() a
		 * descriptor given to libevent.
		 */
		event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
		d->base = event_base_new_with_config(ec);
		event_config_free(ec);
	}
	/* Two priorities: the monitor's scheduling runs before other work (priority 0). */
	if (!d->base || event_base_priority_init(d->base, 2) != 0)
		return 1;
	if (work_pool_new(d->base, d->cfg->workers, &d->work) != 0 ||
		db_pool_new(d->base, d->cfg->db_conninfo, d->cfg->db_pool_size, &d->db) != 0 ||
		audit_new(d->db, &d->audit) != 0 ||
		lease_new(d->db, on_lease, d, &d->lease) != 0) {
		log_error("out of memory starting up");
		return 1;
	}
	db_pool_set_state_cb(d->db, on_db_state, d);
	db_pool_set_log_cb(d->db, on_db_log, d);
	wait_for_pool(d);
	env = (struct http_env){
		.base = d->base, .cfg = d->cfg, .db = d->db, .work = d->work, .audit = d->audit,
		.schemas = d->schemas, .is_leader = &d->is_leader,
	};
	if (auth_new(&env, &d->auth) != 0)
		return 1;
	env.auth = d->auth;
	if (http_server_new(&env, &d->http) != 0)
		return 1;
	d->sys.lease = d->lease;
	d->sys.monitor = &d->monitor;
	if (events_new(d->base, d->db, &d->events) != 0)
		return 1;
	if (incident_new(&env, d->events, d->cfg->doc, &d->incident, err, sizeof(err)) != 0) {
		log_error("bad configuration: %s", err);
		return 1;
	}
	if (departments_new(&env, d->events, d->cfg->doc, &d->departments, err, sizeof(err)) != 0) {
		log_error("bad configuration: %s", err);
		return 1;
	}
	if (!(d->curl = curlev_new(d->base))) {
		log_error("cannot start libcurl for the outbox");
		return 1;
	}
	if (outbox_new(&env, d->curl, d->cfg->doc, &d->outbox, err, sizeof(err)) != 0) {
		log_error("bad configuration: %s", err);
		return 1;
	}
	if (notices_new(&env, d->events, d->outbox, d->cfg->doc, &d->notices, err, sizeof(err)) != 0) {
		log_error("bad configuration: %s", err);
		return 1;
	}
	if (forms_new(&env, d->cfg->doc, &d->forms, err, sizeof(err)) != 0) {
		log_error("cannot load the paper forms: %s", err);
		return 1;
	}
	if (census_new(&env, d->curl, d->cfg->doc, &d->census, err, sizeof(err)) != 0) {
		log_error("bad configuration: %s", err);
		return 1;
	}
	if (api_system_add_routes(&d->sys, d->http) != 0 || auth_add_routes(d->auth, d->http) != 0 ||
		events_add_routes(d->events, d->http) != 0 ||
		incident_add_routes(d->incident, d->http) != 0 ||
		departments_add_routes(d->departments, d->http) != 0 ||
		outbox_add_routes(d->outbox, d->http) != 0 ||
		notices_add_routes(d->notices, d->http) != 0 ||
		forms_add_routes(d->forms, d->http) != 0 ||
		census_add_routes(d->census, d->http) != 0)
		return 1;
	if (json_object_get(d->cfg->doc, "monitor")) {
		if (monitor_new(d->base, json_object_get(d->cfg->doc, "monitor"), &d->monitor, err,
				sizeof(err)) != 0) {
			log_error("bad configuration: /monitor: %s", err);
			return 1;
		}
		monitor_set_change_cb(d->monitor, on_monitor_change, d);
	}
	if (d->cfg->test_clock)
		log_warn("testing.clock_control is on: admins can move this server's clock");
	if (http_server_listen(d->http, d->cfg->listen_host, d->cfg->listen_port, &port) != 0) {
		log_error("cannot listen on %s:%d: %s (is another lifelined running?)",
			d->cfg->listen_host, d->cfg->listen_port, strerror(errno));
		return 1;
	}
	notices_set_port(d->notices, d->cfg->listen_host, port);
	d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
	d->janitor = event_new(d->base, -1, EV_PERSIST, on_janitor, d);
	if (!d->sig_term || !d->sig_int || !d->sig_hup || !d->janitor ||
		evsignal_add(d->sig_term, NULL) || evsignal_add(d->sig_int, NULL) ||
		evsignal_add(d->sig_hup, NULL) || event_add(d->janitor, &one_second))
		return 1;
	lease_tick(d->lease);
	log_info("lifelined %s listening on http://%s:%d/ (pid %d)", LIFELINE_VERSION,
		d->cfg->listen_host, port, (int)getpid());
	event_base_dispatch(d->base);
	log_info("stopped");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "create-user", required_argument, NULL, 'u' },
		{ "role", required_argument, NULL, 'r' },
		{ "dept", required_argument, NULL, 'd' },
		{ "display-name", required_argument, NULL, 'n' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lifelined d = { 0 };
	const char *config_path = NULL, *new_user = NULL, *role = NULL, *dept = NULL, *dn = NULL;
	bool check = false, pw_stdin = false;
	char err[1024];
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'k': check = true; break;
		case 'u': new_user = optarg; break;
		case 'r': role = optarg; break;
		case 'd': dept = optarg; break;
		case 'n': dn = optarg; break;
		case 'p': pw_stdin = true; break;
		case 'V': printf("lifelined %s\n", LIFELINE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !config_path || (new_user && !role)) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_error("libcurl cannot start");
		return 1;
	}
	if (sodium_init() < 0) {
		log_error("libsodium cannot start");
		return 1;
	}
	if (config_load(config_path, &d.cfg, err, sizeof(err)) != 0) {
		log_error("bad configuration: %s", err);
		return 2;
	}
	log_min_level = log_level_parse(d.cfg->log_level);
	if (check) {
		struct schema_registry *reg = NULL;

		rc = schema_registry_load(d.cfg->schema_dir, &reg, err, sizeof(err));
		if (rc != 0)
			log_error("bad schema: %s", err);
		else
			printf("%s: configuration is valid (%zu schemas)\n", config_path,
				schema_registry_count(reg));
		schema_registry_free(reg);
		config_free(d.cfg);
		return rc ? 2 : 0;
	}
	if (new_user) {
		rc = create_user(d.cfg, new_user, role, dept, dn, pw_stdin);
		config_free(d.cfg);
		return rc;
	}
	rc = lifelined_run(&d);
	lifelined_stop(&d);
	curl_global_cleanup();
	return rc;
}

/*
 * probe_sql — one query against the HIS database, the pgbouncer way:
 * PQconnectStartParams, PQconnectPoll on the socket (PQsocket re-read at
 * every step: libpq may switch sockets while it tries addresses), then
 * PQsendQuery, PQflush, PQconsumeInput / PQisBusy / PQgetResult. A fresh
 * connection per probe, always closed with PQfinish.
 *
 * PQconnectStart resolves a host name with a blocking getaddrinfo(), so
 * probe_sql_prepare() resolves it once at load and adds hostaddr=.
 */
#include "probe_internal.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sql_step { SQL_CONNECTING, SQL_SENDING, SQL_READING };

static void sql_ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static bool is_numeric_host(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* hostaddr for a single host name, resolved now (at load). */
static int sql_resolve(probe_spec *spec, const char *host, const char *where,
	char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
	struct addrinfo *res = NULL;
	char addr[INET6_ADDRSTRLEN];
	int rc = getaddrinfo(host, NULL, &hints, &res);

	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "%s/conninfo: cannot resolve host \"%s\": %s", where, host,
			rc != 0 ? gai_strerror(rc) : "no address");
		return -1;
	}
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc != 0) {
		snprintf(err, errlen, "%s/conninfo: cannot resolve host \"%s\"", where, host);
		return -1;
	}
	spec->hostaddr = strdup(addr);
	return spec->hostaddr ? 0 : -1;
}

/* The value of a parsed option, NULL when unset or empty. */
static const char *opt_value(const PQconninfoOption *opts, const char *key)
{
	for (; opts->keyword != NULL; opts++)
		if (strcmp(opts->keyword, key) == 0)
			return opts->val && opts->val[0] ? opts->val : NULL;
	return NULL;
}

int probe_sql_prepare(probe_spec *spec, const char *conninfo, const char *where,
	char *err, size_t errlen)
{
	static const char *const shown[] = { "host", "hostaddr", "port", "dbname", "user", NULL };
	PQconninfoOption *opts;
	char *perr = NULL, endpoint[512] = "";
	const char *host, *hostaddr;
	size_t n = 0;
	int rc = 0;

	opts = PQconninfoParse(conninfo, &perr);
	if (opts == NULL) {
		char line[PROBE_REASON_MAX];

		probe_one_line(line, sizeof(line), perr ? perr : "out of memory");
		snprintf(err, errlen, "%s/conninfo: %s", where, line);
		PQfreemem(perr);
		return -1;
	}
	/* what a status page shows: never the password */
	for (size_t i = 0; shown[i] != NULL && n < sizeof(endpoint); i++) {
		const char *v = opt_value(opts, shown[i]);

		if (v != NULL)
			n += (size_t)snprintf(endpoint + n, sizeof(endpoint) - n, "%s%s=%s",
				n ? " " : "", shown[i], v);
	}
	host = opt_value(opts, "host");
	hostaddr = opt_value(opts, "hostaddr");
	if (hostaddr == NULL && host != NULL && host[0] != '/' && host[0] != '@' &&
	    !is_numeric_host(host)) {
		if (strchr(host, ',') != NULL) {
			snprintf(err, errlen, "%s/conninfo: several host names need hostaddr= "
				"(a name is resolved at load, and only one)", where);
			rc = -1;
		} else {
			rc = sql_resolve(spec, host, where, err, errlen);
		}
	}
	if (rc == 0) {
		spec->conninfo = strdup(conninfo);
		spec->endpoint = strdup(endpoint[0] ? endpoint : "(libpq defaults)");
		if (spec->conninfo == NULL || spec->endpoint == NULL)
			rc = -1;
	}
	PQconninfoFree(opts);
	return rc;
}

static void sql_event_cb(evutil_socket_t fd, short what, void *arg);

static void sql_fail_pg(probe_run *run)
{
	char line[PROBE_REASON_MAX];

	probe_one_line(line, sizeof(line), PQerrorMessage(run->pg));
	probe_finish(run, false, "%s", line[0] ? line : "connection failed");
}

static void sql_arm(probe_run *run, short what)
{
	event_del(run->pg_ev);
	if (PQsocket(run->pg) < 0 ||
	    event_assign(run->pg_ev, run->env->base, PQsocket(run->pg), what, sql_event_cb, run) != 0 ||
	    event_add(run->pg_ev, NULL) != 0)
		probe_finish(run, false, "cannot watch the connection's socket");
}

static void sql_flush(probe_run *run)
{
	switch (PQflush(run->pg)) {
	case 0:
		run->pg_step = SQL_READING;
		sql_arm(run, EV_READ);
		break;
	case 1:
		sql_arm(run, EV_READ | EV_WRITE);
		break;
	default:
		sql_fail_pg(run);
		break;
	}
}

static void sql_connected(probe_run *run)
{
	if (PQsetnonblocking(run->pg, 1) != 0 || !PQsendQuery(run->pg, run->spec->query)) {
		sql_fail_pg(run);
		return;
	}
	run->pg_step = SQL_SENDING;
	sql_flush(run);
}

/* Every result of the query is read; the first bad one decides. */
static void sql_collect(probe_run *run)
{
	PGresult *res;

	while (!PQisBusy(run->pg)) {
		ExecStatusType st;

		res = PQgetResult(run->pg);
		if (res == NULL) {
			if (run->pg_error[0])
				probe_finish(run, false, "%s", run->pg_error);
			else if (!run->pg_have_result)
				probe_finish(run, false, "no result");
			else
				probe_finish(run, true, NULL);
			return;
		}
		st = PQresultStatus(res);
		run->pg_have_result = true;
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && !run->pg_error[0]) {
			char line[PROBE_REASON_MAX / 2];

			probe_one_line(line, sizeof(line), PQresultErrorMessage(res));
			snprintf(run->pg_error, sizeof(run->pg_error), "%s: %s",
				PQresStatus(st), line[0] ? line : "no message");
		}
		PQclear(res);
	}
	sql_arm(run, EV_READ);
}

static void sql_event_cb(evutil_socket_t fd, short what, void *arg)
{
	probe_run *run = arg;

	(void)fd;
	switch (run->pg_step) {
	case SQL_CONNECTING:
		switch (PQconnectPoll(run->pg)) {
		case PGRES_POLLING_READING:
			sql_arm(run, EV_READ);
			break;
		case PGRES_POLLING_WRITING:
			sql_arm(run, EV_WRITE);
			break;
		case PGRES_POLLING_OK:
			sql_connected(run);
			break;
		default:
			sql_fail_pg(run);
			break;
		}
		break;
	case SQL_SENDING:
		if ((what & EV_READ) && !PQconsumeInput(run->pg)) {
			sql_fail_pg(run);
			return;
		}
		sql_flush(run);
		break;
	case SQL_READING:
		if (!PQconsumeInput(run->pg)) {
			sql_fail_pg(run);
			return;
		}
		sql_collect(run);
		break;
	}
}

void probe_sql_start(probe_run *run)
{
	const probe_spec *s = run->spec;
	char timeout[16];
	const char *keys[] = { "application_name", "dbname", "connect_timeout", "hostaddr", NULL };
	const char *vals[] = { "lifeline-monitor", s->conninfo, timeout, s->hostaddr, NULL };

	/* libpq's own timeout (whole seconds, at least 2); ours is the timer */
	snprintf(timeout, sizeof(timeout), "%d", run->timeout_ms < 2000 ? 2 :
		(run->timeout_ms + 999) / 1000);
	if (s->hostaddr == NULL)
		keys[3] = NULL;
	run->pg_ev = event_new(run->env->base, -1, 0, sql_event_cb, run);
	/* expand_dbname: the conninfo's keys come in at "dbname"; later keys win */
	run->pg = PQconnectStartParams(keys, vals, 1);
	if (run->pg_ev == NULL || run->pg == NULL) {
		probe_fail_soon(run, "out of memory");
		return;
	}
	if (PQstatus(run->pg) == CONNECTION_BAD) {
		char line[PROBE_REASON_MAX];

		probe_one_line(line, sizeof(line), PQerrorMessage(run->pg));
		probe_fail_soon(run, "%s", line[0] ? line : "connection failed");
		return;
	}
	PQsetNoticeProcessor(run->pg, sql_ignore_notice, NULL);
	run->pg_step = SQL_CONNECTING;
	/* libpq: begin as if PQconnectPoll had returned PGRES_POLLING_WRITING */
	if (PQsocket(run->pg) < 0 ||
	    event_assign(run->pg_ev, run->env->base, PQsocket(run->pg), EV_WRITE, sql_event_cb, run) != 0 ||
	    event_add(run->pg_ev, NULL) != 0)
		probe_fail_soon(run, "cannot watch the connection's socket");
}

void probe_sql_stop(probe_run *run)
{
	if (run->pg_ev != NULL)
		event_free(run->pg_ev);
	run->pg_ev = NULL;
	if (run->pg != NULL)
		PQfinish(run->pg);
	run->pg = NULL;
}

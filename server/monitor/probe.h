/*
 * probe — one heartbeat check of one HIS subsystem, on the event loop:
 *
 *   http  GET a URL through curlev; ok when the status is the expected one
 *         (default: any 2xx) and, if given, the body contains a text.
 *         Redirects are not followed unless "follow_redirects" is true.
 *         A fresh connection every time (a kept-alive one would hide a
 *         listener that stopped accepting).
 *   tcp   a non-blocking connect; ok once connected.
 *   mllp  HL7 v2 over MLLP: connect, send a neutral message (MSH only,
 *         QRY^Q01, a control id unique per probe), read the reply frame,
 *         ok when MSA-1 is AA or CA (and MSA-2 echoes our control id).
 *   sql   libpq against the HIS database: PQconnectStartParams /
 *         PQconnectPoll on the socket (re-read at every step), PQsendQuery,
 *         results; ok on PGRES_TUPLES_OK or PGRES_COMMAND_OK. Always PQfinish.
 *
 * Every probe has a real libevent timer of timeout_ms: it never takes
 * longer, whatever the peer does ("http his-core: timeout after 2000 ms").
 *
 * Names are resolved ONCE, when the config is loaded (probe_spec_new, a
 * blocking getaddrinfo — acceptable at start-up, never inside a probe):
 * tcp/mllp hosts become addresses; an sql conninfo whose host is a name
 * gets hostaddr= added. http leaves names to libcurl's threaded resolver.
 * A name that no longer resolves to the same address needs a reload.
 *
 * Reasons are one line for operators: "<type> <target>: <what>", e.g.
 * "http his-core: connection refused", "mllp lis: MSA AE".
 *
 * Ownership: a probe_spec is immutable after probe_spec_new and must
 * outlive every run started from it. A run belongs to the module from
 * probe_start until its callback was called or probe_cancel returned; the
 * callback runs on the loop, never from inside probe_start, exactly once
 * unless the run is cancelled. The reason passed to it is valid during the
 * call only. Loop thread only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "curlev.h"
#include "errors.h"

struct event_base;

enum probe_type { PROBE_HTTP, PROBE_TCP, PROBE_MLLP, PROBE_SQL };

/* What probes share: the loop and the HTTP client on it. */
struct probe_env {
	struct event_base *base;
	curlev *curl;
};

typedef struct probe_spec probe_spec;
typedef struct probe_run probe_run;

/* ok: the check passed (reason NULL); else reason says why, one line. */
typedef void (*probe_done_cb)(bool ok, const char *reason, void *arg);

/*
 * Build a probe from its config object (see schemas/monitor.schema.json),
 * for the target named target. LL_EINVAL with a message in err ("probes/1:
 * port must be 1..65535"; where names the place, e.g. "targets/2/probes/1")
 * for a bad object or a host that does not resolve; LL_ENOMEM.
 */
/*
 * The config's integers, read one way for probes and targets alike: absent
 * leaves *out alone (0); present but not an integer in lo..hi is -1 with
 * "WHERE/KEY: must be an integer LO..HI" in err.
 */
int probe_json_int(const json_t *obj, const char *key, long lo, long hi, long *out,
	const char *where, char *err, size_t errlen);

int probe_spec_new(const json_t *obj, const char *target, const char *where,
	probe_spec **out, char *err, size_t errlen) LL_MUST_CHECK;
void probe_spec_free(probe_spec *spec);

enum probe_type probe_spec_type(const probe_spec *spec);
/* "http", "tcp", "mllp", "sql". */
const char *probe_type_name(enum probe_type type);
/* For status pages: the URL, "host:port", or the conninfo without password. */
const char *probe_spec_endpoint(const probe_spec *spec);

/*
 * Start one check; 0 and *out (for probe_cancel), or LL_ENOMEM. Failures to
 * set up (no socket, ...) are reported through cb like any other failure.
 */
int probe_start(const struct probe_env *env, const probe_spec *spec, int timeout_ms,
	probe_done_cb cb, void *arg, probe_run **out) LL_MUST_CHECK;

/* Stop a run without calling its callback; frees it. NULL is a no-op. */
void probe_cancel(probe_run *run);

/*
 * The MLLP reply check, exposed for tests and fuzzing: data/len is the
 * frame's content (between 0x0B and 0x1C). true when MSA-1 is AA or CA and
 * MSA-2, if present, equals control_id; else false with a reason
 * ("MSA AE: unknown message type", "no MSA segment in the reply").
 */
bool probe_mllp_check_ack(const char *data, size_t len, const char *control_id,
	char *reason, size_t reasonlen);

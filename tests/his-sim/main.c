/*
 * his-sim — the bundled HIS simulator: start-up, command line, state file,
 * signals. The simulated targets live in sim.c (their HL7 MLLP side in
 * mllp.c), the control API in control.c, the FHIR census in fhir.c (served
 * by the target named MAIN_FHIR_TARGET, when there is one).
 *
 * Exit codes: 0 stopped by SIGTERM/SIGINT (or --help/--version), 1 could not
 * start (a port taken, the state file not writable), 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "lifeline_build.h"
#include "census.h"
#include "control.h"
#include "fhir.h"
#include "sim.h"
#include "simnet.h"

#define MAIN_ERR_MAX 512
#define MAIN_DEFAULT_SEED 1
#define MAIN_FHIR_TARGET "his-core"

struct main_opts {
	char control_host[SIMNET_HOST_MAX + 1];
	int control_port;
	struct sim_target_spec targets[SIM_TARGETS_MAX];
	size_t n_targets;
	const char *mllp;   /* --mllp as given, applied once the targets are known */
	bool no_mllp;
	const char *state_file;
	uint64_t seed;
	struct census_day census_day;
};

static void main_usage(FILE *out)
{
	fprintf(out,
	    "usage: his-sim [--control HOST:PORT] [--targets NAME=PORT,...]\n"
	    "               [--mllp NAME=PORT,... | --no-mllp]\n"
	    "               [--state-file FILE] [--seed N] [--census-date YYYY-MM-DD]\n"
	    "               [--version] [--help]\n"
	    "\n"
	    "Simulates a hospital HIS for Lifeline: each target (subsystem) answers\n"
	    "GET /health on its own port of 127.0.0.1, and HL7 v2 messages over MLLP\n"
	    "with an ACK on another; his-core also serves a demo hospital's census as\n"
	    "FHIR R4 under /fhir (see tests/his-sim/README.md); a control API makes\n"
	    "targets go down, come up, turn slow or flaky (both sides of a target alike).\n"
	    "\n"
	    "  --control HOST:PORT   control API address (default 127.0.0.1:0)\n"
	    "  --targets LIST        the targets to simulate, NAME=PORT or NAME (port 0:\n"
	    "                        the kernel chooses), comma-separated (default\n"
	    "                        his-core,his-db,lis,pacs,emr,insurance, all port 0)\n"
	    "  --mllp LIST           the targets with an MLLP listener, NAME=PORT or NAME\n"
	    "                        (port 0: the kernel chooses), comma-separated\n"
	    "                        (default: every target, port 0)\n"
	    "  --no-mllp             no MLLP listener at all\n"
	    "  --state-file FILE     once listening, write {\"pid\",\"control\",\"targets\",\n"
	    "                        \"mllp\",\"fhir\"} there as JSON (atomically), removed\n"
	    "                        on exit (fhir: the census's base URL, or null)\n"
	    "  --seed N              default seed of /control/flaky (default %d)\n"
	    "  --census-date DAY     the day the demo census describes (default %s);\n"
	    "                        the same day gives the same census, every run\n"
	    "  --version             print the version and exit\n"
	    "  --help                print this help and exit\n"
	    "\n"
	    "Control API (JSON):\n"
	    "  POST /control/down?target=NAME&mode=refuse|503|hang\n"
	    "  POST /control/up?target=NAME\n"
	    "  POST /control/slow?target=NAME&ms=N\n"
	    "  POST /control/flaky?target=NAME&p=0.3&seed=N\n"
	    "  POST /control/reset      GET /control/stats\n"
	    "  POST /control/census?fail_after=N|off&mode=503|drop|down\n"
	    "Without target, a command applies to every target.\n",
	    MAIN_DEFAULT_SEED, CENSUS_DEFAULT_DAY);
}

__attribute__((format(printf, 1, 2)))
static int main_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("his-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try --help)\n", stderr);
	return -1;
}

static int main_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_C(9223372036854775807) - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int main_add_target(struct main_opts *o, const char *name, int port)
{
	if (!sim_name_valid(name))
		return main_usage_error("--targets: bad target name '%s' (lower-case letters, "
		    "digits, - and _, at most %d)", name, SIM_NAME_MAX);
	if (o->n_targets == SIM_TARGETS_MAX)
		return main_usage_error("--targets: at most %d targets", SIM_TARGETS_MAX);
	for (size_t i = 0; i < o->n_targets; i++) {
		if (strcmp(o->targets[i].name, name) == 0)
			return main_usage_error("--targets: '%s' is named twice", name);
		if (port != 0 && o->targets[i].port == port)
			return main_usage_error("--targets: port %d is given twice", port);
	}
	snprintf(o->targets[o->n_targets].name, sizeof(o->targets[0].name), "%s", name);
	o->targets[o->n_targets].port = port;
	o->targets[o->n_targets].mllp_port = -1;
	o->n_targets++;
	return 0;
}

typedef int (*main_add_fn)(struct main_opts *o, const char *name, int port);

/* Gives every mllp_port named in --mllp; the others get none (-1). */
static int main_add_mllp(struct main_opts *o, const char *name, int port)
{
	struct sim_target_spec *found = NULL;

	for (size_t i = 0; i < o->n_targets; i++) {
		struct sim_target_spec *t = &o->targets[i];

		if (strcmp(t->name, name) == 0)
			found = t;
		if (port != 0 && (t->port == port || t->mllp_port == port))
			return main_usage_error("--mllp: port %d is given twice", port);
	}
	if (found == NULL)
		return main_usage_error("--mllp: '%s' is not a target (see --targets)", name);
	if (found->mllp_port >= 0)
		return main_usage_error("--mllp: '%s' is named twice", name);
	found->mllp_port = port;
	return 0;
}

/* "his-core=18001,lis=18002,pacs": calls add for each item, port 0 when not given. */
static int main_parse_list(struct main_opts *o, const char *opt, const char *arg,
    main_add_fn add)
{
	char *copy = strdup(arg), *save = NULL, *item;
	size_t n = 0;
	int rc = 0;

	if (copy == NULL)
		return main_usage_error("out of memory");
	for (item = strtok_r(copy, ",", &save); item != NULL && rc == 0;
	    item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int port = 0;

		if (eq != NULL) {
			*eq = '\0';
			if (simnet_parse_port(eq + 1, &port) != 0) {
				rc = main_usage_error("%s: bad port '%s' for %s", opt, eq + 1, item);
				break;
			}
		}
		rc = add(o, item, port);
		n++;
	}
	free(copy);
	if (rc == 0 && n == 0)
		rc = main_usage_error("%s: name at least one target", opt);
	return rc;
}

/* The MLLP ports, once --targets is known whatever the order of the options. */
static int main_apply_mllp(struct main_opts *o)
{
	if (o->no_mllp && o->mllp != NULL)
		return main_usage_error("--mllp and --no-mllp contradict each other");
	for (size_t i = 0; i < o->n_targets; i++)
		o->targets[i].mllp_port = o->no_mllp || o->mllp != NULL ? -1 : 0;
	if (o->mllp == NULL)
		return 0;
	return main_parse_list(o, "--mllp", o->mllp, main_add_mllp);
}

/* 1: stop with 0 (help, version); 0: run; -1: usage error. */
static int main_parse_args(struct main_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "targets", required_argument, NULL, 't' },
		{ "mllp", required_argument, NULL, 'm' },
		{ "no-mllp", no_argument, NULL, 'M' },
		{ "state-file", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "census-date", required_argument, NULL, 'D' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	snprintf(o->control_host, sizeof(o->control_host), "127.0.0.1");
	o->control_port = 0;
	o->seed = MAIN_DEFAULT_SEED;
	if (census_day_parse(CENSUS_DEFAULT_DAY, &o->census_day) != 0)
		return main_usage_error("internal: bad default census day");
	for (size_t i = 0; i < sim_default_target_count; i++) {
		if (main_add_target(o, sim_default_targets[i], 0) != 0)
			return -1;
	}
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (simnet_parse_hostport(optarg, o->control_host, &o->control_port) != 0)
				return main_usage_error("--control wants HOST:PORT, not '%s'", optarg);
			break;
		case 't':
			o->n_targets = 0;
			if (main_parse_list(o, "--targets", optarg, main_add_target) != 0)
				return -1;
			break;
		case 'm':
			o->mllp = optarg;
			break;
		case 'M':
			o->no_mllp = true;
			break;
		case 's':
			if (optarg[0] == '\0')
				return main_usage_error("--state-file wants a file name");
			o->state_file = optarg;
			break;
		case 'S':
			if (main_parse_u64(optarg, &o->seed) != 0)
				return main_usage_error("--seed wants a whole number, not '%s'", optarg);
			break;
		case 'D':
			if (census_day_parse(optarg, &o->census_day) != 0)
				return main_usage_error("--census-date wants a day as YYYY-MM-DD, not '%s'",
				    optarg);
			break;
		case 'V':
			printf("his-sim (Lifeline) %s\n", LIFELINE_VERSION);
			return 1;
		case 'h':
			main_usage(stdout);
			return 1;
		default:
			return main_usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return main_usage_error("unexpected argument '%s'", argv[optind]);
	return main_apply_mllp(o);
}

/* Writes the state file through a temporary file and rename(), so a reader never sees half. */
static int main_write_state(const char *path, struct sim *sim, int control_port,
    char *err, size_t errlen)
{
	json_t *targets = json_object(), *mllp = json_object(), *fhir = json_null(), *state = NULL;
	char tmp[4096];
	FILE *f = NULL;
	int rc = -1;

	for (size_t i = 0; targets != NULL && i < sim_target_count(sim); i++) {
		struct sim_target *t = sim_target_at(sim, i);

		if (json_object_set_new(targets, sim_target_name(t),
		    json_integer(sim_target_port(t))) != 0) {
			json_decref(targets);
			targets = NULL;
		}
	}
	for (size_t i = 0; mllp != NULL && i < sim_target_count(sim); i++) {
		struct sim_target *t = sim_target_at(sim, i);

		if (sim_target_mllp_port(t) >= 0 && json_object_set_new(mllp, sim_target_name(t),
		    json_integer(sim_target_mllp_port(t))) != 0) {
			json_decref(mllp);
			mllp = NULL;
		}
	}
	for (size_t i = 0; i < sim_target_count(sim); i++) {
		struct sim_target *t = sim_target_at(sim, i);
		char url[64];

		if (sim_target_fhir(t) != NULL) {
			snprintf(url, sizeof(url), "http://127.0.0.1:%d/fhir", sim_target_port(t));
			fhir = json_string(url);
		}
	}
	if (targets != NULL && mllp != NULL && fhir != NULL)
		state = json_pack("{s:I, s:i, s:o, s:o, s:o}", "pid", (json_int_t)getpid(),
		    "control", control_port, "targets", targets, "mllp", mllp, "fhir", fhir);
	else {
		json_decref(targets);
		json_decref(mllp);
		json_decref(fhir);
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "state file name too long");
		goto out;
	}
	if (state == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	f = fopen(tmp, "w");
	if (f == NULL || json_dumpf(state, f, JSON_COMPACT) != 0 || fputc('\n', f) == EOF ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "cannot write %.200s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "cannot write %.200s: %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %.200s to %.200s: %s", tmp, path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	if (rc != 0)
		unlink(tmp);
	json_decref(state);
	return rc;
}

/*
 * slow promises "at least slow_ms": libevent's default clock is
 * CLOCK_MONOTONIC_COARSE (a 4 ms tick here), with which a timer may fire
 * up to a tick early. The precise clock costs a vDSO call per loop turn.
 */
static struct event_base *main_event_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base = NULL;

	if (cfg != NULL && event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) == 0)
		base = event_base_new_with_config(cfg);
	if (cfg != NULL)
		event_config_free(cfg);
	return base;
}

static void main_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	fprintf(stderr, "his-sim: stopping on %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	struct main_opts opts;
	struct event_base *base = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	struct sim *sim = NULL;
	struct fhir *fhir = NULL;
	struct control *control = NULL;
	struct sim_target *fhir_target;
	char err[MAIN_ERR_MAX];
	int rc = 1, parsed;

	memset(&opts, 0, sizeof(opts));
	parsed = main_parse_args(&opts, argc, argv);
	if (parsed != 0)
		return parsed > 0 ? 0 : 2;
	/* A client that hangs up mid-answer must not kill the simulator. */
	signal(SIGPIPE, SIG_IGN);

	base = main_event_base_new();
	if (base == NULL) {
		fprintf(stderr, "his-sim: cannot create the event loop\n");
		goto out;
	}
	/* Signals first: a SIGTERM right after start-up must still stop cleanly. */
	sigterm = evsignal_new(base, SIGTERM, main_signal_cb, base);
	sigint = evsignal_new(base, SIGINT, main_signal_cb, base);
	if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) != 0 ||
	    evsignal_add(sigint, NULL) != 0) {
		fprintf(stderr, "his-sim: cannot handle signals\n");
		goto out;
	}
	fhir = fhir_new(opts.census_day, err, sizeof(err));
	if (fhir == NULL) {
		fprintf(stderr, "his-sim: census: %s\n", err);
		goto out;
	}
	sim = sim_new(base, opts.targets, opts.n_targets, opts.seed, err, sizeof(err));
	if (sim == NULL) {
		fprintf(stderr, "his-sim: %s; choose other ports with --targets or --mllp\n", err);
		goto out;
	}
	fhir_target = sim_target_find(sim, MAIN_FHIR_TARGET);
	if (fhir_target != NULL)
		sim_target_set_fhir(fhir_target, fhir);
	control = control_new(base, sim, opts.control_host, opts.control_port, err, sizeof(err));
	if (control == NULL) {
		fprintf(stderr, "his-sim: control: %s; choose another with --control\n", err);
		goto out;
	}
	for (size_t i = 0; i < sim_target_count(sim); i++) {
		struct sim_target *t = sim_target_at(sim, i);
		fprintf(stderr, "his-sim: target %s on http://127.0.0.1:%d/\n",
		    sim_target_name(t), sim_target_port(t));
		if (sim_target_mllp_port(t) >= 0)
			fprintf(stderr, "his-sim: target %s MLLP on 127.0.0.1:%d\n",
			    sim_target_name(t), sim_target_mllp_port(t));
		if (sim_target_fhir(t) != NULL)
			fprintf(stderr, "his-sim: target %s FHIR census on http://127.0.0.1:%d/fhir\n",
			    sim_target_name(t), sim_target_port(t));
	}
	if (opts.state_file != NULL &&
	    main_write_state(opts.state_file, sim, control_port(control), err, sizeof(err)) != 0) {
		fprintf(stderr, "his-sim: state file: %s\n", err);
		goto out;
	}
	fprintf(stderr, "his-sim: control on http://%s%s%s:%d/\n",
	    strchr(opts.control_host, ':') ? "[" : "", opts.control_host,
	    strchr(opts.control_host, ':') ? "]" : "", control_port(control));

	if (event_base_dispatch(base) < 0) {
		fprintf(stderr, "his-sim: event loop failed\n");
		goto out;
	}
	if (opts.state_file != NULL)
		unlink(opts.state_file);
	rc = 0;
out:
	control_free(control);
	sim_free(sim);
	fhir_free(fhir);
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	if (base != NULL)
		event_base_free(base);
	libevent_global_shutdown();
	return rc;
}

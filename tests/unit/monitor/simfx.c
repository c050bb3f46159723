/* simfx — see simfx.h. */
#include "simfx.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

struct simfx fx;

int64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

void control(const char *fmt, ...)
{
	char path[256], url[320];
	CURL *e = curl_easy_init();
	long status = 0;
	CURLcode rc;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/control/%s", fx.control, path);
	assert_non_null(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	if (rc != CURLE_OK || status != 200)
		fail_msg("his-sim control %s: %s, HTTP %ld", path, curl_easy_strerror(rc), status);
}

int sim_port(const char *kind, const char *target)
{
	return (int)json_integer_value(json_object_get(json_object_get(fx.state, kind), target));
}

static int start_his_sim(void)
{
	const char *bin = getenv("HIS_SIM");
	char statef[128];
	int64_t deadline = real_ms() + 10000;
	int status;

	if (bin == NULL) {
		fprintf(stderr, "test_probes: HIS_SIM is not set (meson sets it)\n");
		return -1;
	}
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/lifeline-montest-XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	snprintf(statef, sizeof(statef), "%s/state.json", fx.dir);
	fx.pid = fork();
	if (fx.pid < 0)
		return -1;
	if (fx.pid == 0) {
		execl(bin, "his-sim", "--control", "127.0.0.1:0", "--state-file", statef, (char *)NULL);
		_exit(127);
	}
	/* his-sim writes the file atomically once every listener is up */
	while ((fx.state = json_load_file(statef, 0, NULL)) == NULL) {
		struct timespec nap = { 0, 10 * 1000000 };

		if (waitpid(fx.pid, &status, WNOHANG) == fx.pid || real_ms() > deadline) {
			fprintf(stderr, "test_probes: his-sim did not start\n");
			fx.pid = 0;
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	fx.control = (int)json_integer_value(json_object_get(fx.state, "control"));
	return 0;
}

int simfx_setup(void **state)
{
	struct timeval tv = { 0, 50 * 1000 };
	char path[512];
	const char *root = getenv("LIFELINE_SOURCE_ROOT");
	jsonschema_error err;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(path, sizeof(path), "%s/schemas/monitor.schema.json", root ? root : ".");
	if (jsonschema_load_file(path, &fx.schema, &err) != 0)
		return -1;
	if (start_his_sim() != 0)
		return -1;
	if (pgtest_create(&fx.pg) != 0)
		return -1;
	fx.base = event_base_new();
	fx.tick = event_new(fx.base, -1, EV_PERSIST, tick_cb, NULL);
	if (fx.base == NULL || fx.tick == NULL || event_add(fx.tick, &tv) != 0)
		return -1;
	fx.env.base = fx.base;
	fx.env.curl = curlev_new(fx.base);
	return fx.env.curl ? 0 : -1;
}

int simfx_teardown(void **state)
{
	char path[128];

	(void)state;
	curlev_free(fx.env.curl);
	if (fx.tick)
		event_free(fx.tick);
	if (fx.base)
		event_base_free(fx.base);
	pgtest_destroy(&fx.pg);
	if (fx.pid > 0) {
		kill(fx.pid, SIGTERM);
		waitpid(fx.pid, NULL, 0);
	}
	json_decref(fx.state);
	snprintf(path, sizeof(path), "%s/state.json", fx.dir);
	unlink(path);
	rmdir(fx.dir);
	jsonschema_free(fx.schema);
	curl_global_cleanup();
	libevent_global_shutdown();
	return 0;
}

int simfx_reset(void **state)
{
	(void)state;
	control("reset");
	return 0;
}


/*
 * pgtest — a throwaway PostgreSQL cluster for the db tests: initdb in a temp
 * dir, a server on a unix socket in that dir, stop/start on demand (the tests
 * take the server away under the pool), and removal at the end.
 *
 * As root the PostgreSQL tools run as user postgres (runuser), otherwise as
 * the current user. The tools are taken from $LIFELINE_PG_BINDIR, by default
 * /usr/lib/postgresql/15/bin. A watchdog process stops the server and removes
 * the dir if the test process dies without cleaning up (crash, sanitizer).
 * Blocking calls (system()) are fine here: this is test code, off any loop.
 */
#pragma once

#include <stdbool.h>

struct pgtest {
	char dir[128];
	char conninfo[256];
	int port;
	int watchdog_fd; /* write end; the watchdog cleans up at EOF */
	int watchdog_pid;
	bool running;
};

/* initdb + start; 0 or -1 (then nothing is left behind). */
int pgtest_create(struct pgtest *pg);
/* pg_ctl start -w / pg_ctl -m MODE stop -w ("fast", "immediate"); 0 or -1. */
int pgtest_start(struct pgtest *pg);
int pgtest_stop(struct pgtest *pg, const char *mode);
/* Stop (immediate) and remove the cluster. */
void pgtest_destroy(struct pgtest *pg);

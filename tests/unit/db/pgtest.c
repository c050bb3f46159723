/* pgtest — see pgtest.h. */
#include "pgtest.h"

#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bindir(void)
{
	const char *d = getenv("LIFELINE_PG_BINDIR");

	return d && *d ? d : "/usr/lib/postgresql/15/bin";
}

/* Run a PostgreSQL tool as the cluster's owner; output goes to DIR/tools.log. */
__attribute__((format(printf, 2, 3)))
static int run_tool(const struct pgtest *pg, const char *fmt, ...)
{
	char cmd[1024], line[1280];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "%s%s/%s >>%s/tools.log 2>&1",
		geteuid() == 0 ? "runuser -u postgres -- " : "", bindir(), cmd,
		pg->dir);
	rc = system(line);
	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0 ? 0 : -1;
}

/* A port nobody listens on now (the server only uses it to name its socket). */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void cleanup_command(const struct pgtest *pg, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s/pg_ctl -D %s/data -m immediate stop >/dev/null 2>&1; "
		"rm -rf %s", geteuid() == 0 ? "runuser -u postgres -- " : "",
		bindir(), pg->dir, pg->dir);
}

/* A child in its own session that cleans up when our end of the pipe closes. */
static int start_watchdog(struct pgtest *pg)
{
	char cmd[1024], c;
	int fds[2];
	pid_t pid;

	cleanup_command(pg, cmd, sizeof cmd);
	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[1]);
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		/* a byte: the test cleaned up itself; EOF: it died */
		if (read(fds[0], &c, 1) == 1)
			_exit(0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	pg->watchdog_fd = fds[1];
	pg->watchdog_pid = (int)pid;
	return 0;
}

int pgtest_create(struct pgtest *pg)
{
	char tmpl[] = "/tmp/lifeline-dbtest-XXXXXX";

	memset(pg, 0, sizeof *pg);
	pg->watchdog_fd = -1;
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(pg->dir, sizeof pg->dir, "%s", tmpl);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("postgres");

		if (!pw || chown(pg->dir, pw->pw_uid, pw->pw_gid) != 0)
			goto fail;
	}
	pg->port = free_port();
	if (pg->port < 0 || start_watchdog(pg) != 0)
		goto fail;
	snprintf(pg->conninfo, sizeof pg->conninfo,
		"host=%s port=%d dbname=postgres user=postgres", pg->dir, pg->port);
	if (run_tool(pg, "initdb -D %s/data -U postgres -A trust -E UTF8 "
		"--locale=C.UTF-8 --no-sync", pg->dir) != 0) {
		fprintf(stderr, "pgtest: initdb failed, see %s/tools.log\n", pg->dir);
		goto fail;
	}
	if (pgtest_start(pg) != 0)
		goto fail;
	return 0;
fail:
	pgtest_destroy(pg);
	return -1;
}

int pgtest_start(struct pgtest *pg)
{
	if (run_tool(pg, "pg_ctl -D %s/data -l %s/log -w -t 60 "
		"-o \"-p %d -k %s -c listen_addresses='' -c fsync=off\" start",
		pg->dir, pg->dir, pg->port, pg->dir) != 0) {
		fprintf(stderr, "pgtest: pg_ctl start failed, see %s/log\n", pg->dir);
		return -1;
	}
	pg->running = true;
	return 0;
}

int pgtest_stop(struct pgtest *pg, const char *mode)
{
	if (run_tool(pg, "pg_ctl -D %s/data -m %s -w -t 60 stop", pg->dir, mode) != 0)
		return -1;
	pg->running = false;
	return 0;
}

void pgtest_destroy(struct pgtest *pg)
{
	char cmd[1024];

	if (!pg->dir[0])
		return;
	if (pg->running)
		pgtest_stop(pg, "immediate");
	cleanup_command(pg, cmd, sizeof cmd);
	if (system(cmd) == -1)
		fprintf(stderr, "pgtest: cannot remove %s\n", pg->dir);
	if (pg->watchdog_fd >= 0) {
		if (write(pg->watchdog_fd, "x", 1) != 1)
			fprintf(stderr, "pgtest: cannot stop the watchdog\n");
		close(pg->watchdog_fd);
		waitpid((pid_t)pg->watchdog_pid, NULL, 0);
	}
	memset(pg, 0, sizeof *pg);
	pg->watchdog_fd = -1;
}

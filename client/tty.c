#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The terminal to put back if a signal arrives while echo is off. */
static volatile sig_atomic_t restore_armed;
static int restore_fd = -1;
static struct termios restore_state;

static const int fatal_signals[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};
#define NSIGNALS (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

static void on_fatal_signal(int sig)
{
	if (restore_armed)
		(void)tcsetattr(restore_fd, TCSAFLUSH, &restore_state);
	/* Die of the signal, as the shell expects. */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads up to '\n' or end of file, one byte at a time so nothing past it is consumed. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;
	bool too_big = false;

	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return LL_EIO;
		}
		if (n == 0 || c == '\n')
			break;
		if (len + 1 < size)
			buf[len++] = c;
		else
			too_big = true;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return too_big ? LL_ETOOBIG : 0;
}

int tty_read_secret(const char *prompt, char *buf, size_t size)
{
	struct sigaction sa, old[NSIGNALS];
	struct termios quiet;
	int fd, rc, saved_errno;

	buf[0] = '\0';
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return LL_ENOTFOUND;
	if (tcgetattr(fd, &restore_state) != 0) {
		close(fd);
		return LL_ENOTFOUND;
	}
	restore_fd = fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(fatal_signals[i], &sa, &old[i]);

	quiet = restore_state;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	restore_armed = 1;
	/* Echo goes off before the prompt shows, so nothing typed after it is seen. */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		rc = LL_EIO;
	} else {
		(void)!write(fd, prompt, strlen(prompt));
		rc = read_line(fd, buf, size);
	}
	saved_errno = errno;
	(void)tcsetattr(fd, TCSAFLUSH, &restore_state);
	restore_armed = 0;
	/* The newline the person typed was not echoed. */
	(void)!write(fd, "\n", 1);

	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(fatal_signals[i], &old[i], NULL);
	restore_fd = -1;
	close(fd);
	errno = saved_errno;
	return rc;
}

int tty_read_stdin_line(char *buf, size_t size)
{
	return read_line(STDIN_FILENO, buf, size);
}

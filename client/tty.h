/*
 * tty — reading a secret: from the terminal without echo, or the first line
 * of standard input for scripts.
 *
 * The terminal is /dev/tty, not stdin, so `lifeline login nurse < file`
 * still asks the person at the keyboard. While echo is off, SIGINT, SIGTERM,
 * SIGQUIT and SIGHUP restore the terminal before the process dies of them.
 *
 * Both functions fill buf with a NUL-terminated line without its "\n" (or
 * "\r\n") and return 0, or: LL_ENOTFOUND (no terminal), LL_EIO (read error,
 * errno says why), LL_ETOOBIG (the line does not fit). The caller wipes buf
 * (explicit_bzero) when done with it.
 */
#pragma once

#include <stddef.h>

#include "errors.h"

int tty_read_secret(const char *prompt, char *buf, size_t size) LL_MUST_CHECK;
int tty_read_stdin_line(char *buf, size_t size) LL_MUST_CHECK;

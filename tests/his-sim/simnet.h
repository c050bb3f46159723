/*
 * simnet — the few socket chores his-sim does itself rather than through
 * evhttp_bind_socket(): opening a listening socket with SO_REUSEADDR (so a
 * target that was "refused" can take the very same port back while old
 * connections linger in TIME_WAIT), reading back the port the kernel chose
 * for port 0, and splitting a HOST:PORT argument.
 *
 * Errors are reported as -1 plus a human message in the caller's buffer; no
 * function here keeps state or allocates memory that outlives the call.
 */
#pragma once

#include <stddef.h>

#include <event2/util.h>

#define SIMNET_HOST_MAX 255

/*
 * Opens a non-blocking, close-on-exec TCP socket listening on host:port
 * (port 0 lets the kernel choose). On success *fd_out belongs to the caller,
 * who usually hands it to evhttp_accept_socket_with_handle().
 */
__attribute__((warn_unused_result))
int simnet_listen(const char *host, int port, evutil_socket_t *fd_out,
    char *err, size_t errlen);

/* The local port a bound socket listens on, or -1. */
int simnet_local_port(evutil_socket_t fd);

/*
 * Splits "HOST:PORT" ("[::1]:PORT" for IPv6) into host (copied into a buffer
 * of SIMNET_HOST_MAX + 1 bytes, brackets removed) and a port 0..65535.
 */
__attribute__((warn_unused_result))
int simnet_parse_hostport(const char *arg, char *host, int *port);

/* Parses a decimal port 0..65535 spelled with digits only. */
__attribute__((warn_unused_result))
int simnet_parse_port(const char *s, int *port);

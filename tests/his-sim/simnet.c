/* simnet — listening sockets and HOST:PORT parsing for his-sim. */
#include "simnet.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

int simnet_listen(const char *host, int port, evutil_socket_t *fd_out,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char service[16];
	evutil_socket_t fd = -1;
	int one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%d", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    res->ai_protocol);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0)
		goto fail;
	if (listen(fd, 128) != 0)
		goto fail;
	freeaddrinfo(res);
	*fd_out = fd;
	return 0;
fail:
	snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

int simnet_local_port(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

int simnet_parse_port(const char *s, int *port)
{
	long v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 5)
		return -1;
	for (const char *c = s; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
	}
	if (v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int simnet_parse_hostport(const char *arg, char *host, int *port)
{
	const char *colon, *h = arg;
	size_t hlen;

	if (arg == NULL)
		return -1;
	colon = strrchr(arg, ':');
	if (colon == NULL)
		return -1;
	hlen = (size_t)(colon - arg);
	if (hlen >= 2 && arg[0] == '[' && arg[hlen - 1] == ']') {
		h = arg + 1;
		hlen -= 2;
	} else if (memchr(arg, ':', hlen) != NULL) {
		return -1; /* a bare IPv6 address needs brackets */
	}
	if (hlen == 0 || hlen > SIMNET_HOST_MAX)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return simnet_parse_port(colon + 1, port);
}

#include "static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>

static const struct { const char *ext, *type; } types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static bool path_is_plain(const char *path)
{
	const char *seg = path;

	if (path[0] != '/')
		return false;
	while (seg && *seg) {
		seg++; /* skip '/' */
		if (seg[0] == '.')
			return false; /* "..", ".hidden" */
		seg = strchr(seg, '/');
	}
	return strstr(path, "//") == NULL;
}

const char *static_lookup(const char *root, const char *path, struct evbuffer *body)
{
	char full[PATH_MAX], real_root[PATH_MAX], real_file[PATH_MAX];
	const char *dot, *type = NULL;
	struct stat st;
	size_t rlen;
	int fd;

	if (!root || !path_is_plain(path))
		return NULL;
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			type = types[i].type;
	if (!type)
		return NULL;
	if (snprintf(full, sizeof(full), "%s%s", root, path) >= (int)sizeof(full))
		return NULL;
	if (!realpath(root, real_root) || !realpath(full, real_file))
		return NULL;
	rlen = strlen(real_root);
	if (strncmp(real_file, real_root, rlen) != 0 || real_file[rlen] != '/')
		return NULL;
	fd = open(real_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		evbuffer_add_file(body, fd, 0, st.st_size) != 0) {
		close(fd);
		return NULL;
	}
	return type; /* evbuffer owns fd now */
}

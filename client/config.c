#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#define TOKEN_FILE_VERSION 1

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s%s", a, b);
	return s;
}

int config_token_path(char **out)
{
	const char *v;
	const struct passwd *pw;

	*out = NULL;
	v = getenv("LIFELINE_TOKEN_FILE");
	if (v && *v) {
		*out = strdup(v);
		return *out ? 0 : LL_ENOMEM;
	}
	/* The XDG spec says a relative XDG_CONFIG_HOME is to be ignored. */
	v = getenv("XDG_CONFIG_HOME");
	if (v && v[0] == '/') {
		*out = join(v, "/lifeline/token");
		return *out ? 0 : LL_ENOMEM;
	}
	v = getenv("HOME");
	if (!v || !*v) {
		pw = getpwuid(getuid());
		v = pw ? pw->pw_dir : NULL;
	}
	if (!v || !*v)
		return LL_ENOTFOUND;
	*out = join(v, "/.config/lifeline/token");
	return *out ? 0 : LL_ENOMEM;
}

void config_login_free(struct config_login *login)
{
	if (!login)
		return;
	free(login->server);
	if (login->token)
		explicit_bzero(login->token, strlen(login->token));
	free(login->token);
	free(login->username);
	free(login->expires_at);
	free(login);
}

char *config_server_normalize(const char *url)
{
	char *s = strdup(url);
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/* A copy of the string member `key`, or NULL when absent, not a string or empty. */
static char *member(const json_t *obj, const char *key, bool *nomem)
{
	const char *s = json_string_value(json_object_get(obj, key));
	char *copy;

	if (!s || !*s)
		return NULL;
	copy = strdup(s);
	if (!copy)
		*nomem = true;
	return copy;
}

int config_login_load(const char *path, struct config_login **out)
{
	struct config_login *login = NULL;
	json_error_t jerr;
	json_t *doc = NULL;
	FILE *f;
	bool nomem = false;
	int rc;

	*out = NULL;
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? LL_ENOTFOUND : LL_EIO;
	doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc && ferror(f)) {
		rc = LL_EIO;
		fclose(f);
		goto fail;
	}
	fclose(f);
	if (!json_is_object(doc)) {
		rc = LL_EINVAL;
		goto fail;
	}
	login = calloc(1, sizeof(*login));
	if (!login) {
		rc = LL_ENOMEM;
		goto fail;
	}
	login->server = member(doc, "server", &nomem);
	login->token = member(doc, "token", &nomem);
	login->username = member(doc, "username", &nomem);
	login->expires_at = member(doc, "expires_at", &nomem);
	if (nomem) {
		rc = LL_ENOMEM;
		goto fail;
	}
	if (!login->server) {
		rc = LL_EINVAL;
		goto fail;
	}
	/* Strip a trailing '/' a hand edit may have added, so comparisons hold. */
	for (size_t n = strlen(login->server); n > 0 && login->server[n - 1] == '/'; n--)
		login->server[n - 1] = '\0';
	json_decref(doc);
	*out = login;
	return 0;

fail:
	config_login_free(login);
	json_decref(doc);
	return rc;
}

/* mkdir -p with mode 0700 for the directories it makes; leaves existing ones alone. */
static int make_dirs(const char *dir)
{
	char *p = strdup(dir);
	int rc = 0;

	if (!p)
		return LL_ENOMEM;
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				rc = LL_EIO;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return LL_EIO;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int config_write_private(const char *path, const void *data, size_t len)
{
	char *dir_copy = strdup(path), *tmp = join(path, ".XXXXXX");
	const char *dir;
	int fd = -1, dfd, rc, saved_errno = 0;

	if (!dir_copy || !tmp) {
		rc = LL_ENOMEM;
		goto done;
	}
	dir = dirname(dir_copy);
	rc = make_dirs(dir);
	if (rc != 0)
		goto fail_errno;

	/* mkstemp creates the file 0600; fchmod makes sure whatever the umask. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = LL_EIO;
		goto fail_errno;
	}
	if (fchmod(fd, 0600) != 0 || (rc = write_all(fd, (const char *)data, len)) != 0 || fsync(fd) != 0) {
		rc = LL_EIO;
		goto fail_unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = LL_EIO;
		goto fail_unlink;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = LL_EIO;
		goto fail_unlink;
	}
	/* Make the rename itself durable; failing here loses nothing already written. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
	goto done;

fail_unlink:
	saved_errno = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved_errno;
fail_errno:
	saved_errno = errno;
done:
	free(tmp);
	free(dir_copy);
	if (rc == LL_EIO)
		errno = saved_errno;
	return rc;
}

int config_login_save(const char *path, const char *server, const char *token,
	const char *username, const char *expires_at)
{
	json_t *doc = json_pack("{s:i, s:s, s:s*, s:s*, s:s*}", "version", TOKEN_FILE_VERSION,
		"server", server, "token", token, "username", username, "expires_at", expires_at);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	size_t len = text ? strlen(text) : 0;
	int rc, saved_errno;
	char *line;

	json_decref(doc);
	if (!text)
		return LL_ENOMEM;
	/* The newline goes in the same write; both copies are wiped (no realloc, which may not). */
	line = malloc(len + 2);
	if (line)
		memcpy(line, text, len);
	explicit_bzero(text, len);
	free(text);
	if (!line)
		return LL_ENOMEM;
	line[len] = '\n';
	line[len + 1] = '\0';
	rc = config_write_private(path, line, len + 1);
	saved_errno = errno;
	explicit_bzero(line, len + 1);
	free(line);
	errno = saved_errno;
	return rc;
}

int config_login_remove(const char *path)
{
	if (unlink(path) == 0 || errno == ENOENT)
		return 0;
	return LL_EIO;
}

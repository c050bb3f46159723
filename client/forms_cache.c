#include "forms_cache.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "notice.h"

#define PREFIX "census-"
#define SUFFIX ".json"

bool forms_id_valid(const char *text, size_t max)
{
	size_t n = text ? strlen(text) : 0;

	if (n < 1 || n > max || text[0] == '-' || text[0] == '.')
		return false;
	return strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int forms_cache_dir(char **out)
{
	const char *v = getenv("XDG_CACHE_HOME");
	const char *tail = "/lifeline";
	const struct passwd *pw;
	char *s;
	size_t n;

	*out = NULL;
	/* The XDG spec says a relative XDG_CACHE_HOME is to be ignored. */
	if (!v || v[0] != '/') {
		v = getenv("HOME");
		if (!v || !*v) {
			pw = getpwuid(getuid());
			v = pw ? pw->pw_dir : NULL;
		}
		if (!v || !*v)
			return LL_ENOTFOUND;
		tail = "/.cache/lifeline";
	}
	n = strlen(v) + strlen(tail) + 1;
	s = malloc(n);
	if (!s)
		return LL_ENOMEM;
	snprintf(s, n, "%s%s", v, tail);
	*out = s;
	return 0;
}

int forms_cache_path(const char *dept, char **out)
{
	char *dir, *s;
	size_t n;
	int rc;

	*out = NULL;
	if (!notice_dept_valid(dept))
		return LL_EINVAL;
	rc = forms_cache_dir(&dir);
	if (rc != 0)
		return rc;
	n = strlen(dir) + strlen("/" PREFIX SUFFIX) + strlen(dept) + 1;
	s = malloc(n);
	if (s)
		snprintf(s, n, "%s/" PREFIX "%s" SUFFIX, dir, dept);
	free(dir);
	*out = s;
	return s ? 0 : LL_ENOMEM;
}

static const char *doc_dept(const json_t *doc)
{
	return json_string_value(json_object_get(json_object_get(doc, "department"), "code"));
}

int forms_cache_save(const json_t *doc, char **path_out)
{
	const char *dept = doc_dept(doc);
	char *path = NULL, *text = NULL, *dir = NULL;
	time_t taken;
	int rc;

	if (path_out)
		*path_out = NULL;
	if (!json_is_object(doc) || !notice_dept_valid(dept) || !forms_snapshot_time(doc, &taken))
		return LL_EINVAL;
	rc = forms_cache_path(dept, &path);
	if (rc == 0)
		rc = forms_cache_dir(&dir);
	if (rc == 0 && !(text = json_dumps(doc, JSON_COMPACT)))
		rc = LL_ENOMEM;
	if (rc == 0)
		rc = config_write_private(path, text, strlen(text));
	/* A directory made earlier by hand may be open to others: this one holds patients. */
	if (rc == 0)
		(void)chmod(dir, 0700);
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	free(dir);
	if (rc == 0 && path_out)
		*path_out = path;
	else
		free(path);
	return rc;
}

int forms_cache_load(const char *path, json_t **out)
{
	struct stat st;
	json_error_t jerr;
	json_t *doc;
	time_t taken;
	FILE *f;

	*out = NULL;
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? LL_ENOTFOUND : LL_EIO;
	/* Somebody else's file could put other patients on our paper. */
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		return LL_EIO;
	}
	if (st.st_uid != getuid()) {
		fclose(f);
		return LL_EPERM;
	}
	doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc && ferror(f)) {
		fclose(f);
		return LL_EIO;
	}
	fclose(f);
	if (!json_is_object(doc) || !notice_dept_valid(doc_dept(doc)) ||
		!forms_snapshot_time(doc, &taken)) {
		json_decref(doc);
		return LL_EINVAL;
	}
	*out = doc;
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void forms_cache_list_free(char **depts, size_t n)
{
	for (size_t i = 0; depts && i < n; i++)
		free(depts[i]);
	free(depts);
}

int forms_cache_list(char ***depts, size_t *n)
{
	char *dir = NULL, **list = NULL;
	size_t count = 0, cap = 0;
	struct dirent *e;
	DIR *d;
	int rc;

	*depts = NULL;
	*n = 0;
	rc = forms_cache_dir(&dir);
	if (rc != 0)
		return rc;
	d = opendir(dir);
	free(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : LL_EIO;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name), plen = strlen(PREFIX), slen = strlen(SUFFIX);
		char *code;

		if (len <= plen + slen || strncmp(e->d_name, PREFIX, plen) != 0 ||
			strcmp(e->d_name + len - slen, SUFFIX) != 0)
			continue;
		code = strndup(e->d_name + plen, len - plen - slen);
		if (!code)
			goto nomem;
		if (!notice_dept_valid(code)) {
			free(code);
			continue;
		}
		if (count == cap) {
			size_t c = cap ? cap * 2 : 8;
			char **l = realloc(list, c * sizeof(*l));

			if (!l) {
				free(code);
				goto nomem;
			}
			list = l;
			cap = c;
		}
		list[count++] = code;
	}
	closedir(d);
	if (count > 1)
		qsort(list, count, sizeof(*list), compare_strings);
	*depts = list;
	*n = count;
	return 0;

nomem:
	closedir(d);
	forms_cache_list_free(list, count);
	return LL_ENOMEM;
}

bool forms_snapshot_time(const json_t *doc, time_t *out)
{
	return cli_parse_rfc3339(json_string_value(json_object_get(doc, "snapshot_time")), out);
}

long forms_age(time_t taken, time_t now)
{
	return now > taken ? (long)(now - taken) : 0;
}

bool forms_parse_max_age(const char *text, long *seconds)
{
	long unit = 3600;
	char *end;
	double v;

	if (!text || !*text || (*text < '0' || *text > '9'))
		return false;
	errno = 0;
	v = strtod(text, &end);
	if (errno)
		return false;
	if (*end) {
		switch (*end) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return false;
		}
		if (end[1] != '\0')
			return false;
	}
	v *= (double)unit;
	if (!(v >= 1) || v > 366.0 * 86400)
		return false;
	*seconds = (long)v;
	return true;
}

void forms_host_label(const char *hostname, char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return;
	for (const char *p = hostname ? hostname : ""; *p && *p != '.' && n < 12 && n + 1 < size; p++) {
		char c = *p;
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		buf[n++] = alnum ? c : '-';
	}
	buf[n] = '\0';
	if (strspn(buf, "-") == n)
		snprintf(buf, size, "host");
}

/* v in base 36, lower case, at least `width` digits; into buf (size >= 14). */
static void base36(unsigned long long v, int width, char *buf)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = digits[v % 36];
		v /= 36;
	} while (v && n < 13);
	while (n < width)
		tmp[n++] = '0';
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
}

void forms_offline_job_id(char *buf, size_t size, const char *host_label, long long ms,
	unsigned long pid)
{
	char t[16], p[16];

	base36(ms > 0 ? (unsigned long long)ms : 0, 1, t);
	base36(pid % 1296, 2, p);
	snprintf(buf, size, "LO-%.12s-%s%s", host_label, t, p);
}

bool forms_offline_serial(char *buf, size_t size, const char *job_id, size_t page)
{
	int n = snprintf(buf, size, "%s-%03zu", job_id, page);

	return n > 0 && (size_t)n < size && n <= 40;
}

#include "cli.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"

/* ---------- the command table ---------- */

/* Does `name` ("outage declare") start with the words argv[0..n)? Exactly equal when full. */
static bool words_match(const char *name, int n, char **argv, bool full)
{
	const char *p = name;

	for (int i = 0; i < n; i++) {
		size_t len = strlen(argv[i]);

		if (i > 0) {
			if (*p != ' ')
				return false;
			p++;
		}
		if (len == 0 || strncmp(p, argv[i], len) != 0)
			return false;
		p += len;
		if (*p != '\0' && *p != ' ')
			return false;
	}
	return full ? *p == '\0' : *p == ' ';
}

static int word_count(const char *name)
{
	int n = 1;

	for (const char *p = name; *p; p++)
		if (*p == ' ')
			n++;
	return n;
}

const struct cli_command *cli_find(const struct cli_command *table, size_t n,
	int argc, char **argv, int *nwords)
{
	const struct cli_command *best = NULL;
	int best_words = 0;

	for (size_t i = 0; i < n; i++) {
		int w = word_count(table[i].name);

		if (w <= argc && w > best_words && words_match(table[i].name, w, argv, true)) {
			best = &table[i];
			best_words = w;
		}
	}
	*nwords = best_words;
	return best;
}

bool cli_is_group(const struct cli_command *table, size_t n, int nwords, char **words)
{
	if (nwords <= 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (words_match(table[i].name, nwords, words, false))
			return true;
	return false;
}

/* ---------- parsing ---------- */

static const struct cli_option *find_long(const struct cli_command *cmd, const char *name,
	size_t len)
{
	if (!cmd->options)
		return NULL;
	for (const struct cli_option *o = cmd->options; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static const struct cli_option *find_short(const struct cli_command *cmd, char c)
{
	if (!cmd->options || c == '\0')
		return NULL;
	for (const struct cli_option *o = cmd->options; o->name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static int parse_error(struct cli_args *out, struct cli_error *err, enum i18n_msg msg,
	const char *arg)
{
	cli_args_free(out);
	err->msg = msg;
	err->arg = arg;
	return LL_EINVAL;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv,
	struct cli_args *out, struct cli_error *err)
{
	bool options_done = false;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	out->cmd = cmd;

	/* --help wins over everything else, so it works on any half-typed line. */
	for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (is_help(argv[i])) {
			out->help = true;
			return 0;
		}
	}

	/* Every argument is at most one positional or one option. */
	out->args = calloc((size_t)argc + 1, sizeof(*out->args));
	out->opts = calloc((size_t)argc + 1, sizeof(*out->opts));
	if (!out->args || !out->opts) {
		cli_args_free(out);
		return LL_ENOMEM;
	}

	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		const struct cli_option *opt;
		const char *value = NULL;

		if (options_done || a[0] != '-' || a[1] == '\0') {
			/* "-" alone is an argument: standard input. */
			out->args[out->nargs++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options_done = true;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);

			opt = find_long(cmd, a + 2, len);
			if (!opt)
				return parse_error(out, err, I18N_ERR_UNKNOWN_OPTION, a);
			if (eq) {
				if (opt->kind == CLI_FLAG)
					return parse_error(out, err, I18N_ERR_UNEXPECTED_VALUE, a);
				value = eq + 1;
			}
		} else {
			/* One short option per argument: "-o FILE" or "-oFILE". */
			opt = find_short(cmd, a[1]);
			if (!opt)
				return parse_error(out, err, I18N_ERR_UNKNOWN_OPTION, a);
			if (a[2] != '\0') {
				if (opt->kind == CLI_FLAG)
					return parse_error(out, err, I18N_ERR_UNKNOWN_OPTION, a);
				value = a + 2;
			}
		}
		if (opt->kind != CLI_FLAG && !value) {
			if (i + 1 >= argc)
				return parse_error(out, err, I18N_ERR_MISSING_VALUE, a);
			value = argv[++i];
		}
		out->opts[out->nopts].opt = opt;
		out->opts[out->nopts].value = value;
		out->nopts++;
	}

	if (cmd->options) {
		for (const struct cli_option *o = cmd->options; o->name; o++) {
			if (o->required && cli_count(out, o->name) == 0)
				return parse_error(out, err, I18N_ERR_MISSING_OPTION, o->name);
		}
	}
	if (out->nargs < cmd->min_args)
		return parse_error(out, err, I18N_ERR_TOO_FEW_ARGS, NULL);
	if (cmd->max_args >= 0 && out->nargs > cmd->max_args)
		return parse_error(out, err, I18N_ERR_TOO_MANY_ARGS, out->args[cmd->max_args]);
	if (cmd->check) {
		int rc = cmd->check(out, err);

		if (rc != 0) {
			cli_args_free(out);
			return rc;
		}
	}
	return 0;
}

void cli_args_free(struct cli_args *args)
{
	free(args->args);
	free(args->opts);
	args->args = NULL;
	args->opts = NULL;
	args->nargs = 0;
	args->nopts = 0;
}

const char *cli_arg(const struct cli_args *args, int i)
{
	return i >= 0 && i < args->nargs ? args->args[i] : NULL;
}

/* The declared option, or abort: a handler asking for an undeclared name is a bug. */
static const struct cli_option *declared(const struct cli_args *args, const char *name)
{
	const struct cli_option *o = find_long(args->cmd, name, strlen(name));

	assert(o && "option not declared in the command's row of commands.c");
	if (!o)
		abort();
	return o;
}

bool cli_flag(const struct cli_args *args, const char *name)
{
	return cli_count(args, name) > 0;
}

size_t cli_count(const struct cli_args *args, const char *name)
{
	const struct cli_option *o = declared(args, name);
	size_t n = 0;

	for (int i = 0; i < args->nopts; i++)
		if (args->opts[i].opt == o)
			n++;
	return n;
}

const char *cli_value_at(const struct cli_args *args, const char *name, size_t i)
{
	const struct cli_option *o = declared(args, name);

	for (int k = 0; k < args->nopts; k++)
		if (args->opts[k].opt == o && i-- == 0)
			return args->opts[k].value;
	return NULL;
}

const char *cli_value(const struct cli_args *args, const char *name)
{
	size_t n = cli_count(args, name);

	return n ? cli_value_at(args, name, n - 1) : NULL;
}

/* ---------- help ---------- */

void cli_print_usage(FILE *f, const struct cli_command *cmd)
{
	char line[512];

	snprintf(line, sizeof(line), "lifeline %s%s%s", cmd->name,
		cmd->synopsis && *cmd->synopsis ? " " : "", cmd->synopsis ? cmd->synopsis : "");
	fprintf(f, i18n_get(I18N_USAGE_LINE), line);
}

void cli_print_help(FILE *f, const struct cli_command *cmd)
{
	cli_print_usage(f, cmd);
	fprintf(f, "\n%s\n\n%s", i18n_get(cmd->summary), i18n_get(cmd->help));
}

void cli_print_list(FILE *f, const struct cli_command *table, size_t n, int nwords,
	char **words)
{
	int width = 0;

	for (size_t i = 0; i < n; i++) {
		int len = (int)strlen(table[i].name);

		if (nwords == 0 || words_match(table[i].name, nwords, words, false))
			width = len > width ? len : width;
	}
	for (size_t i = 0; i < n; i++) {
		if (nwords == 0 || words_match(table[i].name, nwords, words, false))
			fprintf(f, "  %-*s  %s\n", width, table[i].name,
				i18n_get(table[i].summary));
	}
}

/* ---------- text for people ---------- */

/* Decode one UTF-8 character at *p and advance; U+FFFD (one byte) when malformed. */
static unsigned long next_codepoint(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned long c;
	int n;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		c = s[0] & 0x1f;
		n = 1;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = s[0] & 0x0f;
		n = 2;
	} else if ((s[0] & 0xf8) == 0xf0) {
		c = s[0] & 0x07;
		n = 3;
	} else {
		*p = s + 1;
		return 0xfffd;
	}
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p = s + 1;
			return 0xfffd;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*p = s + n + 1;
	return c;
}

/* East Asian Wide and Full-width, the ranges a terminal shows two columns wide. */
static int codepoint_width(unsigned long c)
{
	static const unsigned long wide[][2] = {
		{0x1100, 0x115f}, {0x2e80, 0x303e}, {0x3041, 0x33ff}, {0x3400, 0x4dbf},
		{0x4e00, 0x9fff}, {0xa000, 0xa4cf}, {0xac00, 0xd7a3}, {0xf900, 0xfaff},
		{0xfe30, 0xfe4f}, {0xff00, 0xff60}, {0xffe0, 0xffe6}, {0x1f300, 0x1f64f},
		{0x20000, 0x3fffd},
	};

	if (c >= 0x300 && c <= 0x36f) /* combining diacritics */
		return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (c >= wide[i][0] && c <= wide[i][1])
			return 2;
	return 1;
}

size_t cli_text_width(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t w = 0;

	if (!text)
		return 0;
	while (*p)
		w += (size_t)codepoint_width(next_codepoint(&p));
	return w;
}

struct cli_table {
	size_t ncols;
	size_t ncells, cap;
	char **cells;
	bool nomem;
};

struct cli_table *cli_table_new(size_t ncols)
{
	struct cli_table *t = calloc(1, sizeof(*t));

	if (t)
		t->ncols = ncols ? ncols : 1;
	return t;
}

void cli_table_add(struct cli_table *t, const char *cell)
{
	char *copy;

	if (!t || t->nomem)
		return;
	if (t->ncells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **cells = realloc(t->cells, cap * sizeof(*cells));

		if (!cells) {
			t->nomem = true;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	copy = strdup(cell ? cell : "");
	if (!copy) {
		t->nomem = true;
		return;
	}
	t->cells[t->ncells++] = copy;
}

void cli_table_addf(struct cli_table *t, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	int n;

	if (!t || t->nomem)
		return;
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->nomem = true;
		return;
	}
	cli_table_add(t, text);
	free(text);
}

size_t cli_table_rows(const struct cli_table *t)
{
	return t ? t->ncells / t->ncols : 0;
}

int cli_table_print(FILE *f, const struct cli_table *t, const char *indent)
{
	size_t *width;
	size_t rows;

	if (!t || t->nomem)
		return LL_ENOMEM;
	rows = cli_table_rows(t);
	width = calloc(t->ncols, sizeof(*width));
	if (!width)
		return LL_ENOMEM;
	for (size_t i = 0; i < rows * t->ncols; i++) {
		size_t w = cli_text_width(t->cells[i]);

		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (size_t r = 0; r < rows; r++) {
		size_t last = t->ncols - 1;

		/* Trailing empty cells would only leave trailing blanks. */
		while (last > 0 && t->cells[r * t->ncols + last][0] == '\0')
			last--;
		fputs(indent ? indent : "", f);
		for (size_t c = 0; c <= last; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			fputs(cell, f);
			if (c < last)
				fprintf(f, "%*s", (int)(width[c] - cli_text_width(cell) + 2), "");
		}
		fputc('\n', f);
	}
	free(width);
	return 0;
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* ---------- reporting ---------- */

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("lifeline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_nomem(void)
{
	cli_err("%s", i18n_get(I18N_ERR_NOMEM));
	return CLI_EXIT_REFUSED;
}

const char *cli_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void cli_report_usage(const struct cli_command *cmd, const struct cli_error *err)
{
	cli_err(i18n_get(err->msg), err->arg ? err->arg : "");
	cli_print_usage(stderr, cmd);
	fprintf(stderr, i18n_get(I18N_SEE_COMMAND_HELP), cmd->name);
	fputc('\n', stderr);
}

int cli_usage_error(struct cli_error *err, enum i18n_msg msg, const char *arg)
{
	err->msg = msg;
	err->arg = arg;
	return LL_EINVAL;
}

void cli_print_json(const json_t *json)
{
	if (json)
		json_dumpf(json, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
	else
		fputs("{}", stdout);
	fputc('\n', stdout);
}

const char *cli_user_text(const json_t *user, char *buf, size_t size)
{
	const char *name = json_string_value(json_object_get(user, "username"));
	const char *role = json_string_value(json_object_get(user, "role"));
	const char *dept = json_string_value(json_object_get(user, "department"));

	if (!name)
		name = "?";
	if (!role)
		snprintf(buf, size, "%s", name);
	else if (dept && *dept)
		snprintf(buf, size, i18n_get(I18N_USER_WITH_DEPT), name, i18n_role(role), dept);
	else
		snprintf(buf, size, i18n_get(I18N_USER_NO_DEPT), name, i18n_role(role));
	return buf;
}

/* ---------- times ---------- */

/* Exactly n decimal digits at *p, advanced past them. */
static bool digits(const char **p, int n, int *value)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*value = v;
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

bool cli_parse_rfc3339(const char *p, time_t *out)
{
	int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
	struct tm tm;
	time_t t;

	if (!p || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
		!digits(&p, 2, &d))
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
		!digits(&p, 2, &s))
		return false;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		p += strspn(p, "0123456789");
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return false;
	} else {
		return false; /* no zone: which day and hour would be a guess */
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 ||
		mi > 59 || s > 60)
		return false;
	if (s == 60)
		s = 59; /* a leap second: the second before is close enough */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	if (t == (time_t)-1 && !(y == 1969 && mo == 12 && d == 31))
		return false;
	*out = t - sign * (time_t)(oh * 3600 + om * 60);
	return true;
}

const char *cli_time_text(const char *rfc3339, char *buf, size_t size)
{
	struct tm tm;
	time_t t;

	if (!rfc3339)
		return "?";
	if (!cli_parse_rfc3339(rfc3339, &t) || !localtime_r(&t, &tm) ||
		strftime(buf, size, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(buf, size, "%s", rfc3339);
	return buf;
}

/* ---------- talking to the server ---------- */

static enum i18n_msg net_reason(enum api_net_error e)
{
	switch (e) {
	case API_NET_REFUSED: return I18N_NET_REFUSED;
	case API_NET_DNS: return I18N_NET_DNS;
	case API_NET_TIMEOUT: return I18N_NET_TIMEOUT;
	case API_NET_TLS: return I18N_NET_TLS;
	case API_NET_NONE:
	case API_NET_OTHER: break;
	}
	return I18N_NET_OTHER;
}

int cli_report_failure(struct cli_ctx *ctx, int rc, long status, const json_t *answer)
{
	const json_t *e;
	const char *code, *message, *field, *request_id;

	switch (rc) {
	case API_OK:
		return CLI_EXIT_OK;
	case API_ENOMEM:
		cli_err("%s", i18n_get(I18N_ERR_NOMEM));
		return CLI_EXIT_REFUSED;
	case API_EUNREACHABLE:
		cli_err(i18n_get(I18N_ERR_UNREACHABLE), ctx->server,
			i18n_get(net_reason(ctx->api->net_error)));
		cli_err(i18n_get(I18N_HINT_SERVER), ctx->api->net_detail);
		return CLI_EXIT_UNREACHABLE;
	case API_EBADRESPONSE:
		cli_err(i18n_get(I18N_ERR_BAD_RESPONSE), status);
		return CLI_EXIT_REFUSED;
	default:
		break;
	}

	/* API_EHTTP: the server's error envelope, when it sent one. */
	e = json_object_get(answer, "error");
	message = json_string_value(json_object_get(e, "message"));
	if (!message) {
		cli_err(i18n_get(I18N_ERR_HTTP_NOT_JSON), status);
		return CLI_EXIT_REFUSED;
	}
	code = json_string_value(json_object_get(e, "code"));
	field = json_string_value(json_object_get(e, "field"));
	request_id = json_string_value(json_object_get(e, "request_id"));
	if (!code)
		code = "error";
	if (field && *field)
		cli_err(i18n_get(I18N_ERR_REFUSED_FIELD), message, field, code, status);
	else
		cli_err(i18n_get(I18N_ERR_REFUSED), message, code, status);
	if (status == 401 && ctx->cmd && ctx->cmd->needs_auth)
		cli_err("%s", i18n_get(I18N_HINT_RELOGIN));
	/* Server faults are for IT, who can find the request id in the server's log. */
	if (status >= 500 && request_id)
		cli_err(i18n_get(I18N_ERR_REQUEST_ID), request_id);
	return CLI_EXIT_REFUSED;
}

int cli_call(struct cli_ctx *ctx, const char *method, const char *path, json_t *body,
	long *status, json_t **out)
{
	long st = 0;
	json_t *answer = NULL;
	int rc = api_request(ctx->api, method, path, body, &st, &answer);

	if (status)
		*status = st;
	*out = NULL;
	if (rc == API_OK) {
		*out = answer;
		return CLI_EXIT_OK;
	}
	/* Scripts under --json get the envelope to parse; people read stderr. */
	if (ctx->json && rc == API_EHTTP &&
		json_is_object(json_object_get(answer, "error")))
		cli_print_json(answer);
	rc = cli_report_failure(ctx, rc, st, answer);
	json_decref(answer);
	return rc;
}

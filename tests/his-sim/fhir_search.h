/*
 * fhir_search — the FHIR R4 search subset his-sim understands: which
 * resource types, which search parameters on each, how a query string is
 * read, and whether a resource matches it. Pure: jansson only, no I/O, so
 * it is unit-tested on its own (test_fhir_search.c).
 *
 * A search parameter is declared once, in the table in fhir_search.c, by a
 * path into the resource ("location.location": arrays are walked at every
 * step), the way FHIR's own SearchParameter.expression does; matching,
 * _include and the CapabilityStatement all read that table.
 *
 * Query rules (strict on purpose: a simulator that ignored what it does not
 * know would hide a client's mistakes; a real server may be lenient):
 *   - token      value | system|value | |value (no system) | system|
 *                against a code, a Coding, a CodeableConcept (any coding)
 *                or an Identifier (system + value).
 *   - reference  id | Type/id | an absolute URL ending in Type/id,
 *                against Reference.reference ("Type/id").
 *   - a comma inside one value means OR; the same parameter twice means AND.
 *   - _id (every type), _count (default FHIR_COUNT_DEFAULT, larger than
 *     FHIR_COUNT_MAX is cut to it, 0 asks for the total only), _include
 *     (Type:param[:Target], a reference parameter of the searched type,
 *     repeatable), _summary=count, _total (ignored: total is always given),
 *     _format / _pretty (json only), and _offset, the paging cursor the
 *     next links carry: a client follows those links rather than build them.
 *   - anything else: an unknown parameter, a modifier (name:exact), another
 *     _-parameter (_sort, _elements, _revinclude, ...), a value that is
 *     empty or not a number where one is needed, is an error (400) naming
 *     it; a _format other than JSON is 406.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define FHIR_COUNT_DEFAULT 20
#define FHIR_COUNT_MAX 100
#define FHIR_OFFSET_MAX 1000000u
#define FHIR_TERMS_MAX 16
#define FHIR_INCLUDES_MAX 8
#define FHIR_TYPES_MAX 16        /* fhir_n_types is at most this */

enum fhir_param_kind {
	FHIR_TOKEN,
	FHIR_REFERENCE,
};

struct fhir_param {
	const char *type;       /* the resource type; NULL: every type (_id) */
	const char *name;       /* as in the query: "service-provider" */
	enum fhir_param_kind kind;
	const char *path;       /* dotted path into the resource */
	const char *target;     /* reference: the type a bare id names; NULL: any */
};

/* The resource types served, in a fixed order (counters index by it). */
extern const char *const fhir_types[];
extern const size_t fhir_n_types;
extern const struct fhir_param fhir_params[];
extern const size_t fhir_n_params;

/* Index in fhir_types, or -1 when his-sim does not serve the type. */
int fhir_type_index(const char *type);
/* The parameter name of type, or NULL. */
const struct fhir_param *fhir_param_find(const char *type, const char *name);

/* Why a request cannot be answered: the OperationOutcome to send. */
struct fhir_error {
	int status;             /* HTTP status: 400, 404, 405, 406, 503, ... */
	const char *code;       /* OperationOutcome.issue.code: invalid, not-supported, ... */
	char text[256];         /* issue.diagnostics, for people */
};

/* One parameter=value of a search; value holds comma-separated alternatives. */
struct fhir_term {
	const struct fhir_param *param;
	const char *value;
};

struct fhir_query {
	const char *type;       /* from fhir_types */
	size_t n_terms;
	struct fhir_term terms[FHIR_TERMS_MAX];
	size_t n_includes;
	const struct fhir_param *includes[FHIR_INCLUDES_MAX];
	unsigned count;         /* page size */
	size_t offset;          /* matches to skip */
	bool summary_count;     /* the total only */
	char *buf;              /* decoded copy of the query; terms point into it */
};

/*
 * Reads raw (the URL's query string, undecoded; NULL for none) as a search
 * of type (one of fhir_types). On success q holds references into its own
 * buffer: call fhir_query_clear() when done. On error fills err, returns -1
 * and leaves nothing to clear.
 */
__attribute__((warn_unused_result))
int fhir_query_parse(struct fhir_query *q, const char *type, const char *raw,
    struct fhir_error *err);
void fhir_query_clear(struct fhir_query *q);

/* Does resource (of q->type) satisfy every term? */
bool fhir_query_matches(const struct fhir_query *q, const json_t *resource);

/*
 * Calls fn with each "Type/id" that reference parameter p holds in
 * resource, in document order; stops early when fn returns false.
 */
typedef bool (*fhir_ref_fn)(const char *ref, void *arg);
void fhir_param_references(const struct fhir_param *p, const json_t *resource,
    fhir_ref_fn fn, void *arg);

/*
 * libFuzzer target: the simulator's FHIR search-query parser
 * (tests/his-sim/fhir_search.c), which reads whatever query string a client
 * sends. The first byte picks the resource type; the rest is the raw query.
 * A parsed query is also matched against a small resource.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fhir_search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fhir_query q;
	struct fhir_error err;
	const char *type;
	char *raw;
	json_t *res;

	if (size < 1)
		return 0;
	type = fhir_types[data[0] % fhir_n_types];
	raw = malloc(size);
	if (!raw)
		return 0;
	memcpy(raw, data + 1, size - 1);
	raw[size - 1] = '\0';
	if (fhir_query_parse(&q, type, raw, &err) == 0) {
		res = json_pack("{s:s, s:s, s:[{s:s, s:s}], s:{s:s}}", "resourceType", type,
			"id", "p1", "identifier", "system", "urn:x", "value", "1", "subject",
			"reference", "Patient/p1");
		(void)fhir_query_matches(&q, res);
		json_decref(res);
		fhir_query_clear(&q);
	}
	free(raw);
	return 0;
}

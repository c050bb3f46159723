/* fhir_store — in-memory FHIR resources (see fhir_store.h). */
#include "fhir_store.h"

#include <stdio.h>
#include <stdlib.h>

/* jansson objects are hash tables: good enough for a few thousand resources. */
struct fhir_store {
	json_t *by_type; /* {"Patient": [resource, ...], ...} */
	json_t *by_key;  /* {"Patient/pat-0001": resource, ...} */
};

struct fhir_store *fhir_store_new(void)
{
	struct fhir_store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->by_type = json_object();
	s->by_key = json_object();
	if (s->by_type == NULL || s->by_key == NULL) {
		fhir_store_free(s);
		return NULL;
	}
	return s;
}

void fhir_store_free(struct fhir_store *s)
{
	if (s == NULL)
		return;
	json_decref(s->by_type);
	json_decref(s->by_key);
	free(s);
}

int fhir_store_add(struct fhir_store *s, json_t *resource)
{
	const char *type = json_string_value(json_object_get(resource, "resourceType"));
	const char *id = json_string_value(json_object_get(resource, "id"));
	json_t *list;
	char key[256];
	int rc = -1;

	if (type == NULL || id == NULL)
		goto out;
	if (snprintf(key, sizeof(key), "%s/%s", type, id) >= (int)sizeof(key) ||
	    json_object_get(s->by_key, key) != NULL)
		goto out;
	list = json_object_get(s->by_type, type);
	if (list == NULL) {
		list = json_array();
		if (list == NULL || json_object_set_new(s->by_type, type, list) != 0)
			goto out;
	}
	if (json_array_append(list, resource) != 0)
		goto out;
	if (json_object_set(s->by_key, key, resource) != 0) {
		json_array_remove(list, json_array_size(list) - 1);
		goto out;
	}
	rc = 0;
out:
	json_decref(resource);
	return rc;
}

size_t fhir_store_count(const struct fhir_store *s, const char *type)
{
	return json_array_size(json_object_get(s->by_type, type));
}

json_t *fhir_store_at(const struct fhir_store *s, const char *type, size_t i)
{
	return json_array_get(json_object_get(s->by_type, type), i);
}

json_t *fhir_store_get(const struct fhir_store *s, const char *type_slash_id)
{
	return json_object_get(s->by_key, type_slash_id);
}

/*
 * fhir_store — FHIR resources held in memory: by type in the order they
 * were added (the order searches answer in), and by "Type/id".
 *
 * A resource is a jansson object with string "resourceType" and "id". The
 * store owns what it holds; the json_t it hands out is borrowed, valid until
 * fhir_store_free(), and must not be changed (an answer takes its own
 * reference with json_incref()).
 */
#pragma once

#include <stddef.h>

#include <jansson.h>

struct fhir_store;

struct fhir_store *fhir_store_new(void);
/* NULL is fine. */
void fhir_store_free(struct fhir_store *s);

/*
 * Adds resource (the reference is stolen, also on failure). -1 when it is
 * NULL, lacks resourceType or id, repeats a "Type/id", or memory runs out.
 */
__attribute__((warn_unused_result))
int fhir_store_add(struct fhir_store *s, json_t *resource);

size_t fhir_store_count(const struct fhir_store *s, const char *type);
/* The i-th resource of type (i < count), borrowed. */
json_t *fhir_store_at(const struct fhir_store *s, const char *type, size_t i);
/* By "Type/id", borrowed; NULL when there is none. */
json_t *fhir_store_get(const struct fhir_store *s, const char *type_slash_id);

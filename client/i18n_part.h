/*
 * i18n_part — how the message catalogue is split over files; for the i18n*.c
 * files only, not part of the i18n interface.
 *
 * i18n.c holds the messages before the first I18N_PART_ marker of enum
 * i18n_msg. Each part after it is an array of its own in its own file,
 * indexed from the part's marker: write its entries with I18N_IN_PART so
 * that an entry of another part does not compile (its index falls outside
 * the array). i18n_get_in() picks the array by the id's range.
 */
#pragma once

#include "i18n.h"

/* A designated initializer for message `id` of the part starting at `part`. */
#define I18N_IN_PART(part, id) [(id) - (part)]

/* The notices part: I18N_PART_NOTICES up to I18N_PART_FORMS (i18n_notices.c). */
extern const char *const i18n_notices_part[I18N_PART_FORMS - I18N_PART_NOTICES][I18N_NLANGS];
/* The paper forms part: I18N_PART_FORMS up to I18N_MSG_COUNT (i18n_forms.c). */
extern const char *const i18n_forms_part[I18N_MSG_COUNT - I18N_PART_FORMS][I18N_NLANGS];

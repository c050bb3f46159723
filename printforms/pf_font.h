/*
 * pf_font — the one place that opens the CJK font with libharu.
 *
 * pf_font_metrics() reads the font once, at printforms_open(), into a
 * pf_metrics table (widths and glyph coverage). Coverage comes from
 * libharu's own cmap lookup (HPDF_TTFontDef_GetGlyphid, exported by
 * libhpdf 2.3.0 and declared in the installed hpdf_fontdef.h): it is
 * exactly the table libharu encodes text with, so "covered" means "libharu
 * will draw it". Measured on wqy-zenhei.ttc: it agrees with FreeType's
 * FT_Get_Char_Index on all 63,488 BMP non-surrogate code points, so no
 * second font library is needed.
 *
 * pf_font_doc_new() makes a new libharu document with the font loaded and
 * UTF-8 selected: one per render, so threads never share a document.
 */
#pragma once

#include <stdbool.h>
#include <hpdf.h>

#include "printforms.h"
#include "pf_text.h"

/* Records the first libharu error of a document (libharu calls us on error). */
typedef struct pf_hpdf_status {
	HPDF_STATUS code;
	HPDF_STATUS detail;
} pf_hpdf_status;

/* Fill *m from the font. PRINTFORMS_EIO if the file cannot be read, PRINTFORMS_EPDF if libharu refuses it. */
int pf_font_metrics(const char *path, unsigned index, pf_metrics *m, printforms_error *err)
	PRINTFORMS_MUST_CHECK;

/*
 * A new document with the font embedded. *status must stay at its address
 * until HPDF_Free(*doc): libharu reports errors into it. The caller frees
 * the document with HPDF_Free().
 */
int pf_font_doc_new(const char *path, unsigned index, bool compress, pf_hpdf_status *status,
	HPDF_Doc *doc, HPDF_Font *font, printforms_error *err) PRINTFORMS_MUST_CHECK;

/* "WHAT: libharu error 0x1017 (detail 2)" into err; returns PRINTFORMS_EPDF. */
int pf_font_hpdf_error(const pf_hpdf_status *status, const char *where, const char *what,
	printforms_error *err);

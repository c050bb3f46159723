#include "pf_font.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <hpdf_doc.h>
#include <hpdf_fontdef.h>

#include "pf_error.h"

static void on_hpdf_error(HPDF_STATUS code, HPDF_STATUS detail, void *arg)
{
	pf_hpdf_status *status = arg;

	/* Reading the finished document out of its memory stream ends in EOF: not a failure. */
	if (code == HPDF_STREAM_EOF)
		return;
	if (status->code == HPDF_OK) {
		status->code = code;
		status->detail = detail;
	}
}

int pf_font_hpdf_error(const pf_hpdf_status *status, const char *where, const char *what,
	printforms_error *err)
{
	return pf_fail(err, PRINTFORMS_EPDF, where, "%s: libharu error 0x%04lX (detail %lu)", what,
		(unsigned long)status->code, (unsigned long)status->detail);
}

static int check_readable(const char *path, printforms_error *err)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return pf_fail(err, PRINTFORMS_EIO, path, "cannot open the font: %s", strerror(errno));
	fclose(f);
	return 0;
}

/* Load the font into doc; its name in *name. */
static int load_font(HPDF_Doc doc, const char *path, unsigned index, const pf_hpdf_status *status,
	const char **name, printforms_error *err)
{
	if (HPDF_UseUTFEncodings(doc) != HPDF_OK ||
	    HPDF_SetCurrentEncoder(doc, "UTF-8") != HPDF_OK)
		return pf_font_hpdf_error(status, "", "selecting UTF-8", err);
	*name = HPDF_LoadTTFontFromFile2(doc, path, index, HPDF_TRUE);
	if (!*name)
		return pf_font_hpdf_error(status, path, "loading the font (is it a TrueType font or collection?)", err);
	return 0;
}

int pf_font_metrics(const char *path, unsigned index, pf_metrics *m, printforms_error *err)
{
	pf_hpdf_status status = { 0 };
	const char *name;
	HPDF_FontDef def;
	HPDF_Doc doc;
	int rc = check_readable(path, err);

	if (rc)
		return rc;
	doc = HPDF_New(on_hpdf_error, &status);
	if (!doc)
		return pf_fail(err, PRINTFORMS_ENOMEM, "", "libharu: out of memory");
	rc = load_font(doc, path, index, &status, &name, err);
	if (rc)
		goto out;
	def = HPDF_GetFontDef(doc, name);
	if (!def || def->type != HPDF_FONTDEF_TYPE_TRUETYPE) {
		rc = pf_fail(err, PRINTFORMS_EPDF, path, "not a TrueType font");
		goto out;
	}
	for (uint32_t cp = 0; cp < PF_METRICS_SIZE; cp++) {
		bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
		HPDF_UINT16 gid = surrogate ? 0 : HPDF_TTFontDef_GetGlyphid(def, (HPDF_UINT16)cp);
		m->adv[cp] = gid ? HPDF_TTFontDef_GetCharWidth(def, (HPDF_UINT16)cp) : -1;
		if (m->adv[cp] < -1) /* a negative advance is nonsense: treat as missing */
			m->adv[cp] = -1;
	}
	if (status.code != HPDF_OK)
		rc = pf_font_hpdf_error(&status, path, "reading the font's widths", err);
out:
	HPDF_Free(doc);
	return rc;
}

int pf_font_doc_new(const char *path, unsigned index, bool compress, pf_hpdf_status *status,
	HPDF_Doc *doc, HPDF_Font *font, printforms_error *err)
{
	const char *name;
	int rc;

	*font = NULL;
	*doc = HPDF_New(on_hpdf_error, status);
	if (!*doc)
		return pf_fail(err, PRINTFORMS_ENOMEM, "", "libharu: out of memory");
	rc = load_font(*doc, path, index, status, &name, err);
	if (rc)
		goto fail;
	if (compress && HPDF_SetCompressionMode(*doc, HPDF_COMP_ALL) != HPDF_OK) {
		rc = pf_font_hpdf_error(status, "", "setting compression", err);
		goto fail;
	}
	/* The costly call (it walks every code of the font): once per document. */
	*font = HPDF_GetFont(*doc, name, "UTF-8");
	if (!*font) {
		rc = pf_font_hpdf_error(status, path, "preparing the font", err);
		goto fail;
	}
	return 0;
fail:
	HPDF_Free(*doc);
	*doc = NULL;
	return rc;
}

/*
 * pf_qr — the QR code of a sheet: its payload and its dark modules.
 *
 * Payload "LL1|serial|form|dept|patient" (printforms_qr_text): a version
 * tag, then the serial the print register knows, the form code, the
 * department code and the patient id ("" on a department sheet). Every part
 * is [A-Za-z0-9._-], so '|' can never be part of a value.
 *
 * The symbol is drawn as rectangles, one per horizontal run of dark
 * modules, all filled by one path fill: a few hundred path operators instead
 * of a thousand separate fills.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <qrencode.h>

/* True for 1..max characters of [A-Za-z0-9._-]. */
bool pf_qr_part_ok(const char *s, size_t max);

/* The symbol for text at error correction level M, or NULL (no memory, too long). Free with QRcode_free(). */
QRcode *pf_qr_encode(const char *text);

/* A run of dark modules in one row: columns [x, x + len). */
typedef struct pf_qr_run {
	int x, y, len;
} pf_qr_run;

/*
 * Call fn for every run of dark modules, row by row; returns the number of
 * runs.
 */
size_t pf_qr_runs(const QRcode *q, void (*fn)(void *arg, pf_qr_run run), void *arg);

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "printforms.h"
#include "pf_qr.h"

bool pf_qr_part_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int printforms_qr_text(char *buf, size_t cap, const char *serial, const char *form,
	const char *dept, const char *patient)
{
	int n;

	if (!pf_qr_part_ok(serial, PRINTFORMS_SERIAL_MAX) || !pf_qr_part_ok(form, 32) ||
	    !pf_qr_part_ok(dept, 32) || (patient && *patient && !pf_qr_part_ok(patient, 32)))
		return PRINTFORMS_EINVAL;
	n = snprintf(buf, cap, "LL1|%s|%s|%s|%s", serial, form, dept, patient ? patient : "");
	return n >= 0 && (size_t)n < cap ? 0 : PRINTFORMS_ETOOBIG;
}

QRcode *pf_qr_encode(const char *text)
{
	/* version 0 = the smallest that holds the text; 8-bit mode, case kept */
	return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

size_t pf_qr_runs(const QRcode *q, void (*fn)(void *arg, pf_qr_run run), void *arg)
{
	size_t runs = 0;

	for (int y = 0; y < q->width; y++) {
		const unsigned char *row = q->data + (size_t)y * (size_t)q->width;

		for (int x = 0; x < q->width;) {
			int start;

			if (!(row[x] & 1)) { /* bit 0 of a module is "dark" */
				x++;
				continue;
			}
			for (start = x; x < q->width && (row[x] & 1); x++)
				;
			fn(arg, (pf_qr_run){ start, y, x - start });
			runs++;
		}
	}
	return runs;
}

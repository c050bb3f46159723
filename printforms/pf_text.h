/*
 * pf_text — measuring, wrapping and fitting UTF-8 text with font metrics.
 *
 * Pure: no libharu here. pf_metrics holds the advance width of every Basic
 * Multilingual Plane character in the font, in 1/1000 em, or -1 where the
 * font has no glyph. It is filled once (pf_font.c) and then only read, so
 * one table serves every thread. Widths are the ones libharu uses, so a
 * measure here equals HPDF_Page_TextWidth() at the same size.
 *
 * Coverage: a character is drawable when it is in the BMP (libharu's UTF-8
 * encoder writes anything beyond as a blank) and the font maps it to a
 * glyph. Control characters are never drawable. Invalid UTF-8 is never
 * drawable either (jansson refuses it anyway).
 *
 * Wrapping: a line may break after a space or before and after a CJK
 * character (U+2E80 and up); a run of Latin letters breaks only at spaces
 * unless it is longer than the line, then anywhere. Line-start punctuation
 * rules (no "，" at a line start) are not applied: forms hold short texts.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PF_METRICS_SIZE 0x10000

typedef struct pf_metrics {
	int16_t adv[PF_METRICS_SIZE]; /* 1/1000 em; -1 = no glyph */
} pf_metrics;

/*
 * Decode the character at s[*i] (len bytes in all) and advance *i. A
 * malformed sequence yields 0xFFFFFFFF and advances one byte.
 */
uint32_t pf_utf8_next(const char *s, size_t len, size_t *i);

/* True when the font can draw cp. */
bool pf_text_covered(const pf_metrics *m, uint32_t cp);

/* The first character of s the font cannot draw, or 0 when all can be drawn. */
uint32_t pf_text_uncovered(const pf_metrics *m, const char *s);

/* Width of s[0..len) at size points (undrawable characters count as 0). */
float pf_text_width(const pf_metrics *m, const char *s, size_t len, float size);

/*
 * Length in bytes of the first line of s[0..len) that fits width at size,
 * without the trailing spaces it breaks on. Always > 0 when len > 0 and s
 * does not start with a space, so wrapping makes progress even when one
 * character is wider than the line. *next is set to where the next line
 * starts (spaces skipped).
 */
size_t pf_text_line(const pf_metrics *m, const char *s, size_t len, float size, float width,
	size_t *next);

/* Number of lines s wraps to (0 for an empty or all-space text). */
unsigned pf_text_lines(const pf_metrics *m, const char *s, float size, float width);

typedef struct pf_fit {
	float size;      /* font size to draw with */
	unsigned lines;  /* lines at that size (0 for an empty text) */
} pf_fit;

/*
 * Fit s into a cell width wide: at size if it takes at most max_lines,
 * else at the largest size down to min_size (steps of 0.5 pt) that does,
 * else at min_size with as many lines as it needs — text is never cut, the
 * caller grows the cell.
 */
pf_fit pf_text_fit(const pf_metrics *m, const char *s, float width, float size,
	float min_size, unsigned max_lines);

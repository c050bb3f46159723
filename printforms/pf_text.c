#include "pf_text.h"

#include <string.h>

#define PF_BAD_CP 0xFFFFFFFFu

uint32_t pf_utf8_next(const char *s, size_t len, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s + *i;
	size_t left = len - *i;
	uint32_t cp;
	size_t n;

	if (u[0] < 0x80) {
		*i += 1;
		return u[0];
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		cp = u[0] & 0x1F;
		n = 2;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		cp = u[0] & 0x0F;
		n = 3;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		cp = u[0] & 0x07;
		n = 4;
	} else {
		*i += 1;
		return PF_BAD_CP;
	}
	if (left < n) {
		*i += 1;
		return PF_BAD_CP;
	}
	for (size_t k = 1; k < n; k++) {
		if ((u[k] & 0xC0) != 0x80) {
			*i += 1;
			return PF_BAD_CP;
		}
		cp = (cp << 6) | (u[k] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are malformed. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF)) {
		*i += 1;
		return PF_BAD_CP;
	}
	*i += n;
	return cp;
}

bool pf_text_covered(const pf_metrics *m, uint32_t cp)
{
	if (cp >= PF_METRICS_SIZE || cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return false;
	return m->adv[cp] >= 0;
}

uint32_t pf_text_uncovered(const pf_metrics *m, const char *s)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		uint32_t cp = pf_utf8_next(s, len, &i);
		if (!pf_text_covered(m, cp))
			return cp;
	}
	return 0;
}

static float cp_width(const pf_metrics *m, uint32_t cp, float size)
{
	if (!pf_text_covered(m, cp))
		return 0;
	return (float)m->adv[cp] * size / 1000.0f;
}

float pf_text_width(const pf_metrics *m, const char *s, size_t len, float size)
{
	float w = 0;
	size_t i = 0;

	while (i < len)
		w += cp_width(m, pf_utf8_next(s, len, &i), size);
	return w;
}

static bool is_cjk(uint32_t cp)
{
	return cp >= 0x2E80 && cp != PF_BAD_CP;
}

size_t pf_text_line(const pf_metrics *m, const char *s, size_t len, float size, float width,
	size_t *next)
{
	size_t i = 0, brk = 0, brk_next = 0;
	float w = 0;
	uint32_t prev = 0;
	bool overflow = false;

	while (i < len) {
		size_t at = i;
		uint32_t cp = pf_utf8_next(s, len, &i);

		if (cp == ' ') {
			/* Break before the space; a run of spaces is trimmed below. */
			brk = at;
			brk_next = i;
			w += cp_width(m, cp, size);
			prev = cp;
			continue;
		}
		if (at > 0 && (is_cjk(cp) || is_cjk(prev)) && prev != ' ') {
			brk = at;
			brk_next = at;
		}
		w += cp_width(m, cp, size);
		if (w > width && at > 0) {
			if (brk == 0) /* one word longer than the line: cut it here */
				brk = brk_next = at;
			overflow = true;
			break;
		}
		prev = cp;
	}
	if (!overflow) { /* the rest fits (or is one character wider than the line) */
		brk = len;
		brk_next = len;
	}
	/* Drop the spaces the line breaks on, and skip them for the next line. */
	while (brk > 0 && s[brk - 1] == ' ')
		brk--;
	while (brk_next < len && s[brk_next] == ' ')
		brk_next++;
	*next = brk_next;
	return brk;
}

unsigned pf_text_lines(const pf_metrics *m, const char *s, float size, float width)
{
	size_t len = strlen(s), pos = 0;
	unsigned lines = 0;

	while (pos < len && s[pos] == ' ')
		pos++;
	while (pos < len) {
		size_t next;
		(void)pf_text_line(m, s + pos, len - pos, size, width, &next);
		pos += next;
		lines++;
	}
	return lines;
}

pf_fit pf_text_fit(const pf_metrics *m, const char *s, float width, float size,
	float min_size, unsigned max_lines)
{
	pf_fit fit = { size, pf_text_lines(m, s, size, width) };

	while (fit.lines > max_lines && fit.size - 0.5f >= min_size) {
		fit.size -= 0.5f;
		fit.lines = pf_text_lines(m, s, fit.size, width);
	}
	return fit;
}

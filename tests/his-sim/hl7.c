/* hl7 — reading HL7 v2 (ER7) messages: delimiters, segments, fields, escapes. */
#include "hl7.h"

#include <string.h>

const struct hl7_delims hl7_default_delims = { '|', '^', '~', '\\', '&' };

static bool hl7_is_line_end(char c)
{
	return c == '\r' || c == '\n';
}

static bool hl7_is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A delimiter: printable ASCII, neither a letter nor a digit. */
static bool hl7_delim_ok(char c)
{
	return c > ' ' && c < 0x7f && !hl7_is_alnum(c);
}

static void hl7_fail(struct hl7_error *err, enum hl7_status code, const char *text)
{
	if (err == NULL)
		return;
	err->code = code;
	strncpy(err->text, text, sizeof(err->text) - 1);
	err->text[sizeof(err->text) - 1] = '\0';
}

/* Piece n (from 1) of s split by sep; false when s has fewer pieces. */
static bool hl7_split(struct hl7_span s, char sep, unsigned n, struct hl7_span *out)
{
	const char *p = s.ptr, *end = s.ptr + s.len;

	*out = (struct hl7_span){ s.ptr, 0 };
	if (n == 0 || s.ptr == NULL)
		return false;
	for (unsigned i = 1; i < n; i++) {
		const char *q = memchr(p, sep, (size_t)(end - p));

		if (q == NULL)
			return false;
		p = q + 1;
	}
	{
		const char *q = memchr(p, sep, (size_t)(end - p));

		*out = (struct hl7_span){ p, (size_t)((q != NULL ? q : end) - p) };
	}
	return true;
}

int hl7_parse(struct hl7_msg *msg, const char *data, size_t len, struct hl7_error *err)
{
	struct hl7_segment seg = HL7_SEGMENT_FIRST;
	struct hl7_msg probe = { data, len, hl7_default_delims };
	const char *enc, *p;
	size_t n_enc;
	char d0, all[6];

	if (!hl7_next_segment(&probe, &seg)) {
		hl7_fail(err, HL7_ERR_EMPTY, "the message is empty");
		return HL7_ERR_EMPTY;
	}
	if (seg.text.len < 4 || memcmp(seg.text.ptr, "MSH", 3) != 0) {
		hl7_fail(err, HL7_ERR_NO_MSH, "the message does not start with an MSH segment");
		return HL7_ERR_NO_MSH;
	}
	d0 = seg.text.ptr[3];
	enc = seg.text.ptr + 4;
	p = memchr(enc, d0, seg.text.len - 4);
	n_enc = (size_t)((p != NULL ? p : seg.text.ptr + seg.text.len) - enc);
	/* v2.7 adds a fifth, the truncation character, which we only tolerate. */
	if (!hl7_delim_ok(d0) || n_enc < 4 || n_enc > 5) {
		hl7_fail(err, HL7_ERR_DELIMITERS, "MSH-1 and MSH-2 must declare the delimiters, "
		    "e.g. MSH|^~\\&|");
		return HL7_ERR_DELIMITERS;
	}
	all[0] = d0;
	memcpy(all + 1, enc, n_enc);
	for (size_t i = 0; i < n_enc + 1; i++) {
		bool ok = hl7_delim_ok(all[i]);

		for (size_t j = 0; ok && j < i; j++)
			ok = all[j] != all[i];
		if (!ok) {
			hl7_fail(err, HL7_ERR_DELIMITERS, "the delimiters in MSH-1 and MSH-2 "
			    "must be distinct punctuation characters");
			return HL7_ERR_DELIMITERS;
		}
	}
	msg->data = data;
	msg->len = len;
	msg->delims = (struct hl7_delims){ d0, all[1], all[2], all[3], all[4] };
	return HL7_OK;
}

bool hl7_next_segment(const struct hl7_msg *msg, struct hl7_segment *seg)
{
	size_t pos = seg->next, end;

	while (pos < msg->len && hl7_is_line_end(msg->data[pos]))
		pos++;
	if (pos >= msg->len) {
		seg->next = msg->len;
		return false;
	}
	for (end = pos; end < msg->len && !hl7_is_line_end(msg->data[end]); end++)
		;
	seg->text = (struct hl7_span){ msg->data + pos, end - pos };
	seg->next = end;
	seg->id[0] = '\0';
	if (seg->text.len >= 3 && (seg->text.len == 3 || seg->text.ptr[3] == msg->delims.field)) {
		bool ok = true;

		for (size_t i = 0; i < 3; i++) {
			char c = seg->text.ptr[i];
			ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
		}
		if (ok) {
			memcpy(seg->id, seg->text.ptr, 3);
			seg->id[3] = '\0';
		}
	}
	return true;
}

bool hl7_find_segment(const struct hl7_msg *msg, const char *id, unsigned nth,
    struct hl7_segment *out)
{
	struct hl7_segment seg = HL7_SEGMENT_FIRST;
	unsigned seen = 0;

	while (nth > 0 && hl7_next_segment(msg, &seg)) {
		if (seg.id[0] != '\0' && strcmp(seg.id, id) == 0 && ++seen == nth) {
			*out = seg;
			return true;
		}
	}
	return false;
}

bool hl7_field(const struct hl7_msg *msg, const struct hl7_segment *seg, unsigned n,
    struct hl7_span *out)
{
	bool msh = strcmp(seg->id, "MSH") == 0;

	if (n == 0) {
		*out = (struct hl7_span){ seg->text.ptr, 0 };
		return false;
	}
	if (msh && n == 1) {
		/* A later segment may be a bare "MSH": no separator to point at. */
		if (seg->text.len < 4) {
			*out = (struct hl7_span){ seg->text.ptr, 0 };
			return false;
		}
		*out = (struct hl7_span){ seg->text.ptr + 3, 1 };
		return true;
	}
	/* Piece 1 is the segment id; in MSH the separator after it is MSH-1. */
	return hl7_split(seg->text, msg->delims.field, msh ? n : n + 1, out);
}

bool hl7_repetition(const struct hl7_msg *msg, struct hl7_span field, unsigned n,
    struct hl7_span *out)
{
	return hl7_split(field, msg->delims.repetition, n, out);
}

bool hl7_component(const struct hl7_msg *msg, struct hl7_span value, unsigned n,
    struct hl7_span *out)
{
	return hl7_split(value, msg->delims.component, n, out);
}

bool hl7_subcomponent(const struct hl7_msg *msg, struct hl7_span component, unsigned n,
    struct hl7_span *out)
{
	return hl7_split(component, msg->delims.subcomponent, n, out);
}

bool hl7_get(const struct hl7_msg *msg, const char *seg_id, unsigned field,
    unsigned component, struct hl7_span *out)
{
	struct hl7_segment seg;
	struct hl7_span f, rep;

	*out = (struct hl7_span){ NULL, 0 };
	if (!hl7_find_segment(msg, seg_id, 1, &seg) || !hl7_field(msg, &seg, field, &f))
		return false;
	if (component == 0) {
		*out = f;
		return true;
	}
	if (strcmp(seg_id, "MSH") == 0 && field <= 2) {
		if (component != 1)
			return false;
		*out = f;
		return true;
	}
	return hl7_repetition(msg, f, 1, &rep) && hl7_component(msg, rep, component, out);
}

bool hl7_span_eq(struct hl7_span s, const char *str)
{
	size_t n = strlen(str);

	return s.len == n && (n == 0 || memcmp(s.ptr, str, n) == 0);
}

size_t hl7_span_copy(struct hl7_span s, char *buf, size_t size)
{
	size_t n;

	if (size == 0)
		return s.len;
	n = s.len < size - 1 ? s.len : size - 1;
	if (n > 0)
		memcpy(buf, s.ptr, n);
	buf[n] = '\0';
	return s.len;
}

static int hl7_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t hl7_unescape(const struct hl7_msg *msg, struct hl7_span s, char *buf, size_t size)
{
	const struct hl7_delims *d = &msg->delims;
	size_t i = 0, n = 0;

#define HL7_PUT(c) do { if (n + 1 < size) buf[n] = (char)(c); n++; } while (0)
	while (i < s.len) {
		const char *close;
		const char *seq = s.ptr + i + 1;
		size_t seqlen;

		if (s.ptr[i] != d->escape ||
		    (close = memchr(seq, d->escape, s.len - i - 1)) == NULL || close == seq) {
			HL7_PUT(s.ptr[i]);
			i++;
			continue;
		}
		seqlen = (size_t)(close - seq);
		if (seqlen == 1 && memchr("FSTRE", seq[0], 5) != NULL) {
			switch (seq[0]) {
			case 'F': HL7_PUT(d->field); break;
			case 'S': HL7_PUT(d->component); break;
			case 'T': HL7_PUT(d->subcomponent); break;
			case 'R': HL7_PUT(d->repetition); break;
			default: HL7_PUT(d->escape); break;
			}
		} else if (seq[0] == 'X' && seqlen % 2 == 1) {
			for (size_t k = 1; k < seqlen; k += 2) {
				int hi = hl7_hex(seq[k]), lo = hl7_hex(seq[k + 1]);

				if (hi < 0 || lo < 0)
					break;
				HL7_PUT(hi * 16 + lo);
			}
		}
		/* Anything else (\H\, \N\, \.br\, \Cxxyy\ ...) is formatting: dropped. */
		i += seqlen + 2;
	}
#undef HL7_PUT
	if (size > 0)
		buf[n < size ? n : size - 1] = '\0';
	return n;
}

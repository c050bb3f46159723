/*
 * hl7 — reading HL7 v2 messages in their usual encoding (ER7, "pipe and
 * hat"): the delimiters declared by MSH, then segments, fields, repetitions,
 * components and subcomponents, and the value of an escaped text.
 *
 * Nothing here allocates, keeps state or knows about sockets: a struct
 * hl7_msg is a view over the caller's bytes (not NUL-terminated, may hold
 * any byte), and every struct hl7_span points into those bytes. Both stay
 * valid exactly as long as the bytes do. That keeps the parser cheap to
 * call per message and easy to drive from a unit test or a fuzzer.
 *
 * Glossary
 *   segment      one line of a message, e.g. "PID|1||12345^^^HOSP^MR",
 *                ended by CR. LF (and so CR LF) is accepted as an end too,
 *                and empty segments are skipped. Its id is its first three
 *                characters ("PID"), or "" when they are not [A-Z0-9]{3}
 *                followed by the field separator or the end of the segment.
 *   field        HL7 numbering from 1: PID-3 is the third value after "PID".
 *                In MSH, MSH-1 is the field separator itself and MSH-2 the
 *                encoding characters, so MSH-3 is the first value after them.
 *   repetition   a field may repeat, split by the repetition character (~).
 *   component    a part of a field (of one repetition), split by ^, numbered
 *                from 1: MSH-9.2 is the trigger event of the message type.
 *   subcomponent a part of a component, split by &.
 *   absent/empty the getters return false for an element past the last
 *                separator (absent) and true for one between two separators
 *                even when it is empty; *out is an empty span in both cases,
 *                so "s.len > 0" is the usual test for "has a value".
 *
 * Values are returned raw, escape sequences included (a literal delimiter
 * in data is always escaped, so splitting on the raw characters is right);
 * hl7_unescape() gives the text a person meant.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Bytes inside a message; not NUL-terminated. */
struct hl7_span {
	const char *ptr;
	size_t len;
};

/* The delimiters of one message, from MSH-1 and MSH-2. */
struct hl7_delims {
	char field;        /* |  */
	char component;    /* ^  */
	char repetition;   /* ~  */
	char escape;       /* \  */
	char subcomponent; /* &  */
};

/* The usual delimiters, |^~\&, for writing a message from scratch. */
extern const struct hl7_delims hl7_default_delims;

/* A parsed message: the caller's bytes and their delimiters. */
struct hl7_msg {
	const char *data;
	size_t len;
	struct hl7_delims delims;
};

enum hl7_status {
	HL7_OK = 0,
	HL7_ERR_EMPTY = -1,      /* nothing but line ends */
	HL7_ERR_NO_MSH = -2,     /* the first segment is not MSH */
	HL7_ERR_DELIMITERS = -3, /* MSH-1 / MSH-2 do not declare usable delimiters */
};

/* Why hl7_parse() refused a message, for a log line or an ERR segment. */
struct hl7_error {
	enum hl7_status code;
	char text[128];
};

/*
 * One segment, also the state of an iteration over them. Start from
 * HL7_SEGMENT_FIRST; hl7_next_segment() moves to the next one.
 */
struct hl7_segment {
	struct hl7_span text; /* without its line end */
	char id[4];           /* "PID", or "" (see the glossary) */
	size_t next;          /* where the next segment is looked for */
};

#define HL7_SEGMENT_FIRST { { NULL, 0 }, "", 0 }

/*
 * Reads the delimiters from the MSH segment that must come first (line ends
 * before it are skipped). MSH-1 and the 4 or 5 encoding characters of MSH-2
 * must be distinct, printable and neither letters nor digits. On success
 * *msg views data; on failure err (may be NULL) says why.
 */
__attribute__((warn_unused_result))
int hl7_parse(struct hl7_msg *msg, const char *data, size_t len, struct hl7_error *err);

/* The next non-empty segment after *seg; false at the end of the message. */
bool hl7_next_segment(const struct hl7_msg *msg, struct hl7_segment *seg);

/* The nth (from 1) segment with this id, e.g. ("OBX", 2); false if none. */
bool hl7_find_segment(const struct hl7_msg *msg, const char *id, unsigned nth,
    struct hl7_segment *out);

/* Field n (from 1, HL7 numbering, see the glossary) of a segment. */
bool hl7_field(const struct hl7_msg *msg, const struct hl7_segment *seg, unsigned n,
    struct hl7_span *out);

/* Repetition n (from 1) of a field. A field without ~ is its own repetition 1. */
bool hl7_repetition(const struct hl7_msg *msg, struct hl7_span field, unsigned n,
    struct hl7_span *out);

/* Component n (from 1) of a value (one repetition of a field). */
bool hl7_component(const struct hl7_msg *msg, struct hl7_span value, unsigned n,
    struct hl7_span *out);

/* Subcomponent n (from 1) of a component. */
bool hl7_subcomponent(const struct hl7_msg *msg, struct hl7_span component, unsigned n,
    struct hl7_span *out);

/*
 * "SEG-field.component" in one call, e.g. ("MSH", 9, 2) for the trigger
 * event: the first segment with that id, its field, and of the field's first
 * repetition the component (0: the whole field, every repetition). MSH-1 and
 * MSH-2 are never split: component 1 is the whole field, others are absent.
 */
bool hl7_get(const struct hl7_msg *msg, const char *seg_id, unsigned field,
    unsigned component, struct hl7_span *out);

/* True when the span holds exactly the NUL-terminated str. */
bool hl7_span_eq(struct hl7_span s, const char *str);

/*
 * Copies the span into buf as a NUL-terminated string, cut to size - 1
 * bytes (size 0: nothing written). Returns s.len, like snprintf, so
 * "hl7_span_copy(...) >= size" tells that it was cut.
 */
size_t hl7_span_copy(struct hl7_span s, char *buf, size_t size);

/*
 * Writes the value of an escaped text into buf, NUL-terminated and cut to
 * size - 1 bytes: \F\ \S\ \T\ \R\ \E\ become the delimiters, \Xhh..\ the
 * bytes hh.., formatting escapes (\H\, \N\, \.br\, ...) are dropped, and a
 * lone escape character is kept as it is. Returns the length of the whole
 * value, like snprintf.
 */
size_t hl7_unescape(const struct hl7_msg *msg, struct hl7_span s, char *buf, size_t size);

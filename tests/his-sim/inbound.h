/*
 * inbound — what a target does with an HL7 v2 message that reached it over
 * MLLP, and the ACK it answers (the receiving application, in HL7 words).
 *
 * mllp.c hands over the payload of one frame, after fault injection:
 * inbound_receive() when the message may be handled, inbound_reject() when
 * sim injected a failure (down 503, flaky). Either writes one ACK, unframed,
 * into the caller's buffer:
 *
 *   MSH|^~\&|HIS-SIM|<req MSH-6>|<req MSH-3>|<req MSH-4>|<YYYYMMDDHHMMSS>||
 *       ACK^<req MSH-9.2>^ACK|HSIM<n>|P|2.5
 *   MSA|<AA|AE|AR>|<req MSH-10>[|<text>]
 *   ERR||<where>|<code>^<name>^HL70357|E||||<text>   (AE and AR only)
 *
 * each segment ended by CR, written with the request's own delimiters
 * (|^~\& when it has no usable MSH). The control ids HSIM<n> are unique in
 * one his-sim process.
 *
 * Which ACK: a payload without a usable MSH (hl7_parse() fails), or without
 * MSH-9.1 (message type) or MSH-10 (control id), is rejected with AR and
 * the ERR says why. Otherwise the message goes to the handler of its type
 * (MSH-9.1) in the table in inbound.c, or to the default one, which accepts
 * (AA). Storing what replay sends (RDE, DFT, ... keyed by MSH-10) means
 * adding rows to that table; handlers read the message through hl7.h and
 * fill a struct inbound_answer, never the ACK itself.
 *
 * Counts every message handled (AR included) as "mllp" in sim's "received".
 */
#pragma once

#include <stddef.h>

#include "hl7.h"

struct evbuffer;
struct sim_target;

/* MSA-1. */
enum inbound_code {
	INBOUND_AA, /* accepted */
	INBOUND_AE, /* application error: try again later */
	INBOUND_AR, /* rejected: do not send this again */
};

/* What a handler decided; error and text matter for AE and AR only. */
struct inbound_answer {
	enum inbound_code code;
	unsigned error;        /* HL7 table 0357, e.g. 207 application internal error */
	const char *error_loc; /* ERR-2, e.g. "MSH^1^10", or NULL */
	char text[160];        /* for people: MSA-3 and ERR-8 */
};

/* A handler for one message type. msg is valid during the call only. */
typedef void (*inbound_handler_fn)(struct sim_target *t, const struct hl7_msg *msg,
    struct inbound_answer *ans);

/*
 * Handles the message in data[0..len) and appends its ACK to out.
 * 0, or -1 when out of memory (then out may hold part of an ACK).
 */
__attribute__((warn_unused_result))
int inbound_receive(struct sim_target *t, const char *data, size_t len, struct evbuffer *out);

/* The AE ACK of an injected failure: no handler runs, nothing is counted. */
__attribute__((warn_unused_result))
int inbound_reject(struct sim_target *t, const char *data, size_t len, struct evbuffer *out);

/* inbound — handling HL7 v2 messages by type, and writing their ACKs. */
#include "inbound.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "sim.h"

#define INBOUND_SENDER "HIS-SIM"
#define INBOUND_VERSION "2.5"

/* HL7 table 0357, message error condition codes. */
#define INBOUND_ERR_SEGMENT 100   /* segment sequence error */
#define INBOUND_ERR_REQUIRED 101  /* required field missing */
#define INBOUND_ERR_DATA_TYPE 102 /* data type error */
#define INBOUND_ERR_INTERNAL 207  /* application internal error */

static void inbound_accept(struct sim_target *t, const struct hl7_msg *msg,
    struct inbound_answer *ans);

/*
 * Handlers by message type (MSH-9.1); the first row that matches wins, and
 * the last row (type NULL) takes every type not named before it.
 */
static const struct inbound_route {
	const char *type;
	inbound_handler_fn handle;
} inbound_routes[] = {
	{ NULL, inbound_accept },
};

static void inbound_accept(struct sim_target *t, const struct hl7_msg *msg,
    struct inbound_answer *ans)
{
	(void)t;
	(void)msg;
	ans->code = INBOUND_AA;
}

/* ---- writing the ACK ----------------------------------------------------- */

static const char *inbound_error_name(unsigned code)
{
	switch (code) {
	case INBOUND_ERR_SEGMENT: return "Segment sequence error";
	case INBOUND_ERR_REQUIRED: return "Required field missing";
	case INBOUND_ERR_DATA_TYPE: return "Data type error";
	default: return "Application internal error";
	}
}

/*
 * A value copied from the request, as it is: it holds no delimiter that
 * would break our segment, but may hold VT or FS bytes (only FS CR ends a
 * frame), which must not reach the client's framer.
 */
static int inbound_put_raw(struct evbuffer *out, struct hl7_span s)
{
	size_t start = 0;
	int rc = 0;

	for (size_t i = 0; i <= s.len; i++) {
		if (i < s.len && s.ptr[i] != 0x0b && s.ptr[i] != 0x1c)
			continue;
		if (i > start)
			rc |= evbuffer_add(out, s.ptr + start, i - start);
		start = i + 1;
	}
	return rc;
}

/* Our own text, with the request's delimiters escaped (\F\, \S\, ...). */
static int inbound_put_text(struct evbuffer *out, const struct hl7_delims *d, const char *text)
{
	int rc = 0;

	for (const char *p = text; *p != '\0'; p++) {
		char esc = *p == d->field ? 'F' : *p == d->component ? 'S' :
		    *p == d->subcomponent ? 'T' : *p == d->repetition ? 'R' :
		    *p == d->escape ? 'E' : '\0';

		if (esc != '\0')
			rc |= evbuffer_add_printf(out, "%c%c%c", d->escape, esc, d->escape) < 0;
		else
			rc |= evbuffer_add(out, p, 1);
	}
	return rc;
}

/* Field fld (component comp, 0: whole) of the request's MSH; nothing without a request. */
static int inbound_put_msh(struct evbuffer *out, const struct hl7_msg *req, unsigned fld,
    unsigned comp)
{
	struct hl7_span s;

	if (req == NULL || !hl7_get(req, "MSH", fld, comp, &s))
		return 0;
	return inbound_put_raw(out, s);
}

static int inbound_write_ack(struct sim_target *t, const struct hl7_msg *req,
    const struct inbound_answer *ans, struct evbuffer *out)
{
	static const char *const codes[] = {
		[INBOUND_AA] = "AA", [INBOUND_AE] = "AE", [INBOUND_AR] = "AR",
	};
	const struct hl7_delims *d = req != NULL ? &req->delims : &hl7_default_delims;
	char f = d->field, c = d->component, ts[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc = 0;

	if (localtime_r(&now, &tm) == NULL || strftime(ts, sizeof(ts), "%Y%m%d%H%M%S", &tm) == 0)
		ts[0] = '\0';
	rc |= evbuffer_add_printf(out, "MSH%c%c%c%c%c%c" INBOUND_SENDER "%c", f, c,
	    d->repetition, d->escape, d->subcomponent, f, f) < 0;
	rc |= inbound_put_msh(out, req, 6, 0);
	rc |= evbuffer_add(out, &f, 1);
	rc |= inbound_put_msh(out, req, 3, 0);
	rc |= evbuffer_add(out, &f, 1);
	rc |= inbound_put_msh(out, req, 4, 0);
	rc |= evbuffer_add_printf(out, "%c%s%c%cACK%c", f, ts, f, f, c) < 0;
	rc |= inbound_put_msh(out, req, 9, 2);
	rc |= evbuffer_add_printf(out, "%cACK%cHSIM%" PRIu64 "%cP%c" INBOUND_VERSION "\r",
	    c, f, sim_next_id(sim_target_sim(t)), f, f) < 0;

	rc |= evbuffer_add_printf(out, "MSA%c%s%c", f, codes[ans->code], f) < 0;
	rc |= inbound_put_msh(out, req, 10, 0);
	if (ans->code != INBOUND_AA) {
		rc |= evbuffer_add(out, &f, 1);
		rc |= inbound_put_text(out, d, ans->text);
		rc |= evbuffer_add_printf(out, "\rERR%c%c", f, f) < 0;
		/* ERR-2 is given as "SEG^1^n": its carets are the component separator. */
		for (const char *p = ans->error_loc != NULL ? ans->error_loc : ""; *p != '\0'; p++)
			rc |= evbuffer_add(out, *p == '^' ? &c : p, 1);
		rc |= evbuffer_add_printf(out, "%c%u%c", f, ans->error, c) < 0;
		rc |= inbound_put_text(out, d, inbound_error_name(ans->error));
		rc |= evbuffer_add_printf(out, "%cHL70357%cE%c%c%c%c", c, f, f, f, f, f) < 0;
		rc |= inbound_put_text(out, d, ans->text);
	}
	rc |= evbuffer_add(out, "\r", 1);
	return rc != 0 ? -1 : 0;
}

/* ---- entry points -------------------------------------------------------- */

int inbound_receive(struct sim_target *t, const char *data, size_t len, struct evbuffer *out)
{
	struct inbound_answer ans;
	struct hl7_error herr;
	struct hl7_msg msg;
	struct hl7_span type, control_id;

	memset(&ans, 0, sizeof(ans));
	sim_count(sim_target_sim(t), SIM_RX_MLLP);
	if (hl7_parse(&msg, data, len, &herr) != HL7_OK) {
		ans.code = INBOUND_AR;
		ans.error = herr.code == HL7_ERR_DELIMITERS ? INBOUND_ERR_DATA_TYPE :
		    INBOUND_ERR_SEGMENT;
		ans.error_loc = "MSH^1";
		snprintf(ans.text, sizeof(ans.text), "%s", herr.text);
		return inbound_write_ack(t, NULL, &ans, out);
	}
	if (!hl7_get(&msg, "MSH", 9, 1, &type) || type.len == 0) {
		ans.code = INBOUND_AR;
		ans.error = INBOUND_ERR_REQUIRED;
		ans.error_loc = "MSH^1^9";
		snprintf(ans.text, sizeof(ans.text), "MSH-9 (message type) is missing");
	} else if (!hl7_get(&msg, "MSH", 10, 0, &control_id) || control_id.len == 0) {
		ans.code = INBOUND_AR;
		ans.error = INBOUND_ERR_REQUIRED;
		ans.error_loc = "MSH^1^10";
		snprintf(ans.text, sizeof(ans.text), "MSH-10 (message control id) is missing");
	} else {
		for (size_t i = 0; i < sizeof(inbound_routes) / sizeof(inbound_routes[0]); i++) {
			if (inbound_routes[i].type == NULL || hl7_span_eq(type, inbound_routes[i].type)) {
				inbound_routes[i].handle(t, &msg, &ans);
				break;
			}
		}
	}
	return inbound_write_ack(t, &msg, &ans, out);
}

int inbound_reject(struct sim_target *t, const char *data, size_t len, struct evbuffer *out)
{
	struct inbound_answer ans;
	struct hl7_msg msg;
	bool parsed = hl7_parse(&msg, data, len, NULL) == HL7_OK;

	memset(&ans, 0, sizeof(ans));
	ans.code = INBOUND_AE;
	ans.error = INBOUND_ERR_INTERNAL;
	snprintf(ans.text, sizeof(ans.text), "%s is unavailable (simulated)", sim_target_name(t));
	return inbound_write_ack(t, parsed ? &msg : NULL, &ans, out);
}

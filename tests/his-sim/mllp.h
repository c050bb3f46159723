/*
 * mllp — the HL7 v2 side of a target: a TCP listener on its own port of
 * 127.0.0.1 speaking MLLP (Minimal Lower Layer Protocol), where every
 * message and every answer is framed as <VT> message <FS><CR>, bytes 0x0B
 * ... 0x1C 0x0D.
 *
 * A frame goes through the same pipeline as an HTTP request (sim.h):
 *
 *   count it -> sim_target_fault() -> hang: hold it | down 503, flaky: an
 *   AE ACK | none: inbound.c handles the message and writes the ACK ->
 *   send the framed ACK, after slow_ms if set.
 *
 * mllp does framing, connections and fault delivery only; what a message
 * means, and what its ACK says, is inbound.c's business.
 *
 * Connections are kept alive for any number of messages. Each handles one
 * message at a time, so ACKs leave in the order the messages came: while an
 * ACK waits for its slow timer, or a message is held by hang, later frames
 * stay buffered. Bytes outside a frame are skipped. A frame longer than
 * MLLP_FRAME_MAX closes the connection (a crashed peer or a flood must not
 * eat memory). End of input closes the connection once the ACKs of every
 * complete frame are sent (a half-closing client still gets them).
 *
 * Glossary
 *   held     a message read under hang: never answered. Its connection is
 *            closed, unanswered, when the target leaves hang (up, reset,
 *            refuse) or sim stops: what a client of a hung server sees.
 *   delayed  an ACK waiting for its slow timer.
 *
 * Ownership: sim owns one struct mllp per target that has MLLP (sim_new()
 * creates it, sim_free() frees it); struct mllp owns its listener, its
 * connections, their buffers and timers. The counters outlive
 * mllp_close() / mllp_listen() (refuse and up); mllp_reset_counters()
 * zeroes them.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sim_target;
struct mllp;

/* Payload bytes of one frame (between VT and FS CR) at most. */
#define MLLP_FRAME_MAX (1024 * 1024)

/* A target's MLLP counters, the mllp_* keys of its /control/stats entry. */
struct mllp_stats {
	uint64_t requests;          /* frames received, faulted ones included */
	uint64_t answered;          /* ACKs sent (not merely planned), AE and AR included */
	uint64_t failures_injected; /* AE answers of down 503 and flaky */
	uint64_t hung;              /* messages ever held by hang */
	unsigned hanging;           /* held now */
	unsigned delayed;           /* ACKs waiting for their slow timer */
	unsigned connections;       /* open now */
};

/*
 * Listens for target t on 127.0.0.1:port (0: the kernel chooses). NULL with
 * a message in err when the port cannot be bound.
 */
struct mllp *mllp_new(struct sim_target *t, struct event_base *base, int port,
    char *err, size_t errlen);
/* Closes the listener and every connection, held and delayed ones included. NULL is fine. */
void mllp_free(struct mllp *m);

/* Listens again on the same port after mllp_close(); 0 at once when listening. */
__attribute__((warn_unused_result))
int mllp_listen(struct mllp *m, char *err, size_t errlen);
/* Down "refuse": closes the listener and every connection; connects are refused. */
void mllp_close(struct mllp *m);
/* Leaving hang: closes, unanswered, every connection that holds a message. */
void mllp_release_held(struct mllp *m);
void mllp_reset_counters(struct mllp *m);

/* The port, kept while closed. */
int mllp_port(const struct mllp *m);
void mllp_get_stats(const struct mllp *m, struct mllp_stats *out);

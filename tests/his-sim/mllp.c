/* mllp — MLLP listeners and connections of the simulated targets. */
#include "mllp.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "inbound.h"
#include "sim.h"
#include "simnet.h"

#define MLLP_HOST "127.0.0.1"
#define MLLP_VT 0x0b
#define MLLP_FS 0x1c
#define MLLP_CR 0x0d
/*
 * Input libevent may buffer ahead of the framer: reading pauses there while
 * a connection waits (slow, hang), so a client that keeps sending is held
 * back by TCP instead of by our memory.
 */
#define MLLP_READ_AHEAD (64 * 1024)
/* A frame buffer grown past this is given back after its message. */
#define MLLP_KEEP_BUFFER (64 * 1024)

enum mllp_conn_state {
	MLLP_CONN_IDLE,    /* the next complete frame is handled at once */
	MLLP_CONN_DELAYED, /* an ACK waits for the slow timer */
	MLLP_CONN_HELD,    /* a message is held by hang: no ACK, ever */
	MLLP_CONN_CLOSING, /* input ended, every ACK written: close once sent */
};

/* Where the framer is in the byte stream. */
enum mllp_frame_state {
	MLLP_OUTSIDE, /* skipping bytes until a VT */
	MLLP_INSIDE,  /* copying the payload */
	MLLP_SAW_FS,  /* an FS: a CR next ends the frame */
};

enum mllp_feed {
	MLLP_FEED_MORE,     /* every byte used, no frame complete yet */
	MLLP_FEED_FRAME,    /* a frame is complete in frame[0..len) */
	MLLP_FEED_OVERFLOW, /* the frame outgrew MLLP_FRAME_MAX (or memory) */
};

struct mllp_conn {
	TAILQ_ENTRY(mllp_conn) link;
	struct mllp *m;
	struct bufferevent *bev;
	struct event *timer;   /* the slow timer, armed while DELAYED */
	struct evbuffer *ack;  /* the framed ACK waiting for it */
	enum mllp_conn_state state;
	bool eof;              /* the client sent its last byte */
	enum mllp_frame_state fstate;
	char *frame;
	size_t len, cap;
};

TAILQ_HEAD(mllp_conn_list, mllp_conn);

struct mllp {
	struct sim_target *target;
	struct event_base *base;
	int port;                        /* kept while closed */
	struct evconnlistener *listener; /* NULL while closed */
	struct mllp_conn_list conns;
	struct mllp_stats stats;
};

/* ---- connections --------------------------------------------------------- */

/* The one function that changes a connection's state; keeps the gauges right. */
static void mllp_conn_set_state(struct mllp_conn *c, enum mllp_conn_state state)
{
	struct mllp_stats *s = &c->m->stats;

	if (c->state == MLLP_CONN_HELD)
		s->hanging--;
	else if (c->state == MLLP_CONN_DELAYED)
		s->delayed--;
	if (state == MLLP_CONN_HELD) {
		s->hanging++;
		s->hung++;
	} else if (state == MLLP_CONN_DELAYED) {
		s->delayed++;
	}
	c->state = state;
}

/* Closes the connection at once; unsent ACKs are lost. c is gone after the call. */
static void mllp_conn_free(struct mllp_conn *c)
{
	/* Leave the gauges as if the connection had come back to idle. */
	if (c->state == MLLP_CONN_HELD || c->state == MLLP_CONN_DELAYED)
		mllp_conn_set_state(c, MLLP_CONN_IDLE);
	TAILQ_REMOVE(&c->m->conns, c, link);
	c->m->stats.connections--;
	/* Safe inside the bufferevent's own callbacks: libevent holds a reference. */
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->ack != NULL)
		evbuffer_free(c->ack);
	free(c->frame);
	free(c);
}

static void mllp_conn_free_all(struct mllp *m, bool held_only)
{
	struct mllp_conn *c, *next;

	for (c = TAILQ_FIRST(&m->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (!held_only || c->state == MLLP_CONN_HELD)
			mllp_conn_free(c);
	}
}

static bool mllp_frame_append(struct mllp_conn *c, const char *p, size_t n)
{
	if (n == 0)
		return true;
	if (n > MLLP_FRAME_MAX - c->len)
		return false;
	if (c->len + n > c->cap) {
		size_t cap = c->cap > 0 ? c->cap : 4096;
		char *grown;

		while (cap < c->len + n)
			cap *= 2;
		if (cap > MLLP_FRAME_MAX)
			cap = MLLP_FRAME_MAX;
		grown = realloc(c->frame, cap);
		if (grown == NULL)
			return false;
		c->frame = grown;
		c->cap = cap;
	}
	memcpy(c->frame + c->len, p, n);
	c->len += n;
	return true;
}

static void mllp_frame_done(struct mllp_conn *c)
{
	c->len = 0;
	if (c->cap > MLLP_KEEP_BUFFER) {
		free(c->frame);
		c->frame = NULL;
		c->cap = 0;
	}
}

/*
 * Feeds p[0..n) to the framer, stopping right after the first frame that
 * completes, so that the caller handles one message at a time. *used says
 * how many bytes were taken.
 */
static enum mllp_feed mllp_frame_feed(struct mllp_conn *c, const char *p, size_t n,
    size_t *used)
{
	size_t i = 0;

	while (i < n) {
		const char *hit;
		size_t take;

		switch (c->fstate) {
		case MLLP_OUTSIDE:
			hit = memchr(p + i, MLLP_VT, n - i);
			if (hit == NULL) {
				i = n;
				break;
			}
			i = (size_t)(hit - p) + 1;
			c->len = 0;
			c->fstate = MLLP_INSIDE;
			break;
		case MLLP_INSIDE:
			hit = memchr(p + i, MLLP_FS, n - i);
			take = (hit != NULL ? (size_t)(hit - p) : n) - i;
			if (!mllp_frame_append(c, p + i, take)) {
				*used = i;
				return MLLP_FEED_OVERFLOW;
			}
			i += take;
			if (hit != NULL) {
				i++;
				c->fstate = MLLP_SAW_FS;
			}
			break;
		case MLLP_SAW_FS:
			if (p[i] == MLLP_CR) {
				c->fstate = MLLP_OUTSIDE;
				*used = i + 1;
				return MLLP_FEED_FRAME;
			}
			/* An FS inside a message is not ours to judge: keep it. */
			if (!mllp_frame_append(c, "\x1c", 1)) {
				*used = i;
				return MLLP_FEED_OVERFLOW;
			}
			c->fstate = MLLP_INSIDE;
			break;
		}
	}
	*used = n;
	return MLLP_FEED_MORE;
}

static enum mllp_feed mllp_conn_feed(struct mllp_conn *c, struct evbuffer *in)
{
	struct evbuffer_iovec vec[8];

	while (evbuffer_get_length(in) > 0) {
		int n = evbuffer_peek(in, -1, NULL, vec, 8);
		enum mllp_feed r = MLLP_FEED_MORE;
		size_t total = 0;

		for (int i = 0; i < n && i < 8 && r == MLLP_FEED_MORE; i++) {
			size_t used;

			r = mllp_frame_feed(c, vec[i].iov_base, vec[i].iov_len, &used);
			total += used;
		}
		evbuffer_drain(in, total);
		if (r != MLLP_FEED_MORE)
			return r;
	}
	return MLLP_FEED_MORE;
}

/* Writes a framed ACK now; takes ack. */
static void mllp_conn_send(struct mllp_conn *c, struct evbuffer *ack)
{
	if (bufferevent_write_buffer(c->bev, ack) == 0)
		c->m->stats.answered++;
	evbuffer_free(ack);
}

/*
 * The pipeline for the frame in c->frame: count, fault, answer (now or
 * later). False when out of memory: the caller closes the connection.
 */
static bool mllp_conn_handle(struct mllp_conn *c)
{
	struct mllp *m = c->m;
	struct sim_target *t = m->target;
	struct evbuffer *ack;
	struct timeval tv;
	bool fail = false;
	unsigned slow_ms;
	int rc;

	m->stats.requests++;
	switch (sim_target_fault(t)) {
	case SIM_FAULT_HANG:
		mllp_frame_done(c);
		mllp_conn_set_state(c, MLLP_CONN_HELD);
		return true;
	case SIM_FAULT_DOWN_503:
	case SIM_FAULT_FLAKY:
		fail = true;
		break;
	case SIM_FAULT_NONE:
		break;
	}
	ack = evbuffer_new();
	rc = ack != NULL ? evbuffer_add(ack, "\x0b", 1) : -1;
	if (rc == 0)
		rc = fail ? inbound_reject(t, c->frame, c->len, ack) :
		    inbound_receive(t, c->frame, c->len, ack);
	if (rc == 0)
		rc = evbuffer_add(ack, "\x1c\x0d", 2);
	mllp_frame_done(c);
	if (rc != 0) {
		if (ack != NULL)
			evbuffer_free(ack);
		fprintf(stderr, "his-sim: %s MLLP: out of memory; connection closed\n",
		    sim_target_name(t));
		return false;
	}
	if (fail)
		m->stats.failures_injected++;
	slow_ms = sim_target_slow_ms(t);
	if (slow_ms == 0) {
		mllp_conn_send(c, ack);
		return true;
	}
	tv.tv_sec = slow_ms / 1000;
	tv.tv_usec = (slow_ms % 1000) * 1000;
	c->ack = ack;
	evtimer_add(c->timer, &tv);
	mllp_conn_set_state(c, MLLP_CONN_DELAYED);
	return true;
}

/*
 * Handles the buffered frames one at a time while the connection is idle,
 * and closes it when input has ended and nothing is left to answer.
 * Returns false when c was freed.
 */
static bool mllp_conn_drain(struct mllp_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	while (c->state == MLLP_CONN_IDLE) {
		enum mllp_feed r = mllp_conn_feed(c, in);

		if (r == MLLP_FEED_MORE)
			break;
		if (r == MLLP_FEED_OVERFLOW) {
			fprintf(stderr, "his-sim: %s MLLP: a frame longer than %d bytes; "
			    "connection closed\n", sim_target_name(c->m->target), MLLP_FRAME_MAX);
			mllp_conn_free(c);
			return false;
		}
		if (!mllp_conn_handle(c)) {
			mllp_conn_free(c);
			return false;
		}
	}
	if (c->eof && c->state == MLLP_CONN_IDLE) {
		/* Every complete frame is answered; a partial one never will be. */
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
			mllp_conn_free(c);
			return false;
		}
		bufferevent_disable(c->bev, EV_READ);
		mllp_conn_set_state(c, MLLP_CONN_CLOSING);
	}
	return true;
}

static void mllp_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	mllp_conn_drain(arg);
}

/* Called once the output has drained. */
static void mllp_write_cb(struct bufferevent *bev, void *arg)
{
	struct mllp_conn *c = arg;

	(void)bev;
	if (c->state == MLLP_CONN_CLOSING)
		mllp_conn_free(c);
}

static void mllp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct mllp_conn *c = arg;

	(void)bev;
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		/* Maybe only a half-close: answer what came, then close. */
		c->eof = true;
		mllp_conn_drain(c);
		return;
	}
	mllp_conn_free(c);
}

static void mllp_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mllp_conn *c = arg;
	struct evbuffer *ack = c->ack;

	(void)fd;
	(void)what;
	c->ack = NULL;
	mllp_conn_set_state(c, MLLP_CONN_IDLE);
	mllp_conn_send(c, ack);
	mllp_conn_drain(c);
}

static void mllp_accept_cb(struct evconnlistener *listener, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct mllp *m = arg;
	struct mllp_conn *c = calloc(1, sizeof(*c));
	int one = 1;

	(void)listener;
	(void)sa;
	(void)socklen;
	if (c == NULL) {
		evutil_closesocket(fd);
		goto oom;
	}
	c->m = m;
	c->state = MLLP_CONN_IDLE;
	c->fstate = MLLP_OUTSIDE;
	TAILQ_INSERT_TAIL(&m->conns, c, link);
	m->stats.connections++;
	/* ACKs of pipelined messages go out one by one: Nagle would hold them back. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_socket_new(m->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		evutil_closesocket(fd);
	c->timer = evtimer_new(m->base, mllp_timer_cb, c);
	if (c->bev == NULL || c->timer == NULL) {
		mllp_conn_free(c);
		goto oom;
	}
	bufferevent_setcb(c->bev, mllp_read_cb, mllp_write_cb, mllp_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, MLLP_READ_AHEAD);
	if (bufferevent_enable(c->bev, EV_READ) != 0) {
		mllp_conn_free(c);
		goto oom;
	}
	return;
oom:
	fprintf(stderr, "his-sim: %s MLLP: out of memory; connection refused\n",
	    sim_target_name(m->target));
}

/* ---- listener ------------------------------------------------------------ */

int mllp_listen(struct mllp *m, char *err, size_t errlen)
{
	evutil_socket_t fd = -1;

	if (m->listener != NULL)
		return 0;
	if (simnet_listen(MLLP_HOST, m->port, &fd, err, errlen) != 0)
		return -1;
	/* Backlog 0: simnet_listen() already called listen(). */
	m->listener = evconnlistener_new(m->base, mllp_accept_cb, m,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (m->listener == NULL) {
		snprintf(err, errlen, "cannot serve MLLP on %s:%d: out of memory", MLLP_HOST, m->port);
		evutil_closesocket(fd);
		return -1;
	}
	if (m->port == 0)
		m->port = simnet_local_port(fd);
	return 0;
}

void mllp_close(struct mllp *m)
{
	mllp_conn_free_all(m, false);
	if (m->listener != NULL) {
		evconnlistener_free(m->listener);
		m->listener = NULL;
	}
}

void mllp_release_held(struct mllp *m)
{
	mllp_conn_free_all(m, true);
}

void mllp_reset_counters(struct mllp *m)
{
	m->stats.requests = m->stats.answered = m->stats.failures_injected = m->stats.hung = 0;
}

struct mllp *mllp_new(struct sim_target *t, struct event_base *base, int port,
    char *err, size_t errlen)
{
	struct mllp *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->target = t;
	m->base = base;
	m->port = port;
	TAILQ_INIT(&m->conns);
	if (mllp_listen(m, err, errlen) != 0) {
		mllp_free(m);
		return NULL;
	}
	return m;
}

void mllp_free(struct mllp *m)
{
	if (m == NULL)
		return;
	mllp_close(m);
	free(m);
}

int mllp_port(const struct mllp *m)
{
	return m->port;
}

void mllp_get_stats(const struct mllp *m, struct mllp_stats *out)
{
	if (m == NULL)
		memset(out, 0, sizeof(*out));
	else
		*out = m->stats;
}

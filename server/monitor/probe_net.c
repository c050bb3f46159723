/*
 * probe_net — the tcp probe (a non-blocking connect) and the mllp probe
 * (connect, one HL7 v2 message in an MLLP frame, read the ACK frame).
 *
 * The connect is done by hand rather than by bufferevent_socket_connect()
 * so that the reason carries the socket's own error (SO_ERROR), also for a
 * refusal the kernel reports at once.
 */
#include "probe_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "clock.h"

#define MLLP_START "\x0b"
#define MLLP_END "\x1c\r"

static const char *net_strerror(int err)
{
	return err == ECONNREFUSED ? "connection refused" : strerror(err);
}

void probe_net_stop(probe_run *run)
{
	if (run->net_ev != NULL)
		event_free(run->net_ev);
	run->net_ev = NULL;
	if (run->bev != NULL)
		bufferevent_free(run->bev); /* closes the socket */
	run->bev = NULL;
	if (run->fd >= 0)
		close(run->fd);
	run->fd = -1;
}

/* Copy at most len printable bytes of an HL7 value into buf for a reason. */
static void ack_text(char *buf, size_t size, const char *p, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++)
		buf[n++] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i];
	buf[n] = '\0';
}

/* Field n (1 = the first after the segment id) of seg[0..len), cut at a component. */
static bool seg_field(const char *seg, size_t len, char fs, char cs, int n,
	const char **out, size_t *outlen)
{
	size_t i = 3;

	for (int f = 0; f < n; f++) {
		if (i >= len || seg[i] != fs)
			return false;
		i++;
		if (f + 1 < n)
			while (i < len && seg[i] != fs)
				i++;
	}
	*out = seg + i;
	*outlen = 0;
	while (i + *outlen < len && seg[i + *outlen] != fs && seg[i + *outlen] != cs)
		(*outlen)++;
	return true;
}

bool probe_mllp_check_ack(const char *data, size_t len, const char *control_id,
	char *reason, size_t reasonlen)
{
	const char *msa = NULL, *code, *id, *text;
	size_t msalen = 0, codelen, idlen, textlen, i = 0;
	char fs, cs, a[8], b[101]; /* the peer's text is cut to 100 bytes */

	while (i < len && (data[i] == '\r' || data[i] == '\n'))
		i++;
	if (len - i < 8 || memcmp(data + i, "MSH", 3) != 0) {
		snprintf(reason, reasonlen, "the reply is not an HL7 message");
		return false;
	}
	fs = data[i + 3];
	cs = data[i + 4];
	while (i < len) {
		size_t end = i;

		while (end < len && data[end] != '\r' && data[end] != '\n')
			end++;
		if (end - i >= 3 && memcmp(data + i, "MSA", 3) == 0 &&
		    (end - i == 3 || data[i + 3] == fs)) {
			msa = data + i;
			msalen = end - i;
			break;
		}
		i = end + 1;
	}
	if (msa == NULL) {
		snprintf(reason, reasonlen, "no MSA segment in the reply");
		return false;
	}
	if (!seg_field(msa, msalen, fs, cs, 1, &code, &codelen) || codelen != 2) {
		snprintf(reason, reasonlen, "MSA-1 holds no acknowledgement code");
		return false;
	}
	ack_text(a, sizeof(a), code, codelen);
	if (strcmp(a, "AA") != 0 && strcmp(a, "CA") != 0) {
		if (strcmp(a, "AE") != 0 && strcmp(a, "AR") != 0 && strcmp(a, "CE") != 0 &&
		    strcmp(a, "CR") != 0) {
			snprintf(reason, reasonlen, "MSA-1 \"%s\" is not an acknowledgement code", a);
			return false;
		}
		if (seg_field(msa, msalen, fs, '\0', 3, &text, &textlen) && textlen > 0) {
			ack_text(b, sizeof(b), text, textlen);
			snprintf(reason, reasonlen, "MSA %s: %s", a, b);
		} else {
			snprintf(reason, reasonlen, "MSA %s", a);
		}
		return false;
	}
	if (seg_field(msa, msalen, fs, cs, 2, &id, &idlen) && idlen > 0 &&
	    (idlen != strlen(control_id) || memcmp(id, control_id, idlen) != 0)) {
		ack_text(b, 41, id, idlen);
		snprintf(reason, reasonlen, "the ACK is for another message (MSA-2 \"%s\")", b);
		return false;
	}
	return true;
}

static void mllp_read_cb(struct bufferevent *bev, void *arg)
{
	probe_run *run = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end = evbuffer_search(in, MLLP_END, 2, NULL);
	const char *frame;
	char reason[PROBE_REASON_MAX];
	size_t start = 0;

	if (end.pos < 0) {
		if (evbuffer_get_length(in) > PROBE_MLLP_MAX)
			probe_finish(run, false, "reply larger than %d bytes without an MLLP end",
				PROBE_MLLP_MAX);
		return;
	}
	frame = (const char *)evbuffer_pullup(in, end.pos);
	while (start < (size_t)end.pos && frame[start] != MLLP_START[0])
		start++;
	if (start == (size_t)end.pos) {
		probe_finish(run, false, "reply without an MLLP start byte");
		return;
	}
	start++;
	if (probe_mllp_check_ack(frame + start, (size_t)end.pos - start, run->control_id,
		reason, sizeof(reason)))
		probe_finish(run, true, NULL);
	else
		probe_finish(run, false, "%s", reason);
}

static void mllp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	probe_run *run = arg;
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_EOF)
		probe_finish(run, false, "connection closed before the ACK");
	else if (what & BEV_EVENT_ERROR)
		probe_finish(run, false, "%s", net_strerror(err));
}

/* A unique control id per probe (MSH-10, at most 20 characters). */
static void mllp_control_id(probe_run *run, int64_t now_ms)
{
	static unsigned seq;

	seq = (seq + 1) % 1000;
	snprintf(run->control_id, sizeof(run->control_id), "LL%013lld%03u",
		(long long)(now_ms % 10000000000000LL), seq);
}

static void mllp_send(probe_run *run)
{
	const probe_spec *s = run->spec;
	int64_t now = clock_now_ms();
	time_t secs = (time_t)(now / 1000);
	char ts[20];
	struct tm tm;
	struct evbuffer *out;

	run->bev = bufferevent_socket_new(run->env->base, run->fd, BEV_OPT_CLOSE_ON_FREE);
	if (run->bev == NULL) {
		probe_finish(run, false, "out of memory");
		return;
	}
	run->fd = -1; /* the bufferevent closes it */
	mllp_control_id(run, now);
	gmtime_r(&secs, &tm);
	strftime(ts, sizeof(ts), "%Y%m%d%H%M%S", &tm);
	out = bufferevent_get_output(run->bev);
	bufferevent_setcb(run->bev, mllp_read_cb, NULL, mllp_event_cb, run);
	if (evbuffer_add_printf(out, MLLP_START "MSH|^~\\&|%s|%s|%s|%s|%s+0000||QRY^Q01|%s|P|2.5\r"
		MLLP_END, s->sending_app, s->sending_facility, s->receiving_app,
		s->receiving_facility, ts, run->control_id) < 0 ||
	    bufferevent_enable(run->bev, EV_READ | EV_WRITE) != 0)
		probe_finish(run, false, "out of memory");
}

static void net_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	probe_run *run = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)what;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		probe_finish(run, false, "%s", net_strerror(err));
		return;
	}
	event_free(run->net_ev);
	run->net_ev = NULL;
	if (run->spec->type == PROBE_TCP)
		probe_finish(run, true, NULL);
	else
		mllp_send(run);
}

void probe_net_start(probe_run *run)
{
	const probe_spec *s = run->spec;

	run->fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (run->fd < 0) {
		probe_fail_soon(run, "cannot open a socket: %s", strerror(errno));
		return;
	}
	if (connect(run->fd, (const struct sockaddr *)&s->addr, s->addrlen) != 0 &&
	    errno != EINPROGRESS) {
		probe_fail_soon(run, "%s", net_strerror(errno));
		return;
	}
	/* Connected at once or not, the socket turns writable: one path. */
	run->net_ev = event_new(run->env->base, run->fd, EV_WRITE, net_connect_cb, run);
	if (run->net_ev == NULL || event_add(run->net_ev, NULL) != 0)
		probe_fail_soon(run, "out of memory");
}

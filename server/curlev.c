/* curlev — see curlev.h. The hiperfifo pattern of libcurl's examples. */
#include "curlev.h"

#include <stdbool.h>
#include <stdlib.h>

#include <event2/event.h>

/* One transfer: in c->xfers from curlev_add() until done or cancelled. */
struct curlev_xfer {
	struct curlev_xfer *prev, *next;
	CURL *easy;
	curlev_done_cb cb;
	void *arg;
};

/* One socket libcurl asked us to watch (curl_multi_assign'ed to it). */
struct curlev_sock {
	struct curlev_sock *prev, *next;
	struct event *ev;
	int what; /* CURL_POLL_IN / OUT / INOUT */
};

struct curlev {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct curlev_xfer *xfers;
	struct curlev_sock *socks; /* so that curlev_free() finds every event */
	size_t running;
	int dispatching;   /* depth of done-callback dispatch */
	bool free_pending; /* curlev_free() came from a done callback */
};

static void curlev_free_now(curlev *c);

static void xfer_unlink(curlev *c, struct curlev_xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		c->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	c->running--;
}

/* Hand finished transfers back to their owners. */
static void curlev_check_done(curlev *c)
{
	CURLMsg *msg;
	int left;

	c->dispatching++;
	while (!c->free_pending && (msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		struct curlev_xfer *x;
		char *priv = NULL;
		CURL *easy = msg->easy_handle;
		CURLcode result = msg->data.result;
		curlev_done_cb cb;
		void *arg;

		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg is invalid after the remove: everything is copied above */
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		x = (struct curlev_xfer *)priv;
		curl_multi_remove_handle(c->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		if (x == NULL)
			continue;
		xfer_unlink(c, x);
		cb = x->cb;
		arg = x->arg;
		free(x);
		cb(easy, result, arg);
	}
	c->dispatching--;
	if (c->dispatching == 0 && c->free_pending)
		curlev_free_now(c);
}

static void curlev_action(curlev *c, curl_socket_t fd, int flags)
{
	int running;

	curl_multi_socket_action(c->multi, fd, flags, &running);
	curlev_check_done(c);
}

static void curlev_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	int flags = ((what & EV_READ) ? CURL_CSELECT_IN : 0) |
		((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);

	curlev_action(arg, (curl_socket_t)fd, flags);
}

static void curlev_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	curlev_action(arg, CURL_SOCKET_TIMEOUT, 0);
}

static void sock_free(curlev *c, struct curlev_sock *cs)
{
	if (cs->prev)
		cs->prev->next = cs->next;
	else
		c->socks = cs->next;
	if (cs->next)
		cs->next->prev = cs->prev;
	if (cs->ev)
		event_free(cs->ev);
	free(cs);
}

/* CURLMOPT_SOCKETFUNCTION */
static int curlev_socket_fn(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	curlev *c = userp;
	struct curlev_sock *cs = socketp;
	short events;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (cs != NULL) {
			sock_free(c, cs);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	if (cs == NULL) {
		cs = calloc(1, sizeof(*cs));
		if (cs == NULL)
			return -1;
		cs->next = c->socks;
		if (c->socks)
			c->socks->prev = cs;
		c->socks = cs;
		curl_multi_assign(c->multi, s, cs);
	} else if (cs->what == what) {
		return 0;
	} else {
		event_free(cs->ev);
		cs->ev = NULL;
	}
	events = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
		((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	cs->what = what;
	cs->ev = event_new(c->base, s, events, curlev_sock_cb, c);
	if (cs->ev == NULL || event_add(cs->ev, NULL) != 0)
		return -1;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: never call libcurl from here, only arm the timer. */
static int curlev_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	curlev *c = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0)
		return event_del(c->timer);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(c->timer, &tv);
}

curlev *curlev_new(struct event_base *base)
{
	curlev *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		curl_global_cleanup();
		return NULL;
	}
	c->base = base;
	c->multi = curl_multi_init();
	c->timer = evtimer_new(base, curlev_timer_cb, c);
	if (c->multi == NULL || c->timer == NULL)
		goto fail;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, curlev_socket_fn);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, curlev_timer_fn);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
fail:
	curlev_free_now(c);
	return NULL;
}

int curlev_add(curlev *c, CURL *easy, curlev_done_cb cb, void *arg)
{
	struct curlev_xfer *x;

	if (easy == NULL || cb == NULL || c->free_pending)
		return LL_EINVAL;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return LL_ENOMEM;
	x->easy = easy;
	x->cb = cb;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)x);
	/* The multi calls the timer function to start it: nothing runs here. */
	switch (curl_multi_add_handle(c->multi, easy)) {
	case CURLM_OK:
		break;
	case CURLM_OUT_OF_MEMORY:
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		return LL_ENOMEM;
	default:
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		return LL_EINVAL;
	}
	x->next = c->xfers;
	if (c->xfers)
		c->xfers->prev = x;
	c->xfers = x;
	c->running++;
	return 0;
}

void curlev_cancel(curlev *c, CURL *easy)
{
	struct curlev_xfer *x;

	for (x = c->xfers; x != NULL; x = x->next)
		if (x->easy == easy)
			break;
	if (x == NULL)
		return;
	xfer_unlink(c, x);
	curl_multi_remove_handle(c->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	free(x);
}

size_t curlev_running(const curlev *c)
{
	return c->running;
}

static void curlev_free_now(curlev *c)
{
	while (c->xfers != NULL) {
		struct curlev_xfer *x = c->xfers;
		CURL *easy = x->easy;
		curlev_done_cb cb = x->cb;
		void *arg = x->arg;

		xfer_unlink(c, x);
		curl_multi_remove_handle(c->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		cb(easy, CURLE_ABORTED_BY_CALLBACK, arg);
	}
	/*
	 * Cleanup closes the cached connections; whether libcurl tells the
	 * socket function about each depends on its version: free the rest.
	 */
	if (c->multi)
		curl_multi_cleanup(c->multi);
	while (c->socks != NULL)
		sock_free(c, c->socks);
	if (c->timer)
		event_free(c->timer);
	free(c);
	curl_global_cleanup();
}

void curlev_free(curlev *c)
{
	if (c == NULL)
		return;
	if (c->dispatching > 0) {
		c->free_pending = true;
		return;
	}
	curlev_free_now(c);
}

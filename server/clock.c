#include "clock.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>

#include "errors.h"

#define CLOCK_MAX_LISTENERS 16

static _Atomic int64_t offset_ms;
static struct { clock_jump_cb cb; void *arg; } listeners[CLOCK_MAX_LISTENERS];
static int nlisteners;

static int64_t read_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
	return read_ms(CLOCK_REALTIME) + atomic_load(&offset_ms);
}

int64_t clock_mono_ms(void)
{
	return read_ms(CLOCK_MONOTONIC) + atomic_load(&offset_ms);
}

int64_t clock_offset_ms(void)
{
	return atomic_load(&offset_ms);
}

void clock_advance(int64_t ms)
{
	if (ms <= 0)
		return;
	atomic_fetch_add(&offset_ms, ms);
	for (int i = 0; i < nlisteners; i++) {
		clock_jump_cb cb = listeners[i].cb;
		void *arg = listeners[i].arg;

		cb(arg);
	}
}

int clock_on_jump(clock_jump_cb cb, void *arg)
{
	if (nlisteners == CLOCK_MAX_LISTENERS)
		return LL_ENOMEM;
	listeners[nlisteners].cb = cb;
	listeners[nlisteners].arg = arg;
	nlisteners++;
	return 0;
}

void clock_reset(void)
{
	atomic_store(&offset_ms, 0);
	nlisteners = 0;
}

const char *clock_format_ms(int64_t ms, char *buf, unsigned long len)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&secs, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(ms % 1000));
	return buf;
}

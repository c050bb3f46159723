/* ratelimit — failed attempts per key in a fixed window (see ratelimit.h). */
#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 128

struct slot {
	char key[KEY_MAX];   /* "" when free */
	int failures;
	int64_t since_ms;    /* the window's start */
};

struct ratelimit {
	size_t cap;
	int64_t window_ms;
	int max;
	struct slot slots[];
};

int ratelimit_new(size_t cap, int64_t window_ms, int max, struct ratelimit **out)
{
	struct ratelimit *rl;

	*out = NULL;
	if (cap == 0 || window_ms <= 0 || max <= 0)
		return LL_EINVAL;
	rl = calloc(1, sizeof(*rl) + cap * sizeof(rl->slots[0]));
	if (!rl)
		return LL_ENOMEM;
	rl->cap = cap;
	rl->window_ms = window_ms;
	rl->max = max;
	*out = rl;
	return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

static const struct slot *find(const struct ratelimit *rl, const char *key)
{
	for (size_t i = 0; i < rl->cap; i++)
		if (rl->slots[i].key[0] && strncmp(rl->slots[i].key, key, KEY_MAX - 1) == 0)
			return &rl->slots[i];
	return NULL;
}

int64_t ratelimit_wait_ms(const struct ratelimit *rl, const char *key, int64_t now_ms)
{
	const struct slot *s = find(rl, key);
	int64_t end;

	if (!s || s->failures < rl->max)
		return 0;
	end = s->since_ms + rl->window_ms;
	return end > now_ms ? end - now_ms : 0;
}

void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now_ms)
{
	struct slot *s = (struct slot *)find(rl, key);

	if (!s) {
		/* A free slot, else the one whose window started first. */
		s = &rl->slots[0];
		for (size_t i = 0; i < rl->cap; i++) {
			if (!rl->slots[i].key[0]) {
				s = &rl->slots[i];
				break;
			}
			if (rl->slots[i].since_ms < s->since_ms)
				s = &rl->slots[i];
		}
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->failures = 0;
		s->since_ms = now_ms;
	}
	if (now_ms - s->since_ms >= rl->window_ms) {
		s->failures = 0;
		s->since_ms = now_ms;
	}
	s->failures++;
}

void ratelimit_clear(struct ratelimit *rl, const char *key)
{
	struct slot *s = (struct slot *)find(rl, key);

	if (s)
		memset(s, 0, sizeof(*s));
}

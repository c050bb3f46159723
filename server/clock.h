/*
 * clock — the one clock every time decision reads.
 *
 * Probe intervals, the 30 min / 6 h / 24 h thresholds, escalation and retry
 * back-off all ask this module, never time() or clock_gettime() directly, so
 * that tests and drills can move time without waiting for it.
 *
 *   clock_now_ms()  — wall-clock time in ms since the Unix epoch: real time
 *                     plus the virtual offset (0 in production).
 *   clock_mono_ms() — monotonic ms for measuring durations inside the process
 *                     (also shifted by the offset, so virtual jumps are seen).
 *   clock_advance() — move virtual time forward (tests, drills). Listeners
 *                     registered with clock_on_jump() are told, so janitor
 *                     timers can re-check their deadlines at once.
 *
 * Single-threaded: call from the event loop only (workers may read).
 */
#pragma once

#include <stdint.h>

int64_t clock_now_ms(void);
int64_t clock_mono_ms(void);

/* Shift virtual time by ms (> 0). */
void clock_advance(int64_t ms);
int64_t clock_offset_ms(void);

typedef void (*clock_jump_cb)(void *arg);
/* Register a listener for clock_advance(); returns 0 or LL_ENOMEM. */
int clock_on_jump(clock_jump_cb cb, void *arg);
void clock_reset(void);

/* Format ms-since-epoch as RFC 3339 UTC with milliseconds, into buf (>= 32 bytes). */
const char *clock_format_ms(int64_t ms, char *buf, unsigned long len);

/*
 * curlev — libcurl's multi interface driven by a libevent loop: outgoing
 * HTTP(S) for the monitor's probes, and later SMTP and webhooks for notify.
 *
 * libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when
 * to wake it (CURLMOPT_TIMERFUNCTION); we turn those into libevent events
 * and call curl_multi_socket_action() when they fire. Nothing blocks the
 * loop: name resolution uses libcurl's threaded resolver (the Debian build
 * has it), connects and transfers are non-blocking.
 *
 * Ownership
 *   - The caller builds a CURL easy handle, sets its options and hands it to
 *     curlev_add(). From then until the done callback (or curlev_cancel()),
 *     the handle is in the multi: do not perform, reset or clean it up.
 *   - curlev uses the handle's CURLOPT_PRIVATE; callers must not set it.
 *   - The done callback gets the handle back, already removed from the
 *     multi: it belongs to the caller again (usually curl_easy_cleanup()).
 *
 * Callbacks run on the loop, never from inside curlev_add(). A done
 * callback may call curlev_add(), curlev_cancel() and curlev_free().
 * Everything runs on the loop's thread: no function here is thread-safe.
 */
#pragma once

#include <stddef.h>

#include <curl/curl.h>

#include "errors.h"

struct event_base;
typedef struct curlev curlev;

/* result is CURLE_OK or libcurl's error for the transfer. */
typedef void (*curlev_done_cb)(CURL *easy, CURLcode result, void *arg);

/*
 * A multi handle on base; NULL when out of memory or libcurl cannot start.
 * Calls curl_global_init() (libcurl counts the calls; curlev_free() calls
 * curl_global_cleanup()).
 */
curlev *curlev_new(struct event_base *base);

/*
 * Start a transfer. 0: cb will be called exactly once (unless the transfer
 * is cancelled). LL_EINVAL (NULL handle or callback, or the handle is in a
 * multi already) or LL_ENOMEM: cb will not be called.
 */
int curlev_add(curlev *c, CURL *easy, curlev_done_cb cb, void *arg) LL_MUST_CHECK;

/*
 * Stop a transfer: its callback will not be called and the handle belongs
 * to the caller again. A handle that is not in c is left alone.
 */
void curlev_cancel(curlev *c, CURL *easy);

/* Transfers under way. */
size_t curlev_running(const curlev *c);

/*
 * Stop everything: each transfer still under way gets its done callback
 * with CURLE_ABORTED_BY_CALLBACK (so its owner can free the handle), then c
 * is freed. NULL is a no-op. From inside a done callback, c is freed when
 * that callback returns.
 */
void curlev_free(curlev *c);

/*
 * static — the browser UI's files (paths.web_root) for GET requests that no
 * API route matched. "/" is index.html. Only plain names under the root are
 * served: no "..", no hidden files, no symlinks out of the root.
 */
#pragma once

#include <stdbool.h>

struct evbuffer;

/*
 * Look up path under root. On success fills body with the file and returns
 * its content type; returns NULL when there is no such file to serve.
 */
const char *static_lookup(const char *root, const char *path, struct evbuffer *body);

/*
 * log — operator log lines on stderr: "2026-11-22T01:02:03.123Z INFO  text".
 *
 * The macros test the level before formatting anything, so a debug line in a
 * hot path costs one comparison when debug is off. Lines are written with one
 * fputs under stdio's lock, so threads never interleave within a line.
 * Context (request id, outage id, target) goes in the text: "[req 1a2b] ...".
 */
#pragma once

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

extern int log_min_level;

void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse "debug", "info", "warn", "error"; returns -1 when unknown. */
int log_level_parse(const char *name);

#define log_debug(...) do { if (log_min_level <= LOG_DEBUG) log_write(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...)  do { if (log_min_level <= LOG_INFO)  log_write(LOG_INFO, __VA_ARGS__); } while (0)
#define log_warn(...)  do { if (log_min_level <= LOG_WARN)  log_write(LOG_WARN, __VA_ARGS__); } while (0)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

/* Logging: one line per event to stderr, "LEVEL module: message".
 *
 * Secrets never go through here: log a key with tn_key_fingerprint-style
 * short forms, never its bytes.  Thread-safe (one fprintf per line).
 */
#ifndef TN_UTIL_LOG_H
#define TN_UTIL_LOG_H

#include <stddef.h>

enum tn_log_level {
	TN_LOG_ERR = 0,
	TN_LOG_WARN = 1,
	TN_LOG_INFO = 2,
	TN_LOG_DEBUG = 3,
};

void tn_log_set_level(enum tn_log_level level);
enum tn_log_level tn_log_get_level(void);

void tn_log(enum tn_log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Formats an error message into err[0..errlen) (nothing if err is NULL
 * or errlen 0): the convention of functions that report what went wrong. */
void tn_set_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define tn_log_err(mod, ...)   tn_log(TN_LOG_ERR, mod, __VA_ARGS__)
#define tn_log_warn(mod, ...)  tn_log(TN_LOG_WARN, mod, __VA_ARGS__)
#define tn_log_info(mod, ...)  tn_log(TN_LOG_INFO, mod, __VA_ARGS__)
#define tn_log_debug(mod, ...) \
	do { if (tn_log_get_level() >= TN_LOG_DEBUG) tn_log(TN_LOG_DEBUG, mod, __VA_ARGS__); } while (0)

#endif

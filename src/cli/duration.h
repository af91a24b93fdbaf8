/* Durations as Go's time package reads and writes them: tnet's flags take
 * "5s", "1m30s", "300ms" (time.ParseDuration), and its output prints
 * latencies as Go's Duration.String does ("1.234ms", "0s", "1m0s").
 * Nanoseconds in an int64.  Pure functions; any thread.
 */
#ifndef TN_CLI_DURATION_H
#define TN_CLI_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define TN_CLI_NS_PER_MS INT64_C(1000000)
#define TN_CLI_NS_PER_S INT64_C(1000000000)

/* Parses s: an optional sign, then one or more decimal numbers (with an
 * optional fraction) each followed by a unit: ns, us (or µs, μs), ms, s,
 * m, h; "0" alone is zero.  Returns 0, or -EINVAL for anything else and
 * -ERANGE beyond ±2^63 ns. */
int tn_cli_duration_parse(const char *s, int64_t *ns);

/* Writes Go's Duration.String of ns into out (32 bytes always suffice). */
void tn_cli_duration_format(int64_t ns, char *out, size_t outlen);

/* Go's Duration.Round: ns rounded to the nearest multiple of m, halves away
 * from zero; m <= 0 returns ns unchanged. */
int64_t tn_cli_duration_round(int64_t ns, int64_t m);

#endif

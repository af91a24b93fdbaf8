/* A deterministic random source for fuzz targets.
 *
 * tn_crypto_random() draws from libsodium's randombytes_buf; a target that
 * installs this generator (before anything initialises libsodium) gets the
 * same ephemeral keys, session indices, cookie secrets and nonces in every
 * run, so an input replays to the same result and seed messages that
 * answer the device's own (e.g. a handshake response) stay valid.  Never
 * for anything but fuzzing: splitmix64 is not a cryptographic generator.
 * Single-threaded, like the targets.
 */
#ifndef TN_FUZZ_RNG_H
#define TN_FUZZ_RNG_H

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fuzz_rng_state;

static inline uint64_t fuzz_rng_next(void)
{
	uint64_t z = (fuzz_rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline const char *fuzz_rng_name(void)
{
	return "fuzz-splitmix64";
}

static inline uint32_t fuzz_rng_random(void)
{
	return (uint32_t)fuzz_rng_next();
}

static inline void fuzz_rng_buf(void *const buf, const size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = fuzz_rng_next();

		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

/* Replaces libsodium's random source; call before any other crypto. */
static inline void fuzz_rng_install(void)
{
	static randombytes_implementation impl = {
		.implementation_name = fuzz_rng_name,
		.random = fuzz_rng_random,
		.buf = fuzz_rng_buf,
	};

	if (randombytes_set_implementation(&impl) != 0)
		abort();
}

/* Restarts the sequence. */
static inline void fuzz_rng_seed(uint64_t seed)
{
	fuzz_rng_state = seed;
}

#endif

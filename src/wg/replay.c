#include "wg/replay.h"

#include <string.h>

#define RING_WORDS (TN_WG_REPLAY_BITS_TOTAL / TN_WG_REPLAY_WORD_BITS)

_Static_assert((RING_WORDS & (RING_WORDS - 1)) == 0, "ring size must be a power of two");

void tn_wg_replay_init(struct tn_wg_replay *r)
{
	memset(r, 0, sizeof(*r));
}

bool tn_wg_replay_check(struct tn_wg_replay *r, uint64_t counter)
{
	uint64_t n, word, bit;

	if (r->next > TN_WG_REJECT_AFTER_MESSAGES ||
	    counter >= TN_WG_REJECT_AFTER_MESSAGES)
		return false;
	/* Work with counter + 1 so that "next" == 0 can mean "nothing yet";
	 * the reject limit above keeps this from overflowing. */
	n = counter + 1;
	if (n + TN_WG_REPLAY_WINDOW < r->next)
		return false; /* too far behind */

	word = n / TN_WG_REPLAY_WORD_BITS;
	if (n > r->next) {
		/* Slide: zero the words between the old head and the new one,
		 * at most the whole ring for a far jump. */
		uint64_t cur = r->next / TN_WG_REPLAY_WORD_BITS;
		uint64_t clear = word - cur;

		if (clear > RING_WORDS)
			clear = RING_WORDS;
		for (uint64_t i = 1; i <= clear; i++)
			r->ring[(cur + i) & (RING_WORDS - 1)] = 0;
		r->next = n;
	}

	bit = UINT64_C(1) << (n % TN_WG_REPLAY_WORD_BITS);
	word &= RING_WORDS - 1;
	if (r->ring[word] & bit)
		return false; /* replayed */
	r->ring[word] |= bit;
	return true;
}

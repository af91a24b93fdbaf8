/* Fuzz target for the prefs file parser (src/ipn/prefs.c) and the
 * MaskedPrefs reader the LocalAPI feeds with request bodies.
 *
 * Whatever the input: no crash or leak; a refused file leaves a message;
 * an accepted one formats to text that parses back to equal prefs and
 * formats identically (the file is stable across restarts); a body read as
 * MaskedPrefs either fails with a message or leaves prefs that format and
 * parse back equal.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipn/prefs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct tn_prefs *p)
{
	struct tn_prefs q;
	char err[256], *text = tn_prefs_format(p), *again;

	if (!text)
		abort();
	if (tn_prefs_parse(&q, text, strlen(text), err, sizeof(err)) < 0)
		abort();
	again = tn_prefs_format(&q);
	if (!again || strcmp(text, again))
		abort();
	free(text);
	free(again);
	tn_prefs_clear(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_prefs p;
	char err[256] = "";
	json_t *j;

	if (tn_prefs_parse(&p, (const char *)data, size, err, sizeof(err)) == 0) {
		round_trip(&p);
		tn_prefs_clear(&p);
	} else if (!err[0]) {
		abort();
	}
	j = json_loadb((const char *)data, size, 0, NULL);
	if (j) {
		unsigned mask;

		if (tn_prefs_init_default(&p) < 0)
			abort();
		err[0] = 0;
		if (tn_prefs_from_json(&p, j, &mask, err, sizeof(err)) == 0)
			round_trip(&p);
		else if (!err[0])
			abort();
		tn_prefs_clear(&p);
		json_decref(j);
	}
	return 0;
}

/* Reading the fixtures captured from Go tailscaled 1.98.10 and its CLI
 * (fixtures/README). */
#ifndef TN_TEST_CLI_FIXTURE_H
#define TN_TEST_CLI_FIXTURE_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/gojson.h"

/* The file's bytes, NUL-terminated; aborts the test program if missing. */
static inline char *fixture(const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "missing fixture %s\n", path);
		abort();
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
		abort();
	p[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return p;
}

static inline json_t *fixture_json(const char *name)
{
	size_t len;
	char *text = fixture(name, &len);
	json_t *v = tn_cli_json_parse(text, len, NULL, 0);
	free(text);
	if (!v)
		abort();
	return v;
}

#endif

/* Fuzz target for what tnet reads from a daemon (src/cli): a LocalAPI
 * response (head, Content-Length/chunked/until-close body) read through
 * the same reader as a socket, and the IPN bus stream; whatever JSON comes
 * out goes through every formatter and rule that takes the daemon's JSON:
 * the status table, whois and netcheck text, the Go-style re-encoder, the
 * prefs ordering and edits, the re-specify check, node lookup by IP.
 * Nothing may crash, leak or read out of bounds; the re-encoded JSON must
 * parse back to an equal value.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/flags.h"
#include "cli/gojson.h"
#include "cli/localapi.h"
#include "cli/peers.h"
#include "cli/prefs.h"
#include "cli/upargs.h"
#include "cli/upcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd_of(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/* Equal, with numbers compared by value: Go (and so tnet) writes 100.0 as
 * 100 and 1e20 as 100000000000000000000, which read back as integers. */
static bool equiv(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!equiv(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	if (json_is_object(a)) {
		const char *k;
		json_t *v;
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach((json_t *)a, k, v) {
			json_t *w = json_object_get(b, k);
			if (!w || !equiv(v, w))
				return false;
		}
		return true;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

static void roundtrip(const json_t *v)
{
	char *s = tn_cli_json_encode(v, "\t");
	if (!s)
		return;   /* only allocation failure */
	json_t *back = json_loads(s, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
	if (!back || !equiv(v, back))
		abort();
	json_decref(back);
	free(s);
}

static void formatters(json_t *j)
{
	struct tn_cli_buf b;
	char *desc;

	roundtrip(j);
	if (!json_is_object(j))
		return;
	tn_cli_buf_init(&b);
	for (int m = 0; m < 16; m++) {
		struct tn_cli_status_opts o = { m & 1, m & 2, m & 4, m & 8 };
		tn_cli_status_table(j, &o, 1795600802, &b);
		tn_cli_buf_reset(&b);
	}
	tn_cli_whois_text(j, &b);
	tn_cli_buf_reset(&b);
	tn_cli_netcheck_text(j, j, true, &b);
	tn_cli_buf_free(&b);
	tn_cli_running_or_starting(j, &desc);
	free(desc);
	tn_cli_node_with_ip(j, "100.64.0.1");

	char ip[64], err[256];
	tn_cli_exit_node_ip("100.64.0.1", j, ip, sizeof(ip), err, sizeof(err));
	tn_cli_exit_node_ip("n2", j, ip, sizeof(ip), err, sizeof(err));

	json_t *p = tn_cli_prefs_ordered(j, true), *z = tn_cli_prefs_zero();
	json_decref(p);
	tn_cli_prefs_apply_edits(z, j);
	tn_cli_prefs_mask_empty(j);

	/* The re-specify check with the daemon's prefs as the current ones. */
	struct tn_cli_up_args a;
	struct tn_cli_flag flags[TN_CLI_UP_FLAGS_MAX];
	struct tn_cli_flagset fs = { .short_usage = "up", .flags = flags };
	char *argv[] = { "--hostname=n1" };
	fs.n_flags = tn_cli_up_flags(&a, false, flags);
	if (tn_cli_flags_parse(&fs, 1, argv, err, sizeof(err)) == 0) {
		struct tn_cli_upcheck env = { .fs = &fs, .prog = "tnet", .user = "root",
					      .backend_state = "Running", .cur_exit_node_ip = "" };
		bool simple;
		tn_cli_buf_init(&b);
		tn_cli_apply_implicit_prefs(z, j, &env);
		tn_cli_check_reverts(z, j, &env, &simple, &b);
		tn_cli_buf_free(&b);
	}
	json_decref(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_cli_response r;
	struct tn_cli_stream s;
	char err[TN_CLI_ERROR_MAX];
	int fd = memfd_of(data, size);

	if (tn_cli_localapi_read_response(fd, 0, &r, err, sizeof(err)) == 0) {
		if (!r.body || r.body[r.body_len] != '\0')
			abort();
		tn_cli_localapi_status_error(&r, err, sizeof(err));
		json_t *j = tn_cli_json_parse(r.body, r.body_len, err, sizeof(err));
		if (j)
			formatters(j);
		json_decref(j);
		tn_cli_response_free(&r);
	}
	close(fd);

	fd = memfd_of(data, size);
	if (tn_cli_stream_start(&s, fd, 0, err, sizeof(err)) == 0) {
		const char *line;
		size_t len;
		while (tn_cli_stream_next(&s, 0, &line, &len, err, sizeof(err)) == 1) {
			if (line[len] != '\0')
				abort();
			json_t *j = tn_cli_json_parse(line, len, err, sizeof(err));
			if (j)
				roundtrip(j);
			json_decref(j);
		}
	}
	tn_cli_stream_close(&s);
	return 0;
}

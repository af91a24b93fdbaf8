/* The re-specify rule of "tailscale up" (up.go's updatePrefs and
 * checkForAccidentalSettingReverts): a flag left out of "up" must not
 * silently reset a setting made earlier; the error names the command
 * that keeps everything, in Go's words.  Also the implicit --operator and
 * the control-URL synonyms.  Pure functions; any thread.
 */
#ifndef TN_CLI_UPCHECK_H
#define TN_CLI_UPCHECK_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/buf.h"
#include "cli/flags.h"

/* What the re-specify check needs to know besides the prefs. */
struct tn_cli_upcheck {
	const struct tn_cli_flagset *fs;  /* the parsed up flags (which were set) */
	const char *prog;                 /* "tnet": the command in the message */
	const char *user;                 /* $USER, for the implicit --operator */
	const char *backend_state;        /* the status's BackendState */
	const char *cur_exit_node_ip;     /* the IP of prefs.ExitNodeID, or "" */
};

/* applyImplicitPrefs: keeps the operator if it is the current user and
 * --operator was not given. */
void tn_cli_apply_implicit_prefs(json_t *newp, const json_t *curp,
				 const struct tn_cli_upcheck *env);

/* checkForAccidentalSettingReverts.  Returns 0 (with *simple_up telling
 * whether this is a bare "up" that only brings the node up), or -EINVAL
 * with the whole error text ("Error: changing settings via 'tnet up'
 * requires mentioning all\n...\ttnet up --flags...\n\n") in msg. */
int tn_cli_check_reverts(const json_t *newp, const json_t *curp, const struct tn_cli_upcheck *env,
			 bool *simple_up, struct tn_cli_buf *msg);

/* Whether two control URLs differ other than as synonyms of the default
 * (ipn.IsLoginServerSynonym). */
bool tn_cli_control_url_changed(const char *cur, const char *next);

#endif

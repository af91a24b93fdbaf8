/* Node preferences as the LocalAPI carries them: Go's ipn.Prefs and
 * ipn.MaskedPrefs JSON, NewPrefs' defaults, MaskedPrefs marks for the
 * flags of "up" and "set", and Prefs.ApplyEdits.  (upargs.h turns flags
 * into prefs; upcheck.h holds the re-specify rule.)
 *
 * Prefs are jansson objects with Go's member names.  tn_cli_prefs_ordered
 * puts the members in Go's declaration order and leaves out the omitempty
 * ones that are empty, so what tnet sends reads like what the Go CLI sends.
 * Pure functions (no I/O); any thread.
 */
#ifndef TN_CLI_PREFS_H
#define TN_CLI_PREFS_H

#include <jansson.h>
#include <stdbool.h>

#define TN_CLI_DEFAULT_CONTROL_URL "https://controlplane.tailscale.com"

/* preftype.NetfilterMode */
enum {
	TN_CLI_NETFILTER_OFF = 0,
	TN_CLI_NETFILTER_NODIVERT = 1,
	TN_CLI_NETFILTER_ON = 2,
};

/* ipn.State, as the IPN bus sends it. */
enum {
	TN_CLI_STATE_NO_STATE = 0,
	TN_CLI_STATE_IN_USE_OTHER_USER = 1,
	TN_CLI_STATE_NEEDS_LOGIN = 2,
	TN_CLI_STATE_NEEDS_MACHINE_AUTH = 3,
	TN_CLI_STATE_STOPPED = 4,
	TN_CLI_STATE_STARTING = 5,
	TN_CLI_STATE_RUNNING = 6,
};

/* Go's zero Prefs (what a MaskedPrefs starts from) and ipn.NewPrefs() on
 * Linux.  New references. */
json_t *tn_cli_prefs_zero(void);
json_t *tn_cli_prefs_new(void);

/* A copy of p (Prefs, or MaskedPrefs when masked) with the members in Go's
 * order, Go's zero values for missing ones, empty omitempty ones left out,
 * and unknown members kept at the end.  New reference or NULL. */
json_t *tn_cli_prefs_ordered(const json_t *p, bool masked);

/* mp's Prefs members whose "<Name>Set" is true, copied into p (Go's
 * Prefs.ApplyEdits). */
void tn_cli_prefs_apply_edits(json_t *p, const json_t *mp);

/* Marks in mp the prefs a "tailscale up"/"set" flag stands for
 * (updateMaskedPrefsFromUpOrSetFlag); flags without a pref do nothing. */
void tn_cli_prefs_mark_flag(json_t *mp, const char *flag);

/* True if no "<Name>Set" member of mp is true (MaskedPrefs.IsEmpty). */
bool tn_cli_prefs_mask_empty(const json_t *mp);

#endif

/* Finding nodes in the daemon's status (Go's ipnstate.Status JSON) the
 * way the tailscale CLI does: a peer named on the command line (by IP,
 * MagicDNS base name or FQDN, falling back to DNS), a node by one of its
 * IPs, the name shown for a node, and what a non-running BackendState
 * means to the user.  Pure functions over JSON, except the DNS fallback
 * (getaddrinfo).  Any thread.
 */
#ifndef TN_CLI_PEERS_H
#define TN_CLI_PEERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/addr.h"

/* dnsname.TrimSuffix: name without a trailing dot, and without suffix if
 * it ends in ".suffix". */
void tn_cli_dns_trim_suffix(const char *name, const char *suffix, char *out, size_t outlen);

/* dnsname.SanitizeHostname: a valid DNS label made from a host name. */
void tn_cli_sanitize_hostname(const char *host, char *out, size_t outlen);

/* The name status shows for a node (dnsOrQuoteHostname): the MagicDNS
 * base name, or ("sanitized-hostname") when it has no DNS name. */
void tn_cli_node_display_name(const json_t *st, const json_t *ps, char *out, size_t outlen);

/* tailscaleIPFromArg: the Tailscale IP for a command-line argument (an IP
 * as it is; a peer's or our own name, case-insensitive; else DNS).  *self
 * tells whether it named this node.  0, or -errno with err set in Go's
 * words ("error looking up IP of \"x\": ..."). */
int tn_cli_ip_from_arg(const json_t *st, const char *arg, char *ip, size_t iplen, bool *self,
		       char *err, size_t errlen);

/* The node (a peer, or Self) that has ip among its TailscaleIPs; NULL if
 * none. */
const json_t *tn_cli_node_with_ip(const json_t *st, const char *ip);

/* Whether ip is among the TailscaleIPs of ps (a PeerStatus, or the
 * Status itself for our own addresses). */
bool tn_cli_has_ip(const json_t *ps, const struct tn_cli_addr *ip);

/* isRunningOrStarting: true for Running and Starting; otherwise *desc is
 * what to tell the user ("Tailscale is stopped.", "Logged out.\nLog in
 * at: URL", ...), malloc'd. */
bool tn_cli_running_or_starting(const json_t *st, char **desc);

#endif

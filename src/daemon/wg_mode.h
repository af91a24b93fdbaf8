/* Plain-WireGuard mode: `tailnetd --wg-config FILE` runs a WireGuard
 * interface from a wg-quick style file, with no control server: a TUN
 * device, one UDP socket, and the WireGuard device between them.  It is
 * how the data plane is tested against wireguard-go, and usable as a small
 * WireGuard endpoint on its own.
 */
#ifndef TN_DAEMON_WG_MODE_H
#define TN_DAEMON_WG_MODE_H

/* Runs until SIGINT/SIGTERM.  SIGUSR1 logs the counters.  Returns the
 * process exit code. */
int tn_wg_mode_run(const char *config_path, const char *tun_name);

#endif

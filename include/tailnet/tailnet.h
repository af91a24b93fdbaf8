/* libtailnet — public API of the tailnetd engine.
 *
 * This is the only header meant for programs that embed a node; everything
 * under src/ is internal.  The API grows with the engine: for now it reports
 * the library version.
 */
#ifndef TAILNET_TAILNET_H
#define TAILNET_TAILNET_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library version, "MAJOR.MINOR.PATCH".  Static storage. */
const char *tn_version(void);

#ifdef __cplusplus
}
#endif
#endif

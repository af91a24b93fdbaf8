/* The LocalAPI's route table: tailscaled's endpoints served from the IPN
 * backend (each handler's ctx is the struct tn_backend). */
#ifndef TN_LOCALAPI_HANDLERS_H
#define TN_LOCALAPI_HANDLERS_H

#include <stddef.h>

#include "localapi/server.h"

const struct tn_localapi_route *tn_localapi_routes(size_t *n);

#endif

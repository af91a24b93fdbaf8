#include "tailnet/tailnet.h"
#include "tn_config.h"

const char *tn_version(void)
{
	return TN_VERSION;
}

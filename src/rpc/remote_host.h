/*
 * remote_host.h: what the REMOTE program says about the host
 */
#pragma once

#include <glib.h>

#include "virdriver.h"
#include "virnetprotocol.h"

char *remoteHostCapabilities(const virHypervisorDriver *drv);
gboolean remoteHostGetInfo(remoteNodeGetInfoRet *info, GError **error);

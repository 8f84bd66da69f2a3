/*
 * remote_handlers.h: handlers of the REMOTE procedures (src/rpc internal)
 *
 * All have the remoteHandler signature: @args is the decoded argument
 * struct of the procedure's table entry, @ret its zeroed return struct to
 * fill with GLib-allocated data (freed by the return filter after
 * encoding).  They run on worker threads.
 */
#pragma once

#include "remote_dispatch.h"
#include "remote_events.h"

/* A NULL driver entry point: VIR_ERR_NO_SUPPORT naming the API. */
#define REMOTE_NEED(call, entry, error)                                                            \
    do {                                                                                           \
        if (!(entry))                                                                              \
            return remoteNoSupport(call, error);                                                   \
    } while (0)

#define REMOTE_HANDLER(name) gboolean name(remoteCall *call, void *args, void *ret, GError **error)

/* remote_connect.c */
REMOTE_HANDLER(remoteAuthList);
REMOTE_HANDLER(remoteConnectSupportsFeature);
REMOTE_HANDLER(remoteConnectOpen);
REMOTE_HANDLER(remoteConnectClose);
REMOTE_HANDLER(remoteConnectGetType);
REMOTE_HANDLER(remoteConnectGetURI);
REMOTE_HANDLER(remoteConnectGetVersion);
REMOTE_HANDLER(remoteConnectGetLibVersion);
REMOTE_HANDLER(remoteConnectGetHostname);
REMOTE_HANDLER(remoteConnectRegisterCloseCallback);
REMOTE_HANDLER(remoteConnectUnregisterCloseCallback);
REMOTE_HANDLER(remoteConnectGetCapabilities);
REMOTE_HANDLER(remoteNodeGetInfo);
REMOTE_HANDLER(remoteNodeGetSecurityModel);

/* remote_domain.c */
REMOTE_HANDLER(remoteConnectListAllDomains);
REMOTE_HANDLER(remoteConnectNumOfDomains);
REMOTE_HANDLER(remoteConnectNumOfDefinedDomains);
REMOTE_HANDLER(remoteConnectListDomains);
REMOTE_HANDLER(remoteConnectListDefinedDomains);
REMOTE_HANDLER(remoteDomainLookupByID);
REMOTE_HANDLER(remoteDomainLookupByName);
REMOTE_HANDLER(remoteDomainLookupByUUID);
REMOTE_HANDLER(remoteDomainDefineXML);
REMOTE_HANDLER(remoteDomainDefineXMLFlags);
REMOTE_HANDLER(remoteDomainCreateXML);
REMOTE_HANDLER(remoteDomainCreate);
REMOTE_HANDLER(remoteDomainCreateWithFlags);
REMOTE_HANDLER(remoteDomainShutdown);
REMOTE_HANDLER(remoteDomainShutdownFlags);
REMOTE_HANDLER(remoteDomainReboot);
REMOTE_HANDLER(remoteDomainReset);
REMOTE_HANDLER(remoteDomainDestroy);
REMOTE_HANDLER(remoteDomainDestroyFlags);
REMOTE_HANDLER(remoteDomainSuspend);
REMOTE_HANDLER(remoteDomainAttachDevice);
REMOTE_HANDLER(remoteDomainDetachDevice);
REMOTE_HANDLER(remoteDomainResume);
REMOTE_HANDLER(remoteDomainUndefine);
REMOTE_HANDLER(remoteDomainUndefineFlags);
REMOTE_HANDLER(remoteDomainGetXMLDesc);
REMOTE_HANDLER(remoteDomainGetState);
REMOTE_HANDLER(remoteDomainGetInfo);
REMOTE_HANDLER(remoteDomainGetOSType);
REMOTE_HANDLER(remoteDomainIsActive);
REMOTE_HANDLER(remoteDomainIsPersistent);
REMOTE_HANDLER(remoteDomainGetAutostart);
REMOTE_HANDLER(remoteDomainSetAutostart);
REMOTE_HANDLER(remoteDomainHasManagedSaveImage);
REMOTE_HANDLER(remoteDomainSnapshotNum);
REMOTE_HANDLER(remoteDomainGetMessages);

/* remote_network.c */
REMOTE_HANDLER(remoteConnectListAllNetworks);
REMOTE_HANDLER(remoteConnectNumOfNetworks);
REMOTE_HANDLER(remoteConnectNumOfDefinedNetworks);
REMOTE_HANDLER(remoteConnectListNetworks);
REMOTE_HANDLER(remoteConnectListDefinedNetworks);
REMOTE_HANDLER(remoteNetworkLookupByName);
REMOTE_HANDLER(remoteNetworkLookupByUUID);
REMOTE_HANDLER(remoteNetworkDefineXML);
REMOTE_HANDLER(remoteNetworkDefineXMLFlags);
REMOTE_HANDLER(remoteNetworkCreateXML);
REMOTE_HANDLER(remoteNetworkCreateXMLFlags);
REMOTE_HANDLER(remoteNetworkUndefine);
REMOTE_HANDLER(remoteNetworkCreate);
REMOTE_HANDLER(remoteNetworkDestroy);
REMOTE_HANDLER(remoteNetworkGetXMLDesc);
REMOTE_HANDLER(remoteNetworkGetAutostart);
REMOTE_HANDLER(remoteNetworkSetAutostart);
REMOTE_HANDLER(remoteNetworkGetBridgeName);
REMOTE_HANDLER(remoteNetworkGetDHCPLeases);
REMOTE_HANDLER(remoteNetworkUpdate);
REMOTE_HANDLER(remoteNetworkIsActive);
REMOTE_HANDLER(remoteNetworkIsPersistent);

/*
 * remote_events.h: lifecycle events for RPC clients
 *
 * Clients register with CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY (316,
 * events go out as proc 318 with the callbackID we returned), the legacy
 * CONNECT_DOMAIN_EVENT_REGISTER_ANY (167, events go out as proc 107), or
 * CONNECT_NETWORK_EVENT_REGISTER_ANY (313, events as proc 315).  Drivers
 * emit from any thread through virDriverEmit*Event(); each matching
 * registration gets a frame queued on its client.  callbackIDs come from a
 * daemon-wide counter starting at 0.
 *
 * Locking: one registry mutex, taken before a client's output lock (never
 * the other way round); held only to walk the registrations and queue
 * frames, never across a driver call.
 */
#pragma once

#include <glib.h>

#include "remote_dispatch.h"

void remoteEventsInit(void);
void remoteEventsShutdown(void);
void remoteEventsClientGone(virNetServerClient *client);

gboolean remoteDomainEventCallbackRegisterAny(remoteCall *call, void *args, void *ret,
                                              GError **error);
gboolean remoteDomainEventCallbackDeregisterAny(remoteCall *call, void *args, void *ret,
                                                GError **error);
gboolean remoteDomainEventRegisterAny(remoteCall *call, void *args, void *ret, GError **error);
gboolean remoteDomainEventDeregisterAny(remoteCall *call, void *args, void *ret, GError **error);
gboolean remoteNetworkEventRegisterAny(remoteCall *call, void *args, void *ret, GError **error);
gboolean remoteNetworkEventDeregisterAny(remoteCall *call, void *args, void *ret, GError **error);

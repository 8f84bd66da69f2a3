/*
 * remote_events.c: lifecycle events for RPC clients
 */
#define G_LOG_DOMAIN "virtd.rpc"

#include "remote_events.h"

#include <glib/gi18n.h>
#include <string.h>

#include "virerror.h"

typedef enum {
    REMOTE_EVENT_DOMAIN_CALLBACK, /* 316 -> 318 */
    REMOTE_EVENT_DOMAIN_LEGACY,   /* 167 -> 107 */
    REMOTE_EVENT_NETWORK,         /* 313 -> 315 */
} remoteEventKind;

typedef struct {
    remoteEventKind kind;
    int callback_id; /* -1 for legacy registrations */
    int event_id;
    const virHypervisorDriver *drv; /* domain events: the connection's driver */
    gboolean filtered;
    unsigned char uuid[VIR_UUID_BUFLEN];
    virNetServerClient *client;
} remoteEventReg;

static GMutex remoteEventsLock;
static GPtrArray *remoteEventsRegs; /* of remoteEventReg */
static int remoteEventsNextId;

static void
remoteEventRegFree(remoteEventReg *reg)
{
    virNetServerClientUnref(reg->client);
    g_free(reg);
}

static void remoteEventsDomain(const virHypervisorDriver *drv, const virDomainHandle *dom,
                               int event, int detail, gpointer opaque);
static void remoteEventsNetwork(const virNetworkHandle *net, int event, int detail,
                                gpointer opaque);
static void remoteEventsDomainId(const virHypervisorDriver *drv, const virDomainHandle *dom,
                                 int event_id, int arg, gpointer opaque);

/**
 * remoteEventsInit:
 *
 * Creates the registry and connects it to the drivers' event fan-out.
 */
void
remoteEventsInit(void)
{
    g_mutex_lock(&remoteEventsLock);
    if (!remoteEventsRegs)
        remoteEventsRegs = g_ptr_array_new_with_free_func((GDestroyNotify)remoteEventRegFree);
    g_mutex_unlock(&remoteEventsLock);
    virDriverSetEventHandlers(remoteEventsDomain, remoteEventsNetwork, NULL);
    virDriverSetDomainEventIdHandler(remoteEventsDomainId);
}

/* The handlers stay installed (a driver may emit while shutting down):
 * they just find no registration any more. */
void
remoteEventsShutdown(void)
{
    g_mutex_lock(&remoteEventsLock);
    if (remoteEventsRegs)
        g_ptr_array_set_size(remoteEventsRegs, 0);
    g_mutex_unlock(&remoteEventsLock);
}

/**
 * remoteEventsClientGone:
 *
 * Drops every registration of @client (hang-up or CONNECT_CLOSE).
 */
void
remoteEventsClientGone(virNetServerClient *client)
{
    guint dropped = 0;

    g_mutex_lock(&remoteEventsLock);
    for (guint i = remoteEventsRegs->len; i > 0; i--) {
        remoteEventReg *reg = g_ptr_array_index(remoteEventsRegs, i - 1);

        if (reg->client == client) {
            g_ptr_array_remove_index(remoteEventsRegs, i - 1);
            dropped++;
        }
    }
    g_mutex_unlock(&remoteEventsLock);
    if (dropped)
        g_debug("client %llu: %u event registrations dropped", virNetServerClientGetId(client),
                dropped);
}

/* ---- delivery ---------------------------------------------------------- */

static void
remoteEventsSend(remoteEventReg *reg, int proc, virNetXdrFilter filter, void *msg)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) frame = virNetMessageEncodeEvent(proc, filter, msg, &err);

    if (!frame) {
        g_warning(_("event not sent to client %llu: %s"), virNetServerClientGetId(reg->client),
                  err->message);
        return;
    }
    virNetServerClientSend(reg->client, frame);
}

static gboolean
remoteEventRegMatchesDomain(const remoteEventReg *reg, const virHypervisorDriver *drv,
                            const virDomainHandle *dom)
{
    return reg->kind != REMOTE_EVENT_NETWORK && reg->drv == drv &&
           reg->event_id == VIR_DOMAIN_EVENT_ID_LIFECYCLE &&
           (!reg->filtered || memcmp(reg->uuid, dom->uuid, VIR_UUID_BUFLEN) == 0);
}

static void
remoteEventsDomainOne(remoteEventReg *reg, const virDomainHandle *dom, int event, int detail)
{
    if (reg->kind == REMOTE_EVENT_DOMAIN_CALLBACK) {
        remoteDomainEventCallbackLifecycleMsg msg = {
            .callback_id = reg->callback_id, .dom = *dom, .event = event, .detail = detail};

        remoteEventsSend(reg, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                         virNetXdrDomainEventCallbackLifecycleMsg, &msg);
    } else {
        remoteDomainEventLifecycleMsg msg = {.dom = *dom, .event = event, .detail = detail};

        remoteEventsSend(reg, REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE, virNetXdrDomainEventLifecycleMsg,
                         &msg);
    }
}

/* Any thread (virDomainEventFunc). */
static void
remoteEventsDomain(const virHypervisorDriver *drv, const virDomainHandle *dom, int event,
                   int detail, gpointer opaque)
{
    g_mutex_lock(&remoteEventsLock);
    for (guint i = 0; remoteEventsRegs && i < remoteEventsRegs->len; i++) {
        remoteEventReg *reg = g_ptr_array_index(remoteEventsRegs, i);

        if (remoteEventRegMatchesDomain(reg, drv, dom))
            remoteEventsDomainOne(reg, dom, event, detail);
    }
    g_mutex_unlock(&remoteEventsLock);
}

/* Any thread (virDomainEventIdFunc): reboot and watchdog, for clients
 * that registered for them with callbacks (there is no legacy form here). */
static void
remoteEventsDomainId(const virHypervisorDriver *drv, const virDomainHandle *dom, int event_id,
                     int arg, gpointer opaque)
{
    gboolean watchdog = event_id == VIR_DOMAIN_EVENT_ID_WATCHDOG;

    g_mutex_lock(&remoteEventsLock);
    for (guint i = 0; remoteEventsRegs && i < remoteEventsRegs->len; i++) {
        remoteEventReg *reg = g_ptr_array_index(remoteEventsRegs, i);
        remoteDomainEventCallbackIntMsg msg = {
            .callback_id = reg->callback_id, .dom = *dom, .value = arg};

        if (reg->kind != REMOTE_EVENT_DOMAIN_CALLBACK || reg->drv != drv ||
            reg->event_id != event_id ||
            (reg->filtered && memcmp(reg->uuid, dom->uuid, VIR_UUID_BUFLEN) != 0))
            continue;
        remoteEventsSend(reg,
                         watchdog ? REMOTE_PROC_DOMAIN_EVENT_CALLBACK_WATCHDOG
                                  : REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT,
                         watchdog ? virNetXdrDomainEventCallbackIntMsg
                                  : virNetXdrDomainEventCallbackDomMsg,
                         &msg);
    }
    g_mutex_unlock(&remoteEventsLock);
}

/* Any thread (virNetworkEventFunc). */
static void
remoteEventsNetwork(const virNetworkHandle *net, int event, int detail, gpointer opaque)
{
    g_mutex_lock(&remoteEventsLock);
    for (guint i = 0; remoteEventsRegs && i < remoteEventsRegs->len; i++) {
        remoteEventReg *reg = g_ptr_array_index(remoteEventsRegs, i);
        remoteNetworkEventLifecycleMsg msg = {
            .callback_id = reg->callback_id, .net = *net, .event = event, .detail = detail};

        if (reg->kind == REMOTE_EVENT_NETWORK && reg->event_id == VIR_NETWORK_EVENT_ID_LIFECYCLE &&
            (!reg->filtered || memcmp(reg->uuid, net->uuid, VIR_UUID_BUFLEN) == 0))
            remoteEventsSend(reg, REMOTE_PROC_NETWORK_EVENT_LIFECYCLE,
                             virNetXdrNetworkEventLifecycleMsg, &msg);
    }
    g_mutex_unlock(&remoteEventsLock);
}

/* ---- registrations ----------------------------------------------------- */

/* Adds @reg (taking it) unless its client hung up meanwhile: a client is
 * marked closed before remoteEventsClientGone runs, so checking under the
 * registry lock leaves no window for a registration to outlive it.
 * @id: (out) (optional): the callbackID given to it */
static gboolean
remoteEventsAdd(remoteEventReg *reg, int *id, GError **error)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&remoteEventsLock);

    if (virNetServerClientIsClosed(reg->client)) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("the client disconnected"));
        remoteEventRegFree(reg);
        return FALSE;
    }
    if (reg->kind != REMOTE_EVENT_DOMAIN_LEGACY)
        reg->callback_id = remoteEventsNextId++;
    if (id)
        *id = reg->callback_id;
    g_ptr_array_add(remoteEventsRegs, reg);
    g_debug(
        "client %llu: %s event %d registered as callback %d", virNetServerClientGetId(reg->client),
        reg->kind == REMOTE_EVENT_NETWORK ? "network" : "domain", reg->event_id, reg->callback_id);
    return TRUE;
}

static remoteEventReg *
remoteEventRegNew(remoteCall *call, remoteEventKind kind, int event_id)
{
    remoteEventReg *reg = g_new0(remoteEventReg, 1);

    reg->kind = kind;
    reg->callback_id = -1;
    reg->event_id = event_id;
    reg->drv = call->drv;
    reg->client = virNetServerClientRef(call->client);
    return reg;
}

/* Removes the registration of @call's client matching @kind and @key
 * (callbackID, or eventID for legacy ones). */
static gboolean
remoteEventsRemove(remoteCall *call, remoteEventKind kind, int key)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&remoteEventsLock);

    for (guint i = 0; i < remoteEventsRegs->len; i++) {
        remoteEventReg *reg = g_ptr_array_index(remoteEventsRegs, i);
        int reg_key = kind == REMOTE_EVENT_DOMAIN_LEGACY ? reg->event_id : reg->callback_id;

        if (reg->client == call->client && reg->kind == kind && reg_key == key) {
            g_ptr_array_remove_index(remoteEventsRegs, i);
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
remoteEventsHasLegacy(remoteCall *call, int event_id)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&remoteEventsLock);

    for (guint i = 0; i < remoteEventsRegs->len; i++) {
        remoteEventReg *reg = g_ptr_array_index(remoteEventsRegs, i);

        if (reg->client == call->client && reg->kind == REMOTE_EVENT_DOMAIN_LEGACY &&
            reg->event_id == event_id)
            return TRUE;
    }
    return FALSE;
}

static gboolean
remoteEventsCheckId(int event_id, int last, GError **error)
{
    if (event_id < 0 || event_id >= last) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("unsupported event ID %d"), event_id);
        return FALSE;
    }
    return TRUE;
}

/* 316: other event IDs than LIFECYCLE are accepted and never fire, so
 * 'virsh event --all' works. */
gboolean
remoteDomainEventCallbackRegisterAny(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainEventRegisterArgs *a = args;
    remoteEventReg *reg;

    if (!remoteEventsCheckId(a->event_id, VIR_DOMAIN_EVENT_ID_LAST, error))
        return FALSE;
    reg = remoteEventRegNew(call, REMOTE_EVENT_DOMAIN_CALLBACK, a->event_id);
    if (a->dom) {
        reg->filtered = TRUE;
        memcpy(reg->uuid, a->dom->uuid, VIR_UUID_BUFLEN);
    }
    return remoteEventsAdd(reg, &((remoteIntMsg *)ret)->value, error);
}

gboolean
remoteDomainEventCallbackDeregisterAny(remoteCall *call, void *args, void *ret, GError **error)
{
    int id = ((const remoteIntMsg *)args)->value;

    if (!remoteEventsRemove(call, REMOTE_EVENT_DOMAIN_CALLBACK, id)) {
        virErrorSet(error, VIR_ERR_INVALID_ARG,
                    _("invalid argument: event callback id %d not registered"), id);
        return FALSE;
    }
    return TRUE;
}

gboolean
remoteDomainEventRegisterAny(remoteCall *call, void *args, void *ret, GError **error)
{
    int event_id = ((const remoteIntMsg *)args)->value;

    if (!remoteEventsCheckId(event_id, VIR_DOMAIN_EVENT_ID_LAST, error))
        return FALSE;
    if (remoteEventsHasLegacy(call, event_id)) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("domain event %d is already registered"),
                    event_id);
        return FALSE;
    }
    return remoteEventsAdd(remoteEventRegNew(call, REMOTE_EVENT_DOMAIN_LEGACY, event_id), NULL,
                           error);
}

gboolean
remoteDomainEventDeregisterAny(remoteCall *call, void *args, void *ret, GError **error)
{
    int event_id = ((const remoteIntMsg *)args)->value;

    if (!remoteEventsRemove(call, REMOTE_EVENT_DOMAIN_LEGACY, event_id)) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("domain event %d is not registered"), event_id);
        return FALSE;
    }
    return TRUE;
}

gboolean
remoteNetworkEventRegisterAny(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteNetworkEventRegisterArgs *a = args;
    remoteEventReg *reg;

    if (!remoteEventsCheckId(a->event_id, VIR_NETWORK_EVENT_ID_LAST, error))
        return FALSE;
    reg = remoteEventRegNew(call, REMOTE_EVENT_NETWORK, a->event_id);
    if (a->net) {
        reg->filtered = TRUE;
        memcpy(reg->uuid, a->net->uuid, VIR_UUID_BUFLEN);
    }
    return remoteEventsAdd(reg, &((remoteIntMsg *)ret)->value, error);
}

gboolean
remoteNetworkEventDeregisterAny(remoteCall *call, void *args, void *ret, GError **error)
{
    int id = ((const remoteIntMsg *)args)->value;

    if (!remoteEventsRemove(call, REMOTE_EVENT_NETWORK, id)) {
        virErrorSet(error, VIR_ERR_INVALID_ARG,
                    _("invalid argument: event callback id %d not registered"), id);
        return FALSE;
    }
    return TRUE;
}

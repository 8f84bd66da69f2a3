/*
 * virdriver.c: the driver registry and the event fan-out
 */
#include "virdriver.h"

#include <glib/gi18n.h>
#include <string.h>

#define MAX_HYPERVISORS 4

static const virHypervisorDriver *hypervisors[MAX_HYPERVISORS];
static const virNetworkDriver *networkDriver;
static virDomainEventFunc domainEventFn;
static virNetworkEventFunc networkEventFn;
static gpointer eventOpaque;
static virDomainEventIdFunc domainEventIdFn;

void
virDomainHandleClear(virDomainHandle *h)
{
    g_clear_pointer(&h->name, g_free);
}

void
virNetworkHandleClear(virNetworkHandle *h)
{
    g_clear_pointer(&h->name, g_free);
}

GArray *
virDomainHandleArrayNew(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(virDomainHandle));

    g_array_set_clear_func(a, (GDestroyNotify)virDomainHandleClear);
    return a;
}

GArray *
virNetworkHandleArrayNew(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(virNetworkHandle));

    g_array_set_clear_func(a, (GDestroyNotify)virNetworkHandleClear);
    return a;
}

void
virDriverRegisterHypervisor(const virHypervisorDriver *drv)
{
    for (size_t i = 0; i < MAX_HYPERVISORS; i++) {
        if (!hypervisors[i]) {
            hypervisors[i] = drv;
            return;
        }
    }
    g_assert_not_reached();
}

/**
 * virDriverLookupHypervisor:
 * @scheme: "qemu", "lxc"; NULL for the first registered one
 *
 * Returns: (transfer none) (nullable): the driver.
 */
const virHypervisorDriver *
virDriverLookupHypervisor(const char *scheme)
{
    for (size_t i = 0; i < MAX_HYPERVISORS && hypervisors[i]; i++) {
        if (!scheme || strcmp(hypervisors[i]->scheme, scheme) == 0)
            return hypervisors[i];
    }
    return NULL;
}

void
virDriverRegisterNetwork(const virNetworkDriver *drv)
{
    networkDriver = drv;
}

const virNetworkDriver *
virDriverGetNetwork(void)
{
    return networkDriver;
}

/* Set once at start-up, before any driver can emit. */
void
virDriverSetEventHandlers(virDomainEventFunc dom_fn, virNetworkEventFunc net_fn,
                          gpointer opaque)
{
    domainEventFn = dom_fn;
    networkEventFn = net_fn;
    eventOpaque = opaque;
}

void
virDriverEmitDomainEvent(const virHypervisorDriver *drv, const virDomainHandle *dom, int event,
                         int detail)
{
    if (domainEventFn)
        domainEventFn(drv, dom, event, detail, eventOpaque);
}

/* Set once at start-up, with the lifecycle handlers. */
void
virDriverSetDomainEventIdHandler(virDomainEventIdFunc fn)
{
    domainEventIdFn = fn;
}

void
virDriverEmitDomainEventId(const virHypervisorDriver *drv, const virDomainHandle *dom,
                           int event_id, int arg)
{
    if (domainEventIdFn)
        domainEventIdFn(drv, dom, event_id, arg, eventOpaque);
}

void
virDriverEmitNetworkEvent(const virNetworkHandle *net, int event, int detail)
{
    if (networkEventFn)
        networkEventFn(net, event, detail, eventOpaque);
}

/**
 * virDriverCheckFlags:
 * @api: the libvirt API name, for the message
 *
 * Unknown flag bits are refused with VIR_ERR_INVALID_ARG: virsh relies on
 * that error to fall back to older calls.
 */
gboolean
virDriverCheckFlags(unsigned int flags, unsigned int allowed, const char *api, GError **error)
{
    if (flags & ~allowed) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("unsupported flags (0x%x) in %s"),
                    flags & ~allowed, api);
        return FALSE;
    }
    return TRUE;
}

/* A pair of list filter bits ("active"/"inactive"): both or neither set
 * means no filtering on that property. */
gboolean
virDriverMatchFlagPair(unsigned int flags, unsigned int yes, unsigned int no, gboolean value)
{
    gboolean want_yes = (flags & yes) != 0;
    gboolean want_no = (flags & no) != 0;

    return want_yes == want_no || (want_yes ? value : !value);
}

void
virNetworkDHCPLeaseClear(virNetworkDHCPLease *lease)
{
    g_clear_pointer(&lease->iface, g_free);
    g_clear_pointer(&lease->mac, g_free);
    g_clear_pointer(&lease->iaid, g_free);
    g_clear_pointer(&lease->ipaddr, g_free);
    g_clear_pointer(&lease->hostname, g_free);
    g_clear_pointer(&lease->clientid, g_free);
}

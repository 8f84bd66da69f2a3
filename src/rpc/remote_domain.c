/*
 * remote_domain.c: domain procedures of the REMOTE program
 *
 * Thin bridges from decoded arguments to the connection's hypervisor
 * driver: handles go to the driver as sent (it resolves them by UUID,
 * then name), a NULL entry point means VIR_ERR_NO_SUPPORT.
 */
#define G_LOG_DOMAIN "virtd.rpc"

#include <glib/gi18n.h>
#include <string.h>

#include "remote_handlers.h"
#include "virerror.h"

/* libvirt's defined flag bits of the calls whose flags the RPC layer
 * itself interprets; the drivers check the rest */
#define REMOTE_DOMAIN_GET_MESSAGES_FLAGS 0x3 /* TAINTING | DEPRECATION */

/* Moves the handles of @list into a freshly allocated array. */
static virDomainHandle *
remoteStealDomains(GArray *list)
{
    virDomainHandle *out = g_new0(virDomainHandle, list->len);

    for (guint i = 0; i < list->len; i++) {
        virDomainHandle *h = &g_array_index(list, virDomainHandle, i);

        out[i] = *h;
        h->name = NULL;
    }
    return out;
}

static GArray *
remoteListDomains(remoteCall *call, unsigned int flags, GError **error)
{
    GArray *list;

    if (!call->drv->connectListAllDomains) {
        remoteNoSupport(call, error);
        return NULL;
    }
    if (!(list = call->drv->connectListAllDomains(&call->caller, flags, error)))
        return NULL;
    if (list->len > VIR_NET_LIST_MAX) {
        virErrorSet(error, VIR_ERR_INTERNAL_ERROR, _("too many domains: %u (at most %u)"),
                    list->len, VIR_NET_LIST_MAX);
        g_array_unref(list);
        return NULL;
    }
    return list;
}

gboolean
remoteConnectListAllDomains(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteListAllArgs *a = args;
    remoteListAllDomainsRet *r = ret;
    g_autoptr(GArray) list = remoteListDomains(call, a->flags, error);

    if (!list)
        return FALSE;
    r->ret = list->len;
    if (a->need_results) {
        r->n_domains = list->len;
        r->domains = remoteStealDomains(list);
    }
    return TRUE;
}

/* Legacy counts and lists, on top of connectListAllDomains. */
static int
remoteCountDomains(remoteCall *call, unsigned int flags, GError **error)
{
    g_autoptr(GArray) list = remoteListDomains(call, flags, error);

    return list ? (int)list->len : -1;
}

gboolean
remoteConnectNumOfDomains(remoteCall *call, void *args, void *ret, GError **error)
{
    return (((remoteIntMsg *)ret)->value =
                remoteCountDomains(call, VIR_CONNECT_LIST_DOMAINS_ACTIVE, error)) >= 0;
}

gboolean
remoteConnectNumOfDefinedDomains(remoteCall *call, void *args, void *ret, GError **error)
{
    return (((remoteIntMsg *)ret)->value =
                remoteCountDomains(call, VIR_CONNECT_LIST_DOMAINS_INACTIVE, error)) >= 0;
}

static gboolean
remoteCheckMax(int max, GError **error)
{
    if (max < 0 || (guint)max > VIR_NET_LIST_MAX) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("list size %d is out of range (0 to %u)"), max,
                    VIR_NET_LIST_MAX);
        return FALSE;
    }
    return TRUE;
}

gboolean
remoteConnectListDomains(remoteCall *call, void *args, void *ret, GError **error)
{
    int max = ((const remoteIntMsg *)args)->value;
    remoteIntListRet *r = ret;
    g_autoptr(GArray) list = NULL;

    if (!remoteCheckMax(max, error) ||
        !(list = remoteListDomains(call, VIR_CONNECT_LIST_DOMAINS_ACTIVE, error)))
        return FALSE;
    r->n_ids = MIN(list->len, (guint)max);
    r->ids = g_new0(int, MAX(r->n_ids, 1));
    for (guint i = 0; i < r->n_ids; i++)
        r->ids[i] = g_array_index(list, virDomainHandle, i).id;
    return TRUE;
}

gboolean
remoteConnectListDefinedDomains(remoteCall *call, void *args, void *ret, GError **error)
{
    int max = ((const remoteIntMsg *)args)->value;
    remoteStringListRet *r = ret;
    g_autoptr(GArray) list = NULL;

    if (!remoteCheckMax(max, error) ||
        !(list = remoteListDomains(call, VIR_CONNECT_LIST_DOMAINS_INACTIVE, error)))
        return FALSE;
    r->n_names = MIN(list->len, (guint)max);
    r->names = g_new0(char *, MAX(r->n_names, 1));
    for (guint i = 0; i < r->n_names; i++)
        r->names[i] = g_strdup(g_array_index(list, virDomainHandle, i).name);
    return TRUE;
}

gboolean
remoteDomainLookupByID(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainLookupByID, error);
    return call->drv->domainLookupByID(&call->caller, ((const remoteIntMsg *)args)->value,
                                       &((remoteDomainMsg *)ret)->dom, error);
}

gboolean
remoteDomainLookupByName(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainLookupByName, error);
    return call->drv->domainLookupByName(&call->caller, ((const remoteStringMsg *)args)->str,
                                         &((remoteDomainMsg *)ret)->dom, error);
}

gboolean
remoteDomainLookupByUUID(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainLookupByUUID, error);
    return call->drv->domainLookupByUUID(&call->caller, ((const remoteUUIDArgs *)args)->uuid,
                                         &((remoteDomainMsg *)ret)->dom, error);
}

gboolean
remoteDomainDefineXML(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainDefineXML, error);
    return call->drv->domainDefineXML(&call->caller, ((const remoteStringMsg *)args)->str, 0,
                                      &((remoteDomainMsg *)ret)->dom, error);
}

gboolean
remoteDomainDefineXMLFlags(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteStringFlagsArgs *a = args;

    REMOTE_NEED(call, call->drv->domainDefineXML, error);
    return call->drv->domainDefineXML(&call->caller, a->str, a->flags,
                                      &((remoteDomainMsg *)ret)->dom, error);
}

gboolean
remoteDomainCreateXML(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteStringFlagsArgs *a = args;

    REMOTE_NEED(call, call->drv->domainCreateXML, error);
    return call->drv->domainCreateXML(&call->caller, a->str, a->flags,
                                      &((remoteDomainMsg *)ret)->dom, error);
}

gboolean
remoteDomainCreate(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainCreate, error);
    return call->drv->domainCreate(&call->caller, &((const remoteDomainMsg *)args)->dom, 0, error);
}

/* 196 answers the handle with the id the domain now runs with. */
gboolean
remoteDomainCreateWithFlags(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;
    virDomainHandle *out = &((remoteDomainMsg *)ret)->dom;

    REMOTE_NEED(call, call->drv->domainCreate, error);
    if (!call->drv->domainCreate(&call->caller, &a->dom, a->flags, error))
        return FALSE;
    if (call->drv->domainLookupByUUID)
        return call->drv->domainLookupByUUID(&call->caller, a->dom.uuid, out, error);
    out->name = g_strdup(a->dom.name);
    memcpy(out->uuid, a->dom.uuid, VIR_UUID_BUFLEN);
    out->id = a->dom.id;
    return TRUE;
}

gboolean
remoteDomainShutdown(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainShutdown, error);
    return call->drv->domainShutdown(&call->caller, &((const remoteDomainMsg *)args)->dom, 0,
                                     error);
}

gboolean
remoteDomainShutdownFlags(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;

    REMOTE_NEED(call, call->drv->domainShutdown, error);
    return call->drv->domainShutdown(&call->caller, &a->dom, a->flags, error);
}

gboolean
remoteDomainReboot(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;

    REMOTE_NEED(call, call->drv->domainReboot, error);
    return call->drv->domainReboot(&call->caller, &a->dom, a->flags, error);
}

gboolean
remoteDomainReset(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;

    REMOTE_NEED(call, call->drv->domainReset, error);
    return call->drv->domainReset(&call->caller, &a->dom, a->flags, error);
}

gboolean
remoteDomainDestroy(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainDestroy, error);
    return call->drv->domainDestroy(&call->caller, &((const remoteDomainMsg *)args)->dom, 0, error);
}

gboolean
remoteDomainDestroyFlags(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;

    REMOTE_NEED(call, call->drv->domainDestroy, error);
    return call->drv->domainDestroy(&call->caller, &a->dom, a->flags, error);
}

gboolean
remoteDomainSuspend(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainSuspend, error);
    return call->drv->domainSuspend(&call->caller, &((const remoteDomainMsg *)args)->dom, error);
}

/* with or without flags: the args struct is zeroed, so flags is 0 (current)
 * for the old calls */
gboolean
remoteDomainAttachDevice(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainXMLArgs *a = args;

    REMOTE_NEED(call, call->drv->domainAttachDevice, error);
    return call->drv->domainAttachDevice(&call->caller, &a->dom, a->xml, a->flags, error);
}

gboolean
remoteDomainDetachDevice(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainXMLArgs *a = args;

    REMOTE_NEED(call, call->drv->domainDetachDevice, error);
    return call->drv->domainDetachDevice(&call->caller, &a->dom, a->xml, a->flags, error);
}

gboolean
remoteDomainResume(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainResume, error);
    return call->drv->domainResume(&call->caller, &((const remoteDomainMsg *)args)->dom, error);
}

gboolean
remoteDomainUndefine(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainUndefine, error);
    return call->drv->domainUndefine(&call->caller, &((const remoteDomainMsg *)args)->dom, 0,
                                     error);
}

gboolean
remoteDomainUndefineFlags(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;

    REMOTE_NEED(call, call->drv->domainUndefine, error);
    return call->drv->domainUndefine(&call->caller, &a->dom, a->flags, error);
}

gboolean
remoteDomainGetXMLDesc(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;
    remoteStringMsg *r = ret;

    /* secure data (passwords) only on read-write connections, as libvirt */
    if ((a->flags & VIR_DOMAIN_XML_SECURE) && !remoteDenyReadonly(call, error))
        return FALSE;
    REMOTE_NEED(call, call->drv->domainGetXMLDesc, error);
    r->str = call->drv->domainGetXMLDesc(&call->caller, &a->dom, a->flags, error);
    return r->str != NULL;
}

gboolean
remoteDomainGetState(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;
    remoteDomainGetStateRet *r = ret;

    if (!remoteCheckFlags(call, a->flags, 0, error))
        return FALSE;
    REMOTE_NEED(call, call->drv->domainGetState, error);
    return call->drv->domainGetState(&call->caller, &a->dom, &r->state, &r->reason, error);
}

gboolean
remoteDomainGetInfo(remoteCall *call, void *args, void *ret, GError **error)
{
    remoteDomainGetInfoRet *r = ret;
    virDomainInfo info = {0};

    REMOTE_NEED(call, call->drv->domainGetInfo, error);
    if (!call->drv->domainGetInfo(&call->caller, &((const remoteDomainMsg *)args)->dom, &info,
                                  error))
        return FALSE;
    r->state = info.state;
    r->max_mem = info.max_mem_kib;
    r->memory = info.memory_kib;
    r->nr_virt_cpu = info.nr_virt_cpu;
    r->cpu_time = info.cpu_time_ns;
    return TRUE;
}

gboolean
remoteDomainGetOSType(remoteCall *call, void *args, void *ret, GError **error)
{
    remoteStringMsg *r = ret;

    REMOTE_NEED(call, call->drv->domainGetOSType, error);
    r->str =
        call->drv->domainGetOSType(&call->caller, &((const remoteDomainMsg *)args)->dom, error);
    return r->str != NULL;
}

gboolean
remoteDomainIsActive(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainIsActive, error);
    return (((remoteIntMsg *)ret)->value = call->drv->domainIsActive(
                &call->caller, &((const remoteDomainMsg *)args)->dom, error)) >= 0;
}

gboolean
remoteDomainIsPersistent(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainIsPersistent, error);
    return (((remoteIntMsg *)ret)->value = call->drv->domainIsPersistent(
                &call->caller, &((const remoteDomainMsg *)args)->dom, error)) >= 0;
}

gboolean
remoteDomainGetAutostart(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->drv->domainGetAutostart, error);
    return (((remoteIntMsg *)ret)->value = call->drv->domainGetAutostart(
                &call->caller, &((const remoteDomainMsg *)args)->dom, error)) >= 0;
}

gboolean
remoteDomainSetAutostart(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainIntArgs *a = args;

    REMOTE_NEED(call, call->drv->domainSetAutostart, error);
    return call->drv->domainSetAutostart(&call->caller, &a->dom, a->value, error);
}

/* The domain must exist even where the answer is a constant. */
static gboolean
remoteDomainCheckExists(remoteCall *call, const virDomainHandle *dom, GError **error)
{
    g_auto(virDomainHandle) found = {0};

    REMOTE_NEED(call, call->drv->domainLookupByUUID, error);
    return call->drv->domainLookupByUUID(&call->caller, dom->uuid, &found, error);
}

/* virtd keeps no managed-save images: always 0 */
gboolean
remoteDomainHasManagedSaveImage(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;

    if (!remoteCheckFlags(call, a->flags, 0, error))
        return FALSE;
    ((remoteIntMsg *)ret)->value = 0;
    return remoteDomainCheckExists(call, &a->dom, error);
}

/* virtd has no snapshots: always 0, whatever the filter flags */
gboolean
remoteDomainSnapshotNum(remoteCall *call, void *args, void *ret, GError **error)
{
    ((remoteIntMsg *)ret)->value = 0;
    return remoteDomainCheckExists(call, &((const remoteDomainFlagsArgs *)args)->dom, error);
}

/* no taint or deprecation messages: an empty list */
gboolean
remoteDomainGetMessages(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteDomainFlagsArgs *a = args;

    if (!remoteCheckFlags(call, a->flags, REMOTE_DOMAIN_GET_MESSAGES_FLAGS, error))
        return FALSE;
    return remoteDomainCheckExists(call, &a->dom, error);
}

/*
 * remote_network.c: network procedures of the REMOTE program
 *
 * Served by the network driver whatever hypervisor URI was opened, as
 * libvirtd does.  The dispatcher guarantees call->netdrv is set.
 */
#define G_LOG_DOMAIN "virtd.rpc"

#include <glib/gi18n.h>

#include "remote_handlers.h"
#include "virerror.h"

static virNetworkHandle *
remoteStealNetworks(GArray *list)
{
    virNetworkHandle *out = g_new0(virNetworkHandle, list->len);

    for (guint i = 0; i < list->len; i++) {
        virNetworkHandle *h = &g_array_index(list, virNetworkHandle, i);

        out[i] = *h;
        h->name = NULL;
    }
    return out;
}

static GArray *
remoteListNetworks(remoteCall *call, unsigned int flags, GError **error)
{
    GArray *list;

    if (!call->netdrv->connectListAllNetworks) {
        remoteNoSupport(call, error);
        return NULL;
    }
    if (!(list = call->netdrv->connectListAllNetworks(&call->caller, flags, error)))
        return NULL;
    if (list->len > VIR_NET_LIST_MAX) {
        virErrorSet(error, VIR_ERR_INTERNAL_ERROR, _("too many networks: %u (at most %u)"),
                    list->len, VIR_NET_LIST_MAX);
        g_array_unref(list);
        return NULL;
    }
    return list;
}

gboolean
remoteConnectListAllNetworks(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteListAllArgs *a = args;
    remoteListAllNetworksRet *r = ret;
    g_autoptr(GArray) list = remoteListNetworks(call, a->flags, error);

    if (!list)
        return FALSE;
    r->ret = list->len;
    if (a->need_results) {
        r->n_nets = list->len;
        r->nets = remoteStealNetworks(list);
    }
    return TRUE;
}

static int
remoteCountNetworks(remoteCall *call, unsigned int flags, GError **error)
{
    g_autoptr(GArray) list = remoteListNetworks(call, flags, error);

    return list ? (int)list->len : -1;
}

gboolean
remoteConnectNumOfNetworks(remoteCall *call, void *args, void *ret, GError **error)
{
    return (((remoteIntMsg *)ret)->value =
                remoteCountNetworks(call, VIR_CONNECT_LIST_NETWORKS_ACTIVE, error)) >= 0;
}

gboolean
remoteConnectNumOfDefinedNetworks(remoteCall *call, void *args, void *ret, GError **error)
{
    return (((remoteIntMsg *)ret)->value =
                remoteCountNetworks(call, VIR_CONNECT_LIST_NETWORKS_INACTIVE, error)) >= 0;
}

static gboolean
remoteListNetworkNames(remoteCall *call, int max, unsigned int flags, remoteStringListRet *r,
                       GError **error)
{
    g_autoptr(GArray) list = NULL;

    if (max < 0 || (guint)max > VIR_NET_LIST_MAX) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("list size %d is out of range (0 to %u)"), max,
                    VIR_NET_LIST_MAX);
        return FALSE;
    }
    if (!(list = remoteListNetworks(call, flags, error)))
        return FALSE;
    r->n_names = MIN(list->len, (guint)max);
    r->names = g_new0(char *, MAX(r->n_names, 1));
    for (guint i = 0; i < r->n_names; i++)
        r->names[i] = g_strdup(g_array_index(list, virNetworkHandle, i).name);
    return TRUE;
}

gboolean
remoteConnectListNetworks(remoteCall *call, void *args, void *ret, GError **error)
{
    return remoteListNetworkNames(call, ((const remoteIntMsg *)args)->value,
                                  VIR_CONNECT_LIST_NETWORKS_ACTIVE, ret, error);
}

gboolean
remoteConnectListDefinedNetworks(remoteCall *call, void *args, void *ret, GError **error)
{
    return remoteListNetworkNames(call, ((const remoteIntMsg *)args)->value,
                                  VIR_CONNECT_LIST_NETWORKS_INACTIVE, ret, error);
}

gboolean
remoteNetworkLookupByName(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkLookupByName, error);
    return call->netdrv->networkLookupByName(&call->caller, ((const remoteStringMsg *)args)->str,
                                             &((remoteNetworkMsg *)ret)->net, error);
}

gboolean
remoteNetworkLookupByUUID(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkLookupByUUID, error);
    return call->netdrv->networkLookupByUUID(&call->caller, ((const remoteUUIDArgs *)args)->uuid,
                                             &((remoteNetworkMsg *)ret)->net, error);
}

gboolean
remoteNetworkDefineXML(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkDefineXML, error);
    return call->netdrv->networkDefineXML(&call->caller, ((const remoteStringMsg *)args)->str, 0,
                                          &((remoteNetworkMsg *)ret)->net, error);
}

gboolean
remoteNetworkDefineXMLFlags(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteStringFlagsArgs *a = args;

    REMOTE_NEED(call, call->netdrv->networkDefineXML, error);
    return call->netdrv->networkDefineXML(&call->caller, a->str, a->flags,
                                          &((remoteNetworkMsg *)ret)->net, error);
}

gboolean
remoteNetworkCreateXML(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkCreateXML, error);
    return call->netdrv->networkCreateXML(&call->caller, ((const remoteStringMsg *)args)->str, 0,
                                          &((remoteNetworkMsg *)ret)->net, error);
}

gboolean
remoteNetworkCreateXMLFlags(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteStringFlagsArgs *a = args;

    REMOTE_NEED(call, call->netdrv->networkCreateXML, error);
    return call->netdrv->networkCreateXML(&call->caller, a->str, a->flags,
                                          &((remoteNetworkMsg *)ret)->net, error);
}

gboolean
remoteNetworkUndefine(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkUndefine, error);
    return call->netdrv->networkUndefine(&call->caller, &((const remoteNetworkMsg *)args)->net,
                                         error);
}

gboolean
remoteNetworkCreate(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkCreate, error);
    return call->netdrv->networkCreate(&call->caller, &((const remoteNetworkMsg *)args)->net,
                                       error);
}

gboolean
remoteNetworkDestroy(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkDestroy, error);
    return call->netdrv->networkDestroy(&call->caller, &((const remoteNetworkMsg *)args)->net,
                                        error);
}

gboolean
remoteNetworkGetXMLDesc(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteNetworkFlagsArgs *a = args;
    remoteStringMsg *r = ret;

    REMOTE_NEED(call, call->netdrv->networkGetXMLDesc, error);
    r->str = call->netdrv->networkGetXMLDesc(&call->caller, &a->net, a->flags, error);
    return r->str != NULL;
}

gboolean
remoteNetworkGetAutostart(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkGetAutostart, error);
    return (((remoteIntMsg *)ret)->value = call->netdrv->networkGetAutostart(
                &call->caller, &((const remoteNetworkMsg *)args)->net, error)) >= 0;
}

gboolean
remoteNetworkSetAutostart(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteNetworkIntArgs *a = args;

    REMOTE_NEED(call, call->netdrv->networkSetAutostart, error);
    return call->netdrv->networkSetAutostart(&call->caller, &a->net, a->value, error);
}

gboolean
remoteNetworkGetBridgeName(remoteCall *call, void *args, void *ret, GError **error)
{
    remoteStringMsg *r = ret;

    REMOTE_NEED(call, call->netdrv->networkGetBridgeName, error);
    r->str = call->netdrv->networkGetBridgeName(&call->caller,
                                                &((const remoteNetworkMsg *)args)->net, error);
    return r->str != NULL;
}

gboolean
remoteNetworkUpdate(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteNetworkUpdateArgs *a = args;

    REMOTE_NEED(call, call->netdrv->networkUpdate, error);
    return call->netdrv->networkUpdate(&call->caller, &a->net, a->command, a->section,
                                       a->parent_index, a->xml, a->flags, error);
}

gboolean
remoteNetworkGetDHCPLeases(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteNetworkGetDHCPLeasesArgs *a = args;
    remoteNetworkGetDHCPLeasesRet *r = ret;
    g_autoptr(GArray) leases = NULL;

    REMOTE_NEED(call, call->netdrv->networkGetDHCPLeases, error);
    if (!(leases = call->netdrv->networkGetDHCPLeases(&call->caller, &a->net, a->mac, a->flags,
                                                      error)))
        return FALSE;
    if (leases->len > VIR_NET_DHCP_LEASES_MAX) {
        virErrorSet(error, VIR_ERR_INTERNAL_ERROR, _("too many leases: %u (at most %u)"),
                    leases->len, VIR_NET_DHCP_LEASES_MAX);
        return FALSE;
    }
    r->ret = leases->len;
    if (a->need_results) {
        /* the reply owns the strings from now on */
        r->n_leases = leases->len;
        r->leases = (virNetworkDHCPLease *)g_array_steal(leases, NULL);
    }
    return TRUE;
}

gboolean
remoteNetworkIsActive(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkIsActive, error);
    return (((remoteIntMsg *)ret)->value = call->netdrv->networkIsActive(
                &call->caller, &((const remoteNetworkMsg *)args)->net, error)) >= 0;
}

gboolean
remoteNetworkIsPersistent(remoteCall *call, void *args, void *ret, GError **error)
{
    REMOTE_NEED(call, call->netdrv->networkIsPersistent, error);
    return (((remoteIntMsg *)ret)->value = call->netdrv->networkIsPersistent(
                &call->caller, &((const remoteNetworkMsg *)args)->net, error)) >= 0;
}

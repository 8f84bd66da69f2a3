/*
 * virnetprotocol.c: XDR filters of the remote protocol types
 *
 * Composed from libtirpc's primitives (xdr_int, xdr_u_int, xdr_uint64_t,
 * xdr_u_char, xdr_u_short, xdr_char, xdr_opaque).  Strings, arrays and
 * optional values are walked here rather than with xdr_string/xdr_array/
 * xdr_pointer so that all their memory is GLib's and every length is
 * checked against the protocol's limit before anything is allocated.
 */
#define G_LOG_DOMAIN "virtd.rpc"

#include "virnetprotocol.h"

#include <string.h>

static bool_t
virNetXdrStringMax(XDR *xdrs, char **str, guint max)
{
    u_int len = 0;

    switch (xdrs->x_op) {
    case XDR_ENCODE:
        if (!*str || strlen(*str) > max)
            return FALSE;
        len = strlen(*str);
        return xdr_u_int(xdrs, &len) && xdr_opaque(xdrs, *str, len);
    case XDR_DECODE:
        if (!xdr_u_int(xdrs, &len) || len > max)
            return FALSE;
        *str = g_malloc(len + 1);
        (*str)[len] = '\0';
        return xdr_opaque(xdrs, *str, len);
    case XDR_FREE:
        g_clear_pointer(str, g_free);
        return TRUE;
    }
    return FALSE;
}

/* remote_nonnull_string */
static bool_t
virNetXdrString(XDR *xdrs, void *obj)
{
    return virNetXdrStringMax(xdrs, obj, VIR_NET_STRING_MAX);
}

/* An optional value ("type *" in XDR): a 0/1 word, then the value. */
static bool_t
virNetXdrOptional(XDR *xdrs, void **ptr, gsize size, virNetXdrFilter filter)
{
    u_int present = *ptr != NULL;

    if (xdrs->x_op == XDR_FREE) {
        if (*ptr)
            filter(xdrs, *ptr);
        g_clear_pointer(ptr, g_free);
        return TRUE;
    }
    if (!xdr_u_int(xdrs, &present) || present > 1)
        return FALSE;
    if (!present)
        return TRUE;
    if (xdrs->x_op == XDR_DECODE)
        *ptr = g_malloc0(size);
    return filter(xdrs, *ptr);
}

/* A variable-length array "T name<max>": a count, then the elements. */
static bool_t
virNetXdrArray(XDR *xdrs, void **array, guint *count, guint max, gsize elsize,
               virNetXdrFilter filter)
{
    u_int n = *count;
    char *p;

    if (xdrs->x_op == XDR_FREE) {
        for (guint i = 0; *array && i < *count; i++)
            filter(xdrs, (char *)*array + i * elsize);
        g_clear_pointer(array, g_free);
        *count = 0;
        return TRUE;
    }
    if (!xdr_u_int(xdrs, &n) || n > max)
        return FALSE;
    if (xdrs->x_op == XDR_DECODE) {
        *array = n ? g_malloc0_n(n, elsize) : NULL;
        *count = n;
    }
    p = *array;
    for (guint i = 0; i < n; i++) {
        if (!filter(xdrs, p + i * elsize))
            return FALSE;
    }
    return TRUE;
}

static bool_t
virNetXdrIntElem(XDR *xdrs, void *obj)
{
    return xdr_int(xdrs, obj);
}

static bool_t
virNetXdrCharElem(XDR *xdrs, void *obj)
{
    return xdr_char(xdrs, obj);
}

static bool_t
virNetXdrUUID(XDR *xdrs, unsigned char *uuid)
{
    return xdr_opaque(xdrs, (char *)uuid, VIR_UUID_BUFLEN);
}

/* remote_nonnull_domain: name, uuid, id */
static bool_t
virNetXdrDomain(XDR *xdrs, void *obj)
{
    virDomainHandle *dom = obj;

    return virNetXdrString(xdrs, &dom->name) && virNetXdrUUID(xdrs, dom->uuid) &&
           xdr_int(xdrs, &dom->id);
}

/* remote_nonnull_network: name, uuid */
static bool_t
virNetXdrNetwork(XDR *xdrs, void *obj)
{
    virNetworkHandle *net = obj;

    return virNetXdrString(xdrs, &net->name) && virNetXdrUUID(xdrs, net->uuid);
}

/* remote_string: an optional string, kept as a plain (nullable) char * */
static bool_t
virNetXdrOptString(XDR *xdrs, char **str)
{
    u_int present = *str != NULL;

    if (xdrs->x_op == XDR_FREE)
        return virNetXdrString(xdrs, str);
    if (!xdr_u_int(xdrs, &present) || present > 1)
        return FALSE;
    return !present || virNetXdrString(xdrs, str);
}

bool_t
virNetXdrVoid(XDR *xdrs, void *obj)
{
    return TRUE;
}

bool_t
virNetXdrHeader(XDR *xdrs, void *obj)
{
    virNetMessageHeader *h = obj;

    return xdr_u_int(xdrs, &h->prog) && xdr_u_int(xdrs, &h->vers) && xdr_int(xdrs, &h->proc) &&
           xdr_int(xdrs, &h->type) && xdr_u_int(xdrs, &h->serial) && xdr_int(xdrs, &h->status);
}

bool_t
virNetXdrError(XDR *xdrs, void *obj)
{
    remoteError *e = obj;

    return xdr_int(xdrs, &e->code) && xdr_int(xdrs, &e->domain) &&
           virNetXdrOptString(xdrs, &e->message) && xdr_int(xdrs, &e->level) &&
           virNetXdrOptional(xdrs, (void **)&e->dom, sizeof(*e->dom), virNetXdrDomain) &&
           virNetXdrOptString(xdrs, &e->str1) && virNetXdrOptString(xdrs, &e->str2) &&
           virNetXdrOptString(xdrs, &e->str3) && xdr_int(xdrs, &e->int1) &&
           xdr_int(xdrs, &e->int2) &&
           virNetXdrOptional(xdrs, (void **)&e->net, sizeof(*e->net), virNetXdrNetwork);
}

bool_t
virNetXdrIntMsg(XDR *xdrs, void *obj)
{
    return xdr_int(xdrs, &((remoteIntMsg *)obj)->value);
}

bool_t
virNetXdrHyperRet(XDR *xdrs, void *obj)
{
    return xdr_uint64_t(xdrs, &((remoteHyperRet *)obj)->value);
}

bool_t
virNetXdrStringMsg(XDR *xdrs, void *obj)
{
    return virNetXdrString(xdrs, &((remoteStringMsg *)obj)->str);
}

bool_t
virNetXdrStringFlagsArgs(XDR *xdrs, void *obj)
{
    remoteStringFlagsArgs *a = obj;

    return virNetXdrString(xdrs, &a->str) && xdr_u_int(xdrs, &a->flags);
}

bool_t
virNetXdrUUIDArgs(XDR *xdrs, void *obj)
{
    return virNetXdrUUID(xdrs, ((remoteUUIDArgs *)obj)->uuid);
}

bool_t
virNetXdrDomainMsg(XDR *xdrs, void *obj)
{
    return virNetXdrDomain(xdrs, &((remoteDomainMsg *)obj)->dom);
}

bool_t
virNetXdrDomainFlagsArgs(XDR *xdrs, void *obj)
{
    remoteDomainFlagsArgs *a = obj;

    return virNetXdrDomain(xdrs, &a->dom) && xdr_u_int(xdrs, &a->flags);
}

bool_t
virNetXdrDomainIntArgs(XDR *xdrs, void *obj)
{
    remoteDomainIntArgs *a = obj;

    return virNetXdrDomain(xdrs, &a->dom) && xdr_int(xdrs, &a->value);
}

bool_t
virNetXdrNetworkMsg(XDR *xdrs, void *obj)
{
    return virNetXdrNetwork(xdrs, &((remoteNetworkMsg *)obj)->net);
}

bool_t
virNetXdrNetworkFlagsArgs(XDR *xdrs, void *obj)
{
    remoteNetworkFlagsArgs *a = obj;

    return virNetXdrNetwork(xdrs, &a->net) && xdr_u_int(xdrs, &a->flags);
}

bool_t
virNetXdrNetworkIntArgs(XDR *xdrs, void *obj)
{
    remoteNetworkIntArgs *a = obj;

    return virNetXdrNetwork(xdrs, &a->net) && xdr_int(xdrs, &a->value);
}

bool_t
virNetXdrConnectOpenArgs(XDR *xdrs, void *obj)
{
    remoteConnectOpenArgs *a = obj;

    return virNetXdrOptString(xdrs, &a->name) && xdr_u_int(xdrs, &a->flags);
}

bool_t
virNetXdrAuthListRet(XDR *xdrs, void *obj)
{
    remoteAuthListRet *r = obj;

    return virNetXdrArray(xdrs, (void **)&r->types, &r->n_types, VIR_NET_AUTH_TYPE_LIST_MAX,
                          sizeof(int), virNetXdrIntElem);
}

bool_t
virNetXdrNodeGetInfoRet(XDR *xdrs, void *obj)
{
    remoteNodeGetInfoRet *r = obj;

    /* char model[32]: a fixed vector, one 4-byte word per char */
    for (guint i = 0; i < VIR_NET_NODE_MODEL_LEN; i++) {
        if (!xdr_char(xdrs, &r->model[i]))
            return FALSE;
    }
    return xdr_uint64_t(xdrs, &r->memory) && xdr_int(xdrs, &r->cpus) && xdr_int(xdrs, &r->mhz) &&
           xdr_int(xdrs, &r->nodes) && xdr_int(xdrs, &r->sockets) && xdr_int(xdrs, &r->cores) &&
           xdr_int(xdrs, &r->threads);
}

bool_t
virNetXdrNodeGetSecurityModelRet(XDR *xdrs, void *obj)
{
    remoteNodeGetSecurityModelRet *r = obj;

    return virNetXdrArray(xdrs, (void **)&r->model, &r->n_model, VIR_NET_SECURITY_MODEL_MAX,
                          sizeof(char), virNetXdrCharElem) &&
           virNetXdrArray(xdrs, (void **)&r->doi, &r->n_doi, VIR_NET_SECURITY_MODEL_MAX,
                          sizeof(char), virNetXdrCharElem);
}

bool_t
virNetXdrListAllArgs(XDR *xdrs, void *obj)
{
    remoteListAllArgs *a = obj;

    return xdr_int(xdrs, &a->need_results) && xdr_u_int(xdrs, &a->flags);
}

bool_t
virNetXdrListAllDomainsRet(XDR *xdrs, void *obj)
{
    remoteListAllDomainsRet *r = obj;

    return virNetXdrArray(xdrs, (void **)&r->domains, &r->n_domains, VIR_NET_LIST_MAX,
                          sizeof(virDomainHandle), virNetXdrDomain) &&
           xdr_u_int(xdrs, &r->ret);
}

bool_t
virNetXdrListAllNetworksRet(XDR *xdrs, void *obj)
{
    remoteListAllNetworksRet *r = obj;

    return virNetXdrArray(xdrs, (void **)&r->nets, &r->n_nets, VIR_NET_LIST_MAX,
                          sizeof(virNetworkHandle), virNetXdrNetwork) &&
           xdr_u_int(xdrs, &r->ret);
}

bool_t
virNetXdrNetworkGetDHCPLeasesArgs(XDR *xdrs, void *obj)
{
    remoteNetworkGetDHCPLeasesArgs *a = obj;

    return virNetXdrNetwork(xdrs, &a->net) && virNetXdrOptString(xdrs, &a->mac) &&
           xdr_int(xdrs, &a->need_results) && xdr_u_int(xdrs, &a->flags);
}

bool_t
virNetXdrDomainXMLArgs(XDR *xdrs, void *obj)
{
    remoteDomainXMLArgs *a = obj;

    return virNetXdrDomain(xdrs, &a->dom) && virNetXdrString(xdrs, &a->xml);
}

bool_t
virNetXdrDomainXMLFlagsArgs(XDR *xdrs, void *obj)
{
    remoteDomainXMLArgs *a = obj;

    return virNetXdrDomainXMLArgs(xdrs, obj) && xdr_u_int(xdrs, &a->flags);
}

bool_t
virNetXdrNetworkUpdateArgs(XDR *xdrs, void *obj)
{
    remoteNetworkUpdateArgs *a = obj;

    return virNetXdrNetwork(xdrs, &a->net) && xdr_u_int(xdrs, &a->command) &&
           xdr_u_int(xdrs, &a->section) && xdr_int(xdrs, &a->parent_index) &&
           virNetXdrString(xdrs, &a->xml) && xdr_u_int(xdrs, &a->flags);
}

static bool_t
virNetXdrDHCPLease(XDR *xdrs, void *obj)
{
    virNetworkDHCPLease *l = obj;

    return virNetXdrString(xdrs, &l->iface) && xdr_int64_t(xdrs, &l->expirytime) &&
           xdr_int(xdrs, &l->type) && virNetXdrOptString(xdrs, &l->mac) &&
           virNetXdrOptString(xdrs, &l->iaid) && virNetXdrString(xdrs, &l->ipaddr) &&
           xdr_u_int(xdrs, &l->prefix) && virNetXdrOptString(xdrs, &l->hostname) &&
           virNetXdrOptString(xdrs, &l->clientid);
}

bool_t
virNetXdrNetworkGetDHCPLeasesRet(XDR *xdrs, void *obj)
{
    remoteNetworkGetDHCPLeasesRet *r = obj;

    return virNetXdrArray(xdrs, (void **)&r->leases, &r->n_leases, VIR_NET_DHCP_LEASES_MAX,
                          sizeof(virNetworkDHCPLease), virNetXdrDHCPLease) &&
           xdr_u_int(xdrs, &r->ret);
}

bool_t
virNetXdrStringListRet(XDR *xdrs, void *obj)
{
    remoteStringListRet *r = obj;

    return virNetXdrArray(xdrs, (void **)&r->names, &r->n_names, VIR_NET_LIST_MAX, sizeof(char *),
                          virNetXdrString);
}

bool_t
virNetXdrIntListRet(XDR *xdrs, void *obj)
{
    remoteIntListRet *r = obj;

    return virNetXdrArray(xdrs, (void **)&r->ids, &r->n_ids, VIR_NET_LIST_MAX, sizeof(int),
                          virNetXdrIntElem);
}

bool_t
virNetXdrDomainGetInfoRet(XDR *xdrs, void *obj)
{
    remoteDomainGetInfoRet *r = obj;

    /* u_char and u_short take a full 4-byte word each */
    return xdr_u_char(xdrs, &r->state) && xdr_uint64_t(xdrs, &r->max_mem) &&
           xdr_uint64_t(xdrs, &r->memory) && xdr_u_short(xdrs, &r->nr_virt_cpu) &&
           xdr_uint64_t(xdrs, &r->cpu_time);
}

bool_t
virNetXdrDomainGetStateRet(XDR *xdrs, void *obj)
{
    remoteDomainGetStateRet *r = obj;

    return xdr_int(xdrs, &r->state) && xdr_int(xdrs, &r->reason);
}

bool_t
virNetXdrDomainEventRegisterArgs(XDR *xdrs, void *obj)
{
    remoteDomainEventRegisterArgs *a = obj;

    return xdr_int(xdrs, &a->event_id) &&
           virNetXdrOptional(xdrs, (void **)&a->dom, sizeof(*a->dom), virNetXdrDomain);
}

bool_t
virNetXdrNetworkEventRegisterArgs(XDR *xdrs, void *obj)
{
    remoteNetworkEventRegisterArgs *a = obj;

    return xdr_int(xdrs, &a->event_id) &&
           virNetXdrOptional(xdrs, (void **)&a->net, sizeof(*a->net), virNetXdrNetwork);
}

bool_t
virNetXdrDomainEventCallbackLifecycleMsg(XDR *xdrs, void *obj)
{
    remoteDomainEventCallbackLifecycleMsg *m = obj;

    return xdr_int(xdrs, &m->callback_id) && virNetXdrDomain(xdrs, &m->dom) &&
           xdr_int(xdrs, &m->event) && xdr_int(xdrs, &m->detail);
}

bool_t
virNetXdrDomainEventCallbackDomMsg(XDR *xdrs, void *obj)
{
    remoteDomainEventCallbackIntMsg *m = obj;

    return xdr_int(xdrs, &m->callback_id) && virNetXdrDomain(xdrs, &m->dom);
}

bool_t
virNetXdrDomainEventCallbackIntMsg(XDR *xdrs, void *obj)
{
    remoteDomainEventCallbackIntMsg *m = obj;

    return virNetXdrDomainEventCallbackDomMsg(xdrs, obj) && xdr_int(xdrs, &m->value);
}

bool_t
virNetXdrDomainEventLifecycleMsg(XDR *xdrs, void *obj)
{
    remoteDomainEventLifecycleMsg *m = obj;

    return virNetXdrDomain(xdrs, &m->dom) && xdr_int(xdrs, &m->event) && xdr_int(xdrs, &m->detail);
}

bool_t
virNetXdrNetworkEventLifecycleMsg(XDR *xdrs, void *obj)
{
    remoteNetworkEventLifecycleMsg *m = obj;

    return xdr_int(xdrs, &m->callback_id) && virNetXdrNetwork(xdrs, &m->net) &&
           xdr_int(xdrs, &m->event) && xdr_int(xdrs, &m->detail);
}

/**
 * virNetXdrFree:
 * @filter: the filter @obj was decoded (or filled) for
 * @obj: the struct; its members are freed and cleared, @obj itself is not
 *
 * Releases what decoding allocated inside @obj.  NULL-safe.
 */
void
virNetXdrFree(virNetXdrFilter filter, void *obj)
{
    XDR xdrs = {.x_op = XDR_FREE};

    if (obj)
        filter(&xdrs, obj);
}

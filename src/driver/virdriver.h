/*
 * virdriver.h: what the RPC layer may ask of a driver
 *
 * A hypervisor driver (qemu, lxc) fills a virHypervisorDriver table and the
 * network driver a virNetworkDriver table; the RPC layer looks them up
 * by URI scheme and knows nothing else of them.  Every entry point:
 *  - identifies the object by a handle as sent on the wire, resolved by
 *    UUID first, then by name (the client's id may be stale);
 *  - gets the caller (peer credentials, read-only flag) so a driver can
 *    recognise, e.g., a hook calling back about its own object;
 *  - returns FALSE / NULL / -1 with @error set, preferably in the
 *    VIR_ERROR domain so the client sees a meaningful libvirt error code.
 * A NULL entry means "not supported" (the client gets VIR_ERR_NO_SUPPORT).
 * Entry points run on worker threads, several at a time.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "domain_event.h"
#include "virerror.h"
#include "viruuid.h"

typedef struct {
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int id;                      /* -1 when not running */
} virDomainHandle;

typedef struct {
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
} virNetworkHandle;

void virDomainHandleClear(virDomainHandle *h);
void virNetworkHandleClear(virNetworkHandle *h);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virDomainHandle, virDomainHandleClear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virNetworkHandle, virNetworkHandleClear)
GArray *virDomainHandleArrayNew(void);
GArray *virNetworkHandleArrayNew(void);

typedef struct {
    pid_t pid;                   /* from SO_PEERCRED; 0 if unknown */
    uid_t uid;
    gid_t gid;
    gboolean readonly;
} virDriverCaller;

typedef struct {
    int state;                   /* virDomainState */
    unsigned long long max_mem_kib;
    unsigned long long memory_kib;
    unsigned int nr_virt_cpu;
    unsigned long long cpu_time_ns;
} virDomainInfo;

typedef const virDriverCaller virCaller;

typedef struct _virHypervisorDriver virHypervisorDriver;
struct _virHypervisorDriver {
    const char *name;            /* CONNECT_GET_TYPE: "QEMU", "LXC" */
    const char *scheme;          /* URI scheme: "qemu", "lxc" */
    const char *default_uri;     /* "qemu:///system" */
    int error_domain;            /* virErrorDomain of its errors */

    gboolean (*domainLookupByName)(virCaller *c, const char *name, virDomainHandle *out,
                                   GError **error);
    gboolean (*domainLookupByUUID)(virCaller *c, const unsigned char *uuid,
                                   virDomainHandle *out, GError **error);
    gboolean (*domainLookupByID)(virCaller *c, int id, virDomainHandle *out, GError **error);
    /* GArray of virDomainHandle (virDomainHandleArrayNew) */
    GArray *(*connectListAllDomains)(virCaller *c, unsigned int flags, GError **error);

    gboolean (*domainDefineXML)(virCaller *c, const char *xml, unsigned int flags,
                                virDomainHandle *out, GError **error);
    gboolean (*domainUndefine)(virCaller *c, const virDomainHandle *dom, unsigned int flags,
                               GError **error);
    char *(*domainGetXMLDesc)(virCaller *c, const virDomainHandle *dom, unsigned int flags,
                              GError **error);
    gboolean (*domainGetState)(virCaller *c, const virDomainHandle *dom, int *state,
                               int *reason, GError **error);
    gboolean (*domainGetInfo)(virCaller *c, const virDomainHandle *dom, virDomainInfo *info,
                              GError **error);
    char *(*domainGetOSType)(virCaller *c, const virDomainHandle *dom, GError **error);
    int (*domainIsActive)(virCaller *c, const virDomainHandle *dom, GError **error);
    int (*domainIsPersistent)(virCaller *c, const virDomainHandle *dom, GError **error);
    int (*domainGetAutostart)(virCaller *c, const virDomainHandle *dom, GError **error);
    gboolean (*domainSetAutostart)(virCaller *c, const virDomainHandle *dom, int autostart,
                                   GError **error);

    /* lifecycle: filled in by the drivers that run guests */
    gboolean (*domainCreate)(virCaller *c, const virDomainHandle *dom, unsigned int flags,
                             GError **error);
    gboolean (*domainCreateXML)(virCaller *c, const char *xml, unsigned int flags,
                                virDomainHandle *out, GError **error);
    gboolean (*domainShutdown)(virCaller *c, const virDomainHandle *dom, unsigned int flags,
                               GError **error);
    gboolean (*domainDestroy)(virCaller *c, const virDomainHandle *dom, unsigned int flags,
                              GError **error);
    gboolean (*domainReboot)(virCaller *c, const virDomainHandle *dom, unsigned int flags,
                             GError **error);
    gboolean (*domainReset)(virCaller *c, const virDomainHandle *dom, unsigned int flags,
                            GError **error);
    gboolean (*domainSuspend)(virCaller *c, const virDomainHandle *dom, GError **error);
    gboolean (*domainResume)(virCaller *c, const virDomainHandle *dom, GError **error);
    /* virDomainAttachDeviceFlags / DetachDeviceFlags (VIR_DOMAIN_AFFECT_*) */
    gboolean (*domainAttachDevice)(virCaller *c, const virDomainHandle *dom, const char *xml,
                                   unsigned int flags, GError **error);
    gboolean (*domainDetachDevice)(virCaller *c, const virDomainHandle *dom, const char *xml,
                                   unsigned int flags, GError **error);
};

/* One DHCP lease, as virNetworkGetDHCPLeases() returns it. */
typedef struct {
    char *iface;       /* the network's bridge */
    gint64 expirytime; /* seconds since the epoch, 0: never */
    int type;          /* 0: IPv4, 1: IPv6 (virIPAddrType) */
    char *mac;         /* IPv4 only */
    char *iaid;        /* IPv6 only */
    char *ipaddr;
    unsigned int prefix;
    char *hostname;
    char *clientid;    /* client id or DUID */
} virNetworkDHCPLease;

void virNetworkDHCPLeaseClear(virNetworkDHCPLease *lease);

/* A guest interface plugged into a virtual network: what a hypervisor
 * driver tells the network driver (not an RPC API). */
typedef struct {
    const char *network;          /* the network's name */
    const char *portid;           /* the port's UUID; NULL when allocating a new one */
    const char *dom_name;         /* the guest's */
    const char *dom_uuid;         /* the guest's, as a string */
    const char *mac;              /* the interface's */
    const char *iface_xml;        /* its <interface>, live (target dev, MAC) */
    const char *dom_xml;          /* the guest's live XML */
    /* the guest's job: a hook calling back about the guest fails fast */
    void (*on_spawn)(pid_t pgid, gpointer opaque);
    gpointer opaque;
} virNetworkPortReq;

typedef struct _virNetworkDriver virNetworkDriver;
struct _virNetworkDriver {
    gboolean (*networkLookupByName)(virCaller *c, const char *name, virNetworkHandle *out,
                                    GError **error);
    gboolean (*networkLookupByUUID)(virCaller *c, const unsigned char *uuid,
                                    virNetworkHandle *out, GError **error);
    /* GArray of virNetworkHandle (virNetworkHandleArrayNew) */
    GArray *(*connectListAllNetworks)(virCaller *c, unsigned int flags, GError **error);
    gboolean (*networkDefineXML)(virCaller *c, const char *xml, unsigned int flags,
                                 virNetworkHandle *out, GError **error);
    gboolean (*networkUndefine)(virCaller *c, const virNetworkHandle *net, GError **error);
    char *(*networkGetXMLDesc)(virCaller *c, const virNetworkHandle *net, unsigned int flags,
                               GError **error);
    int (*networkGetAutostart)(virCaller *c, const virNetworkHandle *net, GError **error);
    gboolean (*networkSetAutostart)(virCaller *c, const virNetworkHandle *net, int autostart,
                                    GError **error);
    char *(*networkGetBridgeName)(virCaller *c, const virNetworkHandle *net, GError **error);
    int (*networkIsActive)(virCaller *c, const virNetworkHandle *net, GError **error);
    int (*networkIsPersistent)(virCaller *c, const virNetworkHandle *net, GError **error);

    /* lifecycle: filled in when the network driver runs networks */
    gboolean (*networkCreate)(virCaller *c, const virNetworkHandle *net, GError **error);
    gboolean (*networkCreateXML)(virCaller *c, const char *xml, unsigned int flags,
                                 virNetworkHandle *out, GError **error);
    gboolean (*networkDestroy)(virCaller *c, const virNetworkHandle *net, GError **error);
    /* GArray of virNetworkDHCPLease (cleared with virNetworkDHCPLeaseClear) */
    GArray *(*networkGetDHCPLeases)(virCaller *c, const virNetworkHandle *net, const char *mac,
                                    unsigned int flags, GError **error);
    gboolean (*networkUpdate)(virCaller *c, const virNetworkHandle *net, unsigned int command,
                              unsigned int section, int parent_index, const char *xml,
                              unsigned int flags, GError **error);

    /* ports, for hypervisor drivers: allocate on an active network (a new
     * port, or @req->portid again after a restart) and get its bridge;
     * then 'plugged'; 'unplugged' and forget it when the guest lets go */
    gboolean (*networkPortAllocate)(const virNetworkPortReq *req, char **bridge, char **portid,
                                    GError **error);
    gboolean (*networkPortPlugged)(const virNetworkPortReq *req, gboolean reconnect,
                                   GError **error);
    void (*networkPortRelease)(const virNetworkPortReq *req);
};

/* Registry, filled at start-up before the RPC server runs. */
void virDriverRegisterHypervisor(const virHypervisorDriver *drv);
const virHypervisorDriver *virDriverLookupHypervisor(const char *scheme);
void virDriverRegisterNetwork(const virNetworkDriver *drv);
const virNetworkDriver *virDriverGetNetwork(void);

/* Lifecycle events, from drivers to whoever listens (the RPC server). */
typedef void (*virDomainEventFunc)(const virHypervisorDriver *drv, const virDomainHandle *dom,
                                   int event, int detail, gpointer opaque);
typedef void (*virNetworkEventFunc)(const virNetworkHandle *net, int event, int detail,
                                    gpointer opaque);
void virDriverSetEventHandlers(virDomainEventFunc dom_fn, virNetworkEventFunc net_fn,
                               gpointer opaque);
void virDriverEmitDomainEvent(const virHypervisorDriver *drv, const virDomainHandle *dom,
                              int event, int detail);
void virDriverEmitNetworkEvent(const virNetworkHandle *net, int event, int detail);

/* Domain events other than lifecycle, by virDomainEventID. */
typedef void (*virDomainEventIdFunc)(const virHypervisorDriver *drv, const virDomainHandle *dom,
                                     int event_id, int arg, gpointer opaque);
void virDriverSetDomainEventIdHandler(virDomainEventIdFunc fn);
void virDriverEmitDomainEventId(const virHypervisorDriver *drv, const virDomainHandle *dom,
                                int event_id, int arg);

/* Helpers for entry points. */
gboolean virDriverCheckFlags(unsigned int flags, unsigned int allowed, const char *api,
                             GError **error);
gboolean virDriverMatchFlagPair(unsigned int flags, unsigned int yes, unsigned int no,
                                gboolean value);

/*
 * remote_dispatch.c: the REMOTE program: procedure table, connections, calls
 */
#define G_LOG_DOMAIN "virtd.rpc"

#include "remote_dispatch.h"

#include <glib/gi18n.h>

#include "remote_events.h"
#include "remote_handlers.h"
#include "virerror.h"

/* Workers of the ordinary lane: the calls marked REMOTE_PROC_MUTATING.
 * Hooks run on them and may call back into virtd (virsh from a hook), and
 * a call waiting for an object's job holds its worker up to [qemu]
 * job_wait, so there are enough to leave room for that. */
#define REMOTE_WORKERS 20
/* Workers of the priority lane: every other call.  Those never take a job
 * and never wait for one, so a few workers serve them all, and they never
 * queue behind calls that wait: a hook's own 'virsh dominfo' is answered
 * however many clients wait for the job that runs the hook. */
#define REMOTE_PRIO_WORKERS 5

#define C REMOTE_CLASS_CONNECT
#define D REMOTE_CLASS_DOMAIN
#define N REMOTE_CLASS_NETWORK
#define M REMOTE_PROC_MUTATING
#define B REMOTE_PROC_BEFORE_OPEN

/* One table entry; @A and @R name both the struct (remoteA) and its filter
 * (virNetXdrA). */
#define REMOTE_PROC(num, api_, cls_, flags_, A, R, fn)                                             \
    [REMOTE_PROC_##num] = {                                                                        \
        .proc = REMOTE_PROC_##num,                                                                 \
        .api = api_,                                                                               \
        .cls = cls_,                                                                               \
        .flags = flags_,                                                                           \
        .args_filter = virNetXdr##A,                                                               \
        .args_size = sizeof(remote##A),                                                            \
        .ret_filter = virNetXdr##R,                                                                \
        .ret_size = sizeof(remote##R),                                                             \
        .handler = fn,                                                                             \
    }

static const remoteProcedureInfo remoteProcedures[REMOTE_PROC_LAST] = {
    /* connection and host */
    REMOTE_PROC(CONNECT_OPEN, "virConnectOpen", C, B, ConnectOpenArgs, Void, remoteConnectOpen),
    REMOTE_PROC(CONNECT_CLOSE, "virConnectClose", C, 0, Void, Void, remoteConnectClose),
    REMOTE_PROC(AUTH_LIST, "virConnectAuthList", C, B, Void, AuthListRet, remoteAuthList),
    REMOTE_PROC(CONNECT_SUPPORTS_FEATURE, "virConnectSupportsFeature", C, B, IntMsg, IntMsg,
                remoteConnectSupportsFeature),
    REMOTE_PROC(CONNECT_GET_TYPE, "virConnectGetType", C, 0, Void, StringMsg, remoteConnectGetType),
    REMOTE_PROC(CONNECT_GET_VERSION, "virConnectGetVersion", C, 0, Void, HyperRet,
                remoteConnectGetVersion),
    REMOTE_PROC(CONNECT_GET_LIB_VERSION, "virConnectGetLibVersion", C, 0, Void, HyperRet,
                remoteConnectGetLibVersion),
    REMOTE_PROC(CONNECT_GET_HOSTNAME, "virConnectGetHostname", C, 0, Void, StringMsg,
                remoteConnectGetHostname),
    REMOTE_PROC(CONNECT_GET_URI, "virConnectGetURI", C, 0, Void, StringMsg, remoteConnectGetURI),
    REMOTE_PROC(CONNECT_GET_CAPABILITIES, "virConnectGetCapabilities", C, 0, Void, StringMsg,
                remoteConnectGetCapabilities),
    REMOTE_PROC(NODE_GET_INFO, "virNodeGetInfo", C, 0, Void, NodeGetInfoRet, remoteNodeGetInfo),
    REMOTE_PROC(NODE_GET_SECURITY_MODEL, "virNodeGetSecurityModel", C, 0, Void,
                NodeGetSecurityModelRet, remoteNodeGetSecurityModel),
    REMOTE_PROC(CONNECT_REGISTER_CLOSE_CALLBACK, "virConnectRegisterCloseCallback", C, 0, Void,
                Void, remoteConnectRegisterCloseCallback),
    REMOTE_PROC(CONNECT_UNREGISTER_CLOSE_CALLBACK, "virConnectUnregisterCloseCallback", C, 0, Void,
                Void, remoteConnectUnregisterCloseCallback),

    /* domains: lists and lookups */
    REMOTE_PROC(CONNECT_LIST_ALL_DOMAINS, "virConnectListAllDomains", D, 0, ListAllArgs,
                ListAllDomainsRet, remoteConnectListAllDomains),
    REMOTE_PROC(CONNECT_NUM_OF_DOMAINS, "virConnectNumOfDomains", D, 0, Void, IntMsg,
                remoteConnectNumOfDomains),
    REMOTE_PROC(CONNECT_LIST_DOMAINS, "virConnectListDomains", D, 0, IntMsg, IntListRet,
                remoteConnectListDomains),
    REMOTE_PROC(CONNECT_NUM_OF_DEFINED_DOMAINS, "virConnectNumOfDefinedDomains", D, 0, Void, IntMsg,
                remoteConnectNumOfDefinedDomains),
    REMOTE_PROC(CONNECT_LIST_DEFINED_DOMAINS, "virConnectListDefinedDomains", D, 0, IntMsg,
                StringListRet, remoteConnectListDefinedDomains),
    REMOTE_PROC(DOMAIN_LOOKUP_BY_ID, "virDomainLookupByID", D, 0, IntMsg, DomainMsg,
                remoteDomainLookupByID),
    REMOTE_PROC(DOMAIN_LOOKUP_BY_NAME, "virDomainLookupByName", D, 0, StringMsg, DomainMsg,
                remoteDomainLookupByName),
    REMOTE_PROC(DOMAIN_LOOKUP_BY_UUID, "virDomainLookupByUUID", D, 0, UUIDArgs, DomainMsg,
                remoteDomainLookupByUUID),

    /* domains: definitions and lifecycle */
    REMOTE_PROC(DOMAIN_DEFINE_XML, "virDomainDefineXML", D, M, StringMsg, DomainMsg,
                remoteDomainDefineXML),
    REMOTE_PROC(DOMAIN_DEFINE_XML_FLAGS, "virDomainDefineXMLFlags", D, M, StringFlagsArgs,
                DomainMsg, remoteDomainDefineXMLFlags),
    REMOTE_PROC(DOMAIN_UNDEFINE, "virDomainUndefine", D, M, DomainMsg, Void, remoteDomainUndefine),
    REMOTE_PROC(DOMAIN_UNDEFINE_FLAGS, "virDomainUndefineFlags", D, M, DomainFlagsArgs, Void,
                remoteDomainUndefineFlags),
    REMOTE_PROC(DOMAIN_CREATE_XML, "virDomainCreateXML", D, M, StringFlagsArgs, DomainMsg,
                remoteDomainCreateXML),
    REMOTE_PROC(DOMAIN_CREATE, "virDomainCreate", D, M, DomainMsg, Void, remoteDomainCreate),
    REMOTE_PROC(DOMAIN_CREATE_WITH_FLAGS, "virDomainCreateWithFlags", D, M, DomainFlagsArgs,
                DomainMsg, remoteDomainCreateWithFlags),
    REMOTE_PROC(DOMAIN_SHUTDOWN, "virDomainShutdown", D, M, DomainMsg, Void, remoteDomainShutdown),
    REMOTE_PROC(DOMAIN_SHUTDOWN_FLAGS, "virDomainShutdownFlags", D, M, DomainFlagsArgs, Void,
                remoteDomainShutdownFlags),
    REMOTE_PROC(DOMAIN_REBOOT, "virDomainReboot", D, M, DomainFlagsArgs, Void, remoteDomainReboot),
    REMOTE_PROC(DOMAIN_RESET, "virDomainReset", D, M, DomainFlagsArgs, Void, remoteDomainReset),
    REMOTE_PROC(DOMAIN_DESTROY, "virDomainDestroy", D, M, DomainMsg, Void, remoteDomainDestroy),
    REMOTE_PROC(DOMAIN_DESTROY_FLAGS, "virDomainDestroyFlags", D, M, DomainFlagsArgs, Void,
                remoteDomainDestroyFlags),
    REMOTE_PROC(DOMAIN_SUSPEND, "virDomainSuspend", D, M, DomainMsg, Void, remoteDomainSuspend),
    REMOTE_PROC(DOMAIN_ATTACH_DEVICE, "virDomainAttachDevice", D, M, DomainXMLArgs, Void,
                remoteDomainAttachDevice),
    REMOTE_PROC(DOMAIN_DETACH_DEVICE, "virDomainDetachDevice", D, M, DomainXMLArgs, Void,
                remoteDomainDetachDevice),
    REMOTE_PROC(DOMAIN_ATTACH_DEVICE_FLAGS, "virDomainAttachDeviceFlags", D, M,
                DomainXMLFlagsArgs, Void, remoteDomainAttachDevice),
    REMOTE_PROC(DOMAIN_DETACH_DEVICE_FLAGS, "virDomainDetachDeviceFlags", D, M,
                DomainXMLFlagsArgs, Void, remoteDomainDetachDevice),
    REMOTE_PROC(DOMAIN_RESUME, "virDomainResume", D, M, DomainMsg, Void, remoteDomainResume),
    REMOTE_PROC(DOMAIN_SET_AUTOSTART, "virDomainSetAutostart", D, M, DomainIntArgs, Void,
                remoteDomainSetAutostart),

    /* domains: state */
    REMOTE_PROC(DOMAIN_GET_XML_DESC, "virDomainGetXMLDesc", D, 0, DomainFlagsArgs, StringMsg,
                remoteDomainGetXMLDesc),
    REMOTE_PROC(DOMAIN_GET_STATE, "virDomainGetState", D, 0, DomainFlagsArgs, DomainGetStateRet,
                remoteDomainGetState),
    REMOTE_PROC(DOMAIN_GET_INFO, "virDomainGetInfo", D, 0, DomainMsg, DomainGetInfoRet,
                remoteDomainGetInfo),
    REMOTE_PROC(DOMAIN_GET_OS_TYPE, "virDomainGetOSType", D, 0, DomainMsg, StringMsg,
                remoteDomainGetOSType),
    REMOTE_PROC(DOMAIN_IS_ACTIVE, "virDomainIsActive", D, 0, DomainMsg, IntMsg,
                remoteDomainIsActive),
    REMOTE_PROC(DOMAIN_IS_PERSISTENT, "virDomainIsPersistent", D, 0, DomainMsg, IntMsg,
                remoteDomainIsPersistent),
    REMOTE_PROC(DOMAIN_GET_AUTOSTART, "virDomainGetAutostart", D, 0, DomainMsg, IntMsg,
                remoteDomainGetAutostart),
    REMOTE_PROC(DOMAIN_HAS_MANAGED_SAVE_IMAGE, "virDomainHasManagedSaveImage", D, 0,
                DomainFlagsArgs, IntMsg, remoteDomainHasManagedSaveImage),
    REMOTE_PROC(DOMAIN_SNAPSHOT_NUM, "virDomainSnapshotNum", D, 0, DomainFlagsArgs, IntMsg,
                remoteDomainSnapshotNum),
    REMOTE_PROC(DOMAIN_GET_MESSAGES, "virDomainGetMessages", D, 0, DomainFlagsArgs, StringListRet,
                remoteDomainGetMessages),

    /* networks */
    REMOTE_PROC(CONNECT_LIST_ALL_NETWORKS, "virConnectListAllNetworks", N, 0, ListAllArgs,
                ListAllNetworksRet, remoteConnectListAllNetworks),
    REMOTE_PROC(CONNECT_NUM_OF_NETWORKS, "virConnectNumOfNetworks", N, 0, Void, IntMsg,
                remoteConnectNumOfNetworks),
    REMOTE_PROC(CONNECT_LIST_NETWORKS, "virConnectListNetworks", N, 0, IntMsg, StringListRet,
                remoteConnectListNetworks),
    REMOTE_PROC(CONNECT_NUM_OF_DEFINED_NETWORKS, "virConnectNumOfDefinedNetworks", N, 0, Void,
                IntMsg, remoteConnectNumOfDefinedNetworks),
    REMOTE_PROC(CONNECT_LIST_DEFINED_NETWORKS, "virConnectListDefinedNetworks", N, 0, IntMsg,
                StringListRet, remoteConnectListDefinedNetworks),
    REMOTE_PROC(NETWORK_LOOKUP_BY_NAME, "virNetworkLookupByName", N, 0, StringMsg, NetworkMsg,
                remoteNetworkLookupByName),
    REMOTE_PROC(NETWORK_LOOKUP_BY_UUID, "virNetworkLookupByUUID", N, 0, UUIDArgs, NetworkMsg,
                remoteNetworkLookupByUUID),
    REMOTE_PROC(NETWORK_DEFINE_XML, "virNetworkDefineXML", N, M, StringMsg, NetworkMsg,
                remoteNetworkDefineXML),
    REMOTE_PROC(NETWORK_DEFINE_XML_FLAGS, "virNetworkDefineXMLFlags", N, M, StringFlagsArgs,
                NetworkMsg, remoteNetworkDefineXMLFlags),
    REMOTE_PROC(NETWORK_CREATE_XML, "virNetworkCreateXML", N, M, StringMsg, NetworkMsg,
                remoteNetworkCreateXML),
    REMOTE_PROC(NETWORK_CREATE_XML_FLAGS, "virNetworkCreateXMLFlags", N, M, StringFlagsArgs,
                NetworkMsg, remoteNetworkCreateXMLFlags),
    REMOTE_PROC(NETWORK_UNDEFINE, "virNetworkUndefine", N, M, NetworkMsg, Void,
                remoteNetworkUndefine),
    REMOTE_PROC(NETWORK_CREATE, "virNetworkCreate", N, M, NetworkMsg, Void, remoteNetworkCreate),
    REMOTE_PROC(NETWORK_DESTROY, "virNetworkDestroy", N, M, NetworkMsg, Void, remoteNetworkDestroy),
    REMOTE_PROC(NETWORK_SET_AUTOSTART, "virNetworkSetAutostart", N, M, NetworkIntArgs, Void,
                remoteNetworkSetAutostart),
    REMOTE_PROC(NETWORK_GET_XML_DESC, "virNetworkGetXMLDesc", N, 0, NetworkFlagsArgs, StringMsg,
                remoteNetworkGetXMLDesc),
    REMOTE_PROC(NETWORK_GET_AUTOSTART, "virNetworkGetAutostart", N, 0, NetworkMsg, IntMsg,
                remoteNetworkGetAutostart),
    REMOTE_PROC(NETWORK_GET_BRIDGE_NAME, "virNetworkGetBridgeName", N, 0, NetworkMsg, StringMsg,
                remoteNetworkGetBridgeName),
    REMOTE_PROC(NETWORK_UPDATE, "virNetworkUpdate", N, M, NetworkUpdateArgs, Void,
                remoteNetworkUpdate),
    REMOTE_PROC(NETWORK_GET_DHCP_LEASES, "virNetworkGetDHCPLeases", N, 0,
                NetworkGetDHCPLeasesArgs, NetworkGetDHCPLeasesRet, remoteNetworkGetDHCPLeases),
    REMOTE_PROC(NETWORK_IS_ACTIVE, "virNetworkIsActive", N, 0, NetworkMsg, IntMsg,
                remoteNetworkIsActive),
    REMOTE_PROC(NETWORK_IS_PERSISTENT, "virNetworkIsPersistent", N, 0, NetworkMsg, IntMsg,
                remoteNetworkIsPersistent),

    /* events */
    REMOTE_PROC(CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, "virConnectDomainEventRegisterAny", D,
                0, DomainEventRegisterArgs, IntMsg, remoteDomainEventCallbackRegisterAny),
    REMOTE_PROC(CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, "virConnectDomainEventDeregisterAny",
                D, 0, IntMsg, Void, remoteDomainEventCallbackDeregisterAny),
    REMOTE_PROC(CONNECT_DOMAIN_EVENT_REGISTER_ANY, "virConnectDomainEventRegisterAny", D, 0, IntMsg,
                Void, remoteDomainEventRegisterAny),
    REMOTE_PROC(CONNECT_DOMAIN_EVENT_DEREGISTER_ANY, "virConnectDomainEventDeregisterAny", D, 0,
                IntMsg, Void, remoteDomainEventDeregisterAny),
    REMOTE_PROC(CONNECT_NETWORK_EVENT_REGISTER_ANY, "virConnectNetworkEventRegisterAny", N, 0,
                NetworkEventRegisterArgs, IntMsg, remoteNetworkEventRegisterAny),
    REMOTE_PROC(CONNECT_NETWORK_EVENT_DEREGISTER_ANY, "virConnectNetworkEventDeregisterAny", N, 0,
                IntMsg, Void, remoteNetworkEventDeregisterAny),
};

#undef C
#undef D
#undef N
#undef M
#undef B

/**
 * remoteProcedureLookup:
 *
 * Returns: (nullable): the table entry of @proc, NULL if virtd does not
 * implement it.
 */
const remoteProcedureInfo *
remoteProcedureLookup(int proc)
{
    if (proc <= 0 || proc >= REMOTE_PROC_LAST || !remoteProcedures[proc].handler)
        return NULL;
    g_assert(remoteProcedures[proc].proc == proc);
    return &remoteProcedures[proc];
}

/* ---- helpers for handlers ---------------------------------------------- */

static const char *
remoteCallDriverName(const remoteCall *call)
{
    if (call->proc->cls == REMOTE_CLASS_NETWORK)
        return "network";
    return call->drv ? call->drv->name : "remote";
}

gboolean
remoteNoSupport(remoteCall *call, GError **error)
{
    virErrorSet(error, VIR_ERR_NO_SUPPORT, _("%s is not supported by the %s driver of virtd"),
                call->proc->api, remoteCallDriverName(call));
    return FALSE;
}

/**
 * remoteCheckFlags:
 *
 * Unknown flag bits get VIR_ERR_INVALID_ARG: virsh relies on that error
 * to fall back to older calls.
 */
gboolean
remoteCheckFlags(remoteCall *call, unsigned int flags, unsigned int allowed, GError **error)
{
    if (flags & ~allowed) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("unsupported flags (0x%x) in %s"),
                    flags & ~allowed, call->proc->api);
        return FALSE;
    }
    return TRUE;
}

/* Returns FALSE (VIR_ERR_OPERATION_DENIED) on a read-only connection. */
gboolean
remoteDenyReadonly(remoteCall *call, GError **error)
{
    if (call->caller.readonly) {
        virErrorSet(error, VIR_ERR_OPERATION_DENIED,
                    _("read only access prevents %s"),
                    call->proc->api);
        return FALSE;
    }
    return TRUE;
}

/* ---- running a call ---------------------------------------------------- */

typedef struct {
    const remoteProcedureInfo *proc;
    virNetMessageHeader header;
    void *args;
} remoteJob;

static void
remoteJobFree(gpointer data)
{
    remoteJob *job = data;

    virNetXdrFree(job->proc->args_filter, job->args);
    g_free(job->args);
    g_free(job);
}

static int
remoteErrorDomain(const remoteCall *call)
{
    switch (call->proc->cls) {
    case REMOTE_CLASS_DOMAIN:
        return call->drv ? call->drv->error_domain : VIR_FROM_DOMAIN;
    case REMOTE_CLASS_NETWORK:
        return VIR_FROM_NETWORK;
    case REMOTE_CLASS_CONNECT:
        break;
    }
    return VIR_FROM_REMOTE;
}

static void
remoteCallInit(remoteCall *call, virNetServerClient *client, remoteJob *job)
{
    remoteConn *conn = virNetServerClientGetPrivate(client);

    call->client = client;
    call->conn = conn;
    call->proc = job->proc;
    call->header = job->header;
    virNetServerClientGetIdentity(client, &call->caller.pid, &call->caller.uid, &call->caller.gid);
    g_mutex_lock(&conn->lock);
    if (conn->open) {
        call->drv = conn->drv;
        call->caller.readonly = conn->readonly;
    } else {
        call->caller.readonly = virNetServerClientIsReadonly(client);
    }
    g_mutex_unlock(&conn->lock);
    call->netdrv = virDriverGetNetwork();
}

/* What must hold before the handler runs; FALSE with the error to send
 * and its domain. */
static gboolean
remoteCallCheck(remoteCall *call, int *domain, GError **error)
{
    *domain = remoteErrorDomain(call);
    if (!call->drv && !(call->proc->flags & REMOTE_PROC_BEFORE_OPEN)) {
        *domain = VIR_FROM_RPC;
        virErrorSet(error, VIR_ERR_INTERNAL_ERROR, _("hypervisor connection not open"));
        return FALSE;
    }
    if ((call->proc->flags & REMOTE_PROC_MUTATING) && !remoteDenyReadonly(call, error))
        return FALSE;
    if (call->proc->cls == REMOTE_CLASS_NETWORK && !call->netdrv) {
        virErrorSet(error, VIR_ERR_NO_SUPPORT,
                    _("%s is not available: virtd runs without its network driver"),
                    call->proc->api);
        return FALSE;
    }
    return TRUE;
}

static GBytes *
remoteCallRun(remoteCall *call, void *args, int *domain, GError **error)
{
    const remoteProcedureInfo *proc = call->proc;
    g_autofree void *ret = g_malloc0(proc->ret_size);
    GBytes *frame = NULL;

    if (remoteCallCheck(call, domain, error) && proc->handler(call, args, ret, error)) {
        frame = virNetMessageEncodeReply(&call->header, proc->ret_filter, ret, error);
        *domain = VIR_FROM_RPC;
    }
    virNetXdrFree(proc->ret_filter, ret);
    return frame;
}

/* Worker thread: one call, one reply. */
static void
remoteDispatchRun(virNetServerClient *client, gpointer data)
{
    remoteJob *job = data;
    remoteCall call = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) frame = NULL;
    int domain = VIR_FROM_RPC;

    remoteCallInit(&call, client, job);
    if (!(frame = remoteCallRun(&call, job->args, &domain, &err))) {
        int code = virErrorCode(err);
        g_autofree char *text = virErrorClientMessage(code, err->message);

        g_debug("client %llu: %s failed: %s", virNetServerClientGetId(client), job->proc->api,
                err->message);
        frame = virNetMessageEncodeError(&job->header, code, domain, text);
    }
    virNetServerClientSend(client, frame);
}

/* Only state-changing calls take an object's job, and so may wait. */
static virNetServerLane
remoteProcedureLane(const remoteProcedureInfo *proc)
{
    if (proc->flags & REMOTE_PROC_MUTATING)
        return VIR_NET_SERVER_LANE_NORMAL;
    return VIR_NET_SERVER_LANE_PRIO;
}

/* Loop thread: every CALL of the REMOTE program. */
static void
remoteDispatch(virNetServerClient *client, virNetMessage *msg, gpointer opaque)
{
    G_GNUC_UNUSED g_autoptr(virNetMessage) owned = msg; /* freed on return */
    const remoteProcedureInfo *proc = remoteProcedureLookup(msg->header.proc);
    g_autoptr(GError) err = NULL;
    remoteJob *job;

    if (!proc) {
        /* the exact form clients turn into VIR_ERR_NO_SUPPORT */
        g_autofree char *text = g_strdup_printf("unknown procedure: %d", msg->header.proc);

        virNetServerClientSendError(client, &msg->header, VIR_ERR_RPC, VIR_FROM_RPC, text);
        return;
    }
    job = g_new0(remoteJob, 1);
    job->proc = proc;
    job->header = msg->header;
    job->args = g_malloc0(proc->args_size);
    if (!virNetMessageDecodePayload(msg, proc->args_filter, job->args, &err)) {
        virNetServerClientSendError(client, &msg->header, virErrorCode(err), VIR_FROM_RPC,
                                    err->message);
        remoteJobFree(job);
        return;
    }
    virNetServerClientSubmit(client, remoteProcedureLane(proc), remoteDispatchRun, job,
                             remoteJobFree);
}

/* ---- connections and the server ---------------------------------------- */

static gpointer
remoteConnNew(virNetServerClient *client, gpointer opaque)
{
    remoteConn *conn = g_new0(remoteConn, 1);

    g_mutex_init(&conn->lock);
    conn->readonly = virNetServerClientIsReadonly(client);
    return conn;
}

static void
remoteConnFree(gpointer data)
{
    remoteConn *conn = data;

    g_mutex_clear(&conn->lock);
    g_free(conn->uri);
    g_free(conn);
}

static void
remoteClientClosed(virNetServerClient *client, gpointer opaque)
{
    remoteEventsClientGone(client);
}

static const virNetServerProgram remoteProgram = {
    .prog = VIR_NET_PROGRAM_REMOTE,
    .vers = VIR_NET_PROGRAM_VERSION,
    .dispatch = remoteDispatch,
    .client_new = remoteConnNew,
    .client_closed = remoteClientClosed,
    .client_priv_free = remoteConnFree,
};

/**
 * remoteServerStart:
 * @run_dir: where the sockets go; its lock must be held
 * @limits: on clients and frames (see virnetserver.h)
 *
 * Listens on <run_dir>/virtd-sock (0600, read-write) and
 * <run_dir>/virtd-sock-ro (0666, read-only), replacing stale sockets, and
 * routes the drivers' events to the clients.
 *
 * Returns: (transfer full): the server, stopped with remoteServerStop().
 */
virNetServer *
remoteServerStart(const char *run_dir, const virNetServerLimits *limits, GError **error)
{
    g_autofree char *rw = g_build_filename(run_dir, "virtd-sock", NULL);
    g_autofree char *ro = g_build_filename(run_dir, "virtd-sock-ro", NULL);
    g_autoptr(virNetServer) srv = NULL;

    remoteEventsInit();
    if (!(srv =
              virNetServerNew(&remoteProgram, NULL, REMOTE_WORKERS, REMOTE_PRIO_WORKERS, limits,
                                    error)) ||
        !virNetServerAddUnixSocket(srv, rw, 0600, FALSE, error) ||
        !virNetServerAddUnixSocket(srv, ro, 0666, TRUE, error))
        return NULL;
    return g_steal_pointer(&srv);
}

typedef struct {
    virNetServer *srv;
    virNetServerLimits limits;
} remoteLimitsUpdate;

static gboolean
remoteServerApplyLimits(gpointer opaque)
{
    remoteLimitsUpdate *u = opaque;

    virNetServerSetLimits(u->srv, &u->limits);
    return G_SOURCE_REMOVE;
}

/**
 * remoteServerSetLimits:
 * @limits: (copied)
 *
 * Any thread: applies @limits on the main loop (a reload).
 */
void
remoteServerSetLimits(virNetServer *srv, const virNetServerLimits *limits)
{
    remoteLimitsUpdate *u = g_new0(remoteLimitsUpdate, 1);

    u->srv = srv;
    u->limits = *limits;
    g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, remoteServerApplyLimits, u, g_free);
}

/**
 * remoteServerStop:
 *
 * Closes every client, waits for running calls, removes the sockets.
 */
void
remoteServerStop(virNetServer *srv)
{
    virNetServerFree(srv);
    remoteEventsShutdown();
}

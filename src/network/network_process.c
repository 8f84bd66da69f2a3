/*
 * network_process.c: running virtual networks (see network_process.h)
 */
#define G_LOG_DOMAIN "virtd.network"

#include "network_process.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "domain_event.h"
#include "network_dnsmasq.h"
#include "network_firewall.h"
#include "virdriver.h"
#include "virerror.h"
#include "virfile.h"
#include "virhook.h"
#include "vircommand.h"
#include "virnetdev.h"
#include "virprocess.h"
#include "virxml.h"

#define NETWORK_DNSMASQ_BINARY "/usr/sbin/dnsmasq"
/* how long dnsmasq has to exit after SIGTERM */
#define NETWORK_DNSMASQ_GRACE_MS 5000

/* The state a status file records (virObjStatus.state). */
typedef enum {
    NETWORK_STATUS_STARTING = 0, /* saved before anything is made */
    NETWORK_STATUS_RUNNING = 1,  /* everything is up */
} networkStatusState;

/* ------------------------------------------------------------------ */
/* Status files                                                        */

static const char *const networkStatusAttrs[] = {NULL};

static gpointer
networkStatusDefParse(const char *xml, GError **error)
{
    return virNetworkDefParseString(xml, 0, error);
}

static char *
networkStatusDefFormat(gconstpointer def, const virObjStatus *st)
{
    return virNetworkDefFormat(def, 0);
}

static const char *
networkStatusDefName(gconstpointer def)
{
    return ((const virNetworkDef *)def)->name;
}

static void
networkStatusDefFree(gpointer def)
{
    virNetworkDefFree(def);
}

static const virObjStatusClass networkStatusClass = {
    .root = "networkstatus",
    .def_root = "network",
    .attrs = networkStatusAttrs,
    .def_parse = networkStatusDefParse,
    .def_format = networkStatusDefFormat,
    .def_name = networkStatusDefName,
    .def_free = networkStatusDefFree,
};

typedef struct {
    virNetworkObj *obj;
    networkStatusState state;
} networkStatusSnap;

static void
networkStatusSnapshot(gpointer opaque, virObjStatus *st)
{
    networkStatusSnap *save = opaque;
    virNetworkObj *obj = save->obj;

    g_mutex_lock(&obj->lock);
    st->state = save->state;
    st->reason = 0;
    st->pid = 0;
    st->id = -1;
    st->def_xml = virNetworkDefFormat(obj->def, 0);
    g_mutex_unlock(&obj->lock);
}

static char *
networkStatusPath(virNetworkDriverState *drv, virNetworkObj *obj)
{
    g_autofree char *file = NULL;

    g_mutex_lock(&obj->lock);
    file = g_strdup_printf("%s.xml", obj->def->name);
    g_mutex_unlock(&obj->lock);
    return g_build_filename(drv->status_dir, file, NULL);
}

static gboolean
networkStatusSave(virNetworkDriverState *drv, virNetworkObj *obj, networkStatusState state,
                  GError **error)
{
    g_autofree char *path = networkStatusPath(drv, obj);
    networkStatusSnap save = {obj, state};
    g_autoptr(GError) err = NULL;

    if (!virObjStatusSave(&obj->writer, &networkStatusClass, path, networkStatusSnapshot, &save,
                          &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
        return FALSE;
    }
    return TRUE;
}

static void
networkStatusRemove(virNetworkDriverState *drv, virNetworkObj *obj)
{
    g_autofree char *path = networkStatusPath(drv, obj);

    if (g_unlink(path) < 0 && errno != ENOENT)
        g_warning(_("cannot remove the status file '%s': %s"), path, g_strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Hooks and events                                                    */

/* Indents each line of @xml by two spaces into @out. */
static void
networkIndent(GString *out, const char *xml)
{
    g_auto(GStrv) lines = g_strsplit(xml, "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        if (*lines[i])
            g_string_append_printf(out, "  %s\n", lines[i]);
    }
}

/* libvirt's stdin for network hooks: the XML inside <hookData>; live
 * (the NAT port range...) once the network is up. */
static char *
networkHookInput(const virNetworkDef *def, gboolean live, guint connections)
{
    g_autofree char *xml = live ? virNetworkDefFormatLive(def, connections)
                                : virNetworkDefFormat(def, 0);
    GString *out = g_string_new("<hookData>\n");

    networkIndent(out, xml);
    g_string_append(out, "</hookData>");
    return g_string_free(out, FALSE);
}

static gboolean
networkHook(virNetworkObj *obj, virHookNetworkOp op, virHookSubop subop, GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *input = NULL;
    g_autofree char *name = NULL;
    g_autoptr(GError) err = NULL;
    virHookContext ctx = {0};

    g_mutex_lock(&obj->lock);
    virUUIDFormat(obj->def->uuid, uuid);
    input = networkHookInput(obj->def, op != VIR_HOOK_NETWORK_OP_START, obj->ports->len);
    name = g_strdup(obj->def->name);
    g_mutex_unlock(&obj->lock);

    ctx.uuid = uuid;
    ctx.reconnect = op == VIR_HOOK_NETWORK_OP_RECONNECT;
    ctx.on_spawn = virObjJobSetHookPgid;
    ctx.opaque = &obj->job;
    if (!virHookCall(VIR_HOOK_DRIVER_NETWORK, name, op, subop, NULL, &ctx, input, NULL, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_HOOK_SCRIPT_FAILED);
        return FALSE;
    }
    return TRUE;
}

/* libvirt >= 5.5's description of a port (network_port_ops = port-created) */
static char *
networkPortXML(const virNetworkPortReq *req, const char *bridge)
{
    virXMLWriter w;

    virXMLWriterInit(&w);
    virXMLWriterStart(&w, "networkport", NULL);
    virXMLWriterText(&w, "uuid", req->portid, NULL);
    virXMLWriterStart(&w, "owner", NULL);
    virXMLWriterText(&w, "name", req->dom_name, NULL);
    virXMLWriterText(&w, "uuid", req->dom_uuid, NULL);
    virXMLWriterEnd(&w, "owner");
    virXMLWriterEmpty(&w, "mac", "address", req->mac, NULL);
    virXMLWriterEmpty(&w, "plug", "type", "network", "bridge", bridge, NULL);
    virXMLWriterEnd(&w, "networkport");
    return virXMLWriterFinish(&w);
}

/**
 * networkProcessPortHook:
 * @plug: 'plugged' (or 'port-created'), else 'unplugged' ('port-deleted')
 *
 * A port hook.  By default as the network hooks were designed: 'plugged'
 * and 'unplugged' with the interface, the network's live XML and the
 * guest's in <hookData>; with network_port_ops = port-created, libvirt
 * >= 5.5's 'port-created' and 'port-deleted' with the network and the
 * <networkport>, the guest's XML still appended.
 */
gboolean
networkProcessPortHook(virNetworkDriverState *drv, virNetworkObj *obj,
                       const virNetworkPortReq *req, gboolean plug, gboolean reconnect,
                       GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *net_xml = NULL;
    g_autofree char *port_xml = NULL;
    g_autoptr(GString) input = g_string_new("<hookData>\n");
    g_autoptr(GError) err = NULL;
    virHookContext ctx = {0};
    int op;

    g_mutex_lock(&obj->lock);
    virUUIDFormat(obj->def->uuid, uuid);
    net_xml = virNetworkDefFormatLive(obj->def, obj->ports->len);
    if (drv->port_created)
        port_xml = networkPortXML(req, obj->def->bridge.name);
    g_mutex_unlock(&obj->lock);
    if (drv->port_created) {
        op = plug ? VIR_HOOK_NETWORK_OP_PORT_CREATED : VIR_HOOK_NETWORK_OP_PORT_DELETED;
        networkIndent(input, net_xml);
        networkIndent(input, port_xml);
    } else {
        op = plug ? VIR_HOOK_NETWORK_OP_PLUGGED : VIR_HOOK_NETWORK_OP_UNPLUGGED;
        networkIndent(input, req->iface_xml);
        networkIndent(input, net_xml);
    }
    networkIndent(input, req->dom_xml);
    g_string_append(input, "</hookData>");

    ctx.uuid = uuid;
    ctx.reconnect = reconnect;
    ctx.on_spawn = req->on_spawn;
    ctx.opaque = req->opaque;
    if (!virHookCall(VIR_HOOK_DRIVER_NETWORK, req->network, op, VIR_HOOK_SUBOP_BEGIN, NULL, &ctx,
                     input->str, NULL, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_HOOK_SCRIPT_FAILED);
        return FALSE;
    }
    return TRUE;
}

static void
networkHookLogged(virNetworkObj *obj, virHookNetworkOp op, virHookSubop subop)
{
    g_autoptr(GError) err = NULL;

    if (!networkHook(obj, op, subop, &err))
        g_warning(_("network '%s' hook failed, ignored: %s"), virHookNetworkOpTypeToString(op),
                  err->message);
}

static void
networkEmitEvent(virNetworkObj *obj, int event)
{
    virNetworkHandle h = {0};

    g_mutex_lock(&obj->lock);
    h.name = g_strdup(obj->def->name);
    memcpy(h.uuid, obj->def->uuid, VIR_UUID_BUFLEN);
    g_mutex_unlock(&obj->lock);
    virDriverEmitNetworkEvent(&h, event, 0);
    g_free(h.name);
}

/* ------------------------------------------------------------------ */
/* What a network is made of                                           */

/* Does virtd make the bridge (and its firewall)?  Not in mode bridge:
 * the host's bridge is used as it is. */
static gboolean
networkOwnsBridge(const virNetworkDef *def)
{
    return def->forward != VIR_NETWORK_FORWARD_BRIDGE;
}

static virNetworkFirewallDef *
networkFirewallDef(const virNetworkDef *def)
{
    virNetworkFirewallMode mode = VIR_NETWORK_FIREWALL_ISOLATED;
    virNetworkFirewallDef *fw;

    if (def->forward == VIR_NETWORK_FORWARD_NAT)
        mode = VIR_NETWORK_FIREWALL_NAT;
    else if (def->forward == VIR_NETWORK_FORWARD_ROUTE)
        mode = VIR_NETWORK_FIREWALL_ROUTE;
    else if (def->forward == VIR_NETWORK_FORWARD_OPEN)
        mode = VIR_NETWORK_FIREWALL_OPEN;
    fw = virNetworkFirewallDefNew(def->name, def->bridge.name, mode);
    fw->forward_dev = g_strdup(def->forward_dev);
    if (mode == VIR_NETWORK_FIREWALL_NAT) {
        /* libvirt's default: masqueraded tcp and udp leave from unprivileged ports */
        fw->nat_port_start = def->nat_port.start ? def->nat_port.start
                                                 : VIR_NETWORK_NAT_PORT_DEFAULT_START;
        fw->nat_port_end = def->nat_port.start ? def->nat_port.end
                                               : VIR_NETWORK_NAT_PORT_DEFAULT_END;
    }
    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        virNetworkFirewallDefAddSubnet(fw,
                                       ip->family == VIR_NETWORK_IP_FAMILY_IPV6 ? AF_INET6
                                                                                : AF_INET,
                                       ip->address, ip->prefix);
    }
    return fw;
}

/* The bridge with its addresses, up. */
static gboolean
networkBridgeSetup(const virNetworkDef *def, GError **error)
{
    virNetDevBridgeDef br = {
        .name = def->bridge.name,
        .mac = def->mac,
        .mtu = def->mtu,
        .stp = def->bridge.stp,
        .delay = def->bridge.delay,
    };

    if (!virNetDevBridgeCreate(&br, error))
        return FALSE;
    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        if (!virNetDevAddAddress(def->bridge.name, ip->address, ip->prefix, error))
            return FALSE;
    }
    return virNetDevSetUp(def->bridge.name, error);
}

static gboolean
networkForwardingSetup(const virNetworkDef *def, GError **error)
{
    gboolean v4 = FALSE;
    gboolean v6 = FALSE;

    if (def->forward == VIR_NETWORK_FORWARD_NONE || def->forward == VIR_NETWORK_FORWARD_BRIDGE)
        return TRUE;
    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == VIR_NETWORK_IP_FAMILY_IPV6)
            v6 = TRUE;
        else
            v4 = TRUE;
    }
    return (!v4 || virNetworkSetForwarding(AF_INET, error)) &&
           (!v6 || virNetworkSetForwarding(AF_INET6, error));
}

/* ------------------------------------------------------------------ */
/* dnsmasq                                                             */

/* Its files: <run_dir>/network/<name>.{conf,pid,hosts,addnhosts}, and
 * the leases in <state_dir>/network/<name>.leases (kept across stops). */
static char *
networkDnsmasqPath(virNetworkDriverState *drv, const virNetworkDef *def, const char *suffix)
{
    g_autofree char *file = g_strdup_printf("%s.%s", def->name, suffix);

    return g_build_filename(drv->status_dir, file, NULL);
}

static char *
networkLeasesPath(virNetworkDriverState *drv, const virNetworkDef *def)
{
    g_autofree char *file = g_strdup_printf("%s.leases", def->name);

    return g_build_filename(drv->lease_dir, file, NULL);
}

/* Is @cmdline that of the dnsmasq reading @opaque (its configuration)? */
static gboolean
networkDnsmasqMatch(const char *cmdline, gsize len, gpointer opaque)
{
    g_autofree char *arg = g_strdup_printf("--conf-file=%s", (const char *)opaque);

    return virProcessCmdlineHas(cmdline, len, arg, strlen(arg) + 1);
}

/* A pidfd of the network's running dnsmasq, or -1. */
static int
networkDnsmasqFind(virNetworkDriverState *drv, const virNetworkDef *def)
{
    g_autofree char *pid_path = networkDnsmasqPath(drv, def, "pid");
    g_autofree char *conf_path = networkDnsmasqPath(drv, def, "conf");
    g_autofree char *text = NULL;
    guint64 pid;

    if (!g_file_get_contents(pid_path, &text, NULL, NULL) ||
        !g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, G_MAXINT, &pid, NULL))
        return -1;
    return virProcessOpenIfMatch((pid_t)pid, networkDnsmasqMatch, conf_path);
}

static gboolean
networkDnsmasqWriteFiles(virNetworkDriverState *drv, const virNetworkDef *def, GError **error)
{
    g_autofree char *conf_path = networkDnsmasqPath(drv, def, "conf");
    g_autofree char *pid_path = networkDnsmasqPath(drv, def, "pid");
    g_autofree char *leases_path = networkLeasesPath(drv, def);
    g_autofree char *hosts_path = networkDnsmasqPath(drv, def, "hosts");
    g_autofree char *addn_path = networkDnsmasqPath(drv, def, "addnhosts");
    virNetworkDnsmasqRuntime rt = {
        .pid_file = pid_path,
        .leases_file = leases_path,
        .hosts_file = hosts_path,
        .addn_hosts_file = addn_path,
        .user = virNetworkDnsmasqUser(),
    };
    g_autofree char *conf = virNetworkDnsmasqConfig(def, def->bridge.name, &rt);
    g_autofree char *hosts = virNetworkDnsmasqHostsFile(def);
    g_autofree char *addn = virNetworkDnsmasqAddnHosts(def);
    g_autoptr(GError) err = NULL;

    /* dnsmasq reads the hosts files again as its own user (SIGHUP) */
    if (!virFileWriteAtomic(hosts_path, hosts, -1, 0644, &err) ||
        !virFileWriteAtomic(addn_path, addn, -1, 0644, &err) ||
        !virFileWriteAtomic(conf_path, conf, -1, 0644, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
        return FALSE;
    }
    g_unlink(pid_path);
    return TRUE;
}

/* Starts the network's dnsmasq, if it needs one; it puts itself in the
 * background once it serves. */
static gboolean
networkDnsmasqStart(virNetworkDriverState *drv, const virNetworkDef *def, GError **error)
{
    g_autofree char *conf_path = networkDnsmasqPath(drv, def, "conf");
    g_autoptr(GPtrArray) argv = NULL;
    g_autoptr(virCommand) cmd = NULL;
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;
    int pidfd;

    if (!virNetworkDnsmasqNeeded(def))
        return TRUE;
    if (!networkDnsmasqWriteFiles(drv, def, error))
        return FALSE;
    argv = virNetworkDnsmasqArgv(NETWORK_DNSMASQ_BINARY, conf_path);
    cmd = virCommandNewArgv((const char *const *)argv->pdata);
    virCommandSetErrorCapture(cmd, 4096);
    if (!virCommandRun(cmd, &res, &err)) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED,
                    _("cannot start dnsmasq for network '%s': %s (is the dnsmasq-base package "
                      "installed?)"),
                    def->name, err->message);
        return FALSE;
    }
    if (!virCommandResultSucceeded(&res)) {
        g_autofree char *why = virCommandResultDescribe(&res);
        g_autofree char *text = res.err ? g_strndup(g_bytes_get_data(res.err, NULL),
                                                    g_bytes_get_size(res.err))
                                        : g_strdup("");

        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("dnsmasq for network '%s' failed (%s): %s"),
                    def->name, why, g_strstrip(text));
        return FALSE;
    }
    if ((pidfd = networkDnsmasqFind(drv, def)) < 0) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED,
                    _("dnsmasq for network '%s' started but is not running"), def->name);
        return FALSE;
    }
    close(pidfd);
    g_info(_("network '%s': dnsmasq serves on '%s'"), def->name, def->bridge.name);
    return TRUE;
}

/* Stops the network's dnsmasq, if it runs, and removes its files but
 * the leases. */
static void
networkDnsmasqStop(virNetworkDriverState *drv, const virNetworkDef *def)
{
    static const char *const suffixes[] = {"pid", "conf", "hosts", "addnhosts"};
    int pidfd = networkDnsmasqFind(drv, def);

    if (pidfd >= 0) {
        if (!virProcessTerminate(pidfd, NETWORK_DNSMASQ_GRACE_MS))
            g_warning(_("network '%s': dnsmasq does not exit"), def->name);
        close(pidfd);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
        g_autofree char *path = networkDnsmasqPath(drv, def, suffixes[i]);

        g_unlink(path);
    }
}

/* The static hosts changed: their files again, and dnsmasq re-reads them
 * (SIGHUP), without a restart. */
static gboolean
networkDnsmasqReload(virNetworkDriverState *drv, const virNetworkDef *def, GError **error)
{
    g_autofree char *hosts_path = networkDnsmasqPath(drv, def, "hosts");
    g_autofree char *addn_path = networkDnsmasqPath(drv, def, "addnhosts");
    g_autofree char *hosts = NULL;
    g_autofree char *addn = NULL;
    g_autoptr(GError) err = NULL;
    int pidfd;

    if (!virNetworkDnsmasqNeeded(def))
        return TRUE;
    hosts = virNetworkDnsmasqHostsFile(def);
    addn = virNetworkDnsmasqAddnHosts(def);
    if (!virFileWriteAtomic(hosts_path, hosts, -1, 0644, &err) ||
        !virFileWriteAtomic(addn_path, addn, -1, 0644, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
        return FALSE;
    }
    if ((pidfd = networkDnsmasqFind(drv, def)) < 0)
        return networkDnsmasqStart(drv, def, error);
    if (pidfd_send_signal(pidfd, SIGHUP, NULL, 0) < 0)
        g_warning(_("network '%s': cannot signal dnsmasq: %s"), def->name, g_strerror(errno));
    close(pidfd);
    return TRUE;
}

/* After a restart: a dnsmasq that went away is started again. */
static gboolean
networkDnsmasqRepair(virNetworkDriverState *drv, const virNetworkDef *def, GError **error)
{
    int pidfd;

    if (!virNetworkDnsmasqNeeded(def))
        return TRUE;
    if ((pidfd = networkDnsmasqFind(drv, def)) >= 0) {
        close(pidfd);
        return TRUE;
    }
    g_warning(_("network '%s': its dnsmasq is gone, starting it again"), def->name);
    return networkDnsmasqStart(drv, def, error);
}

/* Tears down what @def's network is made of: its chains, and its bridge
 * when @bridge.  Failures are logged: the rest still goes. */
static void
networkTeardown(virNetworkDriverState *drv, const virNetworkDef *def, gboolean bridge)
{
    g_autoptr(virNetworkFirewallDef) fw = NULL;
    g_autoptr(GError) err = NULL;

    networkDnsmasqStop(drv, def);
    if (!networkOwnsBridge(def))
        return;
    fw = networkFirewallDef(def);
    if (!virNetworkFirewallRemove(fw, &err)) {
        g_warning(_("network '%s': %s"), def->name, err->message);
        g_clear_error(&err);
    }
    if (bridge && !virNetDevDelete(def->bridge.name, &err))
        g_warning(_("network '%s': %s"), def->name, err->message);
}

static virNetworkDef *
networkLiveDefCopy(virNetworkObj *obj)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    return virNetworkDefCopy(obj->def);
}

/* Back to the persistent definition once stopped. */
static void
networkSetInactive(virNetworkObj *obj)
{
    g_mutex_lock(&obj->lock);
    obj->active = FALSE;
    if (obj->newDef) {
        virNetworkDefFree(obj->def);
        obj->def = g_steal_pointer(&obj->newDef);
    }
    g_mutex_unlock(&obj->lock);
}

/**
 * networkProcessStart:
 *
 * Starts @obj, inactive, its job held by the caller (see the header for
 * the order and what a failure leaves).
 */
gboolean
networkProcessStart(virNetworkDriverState *drv, virNetworkObj *obj, GError **error)
{
    g_autoptr(virNetworkDef) live = NULL;
    gboolean bridge_made = FALSE;

    g_mutex_lock(&obj->lock);
    if (obj->persistent && !obj->newDef)
        obj->newDef = virNetworkDefCopy(obj->def);
    if (!obj->def->mac && networkOwnsBridge(obj->def))
        obj->def->mac = virMacAddrGenerate();
    g_mutex_unlock(&obj->lock);

    if (!networkHook(obj, VIR_HOOK_NETWORK_OP_START, VIR_HOOK_SUBOP_BEGIN, error)) {
        networkSetInactive(obj);
        return FALSE;
    }
    live = networkLiveDefCopy(obj);
    if (networkOwnsBridge(live) && virNetDevExists(live->bridge.name)) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED,
                    _("cannot start network '%s': an interface named '%s' already exists"),
                    live->name, live->bridge.name);
        goto fail;
    }
    if (!networkOwnsBridge(live) && !virNetDevExists(live->bridge.name)) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED,
                    _("cannot start network '%s': its bridge '%s' does not exist"), live->name,
                    live->bridge.name);
        goto fail;
    }
    if (!networkStatusSave(drv, obj, NETWORK_STATUS_STARTING, error))
        goto fail;
    bridge_made = networkOwnsBridge(live);
    if (bridge_made) {
        g_autoptr(virNetworkFirewallDef) fw = networkFirewallDef(live);
        g_autoptr(GError) err = NULL;

        if (!networkBridgeSetup(live, &err) || !virNetworkFirewallApply(fw, &err) ||
            !networkForwardingSetup(live, &err)) {
            virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
            goto fail;
        }
    }
    if (!networkDnsmasqStart(drv, live, error))
        goto fail;
    if (!networkStatusSave(drv, obj, NETWORK_STATUS_RUNNING, error))
        goto fail;
    g_mutex_lock(&obj->lock);
    obj->active = TRUE;
    g_mutex_unlock(&obj->lock);
    if (!networkHook(obj, VIR_HOOK_NETWORK_OP_STARTED, VIR_HOOK_SUBOP_BEGIN, error))
        goto fail;
    g_info(_("network '%s' started on bridge '%s'"), live->name, live->bridge.name);
    networkEmitEvent(obj, VIR_NETWORK_EVENT_STARTED);
    return TRUE;

 fail:
    g_warning(_("network '%s' failed to start, tearing it down: %s"), live->name,
              (*error)->message);
    networkTeardown(drv, live, bridge_made);
    {
        /* a start that failed leaves no lease behind either */
        g_autofree char *leases = networkLeasesPath(drv, live);

        g_unlink(leases);
    }
    networkStatusRemove(drv, obj);
    networkHookLogged(obj, VIR_HOOK_NETWORK_OP_STOPPED, VIR_HOOK_SUBOP_END);
    networkSetInactive(obj);
    return FALSE;
}

/**
 * networkProcessStop:
 *
 * Stops @obj, active, its job held by the caller: everything torn down,
 * then the 'stopped' hook and the event.  The caller removes a transient
 * network from the table.
 */
void
networkProcessStop(virNetworkDriverState *drv, virNetworkObj *obj)
{
    g_autoptr(virNetworkDef) live = networkLiveDefCopy(obj);

    networkTeardown(drv, live, TRUE);
    networkStatusRemove(drv, obj);
    g_mutex_lock(&obj->lock);
    obj->active = FALSE;
    g_mutex_unlock(&obj->lock);
    networkHookLogged(obj, VIR_HOOK_NETWORK_OP_STOPPED, VIR_HOOK_SUBOP_END);
    g_info(_("network '%s' stopped"), live->name);
    networkEmitEvent(obj, VIR_NETWORK_EVENT_STOPPED);
    networkSetInactive(obj);
}

/**
 * networkProcessUpdateLive:
 * @def: (transfer full): the new live definition of @obj (same bridge,
 *   addresses and mode: only DHCP hosts changed)
 *
 * With the job held, @obj active: takes @def, has dnsmasq re-read its
 * hosts, saves the status, then runs the 'updated' hook (a failure is
 * logged).
 */
gboolean
networkProcessUpdateLive(virNetworkDriverState *drv, virNetworkObj *obj, virNetworkDef *def,
                         GError **error)
{
    g_autoptr(virNetworkDef) old = NULL;

    g_mutex_lock(&obj->lock);
    old = obj->def;
    obj->def = def;
    g_mutex_unlock(&obj->lock);
    if (!networkDnsmasqReload(drv, def, error)) {
        g_mutex_lock(&obj->lock);
        obj->def = g_steal_pointer(&old);
        g_mutex_unlock(&obj->lock);
        virNetworkDefFree(def);
        return FALSE;
    }
    if (!networkStatusSave(drv, obj, NETWORK_STATUS_RUNNING, error))
        return FALSE;
    networkHookLogged(obj, VIR_HOOK_NETWORK_OP_UPDATED, VIR_HOOK_SUBOP_BEGIN);
    return TRUE;
}

/**
 * networkProcessGetLeases:
 * @mac: only this client's leases, or NULL
 *
 * The unexpired leases of @obj's dnsmasq, from its lease file.
 *
 * Returns: (transfer full): GArray of virNetworkDHCPLease, or NULL with
 * @error set.
 */
GArray *
networkProcessGetLeases(virNetworkDriverState *drv, virNetworkObj *obj, const char *mac,
                        GError **error)
{
    g_autoptr(virNetworkDef) def = networkLiveDefCopy(obj);
    g_autofree char *path = networkLeasesPath(drv, def);
    g_autofree char *text = NULL;
    g_autoptr(GPtrArray) parsed = NULL;
    g_autoptr(GError) err = NULL;
    GArray *out = g_array_new(FALSE, TRUE, sizeof(virNetworkDHCPLease));
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    g_array_set_clear_func(out, (GDestroyNotify)virNetworkDHCPLeaseClear);
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return out; /* no lease yet, or no dnsmasq */
    if (!(parsed = virNetworkDnsmasqParseLeases(text, &err))) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_INTERNAL_ERROR);
        g_array_unref(out);
        return NULL;
    }
    for (guint i = 0; i < parsed->len; i++) {
        const virNetworkDnsmasqLease *l = g_ptr_array_index(parsed, i);
        virNetworkDHCPLease lease = {0};

        if ((l->expiry && l->expiry < now) ||
            (mac && (!l->mac || g_ascii_strcasecmp(mac, l->mac) != 0)))
            continue;
        lease.iface = g_strdup(def->bridge.name);
        lease.expirytime = l->expiry;
        lease.type = l->family == VIR_NETWORK_IP_FAMILY_IPV6 ? 1 : 0;
        lease.mac = g_strdup(l->mac);
        lease.iaid = g_strdup(l->iaid);
        lease.ipaddr = g_strdup(l->ip);
        lease.hostname = g_strdup(l->hostname);
        lease.clientid = g_strdup(l->client_id);
        for (guint j = 0; j < def->ips->len; j++) {
            const virNetworkIPDef *ip = g_ptr_array_index(def->ips, j);

            if (ip->family == l->family) {
                lease.prefix = ip->prefix;
                break;
            }
        }
        g_array_append_val(out, lease);
    }
    return out;
}

/* ------------------------------------------------------------------ */
/* Reconnect                                                           */

static gpointer
networkReconnectFind(gpointer driver, virObjStatus *st)
{
    virNetworkDriverState *drv = driver;
    const virNetworkDef *def = st->def;
    g_autoptr(GError) err = NULL;
    gpointer obj = virObjListFind(&drv->list, def->uuid, def->name, NULL);

    if (obj)
        return obj;
    /* a transient network: it comes back as one */
    if (!(obj = virObjListAddTransient(&drv->list, virObjStatusStealDef(st), &err)))
        g_warning(_("ignoring the status of network '%s': %s"), def->name, err->message);
    return obj;
}

static virObjJob *
networkReconnectJob(gpointer obj)
{
    return &((virNetworkObj *)obj)->job;
}

static const char *
networkReconnectName(gpointer obj)
{
    return ((virNetworkObj *)obj)->def->name;
}

static void
networkReconnectInstall(gpointer driver, gpointer object, virObjStatus *st)
{
    virNetworkObj *obj = object;
    virNetworkDef *live = virObjStatusStealDef(st);

    g_mutex_lock(&obj->lock);
    if (live) {
        if (obj->persistent && !obj->newDef)
            obj->newDef = g_steal_pointer(&obj->def);
        virNetworkDefFree(obj->def);
        obj->def = live;
    }
    obj->active = TRUE;
    g_mutex_unlock(&obj->lock);
}

static gboolean
networkReconnectInterrupted(const virObjStatus *st)
{
    return st->state != NETWORK_STATUS_RUNNING;
}

/* Puts back what went missing while virtd was away. */
static gboolean
networkRepair(virNetworkDriverState *drv, const virNetworkDef *def, GError **error)
{
    g_autoptr(virNetworkFirewallDef) fw = NULL;
    gboolean present = FALSE;

    if (!networkOwnsBridge(def)) {
        if (!virNetDevExists(def->bridge.name))
            g_warning(_("network '%s': its bridge '%s' is gone"), def->name, def->bridge.name);
        return TRUE;
    }
    fw = networkFirewallDef(def);
    if (!virNetDevExists(def->bridge.name)) {
        g_warning(_("network '%s': its bridge '%s' is gone, making it again"), def->name,
                  def->bridge.name);
        if (!networkBridgeSetup(def, error))
            return FALSE;
    }
    if (!virNetworkFirewallCheck(fw, &present, error))
        return FALSE;
    if (!present) {
        g_warning(_("network '%s': its firewall rules are gone, adding them again"), def->name);
        if (!virNetworkFirewallApply(fw, error))
            return FALSE;
    }
    return networkForwardingSetup(def, error) && networkDnsmasqRepair(drv, def, error);
}

static virObjReconnectResult
networkReconnectObject(gpointer driver, gpointer object, pid_t pid, int pidfd, GError **error)
{
    virNetworkObj *obj = object;
    g_autoptr(virNetworkDef) live = networkLiveDefCopy(obj);
    g_autoptr(GError) err = NULL;

    if (!networkRepair(driver, live, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
        return VIR_OBJ_RECONNECT_LOST;
    }
    /* a failing reconnect hook is logged; the network stays as it is */
    networkHookLogged(obj, VIR_HOOK_NETWORK_OP_RECONNECT, VIR_HOOK_SUBOP_BEGIN);
    return VIR_OBJ_RECONNECT_OK;
}

static void
networkReconnectStop(gpointer driver, gpointer object, virObjStopCause cause)
{
    virNetworkDriverState *drv = driver;

    networkProcessStop(drv, object);
    virObjListRemoveIfTransient(&drv->list, object);
}

static void
networkReconnectUnref(gpointer driver, gpointer object)
{
    virObjListUnref(&((virNetworkDriverState *)driver)->list, object);
}

static const virObjReconnectOps networkReconnectOps = {
    .kind = "network",
    .status = &networkStatusClass,
    .find = networkReconnectFind,
    .job = networkReconnectJob,
    .name = networkReconnectName,
    .install = networkReconnectInstall,
    .interrupted = networkReconnectInterrupted,
    .reconnect = networkReconnectObject,
    .stop = networkReconnectStop,
    .unref = networkReconnectUnref,
};

/**
 * networkProcessReconnectClaimAll:
 *
 * Before the RPC sockets listen: every network a previous virtd left a
 * status file for is listed active, its job held (virobjreconnect.h).
 */
void
networkProcessReconnectClaimAll(virNetworkDriverState *drv)
{
    virObjReconnectClaimAll(&drv->reconnect, drv->status_dir);
}

/* Persistent networks marked autostart that are not running. */
static void
networkProcessAutostart(virNetworkDriverState *drv)
{
    g_autoptr(GPtrArray) objs = virObjListAll(&drv->list);

    for (guint i = 0; i < objs->len; i++) {
        virNetworkObj *obj = g_ptr_array_index(objs, i);
        g_autoptr(GError) err = NULL;
        gboolean start;

        virObjJobBegin(&obj->job, NULL, "autostart", VIR_OBJ_JOB_WAIT_FOREVER, NULL);
        g_mutex_lock(&obj->lock);
        start = obj->autostart && obj->persistent && !obj->active;
        g_mutex_unlock(&obj->lock);
        if (start && !networkProcessStart(drv, obj, &err))
            g_warning(_("cannot autostart network '%s': %s"), obj->def->name, err->message);
        virObjJobEnd(&obj->job);
        virObjListUnref(&drv->list, obj);
    }
}

/**
 * networkProcessReconnectAll:
 *
 * Once the RPC sockets listen: each claimed network is checked, repaired
 * and gets its 'reconnect' hook (or is torn down if its start was
 * interrupted); then the autostarted ones start.
 */
void
networkProcessReconnectAll(virNetworkDriverState *drv)
{
    virObjReconnectAll(&drv->reconnect);
    networkProcessAutostart(drv);
}

/* dnsmasq reads its hosts files as its own user, after dropping root:
 * say so when it cannot reach them. */
static void
networkCheckReachable(const char *dir)
{
    g_autofree char *path = g_strdup(dir);

    while (path[0] == '/' && path[1]) {
        struct stat sb;
        char *slash;

        if (stat(path, &sb) == 0 && !(sb.st_mode & S_IXOTH)) {
            g_warning(_("'%s' (mode %04o) keeps dnsmasq, which runs as user '%s', out of '%s': "
                        "networks' static DHCP hosts and DNS entries will be ignored; make it "
                        "reachable (chmod o+x '%s')"),
                      path, (unsigned int)(sb.st_mode & 07777), virNetworkDnsmasqUser(), dir,
                      path);
            return;
        }
        slash = strrchr(path, '/');
        if (slash == path)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
}

gboolean
networkProcessInit(virNetworkDriverState *drv, const virtdConfig *cfg, GError **error)
{
    g_autoptr(GError) err = NULL;

    drv->status_dir = g_build_filename(cfg->run_dir, "network", NULL);
    drv->port_created = cfg->network_port_ops == VIR_CONF_NETWORK_PORT_OPS_PORT_CREATED;
    drv->lease_dir = g_build_filename(cfg->state_dir, "network", NULL);
    virObjReconnectInit(&drv->reconnect, &networkReconnectOps, drv, cfg->reconnect_failure);
    /* 0755: dnsmasq reads its hosts files as its own user */
    if (!virFileMakeDir(drv->status_dir, 0755, &err) ||
        !virFileMakeDir(drv->lease_dir, 0755, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
        return FALSE;
    }
    networkCheckReachable(drv->status_dir);
    return TRUE;
}

/* virtd is stopping: networks keep running. */
void
networkProcessShutdown(virNetworkDriverState *drv)
{
    virObjReconnectAbandon(&drv->reconnect);
    g_clear_pointer(&drv->status_dir, g_free);
    g_clear_pointer(&drv->lease_dir, g_free);
}

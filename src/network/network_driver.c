/*
 * network_driver.c: the network driver's API entry points
 *
 * Definitions (define / undefine / list / XML / autostart, stored as
 * <conf_dir>/network/<name>.xml) and the life cycle: start, create,
 * destroy, which network_process.c carries out.
 */
#define G_LOG_DOMAIN "virtd.network"

#include "network_driver.h"

#include <glib/gi18n.h>
#include <string.h>

#include "network_conf.h"
#include "network_process.h"
#include "virdriver.h"
#include "virobjjob.h"
#include "virobjlist.h"

#define NETWORK_XML_FLAGS VIR_NETWORK_XML_INACTIVE
#define NETWORK_CREATE_FLAGS VIR_NETWORK_CREATE_VALIDATE
/* how long a state-changing call waits for another one on the same network */
#define NETWORK_JOB_WAIT 60
#define NETWORK_LIST_FLAGS 0x3f
#define NETWORK_DEFINE_FLAGS VIR_NETWORK_DEFINE_VALIDATE
#define NETWORK_BRIDGE_PREFIX "virbr"

static virNetworkDriverState networkState;

static void
networkPortFree(virNetworkPort *port)
{
    g_free(port->uuid);
    g_free(port->dom_name);
    g_free(port);
}

static void
virNetworkObjClear(gpointer data)
{
    virNetworkObj *obj = data;

    g_clear_pointer(&obj->def, virNetworkDefFree);
    g_clear_pointer(&obj->newDef, virNetworkDefFree);
    virObjJobClear(&obj->job);
    virObjStatusWriterClear(&obj->writer);
    g_clear_pointer(&obj->ports, g_ptr_array_unref);
    g_mutex_clear(&obj->lock);
}

static const char *
virNetworkObjName(gconstpointer owner)
{
    return ((const virNetworkObj *)owner)->def->name;
}

static const unsigned char *
virNetworkObjUUID(gconstpointer owner)
{
    return ((const virNetworkObj *)owner)->def->uuid;
}

static const virObjJobClass virNetworkObjJobClass = {
    .kind = "network",
    .no_object_code = VIR_ERR_NO_NETWORK,
    .name = virNetworkObjName,
    .uuid = virNetworkObjUUID,
};

static gpointer
virNetworkObjNew(gpointer def)
{
    virNetworkObj *obj = g_atomic_rc_box_new0(virNetworkObj);

    g_mutex_init(&obj->lock);
    virObjJobInit(&obj->job, &virNetworkObjJobClass, obj, &obj->lock);
    virObjStatusWriterInit(&obj->writer);
    obj->ports = g_ptr_array_new_with_free_func((GDestroyNotify)networkPortFree);
    obj->def = def;
    obj->persistent = TRUE;
    return obj;
}

static gboolean
virNetworkObjIsActive(gconstpointer obj)
{
    return ((const virNetworkObj *)obj)->active;
}

static gpointer
networkDefParse(const char *xml, GError **error)
{
    return virNetworkDefParseString(xml, 0, error);
}

static gpointer
networkDefParseFile(const char *path, GError **error)
{
    return virNetworkDefParseFile(path, 0, error);
}

static char *
networkDefFormat(gconstpointer def)
{
    return virNetworkDefFormat(def, 0);
}

static const char *
networkDefName(gconstpointer def)
{
    return ((const virNetworkDef *)def)->name;
}

static const unsigned char *
networkDefUUID(gconstpointer def)
{
    return ((const virNetworkDef *)def)->uuid;
}

static void
networkDefFree(gpointer def)
{
    virNetworkDefFree(def);
}

static gboolean networkDefCheck(virObjList *list, gpointer def, gboolean defining,
                                GError **error);

static const virObjListClass networkObjListClass = {
    .kind = "network",
    .no_object_code = VIR_ERR_NO_NETWORK,
    .lock_offset = G_STRUCT_OFFSET(virNetworkObj, lock),
    .def_offset = G_STRUCT_OFFSET(virNetworkObj, def),
    .newdef_offset = G_STRUCT_OFFSET(virNetworkObj, newDef),
    .persistent_offset = G_STRUCT_OFFSET(virNetworkObj, persistent),
    .autostart_offset = G_STRUCT_OFFSET(virNetworkObj, autostart),
    .job_offset = G_STRUCT_OFFSET(virNetworkObj, job),
    .obj_new = virNetworkObjNew,
    .obj_clear = virNetworkObjClear,
    .is_active = virNetworkObjIsActive,
    .def_parse = networkDefParse,
    .def_parse_file = networkDefParseFile,
    .def_format = networkDefFormat,
    .def_name = networkDefName,
    .def_uuid = networkDefUUID,
    .def_free = networkDefFree,
    .def_check = networkDefCheck,
};

static void
networkObjUnref(virNetworkObj *obj)
{
    virObjListUnref(&networkState.list, obj);
}

static void
networkObjFillHandle(virNetworkObj *obj, virNetworkHandle *out)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    out->name = g_strdup(obj->def->name);
    memcpy(out->uuid, obj->def->uuid, VIR_UUID_BUFLEN);
}

static virNetworkObj *
networkFindObj(const virNetworkHandle *net, GError **error)
{
    return virObjListFind(&networkState.list, net->uuid, net->name, error);
}

static gboolean
networkReturnHandle(virNetworkObj *obj, virNetworkHandle *out)
{
    if (!obj)
        return FALSE;
    networkObjFillHandle(obj, out);
    networkObjUnref(obj);
    return TRUE;
}

static gboolean
networkLookupByName(virCaller *c, const char *name, virNetworkHandle *out, GError **error)
{
    return networkReturnHandle(virObjListFindByName(&networkState.list, name, error), out);
}

static gboolean
networkLookupByUUID(virCaller *c, const unsigned char *uuid, virNetworkHandle *out,
                    GError **error)
{
    return networkReturnHandle(virObjListFindByUUID(&networkState.list, uuid, error), out);
}

static gboolean
networkMatch(virNetworkObj *obj, unsigned int flags)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    return virDriverMatchFlagPair(flags, VIR_CONNECT_LIST_NETWORKS_ACTIVE,
                            VIR_CONNECT_LIST_NETWORKS_INACTIVE, obj->active) &&
           virDriverMatchFlagPair(flags, VIR_CONNECT_LIST_NETWORKS_PERSISTENT,
                            VIR_CONNECT_LIST_NETWORKS_TRANSIENT, obj->persistent) &&
           virDriverMatchFlagPair(flags, VIR_CONNECT_LIST_NETWORKS_AUTOSTART,
                            VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART, obj->autostart);
}

static GArray *
networkListAll(virCaller *c, unsigned int flags, GError **error)
{
    g_autoptr(GPtrArray) objs = NULL;
    GArray *handles;

    if (!virDriverCheckFlags(flags, NETWORK_LIST_FLAGS, "virConnectListAllNetworks", error))
        return NULL;
    objs = virObjListAll(&networkState.list);
    handles = virNetworkHandleArrayNew();
    for (guint i = 0; i < objs->len; i++) {
        virNetworkObj *obj = g_ptr_array_index(objs, i);

        if (networkMatch(obj, flags)) {
            virNetworkHandle h = {0};
            networkObjFillHandle(obj, &h);
            g_array_append_val(handles, h);
        }
        networkObjUnref(obj);
    }
    return handles;
}

/* Which network other than @self uses bridge @name?  (transfer full) */
static char *
networkBridgeUser(const char *name, const unsigned char *self)
{
    g_autoptr(GPtrArray) objs = virObjListAll(&networkState.list);
    char *user = NULL;

    for (guint i = 0; i < objs->len; i++) {
        virNetworkObj *obj = g_ptr_array_index(objs, i);

        g_mutex_lock(&obj->lock);
        if (!user && memcmp(obj->def->uuid, self, VIR_UUID_BUFLEN) != 0 &&
            g_strcmp0(obj->def->bridge.name, name) == 0)
            user = g_strdup(obj->def->name);
        g_mutex_unlock(&obj->lock);
        networkObjUnref(obj);
    }
    return user;
}

/* A bridge name of its own: the one asked for if free, else virbrN. */
static gboolean
networkAssignBridge(virNetworkDef *def, GError **error)
{
    g_autofree char *user = NULL;

    if (def->bridge.name) {
        if ((user = networkBridgeUser(def->bridge.name, def->uuid))) {
            virErrorSet(error, VIR_ERR_OPERATION_FAILED,
                        _("bridge name '%s' is already used by network '%s'"), def->bridge.name,
                        user);
            return FALSE;
        }
        return TRUE;
    }
    for (int n = 0;; n++) {
        g_autofree char *name = g_strdup_printf(NETWORK_BRIDGE_PREFIX "%d", n);
        g_autofree char *taken = networkBridgeUser(name, def->uuid);

        if (!taken) {
            def->bridge.name = g_steal_pointer(&name);
            return TRUE;
        }
    }
}

/* virObjListClass.def_check: a new definition gets a bridge of its own. */
static gboolean
networkDefCheck(virObjList *list, gpointer def, gboolean defining, GError **error)
{
    return !defining || networkAssignBridge(def, error);
}

static gboolean
networkDefineXML(virCaller *c, const char *xml, unsigned int flags, virNetworkHandle *out,
                 GError **error)
{
    virNetworkObj *obj;
    gboolean updated;

    if (!virDriverCheckFlags(flags, NETWORK_DEFINE_FLAGS, "virNetworkDefineXMLFlags", error) ||
        !(obj = virObjListDefine(&networkState.list, xml, &updated, error)))
        return FALSE;
    networkReturnHandle(obj, out);
    g_info(_("network '%s' %s"), out->name, updated ? _("redefined") : _("defined"));
    virDriverEmitNetworkEvent(out, VIR_NETWORK_EVENT_DEFINED, 0);
    return TRUE;
}

static gboolean
networkUndefine(virCaller *c, const virNetworkHandle *net, GError **error)
{
    g_auto(virNetworkHandle) h = {0};
    virNetworkObj *obj = networkFindObj(net, error);
    gboolean ok;

    if (!obj)
        return FALSE;
    networkObjFillHandle(obj, &h);
    ok = virObjListUndefine(&networkState.list, obj, error);
    networkObjUnref(obj);
    if (!ok)
        return FALSE;
    g_info(_("network '%s' undefined"), h.name);
    virDriverEmitNetworkEvent(&h, VIR_NETWORK_EVENT_UNDEFINED, 0);
    return TRUE;
}

static char *
networkGetXMLDesc(virCaller *c, const virNetworkHandle *net, unsigned int flags,
                  GError **error)
{
    virNetworkObj *obj;
    char *xml;

    if (!virDriverCheckFlags(flags, NETWORK_XML_FLAGS, "virNetworkGetXMLDesc", error) ||
        !(obj = networkFindObj(net, error)))
        return NULL;
    g_mutex_lock(&obj->lock);
    if (flags & VIR_NETWORK_XML_INACTIVE)
        xml = virNetworkDefFormat(obj->newDef ? obj->newDef : obj->def, 0);
    else if (obj->active)
        xml = virNetworkDefFormatLive(obj->def, obj->ports->len);
    else
        xml = virNetworkDefFormat(obj->def, 0);
    g_mutex_unlock(&obj->lock);
    networkObjUnref(obj);
    return xml;
}

typedef enum {
    NET_FIELD_ACTIVE,
    NET_FIELD_PERSISTENT,
    NET_FIELD_AUTOSTART,
} networkObjField;

static int
networkGetFlag(const virNetworkHandle *net, networkObjField field, GError **error)
{
    virNetworkObj *obj = networkFindObj(net, error);
    int ret = -1;

    if (!obj)
        return -1;
    g_mutex_lock(&obj->lock);
    switch (field) {
    case NET_FIELD_ACTIVE:
        ret = obj->active;
        break;
    case NET_FIELD_PERSISTENT:
        ret = obj->persistent;
        break;
    case NET_FIELD_AUTOSTART:
        ret = obj->autostart;
        break;
    }
    g_mutex_unlock(&obj->lock);
    networkObjUnref(obj);
    return ret;
}

static int
networkIsActive(virCaller *c, const virNetworkHandle *net, GError **error)
{
    return networkGetFlag(net, NET_FIELD_ACTIVE, error);
}

static int
networkIsPersistent(virCaller *c, const virNetworkHandle *net, GError **error)
{
    return networkGetFlag(net, NET_FIELD_PERSISTENT, error);
}

static int
networkGetAutostart(virCaller *c, const virNetworkHandle *net, GError **error)
{
    return networkGetFlag(net, NET_FIELD_AUTOSTART, error);
}

static gboolean
networkSetAutostart(virCaller *c, const virNetworkHandle *net, int autostart, GError **error)
{
    virNetworkObj *obj = networkFindObj(net, error);
    gboolean ok;

    if (!obj)
        return FALSE;
    ok = virObjListSetAutostart(&networkState.list, obj, autostart != 0, error);
    networkObjUnref(obj);
    return ok;
}

static char *
networkGetBridgeName(virCaller *c, const virNetworkHandle *net, GError **error)
{
    virNetworkObj *obj = networkFindObj(net, error);
    char *name;

    if (!obj)
        return NULL;
    g_mutex_lock(&obj->lock);
    name = g_strdup(obj->def->bridge.name);
    g_mutex_unlock(&obj->lock);
    networkObjUnref(obj);
    return name;
}

/* With the job held: starts @obj unless it runs. */
static gboolean
networkStartLocked(virNetworkObj *obj, GError **error)
{
    gboolean active;

    g_mutex_lock(&obj->lock);
    active = obj->active;
    g_mutex_unlock(&obj->lock);
    if (active) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("network is already active"));
        return FALSE;
    }
    return networkProcessStart(&networkState, obj, error);
}

static gboolean
networkCreate(virCaller *c, const virNetworkHandle *net, GError **error)
{
    virNetworkObj *obj = networkFindObj(net, error);
    gboolean ok;

    if (!obj)
        return FALSE;
    if (!(ok = virObjJobBegin(&obj->job, c, "start", NETWORK_JOB_WAIT, error))) {
        networkObjUnref(obj);
        return FALSE;
    }
    ok = networkStartLocked(obj, error);
    virObjJobEnd(&obj->job);
    networkObjUnref(obj);
    return ok;
}

static gboolean
networkCreateXML(virCaller *c, const char *xml, unsigned int flags, virNetworkHandle *out,
                 GError **error)
{
    virNetworkDef *def;
    virNetworkObj *obj;
    gboolean ok;

    if (!virDriverCheckFlags(flags, NETWORK_CREATE_FLAGS, "virNetworkCreateXMLFlags", error) ||
        !(def = virNetworkDefParseString(xml, 0, error)))
        return FALSE;
    if (!(obj = virObjListAddTransient(&networkState.list, def, error)))
        return FALSE;
    virObjJobBegin(&obj->job, c, "start", VIR_OBJ_JOB_WAIT_FOREVER, NULL);
    ok = networkStartLocked(obj, error);
    virObjJobEnd(&obj->job);
    if (!ok) {
        virObjListRemoveIfTransient(&networkState.list, obj);
        networkObjUnref(obj);
        return FALSE;
    }
    return networkReturnHandle(obj, out);
}

/* "domain 'a', domain 'b'": the guests plugged in.  Lock held. */
static char *
networkPortUsers(virNetworkObj *obj)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < obj->ports->len; i++) {
        virNetworkPort *port = g_ptr_array_index(obj->ports, i);
        g_autofree char *item = g_strdup_printf("domain '%s'", port->dom_name);
        gboolean seen = FALSE;

        for (guint j = 0; j < names->len && !seen; j++)
            seen = g_str_equal(g_ptr_array_index(names, j), item);
        if (!seen)
            g_ptr_array_add(names, g_steal_pointer(&item));
    }
    g_ptr_array_add(names, NULL);
    return g_strjoinv(", ", (char **)names->pdata);
}

static gboolean
networkDestroy(virCaller *c, const virNetworkHandle *net, GError **error)
{
    virNetworkObj *obj = networkFindObj(net, error);
    gboolean active;

    if (!obj)
        return FALSE;
    if (!virObjJobBegin(&obj->job, c, "destroy", NETWORK_JOB_WAIT, error)) {
        networkObjUnref(obj);
        return FALSE;
    }
    g_mutex_lock(&obj->lock);
    active = obj->active;
    if (!active) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("network '%s' is not active"),
                    obj->def->name);
    } else if (obj->ports->len > 0) {
        /* libvirt would leave the guests cut off */
        g_autofree char *users = networkPortUsers(obj);

        virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                    _("network '%s' is in use by %s: detach their interfaces or stop them "
                      "first"),
                    obj->def->name, users);
        active = FALSE;
    }
    g_mutex_unlock(&obj->lock);
    if (active)
        networkProcessStop(&networkState, obj);
    virObjJobEnd(&obj->job);
    if (active)
        virObjListRemoveIfTransient(&networkState.list, obj);
    networkObjUnref(obj);
    return active;
}

static virNetworkObj *
networkPortFindNetwork(const char *name, GError **error)
{
    return virObjListFindByName(&networkState.list, name, error);
}

static gboolean
networkPortAllocate(const virNetworkPortReq *req, char **bridge, char **portid, GError **error)
{
    virNetworkObj *obj = networkPortFindNetwork(req->network, error);
    virNetworkPort *port;
    gboolean ok = FALSE;

    if (!obj)
        return FALSE;
    g_mutex_lock(&obj->lock);
    if (!obj->active) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("network '%s' is not active"),
                    obj->def->name);
    } else {
        port = g_new0(virNetworkPort, 1);
        port->uuid = req->portid ? g_strdup(req->portid) : g_uuid_string_random();
        port->dom_name = g_strdup(req->dom_name);
        g_ptr_array_add(obj->ports, port);
        *bridge = g_strdup(obj->def->bridge.name);
        *portid = g_strdup(port->uuid);
        ok = TRUE;
    }
    g_mutex_unlock(&obj->lock);
    networkObjUnref(obj);
    return ok;
}

static gboolean
networkPortPlugged(const virNetworkPortReq *req, gboolean reconnect, GError **error)
{
    virNetworkObj *obj = networkPortFindNetwork(req->network, error);
    gboolean ok;

    if (!obj)
        return FALSE;
    ok = networkProcessPortHook(&networkState, obj, req, TRUE, reconnect, error);
    networkObjUnref(obj);
    return ok;
}

static void
networkPortHookLogged(virNetworkObj *obj, const virNetworkPortReq *req)
{
    g_autoptr(GError) err = NULL;

    if (!networkProcessPortHook(&networkState, obj, req, FALSE, FALSE, &err))
        g_warning(_("network '%s' hook failed, ignored: %s"),
                  networkState.port_created ? "port-deleted" : "unplugged", err->message);
}

static void
networkPortRelease(const virNetworkPortReq *req)
{
    g_autoptr(GError) err = NULL;
    virNetworkObj *obj = networkPortFindNetwork(req->network, &err);

    if (!obj) {
        g_warning(_("cannot release the port of domain '%s': %s"), req->dom_name, err->message);
        return;
    }
    /* 'unplugged' sees the port still counted; 'port-deleted' (libvirt
     * >= 5.5) sees it gone */
    if (!networkState.port_created)
        networkPortHookLogged(obj, req);
    g_mutex_lock(&obj->lock);
    for (guint i = 0; i < obj->ports->len; i++) {
        virNetworkPort *port = g_ptr_array_index(obj->ports, i);

        if (g_strcmp0(port->uuid, req->portid) == 0) {
            g_ptr_array_remove_index(obj->ports, i);
            break;
        }
    }
    g_mutex_unlock(&obj->lock);
    if (networkState.port_created)
        networkPortHookLogged(obj, req);
    networkObjUnref(obj);
}

/* virNetworkUpdate's sections (libvirt's numbers), for messages */
static const char *const networkUpdateSections[] = {
    "none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward",
    "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv",
};
#define NETWORK_SECTION_IP_DHCP_HOST 4
#define NETWORK_UPDATE_AFFECT_LIVE   (1 << 0)
#define NETWORK_UPDATE_AFFECT_CONFIG (1 << 1)

/* With the job held: the new definitions, both checked before either is
 * applied. */
static gboolean
networkUpdateLocked(virNetworkObj *obj, unsigned int command, int parent_index, const char *xml,
                    gboolean live, gboolean config, GError **error)
{
    g_autoptr(virNetworkDef) new_live = NULL;
    g_autoptr(virNetworkDef) new_config = NULL;
    g_autofree char *config_xml = NULL;
    virNetworkObj *defined;
    gboolean updated;

    g_mutex_lock(&obj->lock);
    if (live)
        new_live = virNetworkDefUpdateDHCPHost(obj->def, command, parent_index, xml, error);
    if ((!live || new_live) && config)
        new_config = virNetworkDefUpdateDHCPHost(obj->newDef ? obj->newDef : obj->def, command,
                                                 parent_index, xml, error);
    g_mutex_unlock(&obj->lock);
    if ((live && !new_live) || (config && !new_config))
        return FALSE;
    if (config) {
        config_xml = virNetworkDefFormat(new_config, 0);
        if (!(defined = virObjListDefine(&networkState.list, config_xml, &updated, error)))
            return FALSE;
        networkObjUnref(defined);
    }
    return !live || networkProcessUpdateLive(&networkState, obj, g_steal_pointer(&new_live),
                                             error);
}

static gboolean
networkUpdate(virCaller *c, const virNetworkHandle *net, unsigned int command,
              unsigned int section, int parent_index, const char *xml, unsigned int flags,
              GError **error)
{
    virNetworkObj *obj;
    gboolean live, config, active, persistent;
    gboolean ok = FALSE;

    if (!virDriverCheckFlags(flags, NETWORK_UPDATE_AFFECT_LIVE | NETWORK_UPDATE_AFFECT_CONFIG,
                             "virNetworkUpdate", error))
        return FALSE;
    if (section != NETWORK_SECTION_IP_DHCP_HOST) {
        virErrorSet(error, VIR_ERR_NO_SUPPORT,
                    _("can't update the '%s' section of a network: virtd updates only "
                      "'ip-dhcp-host'"),
                    section < G_N_ELEMENTS(networkUpdateSections) ? networkUpdateSections[section]
                                                                  : "unknown");
        return FALSE;
    }
    if (!(obj = networkFindObj(net, error)))
        return FALSE;
    if (!virObjJobBegin(&obj->job, c, "update", NETWORK_JOB_WAIT, error)) {
        networkObjUnref(obj);
        return FALSE;
    }
    g_mutex_lock(&obj->lock);
    active = obj->active;
    persistent = obj->persistent;
    g_mutex_unlock(&obj->lock);
    live = (flags & NETWORK_UPDATE_AFFECT_LIVE) || (!flags && active);
    config = (flags & NETWORK_UPDATE_AFFECT_CONFIG) || (!flags && !active);
    if (live && !active)
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("network is not running"));
    else if (config && !persistent)
        virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                    _("cannot change the persistent configuration of a transient network"));
    else
        ok = networkUpdateLocked(obj, command, parent_index, xml, live, config, error);
    virObjJobEnd(&obj->job);
    networkObjUnref(obj);
    return ok;
}

static GArray *
networkGetDHCPLeases(virCaller *c, const virNetworkHandle *net, const char *mac,
                     unsigned int flags, GError **error)
{
    virNetworkObj *obj;
    GArray *leases;

    if (!virDriverCheckFlags(flags, 0, "virNetworkGetDHCPLeases", error) ||
        !(obj = networkFindObj(net, error)))
        return NULL;
    leases = networkProcessGetLeases(&networkState, obj, mac, error);
    networkObjUnref(obj);
    return leases;
}

static const virNetworkDriver networkDriver = {
    .networkLookupByName = networkLookupByName,
    .networkLookupByUUID = networkLookupByUUID,
    .connectListAllNetworks = networkListAll,
    .networkDefineXML = networkDefineXML,
    .networkUndefine = networkUndefine,
    .networkGetXMLDesc = networkGetXMLDesc,
    .networkGetAutostart = networkGetAutostart,
    .networkSetAutostart = networkSetAutostart,
    .networkGetBridgeName = networkGetBridgeName,
    .networkIsActive = networkIsActive,
    .networkIsPersistent = networkIsPersistent,
    .networkCreate = networkCreate,
    .networkCreateXML = networkCreateXML,
    .networkDestroy = networkDestroy,
    .networkGetDHCPLeases = networkGetDHCPLeases,
    .networkUpdate = networkUpdate,
    .networkPortAllocate = networkPortAllocate,
    .networkPortPlugged = networkPortPlugged,
    .networkPortRelease = networkPortRelease,
};

/**
 * networkDriverInit:
 *
 * Loads the definitions (<conf_dir>/network), claims the networks a
 * previous virtd left running (<run_dir>/network) and registers the
 * driver.  Before the RPC sockets listen.
 */
gboolean
networkDriverInit(const virtdConfig *cfg, GError **error)
{
    virObjListInit(&networkState.list, &networkObjListClass, "network", cfg->conf_dir, "network",
                   &networkState);
    if (!networkProcessInit(&networkState, cfg, error))
        return FALSE;
    networkProcessReconnectClaimAll(&networkState);
    virDriverRegisterNetwork(&networkDriver);
    return TRUE;
}

/**
 * networkDriverReconnect:
 *
 * Once the RPC sockets listen: the claimed networks are checked and get
 * their 'reconnect' hook, then autostart.
 */
void
networkDriverReconnect(void)
{
    networkProcessReconnectAll(&networkState);
}

void
networkDriverShutdown(void)
{
    networkProcessShutdown(&networkState);
    virObjListClear(&networkState.list);
}

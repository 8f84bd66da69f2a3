/*
 * network_driver.c: the network driver's API entry points
 *
 * Definitions for now: define / undefine / list / XML / autostart, stored
 * as <conf_dir>/network/<name>.xml.  Starting networks (bridge, NAT,
 * dnsmasq, hooks) comes with network_process.c.
 */
#define G_LOG_DOMAIN "virtd.network"

#include "network_driver.h"

#include <glib/gi18n.h>
#include <string.h>

#include "network_conf.h"
#include "virconfigdir.h"
#include "virdriver.h"
#include "virobjtable.h"

#define NETWORK_XML_FLAGS VIR_NETWORK_XML_INACTIVE
#define NETWORK_LIST_FLAGS 0x3f
#define NETWORK_DEFINE_FLAGS VIR_NETWORK_DEFINE_VALIDATE
#define NETWORK_BRIDGE_PREFIX "virbr"

typedef struct {
    GMutex lock;            /* guards the fields below */
    virNetworkDef *def;
    gboolean active;
    gboolean persistent;
    gboolean autostart;
} virNetworkObj;

typedef struct {
    virObjectTable *nets;
    virConfigDir cfg;
    GMutex define_lock;     /* serialises definition changes */
} virNetworkDriverState;

static virNetworkDriverState networkState;

static void
virNetworkObjClear(gpointer data)
{
    virNetworkObj *obj = data;

    g_clear_pointer(&obj->def, virNetworkDefFree);
    g_mutex_clear(&obj->lock);
}

static virNetworkObj *
virNetworkObjNew(virNetworkDef *def)
{
    virNetworkObj *obj = g_atomic_rc_box_new0(virNetworkObj);

    g_mutex_init(&obj->lock);
    obj->def = def;
    obj->persistent = TRUE;
    return obj;
}

static void
networkObjUnref(virNetworkObj *obj)
{
    virObjectTableUnref(networkState.nets, obj);
}

static void
networkObjFillHandle(virNetworkObj *obj, virNetworkHandle *out)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    out->name = g_strdup(obj->def->name);
    memcpy(out->uuid, obj->def->uuid, VIR_UUID_BUFLEN);
}

static virNetworkObj *
networkFindObj(const virNetworkHandle *net, GError **error)
{
    virNetworkObj *obj = virObjectTableFind(networkState.nets, net->uuid, net->name);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!obj) {
        virUUIDFormat(net->uuid, uuidstr);
        virErrorSet(error, VIR_ERR_NO_NETWORK, _("no network with matching uuid '%s' (%s)"),
                    uuidstr, net->name ? net->name : "?");
    }
    return obj;
}

static void
networkLoadOne(const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virNetworkDef) def = virNetworkDefParseFile(path, 0, &err);
    g_autofree char *base = g_path_get_basename(path);
    virNetworkObj *obj;

    if (!def) {
        g_warning(_("skipping network definition '%s': %s"), path, err->message);
        return;
    }
    base[strlen(base) - strlen(".xml")] = '\0';
    if (strcmp(base, def->name) != 0) {
        g_warning(_("skipping network definition '%s': it defines network '%s', not '%s'"),
                  path, def->name, base);
        return;
    }
    obj = virNetworkObjNew(g_steal_pointer(&def));
    obj->autostart = virConfigDirIsAutostart(&networkState.cfg, obj->def->name);
    if (!virObjectTableAdd(networkState.nets, obj->def->name, obj->def->uuid, obj))
        g_warning(_("skipping network definition '%s': its name or uuid is already in use"),
                  path);
    networkObjUnref(obj);
}

static gboolean
networkLookupByName(virCaller *c, const char *name, virNetworkHandle *out, GError **error)
{
    virNetworkObj *obj = virObjectTableFindByName(networkState.nets, name);

    if (!obj) {
        virErrorSet(error, VIR_ERR_NO_NETWORK, _("no network with matching name '%s'"), name);
        return FALSE;
    }
    networkObjFillHandle(obj, out);
    networkObjUnref(obj);
    return TRUE;
}

static gboolean
networkLookupByUUID(virCaller *c, const unsigned char *uuid, virNetworkHandle *out,
                    GError **error)
{
    virNetworkObj *obj = virObjectTableFindByUUID(networkState.nets, uuid);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!obj) {
        virUUIDFormat(uuid, uuidstr);
        virErrorSet(error, VIR_ERR_NO_NETWORK, _("no network with matching uuid '%s'"), uuidstr);
        return FALSE;
    }
    networkObjFillHandle(obj, out);
    networkObjUnref(obj);
    return TRUE;
}

static gboolean
networkMatch(virNetworkObj *obj, unsigned int flags)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

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
    objs = virObjectTableList(networkState.nets);
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
    g_autoptr(GPtrArray) objs = virObjectTableList(networkState.nets);
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

static gboolean
networkAssignDef(virNetworkDef *def, virNetworkHandle *out)
{
    virNetworkObj *obj = virObjectTableFindByUUID(networkState.nets, def->uuid);
    gboolean updated = obj != NULL;

    if (obj) {
        g_mutex_lock(&obj->lock);
        virNetworkDefFree(obj->def);
        obj->def = def;
        obj->persistent = TRUE;
        g_mutex_unlock(&obj->lock);
    } else {
        obj = virNetworkObjNew(def);
        virObjectTableAdd(networkState.nets, def->name, def->uuid, obj);
    }
    networkObjFillHandle(obj, out);
    networkObjUnref(obj);
    return updated;
}

static gboolean
networkDefineXML(virCaller *c, const char *xml, unsigned int flags, virNetworkHandle *out,
                 GError **error)
{
    g_autoptr(virNetworkDef) def = NULL;
    g_autoptr(GMutexLocker) locker = NULL;
    g_autofree char *formatted = NULL;
    gboolean updated;

    if (!virDriverCheckFlags(flags, NETWORK_DEFINE_FLAGS, "virNetworkDefineXMLFlags", error) ||
        !(def = virNetworkDefParseString(xml, 0, error)))
        return FALSE;
    locker = g_mutex_locker_new(&networkState.define_lock);
    if (!virObjectTableCheckClash(networkState.nets, def->name, def->uuid, "network",
                                  VIR_ERR_OPERATION_FAILED, error) ||
        !networkAssignBridge(def, error))
        return FALSE;
    formatted = virNetworkDefFormat(def, 0);
    if (!virConfigDirSave(&networkState.cfg, def->name, formatted, error))
        return FALSE;
    updated = networkAssignDef(g_steal_pointer(&def), out);
    g_info(_("network '%s' %s"), out->name, updated ? _("redefined") : _("defined"));
    virDriverEmitNetworkEvent(out, VIR_NETWORK_EVENT_DEFINED, 0);
    return TRUE;
}

static gboolean
networkUndefine(virCaller *c, const virNetworkHandle *net, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&networkState.define_lock);
    g_auto(virNetworkHandle) h = {0};
    virNetworkObj *obj = networkFindObj(net, error);
    gboolean active;

    if (!obj)
        return FALSE;
    networkObjFillHandle(obj, &h);
    if (!virConfigDirDelete(&networkState.cfg, h.name, error)) {
        networkObjUnref(obj);
        return FALSE;
    }
    g_mutex_lock(&obj->lock);
    active = obj->active;
    obj->persistent = FALSE;
    obj->autostart = FALSE;
    g_mutex_unlock(&obj->lock);
    if (!active)
        virObjectTableRemove(networkState.nets, h.name, h.uuid);
    networkObjUnref(obj);
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
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&networkState.define_lock);
    g_auto(virNetworkHandle) h = {0};
    virNetworkObj *obj = networkFindObj(net, error);
    gboolean ok = FALSE;

    if (!obj)
        return FALSE;
    networkObjFillHandle(obj, &h);
    if (!obj->persistent) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                    _("cannot set autostart for transient network '%s'"), h.name);
    } else if (virConfigDirSetAutostart(&networkState.cfg, h.name, autostart != 0, error)) {
        g_mutex_lock(&obj->lock);
        obj->autostart = autostart != 0;
        g_mutex_unlock(&obj->lock);
        ok = TRUE;
    }
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
};

/**
 * networkDriverInit:
 * @conf_dir: [paths] conf_dir; definitions live in <conf_dir>/network
 *
 * Loads the definitions and registers the driver.
 */
gboolean
networkDriverInit(const char *conf_dir, GError **error)
{
    g_autoptr(GPtrArray) paths = NULL;

    g_mutex_init(&networkState.define_lock);
    networkState.nets = virObjectTableNew(virNetworkObjClear);
    virConfigDirInit(&networkState.cfg, conf_dir, "network");
    paths = virConfigDirList(&networkState.cfg);
    for (guint i = 0; i < paths->len; i++)
        networkLoadOne(g_ptr_array_index(paths, i));
    g_info(_("network driver: %u network definitions loaded from '%s'"), paths->len,
           networkState.cfg.dir);
    virDriverRegisterNetwork(&networkDriver);
    return TRUE;
}

void
networkDriverShutdown(void)
{
    g_clear_pointer(&networkState.nets, virObjectTableFree);
    virConfigDirClear(&networkState.cfg);
}

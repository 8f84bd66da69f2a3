/*
 * virdomaindriver.c: domain definitions, shared by the qemu and lxc drivers
 */
#define G_LOG_DOMAIN "virtd.driver"

#include "virdomaindriver.h"

#include <glib/gi18n.h>
#include <string.h>

#define DEFINE_FLAGS VIR_DOMAIN_DEFINE_VALIDATE
/* managed-save, snapshots, nvram, keep-nvram, checkpoints, tpm, keep-tpm:
 * virtd keeps none of these, so there is nothing to remove or keep */
#define UNDEFINE_FLAGS 0x7f
#define XML_FLAGS                                                                              \
    (VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_UPDATE_CPU |             \
     VIR_DOMAIN_XML_MIGRATABLE)
#define LIST_FLAGS 0xffff

static void
virDomainObjClear(gpointer data)
{
    virDomainObj *obj = data;

    g_clear_pointer(&obj->def, virDomainDefFree);
    g_clear_pointer(&obj->newDef, virDomainDefFree);
    if (obj->priv && obj->priv_free)
        obj->priv_free(obj->priv);
    virObjJobClear(&obj->job);
    g_mutex_clear(&obj->lock);
}

static const char *
virDomainObjName(gconstpointer owner)
{
    const virDomainObj *obj = owner;

    return obj->def->name;
}

static const unsigned char *
virDomainObjUUID(gconstpointer owner)
{
    const virDomainObj *obj = owner;

    return obj->def->uuid;
}

static const virObjJobClass virDomainObjJobClass = {
    .kind = "domain",
    .no_object_code = VIR_ERR_NO_DOMAIN,
    .name = virDomainObjName,
    .uuid = virDomainObjUUID,
};

static virDomainObj *
virDomainObjNew(virDomainDef *def)
{
    virDomainObj *obj = g_atomic_rc_box_new0(virDomainObj);

    g_mutex_init(&obj->lock);
    virObjJobInit(&obj->job, &virDomainObjJobClass, obj, &obj->lock);
    obj->def = def;
    obj->id = -1;
    obj->state = VIR_DOMAIN_SHUTOFF;
    obj->reason = VIR_DOMAIN_SHUTOFF_UNKNOWN;
    obj->persistent = TRUE;
    return obj;
}

void
virDomainDriverObjUnref(virDomainDriverState *st, virDomainObj *obj)
{
    virObjectTableUnref(st->doms, obj);
}

/* The object's handle, as the wire wants it. */
void
virDomainObjFillHandle(virDomainObj *obj, virDomainHandle *out)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    out->name = g_strdup(obj->def->name);
    memcpy(out->uuid, obj->def->uuid, VIR_UUID_BUFLEN);
    out->id = obj->id;
}

static gboolean
virDomainDriverTypeAccepted(virDomainDriverState *st, virDomainVirtType type)
{
    for (guint i = 0; i < st->n_virt_types; i++) {
        if (st->virt_types[i] == type)
            return TRUE;
    }
    return FALSE;
}

static gboolean
virDomainDriverCheckType(virDomainDriverState *st, const virDomainDef *def, GError **error)
{
    if (virDomainDriverTypeAccepted(st, def->virt_type))
        return TRUE;
    virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                _("domain type '%s' is not handled by the %s driver (connect to %s:///system)"),
                virDomainVirtTypeToString(def->virt_type), st->table->name,
                def->virt_type == VIR_DOMAIN_VIRT_LXC ? "lxc" : "qemu");
    return FALSE;
}

/* Loads one <dir>/<name>.xml; a broken file is logged and skipped. */
static void
virDomainDriverLoadOne(virDomainDriverState *st, const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) def = virDomainDefParseFile(path, 0, &err);
    g_autofree char *base = g_path_get_basename(path);
    virDomainObj *obj;

    if (!def || !virDomainDriverCheckType(st, def, &err)) {
        g_warning(_("skipping domain definition '%s': %s"), path, err->message);
        return;
    }
    base[strlen(base) - strlen(".xml")] = '\0';
    if (strcmp(base, def->name) != 0) {
        g_warning(_("skipping domain definition '%s': it defines domain '%s', not '%s'"), path,
                  def->name, base);
        return;
    }
    obj = virDomainObjNew(g_steal_pointer(&def));
    obj->autostart = virConfigDirIsAutostart(&st->cfg, obj->def->name);
    if (!virObjectTableAdd(st->doms, obj->def->name, obj->def->uuid, obj))
        g_warning(_("skipping domain definition '%s': its name or uuid is already in use"),
                  path);
    virDomainDriverObjUnref(st, obj);
}

/**
 * virDomainDriverStateInit:
 * @st: with table, dirname and virt_types filled in
 * @conf_dir: [paths] conf_dir
 *
 * Loads every definition of <conf_dir>/<dirname>/.  Broken files are
 * logged and skipped, never deleted.
 */
gboolean
virDomainDriverStateInit(virDomainDriverState *st, const char *conf_dir, GError **error)
{
    g_autoptr(GPtrArray) paths = NULL;

    g_mutex_init(&st->define_lock);
    st->doms = virObjectTableNew(virDomainObjClear);
    virConfigDirInit(&st->cfg, conf_dir, st->dirname);
    paths = virConfigDirList(&st->cfg);
    for (guint i = 0; i < paths->len; i++)
        virDomainDriverLoadOne(st, g_ptr_array_index(paths, i));
    g_info(_("%s driver: %u domain definitions loaded from '%s'"), st->table->name, paths->len,
           st->cfg.dir);
    return TRUE;
}

void
virDomainDriverStateClear(virDomainDriverState *st)
{
    g_clear_pointer(&st->doms, virObjectTableFree);
    virConfigDirClear(&st->cfg);
    g_mutex_clear(&st->define_lock);
}

/**
 * virDomainDriverFindObj:
 *
 * Resolves a client's handle: by UUID, else by name.
 *
 * Returns: (transfer full): the object (unref with virDomainDriverObjUnref),
 * or NULL with VIR_ERR_NO_DOMAIN.
 */
virDomainObj *
virDomainDriverFindObj(virDomainDriverState *st, const virDomainHandle *dom, GError **error)
{
    virDomainObj *obj = virObjectTableFind(st->doms, dom->uuid, dom->name);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!obj) {
        virUUIDFormat(dom->uuid, uuidstr);
        virErrorSet(error, VIR_ERR_NO_DOMAIN, _("no domain with matching uuid '%s' (%s)"),
                    uuidstr, dom->name ? dom->name : "?");
    }
    return obj;
}

static gboolean
virDomainDriverReturnHandle(virDomainDriverState *st, virDomainObj *obj, virDomainHandle *out)
{
    virDomainObjFillHandle(obj, out);
    virDomainDriverObjUnref(st, obj);
    return TRUE;
}

gboolean
virDomainDriverLookupByName(virDomainDriverState *st, const char *name, virDomainHandle *out,
                            GError **error)
{
    virDomainObj *obj = virObjectTableFindByName(st->doms, name);

    if (!obj) {
        virErrorSet(error, VIR_ERR_NO_DOMAIN, _("no domain with matching name '%s'"), name);
        return FALSE;
    }
    return virDomainDriverReturnHandle(st, obj, out);
}

gboolean
virDomainDriverLookupByUUID(virDomainDriverState *st, const unsigned char *uuid,
                            virDomainHandle *out, GError **error)
{
    virDomainObj *obj = virObjectTableFindByUUID(st->doms, uuid);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!obj) {
        virUUIDFormat(uuid, uuidstr);
        virErrorSet(error, VIR_ERR_NO_DOMAIN, _("no domain with matching uuid '%s'"), uuidstr);
        return FALSE;
    }
    return virDomainDriverReturnHandle(st, obj, out);
}

gboolean
virDomainDriverLookupByID(virDomainDriverState *st, int id, virDomainHandle *out,
                          GError **error)
{
    g_autoptr(GPtrArray) objs = virObjectTableList(st->doms);
    virDomainObj *found = NULL;

    for (guint i = 0; i < objs->len; i++) {
        virDomainObj *obj = g_ptr_array_index(objs, i);

        g_mutex_lock(&obj->lock);
        if (!found && id >= 0 && obj->id == id)
            found = g_atomic_rc_box_acquire(obj);
        g_mutex_unlock(&obj->lock);
        virDomainDriverObjUnref(st, obj);
    }
    if (!found) {
        virErrorSet(error, VIR_ERR_NO_DOMAIN, _("no domain with matching id %d"), id);
        return FALSE;
    }
    return virDomainDriverReturnHandle(st, found, out);
}

static gboolean
virDomainDriverMatchState(unsigned int flags, int state)
{
    unsigned int group = VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED |
                         VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER;

    if (!(flags & group))
        return TRUE;
    switch (state) {
    case VIR_DOMAIN_RUNNING:
        return flags & VIR_CONNECT_LIST_DOMAINS_RUNNING;
    case VIR_DOMAIN_PAUSED:
        return flags & VIR_CONNECT_LIST_DOMAINS_PAUSED;
    case VIR_DOMAIN_SHUTOFF:
        return flags & VIR_CONNECT_LIST_DOMAINS_SHUTOFF;
    default:
        return flags & VIR_CONNECT_LIST_DOMAINS_OTHER;
    }
}

static gboolean
virDomainDriverMatch(virDomainObj *obj, unsigned int flags)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    return virDriverMatchFlagPair(flags, VIR_CONNECT_LIST_DOMAINS_ACTIVE,
                                    VIR_CONNECT_LIST_DOMAINS_INACTIVE, obj->id != -1) &&
           virDriverMatchFlagPair(flags, VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
                                    VIR_CONNECT_LIST_DOMAINS_TRANSIENT, obj->persistent) &&
           virDomainDriverMatchState(flags, obj->state) &&
           virDriverMatchFlagPair(flags, VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
                                    VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE, FALSE) &&
           virDriverMatchFlagPair(flags, VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
                                    VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, obj->autostart) &&
           virDriverMatchFlagPair(flags, VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
                                    VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, FALSE) &&
           virDriverMatchFlagPair(flags, VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT,
                                    VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT, FALSE);
}

/**
 * virDomainDriverListAll:
 * @flags: virConnectListAllDomainsFlags; 0 = all
 *
 * Returns: (transfer full): handles of the matching domains, by name.
 */
GArray *
virDomainDriverListAll(virDomainDriverState *st, unsigned int flags, GError **error)
{
    g_autoptr(GPtrArray) objs = NULL;
    GArray *handles;

    if (!virDriverCheckFlags(flags, LIST_FLAGS, "virConnectListAllDomains", error))
        return NULL;
    objs = virObjectTableList(st->doms);
    handles = virDomainHandleArrayNew();
    for (guint i = 0; i < objs->len; i++) {
        virDomainObj *obj = g_ptr_array_index(objs, i);

        if (virDomainDriverMatch(obj, flags)) {
            virDomainHandle h = {0};
            virDomainObjFillHandle(obj, &h);
            g_array_append_val(handles, h);
        }
        virDomainDriverObjUnref(st, obj);
    }
    return handles;
}

/* Stores @def in memory (the file is already written). Returns TRUE if it
 * replaced an existing definition. */
static gboolean
virDomainDriverAssignDef(virDomainDriverState *st, virDomainDef *def, virDomainHandle *out)
{
    virDomainObj *obj = virObjectTableFindByUUID(st->doms, def->uuid);
    gboolean updated = obj != NULL;

    if (obj) {
        g_mutex_lock(&obj->lock);
        if (obj->id != -1) {
            g_clear_pointer(&obj->newDef, virDomainDefFree);
            obj->newDef = def;
        } else {
            virDomainDefFree(obj->def);
            obj->def = def;
        }
        obj->persistent = TRUE;
        g_mutex_unlock(&obj->lock);
    } else {
        obj = virDomainObjNew(def);
        virObjectTableAdd(st->doms, def->name, def->uuid, obj);
    }
    virDomainObjFillHandle(obj, out);
    virDomainDriverObjUnref(st, obj);
    return updated;
}

/**
 * virDomainDriverDefineXML:
 *
 * Parses, validates and saves a persistent definition (atomically), then
 * makes it current.  Nothing is written when anything is wrong.
 */
gboolean
virDomainDriverDefineXML(virDomainDriverState *st, const char *xml, unsigned int flags,
                         virDomainHandle *out, GError **error)
{
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(GMutexLocker) locker = NULL;
    g_autofree char *formatted = NULL;
    gboolean updated;

    if (!virDriverCheckFlags(flags, DEFINE_FLAGS, "virDomainDefineXMLFlags", error) ||
        !(def = virDomainDefParseString(xml, 0, error)) ||
        !virDomainDriverCheckType(st, def, error))
        return FALSE;

    locker = g_mutex_locker_new(&st->define_lock);
    if (!virObjectTableCheckClash(st->doms, def->name, def->uuid, "domain",
                                  VIR_ERR_OPERATION_FAILED, error))
        return FALSE;
    formatted = virDomainDefFormat(def, -1, 0);
    if (!virConfigDirSave(&st->cfg, def->name, formatted, error))
        return FALSE;
    updated = virDomainDriverAssignDef(st, g_steal_pointer(&def), out);
    g_info(_("domain '%s' %s"), out->name, updated ? _("redefined") : _("defined"));
    virDriverEmitDomainEvent(st->table, out, VIR_DOMAIN_EVENT_DEFINED,
                             updated ? VIR_DOMAIN_EVENT_DEFINED_UPDATED
                                     : VIR_DOMAIN_EVENT_DEFINED_ADDED);
    return TRUE;
}

/**
 * virDomainDriverUndefine:
 *
 * Removes the persistent definition (and autostart link).  A running
 * domain stays, as a transient one.
 */
gboolean
virDomainDriverUndefine(virDomainDriverState *st, const virDomainHandle *dom,
                        unsigned int flags, GError **error)
{
    g_autoptr(GMutexLocker) locker = NULL;
    g_auto(virDomainHandle) h = {0};
    virDomainObj *obj;
    gboolean running;

    if (!virDriverCheckFlags(flags, UNDEFINE_FLAGS, "virDomainUndefineFlags", error))
        return FALSE;
    locker = g_mutex_locker_new(&st->define_lock);
    if (!(obj = virDomainDriverFindObj(st, dom, error)))
        return FALSE;
    virDomainObjFillHandle(obj, &h);
    if (!obj->persistent) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("cannot undefine transient domain '%s'"),
                    h.name);
        virDomainDriverObjUnref(st, obj);
        return FALSE;
    }
    if (!virConfigDirDelete(&st->cfg, h.name, error)) {
        virDomainDriverObjUnref(st, obj);
        return FALSE;
    }
    g_mutex_lock(&obj->lock);
    running = obj->id != -1;
    obj->persistent = FALSE;
    obj->autostart = FALSE;
    g_clear_pointer(&obj->newDef, virDomainDefFree);
    obj->job.removed = !running;
    g_mutex_unlock(&obj->lock);
    if (!running)
        virObjectTableRemove(st->doms, h.name, h.uuid);
    virDomainDriverObjUnref(st, obj);
    g_info(_("domain '%s' undefined"), h.name);
    virDriverEmitDomainEvent(st->table, &h, VIR_DOMAIN_EVENT_UNDEFINED,
                             VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
    return TRUE;
}

char *
virDomainDriverGetXMLDesc(virDomainDriverState *st, const virDomainHandle *dom,
                          unsigned int flags, GError **error)
{
    virDomainObj *obj;
    char *xml;

    if (!virDriverCheckFlags(flags, XML_FLAGS, "virDomainGetXMLDesc", error) ||
        !(obj = virDomainDriverFindObj(st, dom, error)))
        return NULL;
    g_mutex_lock(&obj->lock);
    if ((flags & VIR_DOMAIN_XML_INACTIVE) && obj->newDef)
        xml = virDomainDefFormat(obj->newDef, -1, 0);
    else
        xml = virDomainDefFormat(obj->def, (flags & VIR_DOMAIN_XML_INACTIVE) ? -1 : obj->id, 0);
    g_mutex_unlock(&obj->lock);
    virDomainDriverObjUnref(st, obj);
    return xml;
}

gboolean
virDomainDriverGetState(virDomainDriverState *st, const virDomainHandle *dom, int *state,
                        int *reason, GError **error)
{
    virDomainObj *obj = virDomainDriverFindObj(st, dom, error);

    if (!obj)
        return FALSE;
    g_mutex_lock(&obj->lock);
    *state = obj->state;
    *reason = obj->reason;
    g_mutex_unlock(&obj->lock);
    virDomainDriverObjUnref(st, obj);
    return TRUE;
}

gboolean
virDomainDriverGetInfo(virDomainDriverState *st, const virDomainHandle *dom,
                       virDomainInfo *info, GError **error)
{
    virDomainObj *obj = virDomainDriverFindObj(st, dom, error);

    if (!obj)
        return FALSE;
    g_mutex_lock(&obj->lock);
    info->state = obj->state;
    info->max_mem_kib = obj->def->memory_kib;
    info->memory_kib = obj->def->current_memory_kib;
    info->nr_virt_cpu = obj->def->vcpus;
    info->cpu_time_ns = obj->id != -1 && st->cpu_time ? st->cpu_time(obj) : 0;
    g_mutex_unlock(&obj->lock);
    virDomainDriverObjUnref(st, obj);
    return TRUE;
}

char *
virDomainDriverGetOSType(virDomainDriverState *st, const virDomainHandle *dom, GError **error)
{
    virDomainObj *obj = virDomainDriverFindObj(st, dom, error);
    char *type;

    if (!obj)
        return NULL;
    g_mutex_lock(&obj->lock);
    type = g_strdup(obj->def->os.type);
    g_mutex_unlock(&obj->lock);
    virDomainDriverObjUnref(st, obj);
    return type;
}

typedef enum {
    OBJ_FIELD_ACTIVE,
    OBJ_FIELD_PERSISTENT,
    OBJ_FIELD_AUTOSTART,
} virDomainObjField;

static int
virDomainDriverGetFlag(virDomainDriverState *st, const virDomainHandle *dom,
                       virDomainObjField field, GError **error)
{
    virDomainObj *obj = virDomainDriverFindObj(st, dom, error);
    int ret = -1;

    if (!obj)
        return -1;
    g_mutex_lock(&obj->lock);
    switch (field) {
    case OBJ_FIELD_ACTIVE:
        ret = obj->id != -1;
        break;
    case OBJ_FIELD_PERSISTENT:
        ret = obj->persistent;
        break;
    case OBJ_FIELD_AUTOSTART:
        ret = obj->autostart;
        break;
    }
    g_mutex_unlock(&obj->lock);
    virDomainDriverObjUnref(st, obj);
    return ret;
}

int
virDomainDriverIsActive(virDomainDriverState *st, const virDomainHandle *dom, GError **error)
{
    return virDomainDriverGetFlag(st, dom, OBJ_FIELD_ACTIVE, error);
}

int
virDomainDriverIsPersistent(virDomainDriverState *st, const virDomainHandle *dom,
                            GError **error)
{
    return virDomainDriverGetFlag(st, dom, OBJ_FIELD_PERSISTENT, error);
}

int
virDomainDriverGetAutostart(virDomainDriverState *st, const virDomainHandle *dom,
                            GError **error)
{
    return virDomainDriverGetFlag(st, dom, OBJ_FIELD_AUTOSTART, error);
}

gboolean
virDomainDriverSetAutostart(virDomainDriverState *st, const virDomainHandle *dom, int autostart,
                            GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&st->define_lock);
    g_auto(virDomainHandle) h = {0};
    virDomainObj *obj = virDomainDriverFindObj(st, dom, error);
    gboolean ok = FALSE;

    if (!obj)
        return FALSE;
    virDomainObjFillHandle(obj, &h);
    if (!obj->persistent) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                    _("cannot set autostart for transient domain '%s'"), h.name);
    } else if (virConfigDirSetAutostart(&st->cfg, h.name, autostart != 0, error)) {
        g_mutex_lock(&obj->lock);
        obj->autostart = autostart != 0;
        g_mutex_unlock(&obj->lock);
        ok = TRUE;
    }
    virDomainDriverObjUnref(st, obj);
    return ok;
}

gpointer
virDomainStatusDefParse(const char *xml, GError **error)
{
    return virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_STATUS, error);
}

char *
virDomainStatusDefFormat(gconstpointer def, const virObjStatus *st)
{
    return virDomainDefFormat(def, st->id, 0);
}

const char *
virDomainStatusDefName(gconstpointer def)
{
    return ((const virDomainDef *)def)->name;
}

void
virDomainStatusDefFree(gpointer def)
{
    virDomainDefFree(def);
}

/**
 * virDomainDriverAddTransient:
 *
 * Adds a domain that has no persistent definition (createXML).
 *
 * Returns: (transfer full): the new object, or NULL on a name/uuid clash.
 */
virDomainObj *
virDomainDriverAddTransient(virDomainDriverState *st, virDomainDef *def, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&st->define_lock);
    virDomainObj *obj;

    if (!virDomainDriverCheckType(st, def, error) ||
        !virObjectTableCheckClash(st->doms, def->name, def->uuid, "domain",
                                  VIR_ERR_OPERATION_FAILED, error)) {
        virDomainDefFree(def);
        return NULL;
    }
    obj = virDomainObjNew(def);
    obj->persistent = FALSE;
    virObjectTableAdd(st->doms, def->name, def->uuid, obj);
    return obj;
}

/* After a stop: a transient domain disappears. */
void
virDomainDriverRemoveIfTransient(virDomainDriverState *st, virDomainObj *obj)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&st->define_lock);
    g_autofree char *name = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    gboolean remove;

    g_mutex_lock(&obj->lock);
    remove = !obj->persistent && obj->id == -1;
    obj->job.removed = obj->job.removed || remove;
    name = g_strdup(obj->def->name);
    memcpy(uuid, obj->def->uuid, VIR_UUID_BUFLEN);
    g_mutex_unlock(&obj->lock);
    if (remove)
        virObjectTableRemove(st->doms, name, uuid);
}

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
    virObjListUnref(&st->list, obj);
}

/* The object's handle, as the wire wants it. */
void
virDomainObjFillHandle(virDomainObj *obj, virDomainHandle *out)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

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

static gpointer
virDomainObjListNew(gpointer def)
{
    return virDomainObjNew(def);
}

static gboolean
virDomainObjIsActive(gconstpointer obj)
{
    return ((const virDomainObj *)obj)->id != -1;
}

static gpointer
virDomainListDefParse(const char *xml, GError **error)
{
    return virDomainDefParseString(xml, 0, error);
}

static gpointer
virDomainListDefParseFile(const char *path, GError **error)
{
    return virDomainDefParseFile(path, 0, error);
}

static char *
virDomainListDefFormat(gconstpointer def)
{
    return virDomainDefFormat(def, -1, 0);
}

static const unsigned char *
virDomainDriverDefUUID(gconstpointer def)
{
    return ((const virDomainDef *)def)->uuid;
}

static gboolean
virDomainListDefCheck(virObjList *list, gpointer def, gboolean defining, GError **error)
{
    return virDomainDriverCheckType(list->opaque, def, error);
}

static const virObjListClass virDomainObjListClass = {
    .kind = "domain",
    .no_object_code = VIR_ERR_NO_DOMAIN,
    .lock_offset = G_STRUCT_OFFSET(virDomainObj, lock),
    .def_offset = G_STRUCT_OFFSET(virDomainObj, def),
    .newdef_offset = G_STRUCT_OFFSET(virDomainObj, newDef),
    .persistent_offset = G_STRUCT_OFFSET(virDomainObj, persistent),
    .autostart_offset = G_STRUCT_OFFSET(virDomainObj, autostart),
    .job_offset = G_STRUCT_OFFSET(virDomainObj, job),
    .obj_new = virDomainObjListNew,
    .obj_clear = virDomainObjClear,
    .is_active = virDomainObjIsActive,
    .def_parse = virDomainListDefParse,
    .def_parse_file = virDomainListDefParseFile,
    .def_format = virDomainListDefFormat,
    .def_name = virDomainDriverDefName,
    .def_uuid = virDomainDriverDefUUID,
    .def_free = virDomainDriverDefFree,
    .def_check = virDomainListDefCheck,
};

/**
 * virDomainDriverStateInit:
 * @st: with table, dirname and virt_types filled in
 * @conf_dir: [paths] conf_dir
 *
 * Loads every definition of <conf_dir>/<dirname>/ (virobjlist.h).
 */
gboolean
virDomainDriverStateInit(virDomainDriverState *st, const char *conf_dir, GError **error)
{
    virObjListInit(&st->list, &virDomainObjListClass, st->table->name, conf_dir, st->dirname,
                   st);
    return TRUE;
}

void
virDomainDriverStateClear(virDomainDriverState *st)
{
    virObjListClear(&st->list);
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
    return virObjListFind(&st->list, dom->uuid, dom->name, error);
}

static gboolean
virDomainDriverReturnHandle(virDomainDriverState *st, virDomainObj *obj, virDomainHandle *out)
{
    if (!obj)
        return FALSE;
    virDomainObjFillHandle(obj, out);
    virDomainDriverObjUnref(st, obj);
    return TRUE;
}

gboolean
virDomainDriverLookupByName(virDomainDriverState *st, const char *name, virDomainHandle *out,
                            GError **error)
{
    return virDomainDriverReturnHandle(st, virObjListFindByName(&st->list, name, error), out);
}

gboolean
virDomainDriverLookupByUUID(virDomainDriverState *st, const unsigned char *uuid,
                            virDomainHandle *out, GError **error)
{
    return virDomainDriverReturnHandle(st, virObjListFindByUUID(&st->list, uuid, error), out);
}

gboolean
virDomainDriverLookupByID(virDomainDriverState *st, int id, virDomainHandle *out,
                          GError **error)
{
    g_autoptr(GPtrArray) objs = virObjListAll(&st->list);
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
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

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
    objs = virObjListAll(&st->list);
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
    virDomainObj *obj;
    gboolean updated;

    if (!virDriverCheckFlags(flags, DEFINE_FLAGS, "virDomainDefineXMLFlags", error) ||
        !(obj = virObjListDefine(&st->list, xml, &updated, error)))
        return FALSE;
    virDomainObjFillHandle(obj, out);
    virDomainDriverObjUnref(st, obj);
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
    g_auto(virDomainHandle) h = {0};
    virDomainObj *obj;
    gboolean ok;

    if (!virDriverCheckFlags(flags, UNDEFINE_FLAGS, "virDomainUndefineFlags", error) ||
        !(obj = virDomainDriverFindObj(st, dom, error)))
        return FALSE;
    virDomainObjFillHandle(obj, &h);
    ok = virObjListUndefine(&st->list, obj, error);
    virDomainDriverObjUnref(st, obj);
    if (!ok)
        return FALSE;
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
    virDomainObj *obj = virDomainDriverFindObj(st, dom, error);
    gboolean ok;

    if (!obj)
        return FALSE;
    ok = virObjListSetAutostart(&st->list, obj, autostart != 0, error);
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
virDomainDriverDefName(gconstpointer def)
{
    return ((const virDomainDef *)def)->name;
}

void
virDomainDriverDefFree(gpointer def)
{
    virDomainDefFree(def);
}

/**
 * virDomainDriverAddTransient:
 * @def: (transfer full)
 *
 * Adds a domain that has no persistent definition (createXML).
 *
 * Returns: (transfer full): the new object, or NULL on a name/uuid clash.
 */
virDomainObj *
virDomainDriverAddTransient(virDomainDriverState *st, virDomainDef *def, GError **error)
{
    return virObjListAddTransient(&st->list, def, error);
}

/* After a stop: a transient domain disappears. */
void
virDomainDriverRemoveIfTransient(virDomainDriverState *st, virDomainObj *obj)
{
    virObjListRemoveIfTransient(&st->list, obj);
}

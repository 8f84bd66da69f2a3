/*
 * virobjlist.c: the objects of one driver and their persistent definitions
 */
#define G_LOG_DOMAIN "virtd.driver"

#include "virobjlist.h"

#include <glib/gi18n.h>
#include <string.h>

#include "virerror.h"
#include "virfile.h"

#define DEF(list, obj) VIR_OBJ_LIST_FIELD(list, obj, gpointer, def)
#define NEWDEF(list, obj) VIR_OBJ_LIST_FIELD(list, obj, gpointer, newdef)
#define PERSISTENT(list, obj) VIR_OBJ_LIST_FIELD(list, obj, gboolean, persistent)
#define AUTOSTART(list, obj) VIR_OBJ_LIST_FIELD(list, obj, gboolean, autostart)

GMutex *
virObjListLock(virObjList *list, gpointer obj)
{
    return &G_STRUCT_MEMBER(GMutex, obj, list->klass->lock_offset);
}

virObjJob *
virObjListJob(virObjList *list, gpointer obj)
{
    return &G_STRUCT_MEMBER(virObjJob, obj, list->klass->job_offset);
}

void
virObjListUnref(virObjList *list, gpointer obj)
{
    virObjectTableUnref(list->objs, obj);
}

/* Loads one <dir>/<name>.xml; a broken file is logged and skipped. */
static void
virObjListLoadOne(virObjList *list, const char *path)
{
    const virObjListClass *k = list->klass;
    g_autoptr(GError) err = NULL;
    gpointer def = k->def_parse_file(path, &err);
    g_autofree char *base = g_path_get_basename(path);
    gpointer obj;

    if (!def || (k->def_check && !k->def_check(list, def, FALSE, &err))) {
        g_warning(_("skipping %s definition '%s': %s"), k->kind, path, err->message);
        if (def)
            k->def_free(def);
        return;
    }
    base[strlen(base) - strlen(".xml")] = '\0';
    if (strcmp(base, k->def_name(def)) != 0) {
        g_warning(_("skipping %s definition '%s': it defines %s '%s', not '%s'"), k->kind, path,
                  k->kind, k->def_name(def), base);
        k->def_free(def);
        return;
    }
    obj = k->obj_new(def);
    AUTOSTART(list, obj) = virConfigDirIsAutostart(&list->cfg, k->def_name(def));
    if (!virObjectTableAdd(list->objs, k->def_name(def), k->def_uuid(def), obj))
        g_warning(_("skipping %s definition '%s': its name or uuid is already in use"), k->kind,
                  path);
    virObjListUnref(list, obj);
}

/**
 * virObjListInit:
 * @label: the driver, for the log ("QEMU", "network")
 * @dirname: definitions live in <conf_dir>/<dirname>/
 * @opaque: the driver's, for the class's def_check
 *
 * Loads every definition.  Broken files are logged and skipped, never
 * deleted; what an interrupted atomic write left is removed.
 *
 * Returns: how many files there were.
 */
guint
virObjListInit(virObjList *list, const virObjListClass *klass, const char *label,
               const char *conf_dir, const char *dirname, gpointer opaque)
{
    g_autoptr(GPtrArray) paths = NULL;

    list->klass = klass;
    list->label = label;
    list->opaque = opaque;
    g_mutex_init(&list->define_lock);
    list->objs = virObjectTableNew(klass->obj_clear);
    virConfigDirInit(&list->cfg, conf_dir, dirname);
    virFileRemoveAtomicTemps(list->cfg.dir, ".xml");
    paths = virConfigDirList(&list->cfg);
    for (guint i = 0; i < paths->len; i++)
        virObjListLoadOne(list, g_ptr_array_index(paths, i));
    g_info(_("%s driver: %u %s definitions loaded from '%s'"), label, paths->len, klass->kind,
           list->cfg.dir);
    return paths->len;
}

void
virObjListClear(virObjList *list)
{
    g_clear_pointer(&list->objs, virObjectTableFree);
    virConfigDirClear(&list->cfg);
    g_mutex_clear(&list->define_lock);
}

/**
 * virObjListFind:
 *
 * Resolves a client's handle: by UUID, else by name.
 *
 * Returns: (transfer full): the object, or NULL with the class's "no
 * such object" error.
 */
gpointer
virObjListFind(virObjList *list, const unsigned char *uuid, const char *name, GError **error)
{
    gpointer obj = virObjectTableFind(list->objs, uuid, name);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!obj) {
        virUUIDFormat(uuid, uuidstr);
        virErrorSet(error, list->klass->no_object_code,
                    _("no %s with matching uuid '%s' (%s)"), list->klass->kind, uuidstr,
                    name ? name : "?");
    }
    return obj;
}

gpointer
virObjListFindByName(virObjList *list, const char *name, GError **error)
{
    gpointer obj = virObjectTableFindByName(list->objs, name);

    if (!obj)
        virErrorSet(error, list->klass->no_object_code, _("no %s with matching name '%s'"),
                    list->klass->kind, name);
    return obj;
}

gpointer
virObjListFindByUUID(virObjList *list, const unsigned char *uuid, GError **error)
{
    gpointer obj = virObjectTableFindByUUID(list->objs, uuid);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!obj) {
        virUUIDFormat(uuid, uuidstr);
        virErrorSet(error, list->klass->no_object_code, _("no %s with matching uuid '%s'"),
                    list->klass->kind, uuidstr);
    }
    return obj;
}

/* Returns: (transfer full): references to every object, by name. */
GPtrArray *
virObjListAll(virObjList *list)
{
    return virObjectTableList(list->objs);
}

/* Makes @def current (its file is written).  Returns: (transfer full)
 * the object. */
static gpointer
virObjListAssign(virObjList *list, gpointer def, gboolean *updated)
{
    const virObjListClass *k = list->klass;
    gpointer obj = virObjectTableFindByUUID(list->objs, k->def_uuid(def));

    *updated = obj != NULL;
    if (obj) {
        GMutex *lock = virObjListLock(list, obj);

        g_mutex_lock(lock);
        if (k->is_active(obj)) {
            if (NEWDEF(list, obj))
                k->def_free(NEWDEF(list, obj));
            NEWDEF(list, obj) = def;
        } else {
            k->def_free(DEF(list, obj));
            DEF(list, obj) = def;
        }
        PERSISTENT(list, obj) = TRUE;
        g_mutex_unlock(lock);
    } else {
        obj = k->obj_new(def);
        virObjectTableAdd(list->objs, k->def_name(def), k->def_uuid(def), obj);
    }
    return obj;
}

/**
 * virObjListDefine:
 * @updated: (out): TRUE if it replaced a definition
 *
 * Parses, checks and saves a persistent definition (atomically), then
 * makes it current.  Nothing is written when anything is wrong.
 *
 * Returns: (transfer full): the object, or NULL.
 */
gpointer
virObjListDefine(virObjList *list, const char *xml, gboolean *updated, GError **error)
{
    const virObjListClass *k = list->klass;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = NULL;
    g_autofree char *formatted = NULL;
    gpointer def = k->def_parse(xml, error);

    if (!def)
        return NULL;
    locker = g_mutex_locker_new(&list->define_lock);
    if ((k->def_check && !k->def_check(list, def, TRUE, error)) ||
        !virObjectTableCheckClash(list->objs, k->def_name(def), k->def_uuid(def), k->kind,
                                  VIR_ERR_OPERATION_FAILED, error))
        goto refused;
    formatted = k->def_format(def);
    if (!virConfigDirSave(&list->cfg, k->def_name(def), formatted, error))
        goto refused;
    return virObjListAssign(list, def, updated);

 refused:
    k->def_free(def);
    return NULL;
}

/**
 * virObjListUndefine:
 *
 * Removes the persistent definition (and autostart link).  An active
 * object stays, as a transient one; an inactive one leaves the table.
 */
gboolean
virObjListUndefine(virObjList *list, gpointer obj, GError **error)
{
    const virObjListClass *k = list->klass;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->define_lock);
    GMutex *lock = virObjListLock(list, obj);
    g_autofree char *name = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    gboolean persistent, active;

    g_mutex_lock(lock);
    name = g_strdup(k->def_name(DEF(list, obj)));
    memcpy(uuid, k->def_uuid(DEF(list, obj)), VIR_UUID_BUFLEN);
    persistent = PERSISTENT(list, obj);
    g_mutex_unlock(lock);
    if (!persistent) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("cannot undefine transient %s '%s'"),
                    k->kind, name);
        return FALSE;
    }
    if (!virConfigDirDelete(&list->cfg, name, error))
        return FALSE;
    g_mutex_lock(lock);
    active = k->is_active(obj);
    PERSISTENT(list, obj) = FALSE;
    AUTOSTART(list, obj) = FALSE;
    if (NEWDEF(list, obj))
        k->def_free(NEWDEF(list, obj));
    NEWDEF(list, obj) = NULL;
    virObjListJob(list, obj)->removed = !active;
    g_mutex_unlock(lock);
    if (!active)
        virObjectTableRemove(list->objs, name, uuid);
    return TRUE;
}

/**
 * virObjListAddTransient:
 * @def: (transfer full)
 *
 * Adds an object that has no persistent definition (createXML).
 *
 * Returns: (transfer full): the new object, or NULL on a clash.
 */
gpointer
virObjListAddTransient(virObjList *list, gpointer def, GError **error)
{
    const virObjListClass *k = list->klass;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->define_lock);
    gpointer obj;

    if ((k->def_check && !k->def_check(list, def, TRUE, error)) ||
        !virObjectTableCheckClash(list->objs, k->def_name(def), k->def_uuid(def), k->kind,
                                  VIR_ERR_OPERATION_FAILED, error)) {
        k->def_free(def);
        return NULL;
    }
    obj = k->obj_new(def);
    PERSISTENT(list, obj) = FALSE;
    virObjectTableAdd(list->objs, k->def_name(def), k->def_uuid(def), obj);
    return obj;
}

/* After a stop: a transient object leaves the table. */
void
virObjListRemoveIfTransient(virObjList *list, gpointer obj)
{
    const virObjListClass *k = list->klass;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->define_lock);
    GMutex *lock = virObjListLock(list, obj);
    g_autofree char *name = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    gboolean remove;

    g_mutex_lock(lock);
    remove = !PERSISTENT(list, obj) && !k->is_active(obj);
    if (remove)
        virObjListJob(list, obj)->removed = TRUE;
    name = g_strdup(k->def_name(DEF(list, obj)));
    memcpy(uuid, k->def_uuid(DEF(list, obj)), VIR_UUID_BUFLEN);
    g_mutex_unlock(lock);
    if (remove)
        virObjectTableRemove(list->objs, name, uuid);
}

gboolean
virObjListSetAutostart(virObjList *list, gpointer obj, gboolean on, GError **error)
{
    const virObjListClass *k = list->klass;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->define_lock);
    GMutex *lock = virObjListLock(list, obj);
    g_autofree char *name = NULL;
    gboolean persistent;

    g_mutex_lock(lock);
    name = g_strdup(k->def_name(DEF(list, obj)));
    persistent = PERSISTENT(list, obj);
    g_mutex_unlock(lock);
    if (!persistent) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                    _("cannot set autostart for transient %s '%s'"), k->kind, name);
        return FALSE;
    }
    if (!virConfigDirSetAutostart(&list->cfg, name, on, error))
        return FALSE;
    g_mutex_lock(lock);
    AUTOSTART(list, obj) = on;
    g_mutex_unlock(lock);
    return TRUE;
}

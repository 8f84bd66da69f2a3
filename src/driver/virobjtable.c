/*
 * virobjtable.c: a thread-safe table of named, UUID-identified objects
 */
#include "virobjtable.h"

#include <glib/gi18n.h>
#include <string.h>

#include "virerror.h"

typedef struct {
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    gpointer obj;           /* the table's reference */
} virObjectTableEntry;

struct _virObjectTable {
    GMutex lock;
    GHashTable *by_name;    /* name -> entry (owned) */
    GHashTable *by_uuid;    /* uuid bytes (g_bytes) -> entry (borrowed) */
    GDestroyNotify clear;
};

static GBytes *
virObjectTableKey(const unsigned char *uuid)
{
    return g_bytes_new(uuid, VIR_UUID_BUFLEN);
}

/**
 * virObjectTableNew:
 * @clear: frees an object's contents when its last reference goes
 *   (the object itself is a g_atomic_rc_box)
 */
virObjectTable *
virObjectTableNew(GDestroyNotify clear)
{
    virObjectTable *t = g_new0(virObjectTable, 1);

    g_mutex_init(&t->lock);
    t->clear = clear;
    t->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    t->by_uuid = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                       (GDestroyNotify)g_bytes_unref, NULL);
    return t;
}

void
virObjectTableUnref(virObjectTable *t, gpointer obj)
{
    if (obj)
        g_atomic_rc_box_release_full(obj, t->clear);
}

static void
virObjectTableEntryFree(virObjectTable *t, virObjectTableEntry *e)
{
    virObjectTableUnref(t, e->obj);
    g_free(e->name);
    g_free(e);
}

void
virObjectTableFree(virObjectTable *t)
{
    GHashTableIter it;
    gpointer e;

    if (!t)
        return;
    g_hash_table_iter_init(&it, t->by_name);
    while (g_hash_table_iter_next(&it, NULL, &e))
        virObjectTableEntryFree(t, e);
    g_hash_table_unref(t->by_name);
    g_hash_table_unref(t->by_uuid);
    g_mutex_clear(&t->lock);
    g_free(t);
}

/**
 * virObjectTableAdd:
 *
 * Adds @obj (the table takes a new reference).
 *
 * Returns: FALSE if the name or the UUID is already taken.
 */
gboolean
virObjectTableAdd(virObjectTable *t, const char *name, const unsigned char *uuid, gpointer obj)
{
    g_autoptr(GBytes) key = virObjectTableKey(uuid);
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&t->lock);
    virObjectTableEntry *e;

    if (g_hash_table_contains(t->by_name, name) || g_hash_table_contains(t->by_uuid, key))
        return FALSE;
    e = g_new0(virObjectTableEntry, 1);
    e->name = g_strdup(name);
    memcpy(e->uuid, uuid, VIR_UUID_BUFLEN);
    e->obj = g_atomic_rc_box_acquire(obj);
    g_hash_table_insert(t->by_name, e->name, e);
    g_hash_table_insert(t->by_uuid, g_steal_pointer(&key), e);
    return TRUE;
}

static gpointer
virObjectTableRef(virObjectTableEntry *e)
{
    return e ? g_atomic_rc_box_acquire(e->obj) : NULL;
}

gpointer
virObjectTableFindByName(virObjectTable *t, const char *name)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&t->lock);

    return virObjectTableRef(g_hash_table_lookup(t->by_name, name));
}

gpointer
virObjectTableFindByUUID(virObjectTable *t, const unsigned char *uuid)
{
    g_autoptr(GBytes) key = virObjectTableKey(uuid);
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&t->lock);

    return virObjectTableRef(g_hash_table_lookup(t->by_uuid, key));
}

/* By UUID, else by name: how handles from clients are resolved. */
gpointer
virObjectTableFind(virObjectTable *t, const unsigned char *uuid, const char *name)
{
    gpointer obj = NULL;

    if (uuid && !virUUIDIsNull(uuid))
        obj = virObjectTableFindByUUID(t, uuid);
    if (!obj && name)
        obj = virObjectTableFindByName(t, name);
    return obj;
}

void
virObjectTableRemove(virObjectTable *t, const char *name, const unsigned char *uuid)
{
    g_autoptr(GBytes) key = virObjectTableKey(uuid);
    virObjectTableEntry *e;

    g_mutex_lock(&t->lock);
    e = g_hash_table_lookup(t->by_name, name);
    g_hash_table_remove(t->by_name, name);
    g_hash_table_remove(t->by_uuid, key);
    g_mutex_unlock(&t->lock);
    if (e)
        virObjectTableEntryFree(t, e);
}

/**
 * virObjectTableList:
 *
 * Returns: (transfer full): every object, a reference each, sorted by
 * name; free with g_ptr_array_unref after unreffing (or use the array's
 * free func, which does it).
 */
GPtrArray *
virObjectTableList(virObjectTable *t)
{
    GPtrArray *objs = g_ptr_array_new();
    g_autoptr(GList) names = NULL;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&t->lock);

    names = g_list_sort(g_hash_table_get_keys(t->by_name), (GCompareFunc)strcmp);
    for (GList *l = names; l; l = l->next)
        g_ptr_array_add(objs, virObjectTableRef(g_hash_table_lookup(t->by_name, l->data)));
    return objs;
}

/**
 * virObjectTableCheckClash:
 * @kind: "domain" or "network", for the message
 * @code: the libvirt error code to raise (libvirt: VIR_ERR_OPERATION_FAILED)
 *
 * A new definition may reuse the name *and* uuid of an existing object
 * (a redefinition) but not one without the other.
 *
 * Returns: FALSE with @error set on a clash.
 */
gboolean
virObjectTableCheckClash(virObjectTable *t, const char *name, const unsigned char *uuid,
                         const char *kind, int code, GError **error)
{
    g_autoptr(GBytes) key = virObjectTableKey(uuid);
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&t->lock);
    virObjectTableEntry *by_name = g_hash_table_lookup(t->by_name, name);
    virObjectTableEntry *by_uuid = g_hash_table_lookup(t->by_uuid, key);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    gboolean dom = g_str_equal(kind, "domain");

    if (by_name && by_name != by_uuid) {
        virUUIDFormat(by_name->uuid, uuidstr);
        virErrorSet(error, code,
                    dom ? _("domain '%s' already exists with uuid %s")
                        : _("network '%s' already exists with uuid %s"),
                    name, uuidstr);
        return FALSE;
    }
    if (by_uuid && by_uuid != by_name) {
        virUUIDFormat(uuid, uuidstr);
        virErrorSet(error, code,
                    dom ? _("domain '%s' is already defined with uuid %s")
                        : _("network '%s' is already defined with uuid %s"),
                    by_uuid->name, uuidstr);
        return FALSE;
    }
    return TRUE;
}

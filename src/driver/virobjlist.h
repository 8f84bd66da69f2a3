/*
 * virobjlist.h: the objects of one driver and their persistent definitions
 *
 * Guests, containers and networks are handled alike: a table found by
 * name and UUID (virobjtable.h), definitions under <conf_dir>/<dir>/
 * written atomically with autostart links (virconfigdir.h), a define
 * lock that serialises definition changes, and the same rules:
 *  - at start-up every <name>.xml is loaded; a broken file, one that
 *    defines another name, or a second one for a name or UUID is logged
 *    and skipped, never deleted;
 *  - a definition is parsed, checked and saved before it becomes
 *    current; nothing is written when anything is wrong;
 *  - redefining an active object keeps its live definition and stores
 *    the new persistent one beside it, for its next start;
 *  - undefining an active object leaves it running, transient; an
 *    inactive one leaves the table (its waiters fail, virobjjob.h);
 *  - a transient object leaves the table when it stops.
 *
 * The driver's object type keeps its own typed fields; the class tells
 * where the shared ones are (G_STRUCT_OFFSET) and how to handle its
 * definitions.  Objects are g_atomic_rc_box'es: every function returning
 * one returns a reference, dropped with virObjListUnref().
 */
#pragma once

#include <glib.h>

#include "virconfigdir.h"
#include "virobjjob.h"
#include "virobjtable.h"

typedef struct _virObjList virObjList;

typedef struct {
    const char *kind;             /* "domain", "network": for messages */
    int no_object_code;           /* VIR_ERR_NO_DOMAIN, VIR_ERR_NO_NETWORK */
    /* where the shared fields are in the object */
    goffset lock_offset;          /* GMutex */
    goffset def_offset;           /* the definition (a pointer) */
    goffset newdef_offset;        /* the persistent one while it differs (a pointer) */
    goffset persistent_offset;    /* gboolean */
    goffset autostart_offset;     /* gboolean */
    goffset job_offset;           /* virObjJob */
    /* a new, persistent and inactive, object holding @def */
    gpointer (*obj_new)(gpointer def);
    GDestroyNotify obj_clear;     /* frees the object's contents */
    gboolean (*is_active)(gconstpointer obj);    /* called with its lock held */
    gpointer (*def_parse)(const char *xml, GError **error);
    gpointer (*def_parse_file)(const char *path, GError **error);
    char *(*def_format)(gconstpointer def);      /* as saved (inactive) */
    const char *(*def_name)(gconstpointer def);
    const unsigned char *(*def_uuid)(gconstpointer def);
    void (*def_free)(gpointer def);
    /* optional: refuses what the driver cannot hold; @defining: for a new
     * definition or a transient object (not at load), with the define
     * lock held, so it may complete @def (a bridge name...) */
    gboolean (*def_check)(virObjList *list, gpointer def, gboolean defining, GError **error);
} virObjListClass;

struct _virObjList {
    const virObjListClass *klass;
    const char *label;            /* "QEMU", "network": for the log */
    gpointer opaque;              /* the driver's, for def_check */
    virObjectTable *objs;
    virConfigDir cfg;
    GMutex define_lock;           /* serialises definition changes; held across saves */
};

guint virObjListInit(virObjList *list, const virObjListClass *klass, const char *label,
                     const char *conf_dir, const char *dirname, gpointer opaque);
void virObjListClear(virObjList *list);

void virObjListUnref(virObjList *list, gpointer obj);
gpointer virObjListFind(virObjList *list, const unsigned char *uuid, const char *name,
                        GError **error);
gpointer virObjListFindByName(virObjList *list, const char *name, GError **error);
gpointer virObjListFindByUUID(virObjList *list, const unsigned char *uuid, GError **error);
GPtrArray *virObjListAll(virObjList *list);

gpointer virObjListDefine(virObjList *list, const char *xml, gboolean *updated, GError **error);
gboolean virObjListUndefine(virObjList *list, gpointer obj, GError **error);
gpointer virObjListAddTransient(virObjList *list, gpointer def, GError **error);
void virObjListRemoveIfTransient(virObjList *list, gpointer obj);
gboolean virObjListSetAutostart(virObjList *list, gpointer obj, gboolean on, GError **error);

/* The shared fields of @obj (read them with its lock held). */
#define VIR_OBJ_LIST_FIELD(list, obj, type, field)                                             \
    G_STRUCT_MEMBER(type, (obj), (list)->klass->field##_offset)
GMutex *virObjListLock(virObjList *list, gpointer obj);
virObjJob *virObjListJob(virObjList *list, gpointer obj);

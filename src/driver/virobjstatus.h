/*
 * virobjstatus.h: the status file of a running object
 *
 * While a guest, container or network runs, <status_dir>/<name>.xml says
 * what a later virtd needs to take it back: its state and reason, the
 * pid of its process, its id, the driver's own fields (qemu: the monitor
 * socket) and its live definition:
 *
 *   <domstatus state='1' reason='1' pid='4242' id='3' monitor='/run/...'>
 *     <domain type='qemu' id='3'>
 *       ...
 *     </domain>
 *   </domstatus>
 *
 * One format for every driver, parsed with the hardened virxml helpers;
 * written atomically (virFileWriteAtomic).  Saves of one object are
 * ordered: the snapshot taken last is the one left on disk.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct _virObjStatus virObjStatus;

/* What a driver's status files hold besides the common fields. */
typedef struct {
    const char *root;             /* "domstatus", "networkstatus" */
    const char *def_root;         /* the definition's element: "domain" */
    const char *const *attrs;     /* the driver's own attributes: all required */
    /* the live definition: parsed from the element found, formatted
     * again, its name, freed */
    gpointer (*def_parse)(const char *xml, GError **error);
    char *(*def_format)(gconstpointer def, const virObjStatus *st);
    const char *(*def_name)(gconstpointer def);
    GDestroyNotify def_free;
} virObjStatusClass;

struct _virObjStatus {
    const virObjStatusClass *klass;
    int state;                    /* the driver's state numbers (virDomainState) */
    int reason;
    pid_t pid;                    /* 0: none yet (virtd stopped during a start) */
    int id;                       /* -1: none */
    gpointer def;                 /* parsed: the live definition (klass->def_parse) */
    char *def_xml;                /* to write: the live definition, formatted */
    GHashTable *attrs;            /* the driver's own: name -> value */
};

void virObjStatusInit(virObjStatus *st, const virObjStatusClass *klass);
void virObjStatusClear(virObjStatus *st);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virObjStatus, virObjStatusClear)

void virObjStatusSetAttr(virObjStatus *st, const char *name, const char *value);
const char *virObjStatusGetAttr(const virObjStatus *st, const char *name);

char *virObjStatusFormat(const virObjStatus *st);
gboolean virObjStatusParse(virObjStatus *st, const char *text, const char *path, GError **error);
gpointer virObjStatusStealDef(virObjStatus *st);

/**
 * virObjStatusSnapshotFunc:
 * @st: (out caller-allocates): an initialised status to fill, def_xml
 *   included
 *
 * Takes the object's status, under its own lock.
 */
typedef void (*virObjStatusSnapshotFunc)(gpointer object, virObjStatus *st);

/* Orders the saves of one object: a mutex of its own, never held
 * across anything but one save. */
typedef struct {
    GMutex lock;
} virObjStatusWriter;

void virObjStatusWriterInit(virObjStatusWriter *w);
void virObjStatusWriterClear(virObjStatusWriter *w);

gboolean virObjStatusSave(virObjStatusWriter *w, const virObjStatusClass *klass,
                          const char *path, virObjStatusSnapshotFunc snapshot, gpointer object,
                          GError **error);
gboolean virObjStatusLoad(virObjStatus *st, const char *path, GError **error);
GPtrArray *virObjStatusList(const char *dir);

/*
 * virdomaindriver.h: domains, shared by the qemu and lxc drivers
 *
 * The definition side of a hypervisor driver: its domains and their
 * persistent definitions under <conf_dir>/<driver>/ (a virObjList, see
 * virobjlist.h: the same code serves networks), and the read-only entry
 * points (lookups, lists, XML, state, info).  A driver keeps one
 * virDomainDriverState and exposes these through
 * VIR_DOMAIN_DRIVER_DEFINE_ENTRY_POINTS.
 */
#pragma once

#include "domain_conf.h"
#include "virconfigdir.h"
#include "virdriver.h"
#include "virobjjob.h"
#include "virobjlist.h"
#include "virobjstatus.h"
#include "virobjtable.h"

typedef struct {
    GMutex lock;             /* guards the fields below; never held across I/O */
    virDomainDef *def;       /* the current definition (the live one when running) */
    virDomainDef *newDef;    /* the persistent one, when it differs while running */
    int id;                  /* -1 when not running */
    int state;               /* virDomainState */
    int reason;
    gboolean persistent;
    gboolean autostart;

    /* At most one state-changing operation at a time, held across hooks
     * and waits, unlike @lock (see virobjjob.h).  job.removed: no longer
     * in the driver's table. */
    virObjJob job;

    gpointer priv;           /* the driver's run-time data */
    GDestroyNotify priv_free;
} virDomainObj;

typedef struct {
    const virHypervisorDriver *table;  /* for events */
    const char *dirname;               /* "qemu", "lxc": its folder under conf_dir */
    const virDomainVirtType *virt_types;
    guint n_virt_types;
    virObjList list;         /* the domains and their definitions */
    /* optional: CPU time used so far by a running domain, in ns; called
     * with obj->lock held */
    guint64 (*cpu_time)(virDomainObj *obj);
} virDomainDriverState;

gboolean virDomainDriverStateInit(virDomainDriverState *st, const char *conf_dir,
                                  GError **error);
void virDomainDriverStateClear(virDomainDriverState *st);

virDomainObj *virDomainDriverFindObj(virDomainDriverState *st, const virDomainHandle *dom,
                                     GError **error);
void virDomainDriverObjUnref(virDomainDriverState *st, virDomainObj *obj);
void virDomainObjFillHandle(virDomainObj *obj, virDomainHandle *out);

virDomainObj *virDomainDriverAddTransient(virDomainDriverState *st, virDomainDef *def,
                                          GError **error);
void virDomainDriverRemoveIfTransient(virDomainDriverState *st, virDomainObj *obj);

/* A definition as the shared core handles it (virObjListClass,
 * virObjStatusClass): its name, freed; the live one in a status file. */
const char *virDomainDriverDefName(gconstpointer def);
void virDomainDriverDefFree(gpointer def);
gpointer virDomainStatusDefParse(const char *xml, GError **error);
char *virDomainStatusDefFormat(gconstpointer def, const virObjStatus *st);
#define VIR_DOMAIN_STATUS_CLASS(driver_attrs)                                                  \
    {                                                                                          \
        .root = "domstatus", .def_root = "domain", .attrs = (driver_attrs),                    \
        .def_parse = virDomainStatusDefParse, .def_format = virDomainStatusDefFormat,          \
        .def_name = virDomainDriverDefName, .def_free = virDomainDriverDefFree,                \
    }

gboolean virDomainDriverLookupByName(virDomainDriverState *st, const char *name,
                                     virDomainHandle *out, GError **error);
gboolean virDomainDriverLookupByUUID(virDomainDriverState *st, const unsigned char *uuid,
                                     virDomainHandle *out, GError **error);
gboolean virDomainDriverLookupByID(virDomainDriverState *st, int id, virDomainHandle *out,
                                   GError **error);
GArray *virDomainDriverListAll(virDomainDriverState *st, unsigned int flags, GError **error);
gboolean virDomainDriverDefineXML(virDomainDriverState *st, const char *xml,
                                  unsigned int flags, virDomainHandle *out, GError **error);
gboolean virDomainDriverUndefine(virDomainDriverState *st, const virDomainHandle *dom,
                                 unsigned int flags, GError **error);
char *virDomainDriverGetXMLDesc(virDomainDriverState *st, const virDomainHandle *dom,
                                unsigned int flags, GError **error);
gboolean virDomainDriverGetState(virDomainDriverState *st, const virDomainHandle *dom,
                                 int *state, int *reason, GError **error);
gboolean virDomainDriverGetInfo(virDomainDriverState *st, const virDomainHandle *dom,
                                virDomainInfo *info, GError **error);
char *virDomainDriverGetOSType(virDomainDriverState *st, const virDomainHandle *dom,
                               GError **error);
int virDomainDriverIsActive(virDomainDriverState *st, const virDomainHandle *dom,
                            GError **error);
int virDomainDriverIsPersistent(virDomainDriverState *st, const virDomainHandle *dom,
                                GError **error);
int virDomainDriverGetAutostart(virDomainDriverState *st, const virDomainHandle *dom,
                                GError **error);
gboolean virDomainDriverSetAutostart(virDomainDriverState *st, const virDomainHandle *dom,
                                     int autostart, GError **error);

/* Static entry points with the signatures of virHypervisorDriver, each
 * forwarding to the function above with @state. */
#define VIR_DOMAIN_DRIVER_DEFINE_ENTRY_POINTS(prefix, state)                                   \
    static gboolean prefix##LookupByName(virCaller *c, const char *name, virDomainHandle *out, \
                                         GError **error)                                       \
    {                                                                                          \
        return virDomainDriverLookupByName(state, name, out, error);                           \
    }                                                                                          \
    static gboolean prefix##LookupByUUID(virCaller *c, const unsigned char *uuid,              \
                                         virDomainHandle *out, GError **error)                 \
    {                                                                                          \
        return virDomainDriverLookupByUUID(state, uuid, out, error);                           \
    }                                                                                          \
    static gboolean prefix##LookupByID(virCaller *c, int id, virDomainHandle *out,             \
                                       GError **error)                                         \
    {                                                                                          \
        return virDomainDriverLookupByID(state, id, out, error);                               \
    }                                                                                          \
    static GArray *prefix##ListAll(virCaller *c, unsigned int flags, GError **error)           \
    {                                                                                          \
        return virDomainDriverListAll(state, flags, error);                                    \
    }                                                                                          \
    static gboolean prefix##DefineXML(virCaller *c, const char *xml, unsigned int flags,       \
                                      virDomainHandle *out, GError **error)                    \
    {                                                                                          \
        return virDomainDriverDefineXML(state, xml, flags, out, error);                        \
    }                                                                                          \
    static gboolean prefix##Undefine(virCaller *c, const virDomainHandle *dom,                 \
                                     unsigned int flags, GError **error)                       \
    {                                                                                          \
        return virDomainDriverUndefine(state, dom, flags, error);                              \
    }                                                                                          \
    static char *prefix##GetXMLDesc(virCaller *c, const virDomainHandle *dom,                  \
                                    unsigned int flags, GError **error)                        \
    {                                                                                          \
        return virDomainDriverGetXMLDesc(state, dom, flags, error);                            \
    }                                                                                          \
    static gboolean prefix##GetState(virCaller *c, const virDomainHandle *dom, int *st,        \
                                     int *reason, GError **error)                              \
    {                                                                                          \
        return virDomainDriverGetState(state, dom, st, reason, error);                         \
    }                                                                                          \
    static gboolean prefix##GetInfo(virCaller *c, const virDomainHandle *dom,                  \
                                    virDomainInfo *info, GError **error)                       \
    {                                                                                          \
        return virDomainDriverGetInfo(state, dom, info, error);                                \
    }                                                                                          \
    static char *prefix##GetOSType(virCaller *c, const virDomainHandle *dom, GError **error)   \
    {                                                                                          \
        return virDomainDriverGetOSType(state, dom, error);                                    \
    }                                                                                          \
    static int prefix##IsActive(virCaller *c, const virDomainHandle *dom, GError **error)      \
    {                                                                                          \
        return virDomainDriverIsActive(state, dom, error);                                     \
    }                                                                                          \
    static int prefix##IsPersistent(virCaller *c, const virDomainHandle *dom, GError **error)  \
    {                                                                                          \
        return virDomainDriverIsPersistent(state, dom, error);                                 \
    }                                                                                          \
    static int prefix##GetAutostart(virCaller *c, const virDomainHandle *dom, GError **error)  \
    {                                                                                          \
        return virDomainDriverGetAutostart(state, dom, error);                                 \
    }                                                                                          \
    static gboolean prefix##SetAutostart(virCaller *c, const virDomainHandle *dom, int on,     \
                                         GError **error)                                       \
    {                                                                                          \
        return virDomainDriverSetAutostart(state, dom, on, error);                             \
    }

/* Designated initialisers for the entry points above. */
#define VIR_DOMAIN_DRIVER_ENTRY_POINTS(prefix)                                                 \
    .domainLookupByName = prefix##LookupByName, .domainLookupByUUID = prefix##LookupByUUID,    \
    .domainLookupByID = prefix##LookupByID, .connectListAllDomains = prefix##ListAll,          \
    .domainDefineXML = prefix##DefineXML, .domainUndefine = prefix##Undefine,                 \
    .domainGetXMLDesc = prefix##GetXMLDesc, .domainGetState = prefix##GetState,               \
    .domainGetInfo = prefix##GetInfo, .domainGetOSType = prefix##GetOSType,                    \
    .domainIsActive = prefix##IsActive, .domainIsPersistent = prefix##IsPersistent,            \
    .domainGetAutostart = prefix##GetAutostart, .domainSetAutostart = prefix##SetAutostart

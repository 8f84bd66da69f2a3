/*
 * qemu_driver.c: the QEMU driver's API entry points
 *
 * Definitions of <domain type='qemu'> and <domain type='kvm'> (stored in
 * <conf_dir>/qemu/) come from the shared domain driver; running them is
 * qemu_process.c.  Every state-changing entry point takes the domain's job.
 */
#define G_LOG_DOMAIN "virtd.qemu"

#include "qemu_driver.h"

#include <glib/gi18n.h>

#include "qemu_process.h"

/* libvirt's flag values */
#define START_FLAGS (1 << 3)            /* FORCE_BOOT: nothing to skip here */
#define SHUTDOWN_FLAGS (1 << 0)         /* ACPI_POWER_BTN */
#define REBOOT_FLAGS (1 << 0)           /* ACPI_POWER_BTN */
#define DESTROY_GRACEFUL (1 << 0)
#define DESTROY_FLAGS (DESTROY_GRACEFUL | (1 << 1)) /* REMOVE_LOGS: logs are kept */

static qemuDriver qemuDrv;

VIR_DOMAIN_DRIVER_DEFINE_ENTRY_POINTS(qemuDomain, &qemuDrv.dom)

typedef gboolean (*qemuJobFunc)(qemuDriver *drv, virDomainObj *obj, unsigned int flags,
                                GError **error);

/* Finds the domain and runs @fn with its job held. */
static gboolean
qemuDomainWithJob(virCaller *c, const virDomainHandle *dom, const char *job, qemuJobFunc fn,
                  unsigned int flags, GError **error)
{
    virDomainObj *obj = virDomainDriverFindObj(&qemuDrv.dom, dom, error);
    gboolean ok = FALSE;

    if (!obj)
        return FALSE;
    if (virObjJobBegin(&obj->job, c, job, qemuDrv.job_wait, error)) {
        ok = fn(&qemuDrv, obj, flags, error);
        virObjJobEnd(&obj->job);
    }
    virDomainDriverObjUnref(&qemuDrv.dom, obj);
    return ok;
}

static gboolean
qemuJobStart(qemuDriver *drv, virDomainObj *obj, unsigned int flags, GError **error)
{
    return qemuProcessStart(drv, obj, error);
}

static gboolean
qemuJobDestroy(qemuDriver *drv, virDomainObj *obj, unsigned int flags, GError **error)
{
    return qemuProcessDestroy(drv, obj, (flags & DESTROY_GRACEFUL) != 0, error);
}

static gboolean
qemuJobShutdown(qemuDriver *drv, virDomainObj *obj, unsigned int flags, GError **error)
{
    return qemuProcessPowerdown(drv, obj, error);
}

static gboolean
qemuJobReboot(qemuDriver *drv, virDomainObj *obj, unsigned int flags, GError **error)
{
    return qemuProcessReboot(drv, obj, error);
}

static gboolean
qemuJobReset(qemuDriver *drv, virDomainObj *obj, unsigned int flags, GError **error)
{
    return qemuProcessReset(drv, obj, error);
}

static gboolean
qemuJobSuspend(qemuDriver *drv, virDomainObj *obj, unsigned int flags, GError **error)
{
    return qemuProcessSuspend(drv, obj, error);
}

static gboolean
qemuJobResume(qemuDriver *drv, virDomainObj *obj, unsigned int flags, GError **error)
{
    return qemuProcessResume(drv, obj, error);
}

static gboolean
qemuDomainCreate(virCaller *c, const virDomainHandle *dom, unsigned int flags, GError **error)
{
    return virDriverCheckFlags(flags, START_FLAGS, "virDomainCreateWithFlags", error) &&
           qemuDomainWithJob(c, dom, "start", qemuJobStart, flags, error);
}

static gboolean
qemuDomainDestroy(virCaller *c, const virDomainHandle *dom, unsigned int flags, GError **error)
{
    return virDriverCheckFlags(flags, DESTROY_FLAGS, "virDomainDestroyFlags", error) &&
           qemuDomainWithJob(c, dom, "destroy", qemuJobDestroy, flags, error);
}

static gboolean
qemuDomainShutdown(virCaller *c, const virDomainHandle *dom, unsigned int flags, GError **error)
{
    return virDriverCheckFlags(flags, SHUTDOWN_FLAGS, "virDomainShutdownFlags", error) &&
           qemuDomainWithJob(c, dom, "shutdown", qemuJobShutdown, flags, error);
}

static gboolean
qemuDomainReboot(virCaller *c, const virDomainHandle *dom, unsigned int flags, GError **error)
{
    return virDriverCheckFlags(flags, REBOOT_FLAGS, "virDomainReboot", error) &&
           qemuDomainWithJob(c, dom, "reboot", qemuJobReboot, flags, error);
}

static gboolean
qemuDomainReset(virCaller *c, const virDomainHandle *dom, unsigned int flags, GError **error)
{
    return virDriverCheckFlags(flags, 0, "virDomainReset", error) &&
           qemuDomainWithJob(c, dom, "reset", qemuJobReset, flags, error);
}

static gboolean
qemuDomainSuspend(virCaller *c, const virDomainHandle *dom, GError **error)
{
    return qemuDomainWithJob(c, dom, "suspend", qemuJobSuspend, 0, error);
}

static gboolean
qemuDomainResume(virCaller *c, const virDomainHandle *dom, GError **error)
{
    return qemuDomainWithJob(c, dom, "resume", qemuJobResume, 0, error);
}

#define AFFECT_LIVE   (1 << 0)
#define AFFECT_CONFIG (1 << 1)

/* An attach-device or detach-device call: what it affects, checked. */
typedef struct {
    virDomainNetDef *net; /* the device */
    gboolean live;
    gboolean config;
    gboolean attach;
} qemuDeviceChange;

/* @net added to (or removed from, by MAC) the persistent definition,
 * which is saved. */
static gboolean
qemuDeviceChangeConfig(virDomainObj *obj, const qemuDeviceChange *dc, GError **error)
{
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *xml = NULL;
    g_auto(virDomainHandle) handle = {0};
    int found = -1;

    g_mutex_lock(&obj->lock);
    def = virDomainDefCopy(obj->newDef ? obj->newDef : obj->def);
    g_mutex_unlock(&obj->lock);
    for (guint i = 0; i < def->interfaces->len && found < 0; i++) {
        const virDomainNetDef *net = g_ptr_array_index(def->interfaces, i);

        if (g_ascii_strcasecmp(net->mac, dc->net->mac) == 0)
            found = (int)i;
    }
    if (dc->attach && found >= 0) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                    _("the persistent definition of domain '%s' already has an interface with "
                      "MAC address %s"),
                    def->name, dc->net->mac);
        return FALSE;
    }
    if (!dc->attach && found < 0) {
        virErrorSet(error, VIR_ERR_DEVICE_MISSING,
                    _("the persistent definition of domain '%s' has no interface with MAC "
                      "address %s"),
                    def->name, dc->net->mac);
        return FALSE;
    }
    if (dc->attach) {
        virDomainNetDef *copy = virDomainNetDefCopyOne(dc->net);

        g_clear_pointer(&copy->alias, g_free);
        g_ptr_array_add(def->interfaces, copy);
    } else {
        g_ptr_array_remove_index(def->interfaces, found);
    }
    xml = virDomainDefFormat(def, -1, VIR_DOMAIN_XML_INACTIVE);
    return virDomainDriverDefineXML(&qemuDrv.dom, xml, 0, &handle, error);
}

static gboolean
qemuJobDeviceChange(qemuDriver *drv, virDomainObj *obj, const qemuDeviceChange *dc,
                    GError **error)
{
    gboolean running = obj->id != -1;
    gboolean live = dc->live || (!dc->config && running);
    gboolean config = dc->config || (!dc->live && !running);

    if (live && !running) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("domain is not running"));
        return FALSE;
    }
    if (config && !obj->persistent) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                    _("cannot change the persistent configuration of a transient domain"));
        return FALSE;
    }
    if (live && dc->attach &&
        !qemuProcessAttachInterface(drv, obj, virDomainNetDefCopyOne(dc->net), error))
        return FALSE;
    if (live && !dc->attach && !qemuProcessDetachInterface(drv, obj, dc->net->mac, error))
        return FALSE;
    return !config || qemuDeviceChangeConfig(obj, dc, error);
}

static gboolean
qemuDomainDeviceChange(virCaller *c, const virDomainHandle *dom, const char *xml,
                       unsigned int flags, gboolean attach, GError **error)
{
    qemuDeviceChange dc = {.live = (flags & AFFECT_LIVE) != 0,
                           .config = (flags & AFFECT_CONFIG) != 0,
                           .attach = attach};
    g_autoptr(GError) err = NULL;
    virDomainObj *obj;
    gboolean ok = FALSE;

    if (!virDriverCheckFlags(flags, AFFECT_LIVE | AFFECT_CONFIG,
                             attach ? "virDomainAttachDeviceFlags" : "virDomainDetachDeviceFlags",
                             error))
        return FALSE;
    if (!(dc.net = virDomainNetDefParseString(xml, &err))) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("virtd can %s only <interface> devices: %s"),
                    attach ? _("attach") : _("detach"), err->message);
        return FALSE;
    }
    if ((obj = virDomainDriverFindObj(&qemuDrv.dom, dom, error))) {
        if (virObjJobBegin(&obj->job, c, attach ? "attach" : "detach", qemuDrv.job_wait,
                           error)) {
            ok = qemuJobDeviceChange(&qemuDrv, obj, &dc, error);
            virObjJobEnd(&obj->job);
        }
        virDomainDriverObjUnref(&qemuDrv.dom, obj);
    }
    virDomainNetDefFree(dc.net);
    return ok;
}

static gboolean
qemuDomainAttachDevice(virCaller *c, const virDomainHandle *dom, const char *xml,
                       unsigned int flags, GError **error)
{
    return qemuDomainDeviceChange(c, dom, xml, flags, TRUE, error);
}

static gboolean
qemuDomainDetachDevice(virCaller *c, const virDomainHandle *dom, const char *xml,
                       unsigned int flags, GError **error)
{
    return qemuDomainDeviceChange(c, dom, xml, flags, FALSE, error);
}

/* A transient domain: it exists only while it runs. */
static gboolean
qemuDomainCreateXML(virCaller *c, const char *xml, unsigned int flags, virDomainHandle *out,
                    GError **error)
{
    virDomainDef *def;
    virDomainObj *obj;
    gboolean ok = FALSE;

    if (!virDriverCheckFlags(flags, 0, "virDomainCreateXML", error) ||
        !(def = virDomainDefParseString(xml, 0, error)) ||
        !(obj = virDomainDriverAddTransient(&qemuDrv.dom, def, error)))
        return FALSE;
    if (virObjJobBegin(&obj->job, c, "start", qemuDrv.job_wait, error)) {
        if ((ok = qemuProcessStart(&qemuDrv, obj, error)))
            virDomainObjFillHandle(obj, out);
        virObjJobEnd(&obj->job);
    }
    virDomainDriverRemoveIfTransient(&qemuDrv.dom, obj);
    virDomainDriverObjUnref(&qemuDrv.dom, obj);
    return ok;
}

static const virHypervisorDriver qemuHypervisorDriver = {
    .name = "QEMU",
    .scheme = "qemu",
    .default_uri = "qemu:///system",
    .error_domain = VIR_FROM_QEMU,
    VIR_DOMAIN_DRIVER_ENTRY_POINTS(qemuDomain),
    .domainCreate = qemuDomainCreate,
    .domainCreateXML = qemuDomainCreateXML,
    .domainShutdown = qemuDomainShutdown,
    .domainDestroy = qemuDomainDestroy,
    .domainReboot = qemuDomainReboot,
    .domainReset = qemuDomainReset,
    .domainSuspend = qemuDomainSuspend,
    .domainResume = qemuDomainResume,
    .domainAttachDevice = qemuDomainAttachDevice,
    .domainDetachDevice = qemuDomainDetachDevice,
};

static const virDomainVirtType qemuVirtTypes[] = {VIR_DOMAIN_VIRT_QEMU, VIR_DOMAIN_VIRT_KVM};

gboolean
qemuDriverInit(const virtdConfig *cfg, GError **error)
{
    qemuDrv.dom.table = &qemuHypervisorDriver;
    qemuDrv.dom.dirname = "qemu";
    qemuDrv.dom.virt_types = qemuVirtTypes;
    qemuDrv.dom.n_virt_types = G_N_ELEMENTS(qemuVirtTypes);
    qemuDrv.dom.cpu_time = qemuProcessCpuTime;
    if (!virDomainDriverStateInit(&qemuDrv.dom, cfg->conf_dir, error) ||
        !qemuProcessInit(&qemuDrv, cfg, error))
        return FALSE;
    qemuProcessReconnectClaimAll(&qemuDrv);
    virDriverRegisterHypervisor(&qemuHypervisorDriver);
    return TRUE;
}

static void
qemuDriverAutostart(void)
{
    g_autoptr(GPtrArray) objs = virObjectTableList(qemuDrv.dom.list.objs);

    for (guint i = 0; i < objs->len; i++) {
        virDomainObj *obj = g_ptr_array_index(objs, i);
        g_autoptr(GError) err = NULL;

        if (obj->autostart && obj->id == -1 &&
            virObjJobBegin(&obj->job, NULL, "autostart", VIR_OBJ_JOB_WAIT_FOREVER,
                                 &err)) {
            if (obj->id == -1 && !qemuProcessStart(&qemuDrv, obj, &err))
                g_warning(_("cannot autostart domain '%s': %s"), obj->def->name, err->message);
            virObjJobEnd(&obj->job);
        }
        virDomainDriverObjUnref(&qemuDrv.dom, obj);
    }
}

/* Once the RPC sockets listen: guests left running, then autostart. */
void
qemuDriverReconnect(void)
{
    qemuProcessReconnectAll(&qemuDrv);
    qemuDriverAutostart();
}

void
qemuDriverShutdown(void)
{
    qemuProcessShutdown(&qemuDrv);
    virDomainDriverStateClear(&qemuDrv.dom);
}

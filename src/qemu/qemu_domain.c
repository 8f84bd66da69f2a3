/*
 * qemu_domain.c: what the QEMU driver keeps per domain, and its status file
 */
#define G_LOG_DOMAIN "virtd.qemu"

#include "qemu_domain.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "virxml.h"

void
qemuMonitorCtxFree(qemuMonitorCtx *mc)
{
    virDomainDriverObjUnref(&mc->drv->dom, mc->obj);
    g_free(mc);
}

/* Stops listening to qemu: the pidfd watch and the monitor. */
void
qemuDomainPrivDetach(qemuDomainPriv *priv)
{
    if (priv->pidfd_watch)
        g_source_remove(priv->pidfd_watch);
    priv->pidfd_watch = 0;
    if (priv->mon)
        qemuMonitorClose(priv->mon);
    priv->mon = NULL;
    g_clear_pointer(&priv->mon_ctx, qemuMonitorCtxFree);
}

/* Our copies of the taps' fds: once closed (and qemu gone) the taps go. */
void
qemuDomainCloseTaps(qemuDomainPriv *priv)
{
    for (guint i = 0; priv->tap_fds && i < priv->tap_fds->len; i++) {
        int fd = g_array_index(priv->tap_fds, int, i);
        if (fd >= 0)
            close(fd);
    }
    g_clear_pointer(&priv->tap_fds, g_array_unref);
}

static void
qemuDomainPrivFree(gpointer data)
{
    qemuDomainPriv *priv = data;

    qemuDomainPrivDetach(priv);
    qemuDomainCloseTaps(priv);
    if (priv->pidfd >= 0)
        close(priv->pidfd);
    /* a task holds a reference to the domain: none is queued any more */
    g_assert(g_queue_is_empty(&priv->events));
    g_free(priv->monitor_path);
    g_hash_table_unref(priv->deleted);
    g_cond_clear(&priv->deleted_cond);
    virObjStatusWriterClear(&priv->status);
    g_free(priv);
}

/* The domain's run-time data, created on first use. */
qemuDomainPriv *
qemuDomainGetPriv(virDomainObj *obj)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    if (!obj->priv) {
        qemuDomainPriv *priv = g_new0(qemuDomainPriv, 1);
        priv->pidfd = -1;
        g_queue_init(&priv->events);
        priv->deleted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_cond_init(&priv->deleted_cond);
        virObjStatusWriterInit(&priv->status);
        obj->priv = priv;
        obj->priv_free = qemuDomainPrivFree;
    }
    return obj->priv;
}

void
qemuDomainSetState(virDomainObj *obj, int state, int reason)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    obj->state = state;
    obj->reason = reason;
}

/* A lifecycle event to clients. */
void
qemuDomainEmit(qemuDriver *drv, virDomainObj *obj, int event, int detail)
{
    g_auto(virDomainHandle) h = {0};

    virDomainObjFillHandle(obj, &h);
    virDriverEmitDomainEvent(drv->dom.table, &h, event, detail);
}

/* Another event (virDomainEventID) to clients. */
void
qemuDomainEmitId(qemuDriver *drv, virDomainObj *obj, int event_id, int arg)
{
    g_auto(virDomainHandle) h = {0};

    virDomainObjFillHandle(obj, &h);
    virDriverEmitDomainEventId(drv->dom.table, &h, event_id, arg);
}

/* ------------------------------------------------------------------ */
/* Status files: <status_dir>/<name>.xml; monitor sockets <id>.monitor */

const virObjStatusClass qemuStatusClass = VIR_DOMAIN_STATUS_CLASS(VIR_XML_ATTRS("monitor"));

char *
qemuDomainStatusPath(qemuDriver *drv, const char *name, const char *suffix)
{
    g_autofree char *file = g_strdup_printf("%s%s", name, suffix);

    return g_build_filename(drv->status_dir, file, NULL);
}

static void
qemuDomainStatusSnapshot(gpointer object, virObjStatus *st)
{
    virDomainObj *obj = object;
    qemuDomainPriv *priv = obj->priv;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    st->state = obj->state;
    st->reason = obj->reason;
    st->pid = priv->pid;
    st->id = obj->id;
    st->def_xml = virDomainDefFormat(obj->def, obj->id, 0);
    virObjStatusSetAttr(st, "monitor", priv->monitor_path);
}

/* Writes the status file (two fsyncs): never on the main loop. */
void
qemuDomainSaveStatus(qemuDriver *drv, virDomainObj *obj)
{
    qemuDomainPriv *priv = obj->priv;
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;

    g_mutex_lock(&obj->lock);
    path = qemuDomainStatusPath(drv, obj->def->name, ".xml");
    g_mutex_unlock(&obj->lock);
    if (!virObjStatusSave(&priv->status, &qemuStatusClass, path, qemuDomainStatusSnapshot, obj,
                          &err))
        g_warning(_("cannot save the status of a running domain: %s"), err->message);
}

/* The monitor socket of the start numbered @id: its length does not
 * depend on the guest's name (a socket path has at most 107 bytes). */
char *
qemuDomainMonitorPath(qemuDriver *drv, int id)
{
    g_autofree char *file = g_strdup_printf("%d.monitor", id);

    return g_build_filename(drv->status_dir, file, NULL);
}

void
qemuDomainRemoveStatus(qemuDriver *drv, const char *name, const char *monitor_path)
{
    g_autofree char *path = qemuDomainStatusPath(drv, name, ".xml");

    g_unlink(path);
    if (monitor_path)
        g_unlink(monitor_path);
}

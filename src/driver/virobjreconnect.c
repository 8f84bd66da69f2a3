/*
 * virobjreconnect.c: taking back what a previous virtd left running
 */
#define G_LOG_DOMAIN "virtd.driver"

#include "virobjreconnect.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "virfile.h"
#include "virprocess.h"

/* An object claimed at start-up. */
typedef struct {
    gpointer obj;            /* a reference; its job is held */
    pid_t pid;
    gboolean interrupted;    /* virtd stopped during its start */
} virObjClaim;

void
virObjReconnectInit(virObjReconnect *rc, const virObjReconnectOps *ops, gpointer driver,
                    virConfReconnectFailure policy)
{
    rc->ops = ops;
    rc->driver = driver;
    rc->policy = policy;
    rc->claimed = g_ptr_array_new();
}

static void
virObjReconnectClaim(virObjReconnect *rc, const char *path)
{
    const virObjReconnectOps *ops = rc->ops;
    g_auto(virObjStatus) st;
    g_autoptr(GError) err = NULL;
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *want = NULL;
    const char *name;
    virObjClaim *claim;
    gpointer obj;

    virObjStatusInit(&st, ops->status);
    if (!virObjStatusLoad(&st, path, &err)) {
        g_warning(_("ignoring status file '%s': %s"), path, err->message);
        return;
    }
    name = ops->status->def_name(st.def);
    want = g_strdup_printf("%s.xml", name);
    if (!g_str_equal(base, want)) {
        g_warning(_("ignoring status file '%s': it is about %s '%s', whose status file is '%s'"),
                  path, ops->kind, name, want);
        return;
    }
    if (!(obj = ops->find(rc->driver, &st)))
        return;
    if (virObjJobIsActive(ops->job(obj))) {
        /* only another status file of this run can hold it: a copy */
        g_warning(_("ignoring status file '%s': %s '%s' has another one"), path, ops->kind,
                  name);
        ops->unref(rc->driver, obj);
        return;
    }
    virObjJobBegin(ops->job(obj), NULL, "reconnect", VIR_OBJ_JOB_WAIT_FOREVER, NULL);
    claim = g_new0(virObjClaim, 1);
    claim->obj = obj;
    claim->pid = st.pid;
    claim->interrupted = ops->interrupted ? ops->interrupted(&st) : st.pid == 0;
    ops->install(rc->driver, obj, &st);
    g_ptr_array_add(rc->claimed, claim);
}

/**
 * virObjReconnectClaimAll:
 *
 * Step 1, before the sockets listen: see the header.
 */
void
virObjReconnectClaimAll(virObjReconnect *rc, const char *status_dir)
{
    g_autoptr(GPtrArray) paths = NULL;

    virFileRemoveAtomicTemps(status_dir, ".xml");
    paths = virObjStatusList(status_dir);
    for (guint i = 0; i < paths->len; i++)
        virObjReconnectClaim(rc, g_ptr_array_index(paths, i));
}

typedef struct {
    const virObjReconnectOps *ops;
    gpointer obj;
    gboolean orphan;
} virObjMatch;

static gboolean
virObjReconnectMatch(const char *cmdline, gsize len, gpointer opaque)
{
    virObjMatch *m = opaque;

    return m->orphan ? m->ops->is_orphan(m->obj, cmdline, len)
                     : m->ops->is_process(m->obj, cmdline, len);
}

static void
virObjReconnectHookFailed(virObjReconnect *rc, gpointer obj, const char *name, GError *err)
{
    if (rc->policy == VIR_CONF_RECONNECT_FAILURE_KILL) {
        g_warning(_("reconnect hook failed, killing %s '%s': %s"), rc->ops->kind, name,
                  err->message);
        rc->ops->stop(rc->driver, obj, VIR_OBJ_STOP_DAEMON);
    } else {
        g_warning(_("reconnect hook failed, keeping %s '%s': %s"), rc->ops->kind, name,
                  err->message);
    }
}

static void
virObjReconnectResultHandle(virObjReconnect *rc, gpointer obj, const char *name,
                            virObjReconnectResult res, GError *err)
{
    switch (res) {
    case VIR_OBJ_RECONNECT_OK:
        g_info(_("reconnected to %s '%s'"), rc->ops->kind, name);
        break;
    case VIR_OBJ_RECONNECT_HANDLED:
        break;
    case VIR_OBJ_RECONNECT_LOST:
        g_warning(_("cannot reconnect to %s '%s': %s"), rc->ops->kind, name, err->message);
        rc->ops->stop(rc->driver, obj, VIR_OBJ_STOP_DAEMON);
        break;
    case VIR_OBJ_RECONNECT_HOOK_FAILED:
        virObjReconnectHookFailed(rc, obj, name, err);
        break;
    }
}

/* An object without a process of its own: the driver checks (and
 * repairs) what it is made of. */
static void
virObjReconnectProcessless(virObjReconnect *rc, gpointer obj, const char *name)
{
    g_autoptr(GError) err = NULL;
    virObjReconnectResult res = rc->ops->reconnect(rc->driver, obj, 0, -1, &err);

    virObjReconnectResultHandle(rc, obj, name, res, err);
}

static void
virObjReconnectOne(virObjReconnect *rc, virObjClaim *claim)
{
    const virObjReconnectOps *ops = rc->ops;
    gpointer obj = claim->obj;
    g_autofree char *name = g_strdup(ops->name(obj));
    virObjMatch match = {ops, obj, FALSE};
    g_autoptr(GError) err = NULL;
    int pidfd;

    if (claim->interrupted) {
        g_autofree char *what = NULL;

        g_warning(_("%s '%s' was being started when virtd stopped"), ops->kind, name);
        what = g_strdup_printf(_("left by an interrupted start of %s '%s'"), ops->kind, name);
        match.orphan = TRUE;
        if (ops->is_orphan)
            virProcessKillMatching(virObjReconnectMatch, &match, what);
        ops->stop(rc->driver, obj, VIR_OBJ_STOP_FAILED);
    } else if (!ops->is_process) {
        virObjReconnectProcessless(rc, obj, name);
    } else if ((pidfd = virProcessOpenIfMatch(claim->pid, virObjReconnectMatch, &match)) < 0) {
        g_warning(_("%s '%s' (pid %d) is gone"), ops->kind, name, (int)claim->pid);
        ops->stop(rc->driver, obj, VIR_OBJ_STOP_UNKNOWN);
    } else {
        switch (ops->reconnect(rc->driver, obj, claim->pid, pidfd, &err)) {
        case VIR_OBJ_RECONNECT_OK:
            g_info(_("reconnected to %s '%s' (pid %d)"), ops->kind, name, (int)claim->pid);
            break;
        case VIR_OBJ_RECONNECT_HANDLED:
            break;
        case VIR_OBJ_RECONNECT_LOST:
            g_warning(_("cannot reconnect to %s '%s': %s"), ops->kind, name, err->message);
            ops->stop(rc->driver, obj, VIR_OBJ_STOP_DAEMON);
            break;
        case VIR_OBJ_RECONNECT_HOOK_FAILED:
            virObjReconnectHookFailed(rc, obj, name, err);
            break;
        }
    }
    virObjJobEnd(ops->job(obj));
    ops->unref(rc->driver, obj);
    g_free(claim);
}

/**
 * virObjReconnectAll:
 *
 * Step 2, once the sockets listen: see the header.
 */
void
virObjReconnectAll(virObjReconnect *rc)
{
    g_autoptr(GPtrArray) todo = g_steal_pointer(&rc->claimed);

    rc->claimed = g_ptr_array_new();
    for (guint i = 0; i < todo->len; i++)
        virObjReconnectOne(rc, g_ptr_array_index(todo, i));
}

/**
 * virObjReconnectAbandon:
 *
 * virtd is stopping: what was claimed and never reconnected is released,
 * untouched, for the next virtd.
 */
void
virObjReconnectAbandon(virObjReconnect *rc)
{
    for (guint i = 0; rc->claimed && i < rc->claimed->len; i++) {
        virObjClaim *claim = g_ptr_array_index(rc->claimed, i);

        virObjJobEnd(rc->ops->job(claim->obj));
        rc->ops->unref(rc->driver, claim->obj);
        g_free(claim);
    }
    g_clear_pointer(&rc->claimed, g_ptr_array_unref);
}

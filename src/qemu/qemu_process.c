/*
 * qemu_process.c: starting, stopping and reconnecting to qemu processes
 *
 * qemu runs in its own session, so it survives virtd.  It is started with
 * -S and -no-shutdown: virtd connects QMP, then lets the vCPUs run, and
 * decides itself what a guest power-off, panic or crash means.  What qemu
 * reports on the main loop (QMP events, the pidfd becoming readable) is
 * turned into work for a small thread pool, which takes the domain's job
 * like any API call, so hooks never run on the main loop.
 */
#define G_LOG_DOMAIN "virtd.qemu"

#include "qemu_process.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_command.h"
#include "vircommand.h"
#include "virdriver.h"
#include "virfile.h"
#include "virhook.h"
#include "virnetdev.h"
#include "virobjreconnect.h"
#include "virobjstatus.h"
#include "virprocess.h"
#include "virxml.h"

#ifndef P_PIDFD
# define P_PIDFD 3
#endif

#define QEMU_MONITOR_OPEN_MS 30000
#define QEMU_MONITOR_RECONNECT_MS 5000
#define QEMU_COMMAND_MS 30000
#define QEMU_KILL_GRACE_MS 10000
/* no limit: a task waiting for its guest's job must not hold up other guests */
#define QEMU_EVENT_THREADS -1
#define QEMU_RESET_DEBOUNCE_US (2 * G_USEC_PER_SEC)

typedef enum {
    QEMU_EVENT_SHUTDOWN,     /* SHUTDOWN: the guest powered off (or qemu was asked to) */
    QEMU_EVENT_PANIC,        /* GUEST_PANICKED */
    QEMU_EVENT_STOP,         /* STOP that neither virtd nor a power-off/panic caused */
    QEMU_EVENT_RESUME,       /* RESUME that virtd did not cause */
    QEMU_EVENT_EOF,          /* the process or the monitor went away */
} qemuEventKind;

/* One event of a guest, queued in qemuDomainPriv.events. */
typedef struct {
    guint gen;               /* the start it belongs to */
    qemuEventKind kind;
    gboolean watchdog;       /* STOP: a watchdog's 'pause' action */
} qemuEventTask;

typedef struct {
    const char *reason;      /* hook vocabulary: shutdown, destroyed, crashed... */
    const char *detail;      /* guest, host, panicked, watchdog, signal, reboot */
    int state_reason;        /* virDomainShutoffReason */
    int event_detail;        /* virDomainEventStoppedDetail */
} qemuStopReason;

static const qemuStopReason stopGuestShutdown = {"shutdown", "guest", VIR_DOMAIN_SHUTOFF_SHUTDOWN,
                                                 VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN};
static const qemuStopReason stopHostShutdown = {"shutdown", "host", VIR_DOMAIN_SHUTOFF_SHUTDOWN,
                                                VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN};
static const qemuStopReason stopReboot = {"shutdown", "reboot", VIR_DOMAIN_SHUTOFF_SHUTDOWN,
                                          VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN};
static const qemuStopReason stopDestroyed = {"destroyed", "host", VIR_DOMAIN_SHUTOFF_DESTROYED,
                                             VIR_DOMAIN_EVENT_STOPPED_DESTROYED};
static const qemuStopReason stopPanicked = {"crashed", "panicked", VIR_DOMAIN_SHUTOFF_CRASHED,
                                            VIR_DOMAIN_EVENT_STOPPED_CRASHED};
static const qemuStopReason stopWatchdog = {"crashed", "watchdog", VIR_DOMAIN_SHUTOFF_CRASHED,
                                            VIR_DOMAIN_EVENT_STOPPED_CRASHED};
/* as libvirt: 'shut off (crashed)' but event Stopped Failed */
static const qemuStopReason stopSignal = {"crashed", "signal", VIR_DOMAIN_SHUTOFF_CRASHED,
                                          VIR_DOMAIN_EVENT_STOPPED_FAILED};
static const qemuStopReason stopFailed = {"failed", NULL, VIR_DOMAIN_SHUTOFF_FAILED,
                                          VIR_DOMAIN_EVENT_STOPPED_FAILED};
static const qemuStopReason stopDaemon = {"daemon", NULL, VIR_DOMAIN_SHUTOFF_DAEMON,
                                          VIR_DOMAIN_EVENT_STOPPED_FAILED};
static const qemuStopReason stopUnknown = {"unknown", NULL, VIR_DOMAIN_SHUTOFF_UNKNOWN,
                                           VIR_DOMAIN_EVENT_STOPPED_FAILED};

static void qemuProcessEventPush(qemuDriver *drv, virDomainObj *obj, guint gen,
                                 qemuEventKind kind, gboolean watchdog);

static void qemuProcessReleasePorts(virDomainObj *obj);

/* ------------------------------------------------------------------ */
/* Hooks                                                               */

static gboolean
qemuProcessHook(virDomainObj *obj, virHookQemuOp op, virHookSubop subop, const char *extra,
                const qemuStopReason *why, GError **error)
{
    qemuDomainPriv *priv = qemuDomainGetPriv(obj);
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *xml = NULL;
    g_autofree char *name = NULL;
    g_autoptr(GError) err = NULL;
    virHookContext ctx = {0};

    g_mutex_lock(&obj->lock);
    virUUIDFormat(obj->def->uuid, uuid);
    xml = virDomainDefFormat(obj->def, obj->id, 0);
    name = g_strdup(obj->def->name);
    ctx.id = obj->id;
    g_mutex_unlock(&obj->lock);

    ctx.uuid = uuid;
    ctx.pid = priv->pid;
    ctx.reason = why ? why->reason : NULL;
    ctx.detail = why ? why->detail : NULL;
    ctx.reconnect = op == VIR_HOOK_QEMU_OP_RECONNECT;
    ctx.on_spawn = virObjJobSetHookPgid;
    ctx.opaque = &obj->job;
    if (!virHookCall(VIR_HOOK_DRIVER_QEMU, name, op, subop, extra, &ctx, xml, NULL, &err)) {
        /* clients see libvirt's code for it, with the script's message */
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_HOOK_SCRIPT_FAILED);
        return FALSE;
    }
    return TRUE;
}

/* Hooks whose failure is only logged. */
static void
qemuProcessHookLogged(virDomainObj *obj, virHookQemuOp op, virHookSubop subop,
                      const char *extra, const qemuStopReason *why)
{
    g_autoptr(GError) err = NULL;

    if (!qemuProcessHook(obj, op, subop, extra, why, &err))
        g_warning(_("qemu '%s' hook failed, ignored: %s"), virHookQemuOpTypeToString(op),
                  err->message);
}

/* ------------------------------------------------------------------ */
/* The process                                                         */

/* Is the process still there (not exited)? */
static gboolean
qemuProcessAlive(qemuDomainPriv *priv)
{
    struct pollfd pfd = {.fd = priv->pidfd, .events = POLLIN};

    return priv->pidfd >= 0 && poll(&pfd, 1, 0) == 0;
}

static gboolean
qemuProcessWaitExit(qemuDomainPriv *priv, guint timeout_ms)
{
    struct pollfd pfd = {.fd = priv->pidfd, .events = POLLIN};

    return priv->pidfd < 0 || poll(&pfd, 1, timeout_ms) > 0;
}

/* SIGTERM, a grace period, SIGKILL (unless @graceful). */
static gboolean
qemuProcessKill(qemuDomainPriv *priv, gboolean graceful)
{
    if (!qemuProcessAlive(priv))
        return TRUE;
    pidfd_send_signal(priv->pidfd, SIGTERM, NULL, 0);
    if (qemuProcessWaitExit(priv, QEMU_KILL_GRACE_MS))
        return TRUE;
    if (graceful)
        return FALSE;
    pidfd_send_signal(priv->pidfd, SIGKILL, NULL, 0);
    return qemuProcessWaitExit(priv, QEMU_KILL_GRACE_MS);
}

/* Releases what the running process held; the process is gone. */
static void
qemuProcessReleaseRuntime(virDomainObj *obj, qemuDomainPriv *priv)
{
    siginfo_t info;

    qemuDomainPrivDetach(priv);
    if (priv->pidfd >= 0) {
        /* our child unless virtd restarted since: reap it if so */
        waitid(P_PIDFD, priv->pidfd, &info, WEXITED | WNOHANG);
        close(priv->pidfd);
    }
    priv->pidfd = -1;
    g_mutex_lock(&obj->lock);
    priv->pid = 0;
    g_mutex_unlock(&obj->lock);
    priv->reboot = QEMU_REBOOT_NONE;
    priv->shutdown = (qemuShutdown){FALSE, FALSE, FALSE};
    priv->expect = QEMU_EXPECT_NONE;
    priv->watchdog = QEMU_WATCHDOG_NONE;
    priv->panicked = FALSE;
}

/* Back to the persistent definition, not running. */
static void
qemuProcessMarkStopped(virDomainObj *obj, const qemuStopReason *why)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    obj->id = -1;
    obj->state = VIR_DOMAIN_SHUTOFF;
    obj->reason = why->state_reason;
    if (obj->newDef) {
        virDomainDefFree(obj->def);
        obj->def = g_steal_pointer(&obj->newDef);
    }
}

/**
 * qemuProcessStopFull:
 * @keep: a transient domain stays (it is about to be started again)
 *
 * With the job held: ends the process if needed, runs the stopped hook
 * (before resources are released) and the release hook (last), drops
 * the status file, and tells clients.
 */
static void
qemuProcessStopFull(qemuDriver *drv, virDomainObj *obj, const qemuStopReason *why,
                    gboolean keep)
{
    qemuDomainPriv *priv = qemuDomainGetPriv(obj);
    g_autofree char *name = NULL;

    priv->stopping = TRUE;
    qemuProcessKill(priv, FALSE);
    qemuProcessReleaseRuntime(obj, priv);

    g_mutex_lock(&obj->lock);
    name = g_strdup(obj->def->name);
    obj->id = -1; /* the stopped hook gets the XML without id */
    g_mutex_unlock(&obj->lock);
    g_info(_("domain '%s' stopped (%s%s%s)"), name, why->reason, why->detail ? ", " : "",
           why->detail ? why->detail : "");

    qemuProcessHookLogged(obj, VIR_HOOK_QEMU_OP_STOPPED, VIR_HOOK_SUBOP_END, NULL, why);
    qemuDomainCloseTaps(priv);
    qemuProcessReleasePorts(obj);
    qemuDomainRemoveStatus(drv, name, priv->monitor_path);
    qemuProcessMarkStopped(obj, why);
    qemuProcessHookLogged(obj, VIR_HOOK_QEMU_OP_RELEASE, VIR_HOOK_SUBOP_END, why->reason, why);
    priv->stopping = FALSE;
    qemuDomainEmit(drv, obj, VIR_DOMAIN_EVENT_STOPPED, why->event_detail);
    if (!keep)
        virDomainDriverRemoveIfTransient(&drv->dom, obj);
}

static void
qemuProcessStop(qemuDriver *drv, virDomainObj *obj, const qemuStopReason *why)
{
    qemuProcessStopFull(drv, obj, why, FALSE);
}

/* ------------------------------------------------------------------ */
/* Events from qemu (main loop) -> tasks (event pool)                  */

/* qemu's watchdog action names, in libvirt's virDomainEventWatchdogAction order */
static const char *const qemuWatchdogActions[] = {
    "none", "pause", "reset", "poweroff", "shutdown", "debug", "inject-nmi",
};
G_STATIC_ASSERT(G_N_ELEMENTS(qemuWatchdogActions) == VIR_DOMAIN_EVENT_WATCHDOG_INJECTNMI + 1);

static void
qemuProcessEmitWatchdog(qemuDriver *drv, virDomainObj *obj, JsonObject *data)
{
    const char *action = data ? json_object_get_string_member_with_default(data, "action", "")
                              : "";
    int code = virEnumFromString(qemuWatchdogActions, G_N_ELEMENTS(qemuWatchdogActions), action);

    qemuDomainEmitId(drv, obj, VIR_DOMAIN_EVENT_ID_WATCHDOG,
                      code < 0 ? VIR_DOMAIN_EVENT_WATCHDOG_NONE : code);
}

/* STOP, on the loop: qemu's answer to virtd's own stop, or the pause of
 * a power-off or panic being handled, is no news; anything else (a
 * watchdog 'pause' action...) is a pause, handled by a task. */
static void
qemuProcessOnStop(qemuMonitorCtx *mc, qemuDomainPriv *priv)
{
    gboolean watchdog = priv->watchdog == QEMU_WATCHDOG_PAUSING;

    if (priv->expect == QEMU_EXPECT_STOP) {
        priv->expect = QEMU_EXPECT_NONE;
        return;
    }
    if (priv->shutdown.seen || priv->panicked || priv->stopping)
        return;
    if (watchdog)
        priv->watchdog = QEMU_WATCHDOG_FIRED;
    qemuProcessEventPush(mc->drv, mc->obj, mc->gen, QEMU_EVENT_STOP, watchdog);
}

/* RESUME, on the loop: the answer to virtd's own cont is no news. */
static void
qemuProcessOnResume(qemuMonitorCtx *mc, qemuDomainPriv *priv)
{
    if (priv->expect == QEMU_EXPECT_RESUME) {
        priv->expect = QEMU_EXPECT_NONE;
        return;
    }
    if (priv->stopping)
        return;
    qemuProcessEventPush(mc->drv, mc->obj, mc->gen, QEMU_EVENT_RESUME, FALSE);
}

static void
qemuProcessOnShutdownEvent(qemuMonitorCtx *mc, qemuDomainPriv *priv, JsonObject *data)
{
    priv->shutdown.seen = TRUE;
    priv->shutdown.guest = data && json_object_has_member(data, "guest") &&
                           json_object_get_boolean_member(data, "guest");
    priv->shutdown.reset = data && json_object_has_member(data, "reason") &&
                           g_strcmp0(json_object_get_string_member(data, "reason"),
                                     "guest-reset") == 0;
    qemuProcessEventPush(mc->drv, mc->obj, mc->gen, QEMU_EVENT_SHUTDOWN, FALSE);
}

static void
qemuProcessOnEvent(qemuMonitor *mon, const char *name, JsonObject *data, gint64 ts,
                   gpointer opaque)
{
    qemuMonitorCtx *mc = opaque;
    qemuDomainPriv *priv = mc->obj->priv;

    g_debug("domain event %s", name);
    if (g_str_equal(name, "SHUTDOWN")) {
        qemuProcessOnShutdownEvent(mc, priv, data);
    } else if (g_str_equal(name, "GUEST_PANICKED")) {
        priv->panicked = TRUE;
        qemuProcessEventPush(mc->drv, mc->obj, mc->gen, QEMU_EVENT_PANIC, FALSE);
    } else if (g_str_equal(name, "WATCHDOG")) {
        gboolean pause = data && g_strcmp0(json_object_get_string_member_with_default(
                                               data, "action", ""),
                                           "pause") == 0;
        priv->watchdog = pause ? QEMU_WATCHDOG_PAUSING : QEMU_WATCHDOG_FIRED;
        qemuProcessEmitWatchdog(mc->drv, mc->obj, data);
    } else if (g_str_equal(name, "STOP")) {
        qemuProcessOnStop(mc, priv);
    } else if (g_str_equal(name, "RESUME")) {
        qemuProcessOnResume(mc, priv);
    } else if (g_str_equal(name, "DEVICE_DELETED")) {
        const char *device = data ? json_object_get_string_member_with_default(data, "device",
                                                                               NULL)
                                  : NULL;

        if (device) {
            g_mutex_lock(&mc->obj->lock);
            g_hash_table_add(priv->deleted, g_strdup(device));
            g_cond_broadcast(&priv->deleted_cond);
            g_mutex_unlock(&mc->obj->lock);
        }
    } else if (g_str_equal(name, "RESET")) {
        if (ts - priv->last_reset_us > QEMU_RESET_DEBOUNCE_US)
            qemuDomainEmitId(mc->drv, mc->obj, VIR_DOMAIN_EVENT_ID_REBOOT, 0);
        priv->last_reset_us = ts;
    }
}

static void
qemuProcessOnEof(qemuMonitor *mon, gpointer opaque)
{
    qemuMonitorCtx *mc = opaque;

    qemuProcessEventPush(mc->drv, mc->obj, mc->gen, QEMU_EVENT_EOF, FALSE);
}

static const qemuMonitorCallbacks qemuMonitorCbs = {
    .event = qemuProcessOnEvent,
    .eof = qemuProcessOnEof,
};

static gboolean
qemuProcessOnExit(gint fd, GIOCondition cond, gpointer opaque)
{
    qemuMonitorCtx *mc = opaque;
    qemuDomainPriv *priv = mc->obj->priv;

    priv->pidfd_watch = 0;
    qemuProcessEventPush(mc->drv, mc->obj, mc->gen, QEMU_EVENT_EOF, FALSE);
    return G_SOURCE_REMOVE;
}

/* Queues an event of the guest: its events are handled in the order they
 * came, one at a time, by one thread of the pool at a time. */
static void
qemuProcessEventPush(qemuDriver *drv, virDomainObj *obj, guint gen, qemuEventKind kind,
                     gboolean watchdog)
{
    qemuDomainPriv *priv = obj->priv;
    qemuEventTask *task;
    gboolean start;

    if (g_atomic_int_get(&drv->stopping))
        return;     /* left to the next virtd, which finds what happened */
    task = g_new0(qemuEventTask, 1);
    task->gen = gen;
    task->kind = kind;
    task->watchdog = watchdog;
    g_mutex_lock(&obj->lock);
    g_queue_push_tail(&priv->events, task);
    start = !priv->events_running;
    priv->events_running = TRUE;
    g_mutex_unlock(&obj->lock);
    if (start)
        g_thread_pool_push(drv->events, g_atomic_rc_box_acquire(obj), NULL);
}

static gboolean
qemuProcessIsRestart(virDomainLifecycleAction action)
{
    return action == VIR_DOMAIN_LIFECYCLE_ACTION_RESTART ||
           action == VIR_DOMAIN_LIFECYCLE_ACTION_RENAME_RESTART ||
           action == VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_RESTART;
}

/* on_poweroff / on_crash: restart = a full stop then a start.  The stop
 * kept a transient domain for it; a failed start removes it. */
static void
qemuProcessStopThen(qemuDriver *drv, virDomainObj *obj, const qemuStopReason *why,
                    virDomainLifecycleAction action)
{
    g_autoptr(GError) err = NULL;

    qemuProcessStopFull(drv, obj, why, qemuProcessIsRestart(action));
    if (!qemuProcessIsRestart(action))
        return;
    if (!qemuProcessStart(drv, obj, &err))
        g_warning(_("cannot restart domain '%s': %s"), obj->def->name, err->message);
}

static void
qemuProcessHandleShutdown(qemuDriver *drv, virDomainObj *obj, qemuDomainPriv *priv)
{
    g_autoptr(GError) err = NULL;
    virDomainLifecycleAction action;

    if (priv->reboot == QEMU_REBOOT_FAKE) {
        /* Events come before the replies that follow them: by the time
         * these commands return, the STOP of the power-off and the RESUME
         * of our cont have been seen, so only now is the power-off over. */
        priv->expect = QEMU_EXPECT_RESUME;
        if (!qemuMonitorSimpleCommand(priv->mon, "system_reset", &err) ||
            !qemuMonitorSimpleCommand(priv->mon, "cont", &err))
            g_warning(_("reboot of domain '%s' failed: %s"), obj->def->name, err->message);
        priv->reboot = QEMU_REBOOT_NONE;
        priv->shutdown.seen = FALSE;
        return;
    }
    qemuDomainEmit(drv, obj, VIR_DOMAIN_EVENT_SHUTDOWN,
                   priv->shutdown.guest ? VIR_DOMAIN_EVENT_SHUTDOWN_GUEST
                                        : VIR_DOMAIN_EVENT_SHUTDOWN_HOST);
    if (priv->shutdown.reset || priv->reboot == QEMU_REBOOT_STOP) {
        /* on_reboot=destroy: qemu ran with -no-reboot, or virsh reboot */
        qemuProcessStop(drv, obj, &stopReboot);
        return;
    }
    action = obj->def->on_poweroff;
    qemuProcessStopThen(drv, obj, priv->shutdown.guest ? &stopGuestShutdown : &stopHostShutdown,
                        action);
}

static void
qemuProcessHandlePanic(qemuDriver *drv, virDomainObj *obj)
{
    virDomainLifecycleAction action = obj->def->on_crash;

    qemuDomainEmit(drv, obj, VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED);
    if (action == VIR_DOMAIN_LIFECYCLE_ACTION_PRESERVE) {
        qemuDomainSetState(obj, VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_PANICKED);
        qemuDomainSaveStatus(drv, obj);
        return;
    }
    qemuProcessStopThen(drv, obj, &stopPanicked, action);
}

/* A pause qemu made by itself: 'paused (watchdog)' or 'paused (unknown)'. */
static void
qemuProcessHandleStop(qemuDriver *drv, virDomainObj *obj, qemuDomainPriv *priv,
                      gboolean watchdog)
{
    if (priv->shutdown.seen || priv->panicked || obj->state != VIR_DOMAIN_RUNNING)
        return;
    qemuDomainSetState(obj, VIR_DOMAIN_PAUSED,
                       watchdog ? VIR_DOMAIN_PAUSED_WATCHDOG : VIR_DOMAIN_PAUSED_UNKNOWN);
    qemuDomainSaveStatus(drv, obj);
    qemuDomainEmit(drv, obj, VIR_DOMAIN_EVENT_SUSPENDED,
                   watchdog ? VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG
                            : VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
}

/* The vCPUs run again, and not through virtd (a QMP client's cont...). */
static void
qemuProcessHandleResume(qemuDriver *drv, virDomainObj *obj)
{
    if (obj->state != VIR_DOMAIN_PAUSED)
        return;
    qemuDomainSetState(obj, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
    qemuDomainSaveStatus(drv, obj);
    qemuDomainEmit(drv, obj, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
}

static void
qemuProcessHandleEof(qemuDriver *drv, virDomainObj *obj, qemuDomainPriv *priv)
{
    const qemuStopReason *why = &stopSignal;

    if (priv->shutdown.seen)
        why = priv->shutdown.guest ? &stopGuestShutdown : &stopHostShutdown;
    else if (priv->watchdog != QEMU_WATCHDOG_NONE)
        why = &stopWatchdog;
    qemuProcessStop(drv, obj, why);
}

static void
qemuProcessEventRun(qemuDriver *drv, virDomainObj *obj, const qemuEventTask *task)
{
    qemuDomainPriv *priv = obj->priv;

    /* waits out an operation in progress (its hooks included): the event
     * is handled after it, or ignored if that operation stopped the guest.
     * Once virtd is stopping it is left to the next virtd, which finds
     * what happened when it reconnects. */
    virObjJobBegin(&obj->job, NULL, "qemu event", VIR_OBJ_JOB_WAIT_FOREVER, NULL);
    if (priv->gen == task->gen && obj->id != -1 && !g_atomic_int_get(&drv->stopping)) {
        switch (task->kind) {
        case QEMU_EVENT_SHUTDOWN:
            qemuProcessHandleShutdown(drv, obj, priv);
            break;
        case QEMU_EVENT_PANIC:
            qemuProcessHandlePanic(drv, obj);
            break;
        case QEMU_EVENT_STOP:
            qemuProcessHandleStop(drv, obj, priv, task->watchdog);
            break;
        case QEMU_EVENT_RESUME:
            qemuProcessHandleResume(drv, obj);
            break;
        case QEMU_EVENT_EOF:
            qemuProcessHandleEof(drv, obj, priv);
            break;
        }
    }
    virObjJobEnd(&obj->job);
}

/* A thread of the event pool: the guest's queued events, in order. */
static void
qemuProcessEventRunQueue(gpointer data, gpointer user_data)
{
    virDomainObj *obj = data;
    qemuDriver *drv = user_data;
    qemuDomainPriv *priv = obj->priv;
    qemuEventTask *task;

    for (;;) {
        g_mutex_lock(&obj->lock);
        task = g_queue_pop_head(&priv->events);
        if (!task)
            priv->events_running = FALSE;
        g_mutex_unlock(&obj->lock);
        if (!task)
            break;
        qemuProcessEventRun(drv, obj, task);
        g_free(task);
    }
    virDomainDriverObjUnref(&drv->dom, obj);
}

/* Connects QMP and watches the process, for a start or a reconnect. */
static gboolean
qemuProcessAttach(qemuDriver *drv, virDomainObj *obj, guint timeout_ms, GError **error)
{
    qemuDomainPriv *priv = obj->priv;
    qemuMonitorCtx *mc = g_new0(qemuMonitorCtx, 1);
    qemuMonitorCtx *wc = g_new0(qemuMonitorCtx, 1);

    mc->drv = wc->drv = drv;
    mc->obj = g_atomic_rc_box_acquire(obj);
    wc->obj = g_atomic_rc_box_acquire(obj);
    mc->gen = wc->gen = priv->gen;
    priv->mon = qemuMonitorOpen(priv->monitor_path, priv->pidfd, timeout_ms, NULL,
                                &qemuMonitorCbs, mc, error);
    if (!priv->mon) {
        qemuMonitorCtxFree(mc);
        qemuMonitorCtxFree(wc);
        return FALSE;
    }
    priv->mon_ctx = mc;
    priv->pidfd_watch = g_unix_fd_add_full(G_PRIORITY_DEFAULT, priv->pidfd, G_IO_IN,
                                           qemuProcessOnExit, wc,
                                           (GDestroyNotify)qemuMonitorCtxFree);
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* Start                                                               */

/* The live definition: a copy of the persistent one, kept aside. */
static void
qemuProcessPrepareDef(qemuDriver *drv, virDomainObj *obj, int id)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    if (obj->persistent && !obj->newDef)
        obj->newDef = virDomainDefCopy(obj->def);
    obj->id = id;
    /* each interface's device id, kept in the live XML (<alias>): the ids
     * stay the same when interfaces come and go */
    for (guint i = 0; i < obj->def->interfaces->len; i++) {
        virDomainNetDef *net = g_ptr_array_index(obj->def->interfaces, i);

        g_free(net->alias);
        net->alias = g_strdup_printf("net%u", i);
    }
}

static gboolean
qemuProcessCheckDef(virDomainObj *obj, GError **error)
{
    const virNetworkDriver *netdrv = virDriverGetNetwork();

    for (guint i = 0; i < obj->def->interfaces->len; i++) {
        virDomainNetDef *net = g_ptr_array_index(obj->def->interfaces, i);

        if (net->type == VIR_DOMAIN_NET_TYPE_NETWORK &&
            (!netdrv || !netdrv->networkPortAllocate)) {
            virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                        _("interface type 'network' of domain '%s' needs the network driver, "
                          "which this virtd runs without"),
                        obj->def->name);
            return FALSE;
        }
    }
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* Interfaces on virtual networks: ports                                */

/* What the network driver is told about @net of @obj (strings owned by
 * the caller's @iface_xml / @dom_xml). */
static void
qemuProcessPortReq(virDomainObj *obj, virDomainNetDef *net, virNetworkPortReq *req,
                   char **iface_xml, char **dom_xml, char *uuid)
{
    g_mutex_lock(&obj->lock);
    virUUIDFormat(obj->def->uuid, uuid);
    req->dom_uuid = uuid;
    req->mac = net->mac;
    *iface_xml = virDomainNetDefFormatString(net);
    *dom_xml = virDomainDefFormat(obj->def, obj->id, 0);
    req->network = net->source;
    req->portid = net->portid;
    req->dom_name = obj->def->name;
    g_mutex_unlock(&obj->lock);
    req->iface_xml = *iface_xml;
    req->dom_xml = *dom_xml;
    req->on_spawn = virObjJobSetHookPgid;
    req->opaque = &obj->job;
}

/* A port on its network for @net (type network): its bridge and port id
 * go into the live XML.  With @portid_kept (after a restart) the recorded
 * port is taken again. */
static gboolean
qemuProcessAllocatePort(virDomainObj *obj, virDomainNetDef *net, gboolean portid_kept,
                        GError **error)
{
    const virNetworkDriver *netdrv = virDriverGetNetwork();
    virNetworkPortReq req = {0};
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *iface_xml = NULL;
    g_autofree char *dom_xml = NULL;
    g_autofree char *bridge = NULL;
    g_autofree char *portid = NULL;

    qemuProcessPortReq(obj, net, &req, &iface_xml, &dom_xml, uuid);
    if (!portid_kept)
        req.portid = NULL;
    if (!netdrv->networkPortAllocate(&req, &bridge, &portid, error))
        return FALSE;
    g_mutex_lock(&obj->lock);
    g_free(net->bridge);
    net->bridge = g_steal_pointer(&bridge);
    g_free(net->portid);
    net->portid = g_steal_pointer(&portid);
    g_mutex_unlock(&obj->lock);
    return TRUE;
}

/* A port for each <interface type='network'> (see above). */
static gboolean
qemuProcessAllocatePorts(virDomainObj *obj, gboolean portid_kept, GError **error)
{
    for (guint i = 0; i < obj->def->interfaces->len; i++) {
        virDomainNetDef *net = g_ptr_array_index(obj->def->interfaces, i);

        if (net->type != VIR_DOMAIN_NET_TYPE_NETWORK || (portid_kept && !net->portid))
            continue;
        if (!qemuProcessAllocatePort(obj, net, portid_kept, error))
            return FALSE;
    }
    return TRUE;
}

/* The ports are recorded before their hooks run: a virtd killed during
 * 'plugged' finds them, and the failed start it finishes unplugs them. */
static gboolean
qemuProcessSavePorts(qemuDriver *drv, virDomainObj *obj)
{
    qemuDomainSaveStatus(drv, obj);
    return TRUE;
}

/* The network 'plugged' hook of @net's port (its tap exists). */
static gboolean
qemuProcessPlugPort(virDomainObj *obj, virDomainNetDef *net, gboolean reconnect,
                    GError **error)
{
    const virNetworkDriver *netdrv = virDriverGetNetwork();
    virNetworkPortReq req = {0};
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *iface_xml = NULL;
    g_autofree char *dom_xml = NULL;

    if (net->type != VIR_DOMAIN_NET_TYPE_NETWORK || !net->portid)
        return TRUE;
    qemuProcessPortReq(obj, net, &req, &iface_xml, &dom_xml, uuid);
    return netdrv->networkPortPlugged(&req, reconnect, error);
}

static gboolean
qemuProcessPlugPorts(virDomainObj *obj, gboolean reconnect, GError **error)
{
    for (guint i = 0; i < obj->def->interfaces->len; i++) {
        if (!qemuProcessPlugPort(obj, g_ptr_array_index(obj->def->interfaces, i), reconnect,
                                 error))
            return FALSE;
    }
    return TRUE;
}

/* @net let go of its port: 'unplugged', and the network forgets it. */
static void
qemuProcessReleasePort(virDomainObj *obj, virDomainNetDef *net)
{
    const virNetworkDriver *netdrv = virDriverGetNetwork();
    virNetworkPortReq req = {0};
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *iface_xml = NULL;
    g_autofree char *dom_xml = NULL;

    if (!netdrv || net->type != VIR_DOMAIN_NET_TYPE_NETWORK || !net->portid)
        return;
    qemuProcessPortReq(obj, net, &req, &iface_xml, &dom_xml, uuid);
    netdrv->networkPortRelease(&req);
    g_mutex_lock(&obj->lock);
    g_clear_pointer(&net->portid, g_free);
    g_clear_pointer(&net->bridge, g_free);
    g_mutex_unlock(&obj->lock);
}

static void
qemuProcessReleasePorts(virDomainObj *obj)
{
    for (guint i = 0; i < obj->def->interfaces->len; i++)
        qemuProcessReleasePort(obj, g_ptr_array_index(obj->def->interfaces, i));
}

/* One tap per interface: named from <target dev> or vnetN, the guest MAC
 * with fe: first, a port of the bridge (the network's for type network),
 * up. */
static gboolean
qemuProcessCreateTap(virDomainNetDef *net, int *fd, GError **error)
{
    g_autofree char *ifname = NULL;
    g_autofree char *mac = virNetDevTapMAC(net->mac);
    g_autoptr(GError) err = NULL;

    const char *bridge = net->type == VIR_DOMAIN_NET_TYPE_NETWORK ? net->bridge : net->source;

    *fd = virNetDevTapCreate(net->ifname ? net->ifname : "vnet%d", &ifname, &err);
    if (*fd < 0 || !virNetDevSetMAC(ifname, mac, &err) ||
        !virNetDevBridgeAddPort(bridge, ifname, &err) || !virNetDevSetUp(ifname, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
        return FALSE;
    }
    g_free(net->ifname);
    net->ifname = g_steal_pointer(&ifname);
    return TRUE;
}

static gboolean
qemuProcessCreateTaps(virDomainObj *obj, qemuDomainPriv *priv, GError **error)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&obj->lock);

    priv->tap_fds = g_array_new(FALSE, FALSE, sizeof(int));
    for (guint i = 0; i < obj->def->interfaces->len; i++) {
        int fd = -1;
        gboolean ok = qemuProcessCreateTap(g_ptr_array_index(obj->def->interfaces, i), &fd,
                                           error);
        g_array_append_val(priv->tap_fds, fd);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

static gboolean
qemuProcessSpawn(qemuDriver *drv, virDomainObj *obj, GError **error)
{
    qemuDomainPriv *priv = obj->priv;
    qemuCommandRuntime rt = {.emulator = drv->emulator, .monitor_path = priv->monitor_path};
    g_autofree int *child_fds = g_new0(int, priv->tap_fds->len + 1);
    g_autofree char *log_path = NULL;
    g_auto(GStrv) argv = NULL;
    g_autoptr(virCommand) cmd = NULL;
    g_autoptr(GError) err = NULL;
    int logfd;

    /* passed fds are numbered 3, 4... in the order they are passed */
    for (guint i = 0; i < priv->tap_fds->len; i++)
        child_fds[i] = 3 + (int)i;
    rt.tap_fds = child_fds;
    rt.n_tap_fds = priv->tap_fds->len;
    g_mutex_lock(&obj->lock);
    argv = qemuBuildCommandLine(obj->def, &rt, error);
    log_path = g_strdup_printf("%s/%s.log", drv->log_dir, obj->def->name);
    g_mutex_unlock(&obj->lock);
    if (!argv)
        return FALSE;
    if (!virFileMakeDir(drv->log_dir, 0700, &err) ||
        (logfd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("cannot open the log file '%s': %s"),
                    log_path, err ? err->message : g_strerror(errno));
        return FALSE;
    }
    g_unlink(priv->monitor_path);
    cmd = virCommandNewArgv((const char *const *)argv);
    virCommandAddEnvPair(cmd, "LC_ALL", "C");
    virCommandAddEnvPass(cmd, "PATH");
    virCommandSetOutputFD(cmd, logfd);
    virCommandSetErrorFD(cmd, logfd);
    virCommandSetNewSession(cmd, TRUE);
    for (guint i = 0; i < priv->tap_fds->len; i++)
        g_assert(virCommandPassFD(cmd, g_array_index(priv->tap_fds, int, i)) == child_fds[i]);
    if (!virCommandStart(cmd, &err)) {
        close(logfd);
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("cannot start qemu: %s"), err->message);
        return FALSE;
    }
    close(logfd);
    g_mutex_lock(&obj->lock);
    priv->pid = virCommandGetPid(cmd);
    g_mutex_unlock(&obj->lock);
    priv->pidfd = virCommandStealPidfd(cmd);
    return TRUE;
}

/* After spawn: QMP, vCPUs running, status saved. */
static gboolean
qemuProcessLaunch(qemuDriver *drv, virDomainObj *obj, GError **error)
{
    qemuDomainPriv *priv = obj->priv;

    if (!qemuProcessSpawn(drv, obj, error))
        return FALSE;
    qemuDomainSaveStatus(drv, obj);
    priv->expect = QEMU_EXPECT_RESUME;
    if (!qemuProcessAttach(drv, obj, QEMU_MONITOR_OPEN_MS, error) ||
        !qemuMonitorSimpleCommand(priv->mon, "cont", error))
        return FALSE;
    qemuDomainSetState(obj, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED);
    qemuDomainSaveStatus(drv, obj);
    return TRUE;
}

/* A status file of this guest while it is not running is one virtd
 * ignored at start-up (unreadable): its QEMU may still run, and a second
 * one would take over the guest's files. */
static gboolean
qemuProcessCheckNoStatus(qemuDriver *drv, const char *name, GError **error)
{
    g_autofree char *path = qemuDomainStatusPath(drv, name, ".xml");

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return TRUE;
    virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                _("domain '%s' has a status file that virtd could not read at start-up "
                  "('%s'): its QEMU may still be running; stop that QEMU if it is, then "
                  "remove the file"),
                name, path);
    return FALSE;
}

/**
 * qemuProcessStart:
 *
 * With the job held: prepare hook, start hook, qemu, started hook.  A
 * failure anywhere runs stopped + release (reason failed) and returns the
 * error (a hook's includes its stderr).
 */
gboolean
qemuProcessStart(qemuDriver *drv, virDomainObj *obj, GError **error)
{
    qemuDomainPriv *priv = qemuDomainGetPriv(obj);
    g_autofree char *name = NULL;
    int id;

    if (obj->id != -1) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("domain is already running"));
        return FALSE;
    }
    if (!qemuProcessCheckDef(obj, error))
        return FALSE;
    name = g_strdup(obj->def->name);
    if (!qemuProcessCheckNoStatus(drv, name, error))
        return FALSE;
    id = g_atomic_int_add(&drv->next_id, 1);
    priv->gen++;
    g_free(priv->monitor_path);
    priv->monitor_path = qemuDomainMonitorPath(drv, id);
    qemuProcessPrepareDef(drv, obj, id);

    /* From here a status file exists, so a virtd killed in the middle of
     * the start finds the guest at its next start and cleans up. */
    qemuDomainSaveStatus(drv, obj);
    if (!qemuProcessHook(obj, VIR_HOOK_QEMU_OP_PREPARE, VIR_HOOK_SUBOP_BEGIN, NULL, NULL,
                         error) ||
        !qemuProcessAllocatePorts(obj, FALSE, error) ||
        !qemuProcessSavePorts(drv, obj) ||
        !qemuProcessCreateTaps(obj, priv, error) ||
        !qemuProcessPlugPorts(obj, FALSE, error) ||
        !qemuProcessHook(obj, VIR_HOOK_QEMU_OP_START, VIR_HOOK_SUBOP_BEGIN, NULL, NULL,
                         error) ||
        !qemuProcessLaunch(drv, obj, error))
        goto failed;
    qemuDomainEmit(drv, obj, VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED);
    if (!qemuProcessHook(obj, VIR_HOOK_QEMU_OP_STARTED, VIR_HOOK_SUBOP_BEGIN, NULL, NULL,
                         error))
        goto failed;
    g_info(_("domain '%s' started (id %d, pid %d)"), name, obj->id, (int)priv->pid);
    return TRUE;

 failed:
    g_warning(_("cannot start domain '%s': %s"), name, (*error)->message);
    qemuProcessStop(drv, obj, &stopFailed);
    return FALSE;
}

/* ------------------------------------------------------------------ */
/* Operations on a running domain (job held)                           */

static gboolean
qemuProcessCheckRunning(virDomainObj *obj, GError **error)
{
    qemuDomainPriv *priv = obj->priv;

    if (obj->id == -1 || !priv || !priv->mon) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("domain is not running"));
        return FALSE;
    }
    return TRUE;
}

gboolean
qemuProcessDestroy(qemuDriver *drv, virDomainObj *obj, gboolean graceful, GError **error)
{
    qemuDomainPriv *priv = obj->priv;

    if (!qemuProcessCheckRunning(obj, error))
        return FALSE;
    if (graceful && !qemuProcessKill(priv, TRUE)) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED,
                    _("domain '%s' did not stop within %d s of SIGTERM"), obj->def->name,
                    QEMU_KILL_GRACE_MS / 1000);
        return FALSE;
    }
    qemuDomainEmit(drv, obj, VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_HOST);
    qemuProcessStop(drv, obj, &stopDestroyed);
    return TRUE;
}

/* ACPI power button: the guest may ignore it.  A power-off now means a
 * power-off, even after a reboot whose press the guest never saw. */
gboolean
qemuProcessPowerdown(qemuDriver *drv, virDomainObj *obj, GError **error)
{
    qemuDomainPriv *priv = obj->priv;

    if (!qemuProcessCheckRunning(obj, error))
        return FALSE;
    if (obj->state != VIR_DOMAIN_RUNNING) {
        /* as libvirt: a paused guest would see the press once resumed */
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("domain is not running"));
        return FALSE;
    }
    priv->reboot = QEMU_REBOOT_NONE;
    return qemuMonitorSimpleCommand(priv->mon, "system_powerdown", error);
}

/* libvirt's "fake reboot": power button, then reset instead of a stop.
 * With on_reboot=destroy the reboot is a stop, as in libvirt (a reset
 * would stop qemu anyway: it runs with -no-reboot). */
gboolean
qemuProcessReboot(qemuDriver *drv, virDomainObj *obj, GError **error)
{
    qemuDomainPriv *priv = obj->priv;
    gboolean stop;

    if (!qemuProcessCheckRunning(obj, error))
        return FALSE;
    stop = obj->def->on_reboot == VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY;
    priv->reboot = stop ? QEMU_REBOOT_STOP : QEMU_REBOOT_FAKE;
    if (!qemuMonitorSimpleCommand(priv->mon, "system_powerdown", error)) {
        priv->reboot = QEMU_REBOOT_NONE;
        return FALSE;
    }
    return TRUE;
}

gboolean
qemuProcessReset(qemuDriver *drv, virDomainObj *obj, GError **error)
{
    qemuDomainPriv *priv = obj->priv;

    return qemuProcessCheckRunning(obj, error) &&
           qemuMonitorSimpleCommand(priv->mon, "system_reset", error);
}

gboolean
qemuProcessSuspend(qemuDriver *drv, virDomainObj *obj, GError **error)
{
    qemuDomainPriv *priv = obj->priv;

    if (!qemuProcessCheckRunning(obj, error))
        return FALSE;
    if (obj->state == VIR_DOMAIN_PAUSED)
        return TRUE;    /* as libvirt: nothing to do, no event */
    priv->expect = QEMU_EXPECT_STOP;
    if (!qemuMonitorSimpleCommand(priv->mon, "stop", error)) {
        priv->expect = QEMU_EXPECT_NONE;
        return FALSE;
    }
    qemuDomainSetState(obj, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER);
    qemuDomainSaveStatus(drv, obj);
    qemuDomainEmit(drv, obj, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
    return TRUE;
}

gboolean
qemuProcessResume(qemuDriver *drv, virDomainObj *obj, GError **error)
{
    qemuDomainPriv *priv = obj->priv;

    if (!qemuProcessCheckRunning(obj, error))
        return FALSE;
    if (obj->state == VIR_DOMAIN_RUNNING) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("domain is already running"));
        return FALSE;
    }
    priv->expect = QEMU_EXPECT_RESUME;
    if (!qemuMonitorSimpleCommand(priv->mon, "cont", error)) {
        priv->expect = QEMU_EXPECT_NONE;
        return FALSE;
    }
    qemuDomainSetState(obj, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
    qemuDomainSaveStatus(drv, obj);
    qemuDomainEmit(drv, obj, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
    return TRUE;
}

/**
 * qemuProcessCpuTime:
 *
 * The CPU time (user + system) the guest's QEMU process has used, in
 * nanoseconds, from /proc/<pid>/stat as libvirt reports it; 0 if unknown.
 * Called with obj->lock held.
 */
guint64
qemuProcessCpuTime(virDomainObj *obj)
{
    qemuDomainPriv *priv = obj->priv;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;
    const char *end;
    guint64 utime, stime;
    long ticks = sysconf(_SC_CLK_TCK);

    if (!priv || priv->pid <= 0 || ticks <= 0)
        return 0;
    path = g_strdup_printf("/proc/%d/stat", (int)priv->pid);
    /* "pid (comm) state ppid ...": comm may hold anything, so fields are
     * counted from its closing parenthesis; utime and stime are the 14th
     * and 15th fields, the 12th and 13th after it */
    if (!g_file_get_contents(path, &text, NULL, NULL) || !(end = strrchr(text, ')')))
        return 0;
    fields = g_strsplit(g_strstrip((char *)end + 1), " ", 14);
    if (g_strv_length(fields) < 14 ||
        !g_ascii_string_to_unsigned(fields[11], 10, 0, G_MAXUINT64, &utime, NULL) ||
        !g_ascii_string_to_unsigned(fields[12], 10, 0, G_MAXUINT64, &stime, NULL))
        return 0;
    return (utime + stime) * (G_GUINT64_CONSTANT(1000000000) / (guint64)ticks);
}

/* ------------------------------------------------------------------ */
/* Reconnect after a virtd restart                                      */

static gboolean
qemuProcessIsOurs(gpointer object, const char *cmdline, gsize len)
{
    virDomainObj *obj = object;
    g_autofree char *want = g_strdup_printf("guest=%s,", obj->def->name);

    return virProcessCmdlineHas(cmdline, len, want, strlen(want));
}

/* A qemu started for this guest (its -uuid argument) by a start that
 * virtd did not finish. */
static gboolean
qemuProcessIsOrphan(gpointer object, const char *cmdline, gsize len)
{
    virDomainObj *obj = object;
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *want = NULL;

    virUUIDFormat(obj->def->uuid, uuid);
    want = g_strdup_printf("-uuid%c%s", '\0', uuid);
    return virProcessCmdlineHas(cmdline, len, want, strlen(uuid) + 6);
}

/* What the guest did while virtd was away: qemu (-no-shutdown) stays up
 * after a guest power-off or panic, so ask it.  Returns TRUE if the guest
 * turned out to be stopped or crashed, and has been dealt with. */
static gboolean
qemuProcessResync(qemuDriver *drv, virDomainObj *obj, qemuDomainPriv *priv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) reply = qemuMonitorCommand(priv->mon, "query-status", NULL,
                                                   QEMU_COMMAND_MS, &err);
    JsonObject *o = reply && JSON_NODE_HOLDS_OBJECT(reply) ? json_node_get_object(reply) : NULL;
    const char *status = o ? json_object_get_string_member_with_default(o, "status", "") : "";

    if (g_str_equal(status, "shutdown")) {
        priv->shutdown.seen = priv->shutdown.guest = TRUE;
        qemuProcessHandleShutdown(drv, obj, priv);
        return TRUE;
    }
    if (g_str_equal(status, "guest-panicked")) {
        if (obj->state == VIR_DOMAIN_CRASHED)
            return FALSE;       /* kept by on_crash=preserve: still ours */
        qemuProcessHandlePanic(drv, obj);
        return obj->state != VIR_DOMAIN_CRASHED;
    }
    /* the saved state and reason hold unless qemu says otherwise: a guest
     * paused by virsh suspend stays "paused (user)" */
    if (g_str_equal(status, "paused") && obj->state != VIR_DOMAIN_PAUSED)
        qemuDomainSetState(obj, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_UNKNOWN);
    else if (g_str_equal(status, "running") && obj->state != VIR_DOMAIN_RUNNING)
        qemuDomainSetState(obj, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
    return FALSE;
}

/* Takes the object the status file is about, creating a transient one. */
static gpointer
qemuProcessReconnectFind(gpointer driver, virObjStatus *st)
{
    qemuDriver *drv = driver;
    const virDomainDef *def = st->def;
    virDomainObj *obj = virObjectTableFindByUUID(drv->dom.list.objs, def->uuid);
    g_autoptr(GError) err = NULL;

    if (obj)
        return obj;
    obj = virDomainDriverAddTransient(&drv->dom, virDomainDefCopy(def), &err);
    if (!obj)
        g_warning(_("cannot take back domain '%s': %s"), def->name, err->message);
    return obj;
}

static virObjJob *
qemuProcessReconnectJob(gpointer object)
{
    return &((virDomainObj *)object)->job;
}

static const char *
qemuProcessReconnectName(gpointer object)
{
    return ((virDomainObj *)object)->def->name;
}

/* The guest gets its live definition, id and state back. */
static void
qemuProcessReconnectInstall(gpointer driver, gpointer object, virObjStatus *st)
{
    qemuDriver *drv = driver;
    virDomainObj *obj = object;
    qemuDomainPriv *priv = qemuDomainGetPriv(obj);

    g_mutex_lock(&obj->lock);
    if (obj->persistent)
        obj->newDef = g_steal_pointer(&obj->def);
    else
        virDomainDefFree(obj->def);
    obj->def = virObjStatusStealDef(st);
    obj->id = st->id;
    obj->state = st->state;
    obj->reason = st->reason;
    g_mutex_unlock(&obj->lock);
    priv->gen++;
    priv->monitor_path = g_strdup(virObjStatusGetAttr(st, "monitor"));
    if (st->id >= drv->next_id)
        drv->next_id = st->id + 1;
}

static virObjReconnectResult
qemuProcessReconnectProcess(gpointer driver, gpointer object, pid_t pid, int pidfd,
                            GError **error)
{
    qemuDriver *drv = driver;
    virDomainObj *obj = object;
    qemuDomainPriv *priv = qemuDomainGetPriv(obj);
    g_autoptr(GError) port_err = NULL;

    g_mutex_lock(&obj->lock);
    priv->pid = pid;
    g_mutex_unlock(&obj->lock);
    priv->pidfd = pidfd;
    if (obj->state == VIR_DOMAIN_SHUTOFF) {
        /* saved between QEMU's spawn and its cont: the guest never ran and
         * 'started' never did; the start is finished as a failed one */
        g_warning(_("domain '%s' was being started when virtd stopped (QEMU pid %d never "
                    "ran the guest)"),
                  obj->def->name, (int)pid);
        qemuProcessStop(drv, obj, &stopFailed);
        return VIR_OBJ_RECONNECT_HANDLED;
    }
    if (!qemuProcessAttach(drv, obj, QEMU_MONITOR_RECONNECT_MS, error))
        return VIR_OBJ_RECONNECT_LOST;
    if (qemuProcessResync(drv, obj, priv))
        return VIR_OBJ_RECONNECT_HANDLED;
    /* its ports again, each re-notified ('plugged', RECONNECT=1), before
     * its own reconnect hook */
    if (!qemuProcessAllocatePorts(obj, TRUE, &port_err) ||
        !qemuProcessPlugPorts(obj, TRUE, &port_err))
        g_warning(_("domain '%s': %s"), obj->def->name, port_err->message);
    if (!qemuProcessHook(obj, VIR_HOOK_QEMU_OP_RECONNECT, VIR_HOOK_SUBOP_BEGIN, NULL, NULL,
                         error))
        return VIR_OBJ_RECONNECT_HOOK_FAILED;
    return VIR_OBJ_RECONNECT_OK;
}

static void
qemuProcessReconnectStop(gpointer driver, gpointer object, virObjStopCause cause)
{
    static const qemuStopReason *const why[] = {
        [VIR_OBJ_STOP_FAILED] = &stopFailed,
        [VIR_OBJ_STOP_UNKNOWN] = &stopUnknown,
        [VIR_OBJ_STOP_DAEMON] = &stopDaemon,
    };

    qemuProcessStop(driver, object, why[cause]);
}

static void
qemuProcessReconnectUnref(gpointer driver, gpointer object)
{
    virDomainDriverObjUnref(&((qemuDriver *)driver)->dom, object);
}

static const virObjReconnectOps qemuReconnectOps = {
    .kind = "domain",
    .status = &qemuStatusClass,
    .find = qemuProcessReconnectFind,
    .job = qemuProcessReconnectJob,
    .name = qemuProcessReconnectName,
    .install = qemuProcessReconnectInstall,
    .is_process = qemuProcessIsOurs,
    .is_orphan = qemuProcessIsOrphan,
    .reconnect = qemuProcessReconnectProcess,
    .stop = qemuProcessReconnectStop,
    .unref = qemuProcessReconnectUnref,
};

/**
 * qemuProcessReconnectClaimAll:
 *
 * Before the RPC sockets listen: every guest that a previous virtd left a
 * status file for is listed with its live state and its job held, until
 * qemuProcessReconnectAll deals with it (virobjreconnect.h).
 */
void
qemuProcessReconnectClaimAll(qemuDriver *drv)
{
    virObjReconnectClaimAll(&drv->reconnect, drv->status_dir);
}

/**
 * qemuProcessReconnectAll:
 *
 * For every guest claimed at start-up: the same qemu still running ->
 * monitor reconnected, state resynchronised and reconnect hook; gone ->
 * stopped and release hooks with reason unknown.  Runs once the RPC
 * sockets listen, so reconnect hooks may call virsh.
 */
void
qemuProcessReconnectAll(qemuDriver *drv)
{
    virObjReconnectAll(&drv->reconnect);
}

/* ------------------------------------------------------------------ */
/* Driver set-up                                                        */

gboolean
qemuProcessInit(qemuDriver *drv, const virtdConfig *cfg, GError **error)
{
    g_autoptr(GError) err = NULL;

    drv->status_dir = g_build_filename(cfg->run_dir, "qemu", NULL);
    drv->log_dir = g_build_filename(cfg->state_dir, "qemu", "log", NULL);
    drv->emulator = g_strdup(cfg->qemu_emulator);
    drv->job_wait = cfg->qemu_job_wait;
    virObjReconnectInit(&drv->reconnect, &qemuReconnectOps, drv, cfg->reconnect_failure);
    drv->next_id = 1;
    drv->events = g_thread_pool_new(qemuProcessEventRunQueue, drv, QEMU_EVENT_THREADS, FALSE,
                                    NULL);
    if (!virFileMakeDir(drv->status_dir, 0700, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
        return FALSE;
    }
    return TRUE;
}

/* virtd is stopping: guests keep running; stop listening to them. */
void
qemuProcessShutdown(qemuDriver *drv)
{
    g_autoptr(GPtrArray) objs = NULL;

    /* no more event handling: the tasks still queued or waiting for a job
     * end without acting, and none is left when the monitors are closed */
    g_atomic_int_set(&drv->stopping, TRUE);
    /* claimed but never reconnected (virtd stopped before it could) */
    virObjReconnectAbandon(&drv->reconnect);
    if (drv->events)
        g_thread_pool_free(drv->events, FALSE, TRUE);
    drv->events = NULL;

    if (drv->dom.list.objs) {
        objs = virObjectTableList(drv->dom.list.objs);
        for (guint i = 0; i < objs->len; i++) {
            virDomainObj *obj = g_ptr_array_index(objs, i);
            if (obj->priv)
                qemuDomainPrivDetach(obj->priv);
            virDomainDriverObjUnref(&drv->dom, obj);
        }
    }
    g_clear_pointer(&drv->status_dir, g_free);
    g_clear_pointer(&drv->log_dir, g_free);
    g_clear_pointer(&drv->emulator, g_free);
}

/* ------------------------------------------------------------------ */
/* Interfaces plugged in and out of a running domain (job held)        */

/* how long a guest has to let go of a device after device_del */
#define QEMU_UNPLUG_MS 20000

/* A QMP command with arguments given as name/value string pairs, NULL
 * ended; @fd passed along (getfd) when >= 0. */
static gboolean
qemuProcessQMP(qemuDomainPriv *priv, const char *command, int fd, GError **error, ...)
{
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) reply = NULL;
    const char *name;
    va_list ap;

    va_start(ap, error);
    while ((name = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);

        if (value)
            json_object_set_string_member(args, name, value);
    }
    va_end(ap);
    reply = qemuMonitorCommandWithFd(priv->mon, command, args, fd, QEMU_COMMAND_MS, error);
    return reply != NULL;
}

/* "netN": the first id no interface of @obj has.  Lock held. */
static char *
qemuProcessNewNetAlias(virDomainObj *obj)
{
    for (guint n = 0;; n++) {
        g_autofree char *alias = g_strdup_printf("net%u", n);
        gboolean used = FALSE;

        for (guint i = 0; i < obj->def->interfaces->len && !used; i++) {
            const virDomainNetDef *net = g_ptr_array_index(obj->def->interfaces, i);

            used = g_strcmp0(net->alias, alias) == 0;
        }
        if (!used)
            return g_steal_pointer(&alias);
    }
}

/* The index of the interface with @mac, or -1.  Lock held. */
static int
qemuProcessFindInterface(virDomainObj *obj, const char *mac)
{
    for (guint i = 0; i < obj->def->interfaces->len; i++) {
        const virDomainNetDef *net = g_ptr_array_index(obj->def->interfaces, i);

        if (g_ascii_strcasecmp(net->mac, mac) == 0)
            return (int)i;
    }
    return -1;
}

/* device_add of @net, on a free hot-plug port of a q35 machine. */
static gboolean
qemuProcessDeviceAdd(virDomainObj *obj, qemuDomainPriv *priv, const virDomainNetDef *net,
                     const char *driver, const char *netdev, GError **error)
{
    g_autoptr(GError) err = NULL;

    if (!qemuCommandHasHotplugPorts(obj->def))
        return qemuProcessQMP(priv, "device_add", -1, error, "driver", driver, "netdev", netdev,
                              "id", net->alias, "mac", net->mac, NULL);
    for (guint i = 0; i < QEMU_HOTPLUG_PORTS; i++) {
        g_autofree char *bus = g_strdup_printf(QEMU_HOTPLUG_PORT_PREFIX "%u", i);

        g_clear_error(&err);
        if (qemuProcessQMP(priv, "device_add", -1, &err, "driver", driver, "netdev", netdev,
                           "id", net->alias, "mac", net->mac, "bus", bus, NULL))
            return TRUE;
    }
    virErrorSet(error, VIR_ERR_OPERATION_FAILED,
                _("no free PCIe port for interface '%s' of domain '%s' (a q35 guest has %u for "
                  "devices plugged while it runs): %s"),
                net->mac, obj->def->name, QEMU_HOTPLUG_PORTS, err->message);
    return FALSE;
}

/**
 * qemuProcessAttachInterface:
 * @net: (transfer full): the interface
 *
 * Plugs @net into the running @obj: a port on its network (type network)
 * and the 'plugged' hook, a tap, then QMP getfd, netdev_add and
 * device_add.  A failure anywhere undoes what was done (the port gets
 * 'unplugged'): nothing is left.
 */
gboolean
qemuProcessAttachInterface(qemuDriver *drv, virDomainObj *obj, virDomainNetDef *net,
                           GError **error)
{
    qemuDomainPriv *priv = obj->priv;
    const char *driver = qemuCommandNetDevice(net->model);
    g_autofree char *fdname = NULL;
    g_autofree char *netdev = NULL;
    gboolean netdev_added = FALSE;
    int fd = -1;
    int index;

    if (!qemuProcessCheckRunning(obj, error)) {
        virDomainNetDefFree(net);
        return FALSE;
    }
    if (!driver) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED, _("unsupported interface model '%s'"),
                    net->model);
        virDomainNetDefFree(net);
        return FALSE;
    }
    g_mutex_lock(&obj->lock);
    if (qemuProcessFindInterface(obj, net->mac) >= 0) {
        virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                    _("domain '%s' already has an interface with MAC address %s"),
                    obj->def->name, net->mac);
        g_mutex_unlock(&obj->lock);
        virDomainNetDefFree(net);
        return FALSE;
    }
    g_free(net->alias);
    net->alias = qemuProcessNewNetAlias(obj);
    g_ptr_array_add(obj->def->interfaces, net);
    index = (int)obj->def->interfaces->len - 1;
    g_mutex_unlock(&obj->lock);
    fdname = g_strdup_printf("fd-%s", net->alias);
    netdev = g_strdup_printf("host%s", net->alias);

    if (net->type == VIR_DOMAIN_NET_TYPE_NETWORK) {
        const virNetworkDriver *netdrv = virDriverGetNetwork();

        if (!netdrv || !netdrv->networkPortAllocate) {
            virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                        _("interface type 'network' needs the network driver, which this virtd "
                          "runs without"));
            goto undo;
        }
        if (!qemuProcessAllocatePort(obj, net, FALSE, error))
            goto undo;
    }
    qemuDomainSaveStatus(drv, obj);
    if (!qemuProcessCreateTap(net, &fd, error) || !qemuProcessPlugPort(obj, net, FALSE, error) ||
        !qemuProcessQMP(priv, "getfd", fd, error, "fdname", fdname, NULL))
        goto undo;
    if (!qemuProcessQMP(priv, "netdev_add", -1, error, "type", "tap", "id", netdev, "fd", fdname,
                        NULL))
        goto undo;
    netdev_added = TRUE;
    if (!qemuProcessDeviceAdd(obj, priv, net, driver, netdev, error))
        goto undo;

    if (!priv->tap_fds)
        priv->tap_fds = g_array_new(FALSE, FALSE, sizeof(int));
    while (priv->tap_fds->len < (guint)index)
        g_array_append_val(priv->tap_fds, (int){-1});
    g_array_append_val(priv->tap_fds, fd);
    qemuDomainSaveStatus(drv, obj);
    g_info(_("domain '%s': interface %s (%s) plugged in"), obj->def->name, net->mac,
           net->alias);
    return TRUE;

 undo:
    if (netdev_added)
        qemuProcessQMP(priv, "netdev_del", -1, NULL, "id", netdev, NULL);
    else if (fd >= 0)
        qemuProcessQMP(priv, "closefd", -1, NULL, "fdname", fdname, NULL);
    if (fd >= 0)
        close(fd);
    qemuProcessReleasePort(obj, net);
    g_mutex_lock(&obj->lock);
    g_ptr_array_remove_index(obj->def->interfaces, index);
    g_mutex_unlock(&obj->lock);
    qemuDomainSaveStatus(drv, obj);
    return FALSE;
}

/* Waits until the guest let go of device @alias (DEVICE_DELETED). */
static gboolean
qemuProcessWaitDeleted(virDomainObj *obj, qemuDomainPriv *priv, const char *alias)
{
    gint64 deadline = g_get_monotonic_time() + QEMU_UNPLUG_MS * G_TIME_SPAN_MILLISECOND;
    gboolean gone;

    g_mutex_lock(&obj->lock);
    while (!(gone = g_hash_table_remove(priv->deleted, alias)) &&
           g_cond_wait_until(&priv->deleted_cond, &obj->lock, deadline))
        ;
    if (!gone)
        gone = g_hash_table_remove(priv->deleted, alias);
    g_mutex_unlock(&obj->lock);
    return gone;
}

/**
 * qemuProcessDetachInterface:
 * @mac: which interface
 *
 * Unplugs the interface with @mac from the running @obj: device_del, the
 * guest's DEVICE_DELETED (at most QEMU_UNPLUG_MS), netdev_del, its tap
 * closed, its port released ('unplugged').  A guest that does not let go
 * keeps the interface, and the call fails saying so.
 */
gboolean
qemuProcessDetachInterface(qemuDriver *drv, virDomainObj *obj, const char *mac, GError **error)
{
    qemuDomainPriv *priv = obj->priv;
    virDomainNetDef *net;
    g_autofree char *alias = NULL;
    g_autofree char *netdev = NULL;
    int index;

    if (!qemuProcessCheckRunning(obj, error))
        return FALSE;
    g_mutex_lock(&obj->lock);
    index = qemuProcessFindInterface(obj, mac);
    net = index >= 0 ? g_ptr_array_index(obj->def->interfaces, index) : NULL;
    alias = net ? g_strdup(net->alias) : NULL;
    if (alias)
        g_hash_table_remove(priv->deleted, alias);
    g_mutex_unlock(&obj->lock);
    if (!net || !alias) {
        virErrorSet(error, VIR_ERR_DEVICE_MISSING,
                    _("domain '%s' has no interface with MAC address %s"), obj->def->name, mac);
        return FALSE;
    }
    netdev = g_strdup_printf("host%s", alias);
    if (!qemuProcessQMP(priv, "device_del", -1, error, "id", alias, NULL))
        return FALSE;
    if (!qemuProcessWaitDeleted(obj, priv, alias)) {
        virErrorSet(error, VIR_ERR_OPERATION_TIMEOUT,
                    _("the guest did not release interface %s of domain '%s' within %u s (its "
                      "OS may not handle PCI hot-unplug): the interface is still there"),
                    mac, obj->def->name, QEMU_UNPLUG_MS / 1000);
        return FALSE;
    }
    qemuProcessQMP(priv, "netdev_del", -1, NULL, "id", netdev, NULL);
    if (priv->tap_fds && (guint)index < priv->tap_fds->len) {
        int fd = g_array_index(priv->tap_fds, int, index);

        if (fd >= 0)
            close(fd);
        g_array_remove_index(priv->tap_fds, index);
    }
    qemuProcessReleasePort(obj, net);
    g_mutex_lock(&obj->lock);
    g_ptr_array_remove_index(obj->def->interfaces, index);
    g_mutex_unlock(&obj->lock);
    qemuDomainSaveStatus(drv, obj);
    g_info(_("domain '%s': interface %s (%s) unplugged"), obj->def->name, mac, alias);
    return TRUE;
}

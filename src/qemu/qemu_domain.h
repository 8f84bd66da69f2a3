/*
 * qemu_domain.h: the QEMU driver's data, and what it keeps per domain
 *
 * Who owns what.  A field marked
 *   loop   is read and written on the main loop only (QMP and pidfd
 *          callbacks);
 *   job    is written only by the thread holding the domain's job (an API
 *          call, an event task, the reconnect), which may read it freely;
 *   lock   is guarded by the domain's mutex (virDomainObj.lock);
 *   set    is written by the job holder before it sends qemu a command
 *          and consumed by the loop when qemu's event for it arrives (the
 *          event always comes before the command's reply).
 * Event tasks take the job, so what the loop records for them (loop
 * fields) is only read by them once the event was pushed.
 */
#pragma once

#include "qemu_monitor.h"
#include "virdomaindriver.h"
#include "virobjreconnect.h"
#include "virobjstatus.h"
#include "virtd_conf.h"

typedef struct {
    virDomainDriverState dom;
    char *status_dir;       /* <run_dir>/qemu: status files, monitor sockets */
    char *log_dir;          /* <state_dir>/qemu/log: one log per guest */
    char *emulator;         /* when a definition has no <emulator> */
    guint job_wait;         /* seconds a client's call waits for the guest's job */
    gint next_id;
    GThreadPool *events;    /* runs each guest's event queue (qemuDomainPriv.events) */
    virObjReconnect reconnect; /* guests claimed at start-up, not yet reconnected */
    gint stopping;          /* atomic: virtd is stopping, events are left alone */
} qemuDriver;

/* What virtd expects of qemu's next STOP / RESUME: one of its own. */
typedef enum {
    QEMU_EXPECT_NONE,
    QEMU_EXPECT_STOP,        /* virsh suspend */
    QEMU_EXPECT_RESUME,      /* the start's or a resume's cont */
} qemuExpect;

/* A virsh reboot in progress: its power-off is not a stop. */
typedef enum {
    QEMU_REBOOT_NONE,
    QEMU_REBOOT_FAKE,        /* reset and cont instead of stopping */
    QEMU_REBOOT_STOP,        /* on_reboot=destroy: the reboot stops the guest */
} qemuReboot;

typedef enum {
    QEMU_WATCHDOG_NONE,
    QEMU_WATCHDOG_FIRED,     /* a WATCHDOG event came (a later death is the watchdog's) */
    QEMU_WATCHDOG_PAUSING,   /* ...with action 'pause': its STOP is a watchdog pause */
} qemuWatchdog;

/* qemu's last SHUTDOWN event. */
typedef struct {
    gboolean seen;
    gboolean guest;          /* initiated by the guest */
    gboolean reset;          /* because the guest rebooted under -no-reboot */
} qemuShutdown;

/* The monitor and pidfd callbacks' data: freed once they are gone. */
typedef struct {
    qemuDriver *drv;
    virDomainObj *obj;       /* a reference */
    guint gen;
} qemuMonitorCtx;

/* Run-time data of a domain (virDomainObj.priv). */
typedef struct {
    pid_t pid;               /* job, written under the lock too (cpu_time reads it) */
    int pidfd;               /* job */
    guint pidfd_watch;       /* job (its callback: loop) */
    qemuMonitor *mon;        /* job (its callbacks: loop) */
    qemuMonitorCtx *mon_ctx; /* job: freed after the monitor closes */
    char *monitor_path;      /* job */
    guint gen;               /* job: bumped at every start; stale events are dropped */
    qemuExpect expect;       /* set */
    qemuReboot reboot;       /* job */
    qemuShutdown shutdown;   /* loop; cleared by the job */
    qemuWatchdog watchdog;   /* loop; cleared by the job */
    gboolean panicked;       /* loop: GUEST_PANICKED seen, its STOP goes with it; job clears */
    gboolean stopping;       /* job: a stop is in progress, STOP/RESUME are no news */
    gint64 last_reset_us;    /* loop: one guest reboot gives 2-3 RESET events */
    GArray *tap_fds;         /* job: int, per interface, our copy of its tap's fd (-1: none,
                                after a virtd restart) */
    GHashTable *deleted;     /* lock: ids of DEVICE_DELETED events, until a detach takes them */
    GCond deleted_cond;      /* with the domain's lock: signalled at each DEVICE_DELETED */
    GQueue events;           /* lock: qemuEventTask, handled in order */
    gboolean events_running; /* lock: a thread of drv->events is handling them */
    virObjStatusWriter status;
} qemuDomainPriv;

qemuDomainPriv *qemuDomainGetPriv(virDomainObj *obj);
void qemuDomainPrivDetach(qemuDomainPriv *priv);
void qemuDomainCloseTaps(qemuDomainPriv *priv);
void qemuMonitorCtxFree(qemuMonitorCtx *mc);

void qemuDomainSetState(virDomainObj *obj, int state, int reason);
void qemuDomainEmit(qemuDriver *drv, virDomainObj *obj, int event, int detail);
void qemuDomainEmitId(qemuDriver *drv, virDomainObj *obj, int event_id, int arg);

extern const virObjStatusClass qemuStatusClass;
char *qemuDomainStatusPath(qemuDriver *drv, const char *name, const char *suffix);
void qemuDomainSaveStatus(qemuDriver *drv, virDomainObj *obj);
char *qemuDomainMonitorPath(qemuDriver *drv, int id);
void qemuDomainRemoveStatus(qemuDriver *drv, const char *name, const char *monitor_path);

/*
 * qemu_process.h: starting, stopping and reconnecting to qemu processes
 *
 * The only qemu file that runs hooks.  Every function here that changes a
 * domain's state runs with the domain's job held (virDomainObjBeginJob)
 * and never with its lock held across a hook, a wait or I/O.
 */
#pragma once

#include "qemu_monitor.h"
#include "virdomaindriver.h"
#include "virobjreconnect.h"
#include "virtd_conf.h"

typedef struct {
    virDomainDriverState dom;
    char *status_dir;       /* <run_dir>/qemu: status files, monitor sockets */
    char *log_dir;          /* <state_dir>/qemu/log: one log per guest */
    char *emulator;         /* when a definition has no <emulator> */
    guint job_wait;         /* seconds a client's call waits for the guest's job */
    gint next_id;
    GThreadPool *events;    /* work caused by qemu events (guest power-off...) */
    virObjReconnect reconnect; /* guests claimed at start-up, not yet reconnected */
    gint stopping;          /* atomic: virtd is stopping, events are left alone */
} qemuDriver;

gboolean qemuProcessInit(qemuDriver *drv, const virtdConfig *cfg, GError **error);
void qemuProcessReconnectClaimAll(qemuDriver *drv);
void qemuProcessReconnectAll(qemuDriver *drv);
void qemuProcessShutdown(qemuDriver *drv);

gboolean qemuProcessStart(qemuDriver *drv, virDomainObj *obj, GError **error);
gboolean qemuProcessDestroy(qemuDriver *drv, virDomainObj *obj, gboolean graceful,
                            GError **error);
gboolean qemuProcessPowerdown(qemuDriver *drv, virDomainObj *obj, GError **error);
gboolean qemuProcessReboot(qemuDriver *drv, virDomainObj *obj, GError **error);
gboolean qemuProcessReset(qemuDriver *drv, virDomainObj *obj, GError **error);
gboolean qemuProcessSuspend(qemuDriver *drv, virDomainObj *obj, GError **error);
gboolean qemuProcessResume(qemuDriver *drv, virDomainObj *obj, GError **error);
guint64 qemuProcessCpuTime(virDomainObj *obj);

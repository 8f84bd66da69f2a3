/*
 * qemu_process.h: starting, stopping and reconnecting to qemu processes
 *
 * The only qemu file that runs hooks.  Every function here that changes a
 * domain's state runs with the domain's job held (virObjJobBegin), on an
 * RPC worker or an event task, never on the main loop and never with the
 * domain's lock held across a hook, a wait or I/O.  The main loop only
 * records what qemu reports (QMP events, the process's exit) and queues
 * it for the guest's event task; docs/internals/qemu-lifecycle.rst is the
 * state machine.
 */
#pragma once

#include "qemu_domain.h"

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
gboolean qemuProcessAttachInterface(qemuDriver *drv, virDomainObj *obj, virDomainNetDef *net,
                                    GError **error);
gboolean qemuProcessDetachInterface(qemuDriver *drv, virDomainObj *obj, const char *mac,
                                    GError **error);
guint64 qemuProcessCpuTime(virDomainObj *obj);

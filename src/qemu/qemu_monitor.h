/*
 * qemu_monitor.h: QMP, the QEMU Machine Protocol, over a UNIX socket
 *
 * The socket's I/O runs on a GMainContext (virtd's main loop); events are
 * delivered there.  Commands are sent from other threads (the API workers)
 * and wait for their reply.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#define QEMU_MONITOR_ERROR (qemuMonitorErrorQuark())
GQuark qemuMonitorErrorQuark(void);

typedef enum {
    QEMU_MONITOR_ERROR_CONNECT,   /* could not connect / no greeting */
    QEMU_MONITOR_ERROR_CLOSED,    /* the monitor went away */
    QEMU_MONITOR_ERROR_TIMEOUT,   /* no reply in time */
    QEMU_MONITOR_ERROR_COMMAND,   /* qemu answered with an error */
    QEMU_MONITOR_ERROR_PROTOCOL,  /* not valid QMP */
} qemuMonitorErrorCode;

typedef struct _qemuMonitor qemuMonitor;

typedef struct {
    /* an asynchronous event: name ("SHUTDOWN", "RESET"...), its "data"
     * member (may be NULL), its timestamp in microseconds */
    void (*event)(qemuMonitor *mon, const char *name, JsonObject *data, gint64 timestamp_us,
                  gpointer opaque);
    /* the socket was closed or broke; no more events after this */
    void (*eof)(qemuMonitor *mon, gpointer opaque);
} qemuMonitorCallbacks;

qemuMonitor *qemuMonitorOpen(const char *path, int pidfd, guint timeout_ms, GMainContext *ctx,
                             const qemuMonitorCallbacks *cb, gpointer opaque, GError **error);
void qemuMonitorClose(qemuMonitor *mon);

JsonNode *qemuMonitorCommand(qemuMonitor *mon, const char *command, JsonObject *args,
                             guint timeout_ms, GError **error);
JsonNode *qemuMonitorCommandWithFd(qemuMonitor *mon, const char *command, JsonObject *args,
                                   int fd, guint timeout_ms, GError **error);
gboolean qemuMonitorSimpleCommand(qemuMonitor *mon, const char *command, GError **error);

/*
 * qemu_monitor.c: QMP, the QEMU Machine Protocol, over a UNIX socket
 */
#define G_LOG_DOMAIN "virtd.qemu"

#include "qemu_monitor.h"

GQuark
qemuMonitorErrorQuark(void)
{
    return g_quark_from_static_string("qemu-monitor-error-quark");
}

qemuMonitor *
qemuMonitorOpen(const char *path, guint timeout_ms, GMainContext *ctx,
                const qemuMonitorCallbacks *cb, gpointer opaque, GError **error)
{
    g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT, "not implemented yet");
    return NULL;
}

void
qemuMonitorClose(qemuMonitor *mon)
{
}

JsonNode *
qemuMonitorCommand(qemuMonitor *mon, const char *command, JsonObject *args, guint timeout_ms,
                   GError **error)
{
    g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED, "not implemented yet");
    return NULL;
}

gboolean
qemuMonitorSimpleCommand(qemuMonitor *mon, const char *command, GError **error)
{
    g_autoptr(JsonNode) reply = qemuMonitorCommand(mon, command, NULL, 30000, error);

    return reply != NULL;
}

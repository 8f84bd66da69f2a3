/*
 * virsystemd.c: the sd_notify protocol, without libsystemd
 *
 * A single datagram "READY=1" (etc.) to the socket named by $NOTIFY_SOCKET;
 * '@' at the start means the abstract namespace.
 */
#define G_LOG_DOMAIN "virtd.systemd"

#include "virsystemd.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

/**
 * virSystemdNotify:
 * @state: e.g. "READY=1"
 *
 * Returns: TRUE if the message was sent, FALSE if not under systemd or the
 * send failed (logged at debug; never fatal).
 */
gboolean
virSystemdNotify(const char *state)
{
    const char *path = g_getenv("NOTIFY_SOCKET");
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GError) err = NULL;

    if (!path || !*path)
        return FALSE;
    if (path[0] == '@')
        addr = g_unix_socket_address_new_with_type(path + 1, -1,
                                                   G_UNIX_SOCKET_ADDRESS_ABSTRACT);
    else
        addr = g_unix_socket_address_new(path);

    sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, 0, &err);
    if (!sock || g_socket_send_to(sock, addr, state, strlen(state), NULL, &err) < 0) {
        g_debug("cannot notify systemd of '%s': %s", state, err->message);
        return FALSE;
    }
    return TRUE;
}

/*
 * remote_connect.c: connection and host procedures of the REMOTE program
 */
#define G_LOG_DOMAIN "virtd.rpc"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "remote_events.h"
#include "remote_handlers.h"
#include "remote_host.h"
#include "virerror.h"

#define REMOTE_URI_HINT "qemu:///system or lxc:///system"

/* auth type NONE: clients skip authentication */
#define REMOTE_AUTH_NONE 0

gboolean
remoteAuthList(remoteCall *call, void *args, void *ret, GError **error)
{
    remoteAuthListRet *r = ret;

    r->n_types = 1;
    r->types = g_new0(int, 1);
    r->types[0] = REMOTE_AUTH_NONE;
    return TRUE;
}

gboolean
remoteConnectSupportsFeature(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteIntMsg *a = args;
    remoteIntMsg *r = ret;

    /* PINGs are answered on the I/O path; 360/361 are accepted */
    r->value = a->value == VIR_NET_FEATURE_PROGRAM_KEEPALIVE ||
               a->value == VIR_NET_FEATURE_REMOTE_EVENT_CALLBACK ||
               a->value == VIR_NET_FEATURE_REMOTE_CLOSE_CALLBACK ||
               a->value == VIR_NET_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER;
    /* a client only asks when it runs keepalive itself, so it answers
     * ours (as with libvirtd) */
    if (a->value == VIR_NET_FEATURE_PROGRAM_KEEPALIVE)
        virNetServerClientStartKeepalive(call->client);
    return TRUE;
}

/* qemu:///system, lxc:///system, lxc:/// (a query string is ignored) */
static gboolean
remoteURIPathAllowed(const char *scheme, const char *path)
{
    if (g_str_equal(scheme, "qemu"))
        return g_str_equal(path, "/system");
    if (g_str_equal(scheme, "lxc"))
        return g_str_equal(path, "/system") || g_str_equal(path, "/") || !*path;
    return FALSE;
}

static char *
remoteURIScheme(const char *name)
{
    g_autofree char *scheme = NULL;
    g_autofree char *userinfo = NULL;
    g_autofree char *host = NULL;
    g_autofree char *path = NULL;
    gint port = -1;

    if (!g_uri_split(name, G_URI_FLAGS_NONE, &scheme, &userinfo, &host, &port, &path, NULL, NULL,
                     NULL) ||
        !scheme || userinfo || (host && *host) || port != -1 || !remoteURIPathAllowed(scheme, path))
        return NULL;
    return g_steal_pointer(&scheme);
}

/**
 * remoteResolveURI:
 * @name: what the client sent to CONNECT_OPEN; NULL or "" for the default
 * @uri: (out) (transfer full): what CONNECT_GET_URI will answer
 *
 * Returns: (transfer none): the hypervisor driver serving @name.
 */
static const virHypervisorDriver *
remoteResolveURI(const char *name, char **uri, GError **error)
{
    g_autofree char *scheme = NULL;
    const virHypervisorDriver *drv;

    if (!name || !*name) {
        if (!(drv = virDriverLookupHypervisor(NULL))) {
            virErrorSet(error, VIR_ERR_OPEN_FAILED,
                        _("virtd has no hypervisor driver to serve the default URI"));
            return NULL;
        }
        *uri = g_strdup(drv->default_uri);
        return drv;
    }
    if (!(scheme = remoteURIScheme(name))) {
        virErrorSet(error, VIR_ERR_OPEN_FAILED, _("URI '%s' is not supported by virtd (use %s)"),
                    name, REMOTE_URI_HINT);
        return NULL;
    }
    if (!(drv = virDriverLookupHypervisor(scheme))) {
        virErrorSet(error, VIR_ERR_OPEN_FAILED,
                    _("URI '%s' is not available: this virtd runs without its %s driver"), name,
                    scheme);
        return NULL;
    }
    *uri = g_strdup(name);
    return drv;
}

gboolean
remoteConnectOpen(remoteCall *call, void *args, void *ret, GError **error)
{
    const remoteConnectOpenArgs *a = args;
    remoteConn *conn = call->conn;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&conn->lock);
    g_autofree char *uri = NULL;
    const virHypervisorDriver *drv;

    if (conn->open) {
        virErrorSet(error, VIR_ERR_INTERNAL_ERROR, _("connection already open"));
        return FALSE;
    }
    if (!(drv = remoteResolveURI(a->name, &uri, error)))
        return FALSE;
    conn->drv = drv;
    g_free(conn->uri);
    conn->uri = g_steal_pointer(&uri);
    /* bits 1 and 2 are client-internal (per-user socket, autostart) */
    conn->readonly = virNetServerClientIsReadonly(call->client) || (a->flags & VIR_CONNECT_RO);
    conn->open = TRUE;
    /* before the reply goes out: the client's next frame gets the larger limit */
    virNetServerClientSetOpen(call->client);
    if (conn->readonly)
        g_info(_("client %llu opened '%s' read-only"), virNetServerClientGetId(call->client),
               conn->uri);
    else
        g_info(_("client %llu opened '%s'"), virNetServerClientGetId(call->client), conn->uri);
    return TRUE;
}

gboolean
remoteConnectClose(remoteCall *call, void *args, void *ret, GError **error)
{
    remoteConn *conn = call->conn;

    remoteEventsClientGone(call->client);
    g_mutex_lock(&conn->lock);
    conn->open = FALSE;
    conn->drv = NULL;
    g_mutex_unlock(&conn->lock);
    return TRUE;
}

gboolean
remoteConnectGetType(remoteCall *call, void *args, void *ret, GError **error)
{
    ((remoteStringMsg *)ret)->str = g_strdup(call->drv->name);
    return TRUE;
}

gboolean
remoteConnectGetURI(remoteCall *call, void *args, void *ret, GError **error)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&call->conn->lock);

    ((remoteStringMsg *)ret)->str = g_strdup(call->conn->uri);
    return TRUE;
}

/* virtd's own version as major * 1,000,000 + minor * 1,000 + micro */
static uint64_t
remoteVersionNumber(void)
{
    g_auto(GStrv) parts = g_strsplit(VERSION, ".", 3);
    guint n = g_strv_length(parts);
    uint64_t v = 0;

    for (guint i = 0; i < 3; i++)
        v = v * 1000 + (i < n ? g_ascii_strtoull(parts[i], NULL, 10) : 0);
    return v;
}

gboolean
remoteConnectGetVersion(remoteCall *call, void *args, void *ret, GError **error)
{
    ((remoteHyperRet *)ret)->value = remoteVersionNumber();
    return TRUE;
}

gboolean
remoteConnectGetLibVersion(remoteCall *call, void *args, void *ret, GError **error)
{
    ((remoteHyperRet *)ret)->value = remoteVersionNumber();
    return TRUE;
}

gboolean
remoteConnectGetHostname(remoteCall *call, void *args, void *ret, GError **error)
{
    char buf[256] = "";

    if (gethostname(buf, sizeof(buf) - 1) < 0) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("cannot get the host name: %s"),
                    g_strerror(errno));
        return FALSE;
    }
    ((remoteStringMsg *)ret)->str = g_strdup(buf);
    return TRUE;
}

gboolean
remoteConnectRegisterCloseCallback(remoteCall *call, void *args, void *ret, GError **error)
{
    /* a UNIX socket's close is seen by the client itself: nothing to do */
    return TRUE;
}

gboolean
remoteConnectUnregisterCloseCallback(remoteCall *call, void *args, void *ret, GError **error)
{
    return TRUE;
}

gboolean
remoteConnectGetCapabilities(remoteCall *call, void *args, void *ret, GError **error)
{
    ((remoteStringMsg *)ret)->str = remoteHostCapabilities(call->drv);
    return TRUE;
}

gboolean
remoteNodeGetInfo(remoteCall *call, void *args, void *ret, GError **error)
{
    return remoteHostGetInfo(ret, error);
}

static void
remoteSetEmptyCharArray(guint *n, char **array)
{
    /* one NUL: the count includes the terminator */
    *n = 1;
    *array = g_new0(char, 1);
}

gboolean
remoteNodeGetSecurityModel(remoteCall *call, void *args, void *ret, GError **error)
{
    remoteNodeGetSecurityModelRet *r = ret;

    /* model "" makes clients skip DOMAIN_GET_SECURITY_LABEL */
    remoteSetEmptyCharArray(&r->n_model, &r->model);
    remoteSetEmptyCharArray(&r->n_doi, &r->doi);
    return TRUE;
}

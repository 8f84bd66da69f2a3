/*
 * qemu_monitor.c: QMP, the QEMU Machine Protocol, over a UNIX socket
 *
 * Threads:
 *  - qemuMonitorOpen() connects and negotiates capabilities synchronously on
 *    the calling thread, waiting on the socket itself, so it works from any
 *    thread, the main loop's included.  Only then is the read source attached
 *    to the monitor's GMainContext.
 *  - Everything read afterwards is handled on that context's thread: a reply
 *    is handed to the command waiting for it, events and EOF go to the
 *    callbacks, in the order qemu sent them.
 *  - qemuMonitorCommand() runs on any other thread (an API worker): it
 *    writes its command under write_lock and sleeps on @cond until the
 *    reply, the close or its deadline.  It refuses to run on the thread that
 *    owns the context: the reply could only be read by that very thread.
 *
 * Locks: @lock guards the shared state and is never held across I/O or a
 * callback; write_lock keeps messages whole on the socket and is taken
 * before @lock when both are needed.
 *
 * Lifetime: the monitor is reference counted: the caller's reference
 * (dropped by qemuMonitorClose), one held by the read source and one by
 * each command in flight.  The socket is only shut down (which wakes every
 * reader and writer) until the last reference goes, so no thread can ever
 * use a closed or recycled fd.
 */
#define G_LOG_DOMAIN "virtd.qemu"

#include "qemu_monitor.h"

#include <gio/gio.h>
#include <gio/gunixfdmessage.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "virerror.h"

/* qemu's own replies are a few KiB; query-qmp-schema is ~200 KiB */
#define QEMU_MONITOR_MAX_LINE   (16 * 1024 * 1024)
#define QEMU_MONITOR_READ_CHUNK 65536
#define QEMU_MONITOR_RETRY_MS   10

GQuark
qemuMonitorErrorQuark(void)
{
    return g_quark_from_static_string("qemu-monitor-error-quark");
}

/* A command waiting for its reply; lives on the waiting thread's stack and
 * is reachable from mon->pending only while that thread waits. */
typedef struct {
    gboolean done;
    JsonNode *reply; /* the "return" member */
    GError *error;   /* or qemu's "error" */
} qemuMonitorPending;

struct _qemuMonitor {
    gint refs;
    char *path;
    GSocket *sock;
    GMainContext *ctx;
    qemuMonitorCallbacks cb;
    gpointer opaque;

    /* reader side: Open's thread during the handshake, @ctx's thread after */
    GByteArray *rbuf;
    gsize scanned; /* bytes at the start of rbuf known to hold no newline */

    GMutex write_lock;

    GMutex lock; /* guards what follows */
    GCond cond;  /* a reply, the close, the end of a callback */
    GSource *source;
    GHashTable *pending; /* id -> qemuMonitorPending * */
    guint64 next_id;
    GError *close_error; /* set once closed: what pending commands get */
    gboolean user_closed;
    gboolean eof_done;
    GThread *cb_thread; /* the thread running a callback right now */
};

static qemuMonitor *
qemuMonitorRef(qemuMonitor *mon)
{
    g_atomic_int_inc(&mon->refs);
    return mon;
}

static void
qemuMonitorUnref(gpointer opaque)
{
    qemuMonitor *mon = opaque;

    if (!mon || !g_atomic_int_dec_and_test(&mon->refs))
        return;
    g_assert(g_hash_table_size(mon->pending) == 0);
    if (mon->sock) {
        g_socket_close(mon->sock, NULL);
        g_object_unref(mon->sock);
    }
    g_byte_array_unref(mon->rbuf);
    g_hash_table_unref(mon->pending);
    g_clear_error(&mon->close_error);
    g_mutex_clear(&mon->write_lock);
    g_mutex_clear(&mon->lock);
    g_cond_clear(&mon->cond);
    g_main_context_unref(mon->ctx);
    g_free(mon->path);
    g_free(mon);
}

static qemuMonitor *
qemuMonitorNew(const char *path, GMainContext *ctx, const qemuMonitorCallbacks *cb, gpointer opaque)
{
    qemuMonitor *mon = g_new0(qemuMonitor, 1);

    mon->refs = 1;
    mon->path = g_strdup(path);
    mon->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
    if (cb)
        mon->cb = *cb;
    mon->opaque = opaque;
    mon->rbuf = g_byte_array_new();
    mon->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_mutex_init(&mon->write_lock);
    g_mutex_init(&mon->lock);
    g_cond_init(&mon->cond);
    return mon;
}

/* Wakes every thread blocked on the socket; the fd itself stays open. */
static void
qemuMonitorShutdown(qemuMonitor *mon)
{
    shutdown(g_socket_get_fd(mon->sock), SHUT_RDWR);
}

/* With @lock held.  Takes @reason; the first reason wins. */
static void
qemuMonitorMarkClosed(qemuMonitor *mon, GError *reason)
{
    if (mon->close_error) {
        g_error_free(reason);
        return;
    }
    g_debug("QEMU monitor '%s' closed: %s", mon->path, reason->message);
    mon->close_error = reason;
    g_cond_broadcast(&mon->cond);
}

/* Closes the monitor from a thread that found the stream unusable; the
 * reader then sees EOF and reports it.  Takes @reason. */
static void
qemuMonitorAbort(qemuMonitor *mon, GError *reason)
{
    g_mutex_lock(&mon->lock);
    qemuMonitorMarkClosed(mon, reason);
    g_mutex_unlock(&mon->lock);
    qemuMonitorShutdown(mon);
}

static gboolean
qemuMonitorIsLoopThread(qemuMonitor *mon)
{
    return g_main_context_is_owner(mon->ctx);
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */

/* Returns: (transfer full): "{"execute": ..., "arguments": ..., "id": ...}\n" */
static char *
qemuMonitorSerialize(const char *command, JsonObject *args, const char *id, gsize *len)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, command);
    if (args) {
        json_builder_set_member_name(b, "arguments");
        json_builder_add_value(b, json_node_init_object(json_node_alloc(), args));
    }
    json_builder_set_member_name(b, "id");
    json_builder_add_string_value(b, id);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    /* not pretty-printed: the generator escapes every control character in
     * strings, so the message is one line */
    text = json_generator_to_data(gen, NULL);
    *len = strlen(text) + 1;
    return g_strconcat(text, "\n", NULL);
}

static gboolean
qemuMonitorLineIsBlank(const char *line, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isspace(line[i]))
            return FALSE;
    }
    return TRUE;
}

/* Returns: (transfer full): the message, a JSON object. */
static JsonObject *
qemuMonitorParse(const char *line, gsize len, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    if (!json_parser_load_from_data(parser, line, len, &err)) {
        g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_PROTOCOL,
                    _("cannot parse a message from the QEMU monitor: %s"), err->message);
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_PROTOCOL,
                    _("the QEMU monitor sent a message that is not a JSON object"));
        return NULL;
    }
    return json_object_ref(json_node_get_object(root));
}

static const char *
qemuMonitorStringMember(JsonObject *obj, const char *name)
{
    JsonNode *node = json_object_get_member(obj, name);

    if (!node || json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

/* {"error": {"class": C, "desc": D}} -> "QEMU: C: D" */
static GError *
qemuMonitorReplyError(JsonObject *msg)
{
    JsonNode *node = json_object_get_member(msg, "error");
    JsonObject *err = node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
    const char *klass = err ? qemuMonitorStringMember(err, "class") : NULL;
    const char *desc = err ? qemuMonitorStringMember(err, "desc") : NULL;

    return g_error_new(QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_COMMAND, _("QEMU: %s: %s"),
                       klass ? klass : "GenericError", desc ? desc : "?");
}

/* ------------------------------------------------------------------ */
/* Writing (any thread)                                                */

/* For g_socket_condition_timed_wait(), which polls in whole ms, rounding
 * down: rounded up here so that it never gives up before @deadline. */
static gint64
qemuMonitorRemainingUs(gint64 deadline)
{
    gint64 left;

    if (!deadline)
        return -1;
    left = MAX(deadline - g_get_monotonic_time(), 0);
    return (left + 999) / 1000 * 1000;
}

static gboolean
qemuMonitorWaitWritable(qemuMonitor *mon, gint64 deadline, GError **error)
{
    return g_socket_condition_timed_wait(mon->sock, G_IO_OUT, qemuMonitorRemainingUs(deadline),
                                         NULL, error);
}

/* Writes all of @msg before @deadline (0: none).  A message cut short
 * leaves the stream unusable, so that closes the monitor. */
static gboolean
qemuMonitorSend(qemuMonitor *mon, const char *msg, gsize len, int fd, gint64 deadline,
                GError **error)
{
    g_autoptr(GError) err = NULL;
    gsize off = 0;

    g_mutex_lock(&mon->write_lock);
    while (off < len) {
        gssize n;

        if (fd >= 0 && off == 0) {
            /* the fd rides with the command's first bytes (SCM_RIGHTS) */
            GOutputVector vec = {msg, len};
            g_autoptr(GSocketControlMessage) cmsg = g_unix_fd_message_new();

            if (!g_unix_fd_message_append_fd(G_UNIX_FD_MESSAGE(cmsg), fd, &err))
                break;
            n = g_socket_send_message(mon->sock, NULL, &vec, 1, &cmsg, 1, 0, NULL, &err);
        } else {
            n = g_socket_send_with_blocking(mon->sock, msg + off, len - off, FALSE, NULL, &err);
        }

        if (n >= 0) {
            off += n;
            continue;
        }
        if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
        g_clear_error(&err);
        if (!qemuMonitorWaitWritable(mon, deadline, &err))
            break;
    }
    g_mutex_unlock(&mon->write_lock);
    if (off == len)
        return TRUE;

    if (off > 0)
        qemuMonitorAbort(mon, g_error_new(QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_PROTOCOL,
                                          _("a command was only partly written to the QEMU "
                                            "monitor")));
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_TIMEOUT,
                    _("timed out writing to the QEMU monitor '%s'"), mon->path);
    else
        g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED,
                    _("cannot write to the QEMU monitor '%s': %s"), mon->path, err->message);
    return FALSE;
}

/* ------------------------------------------------------------------ */
/* Callbacks (on @ctx's thread)                                        */

/* No callback starts after qemuMonitorClose() or after the EOF callback. */
static gboolean
qemuMonitorCallbackBegin(qemuMonitor *mon, gboolean eof)
{
    gboolean ok;

    g_mutex_lock(&mon->lock);
    ok = !mon->user_closed && !mon->eof_done;
    if (ok) {
        mon->eof_done = eof;
        mon->cb_thread = g_thread_self();
    }
    g_mutex_unlock(&mon->lock);
    return ok;
}

static void
qemuMonitorCallbackEnd(qemuMonitor *mon)
{
    g_mutex_lock(&mon->lock);
    mon->cb_thread = NULL;
    g_cond_broadcast(&mon->cond);
    g_mutex_unlock(&mon->lock);
}

static void
qemuMonitorDispatchEvent(qemuMonitor *mon, JsonObject *msg)
{
    const char *name = qemuMonitorStringMember(msg, "event");
    JsonNode *data = json_object_get_member(msg, "data");
    JsonNode *ts = json_object_get_member(msg, "timestamp");
    gint64 timestamp_us = g_get_real_time();

    if (!name) {
        g_debug("QEMU monitor '%s': ignoring an event without a name", mon->path);
        return;
    }
    if (ts && JSON_NODE_HOLDS_OBJECT(ts)) {
        JsonObject *t = json_node_get_object(ts);

        timestamp_us = json_object_get_int_member_with_default(t, "seconds", 0) * G_USEC_PER_SEC +
                       json_object_get_int_member_with_default(t, "microseconds", 0);
    }
    g_debug("QEMU monitor '%s': event %s", mon->path, name);
    if (!mon->cb.event || !qemuMonitorCallbackBegin(mon, FALSE))
        return;
    mon->cb.event(mon, name,
                  data && JSON_NODE_HOLDS_OBJECT(data) ? json_node_get_object(data) : NULL,
                  timestamp_us, mon->opaque);
    qemuMonitorCallbackEnd(mon);
}

static void
qemuMonitorDispatchReply(qemuMonitor *mon, JsonObject *msg)
{
    const char *id = qemuMonitorStringMember(msg, "id");
    JsonNode *reply = NULL;
    GError *err = NULL;
    qemuMonitorPending *pending;

    if (json_object_has_member(msg, "return")) {
        reply = json_object_dup_member(msg, "return");
        /* JsonObject reference counts are not atomic: drop the message's
         * hold on the reply before another thread gets it */
        json_object_remove_member(msg, "return");
    } else {
        err = qemuMonitorReplyError(msg);
    }

    g_mutex_lock(&mon->lock);
    pending = id ? g_hash_table_lookup(mon->pending, id) : NULL;
    if (pending && !pending->done) {
        pending->done = TRUE;
        pending->reply = g_steal_pointer(&reply);
        pending->error = g_steal_pointer(&err);
        g_cond_broadcast(&mon->cond);
    }
    g_mutex_unlock(&mon->lock);

    /* a reply nobody waits for any more (its command timed out) */
    if (reply || err)
        g_debug("QEMU monitor '%s': dropping the reply to '%s'", mon->path, id ? id : "?");
    g_clear_pointer(&reply, json_node_unref);
    g_clear_error(&err);
}

static gboolean
qemuMonitorDispatchLine(qemuMonitor *mon, const char *line, gsize len, GError **error)
{
    g_autoptr(JsonObject) msg = NULL;

    if (qemuMonitorLineIsBlank(line, len))
        return TRUE;
    if (!(msg = qemuMonitorParse(line, len, error)))
        return FALSE;
    if (json_object_has_member(msg, "event"))
        qemuMonitorDispatchEvent(mon, msg);
    else if (json_object_has_member(msg, "return") || json_object_has_member(msg, "error"))
        qemuMonitorDispatchReply(mon, msg);
    else
        g_debug("QEMU monitor '%s': ignoring an unexpected message", mon->path);
    return TRUE;
}

static GError *
qemuMonitorTooLong(void)
{
    return g_error_new(QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_PROTOCOL,
                       _("the QEMU monitor sent a message longer than %d bytes"),
                       QEMU_MONITOR_MAX_LINE);
}

/* Handles every complete line in rbuf; keeps the incomplete tail. */
static gboolean
qemuMonitorProcess(qemuMonitor *mon, GError **error)
{
    GByteArray *buf = mon->rbuf;
    gsize start = 0;
    gsize pos = mon->scanned;
    const guint8 *nl;

    while ((nl = memchr(buf->data + pos, '\n', buf->len - pos))) {
        gsize end = nl - buf->data;

        if (end - start > QEMU_MONITOR_MAX_LINE) {
            g_propagate_error(error, qemuMonitorTooLong());
            return FALSE;
        }
        if (!qemuMonitorDispatchLine(mon, (const char *)buf->data + start, end - start, error))
            return FALSE;
        start = pos = end + 1;
    }
    g_byte_array_remove_range(buf, 0, start);
    mon->scanned = buf->len;
    if (buf->len > QEMU_MONITOR_MAX_LINE) {
        g_propagate_error(error, qemuMonitorTooLong());
        return FALSE;
    }
    return TRUE;
}

/* The end of the stream: fails pending commands, removes the source and
 * reports EOF once, unless the caller closed the monitor.  Takes @reason. */
static gboolean
qemuMonitorHangup(qemuMonitor *mon, GError *reason)
{
    GSource *src;

    g_mutex_lock(&mon->lock);
    qemuMonitorMarkClosed(mon, reason);
    src = g_steal_pointer(&mon->source);
    g_mutex_unlock(&mon->lock);

    qemuMonitorShutdown(mon);
    if (src) {
        g_source_destroy(src);
        g_source_unref(src);
    }
    if (qemuMonitorCallbackBegin(mon, TRUE)) {
        if (mon->cb.eof)
            mon->cb.eof(mon, mon->opaque);
        qemuMonitorCallbackEnd(mon);
    }
    return G_SOURCE_REMOVE;
}

static gssize
qemuMonitorReadChunk(qemuMonitor *mon, GError **error)
{
    guint old = mon->rbuf->len;
    gssize n;

    g_byte_array_set_size(mon->rbuf, old + QEMU_MONITOR_READ_CHUNK);
    n = g_socket_receive_with_blocking(mon->sock, (char *)mon->rbuf->data + old,
                                       QEMU_MONITOR_READ_CHUNK, FALSE, NULL, error);
    g_byte_array_set_size(mon->rbuf, old + MAX(n, 0));
    return n;
}

static gboolean
qemuMonitorIO(GSocket *sock, GIOCondition cond, gpointer opaque)
{
    qemuMonitor *mon = opaque;
    g_autoptr(GError) err = NULL;
    gboolean user_closed;
    gssize n;

    g_mutex_lock(&mon->lock);
    user_closed = mon->user_closed;
    g_mutex_unlock(&mon->lock);
    if (user_closed)
        return G_SOURCE_REMOVE;

    n = qemuMonitorReadChunk(mon, &err);
    if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
    if (n > 0) {
        if (qemuMonitorProcess(mon, &err))
            return G_SOURCE_CONTINUE;
        return qemuMonitorHangup(mon, g_steal_pointer(&err));
    }
    /* ECONNRESET when qemu exits is as much an EOF as a read of 0 */
    if (n == 0)
        return qemuMonitorHangup(mon, g_error_new(QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED,
                                                  _("the QEMU monitor '%s' closed the "
                                                    "connection"),
                                                  mon->path));
    return qemuMonitorHangup(mon, g_error_new(QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED,
                                              _("cannot read from the QEMU monitor '%s': %s"),
                                              mon->path, err->message));
}

/* ------------------------------------------------------------------ */
/* Opening (caller's thread, synchronous)                              */

static gboolean
qemuMonitorConnectRetryable(const GError *err)
{
    return g_error_matches(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
           g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
           g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) ||
           g_error_matches(err, G_IO_ERROR, G_IO_ERROR_PENDING);
}

/* Waits @us before the next connection attempt.  Returns FALSE if the
 * process of @pidfd (if >= 0) has exited, before or meanwhile. */
static gboolean
qemuMonitorConnectPause(int pidfd, gint64 us)
{
    struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

    if (pidfd < 0) {
        g_usleep(us);
        return TRUE;
    }
    /* EINTR (-1) is a pause cut short, not an exit */
    return poll(&pfd, 1, (int)((us + 999) / 1000)) <= 0;
}

/* qemu creates its socket a few ms after it starts: retry until @deadline
 * while the socket is missing or nobody listens, and qemu (@pidfd) runs.
 * A qemu that failed early (a missing kernel) leaves its socket behind
 * with nobody listening: without @pidfd that would look like one still
 * starting until @deadline. */
static GSocket *
qemuMonitorConnect(const char *path, int pidfd, gint64 deadline, guint timeout_ms, GError **error)
{
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);

    for (;;) {
        g_autoptr(GError) err = NULL;
        g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                               G_SOCKET_PROTOCOL_DEFAULT, &err);
        gint64 now, pause = QEMU_MONITOR_RETRY_MS * 1000;

        if (sock) {
            /* a listener with a full backlog must not block us past @deadline */
            g_socket_set_blocking(sock, FALSE);
            if (g_socket_connect(sock, addr, NULL, &err))
                return g_steal_pointer(&sock);
        }
        now = g_get_monotonic_time();
        if (!sock || !qemuMonitorConnectRetryable(err)) {
            g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT,
                        _("cannot connect to the QEMU monitor '%s': %s"), path, err->message);
            return NULL;
        }
        if (deadline && now >= deadline) {
            g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT,
                        _("cannot connect to the QEMU monitor '%s' within %u ms: %s"), path,
                        timeout_ms, err->message);
            return NULL;
        }
        if (deadline)
            pause = MIN(pause, deadline - now);
        if (!qemuMonitorConnectPause(pidfd, pause)) {
            g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT,
                        _("QEMU exited before its monitor '%s' accepted a connection"), path);
            return NULL;
        }
    }
}

/* Appends to rbuf the bytes up to the first newline in the socket, and not
 * one byte more: what follows (events) is for the read source.  Returns 1
 * once a newline was read, 0 if not yet, -1 on error. */
static int
qemuMonitorReadUpToNewline(qemuMonitor *mon, GError **error)
{
    char buf[4096];
    GInputVector vec = {buf, sizeof(buf)};
    int flags = G_SOCKET_MSG_PEEK;
    gssize n = g_socket_receive_message(mon->sock, NULL, &vec, 1, NULL, NULL, &flags, NULL, error);
    const char *nl;
    gsize take;

    if (n < 0)
        return -1;
    if (n == 0) {
        g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT,
                    _("the connection was closed"));
        return -1;
    }
    nl = memchr(buf, '\n', n);
    take = nl ? (gsize)(nl - buf) + 1 : (gsize)n;
    /* those bytes are queued already: this cannot block nor read less */
    n = g_socket_receive(mon->sock, buf, take, NULL, error);
    if (n < 0)
        return -1;
    g_byte_array_append(mon->rbuf, (guint8 *)buf, n);
    if (mon->rbuf->len > QEMU_MONITOR_MAX_LINE) {
        g_propagate_error(error, qemuMonitorTooLong());
        return -1;
    }
    return nl && (gsize)n == take;
}

static gboolean
qemuMonitorWaitReadable(qemuMonitor *mon, gint64 deadline, guint timeout_ms, GError **error)
{
    g_autoptr(GError) err = NULL;
    if (g_socket_condition_timed_wait(mon->sock, G_IO_IN, qemuMonitorRemainingUs(deadline), NULL,
                                      &err))
        return TRUE;
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT,
                    _("no answer within %u ms"), timeout_ms);
    else
        virErrorRetag(error, g_steal_pointer(&err), QEMU_MONITOR_ERROR,
                      QEMU_MONITOR_ERROR_CONNECT);
    return FALSE;
}

/* Reads one message before @deadline, without a main loop. */
static JsonObject *
qemuMonitorReadSync(qemuMonitor *mon, gint64 deadline, guint timeout_ms, GError **error)
{
    for (;;) {
        g_autoptr(GError) err = NULL;
        JsonObject *msg = NULL;
        int rc = qemuMonitorReadUpToNewline(mon, &err);

        if (rc < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            if (!qemuMonitorWaitReadable(mon, deadline, timeout_ms, error))
                return NULL;
            continue;
        }
        if (rc < 0 && err->domain == QEMU_MONITOR_ERROR) {
            g_propagate_error(error, g_steal_pointer(&err));
            return NULL;
        }
        if (rc < 0) {
            virErrorRetag(error, g_steal_pointer(&err), QEMU_MONITOR_ERROR,
                      QEMU_MONITOR_ERROR_CONNECT);
            return NULL;
        }
        if (rc == 0)
            continue;
        if (qemuMonitorLineIsBlank((const char *)mon->rbuf->data, mon->rbuf->len)) {
            g_byte_array_set_size(mon->rbuf, 0);
            continue;
        }
        msg = qemuMonitorParse((const char *)mon->rbuf->data, mon->rbuf->len, error);
        g_byte_array_set_size(mon->rbuf, 0);
        return msg;
    }
}

/* The greeting {"QMP": {...}}, then qmp_capabilities leaves the
 * negotiation mode: only then does qemu accept commands and send events. */
static gboolean
qemuMonitorHandshake(qemuMonitor *mon, gint64 deadline, guint timeout_ms, GError **error)
{
    g_autoptr(JsonObject) greeting = NULL;
    g_autoptr(JsonObject) reply = NULL;
    g_autofree char *id = g_strdup_printf("virtd-%" G_GUINT64_FORMAT, ++mon->next_id);
    g_autofree char *msg = NULL;
    gsize len;

    if (!(greeting = qemuMonitorReadSync(mon, deadline, timeout_ms, error))) {
        g_prefix_error(error, _("no greeting from the QEMU monitor '%s': "), mon->path);
        return FALSE;
    }
    if (!json_object_has_member(greeting, "QMP")) {
        g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_PROTOCOL,
                    _("the QEMU monitor '%s' did not greet with a QMP banner"), mon->path);
        return FALSE;
    }

    msg = qemuMonitorSerialize("qmp_capabilities", NULL, id, &len);
    if (!qemuMonitorSend(mon, msg, len, -1, deadline, error))
        return FALSE;
    /* skips anything that is not our reply: qemu sends no events before
     * the negotiation, but an error for a garbled line has no id */
    while (!reply || g_strcmp0(qemuMonitorStringMember(reply, "id"), id) != 0) {
        g_clear_pointer(&reply, json_object_unref);
        if (!(reply = qemuMonitorReadSync(mon, deadline, timeout_ms, error))) {
            g_prefix_error(error, _("no answer to qmp_capabilities from the QEMU monitor '%s': "),
                           mon->path);
            return FALSE;
        }
    }
    if (!json_object_has_member(reply, "return")) {
        g_propagate_error(error, qemuMonitorReplyError(reply));
        g_prefix_error(error, _("the QEMU monitor '%s' refused qmp_capabilities: "), mon->path);
        return FALSE;
    }
    return TRUE;
}

static void
qemuMonitorAttach(qemuMonitor *mon)
{
    GSource *src = g_socket_create_source(mon->sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);

    g_source_set_callback(src, G_SOURCE_FUNC(qemuMonitorIO), qemuMonitorRef(mon), qemuMonitorUnref);
    mon->source = src;
    g_source_attach(src, mon->ctx);
}

/**
 * qemuMonitorOpen:
 * @path: the monitor's UNIX socket (qemu's -chardev socket,server=on)
 * @pidfd: a pidfd of the qemu serving @path, or -1; not taken over
 * @timeout_ms: for the whole connection and negotiation, 0 for no limit;
 *   while the socket is missing or nobody listens, connecting is retried
 *   every 10 ms until then, or until @pidfd's process has exited
 * @ctx: (nullable): where the socket's I/O and the callbacks run; NULL for
 *   the default main context
 * @cb: (nullable): callbacks, copied
 * @opaque: their data; must stay valid until qemuMonitorClose() returns
 *
 * Connects, reads the greeting and negotiates capabilities synchronously
 * on the calling thread (any thread, @ctx's included: it does not need the
 * loop to run), then attaches the monitor to @ctx.
 *
 * Events and EOF are delivered on @ctx's thread, in order; no event
 * follows EOF.
 *
 * Returns: (transfer full): the monitor, to be freed with
 * qemuMonitorClose(); NULL with QEMU_MONITOR_ERROR_CONNECT (no socket, no
 * listener or no greeting in time), _PROTOCOL or _COMMAND.
 */
qemuMonitor *
qemuMonitorOpen(const char *path, int pidfd, guint timeout_ms, GMainContext *ctx,
                const qemuMonitorCallbacks *cb, gpointer opaque, GError **error)
{
    gint64 deadline = timeout_ms ? g_get_monotonic_time() + (gint64)timeout_ms * 1000 : 0;
    qemuMonitor *mon;

    g_return_val_if_fail(path, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    mon = qemuMonitorNew(path, ctx, cb, opaque);
    if (!(mon->sock = qemuMonitorConnect(path, pidfd, deadline, timeout_ms, error)) ||
        !qemuMonitorHandshake(mon, deadline, timeout_ms, error)) {
        qemuMonitorUnref(mon);
        return NULL;
    }
    qemuMonitorAttach(mon);
    return mon;
}

/**
 * qemuMonitorClose:
 *
 * Detaches the monitor from its context, shuts the socket down, fails the
 * commands still waiting with QEMU_MONITOR_ERROR_CLOSED and drops the
 * caller's reference (the monitor is freed once the last waiting command
 * has returned).  Safe from any thread, from inside a callback too.
 *
 * When it returns, no callback is running (except the one it is called
 * from) and none will start, so the callbacks' data may be freed.  From
 * another thread this means waiting for a callback in progress to return:
 * do not call it while holding a lock the callbacks take.
 */
void
qemuMonitorClose(qemuMonitor *mon)
{
    GSource *src;

    if (!mon)
        return;

    g_mutex_lock(&mon->lock);
    mon->user_closed = TRUE;
    qemuMonitorMarkClosed(mon, g_error_new(QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED,
                                           _("the QEMU monitor '%s' was closed"), mon->path));
    src = g_steal_pointer(&mon->source);
    while (mon->cb_thread && mon->cb_thread != g_thread_self())
        g_cond_wait(&mon->cond, &mon->lock);
    g_mutex_unlock(&mon->lock);

    if (src) {
        g_source_destroy(src);
        g_source_unref(src);
    }
    qemuMonitorShutdown(mon);
    qemuMonitorUnref(mon);
}

/* With @lock held: waits for @pending's reply, the close or @deadline. */
static gboolean
qemuMonitorWaitReply(qemuMonitor *mon, qemuMonitorPending *pending, gint64 deadline)
{
    while (!pending->done && !mon->close_error) {
        if (!deadline)
            g_cond_wait(&mon->cond, &mon->lock);
        else if (!g_cond_wait_until(&mon->cond, &mon->lock, deadline))
            return pending->done || mon->close_error;
    }
    return TRUE;
}

/**
 * qemuMonitorCommand:
 * @command: the QMP command ("query-status")
 * @args: (nullable): its "arguments"
 * @timeout_ms: how long to wait for the reply, 0 for no limit
 *
 * Sends @command and waits for its reply.  Must not be called on the thread
 * that runs the monitor's context (it alone reads the reply): that is a
 * programming error, refused with a critical warning.  Several threads may
 * send commands at once; each gets its own reply.
 *
 * Returns: (transfer full): qemu's "return" value; NULL with
 * QEMU_MONITOR_ERROR_COMMAND ("QEMU: <class>: <desc>") when qemu answered
 * with an error, _TIMEOUT, _CLOSED once the monitor closed (_PROTOCOL for a
 * command pending when qemu broke the protocol).
 */
JsonNode *
qemuMonitorCommand(qemuMonitor *mon, const char *command, JsonObject *args, guint timeout_ms,
                   GError **error)
{
    return qemuMonitorCommandWithFd(mon, command, args, -1, timeout_ms, error);
}

/**
 * qemuMonitorCommandWithFd:
 * @fd: passed to qemu with the command (SCM_RIGHTS), for "getfd"; -1: none
 *
 * qemuMonitorCommand() with a file descriptor.
 */
JsonNode *
qemuMonitorCommandWithFd(qemuMonitor *mon, const char *command, JsonObject *args, int fd,
                         guint timeout_ms, GError **error)
{
    gint64 deadline = timeout_ms ? g_get_monotonic_time() + (gint64)timeout_ms * 1000 : 0;
    qemuMonitorPending pending = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *id = NULL;
    g_autofree char *msg = NULL;
    gboolean answered = FALSE;
    gsize len;

    g_return_val_if_fail(mon && command, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);
    /* the reply could only ever be read by this very thread */
    g_return_val_if_fail(!qemuMonitorIsLoopThread(mon), NULL);

    qemuMonitorRef(mon);
    g_mutex_lock(&mon->lock);
    if (!mon->close_error) {
        id = g_strdup_printf("virtd-%" G_GUINT64_FORMAT, ++mon->next_id);
        g_hash_table_insert(mon->pending, g_strdup(id), &pending);
    }
    g_mutex_unlock(&mon->lock);
    if (!id) {
        g_set_error(error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED,
                    _("the QEMU monitor '%s' is closed"), mon->path);
        qemuMonitorUnref(mon);
        return NULL;
    }

    g_debug("QEMU monitor '%s': sending %s as %s", mon->path, command, id);
    msg = qemuMonitorSerialize(command, args, id, &len);
    if (qemuMonitorSend(mon, msg, len, fd, deadline, &err)) {
        g_mutex_lock(&mon->lock);
        answered = qemuMonitorWaitReply(mon, &pending, deadline);
        g_hash_table_remove(mon->pending, id);
        if (pending.done)
            err = g_steal_pointer(&pending.error);
        else if (answered)
            err = g_error_copy(mon->close_error);
        g_mutex_unlock(&mon->lock);
        if (!answered)
            err = g_error_new(QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_TIMEOUT,
                              _("the QEMU monitor '%s' did not answer '%s' within %u ms"),
                              mon->path, command, timeout_ms);
    } else {
        g_mutex_lock(&mon->lock);
        g_hash_table_remove(mon->pending, id);
        g_mutex_unlock(&mon->lock);
    }
    qemuMonitorUnref(mon);

    if (err) {
        g_clear_pointer(&pending.reply, json_node_unref);
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    return pending.reply;
}

gboolean
qemuMonitorSimpleCommand(qemuMonitor *mon, const char *command, GError **error)
{
    g_autoptr(JsonNode) reply = qemuMonitorCommand(mon, command, NULL, 30000, error);

    return reply != NULL;
}

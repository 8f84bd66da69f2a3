/*
 * virnetserver.c: UNIX socket server of the remote protocol
 *
 * See virnetserver.h for the thread and lifetime rules.  Locking: a
 * client's @lock guards its output queue and @closed; it is a leaf lock
 * (nothing else is taken while it is held).  Fields marked "loop" are
 * touched by the main loop thread only.
 */
#define G_LOG_DOMAIN "virtd.rpc"

#include "virnetserver.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "virerror.h"

#define VIR_NET_SERVER_LISTEN_BACKLOG 128
/* calls of one client running or queued at once; reading pauses beyond */
#define VIR_NET_SERVER_MAX_CLIENT_REQUESTS 32
/* reading pauses while this much output waits for a slow reader ... */
#define VIR_NET_SERVER_TX_PAUSE (4U * 1024 * 1024)
/* ... and a client that lets this much pile up (events) is dropped */
#define VIR_NET_SERVER_TX_MAX (64U * 1024 * 1024)
/* first allocation for a frame being read; grows up to its length */
#define VIR_NET_SERVER_RX_INITIAL (64U * 1024)
/* reads per wake-up of one client, so one busy client cannot starve others */
#define VIR_NET_SERVER_READS_PER_WAKEUP 16
/* the longest frame before the client is open, and on read-only connections */
#define VIR_NET_SERVER_FRAME_MAX_UNOPENED (4U * 1024)
#define VIR_NET_SERVER_FRAME_MAX_READONLY (16U * 1024)
/* refused clients kept until their first call is answered, and how long */
#define VIR_NET_SERVER_MAX_REFUSING     8
#define VIR_NET_SERVER_REFUSING_SECONDS 5
/* read-only clients are refused unless this share of the fd limit is free */
#define VIR_NET_SERVER_FD_RESERVE_DIVISOR 8
#define VIR_NET_SERVER_FD_RESERVE_MIN     32
/* refusals and accept failures are logged at most this often */
#define VIR_NET_SERVER_LOG_SECONDS 60

typedef struct {
    virNetServer *srv;
    char *path;
    int fd;
    gboolean readonly;
    guint watch; /* loop */
    guint retry; /* loop: re-enable after EMFILE */
    gint64 failure_logged; /* loop: last "cannot accept" line (monotonic us) */
} virNetServerListener;

struct _virNetServer {
    virNetServerProgram prog;
    gpointer opaque;
    GPtrArray *listeners; /* loop */
    GHashTable *clients;  /* loop: client -> itself, holds a ref */
    /* one per lane, set at creation */
    GThreadPool *pools[VIR_NET_SERVER_LANE_LAST];
    guint jobs;                        /* loop: queued or running jobs, all lanes */
    unsigned long long next_client_id; /* loop */
    gboolean stopping;                 /* loop */

    virNetServerLimits limits; /* loop */
    guint fd_reserve;          /* set: free fds a read-only client must leave */
    guint64 fd_limit;          /* set: RLIMIT_NOFILE at creation */
    guint n_admitted;          /* loop: clients counted against the limits */
    guint n_readonly;          /* loop: ... of them through read-only sockets */
    guint n_refusing;          /* loop: refused clients waiting for their answer */
    GHashTable *per_uid;       /* loop: uid (not 0) -> its admitted clients */
    gsize input_reserved;      /* loop: bytes reserved by frames being received */
    GQueue budget_waiters;     /* loop: clients waiting for input budget (refs) */
    guint tick;                /* loop: the timeouts' timer, while clients exist */
    gint64 refusal_logged;     /* loop: last refusal line (monotonic us) */
    guint refusals_unlogged;   /* loop: refusals since */
};

typedef enum {
    VIR_NET_RX_LENGTH,  /* reading the length word into rx_head */
    VIR_NET_RX_BUDGET,  /* length known, waiting for input budget: not reading */
    VIR_NET_RX_BODY,    /* reading the frame into rx_buf */
    VIR_NET_RX_HEADER,  /* a frame over the limit: reading its header into rx_head */
    VIR_NET_RX_DISCARD, /* ... then dropping the rest of it */
} virNetServerRxState;

struct _virNetServerClient {
    gint refs;
    virNetServer *srv;
    unsigned long long id;
    int fd;
    gboolean readonly;
    pid_t pid;
    uid_t uid;
    gid_t gid;
    gpointer priv;
    GDestroyNotify priv_free; /* copied: the server may be gone first */

    /* loop */
    guint rx_watch;
    guint tx_watch;
    guint inflight; /* calls queued or running, all lanes */
    virNetServerRxState rx_state;
    guint8 rx_head[VIR_NET_MESSAGE_MIN]; /* length word and header */
    guint8 *rx_buf;                      /* VIR_NET_RX_BODY only */
    gsize rx_len;                        /* the frame's length, once known */
    gsize rx_cap;
    gsize rx_got;      /* bytes of the frame received */
    gboolean admitted; /* counted in the server's limits */
    char *refusal;     /* why it was refused: its first call gets this */
    gint64 connected;  /* monotonic us */
    gint64 frame_began;
    gint64 last_rx;
    guint pings; /* unanswered PINGs */
    gint opened;    /* atomic: marked open by the program */
    gint keepalive; /* atomic: it asked for keepalive */

    GMutex lock;
    gboolean closed;
    gboolean close_requested;
    GQueue tx_queue; /* of GBytes, whole frames */
    gsize tx_offset; /* written bytes of the head frame */
    gsize tx_bytes;
    gboolean tx_scheduled; /* a flush is queued on the loop */
    gboolean tx_watching;  /* the loop waits for the fd to be writable */
    gboolean close_after_flush; /* refused: hang up once the answer is out */
};

typedef struct {
    virNetServerClient *client;
    virNetServerJobFunc func;
    gpointer data;
    GDestroyNotify data_free;
} virNetServerJob;

typedef enum {
    VIR_NET_READ_AGAIN,   /* nothing more to read now */
    VIR_NET_READ_MORE,    /* progress, keep reading */
    VIR_NET_READ_FRAME,   /* a whole frame is in rx_buf */
    VIR_NET_READ_CLOSE,   /* EOF or read error */
    VIR_NET_READ_INVALID, /* the client broke the protocol */
} virNetServerReadResult;

static void virNetServerClientClose(virNetServerClient *client, const char *why);
static void virNetServerClientUpdateRx(virNetServerClient *client);
static void virNetServerForgetClient(virNetServer *srv, virNetServerClient *client);
static void virNetServerClientHandleRefused(virNetServerClient *client,
                                            const virNetMessageHeader *h);
static gboolean virNetServerClientOnWritable(gint fd, GIOCondition cond, gpointer opaque);

/* ---- clients: references and accessors ------------------------------- */

virNetServerClient *
virNetServerClientRef(virNetServerClient *client)
{
    g_atomic_int_inc(&client->refs);
    return client;
}

static void
virNetServerClientDrainQueue(virNetServerClient *client)
{
    g_queue_clear_full(&client->tx_queue, (GDestroyNotify)g_bytes_unref);
    client->tx_offset = 0;
    client->tx_bytes = 0;
}

void
virNetServerClientUnref(virNetServerClient *client)
{
    if (!client || !g_atomic_int_dec_and_test(&client->refs))
        return;
    if (client->priv_free && client->priv)
        client->priv_free(client->priv);
    virNetServerClientDrainQueue(client);
    g_free(client->rx_buf);
    g_free(client->refusal);
    g_mutex_clear(&client->lock);
    if (client->fd >= 0)
        close(client->fd);
    g_free(client);
}

unsigned long long
virNetServerClientGetId(const virNetServerClient *client)
{
    return client->id;
}

gboolean
virNetServerClientIsReadonly(const virNetServerClient *client)
{
    return client->readonly;
}

void
virNetServerClientGetIdentity(const virNetServerClient *client, pid_t *pid, uid_t *uid, gid_t *gid)
{
    *pid = client->pid;
    *uid = client->uid;
    *gid = client->gid;
}

gpointer
virNetServerClientGetPrivate(const virNetServerClient *client)
{
    return client->priv;
}

gboolean
virNetServerClientIsClosed(virNetServerClient *client)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&client->lock);

    return client->closed;
}

/**
 * virNetServerClientSetOpen:
 *
 * Any thread: the client opened its connection (CONNECT_OPEN succeeded):
 * its frames may now be longer and the open timeout no longer applies.
 */
void
virNetServerClientSetOpen(virNetServerClient *client)
{
    g_atomic_int_set(&client->opened, 1);
}

/**
 * virNetServerClientStartKeepalive:
 *
 * Any thread: the client asked for keepalive, so it answers PINGs: from
 * now on it gets one after each keepalive_interval seconds of silence and
 * is dropped after keepalive_count unanswered ones.
 */
void
virNetServerClientStartKeepalive(virNetServerClient *client)
{
    g_atomic_int_set(&client->keepalive, 1);
}

/* ---- output ------------------------------------------------------------ */

/* Writes queued frames until the queue is empty or the socket is full.
 * Returns FALSE on a write error.  Called with the lock held. */
static gboolean
virNetServerClientWriteLocked(virNetServerClient *client, gboolean *blocked)
{
    *blocked = FALSE;
    while (!g_queue_is_empty(&client->tx_queue)) {
        GBytes *head = g_queue_peek_head(&client->tx_queue);
        gsize size;
        const guint8 *data = g_bytes_get_data(head, &size);
        ssize_t n = send(client->fd, data + client->tx_offset, size - client->tx_offset,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            *blocked = TRUE;
            return TRUE;
        }
        if (n < 0)
            return FALSE;
        client->tx_offset += n;
        if (client->tx_offset < size)
            continue;
        client->tx_bytes -= size;
        client->tx_offset = 0;
        g_bytes_unref(g_queue_pop_head(&client->tx_queue));
    }
    return TRUE;
}

/* Loop thread: writes what can be written, then waits for POLLOUT if the
 * socket is full. */
static void
virNetServerClientFlush(virNetServerClient *client)
{
    gboolean blocked = FALSE;
    gboolean ok = TRUE;
    gboolean overflow;
    gboolean answered;
    int saved = 0;

    g_mutex_lock(&client->lock);
    client->tx_scheduled = FALSE;
    if (!client->closed) {
        ok = virNetServerClientWriteLocked(client, &blocked);
        saved = errno;
    }
    client->tx_watching = ok && blocked;
    overflow = client->close_requested;
    answered = client->close_after_flush && g_queue_is_empty(&client->tx_queue);
    g_mutex_unlock(&client->lock);

    if (!ok || overflow || answered) {
        virNetServerClientClose(client, !ok        ? g_strerror(saved)
                                        : overflow ? _("it does not read its messages")
                                                   : client->refusal);
        return;
    }
    if (blocked && !client->tx_watch) {
        client->tx_watch = g_unix_fd_add_full(
            G_PRIORITY_DEFAULT, client->fd, G_IO_OUT, virNetServerClientOnWritable,
            virNetServerClientRef(client), (GDestroyNotify)virNetServerClientUnref);
    } else if (!blocked && client->tx_watch) {
        /* may be the watch being dispatched: GLib allows that */
        g_clear_handle_id(&client->tx_watch, g_source_remove);
    }
    virNetServerClientUpdateRx(client);
}

static gboolean
virNetServerClientFlushIdle(gpointer opaque)
{
    virNetServerClientFlush(opaque);
    return G_SOURCE_REMOVE;
}

static gboolean
virNetServerClientOnWritable(gint fd, GIOCondition cond, gpointer opaque)
{
    virNetServerClient *client = opaque;

    virNetServerClientFlush(client);
    return client->tx_watch ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/**
 * virNetServerClientSend:
 * @frame: (transfer none): a complete frame
 *
 * Queues @frame; any thread.  Frames of a closed client are dropped.  A
 * client that lets more than VIR_NET_SERVER_TX_MAX bytes pile up is
 * closed instead.
 */
void
virNetServerClientSend(virNetServerClient *client, GBytes *frame)
{
    gboolean schedule = FALSE;

    g_mutex_lock(&client->lock);
    if (!client->closed && !client->close_requested) {
        client->tx_bytes += g_bytes_get_size(frame);
        g_queue_push_tail(&client->tx_queue, g_bytes_ref(frame));
        if (client->tx_bytes > VIR_NET_SERVER_TX_MAX)
            client->close_requested = TRUE;
        schedule = !client->tx_scheduled && (!client->tx_watching || client->close_requested);
        client->tx_scheduled |= schedule;
    }
    g_mutex_unlock(&client->lock);

    /* Always deferred, even on the loop thread: the caller may hold the
     * event registry's lock, and a failing flush closes the client, which
     * takes that lock again. */
    if (schedule)
        g_idle_add_full(G_PRIORITY_DEFAULT, virNetServerClientFlushIdle,
                        virNetServerClientRef(client), (GDestroyNotify)virNetServerClientUnref);
}

/**
 * virNetServerClientSendError:
 * @call: the header of the call answered
 *
 * Queues a REPLY with status ERROR for @call; any thread.
 */
void
virNetServerClientSendError(virNetServerClient *client, const virNetMessageHeader *call, int code,
                            int domain, const char *message)
{
    g_autoptr(GBytes) frame = virNetMessageEncodeError(call, code, domain, message);

    virNetServerClientSend(client, frame);
}

/* ---- jobs -------------------------------------------------------------- */

static void
virNetServerJobFree(virNetServerJob *job)
{
    if (job->data_free)
        job->data_free(job->data);
    virNetServerClientUnref(job->client);
    g_free(job);
}

/* Loop thread, after a job: lets the client read again, lets Stop finish. */
static gboolean
virNetServerJobDone(gpointer opaque)
{
    virNetServerJob *job = opaque;
    virNetServerClient *client = job->client;

    client->inflight--;
    client->srv->jobs--;
    virNetServerClientUpdateRx(client);
    virNetServerJobFree(job);
    return G_SOURCE_REMOVE;
}

/* Worker thread.  Calls of a client that hung up meanwhile are skipped:
 * nobody could read their answers. */
static void
virNetServerJobRun(gpointer data, gpointer user_data)
{
    virNetServerJob *job = data;

    if (!virNetServerClientIsClosed(job->client))
        job->func(job->client, job->data);
    if (job->data_free)
        job->data_free(job->data);
    job->data_free = NULL;
    g_idle_add(virNetServerJobDone, job);
}

/**
 * virNetServerClientSubmit:
 * @lane: VIR_NET_SERVER_LANE_PRIO only for a @func that never waits
 * @data: (transfer full): freed with @data_free after @func ran (or was skipped)
 *
 * Loop thread: runs @func(@client, @data) on a worker of @lane.
 */
void
virNetServerClientSubmit(virNetServerClient *client, virNetServerLane lane,
                         virNetServerJobFunc func, gpointer data, GDestroyNotify data_free)
{
    virNetServerJob *job;

    g_return_if_fail(lane < VIR_NET_SERVER_LANE_LAST);
    job = g_new0(virNetServerJob, 1);
    job->client = virNetServerClientRef(client);
    job->func = func;
    job->data = data;
    job->data_free = data_free;
    client->inflight++;
    client->srv->jobs++;
    virNetServerClientUpdateRx(client);
    g_thread_pool_push(client->srv->pools[lane], job, NULL);
}

/* ---- input ------------------------------------------------------------- */

/* Reads at most @len bytes of the current frame into @buf. */
static virNetServerReadResult
virNetServerClientRead(virNetServerClient *client, void *buf, gsize len)
{
    ssize_t n = read(client->fd, buf, len);
    gint64 now;

    if (n <= 0)
        return n < 0 && (errno == EAGAIN || errno == EINTR) ? VIR_NET_READ_AGAIN
                                                            : VIR_NET_READ_CLOSE;
    now = g_get_monotonic_time();
    if (client->rx_got == 0)
        client->frame_began = now;
    client->last_rx = now;
    client->pings = 0;
    client->rx_got += n;
    return VIR_NET_READ_MORE;
}

static void
virNetServerClientResetRx(virNetServerClient *client)
{
    client->rx_state = VIR_NET_RX_LENGTH;
    client->rx_len = client->rx_cap = client->rx_got = 0;
    client->frame_began = 0;
}

static gsize
virNetServerClientFrameLimit(virNetServerClient *client)
{
    if (!g_atomic_int_get(&client->opened))
        return VIR_NET_SERVER_FRAME_MAX_UNOPENED;
    if (client->readonly)
        return VIR_NET_SERVER_FRAME_MAX_READONLY;
    return VIR_NET_MESSAGE_MAX + VIR_NET_MESSAGE_LEN_MAX;
}

/* A frame of @len bytes may be received now without exceeding the input
 * budget; one frame alone is always allowed. */
static gboolean
virNetServerInputFits(virNetServer *srv, gsize len)
{
    return srv->input_reserved == 0 || srv->input_reserved + len <= srv->limits.input_budget;
}

/* Reserves the frame's whole length and starts receiving its body. */
static void
virNetServerClientBeginBody(virNetServerClient *client)
{
    client->srv->input_reserved += client->rx_len;
    client->rx_state = VIR_NET_RX_BODY;
    client->rx_cap = MIN(client->rx_len, VIR_NET_SERVER_RX_INITIAL);
    client->rx_buf = g_malloc(client->rx_cap);
    memcpy(client->rx_buf, client->rx_head, VIR_NET_MESSAGE_LEN_MAX);
}

/* Loop thread, after input budget was released: clients waiting for it go
 * on, first come first served; closed ones leave the queue. */
static void
virNetServerWakeBudgetWaiters(virNetServer *srv)
{
    virNetServerClient *client;

    while ((client = g_queue_peek_head(&srv->budget_waiters))) {
        if (client->rx_state == VIR_NET_RX_BUDGET) {
            if (!virNetServerInputFits(srv, client->rx_len))
                break;
            virNetServerClientBeginBody(client);
            /* the time spent waiting is ours, not the client's */
            client->frame_began = client->last_rx = g_get_monotonic_time();
            virNetServerClientUpdateRx(client);
        }
        g_queue_pop_head(&srv->budget_waiters);
        virNetServerClientUnref(client);
    }
}

static virNetServerReadResult
virNetServerClientReadLength(virNetServerClient *client)
{
    g_autoptr(GError) err = NULL;
    virNetServer *srv = client->srv;
    virNetServerReadResult r = virNetServerClientRead(
        client, client->rx_head + client->rx_got, VIR_NET_MESSAGE_LEN_MAX - client->rx_got);

    if (r != VIR_NET_READ_MORE || client->rx_got < VIR_NET_MESSAGE_LEN_MAX)
        return r;
    if (!virNetMessageDecodeLength(client->rx_head, &client->rx_len, &err)) {
        g_info(_("client %llu: %s"), client->id, err->message);
        return VIR_NET_READ_INVALID;
    }
    if (client->rx_len > virNetServerClientFrameLimit(client)) {
        client->rx_state = VIR_NET_RX_HEADER;
        return VIR_NET_READ_MORE;
    }
    if (!g_queue_is_empty(&srv->budget_waiters) || !virNetServerInputFits(srv, client->rx_len)) {
        g_debug("client %llu: a frame of %zu bytes waits for input budget", client->id,
                client->rx_len);
        client->rx_state = VIR_NET_RX_BUDGET;
        g_queue_push_tail(&srv->budget_waiters, virNetServerClientRef(client));
        virNetServerClientUpdateRx(client);
        return VIR_NET_READ_AGAIN;
    }
    virNetServerClientBeginBody(client);
    return VIR_NET_READ_MORE;
}

/* The header of a frame over the limit is in: its CALL gets an error
 * naming the limit.  FALSE if the frame is not a call at all. */
static gboolean
virNetServerClientRefuseFrame(virNetServerClient *client)
{
    virNetMessage head = {.data = client->rx_head, .len = VIR_NET_MESSAGE_MIN};
    gsize limit = virNetServerClientFrameLimit(client);
    g_autofree char *text = NULL;

    if (!virNetMessageDecodeHeader(&head, NULL) ||
        (head.header.type != VIR_NET_CALL && head.header.type != VIR_NET_CALL_WITH_FDS)) {
        g_info(_("client %llu sent a message of %zu bytes that is not a call, over its limit "
                 "of %zu bytes"),
               client->id, client->rx_len, limit);
        return FALSE;
    }
    if (client->refusal) {
        /* what it must hear first is why it is not served at all */
        virNetServerClientHandleRefused(client, &head.header);
        return TRUE;
    }
    if (!g_atomic_int_get(&client->opened))
        text = g_strdup_printf(_("message of %zu bytes refused: at most %zu bytes are accepted "
                                 "before the connection is open"),
                               client->rx_len, limit);
    else
        text = g_strdup_printf(_("message of %zu bytes refused: read-only connections accept "
                                 "at most %zu bytes per message"),
                               client->rx_len, limit);
    g_info(_("client %llu: %s"), client->id, text);
    virNetServerClientSendError(client, &head.header, VIR_ERR_RPC, VIR_FROM_RPC, text);
    return TRUE;
}

static virNetServerReadResult
virNetServerClientReadHeader(virNetServerClient *client)
{
    virNetServerReadResult r = virNetServerClientRead(
        client, client->rx_head + client->rx_got, VIR_NET_MESSAGE_MIN - client->rx_got);

    if (r != VIR_NET_READ_MORE || client->rx_got < VIR_NET_MESSAGE_MIN)
        return r;
    if (!virNetServerClientRefuseFrame(client))
        return VIR_NET_READ_INVALID;
    /* longer than any limit, so there is always more to drop */
    client->rx_state = VIR_NET_RX_DISCARD;
    return VIR_NET_READ_MORE;
}

static virNetServerReadResult
virNetServerClientDiscard(virNetServerClient *client)
{
    guint8 scratch[16 * 1024];
    virNetServerReadResult r =
        virNetServerClientRead(client, scratch, MIN(sizeof(scratch), client->rx_len - client->rx_got));

    if (r == VIR_NET_READ_MORE && client->rx_got == client->rx_len)
        virNetServerClientResetRx(client);
    return r;
}

static virNetServerReadResult
virNetServerClientReadBody(virNetServerClient *client)
{
    virNetServerReadResult r;

    if (client->rx_got == client->rx_cap) {
        client->rx_cap = MIN(client->rx_cap * 2, client->rx_len);
        client->rx_buf = g_realloc(client->rx_buf, client->rx_cap);
    }
    r = virNetServerClientRead(client, client->rx_buf + client->rx_got,
                               client->rx_cap - client->rx_got);
    if (r != VIR_NET_READ_MORE)
        return r;
    return client->rx_got == client->rx_len ? VIR_NET_READ_FRAME : VIR_NET_READ_MORE;
}

/* The whole frame is in: hands it over and releases its input budget. */
static virNetMessage *
virNetServerClientTakeFrame(virNetServerClient *client)
{
    virNetMessage *msg = virNetMessageNew(g_steal_pointer(&client->rx_buf), client->rx_len);

    client->srv->input_reserved -= client->rx_len;
    virNetServerClientResetRx(client);
    virNetServerWakeBudgetWaiters(client->srv);
    return msg;
}

static void
virNetServerClientSendKeepalive(virNetServerClient *client, int proc)
{
    virNetMessageHeader h = {
        .prog = VIR_NET_PROGRAM_KEEPALIVE,
        .vers = VIR_NET_PROGRAM_VERSION,
        .proc = proc,
        .type = VIR_NET_MESSAGE,
        .serial = 0,
        .status = VIR_NET_OK,
    };
    g_autoptr(GBytes) frame = virNetMessageEncode(&h, virNetXdrVoid, NULL, NULL);

    virNetServerClientSend(client, frame);
}

static void
virNetServerClientHandleKeepalive(virNetServerClient *client, const virNetMessageHeader *h)
{
    /* PONGs (any frame resets the silence timer) and junk are ignored */
    if (h->vers != VIR_NET_PROGRAM_VERSION || h->type != VIR_NET_MESSAGE ||
        h->proc != VIR_NET_KEEPALIVE_PING)
        return;
    virNetServerClientSendKeepalive(client, VIR_NET_KEEPALIVE_PONG);
}

/* A refused client's first call is answered with the reason; then it is
 * disconnected once the answer is written. */
static void
virNetServerClientHandleRefused(virNetServerClient *client, const virNetMessageHeader *h)
{
    if (h->type != VIR_NET_CALL && h->type != VIR_NET_CALL_WITH_FDS)
        return;
    virNetServerClientSendError(client, h, VIR_ERR_RPC, VIR_FROM_RPC, client->refusal);
    g_mutex_lock(&client->lock);
    client->close_after_flush = TRUE;
    g_mutex_unlock(&client->lock);
    virNetServerClientUpdateRx(client);
}

/* A frame for a program we do not serve, or a version we do not speak. */
static gboolean
virNetServerClientHandleForeign(virNetServerClient *client, const virNetMessageHeader *h)
{
    g_autofree char *text = NULL;

    if (h->type != VIR_NET_CALL && h->type != VIR_NET_CALL_WITH_FDS)
        return FALSE;
    text = g_strdup_printf(_("unknown program 0x%x version %u"), h->prog, h->vers);
    virNetServerClientSendError(client, h, VIR_ERR_RPC, VIR_FROM_RPC, text);
    return TRUE;
}

/* Returns FALSE if the client broke the protocol and must be closed. */
static gboolean
virNetServerClientHandleFrame(virNetServerClient *client, virNetMessage *msg)
{
    g_autoptr(virNetMessage) owned = msg;
    const virNetMessageHeader *h = &msg->header;
    const virNetServerProgram *prog = &client->srv->prog;

    if (!virNetMessageDecodeHeader(msg, NULL))
        return FALSE;
    if (client->refusal) {
        virNetServerClientHandleRefused(client, h);
        return TRUE;
    }
    if (h->prog == VIR_NET_PROGRAM_KEEPALIVE) {
        virNetServerClientHandleKeepalive(client, h);
        return TRUE;
    }
    if (h->prog != prog->prog || h->vers != prog->vers) {
        if (virNetServerClientHandleForeign(client, h))
            return TRUE;
    } else if (h->type == VIR_NET_CALL_WITH_FDS) {
        virNetServerClientSendError(client, h, VIR_ERR_NO_SUPPORT, VIR_FROM_RPC,
                                    _("passing file descriptors is not supported"));
        return TRUE;
    }
    if (h->type != VIR_NET_CALL) {
        g_info(_("client %llu sent a message of type %d for program 0x%x, which clients may "
                 "not send"),
               client->id, h->type, h->prog);
        return FALSE;
    }
    if (h->status != VIR_NET_OK) {
        virNetServerClientSendError(client, h, VIR_ERR_RPC, VIR_FROM_RPC,
                                    _("a call must have status OK"));
        return TRUE;
    }
    prog->dispatch(client, g_steal_pointer(&owned), client->srv->opaque);
    return TRUE;
}

static virNetServerReadResult
virNetServerClientReadOnce(virNetServerClient *client)
{
    virNetServerReadResult r;

    switch (client->rx_state) {
    case VIR_NET_RX_LENGTH:
        return virNetServerClientReadLength(client);
    case VIR_NET_RX_BUDGET:
        return VIR_NET_READ_AGAIN;
    case VIR_NET_RX_HEADER:
        return virNetServerClientReadHeader(client);
    case VIR_NET_RX_DISCARD:
        return virNetServerClientDiscard(client);
    case VIR_NET_RX_BODY:
        break;
    }
    r = virNetServerClientReadBody(client);
    if (r != VIR_NET_READ_FRAME)
        return r;
    if (!virNetServerClientHandleFrame(client, virNetServerClientTakeFrame(client)))
        return VIR_NET_READ_INVALID;
    return VIR_NET_READ_MORE;
}

static const char *
virNetServerClientCloseReason(const virNetServerClient *client, virNetServerReadResult r)
{
    if (r == VIR_NET_READ_INVALID)
        return _("it broke the protocol");
    return client->rx_got ? _("it hung up in the middle of a message") : _("it hung up");
}

static gboolean
virNetServerClientOnReadable(gint fd, GIOCondition cond, gpointer opaque)
{
    virNetServerClient *client = opaque;

    for (guint i = 0; i < VIR_NET_SERVER_READS_PER_WAKEUP; i++) {
        virNetServerReadResult r = virNetServerClientReadOnce(client);

        if (r == VIR_NET_READ_CLOSE || r == VIR_NET_READ_INVALID) {
            client->rx_watch = 0;
            virNetServerClientClose(client, virNetServerClientCloseReason(client, r));
            return G_SOURCE_REMOVE;
        }
        /* the handler may have paused reading */
        if (r == VIR_NET_READ_AGAIN || !client->rx_watch)
            break;
    }
    return client->rx_watch ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Loop thread: reads while the client has few calls in flight and reads
 * its replies; pauses otherwise. */
static void
virNetServerClientUpdateRx(virNetServerClient *client)
{
    gboolean want;

    g_mutex_lock(&client->lock);
    want = !client->closed && !client->close_after_flush &&
           client->tx_bytes < VIR_NET_SERVER_TX_PAUSE;
    g_mutex_unlock(&client->lock);
    want = want && client->inflight < VIR_NET_SERVER_MAX_CLIENT_REQUESTS &&
           client->rx_state != VIR_NET_RX_BUDGET;

    if (want && !client->rx_watch) {
        client->rx_watch = g_unix_fd_add_full(
            G_PRIORITY_DEFAULT, client->fd, G_IO_IN, virNetServerClientOnReadable,
            virNetServerClientRef(client), (GDestroyNotify)virNetServerClientUnref);
    } else if (!want && client->rx_watch) {
        g_clear_handle_id(&client->rx_watch, g_source_remove);
    }
}

/* ---- connections --------------------------------------------------------- */

/* Loop thread: the one place a client's fd is shut down. */
static void
virNetServerClientClose(virNetServerClient *client, const char *why)
{
    virNetServer *srv = client->srv;
    gboolean budget;

    g_mutex_lock(&client->lock);
    if (client->closed) {
        g_mutex_unlock(&client->lock);
        return;
    }
    client->closed = TRUE;
    virNetServerClientDrainQueue(client);
    g_mutex_unlock(&client->lock);

    g_clear_handle_id(&client->rx_watch, g_source_remove);
    g_clear_handle_id(&client->tx_watch, g_source_remove);
    /* reads and writes only ever happen on this thread, after checking
     * @closed: nobody uses the fd any more */
    close(client->fd);
    client->fd = -1;
    if (client->refusal)
        g_debug("refused client %llu disconnected: %s", client->id, why);
    else
        g_info(_("client %llu disconnected: %s"), client->id, why);

    /* its input budget, then its place in the limits */
    budget = client->rx_state == VIR_NET_RX_BODY || client->rx_state == VIR_NET_RX_BUDGET;
    if (client->rx_state == VIR_NET_RX_BODY)
        srv->input_reserved -= client->rx_len;
    g_clear_pointer(&client->rx_buf, g_free);
    virNetServerClientResetRx(client);
    virNetServerForgetClient(srv, client);

    if (srv->prog.client_closed && !client->refusal)
        srv->prog.client_closed(client, srv->opaque);
    g_hash_table_remove(srv->clients, client);
    if (budget)
        virNetServerWakeBudgetWaiters(srv);
}

static gboolean
virNetServerClientGetCredentials(virNetServerClient *client)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    if (getsockopt(client->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        g_warning(_("cannot read the credentials of a new client: %s"), g_strerror(errno));
        return FALSE;
    }
    client->pid = cred.pid;
    client->uid = cred.uid;
    client->gid = cred.gid;
    return TRUE;
}

/* Loop thread: NULL if @client may be served, else why not (transfer
 * full). */
static char *
virNetServerCheckAdmission(virNetServer *srv, const virNetServerClient *client)
{
    const virNetServerLimits *lim = &srv->limits;

    if (srv->n_admitted >= lim->max_clients)
        return g_strdup_printf(_("too many clients: virtd serves at most %u at a time "
                                 "(max_clients)"),
                               lim->max_clients);
    if (client->readonly && srv->n_readonly >= lim->max_readonly_clients)
        return g_strdup_printf(_("too many read-only clients: virtd serves at most %u at a time "
                                 "(max_readonly_clients)"),
                               lim->max_readonly_clients);
    /* the accepted fd is the lowest free one: all below it are in use */
    if (client->readonly && (guint64)client->fd + srv->fd_reserve >= srv->fd_limit)
        return g_strdup(_("virtd is short of file descriptors: read-only clients are refused "
                          "until others disconnect"));
    if (client->uid != 0 &&
        GPOINTER_TO_UINT(g_hash_table_lookup(srv->per_uid, GUINT_TO_POINTER(client->uid))) >=
            lim->max_clients_per_uid)
        return g_strdup_printf(_("too many clients of uid %u: virtd serves at most %u per user "
                                 "at a time (max_clients_per_uid)"),
                               (guint)client->uid, lim->max_clients_per_uid);
    return NULL;
}

static void
virNetServerAdmitClient(virNetServer *srv, virNetServerClient *client)
{
    client->admitted = TRUE;
    srv->n_admitted++;
    if (client->readonly)
        srv->n_readonly++;
    if (client->uid != 0) {
        gpointer key = GUINT_TO_POINTER(client->uid);
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(srv->per_uid, key));

        g_hash_table_insert(srv->per_uid, key, GUINT_TO_POINTER(n + 1));
    }
}

/* Loop thread, at close: the client no longer counts. */
static void
virNetServerForgetClient(virNetServer *srv, virNetServerClient *client)
{
    if (client->refusal) {
        srv->n_refusing--;
        return;
    }
    if (!client->admitted)
        return;
    client->admitted = FALSE;
    srv->n_admitted--;
    if (client->readonly)
        srv->n_readonly--;
    if (client->uid != 0) {
        gpointer key = GUINT_TO_POINTER(client->uid);
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(srv->per_uid, key));

        if (n > 1)
            g_hash_table_insert(srv->per_uid, key, GUINT_TO_POINTER(n - 1));
        else
            g_hash_table_remove(srv->per_uid, key);
    }
}

/* At most one line a minute, however many clients a local user throws at
 * the sockets. */
static void
virNetServerLogRefusal(virNetServer *srv, const virNetServerListener *l,
                       const virNetServerClient *client, const char *why)
{
    gint64 now = g_get_monotonic_time();

    if (srv->refusal_logged &&
        now - srv->refusal_logged < VIR_NET_SERVER_LOG_SECONDS * G_USEC_PER_SEC) {
        srv->refusals_unlogged++;
        return;
    }
    if (srv->refusals_unlogged)
        g_warning(_("refused a client on '%s' (pid %d, uid %u): %s; %u more clients were "
                    "refused since the last such message"),
                  l->path, (int)client->pid, (guint)client->uid, why, srv->refusals_unlogged);
    else
        g_warning(_("refused a client on '%s' (pid %d, uid %u): %s"), l->path, (int)client->pid,
                  (guint)client->uid, why);
    srv->refusal_logged = now;
    srv->refusals_unlogged = 0;
}

static gboolean virNetServerTick(gpointer opaque);

static void
virNetServerAddClient(virNetServerListener *l, int fd)
{
    virNetServer *srv = l->srv;
    virNetServerClient *client = g_new0(virNetServerClient, 1);
    char *refusal;

    client->refs = 1;
    client->srv = srv;
    client->fd = fd;
    client->readonly = l->readonly;
    client->id = ++srv->next_client_id;
    client->connected = client->last_rx = g_get_monotonic_time();
    g_mutex_init(&client->lock);
    g_queue_init(&client->tx_queue);
    if (!virNetServerClientGetCredentials(client)) {
        virNetServerClientUnref(client);
        return;
    }
    if ((refusal = virNetServerCheckAdmission(srv, client))) {
        virNetServerLogRefusal(srv, l, client, refusal);
        if (srv->n_refusing >= VIR_NET_SERVER_MAX_REFUSING) {
            g_free(refusal);
            virNetServerClientUnref(client);
            return;
        }
        /* kept just long enough to tell it why */
        client->refusal = refusal;
        srv->n_refusing++;
    } else {
        virNetServerAdmitClient(srv, client);
        g_info(_("client %llu connected to '%s' (%s): pid %d, uid %d"), client->id, l->path,
               l->readonly ? _("read-only") : _("read-write"), (int)client->pid,
               (int)client->uid);
        if (srv->prog.client_new)
            client->priv = srv->prog.client_new(client, srv->opaque);
        client->priv_free = srv->prog.client_priv_free;
    }
    g_hash_table_add(srv->clients, client);
    if (!srv->tick)
        srv->tick = g_timeout_add_seconds(1, virNetServerTick, srv);
    virNetServerClientUpdateRx(client);
}

/* Loop thread, every second: NULL if @client may stay, else why it is
 * dropped (transfer full).  Sends PINGs when they are due. */
static char *
virNetServerClientCheckTime(virNetServerClient *client, gint64 now)
{
    const virNetServerLimits *lim = &client->srv->limits;
    const gint64 second = G_USEC_PER_SEC;

    if (client->refusal)
        return now - client->connected >= VIR_NET_SERVER_REFUSING_SECONDS * second
                   ? g_strdup(client->refusal)
                   : NULL;
    if (lim->open_timeout && !g_atomic_int_get(&client->opened) &&
        now - client->connected >= lim->open_timeout * second)
        return g_strdup_printf(_("it did not open a connection within %u s (open_timeout)"),
                               lim->open_timeout);
    if (lim->frame_timeout && client->rx_got && client->rx_state != VIR_NET_RX_BUDGET &&
        now - client->frame_began >= lim->frame_timeout * second)
        return g_strdup_printf(_("it did not finish sending a message within %u s "
                                 "(frame_timeout)"),
                               lim->frame_timeout);
    if (!g_atomic_int_get(&client->keepalive) || !lim->keepalive_interval)
        return NULL;
    if (!client->rx_watch) {
        /* we are not reading it: its silence would be ours */
        client->last_rx = now;
        client->pings = 0;
        return NULL;
    }
    if (now - client->last_rx < lim->keepalive_interval * second * (client->pings + 1))
        return NULL;
    if (client->pings >= lim->keepalive_count)
        return g_strdup_printf(_("it did not answer keepalive messages for %u s "
                                 "(keepalive_interval, keepalive_count)"),
                               lim->keepalive_interval * (lim->keepalive_count + 1));
    virNetServerClientSendKeepalive(client, VIR_NET_KEEPALIVE_PING);
    client->pings++;
    return NULL;
}

static gboolean
virNetServerTick(gpointer opaque)
{
    virNetServer *srv = opaque;
    g_autoptr(GPtrArray) expired = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) clients =
        g_ptr_array_new_with_free_func((GDestroyNotify)virNetServerClientUnref);
    gint64 now = g_get_monotonic_time();
    GHashTableIter iter;
    gpointer client;

    if (g_hash_table_size(srv->clients) == 0) {
        srv->tick = 0;
        return G_SOURCE_REMOVE;
    }
    /* closing removes from the table: decide first, close after */
    g_hash_table_iter_init(&iter, srv->clients);
    while (g_hash_table_iter_next(&iter, &client, NULL)) {
        g_ptr_array_add(clients, virNetServerClientRef(client));
        g_ptr_array_add(expired, virNetServerClientCheckTime(client, now));
    }
    for (guint i = 0; i < clients->len; i++) {
        if (expired->pdata[i])
            virNetServerClientClose(clients->pdata[i], expired->pdata[i]);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean virNetServerOnAccept(gint fd, GIOCondition cond, gpointer opaque);

static gboolean
virNetServerListenerResume(gpointer opaque)
{
    virNetServerListener *l = opaque;

    l->retry = 0;
    l->watch = g_unix_fd_add(l->fd, G_IO_IN, virNetServerOnAccept, l);
    return G_SOURCE_REMOVE;
}

/* Out of fds: stop accepting for a second instead of spinning on a
 * listener that stays readable. */
static void
virNetServerListenerPause(virNetServerListener *l)
{
    gint64 now = g_get_monotonic_time();

    if (!l->failure_logged ||
        now - l->failure_logged >= VIR_NET_SERVER_LOG_SECONDS * G_USEC_PER_SEC) {
        g_warning(_("cannot accept clients on '%s': %s; retrying every second"), l->path,
                  g_strerror(errno));
        l->failure_logged = now;
    }
    l->watch = 0;
    l->retry = g_timeout_add_seconds(1, virNetServerListenerResume, l);
}

static gboolean
virNetServerOnAccept(gint fd, GIOCondition cond, gpointer opaque)
{
    virNetServerListener *l = opaque;

    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (cfd < 0 &&
            (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
            virNetServerListenerPause(l);
            return G_SOURCE_REMOVE;
        }
        if (cfd < 0)
            return G_SOURCE_CONTINUE;
        virNetServerAddClient(l, cfd);
    }
}

/* ---- listeners --------------------------------------------------------- */

static void
virNetServerListenerFree(virNetServerListener *l)
{
    g_clear_handle_id(&l->watch, g_source_remove);
    g_clear_handle_id(&l->retry, g_source_remove);
    if (l->fd >= 0) {
        close(l->fd);
        unlink(l->path);
    }
    g_free(l->path);
    g_free(l);
}

/* A socket left behind by a virtd that crashed is replaced; the caller
 * holds the run directory's lock, so no live virtd owns it.  Anything
 * that is not a socket is left alone. */
static gboolean
virNetServerRemoveStale(const char *path, GError **error)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return TRUE;
    if (!S_ISSOCK(st.st_mode)) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("'%s' exists and is not a socket"), path);
        return FALSE;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        virErrorSet(error, VIR_ERR_SYSTEM_ERROR, _("cannot remove the stale socket '%s': %s"), path,
                    g_strerror(errno));
        return FALSE;
    }
    g_info(_("removed the stale socket '%s'"), path);
    return TRUE;
}

static gboolean
virNetServerFillAddress(struct sockaddr_un *addr, const char *path, GError **error)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (g_strlcpy(addr->sun_path, path, sizeof(addr->sun_path)) >= sizeof(addr->sun_path)) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED,
                    _("socket path '%s' is too long (at most %zu bytes)"), path,
                    sizeof(addr->sun_path) - 1);
        return FALSE;
    }
    return TRUE;
}

/* Binds to a temporary name, sets the mode, then renames: the socket never
 * exists under @path with the umask's permissions. */
static gboolean
virNetServerBind(int fd, const char *path, int mode, GError **error)
{
    g_autofree char *tmp = g_strdup_printf("%s.new", path);
    struct sockaddr_un addr;

    if (!virNetServerFillAddress(&addr, tmp, error) || !virNetServerRemoveStale(tmp, error) ||
        !virNetServerRemoveStale(path, error))
        return FALSE;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        virErrorSet(error, VIR_ERR_SYSTEM_ERROR, _("cannot bind a socket to '%s': %s"), tmp,
                    g_strerror(errno));
        return FALSE;
    }
    if (chmod(tmp, mode) < 0 || rename(tmp, path) < 0) {
        int saved = errno;

        unlink(tmp);
        virErrorSet(error, VIR_ERR_SYSTEM_ERROR, _("cannot create the socket '%s': %s"), path,
                    g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

/**
 * virNetServerAddUnixSocket:
 * @path: where to listen; a stale socket there is replaced
 * @mode: its permissions
 * @readonly: clients of this socket get read-only connections
 *
 * Listens on @path, accepting on the main loop.  The socket is removed
 * again by virNetServerStop().
 */
gboolean
virNetServerAddUnixSocket(virNetServer *srv, const char *path, int mode, gboolean readonly,
                          GError **error)
{
    virNetServerListener *l = g_new0(virNetServerListener, 1);

    l->srv = srv;
    l->path = g_strdup(path);
    l->readonly = readonly;
    l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0) {
        virErrorSet(error, VIR_ERR_SYSTEM_ERROR, _("cannot create a socket: %s"),
                    g_strerror(errno));
        virNetServerListenerFree(l);
        return FALSE;
    }
    if (!virNetServerBind(l->fd, path, mode, error)) {
        close(l->fd);
        l->fd = -1;
        virNetServerListenerFree(l);
        return FALSE;
    }
    g_ptr_array_add(srv->listeners, l);
    if (listen(l->fd, VIR_NET_SERVER_LISTEN_BACKLOG) < 0) {
        virErrorSet(error, VIR_ERR_SYSTEM_ERROR, _("cannot listen on '%s': %s"), path,
                    g_strerror(errno));
        return FALSE;
    }
    l->watch = g_unix_fd_add(l->fd, G_IO_IN, virNetServerOnAccept, l);
    g_info(_("listening on '%s' (%s, mode %04o)"), path,
           readonly ? _("read-only") : _("read-write"), mode);
    return TRUE;
}

/* ---- server ------------------------------------------------------------ */

/* Read-only clients must leave this many descriptors free. */
static void
virNetServerReadFdLimit(virNetServer *srv)
{
    struct rlimit rl;

    srv->fd_limit = G_MAXINT;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        srv->fd_limit = rl.rlim_cur;
    srv->fd_reserve =
        MAX(VIR_NET_SERVER_FD_RESERVE_MIN, srv->fd_limit / VIR_NET_SERVER_FD_RESERVE_DIVISOR);
}

/**
 * virNetServerSetLimits:
 * @limits: (copied)
 *
 * Loop thread: applies @limits to new clients and frames; clients already
 * connected beyond a lowered cap stay.
 */
void
virNetServerSetLimits(virNetServer *srv, const virNetServerLimits *limits)
{
    g_return_if_fail(limits->max_clients > 0 && limits->max_clients_per_uid > 0 &&
                     limits->input_budget > 0);
    srv->limits = *limits;
    if ((guint64)limits->max_clients + srv->fd_reserve > srv->fd_limit)
        g_warning(_("max_clients = %u is more than the open files limit (%llu) allows: beyond "
                    "about %llu clients, new ones wait until others leave; raise LimitNOFILE"),
                  limits->max_clients, (unsigned long long)srv->fd_limit,
                  (unsigned long long)(srv->fd_limit - MIN(srv->fd_limit, srv->fd_reserve)));
    virNetServerWakeBudgetWaiters(srv);
}

/**
 * virNetServerNew:
 * @prog: the program served (copied)
 * @workers: size of the ordinary lane's pool
 * @prio_workers: size of the priority lane's pool
 * @limits: (copied) see virNetServerSetLimits()
 *
 * Returns: (transfer full): a server without sockets yet.
 */
virNetServer *
virNetServerNew(const virNetServerProgram *prog, gpointer opaque, guint workers, guint prio_workers,
                const virNetServerLimits *limits, GError **error)
{
    g_autoptr(virNetServer) srv = NULL;
    const guint sizes[VIR_NET_SERVER_LANE_LAST] = {
        [VIR_NET_SERVER_LANE_NORMAL] = workers,
        [VIR_NET_SERVER_LANE_PRIO] = prio_workers,
    };

    g_return_val_if_fail(workers > 0 && prio_workers > 0, NULL);
    srv = g_new0(virNetServer, 1);
    srv->prog = *prog;
    srv->opaque = opaque;
    srv->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)virNetServerListenerFree);
    srv->clients = g_hash_table_new_full(NULL, NULL, (GDestroyNotify)virNetServerClientUnref, NULL);
    srv->per_uid = g_hash_table_new(NULL, NULL);
    g_queue_init(&srv->budget_waiters);
    virNetServerReadFdLimit(srv);
    virNetServerSetLimits(srv, limits);
    /* Each lane has its own limit: a full ordinary lane cannot delay the
     * priority lane (shared pools only share idle threads). */
    for (guint lane = 0; lane < VIR_NET_SERVER_LANE_LAST; lane++) {
        srv->pools[lane] = g_thread_pool_new(virNetServerJobRun, srv, sizes[lane], FALSE, error);
        if (!srv->pools[lane])
            return NULL;
    }
    return g_steal_pointer(&srv);
}

/**
 * virNetServerStop:
 *
 * Loop thread, main loop no longer running: stops listening (removing the
 * sockets), closes every client and waits for the calls still running on
 * workers, iterating the main context meanwhile so that what they wait
 * for (their replies being queued, driver I/O on the loop) can progress.
 */
void
virNetServerStop(virNetServer *srv)
{
    GHashTableIter iter;
    gpointer client;

    if (srv->stopping)
        return;
    srv->stopping = TRUE;
    g_ptr_array_set_size(srv->listeners, 0);
    for (;;) {
        g_hash_table_iter_init(&iter, srv->clients);
        if (!g_hash_table_iter_next(&iter, &client, NULL))
            break;
        virNetServerClientClose(client, _("virtd is shutting down"));
    }
    while (srv->jobs > 0)
        g_main_context_iteration(NULL, TRUE);
}

void
virNetServerFree(virNetServer *srv)
{
    if (!srv)
        return;
    virNetServerStop(srv);
    for (guint lane = 0; lane < VIR_NET_SERVER_LANE_LAST; lane++) {
        if (srv->pools[lane])
            g_thread_pool_free(srv->pools[lane], FALSE, TRUE);
    }
    g_clear_handle_id(&srv->tick, g_source_remove);
    g_queue_clear_full(&srv->budget_waiters, (GDestroyNotify)virNetServerClientUnref);
    g_hash_table_unref(srv->clients);
    g_hash_table_unref(srv->per_uid);
    g_ptr_array_unref(srv->listeners);
    g_free(srv);
}

/*
 * virnetserver.h: UNIX socket server of the remote protocol
 *
 * Threads:
 *  - all socket I/O (accept, read, write, close) runs on the GMainLoop
 *    thread (default main context), on non-blocking fds;
 *  - frames are split and their headers decoded on the loop; keepalive
 *    PINGs are answered there, so a busy worker pool never gets a client
 *    dropped;
 *  - CALLs of the served program go to the program's dispatch callback on
 *    the loop, which answers at once or hands the call to a worker with
 *    virNetServerClientSubmit(), in one of two lanes, each a pool of its
 *    own: the ordinary lane, whose calls may wait (for an object's job, up
 *    to minutes), and the priority lane, a few workers for calls that
 *    never wait, which therefore always get a worker soon however many
 *    ordinary calls wait (a hook's own read-only call must answer while
 *    other clients wait for the job that runs the hook);
 *  - calls of one client may run at the same time, on workers of either
 *    lane, and their replies go out in the order the calls finish:
 *    clients match replies to calls by serial.  At most
 *    VIR_NET_SERVER_MAX_CLIENT_REQUESTS calls of a client (both lanes
 *    together) are queued or running; reading from it pauses beyond that;
 *  - any thread may queue a frame with virNetServerClientSend(): frames
 *    are queued whole under the client's lock (a leaf lock) and written by
 *    the loop from an idle or POLLOUT callback, never inside Send itself,
 *    so replies and events never interleave and Send may be called with
 *    any other lock held.
 *
 * Admission and limits (virNetServerLimits, from virtd.conf [server]):
 *  - a new client is counted against max_clients (all sockets), against
 *    max_readonly_clients when it came through a read-only socket, and
 *    against max_clients_per_uid unless its uid is 0; a read-only client
 *    is also refused while fewer than an eighth of the open files limit
 *    is free, so the read-write socket always keeps client slots and
 *    descriptors for root.  A refused client gets, to its first call, an
 *    error saying which limit it hit, then is disconnected (at most
 *    VIR_NET_SERVER_MAX_REFUSING at a time wait for that; beyond, the
 *    connection is just closed).  Refusals are logged at most once a
 *    minute, with a count;
 *  - a frame may be at most 4 KiB until the program marks the client
 *    open (virNetServerClientSetOpen), 16 KiB on a read-only connection,
 *    16 MiB otherwise.  A longer frame is not stored: its CALL gets an
 *    error naming the limit as soon as its header is in, and its body is
 *    read and dropped; the connection stays usable;
 *  - the frames being received, all clients together, may reserve at
 *    most input_budget bytes (each reserves its full length when its
 *    length word arrives, so a frame once begun can always finish); a
 *    client whose frame does not fit waits, not read, until others end;
 *  - a client is dropped when it has not been marked open open_timeout
 *    seconds after connecting, when it takes more than frame_timeout
 *    seconds to send a frame it began, and, once it asked for keepalive
 *    (virNetServerClientStartKeepalive), when it stays silent for
 *    keepalive_interval seconds after each of keepalive_count PINGs.  A
 *    client whose reading is paused (too many calls in flight, unread
 *    replies) is never counted as silent.  Silent clients that never
 *    asked for keepalive are kept, as libvirt does: the caps above
 *    bound what they hold.
 *
 * Lifetimes: a client is reference counted.  The server's client table,
 * its fd watches, every queued job and every event registration hold a
 * reference.  Closing (hang-up, protocol error, server stop) happens on
 * the loop: the fd is closed, queued output dropped, the program's
 * client_closed callback runs, and later sends are silently ignored; the
 * client and its private data are freed when the last reference goes.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "virnetmessage.h"

typedef struct _virNetServer virNetServer;
typedef struct _virNetServerClient virNetServerClient;

typedef struct {
    unsigned int prog; /* program number served */
    unsigned int vers;
    /* loop thread: a CALL of the program; @msg is (transfer full) */
    void (*dispatch)(virNetServerClient *client, virNetMessage *msg, gpointer opaque);
    /* loop thread: a new client; returns its private data */
    gpointer (*client_new)(virNetServerClient *client, gpointer opaque);
    /* loop thread: the client was closed (no more frames go out) */
    void (*client_closed)(virNetServerClient *client, gpointer opaque);
    /* any thread: frees the private data with the last reference */
    GDestroyNotify client_priv_free;
} virNetServerProgram;

typedef void (*virNetServerJobFunc)(virNetServerClient *client, gpointer data);

typedef enum {
    VIR_NET_SERVER_LANE_NORMAL, /* calls that may wait */
    VIR_NET_SERVER_LANE_PRIO,   /* calls that never wait: they must not queue behind waiters */
    VIR_NET_SERVER_LANE_LAST,
} virNetServerLane;

/* All counts are > 0 unless noted; a timeout of 0 means no limit. */
typedef struct {
    guint max_clients;          /* connections, all sockets */
    guint max_readonly_clients; /* connections through read-only sockets (may be 0) */
    guint max_clients_per_uid;  /* connections of one uid other than 0, all sockets */
    guint open_timeout;         /* s from connecting to being marked open */
    guint frame_timeout;        /* s from a frame's first byte to its last */
    guint keepalive_interval;   /* s of silence before each PING; 0: no PINGs */
    guint keepalive_count;      /* unanswered PINGs before the client is dropped (may be 0) */
    gsize input_budget;         /* bytes of frames being received, all clients */
} virNetServerLimits;

virNetServer *virNetServerNew(const virNetServerProgram *prog, gpointer opaque, guint workers,
                              guint prio_workers, const virNetServerLimits *limits,
                              GError **error);
void virNetServerSetLimits(virNetServer *srv, const virNetServerLimits *limits);
gboolean virNetServerAddUnixSocket(virNetServer *srv, const char *path, int mode, gboolean readonly,
                                   GError **error);
void virNetServerStop(virNetServer *srv);
void virNetServerFree(virNetServer *srv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetServer, virNetServerFree)

virNetServerClient *virNetServerClientRef(virNetServerClient *client);
void virNetServerClientUnref(virNetServerClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetServerClient, virNetServerClientUnref)

unsigned long long virNetServerClientGetId(const virNetServerClient *client);
gboolean virNetServerClientIsReadonly(const virNetServerClient *client);
void virNetServerClientGetIdentity(const virNetServerClient *client, pid_t *pid, uid_t *uid,
                                   gid_t *gid);
gpointer virNetServerClientGetPrivate(const virNetServerClient *client);
gboolean virNetServerClientIsClosed(virNetServerClient *client);
void virNetServerClientSetOpen(virNetServerClient *client);
void virNetServerClientStartKeepalive(virNetServerClient *client);

void virNetServerClientSend(virNetServerClient *client, GBytes *frame);
void virNetServerClientSendError(virNetServerClient *client, const virNetMessageHeader *call,
                                 int code, int domain, const char *message);
void virNetServerClientSubmit(virNetServerClient *client, virNetServerLane lane,
                              virNetServerJobFunc func, gpointer data, GDestroyNotify data_free);

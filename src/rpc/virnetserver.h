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

virNetServer *virNetServerNew(const virNetServerProgram *prog, gpointer opaque, guint workers,
                              guint prio_workers, GError **error);
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

void virNetServerClientSend(virNetServerClient *client, GBytes *frame);
void virNetServerClientSendError(virNetServerClient *client, const virNetMessageHeader *call,
                                 int code, int domain, const char *message);
void virNetServerClientSubmit(virNetServerClient *client, virNetServerLane lane,
                              virNetServerJobFunc func, gpointer data, GDestroyNotify data_free);

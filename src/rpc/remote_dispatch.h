/*
 * remote_dispatch.h: the REMOTE program: procedure table, connections, calls
 *
 * Every CALL of the REMOTE program is looked up in a table indexed by
 * procedure number.  Unknown procedures get libvirt's exact "unknown
 * procedure: N" error (which clients turn into VIR_ERR_NO_SUPPORT).  The
 * arguments are decoded on the main loop; the call then runs on a worker:
 * connection-open and read-only checks, the handler (which calls the
 * driver), the reply.  Exactly one reply goes out per call.
 *
 * Calls marked REMOTE_PROC_MUTATING run in the server's ordinary lane,
 * where they may wait for an object's job; all others never take a job
 * and run in the priority lane (see virnetserver.h), so that waiting
 * state changes can never starve them.
 */
#pragma once

#include <glib.h>

#include "virdriver.h"
#include "virnetprotocol.h"
#include "virnetserver.h"

/* Per client connection state (the client's private data). */
typedef struct {
    GMutex lock; /* guards the fields below */
    gboolean open;
    gboolean readonly;              /* read-only socket or VIR_CONNECT_RO */
    const virHypervisorDriver *drv; /* set by CONNECT_OPEN */
    char *uri;
} remoteConn;

typedef enum {
    REMOTE_CLASS_CONNECT, /* errors in VIR_FROM_REMOTE */
    REMOTE_CLASS_DOMAIN,  /* errors in the driver's error_domain */
    REMOTE_CLASS_NETWORK, /* needs the network driver; VIR_FROM_NETWORK */
} remoteProcClass;

typedef enum {
    REMOTE_PROC_MUTATING = 1 << 0,    /* refused on read-only connections; may take a job,
                                         so runs in the ordinary lane */
    REMOTE_PROC_BEFORE_OPEN = 1 << 1, /* allowed before CONNECT_OPEN */
} remoteProcFlags;

typedef struct _remoteProcedureInfo remoteProcedureInfo;

/* One call being run on a worker. */
typedef struct {
    virNetServerClient *client;
    remoteConn *conn;
    const remoteProcedureInfo *proc;
    virNetMessageHeader header;
    virDriverCaller caller;
    const virHypervisorDriver *drv; /* snapshot at the start; NULL before open */
    const virNetworkDriver *netdrv;
} remoteCall;

typedef gboolean (*remoteHandler)(remoteCall *call, void *args, void *ret, GError **error);

struct _remoteProcedureInfo {
    int proc;
    const char *api; /* libvirt's API name, for messages */
    remoteProcClass cls;
    unsigned int flags; /* remoteProcFlags */
    virNetXdrFilter args_filter;
    gsize args_size;
    virNetXdrFilter ret_filter;
    gsize ret_size;
    remoteHandler handler;
};

const remoteProcedureInfo *remoteProcedureLookup(int proc);

gboolean remoteNoSupport(remoteCall *call, GError **error);
gboolean remoteCheckFlags(remoteCall *call, unsigned int flags, unsigned int allowed,
                          GError **error);
gboolean remoteDenyReadonly(remoteCall *call, GError **error);

virNetServer *remoteServerStart(const char *run_dir, const virNetServerLimits *limits,
                                GError **error);
void remoteServerSetLimits(virNetServer *srv, const virNetServerLimits *limits);
void remoteServerStop(virNetServer *srv);

/*
 * virobjreconnect.h: taking back, after a restart, what a previous virtd
 * left running
 *
 * Guests, containers and networks outlive virtd.  Each left a status file
 * (virobjstatus.h); a new virtd takes them back in two steps:
 *
 *  1. virObjReconnectClaimAll(), before the RPC sockets listen: every
 *     status file (in name order) gives its object its live definition
 *     and state back, and the object's job is taken.  So a client sees it
 *     running from the first call, and a state-changing call waits for
 *     the reconnect instead of starting it a second time.  A status file
 *     that is unreadable, not named after its object, or a second one for
 *     the same object is ignored with a warning.  What an interrupted
 *     atomic write left ("<name>.xml.XXXXXX") is removed first.
 *  2. virObjReconnectAll(), once the sockets listen (so reconnect hooks
 *     may call virsh): for each claimed object, in the same order,
 *       - virtd stopped during its start (pid 0, or what the driver's
 *         interrupted() says): what the start left running is killed,
 *         and the object is stopped as a failed start;
 *       - its process is gone (pid not alive, or alive but another
 *         program): stopped with reason unknown;
 *       - else the driver reconnects to it (QMP, the supervisor's socket,
 *         the bridge) and runs the reconnect hook; a hook that fails
 *         keeps or stops the object per [hooks] reconnect_failure.
 *     The job is released after each.
 *  virObjReconnectAbandon() at shutdown releases what was claimed and
 *  never reconnected: the next virtd finds it again.
 *
 * A process is recognised through a pidfd, then its command line
 * (virprocess.h), never by a bare pid.
 */
#pragma once

#include <glib.h>

#include "virobjjob.h"
#include "virobjstatus.h"
#include "virtd_conf.h"

typedef enum {
    VIR_OBJ_RECONNECT_OK,           /* taken back, the reconnect hook ran fine */
    VIR_OBJ_RECONNECT_HANDLED,      /* it stopped meanwhile and has been dealt with */
    VIR_OBJ_RECONNECT_LOST,         /* cannot talk to it (error set) */
    VIR_OBJ_RECONNECT_HOOK_FAILED,  /* the reconnect hook failed (error set) */
} virObjReconnectResult;

typedef enum {
    VIR_OBJ_STOP_FAILED,            /* virtd stopped during its start */
    VIR_OBJ_STOP_UNKNOWN,           /* its process went while virtd was away */
    VIR_OBJ_STOP_DAEMON,            /* virtd cannot or will not keep it */
} virObjStopCause;

typedef struct {
    const char *kind;                       /* "domain", "network": for messages */
    const virObjStatusClass *status;
    /* the object @st is about, found or added: a reference, or NULL
     * (logged) */
    gpointer (*find)(gpointer driver, virObjStatus *st);
    virObjJob *(*job)(gpointer obj);
    const char *(*name)(gpointer obj);
    /* with the job held: takes the live definition and state of @st */
    void (*install)(gpointer driver, gpointer obj, virObjStatus *st);
    /* was @st saved before its start was complete?  NULL: when it has
     * no pid yet */
    gboolean (*interrupted)(const virObjStatus *st);
    /* is @cmdline that of the object's process?  NULL for objects
     * without one (networks): reconnect() is called with pid 0 and
     * pidfd -1, and checks what the object is made of itself */
    gboolean (*is_process)(gpointer obj, const char *cmdline, gsize len);
    /* ...of a process that an interrupted start left behind?  (optional) */
    gboolean (*is_orphan)(gpointer obj, const char *cmdline, gsize len);
    /* with the job held: the process is still there (@pidfd is the
     * driver's from now on) */
    virObjReconnectResult (*reconnect)(gpointer driver, gpointer obj, pid_t pid, int pidfd,
                                       GError **error);
    /* with the job held: stops it (hooks stopped and release) */
    void (*stop)(gpointer driver, gpointer obj, virObjStopCause cause);
    void (*unref)(gpointer driver, gpointer obj);
} virObjReconnectOps;

typedef struct {
    const virObjReconnectOps *ops;
    gpointer driver;
    virConfReconnectFailure policy;
    GPtrArray *claimed;             /* claimed at start-up, not yet reconnected */
} virObjReconnect;

void virObjReconnectInit(virObjReconnect *rc, const virObjReconnectOps *ops, gpointer driver,
                         virConfReconnectFailure policy);
void virObjReconnectClaimAll(virObjReconnect *rc, const char *status_dir);
void virObjReconnectAll(virObjReconnect *rc);
void virObjReconnectAbandon(virObjReconnect *rc);

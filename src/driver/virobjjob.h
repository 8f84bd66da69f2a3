/*
 * virobjjob.h: the job of an object (domain, network): at most one
 * state-changing operation at a time
 *
 * An object has a small mutex that guards its fields and is never held
 * across I/O, a hook or a wait, and a job, which is held across all of
 * them for the whole of one operation (start, stop, undefine...).  The
 * job lives inside the object and waits on the object's mutex.
 *
 * Who waits how long:
 *  - a client's call waits for the job at most the driver's job_wait
 *    (0: not at all), then fails with VIR_ERR_OPERATION_TIMEOUT;
 *  - a call made from the hook script that the job is running (the
 *    caller is in the script's process group) is refused at once with
 *    VIR_ERR_OPERATION_INVALID ("operation in progress"): waiting would
 *    deadlock, the job waiting for the script and the script for the job;
 *  - virtd's own work (events of the hypervisor, reconnect, autostart)
 *    waits without limit: every job ends, its hooks having time limits;
 *  - once the object is removed from its driver's table (a transient
 *    object that stopped, an undefined one), a client that waited gets
 *    the class's "no such object" error instead of acting on it.
 *
 * All functions take the owner's mutex themselves: call them without it.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "virdriver.h"

typedef struct {
    const char *kind;                  /* "domain", "network": for messages */
    int no_object_code;                /* VIR_ERR_NO_DOMAIN, VIR_ERR_NO_NETWORK */
    /* the owner's name and UUID, called with its mutex held */
    const char *(*name)(gconstpointer owner);
    const unsigned char *(*uuid)(gconstpointer owner);
} virObjJobClass;

typedef struct {
    const virObjJobClass *klass;
    gconstpointer owner;     /* the object this job belongs to */
    GMutex *lock;            /* the owner's mutex: guards the fields below */
    GCond cond;
    const char *name;        /* the operation holding the job, NULL if none */
    pid_t hook_pgid;         /* process group of the hook script it runs now */
    gboolean removed;        /* the owner left its driver's table */
} virObjJob;

/* virtd's own work waits for a job as long as it takes. */
#define VIR_OBJ_JOB_WAIT_FOREVER G_MAXUINT

void virObjJobInit(virObjJob *job, const virObjJobClass *klass, gconstpointer owner,
                   GMutex *lock);
void virObjJobClear(virObjJob *job);

gboolean virObjJobBegin(virObjJob *job, virCaller *caller, const char *name,
                        guint wait_seconds, GError **error);
void virObjJobEnd(virObjJob *job);
void virObjJobSetHookPgid(pid_t pgid, gpointer job);
gboolean virObjJobIsActive(virObjJob *job);
void virObjJobMarkRemoved(virObjJob *job);
gboolean virObjJobIsRemoved(virObjJob *job);

pid_t virObjJobCallerPgid(pid_t pid);

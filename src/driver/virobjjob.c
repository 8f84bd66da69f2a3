/*
 * virobjjob.c: the job of an object (domain, network)
 */
#define G_LOG_DOMAIN "virtd.driver"

#include "virobjjob.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

/**
 * virObjJobInit:
 * @klass: how to name the owner in messages (static)
 * @owner: the object embedding @job
 * @lock: @owner's mutex, which the job waits on
 */
void
virObjJobInit(virObjJob *job, const virObjJobClass *klass, gconstpointer owner, GMutex *lock)
{
    memset(job, 0, sizeof(*job));
    job->klass = klass;
    job->owner = owner;
    job->lock = lock;
    g_cond_init(&job->cond);
}

void
virObjJobClear(virObjJob *job)
{
    g_cond_clear(&job->cond);
}

/**
 * virObjJobCallerPgid:
 *
 * Returns: the process group of @pid, from /proc; 0 if unknown.
 */
pid_t
virObjJobCallerPgid(pid_t pid)
{
    g_autofree char *path = NULL;
    g_autofree char *stat = NULL;
    const char *p;
    char state;
    int ppid, pgrp;

    if (pid <= 0)
        return 0;
    path = g_strdup_printf("/proc/%d/stat", (int)pid);
    /* "pid (comm) state ppid pgrp ...": comm may hold anything */
    if (!g_file_get_contents(path, &stat, NULL, NULL) || !(p = strrchr(stat, ')')) ||
        sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
        return 0;
    return pgrp;
}

static void
virObjJobSetGone(virObjJob *job, GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];

    virUUIDFormat(job->klass->uuid(job->owner), uuid);
    virErrorSet(error, job->klass->no_object_code, _("no %s with matching uuid '%s' (%s)"),
                job->klass->kind, uuid, job->klass->name(job->owner));
}

/**
 * virObjJobBegin:
 * @caller: who asks (NULL for virtd itself)
 * @name: the operation, for messages (static)
 * @wait_seconds: how long to wait for another operation to finish
 *   (0: not at all; VIR_OBJ_JOB_WAIT_FOREVER: no limit)
 *
 * Takes the job; see the header for who waits how long.
 */
gboolean
virObjJobBegin(virObjJob *job, virCaller *caller, const char *name, guint wait_seconds,
               GError **error)
{
    pid_t pgid = caller ? virObjJobCallerPgid(caller->pid) : 0;
    gint64 deadline = g_get_monotonic_time() + (gint64)wait_seconds * G_USEC_PER_SEC;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(job->lock);

    while (job->name) {
        if (pgid > 0 && pgid == job->hook_pgid) {
            virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                        _("operation in progress: %s '%s' is in its '%s' operation, whose "
                          "hook script is making this call"),
                        job->klass->kind, job->klass->name(job->owner), job->name);
            return FALSE;
        }
        if (wait_seconds == VIR_OBJ_JOB_WAIT_FOREVER) {
            g_cond_wait(&job->cond, job->lock);
        } else if (!g_cond_wait_until(&job->cond, job->lock, deadline)) {
            virErrorSet(error, VIR_ERR_OPERATION_TIMEOUT,
                        _("cannot acquire state change lock: the '%s' operation on %s "
                          "'%s' did not finish within %u s"),
                        job->name, job->klass->kind, job->klass->name(job->owner),
                        wait_seconds);
            return FALSE;
        }
    }
    if (caller && job->removed) {
        /* it went while this call waited: acting on it would act on
         * nothing listed */
        virObjJobSetGone(job, error);
        return FALSE;
    }
    job->name = name;
    job->hook_pgid = 0;
    return TRUE;
}

void
virObjJobEnd(virObjJob *job)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(job->lock);

    job->name = NULL;
    job->hook_pgid = 0;
    g_cond_broadcast(&job->cond);
}

/**
 * virObjJobSetHookPgid:
 * @job: (type virObjJob): as virHookContext.opaque
 *
 * virHookContext.on_spawn: the hook script the job runs now.
 */
void
virObjJobSetHookPgid(pid_t pgid, gpointer opaque)
{
    virObjJob *job = opaque;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(job->lock);

    job->hook_pgid = pgid;
}

/* Is an operation holding the job? */
gboolean
virObjJobIsActive(virObjJob *job)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(job->lock);

    return job->name != NULL;
}

/* The owner left its driver's table: clients waiting for it fail. */
void
virObjJobMarkRemoved(virObjJob *job)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(job->lock);

    job->removed = TRUE;
}

gboolean
virObjJobIsRemoved(virObjJob *job)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(job->lock);

    return job->removed;
}

/*
 * virobjjobtest.c: the job of an object: who is refused, who waits and
 * how long, what a removed object does to its waiters
 */
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "virerror.h"
#include "virobjjob.h"

typedef struct {
    GMutex lock;
    virObjJob job;
    char name[16];
    unsigned char uuid[VIR_UUID_BUFLEN];
} testObj;

static const char *
testObjName(gconstpointer owner)
{
    return ((const testObj *)owner)->name;
}

static const unsigned char *
testObjUUID(gconstpointer owner)
{
    return ((const testObj *)owner)->uuid;
}

static const virObjJobClass testClass = {
    .kind = "domain",
    .no_object_code = VIR_ERR_NO_DOMAIN,
    .name = testObjName,
    .uuid = testObjUUID,
};

static void
testObjInit(testObj *o)
{
    g_mutex_init(&o->lock);
    virObjJobInit(&o->job, &testClass, o, &o->lock);
    g_strlcpy(o->name, "web1", sizeof(o->name));
    g_assert_true(virUUIDParse("c7a5fdbd-edaf-9455-926a-d65c16db1809", o->uuid));
}

static void
testObjClear(testObj *o)
{
    virObjJobClear(&o->job);
    g_mutex_clear(&o->lock);
}

/* A client of virtd: this process, which is in no hook's process group. */
static const virDriverCaller client = {.pid = 0};

static void
test_begin_end(void)
{
    testObj o;
    g_autoptr(GError) err = NULL;

    testObjInit(&o);
    g_assert_false(virObjJobIsActive(&o.job));
    g_assert_true(virObjJobBegin(&o.job, &client, "start", 0, &err));
    g_assert_no_error(err);
    g_assert_true(virObjJobIsActive(&o.job));
    g_assert_cmpstr(o.job.name, ==, "start");
    virObjJobEnd(&o.job);
    g_assert_false(virObjJobIsActive(&o.job));
    g_assert_true(virObjJobBegin(&o.job, NULL, "reconnect", VIR_OBJ_JOB_WAIT_FOREVER, &err));
    virObjJobEnd(&o.job);
    testObjClear(&o);
}

/* The caller is in the process group of the hook that the job runs: it
 * is refused at once, however long it was ready to wait. */
static void
test_hook_caller_refused(void)
{
    testObj o;
    virDriverCaller hook = {.pid = getpid()};
    g_autoptr(GError) err = NULL;
    gint64 t0;

    testObjInit(&o);
    g_assert_cmpint(virObjJobCallerPgid(getpid()), ==, getpgrp());
    g_assert_true(virObjJobBegin(&o.job, NULL, "start", 0, NULL));
    virObjJobSetHookPgid(getpgrp(), &o.job);
    t0 = g_get_monotonic_time();
    g_assert_false(virObjJobBegin(&o.job, &hook, "destroy", 600, &err));
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 30 * G_USEC_PER_SEC);
    g_assert_error(err, VIR_ERROR, VIR_ERR_OPERATION_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "operation in progress: domain 'web1' is in its 'start' operation, whose "
                    "hook script is making this call");
    /* the same caller once the job runs no hook: it waits (here: not at all) */
    g_clear_error(&err);
    virObjJobSetHookPgid(0, &o.job);
    g_assert_false(virObjJobBegin(&o.job, &hook, "destroy", 0, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_OPERATION_TIMEOUT);
    virObjJobEnd(&o.job);
    g_assert_cmpint(o.job.hook_pgid, ==, 0);
    testObjClear(&o);
}

static void
test_wait_timeout(void)
{
    testObj o;
    g_autoptr(GError) err = NULL;
    gint64 t0, waited;

    testObjInit(&o);
    g_assert_true(virObjJobBegin(&o.job, NULL, "start", 0, NULL));
    /* a hook runs, but the caller is not in its group */
    virObjJobSetHookPgid(1, &o.job);
    t0 = g_get_monotonic_time();
    g_assert_false(virObjJobBegin(&o.job, &client, "destroy", 1, &err));
    waited = g_get_monotonic_time() - t0;
    g_assert_cmpint(waited, >=, G_USEC_PER_SEC);
    g_assert_error(err, VIR_ERROR, VIR_ERR_OPERATION_TIMEOUT);
    g_assert_cmpstr(err->message, ==,
                    "cannot acquire state change lock: the 'start' operation on domain 'web1' "
                    "did not finish within 1 s");
    g_clear_error(&err);

    t0 = g_get_monotonic_time();
    g_assert_false(virObjJobBegin(&o.job, &client, "destroy", 0, &err));
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 30 * G_USEC_PER_SEC);
    g_assert_error(err, VIR_ERROR, VIR_ERR_OPERATION_TIMEOUT);
    g_assert_cmpstr(err->message, ==,
                    "cannot acquire state change lock: the 'start' operation on domain 'web1' "
                    "did not finish within 0 s");
    virObjJobEnd(&o.job);
    testObjClear(&o);
}

typedef struct {
    testObj *o;
    const virDriverCaller *caller;
    guint wait;
    gint ready;              /* atomic: the thread is about to wait */
    gint ended;              /* atomic: the holder has ended its job */
    gboolean ok;
    gboolean saw_end;        /* the job was ended when the waiter got it */
    GError *err;
} waiter;

static gint holders;         /* atomic: waiters holding the job now */

static gpointer
waiter_run(gpointer data)
{
    waiter *w = data;

    g_atomic_int_set(&w->ready, 1);
    w->ok = virObjJobBegin(&w->o->job, w->caller, "shutdown", w->wait, &w->err);
    w->saw_end = g_atomic_int_get(&w->ended);
    if (w->ok) {
        g_assert_cmpint(g_atomic_int_add(&holders, 1), ==, 0);
        g_thread_yield();
        g_assert_cmpint(g_atomic_int_add(&holders, -1), ==, 1);
        virObjJobEnd(&w->o->job);
    }
    return NULL;
}

static GThread *
waiter_start(waiter *w)
{
    GThread *t = g_thread_new("waiter", waiter_run, w);

    while (!g_atomic_int_get(&w->ready))
        g_thread_yield();
    return t;
}

/* The holder of @o's job ends it while @w waits for it (having marked the
 * object removed first if @remove); returns once @w is done. */
static void
waiter_run_past_end(testObj *o, waiter *w, gboolean remove)
{
    GThread *t = waiter_start(w);

    if (remove)
        virObjJobMarkRemoved(&o->job);
    g_atomic_int_set(&w->ended, 1);
    virObjJobEnd(&o->job);
    g_thread_join(t);
}

/* A waiting client gets the job once the holder ends it. */
static void
test_wait_then_acquire(void)
{
    testObj o;
    waiter w = {.o = &o, .caller = &client, .wait = 600};

    testObjInit(&o);
    g_assert_true(virObjJobBegin(&o.job, NULL, "start", 0, NULL));
    waiter_run_past_end(&o, &w, FALSE);
    g_assert_no_error(w.err);
    g_assert_true(w.ok);
    g_assert_true(w.saw_end);
    testObjClear(&o);
}

/* The object went while a client waited: it gets "no domain", not the job. */
static void
test_removed_fails_waiters(void)
{
    testObj o;
    waiter w = {.o = &o, .caller = &client, .wait = 600};
    g_autoptr(GError) err = NULL;

    testObjInit(&o);
    g_assert_true(virObjJobBegin(&o.job, NULL, "destroy", 0, NULL));
    waiter_run_past_end(&o, &w, TRUE);
    g_assert_false(w.ok);
    g_assert_error(w.err, VIR_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_cmpstr(w.err->message, ==,
                    "no domain with matching uuid 'c7a5fdbd-edaf-9455-926a-d65c16db1809' (web1)");
    g_clear_error(&w.err);
    g_assert_true(virObjJobIsRemoved(&o.job));
    g_assert_false(virObjJobIsActive(&o.job));
    /* a client that comes later gets the same */
    g_assert_false(virObjJobBegin(&o.job, &client, "start", 0, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_NO_DOMAIN);
    testObjClear(&o);
}

/* virtd's own work waits without limit, and still gets the job of a
 * removed object (it has to finish what it started). */
static void
test_own_work_waits(void)
{
    testObj o;
    waiter w = {.o = &o, .caller = NULL, .wait = VIR_OBJ_JOB_WAIT_FOREVER};

    testObjInit(&o);
    g_assert_true(virObjJobBegin(&o.job, NULL, "start", 0, NULL));
    virObjJobSetHookPgid(getpgrp(), &o.job);
    waiter_run_past_end(&o, &w, TRUE);
    g_assert_no_error(w.err);
    g_assert_true(w.ok);
    g_assert_true(w.saw_end);
    testObjClear(&o);
}

/* Several waiters: each gets the job in turn, never two at once. */
static void
test_waiters_serialised(void)
{
    testObj o;
    waiter w[4];
    GThread *t[4];

    testObjInit(&o);
    g_assert_true(virObjJobBegin(&o.job, NULL, "start", 0, NULL));
    for (guint i = 0; i < G_N_ELEMENTS(w); i++) {
        w[i] = (waiter){.o = &o, .caller = &client, .wait = 600};
        t[i] = waiter_start(&w[i]);
    }
    for (guint i = 0; i < G_N_ELEMENTS(w); i++)
        g_atomic_int_set(&w[i].ended, 1);
    virObjJobEnd(&o.job);
    for (guint i = 0; i < G_N_ELEMENTS(w); i++) {
        g_thread_join(t[i]);
        g_assert_no_error(w[i].err);
        g_assert_true(w[i].ok);
    }
    g_assert_false(virObjJobIsActive(&o.job));
    testObjClear(&o);
}

static void
test_caller_pgid(void)
{
    g_assert_cmpint(virObjJobCallerPgid(0), ==, 0);
    g_assert_cmpint(virObjJobCallerPgid(-1), ==, 0);
    g_assert_cmpint(virObjJobCallerPgid(getpid()), ==, getpgrp());
    g_assert_cmpint(virObjJobCallerPgid(1), ==, getpgid(1));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/objjob/begin-end", test_begin_end);
    g_test_add_func("/objjob/hook-caller-refused", test_hook_caller_refused);
    g_test_add_func("/objjob/wait-timeout", test_wait_timeout);
    g_test_add_func("/objjob/wait-then-acquire", test_wait_then_acquire);
    g_test_add_func("/objjob/removed-fails-waiters", test_removed_fails_waiters);
    g_test_add_func("/objjob/own-work-waits", test_own_work_waits);
    g_test_add_func("/objjob/waiters-serialised", test_waiters_serialised);
    g_test_add_func("/objjob/caller-pgid", test_caller_pgid);
    return g_test_run();
}

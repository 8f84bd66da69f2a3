/*
 * qemumonitortest.c: the QMP client against a real qemu (TCG, -S), and
 * against a fake QMP server (a GThreadedSocketService) that cuts lines,
 * packs several messages in one write and breaks the protocol on purpose.
 *
 * As in virtd, a GMainLoop runs in a thread of its own (the monitor's
 * context) and commands are sent from other threads: the test's main thread
 * or threads it starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemu_monitor.h"
#include "testutils.h"
#include "vircommand.h"

#define WAIT_MS         20000 /* for anything that should happen; valgrind is slow */
#define OPEN_TIMEOUT_MS 20000
#define CMD_TIMEOUT_MS  20000
#define EOF_MARK        "<EOF>"

/* ------------------------------------------------------------------ */
/* qemu processes are killed even when an assertion aborts the test     */

#define MAX_QEMUS 4
static volatile sig_atomic_t testQemuPids[MAX_QEMUS];

/* A failed g_assert() aborts: kill our qemus before dying, so that no
 * test run leaves one behind.  Only async-signal-safe calls here. */
static void
testKillQemus(int sig)
{
    for (int i = 0; i < MAX_QEMUS; i++) {
        if (testQemuPids[i] > 0)
            kill(testQemuPids[i], SIGKILL);
    }
    raise(sig);
}

static void
testInstallKiller(void)
{
    struct sigaction sa = {0};
    const int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGTERM, SIGINT, SIGTRAP};

    sa.sa_handler = testKillQemus;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
}

static void
testTrackPid(pid_t old, pid_t pid)
{
    for (int i = 0; i < MAX_QEMUS; i++) {
        if (testQemuPids[i] == old) {
            testQemuPids[i] = pid;
            return;
        }
    }
    g_assert_not_reached();
}

/* ------------------------------------------------------------------ */
/* Fixture: the loop thread, what the callbacks saw, qemu               */

typedef struct {
    char *dir;
    char *sock_path;

    GMainContext *ctx;
    GMainLoop *loop;
    GThread *loop_thread;

    GMutex lock;
    GCond cond;
    GPtrArray *events; /* names in order, EOF_MARK for the eof callback */
    GPtrArray *data;   /* each event's "data" as JSON text, "" for none */
    GArray *stamps;    /* gint64 microseconds */
    guint eofs;
    gboolean off_thread; /* a callback ran off the loop thread */
    gboolean in_slow;    /* the callback of a SLOW event started */
    gboolean slow_done;  /* ... and returned */
    guint round_trips;   /* testLoopRoundTrip() idles run on the loop */

    virCommand *qemu;
    pid_t pid;
} testFixture;

static gpointer
testLoopThread(gpointer opaque)
{
    testFixture *fx = opaque;

    g_main_context_push_thread_default(fx->ctx);
    g_main_loop_run(fx->loop);
    g_main_context_pop_thread_default(fx->ctx);
    return NULL;
}

static void
testSetup(testFixture *fx, gconstpointer unused)
{
    g_autoptr(GError) err = NULL;

    fx->dir = g_dir_make_tmp("qemumonitortest-XXXXXX", &err);
    g_assert_no_error(err);
    fx->sock_path = g_build_filename(fx->dir, "qmp.sock", NULL);
    g_mutex_init(&fx->lock);
    g_cond_init(&fx->cond);
    fx->events = g_ptr_array_new_with_free_func(g_free);
    fx->data = g_ptr_array_new_with_free_func(g_free);
    fx->stamps = g_array_new(FALSE, FALSE, sizeof(gint64));
    fx->ctx = g_main_context_new();
    fx->loop = g_main_loop_new(fx->ctx, FALSE);
    fx->loop_thread = g_thread_new("test-loop", testLoopThread, fx);
}

static void
testQemuStop(testFixture *fx)
{
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;

    if (!fx->qemu)
        return;
    /* not reaped yet, so the pid cannot have been reused */
    kill(fx->pid, SIGKILL);
    g_assert_true(virCommandWait(fx->qemu, &res, &err));
    testTrackPid(fx->pid, 0);
    g_clear_pointer(&fx->qemu, virCommandFree);
}

/* Quitting from inside the loop: a quit before the thread entered
 * g_main_loop_run() would be lost. */
static gboolean
testQuitLoop(gpointer opaque)
{
    g_main_loop_quit(opaque);
    return G_SOURCE_REMOVE;
}

static void
testTeardown(testFixture *fx, gconstpointer unused)
{
    testQemuStop(fx);
    g_main_context_invoke(fx->ctx, testQuitLoop, fx->loop);
    g_thread_join(fx->loop_thread);
    g_main_loop_unref(fx->loop);
    g_main_context_unref(fx->ctx);
    g_ptr_array_unref(fx->events);
    g_ptr_array_unref(fx->data);
    g_array_unref(fx->stamps);
    g_mutex_clear(&fx->lock);
    g_cond_clear(&fx->cond);
    testRemoveTree(fx->dir);
    g_free(fx->sock_path);
    g_free(fx->dir);
}

static void
testRecord(testFixture *fx, const char *name, JsonObject *data, gint64 ts)
{
    g_autofree char *text = NULL;

    if (data) {
        g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), data);
        text = json_to_string(node, FALSE);
    }
    g_mutex_lock(&fx->lock);
    if (!g_main_context_is_owner(fx->ctx) || g_thread_self() != fx->loop_thread)
        fx->off_thread = TRUE;
    g_ptr_array_add(fx->events, g_strdup(name));
    g_ptr_array_add(fx->data, text ? g_steal_pointer(&text) : g_strdup(""));
    g_array_append_val(fx->stamps, ts);
    g_cond_broadcast(&fx->cond);
    g_mutex_unlock(&fx->lock);
}

/* A SLOW event keeps its callback busy for a while. */
static void
testOnEvent(qemuMonitor *mon, const char *name, JsonObject *data, gint64 ts, gpointer opaque)
{
    testFixture *fx = opaque;

    testRecord(fx, name, data, ts);
    if (!g_str_equal(name, "SLOW"))
        return;
    g_mutex_lock(&fx->lock);
    fx->in_slow = TRUE;
    g_cond_broadcast(&fx->cond);
    g_mutex_unlock(&fx->lock);
    g_usleep(300 * 1000);
    g_mutex_lock(&fx->lock);
    fx->slow_done = TRUE;
    g_mutex_unlock(&fx->lock);
}

static void
testOnEof(qemuMonitor *mon, gpointer opaque)
{
    testFixture *fx = opaque;

    g_mutex_lock(&fx->lock);
    fx->eofs++;
    g_mutex_unlock(&fx->lock);
    testRecord(fx, EOF_MARK, NULL, 0);
}

static const qemuMonitorCallbacks testCallbacks = {
    .event = testOnEvent,
    .eof = testOnEof,
};

/* Index of the first recorded @name at or after @from, waiting up to
 * @timeout_ms for it; -1 if it did not come. */
static int
testWaitFor(testFixture *fx, const char *name, guint from, guint timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    int found = -1;

    g_mutex_lock(&fx->lock);
    for (;;) {
        for (guint i = from; i < fx->events->len && found < 0; i++) {
            if (g_str_equal(g_ptr_array_index(fx->events, i), name))
                found = i;
        }
        if (found >= 0 || !g_cond_wait_until(&fx->cond, &fx->lock, deadline))
            break;
    }
    g_mutex_unlock(&fx->lock);
    return found;
}

static guint
testEofs(testFixture *fx)
{
    guint n;

    g_mutex_lock(&fx->lock);
    n = fx->eofs;
    g_mutex_unlock(&fx->lock);
    return n;
}

/* The recorded names joined by spaces, for order checks. */
static char *
testEventList(testFixture *fx)
{
    g_autoptr(GString) s = g_string_new(NULL);

    g_mutex_lock(&fx->lock);
    for (guint i = 0; i < fx->events->len; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "", (char *)g_ptr_array_index(fx->events, i));
    g_mutex_unlock(&fx->lock);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static gboolean
testMarkDone(gpointer opaque)
{
    testFixture *fx = opaque;

    g_mutex_lock(&fx->lock);
    fx->round_trips++;
    g_cond_broadcast(&fx->cond);
    g_mutex_unlock(&fx->lock);
    return G_SOURCE_REMOVE;
}

/* Returns once the monitor's loop has run two more iterations: whatever it
 * was dispatching (data already read, a ready socket) has been handled.  The
 * barrier before asserting that a callback did NOT come. */
static void
testLoopRoundTrip(testFixture *fx)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

    for (int i = 0; i < 2; i++) {
        guint want;

        g_mutex_lock(&fx->lock);
        want = fx->round_trips + 1;
        g_mutex_unlock(&fx->lock);
        g_main_context_invoke(fx->ctx, testMarkDone, fx);
        g_mutex_lock(&fx->lock);
        while (fx->round_trips < want)
            g_assert_true(g_cond_wait_until(&fx->cond, &fx->lock, deadline));
        g_mutex_unlock(&fx->lock);
    }
}

/* vircommand tracks children by pidfd; valgrind 3.19 does not know the
 * syscall, so under it qemu cannot be started (the fake server tests still
 * run). */
static gboolean
testHavePidfd(void)
{
    int fd = syscall(SYS_pidfd_open, getpid(), 0);

    if (fd < 0)
        return errno != ENOSYS;
    close(fd);
    return TRUE;
}

/* qemu -S with its monitor on fx->sock_path, and @extra (NULL-terminated,
 * nullable) arguments. */
static gboolean
testQemuStartWith(testFixture *fx, const char *const *extra)
{
    g_autofree char *bin = g_find_program_in_path("qemu-system-x86_64");
    g_autofree char *log = g_build_filename(fx->dir, "qemu.log", NULL);
    g_autoptr(GError) err = NULL;
    int logfd;

    if (!bin) {
        g_test_skip("qemu-system-x86_64 is not installed");
        return FALSE;
    }
    if (!testHavePidfd()) {
        g_test_skip("pidfd_open() is not available (valgrind before 3.20?): vircommand cannot "
                    "start qemu");
        return FALSE;
    }
    fx->qemu = virCommandNew(bin);
    virCommandAddArgList(fx->qemu, "-machine", "q35,accel=tcg", "-nodefaults", "-no-user-config",
                         "-display", "none", "-S", "-m", "64", "-chardev", NULL);
    virCommandAddArgFormat(fx->qemu, "socket,id=mon,path=%s,server=on,wait=off", fx->sock_path);
    virCommandAddArgList(fx->qemu, "-mon", "chardev=mon,mode=control", NULL);
    for (; extra && *extra; extra++)
        virCommandAddArg(fx->qemu, *extra);
    logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(logfd, >=, 0);
    virCommandSetErrorFD(fx->qemu, logfd);
    g_assert_true(virCommandStart(fx->qemu, &err));
    g_assert_no_error(err);
    close(logfd);
    fx->pid = virCommandGetPid(fx->qemu);
    testTrackPid(0, fx->pid);
    return TRUE;
}

static gboolean
testQemuStart(testFixture *fx)
{
    return testQemuStartWith(fx, NULL);
}

/* Opens the monitor of the qemu just started: qemu creates its socket a
 * few ms after it starts, so this also exercises the connect retries. */
static qemuMonitor *
testOpen(testFixture *fx)
{
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon =
        qemuMonitorOpen(fx->sock_path, -1, OPEN_TIMEOUT_MS, fx->ctx, &testCallbacks, fx, &err);

    g_assert_no_error(err);
    g_assert_nonnull(mon);
    return mon;
}

static JsonObject *
testCommandObject(qemuMonitor *mon, const char *command, JsonObject *args)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) reply = qemuMonitorCommand(mon, command, args, CMD_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    g_assert_nonnull(reply);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(reply));
    return json_object_ref(json_node_get_object(reply));
}

static void
testAssertStatus(qemuMonitor *mon, const char *status, gboolean running)
{
    g_autoptr(JsonObject) st = testCommandObject(mon, "query-status", NULL);

    g_assert_cmpstr(json_object_get_string_member(st, "status"), ==, status);
    g_assert_cmpint(json_object_get_boolean_member(st, "running"), ==, running);
}

static void
testAssertFails(qemuMonitor *mon, const char *command, JsonObject *args, int code,
                const char *message)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) reply = qemuMonitorCommand(mon, command, args, CMD_TIMEOUT_MS, &err);

    g_assert_null(reply);
    g_assert_error(err, QEMU_MONITOR_ERROR, code);
    if (message)
        g_assert_cmpstr(err->message, ==, message);
}

/* ------------------------------------------------------------------ */
/* Against a real qemu                                                  */

static void
test_qemu_lifecycle(testFixture *fx, gconstpointer unused)
{
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonObject) bogus = json_object_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) reply = NULL;
    g_autofree char *list = NULL;
    qemuMonitor *mon;
    int resume, stop;
    gint64 now, ts;

    if (!testQemuStart(fx))
        return;
    mon = testOpen(fx);

    testAssertStatus(mon, "prelaunch", FALSE);

    /* a command with arguments */
    json_object_set_string_member(args, "command-line", "info version");
    reply = qemuMonitorCommand(mon, "human-monitor-command", args, CMD_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    g_assert_cmpint(json_node_get_value_type(reply), ==, G_TYPE_STRING);
    g_assert_true(g_str_has_prefix(json_node_get_string(reply), "7."));

    /* qemu's errors keep their class and description */
    testAssertFails(mon, "foo", NULL, QEMU_MONITOR_ERROR_COMMAND,
                    "QEMU: CommandNotFound: The command foo has not been found");
    json_object_set_int_member(bogus, "bogus", 1);
    testAssertFails(mon, "query-status", bogus, QEMU_MONITOR_ERROR_COMMAND,
                    "QEMU: GenericError: Parameter 'bogus' is unexpected");

    g_assert_true(qemuMonitorSimpleCommand(mon, "cont", &err));
    g_assert_no_error(err);
    resume = testWaitFor(fx, "RESUME", 0, WAIT_MS);
    g_assert_cmpint(resume, >=, 0);
    testAssertStatus(mon, "running", TRUE);

    g_assert_true(qemuMonitorSimpleCommand(mon, "stop", &err));
    g_assert_no_error(err);
    stop = testWaitFor(fx, "STOP", resume + 1, WAIT_MS);
    g_assert_cmpint(stop, >, resume);
    testAssertStatus(mon, "paused", FALSE);

    list = testEventList(fx);
    g_assert_cmpstr(list, ==, "RESUME STOP");
    /* qemu stamps events with the host's wall clock */
    now = g_get_real_time();
    ts = g_array_index(fx->stamps, gint64, resume);
    g_assert_cmpint(ts, >, now - 60 * G_USEC_PER_SEC);
    g_assert_cmpint(ts, <=, now + G_USEC_PER_SEC);
    g_assert_false(fx->off_thread);
    g_assert_cmpuint(testEofs(fx), ==, 0);

    qemuMonitorClose(mon);
    g_assert_cmpuint(testEofs(fx), ==, 0);
}

typedef struct {
    qemuMonitor *mon;
    guint index;
    guint ok;
} testWorker;

#define WORKERS       8
#define WORKER_ROUNDS 25

/* Each worker makes an object of its own size, then asks for that size
 * over and over, with a query-status in between: every reply it gets must
 * be its own. */
static gpointer
testWorkerRun(gpointer opaque)
{
    testWorker *w = opaque;
    g_autofree char *id = g_strdup_printf("mem%u", w->index);
    g_autofree char *path = g_strdup_printf("/objects/%s", id);
    gint64 size = (gint64)(w->index + 1) * 1024 * 1024;
    g_autoptr(JsonObject) add = json_object_new();
    g_autoptr(JsonObject) get = json_object_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) added = NULL;

    json_object_set_string_member(add, "qom-type", "memory-backend-ram");
    json_object_set_string_member(add, "id", id);
    json_object_set_int_member(add, "size", size);
    added = qemuMonitorCommand(w->mon, "object-add", add, CMD_TIMEOUT_MS, &err);
    g_assert_no_error(err);
    json_object_set_string_member(get, "path", path);
    json_object_set_string_member(get, "property", "size");

    for (guint i = 0; i < WORKER_ROUNDS; i++) {
        g_autoptr(JsonNode) got = qemuMonitorCommand(w->mon, "qom-get", get, CMD_TIMEOUT_MS, &err);
        g_autoptr(JsonNode) st = NULL;

        g_assert_no_error(err);
        g_assert_cmpint(json_node_get_int(got), ==, size);
        st = qemuMonitorCommand(w->mon, "query-status", NULL, CMD_TIMEOUT_MS, &err);
        g_assert_no_error(err);
        g_assert_true(json_object_has_member(json_node_get_object(st), "status"));
        w->ok++;
    }
    return NULL;
}

static void
test_qemu_concurrent(testFixture *fx, gconstpointer unused)
{
    testWorker workers[WORKERS];
    GThread *threads[WORKERS];
    qemuMonitor *mon;

    if (!testQemuStart(fx))
        return;
    mon = testOpen(fx);
    for (guint i = 0; i < WORKERS; i++) {
        workers[i] = (testWorker){.mon = mon, .index = i};
        threads[i] = g_thread_new("test-worker", testWorkerRun, &workers[i]);
    }
    for (guint i = 0; i < WORKERS; i++) {
        g_thread_join(threads[i]);
        g_assert_cmpuint(workers[i].ok, ==, WORKER_ROUNDS);
    }
    testAssertStatus(mon, "prelaunch", FALSE);
    qemuMonitorClose(mon);
}

static void
test_qemu_quit(testFixture *fx, gconstpointer unused)
{
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) reply = NULL;
    g_autofree char *list = NULL;
    qemuMonitor *mon;
    int shutdown_at, eof_at;
    gint64 start;

    if (!testQemuStart(fx))
        return;
    mon = testOpen(fx);

    /* qemu answers before it goes; should the answer ever be lost in the
     * exit, the command must fail as closed, not hang */
    reply = qemuMonitorCommand(mon, "quit", NULL, CMD_TIMEOUT_MS, &err);
    if (!reply)
        g_assert_error(err, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED);
    g_clear_error(&err);

    shutdown_at = testWaitFor(fx, "SHUTDOWN", 0, WAIT_MS);
    g_assert_cmpint(shutdown_at, >=, 0);
    g_assert_cmpstr(g_ptr_array_index(fx->data, shutdown_at), ==,
                    "{\"guest\":false,\"reason\":\"host-qmp-quit\"}");
    eof_at = testWaitFor(fx, EOF_MARK, 0, WAIT_MS);
    g_assert_cmpint(eof_at, >, shutdown_at);

    /* at once, not after CMD_TIMEOUT_MS */
    start = g_get_monotonic_time();
    testAssertFails(mon, "query-status", NULL, QEMU_MONITOR_ERROR_CLOSED, NULL);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
    g_assert_false(qemuMonitorSimpleCommand(mon, "cont", &err));
    g_assert_error(err, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED);

    /* qemu exited on its own, with 0 */
    g_assert_true(virCommandWait(fx->qemu, &res, NULL));
    g_assert_true(res.exited);
    g_assert_cmpint(res.exit_status, ==, 0);
    testTrackPid(fx->pid, 0);
    g_clear_pointer(&fx->qemu, virCommandFree);

    /* no callback runs or starts once qemuMonitorClose() returned: what was
     * recorded by then is all there ever is */
    qemuMonitorClose(mon);
    list = testEventList(fx);
    g_assert_cmpstr(list, ==, "SHUTDOWN " EOF_MARK);
    g_assert_cmpuint(testEofs(fx), ==, 1);
    g_assert_false(fx->off_thread);
}

typedef struct {
    qemuMonitor *mon;
    const char *command;
    guint timeout_ms;
    GError *error;
    JsonNode *reply;
    gint64 started;
    gint64 elapsed;
} testAsyncCommand;

static gpointer
testAsyncRun(gpointer opaque)
{
    testAsyncCommand *c = opaque;

    c->started = g_get_monotonic_time();
    c->reply = qemuMonitorCommand(c->mon, c->command, NULL, c->timeout_ms, &c->error);
    c->elapsed = g_get_monotonic_time() - c->started;
    return NULL;
}

static void
testAsyncClear(testAsyncCommand *c)
{
    g_clear_error(&c->error);
    g_clear_pointer(&c->reply, json_node_unref);
}

/* Our end of the connection to the monitor at @path. */
static int
testMonitorFd(const char *path)
{
    for (int fd = 0; fd < 1024; fd++) {
        struct sockaddr_un peer = {0};
        socklen_t len = sizeof(peer);

        if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0 && peer.sun_family == AF_UNIX &&
            strncmp(peer.sun_path, path, sizeof(peer.sun_path)) == 0)
            return fd;
    }
    g_assert_not_reached();
}

/* Waits until bytes we sent on @fd sit unread in the peer's socket. */
static void
testWaitUnread(int fd)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
    int queued = 0;

    for (;;) {
        g_assert_cmpint(ioctl(fd, SIOCOUTQ, &queued), ==, 0);
        if (queued > 0)
            return;
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(10 * 1000);
    }
}

/* qemu dies (SIGKILL) while a command waits for its answer. */
static void
test_qemu_killed(testFixture *fx, gconstpointer unused)
{
    testAsyncCommand c = {.command = "query-status", .timeout_ms = 60000};
    GThread *t;
    qemuMonitor *mon;

    if (!testQemuStart(fx))
        return;
    c.mon = mon = testOpen(fx);
    testAssertStatus(mon, "prelaunch", FALSE);

    /* a stopped qemu leaves the command waiting; the command is pending
     * before it is sent, so once its bytes sit unread in qemu's socket the
     * kill hits a waiting command (not one sent after the EOF) */
    g_assert_cmpint(kill(fx->pid, SIGSTOP), ==, 0);
    t = g_thread_new("test-command", testAsyncRun, &c);
    testWaitUnread(testMonitorFd(fx->sock_path));
    g_assert_cmpint(kill(fx->pid, SIGKILL), ==, 0);
    g_thread_join(t);

    g_assert_null(c.reply);
    g_assert_error(c.error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED);
    g_assert_cmpint(c.elapsed, <, 10 * G_USEC_PER_SEC);
    g_assert_cmpint(testWaitFor(fx, EOF_MARK, 0, WAIT_MS), >=, 0);
    testAssertFails(mon, "query-status", NULL, QEMU_MONITOR_ERROR_CLOSED, NULL);
    /* no callback starts after the close: one EOF, ever */
    qemuMonitorClose(mon);
    g_assert_cmpuint(testEofs(fx), ==, 1);
    testAsyncClear(&c);
}

/* ------------------------------------------------------------------ */
/* Nobody there                                                         */

static void
testAssertNoListener(testFixture *fx, const char *path)
{
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    qemuMonitor *mon = qemuMonitorOpen(path, -1, 300, fx->ctx, &testCallbacks, fx, &err);
    gint64 elapsed = g_get_monotonic_time() - start;

    g_assert_null(mon);
    g_assert_error(err, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT);
    g_assert_nonnull(strstr(err->message, path));
    g_assert_cmpint(elapsed, >=, 300 * 1000);
    /* gives up after its own 300 ms, not after OPEN_TIMEOUT_MS */
    g_assert_cmpint(elapsed, <, (300 + 5000) * 1000);
}

static void
test_connect_nothing(testFixture *fx, gconstpointer unused)
{
    g_autofree char *stale = g_build_filename(fx->dir, "stale.sock", NULL);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd;

    /* no socket file at all */
    testAssertNoListener(fx, fx->sock_path);

    /* a socket file nobody listens on (a dead qemu's) */
    g_strlcpy(sun.sun_path, stale, sizeof(sun.sun_path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    close(fd);
    testAssertNoListener(fx, stale);

    g_assert_cmpuint(fx->events->len, ==, 0);
}

/* qemu that fails early (here: its kernel is missing) exits after creating
 * its socket and leaves the file behind, with nobody listening.  Opening
 * with its pidfd fails at once, not after the whole timeout: once qemu is
 * gone, connection refused no longer means "qemu still starting".  (The
 * qemu is waited for first, so that the outcome does not depend on
 * whether connecting wins the race with its exit.) */
static void
test_connect_qemu_exited(testFixture *fx, gconstpointer unused)
{
    const char *const extra[] = {"-kernel", "/nonexistent/vmlinuz", NULL};
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;
    struct pollfd pfd = {.events = POLLIN};
    qemuMonitor *mon;
    gint64 start;

    if (!testQemuStartWith(fx, extra))
        return;
    pfd.fd = syscall(SYS_pidfd_open, fx->pid, 0);
    g_assert_cmpint(pfd.fd, >=, 0);
    g_assert_cmpint(poll(&pfd, 1, WAIT_MS), ==, 1);
    g_assert_true(g_file_test(fx->sock_path, G_FILE_TEST_EXISTS));

    start = g_get_monotonic_time();
    mon = qemuMonitorOpen(fx->sock_path, pfd.fd, OPEN_TIMEOUT_MS, fx->ctx, &testCallbacks, fx,
                          &err);
    g_assert_null(mon);
    g_assert_error(err, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT);
    expected = g_strdup_printf("QEMU exited before its monitor '%s' accepted a connection",
                               fx->sock_path);
    g_assert_cmpstr(err->message, ==, expected);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
    close(pfd.fd);
}

/* The process exits while connecting is retried (no socket yet): the
 * retries end with it. */
static void
test_connect_process_exits(testFixture *fx, gconstpointer unused)
{
    g_autofree char *sleep = g_find_program_in_path("sleep");
    g_autoptr(virCommand) cmd = NULL;
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon;
    gint64 start, elapsed;
    int pidfd;

    if (!testHavePidfd()) {
        g_test_skip("pidfd_open() is not available");
        return;
    }
    g_assert_nonnull(sleep);
    cmd = virCommandNew(sleep);
    virCommandAddArg(cmd, "0.3");
    g_assert_true(virCommandStart(cmd, &err));
    pidfd = syscall(SYS_pidfd_open, virCommandGetPid(cmd), 0);
    g_assert_cmpint(pidfd, >=, 0);

    start = g_get_monotonic_time();
    mon = qemuMonitorOpen(fx->sock_path, pidfd, OPEN_TIMEOUT_MS, fx->ctx, &testCallbacks, fx,
                          &err);
    elapsed = g_get_monotonic_time() - start;
    g_assert_null(mon);
    g_assert_error(err, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT);
    g_assert_true(g_str_has_prefix(err->message, "QEMU exited before its monitor"));
    g_assert_cmpint(elapsed, >=, 200 * 1000);
    g_assert_cmpint(elapsed, <, (300 + 5000) * 1000);
    close(pidfd);
    g_clear_error(&err);
    g_assert_true(virCommandWait(cmd, &res, &err));
}

/* ------------------------------------------------------------------ */
/* A fake QMP server                                                    */

typedef struct _fakeServer fakeServer;
typedef void (*fakeScript)(fakeServer *srv, GDataInputStream *in, GOutputStream *out);

struct _fakeServer {
    char *path;
    fakeScript script;
    guint delay_ms; /* before it starts listening */
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    GMutex lock;
    GCond cond;
    guint finished; /* connections whose script returned */
    guint received; /* commands fakeScriptMute read */
};

static gboolean
fakeServerRun(GThreadedSocketService *service, GSocketConnection *conn, GObject *source,
              gpointer opaque)
{
    fakeServer *srv = opaque;
    g_autoptr(GDataInputStream) in =
        g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));

    g_data_input_stream_set_newline_type(in, G_DATA_STREAM_NEWLINE_TYPE_LF);
    srv->script(srv, in, g_io_stream_get_output_stream(G_IO_STREAM(conn)));
    g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
    g_mutex_lock(&srv->lock);
    srv->finished++;
    g_cond_broadcast(&srv->cond);
    g_mutex_unlock(&srv->lock);
    return TRUE;
}

static gpointer
fakeServerThread(gpointer opaque)
{
    fakeServer *srv = opaque;
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(srv->path);
    g_autoptr(GSocketService) service = NULL;
    g_autoptr(GError) err = NULL;

    g_main_context_push_thread_default(srv->ctx);
    g_usleep(srv->delay_ms * 1000);
    service = g_threaded_socket_service_new(4);
    g_signal_connect(service, "run", G_CALLBACK(fakeServerRun), srv);
    g_assert_true(g_socket_listener_add_address(G_SOCKET_LISTENER(service), addr,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                                NULL, NULL, &err));
    g_socket_service_start(service);
    g_main_loop_run(srv->loop);
    g_socket_service_stop(service);
    g_socket_listener_close(G_SOCKET_LISTENER(service));
    g_main_context_pop_thread_default(srv->ctx);
    return NULL;
}

static fakeServer *
fakeServerStart(testFixture *fx, fakeScript script, guint delay_ms)
{
    fakeServer *srv = g_new0(fakeServer, 1);

    srv->path = g_strdup(fx->sock_path);
    srv->script = script;
    srv->delay_ms = delay_ms;
    srv->ctx = g_main_context_new();
    srv->loop = g_main_loop_new(srv->ctx, FALSE);
    g_mutex_init(&srv->lock);
    g_cond_init(&srv->cond);
    srv->thread = g_thread_new("fake-qmp", fakeServerThread, srv);
    return srv;
}

/* Waits for @n scripts to have finished, then stops the server. */
static void
fakeServerStop(fakeServer *srv, guint n)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

    g_mutex_lock(&srv->lock);
    while (srv->finished < n)
        g_assert_true(g_cond_wait_until(&srv->cond, &srv->lock, deadline));
    g_mutex_unlock(&srv->lock);
    g_main_context_invoke(srv->ctx, testQuitLoop, srv->loop);
    g_thread_join(srv->thread);
    g_main_loop_unref(srv->loop);
    g_main_context_unref(srv->ctx);
    g_mutex_clear(&srv->lock);
    g_cond_clear(&srv->cond);
    g_free(srv->path);
    g_free(srv);
}

static void
fakeWrite(GOutputStream *out, const char *data, gssize len)
{
    /* the client may be gone already: what it does not read does not matter */
    g_output_stream_write_all(out, data, len < 0 ? strlen(data) : (gsize)len, NULL, NULL, NULL);
}

/* Writes @data in pieces cut at @cuts (byte offsets), pausing between them
 * so that the client reads them separately. */
static void
fakeWriteSplit(GOutputStream *out, const char *data, const gsize *cuts, gsize ncuts)
{
    gsize prev = 0;

    for (gsize i = 0; i <= ncuts; i++) {
        gsize end = i < ncuts ? cuts[i] : strlen(data);

        fakeWrite(out, data + prev, end - prev);
        g_usleep(50 * 1000);
        prev = end;
    }
}

/* The next command from the client, NULL at EOF. */
static JsonObject *
fakeRead(GDataInputStream *in, const char *expect)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *line = g_data_input_stream_read_line(in, NULL, NULL, NULL);
    JsonObject *cmd;

    if (!line)
        return NULL;
    g_assert_true(json_parser_load_from_data(parser, line, -1, &err));
    cmd = json_object_ref(json_node_get_object(json_parser_get_root(parser)));
    if (expect)
        g_assert_cmpstr(json_object_get_string_member(cmd, "execute"), ==, expect);
    g_assert_true(json_object_has_member(cmd, "id"));
    return cmd;
}

/* @json (a message) with the "id" of @cmd when given, as qemu frames it. */
static char *
fakeMessage(JsonObject *cmd, const char *json)
{
    g_autoptr(JsonNode) node = json_from_string(json, NULL);
    g_autofree char *text = NULL;

    g_assert_nonnull(node);
    if (cmd)
        json_object_set_member(json_node_get_object(node), "id", json_object_dup_member(cmd, "id"));
    text = json_to_string(node, FALSE);
    return g_strconcat(text, "\r\n", NULL);
}

#define FAKE_GREETING                                                                              \
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7},"              \
    " \"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}"
#define FAKE_EVENT(name)                                                                           \
    "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250}, \"event\": \"" name         \
    "\", \"data\": {\"n\": \"" name "\"}}"

/* Greeting and qmp_capabilities, the simple way. */
static void
fakeHandshake(GDataInputStream *in, GOutputStream *out)
{
    g_autoptr(JsonObject) caps = NULL;
    g_autofree char *greeting = fakeMessage(NULL, FAKE_GREETING);
    g_autofree char *ok = NULL;

    fakeWrite(out, greeting, -1);
    caps = fakeRead(in, "qmp_capabilities");
    g_assert_nonnull(caps);
    ok = fakeMessage(caps, "{\"return\": {}}");
    fakeWrite(out, ok, -1);
}

/* Reads commands until EOF, answering each with its arguments (or {}). */
static void
fakeAnswerAll(GDataInputStream *in, GOutputStream *out)
{
    JsonObject *cmd;

    while ((cmd = fakeRead(in, NULL))) {
        g_autoptr(JsonNode) reply = json_from_string("{\"return\": {}}", NULL);
        JsonObject *r = json_node_get_object(reply);
        g_autofree char *text = NULL;
        g_autofree char *msg = NULL;

        json_object_set_member(r, "id", json_object_dup_member(cmd, "id"));
        if (json_object_has_member(cmd, "arguments"))
            json_object_set_member(r, "return", json_object_dup_member(cmd, "arguments"));
        text = json_to_string(reply, FALSE);
        msg = g_strconcat(text, "\r\n", NULL);
        fakeWrite(out, msg, -1);
        json_object_unref(cmd);
    }
}

/* Answers @cmd with @json. */
static void
fakeReply(GOutputStream *out, JsonObject *cmd, const char *json)
{
    g_autofree char *msg = fakeMessage(cmd, json);

    fakeWrite(out, msg, -1);
}

/* The greeting in three pieces; the capabilities' answer and an event in
 * one write: the event must not be lost between the handshake and the
 * read source. */
static void
fakeFramingHandshake(GDataInputStream *in, GOutputStream *out)
{
    g_autofree char *greeting = fakeMessage(NULL, FAKE_GREETING);
    const gsize cuts[] = {1, 30};
    g_autoptr(JsonObject) caps = NULL;
    g_autofree char *ok = NULL;
    g_autofree char *early = fakeMessage(NULL, FAKE_EVENT("EARLY"));
    g_autofree char *msg = NULL;

    fakeWriteSplit(out, greeting, cuts, G_N_ELEMENTS(cuts));
    caps = fakeRead(in, "qmp_capabilities");
    ok = fakeMessage(caps, "{\"return\": {}}");
    msg = g_strconcat(ok, early, NULL);
    fakeWrite(out, msg, -1);
}

/* A reply cut inside a string and between \r and \n. */
static void
fakeFramingSplit(GDataInputStream *in, GOutputStream *out)
{
    g_autoptr(JsonObject) cmd = fakeRead(in, "test-split");
    g_autofree char *msg = fakeMessage(cmd, "{\"return\": {\"greeting\": \"hello world\"}}");
    const gsize cuts[] = {5, strstr(msg, "world") - msg + 2, strlen(msg) - 1};

    fakeWriteSplit(out, msg, cuts, G_N_ELEMENTS(cuts));
}

/* An event, the reply and another event in one write. */
static void
fakeFramingTwo(GDataInputStream *in, GOutputStream *out)
{
    g_autoptr(JsonObject) cmd = fakeRead(in, "test-two");
    g_autofree char *e1 = fakeMessage(NULL, FAKE_EVENT("E1"));
    g_autofree char *reply = fakeMessage(cmd, "{\"return\": [1, 2]}");
    g_autofree char *e2 = fakeMessage(NULL, FAKE_EVENT("E2"));
    g_autofree char *msg = g_strconcat(e1, reply, e2, NULL);

    fakeWrite(out, msg, -1);
}

/* The arguments as they arrived; before that, blank lines, a reply to
 * nobody and one without an id. */
static void
fakeFramingArgs(GDataInputStream *in, GOutputStream *out)
{
    g_autoptr(JsonObject) cmd = fakeRead(in, "test-args");
    g_autoptr(JsonNode) reply = json_from_string("{\"return\": {}}", NULL);
    g_autofree char *text = NULL;

    json_object_set_member(json_node_get_object(reply), "id", json_object_dup_member(cmd, "id"));
    json_object_set_member(json_node_get_object(reply), "return",
                           json_object_dup_member(cmd, "arguments"));
    text = json_to_string(reply, FALSE);
    fakeWrite(out, "\r\n  \r\n{\"return\": 1, \"id\": \"nobody\"}\r\n{\"return\": 2}\r\n", -1);
    fakeWrite(out, text, -1);
    fakeWrite(out, "\r\n", -1);
}

/* A 3 MiB reply, read over many reads. */
static void
fakeFramingBig(GDataInputStream *in, GOutputStream *out)
{
    g_autoptr(JsonObject) cmd = fakeRead(in, "test-big");
    g_autofree char *big = g_malloc(3 * 1024 * 1024 + 1);
    g_autofree char *json = NULL;

    memset(big, 'x', 3 * 1024 * 1024);
    big[3 * 1024 * 1024] = '\0';
    json = g_strdup_printf("{\"return\": \"%s\"}", big);
    fakeReply(out, cmd, json);
}

static void
fakeScriptFraming(fakeServer *srv, GDataInputStream *in, GOutputStream *out)
{
    g_autoptr(JsonObject) cmd = NULL;
    g_autoptr(JsonObject) after = NULL;

    fakeFramingHandshake(in, out);
    fakeFramingSplit(in, out);
    fakeFramingTwo(in, out);

    cmd = fakeRead(in, "test-error");
    fakeReply(out, cmd,
              "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'x' not found\"}}");
    g_clear_pointer(&cmd, json_object_unref);

    fakeFramingArgs(in, out);
    fakeFramingBig(in, out);

    /* a reply that comes too late: once the client, having given up on
     * test-slow, sent test-after; then test-after's own reply */
    cmd = fakeRead(in, "test-slow");
    after = fakeRead(in, "test-after");
    fakeReply(out, cmd, "{\"return\": \"late\"}");
    fakeReply(out, after, "{\"return\": \"mine\"}");

    /* until the client closes */
    g_assert_null(fakeRead(in, NULL));
}

static JsonNode *
testCommand(qemuMonitor *mon, const char *command, JsonObject *args)
{
    g_autoptr(GError) err = NULL;
    JsonNode *reply = qemuMonitorCommand(mon, command, args, CMD_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    g_assert_nonnull(reply);
    return reply;
}

static void
test_fake_framing(testFixture *fx, gconstpointer unused)
{
    fakeServer *srv = fakeServerStart(fx, fakeScriptFraming, 0);
    g_autoptr(JsonObject) args = json_object_new();
    g_autoptr(JsonNode) split = NULL;
    g_autoptr(JsonNode) two = NULL;
    g_autoptr(JsonNode) echo = NULL;
    g_autoptr(JsonNode) big = NULL;
    g_autoptr(JsonNode) after = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *list = NULL;
    JsonObject *o;
    qemuMonitor *mon = testOpen(fx);

    g_assert_cmpint(testWaitFor(fx, "EARLY", 0, WAIT_MS), ==, 0);
    g_assert_cmpstr(g_ptr_array_index(fx->data, 0), ==, "{\"n\":\"EARLY\"}");
    g_assert_cmpint(g_array_index(fx->stamps, gint64, 0), ==,
                    (gint64)1700000000 * G_USEC_PER_SEC + 250);

    split = testCommand(mon, "test-split", NULL);
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(split), "greeting"), ==,
                    "hello world");

    two = testCommand(mon, "test-two", NULL);
    g_assert_cmpint(json_array_get_length(json_node_get_array(two)), ==, 2);
    g_assert_cmpint(testWaitFor(fx, "E2", 0, WAIT_MS), ==, 2);

    testAssertFails(mon, "test-error", NULL, QEMU_MONITOR_ERROR_COMMAND,
                    "QEMU: DeviceNotFound: Device 'x' not found");

    /* arguments survive the trip, newlines and quotes included */
    json_object_set_string_member(args, "text", "two\nlines \"quoted\" \xc3\xa9");
    json_object_set_int_member(args, "number", 42);
    echo = testCommand(mon, "test-args", args);
    o = json_node_get_object(echo);
    g_assert_cmpstr(json_object_get_string_member(o, "text"), ==, "two\nlines \"quoted\" \xc3\xa9");
    g_assert_cmpint(json_object_get_int_member(o, "number"), ==, 42);

    big = testCommand(mon, "test-big", NULL);
    g_assert_cmpuint(strlen(json_node_get_string(big)), ==, 3 * 1024 * 1024);

    /* a late reply is dropped, not given to the next command */
    g_assert_null(qemuMonitorCommand(mon, "test-slow", NULL, 200, &err));
    g_assert_error(err, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_TIMEOUT);
    after = testCommand(mon, "test-after", NULL);
    g_assert_cmpstr(json_node_get_string(after), ==, "mine");

    list = testEventList(fx);
    g_assert_cmpstr(list, ==, "EARLY E1 E2");
    g_assert_false(fx->off_thread);

    /* closing is not an EOF */
    qemuMonitorClose(mon);
    fakeServerStop(srv, 1);
    g_assert_cmpuint(testEofs(fx), ==, 0);
    g_assert_cmpuint(fx->events->len, ==, 3);
}

/* Sends @junk instead of the reply to the first command. */
static void
fakeScriptJunk(GDataInputStream *in, GOutputStream *out, const char *junk, gsize len)
{
    g_autoptr(JsonObject) cmd = NULL;

    fakeHandshake(in, out);
    cmd = fakeRead(in, "test-junk");
    fakeWrite(out, junk, len);
    /* until the client hangs up */
    while (g_data_input_stream_read_line(in, NULL, NULL, NULL))
        ;
}

static void
fakeScriptOversized(fakeServer *srv, GDataInputStream *in, GOutputStream *out)
{
    gsize len = 17 * 1024 * 1024;
    g_autofree char *junk = g_malloc(len);

    memset(junk, ' ', len);
    fakeScriptJunk(in, out, junk, len);
}

static void
fakeScriptGarbage(fakeServer *srv, GDataInputStream *in, GOutputStream *out)
{
    g_autofree char *e = fakeMessage(NULL, FAKE_EVENT("BEFORE"));
    g_autofree char *junk = g_strconcat(e, "this is not JSON\r\n", e, NULL);

    fakeScriptJunk(in, out, junk, strlen(junk));
}

/* The monitor breaks the protocol: the waiting command fails with a
 * protocol error, EOF is reported once, later commands fail as closed. */
static void
testProtocolError(testFixture *fx, fakeScript script, const char *expect_events)
{
    fakeServer *srv = fakeServerStart(fx, script, 0);
    qemuMonitor *mon = testOpen(fx);
    g_autofree char *list = NULL;

    testAssertFails(mon, "test-junk", NULL, QEMU_MONITOR_ERROR_PROTOCOL, NULL);
    g_assert_cmpint(testWaitFor(fx, EOF_MARK, 0, WAIT_MS), >=, 0);
    testAssertFails(mon, "test-junk", NULL, QEMU_MONITOR_ERROR_CLOSED, NULL);
    /* no callback starts after the close: what was recorded is all */
    qemuMonitorClose(mon);
    g_assert_cmpuint(testEofs(fx), ==, 1);
    list = testEventList(fx);
    g_assert_cmpstr(list, ==, expect_events);
    fakeServerStop(srv, 1);
}

static void
test_fake_oversized(testFixture *fx, gconstpointer unused)
{
    testProtocolError(fx, fakeScriptOversized, EOF_MARK);
}

static void
test_fake_garbage(testFixture *fx, gconstpointer unused)
{
    /* what came before the bad line is still delivered, nothing after */
    testProtocolError(fx, fakeScriptGarbage, "BEFORE " EOF_MARK);
}

/* An event, half a reply, then the connection goes. */
static void
fakeScriptHangup(fakeServer *srv, GDataInputStream *in, GOutputStream *out)
{
    g_autoptr(JsonObject) cmd = NULL;
    g_autofree char *e = fakeMessage(NULL, FAKE_EVENT("SHUTDOWN"));
    g_autofree char *reply = NULL;
    g_autofree char *msg = NULL;

    fakeHandshake(in, out);
    cmd = fakeRead(in, "test-hangup");
    reply = fakeMessage(cmd, "{\"return\": {}}");
    msg = g_strconcat(e, reply, NULL);
    fakeWrite(out, msg, strlen(e) + 4);
}

static void
test_fake_hangup(testFixture *fx, gconstpointer unused)
{
    fakeServer *srv = fakeServerStart(fx, fakeScriptHangup, 0);
    qemuMonitor *mon = testOpen(fx);
    g_autofree char *list = NULL;

    testAssertFails(mon, "test-hangup", NULL, QEMU_MONITOR_ERROR_CLOSED, NULL);
    g_assert_cmpint(testWaitFor(fx, EOF_MARK, 0, WAIT_MS), ==, 1);
    fakeServerStop(srv, 1);
    testAssertFails(mon, "test-hangup", NULL, QEMU_MONITOR_ERROR_CLOSED, NULL);
    /* no callback starts after the close: what was recorded is all */
    qemuMonitorClose(mon);
    list = testEventList(fx);
    g_assert_cmpstr(list, ==, "SHUTDOWN " EOF_MARK);
}

/* Accepts, says nothing. */
static void
fakeScriptSilent(fakeServer *srv, GDataInputStream *in, GOutputStream *out)
{
    while (g_data_input_stream_read_line(in, NULL, NULL, NULL))
        ;
}

static void
test_fake_no_greeting(testFixture *fx, gconstpointer unused)
{
    fakeServer *srv = fakeServerStart(fx, fakeScriptSilent, 0);
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    qemuMonitor *mon = qemuMonitorOpen(fx->sock_path, -1, 300, fx->ctx, &testCallbacks, fx, &err);
    gint64 elapsed = g_get_monotonic_time() - start;

    g_assert_null(mon);
    g_assert_error(err, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CONNECT);
    g_assert_true(g_str_has_prefix(err->message, "no greeting from the QEMU monitor"));
    g_assert_cmpint(elapsed, >=, 300 * 1000);
    /* the silent server would keep it forever */
    g_assert_cmpint(elapsed, <, (300 + 5000) * 1000);
    fakeServerStop(srv, 1);
}

/* The socket appears only after qemuMonitorOpen() started. */
static void
fakeScriptAnswer(fakeServer *srv, GDataInputStream *in, GOutputStream *out)
{
    fakeHandshake(in, out);
    fakeAnswerAll(in, out);
}

static void
test_fake_connect_retry(testFixture *fx, gconstpointer unused)
{
    fakeServer *srv = fakeServerStart(fx, fakeScriptAnswer, 200);
    gint64 start = g_get_monotonic_time();
    qemuMonitor *mon = testOpen(fx);
    g_autoptr(JsonNode) reply = NULL;

    g_assert_cmpint(g_get_monotonic_time() - start, >=, 200 * 1000);
    reply = testCommand(mon, "anything", NULL);
    qemuMonitorClose(mon);
    fakeServerStop(srv, 1);
}

typedef struct {
    qemuMonitor *mon;
    guint index;
    guint ok;
} testEchoWorker;

static gpointer
testEchoWorkerRun(gpointer opaque)
{
    testEchoWorker *w = opaque;

    for (guint i = 0; i < WORKER_ROUNDS * 4; i++) {
        g_autoptr(JsonObject) args = json_object_new();
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonNode) reply = NULL;
        JsonObject *r;

        json_object_set_int_member(args, "worker", w->index);
        json_object_set_int_member(args, "round", i);
        reply = qemuMonitorCommand(w->mon, "echo", args, CMD_TIMEOUT_MS, &err);
        g_assert_no_error(err);
        r = json_node_get_object(reply);
        g_assert_cmpint(json_object_get_int_member(r, "worker"), ==, w->index);
        g_assert_cmpint(json_object_get_int_member(r, "round"), ==, i);
        w->ok++;
    }
    return NULL;
}

/* Many threads, one monitor: every command gets its own reply. */
static void
test_fake_concurrent(testFixture *fx, gconstpointer unused)
{
    fakeServer *srv = fakeServerStart(fx, fakeScriptAnswer, 0);
    testEchoWorker workers[WORKERS];
    GThread *threads[WORKERS];
    qemuMonitor *mon = testOpen(fx);

    for (guint i = 0; i < WORKERS; i++) {
        workers[i] = (testEchoWorker){.mon = mon, .index = i};
        threads[i] = g_thread_new("test-worker", testEchoWorkerRun, &workers[i]);
    }
    for (guint i = 0; i < WORKERS; i++) {
        g_thread_join(threads[i]);
        g_assert_cmpuint(workers[i].ok, ==, WORKER_ROUNDS * 4);
    }
    qemuMonitorClose(mon);
    fakeServerStop(srv, 1);
}

/* Never answers commands. */
static void
fakeScriptMute(fakeServer *srv, GDataInputStream *in, GOutputStream *out)
{
    JsonObject *cmd;

    fakeHandshake(in, out);
    while ((cmd = fakeRead(in, NULL))) {
        json_object_unref(cmd);
        g_mutex_lock(&srv->lock);
        srv->received++;
        g_cond_broadcast(&srv->cond);
        g_mutex_unlock(&srv->lock);
    }
}

/* Waits until fakeScriptMute read @n commands. */
static void
fakeServerWaitReceived(fakeServer *srv, guint n)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

    g_mutex_lock(&srv->lock);
    while (srv->received < n)
        g_assert_true(g_cond_wait_until(&srv->cond, &srv->lock, deadline));
    g_mutex_unlock(&srv->lock);
}

static void
test_fake_close_waiting(testFixture *fx, gconstpointer unused)
{
    fakeServer *srv = fakeServerStart(fx, fakeScriptMute, 0);
    testAsyncCommand c = {.command = "test-wait", .timeout_ms = 0};
    GThread *t;

    c.mon = testOpen(fx);
    t = g_thread_new("test-command", testAsyncRun, &c);
    /* the command is pending before it is sent: once the server has it,
     * the close hits a waiting command (not one sent after the close) */
    fakeServerWaitReceived(srv, 1);
    qemuMonitorClose(c.mon);
    g_thread_join(t);

    g_assert_null(c.reply);
    g_assert_error(c.error, QEMU_MONITOR_ERROR, QEMU_MONITOR_ERROR_CLOSED);
    g_assert_cmpint(c.elapsed, <, 5 * G_USEC_PER_SEC);
    fakeServerStop(srv, 1);
    /* the server hung up too; closing is not an EOF */
    testLoopRoundTrip(fx);
    g_assert_cmpuint(testEofs(fx), ==, 0);
    testAsyncClear(&c);
}

/* Two events in one write, then silence. */
static void
fakeScriptSlowEvent(fakeServer *srv, GDataInputStream *in, GOutputStream *out)
{
    g_autofree char *slow = fakeMessage(NULL, FAKE_EVENT("SLOW"));
    g_autofree char *after = fakeMessage(NULL, FAKE_EVENT("AFTER"));
    g_autofree char *msg = g_strconcat(slow, after, NULL);

    fakeHandshake(in, out);
    fakeWrite(out, msg, -1);
    while (g_data_input_stream_read_line(in, NULL, NULL, NULL))
        ;
}

/* Close from another thread while a callback runs: it returns only once
 * the callback has, and no callback starts after it. */
static void
test_fake_close_during_callback(testFixture *fx, gconstpointer unused)
{
    fakeServer *srv = fakeServerStart(fx, fakeScriptSlowEvent, 0);
    qemuMonitor *mon = testOpen(fx);
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
    g_autofree char *list = NULL;
    gboolean done;

    g_mutex_lock(&fx->lock);
    while (!fx->in_slow)
        g_assert_true(g_cond_wait_until(&fx->cond, &fx->lock, deadline));
    g_mutex_unlock(&fx->lock);

    qemuMonitorClose(mon);
    g_mutex_lock(&fx->lock);
    done = fx->slow_done;
    g_mutex_unlock(&fx->lock);
    g_assert_true(done);

    fakeServerStop(srv, 1);
    /* AFTER, read with SLOW, would be dispatched by now */
    testLoopRoundTrip(fx);
    list = testEventList(fx);
    g_assert_cmpstr(list, ==, "SLOW");
}

typedef struct {
    testFixture *fx;
    qemuMonitor *mon;
    GError *error;
    gboolean done;
} testOnLoop;

static gboolean
testOpenOnLoop(gpointer opaque)
{
    testOnLoop *o = opaque;

    o->mon = qemuMonitorOpen(o->fx->sock_path, -1, OPEN_TIMEOUT_MS, o->fx->ctx, &testCallbacks, o->fx,
                             &o->error);
    g_mutex_lock(&o->fx->lock);
    o->done = TRUE;
    g_cond_broadcast(&o->fx->cond);
    g_mutex_unlock(&o->fx->lock);
    return G_SOURCE_REMOVE;
}

static gboolean
testCommandOnLoop(gpointer opaque)
{
    testOnLoop *o = opaque;
    JsonNode *reply = qemuMonitorCommand(o->mon, "refused", NULL, 1000, &o->error);

    g_assert_null(reply);
    g_mutex_lock(&o->fx->lock);
    o->done = TRUE;
    g_cond_broadcast(&o->fx->cond);
    g_mutex_unlock(&o->fx->lock);
    return G_SOURCE_REMOVE;
}

static void
testRunOnLoop(testFixture *fx, GSourceFunc fn, testOnLoop *o)
{
    o->done = FALSE;
    g_main_context_invoke(fx->ctx, fn, o);
    g_mutex_lock(&fx->lock);
    while (!o->done)
        g_cond_wait(&fx->cond, &fx->lock);
    g_mutex_unlock(&fx->lock);
}

/* Open works on the loop's own thread (the handshake does not need the
 * loop); a command there is refused at once instead of deadlocking. */
static void
test_fake_loop_thread(testFixture *fx, gconstpointer unused)
{
    fakeServer *srv = fakeServerStart(fx, fakeScriptAnswer, 0);
    testOnLoop o = {.fx = fx};
    g_autoptr(JsonNode) reply = NULL;

    testRunOnLoop(fx, testOpenOnLoop, &o);
    g_assert_no_error(o.error);
    g_assert_nonnull(o.mon);

    g_test_expect_message("virtd.qemu", G_LOG_LEVEL_CRITICAL, "*qemuMonitorIsLoopThread*");
    testRunOnLoop(fx, testCommandOnLoop, &o);
    g_test_assert_expected_messages();
    g_assert_no_error(o.error);

    reply = testCommand(o.mon, "from-another-thread", NULL);
    qemuMonitorClose(o.mon);
    fakeServerStop(srv, 1);
}

/* ------------------------------------------------------------------ */

static void
testAdd(const char *name, void (*fn)(testFixture *, gconstpointer))
{
    g_test_add(name, testFixture, NULL, testSetup, fn, testTeardown);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    testInstallKiller();
    /* writing to a fake server the client left must give EPIPE */
    signal(SIGPIPE, SIG_IGN);

    testAdd("/qemumonitor/qemu/lifecycle", test_qemu_lifecycle);
    testAdd("/qemumonitor/qemu/concurrent", test_qemu_concurrent);
    testAdd("/qemumonitor/qemu/quit", test_qemu_quit);
    testAdd("/qemumonitor/qemu/killed", test_qemu_killed);
    testAdd("/qemumonitor/connect/nothing-listens", test_connect_nothing);
    testAdd("/qemumonitor/connect/qemu-exited", test_connect_qemu_exited);
    testAdd("/qemumonitor/connect/process-exits", test_connect_process_exits);
    testAdd("/qemumonitor/fake/framing", test_fake_framing);
    testAdd("/qemumonitor/fake/oversized", test_fake_oversized);
    testAdd("/qemumonitor/fake/garbage", test_fake_garbage);
    testAdd("/qemumonitor/fake/hangup", test_fake_hangup);
    testAdd("/qemumonitor/fake/no-greeting", test_fake_no_greeting);
    testAdd("/qemumonitor/fake/connect-retry", test_fake_connect_retry);
    testAdd("/qemumonitor/fake/concurrent", test_fake_concurrent);
    testAdd("/qemumonitor/fake/close-waiting", test_fake_close_waiting);
    testAdd("/qemumonitor/fake/close-during-callback", test_fake_close_during_callback);
    testAdd("/qemumonitor/fake/loop-thread", test_fake_loop_thread);
    return g_test_run();
}

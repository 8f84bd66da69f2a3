/*
 * vircommandtest.c: what a child started by vircommand sees, and how
 * waiting, capture and deadlines behave
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testutils.h"
#include "vircommand.h"

/* Runs @cmd, asserting it was waited for; returns the captured stdout. */
static char *
run_capture(virCommand *cmd, virCommandResult *res)
{
    g_autoptr(GError) err = NULL;

    virCommandSetOutputCapture(cmd, 1024 * 1024);
    g_assert_true(virCommandRun(cmd, res, &err));
    g_assert_no_error(err);
    return g_strndup(g_bytes_get_data(res->out, NULL), g_bytes_get_size(res->out));
}

/* All values of "key=..." lines of the helper's report. */
static GPtrArray *
report_values(const char *report, const char *key)
{
    GPtrArray *vals = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(report, "\n", -1);
    g_autofree char *prefix = g_strdup_printf("%s=", key);

    for (size_t i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], prefix))
            g_ptr_array_add(vals, g_strdup(lines[i] + strlen(prefix)));
    }
    return vals;
}

static char *
report_value(const char *report, const char *key)
{
    g_autoptr(GPtrArray) vals = report_values(report, key);

    g_assert_cmpuint(vals->len, ==, 1);
    return g_strdup(g_ptr_array_index(vals, 0));
}

static void
test_argv_env(void)
{
    g_autoptr(virCommand) cmd = virCommandNew(COMMANDHELPER);
    g_auto(virCommandResult) res = {0};
    g_autofree char *out = NULL;
    g_autoptr(GPtrArray) env = NULL;
    g_autofree char *a2 = NULL;

    g_setenv("VIRTD_TEST_LEAK", "should-not-be-seen", TRUE);
    virCommandAddArgList(cmd, "plain", "with space", "", NULL);
    virCommandAddArgFormat(cmd, "n=%d", 42);
    virCommandAddEnvPair(cmd, "A", "1");
    virCommandAddEnvPair(cmd, "A", "2");
    virCommandAddEnvPass(cmd, "VIRTD_TEST_UNSET_VARIABLE");
    out = run_capture(cmd, &res);

    g_assert_true(virCommandResultSucceeded(&res));
    g_assert_nonnull(strstr(out, "argv0=" COMMANDHELPER "\n"));
    g_assert_nonnull(strstr(out, "argv1=plain\nargv2=with space\nargv3=\nargv4=n=42\n"));
    a2 = report_value(out, "argv2");
    g_assert_cmpstr(a2, ==, "with space");
    env = report_values(out, "env");
    g_assert_cmpuint(env->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(env, 0), ==, "A=2");
}

static void
test_fds_closed(void)
{
    g_autoptr(virCommand) cmd = virCommandNew(COMMANDHELPER);
    g_auto(virCommandResult) res = {0};
    g_autofree char *out = NULL;
    g_autoptr(GPtrArray) fds = NULL;
    /* deliberately inheritable: vircommand must still close them */
    int leak1 = open("/dev/null", O_RDONLY);
    int leak2 = open("/dev/null", O_RDONLY);
    int pass = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    int childfd = virCommandPassFD(cmd, pass);

    g_assert_cmpint(childfd, ==, 3);
    out = run_capture(cmd, &res);
    fds = report_values(out, "fd");
    g_assert_cmpuint(fds->len, ==, 4);
    for (guint i = 0; i < fds->len; i++)
        g_assert_cmpint(atoi(g_ptr_array_index(fds, i)), ==, (int)i);
    close(leak1);
    close(leak2);
    close(pass);
}

static void
test_signals_reset(void)
{
    g_autoptr(virCommand) cmd = virCommandNew(COMMANDHELPER);
    g_auto(virCommandResult) res = {0};
    g_autofree char *out = NULL;
    g_autofree char *blk = NULL;
    g_autofree char *ign = NULL;
    sigset_t set, old;
    struct sigaction sa = {.sa_handler = SIG_IGN}, oldsa;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    sigaction(SIGUSR2, &sa, &oldsa);

    out = run_capture(cmd, &res);

    pthread_sigmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGUSR2, &oldsa, NULL);
    blk = report_value(out, "sigblk");
    ign = report_value(out, "sigign");
    g_assert_cmpstr(blk, ==, "0000000000000000");
    /* Only glibc's two reserved real-time signals (32, 33), which its
     * spawn always leaves ignored, may remain: SIGUSR2 must not. */
    g_assert_cmpstr(ign, ==, "0000000180000000");
}

static void
test_cwd_and_group(void)
{
    g_autoptr(virCommand) cmd = virCommandNew(COMMANDHELPER);
    g_autoptr(virCommand) cmd2 = virCommandNew(COMMANDHELPER);
    g_auto(virCommandResult) res = {0};
    g_auto(virCommandResult) res2 = {0};
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;
    g_autofree char *cwd = NULL;
    g_autofree char *pid = NULL;
    g_autofree char *pgid = NULL;
    g_autofree char *pgid2 = NULL;

    virCommandSetNewProcessGroup(cmd, TRUE);
    out = run_capture(cmd, &res);
    cwd = report_value(out, "cwd");
    pid = report_value(out, "pid");
    pgid = report_value(out, "pgid");
    g_assert_cmpstr(cwd, ==, "/");
    g_assert_cmpstr(pid, ==, pgid);

    out2 = run_capture(cmd2, &res2);
    pgid2 = report_value(out2, "pgid");
    g_assert_cmpint(atoi(pgid2), ==, getpgid(0));
}

static void
test_stdin_delivered(void)
{
    g_autoptr(virCommand) cmd = virCommandNew(COMMANDHELPER);
    g_auto(virCommandResult) res = {0};
    g_autofree char *out = NULL;
    g_autofree char *n = NULL;
    gsize len = 10 * 1024 * 1024 + 7;
    g_autofree char *data = g_malloc(len);

    memset(data, 'x', len);
    virCommandAddArg(cmd, "--stdin");
    virCommandSetInputBuffer(cmd, data, len);
    out = run_capture(cmd, &res);
    n = report_value(out, "stdin");
    g_assert_cmpuint(g_ascii_strtoull(n, NULL, 10), ==, len);
}

static void
test_stdin_unread(void)
{
    g_autoptr(virCommand) cmd = virCommandNew("/bin/true");
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;
    gsize len = 10 * 1024 * 1024;
    g_autofree char *data = g_malloc0(len);

    virCommandSetInputBuffer(cmd, data, len);
    virCommandSetTimeout(cmd, 20000);
    g_assert_true(virCommandRun(cmd, &res, &err));
    g_assert_true(virCommandResultSucceeded(&res));
    g_assert_false(res.timed_out);
}

static void
test_exit_and_signal(void)
{
    const char *exit7[] = {"/bin/sh", "-c", "echo oops >&2; exit 7", NULL};
    const char *killed[] = {"/bin/sh", "-c", "kill -KILL $$", NULL};
    g_autoptr(virCommand) c1 = virCommandNewArgv(exit7);
    g_autoptr(virCommand) c2 = virCommandNewArgv(killed);
    g_auto(virCommandResult) r1 = {0};
    g_auto(virCommandResult) r2 = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *d1 = NULL;
    g_autofree char *d2 = NULL;

    virCommandSetErrorCapture(c1, 100);
    g_assert_true(virCommandRun(c1, &r1, &err));
    g_assert_true(r1.exited);
    g_assert_cmpint(r1.exit_status, ==, 7);
    g_assert_false(virCommandResultSucceeded(&r1));
    g_assert_cmpmem(g_bytes_get_data(r1.err, NULL), g_bytes_get_size(r1.err), "oops\n", 5);
    d1 = virCommandResultDescribe(&r1);
    g_assert_cmpstr(d1, ==, "exit status 7");

    g_assert_true(virCommandRun(c2, &r2, &err));
    g_assert_false(r2.exited);
    g_assert_cmpint(r2.term_signal, ==, SIGKILL);
    d2 = virCommandResultDescribe(&r2);
    g_assert_cmpstr(d2, ==, "killed by signal 9 (SIGKILL)");
}

static void
test_capture_cap(void)
{
    const char *argv[] = {"/bin/sh", "-c", "head -c 1048576 /dev/zero", NULL};
    g_autoptr(virCommand) cmd = virCommandNewArgv(argv);
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;

    virCommandSetOutputCapture(cmd, 1000);
    g_assert_true(virCommandRun(cmd, &res, &err));
    g_assert_cmpuint(g_bytes_get_size(res.out), ==, 1000);
    g_assert_cmpuint(res.out_total, ==, 1048576);
}

static void
test_spawn_failure(void)
{
    g_autoptr(virCommand) cmd = virCommandNew("/nonexistent/virtd-test-binary");
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;

    g_assert_false(virCommandRun(cmd, &res, &err));
    g_assert_error(err, VIR_COMMAND_ERROR, VIR_COMMAND_ERROR_SPAWN);
    g_assert_nonnull(strstr(err->message, "/nonexistent/virtd-test-binary"));
}

/* A grandchild that keeps stdout/stderr open must not hold up the wait. */
static void
test_background_child(void)
{
    const char *argv[] = {"/bin/sh", "-c", "sleep 600 & echo started; exit 0", NULL};
    g_autoptr(virCommand) cmd = virCommandNewArgv(argv);
    g_auto(virCommandResult) res = {0};
    g_autofree char *out = NULL;
    gint64 t0 = g_get_monotonic_time();
    pid_t pgid;

    virCommandSetNewProcessGroup(cmd, TRUE);
    virCommandSetErrorCapture(cmd, 1000);
    out = run_capture(cmd, &res);
    pgid = virCommandGetPid(cmd);

    /* waiting for EOF would mean waiting for the 600 s sleep; 5 s is
     * generous for starting /bin/sh on a loaded machine */
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);
    g_assert_true(virCommandResultSucceeded(&res));
    g_assert_cmpstr(out, ==, "started\n");
    /* leftovers are not killed on a normal exit; clean up our own */
    g_assert_true(testProcessGroupAlive(pgid));
    kill(-pgid, SIGKILL);
}

static void
test_timeout(void)
{
    const char *argv[] = {"/bin/sh", "-c", "sleep 600 & sleep 600", NULL};
    g_autoptr(virCommand) cmd = virCommandNewArgv(argv);
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *what = NULL;
    gint64 t0 = g_get_monotonic_time(), elapsed;

    virCommandSetNewProcessGroup(cmd, TRUE);
    virCommandSetTimeout(cmd, 500);
    virCommandSetGrace(cmd, 60 * 1000);
    g_assert_true(virCommandRun(cmd, &res, &err));
    elapsed = g_get_monotonic_time() - t0;

    g_assert_true(res.timed_out);
    g_assert_false(virCommandResultSucceeded(&res));
    g_assert_cmpint(elapsed, >=, 500 * 1000);
    /* everything dies on SIGTERM: the 60 s grace period is not waited for */
    g_assert_cmpint(elapsed, <, (500 + 10 * 1000) * 1000);
    g_assert_true(testProcessGroupGone(virCommandGetPid(cmd)));
    what = virCommandResultDescribe(&res);
    g_assert_cmpstr(what, ==, "timed out after 0.5 s");
}

/* A group that ignores SIGTERM is SIGKILLed once the grace period ends. */
static void
test_timeout_term_ignored(void)
{
    const char *argv[] = {"/bin/sh", "-c", "trap '' TERM; sleep 600 & sleep 600", NULL};
    g_autoptr(virCommand) cmd = virCommandNewArgv(argv);
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;
    gint64 t0 = g_get_monotonic_time(), elapsed;

    virCommandSetNewProcessGroup(cmd, TRUE);
    virCommandSetTimeout(cmd, 300);
    virCommandSetGrace(cmd, 700);
    g_assert_true(virCommandRun(cmd, &res, &err));
    elapsed = g_get_monotonic_time() - t0;

    g_assert_true(res.timed_out);
    g_assert_false(res.exited);
    g_assert_cmpint(res.term_signal, ==, SIGKILL);
    g_assert_cmpint(elapsed, >=, (300 + 700) * 1000);
    /* SIGKILL at the end of this grace, not of the default one (5 s) */
    g_assert_cmpint(elapsed, <, (300 + 700 + 3500) * 1000);
    G_STATIC_ASSERT(300 + 700 + 3500 < 300 + VIR_COMMAND_DEFAULT_GRACE_MS);
    g_assert_true(testProcessGroupGone(virCommandGetPid(cmd)));
}

/* The leader exits on SIGTERM but a member ignoring it stays: the group
 * still gets SIGKILL at the end of the grace period. */
static void
test_timeout_leftover_member(void)
{
    const char *argv[] = {"/bin/sh", "-c", "(trap '' TERM; sleep 600) & sleep 600", NULL};
    g_autoptr(virCommand) cmd = virCommandNewArgv(argv);
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;
    gint64 t0 = g_get_monotonic_time(), elapsed;

    virCommandSetNewProcessGroup(cmd, TRUE);
    virCommandSetTimeout(cmd, 300);
    virCommandSetGrace(cmd, 700);
    g_assert_true(virCommandRun(cmd, &res, &err));
    elapsed = g_get_monotonic_time() - t0;

    g_assert_true(res.timed_out);
    g_assert_cmpint(elapsed, >=, (300 + 700) * 1000);
    /* SIGKILL at the end of this grace, not of the default one (5 s) */
    g_assert_cmpint(elapsed, <, (300 + 700 + 3500) * 1000);
    G_STATIC_ASSERT(300 + 700 + 3500 < 300 + VIR_COMMAND_DEFAULT_GRACE_MS);
    g_assert_true(testProcessGroupGone(virCommandGetPid(cmd)));
}

/* The fields of sched_getattr(2) that a child inherits. */
typedef struct {
    uint32_t size;
    uint32_t policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime;
    uint64_t deadline;
    uint64_t period;
} TestSchedAttr;

static TestSchedAttr
sched_of(pid_t tid)
{
    TestSchedAttr a = {0};

    g_assert_cmpint(syscall(SYS_sched_getattr, tid, &a, sizeof(a), 0), ==, 0);
    return a;
}

/* Whatever the spawn did to get the child a CPU, once virCommandStart()
 * returned, the child and the caller have the caller's attributes. */
static void
test_prompt_start(void)
{
    g_autoptr(virCommand) cmd = virCommandNewArgv((const char *[]){"/bin/sh", "-c", "read x", NULL});
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;
    TestSchedAttr before = sched_of(0);
    TestSchedAttr child, after;

    virCommandSetPromptStart(cmd, TRUE);
    /* written only by virCommandWait(): until then the child waits */
    virCommandSetInputBuffer(cmd, "x\n", -1);
    g_assert_true(virCommandStart(cmd, &err));
    g_assert_no_error(err);
    child = sched_of(virCommandGetPid(cmd));
    after = sched_of(0);
    g_assert_true(virCommandWait(cmd, &res, &err));
    g_assert_true(virCommandResultSucceeded(&res));

    g_assert_cmpuint(after.policy, ==, before.policy);
    g_assert_cmpint(after.nice, ==, before.nice);
    g_assert_cmpuint(after.runtime, ==, before.runtime);
    g_assert_cmpuint(child.policy, ==, before.policy);
    g_assert_cmpint(child.nice, ==, before.nice);
    g_assert_cmpuint(child.runtime, ==, before.runtime);
}

static void
test_to_string(void)
{
    g_autoptr(virCommand) cmd = virCommandNew("/bin/echo");
    g_autofree char *s = NULL;

    virCommandAddEnvPair(cmd, "LC_ALL", "C");
    virCommandAddArgList(cmd, "a b", "-", "x=1", NULL);
    s = virCommandToString(cmd);
    g_assert_cmpstr(s, ==, "LC_ALL='C' /bin/echo 'a b' - x=1");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/command/argv-env", test_argv_env);
    g_test_add_func("/command/fds-closed", test_fds_closed);
    g_test_add_func("/command/signals-reset", test_signals_reset);
    g_test_add_func("/command/cwd-and-group", test_cwd_and_group);
    g_test_add_func("/command/stdin-delivered", test_stdin_delivered);
    g_test_add_func("/command/stdin-unread", test_stdin_unread);
    g_test_add_func("/command/exit-and-signal", test_exit_and_signal);
    g_test_add_func("/command/capture-cap", test_capture_cap);
    g_test_add_func("/command/spawn-failure", test_spawn_failure);
    g_test_add_func("/command/prompt-start", test_prompt_start);
    g_test_add_func("/command/background-child", test_background_child);
    g_test_add_func("/command/timeout", test_timeout);
    g_test_add_func("/command/timeout-term-ignored", test_timeout_term_ignored);
    g_test_add_func("/command/timeout-leftover-member", test_timeout_leftover_member);
    g_test_add_func("/command/to-string", test_to_string);
    return g_test_run();
}

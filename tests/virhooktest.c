/*
 * virhooktest.c: the hook subsystem with real scripts in a temp dir
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutils.h"
#include "vircommand.h"
#include "virhook.h"

typedef struct {
    char *dir;       /* hooks dir */
    char *ddir;      /* hooks dir/qemu.d */
    char *log;       /* where logging scripts append */
    virHookConfig *cfg;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->dir = g_dir_make_tmp("virhooktest-XXXXXX", &err);
    g_assert_no_error(err);
    f->ddir = g_build_filename(f->dir, "qemu.d", NULL);
    g_assert_cmpint(g_mkdir(f->ddir, 0755), ==, 0);
    f->log = g_build_filename(f->dir, "calls.log", NULL);
    f->cfg = virHookConfigNew(f->dir);
    virHookSetConfig(f->cfg);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
    virHookSetConfig(NULL);
    virHookConfigUnref(f->cfg);
    testRemoveTree(f->dir);
    g_free(f->dir);
    g_free(f->ddir);
    g_free(f->log);
}

/* A script that logs "$0|$1|$2|$3|$4|argc" and selected env to f->log. */
static char *
logging_script(Fixture *f, const char *dir, const char *name)
{
    g_autofree char *body = g_strdup_printf(
        "#!/bin/sh\n"
        "printf '%%s|%%s|%%s|%%s|%%s|%%s\\n' \"$0\" \"$1\" \"$2\" \"$3\" \"$4\" \"$#\" >> '%s'\n",
        f->log);

    return testWriteScript(dir, name, body);
}

static char *
read_log(Fixture *f)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(f->log, &text, NULL, NULL))
        return g_strdup("");
    return g_steal_pointer(&text);
}

static gboolean
call_prepare(const char *object, const virHookContext *ctx, const char *input, GError **err)
{
    return virHookCall(VIR_HOOK_DRIVER_QEMU, object, VIR_HOOK_QEMU_OP_PREPARE,
                       VIR_HOOK_SUBOP_BEGIN, NULL, ctx, input, NULL, err);
}

static void
test_no_scripts(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_no_error(err);
}

static void
test_order_and_skipping(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *sub = g_build_filename(f->ddir, "per-vm-folder", NULL);
    g_autofree char *noexec = g_build_filename(f->ddir, "05-noexec", NULL);
    g_autofree char *link = g_build_filename(f->ddir, "30-link", NULL);
    g_autofree char *dangling = g_build_filename(f->ddir, "31-dangling", NULL);
    g_autofree char *target = NULL;
    g_autofree char *log = NULL;
    g_autofree char *expected = NULL;
    const char *skipped[] = {".hidden", "x~", "x.dpkg-old", "x.dpkg-new", "x.dpkg-dist",
                             "x.rpmsave", "x.rpmnew", "x.bak", "x.swp"};

    g_free(logging_script(f, f->dir, "qemu"));
    g_free(logging_script(f, f->ddir, "10-b"));
    g_free(logging_script(f, f->ddir, "1-a"));
    g_free(logging_script(f, f->ddir, "100-c"));
    g_free(logging_script(f, f->ddir, "Z-upper"));
    g_free(logging_script(f, f->ddir, "with space"));
    for (size_t i = 0; i < G_N_ELEMENTS(skipped); i++)
        g_free(logging_script(f, f->ddir, skipped[i]));
    g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
    g_free(logging_script(f, sub, "inside"));
    g_assert_true(g_file_set_contents(noexec, "#!/bin/sh\nexit 1\n", -1, NULL));
    g_assert_cmpint(g_chmod(noexec, 0644), ==, 0);
    target = logging_script(f, f->dir, "elsewhere.sh");
    g_assert_cmpint(symlink(target, link), ==, 0);
    g_assert_cmpint(symlink("/nonexistent", dangling), ==, 0);

    g_assert_true(call_prepare("my vm", NULL, "<domain/>", &err));
    g_assert_no_error(err);

    log = read_log(f);
    expected = g_strdup_printf("%1$s/qemu|my vm|prepare|begin|-|4\n"
                               "%1$s/qemu.d/1-a|my vm|prepare|begin|-|4\n"
                               "%1$s/qemu.d/10-b|my vm|prepare|begin|-|4\n"
                               "%1$s/qemu.d/100-c|my vm|prepare|begin|-|4\n"
                               "%1$s/qemu.d/30-link|my vm|prepare|begin|-|4\n"
                               "%1$s/qemu.d/Z-upper|my vm|prepare|begin|-|4\n"
                               "%1$s/qemu.d/with space|my vm|prepare|begin|-|4\n",
                               f->dir);
    g_assert_cmpstr(log, ==, expected);
}

static void
test_discover_only_dir(Fixture *f, gconstpointer data)
{
    g_autoptr(GPtrArray) scripts = NULL;
    g_autofree char *lxcd = g_build_filename(f->dir, "lxc.d", NULL);

    g_assert_cmpint(g_mkdir(lxcd, 0755), ==, 0);
    g_free(logging_script(f, lxcd, "50-only"));
    scripts = virHookDiscover(f->dir, VIR_HOOK_DRIVER_LXC);
    g_assert_cmpuint(scripts->len, ==, 1);
    g_assert_true(g_str_has_suffix(g_ptr_array_index(scripts, 0), "/lxc.d/50-only"));
    g_ptr_array_unref(g_steal_pointer(&scripts));
    scripts = virHookDiscover(f->dir, VIR_HOOK_DRIVER_NETWORK);
    g_assert_cmpuint(scripts->len, ==, 0);
}

static void
test_dashes_and_extra(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *log = NULL;
    g_autofree char *expected = NULL;

    g_free(logging_script(f, f->dir, "daemon"));
    g_free(logging_script(f, f->dir, "qemu"));
    g_assert_true(virHookCall(VIR_HOOK_DRIVER_DAEMON, NULL, VIR_HOOK_DAEMON_OP_START,
                              VIR_HOOK_SUBOP_NONE, "start", NULL, NULL, NULL, &err));
    g_assert_true(virHookCall(VIR_HOOK_DRIVER_DAEMON, NULL, VIR_HOOK_DAEMON_OP_RELOAD,
                              VIR_HOOK_SUBOP_BEGIN, "SIGHUP", NULL, NULL, NULL, &err));
    g_assert_true(virHookCall(VIR_HOOK_DRIVER_QEMU, "vm1", VIR_HOOK_QEMU_OP_RELEASE,
                              VIR_HOOK_SUBOP_END, "destroyed", NULL, "<domain/>", NULL, &err));
    g_assert_no_error(err);
    log = read_log(f);
    expected = g_strdup_printf("%1$s/daemon|-|start|-|start|4\n"
                               "%1$s/daemon|-|reload|begin|SIGHUP|4\n"
                               "%1$s/qemu|vm1|release|end|destroyed|4\n",
                               f->dir);
    g_assert_cmpstr(log, ==, expected);
}

/* The helper binary as a filter-op hook: its report comes back as output. */
static char *
helper_report(Fixture *f, const char *object, const virHookContext *ctx, const char *input)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *binary = NULL;
    gsize len;
    char *out = NULL;

    /* the compiled helper itself, so no shell adds to what it sees */
    g_assert_true(g_file_get_contents(COMMANDHELPER, &binary, &len, NULL));
    g_free(testWriteExecutable(f->dir, "qemu", binary, len));
    g_assert_true(virHookCall(VIR_HOOK_DRIVER_QEMU, object, VIR_HOOK_QEMU_OP_RESTORE,
                              VIR_HOOK_SUBOP_BEGIN, NULL, ctx, input, &out, &err));
    g_assert_no_error(err);
    g_assert_nonnull(out);
    return out;
}

static void
test_environment(Fixture *f, gconstpointer data)
{
    virHookContext ctx = {.uuid = "c7a5fdbd-cdaf-9455-926a-d65c16db1809",
                          .reason = "shutdown", .detail = "guest", .id = 3, .pid = 4242,
                          .reconnect = TRUE};
    g_autofree char *out = NULL;
    g_autofree char *expected = NULL;
    GString *env = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;
    g_autofree char *envtext = NULL;

    virHookConfigSetOpTimeout(f->cfg, VIR_HOOK_DRIVER_QEMU, VIR_HOOK_QEMU_OP_RESTORE, 33);
    out = helper_report(f, "vm", &ctx, "<domain/>");
    lines = g_strsplit(out, "\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "env="))
            g_string_append_printf(env, "%s\n", lines[i] + 4);
    }
    envtext = g_string_free(env, FALSE);
    expected = g_strdup_printf("LC_ALL=C\n"
                               "%s%s%s"
                               "PATH=%s\n"
                               "HOME=/root\n"
                               "%s%s%s"
                               "%s%s%s"
                               "VIRTD_HOOK_DRIVER=qemu\n"
                               "VIRTD_HOOK_OBJECT=vm\n"
                               "VIRTD_HOOK_OP=restore\n"
                               "VIRTD_HOOK_SUBOP=begin\n"
                               "VIRTD_HOOK_TIMEOUT=33\n"
                               "VIRTD_HOOK_UUID=c7a5fdbd-cdaf-9455-926a-d65c16db1809\n"
                               "VIRTD_HOOK_REASON=shutdown\n"
                               "VIRTD_HOOK_DETAIL=guest\n"
                               "VIRTD_HOOK_ID=3\n"
                               "VIRTD_HOOK_PID=4242\n"
                               "VIRTD_HOOK_RECONNECT=1\n",
                               g_getenv("LD_LIBRARY_PATH") ? "LD_LIBRARY_PATH=" : "",
                               g_getenv("LD_LIBRARY_PATH") ? g_getenv("LD_LIBRARY_PATH") : "",
                               g_getenv("LD_LIBRARY_PATH") ? "\n" : "", g_getenv("PATH"),
                               g_getenv("USER") ? "USER=" : "",
                               g_getenv("USER") ? g_getenv("USER") : "",
                               g_getenv("USER") ? "\n" : "",
                               g_getenv("LOGNAME") ? "LOGNAME=" : "",
                               g_getenv("LOGNAME") ? g_getenv("LOGNAME") : "",
                               g_getenv("LOGNAME") ? "\n" : "");
    g_assert_cmpstr(envtext, ==, expected);
}

static void
test_fds_cwd_group(Fixture *f, gconstpointer data)
{
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;
    GString *fds = g_string_new(NULL);
    g_autofree char *fdtext = NULL;
    char *pid = NULL, *pgid = NULL;

    out = helper_report(f, "vm", NULL, "<domain/>");
    lines = g_strsplit(out, "\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "fd="))
            g_string_append_printf(fds, "%s ", lines[i] + 3);
        if (g_str_has_prefix(lines[i], "pid="))
            pid = lines[i] + 4;
        if (g_str_has_prefix(lines[i], "pgid="))
            pgid = lines[i] + 5;
    }
    fdtext = g_string_free(fds, FALSE);
    g_assert_cmpstr(fdtext, ==, "0 1 2 ");
    g_assert_nonnull(strstr(out, "\ncwd=/\n"));
    g_assert_nonnull(pid);
    g_assert_cmpstr(pid, ==, pgid);
}

static void
test_stdin(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *copy = g_build_filename(f->dir, "stdin.copy", NULL);
    g_autofree char *fd0 = g_build_filename(f->dir, "fd0", NULL);
    g_autofree char *body = g_strdup_printf("#!/bin/sh\ncat > '%s'\nreadlink /proc/self/fd/0 "
                                            "> '%s'\n",
                                            copy, fd0);
    g_autofree char *got = NULL;
    g_autofree char *link = NULL;
    const char *xml = "<domain type='qemu'>\n  <name>vm</name>\n</domain>\n";

    g_free(testWriteScript(f->dir, "qemu", body));
    g_free(testWriteScript(f->dir, "daemon", body));
    g_assert_true(call_prepare("vm", NULL, xml, &err));
    g_assert_true(g_file_get_contents(copy, &got, NULL, NULL));
    g_assert_cmpstr(got, ==, xml);

    g_clear_pointer(&got, g_free);
    g_assert_true(virHookCall(VIR_HOOK_DRIVER_DAEMON, NULL, VIR_HOOK_DAEMON_OP_START,
                              VIR_HOOK_SUBOP_NONE, "start", NULL, NULL, NULL, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_get_contents(copy, &got, NULL, NULL));
    g_assert_cmpstr(got, ==, "");
    g_assert_true(g_file_get_contents(fd0, &link, NULL, NULL));
    g_assert_cmpstr(link, ==, "/dev/null\n");
}

static void
test_big_input_unread(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    gsize len = 10 * 1024 * 1024;
    g_autofree char *xml = g_malloc(len + 1);
    gint64 t0;

    memset(xml, 'x', len);
    xml[len] = '\0';
    g_free(testWriteScript(f->dir, "qemu", "#!/bin/sh\nexit 0\n"));
    g_free(logging_script(f, f->ddir, "01-log"));
    virHookConfigSetTimeout(f->cfg, 30);
    t0 = g_get_monotonic_time();
    g_assert_true(call_prepare("vm", NULL, xml, &err));
    g_assert_no_error(err);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 10 * G_USEC_PER_SEC);
}

static void
test_failures(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *log = NULL;
    g_autofree char *expected_msg = NULL;

    g_free(testWriteScript(f->dir, "qemu", "#!/bin/sh\necho 'guest vm refused: no quota' >&2\n"
                                           "exit 4\n"));
    g_free(logging_script(f, f->ddir, "01-log"));
    g_free(testWriteScript(f->ddir, "02-fail", "#!/bin/sh\necho second >&2\nexit 5\n"));
    g_free(logging_script(f, f->ddir, "03-log"));

    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_FAILED);
    expected_msg = g_strdup_printf("hook script '%s/qemu' failed (exit status 4): guest vm "
                                   "refused: no quota (and 1 other hook script failed)",
                                   f->dir);
    g_assert_cmpstr(err->message, ==, expected_msg);
    /* everything ran even after the first failure */
    log = read_log(f);
    g_assert_nonnull(strstr(log, "/qemu.d/01-log|"));
    g_assert_nonnull(strstr(log, "/qemu.d/03-log|"));
}

static void
test_signal_and_exec_failure(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *expected2 = NULL;

    g_free(testWriteScript(f->dir, "qemu", "#!/bin/sh\nkill -SEGV $$\n"));
    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_FAILED);
    expected = g_strdup_printf("hook script '%s/qemu' failed (killed by signal 11 (SIGSEGV)): "
                               "no error output",
                               f->dir);
    g_assert_cmpstr(err->message, ==, expected);

    /* it never ran: refused, with vircommand's reason */
    g_free(testWriteScript(f->dir, "qemu", "#!/nonexistent/interpreter\n"));
    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err2));
    g_assert_error(err2, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED);
    expected2 = g_strdup_printf("hook script '%1$s/qemu' failed: cannot execute '%1$s/qemu': "
                                "No such file or directory",
                                f->dir);
    g_assert_cmpstr(err2->message, ==, expected2);
}

static void
test_stderr_capped(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    g_free(testWriteScript(f->dir, "qemu", "#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' e "
                                           ">&2\nexit 1\n"));
    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_cmpuint(strlen(err->message), <, 4096 + 200);
    g_assert_true(g_str_has_suffix(err->message, "eee..."));
}

/* A script's terminal escapes never reach the message: C0 controls but
 * newline and tab, and DEL, are written as \xNN. */
static void
test_stderr_controls_escaped(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *expected = NULL;

    g_free(testWriteScript(f->dir, "qemu",
                           "#!/bin/sh\nprintf '\\033[31mred\\033[0m\\a\\tt\\r\\nline2\\177x' >&2\n"
                           "exit 1\n"));
    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_FAILED);
    expected = g_strdup_printf("hook script '%s/qemu' failed (exit status 1): "
                               "\\x1b[31mred\\x1b[0m\\x07\tt\\x0d\nline2\\x7fx",
                               f->dir);
    g_assert_cmpstr(err->message, ==, expected);
}

static void
test_timeout(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *pidfile = g_build_filename(f->dir, "pid", NULL);
    g_autofree char *body = g_strdup_printf("#!/bin/sh\necho $$ > '%s'\nsleep 600\n", pidfile);
    g_autofree char *pidtext = NULL;
    g_autofree char *expected = NULL;
    gint64 t0, elapsed;

    g_free(testWriteScript(f->dir, "qemu", body));
    virHookConfigSetDriverTimeout(f->cfg, VIR_HOOK_DRIVER_QEMU, 1);
    virHookConfigSetGrace(f->cfg, 60 * 1000);
    t0 = g_get_monotonic_time();
    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    elapsed = g_get_monotonic_time() - t0;

    expected = g_strdup_printf("hook script '%s/qemu' failed (timed out after 1 s): no error "
                               "output",
                               f->dir);
    g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_TIMED_OUT);
    g_assert_cmpstr(err->message, ==, expected);
    g_assert_cmpint(elapsed, >=, 1 * G_USEC_PER_SEC);
    /* the script dies on SIGTERM: the 60 s grace period is not waited for */
    g_assert_cmpint(elapsed, <, (1 + 10) * G_USEC_PER_SEC);
    g_assert_true(g_file_get_contents(pidfile, &pidtext, NULL, NULL));
    g_assert_true(testProcessGroupGone(atoi(pidtext)));
}

static void
test_timeout_term_ignored(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *pidfile = g_build_filename(f->dir, "pid", NULL);
    g_autofree char *body = g_strdup_printf("#!/bin/sh\necho $$ > '%s'\ntrap '' TERM\n"
                                            "sleep 600 &\nsleep 600\n",
                                            pidfile);
    g_autofree char *pidtext = NULL;
    gint64 t0, elapsed;

    g_free(testWriteScript(f->dir, "qemu", body));
    virHookConfigSetOpTimeout(f->cfg, VIR_HOOK_DRIVER_QEMU, VIR_HOOK_QEMU_OP_PREPARE, 1);
    virHookConfigSetGrace(f->cfg, 200);
    t0 = g_get_monotonic_time();
    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    elapsed = g_get_monotonic_time() - t0;

    g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_TIMED_OUT);
    g_assert_nonnull(strstr(err->message, "(timed out after 1 s)"));
    g_assert_cmpint(elapsed, >=, (1000 + 200) * 1000);
    /* SIGKILL at the end of this grace, not of the default one (5 s) */
    g_assert_cmpint(elapsed, <, (1000 + 200 + 3500) * 1000);
    G_STATIC_ASSERT(1000 + 200 + 3500 < 1000 + VIR_COMMAND_DEFAULT_GRACE_MS);
    g_assert_true(g_file_get_contents(pidfile, &pidtext, NULL, NULL));
    g_assert_true(testProcessGroupGone(atoi(pidtext)));
}

/* Several failures: the error carries the first one's code and message. */
static void
test_first_failure_code(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *expected2 = NULL;
    g_autofree char *slow = NULL;

    slow = testWriteScript(f->ddir, "01-slow", "#!/bin/sh\nexec sleep 600\n");
    g_free(testWriteScript(f->ddir, "02-fail", "#!/bin/sh\necho no >&2\nexit 2\n"));
    virHookConfigSetDriverTimeout(f->cfg, VIR_HOOK_DRIVER_QEMU, 1);

    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_TIMED_OUT);
    expected = g_strdup_printf("hook script '%s' failed (timed out after 1 s): no error output "
                               "(and 1 other hook script failed)",
                               slow);
    g_assert_cmpstr(err->message, ==, expected);

    /* the same two failures the other way round */
    g_assert_cmpint(g_unlink(slow), ==, 0);
    g_free(testWriteScript(f->ddir, "03-slow", "#!/bin/sh\nexec sleep 600\n"));
    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err2));
    g_assert_error(err2, VIR_HOOK_ERROR, VIR_HOOK_ERROR_FAILED);
    expected2 = g_strdup_printf("hook script '%s/02-fail' failed (exit status 2): no (and 1 other "
                                "hook script failed)",
                                f->ddir);
    g_assert_cmpstr(err2->message, ==, expected2);
}

static void
test_background_child(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *pidfile = g_build_filename(f->dir, "pid", NULL);
    g_autofree char *body = g_strdup_printf("#!/bin/sh\necho $$ > '%s'\nsleep 600 &\n"
                                            "echo left running\nexit 0\n",
                                            pidfile);
    g_autofree char *pidtext = NULL;
    gint64 t0;

    g_free(testWriteScript(f->dir, "qemu", body));
    virHookConfigSetTimeout(f->cfg, 600);
    t0 = g_get_monotonic_time();
    g_assert_true(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_no_error(err);
    /* waiting for EOF would mean waiting for the 600 s timeout; 5 s is
     * generous for starting /bin/sh on a loaded machine */
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);

    /* not killed on a normal exit: clean up our own leftover */
    g_assert_true(g_file_get_contents(pidfile, &pidtext, NULL, NULL));
    g_assert_true(testProcessGroupAlive(atoi(pidtext)));
    kill(-atoi(pidtext), SIGKILL);
}

static void
test_added_between_calls(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *log = NULL;
    g_autofree char *expected = NULL;

    g_assert_true(call_prepare("vm", NULL, "<domain/>", &err));
    g_free(logging_script(f, f->ddir, "50-new"));
    g_assert_true(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_no_error(err);
    log = read_log(f);
    expected = g_strdup_printf("%s/qemu.d/50-new|vm|prepare|begin|-|4\n", f->dir);
    g_assert_cmpstr(log, ==, expected);
}

static void
test_permissions(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;
    g_autofree char *script = NULL;
    g_autofree char *other = NULL;
    g_autofree char *log = NULL;
    g_autofree char *expected = NULL;

    if (geteuid() != 0) {
        g_test_skip("the permission check applies when running as root");
        return;
    }
    script = logging_script(f, f->dir, "qemu");
    g_assert_cmpint(g_chmod(script, 0775), ==, 0);
    other = logging_script(f, f->ddir, "01-nobody");
    g_assert_cmpint(chown(other, 65534, 0), ==, 0);

    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED);
    expected = g_strdup_printf("hook script '%1$s' refused: it must be owned by root and not "
                               "writable by group or others (run 'chown root %1$s && chmod go-w "
                               "%1$s', or set allow_unsafe_permissions = true in [hooks]) (and 1 "
                               "other hook script failed)",
                               script);
    g_assert_cmpstr(err->message, ==, expected);
    log = read_log(f);
    g_assert_cmpstr(log, ==, "");

    virHookConfigSetAllowUnsafe(f->cfg, TRUE);
    g_assert_true(call_prepare("vm", NULL, "<domain/>", &err2));
    g_assert_no_error(err2);
    g_clear_pointer(&log, g_free);
    log = read_log(f);
    g_assert_nonnull(strstr(log, "/qemu|vm|"));
    g_assert_nonnull(strstr(log, "/01-nobody|vm|"));
}

/* The message for a directory on a script's path that others than root
 * can change, and the command it names. */
static char *
dir_refusal(const char *script, const char *dir, const char *fix)
{
    return g_strdup_printf("hook script '%s' refused: directory '%s' on its path must be owned "
                           "by root and not writable by group or others unless sticky (run "
                           "'%s', or set allow_unsafe_permissions = true in [hooks])",
                           script, dir, fix);
}

/* @parent with @mode and @uid, holding hooks/qemu (a logging script,
 * root's, 0755): returns the path of hooks/. */
static char *
hooks_under(Fixture *f, const char *parent_name, mode_t mode, uid_t uid)
{
    g_autofree char *parent = g_build_filename(f->dir, parent_name, NULL);
    char *hooks = g_build_filename(parent, "hooks", NULL);

    g_assert_cmpint(g_mkdir(parent, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(hooks, 0755), ==, 0);
    g_free(logging_script(f, hooks, "qemu"));
    g_assert_cmpint(chown(parent, uid, 0), ==, 0);
    g_assert_cmpint(g_chmod(parent, mode), ==, 0);
    return hooks;
}

/* Every directory on a script's path must be such that only root can
 * change its entries: else whoever can write it can swap the script
 * (for a symbolic link to any root-owned program, say). */
static void
test_permissions_directories(Fixture *f, gconstpointer data)
{
    struct {
        const char *name;
        mode_t mode;
        uid_t uid;
        gboolean chown;   /* the fix: chown root, chmod go-w, or both */
        gboolean chmod;
    } cases[] = {
        {"world-writable", 0777, 0, FALSE, TRUE},
        {"group-writable", 0775, 0, FALSE, TRUE},
        {"nobodys", 0755, 65534, TRUE, FALSE},
        {"nobodys-writable", 0757, 65534, TRUE, TRUE},
        {"nobodys-sticky", 01777, 65534, TRUE, FALSE},
    };

    if (geteuid() != 0) {
        g_test_skip("the permission check applies when running as root");
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *hooks = hooks_under(f, cases[i].name, cases[i].mode, cases[i].uid);
        g_autofree char *parent = g_path_get_dirname(hooks);
        g_autofree char *script = g_build_filename(hooks, "qemu", NULL);
        g_autofree char *fix = NULL;
        g_autofree char *expected = NULL;
        g_autofree char *log = NULL;

        if (cases[i].chown && cases[i].chmod)
            fix = g_strdup_printf("chown root %1$s && chmod go-w %1$s", parent);
        else
            fix = g_strdup_printf(cases[i].chown ? "chown root %s" : "chmod go-w %s", parent);
        expected = dir_refusal(script, parent, fix);
        virHookConfigSetDir(f->cfg, hooks);
        g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
        g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED);
        g_assert_cmpstr(err->message, ==, expected);
        log = read_log(f);
        g_assert_cmpstr(log, ==, "");
    }

    /* the switch that turns the file check off turns this one off too */
    virHookConfigSetAllowUnsafe(f->cfg, TRUE);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *hooks = g_build_filename(f->dir, cases[i].name, "hooks", NULL);
        g_autofree char *log = NULL;
        g_autofree char *expected = g_strdup_printf("%s/qemu|vm|prepare|begin|-|4\n", hooks);

        virHookConfigSetDir(f->cfg, hooks);
        g_assert_true(call_prepare("vm", NULL, "<domain/>", &err));
        g_assert_no_error(err);
        log = read_log(f);
        g_assert_cmpstr(log, ==, expected);
        g_assert_cmpint(g_unlink(f->log), ==, 0);
    }
}

/* The check is made for each script on its own path: a writable qemu.d
 * refuses its scripts, not the main one. */
static void
test_permissions_dot_d_dir(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *script = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *fix = NULL;
    g_autofree char *log = NULL;

    if (geteuid() != 0) {
        g_test_skip("the permission check applies when running as root");
        return;
    }
    g_free(logging_script(f, f->dir, "qemu"));
    script = logging_script(f, f->ddir, "10-in-writable-dir");
    g_assert_cmpint(g_chmod(f->ddir, 0777), ==, 0);

    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED);
    fix = g_strdup_printf("chmod go-w %s", f->ddir);
    expected = dir_refusal(script, f->ddir, fix);
    g_assert_cmpstr(err->message, ==, expected);
    g_clear_pointer(&expected, g_free);
    log = read_log(f);
    expected = g_strdup_printf("%s/qemu|vm|prepare|begin|-|4\n", f->dir);
    g_assert_cmpstr(log, ==, expected);
}

/* A root-owned directory with the sticky bit (/tmp) is accepted however
 * writable: others cannot rename or remove root's entries in it. */
static void
test_permissions_sticky_dir(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *hooks = NULL;
    g_autofree char *log = NULL;
    g_autofree char *expected = NULL;

    if (geteuid() != 0) {
        g_test_skip("the permission check applies when running as root");
        return;
    }
    hooks = hooks_under(f, "sticky", 01777, 0);
    virHookConfigSetDir(f->cfg, hooks);
    g_assert_true(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_no_error(err);
    log = read_log(f);
    expected = g_strdup_printf("%s/qemu|vm|prepare|begin|-|4\n", hooks);
    g_assert_cmpstr(log, ==, expected);
}

/* The directories reached through symbolic links count too, and so does
 * who owns a link in a sticky directory (its owner may replace it). */
static void
test_permissions_symlinks(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err2 = NULL;
    g_autoptr(GError) err3 = NULL;
    g_autofree char *open_dir = g_build_filename(f->dir, "open", NULL);
    g_autofree char *sticky = g_build_filename(f->dir, "sticky", NULL);
    g_autofree char *target = NULL;
    g_autofree char *safe = NULL;
    g_autofree char *nobodys_link = g_build_filename(sticky, "nobodys-link", NULL);
    g_autofree char *roots_link = g_build_filename(sticky, "roots-link", NULL);
    g_autofree char *link = g_build_filename(f->ddir, "10-link", NULL);
    g_autofree char *fix = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *log = NULL;

    if (geteuid() != 0) {
        g_test_skip("the permission check applies when running as root");
        return;
    }
    g_assert_cmpint(g_mkdir(open_dir, 0755), ==, 0);
    target = logging_script(f, open_dir, "target");
    g_assert_cmpint(g_chmod(open_dir, 0777), ==, 0);
    safe = logging_script(f, f->dir, "safe-target");
    g_assert_cmpint(g_mkdir(sticky, 0755), ==, 0);
    g_assert_cmpint(g_chmod(sticky, 01777), ==, 0);
    /* relative, through "..": resolved as the kernel does */
    g_assert_cmpint(symlink("../qemu.d/../open/target", link), ==, 0);

    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_error(err, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED);
    fix = g_strdup_printf("chmod go-w %s", open_dir);
    expected = dir_refusal(link, open_dir, fix);
    g_assert_cmpstr(err->message, ==, expected);

    g_assert_cmpint(g_unlink(link), ==, 0);
    g_assert_cmpint(symlink(safe, nobodys_link), ==, 0);
    g_assert_cmpint(lchown(nobodys_link, 65534, 65534), ==, 0);
    g_assert_cmpint(symlink(nobodys_link, link), ==, 0);
    g_assert_false(call_prepare("vm", NULL, "<domain/>", &err2));
    g_assert_error(err2, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED);
    g_clear_pointer(&expected, g_free);
    expected = g_strdup_printf("hook script '%s' refused: symbolic link '%s' on its path is in "
                               "a directory others can write and is not owned by root (run "
                               "'chown -h root %s', or set allow_unsafe_permissions = true in "
                               "[hooks])",
                               link, nobodys_link, nobodys_link);
    g_assert_cmpstr(err2->message, ==, expected);
    log = read_log(f);
    g_assert_cmpstr(log, ==, "");

    /* root's link in the same sticky directory is fine */
    g_assert_cmpint(g_unlink(link), ==, 0);
    g_assert_cmpint(symlink(safe, roots_link), ==, 0);
    g_assert_cmpint(symlink(roots_link, link), ==, 0);
    g_assert_true(call_prepare("vm", NULL, "<domain/>", &err3));
    g_assert_no_error(err3);
    g_clear_pointer(&log, g_free);
    g_clear_pointer(&expected, g_free);
    log = read_log(f);
    expected = g_strdup_printf("%s|vm|prepare|begin|-|4\n", link);
    g_assert_cmpstr(log, ==, expected);
}

static void
test_filter_chaining(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *seen = g_build_filename(f->dir, "seen", NULL);
    g_autofree char *body2 = g_strdup_printf("#!/bin/sh\ncat > '%s'\necho '  '\n", seen);
    g_autofree char *got = NULL;
    char *out = NULL;

    g_free(testWriteScript(f->dir, "qemu", "#!/bin/sh\ncat >/dev/null\n"
                                           "echo '<domain><description>changed</description>"
                                           "</domain>'\n"));
    g_free(testWriteScript(f->ddir, "01-see", body2));
    g_assert_true(virHookCall(VIR_HOOK_DRIVER_QEMU, "vm", VIR_HOOK_QEMU_OP_RESTORE,
                              VIR_HOOK_SUBOP_BEGIN, NULL, NULL, "<domain/>", &out, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "<domain><description>changed</description></domain>\n");
    g_assert_true(g_file_get_contents(seen, &got, NULL, NULL));
    g_assert_cmpstr(got, ==, out);
    g_free(out);

    /* not a filter op: stdout is ignored */
    out = (char *)"unset";
    g_assert_true(call_prepare("vm", NULL, "<domain/>", &err));
    g_assert_true(virHookCall(VIR_HOOK_DRIVER_QEMU, "vm", VIR_HOOK_QEMU_OP_PREPARE,
                              VIR_HOOK_SUBOP_BEGIN, NULL, NULL, "<domain/>", &out, &err));
    g_assert_null(out);
}

static void
test_timeout_precedence(void)
{
    g_autoptr(virHookConfig) cfg = virHookConfigNew("/nonexistent");

    g_assert_cmpuint(virHookConfigGetTimeout(cfg, VIR_HOOK_DRIVER_QEMU, VIR_HOOK_QEMU_OP_START),
                     ==, 120);
    virHookConfigSetTimeout(cfg, 60);
    virHookConfigSetDriverTimeout(cfg, VIR_HOOK_DRIVER_QEMU, 0);
    virHookConfigSetOpTimeout(cfg, VIR_HOOK_DRIVER_QEMU, VIR_HOOK_QEMU_OP_START, 10);
    g_assert_cmpuint(virHookConfigGetTimeout(cfg, VIR_HOOK_DRIVER_QEMU, VIR_HOOK_QEMU_OP_START),
                     ==, 10);
    g_assert_cmpuint(virHookConfigGetTimeout(cfg, VIR_HOOK_DRIVER_QEMU,
                                             VIR_HOOK_QEMU_OP_PREPARE),
                     ==, 0);
    g_assert_cmpuint(virHookConfigGetTimeout(cfg, VIR_HOOK_DRIVER_LXC, VIR_HOOK_LXC_OP_START),
                     ==, 60);
}

static void
test_enums(void)
{
    g_assert_cmpstr(virHookDriverTypeToString(VIR_HOOK_DRIVER_NETWORK), ==, "network");
    g_assert_cmpint(virHookDriverTypeFromString("lxc"), ==, VIR_HOOK_DRIVER_LXC);
    g_assert_cmpint(virHookDriverTypeFromString("libxl"), ==, -1);
    g_assert_cmpstr(virHookOpToString(VIR_HOOK_DRIVER_NETWORK, VIR_HOOK_NETWORK_OP_PORT_CREATED),
                    ==, "port-created");
    g_assert_cmpint(virHookOpFromString(VIR_HOOK_DRIVER_QEMU, "reconnect"), ==,
                    VIR_HOOK_QEMU_OP_RECONNECT);
    g_assert_cmpint(virHookOpFromString(VIR_HOOK_DRIVER_LXC, "migrate"), ==, -1);
    g_assert_null(virHookOpToString(VIR_HOOK_DRIVER_DAEMON, VIR_HOOK_DAEMON_OP_LAST));
    g_assert_cmpstr(virHookSubopTypeToString(VIR_HOOK_SUBOP_NONE), ==, "-");
}

#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main(int argc, char **argv)
{
    /* before any thread exists: the environment the hooks must not leak */
    g_setenv("VIRTD_TEST_MARKER", "must-not-leak", TRUE);
    g_setenv("HOME", "/root", TRUE);
    g_unsetenv("TMPDIR");
    g_unsetenv("LD_PRELOAD");

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hook/enums", test_enums);
    g_test_add_func("/hook/timeout-precedence", test_timeout_precedence);
    ADD("/hook/no-scripts", test_no_scripts);
    ADD("/hook/order-and-skipping", test_order_and_skipping);
    ADD("/hook/discover-only-dir", test_discover_only_dir);
    ADD("/hook/dashes-and-extra", test_dashes_and_extra);
    ADD("/hook/environment", test_environment);
    ADD("/hook/fds-cwd-group", test_fds_cwd_group);
    ADD("/hook/stdin", test_stdin);
    ADD("/hook/big-input-unread", test_big_input_unread);
    ADD("/hook/failures", test_failures);
    ADD("/hook/signal-and-exec-failure", test_signal_and_exec_failure);
    ADD("/hook/stderr-capped", test_stderr_capped);
    ADD("/hook/stderr-controls-escaped", test_stderr_controls_escaped);
    ADD("/hook/timeout", test_timeout);
    ADD("/hook/timeout-term-ignored", test_timeout_term_ignored);
    ADD("/hook/first-failure-code", test_first_failure_code);
    ADD("/hook/background-child", test_background_child);
    ADD("/hook/added-between-calls", test_added_between_calls);
    ADD("/hook/permissions", test_permissions);
    ADD("/hook/permissions-directories", test_permissions_directories);
    ADD("/hook/permissions-dot-d-dir", test_permissions_dot_d_dir);
    ADD("/hook/permissions-sticky-dir", test_permissions_sticky_dir);
    ADD("/hook/permissions-symlinks", test_permissions_symlinks);
    ADD("/hook/filter-chaining", test_filter_chaining);
    return g_test_run();
}

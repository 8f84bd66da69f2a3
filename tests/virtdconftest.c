/*
 * virtdconftest.c: parsing virtd.conf, good files and every kind of bad one
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "testutils.h"
#include "virtd_conf.h"

static char *tmpdir;

static char *
write_conf(const char *text)
{
    g_autofree char *path = g_build_filename(tmpdir, "virtd.conf", NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return g_steal_pointer(&path);
}

static void
test_defaults(void)
{
    g_autoptr(virtdConfig) cfg = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *missing = g_build_filename(tmpdir, "does-not-exist.conf", NULL);

    cfg = virtdConfigLoad(missing, FALSE, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(cfg->conf_dir, ==, VIRTD_DEFAULT_CONF_DIR);
    g_assert_cmpstr(cfg->state_dir, ==, VIRTD_DEFAULT_STATE_DIR);
    g_assert_cmpstr(cfg->run_dir, ==, VIRTD_DEFAULT_RUN_DIR);
    g_assert_cmpstr(virHookConfigGetDir(cfg->hooks), ==, VIRTD_DEFAULT_HOOKS_DIR);
    g_assert_cmpint(cfg->reconnect_failure, ==, VIR_CONF_RECONNECT_FAILURE_KEEP);
    g_assert_cmpint(cfg->network_port_ops, ==, VIR_CONF_NETWORK_PORT_OPS_PLUGGED);
    g_assert_cmpstr(cfg->qemu_emulator, ==, "/usr/bin/qemu-system-x86_64");
    g_assert_cmpuint(cfg->qemu_job_wait, ==, 60);
    g_assert_cmpuint(cfg->server.max_clients, ==, 5000);
    g_assert_cmpuint(cfg->server.max_readonly_clients, ==, 1000);
    g_assert_cmpuint(cfg->server.max_clients_per_uid, ==, 64);
    g_assert_cmpuint(cfg->server.open_timeout, ==, 30);
    g_assert_cmpuint(cfg->server.frame_timeout, ==, 30);
    g_assert_cmpuint(cfg->server.keepalive_interval, ==, 5);
    g_assert_cmpuint(cfg->server.keepalive_count, ==, 5);
    g_assert_cmpuint(cfg->server.input_budget, ==, 256);
    g_assert_cmpuint(virHookConfigGetTimeout(cfg->hooks, VIR_HOOK_DRIVER_QEMU,
                                             VIR_HOOK_QEMU_OP_START),
                     ==, 120);

    g_assert_null(virtdConfigLoad(missing, TRUE, &err));
    g_assert_error(err, VIR_CONF_ERROR, VIR_CONF_ERROR_READ);
    g_assert_nonnull(strstr(err->message, missing));
}

static void
test_full(void)
{
    g_autofree char *path = write_conf("# comment\n"
                                       "[paths]\n"
                                       "conf_dir = /srv/conf\n"
                                       "state_dir = /srv/state\n"
                                       "run_dir = /srv/run\n"
                                       "[hooks]\n"
                                       "dir = /srv/hooks\n"
                                       "timeout = 30\n"
                                       "timeout.qemu = 0\n"
                                       "timeout.qemu.prepare = 5\n"
                                       "timeout.network.port-created = 7\n"
                                       "reconnect_failure = kill\n"
                                       "network_port_ops = port-created\n"
                                       "allow_unsafe_permissions = true\n"
                                       "[qemu]\n"
                                       "emulator = /opt/qemu/bin/qemu-system-x86_64\n"
                                       "job_wait = 5\n"
                                       "[server]\n"
                                       "max_clients = 100\n"
                                       "max_readonly_clients = 0\n"
                                       "max_clients_per_uid = 3\n"
                                       "open_timeout = 0\n"
                                       "frame_timeout = 7\n"
                                       "keepalive_interval = 0\n"
                                       "keepalive_count = 0\n"
                                       "input_budget = 32\n");
    g_autoptr(virtdConfig) cfg = NULL;
    g_autoptr(GError) err = NULL;

    cfg = virtdConfigLoad(path, TRUE, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(cfg->conf_dir, ==, "/srv/conf");
    g_assert_cmpstr(cfg->state_dir, ==, "/srv/state");
    g_assert_cmpstr(cfg->run_dir, ==, "/srv/run");
    g_assert_cmpstr(virHookConfigGetDir(cfg->hooks), ==, "/srv/hooks");
    g_assert_cmpint(cfg->reconnect_failure, ==, VIR_CONF_RECONNECT_FAILURE_KILL);
    g_assert_cmpint(cfg->network_port_ops, ==, VIR_CONF_NETWORK_PORT_OPS_PORT_CREATED);
    g_assert_cmpstr(cfg->qemu_emulator, ==, "/opt/qemu/bin/qemu-system-x86_64");
    g_assert_cmpuint(cfg->qemu_job_wait, ==, 5);
    g_assert_cmpuint(cfg->server.max_clients, ==, 100);
    g_assert_cmpuint(cfg->server.max_readonly_clients, ==, 0);
    g_assert_cmpuint(cfg->server.max_clients_per_uid, ==, 3);
    g_assert_cmpuint(cfg->server.open_timeout, ==, 0);
    g_assert_cmpuint(cfg->server.frame_timeout, ==, 7);
    g_assert_cmpuint(cfg->server.keepalive_interval, ==, 0);
    g_assert_cmpuint(cfg->server.keepalive_count, ==, 0);
    g_assert_cmpuint(cfg->server.input_budget, ==, 32);
    g_assert_cmpuint(virHookConfigGetTimeout(cfg->hooks, VIR_HOOK_DRIVER_QEMU,
                                             VIR_HOOK_QEMU_OP_PREPARE),
                     ==, 5);
    g_assert_cmpuint(virHookConfigGetTimeout(cfg->hooks, VIR_HOOK_DRIVER_QEMU,
                                             VIR_HOOK_QEMU_OP_START),
                     ==, 0);
    g_assert_cmpuint(virHookConfigGetTimeout(cfg->hooks, VIR_HOOK_DRIVER_NETWORK,
                                             VIR_HOOK_NETWORK_OP_PORT_CREATED),
                     ==, 7);
    g_assert_cmpuint(virHookConfigGetTimeout(cfg->hooks, VIR_HOOK_DRIVER_DAEMON,
                                             VIR_HOOK_DAEMON_OP_START),
                     ==, 30);
}

typedef struct {
    const char *text;
    int code;
    const char *message;   /* after the file name and ": " */
} BadCase;

static const BadCase badCases[] = {
    {"[path]\nrun_dir = /x\n", VIR_CONF_ERROR_KEY, "unknown group [path]"},
    {"[paths]\nrundir = /x\n", VIR_CONF_ERROR_KEY, "unknown key 'rundir' in [paths]"},
    {"[paths]\nrun_dir = relative/dir\n", VIR_CONF_ERROR_VALUE,
     "[paths] run_dir: must be an absolute path"},
    {"[hooks]\ntimeuot = 3\n", VIR_CONF_ERROR_KEY, "unknown key 'timeuot' in [hooks]"},
    {"[hooks]\ntimeout = soon\n", VIR_CONF_ERROR_VALUE,
     "[hooks] timeout: 'soon' is not a number of seconds between 0 and 86400"},
    {"[hooks]\ntimeout = -1\n", VIR_CONF_ERROR_VALUE,
     "[hooks] timeout: '-1' is not a number of seconds between 0 and 86400"},
    {"[hooks]\ntimeout = 86401\n", VIR_CONF_ERROR_VALUE,
     "[hooks] timeout: '86401' is not a number of seconds between 0 and 86400"},
    {"[hooks]\ntimeout.libxl = 3\n", VIR_CONF_ERROR_VALUE,
     "[hooks] timeout.libxl: unknown hook driver 'libxl' (expected daemon, qemu, lxc or "
     "network)"},
    {"[hooks]\ntimeout.qemu.frobnicate = 3\n", VIR_CONF_ERROR_VALUE,
     "[hooks] timeout.qemu.frobnicate: unknown qemu hook operation 'frobnicate'"},
    {"[hooks]\ntimeout.lxc.migrate = 3\n", VIR_CONF_ERROR_VALUE,
     "[hooks] timeout.lxc.migrate: unknown lxc hook operation 'migrate'"},
    {"[hooks]\nreconnect_failure = maybe\n", VIR_CONF_ERROR_VALUE,
     "[hooks] reconnect_failure: must be 'keep' or 'kill'"},
    {"[hooks]\nnetwork_port_ops = port-added\n", VIR_CONF_ERROR_VALUE,
     "[hooks] network_port_ops: must be 'plugged' or 'port-created'"},
    {"[hooks]\nallow_unsafe_permissions = perhaps\n", VIR_CONF_ERROR_VALUE,
     "[hooks] allow_unsafe_permissions: must be true or false"},
    {"[hooks]\ndir = hooks\n", VIR_CONF_ERROR_VALUE, "[hooks] dir: must be an absolute path"},
    {"[qemu]\nemulator = qemu\n", VIR_CONF_ERROR_VALUE,
     "[qemu] emulator: must be an absolute path"},
    {"[qemu]\njob_wait = forever\n", VIR_CONF_ERROR_VALUE,
     "[qemu] job_wait: 'forever' is not a number of seconds between 0 and 86400"},
    {"[qemu]\nbinary = /x\n", VIR_CONF_ERROR_KEY, "unknown key 'binary' in [qemu]"},
    {"[server]\nmax_client = 3\n", VIR_CONF_ERROR_KEY, "unknown key 'max_client' in [server]"},
    {"[server]\nmax_clients = 0\n", VIR_CONF_ERROR_VALUE,
     "[server] max_clients: '0' is not a whole number between 1 and 1000000"},
    {"[server]\nmax_clients_per_uid = many\n", VIR_CONF_ERROR_VALUE,
     "[server] max_clients_per_uid: 'many' is not a whole number between 1 and 1000000"},
    {"[server]\nkeepalive_count = 101\n", VIR_CONF_ERROR_VALUE,
     "[server] keepalive_count: '101' is not a whole number between 0 and 100"},
    {"[server]\ninput_budget = 16\n", VIR_CONF_ERROR_VALUE,
     "[server] input_budget: '16' is not a whole number between 32 and 1048576"},
    {"[server]\nframe_timeout = -1\n", VIR_CONF_ERROR_VALUE,
     "[server] frame_timeout: '-1' is not a whole number between 0 and 86400"},
    {"[server]\nmax_clients = 500\n", VIR_CONF_ERROR_VALUE,
     "[server] max_readonly_clients: 1000 must be below max_clients (500), so that read-only "
     "clients cannot take every connection slot"},
};

static void
test_bad(gconstpointer data)
{
    const BadCase *bc = data;
    g_autofree char *path = write_conf(bc->text);
    g_autofree char *expected = g_strdup_printf("%s: %s", path, bc->message);
    g_autoptr(GError) err = NULL;

    g_assert_null(virtdConfigLoad(path, TRUE, &err));
    g_assert_error(err, VIR_CONF_ERROR, bc->code);
    g_assert_cmpstr(err->message, ==, expected);
}

static void
test_not_keyfile(void)
{
    g_autofree char *path = write_conf("this is not a key file\n");
    g_autoptr(GError) err = NULL;

    g_assert_null(virtdConfigLoad(path, TRUE, &err));
    g_assert_error(err, VIR_CONF_ERROR, VIR_CONF_ERROR_READ);
    g_assert_true(g_str_has_prefix(err->message, "cannot load '"));
}

/* The shipped sample must be valid as shipped. */
static void
test_shipped_sample(void)
{
    g_autofree char *path = g_build_filename(SOURCE_DIR, "virtd.conf", NULL);
    g_autoptr(virtdConfig) cfg = NULL;
    g_autoptr(GError) err = NULL;

    cfg = virtdConfigLoad(path, TRUE, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(cfg->run_dir, ==, VIRTD_DEFAULT_RUN_DIR);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("virtdconftest-XXXXXX", &err);
    g_assert_no_error(err);

    g_test_add_func("/conf/defaults", test_defaults);
    g_test_add_func("/conf/full", test_full);
    g_test_add_func("/conf/not-keyfile", test_not_keyfile);
    g_test_add_func("/conf/shipped-sample", test_shipped_sample);
    for (size_t i = 0; i < G_N_ELEMENTS(badCases); i++) {
        g_autofree char *name = g_strdup_printf("/conf/bad/%zu", i);
        g_test_add_data_func(name, &badCases[i], test_bad);
    }
    ret = g_test_run();
    testRemoveTree(tmpdir);
    g_free(tmpdir);
    return ret;
}

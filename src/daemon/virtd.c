/*
 * virtd.c: the daemon's main: options, configuration, signals, daemon hooks
 */
#define G_LOG_DOMAIN "virtd"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "remote_dispatch.h"
#include "virfile.h"
#include "virhook.h"
#include "virlog.h"
#include "virsystemd.h"
#include "virtd_conf.h"
#include "virtd_drivers.h"

typedef struct {
    char *config_path;
    gboolean config_explicit;
    virtdConfig *cfg;
    GMainLoop *loop;
    int lock_fd;
    char *pidfile;
    virNetServer *server;
    /* Reconnect, reload and shutdown run here, one at a time and in order,
     * so the main loop keeps serving clients (hooks may call virsh). */
    GThreadPool *tasks;
    gboolean stopping;
} virtdDaemon;

typedef enum {
    VIRTD_TASK_RECONNECT = 1,
    VIRTD_TASK_RELOAD,
    VIRTD_TASK_SHUTDOWN,
} virtdTask;

static void
virtdDaemonHook(virHookDaemonOp op, virHookSubop subop, const char *extra)
{
    g_autoptr(GError) err = NULL;

    if (!virHookCall(VIR_HOOK_DRIVER_DAEMON, NULL, op, subop, extra, NULL, NULL, NULL, &err))
        g_warning(_("daemon '%s' hook failed, continuing: %s"),
                  virHookDaemonOpTypeToString(op), err->message);
}

/* [paths] cannot change under a running daemon: sockets, state and locks
 * live there.  Keep the running values and say so. */
static void
virtdKeepPaths(virtdConfig *cur, virtdConfig *next)
{
    struct {
        const char *key;
        char **now;
        char **want;
    } paths[] = {
        {"conf_dir", &cur->conf_dir, &next->conf_dir},
        {"state_dir", &cur->state_dir, &next->state_dir},
        {"run_dir", &cur->run_dir, &next->run_dir},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        if (g_str_equal(*paths[i].now, *paths[i].want))
            continue;
        g_warning(_("[paths] %s changed to '%s': this takes effect at the next restart"),
                  paths[i].key, *paths[i].want);
        g_free(*paths[i].want);
        *paths[i].want = g_strdup(*paths[i].now);
    }
}

static virNetServerLimits
virtdServerLimits(const virtdConfig *cfg)
{
    const virtdServerConfig *c = &cfg->server;

    return (virNetServerLimits){
        .max_clients = c->max_clients,
        .max_readonly_clients = c->max_readonly_clients,
        .max_clients_per_uid = c->max_clients_per_uid,
        .open_timeout = c->open_timeout,
        .frame_timeout = c->frame_timeout,
        .keepalive_interval = c->keepalive_interval,
        .keepalive_count = c->keepalive_count,
        .input_budget = (gsize)c->input_budget * 1024 * 1024,
    };
}

static void
virtdReload(virtdDaemon *d)
{
    g_autoptr(GError) err = NULL;
    virtdConfig *next;

    g_info(_("SIGHUP received: reloading '%s'"), d->config_path);
    virSystemdNotify("RELOADING=1");
    next = virtdConfigLoad(d->config_path, d->config_explicit, &err);
    if (!next) {
        g_warning(_("configuration not reloaded, keeping the current one: %s"), err->message);
    } else {
        virtdKeepPaths(d->cfg, next);
        virtdConfigFree(d->cfg);
        d->cfg = next;
        virHookSetConfig(d->cfg->hooks);
        if (d->server) {
            virNetServerLimits limits = virtdServerLimits(d->cfg);

            remoteServerSetLimits(d->server, &limits);
        }
    }
    virtdDaemonHook(VIR_HOOK_DAEMON_OP_RELOAD, VIR_HOOK_SUBOP_BEGIN, "SIGHUP");
    virSystemdNotify("READY=1");
}

static void
virtdTaskRun(gpointer data, gpointer opaque)
{
    virtdDaemon *d = opaque;

    switch ((virtdTask)GPOINTER_TO_INT(data)) {
    case VIRTD_TASK_RECONNECT:
        virtdDriversReconnect();
        g_info(_("start-up done: networks and guests taken back, autostart done"));
        break;
    case VIRTD_TASK_RELOAD:
        virtdReload(d);
        break;
    case VIRTD_TASK_SHUTDOWN:
        virtdDaemonHook(VIR_HOOK_DAEMON_OP_SHUTDOWN, VIR_HOOK_SUBOP_NONE, "shutdown");
        g_main_loop_quit(d->loop);
        break;
    }
}

static void
virtdPushTask(virtdDaemon *d, virtdTask task)
{
    g_thread_pool_push(d->tasks, GINT_TO_POINTER(task), NULL);
}

static gboolean
virtdOnSighup(gpointer opaque)
{
    virtdDaemon *d = opaque;

    if (!d->stopping)
        virtdPushTask(d, VIRTD_TASK_RELOAD);
    return G_SOURCE_CONTINUE;
}

static gboolean
virtdOnTerminate(gpointer opaque)
{
    virtdDaemon *d = opaque;

    if (d->stopping)
        return G_SOURCE_CONTINUE;
    d->stopping = TRUE;
    g_info(_("shutting down (guests keep running)"));
    virSystemdNotify("STOPPING=1");
    virtdPushTask(d, VIRTD_TASK_SHUTDOWN);
    return G_SOURCE_CONTINUE;
}

/* A daemon started with a closed stdio would hand those numbers to the
 * first files it opens; pin them to /dev/null. */
static void
virtdSanitizeStdio(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int nfd = open("/dev/null", O_RDWR);
            if (nfd >= 0 && nfd != fd) {
                dup2(nfd, fd);
                close(nfd);
            }
        }
    }
}

static gboolean
virtdPrepareDirs(virtdDaemon *d, GError **error)
{
    g_autofree char *lockpath = g_build_filename(d->cfg->run_dir, "virtd.lock", NULL);

    if (!virFileMakeDir(d->cfg->run_dir, 0755, error) ||
        !virFileMakeDir(d->cfg->state_dir, 0755, error))
        return FALSE;
    if ((d->lock_fd = virFileLock(lockpath, error)) < 0) {
        if (g_error_matches(*error, VIR_FILE_ERROR, VIR_FILE_ERROR_LOCKED)) {
            g_clear_error(error);
            g_set_error(error, VIR_FILE_ERROR, VIR_FILE_ERROR_LOCKED,
                        _("another virtd is already running with run directory '%s'"),
                        d->cfg->run_dir);
        }
        return FALSE;
    }
    return TRUE;
}

static gboolean
virtdWritePidfile(virtdDaemon *d, GError **error)
{
    g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());

    d->pidfile = g_build_filename(d->cfg->run_dir, "virtd.pid", NULL);
    return virFileWriteAtomic(d->pidfile, pid, -1, 0644, error);
}

static int
virtdCheckConfig(const char *path)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virtdConfig) cfg = virtdConfigLoad(path, TRUE, &err);

    if (!cfg) {
        g_printerr("virtd: %s\n", err->message);
        return 1;
    }
    g_print(_("%s: configuration is valid\n"), path);
    return 0;
}

/* Every client, guest monitor, tap and hook pipe is a file descriptor:
 * the soft limit (1024 under systemd) is raised to the hard one, so that
 * idle clients cannot use up what the daemon needs.  GLib polls, nothing
 * here uses select(). */
static void
virtdRaiseFdLimit(void)
{
    struct rlimit rl;
    rlim_t soft;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    soft = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        g_info(_("open files limit raised from %llu to %llu"), (unsigned long long)soft,
               (unsigned long long)rl.rlim_max);
}

static int
virtdRun(virtdDaemon *d)
{
    g_autoptr(GError) err = NULL;
    virNetServerLimits limits;

    d->cfg = virtdConfigLoad(d->config_path, d->config_explicit, &err);
    if (!d->cfg) {
        g_printerr("virtd: %s\n", err->message);
        return 1;
    }
    if (!virtdPrepareDirs(d, &err)) {
        g_printerr("virtd: %s\n", err->message);
        return 1;
    }
    virHookSetConfig(d->cfg->hooks);
    g_info(_("virtd %s starting: configuration '%s', hooks in '%s'"), VERSION, d->config_path,
           virHookConfigGetDir(d->cfg->hooks));
    virtdRaiseFdLimit();

    d->loop = g_main_loop_new(NULL, FALSE);
    /* Installed before the first hook runs, so a SIGTERM during a slow
     * start hook is handled once it returns instead of killing us. */
    g_unix_signal_add(SIGHUP, virtdOnSighup, d);
    g_unix_signal_add(SIGTERM, virtdOnTerminate, d);
    g_unix_signal_add(SIGINT, virtdOnTerminate, d);

    virtdDaemonHook(VIR_HOOK_DAEMON_OP_START, VIR_HOOK_SUBOP_NONE, "start");

    if (!virtdDriversInit(d->cfg, &err)) {
        g_printerr("virtd: %s\n", err->message);
        return 1;
    }

    /* Both sockets listen before the pid file says we are ready. */
    limits = virtdServerLimits(d->cfg);
    if (!(d->server = remoteServerStart(d->cfg->run_dir, &limits, &err))) {
        g_printerr("virtd: %s\n", err->message);
        virtdDriversShutdown();
        return 1;
    }

    if (!virtdWritePidfile(d, &err)) {
        g_printerr("virtd: %s\n", err->message);
        g_clear_pointer(&d->server, remoteServerStop);
        return 1;
    }
    virSystemdNotify("READY=1");
    g_info(_("virtd ready (pid %d)"), (int)getpid());

    /* Tasks are pushed from the loop only (signals, this one), so the pool
     * is made here, after every early return, and freed once it ends.
     * Guests left running by a previous virtd, then autostart: once the
     * loop runs, so QMP works and their hooks may call virsh. */
    d->tasks = g_thread_pool_new(virtdTaskRun, d, 1, FALSE, NULL);
    virtdPushTask(d, VIRTD_TASK_RECONNECT);
    g_main_loop_run(d->loop);
    g_thread_pool_free(g_steal_pointer(&d->tasks), FALSE, TRUE);

    /* No new calls, running ones finished, sockets removed: then drivers. */
    g_clear_pointer(&d->server, remoteServerStop);
    virtdDriversShutdown();
    g_unlink(d->pidfile);
    g_info(_("virtd stopped"));
    return 0;
}

int
main(int argc, char **argv)
{
    virtdDaemon d = {.lock_fd = -1};
    gboolean verbose = FALSE;
    gboolean version = FALSE;
    g_autofree char *check = NULL;
    g_autofree char *config = NULL;
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) err = NULL;
    int ret;
    GOptionEntry entries[] = {
        {"config", 'f', 0, G_OPTION_ARG_FILENAME, &config,
         N_("Read the configuration from FILE"), N_("FILE")},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log debug messages too"), NULL},
        {"check-config", 0, 0, G_OPTION_ARG_FILENAME, &check,
         N_("Validate FILE as a virtd configuration and exit"), N_("FILE")},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL},
        {NULL},
    };

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    ctx = g_option_context_new(NULL);
    g_option_context_set_summary(ctx, _("virtd: a compact virtualization daemon with "
                                        "synchronous hooks, speaking libvirt's protocol."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc > 1) {
        g_printerr("virtd: %s\n", err ? err->message : _("unexpected argument"));
        return 2;
    }
    if (version) {
        g_print("virtd %s\n", VERSION);
        return 0;
    }
    if (check)
        return virtdCheckConfig(check);

    virtdSanitizeStdio();
    virLogInit(verbose);
    d.config_explicit = config != NULL;
    /* absolute, so a SIGHUP reload reads the same file whatever happens to cwd */
    d.config_path = g_canonicalize_filename(config ? config : VIRTD_DEFAULT_CONFIG, NULL);

    ret = virtdRun(&d);

    if (d.lock_fd >= 0)
        close(d.lock_fd);
    g_clear_pointer(&d.loop, g_main_loop_unref);
    virtdConfigFree(d.cfg);
    g_free(d.config_path);
    g_free(d.pidfile);
    return ret;
}

/*
 * virhook.c: the hook subsystem
 *
 * Scripts are discovered on every call (no cache, no SIGHUP needed), run one
 * after the other through vircommand with a per-script deadline, and all run
 * even when one fails.  Running a hook is an administrator-visible event, so
 * unlike the rest of util/ this module logs each run at info level: that log
 * line is part of the hook contract.
 */
#define G_LOG_DOMAIN "virtd.hook"

#include "virhook.h"
#include "vircommand.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Output a filter op may hand back, stderr we keep, and how much of the
 * stderr goes into the error message. */
#define HOOK_STDOUT_CAP (16 * 1024 * 1024)
#define HOOK_STDERR_CAP (64 * 1024)
#define HOOK_STDERR_MSG_CAP 4096
#define HOOK_DEFAULT_TIMEOUT 120
#define HOOK_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

GQuark
virHookErrorQuark(void)
{
    return g_quark_from_static_string("vir-hook-error-quark");
}

VIR_ENUM_IMPL(virHookDriver, VIR_HOOK_DRIVER_LAST, "daemon", "qemu", "lxc", "network");
VIR_ENUM_IMPL(virHookDaemonOp, VIR_HOOK_DAEMON_OP_LAST, "start", "shutdown", "reload");
VIR_ENUM_IMPL(virHookQemuOp, VIR_HOOK_QEMU_OP_LAST, "prepare", "start", "started", "stopped",
              "release", "migrate", "restore", "reconnect", "attach");
VIR_ENUM_IMPL(virHookLxcOp, VIR_HOOK_LXC_OP_LAST, "prepare", "start", "started", "stopped",
              "release", "reconnect");
VIR_ENUM_IMPL(virHookNetworkOp, VIR_HOOK_NETWORK_OP_LAST, "start", "started", "stopped",
              "plugged", "unplugged", "updated", "reconnect", "port-created", "port-deleted");
VIR_ENUM_IMPL(virHookSubop, VIR_HOOK_SUBOP_LAST, "-", "begin", "end");

const char *
virHookOpToString(virHookDriver driver, int op)
{
    switch (driver) {
    case VIR_HOOK_DRIVER_DAEMON:
        return virHookDaemonOpTypeToString(op);
    case VIR_HOOK_DRIVER_QEMU:
        return virHookQemuOpTypeToString(op);
    case VIR_HOOK_DRIVER_LXC:
        return virHookLxcOpTypeToString(op);
    case VIR_HOOK_DRIVER_NETWORK:
        return virHookNetworkOpTypeToString(op);
    case VIR_HOOK_DRIVER_LAST:
        break;
    }
    return NULL;
}

int
virHookOpFromString(virHookDriver driver, const char *name)
{
    switch (driver) {
    case VIR_HOOK_DRIVER_DAEMON:
        return virHookDaemonOpTypeFromString(name);
    case VIR_HOOK_DRIVER_QEMU:
        return virHookQemuOpTypeFromString(name);
    case VIR_HOOK_DRIVER_LXC:
        return virHookLxcOpTypeFromString(name);
    case VIR_HOOK_DRIVER_NETWORK:
        return virHookNetworkOpTypeFromString(name);
    case VIR_HOOK_DRIVER_LAST:
        break;
    }
    return -1;
}

/* Ops whose stdout replaces the XML (chained from script to script). */
gboolean
virHookOpIsFilter(virHookDriver driver, int op)
{
    return driver == VIR_HOOK_DRIVER_QEMU &&
           (op == VIR_HOOK_QEMU_OP_MIGRATE || op == VIR_HOOK_QEMU_OP_RESTORE);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

#define HOOK_TIMEOUT_UNSET G_MAXUINT

struct _virHookConfig {
    gint refs;
    char *dir;
    guint timeout;
    guint driver_timeout[VIR_HOOK_DRIVER_LAST];
    GHashTable *op_timeout;   /* "driver.op" -> GUINT_TO_POINTER(seconds + 1) */
    gboolean allow_unsafe;
    guint grace_ms;
};

/**
 * virHookConfigNew:
 * @dir: the hooks directory
 *
 * Returns: (transfer full): a configuration with the defaults (120 s
 * timeout, permission check on, 5 s grace).
 */
virHookConfig *
virHookConfigNew(const char *dir)
{
    virHookConfig *cfg = g_new0(virHookConfig, 1);

    cfg->refs = 1;
    cfg->dir = g_strdup(dir);
    cfg->timeout = HOOK_DEFAULT_TIMEOUT;
    for (int i = 0; i < VIR_HOOK_DRIVER_LAST; i++)
        cfg->driver_timeout[i] = HOOK_TIMEOUT_UNSET;
    cfg->op_timeout = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    cfg->grace_ms = VIR_COMMAND_DEFAULT_GRACE_MS;
    return cfg;
}

virHookConfig *
virHookConfigRef(virHookConfig *cfg)
{
    g_atomic_int_inc(&cfg->refs);
    return cfg;
}

void
virHookConfigUnref(virHookConfig *cfg)
{
    if (!cfg || !g_atomic_int_dec_and_test(&cfg->refs))
        return;
    g_free(cfg->dir);
    g_hash_table_unref(cfg->op_timeout);
    g_free(cfg);
}

void
virHookConfigSetDir(virHookConfig *cfg, const char *dir)
{
    g_free(cfg->dir);
    cfg->dir = g_strdup(dir);
}

/* 0 = no timeout */
void
virHookConfigSetTimeout(virHookConfig *cfg, guint seconds)
{
    cfg->timeout = seconds;
}

void
virHookConfigSetDriverTimeout(virHookConfig *cfg, virHookDriver driver, guint seconds)
{
    g_return_if_fail(driver < VIR_HOOK_DRIVER_LAST);
    cfg->driver_timeout[driver] = seconds;
}

void
virHookConfigSetOpTimeout(virHookConfig *cfg, virHookDriver driver, int op, guint seconds)
{
    const char *opname = virHookOpToString(driver, op);

    g_return_if_fail(opname != NULL);
    g_hash_table_insert(cfg->op_timeout,
                        g_strdup_printf("%s.%s", virHookDriverTypeToString(driver), opname),
                        GUINT_TO_POINTER(seconds + 1));
}

void
virHookConfigSetAllowUnsafe(virHookConfig *cfg, gboolean allow)
{
    cfg->allow_unsafe = allow;
}

void
virHookConfigSetGrace(virHookConfig *cfg, guint grace_ms)
{
    cfg->grace_ms = grace_ms;
}

/**
 * virHookConfigGetTimeout:
 *
 * Returns: the timeout in seconds for @driver/@op: the op's own value, else
 * the driver's, else the global one.  0 means none.
 */
guint
virHookConfigGetTimeout(const virHookConfig *cfg, virHookDriver driver, int op)
{
    g_autofree char *key = g_strdup_printf("%s.%s", virHookDriverTypeToString(driver),
                                           virHookOpToString(driver, op));
    gpointer v = g_hash_table_lookup(cfg->op_timeout, key);

    if (v)
        return GPOINTER_TO_UINT(v) - 1;
    if (cfg->driver_timeout[driver] != HOOK_TIMEOUT_UNSET)
        return cfg->driver_timeout[driver];
    return cfg->timeout;
}

const char *
virHookConfigGetDir(const virHookConfig *cfg)
{
    return cfg->dir;
}

static GMutex hookConfigLock;
static virHookConfig *hookConfig;

/**
 * virHookSetConfig:
 * @cfg: (transfer none): the configuration later calls use
 *
 * Calls already running keep the configuration they started with.
 */
void
virHookSetConfig(virHookConfig *cfg)
{
    virHookConfig *old;

    g_mutex_lock(&hookConfigLock);
    old = hookConfig;
    hookConfig = cfg ? virHookConfigRef(cfg) : NULL;
    g_mutex_unlock(&hookConfigLock);
    virHookConfigUnref(old);
}

static virHookConfig *
virHookGetConfig(void)
{
    virHookConfig *cfg;

    g_mutex_lock(&hookConfigLock);
    if (!hookConfig)
        hookConfig = virHookConfigNew(VIRTD_DEFAULT_HOOKS_DIR);
    cfg = virHookConfigRef(hookConfig);
    g_mutex_unlock(&hookConfigLock);
    return cfg;
}

/* ------------------------------------------------------------------ */
/* Discovery                                                           */

static const char *const hookLeftoverSuffixes[] = {
    "~", ".dpkg-old", ".dpkg-new", ".dpkg-dist", ".dpkg-tmp", ".dpkg-bak", ".ucf-old",
    ".ucf-new", ".ucf-dist", ".rpmsave", ".rpmnew", ".rpmorig", ".bak", ".swp", ".orig",
};

static gboolean
virHookNameIsLeftover(const char *name)
{
    if (name[0] == '.')
        return TRUE;
    for (size_t i = 0; i < G_N_ELEMENTS(hookLeftoverSuffixes); i++) {
        if (g_str_has_suffix(name, hookLeftoverSuffixes[i]))
            return TRUE;
    }
    return FALSE;
}

static gboolean
virHookIsExecutable(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0111);
}

static gint
virHookCompareNames(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/**
 * virHookDiscover:
 * @dir: the hooks directory
 * @driver: whose scripts
 *
 * Lists the scripts that run for @driver, in order: <dir>/<driver>, then
 * the entries of <dir>/<driver>.d/ in byte order.  Only regular files with
 * an execute bit are kept (symlinks followed); hidden files and
 * editor/package-manager leftovers are skipped with a log line.
 *
 * Returns: (transfer full): the paths (possibly empty).
 */
GPtrArray *
virHookDiscover(const char *dir, virHookDriver driver)
{
    GPtrArray *scripts = g_ptr_array_new_with_free_func(g_free);
    const char *drvname = virHookDriverTypeToString(driver);
    g_autofree char *main_script = g_build_filename(dir, drvname, NULL);
    g_autofree char *ddir = g_strdup_printf("%s.d", main_script);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    g_autoptr(GDir) d = NULL;
    const char *name;

    if (virHookIsExecutable(main_script))
        g_ptr_array_add(scripts, g_steal_pointer(&main_script));

    if (!(d = g_dir_open(ddir, 0, NULL)))
        return scripts;
    while ((name = g_dir_read_name(d)))
        g_ptr_array_add(names, (gpointer)name);
    g_ptr_array_sort(names, virHookCompareNames);

    for (guint i = 0; i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        g_autofree char *path = g_build_filename(ddir, n, NULL);

        if (!virHookIsExecutable(path))
            continue;
        if (virHookNameIsLeftover(n)) {
            g_info("skipping hook script '%s': hidden or backup file", path);
            continue;
        }
        g_ptr_array_add(scripts, g_steal_pointer(&path));
    }
    return scripts;
}

/* ------------------------------------------------------------------ */
/* Running                                                             */

static gboolean
virHookCheckPermissions(const virHookConfig *cfg, const char *path, GError **error)
{
    struct stat sb;

    if (cfg->allow_unsafe || geteuid() != 0)
        return TRUE;
    if (stat(path, &sb) < 0) {
        int saved = errno;
        g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED,
                    _("hook script '%s' cannot be inspected: %s"), path, g_strerror(saved));
        return FALSE;
    }
    if (sb.st_uid != 0 || (sb.st_mode & (S_IWGRP | S_IWOTH))) {
        g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED,
                    _("hook script '%s' refused: it must be owned by root and not writable by "
                      "group or others (run 'chown root %s && chmod go-w %s', or set "
                      "allow_unsafe_permissions = true in [hooks])"),
                    path, path, path);
        return FALSE;
    }
    return TRUE;
}

static void
virHookAddEnv(virCommand *cmd, virHookDriver driver, const char *object, int op,
              virHookSubop subop, const virHookContext *ctx, guint timeout)
{
    /* libvirt's hook environment, in libvirt's order */
    static const char *const passed[] = {
        "LD_PRELOAD", "LD_LIBRARY_PATH", "PATH", "HOME", "USER", "LOGNAME", "TMPDIR",
    };

    virCommandAddEnvPair(cmd, "LC_ALL", "C");
    for (size_t i = 0; i < G_N_ELEMENTS(passed); i++)
        virCommandAddEnvPass(cmd, passed[i]);
    if (!g_getenv("PATH"))
        virCommandAddEnvPair(cmd, "PATH", HOOK_DEFAULT_PATH);

    virCommandAddEnvPair(cmd, "VIRTD_HOOK_DRIVER", virHookDriverTypeToString(driver));
    virCommandAddEnvPair(cmd, "VIRTD_HOOK_OBJECT", object ? object : "-");
    virCommandAddEnvPair(cmd, "VIRTD_HOOK_OP", virHookOpToString(driver, op));
    virCommandAddEnvPair(cmd, "VIRTD_HOOK_SUBOP", virHookSubopTypeToString(subop));
    virCommandAddEnvFormat(cmd, "VIRTD_HOOK_TIMEOUT", "%u", timeout);
    if (ctx && ctx->uuid)
        virCommandAddEnvPair(cmd, "VIRTD_HOOK_UUID", ctx->uuid);
    if (ctx && ctx->reason)
        virCommandAddEnvPair(cmd, "VIRTD_HOOK_REASON", ctx->reason);
    if (ctx && ctx->detail)
        virCommandAddEnvPair(cmd, "VIRTD_HOOK_DETAIL", ctx->detail);
    if (ctx && ctx->id > 0)
        virCommandAddEnvFormat(cmd, "VIRTD_HOOK_ID", "%d", ctx->id);
    if (ctx && ctx->pid > 0)
        virCommandAddEnvFormat(cmd, "VIRTD_HOOK_PID", "%d", (int)ctx->pid);
    if (ctx && ctx->reconnect)
        virCommandAddEnvPair(cmd, "VIRTD_HOOK_RECONNECT", "1");
}

/* @text with its C0 controls but newline and tab, and DEL, written as
 * \xNN: a script's escape sequences never reach a terminal that shows
 * the message (virsh's, the journal's). */
static char *
virHookEscapeControls(const char *text)
{
    GString *out = g_string_sized_new(strlen(text));

    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;

        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            g_string_append_printf(out, "\\x%02x", c);
        else
            g_string_append_c(out, (char)c);
    }
    return g_string_free(out, FALSE);
}

/* Trimmed, capped, valid UTF-8 text of a script's stderr, controls
 * escaped. */
static char *
virHookErrText(GBytes *err)
{
    gsize len = 0;
    const char *data = err ? g_bytes_get_data(err, &len) : NULL;
    g_autofree char *text = NULL;
    g_autofree char *escaped = NULL;

    if (!data || len == 0)
        return g_strdup("");
    text = g_utf8_make_valid(data, MIN(len, HOOK_STDERR_MSG_CAP));
    g_strstrip(text);
    escaped = virHookEscapeControls(text);
    if (len > HOOK_STDERR_MSG_CAP)
        return g_strdup_printf("%s...", escaped);
    return g_steal_pointer(&escaped);
}

typedef struct {
    virHookDriver driver;
    const char *object;
    int op;
    virHookSubop subop;
    const char *extra;
    const virHookContext *ctx;
    guint timeout;
} virHookInvocation;

/*
 * Runs one script.  Returns TRUE if it succeeded; @stdout_text receives
 * its stdout (filter ops only).
 */
static gboolean
virHookRunScript(const virHookConfig *cfg, const virHookInvocation *inv, const char *path,
                 const char *input, char **stdout_text, GError **error)
{
    g_autoptr(virCommand) cmd = virCommandNew(path);
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) spawn_err = NULL;
    g_autofree char *argv_str = NULL;
    gboolean waited;
    g_autofree char *what = NULL;
    g_autofree char *errtext = NULL;
    gboolean filter = virHookOpIsFilter(inv->driver, inv->op);

    if (!virHookCheckPermissions(cfg, path, error))
        return FALSE;

    virCommandAddArgList(cmd, inv->object ? inv->object : "-",
                         virHookOpToString(inv->driver, inv->op),
                         virHookSubopTypeToString(inv->subop),
                         inv->extra ? inv->extra : "-", NULL);
    virHookAddEnv(cmd, inv->driver, inv->object, inv->op, inv->subop, inv->ctx, inv->timeout);
    if (input)
        virCommandSetInputBuffer(cmd, input, -1);
    /* Only filter ops use stdout; elsewhere /dev/null spares a pipe and a
     * wake-up per script, and the script cannot tell the difference. */
    if (filter)
        virCommandSetOutputCapture(cmd, HOOK_STDOUT_CAP);
    virCommandSetErrorCapture(cmd, HOOK_STDERR_CAP);
    virCommandSetNewProcessGroup(cmd, TRUE);
    /* the operation waits for it: do not let it queue behind a busy guest */
    virCommandSetPromptStart(cmd, TRUE);
    virCommandSetTimeout(cmd, inv->timeout * 1000);
    virCommandSetGrace(cmd, cfg->grace_ms);

    argv_str = virCommandArgvToString(cmd);

    if (!virCommandStart(cmd, &spawn_err)) {
        g_info("hook ran: %s: could not start: %s", argv_str, spawn_err->message);
        g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED, _("hook script '%s' failed: %s"),
                    path, spawn_err->message);
        return FALSE;
    }
    if (inv->ctx && inv->ctx->on_spawn)
        inv->ctx->on_spawn(virCommandGetPid(cmd), inv->ctx->opaque);
    waited = virCommandWait(cmd, &res, &spawn_err);
    if (inv->ctx && inv->ctx->on_spawn)
        inv->ctx->on_spawn(0, inv->ctx->opaque);
    if (!waited) {
        g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_FAILED, _("hook script '%s' failed: %s"),
                    path, spawn_err->message);
        return FALSE;
    }

    what = virCommandResultDescribe(&res);
    if (filter)
        g_info("hook ran: %s: %s in %.3f s, stdin %zu B, stderr %zu B, stdout %zu B", argv_str,
               what, res.duration_us / 1e6, input ? strlen(input) : 0, res.err_total,
               res.out_total);
    else
        g_info("hook ran: %s: %s in %.3f s, stdin %zu B, stderr %zu B", argv_str, what,
               res.duration_us / 1e6, input ? strlen(input) : 0, res.err_total);

    if (virCommandResultSucceeded(&res)) {
        if (filter && stdout_text)
            *stdout_text = g_strndup(g_bytes_get_data(res.out, NULL), g_bytes_get_size(res.out));
        return TRUE;
    }

    errtext = virHookErrText(res.err);
    g_set_error(error, VIR_HOOK_ERROR,
                res.timed_out ? VIR_HOOK_ERROR_TIMED_OUT : VIR_HOOK_ERROR_FAILED,
                _("hook script '%s' failed (%s): %s"), path, what,
                *errtext ? errtext : _("no error output"));
    return FALSE;
}

static gboolean
virHookIsBlank(const char *s)
{
    for (; *s; s++) {
        if (!g_ascii_isspace(*s))
            return FALSE;
    }
    return TRUE;
}

/**
 * virHookCall:
 * @driver: daemon, qemu, lxc or network
 * @object: the object's name, or NULL ("-")
 * @op: the driver's op enum value
 * @subop: begin / end / none ("-")
 * @extra: the fourth argument, or NULL ("-")
 * @ctx: (nullable): what virtd knows of the object, for VIRTD_HOOK_* variables
 * @input: (nullable): the XML for stdin; NULL gives /dev/null
 * @output: (out) (optional): for filter ops, the XML as changed by the
 *   scripts, or NULL when unchanged; NULL for other ops
 * @error: set when a script failed
 *
 * Runs every script for @driver in order, all of them even if one fails.
 *
 * Returns: TRUE if every script succeeded (or there was none).  On failure
 * @error names the first failing script and how many others failed.
 */
gboolean
virHookCall(virHookDriver driver, const char *object, int op, virHookSubop subop,
            const char *extra, const virHookContext *ctx, const char *input, char **output,
            GError **error)
{
    g_autoptr(virHookConfig) cfg = virHookGetConfig();
    g_autoptr(GPtrArray) scripts = NULL;
    g_autoptr(GError) first = NULL;
    g_autofree char *filtered = NULL;
    virHookInvocation inv = {driver, object, op, subop, extra, ctx, 0};
    gboolean filter = virHookOpIsFilter(driver, op);
    guint nfailed = 0;

    g_return_val_if_fail(virHookOpToString(driver, op) != NULL, FALSE);
    if (output)
        *output = NULL;

    inv.timeout = virHookConfigGetTimeout(cfg, driver, op);
    scripts = virHookDiscover(cfg->dir, driver);

    for (guint i = 0; i < scripts->len; i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *out = NULL;
        const char *in = filtered ? filtered : input;

        if (!virHookRunScript(cfg, &inv, g_ptr_array_index(scripts, i), in, &out, &err)) {
            if (nfailed++ == 0)
                first = g_steal_pointer(&err);
            continue;
        }
        if (filter && nfailed == 0 && out && !virHookIsBlank(out)) {
            g_free(filtered);
            filtered = g_steal_pointer(&out);
        }
    }

    if (nfailed > 0) {
        if (nfailed > 1) {
            char *msg = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                                    "%s (and %u other hook script failed)",
                                                    "%s (and %u other hook scripts failed)",
                                                    nfailed - 1),
                                        first->message, nfailed - 1);
            g_free(first->message);
            first->message = msg;
        }
        g_propagate_error(error, g_steal_pointer(&first));
        return FALSE;
    }
    if (output && filter)
        *output = g_steal_pointer(&filtered);
    return TRUE;
}

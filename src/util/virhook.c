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
#include <fcntl.h>
#include <limits.h>
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

/*
 * The permission check.
 *
 * A script runs as root, so only root may be able to change what runs:
 * the file itself (owned by root, not writable by group or others) and
 * every directory its path goes through, because whoever can write a
 * directory can rename the script away and put another file or a
 * symbolic link (to any root-owned program) in its place, between the
 * check and the exec.  The path is resolved here component by component
 * from "/", with O_PATH descriptors, the way the kernel resolves it,
 * symbolic links (and "..") included, and each directory reached is
 * checked: owned by root and not writable by group or others, or owned by
 * root with the sticky bit (/tmp): there others cannot rename or remove
 * root's entries, so what is checked is a symbolic link's owner too.
 *
 * The script is then executed by its path, not through the descriptor:
 * fexecve() or execveat() of a script make the kernel give the interpreter
 * "/dev/fd/N" as the script's name (and fail with ENOENT when the
 * descriptor is close-on-exec, as ours are), so $0 would no longer be the
 * path, and libvirt hook scripts use it to find their files ("dirname
 * $0").  Since no directory on the path and not the file can be changed
 * by anyone but root, the exec reaches the file that was checked; right
 * before the spawn, the path is still compared with the checked file
 * (device and inode), which only root could make differ.
 */

/* The most symbolic links followed while resolving one path, as Linux. */
#define HOOK_MAX_SYMLINKS 40

/* Where the resolution of a script's path stands. */
typedef struct {
    const char *script;   /* the path being resolved, for messages */
    int fd;               /* O_PATH descriptor of the directory reached, checked */
    struct stat sb;       /* its status */
    GString *path;        /* its path, symbolic links resolved */
    char *rest;           /* what is left to resolve */
    guint links;          /* symbolic links followed so far */
} virHookWalk;

static void
virHookWalkClear(virHookWalk *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    if (w->path)
        g_string_free(w->path, TRUE);
    w->path = NULL;
    g_clear_pointer(&w->rest, g_free);
}

static gboolean
virHookInspectError(const char *script, int errnum, GError **error)
{
    g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED,
                _("hook script '%s' cannot be inspected: %s"), script, g_strerror(errnum));
    return FALSE;
}

/* Opens @name in @dirfd without following it; its status in @sb. */
static int
virHookOpenEntry(int dirfd, const char *name, struct stat *sb)
{
    int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

    if (fd >= 0 && fstat(fd, sb) < 0) {
        int saved = errno;

        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Only root can add, rename or remove entries of the directory @sb. */
static gboolean
virHookDirIsSafe(const struct stat *sb)
{
    return sb->st_uid == 0 && (!(sb->st_mode & (S_IWGRP | S_IWOTH)) || (sb->st_mode & S_ISVTX));
}

static gboolean
virHookRefuseDir(const char *script, const char *dir, const struct stat *sb, GError **error)
{
    gboolean chown_it = sb->st_uid != 0;
    gboolean chmod_it = (sb->st_mode & (S_IWGRP | S_IWOTH)) && !(sb->st_mode & S_ISVTX);
    g_autofree char *fix = NULL;

    if (chown_it && chmod_it)
        fix = g_strdup_printf("chown root %1$s && chmod go-w %1$s", dir);
    else
        fix = g_strdup_printf(chown_it ? "chown root %s" : "chmod go-w %s", dir);
    g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED,
                _("hook script '%s' refused: directory '%s' on its path must be owned by root "
                  "and not writable by group or others unless sticky (run '%s', or set "
                  "allow_unsafe_permissions = true in [hooks])"),
                script, dir, fix);
    return FALSE;
}

/*
 * Makes @fd (with status @sb), the entry @name of the directory reached
 * ("/" for the root), the directory reached, if only root can change it.
 * Takes @fd.
 */
static gboolean
virHookWalkEnter(virHookWalk *w, int fd, const struct stat *sb, const char *name,
                 GError **error)
{
    if (g_str_equal(name, "/")) {
        g_string_assign(w->path, "/");
    } else if (g_str_equal(name, "..")) {
        const char *slash = strrchr(w->path->str, '/');

        g_string_truncate(w->path, MAX(slash - w->path->str, 1));
    } else {
        if (w->path->len > 1)
            g_string_append_c(w->path, '/');
        g_string_append(w->path, name);
    }
    if (w->fd >= 0)
        close(w->fd);
    w->fd = fd;
    w->sb = *sb;
    if (!S_ISDIR(sb->st_mode))
        return virHookInspectError(w->script, ENOTDIR, error);
    if (!virHookDirIsSafe(sb))
        return virHookRefuseDir(w->script, w->path->str, sb, error);
    return TRUE;
}

static gboolean
virHookWalkRoot(virHookWalk *w, GError **error)
{
    struct stat sb;
    int fd = virHookOpenEntry(AT_FDCWD, "/", &sb);

    if (fd < 0)
        return virHookInspectError(w->script, errno, error);
    return virHookWalkEnter(w, fd, &sb, "/", error);
}

/* Takes the next component off what is left to resolve; NULL if none. */
static char *
virHookWalkNext(virHookWalk *w)
{
    const char *name = w->rest + strspn(w->rest, "/");
    size_t len = strcspn(name, "/");
    char *component;

    if (len == 0)
        return NULL;
    component = g_strndup(name, len);
    memmove(w->rest, name + len, strlen(name + len) + 1);
    return component;
}

/*
 * Follows the symbolic link @fd (status @sb), the entry @name of the
 * directory reached: what is left to resolve becomes its target followed
 * by the rest.  Takes @fd.
 */
static gboolean
virHookWalkLink(virHookWalk *w, int fd, const struct stat *sb, const char *name,
                GError **error)
{
    char target[PATH_MAX];
    ssize_t len = readlinkat(fd, "", target, sizeof(target));
    int saved = errno;
    char *rest;

    close(fd);
    if (len < 0)
        return virHookInspectError(w->script, saved, error);
    if ((size_t)len >= sizeof(target))
        return virHookInspectError(w->script, ENAMETOOLONG, error);
    target[len] = '\0';
    if (++w->links > HOOK_MAX_SYMLINKS)
        return virHookInspectError(w->script, ELOOP, error);
    /* in a sticky directory others can write, the link's owner may replace it */
    if ((w->sb.st_mode & S_ISVTX) && (w->sb.st_mode & (S_IWGRP | S_IWOTH)) &&
        sb->st_uid != 0) {
        g_autofree char *link = g_build_filename(w->path->str, name, NULL);

        g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED,
                    _("hook script '%s' refused: symbolic link '%s' on its path is in a "
                      "directory others can write and is not owned by root (run 'chown -h "
                      "root %s', or set allow_unsafe_permissions = true in [hooks])"),
                    w->script, link, link);
        return FALSE;
    }
    rest = g_strconcat(target, w->rest, NULL);
    g_free(w->rest);
    w->rest = rest;
    if (target[0] == '/')
        return virHookWalkRoot(w, error);
    return TRUE;
}

/* Checks the script's own file, @sb. */
static gboolean
virHookCheckFile(const char *script, const struct stat *sb, GError **error)
{
    if (!S_ISREG(sb->st_mode) || !(sb->st_mode & 0111)) {
        g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED,
                    _("hook script '%s' refused: it is not an executable regular file"), script);
        return FALSE;
    }
    if (sb->st_uid != 0 || (sb->st_mode & (S_IWGRP | S_IWOTH))) {
        g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED,
                    _("hook script '%s' refused: it must be owned by root and not writable by "
                      "group or others (run 'chown root %s && chmod go-w %s', or set "
                      "allow_unsafe_permissions = true in [hooks])"),
                    script, script, script);
        return FALSE;
    }
    return TRUE;
}

/*
 * Resolves the entry @name of the directory reached.  When it is the
 * script's file, checks it and sets @file_fd (status in @sb).
 */
static gboolean
virHookWalkStep(virHookWalk *w, const char *name, int *file_fd, struct stat *sb,
                GError **error)
{
    struct stat st;
    int fd;

    if (g_str_equal(name, "."))
        return TRUE;
    if ((fd = virHookOpenEntry(w->fd, name, &st)) < 0)
        return virHookInspectError(w->script, errno, error);
    if (S_ISLNK(st.st_mode))
        return virHookWalkLink(w, fd, &st, name, error);
    if (S_ISDIR(st.st_mode) || w->rest[0] != '\0')
        return virHookWalkEnter(w, fd, &st, name, error);
    if (!virHookCheckFile(w->script, &st, error)) {
        close(fd);
        return FALSE;
    }
    *sb = st;
    *file_fd = fd;
    return TRUE;
}

/*
 * virHookOpenScript:
 * @script: the script's absolute path
 * @sb: (out): the status of the file opened
 *
 * Resolves @script from "/" as the kernel does, checking every directory
 * on the way (see above), then the file.
 *
 * Returns: an O_PATH descriptor of the script (the caller closes it), or
 * -1 with @error set (VIR_HOOK_ERROR_REFUSED).
 */
static int
virHookOpenScript(const char *script, struct stat *sb, GError **error)
{
    virHookWalk w = {.script = script, .fd = -1};
    int file_fd = -1;
    gboolean ok;

    if (!g_path_is_absolute(script)) {
        virHookInspectError(script, EINVAL, error);
        return -1;
    }
    w.path = g_string_new("/");
    w.rest = g_strdup(script);
    ok = virHookWalkRoot(&w, error);
    while (ok && file_fd < 0) {
        g_autofree char *name = virHookWalkNext(&w);

        if (!name) {
            /* the path ends with a directory: refused */
            virHookCheckFile(script, &w.sb, error);
            break;
        }
        ok = virHookWalkStep(&w, name, &file_fd, sb, error);
    }
    virHookWalkClear(&w);
    return file_fd;
}

/*
 * Right before the spawn: @script still leads to the file checked, @fd
 * (status @checked).  Only root can make it lead elsewhere (see above);
 * this catches a replacement racing with us.  Takes @fd.
 */
static gboolean
virHookCheckUnchanged(const char *script, int fd, const struct stat *checked, GError **error)
{
    struct stat sb;
    gboolean same = stat(script, &sb) == 0 && sb.st_dev == checked->st_dev &&
                    sb.st_ino == checked->st_ino;

    close(fd);
    if (!same) {
        g_set_error(error, VIR_HOOK_ERROR, VIR_HOOK_ERROR_REFUSED,
                    _("hook script '%s' refused: it was replaced while virtd checked it"),
                    script);
    }
    return same;
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
    gboolean check = !cfg->allow_unsafe && geteuid() == 0;
    struct stat checked = {0};
    int fd = -1;

    if (check && (fd = virHookOpenScript(path, &checked, error)) < 0)
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

    if (check && !virHookCheckUnchanged(path, fd, &checked, error))
        return FALSE;
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

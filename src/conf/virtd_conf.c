/*
 * virtd_conf.c: the keys of virtd.conf
 *
 * virtd.conf is a GKeyFile.  Every key has a default; unknown groups or
 * keys and bad values are errors naming the key, so a typo never silently
 * falls back to a default.
 */
#define G_LOG_DOMAIN "virtd.conf"

#include "virtd_conf.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>

GQuark
virConfErrorQuark(void)
{
    return g_quark_from_static_string("vir-conf-error-quark");
}

VIR_ENUM_IMPL(virConfReconnectFailure, VIR_CONF_RECONNECT_FAILURE_LAST, "keep", "kill");
VIR_ENUM_IMPL(virConfNetworkPortOps, VIR_CONF_NETWORK_PORT_OPS_LAST, "plugged", "port-created");

/* Timeouts above this are surely a mistake (one day). */
#define CONF_MAX_TIMEOUT 86400

/**
 * virtdConfigNew:
 *
 * Returns: (transfer full): the built-in defaults.
 */
virtdConfig *
virtdConfigNew(void)
{
    virtdConfig *cfg = g_new0(virtdConfig, 1);

    cfg->conf_dir = g_strdup(VIRTD_DEFAULT_CONF_DIR);
    cfg->state_dir = g_strdup(VIRTD_DEFAULT_STATE_DIR);
    cfg->run_dir = g_strdup(VIRTD_DEFAULT_RUN_DIR);
    cfg->reconnect_failure = VIR_CONF_RECONNECT_FAILURE_KEEP;
    cfg->qemu_emulator = g_strdup(VIRTD_DEFAULT_QEMU_EMULATOR);
    cfg->qemu_job_wait = VIRTD_DEFAULT_JOB_WAIT;
    cfg->hooks = virHookConfigNew(VIRTD_DEFAULT_HOOKS_DIR);
    cfg->server = (virtdServerConfig){
        .max_clients = 5000,
        .max_readonly_clients = 1000,
        .max_clients_per_uid = 64,
        .open_timeout = 30,
        .frame_timeout = 30,
        .keepalive_interval = 5,
        .keepalive_count = 5,
        .input_budget = 256,
    };
    return cfg;
}

void
virtdConfigFree(virtdConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->path);
    g_free(cfg->conf_dir);
    g_free(cfg->state_dir);
    g_free(cfg->run_dir);
    g_free(cfg->qemu_emulator);
    virHookConfigUnref(cfg->hooks);
    g_free(cfg);
}

static gboolean
virtdConfigBadValue(const char *path, const char *group, const char *key, const char *why,
                    GError **error)
{
    g_set_error(error, VIR_CONF_ERROR, VIR_CONF_ERROR_VALUE, _("%s: [%s] %s: %s"), path, group,
                key, why);
    return FALSE;
}

static gboolean
virtdConfigGetPath(GKeyFile *kf, const char *path, const char *group, const char *key,
                   char **dest, GError **error)
{
    g_autofree char *value = g_key_file_get_string(kf, group, key, NULL);

    if (!value)
        return virtdConfigBadValue(path, group, key, _("not a valid string"), error);
    g_strstrip(value);
    if (!g_path_is_absolute(value))
        return virtdConfigBadValue(path, group, key, _("must be an absolute path"), error);
    g_free(*dest);
    *dest = g_steal_pointer(&value);
    return TRUE;
}

static gboolean
virtdConfigGetSeconds(GKeyFile *kf, const char *path, const char *group, const char *key,
                      guint *dest, GError **error)
{
    g_autofree char *value = g_key_file_get_value(kf, group, key, NULL);
    guint64 n;

    g_strstrip(value);
    if (!g_ascii_string_to_unsigned(value, 10, 0, CONF_MAX_TIMEOUT, &n, NULL)) {
        g_autofree char *why = g_strdup_printf(
            _("'%s' is not a number of seconds between 0 and %d"), value, CONF_MAX_TIMEOUT);
        return virtdConfigBadValue(path, group, key, why, error);
    }
    *dest = (guint)n;
    return TRUE;
}

static gboolean
virtdConfigGetBool(GKeyFile *kf, const char *path, const char *group, const char *key,
                   gboolean *dest, GError **error)
{
    g_autoptr(GError) err = NULL;
    gboolean v = g_key_file_get_boolean(kf, group, key, &err);

    if (err)
        return virtdConfigBadValue(path, group, key, _("must be true or false"), error);
    *dest = v;
    return TRUE;
}

static gboolean
virtdConfigUnknownKey(const char *path, const char *group, const char *key, GError **error)
{
    g_set_error(error, VIR_CONF_ERROR, VIR_CONF_ERROR_KEY, _("%s: unknown key '%s' in [%s]"),
                path, key, group);
    return FALSE;
}

static gboolean
virtdConfigLoadPaths(virtdConfig *cfg, GKeyFile *kf, const char *path, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, "paths", NULL, NULL);

    for (size_t i = 0; keys && keys[i]; i++) {
        char **dest = NULL;

        if (g_str_equal(keys[i], "conf_dir"))
            dest = &cfg->conf_dir;
        else if (g_str_equal(keys[i], "state_dir"))
            dest = &cfg->state_dir;
        else if (g_str_equal(keys[i], "run_dir"))
            dest = &cfg->run_dir;
        else
            return virtdConfigUnknownKey(path, "paths", keys[i], error);
        if (!virtdConfigGetPath(kf, path, "paths", keys[i], dest, error))
            return FALSE;
    }
    return TRUE;
}

/* timeout.<driver> or timeout.<driver>.<op> */
static gboolean
virtdConfigLoadHookTimeout(virtdConfig *cfg, GKeyFile *kf, const char *path, const char *key,
                           GError **error)
{
    g_auto(GStrv) parts = g_strsplit(key, ".", 3);
    int driver = virHookDriverTypeFromString(parts[1]);
    int op = -1;
    guint secs;

    if (driver < 0) {
        g_autofree char *why = g_strdup_printf(
            _("unknown hook driver '%s' (expected daemon, qemu, lxc or network)"), parts[1]);
        return virtdConfigBadValue(path, "hooks", key, why, error);
    }
    if (parts[2] && (op = virHookOpFromString(driver, parts[2])) < 0) {
        g_autofree char *why = g_strdup_printf(_("unknown %s hook operation '%s'"), parts[1],
                                               parts[2]);
        return virtdConfigBadValue(path, "hooks", key, why, error);
    }
    if (!virtdConfigGetSeconds(kf, path, "hooks", key, &secs, error))
        return FALSE;
    if (op >= 0)
        virHookConfigSetOpTimeout(cfg->hooks, driver, op, secs);
    else
        virHookConfigSetDriverTimeout(cfg->hooks, driver, secs);
    return TRUE;
}

static gboolean
virtdConfigLoadHooksKey(virtdConfig *cfg, GKeyFile *kf, const char *path, const char *key,
                        GError **error)
{
    guint secs;
    gboolean b;

    if (g_str_equal(key, "dir")) {
        g_autofree char *dir = NULL;
        if (!virtdConfigGetPath(kf, path, "hooks", key, &dir, error))
            return FALSE;
        virHookConfigSetDir(cfg->hooks, dir);
        return TRUE;
    }
    if (g_str_equal(key, "timeout")) {
        if (!virtdConfigGetSeconds(kf, path, "hooks", key, &secs, error))
            return FALSE;
        virHookConfigSetTimeout(cfg->hooks, secs);
        return TRUE;
    }
    if (g_str_has_prefix(key, "timeout."))
        return virtdConfigLoadHookTimeout(cfg, kf, path, key, error);
    if (g_str_equal(key, "allow_unsafe_permissions")) {
        if (!virtdConfigGetBool(kf, path, "hooks", key, &b, error))
            return FALSE;
        virHookConfigSetAllowUnsafe(cfg->hooks, b);
        return TRUE;
    }
    if (g_str_equal(key, "network_port_ops")) {
        g_autofree char *v = g_key_file_get_string(kf, "hooks", key, NULL);
        int ops = virConfNetworkPortOpsTypeFromString(v ? g_strstrip(v) : NULL);
        if (ops < 0)
            return virtdConfigBadValue(path, "hooks", key,
                                       _("must be 'plugged' or 'port-created'"), error);
        cfg->network_port_ops = ops;
        return TRUE;
    }
    if (g_str_equal(key, "reconnect_failure")) {
        g_autofree char *v = g_key_file_get_string(kf, "hooks", key, NULL);
        int rf = virConfReconnectFailureTypeFromString(v ? g_strstrip(v) : NULL);
        if (rf < 0)
            return virtdConfigBadValue(path, "hooks", key, _("must be 'keep' or 'kill'"), error);
        cfg->reconnect_failure = rf;
        return TRUE;
    }
    return virtdConfigUnknownKey(path, "hooks", key, error);
}

static gboolean
virtdConfigLoadHooks(virtdConfig *cfg, GKeyFile *kf, const char *path, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, "hooks", NULL, NULL);

    for (size_t i = 0; keys && keys[i]; i++) {
        if (!virtdConfigLoadHooksKey(cfg, kf, path, keys[i], error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
virtdConfigLoadQemu(virtdConfig *cfg, GKeyFile *kf, const char *path, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, "qemu", NULL, NULL);

    for (size_t i = 0; keys && keys[i]; i++) {
        gboolean ok;

        if (g_str_equal(keys[i], "emulator"))
            ok = virtdConfigGetPath(kf, path, "qemu", keys[i], &cfg->qemu_emulator, error);
        else if (g_str_equal(keys[i], "job_wait"))
            ok = virtdConfigGetSeconds(kf, path, "qemu", keys[i], &cfg->qemu_job_wait, error);
        else
            return virtdConfigUnknownKey(path, "qemu", keys[i], error);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

/* [server]: every key is a whole number within its range */
static const struct {
    const char *key;
    gsize offset;
    guint min;
    guint max;
} virtdServerKeys[] = {
    {"max_clients", G_STRUCT_OFFSET(virtdServerConfig, max_clients), 1, 1000000},
    {"max_readonly_clients", G_STRUCT_OFFSET(virtdServerConfig, max_readonly_clients), 0,
     1000000},
    {"max_clients_per_uid", G_STRUCT_OFFSET(virtdServerConfig, max_clients_per_uid), 1,
     1000000},
    {"open_timeout", G_STRUCT_OFFSET(virtdServerConfig, open_timeout), 0, CONF_MAX_TIMEOUT},
    {"frame_timeout", G_STRUCT_OFFSET(virtdServerConfig, frame_timeout), 0, CONF_MAX_TIMEOUT},
    {"keepalive_interval", G_STRUCT_OFFSET(virtdServerConfig, keepalive_interval), 0,
     CONF_MAX_TIMEOUT},
    {"keepalive_count", G_STRUCT_OFFSET(virtdServerConfig, keepalive_count), 0, 100},
    /* MiB: at least two of the largest frames (16 MiB) */
    {"input_budget", G_STRUCT_OFFSET(virtdServerConfig, input_budget), 32, 1024 * 1024},
};

static gboolean
virtdConfigLoadServerKey(virtdConfig *cfg, GKeyFile *kf, const char *path, const char *key,
                         GError **error)
{
    for (size_t i = 0; i < G_N_ELEMENTS(virtdServerKeys); i++) {
        g_autofree char *value = NULL;
        guint64 n;

        if (!g_str_equal(key, virtdServerKeys[i].key))
            continue;
        value = g_key_file_get_value(kf, "server", key, NULL);
        g_strstrip(value);
        if (!g_ascii_string_to_unsigned(value, 10, virtdServerKeys[i].min,
                                        virtdServerKeys[i].max, &n, NULL)) {
            g_autofree char *why =
                g_strdup_printf(_("'%s' is not a whole number between %u and %u"), value,
                                virtdServerKeys[i].min, virtdServerKeys[i].max);
            return virtdConfigBadValue(path, "server", key, why, error);
        }
        G_STRUCT_MEMBER(guint, &cfg->server, virtdServerKeys[i].offset) = (guint)n;
        return TRUE;
    }
    return virtdConfigUnknownKey(path, "server", key, error);
}

static gboolean
virtdConfigLoadServer(virtdConfig *cfg, GKeyFile *kf, const char *path, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, "server", NULL, NULL);

    for (size_t i = 0; keys && keys[i]; i++) {
        if (!virtdConfigLoadServerKey(cfg, kf, path, keys[i], error))
            return FALSE;
    }
    /* root keeps client slots whatever read-only clients do */
    if (cfg->server.max_readonly_clients >= cfg->server.max_clients) {
        g_autofree char *why = g_strdup_printf(
            _("%u must be below max_clients (%u), so that read-only clients cannot take every "
              "connection slot"),
            cfg->server.max_readonly_clients, cfg->server.max_clients);
        return virtdConfigBadValue(path, "server", "max_readonly_clients", why, error);
    }
    return TRUE;
}

/**
 * virtdConfigLoad:
 * @path: the file
 * @must_exist: if FALSE, a missing file gives the defaults
 * @error: names the file, the group and the key on failure
 *
 * Returns: (transfer full): the configuration, or NULL on error.
 */
virtdConfig *
virtdConfigLoad(const char *path, gboolean must_exist, GError **error)
{
    g_autoptr(virtdConfig) cfg = virtdConfigNew();
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) groups = NULL;

    cfg->path = g_strdup(path);
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &err)) {
        if (!must_exist && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_steal_pointer(&cfg);
        g_set_error(error, VIR_CONF_ERROR, VIR_CONF_ERROR_READ, _("cannot load '%s': %s"), path,
                    err->message);
        return NULL;
    }

    groups = g_key_file_get_groups(kf, NULL);
    for (size_t i = 0; groups[i]; i++) {
        if (g_str_equal(groups[i], "paths")) {
            if (!virtdConfigLoadPaths(cfg, kf, path, error))
                return NULL;
        } else if (g_str_equal(groups[i], "hooks")) {
            if (!virtdConfigLoadHooks(cfg, kf, path, error))
                return NULL;
        } else if (g_str_equal(groups[i], "qemu")) {
            if (!virtdConfigLoadQemu(cfg, kf, path, error))
                return NULL;
        } else if (g_str_equal(groups[i], "server")) {
            if (!virtdConfigLoadServer(cfg, kf, path, error))
                return NULL;
        } else {
            g_set_error(error, VIR_CONF_ERROR, VIR_CONF_ERROR_KEY,
                        _("%s: unknown group [%s]"), path, groups[i]);
            return NULL;
        }
    }
    return g_steal_pointer(&cfg);
}

/*
 * remote_host.c: what the REMOTE program says about the host
 *
 * A modest, valid <capabilities> document and NODE_GET_INFO, from uname,
 * /proc/meminfo and /proc/cpuinfo.
 */
#define G_LOG_DOMAIN "virtd.rpc"

#include "remote_host.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "virerror.h"

static void
remoteHostAppendGuest(GString *xml, const virHypervisorDriver *drv, const char *arch)
{
    gboolean lxc = g_str_equal(drv->scheme, "lxc");
    g_autofree char *qemu_name = g_strdup_printf("qemu-system-%s", arch);
    g_autofree char *emulator = lxc ? NULL : g_find_program_in_path(qemu_name);
    g_autofree char *head =
        g_markup_printf_escaped("  <guest>\n"
                                "    <os_type>%s</os_type>\n"
                                "    <arch name='%s'>\n"
                                "      <wordsize>%u</wordsize>\n",
                                lxc ? "exe" : "hvm", arch, (guint)(sizeof(void *) * 8));

    g_string_append(xml, head);
    if (emulator) {
        g_autofree char *line =
            g_markup_printf_escaped("      <emulator>%s</emulator>\n", emulator);
        g_string_append(xml, line);
    }
    g_string_append_printf(xml,
                           "      <domain type='%s'/>\n"
                           "    </arch>\n"
                           "  </guest>\n",
                           lxc ? "lxc" : "qemu");
}

/**
 * remoteHostCapabilities:
 * @drv: the connection's driver: its guest type is described
 *
 * Returns: (transfer full): the capabilities XML.
 */
char *
remoteHostCapabilities(const virHypervisorDriver *drv)
{
    GString *xml = g_string_new("<capabilities>\n\n");
    struct utsname uts;
    g_autofree char *host = NULL;

    uname(&uts);
    host = g_markup_printf_escaped("  <host>\n"
                                   "    <cpu>\n"
                                   "      <arch>%s</arch>\n"
                                   "    </cpu>\n"
                                   "    <power_management/>\n"
                                   "    <iommu support='no'/>\n"
                                   "  </host>\n\n",
                                   uts.machine);
    g_string_append(xml, host);
    remoteHostAppendGuest(xml, drv, uts.machine);
    g_string_append(xml, "\n</capabilities>\n");
    return g_string_free(xml, FALSE);
}

/* The number after "<key>" and ':' in a /proc file, or 0. */
static guint64
remoteHostProcValue(const char *path, const char *key)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        const char *colon = strchr(lines[i], ':');

        if (g_str_has_prefix(lines[i], key) && colon)
            return g_ascii_strtoull(colon + 1, NULL, 10);
    }
    return 0;
}

/**
 * remoteHostGetInfo:
 * @info: (out caller-allocates): filled
 *
 * One NUMA node, one socket, one thread per core: cpus = cores.
 */
gboolean
remoteHostGetInfo(remoteNodeGetInfoRet *info, GError **error)
{
    struct utsname uts;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (uname(&uts) < 0 || cpus < 1) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("cannot read the host's CPU data: %s"),
                    g_strerror(errno));
        return FALSE;
    }
    g_strlcpy(info->model, uts.machine, sizeof(info->model));
    info->memory = remoteHostProcValue("/proc/meminfo", "MemTotal");
    info->cpus = cpus;
    info->mhz = remoteHostProcValue("/proc/cpuinfo", "cpu MHz");
    info->nodes = 1;
    info->sockets = 1;
    info->cores = cpus;
    info->threads = 1;
    return TRUE;
}

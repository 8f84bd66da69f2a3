/*
 * qemu_command.h: the qemu command line, as a pure function of a definition
 */
#pragma once

/* free PCIe root ports of a q35 guest, for interfaces plugged at run time */
#define QEMU_HOTPLUG_PORTS       4
#define QEMU_HOTPLUG_PORT_PREFIX "hotplug"

#include <glib.h>

#include "domain_conf.h"

/* What the process side knows at start time; everything else comes from
 * the definition. */
typedef struct {
    const char *emulator;       /* used when the definition has no <emulator> */
    const char *monitor_path;   /* QMP socket qemu listens on */
    const int *tap_fds;         /* per def->interfaces[i]: the fd number in qemu, or -1 */
    guint n_tap_fds;
} qemuCommandRuntime;

char **qemuBuildCommandLine(const virDomainDef *def, const qemuCommandRuntime *rt,
                            GError **error);

const char *qemuCommandNetDevice(const char *model);
gboolean qemuCommandHasHotplugPorts(const virDomainDef *def);

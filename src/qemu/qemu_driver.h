/*
 * qemu_driver.h: the QEMU driver
 */
#pragma once

#include <glib.h>

#include "virtd_conf.h"

gboolean qemuDriverInit(const virtdConfig *cfg, GError **error);
void qemuDriverReconnect(void);
void qemuDriverShutdown(void);

/*
 * qemu_driver.h: the QEMU driver
 */
#pragma once

#include <glib.h>

gboolean qemuDriverInit(const char *conf_dir, GError **error);
void qemuDriverShutdown(void);

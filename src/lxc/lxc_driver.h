/*
 * lxc_driver.h: the LXC driver
 */
#pragma once

#include <glib.h>

gboolean lxcDriverInit(const char *conf_dir, GError **error);
void lxcDriverShutdown(void);

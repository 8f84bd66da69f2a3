/*
 * network_driver.h: the network driver
 */
#pragma once

#include <glib.h>

gboolean networkDriverInit(const char *conf_dir, GError **error);
void networkDriverShutdown(void);

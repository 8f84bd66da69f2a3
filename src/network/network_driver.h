/*
 * network_driver.h: the network driver
 */
#pragma once

#include <glib.h>

#include "virtd_conf.h"

gboolean networkDriverInit(const virtdConfig *cfg, GError **error);
void networkDriverReconnect(void);
void networkDriverShutdown(void);

/*
 * virtd_drivers.h: bringing the drivers up and down
 */
#pragma once

#include <glib.h>

#include "virtd_conf.h"

gboolean virtdDriversInit(const virtdConfig *cfg, GError **error);
void virtdDriversReconnect(void);
void virtdDriversShutdown(void);

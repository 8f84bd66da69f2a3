/*
 * virsystemd.h: the sd_notify protocol, without libsystemd
 */
#pragma once

#include <glib.h>

gboolean virSystemdNotify(const char *state);

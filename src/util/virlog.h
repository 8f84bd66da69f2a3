/*
 * virlog.h: where virtd's log goes
 *
 * GLib structured logging: to journald when stderr is connected to it (or
 * the journal socket exists and stderr is not a terminal), else one line per
 * message on stderr.
 */
#pragma once

#include <glib.h>

void virLogInit(gboolean verbose);

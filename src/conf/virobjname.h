/*
 * virobjname.h: the rules for domain and network names
 */
#pragma once

#include <glib.h>

#include "virerror.h"

/* Longest name accepted, in bytes (a file name under the config dir). */
#define VIR_OBJECT_NAME_MAX 255

gboolean virObjectNameValidate(const char *kind, const char *name, GError **error);
gboolean virObjectNameCheck(const char *kind, const char *name, virErrorNumber code,
                            GError **error);

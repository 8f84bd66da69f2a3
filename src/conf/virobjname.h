/*
 * virobjname.h: the rules for domain and network names
 */
#pragma once

#include <glib.h>

#include "virerror.h"

/* Longest name accepted, in bytes: "<name>.xml.XXXXXX", the temporary
 * file of an atomic write of a definition or status file, must fit in a
 * file name (255 bytes). */
#define VIR_OBJECT_NAME_MAX 244

gboolean virObjectNameValidate(const char *kind, const char *name, GError **error);
gboolean virObjectNameCheck(const char *kind, const char *name, virErrorNumber code,
                            GError **error);

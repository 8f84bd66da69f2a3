/*
 * virobjtable.h: a thread-safe table of named, UUID-identified objects
 *
 * Domains and networks are found by name and by UUID.  Objects are
 * reference counted boxes (g_atomic_rc_box); the table holds one reference
 * and every lookup returns a new one.
 */
#pragma once

#include <glib.h>

#include "viruuid.h"

typedef struct _virObjectTable virObjectTable;

virObjectTable *virObjectTableNew(GDestroyNotify clear);
void virObjectTableFree(virObjectTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virObjectTable, virObjectTableFree)

gboolean virObjectTableAdd(virObjectTable *t, const char *name, const unsigned char *uuid,
                           gpointer obj);
gpointer virObjectTableFindByName(virObjectTable *t, const char *name);
gpointer virObjectTableFindByUUID(virObjectTable *t, const unsigned char *uuid);
gpointer virObjectTableFind(virObjectTable *t, const unsigned char *uuid, const char *name);
void virObjectTableRemove(virObjectTable *t, const char *name, const unsigned char *uuid);
GPtrArray *virObjectTableList(virObjectTable *t);
gboolean virObjectTableCheckClash(virObjectTable *t, const char *name,
                                  const unsigned char *uuid, const char *kind, int code,
                                  GError **error);
void virObjectTableUnref(virObjectTable *t, gpointer obj);

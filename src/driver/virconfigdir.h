/*
 * virconfigdir.h: persistent definitions on disk
 *
 * <dir>/<name>.xml holds a definition, written atomically;
 * <dir>/autostart/<name>.xml is a symlink to it when the object starts
 * with virtd.
 */
#pragma once

#include <glib.h>

typedef struct {
    char *dir;
    char *autostart_dir;
} virConfigDir;

void virConfigDirInit(virConfigDir *cd, const char *base, const char *driver);
void virConfigDirClear(virConfigDir *cd);

gboolean virConfigDirSave(const virConfigDir *cd, const char *name, const char *xml,
                          GError **error);
gboolean virConfigDirDelete(const virConfigDir *cd, const char *name, GError **error);
gboolean virConfigDirSetAutostart(const virConfigDir *cd, const char *name, gboolean on,
                                  GError **error);
gboolean virConfigDirIsAutostart(const virConfigDir *cd, const char *name);
GPtrArray *virConfigDirList(const virConfigDir *cd);

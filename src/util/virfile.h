/*
 * virfile.h: small file helpers
 */
#pragma once

#include <glib.h>

#define VIR_FILE_ERROR (virFileErrorQuark())
GQuark virFileErrorQuark(void);

typedef enum {
    VIR_FILE_ERROR_IO,
    VIR_FILE_ERROR_LOCKED,
} virFileErrorCode;

gboolean virFileWriteAtomic(const char *path, const char *data, gssize len, int mode,
                            GError **error);
gboolean virFileMakeDir(const char *path, int mode, GError **error);
int virFileLock(const char *path, GError **error);
guint virFileRemoveAtomicTemps(const char *dir, const char *suffix);
GPtrArray *virFileListSuffix(const char *dir, const char *suffix);

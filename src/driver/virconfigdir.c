/*
 * virconfigdir.c: persistent definitions on disk
 */
#include "virconfigdir.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virerror.h"
#include "virfile.h"

void
virConfigDirInit(virConfigDir *cd, const char *base, const char *driver)
{
    cd->dir = g_build_filename(base, driver, NULL);
    cd->autostart_dir = g_build_filename(cd->dir, "autostart", NULL);
}

void
virConfigDirClear(virConfigDir *cd)
{
    g_clear_pointer(&cd->dir, g_free);
    g_clear_pointer(&cd->autostart_dir, g_free);
}

static char *
virConfigDirPath(const char *dir, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);

    return g_build_filename(dir, file, NULL);
}

/**
 * virConfigDirSave:
 *
 * Writes @xml as <dir>/<name>.xml atomically (temp file, fsync, rename).
 */
gboolean
virConfigDirSave(const virConfigDir *cd, const char *name, const char *xml, GError **error)
{
    g_autofree char *path = virConfigDirPath(cd->dir, name);
    g_autoptr(GError) err = NULL;

    if (!virFileMakeDir(cd->dir, 0755, &err) || !virFileWriteAtomic(path, xml, -1, 0600, &err)) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("cannot save the definition of '%s': %s"),
                    name, err->message);
        return FALSE;
    }
    return TRUE;
}

static gboolean
virConfigDirUnlink(const char *path, GError **error)
{
    if (g_unlink(path) < 0 && errno != ENOENT) {
        int saved = errno;
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("cannot remove '%s': %s"), path,
                    g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

/* Removes the definition and its autostart link. */
gboolean
virConfigDirDelete(const virConfigDir *cd, const char *name, GError **error)
{
    g_autofree char *link = virConfigDirPath(cd->autostart_dir, name);
    g_autofree char *path = virConfigDirPath(cd->dir, name);

    return virConfigDirUnlink(link, error) && virConfigDirUnlink(path, error);
}

gboolean
virConfigDirSetAutostart(const virConfigDir *cd, const char *name, gboolean on, GError **error)
{
    g_autofree char *link = virConfigDirPath(cd->autostart_dir, name);
    g_autofree char *path = virConfigDirPath(cd->dir, name);
    g_autoptr(GError) err = NULL;

    if (!on)
        return virConfigDirUnlink(link, error);
    if (virConfigDirIsAutostart(cd, name))
        return TRUE;
    if (!virFileMakeDir(cd->autostart_dir, 0755, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
        return FALSE;
    }
    g_unlink(link);
    if (symlink(path, link) < 0) {
        int saved = errno;
        virErrorSet(error, VIR_ERR_OPERATION_FAILED,
                    _("cannot create autostart link '%s': %s"), link, g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

gboolean
virConfigDirIsAutostart(const virConfigDir *cd, const char *name)
{
    g_autofree char *link = virConfigDirPath(cd->autostart_dir, name);
    struct stat sb;

    return lstat(link, &sb) == 0;
}

/**
 * virConfigDirList:
 *
 * Returns: (transfer full): the paths of the .xml files in the folder, sorted.
 */
GPtrArray *
virConfigDirList(const virConfigDir *cd)
{
    return virFileListSuffix(cd->dir, ".xml");
}

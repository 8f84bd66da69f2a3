/*
 * virfile.c: small file helpers
 */
#define G_LOG_DOMAIN "virtd.file"

#include "virfile.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

GQuark
virFileErrorQuark(void)
{
    return g_quark_from_static_string("vir-file-error-quark");
}

static gboolean G_GNUC_PRINTF(3, 4)
virFileSetErrno(GError **error, int err, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *what = NULL;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    g_set_error(error, VIR_FILE_ERROR, VIR_FILE_ERROR_IO, "%s: %s", what, g_strerror(err));
    return FALSE;
}

static gboolean
virFileWriteAll(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}

/**
 * virFileWriteAtomic:
 * @path: destination
 * @data: contents; @len -1 for a NUL-terminated string
 * @mode: permissions of the new file
 *
 * Writes a temporary file beside @path, fsyncs it, renames it over @path
 * and fsyncs the directory: readers see the old or the new file, never a
 * mix, even after a crash.
 */
gboolean
virFileWriteAtomic(const char *path, const char *data, gssize len, int mode, GError **error)
{
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
    g_autofree char *dir = g_path_get_dirname(path);
    int fd;
    int dfd;

    if (len < 0)
        len = strlen(data);
    if ((fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode)) < 0)
        return virFileSetErrno(error, errno, _("cannot create a temporary file for '%s'"), path);
    if (!virFileWriteAll(fd, data, len) || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
        int saved = errno;
        close(fd);
        unlink(tmp);
        return virFileSetErrno(error, saved, _("cannot write '%s'"), tmp);
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        int saved = errno;
        unlink(tmp);
        return virFileSetErrno(error, saved, _("cannot rename a temporary file to '%s'"), path);
    }
    if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return TRUE;
}

/**
 * virFileMakeDir:
 *
 * Creates @path and its parents if needed.
 */
gboolean
virFileMakeDir(const char *path, int mode, GError **error)
{
    if (g_mkdir_with_parents(path, mode) < 0)
        return virFileSetErrno(error, errno, _("cannot create directory '%s'"), path);
    return TRUE;
}

static gint
virFileComparePaths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/**
 * virFileListSuffix:
 *
 * Returns: (transfer full): the paths of the files of @dir whose names end
 * in @suffix, hidden ones ("." first) left out, in byte order (stable
 * for hooks and logs); empty if @dir cannot be read.
 */
GPtrArray *
virFileListSuffix(const char *dir, const char *suffix)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        if (g_str_has_suffix(name, suffix) && name[0] != '.')
            g_ptr_array_add(paths, g_build_filename(dir, name, NULL));
    }
    g_ptr_array_sort(paths, virFileComparePaths);
    return paths;
}

/* Is @name what virFileWriteAtomic() names its temporary file for a
 * "<x><suffix>": "<x><suffix>.XXXXXX"? */
static gboolean
virFileIsAtomicTemp(const char *name, const char *suffix)
{
    const char *dot = strrchr(name, '.');

    if (!dot || dot == name || strlen(dot + 1) != 6)
        return FALSE;
    for (const char *p = dot + 1; *p; p++) {
        if (!g_ascii_isalnum(*p))
            return FALSE;
    }
    return (gsize)(dot - name) > strlen(suffix) &&
           strncmp(dot - strlen(suffix), suffix, strlen(suffix)) == 0;
}

/**
 * virFileRemoveAtomicTemps:
 * @suffix: of the files written atomically there: ".xml"
 *
 * Removes the temporary files that virFileWriteAtomic() left in @dir when
 * it was interrupted (virtd killed between the write and the rename):
 * regular files "<name><suffix>.XXXXXX".  Call it only while nothing
 * writes in @dir.
 *
 * Returns: how many were removed.
 */
guint
virFileRemoveAtomicTemps(const char *dir, const char *suffix)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    guint removed = 0;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = NULL;

        if (!virFileIsAtomicTemp(name, suffix))
            continue;
        path = g_build_filename(dir, name, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR) || g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            continue;
        if (g_unlink(path) == 0) {
            g_info(_("removed '%s', left by an interrupted write"), path);
            removed++;
        }
    }
    return removed;
}

/**
 * virFileLock:
 *
 * Opens (creating) @path and takes an exclusive lock on it, held for as
 * long as the returned fd stays open.
 *
 * Returns: the fd, or -1 with VIR_FILE_ERROR_LOCKED if another process
 * holds the lock.
 */
int
virFileLock(const char *path, GError **error)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0) {
        virFileSetErrno(error, errno, _("cannot open lock file '%s'"), path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int saved = errno;
        close(fd);
        if (saved == EWOULDBLOCK) {
            g_set_error(error, VIR_FILE_ERROR, VIR_FILE_ERROR_LOCKED,
                        _("'%s' is locked by another process"), path);
            return -1;
        }
        virFileSetErrno(error, saved, _("cannot lock '%s'"), path);
        return -1;
    }
    return fd;
}

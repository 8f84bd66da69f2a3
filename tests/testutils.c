/*
 * testutils.c: helpers shared by the unit tests
 */
#include "testutils.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Is any live (non-zombie) process in process group @pgid?  Zombies are
 * dead already; how soon their new parent reaps them is not ours to test. */
gboolean
testProcessGroupAlive(pid_t pgid)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *name;

    g_assert_nonnull(proc);
    while ((name = g_dir_read_name(proc))) {
        g_autofree char *path = g_strdup_printf("/proc/%s/stat", name);
        g_autofree char *stat = NULL;
        const char *p;
        char state;
        int ppid, pgrp;

        if (!g_ascii_isdigit(name[0]) || !g_file_get_contents(path, &stat, NULL, NULL) ||
            !(p = strrchr(stat, ')')))
            continue;
        if (sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
            state != 'Z')
            return TRUE;
    }
    return FALSE;
}

/* Processes SIGKILLed a moment ago may take a few ms to die (longer on a
 * loaded machine): waits up to 10 s. */
gboolean
testProcessGroupGone(pid_t pgid)
{
    for (int i = 0; i < 1000 && testProcessGroupAlive(pgid); i++)
        g_usleep(10000);
    return !testProcessGroupAlive(pgid);
}

/* Writes an executable (0755) script; returns its path. */
char *
testWriteScript(const char *dir, const char *name, const char *body)
{
    return testWriteExecutable(dir, name, body, -1);
}

/* Writes an executable (0755) file of @len bytes (-1: NUL-terminated). */
char *
testWriteExecutable(const char *dir, const char *name, const char *body, gssize len)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) err = NULL;

    g_assert_true(g_file_set_contents(path, body, len, &err));
    g_assert_cmpint(g_chmod(path, 0755), ==, 0);
    return g_steal_pointer(&path);
}

/* rm -r of a test's own temp dir (symlinks removed, not followed). */
void
testRemoveTree(const char *path)
{
    struct stat sb;

    if (lstat(path, &sb) < 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            testRemoveTree(child);
        }
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

/* Golden files are rewritten, never edited by hand: VIRTD_TEST_REGENERATE=1 */
gboolean
testRegenerate(void)
{
    return g_strcmp0(g_getenv("VIRTD_TEST_REGENERATE"), "1") == 0;
}

char *
testReadFile(const char *path)
{
    g_autoptr(GError) err = NULL;
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, &err));
    g_assert_no_error(err);
    return text;
}

/* Compares @actual with the golden file @path, or rewrites it. */
void
testCompareGolden(const char *path, const char *actual)
{
    g_autofree char *expected = NULL;

    if (testRegenerate()) {
        g_assert_true(g_file_set_contents(path, actual, -1, NULL));
        return;
    }
    expected = testReadFile(path);
    g_assert_cmpstr(actual, ==, expected);
}

/* "dir/name.xml" (or any other extension) -> "dir/name<suffix>" */
char *
testSiblingPath(const char *path, const char *suffix)
{
    const char *dot = strrchr(path, '.');
    g_autofree char *base = g_strndup(path, dot && dot > strrchr(path, '/') ? (gsize)(dot - path)
                                                                             : strlen(path));

    return g_strconcat(base, suffix, NULL);
}

static int
testCompareNames(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/**
 * testAddDataFiles:
 * @keep: owns the paths handed to the tests (free it after g_test_run)
 * @ext: the inputs' extension, ".xml", ".def"...
 *
 * Adds one test "<prefix>/<file>" per input file "*<ext>" of @dir (golden
 * "*.out<ext>" files excluded), in byte order.
 */
void
testAddDataFiles(GPtrArray *keep, const char *dir, const char *ext, const char *prefix,
                 GTestDataFunc func)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *golden = g_strconcat(".out", ext, NULL);
    const char *name;

    g_assert_no_error(err);
    while ((name = g_dir_read_name(d))) {
        if (g_str_has_suffix(name, ext) && !g_str_has_suffix(name, golden))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_assert_cmpuint(names->len, >, 0);
    g_ptr_array_sort(names, testCompareNames);
    for (guint i = 0; i < names->len; i++) {
        const char *file = g_ptr_array_index(names, i);
        g_autofree char *test = g_strdup_printf("%s/%s", prefix, file);
        char *path = g_build_filename(dir, file, NULL);

        g_ptr_array_add(keep, path);
        g_test_add_data_func(test, path, func);
    }
}

/* testAddDataFiles() of the "*.xml" inputs of @dir. */
void
testAddDataDir(GPtrArray *keep, const char *dir, const char *prefix, GTestDataFunc func)
{
    testAddDataFiles(keep, dir, ".xml", prefix, func);
}

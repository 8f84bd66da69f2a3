/*
 * virobjstatustest.c: the status file of a running object
 *
 * - every tests/virobjstatusdata/NAME.xml parses, and formats back to
 *   itself byte for byte (or to NAME.out.xml: a status file written by an
 *   earlier virtd is read, and written in today's layout); its definition
 *   parses as a live domain definition;
 * - every invalid/NAME.xml is refused with exactly the message of
 *   NAME.err (VIRTD_TEST_REGENERATE=1 rewrites the golden files);
 * - saves racing from several threads leave the latest snapshot on disk.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "domain_conf.h"
#include "testutils.h"
#include "virdomaindriver.h"
#include "virerror.h"
#include "virobjstatus.h"
#include "virxml.h"

#define DATA_DIR SOURCE_DIR "/tests/virobjstatusdata"

/* the qemu driver's layout */
static const virObjStatusClass testClass = VIR_DOMAIN_STATUS_CLASS(VIR_XML_ATTRS("monitor"));

static void
testRoundTrip(gconstpointer data)
{
    const char *input = data;
    g_autofree char *golden = testSiblingPath(input, ".out.xml");
    g_autofree char *text = testReadFile(input);
    g_autofree char *out = NULL;
    g_autofree char *again = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(virObjStatus) st;
    g_auto(virObjStatus) st2;

    virObjStatusInit(&st, &testClass);
    g_assert_true(virObjStatusParse(&st, text, input, &err));
    g_assert_no_error(err);
    g_assert_nonnull(st.def);
    g_assert_cmpstr(testClass.def_name(st.def), ==, "minimal");
    g_assert_nonnull(virObjStatusGetAttr(&st, "monitor"));

    out = virObjStatusFormat(&st);
    if (g_file_test(golden, G_FILE_TEST_EXISTS) || (testRegenerate() && strstr(input, "legacy")))
        testCompareGolden(golden, out);
    else
        g_assert_cmpstr(out, ==, text);

    /* what was written reads back the same */
    virObjStatusInit(&st2, &testClass);
    g_assert_true(virObjStatusParse(&st2, out, input, &err));
    g_assert_no_error(err);
    g_assert_cmpint(st2.state, ==, st.state);
    g_assert_cmpint(st2.reason, ==, st.reason);
    g_assert_cmpint(st2.pid, ==, st.pid);
    g_assert_cmpint(st2.id, ==, st.id);
    g_assert_cmpstr(virObjStatusGetAttr(&st2, "monitor"), ==,
                    virObjStatusGetAttr(&st, "monitor"));
    again = virObjStatusFormat(&st2);
    g_assert_cmpstr(again, ==, out);
}

static void
testInvalid(gconstpointer data)
{
    const char *input = data;
    g_autofree char *errfile = testSiblingPath(input, ".err");
    g_autofree char *expected = NULL;
    g_autofree char *text = testReadFile(input);
    g_autofree char *base = g_path_get_basename(input);
    g_autoptr(GError) err = NULL;
    g_auto(virObjStatus) st;

    /* named by its base name, so that the messages do not depend on
     * where the tree is */
    virObjStatusInit(&st, &testClass);
    g_assert_false(virObjStatusParse(&st, text, base, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_XML_ERROR);
    if (testRegenerate()) {
        g_autofree char *line = g_strconcat(err->message, "\n", NULL);

        g_assert_true(g_file_set_contents(errfile, line, -1, NULL));
        return;
    }
    expected = testReadFile(errfile);
    g_assert_cmpstr(err->message, ==, g_strchomp(expected));
}

static void
testFormatValues(void)
{
    g_auto(virObjStatus) st;
    g_autofree char *out = NULL;

    virObjStatusInit(&st, &testClass);
    g_assert_cmpint(st.id, ==, -1);
    st.state = 3;
    st.reason = 6;
    st.pid = 12;
    st.id = -1;
    st.def_xml = g_strdup("<domain type='qemu'>\n  <name>a'b</name>\n</domain>\n");
    virObjStatusSetAttr(&st, "monitor", "/run/a'b<c>&.monitor");
    out = virObjStatusFormat(&st);
    g_assert_cmpstr(out, ==,
                    "<domstatus state='3' reason='6' pid='12' id='-1' "
                    "monitor='/run/a&apos;b&lt;c&gt;&amp;.monitor'>\n"
                    "  <domain type='qemu'>\n"
                    "    <name>a'b</name>\n"
                    "  </domain>\n"
                    "</domstatus>\n");
}

/* Saves racing: each takes a snapshot numbered one higher than the last;
 * the file must end with the highest number. */
typedef struct {
    GMutex lock;             /* the object's own lock */
    char *def_xml;
    int counter;
    virObjStatusWriter writer;
    char *path;
} raceObj;

static void
raceSnapshot(gpointer object, virObjStatus *st)
{
    raceObj *o = object;
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&o->lock);

    st->state = ++o->counter;
    st->pid = 1;
    st->id = 1;
    st->def_xml = g_strdup(o->def_xml);
    virObjStatusSetAttr(st, "monitor", "/m");
}

#define RACE_THREADS 4
#define RACE_SAVES 50

static gpointer
raceRun(gpointer data)
{
    raceObj *o = data;

    for (int i = 0; i < RACE_SAVES; i++) {
        g_autoptr(GError) err = NULL;

        g_assert_true(virObjStatusSave(&o->writer, &testClass, o->path, raceSnapshot, o, &err));
        g_assert_no_error(err);
    }
    return NULL;
}

static void
testSaveOrdered(void)
{
    g_autofree char *dir = g_dir_make_tmp("virobjstatustest-XXXXXX", NULL);
    raceObj o = {0};
    GThread *t[RACE_THREADS];
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_auto(virObjStatus) st;

    g_assert_nonnull(dir);
    g_mutex_init(&o.lock);
    virObjStatusWriterInit(&o.writer);
    o.path = g_build_filename(dir, "minimal.xml", NULL);
    o.def_xml = testReadFile(SOURCE_DIR "/tests/domainconfdata/minimal.out.xml");
    for (int i = 0; i < RACE_THREADS; i++)
        t[i] = g_thread_new("save", raceRun, &o);
    for (int i = 0; i < RACE_THREADS; i++)
        g_thread_join(t[i]);

    virObjStatusInit(&st, &testClass);
    g_assert_true(virObjStatusLoad(&st, o.path, &err));
    g_assert_no_error(err);
    g_assert_cmpint(st.state, ==, RACE_THREADS * RACE_SAVES);
    g_assert_cmpint(o.counter, ==, RACE_THREADS * RACE_SAVES);

    /* nothing but the file itself is left in the folder */
    list = virObjStatusList(dir);
    g_assert_cmpuint(list->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(list, 0), ==, o.path);
    testRemoveTree(dir);
    virObjStatusWriterClear(&o.writer);
    g_mutex_clear(&o.lock);
    g_free(o.path);
    g_free(o.def_xml);
}

static void
testList(void)
{
    g_autofree char *dir = g_dir_make_tmp("virobjstatustest-XXXXXX", NULL);
    const char *files[] = {"b.xml", "a.xml", "a.monitor", "c.xml.tmp", "A.xml"};
    g_autoptr(GPtrArray) list = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *p = g_build_filename(dir, files[i], NULL);
        g_assert_true(g_file_set_contents(p, "", 0, NULL));
    }
    list = virObjStatusList(dir);
    g_assert_cmpuint(list->len, ==, 3);
    g_assert_true(g_str_has_suffix(g_ptr_array_index(list, 0), "/A.xml"));
    g_assert_true(g_str_has_suffix(g_ptr_array_index(list, 1), "/a.xml"));
    g_assert_true(g_str_has_suffix(g_ptr_array_index(list, 2), "/b.xml"));
    testRemoveTree(dir);
    g_ptr_array_unref(g_steal_pointer(&list));
    list = virObjStatusList("/nonexistent/virtd-status");
    g_assert_cmpuint(list->len, ==, 0);
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    int ret;

    g_test_init(&argc, &argv, NULL);
    testAddDataDir(paths, DATA_DIR, "/objstatus/roundtrip", testRoundTrip);
    testAddDataDir(paths, DATA_DIR "/invalid", "/objstatus/invalid", testInvalid);
    g_test_add_func("/objstatus/format-values", testFormatValues);
    g_test_add_func("/objstatus/save-ordered", testSaveOrdered);
    g_test_add_func("/objstatus/list", testList);
    ret = g_test_run();
    return ret;
}

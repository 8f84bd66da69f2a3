/*
 * virobjlisttest.c: the objects of a driver and their definitions on disk
 *
 * A small object type of the test's own, holding real network
 * definitions (network_conf), in a real folder: what is loaded and what
 * is skipped, define / redefine / undefine of inactive, active and
 * transient objects, autostart links, and the exact errors.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "network_conf.h"
#include "testutils.h"
#include "virerror.h"
#include "virobjlist.h"

typedef struct {
    GMutex lock;
    virNetworkDef *def;
    virNetworkDef *newDef;
    gboolean active;
    gboolean persistent;
    gboolean autostart;
    virObjJob job;
} testObj;

static const char *
testObjName(gconstpointer o)
{
    return ((const testObj *)o)->def->name;
}

static const unsigned char *
testObjUUID(gconstpointer o)
{
    return ((const testObj *)o)->def->uuid;
}

static const virObjJobClass testJobClass = {"network", VIR_ERR_NO_NETWORK, testObjName,
                                            testObjUUID};

static gpointer
testObjNew(gpointer def)
{
    testObj *o = g_atomic_rc_box_new0(testObj);

    g_mutex_init(&o->lock);
    virObjJobInit(&o->job, &testJobClass, o, &o->lock);
    o->def = def;
    o->persistent = TRUE;
    return o;
}

static void
testObjClear(gpointer data)
{
    testObj *o = data;

    g_clear_pointer(&o->def, virNetworkDefFree);
    g_clear_pointer(&o->newDef, virNetworkDefFree);
    virObjJobClear(&o->job);
    g_mutex_clear(&o->lock);
}

static gboolean
testObjIsActive(gconstpointer o)
{
    return ((const testObj *)o)->active;
}

static gpointer
testDefParse(const char *xml, GError **error)
{
    return virNetworkDefParseString(xml, 0, error);
}

static gpointer
testDefParseFile(const char *path, GError **error)
{
    return virNetworkDefParseFile(path, 0, error);
}

static char *
testDefFormat(gconstpointer def)
{
    return virNetworkDefFormat(def, 0);
}

static const char *
testDefName(gconstpointer def)
{
    return ((const virNetworkDef *)def)->name;
}

static const unsigned char *
testDefUUID(gconstpointer def)
{
    return ((const virNetworkDef *)def)->uuid;
}

static void
testDefFree(gpointer def)
{
    virNetworkDefFree(def);
}

/* refuses a network named "refused"; counts the checks of new definitions */
static guint checks_defining;

static gboolean
testDefCheck(virObjList *list, gpointer def, gboolean defining, GError **error)
{
    if (defining)
        checks_defining++;
    if (g_str_equal(testDefName(def), "refused")) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED, "network 'refused' is refused");
        return FALSE;
    }
    return TRUE;
}

static const virObjListClass testClass = {
    .kind = "network",
    .no_object_code = VIR_ERR_NO_NETWORK,
    .lock_offset = G_STRUCT_OFFSET(testObj, lock),
    .def_offset = G_STRUCT_OFFSET(testObj, def),
    .newdef_offset = G_STRUCT_OFFSET(testObj, newDef),
    .persistent_offset = G_STRUCT_OFFSET(testObj, persistent),
    .autostart_offset = G_STRUCT_OFFSET(testObj, autostart),
    .job_offset = G_STRUCT_OFFSET(testObj, job),
    .obj_new = testObjNew,
    .obj_clear = testObjClear,
    .is_active = testObjIsActive,
    .def_parse = testDefParse,
    .def_parse_file = testDefParseFile,
    .def_format = testDefFormat,
    .def_name = testDefName,
    .def_uuid = testDefUUID,
    .def_free = testDefFree,
    .def_check = testDefCheck,
};

#define UUID1 "11111111-2222-3333-4444-555555555551"
#define UUID2 "11111111-2222-3333-4444-555555555552"
#define UUID3 "11111111-2222-3333-4444-555555555553"

static char *
netXML(const char *name, const char *uuid, const char *bridge)
{
    return g_strdup_printf("<network>\n  <name>%s</name>\n  <uuid>%s</uuid>\n"
                           "  <bridge name='%s' stp='on' delay='0'/>\n</network>\n",
                           name, uuid, bridge);
}

typedef struct {
    char *conf;              /* <conf>/network/ holds the definitions */
    char *dir;
    virObjList list;
} fixture;

static void
fixtureSetUp(fixture *f, gconstpointer data)
{
    f->conf = g_dir_make_tmp("virobjlisttest-XXXXXX", NULL);
    g_assert_nonnull(f->conf);
    f->dir = g_build_filename(f->conf, "network", NULL);
    g_assert_cmpint(g_mkdir_with_parents(f->dir, 0755), ==, 0);
    checks_defining = 0;
}

static void
fixtureTearDown(fixture *f, gconstpointer data)
{
    if (f->list.objs)
        virObjListClear(&f->list);
    testRemoveTree(f->conf);
    g_free(f->dir);
    g_free(f->conf);
}

static void
writeDef(fixture *f, const char *file, const char *text)
{
    g_autofree char *path = g_build_filename(f->dir, file, NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* <dir>/<file>, kept until the test ends */
static const char *
testPath(fixture *f, const char *file)
{
    static GPtrArray *keep;

    if (!keep)
        keep = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(keep, g_build_filename(f->dir, file, NULL));
    return g_ptr_array_index(keep, keep->len - 1);
}

static gboolean
defExists(fixture *f, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *path = g_build_filename(f->dir, file, NULL);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static testObj *
findName(fixture *f, const char *name)
{
    return virObjListFindByName(&f->list, name, NULL);
}

/* Good files load; broken, misnamed and duplicate ones are skipped and kept. */
static void
test_load(fixture *f, gconstpointer data)
{
    g_autofree char *n1 = netXML("n1", UUID1, "br1");
    g_autofree char *dup = netXML("n3", UUID1, "br3");
    g_autofree char *link = NULL;
    g_autofree char *target = NULL;
    g_autoptr(GPtrArray) all = NULL;
    testObj *o;

    writeDef(f, "n1.xml", n1);
    writeDef(f, "broken.xml", "<network><name>broken</name");
    writeDef(f, "other.xml", n1);          /* defines n1, not other */
    writeDef(f, "n3.xml", dup);            /* n1's uuid */
    /* an atomic write interrupted: removed; look-alikes stay */
    writeDef(f, "n1.xml.Ab3xZ9", n1);
    writeDef(f, "notes.txt.Ab3xZ9", "");
    writeDef(f, "n1.xml.tmp", "");
    writeDef(f, ".xml.Ab3xZ9", "");
    {
        g_autofree char *d = g_build_filename(f->dir, "n4.xml.Ab3xZ9", NULL);
        g_assert_cmpint(g_mkdir(d, 0755), ==, 0);
    }
    link = g_build_filename(f->dir, "autostart", NULL);
    g_assert_cmpint(g_mkdir(link, 0755), ==, 0);
    g_free(link);
    link = g_build_filename(f->dir, "autostart", "n1.xml", NULL);
    target = g_build_filename(f->dir, "n1.xml", NULL);
    g_assert_cmpint(symlink(target, link), ==, 0);

    g_test_expect_message("virtd.file", G_LOG_LEVEL_INFO,
                          "removed '*/n1.xml.Ab3xZ9', left by an interrupted write");
    /* in name order */
    g_test_expect_message("virtd.driver", G_LOG_LEVEL_WARNING,
                          "skipping network definition '*/broken.xml': *");
    g_test_expect_message("virtd.driver", G_LOG_LEVEL_WARNING,
                          "skipping network definition '*/n3.xml': its name or uuid is already "
                          "in use");
    g_test_expect_message("virtd.driver", G_LOG_LEVEL_WARNING,
                          "skipping network definition '*/other.xml': it defines network 'n1', "
                          "not 'other'");
    g_assert_cmpuint(virObjListInit(&f->list, &testClass, "network", f->conf, "network", f), ==,
                     4);
    g_test_assert_expected_messages();
    all = virObjListAll(&f->list);
    g_assert_cmpuint(all->len, ==, 1);
    o = g_ptr_array_index(all, 0);
    g_assert_cmpstr(o->def->name, ==, "n1");
    g_assert_true(o->persistent);
    g_assert_true(o->autostart);
    g_assert_false(o->active);
    for (guint i = 0; i < all->len; i++)
        virObjListUnref(&f->list, g_ptr_array_index(all, i));
    /* the skipped files are still there, the temporary one is not */
    g_assert_false(g_file_test(testPath(f, "n1.xml.Ab3xZ9"), G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(testPath(f, "notes.txt.Ab3xZ9"), G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(testPath(f, "n1.xml.tmp"), G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(testPath(f, ".xml.Ab3xZ9"), G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(testPath(f, "n4.xml.Ab3xZ9"), G_FILE_TEST_IS_DIR));
    g_assert_true(defExists(f, "broken"));
    g_assert_true(defExists(f, "other"));
    g_assert_true(defExists(f, "n3"));
    g_assert_cmpuint(checks_defining, ==, 0);
}

static void
test_define(fixture *f, gconstpointer data)
{
    g_autofree char *x1 = netXML("n1", UUID1, "br1");
    g_autofree char *x1b = netXML("n1", UUID1, "br1b");
    g_autofree char *clash = netXML("n1", UUID2, "br2");
    g_autofree char *refused = netXML("refused", UUID3, "br3");
    g_autofree char *saved = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GError) err = NULL;
    gboolean updated = TRUE;
    testObj *o;

    virObjListInit(&f->list, &testClass, "network", f->conf, "network", f);
    o = virObjListDefine(&f->list, x1, &updated, &err);
    g_assert_no_error(err);
    g_assert_false(updated);
    g_assert_cmpstr(o->def->name, ==, "n1");
    virObjListUnref(&f->list, o);
    path = g_build_filename(f->dir, "n1.xml", NULL);
    saved = testReadFile(path);
    g_assert_cmpstr(saved, ==, x1);

    o = virObjListDefine(&f->list, x1b, &updated, &err);
    g_assert_no_error(err);
    g_assert_true(updated);
    g_assert_cmpstr(o->def->bridge.name, ==, "br1b");
    g_assert_null(o->newDef);
    virObjListUnref(&f->list, o);

    g_assert_null(virObjListDefine(&f->list, clash, &updated, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_OPERATION_FAILED);
    g_clear_error(&err);
    g_assert_null(virObjListDefine(&f->list, refused, &updated, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_cmpstr(err->message, ==, "network 'refused' is refused");
    g_assert_false(defExists(f, "refused"));
    g_clear_error(&err);
    g_assert_null(virObjListDefine(&f->list, "<network><name>x</name>", &updated, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_XML_ERROR);
    g_assert_false(defExists(f, "x"));
    g_assert_cmpuint(checks_defining, ==, 4);   /* not for the XML that did not parse */
}

/* Redefined while active: the live definition stays, the new one waits. */
static void
test_define_active(fixture *f, gconstpointer data)
{
    g_autofree char *x1 = netXML("n1", UUID1, "br1");
    g_autofree char *x1b = netXML("n1", UUID1, "br1b");
    gboolean updated;
    testObj *o;

    virObjListInit(&f->list, &testClass, "network", f->conf, "network", f);
    o = virObjListDefine(&f->list, x1, &updated, NULL);
    o->active = TRUE;
    virObjListUnref(&f->list, virObjListDefine(&f->list, x1b, &updated, NULL));
    g_assert_true(updated);
    g_assert_cmpstr(o->def->bridge.name, ==, "br1");
    g_assert_cmpstr(o->newDef->bridge.name, ==, "br1b");
    virObjListUnref(&f->list, o);
}

static void
test_undefine(fixture *f, gconstpointer data)
{
    g_autofree char *x1 = netXML("n1", UUID1, "br1");
    g_autofree char *x2 = netXML("n2", UUID2, "br2");
    g_autofree char *x2b = netXML("n2", UUID2, "br2b");
    g_autoptr(GError) err = NULL;
    gboolean updated;
    testObj *o1, *o2;

    virObjListInit(&f->list, &testClass, "network", f->conf, "network", f);
    o1 = virObjListDefine(&f->list, x1, &updated, NULL);
    o2 = virObjListDefine(&f->list, x2, &updated, NULL);
    g_assert_true(virObjListSetAutostart(&f->list, o1, TRUE, NULL));

    /* inactive: gone, its waiters fail */
    g_assert_true(virObjListUndefine(&f->list, o1, &err));
    g_assert_no_error(err);
    g_assert_false(defExists(f, "n1"));
    g_assert_null(findName(f, "n1"));
    g_assert_true(o1->job.removed);
    g_assert_false(o1->autostart);

    /* active: stays, transient, without its pending definition */
    o2->active = TRUE;
    virObjListUnref(&f->list, virObjListDefine(&f->list, x2b, &updated, NULL));
    g_assert_nonnull(o2->newDef);
    g_assert_true(virObjListUndefine(&f->list, o2, &err));
    g_assert_false(defExists(f, "n2"));
    g_assert_false(o2->persistent);
    g_assert_false(o2->job.removed);
    g_assert_null(o2->newDef);
    virObjListUnref(&f->list, findName(f, "n2"));

    /* a second undefine: it is transient now */
    g_assert_false(virObjListUndefine(&f->list, o2, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_OPERATION_INVALID);
    g_assert_cmpstr(err->message, ==, "cannot undefine transient network 'n2'");
    g_clear_error(&err);
    g_assert_false(virObjListSetAutostart(&f->list, o2, TRUE, &err));
    g_assert_cmpstr(err->message, ==, "cannot set autostart for transient network 'n2'");

    /* stopped, the transient object leaves the table */
    o2->active = FALSE;
    virObjListRemoveIfTransient(&f->list, o2);
    g_assert_null(findName(f, "n2"));
    g_assert_true(o2->job.removed);
    virObjListUnref(&f->list, o1);
    virObjListUnref(&f->list, o2);
}

static void
test_transient(fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *x1 = netXML("n1", UUID1, "br1");
    g_autofree char *x1clash = netXML("n1", UUID2, "br9");
    gboolean updated;
    testObj *t, *p;

    virObjListInit(&f->list, &testClass, "network", f->conf, "network", f);
    t = virObjListAddTransient(&f->list, testDefParse(x1, NULL), &err);
    g_assert_no_error(err);
    g_assert_false(t->persistent);
    g_assert_false(defExists(f, "n1"));
    g_assert_null(virObjListAddTransient(&f->list, testDefParse(x1clash, NULL), &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_OPERATION_FAILED);
    g_clear_error(&err);

    /* defining it makes it persistent */
    p = virObjListDefine(&f->list, x1, &updated, &err);
    g_assert_true(updated);
    g_assert_true(p == t);
    g_assert_true(t->persistent);
    virObjListRemoveIfTransient(&f->list, t);
    g_assert_false(t->job.removed);
    virObjListUnref(&f->list, p);
    virObjListUnref(&f->list, t);
}

static void
test_find_errors(fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    virObjListInit(&f->list, &testClass, "network", f->conf, "network", f);
    g_assert_true(virUUIDParse(UUID3, uuid));
    g_assert_null(virObjListFindByName(&f->list, "nope", &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_NO_NETWORK);
    g_assert_cmpstr(err->message, ==, "no network with matching name 'nope'");
    g_clear_error(&err);
    g_assert_null(virObjListFindByUUID(&f->list, uuid, &err));
    g_assert_cmpstr(err->message, ==, "no network with matching uuid '" UUID3 "'");
    g_clear_error(&err);
    g_assert_null(virObjListFind(&f->list, uuid, "nope", &err));
    g_assert_cmpstr(err->message, ==, "no network with matching uuid '" UUID3 "' (nope)");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, fixture, NULL, fixtureSetUp, fn, fixtureTearDown)
    ADD("/objlist/load", test_load);
    ADD("/objlist/define", test_define);
    ADD("/objlist/define-active", test_define_active);
    ADD("/objlist/undefine", test_undefine);
    ADD("/objlist/transient", test_transient);
    ADD("/objlist/find-errors", test_find_errors);
    return g_test_run();
}

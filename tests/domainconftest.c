/*
 * domainconftest.c: domain XML parsing and formatting
 *
 * - every tests/domainconfdata/NAME.xml parses, formats to NAME.out.xml,
 *   and the output is a fixed point of parse+format (and of copy+format);
 * - every tests/domainconfdata/invalid/NAME.xml is refused with exactly the
 *   message of NAME.err, with VIR_ERR_CONFIG_UNSUPPORTED when the message
 *   says "unsupported" and VIR_ERR_XML_ERROR otherwise;
 * - what the files cannot show: generated UUIDs and MACs, live-only data,
 *   memory units, name rules, size cap, file errors.
 *
 * VIRTD_TEST_REGENERATE=1 rewrites the .out.xml and .err files from the
 * current output instead of comparing.
 */
#include <glib.h>

#include "testutils.h"
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "domain_conf.h"
#include "domain_event.h"
#include "virobjname.h"
#include "virxml.h"

#define DATA_DIR SOURCE_DIR "/tests/domainconfdata"
#define NULL_UUID "00000000-0000-0000-0000-000000000000"

static char *
testFormatUUID(const unsigned char *uuid)
{
    char str[VIR_UUID_STRING_BUFLEN];

    virUUIDFormat(uuid, str);
    return g_strdup(str);
}

/* Parse, format, compare with the golden file; the output must parse back
 * and format identically, and so must a copy. */
static void
testXML2XML(gconstpointer data)
{
    const char *input = data;
    g_autofree char *golden = testSiblingPath(input, ".out.xml");
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) def = virDomainDefParseFile(input, 0, &err);
    g_autoptr(virDomainDef) again = NULL;
    g_autoptr(virDomainDef) reparsed = NULL;
    g_autoptr(virDomainDef) copy = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;
    g_autofree char *out3 = NULL;

    g_assert_no_error(err);
    out = virDomainDefFormat(def, -1, 0);
    reparsed = virDomainDefParseString(out, 0, &err);
    g_assert_no_error(err);
    out2 = virDomainDefFormat(reparsed, -1, 0);
    g_assert_cmpstr(out, ==, out2);
    copy = virDomainDefCopy(def);
    out3 = virDomainDefFormat(copy, -1, 0);
    g_assert_cmpstr(out, ==, out3);

    /* A UUID that differs between two parses was generated: it must be
     * real, and the golden file shows it as the null UUID. */
    again = virDomainDefParseFile(input, 0, &err);
    g_assert_no_error(err);
    if (memcmp(again->uuid, def->uuid, VIR_UUID_BUFLEN) != 0) {
        g_autofree char *uuid = testFormatUUID(def->uuid);
        g_autoptr(GString) masked = g_string_new(out);

        g_assert_false(virUUIDIsNull(def->uuid));
        g_assert_cmpuint(g_string_replace(masked, uuid, NULL_UUID, 0), ==, 1);
        testCompareGolden(golden, masked->str);
        return;
    }
    testCompareGolden(golden, out);
}

static void
testInvalid(gconstpointer data)
{
    const char *input = data;
    g_autofree char *errfile = testSiblingPath(input, ".err");
    g_autofree char *xml = testReadFile(input);
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) def = virDomainDefParseString(xml, 0, &err);

    g_assert_null(def);
    g_assert_nonnull(err);
    g_assert_true(err->domain == VIR_ERROR);
    if (g_str_has_prefix(err->message, "unsupported"))
        g_assert_cmpint(err->code, ==, VIR_ERR_CONFIG_UNSUPPORTED);
    else
        g_assert_cmpint(err->code, ==, VIR_ERR_XML_ERROR);
    if (testRegenerate()) {
        g_autofree char *line = g_strconcat(err->message, "\n", NULL);

        g_assert_true(g_file_set_contents(errfile, line, -1, NULL));
        return;
    }
    expected = testReadFile(errfile);
    g_assert_cmpstr(err->message, ==, g_strchomp(expected));
}

#define TEST_BASE_XML                                                                          \
    "<domain type='qemu'>\n"                                                                    \
    "  <name>t</name>\n"                                                                        \
    "  <memory>65536</memory>\n"                                                                \
    "  <os><type>hvm</type></os>\n"                                                             \
    "  %s\n"                                                                                    \
    "</domain>\n"

static virDomainDef *
testParseWith(const char *extra, unsigned int flags, GError **error)
{
    g_autofree char *xml = g_strdup_printf(TEST_BASE_XML, extra);

    return virDomainDefParseString(xml, flags, error);
}

/* A missing UUID is generated once: formatting and parsing keeps it. */
static void
testUUIDGenerated(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) a = testParseWith("", 0, &err);
    g_autoptr(virDomainDef) b = testParseWith("", 0, &err);
    g_autoptr(virDomainDef) c = NULL;
    g_autofree char *xml = NULL;

    g_assert_no_error(err);
    g_assert_false(virUUIDIsNull(a->uuid));
    g_assert_true(memcmp(a->uuid, b->uuid, VIR_UUID_BUFLEN) != 0);
    xml = virDomainDefFormat(a, -1, 0);
    c = virDomainDefParseString(xml, 0, &err);
    g_assert_no_error(err);
    g_assert_true(memcmp(a->uuid, c->uuid, VIR_UUID_BUFLEN) == 0);
}

/* An interface without a MAC gets one in QEMU's range, kept from then on. */
static void
testMacGenerated(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) def = testParseWith(
        "<devices><interface type='bridge'><source bridge='br0'/></interface></devices>", 0,
        &err);
    g_autoptr(virDomainDef) again = NULL;
    g_autofree char *xml = NULL;
    const virDomainNetDef *net;

    g_assert_no_error(err);
    g_assert_cmpuint(def->interfaces->len, ==, 1);
    net = g_ptr_array_index(def->interfaces, 0);
    g_assert_true(g_str_has_prefix(net->mac, "52:54:00:"));
    g_assert_cmpuint(strlen(net->mac), ==, 17);
    xml = virDomainDefFormat(def, -1, 0);
    again = virDomainDefParseString(xml, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(((virDomainNetDef *)g_ptr_array_index(again->interfaces, 0))->mac, ==,
                    net->mac);
}

static const char *testLiveDevices =
    "<devices>"
    "<interface type='network'><mac address='52:54:00:aa:bb:01'/>"
    "<source network='net1' portid='6d0e4eb9-a5ff-4e04-a7c8-a2184efe6314' bridge='virbr1'/>"
    "<target dev='vnet7'/></interface>"
    "<serial type='pty'><source path='/dev/pts/4'/><target port='0'/></serial>"
    "</devices>";

/* Live-only data is read and dropped from a definition, kept from a
 * status file, and formatted only for a running domain. */
static void
testLiveData(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) inactive = testParseWith(testLiveDevices, 0, &err);
    g_autoptr(virDomainDef) status = NULL;
    g_autoptr(virDomainDef) reread = NULL;
    g_autofree char *live = NULL;
    g_autofree char *dead = NULL;
    g_autofree char *forced = NULL;
    const virDomainNetDef *net;
    const virDomainChrDef *chr;

    g_assert_no_error(err);
    net = g_ptr_array_index(inactive->interfaces, 0);
    chr = g_ptr_array_index(inactive->serials, 0);
    g_assert_null(net->portid);
    g_assert_null(net->bridge);
    g_assert_null(net->ifname);
    g_assert_null(chr->path);

    status = testParseWith(testLiveDevices, VIR_DOMAIN_DEF_PARSE_STATUS, &err);
    g_assert_no_error(err);
    net = g_ptr_array_index(status->interfaces, 0);
    chr = g_ptr_array_index(status->serials, 0);
    g_assert_cmpstr(net->portid, ==, "6d0e4eb9-a5ff-4e04-a7c8-a2184efe6314");
    g_assert_cmpstr(net->bridge, ==, "virbr1");
    g_assert_cmpstr(net->ifname, ==, "vnet7");
    g_assert_cmpstr(chr->path, ==, "/dev/pts/4");

    live = virDomainDefFormat(status, 3, 0);
    g_assert_true(g_str_has_prefix(live, "<domain type='qemu' id='3'>\n"));
    g_assert_nonnull(strstr(live, "<source network='net1' "
                                  "portid='6d0e4eb9-a5ff-4e04-a7c8-a2184efe6314' "
                                  "bridge='virbr1'/>"));
    g_assert_nonnull(strstr(live, "<source path='/dev/pts/4'/>"));
    reread = virDomainDefParseString(live, VIR_DOMAIN_DEF_PARSE_STATUS, &err);
    g_assert_no_error(err);
    forced = virDomainDefFormat(reread, 3, 0);
    g_assert_cmpstr(live, ==, forced);

    dead = virDomainDefFormat(status, -1, 0);
    g_clear_pointer(&forced, g_free);
    forced = virDomainDefFormat(status, 3, VIR_DOMAIN_XML_INACTIVE);
    g_assert_cmpstr(dead, ==, forced);
    g_assert_true(g_str_has_prefix(dead, "<domain type='qemu'>\n"));
    g_assert_null(strstr(dead, "portid"));
    g_assert_null(strstr(dead, "/dev/pts/4"));
}

typedef struct {
    const char *value;
    const char *unit;
    unsigned long long kib;
} MemoryCase;

static const MemoryCase memoryCases[] = {
    {"1024", NULL, 1024},
    {"1", "b", 1},
    {"1025", "bytes", 2},
    {"2048", "k", 2048},
    {"2048", "KiB", 2048},
    {"1000", "KB", 977},
    {"1", "M", 1024},
    {"1", "MiB", 1024},
    {"1", "MB", 977},
    {"1", "G", 1048576},
    {"1", "GiB", 1048576},
    {"1", "GB", 976563},
    {"1", "T", 1073741824ULL},
    {"1", "TiB", 1073741824ULL},
    {"1", "TB", 976562500ULL},
    {"1", "P", 1099511627776ULL},
    {"1", "E", 1125899906842624ULL},
    {"15", "EiB", 16888498602639360ULL},
};

static void
testMemoryUnits(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(memoryCases); i++) {
        const MemoryCase *mc = &memoryCases[i];
        g_autofree char *unit = mc->unit ? g_strdup_printf(" unit='%s'", mc->unit) : g_strdup("");
        g_autofree char *xml = g_strdup_printf("<domain type='kvm'><name>m</name>"
                                               "<memory%s>%s</memory>"
                                               "<os><type>hvm</type></os></domain>",
                                               unit, mc->value);
        g_autoptr(GError) err = NULL;
        g_autoptr(virDomainDef) def = virDomainDefParseString(xml, 0, &err);

        g_assert_no_error(err);
        g_assert_cmpuint(def->memory_kib, ==, mc->kib);
        g_assert_cmpuint(def->current_memory_kib, ==, mc->kib);
    }
}

typedef struct {
    const char *name;
    const char *message;  /* NULL: valid */
} NameCase;

static const NameCase nameCases[] = {
    {"web1", NULL},
    {"with space and ünïcödé", NULL},
    {"a.b-c_d:e", NULL},
    {"", "domain name must not be empty"},
    {".", "domain name '.' is not allowed"},
    {"..", "domain name '..' is not allowed"},
    {"a/b", "domain name 'a/b' must not contain '/'"},
    {"tab\there", "domain name 'tab\\there' must not contain control characters"},
    {"del\x7f", "domain name 'del\\177' must not contain control characters"},
    {"c1\xc2\x85", "domain name 'c1\\302\\205' must not contain control characters"},
    {"bad\xff", "domain name 'bad\\377' is not valid UTF-8"},
    {".hidden", "domain name '.hidden' must not start with '.': its definition would be a "
                "hidden file, which virtd does not load"},
    {"-", "domain name '-' is not allowed: hook scripts get '-' for \"no object\""},
    {"-x", NULL},
    {"a.", NULL},
};

static void
testNames(void)
{
    /* "<name>.xml.XXXXXX" fits in a file name */
    g_autofree char *longest = g_strnfill(244, 'x');
    g_autofree char *toolong = g_strnfill(245, 'x');
    g_autoptr(GError) err = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(nameCases); i++) {
        gboolean ok = virObjectNameValidate("domain", nameCases[i].name, &err);

        if (!nameCases[i].message) {
            g_assert_no_error(err);
            g_assert_true(ok);
            continue;
        }
        g_assert_false(ok);
        g_assert_error(err, VIR_ERROR, VIR_ERR_INVALID_ARG);
        g_assert_cmpstr(err->message, ==, nameCases[i].message);
        g_clear_error(&err);
    }
    g_assert_true(virObjectNameValidate("network", longest, &err));
    g_assert_false(virObjectNameValidate("network", toolong, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_INVALID_ARG);
    g_assert_true(g_str_has_suffix(err->message, "' is longer than 244 bytes"));
    g_assert_true(g_str_has_prefix(err->message, "network name 'xxx"));
}

/* 4 MiB is the most a client can send; larger input is refused before
 * libxml2 sees it. */
static void
testTooLarge(void)
{
    g_autofree char *big = g_strnfill(VIR_XML_MAX_SIZE + 1, ' ');
    g_autofree char *path = NULL;
    g_autoptr(GError) err = NULL;
    int fd;

    g_assert_null(virDomainDefParseString(big, 0, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_XML_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "(domain_definition): XML document is larger than 4194304 bytes");
    g_clear_error(&err);

    fd = g_file_open_tmp("domainconftest-XXXXXX.xml", &path, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(path, big, -1, NULL));
    g_assert_null(virDomainDefParseFile(path, 0, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_XML_ERROR);
    g_assert_true(g_str_has_suffix(err->message, ": XML document is larger than 4194304 bytes"));
    g_unlink(path);
}

static void
testMissingFile(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(virDomainDefParseFile(DATA_DIR "/does-not-exist.xml", 0, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_SYSTEM_ERROR);
    g_assert_true(g_str_has_prefix(err->message, "cannot read '" DATA_DIR "/does-not-exist.xml'"));
}

/* Errors in a file name the file and the line. */
static void
testFileErrorLine(void)
{
    g_autoptr(GError) err = NULL;
    const char *path = DATA_DIR "/invalid/malformed-tag-mismatch.xml";

    g_assert_null(virDomainDefParseFile(path, 0, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_XML_ERROR);
    g_assert_true(g_str_has_prefix(err->message, path));
    g_assert_true(g_str_has_prefix(err->message + strlen(path), ":3: Opening and ending tag"));
}

/* The fields the drivers read, from the test guest's definition. */
static void
testFields(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) def = virDomainDefParseFile(DATA_DIR "/qemu-test-guest.xml", 0, &err);
    const virDomainDiskDef *disk;
    const virDomainNetDef *net;
    const virDomainChrDef *serial;

    g_assert_no_error(err);
    g_assert_cmpint(def->virt_type, ==, VIR_DOMAIN_VIRT_QEMU);
    g_assert_cmpstr(def->name, ==, "testguest");
    g_assert_cmpuint(def->memory_kib, ==, 262144);
    g_assert_cmpuint(def->current_memory_kib, ==, 262144);
    g_assert_cmpuint(def->vcpus, ==, 1);
    g_assert_cmpstr(def->os.type, ==, "hvm");
    g_assert_cmpstr(def->os.machine, ==, "q35");
    g_assert_cmpstr(def->os.kernel, ==, "/tmp/guest/kernel/vmlinuz");
    g_assert_cmpstr(def->os.cmdline, ==, "console=ttyS0 quiet test.action=run");
    g_assert_true(def->features[VIR_DOMAIN_FEATURE_ACPI]);
    g_assert_false(def->features[VIR_DOMAIN_FEATURE_PAE]);
    g_assert_cmpint(def->on_crash, ==, VIR_DOMAIN_LIFECYCLE_ACTION_PRESERVE);
    g_assert_cmpuint(def->disks->len, ==, 1);
    disk = g_ptr_array_index(def->disks, 0);
    g_assert_cmpint(disk->format, ==, VIR_DOMAIN_DISK_FORMAT_QCOW2);
    g_assert_cmpint(disk->bus, ==, VIR_DOMAIN_DISK_BUS_VIRTIO);
    net = g_ptr_array_index(def->interfaces, 0);
    g_assert_cmpint(net->type, ==, VIR_DOMAIN_NET_TYPE_BRIDGE);
    g_assert_cmpstr(net->source, ==, "br0");
    g_assert_cmpstr(net->mac, ==, "52:54:00:12:34:56");
    serial = g_ptr_array_index(def->serials, 0);
    g_assert_cmpint(serial->type, ==, VIR_DOMAIN_CHR_TYPE_FILE);
    g_assert_cmpint(serial->target_port, ==, 0);
    g_assert_nonnull(def->watchdog);
    g_assert_cmpint(def->watchdog->model, ==, VIR_DOMAIN_WATCHDOG_MODEL_I6300ESB);
    g_assert_cmpint(def->watchdog->action, ==, VIR_DOMAIN_WATCHDOG_ACTION_POWEROFF);
    g_assert_cmpuint(def->panics->len, ==, 1);
    g_assert_cmpint(def->memballoon, ==, VIR_DOMAIN_MEMBALLOON_NONE);
}

/* virsh metadata: replace, read back, remove by namespace. */
static void
testMetadataAPI(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) def = virDomainDefParseFile(DATA_DIR "/metadata.xml", 0, &err);
    g_autoptr(virDomainDef) reparsed = NULL;
    g_autofree char *foo = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *set = NULL;

    g_assert_no_error(err);
    foo = virDomainDefGetMetadata(def, "http://app1.example.org/app1/", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(foo, ==,
                    "<app1:foo xmlns:app1=\"http://app1.example.org/app1/\">fooish</app1:foo>");

    /* both app1 elements go, the new one comes last */
    g_assert_true(virDomainDefSetMetadata(def, "<new a='1'><child/></new>", "n",
                                          "http://app1.example.org/app1/", &err));
    g_assert_no_error(err);
    set = virDomainDefGetMetadata(def, "http://app1.example.org/app1/", &err);
    g_assert_cmpstr(set, ==, "<n:new xmlns:n=\"http://app1.example.org/app1/\" a=\"1\">\n"
                             "  <child/>\n"
                             "</n:new>");
    xml = virDomainDefFormat(def, -1, 0);
    g_assert_null(strstr(xml, "fooish"));
    g_assert_null(strstr(xml, "declared-on-root"));
    reparsed = virDomainDefParseString(xml, 0, &err);
    g_assert_no_error(err);

    g_assert_false(virDomainDefSetMetadata(def, "<broken", "n", "urn:x", &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_XML_ERROR);
    g_clear_error(&err);
    g_assert_false(virDomainDefSetMetadata(def, "<ok/>", "", "urn:x", &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_INVALID_ARG);
    g_clear_error(&err);

    g_assert_true(virDomainDefSetMetadata(def, NULL, NULL, "http://app1.example.org/app1/", &err));
    g_assert_true(virDomainDefSetMetadata(def, NULL, NULL, "http://app2.example.org/app2/", &err));
    g_assert_true(virDomainDefSetMetadata(def, NULL, NULL, "urn:default-namespace", &err));
    g_assert_null(def->metadata);
    g_assert_false(virDomainDefSetMetadata(def, "<broken", "n", "urn:x", &err));
    g_assert_null(def->metadata);
    g_clear_error(&err);
    g_assert_null(virDomainDefGetMetadata(def, "urn:default-namespace", &err));
    g_assert_error(err, VIR_ERROR, VIR_DOMAIN_ERR_NO_METADATA);
}

/* libxml2 errors go into the GError, not to stderr: fd 2 is pointed at a
 * file while bad documents are parsed. */
static void
testNoStderr(void)
{
    static const char *const bad[] = {
        "<domain><name>x</nam></domain>",
        "<?xml version='1.0' encoding='bogus'?><domain/>",
        "<domain>&undefined;</domain>",
        "<domain xmlns:a='not a uri'><a:b/></domain>",
        "<!DOCTYPE domain [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><domain>&e;</domain>",
        "\xff\xfe<domain/>",
    };
    g_autofree char *path = NULL;
    g_autofree char *captured = NULL;
    g_autoptr(GError) err = NULL;
    int fd = g_file_open_tmp("domainconftest-stderr-XXXXXX", &path, &err);
    int saved = dup(STDERR_FILENO);

    g_assert_no_error(err);
    g_assert_cmpint(saved, >=, 0);
    fflush(stderr);
    g_assert_cmpint(dup2(fd, STDERR_FILENO), ==, STDERR_FILENO);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(virDomainDef) def = virDomainDefParseString(bad[i], 0, &err);

        g_assert_null(def);
        g_assert_nonnull(err);
        g_clear_error(&err);
    }
    fflush(stderr);
    g_assert_cmpint(dup2(saved, STDERR_FILENO), ==, STDERR_FILENO);
    close(saved);
    close(fd);
    captured = testReadFile(path);
    g_unlink(path);
    g_assert_cmpstr(captured, ==, "");
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    int ret;

    g_test_init(&argc, &argv, NULL);
    testAddDataDir(paths, DATA_DIR, "/domain/xml2xml", testXML2XML);
    testAddDataDir(paths, DATA_DIR "/invalid", "/domain/invalid", testInvalid);
    g_test_add_func("/domain/uuid-generated", testUUIDGenerated);
    g_test_add_func("/domain/mac-generated", testMacGenerated);
    g_test_add_func("/domain/live-data", testLiveData);
    g_test_add_func("/domain/memory-units", testMemoryUnits);
    g_test_add_func("/domain/names", testNames);
    g_test_add_func("/domain/too-large", testTooLarge);
    g_test_add_func("/domain/missing-file", testMissingFile);
    g_test_add_func("/domain/file-error-line", testFileErrorLine);
    g_test_add_func("/domain/fields", testFields);
    g_test_add_func("/domain/no-stderr", testNoStderr);
    g_test_add_func("/domain/metadata-api", testMetadataAPI);
    ret = g_test_run();
    return ret;
}

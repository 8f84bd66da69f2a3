/*
 * qemucommandtest.c: the qemu command line built from a domain definition
 *
 * - every tests/qemucommanddata/NAME.xml gives, with the runtime of
 *   testRuntime() (emulator /usr/bin/qemu-system-x86_64, monitor
 *   /run/virtd/qemu/<name>.monitor, tap fds 3, 4, ... for the interfaces),
 *   exactly the argv of NAME.args, one argument per line;
 * - every tests/qemucommanddata/invalid/NAME.xml parses but is refused with
 *   exactly the message of NAME.err; its runtime has a single tap fd (3).
 *   The error code follows from the message: "unsupported ..." is
 *   VIR_ERR_CONFIG_UNSUPPORTED, "... has no tap device" is
 *   VIR_ERR_INTERNAL_ERROR, anything else VIR_ERR_INVALID_ARG;
 * - what the files cannot show: the runtime's part (emulator, monitor, tap
 *   fds);
 * - that qemu 7.2 accepts every argv: /qemucommand/run/NAME.xml starts the
 *   installed qemu-system-x86_64 through vircommand on the argv of NAME.xml
 *   (type kvm run as qemu: KVM is unusable on the test machines), with the
 *   host files it names created in a temp dir (a header-only kernel, raw or
 *   qcow2 images), real tap devices for its interfaces, and the monitor
 *   socket in the temp dir.  qemu must answer QMP, be paused before its
 *   first instruction (-S), have every -device id, and still run after 1 s;
 *   it is then killed by pid and reaped, leaving nothing behind.  Without
 *   qemu a run test is skipped, and so is one with interfaces when no tap
 *   device can be created (not root).
 *
 * VIRTD_TEST_REGENERATE=1 rewrites the .args and .err files from the
 * current output instead of comparing.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_command.h"
#include "testutils.h"
#include "vircommand.h"

#define DATA_DIR     SOURCE_DIR "/tests/qemucommanddata"
#define TEST_QEMU    "/usr/bin/qemu-system-x86_64"
#define TEST_QEMUIMG "/usr/bin/qemu-img"
#define TEST_MAX_FDS 16


static virDomainDef *
testParse(const char *path)
{
    g_autoptr(GError) err = NULL;
    virDomainDef *def = virDomainDefParseFile(path, 0, &err);

    g_assert_no_error(err);
    g_assert_nonnull(def);
    return def;
}

/* The runtime the golden files are made with; @fds holds the storage for
 * @ntaps tap fds 3, 4, ... */
static qemuCommandRuntime
testRuntime(const char *monitor, int *fds, guint ntaps)
{
    qemuCommandRuntime rt = {
        .emulator = TEST_QEMU, .monitor_path = monitor, .tap_fds = fds, .n_tap_fds = ntaps};

    g_assert_cmpuint(ntaps, <=, TEST_MAX_FDS);
    for (guint i = 0; i < ntaps; i++)
        fds[i] = 3 + (int)i;
    return rt;
}

static char *
testMonitorPath(const virDomainDef *def)
{
    return g_strdup_printf("/run/virtd/qemu/%s.monitor", def->name);
}

/* The argv, one argument per line; an argument holding a newline would
 * make the file ambiguous. */
static char *
testJoinArgv(char **argv)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (char **p = argv; *p; p++) {
        g_assert_null(strchr(*p, '\n'));
        g_string_append_printf(out, "%s\n", *p);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ====================================================================== */
/* golden files                                                           */
/* ====================================================================== */

static void
testArgs(gconstpointer data)
{
    const char *input = data;
    g_autofree char *golden = testSiblingPath(input, ".args");
    g_autoptr(virDomainDef) def = testParse(input);
    g_autofree char *monitor = testMonitorPath(def);
    int fds[TEST_MAX_FDS];
    qemuCommandRuntime rt = testRuntime(monitor, fds, def->interfaces->len);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = qemuBuildCommandLine(def, &rt, &err);
    g_auto(GStrv) again = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *expected = NULL;

    g_assert_no_error(err);
    g_assert_nonnull(argv);
    actual = testJoinArgv(argv);
    again = qemuBuildCommandLine(def, &rt, &err);
    g_assert_no_error(err);
    g_assert_true(g_strv_equal((const char *const *)argv, (const char *const *)again));
    if (testRegenerate()) {
        g_assert_true(g_file_set_contents(golden, actual, -1, NULL));
        return;
    }
    expected = testReadFile(golden);
    g_assert_cmpstr(actual, ==, expected);
}

static int
testExpectedCode(const char *message)
{
    if (g_str_has_prefix(message, "unsupported"))
        return VIR_ERR_CONFIG_UNSUPPORTED;
    if (g_str_has_suffix(message, "has no tap device"))
        return VIR_ERR_INTERNAL_ERROR;
    return VIR_ERR_INVALID_ARG;
}

static void
testInvalid(gconstpointer data)
{
    const char *input = data;
    g_autofree char *errfile = testSiblingPath(input, ".err");
    g_autoptr(virDomainDef) def = testParse(input);
    int fds[TEST_MAX_FDS];
    qemuCommandRuntime rt = testRuntime("/run/virtd/qemu/invalid.monitor", fds, 1);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = qemuBuildCommandLine(def, &rt, &err);
    g_autofree char *expected = NULL;

    g_assert_null(argv);
    g_assert_nonnull(err);
    g_assert_true(err->domain == VIR_ERROR);
    g_assert_cmpint(err->code, ==, testExpectedCode(err->message));
    if (testRegenerate()) {
        g_autofree char *line = g_strconcat(err->message, "\n", NULL);

        g_assert_true(g_file_set_contents(errfile, line, -1, NULL));
        return;
    }
    expected = testReadFile(errfile);
    g_assert_cmpstr(err->message, ==, g_strchomp(expected));
}

/* ====================================================================== */
/* the runtime's part                                                     */
/* ====================================================================== */

#define TEST_SMALL_XML                                                                             \
    "<domain type='qemu'><name>small</name><memory>65536</memory>"                                 \
    "<os><type>hvm</type></os><devices>%s</devices></domain>"

static virDomainDef *
testParseSmall(const char *devices)
{
    g_autofree char *xml = g_strdup_printf(TEST_SMALL_XML, devices);
    g_autoptr(GError) err = NULL;
    virDomainDef *def = virDomainDefParseString(xml, 0, &err);

    g_assert_no_error(err);
    return def;
}

static void
testExpectError(const virDomainDef *def, const qemuCommandRuntime *rt, int code,
                const char *message)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = qemuBuildCommandLine(def, rt, &err);

    g_assert_null(argv);
    g_assert_error(err, VIR_ERROR, code);
    g_assert_cmpstr(err->message, ==, message);
}

/* <emulator> wins over the driver's; without either there is no argv. */
static void
testEmulator(void)
{
    g_autoptr(virDomainDef) def = testParseSmall("<emulator>/opt/qemu/bin/qemu</emulator>");
    qemuCommandRuntime rt = {.emulator = TEST_QEMU, .monitor_path = "/m"};
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = qemuBuildCommandLine(def, &rt, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(argv[0], ==, "/opt/qemu/bin/qemu");
    g_clear_pointer(&def->emulator, g_free);
    g_clear_pointer(&argv, g_strfreev);
    argv = qemuBuildCommandLine(def, &rt, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(argv[0], ==, TEST_QEMU);
    rt.emulator = NULL;
    testExpectError(def, &rt, VIR_ERR_INTERNAL_ERROR, "no emulator binary for domain 'small'");
}

static void
testNoMonitor(void)
{
    g_autoptr(virDomainDef) def = testParseSmall("");
    qemuCommandRuntime rt = {.emulator = TEST_QEMU};

    testExpectError(def, &rt, VIR_ERR_INTERNAL_ERROR, "no monitor socket path for domain 'small'");
}

/* A tap fd of -1, or none at all, for an interface. */
static void
testTapFds(void)
{
    g_autoptr(virDomainDef) def =
        testParseSmall("<interface type='network'><source network='a'/></interface>"
                       "<interface type='network'><source network='b'/></interface>");
    int fds[] = {7, -1};
    qemuCommandRuntime rt = {
        .emulator = TEST_QEMU, .monitor_path = "/m", .tap_fds = fds, .n_tap_fds = 2};
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = NULL;

    testExpectError(def, &rt, VIR_ERR_INTERNAL_ERROR, "interface 1 has no tap device");
    rt.n_tap_fds = 0;
    rt.tap_fds = NULL;
    testExpectError(def, &rt, VIR_ERR_INTERNAL_ERROR, "interface 0 has no tap device");
    fds[1] = 42;
    rt.tap_fds = fds;
    rt.n_tap_fds = 2;
    argv = qemuBuildCommandLine(def, &rt, &err);
    g_assert_no_error(err);
    g_assert_true(g_strv_contains((const char *const *)argv, "tap,fd=7,id=hostnet0"));
    g_assert_true(g_strv_contains((const char *const *)argv, "tap,fd=42,id=hostnet1"));
}

/* ====================================================================== */
/* running qemu                                                           */
/* ====================================================================== */

/* A header-only bzImage (boot protocol 2.15): qemu loads it and its initrd
 * at machine creation, and -S keeps the vCPUs from ever running it. */
static void
testWriteKernel(const char *path)
{
    g_autofree guint8 *image = g_malloc0(64 * 1024);
    g_autoptr(GError) err = NULL;
    guint32 initrd_max = GUINT32_TO_LE(0x7fffffff);
    guint32 cmdline_max = GUINT32_TO_LE(2048);
    guint16 version = GUINT16_TO_LE(0x020f);

    image[0x1f1] = 4; /* setup sectors */
    image[0x1fe] = 0x55;
    image[0x1ff] = 0xaa;
    memcpy(image + 0x202, "HdrS", 4);
    memcpy(image + 0x206, &version, 2);
    image[0x211] = 0x01; /* loaded high */
    memcpy(image + 0x22c, &initrd_max, 4);
    memcpy(image + 0x238, &cmdline_max, 4);
    g_assert_true(g_file_set_contents(path, (const char *)image, 64 * 1024, &err));
    g_assert_no_error(err);
}

static void
testWriteRaw(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 1024 * 1024), ==, 0);
    close(fd);
}

static void
testWriteQcow2(const char *path)
{
    const char *const argv[] = {TEST_QEMUIMG, "create", "-q", "-f", "qcow2", path, "1M", NULL};
    g_autoptr(virCommand) cmd = virCommandNewArgv(argv);
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;

    virCommandSetTimeout(cmd, 30000);
    g_assert_true(virCommandRun(cmd, &res, &err));
    g_assert_no_error(err);
    g_assert_true(virCommandResultSucceeded(&res));
}

/* Moves a host path of the definition into @dir, keeping its file name
 * (and its commas). */
static void
testRelocate(char **path, const char *dir)
{
    g_autofree char *base = g_path_get_basename(*path);

    g_free(*path);
    *path = g_build_filename(dir, base, NULL);
}

static void
testRelocateDisks(virDomainDef *def, const char *dir)
{
    for (guint i = 0; i < def->disks->len; i++) {
        virDomainDiskDef *disk = g_ptr_array_index(def->disks, i);

        if (!disk->src)
            continue;
        testRelocate(&disk->src, dir);
        if (disk->format == VIR_DOMAIN_DISK_FORMAT_QCOW2)
            testWriteQcow2(disk->src);
        else
            testWriteRaw(disk->src);
    }
}

static void
testRelocateChrs(GPtrArray *chrs, const char *dir)
{
    for (guint i = 0; i < chrs->len; i++) {
        virDomainChrDef *chr = g_ptr_array_index(chrs, i);

        if (chr->type == VIR_DOMAIN_CHR_TYPE_FILE)
            testRelocate(&chr->path, dir);
    }
}

/* The definition, with every host file it names made real in @dir, run by
 * TCG with the installed qemu. */
static void
testRelocateDef(virDomainDef *def, const char *dir)
{
    def->virt_type = VIR_DOMAIN_VIRT_QEMU;
    g_clear_pointer(&def->emulator, g_free);
    if (def->os.kernel) {
        testRelocate(&def->os.kernel, dir);
        testWriteKernel(def->os.kernel);
    }
    if (def->os.initrd) {
        testRelocate(&def->os.initrd, dir);
        g_assert_true(g_file_set_contents(def->os.initrd, "initrd", -1, NULL));
    }
    testRelocateDisks(def, dir);
    testRelocateChrs(def->serials, dir);
    testRelocateChrs(def->consoles, dir);
}

/* A tap device that lives as long as its fd. */
static int
testOpenTap(void)
{
    struct ifreq ifr = {0};
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return -1;
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static gboolean
testProcessExited(pid_t pid)
{
    siginfo_t info = {0};

    g_assert_cmpint(waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT), ==, 0);
    return info.si_pid != 0;
}

typedef struct {
    GSocketConnection *conn;
    GDataInputStream *in;
} testQmp;

static void
testQmpClose(testQmp *qmp)
{
    g_clear_object(&qmp->in);
    g_clear_object(&qmp->conn);
}

/* Connects to qemu's monitor once it listens; FALSE if qemu exits first. */
static gboolean
testQmpConnect(testQmp *qmp, const char *path, pid_t pid)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);

    for (int i = 0; i < 1000 && !qmp->conn; i++) {
        if (testProcessExited(pid))
            return FALSE;
        qmp->conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, NULL);
        if (!qmp->conn)
            g_usleep(10000);
    }
    g_assert_nonnull(qmp->conn);
    g_socket_set_timeout(g_socket_connection_get_socket(qmp->conn), 30);
    qmp->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(qmp->conn)));
    return TRUE;
}

/* The next message that is not an event; NULL when qemu hung up. */
static JsonNode *
testQmpRead(testQmp *qmp)
{
    for (;;) {
        g_autoptr(GError) err = NULL;
        g_autofree char *line = g_data_input_stream_read_line(qmp->in, NULL, NULL, &err);
        g_autoptr(JsonNode) node = NULL;

        if (!line) {
            g_test_message("QMP: %s", err ? err->message : "end of file");
            return NULL;
        }
        node = json_from_string(line, &err);
        g_assert_no_error(err);
        if (!json_object_has_member(json_node_get_object(node), "event"))
            return g_steal_pointer(&node);
    }
}

/* Runs @command (JSON) and returns its "return" member; NULL when qemu
 * hung up. */
static JsonNode *
testQmpCommand(testQmp *qmp, const char *command)
{
    g_autofree char *line = g_strconcat(command, "\n", NULL);
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(qmp->conn));
    g_autoptr(JsonNode) reply = NULL;
    JsonObject *obj;

    if (!g_output_stream_write_all(out, line, strlen(line), NULL, NULL, NULL) ||
        !(reply = testQmpRead(qmp)))
        return NULL;
    obj = json_node_get_object(reply);
    if (!json_object_has_member(obj, "return")) {
        g_autofree char *text = json_to_string(reply, FALSE);

        g_error("QMP %s failed: %s", command, text);
    }
    return json_node_copy(json_object_get_member(obj, "return"));
}

/* The ids of all -device arguments. */
static GPtrArray *
testDeviceIds(char **argv)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    for (char **p = argv; *p && p[1]; p++) {
        const char *id;

        if (!g_str_equal(*p, "-device") || !(id = strstr(p[1], ",id=")))
            continue;
        id += strlen(",id=");
        g_ptr_array_add(ids, g_strndup(id, strcspn(id, ",")));
    }
    return ids;
}

static gboolean
testQmpHasChild(JsonNode *list, const char *name)
{
    JsonArray *array = json_node_get_array(list);

    for (guint i = 0; i < json_array_get_length(array); i++) {
        JsonObject *prop = json_array_get_object_element(array, i);

        if (g_str_equal(json_object_get_string_member(prop, "name"), name))
            return TRUE;
    }
    return FALSE;
}

#define TEST_QMP_LIST_PERIPHERALS                                                                  \
    "{\"execute\": \"qom-list\", \"arguments\": {\"path\": \"/machine/peripheral\"}}"

/* qemu is paused before its first instruction, under the domain's name,
 * with every device the argv asked for.  FALSE when qemu hung up. */
static gboolean
testQmpCheck(testQmp *qmp, const virDomainDef *def, char **argv)
{
    g_autoptr(JsonNode) greeting = NULL;
    g_autoptr(JsonNode) caps = NULL;
    g_autoptr(JsonNode) status = NULL;
    g_autoptr(JsonNode) name = NULL;
    g_autoptr(JsonNode) devices = NULL;
    g_autoptr(GPtrArray) ids = testDeviceIds(argv);

    if (!(greeting = testQmpRead(qmp)) ||
        !(caps = testQmpCommand(qmp, "{\"execute\": \"qmp_capabilities\"}")) ||
        !(status = testQmpCommand(qmp, "{\"execute\": \"query-status\"}")) ||
        !(name = testQmpCommand(qmp, "{\"execute\": \"query-name\"}")) ||
        !(devices = testQmpCommand(qmp, TEST_QMP_LIST_PERIPHERALS)))
        return FALSE;
    g_assert_true(json_object_has_member(json_node_get_object(greeting), "QMP"));
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(status), "status"), ==,
                    "prelaunch");
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(name), "name"), ==,
                    def->name);
    for (guint i = 0; i < ids->len; i++) {
        const char *id = g_ptr_array_index(ids, i);

        g_test_message("device %s", id);
        g_assert_true(testQmpHasChild(devices, id));
    }
    return TRUE;
}

/* Kills qemu, which must still be running, and reaps it. */
static void
testKill(virCommand *cmd, pid_t pid)
{
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;

    g_assert_false(testProcessExited(pid));
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_true(virCommandWait(cmd, &res, &err));
    g_assert_no_error(err);
    g_assert_false(res.exited);
    g_assert_cmpint(res.term_signal, ==, SIGKILL);
    g_assert_true(testProcessGroupGone(pid));
}

/* qemu failed: kills it if need be, reaps it, fails the test with its
 * stderr. */
static void
testReportFailure(virCommand *cmd, pid_t pid)
{
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *how = NULL;

    if (!testProcessExited(pid))
        kill(pid, SIGKILL);
    g_assert_true(virCommandWait(cmd, &res, &err));
    g_assert_no_error(err);
    how = virCommandResultDescribe(&res);
    g_test_message("qemu stderr: %.*s", (int)g_bytes_get_size(res.err),
                   (const char *)g_bytes_get_data(res.err, NULL));
    g_test_fail_printf("qemu failed (%s); see its stderr above", how);
}

static gboolean
testOpenTaps(const virDomainDef *def, int *taps)
{
    for (guint i = 0; i < def->interfaces->len; i++) {
        if ((taps[i] = testOpenTap()) < 0) {
            g_autofree char *why =
                g_strdup_printf("cannot create a tap device: %s", g_strerror(errno));

            g_test_skip(why);
            return FALSE;
        }
    }
    return TRUE;
}

static void
testCloseTaps(int *taps, guint n)
{
    for (guint i = 0; i < n; i++) {
        if (taps[i] >= 0)
            close(taps[i]);
    }
}

/* Starts qemu on @argv with the @ntaps taps, checks it, kills it. */
static void
testRunArgv(const virDomainDef *def, char **argv, const char *monitor, const int *taps, guint ntaps)
{
    g_autoptr(virCommand) cmd = virCommandNewArgv((const char *const *)argv);
    testQmp qmp = {0};
    g_autoptr(GError) err = NULL;
    gboolean ok;
    gint64 start;
    pid_t pid;

    for (guint i = 0; i < ntaps; i++)
        g_assert_cmpint(virCommandPassFD(cmd, taps[i]), ==, 3 + (int)i);
    virCommandSetErrorCapture(cmd, 64 * 1024);
    virCommandSetNewProcessGroup(cmd, TRUE);
    virCommandSetTimeout(cmd, 120000); /* only if the test itself hangs */
    start = g_get_monotonic_time();
    g_assert_true(virCommandStart(cmd, &err));
    g_assert_no_error(err);
    pid = virCommandGetPid(cmd);
    ok = testQmpConnect(&qmp, monitor, pid) && testQmpCheck(&qmp, def, argv);
    if (ok) {
        g_usleep(MAX(0, 1000000 - (g_get_monotonic_time() - start)));
        g_assert_true(g_file_test(monitor, G_FILE_TEST_EXISTS));
        ok = !testProcessExited(pid);
    }
    if (ok)
        testKill(cmd, pid);
    else
        testReportFailure(cmd, pid);
    testQmpClose(&qmp);
}

static gboolean
testHasQcow2(const virDomainDef *def)
{
    for (guint i = 0; i < def->disks->len; i++) {
        const virDomainDiskDef *disk = g_ptr_array_index(def->disks, i);

        if (disk->src && disk->format == VIR_DOMAIN_DISK_FORMAT_QCOW2)
            return TRUE;
    }
    return FALSE;
}

/* The golden file's definition, run for real by qemu 7.2. */
static void
testRun(gconstpointer data)
{
    const char *input = data;
    g_autoptr(virDomainDef) def = testParse(input);
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *monitor = NULL;
    int taps[TEST_MAX_FDS];
    int fds[TEST_MAX_FDS];
    qemuCommandRuntime rt;
    g_auto(GStrv) argv = NULL;

    if (!g_file_test(TEST_QEMU, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip(TEST_QEMU " is not installed");
        return;
    }
    if (testHasQcow2(def) && !g_file_test(TEST_QEMUIMG, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip(TEST_QEMUIMG " (qemu-utils) is not installed");
        return;
    }
    g_assert_cmpuint(def->interfaces->len, <=, TEST_MAX_FDS);
    dir = g_dir_make_tmp("qemucommandtest-XXXXXX", &err);
    g_assert_no_error(err);
    memset(taps, -1, sizeof(taps));
    if (testOpenTaps(def, taps)) {
        monitor = g_build_filename(dir, "mon,itor.sock", NULL);
        rt = testRuntime(monitor, fds, def->interfaces->len);
        testRelocateDef(def, dir);
        argv = qemuBuildCommandLine(def, &rt, &err);
        g_assert_no_error(err);
        testRunArgv(def, argv, monitor, taps, def->interfaces->len);
    }
    testCloseTaps(taps, def->interfaces->len);
    testRemoveTree(dir);
}

/* ====================================================================== */

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    int ret;

    g_test_init(&argc, &argv, NULL);
    testAddDataDir(paths, DATA_DIR, "/qemucommand/args", testArgs);
    testAddDataDir(paths, DATA_DIR "/invalid", "/qemucommand/invalid", testInvalid);
    g_test_add_func("/qemucommand/emulator", testEmulator);
    g_test_add_func("/qemucommand/no-monitor", testNoMonitor);
    g_test_add_func("/qemucommand/tap-fds", testTapFds);
    testAddDataDir(paths, DATA_DIR, "/qemucommand/run", testRun);
    ret = g_test_run();
    return ret;
}

/*
 * networkdnsmasqtest.c: dnsmasq's files and argv for a network
 *
 * - every tests/networkdnsmasqdata/NAME.xml gives, with the runtime of
 *   testRuntime() (pid file in /run/virtd/network, the other files in
 *   /var/lib/virtd/network, user dnsmasq), exactly the configuration of
 *   NAME.conf, and the DHCP hosts file and DNS hosts file of
 *   NAME.hostsfile and NAME.addnhosts (files that exist only when those
 *   are not empty);
 * - that dnsmasq accepts them: /networkdnsmasq/syntax/NAME.xml runs the
 *   installed `dnsmasq --test` (a syntax check that starts nothing) on
 *   NAME.conf, and on NAME.hostsfile's lines as dhcp-host options; a bad
 *   line is refused, so the check is not vacuous.  Without dnsmasq these
 *   are skipped with a message;
 * - that the configuration works: /networkdnsmasq/run starts dnsmasq on it
 *   for real, as root, in a private network namespace with a bridge of
 *   its own (never on the host's network), with one line added to the
 *   configuration (log-facility=<file>, to see what dnsmasq did), and
 *   checks what the driver relies on: the start exits 0 once the daemon
 *   runs, the pid file names it, it runs as virNetworkDnsmasqUser(), it
 *   creates the lease file, serves DHCPv4, DHCPv6 and router
 *   advertisements on the bridge only, answers DNS on the bridge's
 *   address (not on 127.0.0.1) from addn-hosts with the domain expanded,
 *   and on SIGHUP reads both hosts files again as that user; it is then
 *   killed by pid (also when an assertion fails first);
 * - which networks need no dnsmasq, the argv, the user, lease file
 *   parsing.
 *
 * VIRTD_TEST_REGENERATE=1 rewrites the golden files from the current
 * output instead of comparing.
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "network_dnsmasq.h"
#include "testutils.h"
#include "vircommand.h"

#define DATA_DIR     SOURCE_DIR "/tests/networkdnsmasqdata"
#define TEST_DNSMASQ "/usr/sbin/dnsmasq"
#define TEST_IP      "/usr/sbin/ip"

/* main() moved the whole test into a network namespace of its own. */
static gboolean testPrivateNet;

/* The dnsmasq the run test started, killed if the test dies first. */
static volatile pid_t testDnsmasqPid;

static virNetworkDef *
testParse(const char *path)
{
    g_autoptr(GError) err = NULL;
    virNetworkDef *def = virNetworkDefParseFile(path, 0, &err);

    g_assert_no_error(err);
    g_assert_nonnull(def);
    return def;
}

static virNetworkDef *
testParseString(const char *xml)
{
    g_autoptr(GError) err = NULL;
    virNetworkDef *def = virNetworkDefParseString(xml, 0, &err);

    g_assert_no_error(err);
    return def;
}

/* The files of network @name under @state and @run. */
typedef struct {
    char *pid_file;
    char *leases_file;
    char *hosts_file;
    char *addn_hosts_file;
} testPaths;

static void
testPathsClear(testPaths *p)
{
    g_free(p->pid_file);
    g_free(p->leases_file);
    g_free(p->hosts_file);
    g_free(p->addn_hosts_file);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(testPaths, testPathsClear)

static virNetworkDnsmasqRuntime
testRuntime(testPaths *p, const char *state, const char *run, const char *name, const char *user)
{
    virNetworkDnsmasqRuntime rt;

    p->pid_file = g_strdup_printf("%s/network/%s.pid", run, name);
    p->leases_file = g_strdup_printf("%s/network/%s.leases", state, name);
    p->hosts_file = g_strdup_printf("%s/network/%s.hostsfile", state, name);
    p->addn_hosts_file = g_strdup_printf("%s/network/%s.addnhosts", state, name);
    rt = (virNetworkDnsmasqRuntime){.pid_file = p->pid_file,
                                    .leases_file = p->leases_file,
                                    .hosts_file = p->hosts_file,
                                    .addn_hosts_file = p->addn_hosts_file,
                                    .user = user};
    return rt;
}

/* A golden file that exists only when @actual is not empty. */
static void
testCompareOptional(const char *path, const char *actual)
{
    if (testRegenerate() && !*actual) {
        g_assert_true(g_remove(path) == 0 || errno == ENOENT);
        return;
    }
    if (!*actual && !testRegenerate()) {
        g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
        return;
    }
    testCompareGolden(path, actual);
}

/* ====================================================================== */
/* golden files                                                           */
/* ====================================================================== */

static void
testGolden(gconstpointer data)
{
    const char *input = data;
    g_autofree char *conf_path = testSiblingPath(input, ".conf");
    g_autofree char *hosts_path = testSiblingPath(input, ".hostsfile");
    g_autofree char *addn_path = testSiblingPath(input, ".addnhosts");
    g_autoptr(virNetworkDef) def = testParse(input);
    g_auto(testPaths) p = {0};
    virNetworkDnsmasqRuntime rt =
        testRuntime(&p, "/var/lib/virtd", "/run/virtd", def->name, VIR_NETWORK_DNSMASQ_USER);
    g_autofree char *conf = NULL;
    g_autofree char *again = NULL;
    g_autofree char *hosts = virNetworkDnsmasqHostsFile(def);
    g_autofree char *addn = virNetworkDnsmasqAddnHosts(def);

    g_assert_true(virNetworkDnsmasqNeeded(def));
    g_assert_nonnull(def->bridge.name);
    conf = virNetworkDnsmasqConfig(def, def->bridge.name, &rt);
    again = virNetworkDnsmasqConfig(def, def->bridge.name, &rt);
    g_assert_cmpstr(conf, ==, again);
    testCompareGolden(conf_path, conf);
    testCompareOptional(hosts_path, hosts);
    testCompareOptional(addn_path, addn);
}

/* ====================================================================== */
/* dnsmasq --test                                                         */
/* ====================================================================== */

/* `dnsmasq --test` on @conf; its exit status and output. */
static gboolean
testDnsmasqSyntax(const char *conf, char **output)
{
    g_autofree char *arg = g_strdup_printf("--conf-file=%s", conf);
    const char *argv[] = {TEST_DNSMASQ, "--test", arg, NULL};
    g_autoptr(virCommand) cmd = virCommandNewArgv(argv);
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;

    virCommandSetErrorCapture(cmd, 4096);
    virCommandSetTimeout(cmd, 30000);
    g_assert_true(virCommandRun(cmd, &res, &err));
    g_assert_no_error(err);
    *output = res.err ? g_strndup(g_bytes_get_data(res.err, NULL), g_bytes_get_size(res.err))
                      : g_strdup("");
    return virCommandResultSucceeded(&res);
}

static gboolean
testHaveDnsmasq(void)
{
    if (g_file_test(TEST_DNSMASQ, G_FILE_TEST_IS_EXECUTABLE))
        return TRUE;
    g_test_skip(TEST_DNSMASQ " is not installed (Debian package dnsmasq-base)");
    return FALSE;
}

/* The hosts file's lines as dhcp-host options, which dnsmasq --test
 * checks as it would check the file's lines. */
static char *
testHostsAsConf(const char *hosts)
{
    g_auto(GStrv) lines = g_strsplit(hosts, "\n", -1);
    GString *conf = g_string_new(NULL);

    for (char **l = lines; *l; l++) {
        if (**l)
            g_string_append_printf(conf, "dhcp-host=%s\n", *l);
    }
    return g_string_free(conf, FALSE);
}

static void
testSyntax(gconstpointer data)
{
    const char *input = data;
    g_autofree char *conf_path = testSiblingPath(input, ".conf");
    g_autofree char *hosts_path = testSiblingPath(input, ".hostsfile");
    g_autofree char *output = NULL;

    if (!testHaveDnsmasq())
        return;
    if (!testDnsmasqSyntax(conf_path, &output))
        g_error("dnsmasq --test refuses %s: %s", conf_path, output);
    g_assert_true(strstr(output, "syntax check OK") != NULL);
    if (g_file_test(hosts_path, G_FILE_TEST_EXISTS)) {
        g_autofree char *dir = g_dir_make_tmp("dnsmasqtest-XXXXXX", NULL);
        g_autofree char *tmp = g_build_filename(dir, "hosts.conf", NULL);
        g_autofree char *hosts = testReadFile(hosts_path);
        g_autofree char *conf = testHostsAsConf(hosts);

        g_assert_true(g_file_set_contents(tmp, conf, -1, NULL));
        g_clear_pointer(&output, g_free);
        if (!testDnsmasqSyntax(tmp, &output))
            g_error("dnsmasq --test refuses the lines of %s: %s", hosts_path, output);
        testRemoveTree(dir);
    }
}

/* The syntax check does look at values: a bad DUID is refused. */
static void
testSyntaxRefuses(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *output = NULL;

    if (!testHaveDnsmasq())
        return;
    dir = g_dir_make_tmp("dnsmasqtest-XXXXXX", NULL);
    tmp = g_build_filename(dir, "bad.conf", NULL);
    g_assert_true(g_file_set_contents(tmp, "dhcp-host=id:zz:1,[fd00::5]\n", -1, NULL));
    g_assert_false(testDnsmasqSyntax(tmp, &output));
    g_assert_true(strstr(output, "bad hex constant") != NULL);
    testRemoveTree(dir);
}

/* ====================================================================== */
/* a real dnsmasq in a private network namespace                          */
/* ====================================================================== */

#define TEST_RUN_BRIDGE "vdtest0"
#define TEST_RUN_ADDR   "10.77.0.1"
#define TEST_RUN_XML                                                                               \
    "<network><name>run</name><forward mode='nat'/><bridge name='" TEST_RUN_BRIDGE "'/>"           \
    "<domain name='run.lan'/>"                                                                     \
    "<dns><host ip='10.77.0.5'><hostname>printer</hostname></host></dns>"                          \
    "<ip address='" TEST_RUN_ADDR "' prefix='24'><dhcp>"                                           \
    "<range start='10.77.0.10' end='10.77.0.20'/>"                                                 \
    "<host mac='52:54:00:00:77:01' name='vm1' ip='10.77.0.11'/></dhcp></ip>"                     \
    "<ip family='ipv6' address='fd00:77::1' prefix='64'><dhcp>"                                    \
    "<range start='fd00:77::10' end='fd00:77::20'/></dhcp></ip></network>"

static void
testRunCommand(const char *const *argv)
{
    g_autoptr(virCommand) cmd = virCommandNewArgv(argv);
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;

    virCommandSetErrorCapture(cmd, 4096);
    virCommandSetTimeout(cmd, 30000);
    g_assert_true(virCommandRun(cmd, &res, &err));
    g_assert_no_error(err);
    if (!virCommandResultSucceeded(&res)) {
        g_autofree char *what = virCommandResultDescribe(&res);

        g_error("%s: %s", argv[0], what);
    }
}

/* A bridge with an address, in the private namespace. */
static void
testRunBridge(void)
{
    const char *lo[] = {TEST_IP, "link", "set", "lo", "up", NULL};
    const char *add[] = {TEST_IP, "link", "add", TEST_RUN_BRIDGE, "type", "bridge", NULL};
    const char *addr[] = {TEST_IP, "addr", "add", TEST_RUN_ADDR "/24", "dev", TEST_RUN_BRIDGE,
                          NULL};
    const char *up[] = {TEST_IP, "link", "set", TEST_RUN_BRIDGE, "up", NULL};
    /* no port, no carrier: duplicate address detection would not end */
    const char *addr6[] = {TEST_IP,         "addr",  "add", "fd00:77::1/64", "dev",
                           TEST_RUN_BRIDGE, "nodad", NULL};

    testRunCommand(lo);
    testRunCommand(add);
    testRunCommand(addr);
    testRunCommand(addr6);
    testRunCommand(up);
}

static void
testWriteFile(const char *path, const char *text, int mode)
{
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    g_assert_cmpint(g_chmod(path, mode), ==, 0);
}

/* The pid in @pid_file. */
static pid_t
testReadPid(const char *pid_file)
{
    g_autofree char *text = testReadFile(pid_file);
    guint64 pid = 0;

    g_assert_true(g_ascii_string_to_unsigned(g_strstrip(text), 10, 2, G_MAXINT32, &pid, NULL));
    return (pid_t)pid;
}

/* The effective uid of @pid: "Uid:\treal\teffective\tsaved\tfs". */
static guint64
testProcessUid(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *status = testReadFile(path);
    const char *line = strstr(status, "\nUid:\t");
    g_auto(GStrv) fields = NULL;
    guint64 uid = 0;

    g_assert_nonnull(line);
    fields = g_strsplit_set(line + strlen("\nUid:\t"), "\t\n", 3);
    g_assert_cmpuint(g_strv_length(fields), ==, 3);
    g_assert_true(g_ascii_string_to_unsigned(fields[1], 10, 0, G_MAXUINT32, &uid, NULL));
    return uid;
}

/* Is a UDP socket bound to @hex ("ADDR:PORT" as /proc/net/udp writes it)? */
static gboolean
testListensUdp(const char *hex)
{
    g_autofree char *udp = testReadFile("/proc/net/udp");
    g_autofree char *needle = g_strdup_printf(" %s ", hex);

    return strstr(udp, needle) != NULL;
}

/* A DNS query for the A records of @name, as the guests would send it. */
static gsize
testDNSQuery(const char *name, guint8 *q, gsize size)
{
    g_auto(GStrv) labels = g_strsplit(name, ".", -1);
    static const guint8 header[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    gsize n = sizeof(header);

    memcpy(q, header, n);
    for (char **l = labels; *l; l++) {
        gsize len = strlen(*l);

        g_assert_cmpuint(n + 1 + len + 5, <, size);
        q[n++] = (guint8)len;
        memcpy(q + n, *l, len);
        n += len;
    }
    memcpy(q + n, "\0\0\1\0\1", 5);
    return n + 5;
}

/* Skips a (possibly compressed) name at @off of @a. */
static gsize
testDNSSkipName(const guint8 *a, gsize len, gsize off)
{
    while (off < len && a[off] && (a[off] & 0xc0) != 0xc0)
        off += a[off] + 1;
    return off < len && a[off] ? off + 2 : off + 1;
}

/* The A records of the answer @a, dotted and space-separated. */
static char *
testDNSAnswers(const guint8 *a, gsize len)
{
    GString *out = g_string_new(NULL);
    guint count;
    gsize off;

    g_assert_cmpuint(len, >=, 12);
    g_assert_cmpuint(a[0] << 8 | a[1], ==, 0x1234);
    count = (guint)(a[6] << 8 | a[7]);
    off = testDNSSkipName(a, len, 12) + 4;
    for (guint i = 0; i < count && off < len; i++) {
        guint type;
        guint rdlen;

        off = testDNSSkipName(a, len, off);
        g_assert_cmpuint(off + 10, <=, len);
        type = (guint)(a[off] << 8 | a[off + 1]);
        rdlen = (guint)(a[off + 8] << 8 | a[off + 9]);
        off += 10;
        g_assert_cmpuint(off + rdlen, <=, len);
        if (type == 1 && rdlen == 4)
            g_string_append_printf(out, "%s%u.%u.%u.%u", out->len ? " " : "", a[off],
                                   a[off + 1], a[off + 2], a[off + 3]);
        off += rdlen;
    }
    return g_string_free(out, FALSE);
}

/* What dnsmasq answers on the bridge's address for @name. */
static char *
testResolve(const char *name)
{
    g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                           G_SOCKET_PROTOCOL_UDP, NULL);
    g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(TEST_RUN_ADDR);
    g_autoptr(GSocketAddress) to = g_inet_socket_address_new(ip, 53);
    g_autoptr(GError) err = NULL;
    guint8 q[512];
    guint8 a[1500];
    gsize qlen = testDNSQuery(name, q, sizeof(q));
    gssize alen;

    g_assert_nonnull(sock);
    g_socket_set_timeout(sock, 10);
    g_assert_cmpint(g_socket_send_to(sock, to, (const char *)q, qlen, NULL, &err), ==, qlen);
    alen = g_socket_receive(sock, (char *)a, sizeof(a), NULL, &err);
    g_assert_no_error(err);
    return testDNSAnswers(a, (gsize)alen);
}

/* Waits (10 s at most) until @name resolves to @want. */
static void
testResolveWait(const char *name, const char *want)
{
    for (int i = 0;; i++) {
        g_autofree char *got = testResolve(name);

        if (strcmp(got, want) == 0)
            return;
        if (i == 1000)
            g_error("%s resolves to '%s', not '%s'", name, got, want);
        g_usleep(10000);
    }
}

/* Waits (10 s at most) until @line is in the log file @path @count times. */
static void
testLogWait(const char *path, const char *line, guint count)
{
    for (int i = 0;; i++) {
        g_autofree char *text = NULL;
        guint seen = 0;

        if (g_file_get_contents(path, &text, NULL, NULL)) {
            for (const char *p = strstr(text, line); p; p = strstr(p + 1, line))
                seen++;
        }
        if (seen >= count)
            return;
        if (i == 1000)
            g_error("'%s' is in dnsmasq's log %u times, not %u:\n%s", line, seen, count,
                    text ? text : "");
        g_usleep(10000);
    }
}

/* The configuration and the hosts files, in directories that dnsmasq can
 * still read once it runs as @user (searchable directories, files
 * readable by others): what the driver must do too. */
static char *
testRunFiles(const virNetworkDef *def, const char *dir, testPaths *p, const char *user)
{
    g_autofree char *state = g_build_filename(dir, "state", "network", NULL);
    g_autofree char *run = g_build_filename(dir, "run", "network", NULL);
    g_autofree char *state_top = g_build_filename(dir, "state", NULL);
    g_autofree char *run_top = g_build_filename(dir, "run", NULL);
    virNetworkDnsmasqRuntime rt;
    g_autofree char *conf = NULL;
    g_autofree char *logged = NULL;
    g_autofree char *hosts = virNetworkDnsmasqHostsFile(def);
    g_autofree char *addn = virNetworkDnsmasqAddnHosts(def);
    char *conf_path = g_build_filename(dir, "run.conf", NULL);

    g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(state, 0755), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(run, 0755), ==, 0);
    rt = testRuntime(p, state_top, run_top, "run", user);
    conf = virNetworkDnsmasqConfig(def, TEST_RUN_BRIDGE, &rt);
    /* the one line added for the test: what dnsmasq did, in a file */
    logged = g_strdup_printf("%slog-facility=%s/log\n", conf, dir);
    testWriteFile(conf_path, logged, 0644);
    testWriteFile(p->hosts_file, hosts, 0644);
    testWriteFile(p->addn_hosts_file, addn, 0644);
    return conf_path;
}

static void
testKillDnsmasq(int sig)
{
    if (testDnsmasqPid > 0)
        kill(testDnsmasqPid, SIGTERM);
}

/* A failing assertion aborts; meson's timeout sends SIGTERM: neither may
 * leave the daemon behind (it is no child of ours). */
static void
testKillDnsmasqOnDeath(void)
{
    struct sigaction sa = {.sa_handler = testKillDnsmasq, .sa_flags = SA_RESETHAND};

    sigemptyset(&sa.sa_mask);
    g_assert_cmpint(sigaction(SIGABRT, &sa, NULL), ==, 0);
    g_assert_cmpint(sigaction(SIGTERM, &sa, NULL), ==, 0);
    g_assert_cmpint(sigaction(SIGTRAP, &sa, NULL), ==, 0);
}

/* Starts dnsmasq as the driver will; returns its pid. */
static pid_t
testRunStart(const char *conf_path, const char *pid_file)
{
    g_autoptr(GPtrArray) argv = virNetworkDnsmasqArgv(TEST_DNSMASQ, conf_path);

    testRunCommand((const char *const *)argv->pdata);
    /* the start returned after the daemon wrote its pid file */
    testDnsmasqPid = testReadPid(pid_file);
    return testDnsmasqPid;
}

static void
testRunStop(pid_t pid)
{
    g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
    for (int i = 0; i < 3000 && kill(pid, 0) == 0; i++)
        g_usleep(10000);
    g_assert_cmpint(kill(pid, 0), ==, -1);
    testDnsmasqPid = 0;
}

static void
testRun(void)
{
    g_autoptr(virNetworkDef) def = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *conf_path = NULL;
    g_autofree char *log = NULL;
    g_autofree char *hosts_read = NULL;
    g_autofree char *text = NULL;
    g_auto(testPaths) p = {0};
    const char *user = virNetworkDnsmasqUser();
    struct passwd *pw = getpwnam(user);
    pid_t pid;

    if (!testHaveDnsmasq())
        return;
    if (!testPrivateNet) {
        g_test_skip("needs root and a network namespace of its own (unshare CLONE_NEWNET)");
        return;
    }
    g_assert_nonnull(pw);
    testKillDnsmasqOnDeath();
    testRunBridge();
    def = testParseString(TEST_RUN_XML);
    dir = g_dir_make_tmp("dnsmasqtest-XXXXXX", NULL);
    conf_path = testRunFiles(def, dir, &p, user);
    pid = testRunStart(conf_path, p.pid_file);

    g_assert_cmpint(kill(pid, 0), ==, 0);
    g_assert_cmpuint(testProcessUid(pid), ==, pw->pw_uid);
    log = g_build_filename(dir, "log", NULL);
    hosts_read = g_strdup_printf("dnsmasq-dhcp[%d]: read %s\n", (int)pid, p.hosts_file);
    testLogWait(log, hosts_read, 1);
    testLogWait(log, "DHCP, IP range 10.77.0.10 -- 10.77.0.20, lease time 1h\n", 1);
    testLogWait(log, "DHCP, sockets bound exclusively to interface " TEST_RUN_BRIDGE "\n", 1);
    testLogWait(log, "DHCPv6, IP range fd00:77::10 -- fd00:77::20, lease time 1d\n", 1);
    testLogWait(log, "router advertisement on fd00:77::\n", 1);
    g_assert_true(g_file_test(p.leases_file, G_FILE_TEST_IS_REGULAR));
    /* DNS on the bridge's address only (10.77.0.1:53 is 01004D0A:0035 in
     * /proc/net/udp), none on 127.0.0.1:53; DHCP on port 67 */
    g_assert_true(testListensUdp("01004D0A:0035"));
    g_assert_false(testListensUdp("0100007F:0035"));
    g_assert_true(testListensUdp("00000000:0043"));
    /* addn-hosts, expand-hosts with the domain, a static DHCP host */
    testResolveWait("printer", "10.77.0.5");
    testResolveWait("printer.run.lan", "10.77.0.5");

    /* SIGHUP: both hosts files are read again, as @user */
    testWriteFile(p.hosts_file, "52:54:00:00:77:02,10.77.0.12,vm2\n", 0644);
    testWriteFile(p.addn_hosts_file, "10.77.0.6\tscanner\n", 0644);
    g_assert_cmpint(kill(pid, SIGHUP), ==, 0);
    testResolveWait("scanner", "10.77.0.6");
    testResolveWait("printer", "");
    testLogWait(log, hosts_read, 2);
    text = testReadFile(log);
    g_assert_null(strstr(text, "cannot read"));

    testRunStop(pid);
    testRemoveTree(dir);
}

/* ====================================================================== */
/* the rest                                                               */
/* ====================================================================== */

/* Nothing to serve, or not virtd's bridge: no dnsmasq. */
static void
testNeeded(void)
{
    static const struct {
        const char *xml;
        gboolean needed;
    } cases[] = {
        {"<network><name>n</name><forward mode='bridge'/><bridge name='br0'/></network>", FALSE},
        {"<network><name>n</name></network>", FALSE},
        {"<network><name>n</name><dns enable='no'/><ip address='10.0.0.1' prefix='24'/>"
         "<ip family='ipv6' address='fd00::1' prefix='64'/></network>",
         FALSE},
        {"<network><name>n</name><dns enable='no'/><ip address='10.0.0.1' prefix='24'>"
         "<dhcp><range start='10.0.0.2' end='10.0.0.3'/></dhcp></ip></network>",
         TRUE},
        {"<network><name>n</name><dns enable='no'/><ip family='ipv6' address='fd00::1' "
         "prefix='64'><dhcp><host name='a' ip='fd00::2'/></dhcp></ip></network>",
         TRUE},
        {"<network><name>n</name><forward mode='open'/><ip address='10.0.0.1' prefix='24'/>"
         "</network>",
         TRUE},
        {"<network><name>n</name><ip address='10.0.0.1' prefix='24'/></network>", TRUE},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(virNetworkDef) def = testParseString(cases[i].xml);

        g_assert_cmpint(virNetworkDnsmasqNeeded(def), ==, cases[i].needed);
    }
}

static void
testArgv(void)
{
    g_autoptr(GPtrArray) argv =
        virNetworkDnsmasqArgv("/usr/sbin/dnsmasq", "/var/lib/virtd/network/default.conf");

    g_assert_cmpuint(argv->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(argv, 0), ==, "/usr/sbin/dnsmasq");
    g_assert_cmpstr(g_ptr_array_index(argv, 1), ==,
                    "--conf-file=/var/lib/virtd/network/default.conf");
    g_assert_null(g_ptr_array_index(argv, 2));
}

/* The group line is there only when asked for; the user always is. */
static void
testRuntimeLines(void)
{
    g_autoptr(virNetworkDef) def =
        testParseString("<network><name>n</name><bridge name='virbr1'/>"
                        "<ip address='10.0.0.1' prefix='24'/></network>");
    g_auto(testPaths) p = {0};
    virNetworkDnsmasqRuntime rt = testRuntime(&p, "/s", "/r", "n", "nobody");
    g_autofree char *conf = virNetworkDnsmasqConfig(def, "virbr1", &rt);
    g_autofree char *conf2 = NULL;

    g_assert_nonnull(strstr(conf, "\nuser=nobody\n"));
    g_assert_null(strstr(conf, "group="));
    g_assert_nonnull(strstr(conf, "\ninterface=virbr1\n"));
    rt.group = "nogroup";
    conf2 = virNetworkDnsmasqConfig(def, "virbr9", &rt);
    g_assert_nonnull(strstr(conf2, "\nuser=nobody\ngroup=nogroup\n"));
    g_assert_nonnull(strstr(conf2, "\ninterface=virbr9\n"));
}

/* "dnsmasq" when dnsmasq-base created that user, else "nobody". */
static void
testUser(void)
{
    gboolean exists = getpwnam(VIR_NETWORK_DNSMASQ_USER) != NULL;

    g_assert_cmpstr(virNetworkDnsmasqUser(), ==,
                    exists ? VIR_NETWORK_DNSMASQ_USER : VIR_NETWORK_DNSMASQ_USER_FALLBACK);
}

/* Lines as dnsmasq 2.90 writes them: DHCPv4 leases, then the server's
 * DUID and the DHCPv6 leases. */
#define TEST_LEASES                                                                                \
    "1795318350 52:54:00:aa:bb:01 192.168.150.48 * 01:52:54:00:aa:bb:01\n"                         \
    "0 52:54:00:aa:bb:02 192.168.150.49 vm2 *\n"                                                   \
    "duid 00:01:00:01:2c:5a:1b:2e:52:54:00:0a:0b:01\n"                                             \
    "1795400000 1164459 2001:db8:ca2:2::143 vm3 00:04:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed\n"       \
    "1795400001 T12 2001:DB8:CA2:2::144 * *\n"

static void
testLeases(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) leases = virNetworkDnsmasqParseLeases(TEST_LEASES, &err);
    g_autoptr(GPtrArray) none = NULL;
    const virNetworkDnsmasqLease *l;

    g_assert_no_error(err);
    g_assert_cmpuint(leases->len, ==, 4);
    l = g_ptr_array_index(leases, 0);
    g_assert_cmpint(l->family, ==, VIR_NETWORK_IP_FAMILY_IPV4);
    g_assert_cmpint(l->expiry, ==, 1795318350);
    g_assert_cmpstr(l->mac, ==, "52:54:00:aa:bb:01");
    g_assert_null(l->iaid);
    g_assert_cmpstr(l->ip, ==, "192.168.150.48");
    g_assert_null(l->hostname);
    g_assert_cmpstr(l->client_id, ==, "01:52:54:00:aa:bb:01");
    l = g_ptr_array_index(leases, 1);
    g_assert_cmpint(l->expiry, ==, 0);
    g_assert_cmpstr(l->hostname, ==, "vm2");
    g_assert_null(l->client_id);
    l = g_ptr_array_index(leases, 2);
    g_assert_cmpint(l->family, ==, VIR_NETWORK_IP_FAMILY_IPV6);
    g_assert_null(l->mac);
    g_assert_cmpstr(l->iaid, ==, "1164459");
    g_assert_cmpstr(l->ip, ==, "2001:db8:ca2:2::143");
    g_assert_cmpstr(l->client_id, ==, "00:04:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed");
    l = g_ptr_array_index(leases, 3);
    g_assert_cmpstr(l->iaid, ==, "T12");
    g_assert_cmpstr(l->ip, ==, "2001:db8:ca2:2::144");

    none = virNetworkDnsmasqParseLeases("", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(none->len, ==, 0);
}

static void
testLeasesBad(void)
{
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {"1 52:54:00:aa:bb:01 192.168.150.48 *\n", "line 1 of dnsmasq's lease file is not a lease"},
        {"1 52:54:00:aa:bb:01 192.168.150.48 * *\nx 52:54:00:aa:bb:01 10.0.0.1 * *\n",
         "line 2 of dnsmasq's lease file is not a lease"},
        {"1 52:54:00:aa:bb:01 fd00::1 * *\n", "line 1 of dnsmasq's lease file is not a lease"},
        {"duid 00:01\n1 5 10.0.0.1 * *\n", "line 2 of dnsmasq's lease file is not a lease"},
        {"1 52:54:00:aa:bb:01 192.168.150.300 * *\n",
         "line 1 of dnsmasq's lease file is not a lease"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(GPtrArray) leases = virNetworkDnsmasqParseLeases(cases[i].text, &err);

        g_assert_null(leases);
        g_assert_error(err, VIR_ERROR, VIR_ERR_INTERNAL_ERROR);
        g_assert_cmpstr(err->message, ==, cases[i].message);
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);

    /* Before any thread exists, so that every child inherits it: the run
     * test may then create a bridge and start dnsmasq without touching
     * the host's network. */
    testPrivateNet = geteuid() == 0 && unshare(CLONE_NEWNET) == 0;
    g_test_init(&argc, &argv, NULL);
    testAddDataDir(paths, DATA_DIR, "/networkdnsmasq/golden", testGolden);
    testAddDataDir(paths, DATA_DIR, "/networkdnsmasq/syntax", testSyntax);
    g_test_add_func("/networkdnsmasq/syntax-refuses", testSyntaxRefuses);
    g_test_add_func("/networkdnsmasq/run", testRun);
    g_test_add_func("/networkdnsmasq/needed", testNeeded);
    g_test_add_func("/networkdnsmasq/argv", testArgv);
    g_test_add_func("/networkdnsmasq/runtime-lines", testRuntimeLines);
    g_test_add_func("/networkdnsmasq/user", testUser);
    g_test_add_func("/networkdnsmasq/leases", testLeases);
    g_test_add_func("/networkdnsmasq/leases-bad", testLeasesBad);
    return g_test_run();
}

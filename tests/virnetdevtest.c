/*
 * virnetdevtest.c: bridges and addresses through rtnetlink, on real
 * interfaces in a private network namespace
 *
 * The test re-executes itself under "unshare --net" and refuses to run
 * anywhere but in a namespace of its own (only "lo"), so the host's
 * network is never touched.  Without root it skips.
 */
#include <glib.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vircommand.h"
#include "virnetdev.h"

#define IN_NETNS_ENV "VIRNETDEVTEST_IN_NETNS"

/* "ip -d -o ..." of @args, for what the kernel really holds. */
static char *
ip_show(const char *const *args)
{
    g_autoptr(virCommand) cmd = virCommandNew("/usr/sbin/ip");
    g_auto(virCommandResult) res = {0};
    g_autoptr(GError) err = NULL;

    virCommandAddArgList(cmd, "-d", "-o", NULL);
    for (size_t i = 0; args[i]; i++)
        virCommandAddArg(cmd, args[i]);
    virCommandSetOutputCapture(cmd, 64 * 1024);
    g_assert_true(virCommandRun(cmd, &res, &err));
    g_assert_no_error(err);
    g_assert_true(virCommandResultSucceeded(&res));
    return g_strndup(g_bytes_get_data(res.out, NULL), g_bytes_get_size(res.out));
}

static void
assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        g_error("'%s' not found in: %s", needle, haystack);
}

static void
test_bridge(void)
{
    virNetDevBridgeDef def = {
        .name = "vtest0", .mac = "52:54:00:0a:0b:0c", .mtu = 1400, .stp = TRUE, .delay = 0,
    };
    const char *show[] = {"link", "show", "dev", "vtest0", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *link = NULL;
    g_autofree char *up = NULL;

    g_assert_true(virNetDevBridgeCreate(&def, &err));
    g_assert_no_error(err);
    link = ip_show(show);
    assert_contains(link, "mtu 1400");
    assert_contains(link, "link/ether 52:54:00:0a:0b:0c");
    /* with STP on, Linux raises a forward delay below 2 s to 2 s */
    assert_contains(link, "bridge forward_delay 200 ");
    assert_contains(link, " stp_state 1 ");
    assert_contains(link, "state DOWN");

    /* a second one of the same name is refused, naming it */
    g_assert_false(virNetDevBridgeCreate(&def, &err));
    g_assert_nonnull(strstr(err->message, "cannot create bridge 'vtest0': "));
    g_clear_error(&err);

    g_assert_true(virNetDevSetUp("vtest0", &err));
    up = ip_show(show);
    assert_contains(up, "BROADCAST,MULTICAST,UP>");

    g_assert_true(virNetDevDelete("vtest0", &err));
    g_assert_no_error(err);
    g_assert_false(virNetDevExists("vtest0"));
    /* deleting what is gone is no error */
    g_assert_true(virNetDevDelete("vtest0", &err));
    g_assert_no_error(err);
}

static void
test_bridge_defaults(void)
{
    virNetDevBridgeDef def = {.name = "vtest1", .stp = FALSE, .delay = 5};
    const char *show[] = {"link", "show", "dev", "vtest1", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *link = NULL;

    g_assert_true(virNetDevBridgeCreate(&def, &err));
    link = ip_show(show);
    assert_contains(link, "mtu 1500");
    assert_contains(link, "bridge forward_delay 500 ");
    assert_contains(link, " stp_state 0 ");
    g_assert_true(virNetDevDelete("vtest1", &err));

    def = (virNetDevBridgeDef){.name = "vtest1", .stp = TRUE, .delay = 3};
    g_assert_true(virNetDevBridgeCreate(&def, &err));
    g_free(link);
    link = ip_show(show);
    assert_contains(link, "bridge forward_delay 300 ");
    assert_contains(link, " stp_state 1 ");
    g_assert_true(virNetDevDelete("vtest1", &err));

    def.name = "a-name-too-long-for-linux";
    g_assert_false(virNetDevBridgeCreate(&def, &err));
    g_assert_cmpstr(err->message, ==, "interface name 'a-name-too-long-for-linux' is too long");
}

static void
test_addresses(void)
{
    virNetDevBridgeDef def = {.name = "vtest2", .stp = TRUE};
    const char *show[] = {"addr", "show", "dev", "vtest2", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *addrs = NULL;

    g_assert_true(virNetDevBridgeCreate(&def, &err));
    g_assert_true(virNetDevAddAddress("vtest2", "192.168.150.1", 24, &err));
    g_assert_no_error(err);
    g_assert_true(virNetDevAddAddress("vtest2", "10.9.8.1", 30, &err));
    g_assert_true(virNetDevAddAddress("vtest2", "2001:db8:ca2:2::1", 64, &err));
    g_assert_no_error(err);
    addrs = ip_show(show);
    assert_contains(addrs, "inet 192.168.150.1/24 brd 192.168.150.255 ");
    assert_contains(addrs, "inet 10.9.8.1/30 brd 10.9.8.3 ");
    assert_contains(addrs, "inet6 2001:db8:ca2:2::1/64 ");

    g_assert_false(virNetDevAddAddress("vtest2", "192.168.150.1", 24, &err));
    g_assert_nonnull(strstr(err->message, "cannot add address 192.168.150.1/24 to 'vtest2': "));
    g_clear_error(&err);
    g_assert_false(virNetDevAddAddress("vtest2", "192.168.150.300", 24, &err));
    g_assert_cmpstr(err->message, ==, "'192.168.150.300' is not an IP address");
    g_clear_error(&err);
    g_assert_false(virNetDevAddAddress("vtest2", "192.168.150.2", 33, &err));
    g_assert_cmpstr(err->message, ==, "prefix 33 is too long for '192.168.150.2'");
    g_clear_error(&err);
    g_assert_false(virNetDevAddAddress("nosuchdev", "192.168.150.2", 24, &err));
    g_assert_cmpstr(err->message, ==, "interface 'nosuchdev' does not exist");
    g_clear_error(&err);
    g_assert_true(virNetDevDelete("vtest2", &err));
}

/* Only "lo": a namespace of our own. */
static gboolean
in_private_netns(void)
{
    struct if_nameindex *ifs = if_nameindex();
    gboolean only_lo = ifs && ifs[0].if_name && g_str_equal(ifs[0].if_name, "lo") &&
                       !ifs[1].if_name;

    if (ifs)
        if_freenameindex(ifs);
    return only_lo;
}

int
main(int argc, char **argv)
{
    if (!g_getenv(IN_NETNS_ENV) && geteuid() == 0) {
        /* the tests run in a child of ours, in a namespace of its own */
        g_autoptr(virCommand) cmd = virCommandNew("/usr/bin/unshare");
        g_auto(virCommandResult) res = {0};
        g_autoptr(GError) err = NULL;

        g_setenv(IN_NETNS_ENV, "1", TRUE);
        virCommandAddArgList(cmd, "--net", "--", NULL);
        for (int i = 0; i < argc; i++)
            virCommandAddArg(cmd, argv[i]);
        virCommandAddEnvPass(cmd, IN_NETNS_ENV);
        virCommandSetOutputFD(cmd, STDOUT_FILENO);
        virCommandSetErrorFD(cmd, STDERR_FILENO);
        if (!virCommandRun(cmd, &res, &err)) {
            g_printerr("cannot run unshare: %s\n", err->message);
            return 1;
        }
        return res.exited ? res.exit_status : 128 + res.term_signal;
    }
    g_test_init(&argc, &argv, NULL);
    if (geteuid() != 0) {
        g_test_skip("needs root (a private network namespace)");
        return g_test_run();
    }
    if (!in_private_netns())
        g_error("not in a private network namespace: refusing to touch interfaces");
    g_test_add_func("/netdev/bridge", test_bridge);
    g_test_add_func("/netdev/bridge-defaults", test_bridge_defaults);
    g_test_add_func("/netdev/addresses", test_addresses);
    return g_test_run();
}

/*
 * networkfirewalltest.c: the nftables ruleset of a virtual network
 *
 * - every tests/networkfirewalldata/NAME.def (a key file, see
 *   testnetworkfirewall.c) gives exactly the transaction of NAME.nft
 *   (virNetworkFirewallRuleset) and of NAME.removal.nft
 *   (virNetworkFirewallRemoval), twice the same;
 * - every tests/networkfirewalldata/invalid/NAME.def is refused by the
 *   ruleset with exactly the message of NAME.err, and by the removal too
 *   when the bridge name is what is wrong;
 * - with libnftables, in a network namespace of this process's own
 *   (unshare(CLONE_NEWNET) at start, gone when the test ends; root only,
 *   skipped otherwise): each golden text parses and evaluates (dry run);
 *   each network's ruleset, applied for real, creates exactly the chains
 *   virNetworkFirewallChains names, applying it again leaves the table as
 *   it was, Check sees them, removal deletes them and leaves other
 *   networks' chains as they were, and removing again is no error; a
 *   transaction the kernel refuses fails with libnftables' own message;
 *   forwarding is turned on in the namespace.
 *
 * VIRTD_TEST_REGENERATE=1 rewrites the .nft and .err files from the
 * current output instead of comparing.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "network_firewallpriv.h"
#include "testnetworkfirewall.h"
#include "testutils.h"

#define DATA_DIR SOURCE_DIR "/tests/networkfirewalldata"

/* Why the tests that need libnftables for real cannot run, or NULL. */
static char *nftSkipReason;

static virNetworkFirewallDef *
testLoad(const char *path)
{
    g_autoptr(GError) err = NULL;
    virNetworkFirewallDef *def = testNetworkFirewallDefLoad(path, &err);

    g_assert_no_error(err);
    g_assert_nonnull(def);
    return def;
}

static gboolean
testNeedNft(void)
{
    if (!nftSkipReason)
        return TRUE;
    g_test_skip(nftSkipReason);
    return FALSE;
}

/* libnftables' listing of virtd's table ("" when there is none). */
static char *
testListTable(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *tables = NULL;
    char *out = NULL;

    g_assert_true(virNetworkFirewallRun("list tables inet", 0, &tables, &err));
    g_assert_no_error(err);
    if (!strstr(tables, "table inet virtd\n"))
        return g_strdup("");
    g_assert_true(virNetworkFirewallRun("list table inet virtd", 0, &out, &err));
    g_assert_no_error(err);
    return out;
}

/* The number of chains of virtd's table. */
static guint
testCountChains(const char *listing)
{
    guint n = 0;

    for (const char *p = listing; (p = strstr(p, "\tchain ")); p++)
        n++;
    return n;
}

static void
testRemoveAll(const virNetworkFirewallDef *def)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(virNetworkFirewallRemove(def, &err));
    g_assert_no_error(err);
}

/* ====================================================================== */
/* golden files                                                           */
/* ====================================================================== */

static void
testGolden(gconstpointer data)
{
    const char *input = data;
    g_autofree char *golden = testSiblingPath(input, ".nft");
    g_autofree char *golden_removal = testSiblingPath(input, ".removal.nft");
    g_autoptr(virNetworkFirewallDef) def = testLoad(input);
    g_autoptr(GError) err = NULL;
    g_autofree char *ruleset = virNetworkFirewallRuleset(def, &err);
    g_autofree char *removal = NULL;
    g_autofree char *again = NULL;

    g_assert_no_error(err);
    g_assert_nonnull(ruleset);
    removal = virNetworkFirewallRemoval(def, &err);
    g_assert_no_error(err);
    g_assert_nonnull(removal);
    again = virNetworkFirewallRuleset(def, &err);
    g_assert_cmpstr(ruleset, ==, again);
    g_clear_pointer(&again, g_free);
    again = virNetworkFirewallRemoval(def, &err);
    g_assert_cmpstr(removal, ==, again);

    testCompareGolden(golden, ruleset);
    testCompareGolden(golden_removal, removal);
    /* open: no rules, nothing to remove */
    g_assert_cmpint(def->mode == VIR_NETWORK_FIREWALL_OPEN, ==, *ruleset == '\0');
    g_assert_cmpint(def->mode == VIR_NETWORK_FIREWALL_OPEN, ==, *removal == '\0');
}

static int
testExpectedCode(const char *message)
{
    if (g_str_has_prefix(message, "bridge name"))
        return VIR_ERR_CONFIG_UNSUPPORTED;
    return VIR_ERR_INVALID_ARG;
}

static void
testInvalid(gconstpointer data)
{
    const char *input = data;
    g_autofree char *errfile = testSiblingPath(input, ".err");
    g_autoptr(virNetworkFirewallDef) def = testLoad(input);
    g_autoptr(GError) err = NULL;
    g_autoptr(GError) err_removal = NULL;
    g_autofree char *ruleset = virNetworkFirewallRuleset(def, &err);
    g_autofree char *removal = virNetworkFirewallRemoval(def, &err_removal);
    g_auto(GStrv) chains = NULL;
    g_autofree char *expected = NULL;
    gboolean bridge_wrong;

    g_assert_null(ruleset);
    g_assert_nonnull(err);
    if (testRegenerate()) {
        g_autofree char *text = g_strdup_printf("%s\n", err->message);

        g_assert_true(g_file_set_contents(errfile, text, -1, NULL));
        return;
    }
    expected = testReadFile(errfile);
    g_strchomp(expected);
    g_assert_cmpstr(err->message, ==, expected);
    g_assert_error(err, VIR_ERROR, testExpectedCode(err->message));

    /* the removal needs only the bridge */
    bridge_wrong = testExpectedCode(err->message) == VIR_ERR_CONFIG_UNSUPPORTED;
    g_assert_cmpint(removal == NULL, ==, bridge_wrong);
    if (bridge_wrong)
        g_assert_cmpstr(err_removal->message, ==, expected);
    else
        g_assert_no_error(err_removal);
    g_clear_error(&err);
    chains = virNetworkFirewallChains(def, &err);
    g_assert_null(chains);
    g_assert_cmpstr(err->message, ==, expected);
}

/* ====================================================================== */
/* libnftables, in this process's own network namespace                   */
/* ====================================================================== */

static void
testDryRun(gconstpointer data)
{
    const char *input = data;
    g_autoptr(virNetworkFirewallDef) def = testLoad(input);
    g_autoptr(GError) err = NULL;
    g_autofree char *ruleset = NULL;
    g_autofree char *removal = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;

    if (!testNeedNft())
        return;
    before = testListTable();
    ruleset = virNetworkFirewallRuleset(def, &err);
    removal = virNetworkFirewallRemoval(def, &err);
    g_assert_no_error(err);
    g_assert_true(virNetworkFirewallRun(ruleset, VIR_NETWORK_FIREWALL_RUN_DRY_RUN, NULL, &err));
    g_assert_no_error(err);
    g_assert_true(virNetworkFirewallRun(removal, VIR_NETWORK_FIREWALL_RUN_DRY_RUN, NULL, &err));
    g_assert_no_error(err);
    /* a dry run commits nothing */
    after = testListTable();
    g_assert_cmpstr(after, ==, before);
}

static void
testCheckIs(const virNetworkFirewallDef *def, gboolean want)
{
    g_autoptr(GError) err = NULL;
    gboolean present = !want;

    g_assert_true(virNetworkFirewallCheck(def, &present, &err));
    g_assert_no_error(err);
    g_assert_cmpint(present, ==, want);
}

/* The chains of @listing are exactly @want plus @others. */
static void
testChainsAre(const char *listing, char **want, guint others)
{
    for (char **p = want; *p; p++) {
        g_autofree char *line = g_strdup_printf("\tchain %s {\n", *p);

        g_assert_nonnull(strstr(listing, line));
    }
    g_assert_cmpuint(testCountChains(listing), ==, g_strv_length(want) + others);
}

static void
testApply(gconstpointer data)
{
    const char *input = data;
    g_autoptr(virNetworkFirewallDef) def = testLoad(input);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) chains = NULL;
    g_autofree char *before = NULL;
    g_autofree char *applied = NULL;
    g_autofree char *again = NULL;
    g_autofree char *after = NULL;

    if (!testNeedNft())
        return;
    before = testListTable();
    chains = virNetworkFirewallChains(def, &err);
    g_assert_no_error(err);
    g_assert_true(virNetworkFirewallApply(def, &err));
    g_assert_no_error(err);
    applied = testListTable();
    if (def->mode == VIR_NETWORK_FIREWALL_OPEN) {
        g_assert_cmpuint(g_strv_length(chains), ==, 0);
        g_assert_cmpstr(applied, ==, before);
    } else {
        testChainsAre(applied, chains, testCountChains(before));
    }
    testCheckIs(def, TRUE);

    g_assert_true(virNetworkFirewallApply(def, &err));
    g_assert_no_error(err);
    again = testListTable();
    g_assert_cmpstr(again, ==, applied);

    testRemoveAll(def);
    testCheckIs(def, def->mode == VIR_NETWORK_FIREWALL_OPEN);
    after = testListTable();
    g_assert_cmpuint(testCountChains(after), ==, testCountChains(before));
    testRemoveAll(def);
}

/* Two networks: removing one leaves the other exactly as it was. */
static void
testTwoNetworks(void)
{
    g_autoptr(virNetworkFirewallDef) a = testLoad(DATA_DIR "/nat-dual-ports.def");
    g_autoptr(virNetworkFirewallDef) b = testLoad(DATA_DIR "/route.def");
    g_autoptr(GError) err = NULL;
    g_autofree char *only_b = NULL;
    g_autofree char *both = NULL;
    g_autofree char *left = NULL;

    if (!testNeedNft())
        return;
    g_assert_true(virNetworkFirewallApply(b, &err));
    g_assert_no_error(err);
    only_b = testListTable();
    g_assert_true(virNetworkFirewallApply(a, &err));
    g_assert_no_error(err);
    both = testListTable();
    g_assert_cmpuint(testCountChains(both), ==, 4 + 3);
    testCheckIs(a, TRUE);
    testCheckIs(b, TRUE);

    testRemoveAll(a);
    left = testListTable();
    g_assert_cmpstr(left, ==, only_b);
    testCheckIs(a, FALSE);
    testCheckIs(b, TRUE);
    testRemoveAll(a);
    testRemoveAll(b);
    testCheckIs(b, FALSE);
}

/* A network applied in one mode, then in another without a removal in
 * between (a repair after a redefinition): the chains of the old mode the
 * new one has no use for are gone. */
static void
testModeChange(void)
{
    g_autoptr(virNetworkFirewallDef) def = testLoad(DATA_DIR "/nat-ipv4.def");
    g_autoptr(GError) err = NULL;
    g_autofree char *listing = NULL;

    if (!testNeedNft())
        return;
    g_assert_true(virNetworkFirewallApply(def, &err));
    g_assert_no_error(err);
    def->mode = VIR_NETWORK_FIREWALL_ISOLATED;
    g_assert_true(virNetworkFirewallApply(def, &err));
    g_assert_no_error(err);
    listing = testListTable();
    g_assert_cmpuint(testCountChains(listing), ==, 3);
    g_assert_null(strstr(listing, "postrouting-virbr0"));
    g_assert_null(strstr(listing, "masquerade"));
    testRemoveAll(def);
}

/* Check sees a chain that went missing behind virtd's back. */
static void
testCheckMissing(void)
{
    g_autoptr(virNetworkFirewallDef) def = testLoad(DATA_DIR "/nat-ipv4.def");
    g_autoptr(GError) err = NULL;

    if (!testNeedNft())
        return;
    g_assert_true(virNetworkFirewallApply(def, &err));
    g_assert_no_error(err);
    g_assert_true(
        virNetworkFirewallRun("delete chain inet virtd postrouting-virbr0", 0, NULL, &err));
    g_assert_no_error(err);
    testCheckIs(def, FALSE);
    g_assert_true(virNetworkFirewallApply(def, &err));
    g_assert_no_error(err);
    testCheckIs(def, TRUE);
    testRemoveAll(def);
}

/* A transaction the kernel refuses: a chain of the network's name that is
 * not a base chain (someone else's) cannot be turned into one.  Nothing of
 * the transaction is left, and the error is libnftables' own. */
static void
testApplyError(void)
{
    g_autoptr(virNetworkFirewallDef) def = testLoad(DATA_DIR "/isolated.def");
    g_autoptr(GError) err = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;

    if (!testNeedNft())
        return;
    g_assert_true(virNetworkFirewallRun("add table inet virtd\n"
                                        "add chain inet virtd forward-virbr5\n",
                                        0, NULL, &err));
    g_assert_no_error(err);
    before = testListTable();
    g_assert_false(virNetworkFirewallApply(def, &err));
    g_test_message("%s", err->message);
    g_assert_error(err, VIR_ERROR, VIR_ERR_OPERATION_FAILED);
    g_assert_true(g_str_has_prefix(err->message, "cannot set up the firewall of network "
                                                 "'private': Error: Could not process rule: "));
    g_assert_null(strchr(err->message, '\n'));
    after = testListTable();
    g_assert_cmpstr(after, ==, before);
    g_clear_error(&err);
    g_assert_true(virNetworkFirewallRun("delete chain inet virtd forward-virbr5", 0, NULL, &err));
    g_assert_no_error(err);
}

static void
testForwarding(void)
{
    static const struct {
        int family;
        const char *path;
    } cases[] = {
        {AF_INET, "/proc/sys/net/ipv4/ip_forward"},
        {AF_INET6, "/proc/sys/net/ipv6/conf/all/forwarding"},
    };

    if (!testNeedNft())
        return;
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *value = NULL;

        g_assert_true(virNetworkSetForwarding(cases[i].family, &err));
        g_assert_no_error(err);
        value = testReadFile(cases[i].path);
        g_assert_cmpstr(value, ==, "1\n");
    }
}

/* Every test that touches nftables or sysctls does so in a network
 * namespace of this process's own, made here before any thread exists:
 * never the host's. */
static void
testPrivateNetns(void)
{
    if (geteuid() != 0) {
        nftSkipReason = g_strdup("needs root for a private network namespace (unshare)");
        return;
    }
    if (unshare(CLONE_NEWNET) < 0)
        nftSkipReason = g_strdup_printf("unshare(CLONE_NEWNET) failed: %s", g_strerror(errno));
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
    int ret;

    testPrivateNetns();
    g_test_init(&argc, &argv, NULL);
    if (nftSkipReason)
        g_test_message("libnftables tests skipped: %s", nftSkipReason);
    testAddDataFiles(keep, DATA_DIR, ".def", "/networkfirewall/golden", testGolden);
    testAddDataFiles(keep, DATA_DIR "/invalid", ".def", "/networkfirewall/invalid", testInvalid);
    testAddDataFiles(keep, DATA_DIR, ".def", "/networkfirewall/dry-run", testDryRun);
    testAddDataFiles(keep, DATA_DIR, ".def", "/networkfirewall/apply", testApply);
    g_test_add_func("/networkfirewall/two-networks", testTwoNetworks);
    g_test_add_func("/networkfirewall/mode-change", testModeChange);
    g_test_add_func("/networkfirewall/check-missing", testCheckMissing);
    g_test_add_func("/networkfirewall/apply-error", testApplyError);
    g_test_add_func("/networkfirewall/forwarding", testForwarding);
    ret = g_test_run();
    g_free(nftSkipReason);
    return ret;
}

/*
 * networkfirewallhelper.c: network_firewall.c's API from the command line,
 * for tests/integration/test_network_firewall.py, which runs it inside its
 * own network namespaces (never the host's).
 *
 *   networkfirewallhelper ruleset|removal|apply|remove|check DEF
 *   networkfirewallhelper forwarding ipv4|ipv6
 *
 * DEF is a key file as tests/networkfirewalldata/ has them (see
 * testnetworkfirewall.c).  ruleset and removal print the transaction,
 * check prints "present" or "absent".  Exit status 0 on success, 1 with
 * the error on stderr, 2 on a usage error.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "network_firewall.h"
#include "testnetworkfirewall.h"

static int
usage(void)
{
    fprintf(stderr, "usage: networkfirewallhelper ruleset|removal|apply|remove|check DEF\n"
                    "       networkfirewallhelper forwarding ipv4|ipv6\n");
    return 2;
}

static gboolean
run(const char *op, const virNetworkFirewallDef *def, GError **error)
{
    g_autofree char *text = NULL;
    gboolean present;

    if (strcmp(op, "ruleset") == 0 || strcmp(op, "removal") == 0) {
        text = strcmp(op, "ruleset") == 0 ? virNetworkFirewallRuleset(def, error)
                                          : virNetworkFirewallRemoval(def, error);
        if (text)
            fputs(text, stdout);
        return text != NULL;
    }
    if (strcmp(op, "apply") == 0)
        return virNetworkFirewallApply(def, error);
    if (strcmp(op, "remove") == 0)
        return virNetworkFirewallRemove(def, error);
    if (!virNetworkFirewallCheck(def, &present, error))
        return FALSE;
    puts(present ? "present" : "absent");
    return TRUE;
}

int
main(int argc, char **argv)
{
    static const char *const ops[] = {"ruleset", "removal", "apply", "remove", "check"};
    g_autoptr(virNetworkFirewallDef) def = NULL;
    g_autoptr(GError) err = NULL;
    gboolean known = FALSE;

    if (argc != 3)
        return usage();
    if (strcmp(argv[1], "forwarding") == 0) {
        if (strcmp(argv[2], "ipv4") != 0 && strcmp(argv[2], "ipv6") != 0)
            return usage();
        if (!virNetworkSetForwarding(strcmp(argv[2], "ipv4") == 0 ? AF_INET : AF_INET6, &err)) {
            fprintf(stderr, "%s\n", err->message);
            return 1;
        }
        return 0;
    }
    for (guint i = 0; i < G_N_ELEMENTS(ops); i++)
        known = known || strcmp(argv[1], ops[i]) == 0;
    if (!known)
        return usage();
    if (!(def = testNetworkFirewallDefLoad(argv[2], &err)) || !run(argv[1], def, &err)) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    return 0;
}

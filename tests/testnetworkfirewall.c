/*
 * testnetworkfirewall.c: network firewall definitions from test files
 *
 * The unit test's inputs (tests/networkfirewalldata/NAME.def) and the
 * integration test's are key files:
 *
 *   [network]
 *   name=default
 *   bridge=virbr0
 *   mode=nat                 nat, route, open or isolated
 *   subnets=ipv4:192.168.122.1/24;ipv6:2001:db8:ca2:2::1/64   optional
 *   nat-ports=1024-65535     optional
 *
 * Values are taken as they are, so that invalid ones reach the code under
 * test; only a file that does not follow this form is an error.
 */
#include "testnetworkfirewall.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define GROUP "network"

static gboolean
testMalformed(GError **error, const char *path, const char *what)
{
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: bad %s", path, what);
    return FALSE;
}

/* "ipv4:ADDRESS/PREFIX" */
static gboolean
testAddSubnet(virNetworkFirewallDef *def, const char *path, const char *spec, GError **error)
{
    const char *colon = strchr(spec, ':');
    const char *slash = strrchr(spec, '/');
    g_autofree char *family = NULL;
    g_autofree char *address = NULL;
    char *end = NULL;
    unsigned long prefix;

    if (!colon || !slash || slash < colon)
        return testMalformed(error, path, "subnet");
    family = g_strndup(spec, colon - spec);
    address = g_strndup(colon + 1, slash - colon - 1);
    prefix = strtoul(slash + 1, &end, 10);
    if (!*(slash + 1) || *end || (strcmp(family, "ipv4") != 0 && strcmp(family, "ipv6") != 0))
        return testMalformed(error, path, "subnet");
    virNetworkFirewallDefAddSubnet(def, strcmp(family, "ipv4") == 0 ? AF_INET : AF_INET6, address,
                                   (unsigned int)prefix);
    return TRUE;
}

static gboolean
testSetPorts(virNetworkFirewallDef *def, const char *path, const char *spec, GError **error)
{
    char *end = NULL;

    def->nat_port_start = (unsigned int)strtoul(spec, &end, 10);
    if (end == spec || *end != '-')
        return testMalformed(error, path, "nat-ports");
    spec = end + 1;
    def->nat_port_end = (unsigned int)strtoul(spec, &end, 10);
    if (end == spec || *end)
        return testMalformed(error, path, "nat-ports");
    return TRUE;
}

/**
 * testNetworkFirewallDefLoad:
 *
 * Returns: (transfer full): the definition of the key file @path, or NULL
 * with @error set when the file cannot be read or is malformed.
 */
virNetworkFirewallDef *
testNetworkFirewallDefLoad(const char *path, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(virNetworkFirewallDef) def = NULL;
    g_autofree char *name = NULL;
    g_autofree char *bridge = NULL;
    g_autofree char *mode = NULL;
    g_autofree char *ports = NULL;
    g_auto(GStrv) subnets = NULL;
    int m;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error) ||
        !(name = g_key_file_get_string(kf, GROUP, "name", error)) ||
        !(bridge = g_key_file_get_string(kf, GROUP, "bridge", error)) ||
        !(mode = g_key_file_get_string(kf, GROUP, "mode", error)))
        return NULL;
    if ((m = virNetworkFirewallModeTypeFromString(mode)) < 0) {
        testMalformed(error, path, "mode");
        return NULL;
    }
    def = virNetworkFirewallDefNew(name, bridge, m);
    subnets = g_key_file_get_string_list(kf, GROUP, "subnets", NULL, NULL);
    for (char **p = subnets; p && *p; p++) {
        if (!testAddSubnet(def, path, *p, error))
            return NULL;
    }
    ports = g_key_file_get_string(kf, GROUP, "nat-ports", NULL);
    if (ports && !testSetPorts(def, path, ports, error))
        return NULL;
    def->forward_dev = g_key_file_get_string(kf, GROUP, "forward-dev", NULL);
    return g_steal_pointer(&def);
}

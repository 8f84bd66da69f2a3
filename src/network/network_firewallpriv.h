/*
 * network_firewallpriv.h: network_firewall.c's internals, for its tests
 */
#pragma once

#include "network_firewall.h"

typedef enum {
    VIR_NETWORK_FIREWALL_RUN_DRY_RUN = 1 << 0, /* parse and evaluate, commit nothing */
    VIR_NETWORK_FIREWALL_RUN_JSON = 1 << 1,    /* list commands answer in JSON */
} virNetworkFirewallRunFlags;

gboolean virNetworkFirewallRun(const char *commands, unsigned int flags, char **output,
                               GError **error);
char **virNetworkFirewallChains(const virNetworkFirewallDef *def, GError **error);

/*
 * testnetworkfirewall.h: network firewall definitions from test files
 */
#pragma once

#include "network_firewall.h"

virNetworkFirewallDef *testNetworkFirewallDefLoad(const char *path, GError **error);

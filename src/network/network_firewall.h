/*
 * network_firewall.h: the nftables ruleset of a virtual network
 *
 * A network's rules live in virtd's own table, "inet virtd", as one set of
 * base chains per network named after its bridge ("forward-virbr0"...).
 * virNetworkFirewallRuleset() and virNetworkFirewallRemoval() are pure:
 * they turn a virNetworkFirewallDef into the text of one nftables
 * transaction, pinned down by tests/networkfirewalldata/.  Apply and Remove
 * run that text through libnftables, in one transaction each, in the
 * caller's network namespace.  docs/internals/network-firewall.rst
 * describes the ruleset and why it is what it is.
 */
#pragma once

#include <glib.h>

#include "virenum.h"
#include "virerror.h"

/* The table every network's chains live in. */
#define VIR_NETWORK_FIREWALL_FAMILY "inet"
#define VIR_NETWORK_FIREWALL_TABLE  "virtd"

typedef enum {
    VIR_NETWORK_FIREWALL_NAT,      /* forwarded, IPv4 masqueraded; IPv6 routed */
    VIR_NETWORK_FIREWALL_ROUTE,    /* forwarded both ways, no NAT */
    VIR_NETWORK_FIREWALL_OPEN,     /* no rules at all */
    VIR_NETWORK_FIREWALL_ISOLATED, /* DHCP and DNS with the host, nothing forwarded */
    VIR_NETWORK_FIREWALL_LAST
} virNetworkFirewallMode;
VIR_ENUM_DECL(virNetworkFirewallMode);

typedef struct {
    int family;          /* AF_INET or AF_INET6 */
    char *address;       /* any address of the subnet: host bits are ignored */
    unsigned int prefix; /* 0..32 or 0..128 */
} virNetworkFirewallSubnet;

/* What the firewall needs to know of a network, and nothing more: the
 * driver fills it from the live definition (with the bridge it chose). */
typedef struct {
    char *name;   /* the network's name, for messages */
    char *bridge; /* the bridge's interface name */
    virNetworkFirewallMode mode;
    GPtrArray *subnets;          /* of virNetworkFirewallSubnet, never NULL */
    unsigned int nat_port_start; /* <nat><port start end/>: masquerade tcp and udp */
    unsigned int nat_port_end;   /* to these source ports; 0, 0: any port */
    char *forward_dev;           /* <forward dev>: forward only through it; NULL: any */
} virNetworkFirewallDef;

virNetworkFirewallDef *virNetworkFirewallDefNew(const char *name, const char *bridge,
                                                virNetworkFirewallMode mode);
void virNetworkFirewallDefAddSubnet(virNetworkFirewallDef *def, int family, const char *address,
                                    unsigned int prefix);
void virNetworkFirewallDefFree(virNetworkFirewallDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetworkFirewallDef, virNetworkFirewallDefFree)

char *virNetworkFirewallRuleset(const virNetworkFirewallDef *def, GError **error);
char *virNetworkFirewallRemoval(const virNetworkFirewallDef *def, GError **error);

gboolean virNetworkFirewallApply(const virNetworkFirewallDef *def, GError **error);
gboolean virNetworkFirewallRemove(const virNetworkFirewallDef *def, GError **error);
gboolean virNetworkFirewallCheck(const virNetworkFirewallDef *def, gboolean *present,
                                 GError **error);

gboolean virNetworkSetForwarding(int family, GError **error);

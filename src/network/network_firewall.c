/*
 * network_firewall.c: the nftables ruleset of a virtual network
 *
 * Layout (docs/internals/network-firewall.rst says why):
 *  - one table, "inet virtd", shared by every network; an inet table sees
 *    IPv4 and IPv6 alike, so a bridge is closed for a family its network
 *    has no subnet of, instead of that family passing unfiltered;
 *  - per network, its own base chains "input-<bridge>", "output-<bridge>",
 *    "forward-<bridge>" (filter priority) and, for nat with an IPv4 subnet,
 *    "postrouting-<bridge>" (srcnat priority).  Each network hooks in by
 *    itself, so no rule jumps between networks and removing one network's
 *    chains is a delete by name that cannot touch another's;
 *  - chains are named after the bridge, not the network: a network name
 *    may hold any character, a bridge name used here only letters, digits,
 *    '_', '.' and '-' (refused otherwise), all of which nft takes in an
 *    identifier, and the kind comes first so the name always starts with a
 *    letter.  A bridge belongs to one running network at a time.
 *
 * Both texts are single transactions that work whatever is there:
 *  - the ruleset creates each chain it needs ("add" of an existing chain
 *    is no error), flushes it and fills it, so applying twice gives the
 *    same chains, and a repair rewrites them whole; the chains the mode
 *    does not need are made to vanish as below;
 *  - the removal creates, flushes and deletes each of the four chains:
 *    deleting a chain that is not there fails a transaction, creating one
 *    first does not, so removing twice is no error.  The table is left
 *    behind, empty: deleting it would need to know, in the same
 *    transaction, that no other network uses it.
 */
#define G_LOG_DOMAIN "virtd.network"

#include "network_firewallpriv.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <nftables/libnftables.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VIR_NETWORK_FIREWALL_SPEC VIR_NETWORK_FIREWALL_FAMILY " " VIR_NETWORK_FIREWALL_TABLE

/* Linux interface names: IFNAMSIZ - 1 bytes. */
#define VIR_NETWORK_FIREWALL_IFNAME_MAX 15

VIR_ENUM_IMPL(virNetworkFirewallMode, VIR_NETWORK_FIREWALL_LAST, "nat", "route", "open",
              "isolated");

typedef enum {
    VIR_NETWORK_FIREWALL_CHAIN_INPUT,
    VIR_NETWORK_FIREWALL_CHAIN_OUTPUT,
    VIR_NETWORK_FIREWALL_CHAIN_FORWARD,
    VIR_NETWORK_FIREWALL_CHAIN_POSTROUTING,
    VIR_NETWORK_FIREWALL_CHAIN_LAST
} virNetworkFirewallChain;
VIR_ENUM_DECL(virNetworkFirewallChain);
VIR_ENUM_IMPL(virNetworkFirewallChain, VIR_NETWORK_FIREWALL_CHAIN_LAST, "input", "output",
              "forward", "postrouting");

/* The hook of each chain kind.  Filter priority is where iptables-nft's
 * filter table hooks too; masquerading at srcnat comes after any dstnat
 * an administrator adds at prerouting. */
static const char *const virNetworkFirewallChainHook[] = {
    "type filter hook input priority filter; policy accept;",
    "type filter hook output priority filter; policy accept;",
    "type filter hook forward priority filter; policy accept;",
    "type nat hook postrouting priority srcnat; policy accept;",
};
G_STATIC_ASSERT(G_N_ELEMENTS(virNetworkFirewallChainHook) == VIR_NETWORK_FIREWALL_CHAIN_LAST);

/* A subnet as the rules write it. */
typedef struct {
    int family;
    const char *match; /* "ip" or "ip6" */
    char *cidr;        /* "192.168.122.0/24": host bits cleared */
} virNetworkFirewallNet;

/* libnftables documents no thread safety, and nft_ctx_new() sets up
 * process-wide state: one call at a time in virtd. */
static GMutex virNetworkFirewallLock;

typedef struct nft_ctx virNftCtx;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNftCtx, nft_ctx_free)

/* ====================================================================== */
/* the definition                                                         */
/* ====================================================================== */

static void
virNetworkFirewallSubnetFree(gpointer data)
{
    virNetworkFirewallSubnet *subnet = data;

    g_free(subnet->address);
    g_free(subnet);
}

/**
 * virNetworkFirewallDefNew:
 * @name: the network's name
 * @bridge: its bridge
 *
 * Returns: (transfer full): a definition without subnets and without a
 * NAT port range; free it with virNetworkFirewallDefFree().
 */
virNetworkFirewallDef *
virNetworkFirewallDefNew(const char *name, const char *bridge, virNetworkFirewallMode mode)
{
    virNetworkFirewallDef *def = g_new0(virNetworkFirewallDef, 1);

    def->name = g_strdup(name);
    def->bridge = g_strdup(bridge);
    def->mode = mode;
    def->subnets = g_ptr_array_new_with_free_func(virNetworkFirewallSubnetFree);
    return def;
}

/**
 * virNetworkFirewallDefAddSubnet:
 * @family: AF_INET or AF_INET6
 * @address: any address of the subnet, e.g. the host's on the bridge
 * @prefix: the subnet's prefix length
 *
 * Adds a subnet (copied); it is checked when the rules are built.
 */
void
virNetworkFirewallDefAddSubnet(virNetworkFirewallDef *def, int family, const char *address,
                               unsigned int prefix)
{
    virNetworkFirewallSubnet *subnet = g_new0(virNetworkFirewallSubnet, 1);

    subnet->family = family;
    subnet->address = g_strdup(address);
    subnet->prefix = prefix;
    g_ptr_array_add(def->subnets, subnet);
}

void
virNetworkFirewallDefFree(virNetworkFirewallDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->bridge);
    g_free(def->forward_dev);
    g_ptr_array_unref(def->subnets);
    g_free(def);
}

static void
virNetworkFirewallNetFree(gpointer data)
{
    virNetworkFirewallNet *net = data;

    g_free(net->cidr);
    g_free(net);
}

/* An interface name goes into quoted strings of the rules (the bridge's
 * into identifiers too): only characters nft takes in both, and none that
 * means something in a quoted interface name ('*' is a wildcard there). */
static gboolean
virNetworkFirewallIfnameOK(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    gboolean ok = len > 0 && len <= VIR_NETWORK_FIREWALL_IFNAME_MAX;

    for (const char *p = name; ok && *p; p++)
        ok = g_ascii_isalnum(*p) || *p == '_' || *p == '.' || *p == '-';
    return ok;
}

static gboolean
virNetworkFirewallBridgeCheck(const virNetworkFirewallDef *def, GError **error)
{
    if (!virNetworkFirewallIfnameOK(def->bridge)) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("bridge name '%s' of network '%s' cannot be used in firewall rules: it "
                      "must be 1 to 15 letters, digits, '_', '.' or '-'"),
                    def->bridge ? def->bridge : "", def->name);
        return FALSE;
    }
    if (def->forward_dev && !virNetworkFirewallIfnameOK(def->forward_dev)) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("forward device '%s' of network '%s' cannot be used in firewall rules: "
                      "it must be 1 to 15 letters, digits, '_', '.' or '-'"),
                    def->forward_dev, def->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
virNetworkFirewallPortsCheck(const virNetworkFirewallDef *def, GError **error)
{
    if (def->nat_port_start == 0 && def->nat_port_end == 0)
        return TRUE;
    if (def->nat_port_start == 0 || def->nat_port_start > def->nat_port_end ||
        def->nat_port_end > 65535) {
        virErrorSet(error, VIR_ERR_INVALID_ARG,
                    _("NAT port range %u-%u of network '%s' is invalid: both ends must be "
                      "within 1-65535, the start not above the end"),
                    def->nat_port_start, def->nat_port_end, def->name);
        return FALSE;
    }
    return TRUE;
}

/* The subnet with its host bits cleared, as "address/prefix". */
static virNetworkFirewallNet *
virNetworkFirewallNetNew(const virNetworkFirewallDef *def, const virNetworkFirewallSubnet *subnet,
                         GError **error)
{
    GSocketFamily want = subnet->family == AF_INET    ? G_SOCKET_FAMILY_IPV4
                         : subnet->family == AF_INET6 ? G_SOCKET_FAMILY_IPV6
                                                      : G_SOCKET_FAMILY_INVALID;
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(subnet->address);
    g_autoptr(GInetAddress) masked = NULL;
    g_autofree char *text = NULL;
    guint8 bytes[16];
    gsize size;
    virNetworkFirewallNet *net;

    if (!addr || g_inet_address_get_family(addr) != want ||
        subnet->prefix > 8 * g_inet_address_get_native_size(addr)) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("invalid %s subnet '%s/%u' of network '%s'"),
                    want == G_SOCKET_FAMILY_IPV4   ? "IPv4"
                    : want == G_SOCKET_FAMILY_IPV6 ? "IPv6"
                                                   : "unknown family",
                    subnet->address ? subnet->address : "", subnet->prefix, def->name);
        return NULL;
    }
    size = g_inet_address_get_native_size(addr);
    memcpy(bytes, g_inet_address_to_bytes(addr), size);
    for (gsize i = 0; i < size; i++) {
        unsigned int bits = subnet->prefix > 8 * i ? subnet->prefix - 8 * i : 0;

        if (bits < 8)
            bytes[i] &= (guint8)(0xff00u >> bits);
    }
    masked = g_inet_address_new_from_bytes(bytes, want);
    text = g_inet_address_to_string(masked);
    net = g_new0(virNetworkFirewallNet, 1);
    net->family = subnet->family;
    net->match = subnet->family == AF_INET ? "ip" : "ip6";
    net->cidr = g_strdup_printf("%s/%u", text, subnet->prefix);
    return net;
}

/* Checks @def; returns its subnets as the rules write them. */
static GPtrArray *
virNetworkFirewallPrepare(const virNetworkFirewallDef *def, GError **error)
{
    g_autoptr(GPtrArray) nets = g_ptr_array_new_with_free_func(virNetworkFirewallNetFree);

    if (!virNetworkFirewallBridgeCheck(def, error) || !virNetworkFirewallPortsCheck(def, error))
        return NULL;
    for (guint i = 0; i < def->subnets->len; i++) {
        virNetworkFirewallNet *net =
            virNetworkFirewallNetNew(def, g_ptr_array_index(def->subnets, i), error);

        if (!net)
            return NULL;
        g_ptr_array_add(nets, net);
    }
    return g_steal_pointer(&nets);
}

static gboolean
virNetworkFirewallHasIPv4(GPtrArray *nets)
{
    for (guint i = 0; i < nets->len; i++) {
        if (((virNetworkFirewallNet *)g_ptr_array_index(nets, i))->family == AF_INET)
            return TRUE;
    }
    return FALSE;
}

/* Whether a network in @def's mode has a chain of @kind. */
static gboolean
virNetworkFirewallNeeds(const virNetworkFirewallDef *def, GPtrArray *nets,
                        virNetworkFirewallChain kind)
{
    if (def->mode == VIR_NETWORK_FIREWALL_OPEN)
        return FALSE;
    if (kind == VIR_NETWORK_FIREWALL_CHAIN_POSTROUTING)
        return def->mode == VIR_NETWORK_FIREWALL_NAT && virNetworkFirewallHasIPv4(nets);
    return TRUE;
}

static char *
virNetworkFirewallChainName(const virNetworkFirewallDef *def, virNetworkFirewallChain kind)
{
    return g_strdup_printf("%s-%s", virNetworkFirewallChainTypeToString(kind), def->bridge);
}

/* ====================================================================== */
/* the rules                                                              */
/* ====================================================================== */

static void virNetworkFirewallRule(GString *out, const char *chain, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
virNetworkFirewallRule(GString *out, const char *chain, const char *fmt, ...)
{
    va_list ap;

    g_string_append_printf(out, "add rule " VIR_NETWORK_FIREWALL_SPEC " %s ", chain);
    va_start(ap, fmt);
    g_string_append_vprintf(out, fmt, ap);
    va_end(ap);
    g_string_append_c(out, '\n');
}

/* DNS (53) and the DHCP and DHCPv6 servers (67, 547) of the host. */
static void
virNetworkFirewallInputRules(GString *out, const char *chain, const virNetworkFirewallDef *def,
                             GPtrArray *nets)
{
    virNetworkFirewallRule(
        out, chain, "iifname \"%s\" meta l4proto { tcp, udp } th dport 53 accept", def->bridge);
    virNetworkFirewallRule(out, chain, "iifname \"%s\" udp dport { 67, 547 } accept", def->bridge);
}

/* The host's DHCP and DHCPv6 answers to the guests' clients (68, 546). */
static void
virNetworkFirewallOutputRules(GString *out, const char *chain, const virNetworkFirewallDef *def,
                              GPtrArray *nets)
{
    virNetworkFirewallRule(out, chain, "oifname \"%s\" udp dport { 68, 546 } accept", def->bridge);
}

/* Out of each subnet; back in: replies only for NATed IPv4, anything for
 * routed subnets (IPv6 of a nat network is routed, as libvirt does). */
static void
virNetworkFirewallSubnetRules(GString *out, const char *chain, const virNetworkFirewallDef *def,
                              GPtrArray *nets)
{
    for (guint i = 0; i < nets->len; i++) {
        const virNetworkFirewallNet *net = g_ptr_array_index(nets, i);

        virNetworkFirewallRule(out, chain, "iifname \"%s\" %s%s%s%s saddr %s accept",
                               def->bridge, def->forward_dev ? "oifname \"" : "",
                               def->forward_dev ? def->forward_dev : "",
                               def->forward_dev ? "\" " : "", net->match, net->cidr);
    }
    for (guint i = 0; i < nets->len; i++) {
        const virNetworkFirewallNet *net = g_ptr_array_index(nets, i);
        gboolean natted = def->mode == VIR_NETWORK_FIREWALL_NAT && net->family == AF_INET;

        virNetworkFirewallRule(out, chain, "%s%s%soifname \"%s\" %s daddr %s %saccept",
                               def->forward_dev ? "iifname \"" : "",
                               def->forward_dev ? def->forward_dev : "",
                               def->forward_dev ? "\" " : "", def->bridge, net->match, net->cidr,
                               natted ? "ct state established,related " : "");
    }
}

/* Between guests of the bridge (seen here only with br_netfilter), what
 * the mode lets through, and a reject for everything else.  A connection
 * an administrator DNATed to the bridge is accepted here, in virtd's own
 * chain: an accept in the administrator's table could not override this
 * chain's reject. */
static void
virNetworkFirewallForwardRules(GString *out, const char *chain, const virNetworkFirewallDef *def,
                               GPtrArray *nets)
{
    virNetworkFirewallRule(out, chain, "iifname \"%s\" oifname \"%s\" accept", def->bridge,
                           def->bridge);
    if (def->mode != VIR_NETWORK_FIREWALL_ISOLATED) {
        virNetworkFirewallRule(out, chain, "oifname \"%s\" ct status dnat accept", def->bridge);
        virNetworkFirewallSubnetRules(out, chain, def, nets);
    }
    virNetworkFirewallRule(out, chain, "oifname \"%s\" reject", def->bridge);
    virNetworkFirewallRule(out, chain, "iifname \"%s\" reject", def->bridge);
}

/* Masquerade what leaves each IPv4 subnet, except to multicast and
 * broadcast; with a port range, tcp and udp get source ports from it. */
static void
virNetworkFirewallPostroutingRules(GString *out, const char *chain,
                                   const virNetworkFirewallDef *def, GPtrArray *nets)
{
    static const char *const protos[] = {"tcp", "udp"};
    g_autofree char *oif = def->forward_dev ? g_strdup_printf("oifname \"%s\" ", def->forward_dev)
                                            : g_strdup("");

    for (guint i = 0; i < nets->len; i++) {
        const virNetworkFirewallNet *net = g_ptr_array_index(nets, i);

        if (net->family != AF_INET)
            continue;
        virNetworkFirewallRule(out, chain, "ip saddr %s ip daddr 224.0.0.0/24 return", net->cidr);
        virNetworkFirewallRule(out, chain, "ip saddr %s ip daddr 255.255.255.255 return",
                               net->cidr);
        for (guint p = 0; def->nat_port_start && p < G_N_ELEMENTS(protos); p++)
            virNetworkFirewallRule(out, chain,
                                   "%sip saddr %s ip daddr != %s meta l4proto %s masquerade to "
                                   ":%u-%u",
                                   oif, net->cidr, net->cidr, protos[p], def->nat_port_start,
                                   def->nat_port_end);
        virNetworkFirewallRule(out, chain, "%sip saddr %s ip daddr != %s masquerade", oif,
                               net->cidr, net->cidr);
    }
}

typedef void (*virNetworkFirewallRulesFunc)(GString *out, const char *chain,
                                            const virNetworkFirewallDef *def, GPtrArray *nets);

static const virNetworkFirewallRulesFunc virNetworkFirewallChainRules[] = {
    virNetworkFirewallInputRules,
    virNetworkFirewallOutputRules,
    virNetworkFirewallForwardRules,
    virNetworkFirewallPostroutingRules,
};
G_STATIC_ASSERT(G_N_ELEMENTS(virNetworkFirewallChainRules) == VIR_NETWORK_FIREWALL_CHAIN_LAST);

/* The chain, there and empty. */
static void
virNetworkFirewallChainReset(GString *out, const char *chain, virNetworkFirewallChain kind)
{
    g_string_append_printf(out, "add chain " VIR_NETWORK_FIREWALL_SPEC " %s { %s }\n", chain,
                           virNetworkFirewallChainHook[kind]);
    g_string_append_printf(out, "flush chain " VIR_NETWORK_FIREWALL_SPEC " %s\n", chain);
}

/* The chain, gone, whether it was there or not. */
static void
virNetworkFirewallChainDrop(GString *out, const char *chain, virNetworkFirewallChain kind)
{
    virNetworkFirewallChainReset(out, chain, kind);
    g_string_append_printf(out, "delete chain " VIR_NETWORK_FIREWALL_SPEC " %s\n", chain);
}

/**
 * virNetworkFirewallRuleset:
 * @def: the network
 *
 * The nftables transaction that makes the network's chains exactly what
 * its mode needs: each created if missing and refilled, the others deleted
 * if present.  Pure: no I/O, the same text for the same @def.
 *
 * Returns: (transfer full): the text, "" for an open network (no rules);
 * NULL with @error set when the bridge name, a subnet or the NAT port
 * range cannot be used.
 */
char *
virNetworkFirewallRuleset(const virNetworkFirewallDef *def, GError **error)
{
    g_autoptr(GPtrArray) nets = NULL;
    g_autoptr(GString) out = NULL;

    g_return_val_if_fail(def != NULL && def->mode < VIR_NETWORK_FIREWALL_LAST, NULL);
    if (def->mode == VIR_NETWORK_FIREWALL_OPEN)
        return g_strdup("");
    if (!(nets = virNetworkFirewallPrepare(def, error)))
        return NULL;
    out = g_string_new("add table " VIR_NETWORK_FIREWALL_SPEC "\n");
    for (int kind = 0; kind < VIR_NETWORK_FIREWALL_CHAIN_LAST; kind++) {
        g_autofree char *chain = virNetworkFirewallChainName(def, kind);

        if (!virNetworkFirewallNeeds(def, nets, kind)) {
            virNetworkFirewallChainDrop(out, chain, kind);
            continue;
        }
        virNetworkFirewallChainReset(out, chain, kind);
        virNetworkFirewallChainRules[kind](out, chain, def, nets);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/**
 * virNetworkFirewallRemoval:
 * @def: the network
 *
 * The nftables transaction that deletes every chain a network on @def's
 * bridge may have, in any mode, and succeeds when none is there.  Other
 * networks' chains and virtd's table stay.  Pure.
 *
 * Returns: (transfer full): the text, "" for an open network; NULL with
 * @error set as virNetworkFirewallRuleset().
 */
char *
virNetworkFirewallRemoval(const virNetworkFirewallDef *def, GError **error)
{
    g_autoptr(GString) out = NULL;

    g_return_val_if_fail(def != NULL && def->mode < VIR_NETWORK_FIREWALL_LAST, NULL);
    if (def->mode == VIR_NETWORK_FIREWALL_OPEN)
        return g_strdup("");
    if (!virNetworkFirewallBridgeCheck(def, error))
        return NULL;
    out = g_string_new("add table " VIR_NETWORK_FIREWALL_SPEC "\n");
    for (int kind = 0; kind < VIR_NETWORK_FIREWALL_CHAIN_LAST; kind++) {
        g_autofree char *chain = virNetworkFirewallChainName(def, kind);

        virNetworkFirewallChainDrop(out, chain, kind);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* The names of the chains the network's ruleset creates (none when open). */
char **
virNetworkFirewallChains(const virNetworkFirewallDef *def, GError **error)
{
    g_autoptr(GPtrArray) nets = NULL;
    GPtrArray *names;

    g_return_val_if_fail(def != NULL && def->mode < VIR_NETWORK_FIREWALL_LAST, NULL);
    if (def->mode != VIR_NETWORK_FIREWALL_OPEN && !(nets = virNetworkFirewallPrepare(def, error)))
        return NULL;
    names = g_ptr_array_new();
    for (int kind = 0; kind < VIR_NETWORK_FIREWALL_CHAIN_LAST; kind++) {
        if (virNetworkFirewallNeeds(def, nets, kind))
            g_ptr_array_add(names, virNetworkFirewallChainName(def, kind));
    }
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

/* ====================================================================== */
/* libnftables                                                            */
/* ====================================================================== */

/* The "Error: ..." lines of libnftables' error text, without the command
 * lines and carets that follow each: for an error the kernel reports,
 * libnftables 1.0.6 shows the wrong line of a buffer (its first one). */
static char *
virNetworkFirewallErrorText(const char *buffer)
{
    g_auto(GStrv) lines = g_strsplit(buffer ? buffer : "", "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);

    for (char **p = lines; *p; p++) {
        if (!g_str_has_prefix(*p, "Error: "))
            continue;
        if (out->len)
            g_string_append(out, "; ");
        g_string_append(out, *p);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/**
 * virNetworkFirewallRun:
 * @commands: nft commands, one transaction
 * @flags: virNetworkFirewallRunFlags
 * @output: (out) (optional): what the commands printed
 *
 * Runs @commands through libnftables in the caller's network namespace.
 *
 * Returns: TRUE on success; FALSE with @error (VIR_ERR_OPERATION_FAILED)
 * holding libnftables' own error text.
 */
gboolean
virNetworkFirewallRun(const char *commands, unsigned int flags, char **output, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&virNetworkFirewallLock);
    g_autoptr(virNftCtx) ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    g_autofree char *text = NULL;

    if (!ctx) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("cannot create a libnftables context"));
        return FALSE;
    }
    g_debug("nft%s:\n%s", flags & VIR_NETWORK_FIREWALL_RUN_DRY_RUN ? " (dry run)" : "", commands);
    nft_ctx_set_dry_run(ctx, flags & VIR_NETWORK_FIREWALL_RUN_DRY_RUN);
    if (flags & VIR_NETWORK_FIREWALL_RUN_JSON)
        nft_ctx_output_set_flags(ctx, nft_ctx_output_get_flags(ctx) | NFT_CTX_OUTPUT_JSON);
    if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, _("cannot buffer libnftables' output"));
        return FALSE;
    }
    if (nft_run_cmd_from_buffer(ctx, commands) != 0) {
        /* each get_error_buffer() empties the buffer */
        const char *buffer = nft_ctx_get_error_buffer(ctx);

        g_debug("nft failed:\n%s", buffer);
        text = virNetworkFirewallErrorText(buffer);
        virErrorSet(error, VIR_ERR_OPERATION_FAILED, "%s",
                    *text ? text : _("libnftables failed without a message"));
        return FALSE;
    }
    if (output)
        *output = g_strdup(nft_ctx_get_output_buffer(ctx));
    return TRUE;
}

static gboolean
virNetworkFirewallRunText(const char *text, GError **error)
{
    if (!*text)
        return TRUE;
    return virNetworkFirewallRun(text, 0, NULL, error);
}

/**
 * virNetworkFirewallApply:
 * @def: the network
 *
 * Sets up the network's chains and rules in the caller's network
 * namespace, in one transaction: either all of them are in place
 * afterwards, or nothing changed.  Applying again rewrites them; an open
 * network has none.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
virNetworkFirewallApply(const virNetworkFirewallDef *def, GError **error)
{
    g_autofree char *text = virNetworkFirewallRuleset(def, error);

    if (!text)
        return FALSE;
    if (!virNetworkFirewallRunText(text, error)) {
        g_prefix_error(error, _("cannot set up the firewall of network '%s': "), def->name);
        return FALSE;
    }
    return TRUE;
}

/**
 * virNetworkFirewallRemove:
 * @def: the network, as it was applied
 *
 * Deletes the network's chains, in one transaction; chains that are not
 * there are no error, other networks' chains are left alone.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
virNetworkFirewallRemove(const virNetworkFirewallDef *def, GError **error)
{
    g_autofree char *text = virNetworkFirewallRemoval(def, error);

    if (!text)
        return FALSE;
    if (!virNetworkFirewallRunText(text, error)) {
        g_prefix_error(error, _("cannot remove the firewall of network '%s': "), def->name);
        return FALSE;
    }
    return TRUE;
}

/* The names of the chains of virtd's table in libnftables' JSON listing. */
static GHashTable *
virNetworkFirewallParseChains(const char *json, GError **error)
{
    g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root;
    JsonNode *list;
    JsonArray *items;

    if (!json_parser_load_from_data(parser, json, -1, error))
        return NULL;
    root = json_parser_get_root(parser);
    list = root && JSON_NODE_HOLDS_OBJECT(root)
               ? json_object_get_member(json_node_get_object(root), "nftables")
               : NULL;
    if (!list || !JSON_NODE_HOLDS_ARRAY(list)) {
        g_set_error(error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                    "no \"nftables\" array");
        return NULL;
    }
    items = json_node_get_array(list);
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonNode *node = json_array_get_element(items, i);
        JsonNode *member = JSON_NODE_HOLDS_OBJECT(node)
                               ? json_object_get_member(json_node_get_object(node), "chain")
                               : NULL;
        JsonObject *chain =
            member && JSON_NODE_HOLDS_OBJECT(member) ? json_node_get_object(member) : NULL;

        if (chain &&
            g_strcmp0(json_object_get_string_member_with_default(chain, "family", ""),
                      VIR_NETWORK_FIREWALL_FAMILY) == 0 &&
            g_strcmp0(json_object_get_string_member_with_default(chain, "table", ""),
                      VIR_NETWORK_FIREWALL_TABLE) == 0)
            g_hash_table_add(
                names, g_strdup(json_object_get_string_member_with_default(chain, "name", "")));
    }
    return g_steal_pointer(&names);
}

/**
 * virNetworkFirewallCheck:
 * @def: the network, as it was applied
 * @present: (out): whether every chain of its ruleset is there
 *
 * For a network found running at virtd's start: are its chains there
 * (their rules are not compared)?  An open network has none, so they are.
 * A FALSE @present is repaired by virNetworkFirewallApply().
 *
 * Returns: TRUE when @present was set, FALSE with @error set.
 */
gboolean
virNetworkFirewallCheck(const virNetworkFirewallDef *def, gboolean *present, GError **error)
{
    g_auto(GStrv) want = virNetworkFirewallChains(def, error);
    g_autoptr(GHashTable) have = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *json = NULL;
    gboolean all = TRUE;

    if (!want)
        return FALSE;
    if (!want[0]) {
        *present = TRUE;
        return TRUE;
    }
    if (!virNetworkFirewallRun("list chains " VIR_NETWORK_FIREWALL_FAMILY,
                               VIR_NETWORK_FIREWALL_RUN_JSON, &json, error)) {
        g_prefix_error(error, _("cannot list the firewall chains of network '%s': "), def->name);
        return FALSE;
    }
    if (!(have = virNetworkFirewallParseChains(json, &err))) {
        virErrorSet(error, VIR_ERR_INTERNAL_ERROR,
                    _("cannot read libnftables' list of chains for network '%s': %s"), def->name,
                    err->message);
        return FALSE;
    }
    for (char **p = want; *p; p++)
        all = all && g_hash_table_contains(have, *p);
    *present = all;
    return TRUE;
}

/* ====================================================================== */
/* forwarding                                                             */
/* ====================================================================== */

/**
 * virNetworkSetForwarding:
 * @family: AF_INET or AF_INET6
 *
 * Turns on the kernel's forwarding of @family in the caller's network
 * namespace (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding).  With
 * IPv6 forwarding on, interfaces accept router advertisements only if
 * their accept_ra is 2: the caller's concern.
 *
 * Returns: TRUE on success, FALSE with @error set (VIR_ERR_SYSTEM_ERROR).
 */
gboolean
virNetworkSetForwarding(int family, GError **error)
{
    const char *path = family == AF_INET    ? "/proc/sys/net/ipv4/ip_forward"
                       : family == AF_INET6 ? "/proc/sys/net/ipv6/conf/all/forwarding"
                                            : NULL;
    int fd;

    g_return_val_if_fail(path != NULL, FALSE);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "1\n", 2) != 2) {
        int saved = errno;

        if (fd >= 0)
            close(fd);
        errno = saved;
    } else if (close(fd) == 0) {
        return TRUE;
    }
    virErrorSet(error, VIR_ERR_SYSTEM_ERROR, _("cannot turn on forwarding in '%s': %s"), path,
                g_strerror(errno));
    return FALSE;
}

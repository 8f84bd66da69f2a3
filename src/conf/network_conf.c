/*
 * network_conf.c: virtual network XML <-> virNetworkDef
 *
 * One parser per element, each refusing the attributes and children it does
 * not know; values are checked where they are read (addresses, MACs, names)
 * and the cross-element rules (DHCP inside its subnet, one DHCP server per
 * address family, what a host bridge may not have) once the whole document
 * is read.
 */
#define G_LOG_DOMAIN "virtd.conf"

#include "network_conf.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "virobjname.h"
#include "virxml.h"

VIR_ENUM_IMPL(virNetworkForward, VIR_NETWORK_FORWARD_LAST, "none", "nat", "route", "open",
              "bridge");
/* "" is never matched: an empty attribute value is refused before. */
VIR_ENUM_IMPL(virNetworkBool, VIR_NETWORK_BOOL_LAST, "", "yes", "no");
VIR_ENUM_IMPL(virNetworkIPFamily, VIR_NETWORK_IP_FAMILY_LAST, "ipv4", "ipv6");

/* Linux interface names: IFNAMSIZ - 1 bytes. */
#define VIR_NETWORK_IFNAME_MAX 15

/* What the kernel accepts as a bridge's MTU: IPv4's minimum, ETH_MAX_MTU. */
#define VIR_NETWORK_MTU_MIN 68
#define VIR_NETWORK_MTU_MAX 65535

/* dnsmasq refuses DHCPv6 ranges on a shorter prefix. */
#define VIR_NETWORK_DHCPV6_PREFIX_MIN 64

typedef struct {
    virNetworkDef *def;
    gboolean have_uuid;
    gboolean bridge_stp_delay;   /* <bridge> has stp= or delay= */
} virNetworkParseCtxt;

/* ---- MAC addresses ---- */

/**
 * virMacAddrParse:
 * @str: "xx:xx:xx:xx:xx:xx", hex digits in either case
 * @mac: (out): VIR_MAC_BUFLEN bytes
 *
 * Returns: TRUE if @str is a MAC address.
 */
gboolean
virMacAddrParse(const char *str, unsigned char *mac)
{
    for (int i = 0; i < VIR_MAC_BUFLEN; i++) {
        int hi = g_ascii_xdigit_value(str[0]);
        int lo = hi < 0 ? -1 : g_ascii_xdigit_value(str[1]);

        if (lo < 0 || str[2] != (i == VIR_MAC_BUFLEN - 1 ? '\0' : ':'))
            return FALSE;
        mac[i] = (unsigned char)(hi << 4 | lo);
        str += 3;
    }
    return TRUE;
}

/**
 * virMacAddrFormat:
 * @str: (out): at least VIR_MAC_STRING_BUFLEN bytes, lowercase hex
 */
void
virMacAddrFormat(const unsigned char *mac, char *str)
{
    g_snprintf(str, VIR_MAC_STRING_BUFLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
               mac[2], mac[3], mac[4], mac[5]);
}

/**
 * virMacAddrGenerate:
 *
 * Returns: (transfer full): a random address in QEMU's range 52:54:00, as
 * libvirt gives guests and bridges that have none.
 */
char *
virMacAddrGenerate(void)
{
    unsigned char mac[VIR_MAC_BUFLEN] = {0x52, 0x54, 0x00};
    char str[VIR_MAC_STRING_BUFLEN];

    for (int i = 3; i < VIR_MAC_BUFLEN; i++)
        mac[i] = (unsigned char)g_random_int_range(0, 256);
    virMacAddrFormat(mac, str);
    return g_strdup(str);
}

/**
 * virMacAddrCheck:
 * @where: the element it came from, for the message
 * @canonical: (out) (transfer full): the lowercase form
 *
 * Returns: TRUE if @str is a unicast MAC address, else FALSE with
 * VIR_ERR_XML_ERROR.
 */
gboolean
virMacAddrCheck(const char *str, const char *where, char **canonical, GError **error)
{
    unsigned char mac[VIR_MAC_BUFLEN];
    char buf[VIR_MAC_STRING_BUFLEN];

    if (!virMacAddrParse(str, mac)) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid MAC address '%s' in <%s>"), str, where);
        return FALSE;
    }
    if (mac[0] & 1) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("MAC address '%s' in <%s> is a multicast address"), str, where);
        return FALSE;
    }
    virMacAddrFormat(mac, buf);
    *canonical = g_strdup(buf);
    return TRUE;
}

/* ---- values ---- */

/* Bridge and tap names: what the kernel accepts, restricted to printable
 * ASCII so that they are safe in any command line or config file. */
static gboolean
virNetworkIfnameCheck(const char *name, const char *where, GError **error)
{
    size_t len = strlen(name);
    gboolean ok = len > 0 && len <= VIR_NETWORK_IFNAME_MAX && strcmp(name, ".") != 0 &&
                  strcmp(name, "..") != 0;

    for (const char *p = name; ok && *p; p++)
        ok = g_ascii_isgraph(*p) && *p != '/' && *p != ':';
    if (!ok) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid interface name '%s' in <%s>"), name,
                    where);
        return FALSE;
    }
    return TRUE;
}

/* Host and domain names as dnsmasq takes them: letters, digits, '-', '_'
 * and '.', not starting with '-' or '.'. */
static gboolean
virNetworkHostnameCheck(const char *name, const char *where, GError **error)
{
    size_t len = strlen(name);
    gboolean ok = len > 0 && len <= 253 && name[0] != '-' && name[0] != '.';

    for (const char *p = name; ok && *p; p++)
        ok = g_ascii_isalnum(*p) || *p == '-' || *p == '_' || *p == '.';
    if (!ok) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid host or domain name '%s' in <%s>"), name,
                    where);
        return FALSE;
    }
    return TRUE;
}

/* A DHCPv6 client's DUID as libvirt writes it: bytes of one or two hex
 * digits separated by ':', a type of 2 bytes and at most 128 more
 * (RFC 8415).  Canonical form: lowercase. */
static gboolean
virNetworkDUIDCheck(const char *id, char **canonical, GError **error)
{
    g_auto(GStrv) bytes = g_strsplit(id, ":", -1);
    guint n = g_strv_length(bytes);
    gboolean ok = n >= 3 && n <= 130;

    for (char **b = bytes; ok && *b; b++)
        ok = (*b)[0] && g_ascii_isxdigit((*b)[0]) &&
             (!(*b)[1] || (g_ascii_isxdigit((*b)[1]) && !(*b)[2]));
    if (!ok) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("invalid DUID '%s' in <host>: expected 3 to 130 hex bytes separated by ':'"),
                    id);
        return FALSE;
    }
    *canonical = g_ascii_strdown(id, -1);
    return TRUE;
}

static GInetAddress *
virNetworkAddressParse(const char *str, const char *where, GError **error)
{
    GInetAddress *addr = g_inet_address_new_from_string(str);

    if (!addr)
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid IP address '%s' in <%s>"), str, where);
    return addr;
}

/* The prefix length of a contiguous IPv4 netmask, -1 if not contiguous. */
static int
virNetworkNetmaskPrefix(GInetAddress *mask)
{
    const guint8 *b = g_inet_address_to_bytes(mask);
    guint32 m = (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3];
    int prefix = 0;

    while (prefix < 32 && (m & (1u << (31 - prefix))))
        prefix++;
    if (prefix < 32 && (m << prefix) != 0)
        return -1;
    return prefix;
}

/* The subnet @addr/@prefix lies in. */
static GInetAddressMask *
virNetworkSubnet(const char *address, unsigned int prefix)
{
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(address);
    g_autoptr(GInetAddress) net = NULL;
    gsize len = g_inet_address_get_native_size(addr);
    guint8 bytes[16];

    memcpy(bytes, g_inet_address_to_bytes(addr), len);
    for (gsize i = 0; i < len; i++) {
        unsigned int bits = prefix > i * 8 ? MIN(prefix - i * 8, 8) : 0;

        bytes[i] &= (guint8)(0xff00 >> bits);
    }
    net = g_inet_address_new_from_bytes(bytes, g_inet_address_get_family(addr));
    return g_inet_address_mask_new(net, prefix, NULL);
}

static gboolean
virNetworkInSubnet(const virNetworkIPDef *ip, const char *address)
{
    g_autoptr(GInetAddressMask) subnet = virNetworkSubnet(ip->address, ip->prefix);
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(address);

    return g_inet_address_mask_matches(subnet, addr);
}

/* Parses and canonicalises an address attribute; it must be of @family. */
static gboolean
virNetworkAddressProp(xmlNode *node, const char *name, virNetworkIPFamily family, char **value,
                      GError **error)
{
    g_autofree char *str = NULL;
    g_autoptr(GInetAddress) addr = NULL;
    GSocketFamily want = family == VIR_NETWORK_IP_FAMILY_IPV6 ? G_SOCKET_FAMILY_IPV6
                                                             : G_SOCKET_FAMILY_IPV4;

    if (!virXMLPropStringGet(node, name, VIR_XML_PROP_REQUIRED, &str, error) ||
        !(addr = virNetworkAddressParse(str, (const char *)node->name, error)))
        return FALSE;
    if (g_inet_address_get_family(addr) != want) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("address '%s' in <%s> is not an %s address"), str,
                    (const char *)node->name, virNetworkIPFamilyTypeToString(family));
        return FALSE;
    }
    *value = g_inet_address_to_string(addr);
    return TRUE;
}

/* ---- objects ---- */

static void
virNetworkDHCPRangeDefFree(virNetworkDHCPRangeDef *range)
{
    if (!range)
        return;
    g_free(range->start);
    g_free(range->end);
    g_free(range);
}

static void
virNetworkDHCPHostDefFree(virNetworkDHCPHostDef *host)
{
    if (!host)
        return;
    g_free(host->mac);
    g_free(host->id);
    g_free(host->name);
    g_free(host->ip);
    g_free(host);
}

static void
virNetworkDNSHostDefFree(virNetworkDNSHostDef *host)
{
    if (!host)
        return;
    g_free(host->ip);
    g_ptr_array_unref(host->hostnames);
    g_free(host);
}

static void
virNetworkIPDefFree(virNetworkIPDef *ip)
{
    if (!ip)
        return;
    g_free(ip->address);
    g_free(ip->netmask);
    g_ptr_array_unref(ip->ranges);
    g_ptr_array_unref(ip->hosts);
    g_free(ip);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetworkIPDef, virNetworkIPDefFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetworkDHCPRangeDef, virNetworkDHCPRangeDefFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetworkDHCPHostDef, virNetworkDHCPHostDefFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetworkDNSHostDef, virNetworkDNSHostDefFree)

static virNetworkDNSHostDef *
virNetworkDNSHostDefNew(void)
{
    virNetworkDNSHostDef *host = g_new0(virNetworkDNSHostDef, 1);

    host->hostnames = g_ptr_array_new_with_free_func(g_free);
    return host;
}

static virNetworkIPDef *
virNetworkIPDefNew(void)
{
    virNetworkIPDef *ip = g_new0(virNetworkIPDef, 1);

    ip->ranges = g_ptr_array_new_with_free_func((GDestroyNotify)virNetworkDHCPRangeDefFree);
    ip->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)virNetworkDHCPHostDefFree);
    return ip;
}

/**
 * virNetworkDefNew:
 *
 * Returns: (transfer full): an empty definition: no name, a null UUID,
 * isolated, bridge STP on with no delay, DNS on with no hosts, no
 * addresses.
 */
virNetworkDef *
virNetworkDefNew(void)
{
    virNetworkDef *def = g_new0(virNetworkDef, 1);

    def->forward = VIR_NETWORK_FORWARD_NONE;
    def->bridge.stp = TRUE;
    def->dns.hosts = g_ptr_array_new_with_free_func((GDestroyNotify)virNetworkDNSHostDefFree);
    def->ips = g_ptr_array_new_with_free_func((GDestroyNotify)virNetworkIPDefFree);
    return def;
}

/**
 * virNetworkDefFree:
 *
 * Frees @def and all it holds; NULL is allowed.
 */
void
virNetworkDefFree(virNetworkDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->forward_dev);
    g_free(def->bridge.name);
    g_free(def->mac);
    g_free(def->domain_name);
    g_ptr_array_unref(def->dns.hosts);
    g_ptr_array_unref(def->ips);
    g_free(def);
}

/* ---- parsing: one function per element ---- */

static gboolean
virNetworkParseName(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkParseCtxt *ctxt = opaque;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error) ||
        !(ctxt->def->name = virXMLNodeText(node, error)))
        return FALSE;
    return virObjectNameCheck("network", ctxt->def->name, VIR_ERR_XML_ERROR, error);
}

static gboolean
virNetworkParseUUID(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkParseCtxt *ctxt = opaque;

    if (!virXMLNodeUUID(node, ctxt->def->uuid, error))
        return FALSE;
    ctxt->have_uuid = TRUE;
    return TRUE;
}

static gboolean
virNetworkParseNATPort(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = opaque;
    unsigned int start = 0;
    unsigned int end = 0;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("start", "end"), error) ||
        !virXMLPropUInt(node, "start", 1, 65535, VIR_XML_PROP_REQUIRED, &start, error) ||
        !virXMLPropUInt(node, "end", 1, 65535, VIR_XML_PROP_REQUIRED, &end, error) ||
        !virXMLCheckEmpty(node, error))
        return FALSE;
    if (start > end) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("NAT port range %u - %u ends before it starts"),
                    start, end);
        return FALSE;
    }
    def->nat_port.start = start;
    def->nat_port.end = end;
    return TRUE;
}

static const virXMLChildHandler virNetworkNATHandlers[] = {
    {"port", virNetworkParseNATPort, FALSE},
    {NULL},
};

/* Only the port range: public address ranges (<address>) and IPv6 NAT
 * (ipv6='yes') are refused by name. */
static gboolean
virNetworkParseNAT(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = opaque;

    if (def->forward != VIR_NETWORK_FORWARD_NAT) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("<nat> is only allowed in <forward mode='nat'>, not in mode '%s'"),
                    virNetworkForwardTypeToString(def->forward));
        return FALSE;
    }
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error))
        return FALSE;
    return virXMLParseChildren(node, virNetworkNATHandlers, def, error);
}

/* libvirt writes the forward device once more as <interface dev/>; a pool
 * of several devices (macvtap modes) is refused as a repeated element.
 * connections= is live information libvirt writes; it is ignored. */
static gboolean
virNetworkParseForwardInterface(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = opaque;
    g_autofree char *dev = NULL;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("dev", "connections"), error) ||
        !virXMLPropStringGet(node, "dev", VIR_XML_PROP_REQUIRED, &dev, error) ||
        !virNetworkIfnameCheck(dev, "interface", error) || !virXMLCheckEmpty(node, error))
        return FALSE;
    if (def->forward_dev && strcmp(def->forward_dev, dev) != 0) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("<forward dev='%s'> and its <interface dev='%s'/> differ"),
                    def->forward_dev, dev);
        return FALSE;
    }
    if (!def->forward_dev)
        def->forward_dev = g_steal_pointer(&dev);
    return TRUE;
}

static const virXMLChildHandler virNetworkForwardHandlers[] = {
    {"nat", virNetworkParseNAT, FALSE},
    {"interface", virNetworkParseForwardInterface, FALSE},
    {NULL},
};

static gboolean
virNetworkParseForward(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = ((virNetworkParseCtxt *)opaque)->def;
    int mode = VIR_NETWORK_FORWARD_NAT;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("mode", "dev"), error) ||
        !virXMLPropEnum(node, "mode", virNetworkForwardTypeFromString, VIR_XML_PROP_OPTIONAL,
                        &mode, error))
        return FALSE;
    if (mode == VIR_NETWORK_FORWARD_NONE) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported value '%s' for attribute '%s' on <%s>"), "none", "mode",
                    "forward");
        return FALSE;
    }
    def->forward = mode;
    if (!virXMLPropStringGet(node, "dev", VIR_XML_PROP_OPTIONAL, &def->forward_dev, error) ||
        (def->forward_dev && !virNetworkIfnameCheck(def->forward_dev, "forward", error)) ||
        !virXMLParseChildren(node, virNetworkForwardHandlers, def, error))
        return FALSE;
    /* open: no firewall rules, which is what enforces the device; bridge:
     * a device there means a macvtap pool. */
    if (def->forward_dev &&
        (mode == VIR_NETWORK_FORWARD_OPEN || mode == VIR_NETWORK_FORWARD_BRIDGE)) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("forward device '%s' is not allowed with forward mode '%s'"),
                    def->forward_dev, virNetworkForwardTypeToString(mode));
        return FALSE;
    }
    return TRUE;
}

static gboolean
virNetworkParseBridge(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkParseCtxt *ctxt = opaque;
    virNetworkDef *def = ctxt->def;

    ctxt->bridge_stp_delay = xmlHasProp(node, (const xmlChar *)"stp") ||
                             xmlHasProp(node, (const xmlChar *)"delay");
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("name", "stp", "delay"), error) ||
        !virXMLPropStringGet(node, "name", VIR_XML_PROP_OPTIONAL, &def->bridge.name, error) ||
        (def->bridge.name && !virNetworkIfnameCheck(def->bridge.name, "bridge", error)) ||
        !virXMLPropOnOff(node, "stp", VIR_XML_PROP_OPTIONAL, &def->bridge.stp, error) ||
        !virXMLPropUInt(node, "delay", 0, 3600, VIR_XML_PROP_OPTIONAL, &def->bridge.delay,
                        error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virNetworkParseMTU(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = ((virNetworkParseCtxt *)opaque)->def;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("size"), error) ||
        !virXMLPropUInt(node, "size", VIR_NETWORK_MTU_MIN, VIR_NETWORK_MTU_MAX,
                        VIR_XML_PROP_REQUIRED, &def->mtu, error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virNetworkParseMac(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = ((virNetworkParseCtxt *)opaque)->def;
    g_autofree char *str = NULL;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("address"), error) ||
        !virXMLPropStringGet(node, "address", VIR_XML_PROP_REQUIRED, &str, error) ||
        !virMacAddrCheck(str, "mac", &def->mac, error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virNetworkParseDomain(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = ((virNetworkParseCtxt *)opaque)->def;
    int local_only = VIR_NETWORK_BOOL_ABSENT;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("name", "localOnly"), error) ||
        !virXMLPropStringGet(node, "name", VIR_XML_PROP_REQUIRED, &def->domain_name, error) ||
        !virNetworkHostnameCheck(def->domain_name, "domain", error) ||
        !virXMLPropEnum(node, "localOnly", virNetworkBoolTypeFromString, VIR_XML_PROP_OPTIONAL,
                        &local_only, error))
        return FALSE;
    def->domain_local_only = local_only;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virNetworkParseDNSHostname(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDNSHostDef *host = opaque;
    g_autofree char *name = NULL;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error) ||
        !(name = virXMLNodeTextStripped(node, error)))
        return FALSE;
    if (!*name) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("empty <hostname> in DNS <host> '%s'"),
                    host->ip);
        return FALSE;
    }
    if (!virNetworkHostnameCheck(name, "hostname", error))
        return FALSE;
    g_ptr_array_add(host->hostnames, g_steal_pointer(&name));
    return TRUE;
}

static const virXMLChildHandler virNetworkDNSHostHandlers[] = {
    {"hostname", virNetworkParseDNSHostname, TRUE},
    {NULL},
};

/* The address may be of any network, not only this one's subnets. */
static gboolean
virNetworkParseDNSHost(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = opaque;
    g_autoptr(virNetworkDNSHostDef) host = virNetworkDNSHostDefNew();
    g_autofree char *ip = NULL;
    g_autoptr(GInetAddress) addr = NULL;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("ip"), error) ||
        !virXMLPropStringGet(node, "ip", VIR_XML_PROP_REQUIRED, &ip, error) ||
        !(addr = virNetworkAddressParse(ip, "host", error)))
        return FALSE;
    host->ip = g_inet_address_to_string(addr);
    if (!virXMLParseChildren(node, virNetworkDNSHostHandlers, host, error))
        return FALSE;
    if (host->hostnames->len == 0) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("DNS <host> '%s' has no <hostname>"), host->ip);
        return FALSE;
    }
    g_ptr_array_add(def->dns.hosts, g_steal_pointer(&host));
    return TRUE;
}

static const virXMLChildHandler virNetworkDNSHandlers[] = {
    {"host", virNetworkParseDNSHost, TRUE},
    {NULL},
};

/* Host entries only: forwarders, TXT and SRV records, forwardPlainNames
 * are refused by name. */
static gboolean
virNetworkParseDNS(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = ((virNetworkParseCtxt *)opaque)->def;
    int enable = VIR_NETWORK_BOOL_ABSENT;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("enable"), error) ||
        !virXMLPropEnum(node, "enable", virNetworkBoolTypeFromString, VIR_XML_PROP_OPTIONAL,
                        &enable, error) ||
        !virXMLParseChildren(node, virNetworkDNSHandlers, def, error))
        return FALSE;
    def->dns.enable = enable;
    if (enable == VIR_NETWORK_BOOL_NO && def->dns.hosts->len > 0) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("<dns enable='no'> turns DNS off: it cannot have <host> entries"));
        return FALSE;
    }
    return TRUE;
}

static gboolean
virNetworkParseDHCPRange(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkIPDef *ip = opaque;
    g_autoptr(virNetworkDHCPRangeDef) range = g_new0(virNetworkDHCPRangeDef, 1);
    g_autoptr(GInetAddress) start = NULL;
    g_autoptr(GInetAddress) end = NULL;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("start", "end"), error) ||
        !virNetworkAddressProp(node, "start", ip->family, &range->start, error) ||
        !virNetworkAddressProp(node, "end", ip->family, &range->end, error) ||
        !virXMLCheckEmpty(node, error))
        return FALSE;
    if (!virNetworkInSubnet(ip, range->start) || !virNetworkInSubnet(ip, range->end)) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("DHCP range '%s' - '%s' is not inside network '%s/%u'"), range->start,
                    range->end, ip->address, ip->prefix);
        return FALSE;
    }
    start = g_inet_address_new_from_string(range->start);
    end = g_inet_address_new_from_string(range->end);
    if (memcmp(g_inet_address_to_bytes(start), g_inet_address_to_bytes(end),
               g_inet_address_get_native_size(start)) > 0) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("DHCP range '%s' - '%s' ends before it starts"),
                    range->start, range->end);
        return FALSE;
    }
    g_ptr_array_add(ip->ranges, g_steal_pointer(&range));
    return TRUE;
}

static gboolean
virNetworkDHCPHostCheckUnique(const virNetworkIPDef *ip, const virNetworkDHCPHostDef *host,
                              GError **error)
{
    for (guint i = 0; i < ip->hosts->len; i++) {
        const virNetworkDHCPHostDef *other = g_ptr_array_index(ip->hosts, i);
        const char *dup = NULL;

        if (g_strcmp0(other->ip, host->ip) == 0)
            dup = host->ip;
        else if (host->mac && g_strcmp0(other->mac, host->mac) == 0)
            dup = host->mac;
        else if (host->id && g_strcmp0(other->id, host->id) == 0)
            dup = host->id;
        else if (host->name && g_strcmp0(other->name, host->name) == 0)
            dup = host->name;
        if (dup) {
            virErrorSet(error, VIR_ERR_XML_ERROR, _("'%s' is used by more than one DHCP <host>"),
                        dup);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
virNetworkParseDHCPHostAttrs(xmlNode *node, const virNetworkIPDef *ip,
                             virNetworkDHCPHostDef *host, GError **error)
{
    g_autofree char *mac = NULL;
    g_autofree char *id = NULL;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("mac", "id", "name", "ip"), error) ||
        !virXMLPropStringGet(node, "mac", VIR_XML_PROP_OPTIONAL, &mac, error) ||
        (mac && !virMacAddrCheck(mac, "host", &host->mac, error)) ||
        !virXMLPropStringGet(node, "id", VIR_XML_PROP_OPTIONAL, &id, error) ||
        (id && !virNetworkDUIDCheck(id, &host->id, error)) ||
        !virXMLPropStringGet(node, "name", VIR_XML_PROP_OPTIONAL, &host->name, error) ||
        (host->name && !virNetworkHostnameCheck(host->name, "host", error)) ||
        !virNetworkAddressProp(node, "ip", ip->family, &host->ip, error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

/* How the DHCP server knows the client: by MAC or name over IPv4, by
 * DUID or name over IPv6 (a MAC means nothing to DHCPv6). */
static gboolean
virNetworkDHCPHostCheckKey(const virNetworkIPDef *ip, const virNetworkDHCPHostDef *host,
                           GError **error)
{
    if (ip->family == VIR_NETWORK_IP_FAMILY_IPV4 && host->id)
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("DHCP <host> '%s' of an IPv4 network cannot have an 'id': a DUID "
                      "identifies DHCPv6 clients only"),
                    host->ip);
    else if (ip->family == VIR_NETWORK_IP_FAMILY_IPV4 && !host->mac && !host->name)
        virErrorSet(error, VIR_ERR_XML_ERROR, _("DHCP <host> '%s' needs a MAC address or a name"),
                    host->ip);
    else if (ip->family == VIR_NETWORK_IP_FAMILY_IPV6 && host->mac)
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("DHCP <host> '%s' of an IPv6 network cannot have a MAC address: give the "
                      "client's DUID as 'id', or its name"),
                    host->ip);
    else if (ip->family == VIR_NETWORK_IP_FAMILY_IPV6 && !host->id && !host->name)
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("DHCP <host> '%s' of an IPv6 network needs an 'id' (the client's DUID) or "
                      "a name"),
                    host->ip);
    else
        return TRUE;
    return FALSE;
}

static gboolean
virNetworkParseDHCPHost(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkIPDef *ip = opaque;
    g_autoptr(virNetworkDHCPHostDef) host = g_new0(virNetworkDHCPHostDef, 1);

    if (!virNetworkParseDHCPHostAttrs(node, ip, host, error) ||
        !virNetworkDHCPHostCheckKey(ip, host, error))
        return FALSE;
    if (!virNetworkInSubnet(ip, host->ip)) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("DHCP host address '%s' is not inside network '%s/%u'"), host->ip,
                    ip->address, ip->prefix);
        return FALSE;
    }
    if (!virNetworkDHCPHostCheckUnique(ip, host, error))
        return FALSE;
    g_ptr_array_add(ip->hosts, g_steal_pointer(&host));
    return TRUE;
}

static const virXMLChildHandler virNetworkDHCPHandlers[] = {
    {"range", virNetworkParseDHCPRange, TRUE},
    {"host", virNetworkParseDHCPHost, TRUE},
    {NULL},
};

static gboolean
virNetworkParseDHCP(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkIPDef *ip = opaque;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error) ||
        !virXMLParseChildren(node, virNetworkDHCPHandlers, ip, error))
        return FALSE;
    if (ip->family == VIR_NETWORK_IP_FAMILY_IPV6 && ip->prefix < VIR_NETWORK_DHCPV6_PREFIX_MIN &&
        (ip->ranges->len > 0 || ip->hosts->len > 0)) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported DHCP on '%s/%u': DHCPv6 needs a prefix of at least %u"),
                    ip->address, ip->prefix, VIR_NETWORK_DHCPV6_PREFIX_MIN);
        return FALSE;
    }
    return TRUE;
}

static const virXMLChildHandler virNetworkIPHandlers[] = {
    {"dhcp", virNetworkParseDHCP, FALSE},
    {NULL},
};

static gboolean
virNetworkParseIPNetmask(xmlNode *node, virNetworkIPDef *ip, const char *netmask, GError **error)
{
    g_autoptr(GInetAddress) mask = NULL;
    int prefix;

    if (ip->family != VIR_NETWORK_IP_FAMILY_IPV4) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("an IPv6 <ip> takes a 'prefix', not a 'netmask'"));
        return FALSE;
    }
    if (!(mask = virNetworkAddressParse(netmask, "ip", error)))
        return FALSE;
    if (g_inet_address_get_family(mask) != G_SOCKET_FAMILY_IPV4 ||
        (prefix = virNetworkNetmaskPrefix(mask)) <= 0) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid netmask '%s' in <ip>"), netmask);
        return FALSE;
    }
    ip->netmask = g_inet_address_to_string(mask);
    ip->prefix = (unsigned int)prefix;
    return TRUE;
}

/* address, family, and the subnet as netmask or prefix (not both). */
static gboolean
virNetworkParseIPAttrs(xmlNode *node, virNetworkIPDef *ip, GError **error)
{
    g_autofree char *address = NULL;
    g_autofree char *netmask = NULL;
    g_autoptr(GInetAddress) addr = NULL;
    int family = -1;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("address", "netmask", "prefix", "family"), error) ||
        !virXMLPropEnum(node, "family", virNetworkIPFamilyTypeFromString, VIR_XML_PROP_OPTIONAL,
                        &family, error) ||
        !virXMLPropStringGet(node, "address", VIR_XML_PROP_REQUIRED, &address, error) ||
        !(addr = virNetworkAddressParse(address, "ip", error)))
        return FALSE;
    ip->family = g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV6
                     ? VIR_NETWORK_IP_FAMILY_IPV6
                     : VIR_NETWORK_IP_FAMILY_IPV4;
    if (family >= 0 && (virNetworkIPFamily)family != ip->family) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("address '%s' in <ip> is not an %s address"),
                    address, virNetworkIPFamilyTypeToString(family));
        return FALSE;
    }
    ip->address = g_inet_address_to_string(addr);
    if (!virXMLPropStringGet(node, "netmask", VIR_XML_PROP_OPTIONAL, &netmask, error))
        return FALSE;
    if (netmask && xmlHasProp(node, (const xmlChar *)"prefix")) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("<ip> '%s' has both a 'netmask' and a 'prefix'"), ip->address);
        return FALSE;
    }
    if (netmask)
        return virNetworkParseIPNetmask(node, ip, netmask, error);
    if (!xmlHasProp(node, (const xmlChar *)"prefix")) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("<ip> '%s' needs a 'netmask' or a 'prefix'"),
                    ip->address);
        return FALSE;
    }
    return virXMLPropUInt(node, "prefix", 1, ip->family == VIR_NETWORK_IP_FAMILY_IPV6 ? 128 : 32,
                          VIR_XML_PROP_REQUIRED, &ip->prefix, error);
}

static gboolean
virNetworkParseIP(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = ((virNetworkParseCtxt *)opaque)->def;
    g_autoptr(virNetworkIPDef) ip = virNetworkIPDefNew();

    if (!virNetworkParseIPAttrs(node, ip, error) ||
        !virXMLParseChildren(node, virNetworkIPHandlers, ip, error))
        return FALSE;
    g_ptr_array_add(def->ips, g_steal_pointer(&ip));
    return TRUE;
}

static const virXMLChildHandler virNetworkHandlers[] = {
    {"name", virNetworkParseName, FALSE},
    {"uuid", virNetworkParseUUID, FALSE},
    {"forward", virNetworkParseForward, FALSE},
    {"bridge", virNetworkParseBridge, FALSE},
    {"mtu", virNetworkParseMTU, FALSE},
    {"mac", virNetworkParseMac, FALSE},
    {"domain", virNetworkParseDomain, FALSE},
    {"dns", virNetworkParseDNS, FALSE},
    {"ip", virNetworkParseIP, TRUE},
    {NULL},
};

/* dnsmasq serves DHCP on one subnet per address family. */
static gboolean
virNetworkDefValidateDHCP(const virNetworkDef *def, GError **error)
{
    gboolean seen[VIR_NETWORK_IP_FAMILY_LAST] = {FALSE};

    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->ranges->len == 0 && ip->hosts->len == 0)
            continue;
        if (seen[ip->family]) {
            virErrorSet(error, VIR_ERR_XML_ERROR,
                        _("DHCP is enabled on more than one %s address of network '%s'"),
                        virNetworkIPFamilyTypeToString(ip->family), def->name);
            return FALSE;
        }
        seen[ip->family] = TRUE;
    }
    return TRUE;
}

/* Forward mode bridge: guests are plugged into a bridge virtd does not
 * manage, so nothing that virtd would set up on it is accepted. */
static gboolean
virNetworkDefValidateHostBridge(const virNetworkDef *def, gboolean stp_delay, GError **error)
{
    const char *element = NULL;

    if (!def->bridge.name) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("network '%s' with forward mode 'bridge' needs <bridge name='...'/>, the "
                      "existing host bridge to plug guests into"),
                    def->name);
        return FALSE;
    }
    if (stp_delay) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported attribute 'stp' or 'delay' on <bridge> of network '%s' with "
                      "forward mode 'bridge': virtd does not manage the host bridge"),
                    def->name);
        return FALSE;
    }
    if (def->ips->len > 0)
        element = "ip";
    else if (def->domain_name)
        element = "domain";
    else if (def->dns.hosts->len > 0 || def->dns.enable == VIR_NETWORK_BOOL_YES)
        element = "dns";
    else if (def->mac)
        element = "mac";
    else if (def->mtu)
        element = "mtu";
    if (element) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported element <%s> in network '%s' with forward mode 'bridge': "
                      "virtd does not manage the host bridge"),
                    element, def->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
virNetworkDefValidate(const virNetworkDef *def, gboolean stp_delay, GError **error)
{
    if (def->forward == VIR_NETWORK_FORWARD_BRIDGE)
        return virNetworkDefValidateHostBridge(def, stp_delay, error);
    if (def->forward != VIR_NETWORK_FORWARD_NONE && def->ips->len == 0) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("network '%s' with forward mode '%s' needs an <ip> address"), def->name,
                    virNetworkForwardTypeToString(def->forward));
        return FALSE;
    }
    return virNetworkDefValidateDHCP(def, error);
}

static virNetworkDef *
virNetworkDefParseNode(xmlNode *root, GError **error)
{
    g_autoptr(virNetworkDef) def = virNetworkDefNew();
    virNetworkParseCtxt ctxt = {.def = def};

    /* connections= is live information libvirt writes; it is ignored. */
    if (!virXMLCheckAttrs(root, VIR_XML_ATTRS("connections"), error) ||
        !virXMLParseChildren(root, virNetworkHandlers, &ctxt, error))
        return NULL;
    if (!def->name) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("missing element <%s>/<%s>"), "network", "name");
        return NULL;
    }
    if (!ctxt.have_uuid)
        virUUIDGenerate(def->uuid);
    if (!virNetworkDefValidate(def, ctxt.bridge_stp_delay, error))
        return NULL;
    return g_steal_pointer(&def);
}

static virNetworkDef *
virNetworkDefParseDoc(xmlDoc *doc, GError **error)
{
    xmlNode *root;

    if (!doc || !(root = virXMLGetRoot(doc, "network", error)))
        return NULL;
    return virNetworkDefParseNode(root, error);
}

/**
 * virNetworkDefParseString:
 * @xml: a <network> document
 * @flags: virNetworkDefineXMLFlags; the document is always validated
 *
 * Returns: (transfer full): the definition, with a generated UUID when the
 * document has none, or NULL with @error set: VIR_ERR_XML_ERROR for
 * malformed XML and bad values, VIR_ERR_CONFIG_UNSUPPORTED for what virtd
 * does not implement.
 */
virNetworkDef *
virNetworkDefParseString(const char *xml, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = virXMLParseString(xml, "(network_definition)", error);

    return virNetworkDefParseDoc(doc, error);
}

/**
 * virNetworkDefParseFile:
 *
 * virNetworkDefParseString() of the contents of @path.
 */
virNetworkDef *
virNetworkDefParseFile(const char *path, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = virXMLParseFile(path, error);

    return virNetworkDefParseDoc(doc, error);
}

/* ---- formatting ---- */

static void
virNetworkDHCPFormat(virXMLWriter *w, const virNetworkIPDef *ip)
{
    if (ip->ranges->len == 0 && ip->hosts->len == 0)
        return;
    virXMLWriterStart(w, "dhcp", NULL);
    for (guint i = 0; i < ip->ranges->len; i++) {
        const virNetworkDHCPRangeDef *range = g_ptr_array_index(ip->ranges, i);

        virXMLWriterEmpty(w, "range", "start", range->start, "end", range->end, NULL);
    }
    for (guint i = 0; i < ip->hosts->len; i++) {
        const virNetworkDHCPHostDef *host = g_ptr_array_index(ip->hosts, i);

        virXMLWriterEmpty(w, "host", "mac", host->mac, "id", host->id, "name", host->name, "ip",
                          host->ip, NULL);
    }
    virXMLWriterEnd(w, "dhcp");
}

static void
virNetworkIPFormat(virXMLWriter *w, const virNetworkIPDef *ip)
{
    g_autofree char *prefix = ip->netmask ? NULL : g_strdup_printf("%u", ip->prefix);
    const char *family = ip->family == VIR_NETWORK_IP_FAMILY_IPV6 ? "ipv6" : NULL;

    virXMLWriterStart(w, "ip", "family", family, "address", ip->address, "netmask", ip->netmask,
                      "prefix", prefix, NULL);
    virNetworkDHCPFormat(w, ip);
    virXMLWriterEnd(w, "ip");
}

/* @live: as libvirt shows an active network, with the NAT port range
 * the firewall uses when the definition has none. */
static void
virNetworkForwardFormat(virXMLWriter *w, const virNetworkDef *def, gboolean live)
{
    unsigned int start = def->nat_port.start;
    unsigned int end = def->nat_port.end;

    if (def->forward == VIR_NETWORK_FORWARD_NONE)
        return;
    if (live && def->forward == VIR_NETWORK_FORWARD_NAT && !start) {
        start = VIR_NETWORK_NAT_PORT_DEFAULT_START;
        end = VIR_NETWORK_NAT_PORT_DEFAULT_END;
    }
    virXMLWriterStart(w, "forward", "dev", def->forward_dev, "mode",
                      virNetworkForwardTypeToString(def->forward), NULL);
    if (start) {
        g_autofree char *s = g_strdup_printf("%u", start);
        g_autofree char *e = g_strdup_printf("%u", end);

        virXMLWriterStart(w, "nat", NULL);
        virXMLWriterEmpty(w, "port", "start", s, "end", e, NULL);
        virXMLWriterEnd(w, "nat");
    }
    if (def->forward_dev)
        virXMLWriterEmpty(w, "interface", "dev", def->forward_dev, NULL);
    virXMLWriterEnd(w, "forward");
}

static void
virNetworkBridgeFormat(virXMLWriter *w, const virNetworkDef *def)
{
    g_autofree char *delay = NULL;

    if (def->forward == VIR_NETWORK_FORWARD_BRIDGE) {
        virXMLWriterEmpty(w, "bridge", "name", def->bridge.name, NULL);
        return;
    }
    delay = g_strdup_printf("%u", def->bridge.delay);
    virXMLWriterEmpty(w, "bridge", "name", def->bridge.name, "stp",
                      def->bridge.stp ? "on" : "off", "delay", delay, NULL);
    if (def->mtu) {
        g_autofree char *mtu = g_strdup_printf("%u", def->mtu);

        virXMLWriterEmpty(w, "mtu", "size", mtu, NULL);
    }
}

static const char *
virNetworkBoolFormat(virNetworkBool value)
{
    return value == VIR_NETWORK_BOOL_ABSENT ? NULL : virNetworkBoolTypeToString(value);
}

static void
virNetworkDNSFormat(virXMLWriter *w, const virNetworkDef *def)
{
    if (def->dns.enable == VIR_NETWORK_BOOL_ABSENT && def->dns.hosts->len == 0)
        return;
    virXMLWriterStart(w, "dns", "enable", virNetworkBoolFormat(def->dns.enable), NULL);
    for (guint i = 0; i < def->dns.hosts->len; i++) {
        const virNetworkDNSHostDef *host = g_ptr_array_index(def->dns.hosts, i);

        virXMLWriterStart(w, "host", "ip", host->ip, NULL);
        for (guint j = 0; j < host->hostnames->len; j++)
            virXMLWriterText(w, "hostname", g_ptr_array_index(host->hostnames, j), NULL);
        virXMLWriterEnd(w, "host");
    }
    virXMLWriterEnd(w, "dns");
}

static char *
virNetworkDefFormatInternal(const virNetworkDef *def, unsigned int connections, gboolean live)
{
    g_autofree char *conns = connections ? g_strdup_printf("%u", connections) : NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    virXMLWriter w;

    virUUIDFormat(def->uuid, uuid);
    virXMLWriterInit(&w);
    virXMLWriterStart(&w, "network", "connections", conns, NULL);
    virXMLWriterText(&w, "name", def->name, NULL);
    virXMLWriterText(&w, "uuid", uuid, NULL);
    virNetworkForwardFormat(&w, def, live);
    virNetworkBridgeFormat(&w, def);
    if (def->mac)
        virXMLWriterEmpty(&w, "mac", "address", def->mac, NULL);
    if (def->domain_name)
        virXMLWriterEmpty(&w, "domain", "name", def->domain_name, "localOnly",
                          virNetworkBoolFormat(def->domain_local_only), NULL);
    virNetworkDNSFormat(&w, def);
    for (guint i = 0; i < def->ips->len; i++)
        virNetworkIPFormat(&w, g_ptr_array_index(def->ips, i));
    virXMLWriterEnd(&w, "network");
    return virXMLWriterFinish(&w);
}

/**
 * virNetworkDefFormat:
 * @flags: virNetworkXMLFlags (nothing differs between live and inactive:
 *   see virNetworkDefFormatLive() for what libvirt adds to a live network)
 *
 * Returns: (transfer full): @def as a <network> document in libvirt's
 * layout, ending with a newline.
 */
char *
virNetworkDefFormat(const virNetworkDef *def, unsigned int flags)
{
    return virNetworkDefFormatInternal(def, 0, FALSE);
}

/**
 * virNetworkDefFormatLive:
 * @def: the definition of an active network
 * @connections: the number of guest interfaces plugged into it
 *
 * What libvirt's net-dumpxml shows for an active network: the root
 * element carries connections='N' when N > 0, and a NAT network without a
 * <nat><port> range shows the default one (1024-65535).  The parser
 * ignores the former and keeps the latter.
 *
 * Returns: (transfer full): the document, ending with a newline.
 */
char *
virNetworkDefFormatLive(const virNetworkDef *def, unsigned int connections)
{
    return virNetworkDefFormatInternal(def, connections, TRUE);
}

/* ---- copying ---- */

static gpointer
virNetworkDHCPRangeDefCopy(gconstpointer src, gpointer unused)
{
    const virNetworkDHCPRangeDef *range = src;
    virNetworkDHCPRangeDef *copy = g_new0(virNetworkDHCPRangeDef, 1);

    copy->start = g_strdup(range->start);
    copy->end = g_strdup(range->end);
    return copy;
}

static gpointer
virNetworkDHCPHostDefCopy(gconstpointer src, gpointer unused)
{
    const virNetworkDHCPHostDef *host = src;
    virNetworkDHCPHostDef *copy = g_new0(virNetworkDHCPHostDef, 1);

    copy->mac = g_strdup(host->mac);
    copy->id = g_strdup(host->id);
    copy->name = g_strdup(host->name);
    copy->ip = g_strdup(host->ip);
    return copy;
}

static gpointer
virNetworkDNSHostDefCopy(gconstpointer src, gpointer unused)
{
    const virNetworkDNSHostDef *host = src;
    virNetworkDNSHostDef *copy = g_new0(virNetworkDNSHostDef, 1);

    copy->ip = g_strdup(host->ip);
    copy->hostnames = g_ptr_array_new_full(host->hostnames->len, g_free);
    for (guint i = 0; i < host->hostnames->len; i++)
        g_ptr_array_add(copy->hostnames, g_strdup(g_ptr_array_index(host->hostnames, i)));
    return copy;
}

static gpointer
virNetworkIPDefCopy(gconstpointer src, gpointer unused)
{
    const virNetworkIPDef *ip = src;
    virNetworkIPDef *copy = g_new0(virNetworkIPDef, 1);

    copy->family = ip->family;
    copy->address = g_strdup(ip->address);
    copy->netmask = g_strdup(ip->netmask);
    copy->prefix = ip->prefix;
    copy->ranges = g_ptr_array_copy(ip->ranges, virNetworkDHCPRangeDefCopy, NULL);
    g_ptr_array_set_free_func(copy->ranges, (GDestroyNotify)virNetworkDHCPRangeDefFree);
    copy->hosts = g_ptr_array_copy(ip->hosts, virNetworkDHCPHostDefCopy, NULL);
    g_ptr_array_set_free_func(copy->hosts, (GDestroyNotify)virNetworkDHCPHostDefFree);
    return copy;
}

/**
 * virNetworkDefCopy:
 *
 * Returns: (transfer full): a deep copy of @def.
 */
virNetworkDef *
virNetworkDefCopy(const virNetworkDef *def)
{
    virNetworkDef *copy = g_new0(virNetworkDef, 1);

    copy->name = g_strdup(def->name);
    memcpy(copy->uuid, def->uuid, VIR_UUID_BUFLEN);
    copy->forward = def->forward;
    copy->forward_dev = g_strdup(def->forward_dev);
    copy->nat_port = def->nat_port;
    copy->bridge.name = g_strdup(def->bridge.name);
    copy->bridge.stp = def->bridge.stp;
    copy->bridge.delay = def->bridge.delay;
    copy->mtu = def->mtu;
    copy->mac = g_strdup(def->mac);
    copy->domain_name = g_strdup(def->domain_name);
    copy->domain_local_only = def->domain_local_only;
    copy->dns.enable = def->dns.enable;
    copy->dns.hosts = g_ptr_array_copy(def->dns.hosts, virNetworkDNSHostDefCopy, NULL);
    g_ptr_array_set_free_func(copy->dns.hosts, (GDestroyNotify)virNetworkDNSHostDefFree);
    copy->ips = g_ptr_array_copy(def->ips, virNetworkIPDefCopy, NULL);
    g_ptr_array_set_free_func(copy->ips, (GDestroyNotify)virNetworkIPDefFree);
    return copy;
}

/**
 * virNetworkDefGetIPv4:
 *
 * Returns: (transfer none): the first IPv4 <ip> of @def, or NULL.
 */
const virNetworkIPDef *
virNetworkDefGetIPv4(const virNetworkDef *def)
{
    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == VIR_NETWORK_IP_FAMILY_IPV4)
            return ip;
    }
    return NULL;
}

/**
 * virNetworkDefHasDHCP:
 *
 * Returns: TRUE if an <ip> of @family in @def has DHCP ranges or hosts.
 */
gboolean
virNetworkDefHasDHCP(const virNetworkDef *def, virNetworkIPFamily family)
{
    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == family && (ip->ranges->len > 0 || ip->hosts->len > 0))
            return TRUE;
    }
    return FALSE;
}

/**
 * virNetworkDefDNSEnabled:
 *
 * Returns: TRUE if guests on @def get a DNS server from the host: always,
 * unless <dns enable='no'> or forward mode 'bridge'.
 */
gboolean
virNetworkDefDNSEnabled(const virNetworkDef *def)
{
    return def->forward != VIR_NETWORK_FORWARD_BRIDGE && def->dns.enable != VIR_NETWORK_BOOL_NO;
}

/* ---- net-update of <ip><dhcp><host> ---- */

/* Does @node carry every attribute @want has, with the same value? */
static gboolean
virNetworkHostMatches(xmlNode *node, xmlNode *want)
{
    for (xmlAttr *a = want->properties; a; a = a->next) {
        g_autofree char *value = (char *)xmlGetProp(want, a->name);
        g_autofree char *have = (char *)xmlGetProp(node, a->name);

        if (!have || g_ascii_strcasecmp(have, value) != 0)
            return FALSE;
    }
    return TRUE;
}

/* The key of a host entry that MODIFY looks for: its MAC, id or name. */
static gboolean
virNetworkHostSameKey(xmlNode *node, xmlNode *want)
{
    static const char *const keys[] = {"mac", "id", "name"};

    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_autofree char *value = (char *)xmlGetProp(want, (const xmlChar *)keys[i]);
        g_autofree char *have = NULL;

        if (!value)
            continue;
        have = (char *)xmlGetProp(node, (const xmlChar *)keys[i]);
        return have && g_ascii_strcasecmp(have, value) == 0;
    }
    return FALSE;
}

/* The <ip> the host goes to: number @parent_index, or (-1) the first of
 * the host address's family (IPv4 when it has none). */
static xmlNode *
virNetworkUpdateFindIP(xmlNode *root, xmlNode *host, int parent_index, const char *name,
                       GError **error)
{
    g_autofree char *addr = (char *)xmlGetProp(host, (const xmlChar *)"ip");
    gboolean v6 = addr ? strchr(addr, ':') != NULL : xmlHasProp(host, (const xmlChar *)"id") != NULL;
    int n = 0;

    for (xmlNode *c = root->children; c; c = c->next) {
        g_autofree char *a = NULL;

        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, (const xmlChar *)"ip"))
            continue;
        if (parent_index >= 0) {
            if (n++ == parent_index)
                return c;
            continue;
        }
        a = (char *)xmlGetProp(c, (const xmlChar *)"address");
        if (a && (strchr(a, ':') != NULL) == v6)
            return c;
    }
    if (parent_index >= 0)
        virErrorSet(error, VIR_ERR_OPERATION_INVALID, _("network '%s' has no <ip> number %d"),
                    name, parent_index);
    else
        virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                    _("network '%s' has no %s <ip> for the host entry"), name,
                    v6 ? "IPv6" : "IPv4");
    return NULL;
}

static xmlNode *
virNetworkUpdateDHCPNode(xmlNode *ip, gboolean create)
{
    for (xmlNode *c = ip->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)"dhcp"))
            return c;
    }
    return create ? xmlNewChild(ip, NULL, (const xmlChar *)"dhcp", NULL) : NULL;
}

/**
 * virNetworkDefUpdateDHCPHost:
 * @command: a virNetworkUpdateCommand
 * @parent_index: which <ip> (as libvirt counts them), -1: the first of the
 *   host's address family
 * @host_xml: a <host mac= id= name= ip=/> element
 *
 * What `virsh net-update ... ip-dhcp-host` asks: adds (first or last), or
 * deletes the entry that has every attribute given, or replaces the entry
 * with the same MAC, id or name.  The result is parsed again whole, so
 * every rule of a definition applies (address in the subnet, no
 * duplicate).
 *
 * Returns: (transfer full): the updated copy of @def, or NULL with @error.
 */
virNetworkDef *
virNetworkDefUpdateDHCPHost(const virNetworkDef *def, int command, int parent_index,
                            const char *host_xml, GError **error)
{
    g_autofree char *xml = virNetworkDefFormat(def, 0);
    g_autoptr(xmlDoc) doc = virXMLParseString(xml, "(network_definition)", error);
    g_autoptr(xmlDoc) hdoc = NULL;
    g_autofree char *out = NULL;
    xmlNode *host;
    xmlNode *ip;
    xmlNode *dhcp;
    xmlNode *found = NULL;

    if (!doc || !(hdoc = virXMLParseString(host_xml, "(host)", error)) ||
        !(host = virXMLGetRoot(hdoc, "host", error)) ||
        !(ip = virNetworkUpdateFindIP(xmlDocGetRootElement(doc), host, parent_index, def->name,
                                      error)))
        return NULL;
    dhcp = virNetworkUpdateDHCPNode(ip, command == VIR_NETWORK_UPDATE_ADD_FIRST ||
                                            command == VIR_NETWORK_UPDATE_ADD_LAST);
    for (xmlNode *c = dhcp ? dhcp->children : NULL; c && !found; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, (const xmlChar *)"host"))
            continue;
        if (command == VIR_NETWORK_UPDATE_DELETE ? virNetworkHostMatches(c, host)
                                                 : virNetworkHostSameKey(c, host))
            found = c;
    }
    switch (command) {
    case VIR_NETWORK_UPDATE_ADD_FIRST:
    case VIR_NETWORK_UPDATE_ADD_LAST: {
        xmlNode *copy = xmlDocCopyNode(host, doc, 1);

        if (command == VIR_NETWORK_UPDATE_ADD_LAST || !dhcp->children)
            xmlAddChild(dhcp, copy);
        else
            xmlAddPrevSibling(dhcp->children, copy);
        break;
    }
    case VIR_NETWORK_UPDATE_DELETE:
    case VIR_NETWORK_UPDATE_MODIFY:
        if (!found) {
            virErrorSet(error, VIR_ERR_OPERATION_INVALID,
                        _("couldn't locate a matching dhcp host entry in network '%s'"),
                        def->name);
            return NULL;
        }
        if (command == VIR_NETWORK_UPDATE_MODIFY)
            xmlAddNextSibling(found, xmlDocCopyNode(host, doc, 1));
        xmlUnlinkNode(found);
        xmlFreeNode(found);
        break;
    default:
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("unknown network update command %d"),
                    command);
        return NULL;
    }
    out = virXMLNodeDump(xmlDocGetRootElement(doc));
    return virNetworkDefParseString(out, 0, error);
}

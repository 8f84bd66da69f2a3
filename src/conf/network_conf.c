/*
 * network_conf.c: virtual network XML <-> virNetworkDef
 *
 * One parser per element, each refusing the attributes and children it does
 * not know; values are checked where they are read (addresses, MACs, names)
 * and the cross-element rules (DHCP inside its subnet, one DHCP server per
 * address family) once the whole document is read.
 */
#define G_LOG_DOMAIN "virtd.conf"

#include "network_conf.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "virobjname.h"
#include "virxml.h"

VIR_ENUM_IMPL(virNetworkForward, VIR_NETWORK_FORWARD_LAST, "none", "nat", "route");
VIR_ENUM_IMPL(virNetworkIPFamily, VIR_NETWORK_IP_FAMILY_LAST, "ipv4", "ipv6");

/* Linux interface names: IFNAMSIZ - 1 bytes. */
#define VIR_NETWORK_IFNAME_MAX 15

typedef struct {
    virNetworkDef *def;
    gboolean have_uuid;
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
    g_free(host->name);
    g_free(host->ip);
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
 * isolated, bridge STP on with no delay, no addresses.
 */
virNetworkDef *
virNetworkDefNew(void)
{
    virNetworkDef *def = g_new0(virNetworkDef, 1);

    def->forward = VIR_NETWORK_FORWARD_NONE;
    def->bridge.stp = TRUE;
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
    g_free(def->bridge.name);
    g_free(def->mac);
    g_free(def->domain_name);
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
virNetworkParseForward(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkParseCtxt *ctxt = opaque;
    int mode = VIR_NETWORK_FORWARD_NAT;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("mode"), error) ||
        !virXMLPropEnum(node, "mode", virNetworkForwardTypeFromString, VIR_XML_PROP_OPTIONAL,
                        &mode, error) ||
        !virXMLCheckEmpty(node, error))
        return FALSE;
    if (mode == VIR_NETWORK_FORWARD_NONE) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported value '%s' for attribute '%s' on <%s>"), "none", "mode",
                    "forward");
        return FALSE;
    }
    ctxt->def->forward = mode;
    return TRUE;
}

static gboolean
virNetworkParseBridge(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkDef *def = ((virNetworkParseCtxt *)opaque)->def;

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

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("name"), error) ||
        !virXMLPropStringGet(node, "name", VIR_XML_PROP_REQUIRED, &def->domain_name, error) ||
        !virNetworkHostnameCheck(def->domain_name, "domain", error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
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

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("mac", "name", "ip"), error) ||
        !virXMLPropStringGet(node, "mac", VIR_XML_PROP_OPTIONAL, &mac, error) ||
        (mac && !virMacAddrCheck(mac, "host", &host->mac, error)) ||
        !virXMLPropStringGet(node, "name", VIR_XML_PROP_OPTIONAL, &host->name, error) ||
        (host->name && !virNetworkHostnameCheck(host->name, "host", error)) ||
        !virNetworkAddressProp(node, "ip", ip->family, &host->ip, error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virNetworkParseDHCPHost(xmlNode *node, gpointer opaque, GError **error)
{
    virNetworkIPDef *ip = opaque;
    g_autoptr(virNetworkDHCPHostDef) host = g_new0(virNetworkDHCPHostDef, 1);

    if (!virNetworkParseDHCPHostAttrs(node, ip, host, error))
        return FALSE;
    if (ip->family == VIR_NETWORK_IP_FAMILY_IPV6 ? host->mac || !host->name
                                                 : !host->mac && !host->name) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    ip->family == VIR_NETWORK_IP_FAMILY_IPV6
                        ? _("DHCP <host> '%s' of an IPv6 network needs a name and no MAC")
                        : _("DHCP <host> '%s' needs a MAC address or a name"),
                    host->ip);
        return FALSE;
    }
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
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error))
        return FALSE;
    return virXMLParseChildren(node, virNetworkDHCPHandlers, opaque, error);
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
    {"mac", virNetworkParseMac, FALSE},
    {"domain", virNetworkParseDomain, FALSE},
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
    if (!virNetworkDefValidateDHCP(def, error))
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

        virXMLWriterEmpty(w, "host", "mac", host->mac, "name", host->name, "ip", host->ip, NULL);
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

/**
 * virNetworkDefFormat:
 * @flags: virNetworkXMLFlags (nothing differs between live and inactive)
 *
 * Returns: (transfer full): @def as a <network> document in libvirt's
 * layout, ending with a newline.
 */
char *
virNetworkDefFormat(const virNetworkDef *def, unsigned int flags)
{
    g_autofree char *delay = g_strdup_printf("%u", def->bridge.delay);
    char uuid[VIR_UUID_STRING_BUFLEN];
    virXMLWriter w;

    virUUIDFormat(def->uuid, uuid);
    virXMLWriterInit(&w);
    virXMLWriterStart(&w, "network", NULL);
    virXMLWriterText(&w, "name", def->name, NULL);
    virXMLWriterText(&w, "uuid", uuid, NULL);
    if (def->forward != VIR_NETWORK_FORWARD_NONE)
        virXMLWriterEmpty(&w, "forward", "mode", virNetworkForwardTypeToString(def->forward),
                          NULL);
    virXMLWriterEmpty(&w, "bridge", "name", def->bridge.name, "stp",
                      def->bridge.stp ? "on" : "off", "delay", delay, NULL);
    if (def->mac)
        virXMLWriterEmpty(&w, "mac", "address", def->mac, NULL);
    if (def->domain_name)
        virXMLWriterEmpty(&w, "domain", "name", def->domain_name, NULL);
    for (guint i = 0; i < def->ips->len; i++)
        virNetworkIPFormat(&w, g_ptr_array_index(def->ips, i));
    virXMLWriterEnd(&w, "network");
    return virXMLWriterFinish(&w);
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
    copy->name = g_strdup(host->name);
    copy->ip = g_strdup(host->ip);
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
    copy->bridge.name = g_strdup(def->bridge.name);
    copy->bridge.stp = def->bridge.stp;
    copy->bridge.delay = def->bridge.delay;
    copy->mac = g_strdup(def->mac);
    copy->domain_name = g_strdup(def->domain_name);
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

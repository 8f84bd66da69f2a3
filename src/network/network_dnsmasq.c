/*
 * network_dnsmasq.c: dnsmasq for a virtual network: its files and argv,
 * as pure functions
 *
 * The configuration follows what libvirt 9.0 writes for the same network
 * (observed by running Debian's libvirtd privately), line for line where
 * it applies, so that guests see the same DHCP and DNS service.  Where it
 * differs, the reason is in docs/internals/network-dnsmasq.rst: the lease
 * file is dnsmasq's own (no --leasefile-ro and no --dhcp-script), the
 * user is named, lease times are written out, the lease limit counts
 * static hosts, and options that cannot apply (an IPv4 DHCP option with
 * no IPv4 DHCP, an IPv6 router setting with no IPv6) are left out.
 *
 * Every value written comes from a parsed definition, whose names and
 * addresses are checked (no ',', '#', space or newline can reach a
 * line), or from the driver, whose paths must not hold a newline.
 */
#define G_LOG_DOMAIN "virtd.network"

#include "network_dnsmasq.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <pwd.h>
#include <string.h>

#include "virerror.h"

/* dnsmasq's own defaults, written out so that the file says what guests
 * get (libvirt leaves them implicit, which means the same). */
#define VIR_NETWORK_DNSMASQ_LEASE_IPV4 "1h"
#define VIR_NETWORK_DNSMASQ_LEASE_IPV6 "1d"

/* dhcp-lease-max is an int in dnsmasq. */
#define VIR_NETWORK_DNSMASQ_LEASE_MAX G_MAXINT32

/**
 * virNetworkDnsmasqNeeded:
 *
 * Returns: TRUE if @def needs a dnsmasq: it has an address on a bridge of
 * virtd's own (not forward mode bridge) and serves DNS (the default) or
 * DHCP.  With <dns enable='no'> and no DHCP there is none, so IPv6
 * addresses get no router advertisements either, as with libvirt.
 */
gboolean
virNetworkDnsmasqNeeded(const virNetworkDef *def)
{
    if (def->forward == VIR_NETWORK_FORWARD_BRIDGE || def->ips->len == 0)
        return FALSE;
    return virNetworkDefDNSEnabled(def) || virNetworkDefHasDHCP(def, VIR_NETWORK_IP_FAMILY_IPV4) ||
           virNetworkDefHasDHCP(def, VIR_NETWORK_IP_FAMILY_IPV6);
}

static gboolean
virNetworkDnsmasqHasFamily(const virNetworkDef *def, virNetworkIPFamily family)
{
    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == family)
            return TRUE;
    }
    return FALSE;
}

static gboolean
virNetworkDnsmasqHasDHCP(const virNetworkIPDef *ip)
{
    return ip->ranges->len > 0 || ip->hosts->len > 0;
}

/* The dotted netmask of an IPv4 prefix: dhcp-range wants that form. */
static char *
virNetworkDnsmasqNetmask(unsigned int prefix)
{
    guint32 mask = prefix ? G_MAXUINT32 << (32 - prefix) : 0;

    return g_strdup_printf("%u.%u.%u.%u", mask >> 24, (mask >> 16) & 0xff, (mask >> 8) & 0xff,
                           mask & 0xff);
}

/* The number of addresses from @start to @end, at most @cap. */
static guint64
virNetworkDnsmasqRangeSize(const char *start, const char *end, guint64 cap)
{
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string(start);
    g_autoptr(GInetAddress) b = g_inet_address_new_from_string(end);
    gsize len = g_inet_address_get_native_size(a);
    const guint8 *pa = g_inet_address_to_bytes(a);
    const guint8 *pb = g_inet_address_to_bytes(b);
    guint64 va = 0;
    guint64 vb = 0;

    /* only the last 8 bytes can differ in a range smaller than 2^64 */
    if (len > 8 && memcmp(pa, pb, len - 8) != 0)
        return cap;
    for (gsize i = len > 8 ? len - 8 : 0; i < len; i++) {
        va = va << 8 | pa[i];
        vb = vb << 8 | pb[i];
    }
    if (vb - va >= cap)
        return cap;
    return vb - va + 1;
}

/* Every address dnsmasq may lease: the ranges and the static hosts (a
 * host's fixed address may lie outside the ranges; libvirt counts the
 * ranges only). */
static guint64
virNetworkDnsmasqLeaseMax(const virNetworkDef *def)
{
    guint64 total = 0;

    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        for (guint j = 0; j < ip->ranges->len; j++) {
            const virNetworkDHCPRangeDef *r = g_ptr_array_index(ip->ranges, j);

            total += virNetworkDnsmasqRangeSize(r->start, r->end, VIR_NETWORK_DNSMASQ_LEASE_MAX);
            total = MIN(total, VIR_NETWORK_DNSMASQ_LEASE_MAX);
        }
        total = MIN(total + ip->hosts->len, VIR_NETWORK_DNSMASQ_LEASE_MAX);
    }
    return total;
}

/* The DNS lines: the network's domain, and where unknown names go. */
static void
virNetworkDnsmasqAddDNS(GString *conf, const virNetworkDef *def)
{
    if (def->domain_name) {
        if (def->domain_local_only == VIR_NETWORK_BOOL_YES)
            g_string_append_printf(conf, "local=/%s/\n", def->domain_name);
        g_string_append_printf(conf, "domain=%s\nexpand-hosts\n", def->domain_name);
    }
    if (!virNetworkDefDNSEnabled(def))
        g_string_append(conf, "port=0\n");
    else if (def->forward == VIR_NETWORK_FORWARD_NONE)
        g_string_append(conf, "no-resolv\n");
}

/* Process and sockets: who it runs as, and the bridge as its only
 * interface. */
static void
virNetworkDnsmasqAddProcess(GString *conf, const char *bridge, const virNetworkDnsmasqRuntime *rt)
{
    g_string_append_printf(conf, "user=%s\n", rt->user);
    if (rt->group)
        g_string_append_printf(conf, "group=%s\n", rt->group);
    g_string_append_printf(conf, "pid-file=%s\n", rt->pid_file);
    g_string_append_printf(conf, "except-interface=lo\nbind-dynamic\ninterface=%s\n", bridge);
}

static void
virNetworkDnsmasqAddIPv4(GString *conf, const virNetworkDef *def, const virNetworkIPDef *ip)
{
    g_autofree char *netmask = virNetworkDnsmasqNetmask(ip->prefix);

    for (guint i = 0; i < ip->ranges->len; i++) {
        const virNetworkDHCPRangeDef *r = g_ptr_array_index(ip->ranges, i);

        g_string_append_printf(conf, "dhcp-range=%s,%s,%s," VIR_NETWORK_DNSMASQ_LEASE_IPV4 "\n",
                               r->start, r->end, netmask);
    }
    if (ip->ranges->len == 0)
        g_string_append_printf(conf, "dhcp-range=%s,static,%s," VIR_NETWORK_DNSMASQ_LEASE_IPV4 "\n",
                               ip->address, netmask);
    g_string_append(conf, "dhcp-no-override\ndhcp-authoritative\n");
    if (def->mtu)
        g_string_append_printf(conf, "dhcp-option=option:mtu,%u\n", def->mtu);
}

/* With DHCPv6 ranges (or static hosts only), else router advertisements
 * alone for the prefix, which guests then configure themselves from. */
static void
virNetworkDnsmasqAddIPv6(GString *conf, const virNetworkIPDef *ip, gboolean authoritative)
{
    if (!virNetworkDnsmasqHasDHCP(ip)) {
        g_string_append_printf(conf, "dhcp-range=%s,ra-only\n", ip->address);
        return;
    }
    for (guint i = 0; i < ip->ranges->len; i++) {
        const virNetworkDHCPRangeDef *r = g_ptr_array_index(ip->ranges, i);

        g_string_append_printf(conf, "dhcp-range=%s,%s,%u," VIR_NETWORK_DNSMASQ_LEASE_IPV6 "\n",
                               r->start, r->end, ip->prefix);
    }
    if (ip->ranges->len == 0)
        g_string_append_printf(conf, "dhcp-range=%s,static,%u," VIR_NETWORK_DNSMASQ_LEASE_IPV6 "\n",
                               ip->address, ip->prefix);
    if (authoritative)
        g_string_append(conf, "dhcp-authoritative\n");
}

static void
virNetworkDnsmasqAddDHCP(GString *conf, const virNetworkDef *def, const char *bridge,
                         const virNetworkDnsmasqRuntime *rt)
{
    gboolean dhcp4 = virNetworkDefHasDHCP(def, VIR_NETWORK_IP_FAMILY_IPV4);
    gboolean dhcp6 = virNetworkDefHasDHCP(def, VIR_NETWORK_IP_FAMILY_IPV6);
    gboolean ipv6 = virNetworkDnsmasqHasFamily(def, VIR_NETWORK_IP_FAMILY_IPV6);

    /* isolated: no default route over the bridge, in either family */
    if (def->forward == VIR_NETWORK_FORWARD_NONE && dhcp4)
        g_string_append(conf, "dhcp-option=3\n");
    if (def->forward == VIR_NETWORK_FORWARD_NONE && ipv6)
        g_string_append_printf(conf, "ra-param=%s,0,0\n", bridge);
    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == VIR_NETWORK_IP_FAMILY_IPV4 && virNetworkDnsmasqHasDHCP(ip))
            virNetworkDnsmasqAddIPv4(conf, def, ip);
    }
    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        if (ip->family == VIR_NETWORK_IP_FAMILY_IPV6)
            virNetworkDnsmasqAddIPv6(conf, ip, !dhcp4);
    }
    if (dhcp4 || dhcp6) {
        g_string_append_printf(conf, "dhcp-lease-max=%" G_GUINT64_FORMAT "\n",
                               virNetworkDnsmasqLeaseMax(def));
        g_string_append_printf(conf, "dhcp-leasefile=%s\n", rt->leases_file);
        g_string_append_printf(conf, "dhcp-hostsfile=%s\n", rt->hosts_file);
    }
}

static gboolean
virNetworkDnsmasqPathOK(const char *path)
{
    return path && g_path_is_absolute(path) && !strchr(path, '\n');
}

/**
 * virNetworkDnsmasqConfig:
 * @def: a network for which virNetworkDnsmasqNeeded() is TRUE
 * @bridge: its bridge (def->bridge.name once the driver has chosen one)
 * @rt: the files and the user, from the driver
 *
 * Returns: (transfer full): the contents of the file dnsmasq is started
 * with (virNetworkDnsmasqArgv()); the same input always gives the same
 * text.
 */
char *
virNetworkDnsmasqConfig(const virNetworkDef *def, const char *bridge,
                        const virNetworkDnsmasqRuntime *rt)
{
    GString *conf;

    g_return_val_if_fail(virNetworkDnsmasqNeeded(def), NULL);
    g_return_val_if_fail(bridge && *bridge && !strchr(bridge, '\n'), NULL);
    g_return_val_if_fail(virNetworkDnsmasqPathOK(rt->pid_file), NULL);
    g_return_val_if_fail(virNetworkDnsmasqPathOK(rt->leases_file), NULL);
    g_return_val_if_fail(virNetworkDnsmasqPathOK(rt->hosts_file), NULL);
    g_return_val_if_fail(virNetworkDnsmasqPathOK(rt->addn_hosts_file), NULL);
    g_return_val_if_fail(rt->user && *rt->user && !strchr(rt->user, '\n'), NULL);
    g_return_val_if_fail(!rt->group || (*rt->group && !strchr(rt->group, '\n')), NULL);

    conf = g_string_new("## dnsmasq configuration of a virtd network, rewritten at every start\n"
                        "## of the network: change the network's XML (virsh net-edit) instead.\n"
                        "strict-order\n");
    virNetworkDnsmasqAddDNS(conf, def);
    virNetworkDnsmasqAddProcess(conf, bridge, rt);
    virNetworkDnsmasqAddDHCP(conf, def, bridge, rt);
    if (virNetworkDefDNSEnabled(def))
        g_string_append_printf(conf, "addn-hosts=%s\n", rt->addn_hosts_file);
    if (virNetworkDnsmasqHasFamily(def, VIR_NETWORK_IP_FAMILY_IPV6))
        g_string_append(conf, "enable-ra\n");
    return g_string_free(conf, FALSE);
}

static void
virNetworkDnsmasqAddHost(GString *out, const virNetworkIPDef *ip,
                         const virNetworkDHCPHostDef *host)
{
    if (ip->family == VIR_NETWORK_IP_FAMILY_IPV4) {
        if (host->mac)
            g_string_append_printf(out, "%s,%s%s%s\n", host->mac, host->ip,
                                   host->name ? "," : "", host->name ? host->name : "");
        else
            g_string_append_printf(out, "%s,%s\n", host->name, host->ip);
        return;
    }
    if (host->id)
        g_string_append_printf(out, "id:%s,", host->id);
    if (host->name)
        g_string_append_printf(out, "%s,", host->name);
    g_string_append_printf(out, "[%s]\n", host->ip);
}

/**
 * virNetworkDnsmasqHostsFile:
 *
 * Returns: (transfer full): the dhcp-hostsfile of @def: one dnsmasq
 * dhcp-host per <dhcp><host>, IPv4 ("mac,ip[,name]" or "name,ip") and
 * IPv6 ("[id:duid,][name,][ip]") in document order; "" when there is
 * none.
 */
char *
virNetworkDnsmasqHostsFile(const virNetworkDef *def)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < def->ips->len; i++) {
        const virNetworkIPDef *ip = g_ptr_array_index(def->ips, i);

        for (guint j = 0; j < ip->hosts->len; j++)
            virNetworkDnsmasqAddHost(out, ip, g_ptr_array_index(ip->hosts, j));
    }
    return g_string_free(out, FALSE);
}

/**
 * virNetworkDnsmasqAddnHosts:
 *
 * Returns: (transfer full): the addn-hosts file of @def, in /etc/hosts
 * format: one line per <dns><host>, its address then its names separated
 * by tabs; "" when there is none.
 */
char *
virNetworkDnsmasqAddnHosts(const virNetworkDef *def)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < def->dns.hosts->len; i++) {
        const virNetworkDNSHostDef *host = g_ptr_array_index(def->dns.hosts, i);

        g_string_append(out, host->ip);
        for (guint j = 0; j < host->hostnames->len; j++) {
            g_string_append_c(out, '\t');
            g_string_append(out, g_ptr_array_index(host->hostnames, j));
        }
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

/**
 * virNetworkDnsmasqArgv:
 * @binary: dnsmasq's path
 * @conf_path: the file holding virNetworkDnsmasqConfig()
 *
 * dnsmasq reads only @conf_path (--conf-file replaces /etc/dnsmasq.conf)
 * and goes into the background: the process started exits once the
 * daemon has bound its sockets and written its pid file, with 0, or with
 * dnsmasq's error code (1 configuration, 2 network, 3 file system, 4
 * memory, 5 other) and the reason on stderr.  The daemon is then found by
 * its pid file, and again after a virtd restart by the pid file and this
 * command line.
 *
 * Returns: (transfer full): the argv, NULL-terminated (pdata can be given
 * to virCommandNewArgv()), owning its strings.
 */
GPtrArray *
virNetworkDnsmasqArgv(const char *binary, const char *conf_path)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(argv, g_strdup(binary));
    g_ptr_array_add(argv, g_strdup_printf("--conf-file=%s", conf_path));
    g_ptr_array_add(argv, NULL);
    return argv;
}

/**
 * virNetworkDnsmasqUser:
 *
 * Returns: (transfer none): VIR_NETWORK_DNSMASQ_USER if that user exists
 * on this host, else VIR_NETWORK_DNSMASQ_USER_FALLBACK.  A dedicated user
 * owns nothing else; "nobody" is shared with other daemons.
 */
const char *
virNetworkDnsmasqUser(void)
{
    struct passwd pw;
    struct passwd *found = NULL;
    char buf[1024];

    if (getpwnam_r(VIR_NETWORK_DNSMASQ_USER, &pw, buf, sizeof(buf), &found) == 0 && found)
        return VIR_NETWORK_DNSMASQ_USER;
    return VIR_NETWORK_DNSMASQ_USER_FALLBACK;
}

/* ---- the lease file ---- */

/**
 * virNetworkDnsmasqLeaseFree:
 *
 * NULL-safe.
 */
void
virNetworkDnsmasqLeaseFree(virNetworkDnsmasqLease *lease)
{
    if (!lease)
        return;
    g_free(lease->mac);
    g_free(lease->iaid);
    g_free(lease->ip);
    g_free(lease->hostname);
    g_free(lease->client_id);
    g_free(lease);
}

/* '*' is dnsmasq's "none". */
static char *
virNetworkDnsmasqLeaseField(const char *field)
{
    return strcmp(field, "*") == 0 ? NULL : g_strdup(field);
}

static virNetworkDnsmasqLease *
virNetworkDnsmasqParseLease(char **fields, gboolean ipv6)
{
    g_autoptr(virNetworkDnsmasqLease) lease = g_new0(virNetworkDnsmasqLease, 1);
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(fields[2]);
    guint64 expiry;

    if (!g_ascii_string_to_unsigned(fields[0], 10, 0, G_MAXINT64, &expiry, NULL) || !addr ||
        (g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV6) != ipv6)
        return NULL;
    lease->family = ipv6 ? VIR_NETWORK_IP_FAMILY_IPV6 : VIR_NETWORK_IP_FAMILY_IPV4;
    lease->expiry = (gint64)expiry;
    if (ipv6)
        lease->iaid = g_strdup(fields[1]);
    else
        lease->mac = g_strdup(fields[1]);
    lease->ip = g_inet_address_to_string(addr);
    lease->hostname = virNetworkDnsmasqLeaseField(fields[3]);
    lease->client_id = virNetworkDnsmasqLeaseField(fields[4]);
    return g_steal_pointer(&lease);
}

/**
 * virNetworkDnsmasqParseLeases:
 * @text: the contents of the dhcp-leasefile
 *
 * dnsmasq writes one line per lease, "expiry mac ip hostname client-id"
 * for DHCPv4, then a "duid <server DUID>" line and "expiry iaid ip
 * hostname client-DUID" lines for DHCPv6; '*' means none.
 *
 * Returns: (transfer full): the leases in file order
 * (virNetworkDnsmasqLease, freed with the array), or NULL with
 * VIR_ERR_INTERNAL_ERROR naming the first line that is none of these.
 */
GPtrArray *
virNetworkDnsmasqParseLeases(const char *text, GError **error)
{
    g_autoptr(GPtrArray) leases =
        g_ptr_array_new_with_free_func((GDestroyNotify)virNetworkDnsmasqLeaseFree);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gboolean ipv6 = FALSE;

    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) fields = NULL;
        virNetworkDnsmasqLease *lease = NULL;

        if (!*lines[i])
            continue;
        fields = g_strsplit(lines[i], " ", -1);
        if (g_strv_length(fields) == 2 && strcmp(fields[0], "duid") == 0) {
            ipv6 = TRUE;
            continue;
        }
        if (g_strv_length(fields) != 5 || !(lease = virNetworkDnsmasqParseLease(fields, ipv6))) {
            virErrorSet(error, VIR_ERR_INTERNAL_ERROR,
                        _("line %u of dnsmasq's lease file is not a lease"), i + 1);
            return NULL;
        }
        g_ptr_array_add(leases, lease);
    }
    return g_steal_pointer(&leases);
}

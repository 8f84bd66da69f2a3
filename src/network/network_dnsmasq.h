/*
 * network_dnsmasq.h: dnsmasq for a virtual network: its files and argv,
 * as pure functions (virNetworkDnsmasqUser() aside: it looks a user up)
 *
 * A network that serves DHCP, DNS or IPv6 router advertisements to its
 * guests gets a dnsmasq of its own, bound to the network's bridge and
 * nothing else, started as `dnsmasq --conf-file=<its file>` so that the
 * host's /etc/dnsmasq.conf is never read.  Everything it needs is in four
 * files the driver writes:
 *  - the configuration, virNetworkDnsmasqConfig(): rewritten at each start;
 *  - the static DHCP hosts (dhcp-hostsfile), virNetworkDnsmasqHostsFile(),
 *    and the DNS host entries (addn-hosts), virNetworkDnsmasqAddnHosts():
 *    dnsmasq reads them again on SIGHUP, so `net-update ip-dhcp-host`
 *    rewrites the first one and signals, without a restart;
 *  - the leases (dhcp-leasefile), which dnsmasq keeps up to date itself
 *    and virtd only reads (virNetworkDnsmasqParseLeases()) for
 *    `net-dhcp-leases`: no --dhcp-script helper as libvirt has.
 * docs/internals/network-dnsmasq.rst explains every line of the
 * configuration.
 */
#pragma once

#include <glib.h>

#include "network_conf.h"

/* What the process side decides; everything else comes from the
 * definition.  Absolute paths, no newlines. */
typedef struct {
    const char *pid_file;        /* pid-file=: written by dnsmasq once it runs */
    const char *leases_file;     /* dhcp-leasefile= */
    const char *hosts_file;      /* dhcp-hostsfile=: virNetworkDnsmasqHostsFile() */
    const char *addn_hosts_file; /* addn-hosts=: virNetworkDnsmasqAddnHosts() */
    const char *user;            /* user= dnsmasq switches to: virNetworkDnsmasqUser() */
    const char *group;           /* group=, NULL: dnsmasq's default ("dip" if it exists) */
} virNetworkDnsmasqRuntime;

/* The user dnsmasq drops root for when Debian's dnsmasq-base created it,
 * and the one libvirt 9.0 uses on Debian otherwise. */
#define VIR_NETWORK_DNSMASQ_USER "dnsmasq"
#define VIR_NETWORK_DNSMASQ_USER_FALLBACK "nobody"

gboolean virNetworkDnsmasqNeeded(const virNetworkDef *def);
char *virNetworkDnsmasqConfig(const virNetworkDef *def, const char *bridge,
                              const virNetworkDnsmasqRuntime *rt);
char *virNetworkDnsmasqHostsFile(const virNetworkDef *def);
char *virNetworkDnsmasqAddnHosts(const virNetworkDef *def);
GPtrArray *virNetworkDnsmasqArgv(const char *binary, const char *conf_path);
const char *virNetworkDnsmasqUser(void);

/* One line of dnsmasq's lease file. */
typedef struct {
    virNetworkIPFamily family;
    gint64 expiry;           /* seconds since the epoch, 0: never expires */
    char *mac;               /* IPv4: the client's hardware address */
    char *iaid;              /* IPv6: the IAID ("T<n>" for a temporary address) */
    char *ip;
    char *hostname;          /* NULL: the client sent none */
    char *client_id;         /* IPv4 client id or IPv6 DUID, NULL: none */
} virNetworkDnsmasqLease;

void virNetworkDnsmasqLeaseFree(virNetworkDnsmasqLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetworkDnsmasqLease, virNetworkDnsmasqLeaseFree)

GPtrArray *virNetworkDnsmasqParseLeases(const char *text, GError **error);

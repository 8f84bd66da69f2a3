/*
 * network_conf.h: virtual network XML <-> virNetworkDef
 *
 * The subset of libvirt's network XML that virtd implements: a bridge of
 * virtd's own, isolated, NATed, routed or open, with IP addresses, DHCP
 * and DNS host entries; or an existing host bridge (forward mode 'bridge').
 * Anything else in the document is refused (VIR_ERR_CONFIG_UNSUPPORTED),
 * never dropped.
 */
#pragma once

#include <glib.h>

#include "virenum.h"
#include "virerror.h"
#include "viruuid.h"

typedef enum {
    VIR_NETWORK_FORWARD_NONE,    /* isolated: no <forward> */
    VIR_NETWORK_FORWARD_NAT,
    VIR_NETWORK_FORWARD_ROUTE,
    VIR_NETWORK_FORWARD_OPEN,    /* routed, with no firewall rules at all */
    VIR_NETWORK_FORWARD_BRIDGE,  /* an existing host bridge: no address, DHCP, DNS */
    VIR_NETWORK_FORWARD_LAST
} virNetworkForwardType;
VIR_ENUM_DECL(virNetworkForward);

/* A yes/no attribute that may be absent, which is kept as such so that
 * the document formats back as it was given. */
typedef enum {
    VIR_NETWORK_BOOL_ABSENT,
    VIR_NETWORK_BOOL_YES,
    VIR_NETWORK_BOOL_NO,
    VIR_NETWORK_BOOL_LAST
} virNetworkBool;
VIR_ENUM_DECL(virNetworkBool);

/* The source ports of NATed connections when <nat><port> is absent:
 * libvirt's live XML shows this range for every NAT network. */
#define VIR_NETWORK_NAT_PORT_DEFAULT_START 1024
#define VIR_NETWORK_NAT_PORT_DEFAULT_END 65535

typedef enum {
    VIR_NETWORK_IP_FAMILY_IPV4,
    VIR_NETWORK_IP_FAMILY_IPV6,
    VIR_NETWORK_IP_FAMILY_LAST
} virNetworkIPFamily;
VIR_ENUM_DECL(virNetworkIPFamily);

/* Addresses are kept in their canonical text form (g_inet_address_to_string),
 * MAC addresses as lowercase "52:54:00:0a:0b:0c". */
typedef struct {
    char *start;
    char *end;
} virNetworkDHCPRangeDef;

/* IPv4: mac and/or name.  IPv6: id (the client's DUID, hex bytes
 * separated by ':') and/or name, never a mac. */
typedef struct {
    char *mac;
    char *id;
    char *name;
    char *ip;
} virNetworkDHCPHostDef;

/* A <dns><host>: an address (of any network) and its names. */
typedef struct {
    char *ip;
    GPtrArray *hostnames;    /* of char *, at least one */
} virNetworkDNSHostDef;

typedef struct {
    virNetworkIPFamily family;
    char *address;           /* the host's address on the bridge */
    char *netmask;           /* as given (IPv4 only), NULL when given as a prefix */
    unsigned int prefix;     /* always set, derived from netmask if need be */
    GPtrArray *ranges;       /* of virNetworkDHCPRangeDef, never NULL */
    GPtrArray *hosts;        /* of virNetworkDHCPHostDef, never NULL */
} virNetworkIPDef;

typedef struct _virNetworkDef virNetworkDef;
struct _virNetworkDef {
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    virNetworkForwardType forward;
    char *forward_dev;       /* nat, route: forward only through this device */
    struct {
        unsigned int start;  /* 0 (and end 0): not given; see _DEFAULT_ above */
        unsigned int end;
    } nat_port;
    struct {
        char *name;          /* NULL: the driver picks one; required for mode bridge */
        gboolean stp;        /* default on; not with mode bridge */
        unsigned int delay;  /* seconds, default 0; not with mode bridge */
    } bridge;
    unsigned int mtu;        /* of the bridge and its taps, 0: the kernel's default */
    char *mac;               /* the bridge's MAC, NULL: the driver picks one */
    char *domain_name;       /* <domain name=...>, the DNS domain */
    virNetworkBool domain_local_only; /* YES: names in it are never forwarded upstream */
    struct {
        virNetworkBool enable; /* NO: no DNS server at all */
        GPtrArray *hosts;    /* of virNetworkDNSHostDef, never NULL */
    } dns;
    GPtrArray *ips;          /* of virNetworkIPDef, never NULL */
};

virNetworkDef *virNetworkDefNew(void);
virNetworkDef *virNetworkDefParseString(const char *xml, unsigned int flags, GError **error);
virNetworkDef *virNetworkDefParseFile(const char *path, unsigned int flags, GError **error);
char *virNetworkDefFormat(const virNetworkDef *def, unsigned int flags);
char *virNetworkDefFormatLive(const virNetworkDef *def, unsigned int connections);

/* virNetworkUpdate's commands (libvirt's numbers) */
typedef enum {
    VIR_NETWORK_UPDATE_MODIFY = 1,
    VIR_NETWORK_UPDATE_DELETE = 2,
    VIR_NETWORK_UPDATE_ADD_LAST = 3,
    VIR_NETWORK_UPDATE_ADD_FIRST = 4,
} virNetworkUpdateCommand;

virNetworkDef *virNetworkDefUpdateDHCPHost(const virNetworkDef *def, int command,
                                           int parent_index, const char *host_xml,
                                           GError **error);
virNetworkDef *virNetworkDefCopy(const virNetworkDef *def);
void virNetworkDefFree(virNetworkDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetworkDef, virNetworkDefFree)

const virNetworkIPDef *virNetworkDefGetIPv4(const virNetworkDef *def);
gboolean virNetworkDefHasDHCP(const virNetworkDef *def, virNetworkIPFamily family);
gboolean virNetworkDefDNSEnabled(const virNetworkDef *def);

/* MAC addresses, shared with the domain XML. */
#define VIR_MAC_BUFLEN 6
#define VIR_MAC_STRING_BUFLEN 18

gboolean virMacAddrParse(const char *str, unsigned char *mac);
void virMacAddrFormat(const unsigned char *mac, char *str);
char *virMacAddrGenerate(void);
gboolean virMacAddrCheck(const char *str, const char *where, char **canonical, GError **error);

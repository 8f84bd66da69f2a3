/*
 * network_conf.h: virtual network XML <-> virNetworkDef
 *
 * The subset of libvirt's network XML that virtd implements: a bridge,
 * isolated, NATed or routed, with IP addresses and DHCP.  Anything else in
 * the document is refused (VIR_ERR_CONFIG_UNSUPPORTED), never dropped.
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
    VIR_NETWORK_FORWARD_LAST
} virNetworkForwardType;
VIR_ENUM_DECL(virNetworkForward);

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

typedef struct {
    char *mac;               /* may be NULL when name is set */
    char *name;              /* may be NULL when mac is set */
    char *ip;
} virNetworkDHCPHostDef;

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
    struct {
        char *name;          /* NULL: the driver picks one */
        gboolean stp;        /* default on */
        unsigned int delay;  /* seconds, default 0 */
    } bridge;
    char *mac;               /* the bridge's MAC, NULL: the driver picks one */
    char *domain_name;       /* <domain name=...>, the DNS domain */
    GPtrArray *ips;          /* of virNetworkIPDef, never NULL */
};

virNetworkDef *virNetworkDefNew(void);
virNetworkDef *virNetworkDefParseString(const char *xml, unsigned int flags, GError **error);
virNetworkDef *virNetworkDefParseFile(const char *path, unsigned int flags, GError **error);
char *virNetworkDefFormat(const virNetworkDef *def, unsigned int flags);
virNetworkDef *virNetworkDefCopy(const virNetworkDef *def);
void virNetworkDefFree(virNetworkDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetworkDef, virNetworkDefFree)

const virNetworkIPDef *virNetworkDefGetIPv4(const virNetworkDef *def);

/* MAC addresses, shared with the domain XML. */
#define VIR_MAC_BUFLEN 6
#define VIR_MAC_STRING_BUFLEN 18

gboolean virMacAddrParse(const char *str, unsigned char *mac);
void virMacAddrFormat(const unsigned char *mac, char *str);
char *virMacAddrGenerate(void);
gboolean virMacAddrCheck(const char *str, const char *where, char **canonical, GError **error);

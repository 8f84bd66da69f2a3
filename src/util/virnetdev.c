/*
 * virnetdev.c: host network devices: taps, bridge ports, MAC, link state
 */
#define G_LOG_DOMAIN "virtd.netdev"

#include "virnetdev.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

GQuark
virNetDevErrorQuark(void)
{
    return g_quark_from_static_string("vir-netdev-error-quark");
}

/**
 * virNetDevTapCreate:
 * @name: the tap's name, or a template such as "vnet%d"
 * @ifname: (out): the name the kernel gave it
 *
 * Creates a tap (no packet info header).  It is not persistent: it goes
 * away with the last fd, i.e. when the guest using it exits, so a crash
 * of virtd or qemu never leaks one.
 *
 * Returns: the tap's fd (close-on-exec), or -1.
 */
int
virNetDevTapCreate(const char *name, char **ifname, GError **error)
{
    struct ifreq ifr = {0};
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        int saved = errno;
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("cannot open /dev/net/tun: %s"),
                    g_strerror(saved));
        return -1;
    }
    if (strlen(name) >= IFNAMSIZ) {
        close(fd);
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("interface name '%s' is too long"), name);
        return -1;
    }
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    g_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int saved = errno;
        close(fd);
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("cannot create tap device '%s': %s"), name,
                    g_strerror(saved));
        return -1;
    }
    *ifname = g_strdup(ifr.ifr_name);
    return fd;
}

typedef int (*virNetDevLinkChange)(struct rtnl_link *change, gpointer opaque);

/* Looks @ifname up and applies what @fn sets on a change request. */
static gboolean
virNetDevModify(const char *ifname, virNetDevLinkChange fn, gpointer opaque, const char *what,
                GError **error)
{
    struct nl_sock *sk = nl_socket_alloc();
    struct rtnl_link *link = NULL;
    struct rtnl_link *change = rtnl_link_alloc();
    int rc = -NLE_NOMEM;

    if (sk && change && (rc = nl_connect(sk, NETLINK_ROUTE)) == 0 &&
        (rc = rtnl_link_get_kernel(sk, 0, ifname, &link)) == 0 &&
        (rc = fn(change, opaque)) == 0)
        rc = rtnl_link_change(sk, link, change, 0);
    if (rc < 0)
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("cannot %s of '%s': %s"), what, ifname,
                    nl_geterror(rc));
    if (link)
        rtnl_link_put(link);
    if (change)
        rtnl_link_put(change);
    nl_socket_free(sk);
    return rc >= 0;
}

static int
virNetDevChangeMAC(struct rtnl_link *change, gpointer opaque)
{
    struct nl_addr *addr = NULL;
    int rc = nl_addr_parse(opaque, AF_LLC, &addr);

    if (rc < 0)
        return rc;
    rtnl_link_set_addr(change, addr);
    nl_addr_put(addr);
    return 0;
}

gboolean
virNetDevSetMAC(const char *ifname, const char *mac, GError **error)
{
    return virNetDevModify(ifname, virNetDevChangeMAC, (gpointer)mac, _("set the MAC address"),
                           error);
}

static int
virNetDevChangeUp(struct rtnl_link *change, gpointer opaque)
{
    rtnl_link_set_flags(change, IFF_UP);
    return 0;
}

gboolean
virNetDevSetUp(const char *ifname, GError **error)
{
    return virNetDevModify(ifname, virNetDevChangeUp, NULL, _("bring up the link"), error);
}

static int
virNetDevChangeMaster(struct rtnl_link *change, gpointer opaque)
{
    rtnl_link_set_master(change, GPOINTER_TO_INT(opaque));
    return 0;
}

/**
 * virNetDevBridgeAddPort:
 *
 * Makes @ifname a port of bridge @bridge.
 */
gboolean
virNetDevBridgeAddPort(const char *bridge, const char *ifname, GError **error)
{
    unsigned int index = if_nametoindex(bridge);

    if (index == 0) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("bridge '%s' does not exist"), bridge);
        return FALSE;
    }
    return virNetDevModify(ifname, virNetDevChangeMaster, GINT_TO_POINTER(index),
                           _("attach to a bridge"), error);
}

gboolean
virNetDevExists(const char *ifname)
{
    return if_nametoindex(ifname) != 0;
}

static struct nl_sock *
virNetDevConnect(GError **error)
{
    struct nl_sock *sk = nl_socket_alloc();
    int rc;

    if (!sk) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("cannot allocate a netlink socket"));
        return NULL;
    }
    if ((rc = nl_connect(sk, NETLINK_ROUTE)) < 0) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("cannot connect to rtnetlink: %s"),
                    nl_geterror(rc));
        nl_socket_free(sk);
        return NULL;
    }
    return sk;
}

/* Appends the RTM_NEWLINK attributes of @def to @msg. */
static int
virNetDevBridgeFill(struct nl_msg *msg, const virNetDevBridgeDef *def)
{
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    struct nlattr *linkinfo;
    struct nlattr *data;
    unsigned char mac[6];

    if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
        nla_put_string(msg, IFLA_IFNAME, def->name) < 0)
        return -NLE_NOMEM;
    if (def->mtu && nla_put_u32(msg, IFLA_MTU, def->mtu) < 0)
        return -NLE_NOMEM;
    if (def->mac) {
        if (sscanf(def->mac, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0], &mac[1], &mac[2],
                   &mac[3], &mac[4], &mac[5]) != 6)
            return -NLE_INVAL;
        if (nla_put(msg, IFLA_ADDRESS, sizeof(mac), mac) < 0)
            return -NLE_NOMEM;
    }
    if (!(linkinfo = nla_nest_start(msg, IFLA_LINKINFO)) ||
        nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0 ||
        !(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
        /* the delay first: the kernel checks it against STP's range once STP is on */
        nla_put_u32(msg, IFLA_BR_FORWARD_DELAY, def->delay * 100) < 0 ||
        nla_put_u32(msg, IFLA_BR_STP_STATE, def->stp ? 1 : 0) < 0)
        return -NLE_NOMEM;
    nla_nest_end(msg, data);
    nla_nest_end(msg, linkinfo);
    return 0;
}

/**
 * virNetDevBridgeCreate:
 *
 * Creates the bridge @def (down; see virNetDevSetUp()) with its MAC, MTU,
 * STP state and forward delay in one request.  Fails if an interface of
 * that name exists.  With STP on, Linux raises a forward delay below 2 s
 * to 2 s.
 */
gboolean
virNetDevBridgeCreate(const virNetDevBridgeDef *def, GError **error)
{
    struct nl_sock *sk;
    struct nl_msg *msg;
    int rc;

    if (strlen(def->name) >= IFNAMSIZ) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("interface name '%s' is too long"), def->name);
        return FALSE;
    }
    if (!(sk = virNetDevConnect(error)))
        return FALSE;
    msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    if (!msg)
        rc = -NLE_NOMEM;
    else if ((rc = virNetDevBridgeFill(msg, def)) < 0)
        nlmsg_free(msg);
    else
        rc = nl_send_sync(sk, msg); /* frees @msg */
    nl_socket_free(sk);
    if (rc < 0) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("cannot create bridge '%s': %s"), def->name,
                    nl_geterror(rc));
        return FALSE;
    }
    return TRUE;
}

/**
 * virNetDevDelete:
 *
 * Deletes the interface @ifname; one that does not exist is no error.
 */
gboolean
virNetDevDelete(const char *ifname, GError **error)
{
    struct nl_sock *sk;
    struct rtnl_link *link;
    int rc;

    if (!(sk = virNetDevConnect(error)))
        return FALSE;
    if (!(link = rtnl_link_alloc())) {
        nl_socket_free(sk);
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("out of memory"));
        return FALSE;
    }
    rtnl_link_set_name(link, ifname);
    rc = rtnl_link_delete(sk, link);
    rtnl_link_put(link);
    nl_socket_free(sk);
    if (rc < 0 && rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("cannot delete interface '%s': %s"), ifname,
                    nl_geterror(rc));
        return FALSE;
    }
    return TRUE;
}

/**
 * virNetDevAddAddress:
 * @address: an IPv4 or IPv6 address in text form
 * @prefix: its network's prefix length
 *
 * Adds @address/@prefix to @ifname (IPv4: with its broadcast address).
 */
gboolean
virNetDevAddAddress(const char *ifname, const char *address, guint prefix, GError **error)
{
    struct nl_sock *sk = NULL;
    struct rtnl_addr *addr = NULL;
    struct nl_addr *local = NULL;
    struct nl_addr *brd = NULL;
    unsigned int index = if_nametoindex(ifname);
    unsigned char bytes[16];
    int family = strchr(address, ':') ? AF_INET6 : AF_INET;
    gsize size = family == AF_INET6 ? 16 : 4;
    int rc;

    if (inet_pton(family, address, bytes) != 1) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("'%s' is not an IP address"), address);
        return FALSE;
    }
    if (index == 0) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("interface '%s' does not exist"), ifname);
        return FALSE;
    }
    if (prefix > size * 8) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("prefix %u is too long for '%s'"), prefix,
                    address);
        return FALSE;
    }
    if (!(sk = virNetDevConnect(error)))
        return FALSE;
    addr = rtnl_addr_alloc();
    local = nl_addr_build(family, bytes, size);
    rc = addr && local ? 0 : -NLE_NOMEM;
    if (rc == 0) {
        nl_addr_set_prefixlen(local, prefix);
        rtnl_addr_set_ifindex(addr, index);
        rtnl_addr_set_family(addr, family);
        rc = rtnl_addr_set_local(addr, local);
    }
    if (rc == 0 && family == AF_INET && prefix < 31) {
        guint32 a;

        memcpy(&a, bytes, sizeof(a));
        a |= htonl(prefix ? 0xffffffffU >> prefix : 0xffffffffU);
        if (!(brd = nl_addr_build(AF_INET, &a, sizeof(a))))
            rc = -NLE_NOMEM;
        else
            rc = rtnl_addr_set_broadcast(addr, brd);
    }
    if (rc == 0)
        rc = rtnl_addr_add(sk, addr, 0);
    nl_addr_put(brd);
    nl_addr_put(local);
    rtnl_addr_put(addr);
    nl_socket_free(sk);
    if (rc < 0) {
        g_set_error(error, VIR_NETDEV_ERROR, 0, _("cannot add address %s/%u to '%s': %s"), address,
                    prefix, ifname, nl_geterror(rc));
        return FALSE;
    }
    return TRUE;
}

/**
 * virNetDevTapMAC:
 * @guest_mac: "52:54:00:12:34:56"
 *
 * Returns: (transfer full): the host side's MAC, libvirt's rule: the
 * guest's with its first byte replaced by fe, so the bridge never takes
 * the tap's address as its own.
 */
char *
virNetDevTapMAC(const char *guest_mac)
{
    return g_strdup_printf("fe%s", strchr(guest_mac, ':'));
}

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

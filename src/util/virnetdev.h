/*
 * virnetdev.h: host network devices: taps, bridge ports, MAC, link state
 *
 * Links are changed through rtnetlink with libnl-route-3; taps are made
 * with /dev/net/tun.
 */
#pragma once

#include <glib.h>

#define VIR_NETDEV_ERROR (virNetDevErrorQuark())
GQuark virNetDevErrorQuark(void);

int virNetDevTapCreate(const char *name, char **ifname, GError **error);
gboolean virNetDevSetMAC(const char *ifname, const char *mac, GError **error);
gboolean virNetDevBridgeAddPort(const char *bridge, const char *ifname, GError **error);
gboolean virNetDevSetUp(const char *ifname, GError **error);
gboolean virNetDevExists(const char *ifname);

/* A Linux bridge made by virtd (a virtual network's) */
typedef struct {
    const char *name;
    const char *mac;   /* NULL: the kernel's choice */
    guint mtu;         /* 0: the kernel's default */
    gboolean stp;
    guint delay;       /* forward delay, seconds */
} virNetDevBridgeDef;

gboolean virNetDevBridgeCreate(const virNetDevBridgeDef *def, GError **error);
gboolean virNetDevDelete(const char *ifname, GError **error);
gboolean virNetDevAddAddress(const char *ifname, const char *address, guint prefix,
                             GError **error);
char *virNetDevTapMAC(const char *guest_mac);

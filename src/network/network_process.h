/*
 * network_process.h: running virtual networks
 *
 * A running network is made of its bridge (with its MAC, MTU, STP and
 * addresses, up), its chains in virtd's nftables table, the forwarding
 * switch of the namespace and, when it serves DHCP or DNS, a dnsmasq
 * (network_dnsmasq.h) found by its pid file and command line; its
 * status file
 * <run_dir>/network/<name>.xml lets a later virtd take it back.  All of
 * these outlive virtd.
 *
 * Start (the network's job held): 'start' hook (a failure leaves nothing)
 * -> status saved as "starting" -> bridge, addresses, firewall -> status
 * saved as "running" -> 'started' hook.  Any failure after the 'start'
 * hook tears down everything made (bridge, chains, status file) and runs
 * the 'stopped' hook; so does a virtd killed before the status said
 * "running", once a new virtd finds it.  A network found "running" is
 * checked (bridge, chains, dnsmasq), repaired where a piece is missing, and gets
 * its 'reconnect' hook, whose failure is logged and changes nothing.
 *
 * Stop: everything torn down, status file removed, then the 'stopped'
 * hook.  Hooks hold no lock: they may call virsh about their own network;
 * a state-changing call on it from inside its own hook fails at once.
 */
#pragma once

#include <glib.h>

#include "network_conf.h"
#include "virdriver.h"
#include "virobjjob.h"
#include "virobjlist.h"
#include "virobjreconnect.h"
#include "virobjstatus.h"
#include "virtd_conf.h"

/* A guest interface plugged into a running network. */
typedef struct {
    char *uuid;             /* the port's */
    char *dom_name;         /* the guest's */
} virNetworkPort;

/* A network (its definition and run-time data). */
typedef struct {
    GMutex lock;            /* guards the fields below; never held across I/O */
    virNetworkDef *def;     /* the current definition (the live one when active) */
    virNetworkDef *newDef;  /* the persistent one, when it differs while active */
    gboolean active;
    gboolean persistent;
    gboolean autostart;
    virObjJob job;          /* one state-changing operation at a time (virobjjob.h) */
    virObjStatusWriter writer; /* orders the saves of its status file */
    GPtrArray *ports;       /* of virNetworkPort: the guests plugged in (lock) */
} virNetworkObj;

typedef struct {
    virObjList list;        /* the networks and their definitions */
    char *status_dir;       /* <run_dir>/network: status files, dnsmasq's files */
    char *lease_dir;        /* <state_dir>/network: dnsmasq's leases */
    virObjReconnect reconnect;
    gboolean port_created;  /* [hooks] network_port_ops = port-created */
} virNetworkDriverState;

gboolean networkProcessStart(virNetworkDriverState *drv, virNetworkObj *obj, GError **error);
void networkProcessStop(virNetworkDriverState *drv, virNetworkObj *obj);
gboolean networkProcessPortHook(virNetworkDriverState *drv, virNetworkObj *obj,
                                const virNetworkPortReq *req, gboolean plug, gboolean reconnect,
                                GError **error);
gboolean networkProcessUpdateLive(virNetworkDriverState *drv, virNetworkObj *obj,
                                  virNetworkDef *def, GError **error);
GArray *networkProcessGetLeases(virNetworkDriverState *drv, virNetworkObj *obj, const char *mac,
                                GError **error);

gboolean networkProcessInit(virNetworkDriverState *drv, const virtdConfig *cfg, GError **error);
void networkProcessReconnectClaimAll(virNetworkDriverState *drv);
void networkProcessReconnectAll(virNetworkDriverState *drv);
void networkProcessShutdown(virNetworkDriverState *drv);

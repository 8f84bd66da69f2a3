/*
 * virtd_conf.h: the keys of virtd.conf
 */
#pragma once

#include <glib.h>

#include "virhook.h"

#define VIR_CONF_ERROR (virConfErrorQuark())
GQuark virConfErrorQuark(void);

typedef enum {
    VIR_CONF_ERROR_READ,     /* the file cannot be read or is not a key file */
    VIR_CONF_ERROR_KEY,      /* unknown group or key */
    VIR_CONF_ERROR_VALUE,    /* bad value for a known key */
} virConfErrorCode;

typedef enum {
    VIR_CONF_RECONNECT_FAILURE_KEEP,
    VIR_CONF_RECONNECT_FAILURE_KILL,
    VIR_CONF_RECONNECT_FAILURE_LAST
} virConfReconnectFailure;
VIR_ENUM_DECL(virConfReconnectFailure);

/* [server]: limits on clients (see virtd.conf(5)) */
typedef struct {
    guint max_clients;
    guint max_readonly_clients;
    guint max_clients_per_uid;
    guint open_timeout;       /* seconds, 0: none */
    guint frame_timeout;      /* seconds, 0: none */
    guint keepalive_interval; /* seconds, 0: no PINGs */
    guint keepalive_count;
    guint input_budget;       /* MiB */
} virtdServerConfig;

/* [hooks] network_port_ops: the names and input of the network port hooks */
typedef enum {
    VIR_CONF_NETWORK_PORT_OPS_PLUGGED,      /* plugged/unplugged: interface+network+domain */
    VIR_CONF_NETWORK_PORT_OPS_PORT_CREATED, /* port-created/port-deleted: network+networkport */
    VIR_CONF_NETWORK_PORT_OPS_LAST
} virConfNetworkPortOps;
VIR_ENUM_DECL(virConfNetworkPortOps);

typedef struct {
    char *path;              /* the file it came from, NULL for defaults */
    char *conf_dir;
    char *state_dir;
    char *run_dir;
    virConfReconnectFailure reconnect_failure;
    virConfNetworkPortOps network_port_ops;
    char *qemu_emulator;     /* [qemu] emulator: when a domain has no <emulator> */
    guint qemu_job_wait;     /* [qemu] job_wait: seconds a call waits for a busy guest */
    virHookConfig *hooks;    /* hooks dir, timeouts, permission check */
    virtdServerConfig server;
} virtdConfig;

virtdConfig *virtdConfigNew(void);
void virtdConfigFree(virtdConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virtdConfig, virtdConfigFree)

virtdConfig *virtdConfigLoad(const char *path, gboolean must_exist, GError **error);

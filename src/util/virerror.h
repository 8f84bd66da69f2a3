/*
 * virerror.h: errors that reach libvirt clients
 *
 * Codes and domains carry libvirt's public numbers (virErrorNumber and
 * virErrorDomain of libvirt's API), so the RPC layer sends them unchanged
 * and virsh/python see the codes they know.  Modules whose errors can reach
 * a client (conf, drivers) raise VIR_ERROR with one of these codes; errors
 * of any other GError domain are sent as VIR_ERR_INTERNAL_ERROR.
 */
#pragma once

#include <glib.h>

#define VIR_ERROR (virErrorQuark())
GQuark virErrorQuark(void);

typedef enum {
    VIR_ERR_OK = 0,
    VIR_ERR_INTERNAL_ERROR = 1,
    VIR_ERR_NO_SUPPORT = 3,
    VIR_ERR_NO_CONNECT = 5,
    VIR_ERR_INVALID_ARG = 8,
    VIR_ERR_OPERATION_FAILED = 9,
    VIR_ERR_XML_ERROR = 27,
    VIR_ERR_DOM_EXIST = 28,
    VIR_ERR_OPERATION_DENIED = 29,
    VIR_ERR_OPEN_FAILED = 30,
    VIR_ERR_XML_DETAIL = 35,
    VIR_ERR_NETWORK_EXIST = 37,
    VIR_ERR_SYSTEM_ERROR = 38,
    VIR_ERR_RPC = 39,
    VIR_ERR_NO_DOMAIN = 42,
    VIR_ERR_NO_NETWORK = 43,
    VIR_ERR_INVALID_MAC = 44,
    VIR_ERR_OPERATION_INVALID = 55,
    VIR_ERR_CONFIG_UNSUPPORTED = 67,
    VIR_ERR_OPERATION_TIMEOUT = 68,
    VIR_ERR_HOOK_SCRIPT_FAILED = 70,
    VIR_ERR_DEVICE_MISSING = 99,
} virErrorNumber;

typedef enum {
    VIR_FROM_NONE = 0,
    VIR_FROM_RPC = 7,
    VIR_FROM_QEMU = 10,
    VIR_FROM_REMOTE = 13,
    VIR_FROM_LXC = 17,
    VIR_FROM_NETWORK = 19,
    VIR_FROM_DOMAIN = 20,
    VIR_FROM_HOOK = 27,
} virErrorDomain;

void virErrorSet(GError **error, virErrorNumber code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void virErrorRetag(GError **error, GError *err, GQuark domain, int code);
int virErrorCode(const GError *err);

/* Passes on @err (transfer full) as a VIR_ERROR: its own code if it is
 * one, else @code, with its message. */
#define virErrorPropagate(error, err, code) virErrorRetag((error), (err), VIR_ERROR, (code))
char *virErrorClientMessage(int code, const char *message);

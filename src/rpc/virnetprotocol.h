/*
 * virnetprotocol.h: the XDR types of libvirt's remote protocol that virtd speaks
 *
 * Our own declarations, written from the protocol reference
 * (remote-protocol.md): program and procedure numbers, message types, and
 * one C struct per argument / return / event shape with its XDR filter.
 *
 * Every filter has the virNetXdrFilter signature and works in all three
 * XDR directions.  Decoding allocates with GLib (strings, arrays, optional
 * values); running a filter in XDR_FREE direction (virNetXdrFree) releases
 * exactly what decoding allocated, and equally what a handler put into a
 * return struct with g_malloc/g_strdup.
 */
#pragma once

#include <glib.h>
#include <rpc/types.h>
#include <rpc/xdr.h>
#include <stdint.h>

#include "virdriver.h"

/* Programs (header field 1) */
#define VIR_NET_PROGRAM_REMOTE    0x20008086U
#define VIR_NET_PROGRAM_KEEPALIVE 0x6b656570U
#define VIR_NET_PROGRAM_VERSION   1U

/* Limits */
#define VIR_NET_MESSAGE_LEN_MAX    4U
#define VIR_NET_MESSAGE_HEADER_LEN 24U
#define VIR_NET_MESSAGE_MIN        (VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_LEN)
#define VIR_NET_MESSAGE_MAX        (16U * 1024 * 1024) /* length - 4, at most */
#define VIR_NET_STRING_MAX         (4U * 1024 * 1024)
#define VIR_NET_LIST_MAX           16384U
#define VIR_NET_AUTH_TYPE_LIST_MAX 20U
#define VIR_NET_DHCP_LEASES_MAX    65536U
#define VIR_NET_SECURITY_MODEL_MAX 257U
#define VIR_NET_NODE_MODEL_LEN     32U

typedef enum {
    VIR_NET_CALL = 0,
    VIR_NET_REPLY = 1,
    VIR_NET_MESSAGE = 2,
    VIR_NET_STREAM = 3,
    VIR_NET_CALL_WITH_FDS = 4,
    VIR_NET_REPLY_WITH_FDS = 5,
    VIR_NET_STREAM_HOLE = 6,
} virNetMessageType;

typedef enum {
    VIR_NET_OK = 0,
    VIR_NET_ERROR = 1,
    VIR_NET_CONTINUE = 2,
} virNetMessageStatus;

typedef enum {
    VIR_NET_KEEPALIVE_PING = 1,
    VIR_NET_KEEPALIVE_PONG = 2,
} virNetKeepaliveProcedure;

/* CONNECT_SUPPORTS_FEATURE values virtd claims */
#define VIR_NET_FEATURE_PROGRAM_KEEPALIVE     10
/* the server takes virNetworkUpdate's command and section in the right order */
#define VIR_NET_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER 16
#define VIR_NET_FEATURE_REMOTE_EVENT_CALLBACK 14
#define VIR_NET_FEATURE_REMOTE_CLOSE_CALLBACK 15

#define VIR_CONNECT_RO                 (1U << 0)
#define VIR_DOMAIN_EVENT_ID_LAST       27 /* libvirt 9.0 knows ids 0..26 */
#define VIR_NETWORK_EVENT_ID_LIFECYCLE 0
#define VIR_NETWORK_EVENT_ID_LAST      1

/* REMOTE program procedures virtd knows (numbers are fixed forever) */
typedef enum {
    REMOTE_PROC_CONNECT_OPEN = 1,
    REMOTE_PROC_CONNECT_CLOSE = 2,
    REMOTE_PROC_CONNECT_GET_TYPE = 3,
    REMOTE_PROC_CONNECT_GET_VERSION = 4,
    REMOTE_PROC_NODE_GET_INFO = 6,
    REMOTE_PROC_CONNECT_GET_CAPABILITIES = 7,
    REMOTE_PROC_DOMAIN_ATTACH_DEVICE = 8,
    REMOTE_PROC_DOMAIN_CREATE = 9,
    REMOTE_PROC_DOMAIN_CREATE_XML = 10,
    REMOTE_PROC_DOMAIN_DEFINE_XML = 11,
    REMOTE_PROC_DOMAIN_DESTROY = 12,
    REMOTE_PROC_DOMAIN_DETACH_DEVICE = 13,
    REMOTE_PROC_DOMAIN_GET_XML_DESC = 14,
    REMOTE_PROC_DOMAIN_GET_AUTOSTART = 15,
    REMOTE_PROC_DOMAIN_GET_INFO = 16,
    REMOTE_PROC_DOMAIN_GET_OS_TYPE = 19,
    REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS = 21,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_ID = 22,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME = 23,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID = 24,
    REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS = 25,
    REMOTE_PROC_DOMAIN_REBOOT = 27,
    REMOTE_PROC_DOMAIN_RESUME = 28,
    REMOTE_PROC_DOMAIN_SET_AUTOSTART = 29,
    REMOTE_PROC_DOMAIN_SHUTDOWN = 33,
    REMOTE_PROC_DOMAIN_SUSPEND = 34,
    REMOTE_PROC_DOMAIN_UNDEFINE = 35,
    REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS = 36,
    REMOTE_PROC_CONNECT_LIST_DOMAINS = 37,
    REMOTE_PROC_CONNECT_LIST_NETWORKS = 38,
    REMOTE_PROC_NETWORK_CREATE = 39,
    REMOTE_PROC_NETWORK_CREATE_XML = 40,
    REMOTE_PROC_NETWORK_DEFINE_XML = 41,
    REMOTE_PROC_NETWORK_DESTROY = 42,
    REMOTE_PROC_NETWORK_GET_XML_DESC = 43,
    REMOTE_PROC_NETWORK_GET_AUTOSTART = 44,
    REMOTE_PROC_NETWORK_GET_BRIDGE_NAME = 45,
    REMOTE_PROC_NETWORK_LOOKUP_BY_NAME = 46,
    REMOTE_PROC_NETWORK_LOOKUP_BY_UUID = 47,
    REMOTE_PROC_NETWORK_SET_AUTOSTART = 48,
    REMOTE_PROC_NETWORK_UNDEFINE = 49,
    REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS = 50,
    REMOTE_PROC_CONNECT_NUM_OF_DOMAINS = 51,
    REMOTE_PROC_CONNECT_NUM_OF_NETWORKS = 52,
    REMOTE_PROC_CONNECT_GET_HOSTNAME = 59,
    REMOTE_PROC_CONNECT_SUPPORTS_FEATURE = 60,
    REMOTE_PROC_AUTH_LIST = 66,
    REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE = 107,
    REMOTE_PROC_CONNECT_GET_URI = 110,
    REMOTE_PROC_NODE_GET_SECURITY_MODEL = 122,
    REMOTE_PROC_DOMAIN_IS_ACTIVE = 150,
    REMOTE_PROC_DOMAIN_IS_PERSISTENT = 151,
    REMOTE_PROC_NETWORK_IS_ACTIVE = 152,
    REMOTE_PROC_NETWORK_IS_PERSISTENT = 153,
    REMOTE_PROC_CONNECT_GET_LIB_VERSION = 157,
    REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS = 160,
    REMOTE_PROC_DOMAIN_DETACH_DEVICE_FLAGS = 161,
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY = 167,
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY = 168,
    REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE = 183,
    REMOTE_PROC_DOMAIN_SNAPSHOT_NUM = 187,
    REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS = 196,
    REMOTE_PROC_DOMAIN_GET_STATE = 212,
    REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS = 231,
    REMOTE_PROC_DOMAIN_DESTROY_FLAGS = 234,
    REMOTE_PROC_DOMAIN_RESET = 245,
    REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS = 258,
    REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS = 273,
    REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS = 283,
    REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY = 313,
    REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY = 314,
    REMOTE_PROC_NETWORK_EVENT_LIFECYCLE = 315,
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY = 316,
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY = 317,
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE = 318,
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT = 319,
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_WATCHDOG = 321,
    REMOTE_PROC_NETWORK_UPDATE = 291,
    REMOTE_PROC_NETWORK_GET_DHCP_LEASES = 341,
    REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS = 350,
    REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK = 360,
    REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK = 361,
    REMOTE_PROC_DOMAIN_GET_MESSAGES = 426,
    REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS = 432,
    REMOTE_PROC_NETWORK_CREATE_XML_FLAGS = 437,
    REMOTE_PROC_LAST = 438, /* one past the highest number above */
} remoteProcedure;

typedef bool_t (*virNetXdrFilter)(XDR *xdrs, void *obj);

/* The 24-byte header, fields in wire order */
typedef struct {
    unsigned int prog;
    unsigned int vers;
    int proc;
    int type; /* virNetMessageType */
    unsigned int serial;
    int status; /* virNetMessageStatus */
} virNetMessageHeader;

/* The error struct: payload of every REPLY with status ERROR */
typedef struct {
    int code;                 /* virErrorNumber */
    int domain;               /* virErrorDomain */
    char *message;            /* optional */
    int level;                /* 2 = error */
    virDomainHandle *dom;     /* optional, unused */
    char *str1, *str2, *str3; /* optional, unused */
    int int1, int2;
    virNetworkHandle *net; /* optional, unused */
} remoteError;

/* Shapes shared by many procedures */
typedef struct {
    char unused;
} remoteVoid; /* no payload */

typedef struct {
    int value;
} remoteIntMsg; /* feature, supported, id, counts, booleans */

typedef struct {
    uint64_t value;
} remoteHyperRet; /* versions */

typedef struct {
    char *str;
} remoteStringMsg; /* names, XML, type, hostname, uri */

typedef struct {
    char *str;
    unsigned int flags;
} remoteStringFlagsArgs; /* define/create XML with flags */

typedef struct {
    unsigned char uuid[VIR_UUID_BUFLEN];
} remoteUUIDArgs;

typedef struct {
    virDomainHandle dom;
} remoteDomainMsg;

typedef struct {
    virDomainHandle dom;
    unsigned int flags;
} remoteDomainFlagsArgs;

typedef struct {
    virDomainHandle dom;
    int value;
} remoteDomainIntArgs;

typedef struct {
    virNetworkHandle net;
} remoteNetworkMsg;

typedef struct {
    virNetworkHandle net;
    unsigned int flags;
} remoteNetworkFlagsArgs;

typedef struct {
    virNetworkHandle net;
    int value;
} remoteNetworkIntArgs;

typedef struct {
    virDomainHandle dom;
    char *xml;
    unsigned int flags; /* not on the wire for ATTACH_DEVICE / DETACH_DEVICE */
} remoteDomainXMLArgs;
typedef remoteDomainXMLArgs remoteDomainXMLFlagsArgs;

typedef struct {
    virNetworkHandle net;
    unsigned int command;
    unsigned int section;
    int parent_index;
    char *xml;
    unsigned int flags;
} remoteNetworkUpdateArgs;

typedef struct {
    virNetworkHandle net;
    char *mac; /* optional */
    int need_results;
    unsigned int flags;
} remoteNetworkGetDHCPLeasesArgs;

typedef struct {
    guint n_leases;
    virNetworkDHCPLease *leases;
    unsigned int ret;
} remoteNetworkGetDHCPLeasesRet;

/* Connection */
typedef struct {
    char *name; /* optional */
    unsigned int flags;
} remoteConnectOpenArgs;

typedef struct {
    guint n_types;
    int *types;
} remoteAuthListRet;

typedef struct {
    char model[VIR_NET_NODE_MODEL_LEN];
    uint64_t memory; /* KiB */
    int cpus, mhz, nodes, sockets, cores, threads;
} remoteNodeGetInfoRet;

typedef struct {
    guint n_model; /* counts include the trailing NUL */
    char *model;
    guint n_doi;
    char *doi;
} remoteNodeGetSecurityModelRet;

/* Lists */
typedef struct {
    int need_results;
    unsigned int flags;
} remoteListAllArgs;

typedef struct {
    guint n_domains;
    virDomainHandle *domains;
    unsigned int ret;
} remoteListAllDomainsRet;

typedef struct {
    guint n_nets;
    virNetworkHandle *nets;
    unsigned int ret;
} remoteListAllNetworksRet;

typedef struct {
    guint n_names;
    char **names;
} remoteStringListRet; /* legacy name lists; domain messages */

typedef struct {
    guint n_ids;
    int *ids;
} remoteIntListRet; /* legacy id list */

/* Domains */
typedef struct {
    unsigned char state;
    uint64_t max_mem; /* KiB */
    uint64_t memory;  /* KiB */
    unsigned short nr_virt_cpu;
    uint64_t cpu_time; /* ns */
} remoteDomainGetInfoRet;

typedef struct {
    int state;
    int reason;
} remoteDomainGetStateRet;

/* Events */
typedef struct {
    int event_id;
    virDomainHandle *dom; /* optional filter */
} remoteDomainEventRegisterArgs;

typedef struct {
    int event_id;
    virNetworkHandle *net; /* optional filter */
} remoteNetworkEventRegisterArgs;

typedef struct {
    int callback_id;
    virDomainHandle dom;
    int event;
    int detail;
} remoteDomainEventCallbackLifecycleMsg;

/* reboot: callbackID + domain; watchdog: + the action */
typedef struct {
    int callback_id;
    virDomainHandle dom;
    int value;
} remoteDomainEventCallbackIntMsg;

typedef struct {
    virDomainHandle dom;
    int event;
    int detail;
} remoteDomainEventLifecycleMsg;

typedef struct {
    int callback_id;
    virNetworkHandle net;
    int event;
    int detail;
} remoteNetworkEventLifecycleMsg;

/* Filters */
bool_t virNetXdrVoid(XDR *xdrs, void *obj);
bool_t virNetXdrHeader(XDR *xdrs, void *obj);
bool_t virNetXdrError(XDR *xdrs, void *obj);
bool_t virNetXdrIntMsg(XDR *xdrs, void *obj);
bool_t virNetXdrHyperRet(XDR *xdrs, void *obj);
bool_t virNetXdrStringMsg(XDR *xdrs, void *obj);
bool_t virNetXdrStringFlagsArgs(XDR *xdrs, void *obj);
bool_t virNetXdrUUIDArgs(XDR *xdrs, void *obj);
bool_t virNetXdrDomainMsg(XDR *xdrs, void *obj);
bool_t virNetXdrDomainFlagsArgs(XDR *xdrs, void *obj);
bool_t virNetXdrDomainIntArgs(XDR *xdrs, void *obj);
bool_t virNetXdrNetworkMsg(XDR *xdrs, void *obj);
bool_t virNetXdrNetworkFlagsArgs(XDR *xdrs, void *obj);
bool_t virNetXdrNetworkIntArgs(XDR *xdrs, void *obj);
bool_t virNetXdrConnectOpenArgs(XDR *xdrs, void *obj);
bool_t virNetXdrAuthListRet(XDR *xdrs, void *obj);
bool_t virNetXdrNodeGetInfoRet(XDR *xdrs, void *obj);
bool_t virNetXdrNodeGetSecurityModelRet(XDR *xdrs, void *obj);
bool_t virNetXdrListAllArgs(XDR *xdrs, void *obj);
bool_t virNetXdrListAllDomainsRet(XDR *xdrs, void *obj);
bool_t virNetXdrListAllNetworksRet(XDR *xdrs, void *obj);
bool_t virNetXdrNetworkGetDHCPLeasesArgs(XDR *xdrs, void *obj);
bool_t virNetXdrNetworkUpdateArgs(XDR *xdrs, void *obj);
bool_t virNetXdrDomainXMLArgs(XDR *xdrs, void *obj);
bool_t virNetXdrDomainXMLFlagsArgs(XDR *xdrs, void *obj);
bool_t virNetXdrNetworkGetDHCPLeasesRet(XDR *xdrs, void *obj);
bool_t virNetXdrStringListRet(XDR *xdrs, void *obj);
bool_t virNetXdrIntListRet(XDR *xdrs, void *obj);
bool_t virNetXdrDomainGetInfoRet(XDR *xdrs, void *obj);
bool_t virNetXdrDomainGetStateRet(XDR *xdrs, void *obj);
bool_t virNetXdrDomainEventRegisterArgs(XDR *xdrs, void *obj);
bool_t virNetXdrNetworkEventRegisterArgs(XDR *xdrs, void *obj);
bool_t virNetXdrDomainEventCallbackLifecycleMsg(XDR *xdrs, void *obj);
bool_t virNetXdrDomainEventCallbackDomMsg(XDR *xdrs, void *obj);
bool_t virNetXdrDomainEventCallbackIntMsg(XDR *xdrs, void *obj);
bool_t virNetXdrDomainEventLifecycleMsg(XDR *xdrs, void *obj);
bool_t virNetXdrNetworkEventLifecycleMsg(XDR *xdrs, void *obj);

void virNetXdrFree(virNetXdrFilter filter, void *obj);

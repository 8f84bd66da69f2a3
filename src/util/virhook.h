/*
 * virhook.h: the hook subsystem
 *
 * Runs the administrator's scripts <dir>/<driver> and every entry of <dir>/<driver>.d
 * at fixed points of an object's life.  See docs/hooks.rst for the
 * operator's contract.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "virenum.h"

#define VIR_HOOK_ERROR (virHookErrorQuark())
GQuark virHookErrorQuark(void);

/*
 * When several scripts of one call fail, the error carries the code (and
 * the message) of the first one that failed.
 */
typedef enum {
    VIR_HOOK_ERROR_FAILED,    /* a script ran and failed: non-zero exit, killed by a
                               * signal, or virtd could not wait for it */
    VIR_HOOK_ERROR_TIMED_OUT, /* a script ran past its timeout and was killed (its
                               * process group: SIGTERM, grace, SIGKILL) */
    VIR_HOOK_ERROR_REFUSED,   /* a script never ran: the permission check refused it
                               * or could not inspect it, or virtd could not start it
                               * (exec failed: missing interpreter, no permission...;
                               * or no pipe/pidfd could be made) */
} virHookErrorCode;

typedef enum {
    VIR_HOOK_DRIVER_DAEMON,
    VIR_HOOK_DRIVER_QEMU,
    VIR_HOOK_DRIVER_LXC,
    VIR_HOOK_DRIVER_NETWORK,
    VIR_HOOK_DRIVER_LAST
} virHookDriver;
VIR_ENUM_DECL(virHookDriver);

typedef enum {
    VIR_HOOK_DAEMON_OP_START,
    VIR_HOOK_DAEMON_OP_SHUTDOWN,
    VIR_HOOK_DAEMON_OP_RELOAD,
    VIR_HOOK_DAEMON_OP_LAST
} virHookDaemonOp;
VIR_ENUM_DECL(virHookDaemonOp);

typedef enum {
    VIR_HOOK_QEMU_OP_PREPARE,
    VIR_HOOK_QEMU_OP_START,
    VIR_HOOK_QEMU_OP_STARTED,
    VIR_HOOK_QEMU_OP_STOPPED,
    VIR_HOOK_QEMU_OP_RELEASE,
    VIR_HOOK_QEMU_OP_MIGRATE,
    VIR_HOOK_QEMU_OP_RESTORE,
    VIR_HOOK_QEMU_OP_RECONNECT,
    VIR_HOOK_QEMU_OP_ATTACH,
    VIR_HOOK_QEMU_OP_LAST
} virHookQemuOp;
VIR_ENUM_DECL(virHookQemuOp);

typedef enum {
    VIR_HOOK_LXC_OP_PREPARE,
    VIR_HOOK_LXC_OP_START,
    VIR_HOOK_LXC_OP_STARTED,
    VIR_HOOK_LXC_OP_STOPPED,
    VIR_HOOK_LXC_OP_RELEASE,
    VIR_HOOK_LXC_OP_RECONNECT,
    VIR_HOOK_LXC_OP_LAST
} virHookLxcOp;
VIR_ENUM_DECL(virHookLxcOp);

typedef enum {
    VIR_HOOK_NETWORK_OP_START,
    VIR_HOOK_NETWORK_OP_STARTED,
    VIR_HOOK_NETWORK_OP_STOPPED,
    VIR_HOOK_NETWORK_OP_PLUGGED,
    VIR_HOOK_NETWORK_OP_UNPLUGGED,
    VIR_HOOK_NETWORK_OP_UPDATED,
    VIR_HOOK_NETWORK_OP_RECONNECT,
    VIR_HOOK_NETWORK_OP_PORT_CREATED,
    VIR_HOOK_NETWORK_OP_PORT_DELETED,
    VIR_HOOK_NETWORK_OP_LAST
} virHookNetworkOp;
VIR_ENUM_DECL(virHookNetworkOp);

typedef enum {
    VIR_HOOK_SUBOP_NONE,      /* "-" */
    VIR_HOOK_SUBOP_BEGIN,
    VIR_HOOK_SUBOP_END,
    VIR_HOOK_SUBOP_LAST
} virHookSubop;
VIR_ENUM_DECL(virHookSubop);

const char *virHookOpToString(virHookDriver driver, int op);
int virHookOpFromString(virHookDriver driver, const char *name);
gboolean virHookOpIsFilter(virHookDriver driver, int op);

/* What virtd knows about the object; every field optional (NULL / 0). */
typedef struct {
    const char *uuid;
    const char *reason;     /* stop reason: shutdown, destroyed, crashed, failed... */
    const char *detail;     /* guest, host, panicked, watchdog, signal, reboot... */
    int id;                 /* domain id, > 0 when running */
    pid_t pid;              /* qemu / container init pid, > 0 when known */
    gboolean reconnect;     /* re-notification after a virtd restart */
    /* called with each script's pid (= its process group) once it runs,
     * and with 0 when it is over: lets a driver recognise calls made from
     * inside its own hook */
    void (*on_spawn)(pid_t pgid, gpointer opaque);
    gpointer opaque;
} virHookContext;

/* Configuration, immutable once published with virHookSetConfig(). */
typedef struct _virHookConfig virHookConfig;

virHookConfig *virHookConfigNew(const char *dir);
virHookConfig *virHookConfigRef(virHookConfig *cfg);
void virHookConfigUnref(virHookConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virHookConfig, virHookConfigUnref)

void virHookConfigSetDir(virHookConfig *cfg, const char *dir);
void virHookConfigSetTimeout(virHookConfig *cfg, guint seconds);
void virHookConfigSetDriverTimeout(virHookConfig *cfg, virHookDriver driver, guint seconds);
void virHookConfigSetOpTimeout(virHookConfig *cfg, virHookDriver driver, int op, guint seconds);
void virHookConfigSetAllowUnsafe(virHookConfig *cfg, gboolean allow);
void virHookConfigSetGrace(virHookConfig *cfg, guint grace_ms);
guint virHookConfigGetTimeout(const virHookConfig *cfg, virHookDriver driver, int op);
const char *virHookConfigGetDir(const virHookConfig *cfg);

void virHookSetConfig(virHookConfig *cfg);

GPtrArray *virHookDiscover(const char *dir, virHookDriver driver);

gboolean virHookCall(virHookDriver driver, const char *object, int op, virHookSubop subop,
                     const char *extra, const virHookContext *ctx, const char *input,
                     char **output, GError **error);

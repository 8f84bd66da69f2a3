/*
 * domain_conf.h: domain XML <-> virDomainDef
 *
 * The subset of libvirt's domain XML that virtd's qemu and lxc drivers
 * implement.  Anything else in the document (element, attribute or value)
 * is refused with VIR_ERR_CONFIG_UNSUPPORTED, never silently dropped.  The
 * only things read and then ignored are live-only data libvirt itself
 * writes into a running domain's XML (the id attribute, an interface's
 * portid/bridge, a pty's path, tap names starting with "vnet"), unless
 * VIR_DOMAIN_DEF_PARSE_STATUS asks to keep them.
 *
 * Every GPtrArray of a virDomainDef is non-NULL (possibly empty) and owns
 * its elements.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "virenum.h"
#include "virerror.h"
#include "viruuid.h"

typedef enum {
    VIR_DOMAIN_VIRT_QEMU,
    VIR_DOMAIN_VIRT_KVM,
    VIR_DOMAIN_VIRT_LXC,
    VIR_DOMAIN_VIRT_LAST
} virDomainVirtType;
VIR_ENUM_DECL(virDomainVirt);

typedef enum {
    VIR_DOMAIN_OS_TYPE_HVM,
    VIR_DOMAIN_OS_TYPE_EXE,
    VIR_DOMAIN_OS_TYPE_LAST
} virDomainOSType;
VIR_ENUM_DECL(virDomainOS);

typedef enum {
    VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY,
    VIR_DOMAIN_LIFECYCLE_ACTION_RESTART,
    VIR_DOMAIN_LIFECYCLE_ACTION_PRESERVE,
    VIR_DOMAIN_LIFECYCLE_ACTION_RENAME_RESTART,
    VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_DESTROY,  /* on_crash only */
    VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_RESTART,  /* on_crash only */
    VIR_DOMAIN_LIFECYCLE_ACTION_LAST
} virDomainLifecycleAction;
VIR_ENUM_DECL(virDomainLifecycleAction);

typedef enum {
    VIR_DOMAIN_BOOT_HD,
    VIR_DOMAIN_BOOT_CDROM,
    VIR_DOMAIN_BOOT_NETWORK,
    VIR_DOMAIN_BOOT_FD,
    VIR_DOMAIN_BOOT_LAST
} virDomainBootDev;
VIR_ENUM_DECL(virDomainBootDev);

typedef enum {
    VIR_DOMAIN_FEATURE_ACPI,
    VIR_DOMAIN_FEATURE_APIC,
    VIR_DOMAIN_FEATURE_PAE,
    VIR_DOMAIN_FEATURE_LAST
} virDomainFeature;
VIR_ENUM_DECL(virDomainFeature);

/* <initenv name='NAME'>VALUE</initenv> */
typedef struct {
    char *name;
    char *value;
} virDomainOSEnv;

/* ---- devices ---- */

typedef enum {
    VIR_DOMAIN_DISK_TYPE_FILE,
    VIR_DOMAIN_DISK_TYPE_BLOCK,
    VIR_DOMAIN_DISK_TYPE_LAST
} virDomainDiskType;
VIR_ENUM_DECL(virDomainDisk);

typedef enum {
    VIR_DOMAIN_DISK_DEVICE_DISK,
    VIR_DOMAIN_DISK_DEVICE_CDROM,
    VIR_DOMAIN_DISK_DEVICE_LAST
} virDomainDiskDevice;
VIR_ENUM_DECL(virDomainDiskDevice);

typedef enum {
    VIR_DOMAIN_DISK_FORMAT_DEFAULT,  /* not given */
    VIR_DOMAIN_DISK_FORMAT_RAW,
    VIR_DOMAIN_DISK_FORMAT_QCOW2,
    VIR_DOMAIN_DISK_FORMAT_LAST
} virDomainDiskFormat;
VIR_ENUM_DECL(virDomainDiskFormat);

typedef enum {
    VIR_DOMAIN_DISK_BUS_DEFAULT,     /* not given: the driver decides */
    VIR_DOMAIN_DISK_BUS_IDE,
    VIR_DOMAIN_DISK_BUS_SCSI,
    VIR_DOMAIN_DISK_BUS_VIRTIO,
    VIR_DOMAIN_DISK_BUS_USB,
    VIR_DOMAIN_DISK_BUS_SATA,
    VIR_DOMAIN_DISK_BUS_LAST
} virDomainDiskBus;
VIR_ENUM_DECL(virDomainDiskBus);

typedef struct {
    virDomainDiskType type;
    virDomainDiskDevice device;
    char *driver_name;               /* <driver name=...>: "qemu" or NULL */
    virDomainDiskFormat format;      /* <driver type=...> */
    char *src;                       /* file or block device; NULL: empty cdrom */
    char *dst;                       /* <target dev=...> */
    virDomainDiskBus bus;
    gboolean readonly;               /* always TRUE for a cdrom */
} virDomainDiskDef;

typedef enum {
    VIR_DOMAIN_FS_TYPE_MOUNT,
    VIR_DOMAIN_FS_TYPE_LAST
} virDomainFSType;
VIR_ENUM_DECL(virDomainFS);

typedef enum {
    VIR_DOMAIN_FS_ACCESSMODE_PASSTHROUGH,
    VIR_DOMAIN_FS_ACCESSMODE_LAST
} virDomainFSAccessMode;
VIR_ENUM_DECL(virDomainFSAccessMode);

typedef struct {
    virDomainFSType type;
    virDomainFSAccessMode accessmode;
    char *src;                       /* <source dir=...>, host side */
    char *dst;                       /* <target dir=...>, guest side */
    gboolean readonly;
} virDomainFSDef;

typedef enum {
    VIR_DOMAIN_NET_TYPE_NETWORK,
    VIR_DOMAIN_NET_TYPE_BRIDGE,
    VIR_DOMAIN_NET_TYPE_LAST
} virDomainNetType;
VIR_ENUM_DECL(virDomainNet);

typedef struct {
    virDomainNetType type;
    char *mac;                       /* lowercase, generated (52:54:00:...) when not given */
    char *source;                    /* the network's name, or the bridge's */
    char *bridge;                    /* live, type network: the bridge plugged into */
    char *portid;                    /* live, type network: the port's UUID */
    char *ifname;                    /* <target dev=...>: the host-side tap/veth */
    char *model;                     /* <model type=...>, e.g. "virtio" */
    char *alias;                     /* live: <alias name=...>, its device id in qemu */
} virDomainNetDef;

typedef enum {
    VIR_DOMAIN_CHR_TYPE_PTY,
    VIR_DOMAIN_CHR_TYPE_FILE,
    VIR_DOMAIN_CHR_TYPE_NULL,
    VIR_DOMAIN_CHR_TYPE_LAST
} virDomainChrType;
VIR_ENUM_DECL(virDomainChr);

/* <serial><target type=...> and <model name=...> */
typedef enum {
    VIR_DOMAIN_CHR_SERIAL_TARGET_DEFAULT,
    VIR_DOMAIN_CHR_SERIAL_TARGET_ISA,
    VIR_DOMAIN_CHR_SERIAL_TARGET_USB,
    VIR_DOMAIN_CHR_SERIAL_TARGET_PCI,
    VIR_DOMAIN_CHR_SERIAL_TARGET_LAST
} virDomainChrSerialTarget;
VIR_ENUM_DECL(virDomainChrSerialTarget);

/* <console><target type=...> */
typedef enum {
    VIR_DOMAIN_CHR_CONSOLE_TARGET_DEFAULT,
    VIR_DOMAIN_CHR_CONSOLE_TARGET_SERIAL,
    VIR_DOMAIN_CHR_CONSOLE_TARGET_VIRTIO,
    VIR_DOMAIN_CHR_CONSOLE_TARGET_LXC,
    VIR_DOMAIN_CHR_CONSOLE_TARGET_LAST
} virDomainChrConsoleTarget;
VIR_ENUM_DECL(virDomainChrConsoleTarget);

/* A <serial> or a <console>. */
typedef struct {
    virDomainChrType type;
    char *path;                      /* file: the file; pty: live, the pty allocated */
    int target_type;                 /* virDomainChrSerialTarget / virDomainChrConsoleTarget */
    int target_port;                 /* -1: not given */
    virDomainChrSerialTarget target_model;  /* serials only */
} virDomainChrDef;

typedef enum {
    VIR_DOMAIN_WATCHDOG_MODEL_I6300ESB,
    VIR_DOMAIN_WATCHDOG_MODEL_IB700,
    VIR_DOMAIN_WATCHDOG_MODEL_DIAG288,
    VIR_DOMAIN_WATCHDOG_MODEL_ITCO,
    VIR_DOMAIN_WATCHDOG_MODEL_LAST
} virDomainWatchdogModel;
VIR_ENUM_DECL(virDomainWatchdogModel);

typedef enum {
    VIR_DOMAIN_WATCHDOG_ACTION_RESET,
    VIR_DOMAIN_WATCHDOG_ACTION_SHUTDOWN,
    VIR_DOMAIN_WATCHDOG_ACTION_POWEROFF,
    VIR_DOMAIN_WATCHDOG_ACTION_PAUSE,
    VIR_DOMAIN_WATCHDOG_ACTION_NONE,
    VIR_DOMAIN_WATCHDOG_ACTION_DUMP,
    VIR_DOMAIN_WATCHDOG_ACTION_INJECT_NMI,
    VIR_DOMAIN_WATCHDOG_ACTION_LAST
} virDomainWatchdogAction;
VIR_ENUM_DECL(virDomainWatchdogAction);

typedef struct {
    virDomainWatchdogModel model;
    virDomainWatchdogAction action;  /* default reset */
} virDomainWatchdogDef;

typedef enum {
    VIR_DOMAIN_PANIC_MODEL_DEFAULT,  /* not given */
    VIR_DOMAIN_PANIC_MODEL_ISA,
    VIR_DOMAIN_PANIC_MODEL_PSERIES,
    VIR_DOMAIN_PANIC_MODEL_HYPERV,
    VIR_DOMAIN_PANIC_MODEL_S390,
    VIR_DOMAIN_PANIC_MODEL_PVPANIC,  /* the PCI device */
    VIR_DOMAIN_PANIC_MODEL_LAST
} virDomainPanicModel;
VIR_ENUM_DECL(virDomainPanicModel);

typedef struct {
    virDomainPanicModel model;
} virDomainPanicDef;

typedef enum {
    VIR_DOMAIN_MEMBALLOON_DEFAULT,   /* no <memballoon>: the driver decides */
    VIR_DOMAIN_MEMBALLOON_VIRTIO,
    VIR_DOMAIN_MEMBALLOON_NONE,
    VIR_DOMAIN_MEMBALLOON_LAST
} virDomainMemballoonModel;
VIR_ENUM_DECL(virDomainMemballoonModel);

typedef struct _virDomainDef virDomainDef;
struct _virDomainDef {
    virDomainVirtType virt_type;
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];  /* generated when the XML has none */
    char *title;                     /* one line, or NULL */
    char *description;               /* or NULL */
    xmlDoc *metadata;                /* root <metadata> holding copies of the foreign-namespace
                                        elements, with their namespace declarations; or NULL */
    unsigned long long memory_kib;   /* <memory>, rounded up to whole KiB */
    unsigned long long current_memory_kib;  /* <currentMemory>, <= memory_kib */
    unsigned int vcpus;              /* >= 1, default 1 */

    struct {
        char *type;                  /* "hvm" (qemu, kvm) or "exe" (lxc) */
        char *arch;                  /* or NULL */
        char *machine;               /* or NULL */
        char *kernel;                /* hvm: direct kernel boot, or NULL */
        char *initrd;
        char *cmdline;
        virDomainBootDev boot[VIR_DOMAIN_BOOT_LAST];  /* <boot dev=...> in order */
        unsigned int nboot;
        char *init;                  /* exe: the container's init, or NULL */
        GPtrArray *initargs;         /* exe: of char *, <initarg> in order */
        GPtrArray *initenv;          /* exe: of virDomainOSEnv */
        char *initdir;               /* exe: or NULL */
    } os;

    gboolean features[VIR_DOMAIN_FEATURE_LAST];  /* <features><acpi/>... */

    virDomainLifecycleAction on_poweroff;  /* default destroy */
    virDomainLifecycleAction on_reboot;    /* default restart */
    virDomainLifecycleAction on_crash;     /* default destroy */

    /* <devices> */
    char *emulator;                  /* or NULL */
    GPtrArray *disks;                /* of virDomainDiskDef */
    GPtrArray *filesystems;          /* of virDomainFSDef */
    GPtrArray *interfaces;           /* of virDomainNetDef */
    GPtrArray *serials;              /* of virDomainChrDef */
    GPtrArray *consoles;             /* of virDomainChrDef */
    virDomainWatchdogDef *watchdog;  /* or NULL */
    virDomainMemballoonModel memballoon;
    GPtrArray *panics;               /* of virDomainPanicDef */
};

typedef enum {
    /* the same bit as VIR_DOMAIN_DEFINE_VALIDATE: validation is always done */
    VIR_DOMAIN_DEF_PARSE_VALIDATE = 1 << 0,
    /* a status file: keep the live-only data (interface portid/bridge, pty
     * paths, "vnet" tap names) that is otherwise read and ignored */
    VIR_DOMAIN_DEF_PARSE_STATUS = 1 << 1,
} virDomainDefParseFlags;

virDomainDef *virDomainDefNew(void);
virDomainDef *virDomainDefParseString(const char *xml, unsigned int flags, GError **error);
virDomainDef *virDomainDefParseFile(const char *path, unsigned int flags, GError **error);
char *virDomainDefFormat(const virDomainDef *def, int id, unsigned int flags);
char *virDomainNetDefFormatString(const virDomainNetDef *net);
virDomainNetDef *virDomainNetDefParseString(const char *xml, GError **error);
virDomainNetDef *virDomainNetDefCopyOne(const virDomainNetDef *net);
virDomainDef *virDomainDefCopy(const virDomainDef *def);
void virDomainDefFree(virDomainDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainDef, virDomainDefFree)

/* libvirt's VIR_ERR_NO_DOMAIN_METADATA, until virerror.h has it */
#define VIR_DOMAIN_ERR_NO_METADATA ((virErrorNumber)80)

char *virDomainDefGetMetadata(const virDomainDef *def, const char *uri, GError **error);
gboolean virDomainDefSetMetadata(virDomainDef *def, const char *xml, const char *key,
                                 const char *uri, GError **error);

void virDomainDiskDefFree(virDomainDiskDef *disk);
void virDomainFSDefFree(virDomainFSDef *fs);
void virDomainNetDefFree(virDomainNetDef *net);
void virDomainChrDefFree(virDomainChrDef *chr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainDiskDef, virDomainDiskDefFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainFSDef, virDomainFSDefFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainNetDef, virDomainNetDefFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainChrDef, virDomainChrDefFree)

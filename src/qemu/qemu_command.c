/*
 * qemu_command.c: the qemu command line, as a pure function of a definition
 *
 * qemuBuildCommandLine() turns a virDomainDef plus what the process side
 * knows at start time (qemuCommandRuntime) into qemu's argv.  It does no I/O
 * and keeps no state: the same input always gives the same argv, which
 * tests/qemucommanddata/ pins down argument by argument.  Whatever the
 * definition holds that this qemu command line cannot express is refused
 * with an error rather than left out.
 *
 * What the process side relies on:
 *  - vCPUs start paused (-S): virtd sends "cont" once QMP is up;
 *  - qemu never exits on a guest power-off (-no-shutdown): virtd decides
 *    what on_poweroff, a fake reboot and on_crash mean; a guest reboot is
 *    a SHUTDOWN event only with on_reboot=destroy (-no-reboot);
 *  - a panic device pauses the guest (-action panic=pause), virtd applies
 *    on_crash after GUEST_PANICKED;
 *  - QMP listens on rt->monitor_path; each interface's tap is the fd
 *    rt->tap_fds[i] already open in qemu;
 *  - q35 guests get QEMU_HOTPLUG_PORTS free pcie-root-ports, named
 *    QEMU_HOTPLUG_PORT_PREFIX<n>, for interfaces attached while they run;
 *  - device ids: disks <dst> with drive-<dst>, net<i>/hostnet<i> (or the
 *    interface's live <alias>: <alias>/host<alias>),
 *    serial<i>/charserial<i>, console<i>/charconsole<i>, watchdog0,
 *    balloon0, panic<i>; PCI slots are assigned by qemu in argv order.
 *
 * Features <apic/> and <pae/> are accepted and ignored: an x86_64 qemu
 * machine always has both, and qemu has no machine option for either.
 *
 * Values that qemu parses as "key=value,..." lists have their commas
 * doubled (qemu's escape).  -kernel, -initrd and -append take their argument
 * verbatim, so those are passed as they are.
 */
#define G_LOG_DOMAIN "virtd.qemu"

#include "qemu_command.h"

#include <glib/gi18n.h>
#include <string.h>

#include "virenum.h"
#include "virerror.h"
#include "viruuid.h"

#define QEMU_DEFAULT_MACHINE "q35"
#define QEMU_ARCH            "x86_64"

/* -machine accel=, per virDomainVirtType (NULL: not a qemu domain) */
VIR_ENUM_DECL(qemuAccel);
VIR_ENUM_IMPL(qemuAccel, VIR_DOMAIN_VIRT_LAST, "tcg", "kvm", NULL);

/* The tables below are indexed by the domain_conf enum they name; a NULL
 * entry is a value qemu cannot express here. */
VIR_ENUM_DECL(qemuBootDev);
VIR_ENUM_IMPL(qemuBootDev, VIR_DOMAIN_BOOT_LAST, "c", "d", "n", "a");

VIR_ENUM_DECL(qemuDiskFormat);
VIR_ENUM_IMPL(qemuDiskFormat, VIR_DOMAIN_DISK_FORMAT_LAST, "raw", "raw", "qcow2");

/* the disk bus libvirt derives from a target's name when none is given */
VIR_ENUM_DECL(qemuDiskBusPrefix);
VIR_ENUM_IMPL(qemuDiskBusPrefix, VIR_DOMAIN_DISK_BUS_LAST, NULL, "hd", "sd", "vd", NULL, NULL);

VIR_ENUM_DECL(qemuDiskDevice);
VIR_ENUM_IMPL(qemuDiskDevice, VIR_DOMAIN_DISK_BUS_LAST, NULL, "ide-hd", NULL, "virtio-blk-pci",
              NULL, "ide-hd");

VIR_ENUM_DECL(qemuCdromDevice);
VIR_ENUM_IMPL(qemuCdromDevice, VIR_DOMAIN_DISK_BUS_LAST, NULL, "ide-cd", NULL, NULL, NULL,
              "ide-cd");

VIR_ENUM_DECL(qemuChrBackend);
VIR_ENUM_IMPL(qemuChrBackend, VIR_DOMAIN_CHR_TYPE_LAST, "pty", "file", "null");

VIR_ENUM_DECL(qemuSerialDevice);
VIR_ENUM_IMPL(qemuSerialDevice, VIR_DOMAIN_CHR_SERIAL_TARGET_LAST, "isa-serial", "isa-serial", NULL,
              "pci-serial");

VIR_ENUM_DECL(qemuWatchdogDevice);
VIR_ENUM_IMPL(qemuWatchdogDevice, VIR_DOMAIN_WATCHDOG_MODEL_LAST, "i6300esb", "ib700", NULL, NULL);

/* libvirt's "dump" needs a dump directory and a job: not supported */
VIR_ENUM_DECL(qemuWatchdogAction);
VIR_ENUM_IMPL(qemuWatchdogAction, VIR_DOMAIN_WATCHDOG_ACTION_LAST, "reset", "shutdown", "poweroff",
              "pause", "none", NULL, "inject-nmi");

/* an x86 guest's default panic device is the ISA one */
VIR_ENUM_DECL(qemuPanicDevice);
VIR_ENUM_IMPL(qemuPanicDevice, VIR_DOMAIN_PANIC_MODEL_LAST, "pvpanic", "pvpanic", NULL, NULL, NULL,
              "pvpanic-pci");

VIR_ENUM_DECL(qemuBalloonDevice);
VIR_ENUM_IMPL(qemuBalloonDevice, VIR_DOMAIN_MEMBALLOON_LAST, "virtio-balloon-pci",
              "virtio-balloon-pci", NULL);

/* <interface><model type=...> and the device each one is */
typedef enum {
    QEMU_NET_MODEL_VIRTIO,
    QEMU_NET_MODEL_E1000,
    QEMU_NET_MODEL_E1000E,
    QEMU_NET_MODEL_RTL8139,
    QEMU_NET_MODEL_LAST
} qemuNetModel;
VIR_ENUM_DECL(qemuNetModel);
VIR_ENUM_IMPL(qemuNetModel, QEMU_NET_MODEL_LAST, "virtio", "e1000", "e1000e", "rtl8139");
VIR_ENUM_DECL(qemuNetDevice);
VIR_ENUM_IMPL(qemuNetDevice, QEMU_NET_MODEL_LAST, "virtio-net-pci", "e1000", "e1000e", "rtl8139");

typedef enum { QEMU_MACHINE_Q35, QEMU_MACHINE_I440FX, QEMU_MACHINE_LAST } qemuMachineFamily;

/* The x86 disk controllers an ide or sata disk sits on. */
typedef struct {
    const char *bus; /* qdev bus name prefix: <bus>.<n> */
    int nbuses;
    int units;       /* devices per bus */
    const char *add; /* -device that creates it, NULL when built in */
} qemuDiskController;

/* q35: the ICH9 AHCI built in at 00:1f.2, one device on each of 6 ports,
 * for bus ide and sata alike. */
static const qemuDiskController qemuControllerICH9 = {"ide", 6, 1, NULL};
/* i440fx: the PIIX IDE, 2 buses of master + slave... */
static const qemuDiskController qemuControllerPIIX = {"ide", 2, 2, NULL};
/* ...and an AHCI added for sata disks. */
static const qemuDiskController qemuControllerAHCI = {"sata0", 6, 1, "ahci,id=sata0"};

typedef struct {
    const virDomainDef *def;
    const qemuCommandRuntime *rt;
    qemuMachineFamily family;
    GPtrArray *args; /* of char *, owned */
} qemuCommandBuilder;

typedef gboolean (*qemuBuildStep)(qemuCommandBuilder *b, GError **error);

static void qemuCommandAddOption(qemuCommandBuilder *b, const char *option, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static gboolean qemuCommandUnsupported(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* ====================================================================== */
/* helpers                                                                */
/* ====================================================================== */

/* qemu's escape for a value inside "key=value,...": ',' becomes ",,". */
static char *
qemuCommandEscape(const char *value)
{
    g_autoptr(GString) str = g_string_new(value);

    g_string_replace(str, ",", ",,", 0);
    return g_string_free(g_steal_pointer(&str), FALSE);
}

static void
qemuCommandAdd(qemuCommandBuilder *b, const char *arg)
{
    g_ptr_array_add(b->args, g_strdup(arg));
}

/* Adds @option followed by its value, formatted. */
static void
qemuCommandAddOption(qemuCommandBuilder *b, const char *option, const char *fmt, ...)
{
    va_list ap;

    qemuCommandAdd(b, option);
    va_start(ap, fmt);
    g_ptr_array_add(b->args, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* Sets a VIR_ERR_CONFIG_UNSUPPORTED error; returns FALSE. */
static gboolean
qemuCommandUnsupported(GError **error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_propagate_error(error, g_error_new_valist(VIR_ERROR, VIR_ERR_CONFIG_UNSUPPORTED, fmt, ap));
    va_end(ap);
    return FALSE;
}

/* ====================================================================== */
/* what a qemu domain cannot hold                                         */
/* ====================================================================== */

static gboolean
qemuBuildCheckType(qemuCommandBuilder *b, GError **error)
{
    const virDomainDef *def = b->def;

    if (!qemuAccelTypeToString(def->virt_type)) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported domain type '%s' for the qemu driver"),
                    virDomainVirtTypeToString(def->virt_type));
        return FALSE;
    }
    if (g_strcmp0(def->os.type, "hvm") != 0)
        return qemuCommandUnsupported(error, _("unsupported OS type '%s' for the qemu driver"),
                                      def->os.type ? def->os.type : "");
    if (def->os.arch && !g_str_equal(def->os.arch, QEMU_ARCH))
        return qemuCommandUnsupported(error, _("unsupported architecture '%s'"), def->os.arch);
    return TRUE;
}

static gboolean
qemuBuildCheckContainerOnly(qemuCommandBuilder *b, GError **error)
{
    const virDomainDef *def = b->def;
    const char *element = NULL;

    if (def->os.init)
        element = "<os>/<init>";
    else if (def->os.initargs->len)
        element = "<os>/<initarg>";
    else if (def->os.initenv->len)
        element = "<os>/<initenv>";
    else if (def->os.initdir)
        element = "<os>/<initdir>";
    else if (def->filesystems->len)
        element = "<devices>/<filesystem>";
    if (!element)
        return TRUE;
    virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED, _("unsupported element %s for domain type '%s'"),
                element, virDomainVirtTypeToString(def->virt_type));
    return FALSE;
}

/* qemu restarts a rebooting guest itself unless told to stop
 * (on_reboot=destroy); there is no way to keep it around instead. */
static gboolean
qemuBuildCheckLifecycle(qemuCommandBuilder *b, GError **error)
{
    virDomainLifecycleAction action = b->def->on_reboot;

    if (action == VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY ||
        action == VIR_DOMAIN_LIFECYCLE_ACTION_RESTART)
        return TRUE;
    virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED, _("unsupported action '%s' in <%s>"),
                virDomainLifecycleActionTypeToString(action), "on_reboot");
    return FALSE;
}

/* The balloon is what brings a guest down to <currentMemory>. */
static gboolean
qemuBuildCheckMemory(qemuCommandBuilder *b, GError **error)
{
    const virDomainDef *def = b->def;

    if (def->current_memory_kib == def->memory_kib ||
        qemuBalloonDeviceTypeToString(def->memballoon))
        return TRUE;
    virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                _("unsupported <currentMemory> (%llu KiB) below <memory> (%llu KiB) without a "
                  "memory balloon"),
                def->current_memory_kib, def->memory_kib);
    return FALSE;
}

/* ====================================================================== */
/* machine                                                                */
/* ====================================================================== */

static gboolean
qemuBuildMachineFamily(const char *machine, qemuMachineFamily *family, GError **error)
{
    if (g_str_equal(machine, "q35") || g_str_has_prefix(machine, "pc-q35-"))
        *family = QEMU_MACHINE_Q35;
    else if (g_str_equal(machine, "pc") || g_str_has_prefix(machine, "pc-i440fx-"))
        *family = QEMU_MACHINE_I440FX;
    else
        return qemuCommandUnsupported(error, _("unsupported machine type '%s'"), machine);
    return TRUE;
}

static gboolean
qemuBuildEmulator(qemuCommandBuilder *b, GError **error)
{
    const char *emulator = b->def->emulator ? b->def->emulator : b->rt->emulator;

    if (!emulator) {
        virErrorSet(error, VIR_ERR_INTERNAL_ERROR, _("no emulator binary for domain '%s'"),
                    b->def->name);
        return FALSE;
    }
    qemuCommandAdd(b, emulator);
    return TRUE;
}

static gboolean
qemuBuildMachine(qemuCommandBuilder *b, GError **error)
{
    const virDomainDef *def = b->def;
    const char *machine = def->os.machine ? def->os.machine : QEMU_DEFAULT_MACHINE;
    g_autofree char *name = qemuCommandEscape(def->name);
    char uuid[VIR_UUID_STRING_BUFLEN];

    if (!qemuBuildMachineFamily(machine, &b->family, error))
        return FALSE;
    virUUIDFormat(def->uuid, uuid);
    qemuCommandAddOption(b, "-name", "guest=%s,debug-threads=on", name);
    qemuCommandAdd(b, "-S");
    qemuCommandAddOption(b, "-machine", "%s,accel=%s%s", machine,
                         qemuAccelTypeToString(def->virt_type),
                         def->features[VIR_DOMAIN_FEATURE_ACPI] ? "" : ",acpi=off");
    qemuCommandAddOption(b, "-m", "size=%lluk", def->memory_kib);
    qemuCommandAddOption(b, "-smp", "%u", def->vcpus);
    qemuCommandAddOption(b, "-uuid", "%s", uuid);
    qemuCommandAdd(b, "-no-user-config");
    qemuCommandAdd(b, "-nodefaults");
    qemuCommandAddOption(b, "-display", "none");
    return TRUE;
}

static gboolean
qemuBuildMonitor(qemuCommandBuilder *b, GError **error)
{
    g_autofree char *path = NULL;

    if (!b->rt->monitor_path) {
        virErrorSet(error, VIR_ERR_INTERNAL_ERROR, _("no monitor socket path for domain '%s'"),
                    b->def->name);
        return FALSE;
    }
    path = qemuCommandEscape(b->rt->monitor_path);
    qemuCommandAddOption(b, "-chardev", "socket,id=charmonitor,path=%s,server=on,wait=off", path);
    qemuCommandAddOption(b, "-mon", "chardev=charmonitor,id=monitor,mode=control");
    return TRUE;
}

static gboolean
qemuBuildLifecycle(qemuCommandBuilder *b, GError **error)
{
    qemuCommandAdd(b, "-no-shutdown");
    if (b->def->on_reboot == VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY)
        qemuCommandAdd(b, "-no-reboot");
    return TRUE;
}

/* SeaBIOS takes -boot order= as the legacy order of each kind of device;
 * strict=on only matters once a device has a bootindex, which none has. */
static gboolean
qemuBuildBoot(qemuCommandBuilder *b, GError **error)
{
    const virDomainDef *def = b->def;
    g_autoptr(GString) order = g_string_new(NULL);

    for (unsigned int i = 0; i < def->os.nboot; i++)
        g_string_append(order, qemuBootDevTypeToString(def->os.boot[i]));
    if (order->len)
        qemuCommandAddOption(b, "-boot", "order=%s,strict=on", order->str);
    else
        qemuCommandAddOption(b, "-boot", "strict=on");
    return TRUE;
}

/* qemu refuses an initrd or a command line without a kernel. */
static gboolean
qemuBuildKernel(qemuCommandBuilder *b, GError **error)
{
    const virDomainDef *def = b->def;

    if (!def->os.kernel && (def->os.initrd || def->os.cmdline)) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED, _("unsupported <os>/<%s> without <%s>"),
                    def->os.initrd ? "initrd" : "cmdline", "kernel");
        return FALSE;
    }
    if (def->os.kernel)
        qemuCommandAddOption(b, "-kernel", "%s", def->os.kernel);
    if (def->os.initrd)
        qemuCommandAddOption(b, "-initrd", "%s", def->os.initrd);
    if (def->os.cmdline)
        qemuCommandAddOption(b, "-append", "%s", def->os.cmdline);
    return TRUE;
}

/* ====================================================================== */
/* disks                                                                  */
/* ====================================================================== */

/* libvirt's rule: the letters after "hd"/"sd"/"vd" count from "a" = 0,
 * "z" = 25, "aa" = 26...  Returns -1 for any other name. */
static int
qemuDiskNameIndex(const char *dst)
{
    const char *p = dst + 2;
    int index = 0;

    if (!g_str_has_prefix(dst, "hd") && !g_str_has_prefix(dst, "sd") &&
        !g_str_has_prefix(dst, "vd"))
        return -1;
    if (!*p)
        return -1;
    for (; *p; p++) {
        if (*p < 'a' || *p > 'z' || index > G_MAXINT / 32)
            return -1;
        index = index * 26 + (*p - 'a' + 1);
    }
    return index - 1;
}

static virDomainDiskBus
qemuDiskBus(const virDomainDiskDef *disk)
{
    if (disk->bus != VIR_DOMAIN_DISK_BUS_DEFAULT)
        return disk->bus;
    for (int bus = 0; bus < VIR_DOMAIN_DISK_BUS_LAST; bus++) {
        const char *prefix = qemuDiskBusPrefixTypeToString(bus);

        if (prefix && g_str_has_prefix(disk->dst, prefix))
            return bus;
    }
    return VIR_DOMAIN_DISK_BUS_DEFAULT;
}

static const qemuDiskController *
qemuDiskGetController(qemuMachineFamily family, virDomainDiskBus bus)
{
    if (bus != VIR_DOMAIN_DISK_BUS_IDE && bus != VIR_DOMAIN_DISK_BUS_SATA)
        return NULL;
    if (family == QEMU_MACHINE_Q35)
        return &qemuControllerICH9;
    return bus == VIR_DOMAIN_DISK_BUS_IDE ? &qemuControllerPIIX : &qemuControllerAHCI;
}

/* The controller and port a disk goes to, from its target's name. */
static gboolean
qemuDiskGetPort(const virDomainDiskDef *disk, const qemuDiskController *ctrl, int *port,
                GError **error)
{
    int index = qemuDiskNameIndex(disk->dst);

    if (index < 0) {
        virErrorSet(error, VIR_ERR_INVALID_ARG,
                    _("cannot derive a controller port from disk target '%s'"), disk->dst);
        return FALSE;
    }
    if (index >= ctrl->nbuses * ctrl->units) {
        virErrorSet(error, VIR_ERR_INVALID_ARG,
                    _("disk '%s' needs port %d but controller '%s' has only ports 0 to %d"),
                    disk->dst, index, ctrl->bus, ctrl->nbuses * ctrl->units - 1);
        return FALSE;
    }
    *port = index;
    return TRUE;
}

/* The device model of @disk, or an error for what qemu cannot attach. */
static const char *
qemuDiskDevice(const virDomainDiskDef *disk, virDomainDiskBus bus, GError **error)
{
    gboolean cdrom = disk->device == VIR_DOMAIN_DISK_DEVICE_CDROM;
    const char *model = cdrom ? qemuCdromDeviceTypeToString(bus) : qemuDiskDeviceTypeToString(bus);

    if (bus == VIR_DOMAIN_DISK_BUS_DEFAULT) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported disk target '%s' without a bus"), disk->dst);
        return NULL;
    }
    if (!model) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED, _("unsupported bus '%s' for %s '%s'"),
                    virDomainDiskBusTypeToString(bus),
                    virDomainDiskDeviceTypeToString(disk->device), disk->dst);
        return NULL;
    }
    /* qemu's ide-hd refuses a read-only drive */
    if (!cdrom && disk->readonly && g_str_equal(model, "ide-hd")) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported read-only disk '%s' on bus '%s'"), disk->dst,
                    virDomainDiskBusTypeToString(bus));
        return NULL;
    }
    /* the target is the device's qdev id, which must start with a letter */
    if (!g_ascii_isalpha(disk->dst[0])) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("disk target '%s' must start with a letter"),
                    disk->dst);
        return NULL;
    }
    return model;
}

static void
qemuBuildDrive(qemuCommandBuilder *b, const virDomainDiskDef *disk)
{
    g_autofree char *src = qemuCommandEscape(disk->src);

    qemuCommandAddOption(b, "-drive", "file=%s,format=%s,if=none,id=drive-%s%s", src,
                         qemuDiskFormatTypeToString(disk->format), disk->dst,
                         disk->readonly ? ",readonly=on" : "");
}

/* Refuses @disk (the @upto-th) when an earlier disk took its port. */
static gboolean
qemuBuildDiskCheckPort(qemuCommandBuilder *b, guint upto, const qemuDiskController *ctrl, int port,
                       GError **error)
{
    const virDomainDiskDef *disk = g_ptr_array_index(b->def->disks, upto);

    for (guint i = 0; i < upto; i++) {
        const virDomainDiskDef *other = g_ptr_array_index(b->def->disks, i);

        if (qemuDiskGetController(b->family, qemuDiskBus(other)) == ctrl &&
            qemuDiskNameIndex(other->dst) == port) {
            virErrorSet(error, VIR_ERR_INVALID_ARG,
                        _("disks '%s' and '%s' use the same port %d of controller '%s'"),
                        other->dst, disk->dst, port, ctrl->bus);
            return FALSE;
        }
    }
    return TRUE;
}

/* ",bus=ide.2" for an AHCI port, ",bus=ide.1,unit=0" for PIIX, "" for PCI. */
static gboolean
qemuBuildDiskAddress(qemuCommandBuilder *b, guint i, virDomainDiskBus bus, char **address,
                     GError **error)
{
    const virDomainDiskDef *disk = g_ptr_array_index(b->def->disks, i);
    const qemuDiskController *ctrl = qemuDiskGetController(b->family, bus);
    int port;

    if (!ctrl) {
        *address = g_strdup("");
        return TRUE;
    }
    if (!qemuDiskGetPort(disk, ctrl, &port, error) ||
        !qemuBuildDiskCheckPort(b, i, ctrl, port, error))
        return FALSE;
    if (ctrl->units > 1)
        *address = g_strdup_printf(",bus=%s.%d,unit=%d", ctrl->bus, port / ctrl->units,
                                   port % ctrl->units);
    else
        *address = g_strdup_printf(",bus=%s.%d", ctrl->bus, port);
    return TRUE;
}

static gboolean
qemuBuildDisk(qemuCommandBuilder *b, guint i, GError **error)
{
    const virDomainDiskDef *disk = g_ptr_array_index(b->def->disks, i);
    virDomainDiskBus bus = qemuDiskBus(disk);
    g_autofree char *address = NULL;
    const char *model;

    if (!(model = qemuDiskDevice(disk, bus, error)) ||
        !qemuBuildDiskAddress(b, i, bus, &address, error))
        return FALSE;
    /* an empty CD-ROM drive: the device alone, with no medium */
    if (!disk->src) {
        qemuCommandAddOption(b, "-device", "%s%s,id=%s", model, address, disk->dst);
        return TRUE;
    }
    qemuBuildDrive(b, disk);
    qemuCommandAddOption(b, "-device", "%s%s,drive=drive-%s,id=%s", model, address, disk->dst,
                         disk->dst);
    return TRUE;
}

/* Controllers that are not built into the machine come first. */
static void
qemuBuildDiskControllers(qemuCommandBuilder *b)
{
    for (guint i = 0; i < b->def->disks->len; i++) {
        const virDomainDiskDef *disk = g_ptr_array_index(b->def->disks, i);
        const qemuDiskController *ctrl = qemuDiskGetController(b->family, qemuDiskBus(disk));

        if (ctrl && ctrl->add) {
            qemuCommandAddOption(b, "-device", "%s", ctrl->add);
            return;
        }
    }
}

static gboolean
qemuBuildDisks(qemuCommandBuilder *b, GError **error)
{
    qemuBuildDiskControllers(b);
    for (guint i = 0; i < b->def->disks->len; i++) {
        if (!qemuBuildDisk(b, i, error))
            return FALSE;
    }
    return TRUE;
}

/* ====================================================================== */
/* interfaces                                                             */
/* ====================================================================== */

static gboolean
qemuBuildInterface(qemuCommandBuilder *b, guint i, GError **error)
{
    const virDomainNetDef *net = g_ptr_array_index(b->def->interfaces, i);
    const char *model = net->model ? net->model : "virtio";
    int fd = i < b->rt->n_tap_fds ? b->rt->tap_fds[i] : -1;
    int type = qemuNetModelTypeFromString(model);

    if (type < 0)
        return qemuCommandUnsupported(error, _("unsupported interface model '%s'"), model);
    if (fd < 0) {
        virErrorSet(error, VIR_ERR_INTERNAL_ERROR, _("interface %u has no tap device"), i);
        return FALSE;
    }
    if (net->alias) {
        /* a live definition: the ids it records */
        qemuCommandAddOption(b, "-netdev", "tap,fd=%d,id=host%s", fd, net->alias);
        qemuCommandAddOption(b, "-device", "%s,netdev=host%s,id=%s,mac=%s",
                             qemuNetDeviceTypeToString(type), net->alias, net->alias, net->mac);
        return TRUE;
    }
    qemuCommandAddOption(b, "-netdev", "tap,fd=%d,id=hostnet%u", fd, i);
    qemuCommandAddOption(b, "-device", "%s,netdev=hostnet%u,id=net%u,mac=%s",
                         qemuNetDeviceTypeToString(type), i, i, net->mac);
    return TRUE;
}

static gboolean
qemuBuildInterfaces(qemuCommandBuilder *b, GError **error)
{
    for (guint i = 0; i < b->def->interfaces->len; i++) {
        if (!qemuBuildInterface(b, i, error))
            return FALSE;
    }
    return TRUE;
}

/* ====================================================================== */
/* serials and consoles                                                   */
/* ====================================================================== */

/* -chardev <backend>,id=<id>[,path=...] */
static void
qemuBuildChardev(qemuCommandBuilder *b, const virDomainChrDef *chr, const char *id)
{
    const char *backend = qemuChrBackendTypeToString(chr->type);
    g_autofree char *path = NULL;

    if (chr->type != VIR_DOMAIN_CHR_TYPE_FILE) {
        qemuCommandAddOption(b, "-chardev", "%s,id=%s", backend, id);
        return;
    }
    path = qemuCommandEscape(chr->path);
    qemuCommandAddOption(b, "-chardev", "%s,id=%s,path=%s,append=on", backend, id, path);
}

/* <target type=...> and <model name=...> name the same device; either may
 * be left out. */
static gboolean
qemuSerialTarget(const virDomainChrDef *chr, guint i, virDomainChrSerialTarget *target,
                 GError **error)
{
    virDomainChrSerialTarget type = chr->target_type;
    virDomainChrSerialTarget model = chr->target_model;

    if (type != VIR_DOMAIN_CHR_SERIAL_TARGET_DEFAULT &&
        model != VIR_DOMAIN_CHR_SERIAL_TARGET_DEFAULT && type != model)
        return qemuCommandUnsupported(error,
                                      _("unsupported model '%s' for serial %u of target type '%s'"),
                                      virDomainChrSerialTargetTypeToString(model), i,
                                      virDomainChrSerialTargetTypeToString(type));
    *target = type != VIR_DOMAIN_CHR_SERIAL_TARGET_DEFAULT ? type : model;
    if (!qemuSerialDeviceTypeToString(*target))
        return qemuCommandUnsupported(error, _("unsupported serial target type '%s'"),
                                      virDomainChrSerialTargetTypeToString(*target));
    return TRUE;
}

static gboolean
qemuSerialPortTaken(const int *ports, guint n, int port)
{
    for (guint i = 0; i < n; i++) {
        if (ports[i] == port)
            return TRUE;
    }
    return FALSE;
}

/* libvirt's numbering: a serial without <target port> takes the lowest
 * port that no other serial names and no earlier one took.  Returns one
 * port per serial. */
static int *
qemuSerialPorts(GPtrArray *serials)
{
    int *ports = g_new(int, serials->len + 1);

    for (guint i = 0; i < serials->len; i++)
        ports[i] = ((const virDomainChrDef *)g_ptr_array_index(serials, i))->target_port;
    for (guint i = 0; i < serials->len; i++) {
        int port = 0;

        if (ports[i] >= 0)
            continue;
        while (qemuSerialPortTaken(ports, serials->len, port))
            port++;
        ports[i] = port;
    }
    return ports;
}

/* qemu numbers ISA serial ports in creation order (COM1 = index 0), so
 * index= is needed only where the port differs from that order. */
#define QEMU_ISA_SERIAL_PORTS 4

static gboolean
qemuBuildSerialDevice(qemuCommandBuilder *b, const virDomainChrDef *chr, guint i, int port,
                      guint *nisa, GError **error)
{
    virDomainChrSerialTarget target = VIR_DOMAIN_CHR_SERIAL_TARGET_DEFAULT;
    const char *device;

    if (!qemuSerialTarget(chr, i, &target, error))
        return FALSE;
    device = qemuSerialDeviceTypeToString(target);
    if (!g_str_equal(device, "isa-serial")) {
        qemuCommandAddOption(b, "-device", "%s,chardev=charserial%u,id=serial%u", device, i, i);
        return TRUE;
    }
    if (port >= QEMU_ISA_SERIAL_PORTS)
        return qemuCommandUnsupported(error,
                                      _("unsupported serial port %d: ISA serial ports are 0 to %d"),
                                      port, QEMU_ISA_SERIAL_PORTS - 1);
    if ((guint)port == (*nisa)++)
        qemuCommandAddOption(b, "-device", "%s,chardev=charserial%u,id=serial%u", device, i, i);
    else
        qemuCommandAddOption(b, "-device", "%s,chardev=charserial%u,id=serial%u,index=%d", device,
                             i, i, port);
    return TRUE;
}

static gboolean
qemuBuildSerialList(qemuCommandBuilder *b, GPtrArray *serials, GError **error)
{
    g_autofree int *ports = qemuSerialPorts(serials);
    guint nisa = 0;

    for (guint i = 0; i < serials->len; i++) {
        const virDomainChrDef *chr = g_ptr_array_index(serials, i);
        g_autofree char *id = g_strdup_printf("charserial%u", i);

        qemuBuildChardev(b, chr, id);
        if (!qemuBuildSerialDevice(b, chr, i, ports[i], &nisa, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
qemuConsoleIsSerial(const virDomainChrDef *console)
{
    return console->target_type == VIR_DOMAIN_CHR_CONSOLE_TARGET_DEFAULT ||
           console->target_type == VIR_DOMAIN_CHR_CONSOLE_TARGET_SERIAL;
}

/* libvirt's rule: the first console, when it is a serial console, is the
 * first serial port under another name; with no <serial> it is the
 * serial port. */
static gboolean
qemuBuildSerials(qemuCommandBuilder *b, GError **error)
{
    const virDomainDef *def = b->def;
    g_autoptr(GPtrArray) alone = NULL;
    virDomainChrDef *console;

    if (def->serials->len || !def->consoles->len)
        return qemuBuildSerialList(b, def->serials, error);
    console = g_ptr_array_index(def->consoles, 0);
    if (!qemuConsoleIsSerial(console))
        return TRUE;
    alone = g_ptr_array_new();
    g_ptr_array_add(alone, console);
    return qemuBuildSerialList(b, alone, error);
}

/* Consoles other than the first serial one: virtio consoles (hvc0...). */
static gboolean
qemuBuildConsole(qemuCommandBuilder *b, guint i, gboolean *have_bus, GError **error)
{
    const virDomainChrDef *chr = g_ptr_array_index(b->def->consoles, i);
    g_autofree char *id = g_strdup_printf("charconsole%u", i);

    if (qemuConsoleIsSerial(chr)) {
        if (i == 0)
            return TRUE; /* qemuBuildSerials() */
        return qemuCommandUnsupported(
            error, _("unsupported serial console %u: only the first console can be a serial port"),
            i);
    }
    if (chr->target_type != VIR_DOMAIN_CHR_CONSOLE_TARGET_VIRTIO)
        return qemuCommandUnsupported(
            error, _("unsupported console target type '%s' for domain type '%s'"),
            virDomainChrConsoleTargetTypeToString(chr->target_type),
            virDomainVirtTypeToString(b->def->virt_type));
    if (!*have_bus)
        qemuCommandAddOption(b, "-device", "virtio-serial-pci,id=virtio-serial0");
    *have_bus = TRUE;
    qemuBuildChardev(b, chr, id);
    qemuCommandAddOption(b, "-device", "virtconsole,chardev=%s,id=console%u", id, i);
    return TRUE;
}

static gboolean
qemuBuildConsoles(qemuCommandBuilder *b, GError **error)
{
    gboolean have_bus = FALSE;

    for (guint i = 0; i < b->def->consoles->len; i++) {
        if (!qemuBuildConsole(b, i, &have_bus, error))
            return FALSE;
    }
    return TRUE;
}

/* ====================================================================== */
/* watchdog, balloon, panic                                               */
/* ====================================================================== */

static gboolean
qemuBuildWatchdog(qemuCommandBuilder *b, GError **error)
{
    const virDomainWatchdogDef *wd = b->def->watchdog;
    const char *device;
    const char *action;

    if (!wd)
        return TRUE;
    if (!(device = qemuWatchdogDeviceTypeToString(wd->model)))
        return qemuCommandUnsupported(error, _("unsupported watchdog model '%s'"),
                                      virDomainWatchdogModelTypeToString(wd->model));
    if (!(action = qemuWatchdogActionTypeToString(wd->action)))
        return qemuCommandUnsupported(error, _("unsupported watchdog action '%s'"),
                                      virDomainWatchdogActionTypeToString(wd->action));
    qemuCommandAddOption(b, "-device", "%s,id=watchdog0", device);
    qemuCommandAddOption(b, "-action", "watchdog=%s", action);
    return TRUE;
}

static gboolean
qemuBuildMemballoon(qemuCommandBuilder *b, GError **error)
{
    const char *device = qemuBalloonDeviceTypeToString(b->def->memballoon);

    if (device)
        qemuCommandAddOption(b, "-device", "%s,id=balloon0", device);
    return TRUE;
}

static const char *
qemuPanicDevice(const virDomainDef *def, guint i, GError **error)
{
    const virDomainPanicDef *panic = g_ptr_array_index(def->panics, i);
    const char *device = qemuPanicDeviceTypeToString(panic->model);

    if (!device) {
        qemuCommandUnsupported(error, _("unsupported panic model '%s'"),
                               virDomainPanicModelTypeToString(panic->model));
        return NULL;
    }
    for (guint j = 0; j < i; j++) {
        const virDomainPanicDef *other = g_ptr_array_index(def->panics, j);

        if (g_strcmp0(qemuPanicDeviceTypeToString(other->model), device) == 0) {
            virErrorSet(error, VIR_ERR_INVALID_ARG, _("panic device '%s' is given more than once"),
                        device);
            return NULL;
        }
    }
    return device;
}

/* A panicked guest stays paused; virtd applies on_crash. */
static gboolean
qemuBuildPanics(qemuCommandBuilder *b, GError **error)
{
    for (guint i = 0; i < b->def->panics->len; i++) {
        const char *device = qemuPanicDevice(b->def, i, error);

        if (!device)
            return FALSE;
        qemuCommandAddOption(b, "-device", "%s,id=panic%u", device, i);
    }
    if (b->def->panics->len)
        qemuCommandAddOption(b, "-action", "panic=pause");
    return TRUE;
}

/* ====================================================================== */
/* entry point                                                            */
/* ====================================================================== */

/* q35: PCIe root ports left free for devices plugged while the guest runs
 * (pcie.0 itself takes none), last so that the slots of the devices above
 * do not move. */
static gboolean
qemuBuildHotplugPorts(qemuCommandBuilder *b, GError **error)
{
    if (b->family != QEMU_MACHINE_Q35)
        return TRUE;
    for (guint i = 0; i < QEMU_HOTPLUG_PORTS; i++)
        qemuCommandAddOption(b, "-device", "pcie-root-port,id=" QEMU_HOTPLUG_PORT_PREFIX
                             "%u,chassis=%u", i, i + 1);
    return TRUE;
}

static const qemuBuildStep qemuBuildSteps[] = {
    qemuBuildCheckType,      qemuBuildCheckContainerOnly,
    qemuBuildCheckLifecycle, qemuBuildCheckMemory,
    qemuBuildEmulator,       qemuBuildMachine,
    qemuBuildMonitor,        qemuBuildLifecycle,
    qemuBuildBoot,           qemuBuildKernel,
    qemuBuildDisks,          qemuBuildInterfaces,
    qemuBuildSerials,        qemuBuildConsoles,
    qemuBuildWatchdog,       qemuBuildMemballoon,
    qemuBuildPanics,         qemuBuildHotplugPorts,
};

/**
 * qemuBuildCommandLine:
 * @def: the domain to start (type qemu or kvm)
 * @rt: what the process side provides: emulator fallback, monitor socket
 *   path, one tap fd per interface
 *
 * Builds qemu's argv.  Pure: no I/O, the same input gives the same argv.
 *
 * Returns: (transfer full): a NULL-terminated argv whose first element is
 * the emulator, or NULL with @error set: VIR_ERR_CONFIG_UNSUPPORTED for what
 * the definition asks and this driver cannot do, VIR_ERR_INVALID_ARG for a
 * definition at odds with itself (two disks on one port), and
 * VIR_ERR_INTERNAL_ERROR when @rt lacks something (no emulator, no monitor
 * path, an interface without a tap fd).
 */
char **
qemuBuildCommandLine(const virDomainDef *def, const qemuCommandRuntime *rt, GError **error)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    qemuCommandBuilder b = {.def = def, .rt = rt, .args = args};

    g_return_val_if_fail(def && rt, NULL);
    g_return_val_if_fail(rt->n_tap_fds == 0 || rt->tap_fds, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    for (gsize i = 0; i < G_N_ELEMENTS(qemuBuildSteps); i++) {
        if (!qemuBuildSteps[i](&b, error))
            return NULL;
    }
    g_ptr_array_add(args, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&args), FALSE);
}

/**
 * qemuCommandNetDevice:
 * @model: an interface's <model type>, NULL for the default
 *
 * Returns: (transfer none): the qemu device of that model, or NULL if it
 * has none.
 */
const char *
qemuCommandNetDevice(const char *model)
{
    int type = qemuNetModelTypeFromString(model ? model : "virtio");

    return type < 0 ? NULL : qemuNetDeviceTypeToString(type);
}

/**
 * qemuCommandHasHotplugPorts:
 *
 * Returns: whether @def's machine gets the free pcie-root-ports
 * (QEMU_HOTPLUG_PORT_PREFIX<n>) devices are plugged into at run time.
 */
gboolean
qemuCommandHasHotplugPorts(const virDomainDef *def)
{
    qemuMachineFamily family;

    return qemuBuildMachineFamily(def->os.machine ? def->os.machine : QEMU_DEFAULT_MACHINE,
                                  &family, NULL) &&
           family == QEMU_MACHINE_Q35;
}

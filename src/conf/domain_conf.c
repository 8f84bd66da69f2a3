/*
 * domain_conf.c: domain XML <-> virDomainDef
 *
 * One parser per element, each refusing the attributes and children it does
 * not know (virXMLCheckAttrs, virXMLParseChildren); values are checked where
 * they are read, rules across elements once the whole document is read
 * (virDomainDefValidate).  Formatting follows libvirt's element order so
 * that tools and hook scripts see what they are used to.
 */
#define G_LOG_DOMAIN "virtd.conf"

#include "domain_conf.h"

#include <glib/gi18n.h>
#include <string.h>

#include "domain_event.h"
#include "network_conf.h"
#include "virobjname.h"
#include "virxml.h"

VIR_ENUM_IMPL(virDomainVirt, VIR_DOMAIN_VIRT_LAST, "qemu", "kvm", "lxc");
VIR_ENUM_IMPL(virDomainOS, VIR_DOMAIN_OS_TYPE_LAST, "hvm", "exe");
VIR_ENUM_IMPL(virDomainLifecycleAction, VIR_DOMAIN_LIFECYCLE_ACTION_LAST, "destroy", "restart",
              "preserve", "rename-restart", "coredump-destroy", "coredump-restart");
VIR_ENUM_IMPL(virDomainBootDev, VIR_DOMAIN_BOOT_LAST, "hd", "cdrom", "network", "fd");
VIR_ENUM_IMPL(virDomainFeature, VIR_DOMAIN_FEATURE_LAST, "acpi", "apic", "pae");
VIR_ENUM_IMPL(virDomainDisk, VIR_DOMAIN_DISK_TYPE_LAST, "file", "block");
VIR_ENUM_IMPL(virDomainDiskDevice, VIR_DOMAIN_DISK_DEVICE_LAST, "disk", "cdrom");
VIR_ENUM_IMPL(virDomainDiskFormat, VIR_DOMAIN_DISK_FORMAT_LAST, NULL, "raw", "qcow2");
VIR_ENUM_IMPL(virDomainDiskBus, VIR_DOMAIN_DISK_BUS_LAST, NULL, "ide", "scsi", "virtio", "usb",
              "sata");
VIR_ENUM_IMPL(virDomainFS, VIR_DOMAIN_FS_TYPE_LAST, "mount");
VIR_ENUM_IMPL(virDomainFSAccessMode, VIR_DOMAIN_FS_ACCESSMODE_LAST, "passthrough");
VIR_ENUM_IMPL(virDomainNet, VIR_DOMAIN_NET_TYPE_LAST, "network", "bridge");
VIR_ENUM_IMPL(virDomainChr, VIR_DOMAIN_CHR_TYPE_LAST, "pty", "file", "null");
VIR_ENUM_IMPL(virDomainChrSerialTarget, VIR_DOMAIN_CHR_SERIAL_TARGET_LAST, NULL, "isa-serial",
              "usb-serial", "pci-serial");
VIR_ENUM_IMPL(virDomainChrConsoleTarget, VIR_DOMAIN_CHR_CONSOLE_TARGET_LAST, NULL, "serial",
              "virtio", "lxc");
VIR_ENUM_IMPL(virDomainWatchdogModel, VIR_DOMAIN_WATCHDOG_MODEL_LAST, "i6300esb", "ib700",
              "diag288", "itco");
VIR_ENUM_IMPL(virDomainWatchdogAction, VIR_DOMAIN_WATCHDOG_ACTION_LAST, "reset", "shutdown",
              "poweroff", "pause", "none", "dump", "inject-nmi");
VIR_ENUM_IMPL(virDomainPanicModel, VIR_DOMAIN_PANIC_MODEL_LAST, NULL, "isa", "pseries", "hyperv",
              "s390", "pvpanic");
VIR_ENUM_IMPL(virDomainMemballoonModel, VIR_DOMAIN_MEMBALLOON_LAST, NULL, "virtio", "none");

typedef enum {
    VIR_DOMAIN_VCPU_PLACEMENT_STATIC,
    VIR_DOMAIN_VCPU_PLACEMENT_LAST
} virDomainVcpuPlacement;
VIR_ENUM_DECL(virDomainVcpuPlacement);
VIR_ENUM_IMPL(virDomainVcpuPlacement, VIR_DOMAIN_VCPU_PLACEMENT_LAST, "static");

/* Tap and veth names libvirt generates; not kept from inactive XML, so a
 * definition dumped from a running domain can be defined again. */
#define VIR_DOMAIN_NET_AUTO_PREFIX "vnet"

typedef struct {
    virDomainDef *def;
    unsigned int flags;
    gboolean have_uuid;
    gboolean have_memory;
    gboolean have_current_memory;
    gboolean have_os;
} virDomainParseCtxt;

/* ====================================================================== */
/* objects                                                                */
/* ====================================================================== */

static void
virDomainOSEnvFree(virDomainOSEnv *env)
{
    if (!env)
        return;
    g_free(env->name);
    g_free(env->value);
    g_free(env);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainOSEnv, virDomainOSEnvFree)

/**
 * virDomainDiskDefFree:
 *
 * Frees @disk; NULL is allowed.
 */
void
virDomainDiskDefFree(virDomainDiskDef *disk)
{
    if (!disk)
        return;
    g_free(disk->driver_name);
    g_free(disk->src);
    g_free(disk->dst);
    g_free(disk);
}

/**
 * virDomainFSDefFree:
 *
 * Frees @fs; NULL is allowed.
 */
void
virDomainFSDefFree(virDomainFSDef *fs)
{
    if (!fs)
        return;
    g_free(fs->src);
    g_free(fs->dst);
    g_free(fs);
}

/**
 * virDomainNetDefFree:
 *
 * Frees @net; NULL is allowed.
 */
void
virDomainNetDefFree(virDomainNetDef *net)
{
    if (!net)
        return;
    g_free(net->mac);
    g_free(net->source);
    g_free(net->bridge);
    g_free(net->portid);
    g_free(net->ifname);
    g_free(net->model);
    g_free(net->alias);
    g_free(net);
}

/**
 * virDomainChrDefFree:
 *
 * Frees @chr; NULL is allowed.
 */
void
virDomainChrDefFree(virDomainChrDef *chr)
{
    if (!chr)
        return;
    g_free(chr->path);
    g_free(chr);
}

static GPtrArray *
virDomainArrayNew(GDestroyNotify freeFunc)
{
    return g_ptr_array_new_with_free_func(freeFunc);
}

/**
 * virDomainDefNew:
 *
 * Returns: (transfer full): an empty definition with libvirt's defaults:
 * one vCPU, destroy/restart/destroy lifecycle actions, empty device lists.
 */
virDomainDef *
virDomainDefNew(void)
{
    virDomainDef *def = g_new0(virDomainDef, 1);

    def->vcpus = 1;
    def->on_poweroff = VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY;
    def->on_reboot = VIR_DOMAIN_LIFECYCLE_ACTION_RESTART;
    def->on_crash = VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY;
    def->os.initargs = virDomainArrayNew(g_free);
    def->os.initenv = virDomainArrayNew((GDestroyNotify)virDomainOSEnvFree);
    def->disks = virDomainArrayNew((GDestroyNotify)virDomainDiskDefFree);
    def->filesystems = virDomainArrayNew((GDestroyNotify)virDomainFSDefFree);
    def->interfaces = virDomainArrayNew((GDestroyNotify)virDomainNetDefFree);
    def->serials = virDomainArrayNew((GDestroyNotify)virDomainChrDefFree);
    def->consoles = virDomainArrayNew((GDestroyNotify)virDomainChrDefFree);
    def->panics = virDomainArrayNew(g_free);
    return def;
}

/**
 * virDomainDefFree:
 *
 * Frees @def and all it holds; NULL is allowed.
 */
void
virDomainDefFree(virDomainDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->title);
    g_free(def->description);
    if (def->metadata)
        xmlFreeDoc(def->metadata);
    g_free(def->os.type);
    g_free(def->os.arch);
    g_free(def->os.machine);
    g_free(def->os.kernel);
    g_free(def->os.initrd);
    g_free(def->os.cmdline);
    g_free(def->os.init);
    g_ptr_array_unref(def->os.initargs);
    g_ptr_array_unref(def->os.initenv);
    g_free(def->os.initdir);
    g_free(def->emulator);
    g_ptr_array_unref(def->disks);
    g_ptr_array_unref(def->filesystems);
    g_ptr_array_unref(def->interfaces);
    g_ptr_array_unref(def->serials);
    g_ptr_array_unref(def->consoles);
    g_free(def->watchdog);
    g_ptr_array_unref(def->panics);
    g_free(def);
}

/* ====================================================================== */
/* value checks                                                           */
/* ====================================================================== */

static gboolean
virDomainMissingElement(const char *parent, const char *child, GError **error)
{
    virErrorSet(error, VIR_ERR_XML_ERROR, _("missing element <%s>/<%s>"), parent, child);
    return FALSE;
}

/* Host paths are absolute: a relative one would depend on virtd's cwd. */
static gboolean
virDomainPathCheck(const char *path, const char *where, GError **error)
{
    if (g_path_is_absolute(path))
        return TRUE;
    virErrorSet(error, VIR_ERR_XML_ERROR, _("path '%s' in <%s> is not absolute"), path, where);
    return FALSE;
}

/* Names that end up in command lines (machine types, device models, disk
 * targets): letters, digits and the characters of @extra, so that no ','
 * or '=' can smuggle an option into a qemu argument. */
static gboolean
virDomainTokenCheck(const char *value, const char *extra, const char *attr, const char *where,
                    GError **error)
{
    gboolean ok = *value && strlen(value) <= 64;

    for (const char *p = value; ok && *p; p++)
        ok = g_ascii_isalnum(*p) || strchr(extra, *p);
    if (!ok) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid value '%s' for '%s' in <%s>"), value,
                    attr, where);
        return FALSE;
    }
    return TRUE;
}

/* Same rules as a network's bridge name: a Linux interface name. */
static gboolean
virDomainIfnameCheck(const char *name, const char *where, GError **error)
{
    gboolean ok = *name && strlen(name) <= 15 && strcmp(name, ".") != 0 &&
                  strcmp(name, "..") != 0;

    for (const char *p = name; ok && *p; p++)
        ok = g_ascii_isgraph(*p) && *p != '/' && *p != ':';
    if (!ok) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid interface name '%s' in <%s>"), name,
                    where);
        return FALSE;
    }
    return TRUE;
}

/* Reads an element that holds only text and has no attributes. */
static char *
virDomainParseText(xmlNode *node, GError **error)
{
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error))
        return NULL;
    return virXMLNodeText(node, error);
}

static char *
virDomainParsePath(xmlNode *node, GError **error)
{
    g_autofree char *path = virDomainParseText(node, error);

    if (!path || !virDomainPathCheck(path, (const char *)node->name, error))
        return NULL;
    return g_steal_pointer(&path);
}

/* ====================================================================== */
/* <domain> children                                                      */
/* ====================================================================== */

static gboolean
virDomainParseName(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;

    if (!(ctxt->def->name = virDomainParseText(node, error)))
        return FALSE;
    return virObjectNameCheck("domain", ctxt->def->name, VIR_ERR_XML_ERROR, error);
}

static gboolean
virDomainParseUUID(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;

    if (!virXMLNodeUUID(node, ctxt->def->uuid, error))
        return FALSE;
    ctxt->have_uuid = TRUE;
    return TRUE;
}

static gboolean
virDomainParseTitle(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;

    if (!(ctxt->def->title = virDomainParseText(node, error)))
        return FALSE;
    if (strpbrk(ctxt->def->title, "\r\n")) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("<title> must be a single line"));
        return FALSE;
    }
    return TRUE;
}

static gboolean
virDomainParseDescription(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;

    return (ctxt->def->description = virDomainParseText(node, error)) != NULL;
}

/* Each child is copied, with the namespace declarations it uses, into a
 * document of its own, so it formats back verbatim wherever it came from. */
static gboolean
virDomainParseMetadata(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewDocNode(doc, NULL, (const xmlChar *)"metadata", NULL);

    g_assert(root);
    xmlDocSetRootElement(doc, root);
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error))
        return FALSE;
    for (xmlNode *cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_TEXT_NODE && !virXMLIsBlank(cur->content)) {
            virErrorSet(error, VIR_ERR_XML_ERROR, _("unexpected text in <%s>"), "metadata");
            return FALSE;
        }
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        if (!cur->ns) {
            virErrorSet(error, VIR_ERR_XML_ERROR,
                        _("element <metadata>/<%s> must be in a namespace"), cur->name);
            return FALSE;
        }
        xmlAddChild(root, xmlDocCopyNode(cur, doc, 1));
    }
    if (root->children)
        ctxt->def->metadata = g_steal_pointer(&doc);
    return TRUE;
}

/* Bytes per unit, libvirt's names: powers of 1024 unless spelt with a 'B'
 * alone ("MB"), bytes for "b"/"bytes", KiB when absent. */
static unsigned long long
virDomainMemoryUnitScale(const char *unit)
{
    static const char prefixes[] = "kmgtpe";
    const char *p;
    unsigned long long scale = 1;

    if (!unit)
        return 1024;
    if (g_ascii_strcasecmp(unit, "b") == 0 || g_ascii_strcasecmp(unit, "bytes") == 0)
        return 1;
    if (!unit[0] || !(p = strchr(prefixes, g_ascii_tolower(unit[0]))))
        return 0;
    for (const char *q = prefixes; q <= p; q++) {
        if (unit[1] == '\0' || g_ascii_strcasecmp(unit + 1, "iB") == 0)
            scale *= 1024;
        else if (g_ascii_strcasecmp(unit + 1, "B") == 0)
            scale *= 1000;
        else
            return 0;
    }
    return scale;
}

/* <memory unit='...'>N</memory> and <currentMemory>, in KiB rounded up. */
static gboolean
virDomainParseMemorySize(xmlNode *node, unsigned long long *kib, GError **error)
{
    const char *name = (const char *)node->name;
    g_autofree char *unit = NULL;
    g_autofree char *text = NULL;
    unsigned long long scale;
    guint64 value;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("unit"), error) ||
        !virXMLPropStringGet(node, "unit", VIR_XML_PROP_OPTIONAL, &unit, error) ||
        !(text = virXMLNodeTextStripped(node, error)))
        return FALSE;
    if (!(scale = virDomainMemoryUnitScale(unit))) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid unit '%s' on <%s>"), unit, name);
        return FALSE;
    }
    if (!g_ascii_isdigit(text[0]) ||
        !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &value, NULL)) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid memory size '%s' in <%s>"), text, name);
        return FALSE;
    }
    if (value == 0) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("memory size in <%s> must not be zero"), name);
        return FALSE;
    }
    if (value > G_MAXUINT64 / scale) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("memory size '%s' in <%s> is too large"), text,
                    name);
        return FALSE;
    }
    value *= scale;
    *kib = value / 1024 + (value % 1024 != 0);
    return TRUE;
}

static gboolean
virDomainParseMemory(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;

    ctxt->have_memory = TRUE;
    return virDomainParseMemorySize(node, &ctxt->def->memory_kib, error);
}

static gboolean
virDomainParseCurrentMemory(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;

    ctxt->have_current_memory = TRUE;
    return virDomainParseMemorySize(node, &ctxt->def->current_memory_kib, error);
}

static gboolean
virDomainParseVcpu(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;
    g_autofree char *text = NULL;
    int placement = VIR_DOMAIN_VCPU_PLACEMENT_STATIC;
    guint64 n;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("placement"), error) ||
        !virXMLPropEnum(node, "placement", virDomainVcpuPlacementTypeFromString,
                        VIR_XML_PROP_OPTIONAL, &placement, error) ||
        !(text = virXMLNodeTextStripped(node, error)))
        return FALSE;
    if (!g_ascii_isdigit(text[0]) ||
        !g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT, &n, NULL)) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid vCPU count '%s' in <vcpu>"), text);
        return FALSE;
    }
    ctxt->def->vcpus = (unsigned int)n;
    return TRUE;
}

/* ---- <os> ---- */

static gboolean
virDomainParseOSType(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    g_autofree char *text = NULL;
    int type;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("arch", "machine"), error) ||
        !virXMLPropStringGet(node, "arch", VIR_XML_PROP_OPTIONAL, &def->os.arch, error) ||
        (def->os.arch && !virDomainTokenCheck(def->os.arch, "_", "arch", "type", error)) ||
        !virXMLPropStringGet(node, "machine", VIR_XML_PROP_OPTIONAL, &def->os.machine, error) ||
        (def->os.machine &&
         !virDomainTokenCheck(def->os.machine, "._-", "machine", "type", error)) ||
        !(text = virXMLNodeTextStripped(node, error)))
        return FALSE;
    if ((type = virDomainOSTypeFromString(text)) < 0) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED, _("unsupported OS type '%s'"), text);
        return FALSE;
    }
    def->os.type = g_strdup(virDomainOSTypeToString(type));
    return TRUE;
}

static gboolean
virDomainParseOSKernel(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;

    return (def->os.kernel = virDomainParsePath(node, error)) != NULL;
}

static gboolean
virDomainParseOSInitrd(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;

    return (def->os.initrd = virDomainParsePath(node, error)) != NULL;
}

static gboolean
virDomainParseOSCmdline(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;

    return (def->os.cmdline = virDomainParseText(node, error)) != NULL;
}

static gboolean
virDomainParseOSBoot(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    int dev;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("dev"), error) ||
        !virXMLPropEnum(node, "dev", virDomainBootDevTypeFromString, VIR_XML_PROP_REQUIRED, &dev,
                        error) ||
        !virXMLCheckEmpty(node, error))
        return FALSE;
    for (unsigned int i = 0; i < def->os.nboot; i++) {
        if (def->os.boot[i] == (virDomainBootDev)dev) {
            virErrorSet(error, VIR_ERR_XML_ERROR, _("boot device '%s' is given more than once"),
                        virDomainBootDevTypeToString(dev));
            return FALSE;
        }
    }
    def->os.boot[def->os.nboot++] = dev;
    return TRUE;
}

static gboolean
virDomainParseOSInit(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;

    return (def->os.init = virDomainParsePath(node, error)) != NULL;
}

static gboolean
virDomainParseOSInitarg(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    char *arg = virDomainParseText(node, error);

    if (!arg)
        return FALSE;
    g_ptr_array_add(def->os.initargs, arg);
    return TRUE;
}

/* Environment variable names as a shell takes them. */
static gboolean
virDomainEnvNameCheck(const char *name, GError **error)
{
    gboolean ok = !g_ascii_isdigit(name[0]);

    for (const char *p = name; ok && *p; p++)
        ok = g_ascii_isalnum(*p) || *p == '_';
    if (!ok) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid environment variable name '%s' in <%s>"),
                    name, "initenv");
        return FALSE;
    }
    return TRUE;
}

static gboolean
virDomainParseOSInitenv(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    g_autoptr(virDomainOSEnv) env = g_new0(virDomainOSEnv, 1);

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("name"), error) ||
        !virXMLPropStringGet(node, "name", VIR_XML_PROP_REQUIRED, &env->name, error) ||
        !virDomainEnvNameCheck(env->name, error) || !(env->value = virXMLNodeText(node, error)))
        return FALSE;
    g_ptr_array_add(def->os.initenv, g_steal_pointer(&env));
    return TRUE;
}

static gboolean
virDomainParseOSInitdir(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;

    return (def->os.initdir = virDomainParsePath(node, error)) != NULL;
}

static const virXMLChildHandler virDomainOSHandlers[] = {
    {"type", virDomainParseOSType, FALSE},
    {"kernel", virDomainParseOSKernel, FALSE},
    {"initrd", virDomainParseOSInitrd, FALSE},
    {"cmdline", virDomainParseOSCmdline, FALSE},
    {"boot", virDomainParseOSBoot, TRUE},
    {"init", virDomainParseOSInit, FALSE},
    {"initarg", virDomainParseOSInitarg, TRUE},
    {"initenv", virDomainParseOSInitenv, TRUE},
    {"initdir", virDomainParseOSInitdir, FALSE},
    {NULL},
};

static gboolean
virDomainParseOS(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;

    ctxt->have_os = TRUE;
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error))
        return FALSE;
    return virXMLParseChildren(node, virDomainOSHandlers, opaque, error);
}

/* ---- <features>, lifecycle ---- */

static gboolean
virDomainParseFeature(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    int feature = virDomainFeatureTypeFromString((const char *)node->name);

    g_assert(feature >= 0);
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error) || !virXMLCheckEmpty(node, error))
        return FALSE;
    def->features[feature] = TRUE;
    return TRUE;
}

static const virXMLChildHandler virDomainFeatureHandlers[] = {
    {"acpi", virDomainParseFeature, FALSE},
    {"apic", virDomainParseFeature, FALSE},
    {"pae", virDomainParseFeature, FALSE},
    {NULL},
};

static gboolean
virDomainParseFeatures(xmlNode *node, gpointer opaque, GError **error)
{
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error))
        return FALSE;
    return virXMLParseChildren(node, virDomainFeatureHandlers, opaque, error);
}

/* <on_poweroff>, <on_reboot> and <on_crash>. */
static gboolean
virDomainParseLifecycle(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    const char *name = (const char *)node->name;
    g_autofree char *text = NULL;
    int action;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error) ||
        !(text = virXMLNodeTextStripped(node, error)))
        return FALSE;
    if ((action = virDomainLifecycleActionTypeFromString(text)) < 0) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid action '%s' in <%s>"), text, name);
        return FALSE;
    }
    if (g_str_equal(name, "on_crash")) {
        def->on_crash = action;
        return TRUE;
    }
    if (action == VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_DESTROY ||
        action == VIR_DOMAIN_LIFECYCLE_ACTION_COREDUMP_RESTART) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("action '%s' is only allowed in <on_crash>"),
                    text);
        return FALSE;
    }
    if (g_str_equal(name, "on_poweroff"))
        def->on_poweroff = action;
    else
        def->on_reboot = action;
    return TRUE;
}

/* ====================================================================== */
/* <devices>                                                              */
/* ====================================================================== */

static gboolean
virDomainParseEmulator(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;

    return (def->emulator = virDomainParsePath(node, error)) != NULL;
}

/* <readonly/>, for disks and filesystems */
static gboolean
virDomainParseReadonly(xmlNode *node, gboolean *readonly, GError **error)
{
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error) || !virXMLCheckEmpty(node, error))
        return FALSE;
    *readonly = TRUE;
    return TRUE;
}

/* ---- <disk> ---- */

static gboolean
virDomainParseDiskDriver(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDiskDef *disk = opaque;
    int format = VIR_DOMAIN_DISK_FORMAT_DEFAULT;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("name", "type"), error) ||
        !virXMLPropStringGet(node, "name", VIR_XML_PROP_OPTIONAL, &disk->driver_name, error))
        return FALSE;
    if (disk->driver_name && !g_str_equal(disk->driver_name, "qemu")) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported value '%s' for attribute '%s' on <%s>"), disk->driver_name,
                    "name", "driver");
        return FALSE;
    }
    if (!virXMLPropEnum(node, "type", virDomainDiskFormatTypeFromString, VIR_XML_PROP_OPTIONAL,
                        &format, error))
        return FALSE;
    disk->format = format;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virDomainParseDiskSource(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDiskDef *disk = opaque;
    const char *attr = disk->type == VIR_DOMAIN_DISK_TYPE_BLOCK ? "dev" : "file";

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(attr), error) ||
        !virXMLPropStringGet(node, attr, VIR_XML_PROP_OPTIONAL, &disk->src, error) ||
        (disk->src && !virDomainPathCheck(disk->src, "source", error)))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virDomainParseDiskTarget(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDiskDef *disk = opaque;
    int bus = VIR_DOMAIN_DISK_BUS_DEFAULT;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("dev", "bus"), error) ||
        !virXMLPropStringGet(node, "dev", VIR_XML_PROP_REQUIRED, &disk->dst, error) ||
        !virDomainTokenCheck(disk->dst, "_-", "dev", "target", error) ||
        !virXMLPropEnum(node, "bus", virDomainDiskBusTypeFromString, VIR_XML_PROP_OPTIONAL, &bus,
                        error))
        return FALSE;
    disk->bus = bus;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virDomainParseDiskReadonly(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDiskDef *disk = opaque;

    return virDomainParseReadonly(node, &disk->readonly, error);
}

static const virXMLChildHandler virDomainDiskHandlers[] = {
    {"driver", virDomainParseDiskDriver, FALSE},
    {"source", virDomainParseDiskSource, FALSE},
    {"target", virDomainParseDiskTarget, FALSE},
    {"readonly", virDomainParseDiskReadonly, FALSE},
    {NULL},
};

static gboolean
virDomainParseDisk(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    g_autoptr(virDomainDiskDef) disk = g_new0(virDomainDiskDef, 1);
    int type = VIR_DOMAIN_DISK_TYPE_FILE;
    int device = VIR_DOMAIN_DISK_DEVICE_DISK;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("type", "device"), error) ||
        !virXMLPropEnum(node, "type", virDomainDiskTypeFromString, VIR_XML_PROP_OPTIONAL, &type,
                        error) ||
        !virXMLPropEnum(node, "device", virDomainDiskDeviceTypeFromString, VIR_XML_PROP_OPTIONAL,
                        &device, error))
        return FALSE;
    disk->type = type;
    disk->device = device;
    if (!virXMLParseChildren(node, virDomainDiskHandlers, disk, error))
        return FALSE;
    if (!disk->dst)
        return virDomainMissingElement("disk", "target", error);
    if (!disk->src && disk->device != VIR_DOMAIN_DISK_DEVICE_CDROM) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("disk '%s' has no source"), disk->dst);
        return FALSE;
    }
    /* libvirt: a CD-ROM is always read-only */
    if (disk->device == VIR_DOMAIN_DISK_DEVICE_CDROM)
        disk->readonly = TRUE;
    g_ptr_array_add(def->disks, g_steal_pointer(&disk));
    return TRUE;
}

/* ---- <filesystem> ---- */

static gboolean
virDomainParseFSDir(xmlNode *node, char **dir, GError **error)
{
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("dir"), error) ||
        !virXMLPropStringGet(node, "dir", VIR_XML_PROP_REQUIRED, dir, error) ||
        !virDomainPathCheck(*dir, (const char *)node->name, error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virDomainParseFSSource(xmlNode *node, gpointer opaque, GError **error)
{
    return virDomainParseFSDir(node, &((virDomainFSDef *)opaque)->src, error);
}

static gboolean
virDomainParseFSTarget(xmlNode *node, gpointer opaque, GError **error)
{
    return virDomainParseFSDir(node, &((virDomainFSDef *)opaque)->dst, error);
}

static gboolean
virDomainParseFSReadonly(xmlNode *node, gpointer opaque, GError **error)
{
    return virDomainParseReadonly(node, &((virDomainFSDef *)opaque)->readonly, error);
}

static const virXMLChildHandler virDomainFSHandlers[] = {
    {"source", virDomainParseFSSource, FALSE},
    {"target", virDomainParseFSTarget, FALSE},
    {"readonly", virDomainParseFSReadonly, FALSE},
    {NULL},
};

static gboolean
virDomainParseFilesystem(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    g_autoptr(virDomainFSDef) fs = g_new0(virDomainFSDef, 1);
    int type = VIR_DOMAIN_FS_TYPE_MOUNT;
    int mode = VIR_DOMAIN_FS_ACCESSMODE_PASSTHROUGH;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("type", "accessmode"), error) ||
        !virXMLPropEnum(node, "type", virDomainFSTypeFromString, VIR_XML_PROP_OPTIONAL, &type,
                        error) ||
        !virXMLPropEnum(node, "accessmode", virDomainFSAccessModeTypeFromString,
                        VIR_XML_PROP_OPTIONAL, &mode, error) ||
        !virXMLParseChildren(node, virDomainFSHandlers, fs, error))
        return FALSE;
    fs->type = type;
    fs->accessmode = mode;
    if (!fs->src)
        return virDomainMissingElement("filesystem", "source", error);
    if (!fs->dst)
        return virDomainMissingElement("filesystem", "target", error);
    g_ptr_array_add(def->filesystems, g_steal_pointer(&fs));
    return TRUE;
}

/* ---- <interface> ---- */

typedef struct {
    virDomainNetDef *net;
    unsigned int flags;
} virDomainNetParseCtxt;

static gboolean
virDomainParseNetMac(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainNetDef *net = ((virDomainNetParseCtxt *)opaque)->net;
    g_autofree char *mac = NULL;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("address"), error) ||
        !virXMLPropStringGet(node, "address", VIR_XML_PROP_REQUIRED, &mac, error) ||
        !virMacAddrCheck(mac, "mac", &net->mac, error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

/* portid and bridge are what libvirt records in a running domain's XML. */
static gboolean
virDomainParseNetSourceLive(xmlNode *node, virDomainNetDef *net, GError **error)
{
    unsigned char uuid[VIR_UUID_BUFLEN];

    if (!virXMLPropStringGet(node, "portid", VIR_XML_PROP_OPTIONAL, &net->portid, error) ||
        !virXMLPropStringGet(node, "bridge", VIR_XML_PROP_OPTIONAL, &net->bridge, error))
        return FALSE;
    if (net->portid && !virUUIDParse(net->portid, uuid)) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid UUID '%s' in <source portid>"),
                    net->portid);
        return FALSE;
    }
    return !net->bridge || virDomainIfnameCheck(net->bridge, "source", error);
}

static gboolean
virDomainParseNetSource(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainNetParseCtxt *nctxt = opaque;
    virDomainNetDef *net = nctxt->net;

    if (net->type == VIR_DOMAIN_NET_TYPE_BRIDGE) {
        if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("bridge"), error) ||
            !virXMLPropStringGet(node, "bridge", VIR_XML_PROP_REQUIRED, &net->source, error) ||
            !virDomainIfnameCheck(net->source, "source", error))
            return FALSE;
        return virXMLCheckEmpty(node, error);
    }
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("network", "portid", "bridge"), error) ||
        !virXMLPropStringGet(node, "network", VIR_XML_PROP_REQUIRED, &net->source, error) ||
        !virObjectNameCheck("network", net->source, VIR_ERR_XML_ERROR, error))
        return FALSE;
    if ((nctxt->flags & VIR_DOMAIN_DEF_PARSE_STATUS) &&
        !virDomainParseNetSourceLive(node, net, error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

static gboolean
virDomainParseNetTarget(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainNetParseCtxt *nctxt = opaque;
    virDomainNetDef *net = nctxt->net;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("dev"), error) ||
        !virXMLPropStringGet(node, "dev", VIR_XML_PROP_REQUIRED, &net->ifname, error) ||
        !virDomainIfnameCheck(net->ifname, "target", error))
        return FALSE;
    if (!(nctxt->flags & VIR_DOMAIN_DEF_PARSE_STATUS) &&
        g_str_has_prefix(net->ifname, VIR_DOMAIN_NET_AUTO_PREFIX))
        g_clear_pointer(&net->ifname, g_free);
    return virXMLCheckEmpty(node, error);
}

static gboolean
virDomainParseNetModel(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainNetDef *net = ((virDomainNetParseCtxt *)opaque)->net;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("type"), error) ||
        !virXMLPropStringGet(node, "type", VIR_XML_PROP_REQUIRED, &net->model, error) ||
        !virDomainTokenCheck(net->model, "_-", "type", "model", error))
        return FALSE;
    return virXMLCheckEmpty(node, error);
}

/* <alias name=.../>: what libvirt records of a running domain's device */
static gboolean
virDomainParseNetAlias(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainNetParseCtxt *nctxt = opaque;
    g_autofree char *alias = NULL;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("name"), error) ||
        !virXMLPropStringGet(node, "name", VIR_XML_PROP_REQUIRED, &alias, error) ||
        !virDomainTokenCheck(alias, "_-", "name", "alias", error))
        return FALSE;
    if (nctxt->flags & VIR_DOMAIN_DEF_PARSE_STATUS)
        nctxt->net->alias = g_steal_pointer(&alias);
    return virXMLCheckEmpty(node, error);
}

static const virXMLChildHandler virDomainNetHandlers[] = {
    {"mac", virDomainParseNetMac, FALSE},
    {"alias", virDomainParseNetAlias, FALSE},
    {"source", virDomainParseNetSource, FALSE},
    {"target", virDomainParseNetTarget, FALSE},
    {"model", virDomainParseNetModel, FALSE},
    {NULL},
};

static gboolean
virDomainParseInterface(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;
    g_autoptr(virDomainNetDef) net = g_new0(virDomainNetDef, 1);
    virDomainNetParseCtxt nctxt = {.net = net, .flags = ctxt->flags};
    int type;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("type"), error) ||
        !virXMLPropEnum(node, "type", virDomainNetTypeFromString, VIR_XML_PROP_REQUIRED, &type,
                        error))
        return FALSE;
    net->type = type;
    if (!virXMLParseChildren(node, virDomainNetHandlers, &nctxt, error))
        return FALSE;
    if (!net->source)
        return virDomainMissingElement("interface", "source", error);
    if (!net->mac)
        net->mac = virMacAddrGenerate();
    g_ptr_array_add(ctxt->def->interfaces, g_steal_pointer(&net));
    return TRUE;
}

/**
 * virDomainNetDefParseString:
 *
 * Parses one <interface> element (what attach-device is given), with the
 * rules of a definition's.
 *
 * Returns: (transfer full): the interface, or NULL with @error.
 */
virDomainNetDef *
virDomainNetDefParseString(const char *xml, GError **error)
{
    g_autoptr(xmlDoc) doc = virXMLParseString(xml, "(device_definition)", error);
    g_autoptr(virDomainDef) def = NULL;
    virDomainParseCtxt ctxt = {0};
    xmlNode *root;

    if (!doc || !(root = virXMLGetRoot(doc, "interface", error)))
        return NULL;
    def = virDomainDefNew();
    ctxt.def = def;
    if (!virDomainParseInterface(root, &ctxt, error))
        return NULL;
    return g_ptr_array_steal_index(def->interfaces, 0);
}

/* ---- <serial>, <console> ---- */

typedef struct {
    virDomainChrDef *chr;
    gboolean console;
    unsigned int flags;
} virDomainChrParseCtxt;

static gboolean
virDomainParseChrSource(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainChrParseCtxt *cctxt = opaque;
    virDomainChrDef *chr = cctxt->chr;
    g_autofree char *path = NULL;

    if (chr->type == VIR_DOMAIN_CHR_TYPE_NULL) {
        if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error))
            return FALSE;
        return virXMLCheckEmpty(node, error);
    }
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("path"), error) ||
        !virXMLPropStringGet(node, "path", VIR_XML_PROP_OPTIONAL, &path, error) ||
        (path && !virDomainPathCheck(path, "source", error)) || !virXMLCheckEmpty(node, error))
        return FALSE;
    /* a pty's path is the one allocated at start: live only */
    if (chr->type == VIR_DOMAIN_CHR_TYPE_FILE || (cctxt->flags & VIR_DOMAIN_DEF_PARSE_STATUS))
        chr->path = g_steal_pointer(&path);
    return TRUE;
}

static gboolean
virDomainParseChrTargetModel(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainChrDef *chr = ((virDomainChrParseCtxt *)opaque)->chr;
    int model;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("name"), error) ||
        !virXMLPropEnum(node, "name", virDomainChrSerialTargetTypeFromString,
                        VIR_XML_PROP_REQUIRED, &model, error))
        return FALSE;
    chr->target_model = model;
    return virXMLCheckEmpty(node, error);
}

static const virXMLChildHandler virDomainSerialTargetHandlers[] = {
    {"model", virDomainParseChrTargetModel, FALSE},
    {NULL},
};

static gboolean
virDomainParseChrTarget(xmlNode *node, gpointer opaque, GError **error)
{
    static const virXMLChildHandler none[] = {{NULL}};
    virDomainChrParseCtxt *cctxt = opaque;
    virDomainChrDef *chr = cctxt->chr;
    unsigned int port = 0;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("type", "port"), error) ||
        !virXMLPropEnum(node, "type",
                        cctxt->console ? virDomainChrConsoleTargetTypeFromString
                                       : virDomainChrSerialTargetTypeFromString,
                        VIR_XML_PROP_OPTIONAL, &chr->target_type, error) ||
        !virXMLPropUInt(node, "port", 0, G_MAXINT16, VIR_XML_PROP_OPTIONAL, &port, error))
        return FALSE;
    if (xmlHasProp(node, (const xmlChar *)"port"))
        chr->target_port = (int)port;
    return virXMLParseChildren(node, cctxt->console ? none : virDomainSerialTargetHandlers,
                               cctxt, error);
}

static const virXMLChildHandler virDomainChrHandlers[] = {
    {"source", virDomainParseChrSource, FALSE},
    {"target", virDomainParseChrTarget, FALSE},
    {NULL},
};

static virDomainChrDef *
virDomainParseChr(xmlNode *node, gboolean console, unsigned int flags, GError **error)
{
    g_autoptr(virDomainChrDef) chr = g_new0(virDomainChrDef, 1);
    virDomainChrParseCtxt cctxt = {.chr = chr, .console = console, .flags = flags};
    int type;

    chr->target_port = -1;
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("type"), error) ||
        !virXMLPropEnum(node, "type", virDomainChrTypeFromString, VIR_XML_PROP_REQUIRED, &type,
                        error))
        return NULL;
    chr->type = type;
    if (!virXMLParseChildren(node, virDomainChrHandlers, &cctxt, error))
        return NULL;
    if (chr->type == VIR_DOMAIN_CHR_TYPE_FILE && !chr->path) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("<%s type='file'> needs a <source path=...>"),
                    (const char *)node->name);
        return NULL;
    }
    return g_steal_pointer(&chr);
}

static gboolean
virDomainParseSerial(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;
    virDomainChrDef *chr = virDomainParseChr(node, FALSE, ctxt->flags, error);

    if (!chr)
        return FALSE;
    g_ptr_array_add(ctxt->def->serials, chr);
    return TRUE;
}

static gboolean
virDomainParseConsole(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainParseCtxt *ctxt = opaque;
    virDomainChrDef *chr = virDomainParseChr(node, TRUE, ctxt->flags, error);

    if (!chr)
        return FALSE;
    g_ptr_array_add(ctxt->def->consoles, chr);
    return TRUE;
}

/* ---- <watchdog>, <memballoon>, <panic> ---- */

static gboolean
virDomainParseWatchdog(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    int model;
    int action = VIR_DOMAIN_WATCHDOG_ACTION_RESET;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("model", "action"), error) ||
        !virXMLPropEnum(node, "model", virDomainWatchdogModelTypeFromString,
                        VIR_XML_PROP_REQUIRED, &model, error) ||
        !virXMLPropEnum(node, "action", virDomainWatchdogActionTypeFromString,
                        VIR_XML_PROP_OPTIONAL, &action, error) ||
        !virXMLCheckEmpty(node, error))
        return FALSE;
    def->watchdog = g_new0(virDomainWatchdogDef, 1);
    def->watchdog->model = model;
    def->watchdog->action = action;
    return TRUE;
}

static gboolean
virDomainParseMemballoon(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    int model;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("model"), error) ||
        !virXMLPropEnum(node, "model", virDomainMemballoonModelTypeFromString,
                        VIR_XML_PROP_REQUIRED, &model, error) ||
        !virXMLCheckEmpty(node, error))
        return FALSE;
    def->memballoon = model;
    return TRUE;
}

static gboolean
virDomainParsePanic(xmlNode *node, gpointer opaque, GError **error)
{
    virDomainDef *def = ((virDomainParseCtxt *)opaque)->def;
    int model = VIR_DOMAIN_PANIC_MODEL_DEFAULT;
    virDomainPanicDef *panic;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS("model"), error) ||
        !virXMLPropEnum(node, "model", virDomainPanicModelTypeFromString, VIR_XML_PROP_OPTIONAL,
                        &model, error) ||
        !virXMLCheckEmpty(node, error))
        return FALSE;
    panic = g_new0(virDomainPanicDef, 1);
    panic->model = model;
    g_ptr_array_add(def->panics, panic);
    return TRUE;
}

static const virXMLChildHandler virDomainDeviceHandlers[] = {
    {"emulator", virDomainParseEmulator, FALSE},
    {"disk", virDomainParseDisk, TRUE},
    {"filesystem", virDomainParseFilesystem, TRUE},
    {"interface", virDomainParseInterface, TRUE},
    {"serial", virDomainParseSerial, TRUE},
    {"console", virDomainParseConsole, TRUE},
    {"watchdog", virDomainParseWatchdog, FALSE},
    {"memballoon", virDomainParseMemballoon, FALSE},
    {"panic", virDomainParsePanic, TRUE},
    {NULL},
};

static gboolean
virDomainParseDevices(xmlNode *node, gpointer opaque, GError **error)
{
    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error))
        return FALSE;
    return virXMLParseChildren(node, virDomainDeviceHandlers, opaque, error);
}

static const virXMLChildHandler virDomainHandlers[] = {
    {"name", virDomainParseName, FALSE},
    {"uuid", virDomainParseUUID, FALSE},
    {"title", virDomainParseTitle, FALSE},
    {"description", virDomainParseDescription, FALSE},
    {"metadata", virDomainParseMetadata, FALSE},
    {"memory", virDomainParseMemory, FALSE},
    {"currentMemory", virDomainParseCurrentMemory, FALSE},
    {"vcpu", virDomainParseVcpu, FALSE},
    {"os", virDomainParseOS, FALSE},
    {"features", virDomainParseFeatures, FALSE},
    {"on_poweroff", virDomainParseLifecycle, FALSE},
    {"on_reboot", virDomainParseLifecycle, FALSE},
    {"on_crash", virDomainParseLifecycle, FALSE},
    {"devices", virDomainParseDevices, FALSE},
    {NULL},
};

/* ====================================================================== */
/* rules across elements                                                  */
/* ====================================================================== */

static gboolean
virDomainDefValidateMemory(virDomainParseCtxt *ctxt, GError **error)
{
    virDomainDef *def = ctxt->def;

    if (!ctxt->have_memory)
        return virDomainMissingElement("domain", "memory", error);
    if (!ctxt->have_current_memory)
        def->current_memory_kib = def->memory_kib;
    if (def->current_memory_kib > def->memory_kib) {
        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("current memory (%llu KiB) is larger than the maximum memory (%llu KiB)"),
                    def->current_memory_kib, def->memory_kib);
        return FALSE;
    }
    return TRUE;
}

static gboolean
virDomainUnsupportedForOS(const char *element, const char *ostype, GError **error)
{
    virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                _("unsupported element <os>/<%s> for OS type '%s'"), element, ostype);
    return FALSE;
}

/* hvm boots a kernel or a boot device; exe runs an init. */
static gboolean
virDomainDefValidateOS(virDomainParseCtxt *ctxt, GError **error)
{
    virDomainDef *def = ctxt->def;
    gboolean lxc = def->virt_type == VIR_DOMAIN_VIRT_LXC;

    if (!ctxt->have_os)
        return virDomainMissingElement("domain", "os", error);
    if (!def->os.type)
        return virDomainMissingElement("os", "type", error);
    if (g_str_equal(def->os.type, lxc ? "hvm" : "exe")) {
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported OS type '%s' for domain type '%s'"), def->os.type,
                    virDomainVirtTypeToString(def->virt_type));
        return FALSE;
    }
    if (lxc) {
        if (def->os.kernel)
            return virDomainUnsupportedForOS("kernel", def->os.type, error);
        if (def->os.initrd)
            return virDomainUnsupportedForOS("initrd", def->os.type, error);
        if (def->os.cmdline)
            return virDomainUnsupportedForOS("cmdline", def->os.type, error);
        if (def->os.nboot)
            return virDomainUnsupportedForOS("boot", def->os.type, error);
        return TRUE;
    }
    if (def->os.init)
        return virDomainUnsupportedForOS("init", def->os.type, error);
    if (def->os.initargs->len)
        return virDomainUnsupportedForOS("initarg", def->os.type, error);
    if (def->os.initenv->len)
        return virDomainUnsupportedForOS("initenv", def->os.type, error);
    if (def->os.initdir)
        return virDomainUnsupportedForOS("initdir", def->os.type, error);
    return TRUE;
}

/* Containers have no emulated hardware. */
static gboolean
virDomainDefValidateContainer(const virDomainDef *def, GError **error)
{
    const char *device = NULL;

    if (def->virt_type != VIR_DOMAIN_VIRT_LXC)
        return TRUE;
    if (def->disks->len)
        device = "disk";
    else if (def->serials->len)
        device = "serial";
    else if (def->watchdog)
        device = "watchdog";
    else if (def->panics->len)
        device = "panic";
    else if (def->memballoon == VIR_DOMAIN_MEMBALLOON_VIRTIO)
        device = "memballoon";
    if (!device)
        return TRUE;
    virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                _("unsupported element <devices>/<%s> for domain type '%s'"), device,
                virDomainVirtTypeToString(def->virt_type));
    return FALSE;
}

static gboolean
virDomainDefValidateUnique(const virDomainDef *def, GError **error)
{
    for (guint i = 0; i < def->disks->len; i++) {
        const virDomainDiskDef *a = g_ptr_array_index(def->disks, i);

        for (guint j = 0; j < i; j++) {
            const virDomainDiskDef *b = g_ptr_array_index(def->disks, j);

            if (g_str_equal(a->dst, b->dst)) {
                virErrorSet(error, VIR_ERR_XML_ERROR,
                            _("disk target '%s' is used more than once"), a->dst);
                return FALSE;
            }
        }
    }
    for (guint i = 0; i < def->filesystems->len; i++) {
        const virDomainFSDef *a = g_ptr_array_index(def->filesystems, i);

        for (guint j = 0; j < i; j++) {
            const virDomainFSDef *b = g_ptr_array_index(def->filesystems, j);

            if (g_str_equal(a->dst, b->dst)) {
                virErrorSet(error, VIR_ERR_XML_ERROR,
                            _("filesystem target '%s' is used more than once"), a->dst);
                return FALSE;
            }
        }
    }
    return TRUE;
}

static gboolean
virDomainDefValidateSerialPorts(const virDomainDef *def, GError **error)
{
    for (guint i = 0; i < def->serials->len; i++) {
        const virDomainChrDef *a = g_ptr_array_index(def->serials, i);

        for (guint j = 0; j < i && a->target_port >= 0; j++) {
            const virDomainChrDef *b = g_ptr_array_index(def->serials, j);

            if (a->target_port == b->target_port) {
                virErrorSet(error, VIR_ERR_XML_ERROR,
                            _("serial port %d is used more than once"), a->target_port);
                return FALSE;
            }
        }
    }
    return TRUE;
}

static gboolean
virDomainDefValidate(virDomainParseCtxt *ctxt, GError **error)
{
    virDomainDef *def = ctxt->def;

    if (!def->name)
        return virDomainMissingElement("domain", "name", error);
    if (!ctxt->have_uuid)
        virUUIDGenerate(def->uuid);
    return virDomainDefValidateMemory(ctxt, error) && virDomainDefValidateOS(ctxt, error) &&
           virDomainDefValidateContainer(def, error) && virDomainDefValidateUnique(def, error) &&
           virDomainDefValidateSerialPorts(def, error);
}

/* ====================================================================== */
/* entry points                                                           */
/* ====================================================================== */

static virDomainDef *
virDomainDefParseNode(xmlNode *root, unsigned int flags, GError **error)
{
    g_autoptr(virDomainDef) def = virDomainDefNew();
    virDomainParseCtxt ctxt = {.def = def, .flags = flags};
    int type;

    /* id= is live information: a running domain's XML carries it. */
    if (!virXMLCheckAttrs(root, VIR_XML_ATTRS("type", "id"), error) ||
        !virXMLPropEnum(root, "type", virDomainVirtTypeFromString, VIR_XML_PROP_REQUIRED, &type,
                        error))
        return NULL;
    def->virt_type = type;
    if (!virXMLParseChildren(root, virDomainHandlers, &ctxt, error) ||
        !virDomainDefValidate(&ctxt, error))
        return NULL;
    return g_steal_pointer(&def);
}

static virDomainDef *
virDomainDefParseDoc(xmlDoc *doc, unsigned int flags, GError **error)
{
    xmlNode *root;

    if (!doc || !(root = virXMLGetRoot(doc, "domain", error)))
        return NULL;
    return virDomainDefParseNode(root, flags, error);
}

/**
 * virDomainDefParseString:
 * @xml: a <domain> document
 * @flags: virDomainDefParseFlags
 *
 * Returns: (transfer full): the definition, with a generated UUID (and
 * interface MACs) when the document has none, or NULL with @error set
 * (VIR_ERROR domain): VIR_ERR_XML_ERROR for malformed XML and bad values,
 * VIR_ERR_CONFIG_UNSUPPORTED for what virtd does not implement.
 */
virDomainDef *
virDomainDefParseString(const char *xml, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = virXMLParseString(xml, "(domain_definition)", error);

    return virDomainDefParseDoc(doc, flags, error);
}

/**
 * virDomainDefParseFile:
 *
 * virDomainDefParseString() of the contents of @path.
 */
virDomainDef *
virDomainDefParseFile(const char *path, unsigned int flags, GError **error)
{
    g_autoptr(xmlDoc) doc = virXMLParseFile(path, error);

    return virDomainDefParseDoc(doc, flags, error);
}

/* ====================================================================== */
/* formatting                                                             */
/* ====================================================================== */

static void
virDomainMetadataFormat(virXMLWriter *w, const virDomainDef *def)
{
    xmlNode *root = def->metadata ? xmlDocGetRootElement(def->metadata) : NULL;

    if (!root || !root->children)
        return;
    virXMLWriterStart(w, "metadata", NULL);
    for (xmlNode *cur = root->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE)
            virXMLWriterNode(w, cur);
    }
    virXMLWriterEnd(w, "metadata");
}

static void
virDomainMemoryFormat(virXMLWriter *w, const virDomainDef *def)
{
    g_autofree char *memory = g_strdup_printf("%llu", def->memory_kib);
    g_autofree char *current = g_strdup_printf("%llu", def->current_memory_kib);
    g_autofree char *vcpus = g_strdup_printf("%u", def->vcpus);

    virXMLWriterText(w, "memory", memory, "unit", "KiB", NULL);
    virXMLWriterText(w, "currentMemory", current, "unit", "KiB", NULL);
    virXMLWriterText(w, "vcpu", vcpus, "placement", "static", NULL);
}

static void
virDomainOSFormat(virXMLWriter *w, const virDomainDef *def)
{
    virXMLWriterStart(w, "os", NULL);
    virXMLWriterText(w, "type", def->os.type, "arch", def->os.arch, "machine", def->os.machine,
                     NULL);
    virXMLWriterText(w, "init", def->os.init, NULL);
    for (guint i = 0; i < def->os.initargs->len; i++)
        virXMLWriterText(w, "initarg", g_ptr_array_index(def->os.initargs, i), NULL);
    for (guint i = 0; i < def->os.initenv->len; i++) {
        const virDomainOSEnv *env = g_ptr_array_index(def->os.initenv, i);

        virXMLWriterText(w, "initenv", env->value, "name", env->name, NULL);
    }
    virXMLWriterText(w, "initdir", def->os.initdir, NULL);
    virXMLWriterText(w, "kernel", def->os.kernel, NULL);
    virXMLWriterText(w, "initrd", def->os.initrd, NULL);
    virXMLWriterText(w, "cmdline", def->os.cmdline, NULL);
    for (unsigned int i = 0; i < def->os.nboot; i++)
        virXMLWriterEmpty(w, "boot", "dev", virDomainBootDevTypeToString(def->os.boot[i]), NULL);
    virXMLWriterEnd(w, "os");
}

static void
virDomainFeaturesFormat(virXMLWriter *w, const virDomainDef *def)
{
    gboolean any = FALSE;

    for (int i = 0; i < VIR_DOMAIN_FEATURE_LAST; i++)
        any |= def->features[i];
    if (!any)
        return;
    virXMLWriterStart(w, "features", NULL);
    for (int i = 0; i < VIR_DOMAIN_FEATURE_LAST; i++) {
        if (def->features[i])
            virXMLWriterEmpty(w, virDomainFeatureTypeToString(i), NULL);
    }
    virXMLWriterEnd(w, "features");
}

static void
virDomainLifecycleFormat(virXMLWriter *w, const virDomainDef *def)
{
    virXMLWriterText(w, "on_poweroff", virDomainLifecycleActionTypeToString(def->on_poweroff),
                     NULL);
    virXMLWriterText(w, "on_reboot", virDomainLifecycleActionTypeToString(def->on_reboot), NULL);
    virXMLWriterText(w, "on_crash", virDomainLifecycleActionTypeToString(def->on_crash), NULL);
}

static void
virDomainDiskDefFormat(virXMLWriter *w, const virDomainDiskDef *disk)
{
    const char *format = virDomainDiskFormatTypeToString(disk->format);

    virXMLWriterStart(w, "disk", "type", virDomainDiskTypeToString(disk->type), "device",
                      virDomainDiskDeviceTypeToString(disk->device), NULL);
    if (disk->driver_name || format)
        virXMLWriterEmpty(w, "driver", "name", disk->driver_name, "type", format, NULL);
    if (disk->src)
        virXMLWriterEmpty(w, "source",
                          disk->type == VIR_DOMAIN_DISK_TYPE_BLOCK ? "dev" : "file", disk->src,
                          NULL);
    virXMLWriterEmpty(w, "target", "dev", disk->dst, "bus",
                      virDomainDiskBusTypeToString(disk->bus), NULL);
    if (disk->readonly)
        virXMLWriterEmpty(w, "readonly", NULL);
    virXMLWriterEnd(w, "disk");
}

static void
virDomainFSDefFormat(virXMLWriter *w, const virDomainFSDef *fs)
{
    virXMLWriterStart(w, "filesystem", "type", virDomainFSTypeToString(fs->type), "accessmode",
                      virDomainFSAccessModeTypeToString(fs->accessmode), NULL);
    virXMLWriterEmpty(w, "source", "dir", fs->src, NULL);
    virXMLWriterEmpty(w, "target", "dir", fs->dst, NULL);
    if (fs->readonly)
        virXMLWriterEmpty(w, "readonly", NULL);
    virXMLWriterEnd(w, "filesystem");
}

static void
virDomainNetDefFormat(virXMLWriter *w, const virDomainNetDef *net, gboolean live)
{
    gboolean bridge = net->type == VIR_DOMAIN_NET_TYPE_BRIDGE;

    virXMLWriterStart(w, "interface", "type", virDomainNetTypeToString(net->type), NULL);
    virXMLWriterEmpty(w, "mac", "address", net->mac, NULL);
    if (bridge)
        virXMLWriterEmpty(w, "source", "bridge", net->source, NULL);
    else
        virXMLWriterEmpty(w, "source", "network", net->source, "portid",
                          live ? net->portid : NULL, "bridge", live ? net->bridge : NULL, NULL);
    if (net->ifname && (live || !g_str_has_prefix(net->ifname, VIR_DOMAIN_NET_AUTO_PREFIX)))
        virXMLWriterEmpty(w, "target", "dev", net->ifname, NULL);
    if (net->model)
        virXMLWriterEmpty(w, "model", "type", net->model, NULL);
    if (live && net->alias)
        virXMLWriterEmpty(w, "alias", "name", net->alias, NULL);
    virXMLWriterEnd(w, "interface");
}

/**
 * virDomainNetDefFormatString:
 *
 * Returns: (transfer full): the live <interface> element of @net alone
 * (as in the network hooks' input), ending with a newline.
 */
char *
virDomainNetDefFormatString(const virDomainNetDef *net)
{
    virXMLWriter w;

    virXMLWriterInit(&w);
    virDomainNetDefFormat(&w, net, TRUE);
    return virXMLWriterFinish(&w);
}

static void
virDomainChrTargetFormat(virXMLWriter *w, const virDomainChrDef *chr, gboolean console)
{
    const char *type = console ? virDomainChrConsoleTargetTypeToString(chr->target_type)
                               : virDomainChrSerialTargetTypeToString(chr->target_type);
    const char *model = console ? NULL : virDomainChrSerialTargetTypeToString(chr->target_model);
    g_autofree char *port = chr->target_port >= 0 ? g_strdup_printf("%d", chr->target_port)
                                                  : NULL;

    if (!type && !port && !model)
        return;
    virXMLWriterStart(w, "target", "type", type, "port", port, NULL);
    if (model)
        virXMLWriterEmpty(w, "model", "name", model, NULL);
    virXMLWriterEnd(w, "target");
}

static void
virDomainChrDefFormat(virXMLWriter *w, const virDomainChrDef *chr, gboolean console, gboolean live)
{
    const char *name = console ? "console" : "serial";
    const char *path = chr->path;

    if (chr->type == VIR_DOMAIN_CHR_TYPE_PTY && !live)
        path = NULL;
    virXMLWriterStart(w, name, "type", virDomainChrTypeToString(chr->type), NULL);
    if (path)
        virXMLWriterEmpty(w, "source", "path", path, NULL);
    virDomainChrTargetFormat(w, chr, console);
    virXMLWriterEnd(w, name);
}

static void
virDomainDevicesFormat(virXMLWriter *w, const virDomainDef *def, gboolean live)
{
    virXMLWriterStart(w, "devices", NULL);
    virXMLWriterText(w, "emulator", def->emulator, NULL);
    for (guint i = 0; i < def->disks->len; i++)
        virDomainDiskDefFormat(w, g_ptr_array_index(def->disks, i));
    for (guint i = 0; i < def->filesystems->len; i++)
        virDomainFSDefFormat(w, g_ptr_array_index(def->filesystems, i));
    for (guint i = 0; i < def->interfaces->len; i++)
        virDomainNetDefFormat(w, g_ptr_array_index(def->interfaces, i), live);
    for (guint i = 0; i < def->serials->len; i++)
        virDomainChrDefFormat(w, g_ptr_array_index(def->serials, i), FALSE, live);
    for (guint i = 0; i < def->consoles->len; i++)
        virDomainChrDefFormat(w, g_ptr_array_index(def->consoles, i), TRUE, live);
    if (def->watchdog)
        virXMLWriterEmpty(w, "watchdog", "model",
                          virDomainWatchdogModelTypeToString(def->watchdog->model), "action",
                          virDomainWatchdogActionTypeToString(def->watchdog->action), NULL);
    if (def->memballoon != VIR_DOMAIN_MEMBALLOON_DEFAULT)
        virXMLWriterEmpty(w, "memballoon", "model",
                          virDomainMemballoonModelTypeToString(def->memballoon), NULL);
    for (guint i = 0; i < def->panics->len; i++) {
        const virDomainPanicDef *panic = g_ptr_array_index(def->panics, i);

        virXMLWriterEmpty(w, "panic", "model", virDomainPanicModelTypeToString(panic->model),
                          NULL);
    }
    virXMLWriterEnd(w, "devices");
}

/**
 * virDomainDefFormat:
 * @id: the running domain's id, or -1 for an inactive domain (no id=)
 * @flags: virDomainXMLFlags; with VIR_DOMAIN_XML_INACTIVE the document is
 *   the inactive one whatever @id is
 *
 * Live-only data (id, interface portid/bridge, pty paths) is written only
 * for a running domain.  The result parses back (with
 * VIR_DOMAIN_DEF_PARSE_STATUS when live) to an equal definition.
 *
 * Returns: (transfer full): @def as a <domain> document in libvirt's
 * layout, ending with a newline.
 */
char *
virDomainDefFormat(const virDomainDef *def, int id, unsigned int flags)
{
    gboolean live = id >= 0 && !(flags & VIR_DOMAIN_XML_INACTIVE);
    g_autofree char *idstr = live ? g_strdup_printf("%d", id) : NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    virXMLWriter w;

    virUUIDFormat(def->uuid, uuid);
    virXMLWriterInit(&w);
    virXMLWriterStart(&w, "domain", "type", virDomainVirtTypeToString(def->virt_type), "id",
                      idstr, NULL);
    virXMLWriterText(&w, "name", def->name, NULL);
    virXMLWriterText(&w, "uuid", uuid, NULL);
    virXMLWriterText(&w, "title", def->title, NULL);
    virXMLWriterText(&w, "description", def->description, NULL);
    virDomainMetadataFormat(&w, def);
    virDomainMemoryFormat(&w, def);
    virDomainOSFormat(&w, def);
    virDomainFeaturesFormat(&w, def);
    virDomainLifecycleFormat(&w, def);
    virDomainDevicesFormat(&w, def, live);
    virXMLWriterEnd(&w, "domain");
    return virXMLWriterFinish(&w);
}

/* ====================================================================== */
/* metadata (virDomainGetMetadata / virDomainSetMetadata)                 */
/* ====================================================================== */

static xmlNode *
virDomainMetadataFind(const virDomainDef *def, const char *uri)
{
    xmlNode *root = def->metadata ? xmlDocGetRootElement(def->metadata) : NULL;

    for (xmlNode *cur = root ? root->children : NULL; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE && cur->ns &&
            g_strcmp0((const char *)cur->ns->href, uri) == 0)
            return cur;
    }
    return NULL;
}

/**
 * virDomainDefGetMetadata:
 * @uri: the namespace of the element wanted
 *
 * Returns: (transfer full): the <metadata> element of @def in namespace
 * @uri, serialised, or NULL with VIR_DOMAIN_ERR_NO_METADATA when there is
 * none.
 */
char *
virDomainDefGetMetadata(const virDomainDef *def, const char *uri, GError **error)
{
    xmlNode *node = virDomainMetadataFind(def, uri);
    virXMLWriter w;

    if (!node) {
        virErrorSet(error, VIR_DOMAIN_ERR_NO_METADATA,
                    _("no metadata element in namespace '%s'"), uri);
        return NULL;
    }
    virXMLWriterInit(&w);
    virXMLWriterNode(&w, node);
    return g_strchomp(virXMLWriterFinish(&w));
}

static xmlNode *
virDomainMetadataRoot(virDomainDef *def)
{
    xmlNode *root;

    if (!def->metadata) {
        def->metadata = xmlNewDoc((const xmlChar *)"1.0");
        root = xmlNewDocNode(def->metadata, NULL, (const xmlChar *)"metadata", NULL);
        g_assert(root);
        xmlDocSetRootElement(def->metadata, root);
    }
    return xmlDocGetRootElement(def->metadata);
}

/* A copy of the root element of @xml, in namespace @uri with prefix @key. */
static xmlNode *
virDomainMetadataNewElement(xmlDoc *doc, const char *xml, const char *key, const char *uri,
                            GError **error)
{
    g_autoptr(xmlDoc) frag = NULL;
    xmlNode *copy;
    xmlNs *ns;

    if (!key || !*key || strchr(key, ':')) {
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("invalid metadata namespace prefix '%s'"),
                    key ? key : "");
        return NULL;
    }
    if (!(frag = virXMLParseString(xml, "(metadata_xml)", error)))
        return NULL;
    copy = xmlDocCopyNode(xmlDocGetRootElement(frag), doc, 1);
    g_assert(copy);
    if (!(ns = xmlNewNs(copy, (const xmlChar *)uri, (const xmlChar *)key)) &&
        !(ns = xmlSearchNs(doc, copy, (const xmlChar *)key))) {
        xmlFreeNode(copy);
        virErrorSet(error, VIR_ERR_INVALID_ARG, _("invalid metadata namespace prefix '%s'"),
                    key);
        return NULL;
    }
    xmlFree((xmlChar *)ns->href);
    ns->href = xmlStrdup((const xmlChar *)uri);
    xmlSetNs(copy, ns);
    return copy;
}

/**
 * virDomainDefSetMetadata:
 * @xml: one element, or NULL (or "") to remove the element of @uri
 * @key: the namespace prefix to give it
 * @uri: its namespace
 *
 * Replaces the <metadata> element of @def in namespace @uri, as libvirt's
 * virDomainSetMetadata() with VIR_DOMAIN_METADATA_ELEMENT does.
 *
 * Returns: FALSE with @error set when @xml does not parse or @key is not
 * a prefix; @def is then unchanged.
 */
gboolean
virDomainDefSetMetadata(virDomainDef *def, const char *xml, const char *key, const char *uri,
                        GError **error)
{
    xmlNode *root = virDomainMetadataRoot(def);
    xmlNode *node = NULL;
    xmlNode *old;

    g_return_val_if_fail(uri != NULL, FALSE);
    if (xml && *xml && !(node = virDomainMetadataNewElement(def->metadata, xml, key, uri, error))) {
        if (!root->children)
            g_clear_pointer(&def->metadata, xmlFreeDoc);
        return FALSE;
    }
    while ((old = virDomainMetadataFind(def, uri))) {
        xmlUnlinkNode(old);
        xmlFreeNode(old);
    }
    if (node)
        xmlAddChild(root, node);
    if (!root->children)
        g_clear_pointer(&def->metadata, xmlFreeDoc);
    return TRUE;
}

/* ====================================================================== */
/* copying                                                                */
/* ====================================================================== */

static gpointer
virDomainStringCopy(gconstpointer src, gpointer unused)
{
    return g_strdup(src);
}

static gpointer
virDomainOSEnvCopy(gconstpointer src, gpointer unused)
{
    const virDomainOSEnv *env = src;
    virDomainOSEnv *copy = g_new0(virDomainOSEnv, 1);

    copy->name = g_strdup(env->name);
    copy->value = g_strdup(env->value);
    return copy;
}

static gpointer
virDomainDiskDefCopy(gconstpointer src, gpointer unused)
{
    const virDomainDiskDef *disk = src;
    virDomainDiskDef *copy = g_memdup2(disk, sizeof(*disk));

    copy->driver_name = g_strdup(disk->driver_name);
    copy->src = g_strdup(disk->src);
    copy->dst = g_strdup(disk->dst);
    return copy;
}

static gpointer
virDomainFSDefCopy(gconstpointer src, gpointer unused)
{
    const virDomainFSDef *fs = src;
    virDomainFSDef *copy = g_memdup2(fs, sizeof(*fs));

    copy->src = g_strdup(fs->src);
    copy->dst = g_strdup(fs->dst);
    return copy;
}

static gpointer
virDomainNetDefCopy(gconstpointer src, gpointer unused)
{
    const virDomainNetDef *net = src;
    virDomainNetDef *copy = g_memdup2(net, sizeof(*net));

    copy->mac = g_strdup(net->mac);
    copy->source = g_strdup(net->source);
    copy->bridge = g_strdup(net->bridge);
    copy->portid = g_strdup(net->portid);
    copy->ifname = g_strdup(net->ifname);
    copy->model = g_strdup(net->model);
    copy->alias = g_strdup(net->alias);
    return copy;
}

/**
 * virDomainNetDefCopyOne:
 *
 * Returns: (transfer full): a deep copy of @net.
 */
virDomainNetDef *
virDomainNetDefCopyOne(const virDomainNetDef *net)
{
    return virDomainNetDefCopy(net, NULL);
}

static gpointer
virDomainChrDefCopy(gconstpointer src, gpointer unused)
{
    const virDomainChrDef *chr = src;
    virDomainChrDef *copy = g_memdup2(chr, sizeof(*chr));

    copy->path = g_strdup(chr->path);
    return copy;
}

static gpointer
virDomainPanicDefCopy(gconstpointer src, gpointer unused)
{
    return g_memdup2(src, sizeof(virDomainPanicDef));
}

static GPtrArray *
virDomainArrayCopy(GPtrArray *array, GCopyFunc copyFunc, GDestroyNotify freeFunc)
{
    GPtrArray *copy = g_ptr_array_copy(array, copyFunc, NULL);

    g_ptr_array_set_free_func(copy, freeFunc);
    return copy;
}

static void
virDomainOSCopy(virDomainDef *copy, const virDomainDef *def)
{
    copy->os.type = g_strdup(def->os.type);
    copy->os.arch = g_strdup(def->os.arch);
    copy->os.machine = g_strdup(def->os.machine);
    copy->os.kernel = g_strdup(def->os.kernel);
    copy->os.initrd = g_strdup(def->os.initrd);
    copy->os.cmdline = g_strdup(def->os.cmdline);
    memcpy(copy->os.boot, def->os.boot, sizeof(def->os.boot));
    copy->os.nboot = def->os.nboot;
    copy->os.init = g_strdup(def->os.init);
    copy->os.initargs = virDomainArrayCopy(def->os.initargs, virDomainStringCopy, g_free);
    copy->os.initenv = virDomainArrayCopy(def->os.initenv, virDomainOSEnvCopy,
                                          (GDestroyNotify)virDomainOSEnvFree);
    copy->os.initdir = g_strdup(def->os.initdir);
}

static void
virDomainDevicesCopy(virDomainDef *copy, const virDomainDef *def)
{
    copy->emulator = g_strdup(def->emulator);
    copy->disks = virDomainArrayCopy(def->disks, virDomainDiskDefCopy,
                                     (GDestroyNotify)virDomainDiskDefFree);
    copy->filesystems = virDomainArrayCopy(def->filesystems, virDomainFSDefCopy,
                                           (GDestroyNotify)virDomainFSDefFree);
    copy->interfaces = virDomainArrayCopy(def->interfaces, virDomainNetDefCopy,
                                          (GDestroyNotify)virDomainNetDefFree);
    copy->serials = virDomainArrayCopy(def->serials, virDomainChrDefCopy,
                                       (GDestroyNotify)virDomainChrDefFree);
    copy->consoles = virDomainArrayCopy(def->consoles, virDomainChrDefCopy,
                                        (GDestroyNotify)virDomainChrDefFree);
    copy->watchdog = def->watchdog ? g_memdup2(def->watchdog, sizeof(*def->watchdog)) : NULL;
    copy->memballoon = def->memballoon;
    copy->panics = virDomainArrayCopy(def->panics, virDomainPanicDefCopy, g_free);
}

/**
 * virDomainDefCopy:
 *
 * Returns: (transfer full): a deep copy of @def, live-only data included.
 */
virDomainDef *
virDomainDefCopy(const virDomainDef *def)
{
    virDomainDef *copy = g_new0(virDomainDef, 1);

    copy->virt_type = def->virt_type;
    copy->name = g_strdup(def->name);
    memcpy(copy->uuid, def->uuid, VIR_UUID_BUFLEN);
    copy->title = g_strdup(def->title);
    copy->description = g_strdup(def->description);
    copy->metadata = def->metadata ? xmlCopyDoc(def->metadata, 1) : NULL;
    copy->memory_kib = def->memory_kib;
    copy->current_memory_kib = def->current_memory_kib;
    copy->vcpus = def->vcpus;
    virDomainOSCopy(copy, def);
    memcpy(copy->features, def->features, sizeof(def->features));
    copy->on_poweroff = def->on_poweroff;
    copy->on_reboot = def->on_reboot;
    copy->on_crash = def->on_crash;
    virDomainDevicesCopy(copy, def);
    return copy;
}

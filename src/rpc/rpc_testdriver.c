/*
 * rpc_testdriver.c: an in-memory qemu and network driver for RPC tests
 *
 * NOT part of virtd: linked only into the 'virtd-rpctest' executable
 * (built on request: ninja -C <build> src/rpc/virtd-rpctest), in place of
 * daemon/virtd_drivers.c, so the RPC layer can be exercised before the
 * real drivers exist.  Definitions live in memory only; "starting" a
 * domain just gives it an id.  The XML is kept as given, with <name> and
 * <uuid> picked out by a regex.
 */
#define G_LOG_DOMAIN "virtd.rpctest"

#include <string.h>

#include "virdriver.h"
#include "virtd_drivers.h"

typedef struct {
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *xml;
    int id;
    gboolean autostart;
} testObj;

static GMutex testLock;
static GPtrArray *testDomains;
static GPtrArray *testNetworks;
static int testNextId = 1;
static const virHypervisorDriver testQemuDriver;

static void
testObjFree(testObj *o)
{
    g_free(o->name);
    g_free(o->xml);
    g_free(o);
}

static char *
testXMLElement(const char *xml, const char *element)
{
    g_autofree char *pattern = g_strdup_printf("<%s>\\s*([^<]*?)\\s*</%s>", element, element);
    g_autoptr(GRegex) re = g_regex_new(pattern, 0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;

    if (!g_regex_match(re, xml, 0, &m))
        return NULL;
    return g_match_info_fetch(m, 1);
}

/* Called with testLock held. */
static testObj *
testFind(GPtrArray *list, const char *name, const unsigned char *uuid)
{
    for (guint i = 0; i < list->len; i++) {
        testObj *o = g_ptr_array_index(list, i);

        if ((uuid && !virUUIDIsNull(uuid) && memcmp(o->uuid, uuid, VIR_UUID_BUFLEN) == 0) ||
            (name && g_str_equal(o->name, name)))
            return o;
    }
    return NULL;
}

static testObj *
testFindOrFail(GPtrArray *list, const char *name, const unsigned char *uuid, GError **error)
{
    testObj *o = testFind(list, name, uuid);

    if (!o)
        virErrorSet(error, list == testDomains ? VIR_ERR_NO_DOMAIN : VIR_ERR_NO_NETWORK,
                    "no object with matching name '%s'", name ? name : "");
    return o;
}

static void
testFillDomain(const testObj *o, virDomainHandle *out)
{
    out->name = g_strdup(o->name);
    memcpy(out->uuid, o->uuid, VIR_UUID_BUFLEN);
    out->id = o->id;
}

static void
testFillNetwork(const testObj *o, virNetworkHandle *out)
{
    out->name = g_strdup(o->name);
    memcpy(out->uuid, o->uuid, VIR_UUID_BUFLEN);
}

static testObj *
testDefine(GPtrArray *list, const char *xml, GError **error)
{
    g_autofree char *name = testXMLElement(xml, "name");
    g_autofree char *uuidstr = testXMLElement(xml, "uuid");
    testObj *o;

    if (!name || !*name) {
        virErrorSet(error, VIR_ERR_XML_ERROR, "missing <name> in the XML");
        return NULL;
    }
    if (!(o = testFind(list, name, NULL))) {
        o = g_new0(testObj, 1);
        o->name = g_strdup(name);
        o->id = -1;
        if (!uuidstr || !virUUIDParse(uuidstr, o->uuid))
            virUUIDGenerate(o->uuid);
        g_ptr_array_add(list, o);
    }
    g_free(o->xml);
    o->xml = g_strdup(xml);
    return o;
}

/* ---- domains ----------------------------------------------------------- */

static gboolean
testDomainLookupByName(virCaller *c, const char *name, virDomainHandle *out, GError **error)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&testLock);
    testObj *o = testFindOrFail(testDomains, name, NULL, error);

    if (o)
        testFillDomain(o, out);
    return o != NULL;
}

static gboolean
testDomainLookupByUUID(virCaller *c, const unsigned char *uuid, virDomainHandle *out,
                       GError **error)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&testLock);
    testObj *o = testFindOrFail(testDomains, NULL, uuid, error);

    if (o)
        testFillDomain(o, out);
    return o != NULL;
}

static gboolean
testDomainLookupByID(virCaller *c, int id, virDomainHandle *out, GError **error)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&testLock);

    for (guint i = 0; i < testDomains->len; i++) {
        testObj *o = g_ptr_array_index(testDomains, i);

        if (o->id == id && id >= 0) {
            testFillDomain(o, out);
            return TRUE;
        }
    }
    virErrorSet(error, VIR_ERR_NO_DOMAIN, "no domain with matching id %d", id);
    return FALSE;
}

static GArray *
testListAllDomains(virCaller *c, unsigned int flags, GError **error)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&testLock);
    GArray *out = virDomainHandleArrayNew();

    for (guint i = 0; i < testDomains->len; i++) {
        testObj *o = g_ptr_array_index(testDomains, i);
        gboolean active = o->id >= 0;
        virDomainHandle h = {0};

        if ((flags & VIR_CONNECT_LIST_DOMAINS_ACTIVE) && !(flags & 2) && !active)
            continue;
        if ((flags & VIR_CONNECT_LIST_DOMAINS_INACTIVE) && !(flags & 1) && active)
            continue;
        testFillDomain(o, &h);
        g_array_append_val(out, h);
    }
    return out;
}

static gboolean
testDomainDefineXML(virCaller *c, const char *xml, unsigned int flags, virDomainHandle *out,
                    GError **error)
{
    testObj *o;

    g_mutex_lock(&testLock);
    if ((o = testDefine(testDomains, xml, error)))
        testFillDomain(o, out);
    g_mutex_unlock(&testLock);
    if (o)
        virDriverEmitDomainEvent(&testQemuDriver, out, VIR_DOMAIN_EVENT_DEFINED, 0);
    return o != NULL;
}

static gboolean
testDomainUndefine(virCaller *c, const virDomainHandle *dom, unsigned int flags, GError **error)
{
    virDomainHandle h = {0};
    testObj *o;

    g_mutex_lock(&testLock);
    if ((o = testFindOrFail(testDomains, dom->name, dom->uuid, error))) {
        testFillDomain(o, &h);
        g_ptr_array_remove(testDomains, o);
    }
    g_mutex_unlock(&testLock);
    if (o)
        virDriverEmitDomainEvent(&testQemuDriver, &h, VIR_DOMAIN_EVENT_UNDEFINED, 0);
    virDomainHandleClear(&h);
    return o != NULL;
}

static char *
testDomainGetXMLDesc(virCaller *c, const virDomainHandle *dom, unsigned int flags, GError **error)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&testLock);
    testObj *o = testFindOrFail(testDomains, dom->name, dom->uuid, error);

    return o ? g_strdup(o->xml) : NULL;
}

static gboolean
testDomainGetState(virCaller *c, const virDomainHandle *dom, int *state, int *reason,
                   GError **error)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&testLock);
    testObj *o = testFindOrFail(testDomains, dom->name, dom->uuid, error);

    if (!o)
        return FALSE;
    *state = o->id >= 0 ? VIR_DOMAIN_RUNNING : VIR_DOMAIN_SHUTOFF;
    *reason = o->id >= 0 ? VIR_DOMAIN_RUNNING_BOOTED : VIR_DOMAIN_SHUTOFF_UNKNOWN;
    return TRUE;
}

static gboolean
testDomainGetInfo(virCaller *c, const virDomainHandle *dom, virDomainInfo *info, GError **error)
{
    int reason;

    info->max_mem_kib = info->memory_kib = 131072;
    info->nr_virt_cpu = 1;
    return testDomainGetState(c, dom, &info->state, &reason, error);
}

static int
testDomainIsActive(virCaller *c, const virDomainHandle *dom, GError **error)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&testLock);
    testObj *o = testFindOrFail(testDomains, dom->name, dom->uuid, error);

    return o ? o->id >= 0 : -1;
}

static int
testDomainIsPersistent(virCaller *c, const virDomainHandle *dom, GError **error)
{
    return testDomainIsActive(c, dom, error) < 0 ? -1 : 1;
}

static gboolean
testDomainCreate(virCaller *c, const virDomainHandle *dom, unsigned int flags, GError **error)
{
    virDomainHandle h = {0};
    testObj *o;

    g_mutex_lock(&testLock);
    if ((o = testFindOrFail(testDomains, dom->name, dom->uuid, error))) {
        o->id = testNextId++;
        testFillDomain(o, &h);
    }
    g_mutex_unlock(&testLock);
    if (o)
        virDriverEmitDomainEvent(&testQemuDriver, &h, VIR_DOMAIN_EVENT_STARTED, 0);
    virDomainHandleClear(&h);
    return o != NULL;
}

static gboolean
testDomainDestroy(virCaller *c, const virDomainHandle *dom, unsigned int flags, GError **error)
{
    virDomainHandle h = {0};
    testObj *o;

    g_mutex_lock(&testLock);
    if ((o = testFindOrFail(testDomains, dom->name, dom->uuid, error))) {
        o->id = -1;
        testFillDomain(o, &h);
    }
    g_mutex_unlock(&testLock);
    if (o)
        virDriverEmitDomainEvent(&testQemuDriver, &h, VIR_DOMAIN_EVENT_STOPPED, 1);
    virDomainHandleClear(&h);
    return o != NULL;
}

static const virHypervisorDriver testQemuDriver = {
    .name = "QEMU",
    .scheme = "qemu",
    .default_uri = "qemu:///system",
    .error_domain = VIR_FROM_QEMU,
    .domainLookupByName = testDomainLookupByName,
    .domainLookupByUUID = testDomainLookupByUUID,
    .domainLookupByID = testDomainLookupByID,
    .connectListAllDomains = testListAllDomains,
    .domainDefineXML = testDomainDefineXML,
    .domainUndefine = testDomainUndefine,
    .domainGetXMLDesc = testDomainGetXMLDesc,
    .domainGetState = testDomainGetState,
    .domainGetInfo = testDomainGetInfo,
    .domainIsActive = testDomainIsActive,
    .domainIsPersistent = testDomainIsPersistent,
    .domainCreate = testDomainCreate,
    .domainDestroy = testDomainDestroy,
};

/* ---- networks ---------------------------------------------------------- */

static gboolean
testNetworkLookupByName(virCaller *c, const char *name, virNetworkHandle *out, GError **error)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&testLock);
    testObj *o = testFindOrFail(testNetworks, name, NULL, error);

    if (o)
        testFillNetwork(o, out);
    return o != NULL;
}

static GArray *
testListAllNetworks(virCaller *c, unsigned int flags, GError **error)
{
    g_autoptr(GMutexLocker) l = g_mutex_locker_new(&testLock);
    GArray *out = virNetworkHandleArrayNew();

    for (guint i = 0; i < testNetworks->len; i++) {
        virNetworkHandle h = {0};

        testFillNetwork(g_ptr_array_index(testNetworks, i), &h);
        g_array_append_val(out, h);
    }
    return out;
}

static gboolean
testNetworkDefineXML(virCaller *c, const char *xml, unsigned int flags, virNetworkHandle *out,
                     GError **error)
{
    testObj *o;

    g_mutex_lock(&testLock);
    if ((o = testDefine(testNetworks, xml, error)))
        testFillNetwork(o, out);
    g_mutex_unlock(&testLock);
    if (o)
        virDriverEmitNetworkEvent(out, VIR_NETWORK_EVENT_DEFINED, 0);
    return o != NULL;
}

static gboolean
testNetworkUndefine(virCaller *c, const virNetworkHandle *net, GError **error)
{
    virNetworkHandle h = {0};
    testObj *o;

    g_mutex_lock(&testLock);
    if ((o = testFindOrFail(testNetworks, net->name, net->uuid, error))) {
        testFillNetwork(o, &h);
        g_ptr_array_remove(testNetworks, o);
    }
    g_mutex_unlock(&testLock);
    if (o)
        virDriverEmitNetworkEvent(&h, VIR_NETWORK_EVENT_UNDEFINED, 0);
    virNetworkHandleClear(&h);
    return o != NULL;
}

static const virNetworkDriver testNetworkDriver = {
    .networkLookupByName = testNetworkLookupByName,
    .connectListAllNetworks = testListAllNetworks,
    .networkDefineXML = testNetworkDefineXML,
    .networkUndefine = testNetworkUndefine,
};

gboolean
virtdDriversInit(const virtdConfig *cfg, GError **error)
{
    testDomains = g_ptr_array_new_with_free_func((GDestroyNotify)testObjFree);
    testNetworks = g_ptr_array_new_with_free_func((GDestroyNotify)testObjFree);
    virDriverRegisterHypervisor(&testQemuDriver);
    virDriverRegisterNetwork(&testNetworkDriver);
    g_warning("virtd-rpctest: in-memory test drivers, not for real use");
    return TRUE;
}

void
virtdDriversShutdown(void)
{
    g_clear_pointer(&testDomains, g_ptr_array_unref);
    g_clear_pointer(&testNetworks, g_ptr_array_unref);
}

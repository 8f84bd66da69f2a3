/*
 * qemu_driver.c: the QEMU driver's API entry points
 *
 * Definitions of <domain type='qemu'> and <domain type='kvm'>, stored in
 * <conf_dir>/qemu/.  Running guests comes with qemu_process.c.
 */
#define G_LOG_DOMAIN "virtd.qemu"

#include "qemu_driver.h"

#include "virdomaindriver.h"

static virDomainDriverState qemuState;

VIR_DOMAIN_DRIVER_DEFINE_ENTRY_POINTS(qemuDomain, &qemuState)

static const virHypervisorDriver qemuHypervisorDriver = {
    .name = "QEMU",
    .scheme = "qemu",
    .default_uri = "qemu:///system",
    .error_domain = VIR_FROM_QEMU,
    VIR_DOMAIN_DRIVER_ENTRY_POINTS(qemuDomain),
};

static const virDomainVirtType qemuVirtTypes[] = {VIR_DOMAIN_VIRT_QEMU, VIR_DOMAIN_VIRT_KVM};

gboolean
qemuDriverInit(const char *conf_dir, GError **error)
{
    qemuState.table = &qemuHypervisorDriver;
    qemuState.dirname = "qemu";
    qemuState.virt_types = qemuVirtTypes;
    qemuState.n_virt_types = G_N_ELEMENTS(qemuVirtTypes);
    if (!virDomainDriverStateInit(&qemuState, conf_dir, error))
        return FALSE;
    virDriverRegisterHypervisor(&qemuHypervisorDriver);
    return TRUE;
}

void
qemuDriverShutdown(void)
{
    virDomainDriverStateClear(&qemuState);
}

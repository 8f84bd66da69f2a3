/*
 * lxc_driver.c: the LXC driver's API entry points
 *
 * Definitions of <domain type='lxc'>, stored in <conf_dir>/lxc/.  Running
 * containers comes with lxc_process.c.
 */
#define G_LOG_DOMAIN "virtd.lxc"

#include "lxc_driver.h"

#include "virdomaindriver.h"

static virDomainDriverState lxcState;

VIR_DOMAIN_DRIVER_DEFINE_ENTRY_POINTS(lxcDomain, &lxcState)

static const virHypervisorDriver lxcHypervisorDriver = {
    .name = "LXC",
    .scheme = "lxc",
    .default_uri = "lxc:///system",
    .error_domain = VIR_FROM_LXC,
    VIR_DOMAIN_DRIVER_ENTRY_POINTS(lxcDomain),
};

static const virDomainVirtType lxcVirtTypes[] = {VIR_DOMAIN_VIRT_LXC};

gboolean
lxcDriverInit(const char *conf_dir, GError **error)
{
    lxcState.table = &lxcHypervisorDriver;
    lxcState.dirname = "lxc";
    lxcState.virt_types = lxcVirtTypes;
    lxcState.n_virt_types = G_N_ELEMENTS(lxcVirtTypes);
    if (!virDomainDriverStateInit(&lxcState, conf_dir, error))
        return FALSE;
    virDriverRegisterHypervisor(&lxcHypervisorDriver);
    return TRUE;
}

void
lxcDriverShutdown(void)
{
    virDomainDriverStateClear(&lxcState);
}

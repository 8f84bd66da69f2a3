/*
 * qemu_command.c: the qemu command line, as a pure function of a definition
 */
#define G_LOG_DOMAIN "virtd.qemu"

#include "qemu_command.h"

#include "virerror.h"

char **
qemuBuildCommandLine(const virDomainDef *def, const qemuCommandRuntime *rt, GError **error)
{
    virErrorSet(error, VIR_ERR_NO_SUPPORT, "not implemented yet");
    return NULL;
}

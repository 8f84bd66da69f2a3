/*
 * virerror.c: errors that reach libvirt clients
 */
#include "virerror.h"

GQuark
virErrorQuark(void)
{
    return g_quark_from_static_string("vir-error-quark");
}

/**
 * virErrorSet:
 * @code: libvirt's error number for what went wrong
 *
 * Sets @error in the VIR_ERROR domain.
 */
void
virErrorSet(GError **error, virErrorNumber code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_propagate_error(error, g_error_new_valist(VIR_ERROR, code, fmt, ap));
    va_end(ap);
}

/**
 * virErrorCode:
 *
 * Returns: the libvirt error number to report for @err: its code when it is
 * a VIR_ERROR, VIR_ERR_INTERNAL_ERROR otherwise.
 */
int
virErrorCode(const GError *err)
{
    if (err && err->domain == VIR_ERROR)
        return err->code;
    return VIR_ERR_INTERNAL_ERROR;
}

/*
 * virerror.c: errors that reach libvirt clients
 */
#include "virerror.h"

#include <glib/gi18n.h>

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
 * virErrorRetag:
 * @err: (transfer full): a lower layer's error
 * @domain: the domain the caller reports in
 * @code: the code for @err when it is not already of @domain
 *
 * Passes on @err into @error: unchanged when it is already an error of
 * @domain (its code is kept), else as a @domain error with @code and the
 * same message.  The one place where errors cross a layer.
 */
void
virErrorRetag(GError **error, GError *err, GQuark domain, int code)
{
    if (err->domain != domain) {
        err->domain = domain;
        err->code = code;
    }
    g_propagate_error(error, err);
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

/* What libvirt puts before the detail of an error of each code; clients
 * print the whole text ("error: Requested operation is not valid: ...").
 * Codes absent here are sent as they are: libvirt sends its INVALID_ARG
 * errors with or without "invalid argument: " depending on the error. */
static const struct {
    virErrorNumber code;
    const char *prefix;
} virErrorPrefixes[] = {
    {VIR_ERR_INTERNAL_ERROR, N_("internal error")},
    {VIR_ERR_NO_SUPPORT, N_("this function is not supported by the connection driver")},
    {VIR_ERR_OPERATION_FAILED, N_("operation failed")},
    {VIR_ERR_XML_ERROR, N_("XML error")},
    {VIR_ERR_OPERATION_DENIED, N_("operation forbidden")},
    {VIR_ERR_NO_DOMAIN, N_("Domain not found")},
    {VIR_ERR_NO_NETWORK, N_("Network not found")},
    {VIR_ERR_INVALID_MAC, N_("invalid MAC address")},
    {VIR_ERR_OPERATION_INVALID, N_("Requested operation is not valid")},
    {VIR_ERR_CONFIG_UNSUPPORTED, N_("unsupported configuration")},
    {VIR_ERR_OPERATION_TIMEOUT, N_("Timed out during operation")},
    {VIR_ERR_HOOK_SCRIPT_FAILED, N_("Hook script execution failed")},
    {VIR_ERR_DEVICE_MISSING, N_("device not found")},
};

/**
 * virErrorClientMessage:
 * @code: the libvirt error number sent with it
 * @message: the error's own text
 *
 * Returns: (transfer full): the text a libvirt client gets for the error:
 * @message behind the prefix libvirt uses for @code, if any.
 */
char *
virErrorClientMessage(int code, const char *message)
{
    for (size_t i = 0; i < G_N_ELEMENTS(virErrorPrefixes); i++) {
        if ((int)virErrorPrefixes[i].code == code)
            return g_strdup_printf("%s: %s", _(virErrorPrefixes[i].prefix), message);
    }
    return g_strdup(message);
}

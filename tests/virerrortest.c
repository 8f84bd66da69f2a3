/*
 * virerrortest.c: errors crossing a layer keep their code
 */
#include <gio/gio.h>
#include <glib.h>

#include "virerror.h"

static void
test_propagate_keeps_code(void)
{
    g_autoptr(GError) err = NULL;
    GError *lower = g_error_new(VIR_ERROR, VIR_ERR_NO_DOMAIN, "no domain 'x'");

    virErrorPropagate(&err, lower, VIR_ERR_OPERATION_FAILED);
    g_assert_error(err, VIR_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_cmpstr(err->message, ==, "no domain 'x'");
}

static void
test_propagate_other_domain(void)
{
    g_autoptr(GError) err = NULL;
    GError *lower = g_error_new(G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such file");

    virErrorPropagate(&err, lower, VIR_ERR_OPERATION_FAILED);
    g_assert_error(err, VIR_ERROR, VIR_ERR_OPERATION_FAILED);
    g_assert_cmpstr(err->message, ==, "no such file");
    g_assert_cmpint(virErrorCode(err), ==, VIR_ERR_OPERATION_FAILED);
}

static void
test_retag_domain(void)
{
    g_autoptr(GError) err = NULL;

    virErrorRetag(&err, g_error_new(G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "slow"), G_IO_ERROR,
                  G_IO_ERROR_FAILED);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    g_clear_error(&err);
    virErrorRetag(&err, g_error_new(VIR_ERROR, VIR_ERR_XML_ERROR, "bad"), G_IO_ERROR,
                  G_IO_ERROR_FAILED);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_FAILED);
    g_assert_cmpint(virErrorCode(err), ==, VIR_ERR_INTERNAL_ERROR);
    /* no destination: the error is freed (valgrind checks) */
    virErrorPropagate(NULL, g_error_new(VIR_ERROR, VIR_ERR_XML_ERROR, "dropped"),
                      VIR_ERR_OPERATION_FAILED);
}

static void
test_client_message(void)
{
    g_autofree char *a = virErrorClientMessage(VIR_ERR_OPERATION_INVALID, "domain is not running");
    g_autofree char *b = virErrorClientMessage(VIR_ERR_INVALID_ARG, "unsupported flags (0x4)");

    g_assert_cmpstr(a, ==, "Requested operation is not valid: domain is not running");
    g_assert_cmpstr(b, ==, "unsupported flags (0x4)");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/propagate-keeps-code", test_propagate_keeps_code);
    g_test_add_func("/error/propagate-other-domain", test_propagate_other_domain);
    g_test_add_func("/error/retag-domain", test_retag_domain);
    g_test_add_func("/error/client-message", test_client_message);
    return g_test_run();
}

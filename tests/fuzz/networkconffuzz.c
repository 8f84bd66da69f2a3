/*
 * networkconffuzz.c: libFuzzer target for the network XML parser
 *
 * Any input either parses or fails with a VIR_ERROR carrying a valid UTF-8
 * message.  What parses must format to a fixed point, and a copy must
 * format identically.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "network_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = g_strndup((const char *)data, size);
    g_autoptr(GError) err = NULL;
    g_autoptr(virNetworkDef) def = virNetworkDefParseString(xml, 0, &err);
    g_autoptr(virNetworkDef) again = NULL;
    g_autoptr(virNetworkDef) copy = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;
    g_autofree char *outCopy = NULL;

    if (!def) {
        if (!err || err->domain != VIR_ERROR || !g_utf8_validate(err->message, -1, NULL))
            abort();
        return 0;
    }
    out = virNetworkDefFormat(def, 0);
    if (!(again = virNetworkDefParseString(out, 0, &err))) {
        fprintf(stderr, "formatted XML does not parse: %s\n%s", err->message, out);
        abort();
    }
    out2 = virNetworkDefFormat(again, 0);
    copy = virNetworkDefCopy(def);
    outCopy = virNetworkDefFormat(copy, 0);
    if (g_strcmp0(out, out2) != 0 || g_strcmp0(out, outCopy) != 0) {
        fprintf(stderr, "not a fixed point:\n%s---\n%s", out, out2);
        abort();
    }
    return 0;
}

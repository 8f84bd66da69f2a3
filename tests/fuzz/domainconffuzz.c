/*
 * domainconffuzz.c: libFuzzer target for the domain XML parser
 *
 * Any input either parses or fails with a VIR_ERROR carrying a valid UTF-8
 * message.  What parses must format to a fixed point, inactive and live
 * (through a status-file parse), and a copy must format identically.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "domain_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzzCheckError(const GError *err)
{
    if (!err || err->domain != VIR_ERROR || !g_utf8_validate(err->message, -1, NULL))
        abort();
}

/* format(parse(format(def))) == format(def) */
static void
fuzzCheckFixedPoint(const virDomainDef *def, int id, unsigned int flags)
{
    g_autofree char *out = virDomainDefFormat(def, id, 0);
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) again = virDomainDefParseString(out, flags, &err);
    g_autofree char *out2 = NULL;

    if (!again) {
        fprintf(stderr, "formatted XML does not parse: %s\n%s", err->message, out);
        abort();
    }
    out2 = virDomainDefFormat(again, id, 0);
    if (g_strcmp0(out, out2) != 0) {
        fprintf(stderr, "not a fixed point:\n%s---\n%s", out, out2);
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *xml = g_strndup((const char *)data, size);
    g_autoptr(GError) err = NULL;
    g_autoptr(virDomainDef) def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_STATUS, &err);
    g_autoptr(virDomainDef) copy = NULL;
    g_autofree char *out = NULL;
    g_autofree char *outCopy = NULL;

    if (!def) {
        fuzzCheckError(err);
        return 0;
    }
    fuzzCheckFixedPoint(def, -1, 0);
    fuzzCheckFixedPoint(def, 1, VIR_DOMAIN_DEF_PARSE_STATUS);
    copy = virDomainDefCopy(def);
    out = virDomainDefFormat(def, 1, 0);
    outCopy = virDomainDefFormat(copy, 1, 0);
    if (g_strcmp0(out, outCopy) != 0)
        abort();
    return 0;
}

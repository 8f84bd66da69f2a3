/*
 * viruuid.c: 16-byte UUIDs and their text form
 */
#include "viruuid.h"

#include <stdio.h>
#include <string.h>

/**
 * virUUIDParse:
 * @str: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case); like
 *   libvirt, dashes may be left out, and surrounding blanks are ignored
 * @uuid: (out): 16 bytes
 *
 * Returns: TRUE if @str is a valid UUID.
 */
gboolean
virUUIDParse(const char *str, unsigned char *uuid)
{
    const char *p = str;
    int n = 0;

    while (g_ascii_isspace(*p))
        p++;
    while (n < VIR_UUID_BUFLEN) {
        int hi, lo;

        if (*p == '-') {
            p++;
            continue;
        }
        if ((hi = g_ascii_xdigit_value(p[0])) < 0 || (lo = g_ascii_xdigit_value(p[1])) < 0)
            return FALSE;
        uuid[n++] = (unsigned char)(hi << 4 | lo);
        p += 2;
    }
    while (g_ascii_isspace(*p))
        p++;
    return *p == '\0';
}

/**
 * virUUIDFormat:
 * @str: (out): at least VIR_UUID_STRING_BUFLEN bytes
 */
void
virUUIDFormat(const unsigned char *uuid, char *str)
{
    snprintf(str, VIR_UUID_STRING_BUFLEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", uuid[0],
             uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9],
             uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
}

/* A random (version 4) UUID. */
void
virUUIDGenerate(unsigned char *uuid)
{
    g_autofree char *s = g_uuid_string_random();

    virUUIDParse(s, uuid);
}

gboolean
virUUIDIsNull(const unsigned char *uuid)
{
    static const unsigned char zero[VIR_UUID_BUFLEN];

    return memcmp(uuid, zero, VIR_UUID_BUFLEN) == 0;
}

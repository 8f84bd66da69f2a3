/*
 * virobjname.c: the rules for domain and network names
 *
 * A name becomes a file name (<confdir>/qemu/<name>.xml), a hook argument
 * and part of log lines, so it is 1 to 244 bytes of valid UTF-8 without
 * '/' or control characters, not starting with '.' (the loaders skip
 * hidden files: the definition would vanish at the next start), and not
 * "-" (what hooks receive as "no object").
 */
#define G_LOG_DOMAIN "virtd.conf"

#include "virobjname.h"

#include <glib/gi18n.h>
#include <string.h>

static gboolean
virObjectNameHasControl(const char *name)
{
    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        if (g_unichar_iscntrl(g_utf8_get_char(p)))
            return TRUE;
    }
    return FALSE;
}

/**
 * virObjectNameCheck:
 * @kind: what is named, for the message: "domain", "network"
 * @name: the name to check
 * @code: the error number to raise, e.g. VIR_ERR_XML_ERROR from a parser
 *
 * Returns: TRUE if @name is an acceptable object name, else FALSE with
 * @error set to @code and a message naming @kind and quoting @name.
 */
gboolean
virObjectNameCheck(const char *kind, const char *name, virErrorNumber code, GError **error)
{
    g_autofree char *shown = NULL;
    size_t len = name ? strlen(name) : 0;

    if (len == 0) {
        virErrorSet(error, code, _("%s name must not be empty"), kind);
        return FALSE;
    }
    if (!g_utf8_validate(name, -1, NULL)) {
        shown = g_strescape(name, NULL);
        virErrorSet(error, code, _("%s name '%s' is not valid UTF-8"), kind, shown);
        return FALSE;
    }
    if (len > VIR_OBJECT_NAME_MAX) {
        virErrorSet(error, code, _("%s name '%s' is longer than %d bytes"), kind, name,
                    VIR_OBJECT_NAME_MAX);
        return FALSE;
    }
    if (virObjectNameHasControl(name)) {
        shown = g_strescape(name, NULL);
        virErrorSet(error, code, _("%s name '%s' must not contain control characters"), kind,
                    shown);
        return FALSE;
    }
    if (strchr(name, '/')) {
        virErrorSet(error, code, _("%s name '%s' must not contain '/'"), kind, name);
        return FALSE;
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        virErrorSet(error, code, _("%s name '%s' is not allowed"), kind, name);
        return FALSE;
    }
    if (name[0] == '.') {
        virErrorSet(error, code,
                    _("%s name '%s' must not start with '.': its definition would be a hidden "
                      "file, which virtd does not load"),
                    kind, name);
        return FALSE;
    }
    if (strcmp(name, "-") == 0) {
        virErrorSet(error, code,
                    _("%s name '-' is not allowed: hook scripts get '-' for \"no object\""),
                    kind);
        return FALSE;
    }
    return TRUE;
}

/**
 * virObjectNameValidate:
 * @kind: what is named: "domain", "network"
 * @name: the name to check
 *
 * virObjectNameCheck() raising VIR_ERR_INVALID_ARG, for names that come
 * from API arguments.
 *
 * Returns: TRUE if @name is acceptable.
 */
gboolean
virObjectNameValidate(const char *kind, const char *name, GError **error)
{
    return virObjectNameCheck(kind, name, VIR_ERR_INVALID_ARG, error);
}

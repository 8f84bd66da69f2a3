/*
 * virobjstatus.c: the status file of a running object
 */
#define G_LOG_DOMAIN "virtd.driver"

#include "virobjstatus.h"

#include <glib/gi18n.h>
#include <string.h>

#include "virerror.h"
#include "virfile.h"
#include "virxml.h"

void
virObjStatusInit(virObjStatus *st, const virObjStatusClass *klass)
{
    memset(st, 0, sizeof(*st));
    st->klass = klass;
    st->id = -1;
    st->attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void
virObjStatusClear(virObjStatus *st)
{
    if (st->def && st->klass)
        st->klass->def_free(st->def);
    st->def = NULL;
    g_clear_pointer(&st->def_xml, g_free);
    g_clear_pointer(&st->attrs, g_hash_table_unref);
}

void
virObjStatusSetAttr(virObjStatus *st, const char *name, const char *value)
{
    g_hash_table_replace(st->attrs, g_strdup(name), g_strdup(value));
}

const char *
virObjStatusGetAttr(const virObjStatus *st, const char *name)
{
    return g_hash_table_lookup(st->attrs, name);
}

/* Returns: (transfer full): the parsed definition, now the caller's. */
gpointer
virObjStatusStealDef(virObjStatus *st)
{
    return g_steal_pointer(&st->def);
}

/**
 * virObjStatusFormat:
 *
 * Returns: (transfer full): the status file's text.  The driver's own
 * attributes follow the common ones in the class's order.
 */
char *
virObjStatusFormat(const virObjStatus *st)
{
    const virObjStatusClass *klass = st->klass;
    g_autoptr(GPtrArray) attrs = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *def_xml = NULL;
    virXMLWriter w;

    g_ptr_array_add(attrs, g_strdup("state"));
    g_ptr_array_add(attrs, g_strdup_printf("%d", st->state));
    g_ptr_array_add(attrs, g_strdup("reason"));
    g_ptr_array_add(attrs, g_strdup_printf("%d", st->reason));
    g_ptr_array_add(attrs, g_strdup("pid"));
    g_ptr_array_add(attrs, g_strdup_printf("%d", (int)st->pid));
    g_ptr_array_add(attrs, g_strdup("id"));
    g_ptr_array_add(attrs, g_strdup_printf("%d", st->id));
    for (guint i = 0; klass->attrs && klass->attrs[i]; i++) {
        g_ptr_array_add(attrs, g_strdup(klass->attrs[i]));
        g_ptr_array_add(attrs, g_strdup(virObjStatusGetAttr(st, klass->attrs[i])));
    }
    g_ptr_array_add(attrs, NULL);

    virXMLWriterInit(&w);
    virXMLWriterStartv(&w, klass->root, (const char *const *)attrs->pdata);
    if (!st->def_xml && st->def)
        def_xml = klass->def_format(st->def, st);
    if (st->def_xml || def_xml)
        virXMLWriterRaw(&w, st->def_xml ? st->def_xml : def_xml);
    virXMLWriterEnd(&w, klass->root);
    return virXMLWriterFinish(&w);
}

static gboolean
virObjStatusParseDef(xmlNode *node, gpointer opaque, GError **error)
{
    virObjStatus *st = opaque;
    g_autofree char *xml = virXMLNodeDump(node);

    return xml && (st->def = st->klass->def_parse(xml, error)) != NULL;
}

static gboolean
virObjStatusParseAttrs(const virObjStatusClass *klass, xmlNode *root, virObjStatus *st,
                       GError **error)
{
    unsigned int pid = 0;

    if (!virXMLPropInt(root, "state", 0, G_MAXINT, VIR_XML_PROP_REQUIRED, &st->state, error) ||
        !virXMLPropInt(root, "reason", 0, G_MAXINT, VIR_XML_PROP_REQUIRED, &st->reason, error) ||
        !virXMLPropUInt(root, "pid", 0, G_MAXINT, VIR_XML_PROP_REQUIRED, &pid, error) ||
        !virXMLPropInt(root, "id", -1, G_MAXINT, VIR_XML_PROP_REQUIRED, &st->id, error))
        return FALSE;
    st->pid = (pid_t)pid;
    for (guint i = 0; klass->attrs && klass->attrs[i]; i++) {
        g_autofree char *v = NULL;

        if (!virXMLPropStringGet(root, klass->attrs[i], VIR_XML_PROP_REQUIRED, &v, error))
            return FALSE;
        virObjStatusSetAttr(st, klass->attrs[i], v);
    }
    return TRUE;
}

/**
 * virObjStatusParse:
 * @path: for messages
 * @st: (out caller-allocates): a status initialised with the driver's class
 *
 * Parses a status file: the common attributes, every attribute the class
 * names (each required), and one definition element, parsed by the
 * class.  Anything else is refused by name.
 */
gboolean
virObjStatusParse(virObjStatus *st, const char *text, const char *path, GError **error)
{
    const virObjStatusClass *klass = st->klass;
    const virXMLChildHandler children[] = {
        {klass->def_root, virObjStatusParseDef, FALSE},
        {NULL, NULL, FALSE},
    };
    g_autoptr(GPtrArray) allowed = g_ptr_array_new();
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GError) err = NULL;
    xmlNode *root;

    for (const char *const *a = VIR_XML_ATTRS("state", "reason", "pid", "id"); *a; a++)
        g_ptr_array_add(allowed, (gpointer)*a);
    for (guint i = 0; klass->attrs && klass->attrs[i]; i++)
        g_ptr_array_add(allowed, (gpointer)klass->attrs[i]);
    g_ptr_array_add(allowed, NULL);

    if (!(doc = virXMLParseString(text, path, &err)) ||
        !(root = virXMLGetRoot(doc, klass->root, &err)) ||
        !virXMLCheckAttrs(root, (const char *const *)allowed->pdata, &err) ||
        !virObjStatusParseAttrs(klass, root, st, &err) ||
        !virXMLParseChildren(root, children, st, &err))
        goto invalid;
    if (!st->def) {
        virErrorSet(&err, VIR_ERR_XML_ERROR, _("missing element <%s> in <%s>"), klass->def_root,
                    klass->root);
        goto invalid;
    }
    return TRUE;

 invalid:
    virErrorSet(error, VIR_ERR_XML_ERROR, _("'%s' is not a valid status file: %s"), path,
                err->message);
    return FALSE;
}

void
virObjStatusWriterInit(virObjStatusWriter *w)
{
    g_mutex_init(&w->lock);
}

void
virObjStatusWriterClear(virObjStatusWriter *w)
{
    g_mutex_clear(&w->lock);
}

/**
 * virObjStatusSave:
 * @w: the object's writer
 * @snapshot: takes the object's status, under the object's lock
 *
 * Writes the object's status at @path, atomically.  The snapshot is
 * taken with @w held, so of two saves racing, the one that took the later
 * snapshot also writes last.
 */
gboolean
virObjStatusSave(virObjStatusWriter *w, const virObjStatusClass *klass, const char *path,
                 virObjStatusSnapshotFunc snapshot, gpointer object, GError **error)
{
    G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);
    g_auto(virObjStatus) st;
    g_autofree char *text = NULL;

    virObjStatusInit(&st, klass);
    snapshot(object, &st);
    text = virObjStatusFormat(&st);
    return virFileWriteAtomic(path, text, -1, 0600, error);
}

/**
 * virObjStatusLoad:
 * @st: (out caller-allocates): a status initialised with the driver's class
 */
gboolean
virObjStatusLoad(virObjStatus *st, const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        virErrorPropagate(error, g_steal_pointer(&err), VIR_ERR_OPERATION_FAILED);
        return FALSE;
    }
    return virObjStatusParse(st, text, path, error);
}

/**
 * virObjStatusList:
 *
 * Returns: (transfer full): the paths of the status files in @dir (every
 * "*.xml"), sorted for a stable order of hooks and logs.
 */
GPtrArray *
virObjStatusList(const char *dir)
{
    return virFileListSuffix(dir, ".xml");
}

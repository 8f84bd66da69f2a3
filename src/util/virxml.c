/*
 * virxml.c: small libxml2 helpers for the XML configuration parsers
 */
#define G_LOG_DOMAIN "virtd.xml"

#include "virxml.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <string.h>

#include "virerror.h"
#include "viruuid.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)

/* No network, no DTD loading or defaulting, no entity substitution (the
 * default without XML_PARSE_NOENT), no XInclude; blank nodes that only
 * indent element content are dropped, so a formatted document parses back
 * to the same tree. */
#define VIR_XML_PARSE_OPTIONS                                                                   \
    (XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES)

typedef struct {
    const char *url;
    GError *error;           /* the first error, the one reported */
} virXMLParseState;

/* xmlInitParser() is not safe to race in libxml2 2.9. */
static void
virXMLInit(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        xmlInitParser();
        g_once_init_leave(&done, 1);
    }
}

static void
virXMLStructuredError(void *opaque, xmlErrorPtr err)
{
    virXMLParseState *st = opaque;
    g_autofree char *msg = NULL;

    if (st->error || !err || err->level < XML_ERR_ERROR)
        return;
    msg = g_utf8_make_valid(err->message ? err->message : "unknown error", -1);
    g_strstrip(msg);
    st->error = g_error_new(VIR_ERROR, VIR_ERR_XML_ERROR, "%s:%d: %s", st->url, err->line, msg);
}

static void G_GNUC_PRINTF(2, 3)
virXMLGenericErrorIgnore(void *ctx, const char *msg, ...)
{
}

/* SAX hook for <!DOCTYPE ...>: called before an internal subset is read,
 * so entity declarations (billion laughs, external entities) are never
 * even parsed. */
static void
virXMLRefuseDoctype(void *ctx, const xmlChar *name, const xmlChar *externalID,
                    const xmlChar *systemID)
{
    xmlParserCtxt *ctxt = ctx;
    virXMLParseState *st = ctxt->_private;

    if (!st->error)
        st->error = g_error_new(VIR_ERROR, VIR_ERR_XML_ERROR,
                                _("%s:%d: DOCTYPE and entity declarations are not allowed"),
                                st->url, xmlSAX2GetLineNumber(ctxt));
    xmlStopParser(ctxt);
}

static xmlDoc *
virXMLParseBuffer(const char *data, gsize len, const char *url, GError **error)
{
    virXMLParseState st = {.url = url};
    g_autoptr(xmlParserCtxt) ctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    xmlStructuredErrorFunc oldStructured;
    xmlGenericErrorFunc oldGeneric;
    void *oldStructuredData, *oldGenericData;

    if (len > VIR_XML_MAX_SIZE) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("%s: XML document is larger than %d bytes"), url,
                    VIR_XML_MAX_SIZE);
        return NULL;
    }
    virXMLInit();
    ctxt = xmlNewParserCtxt();
    g_assert(ctxt);
    ctxt->_private = &st;
    ctxt->sax->internalSubset = virXMLRefuseDoctype;

    /* libxml2's handlers are per thread: nothing reaches stderr, and the
     * first error with its line goes into the GError. */
    oldStructured = xmlStructuredError;
    oldStructuredData = xmlStructuredErrorContext;
    oldGeneric = xmlGenericError;
    oldGenericData = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(&st, virXMLStructuredError);
    xmlSetGenericErrorFunc(NULL, virXMLGenericErrorIgnore);
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, url, NULL, VIR_XML_PARSE_OPTIONS);
    xmlSetStructuredErrorFunc(oldStructuredData, oldStructured);
    xmlSetGenericErrorFunc(oldGenericData, oldGeneric);

    if (st.error) {
        g_propagate_error(error, st.error);
        return NULL;
    }
    if (!doc || !ctxt->wellFormed || !xmlDocGetRootElement(doc)) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("%s: the XML document could not be parsed"), url);
        return NULL;
    }
    return g_steal_pointer(&doc);
}

/**
 * virXMLParseString:
 * @xml: the document
 * @url: how errors name the document, e.g. "(domain_definition)"
 *
 * Parses @xml safely: at most VIR_XML_MAX_SIZE bytes, no network access, no
 * DOCTYPE, no entity expansion.  Errors are VIR_ERR_XML_ERROR and start with
 * "@url:line: ".
 *
 * Returns: (transfer full): the document, or NULL with @error set.
 */
xmlDoc *
virXMLParseString(const char *xml, const char *url, GError **error)
{
    g_return_val_if_fail(xml != NULL, NULL);

    return virXMLParseBuffer(xml, strnlen(xml, VIR_XML_MAX_SIZE + 1), url, error);
}

/**
 * virXMLParseFile:
 * @path: the file
 *
 * Like virXMLParseString(), for the contents of @path, named by @path in
 * errors.  A file that cannot be read is VIR_ERR_SYSTEM_ERROR.
 *
 * Returns: (transfer full): the document, or NULL with @error set.
 */
xmlDoc *
virXMLParseFile(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    g_autoptr(GError) err = NULL;
    GStatBuf sb;
    gsize len;

    if (g_stat(path, &sb) == 0 && sb.st_size > VIR_XML_MAX_SIZE) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("%s: XML document is larger than %d bytes"), path,
                    VIR_XML_MAX_SIZE);
        return NULL;
    }
    if (!g_file_get_contents(path, &data, &len, &err)) {
        virErrorSet(error, VIR_ERR_SYSTEM_ERROR, _("cannot read '%s': %s"), path, err->message);
        return NULL;
    }
    return virXMLParseBuffer(data, len, path, error);
}

/**
 * virXMLGetRoot:
 * @name: the root element expected, in no namespace
 *
 * Returns: (transfer none): the root element of @doc, or NULL with @error
 * set (VIR_ERR_XML_ERROR) when it is not <@name>.
 */
xmlNode *
virXMLGetRoot(xmlDoc *doc, const char *name, GError **error)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    g_autofree char *found = NULL;

    if (root && !root->ns && g_strcmp0((const char *)root->name, name) == 0)
        return root;
    found = root ? virXMLNodeName(root) : g_strdup("");
    virErrorSet(error, VIR_ERR_XML_ERROR, _("expected root element <%s>, found <%s>"), name, found);
    return NULL;
}

/**
 * virXMLNodeName:
 *
 * Returns: (transfer full): the name of @node as written, with its
 * namespace prefix if any ("qemu:commandline").
 */
char *
virXMLNodeName(const xmlNode *node)
{
    if (node->ns && node->ns->prefix)
        return g_strdup_printf("%s:%s", node->ns->prefix, node->name);
    return g_strdup((const char *)node->name);
}

/**
 * virXMLIsBlank:
 *
 * Returns: TRUE if @text (possibly NULL) is only white space.
 */
gboolean
virXMLIsBlank(const xmlChar *text)
{
    for (const xmlChar *p = text; p && *p; p++) {
        if (!g_ascii_isspace(*p))
            return FALSE;
    }
    return TRUE;
}

static gboolean
virXMLUnsupportedChild(xmlNode *parent, xmlNode *child, GError **error)
{
    g_autofree char *pname = virXMLNodeName(parent);
    g_autofree char *cname = virXMLNodeName(child);

    virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED, _("unsupported element <%s>/<%s>"), pname,
                cname);
    return FALSE;
}

static gboolean
virXMLUnexpectedText(xmlNode *parent, GError **error)
{
    g_autofree char *pname = virXMLNodeName(parent);

    virErrorSet(error, VIR_ERR_XML_ERROR, _("unexpected text in <%s>"), pname);
    return FALSE;
}

static const virXMLChildHandler *
virXMLFindHandler(const virXMLChildHandler *handlers, xmlNode *node, guint *index)
{
    if (node->ns)
        return NULL;
    for (guint i = 0; handlers[i].name; i++) {
        if (strcmp(handlers[i].name, (const char *)node->name) == 0) {
            *index = i;
            return &handlers[i];
        }
    }
    return NULL;
}

/**
 * virXMLParseChildren:
 * @parent: the element whose children to parse
 * @handlers: one entry per child element known, ended by a {NULL} entry
 * @opaque: passed to every handler
 *
 * Calls the handler of each child element of @parent in document order.
 * An element without a handler (or in a namespace) is refused with
 * VIR_ERR_CONFIG_UNSUPPORTED; a non-repeatable element given twice, or text
 * between the elements, is VIR_ERR_XML_ERROR.  Comments are skipped.
 *
 * Returns: FALSE with @error set on the first failure.
 */
gboolean
virXMLParseChildren(xmlNode *parent, const virXMLChildHandler *handlers, gpointer opaque,
                    GError **error)
{
    guint64 seen = 0;

    for (xmlNode *cur = parent->children; cur; cur = cur->next) {
        const virXMLChildHandler *h;
        guint i = 0;

        if (cur->type == XML_TEXT_NODE && !virXMLIsBlank(cur->content))
            return virXMLUnexpectedText(parent, error);
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        if (!(h = virXMLFindHandler(handlers, cur, &i)))
            return virXMLUnsupportedChild(parent, cur, error);
        g_assert(i < 64);
        if (!h->repeatable && (seen & (G_GUINT64_CONSTANT(1) << i))) {
            g_autofree char *pname = virXMLNodeName(parent);

            virErrorSet(error, VIR_ERR_XML_ERROR, _("element <%s>/<%s> appears more than once"),
                        pname, h->name);
            return FALSE;
        }
        seen |= G_GUINT64_CONSTANT(1) << i;
        if (!h->parse(cur, opaque, error))
            return FALSE;
    }
    return TRUE;
}

/**
 * virXMLCheckEmpty:
 *
 * Returns: TRUE if @node has neither child elements nor text, else FALSE
 * with @error set (an element is VIR_ERR_CONFIG_UNSUPPORTED, text is
 * VIR_ERR_XML_ERROR).
 */
gboolean
virXMLCheckEmpty(xmlNode *node, GError **error)
{
    static const virXMLChildHandler none[] = {{NULL}};

    return virXMLParseChildren(node, none, NULL, error);
}

/**
 * virXMLCheckAttrs:
 * @allowed: NULL-terminated names of the attributes @node may have
 *
 * Returns: TRUE if every attribute of @node is in @allowed (and in no
 * namespace), else FALSE with VIR_ERR_CONFIG_UNSUPPORTED naming the first
 * other one.
 */
gboolean
virXMLCheckAttrs(xmlNode *node, const char *const *allowed, GError **error)
{
    for (xmlAttr *a = node->properties; a; a = a->next) {
        g_autofree char *aname = NULL;
        g_autofree char *nname = NULL;

        if (!a->ns && g_strv_contains(allowed, (const char *)a->name))
            continue;
        if (a->ns && a->ns->prefix)
            aname = g_strdup_printf("%s:%s", a->ns->prefix, a->name);
        else
            aname = g_strdup((const char *)a->name);
        nname = virXMLNodeName(node);
        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED, _("unsupported attribute '%s' on <%s>"),
                    aname, nname);
        return FALSE;
    }
    return TRUE;
}

/**
 * virXMLNodeText:
 *
 * Returns: (transfer full): the text content of @node ("" when empty), or
 * NULL with @error set when @node has child elements.
 */
char *
virXMLNodeText(xmlNode *node, GError **error)
{
    xmlChar *content;
    char *ret;

    for (xmlNode *cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE) {
            virXMLUnsupportedChild(node, cur, error);
            return NULL;
        }
    }
    content = xmlNodeGetContent(node);
    ret = g_strdup(content ? (const char *)content : "");
    xmlFree(content);
    return ret;
}

/**
 * virXMLNodeTextStripped:
 *
 * Like virXMLNodeText(), without leading and trailing white space.
 */
char *
virXMLNodeTextStripped(xmlNode *node, GError **error)
{
    char *text = virXMLNodeText(node, error);

    return text ? g_strstrip(text) : NULL;
}

/**
 * virXMLPropString:
 *
 * Returns: (transfer full): the value of attribute @name (in no namespace)
 * of @node, or NULL when absent.
 */
char *
virXMLPropString(xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *)name);
    char *ret = g_strdup((const char *)value);

    xmlFree(value);
    return ret;
}

/**
 * virXMLPropStringGet:
 * @value: (out) (transfer full): the value, left NULL when absent
 *
 * Reads attribute @name of @node.  An empty value is always an error, a
 * missing one too with VIR_XML_PROP_REQUIRED (both VIR_ERR_XML_ERROR).
 */
gboolean
virXMLPropStringGet(xmlNode *node, const char *name, virXMLPropFlags flags, char **value,
                    GError **error)
{
    g_autofree char *v = virXMLPropString(node, name);
    g_autofree char *nname = NULL;

    if (v && *v) {
        *value = g_steal_pointer(&v);
        return TRUE;
    }
    if (!v && !(flags & VIR_XML_PROP_REQUIRED))
        return TRUE;
    nname = virXMLNodeName(node);
    if (v)
        virErrorSet(error, VIR_ERR_XML_ERROR, _("attribute '%s' on <%s> must not be empty"), name,
                    nname);
    else
        virErrorSet(error, VIR_ERR_XML_ERROR, _("missing attribute '%s' on <%s>"), name, nname);
    return FALSE;
}

/* An integer attribute in [@min, @max]; its sign only where @min < 0. */
static gboolean
virXMLPropInteger(xmlNode *node, const char *name, gint64 min, gint64 max,
                  virXMLPropFlags flags, gint64 *value, gboolean *found, GError **error)
{
    g_autofree char *v = NULL;
    gboolean digits;

    *found = FALSE;
    if (!virXMLPropStringGet(node, name, flags, &v, error))
        return FALSE;
    if (!v)
        return TRUE;
    digits = g_ascii_isdigit(v[0]) || (min < 0 && v[0] == '-' && g_ascii_isdigit(v[1]));
    if (!digits || !g_ascii_string_to_signed(v, 10, min, max, value, NULL)) {
        g_autofree char *nname = virXMLNodeName(node);

        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("invalid value '%s' for attribute '%s' on <%s>: expected an integer from "
                      "%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT),
                    v, name, nname, min, max);
        return FALSE;
    }
    *found = TRUE;
    return TRUE;
}

/**
 * virXMLPropUInt:
 * @value: (out): left untouched when the attribute is absent
 *
 * Reads attribute @name of @node as a decimal integer in [@min, @max].
 */
gboolean
virXMLPropUInt(xmlNode *node, const char *name, unsigned int min, unsigned int max,
               virXMLPropFlags flags, unsigned int *value, GError **error)
{
    gint64 n;
    gboolean found;

    if (!virXMLPropInteger(node, name, min, max, flags, &n, &found, error))
        return FALSE;
    if (found)
        *value = (unsigned int)n;
    return TRUE;
}

/**
 * virXMLPropInt:
 * @value: (out): left untouched when the attribute is absent
 *
 * Reads attribute @name of @node as a signed decimal integer in
 * [@min, @max].
 */
gboolean
virXMLPropInt(xmlNode *node, const char *name, int min, int max, virXMLPropFlags flags,
              int *value, GError **error)
{
    gint64 n;
    gboolean found;

    if (!virXMLPropInteger(node, name, min, max, flags, &n, &found, error))
        return FALSE;
    if (found)
        *value = (int)n;
    return TRUE;
}

/**
 * virXMLPropEnum:
 * @fromString: the enum's TypeFromString (VIR_ENUM_IMPL)
 * @value: (out): left untouched when the attribute is absent
 *
 * Reads attribute @name of @node as one of an enum's strings; any other
 * value is VIR_ERR_CONFIG_UNSUPPORTED.
 */
gboolean
virXMLPropEnum(xmlNode *node, const char *name, int (*fromString)(const char *),
               virXMLPropFlags flags, int *value, GError **error)
{
    g_autofree char *v = NULL;
    int n;

    if (!virXMLPropStringGet(node, name, flags, &v, error))
        return FALSE;
    if (!v)
        return TRUE;
    if ((n = fromString(v)) < 0) {
        g_autofree char *nname = virXMLNodeName(node);

        virErrorSet(error, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported value '%s' for attribute '%s' on <%s>"), v, name, nname);
        return FALSE;
    }
    *value = n;
    return TRUE;
}

/**
 * virXMLPropOnOff:
 * @value: (out): left untouched when the attribute is absent
 *
 * Reads attribute @name of @node, which must be 'on' or 'off'.
 */
gboolean
virXMLPropOnOff(xmlNode *node, const char *name, virXMLPropFlags flags, gboolean *value,
                GError **error)
{
    g_autofree char *v = NULL;

    if (!virXMLPropStringGet(node, name, flags, &v, error))
        return FALSE;
    if (!v)
        return TRUE;
    if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
        g_autofree char *nname = virXMLNodeName(node);

        virErrorSet(error, VIR_ERR_XML_ERROR,
                    _("invalid value '%s' for attribute '%s' on <%s>: expected 'on' or 'off'"), v,
                    name, nname);
        return FALSE;
    }
    *value = strcmp(v, "on") == 0;
    return TRUE;
}

/* Markup escaping, plus what GLib leaves raw but a parser would not give
 * back: CR anywhere (normalised to LF), TAB and LF in attribute values
 * (normalised to spaces). */
static char *
virXMLEscape(const char *text, gboolean attr)
{
    g_autofree char *escaped = g_markup_escape_text(text, -1);
    GString *s;

    if (!strpbrk(escaped, attr ? "\t\n\r" : "\r"))
        return g_steal_pointer(&escaped);
    s = g_string_new(escaped);
    g_string_replace(s, "\r", "&#13;", 0);
    if (attr) {
        g_string_replace(s, "\n", "&#10;", 0);
        g_string_replace(s, "\t", "&#9;", 0);
    }
    return g_string_free(s, FALSE);
}

/**
 * virXMLWriterInit:
 *
 * Starts an empty document; end it with virXMLWriterFinish().
 */
void
virXMLWriterInit(virXMLWriter *w)
{
    w->buf = g_string_new(NULL);
    w->depth = 0;
    w->open_end = G_MAXSIZE;
}

/**
 * virXMLWriterFinish:
 *
 * Returns: (transfer full): the document written.
 */
char *
virXMLWriterFinish(virXMLWriter *w)
{
    g_assert(w->depth == 0);
    return g_string_free(g_steal_pointer(&w->buf), FALSE);
}

static void
virXMLWriterAttr(virXMLWriter *w, const char *attr, const char *value)
{
    g_autofree char *escaped = NULL;

    if (!value)
        return;
    escaped = virXMLEscape(value, TRUE);
    g_string_append_printf(w->buf, " %s='%s'", attr, escaped);
}

static void
virXMLWriterOpen(virXMLWriter *w, const char *name, va_list ap)
{
    const char *attr;

    g_string_append_printf(w->buf, "%*s<%s", (int)w->depth * 2, "", name);
    while ((attr = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);

        virXMLWriterAttr(w, attr, value);
    }
}

/**
 * virXMLWriterStart:
 *
 * Writes the start tag of an element with children; close it with
 * virXMLWriterEnd().
 */
void
virXMLWriterStart(virXMLWriter *w, const char *name, ...)
{
    va_list ap;

    va_start(ap, name);
    virXMLWriterOpen(w, name, ap);
    va_end(ap);
    g_string_append(w->buf, ">\n");
    w->open_end = w->buf->len;
    w->depth++;
}

/**
 * virXMLWriterStartv:
 * @attrs: name, value, name, value..., NULL: as virXMLWriterStart()'s
 *
 * virXMLWriterStart() with the attributes in an array.
 */
void
virXMLWriterStartv(virXMLWriter *w, const char *name, const char *const *attrs)
{
    g_string_append_printf(w->buf, "%*s<%s", (int)w->depth * 2, "", name);
    for (guint i = 0; attrs && attrs[i]; i += 2)
        virXMLWriterAttr(w, attrs[i], attrs[i + 1]);
    g_string_append(w->buf, ">\n");
    w->open_end = w->buf->len;
    w->depth++;
}

/**
 * virXMLWriterRaw:
 * @xml: a well-formed element, formatted (one element per line)
 *
 * Writes @xml as a child of the element open, indented to its depth.
 */
void
virXMLWriterRaw(virXMLWriter *w, const char *xml)
{
    g_auto(GStrv) lines = g_strsplit(xml, "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        if (!*lines[i] && !lines[i + 1])
            break;
        g_string_append_printf(w->buf, "%*s%s\n", (int)w->depth * 2, "", lines[i]);
    }
}

/**
 * virXMLNodeDump:
 *
 * Returns: (transfer full): @node and its children as text, as found.
 */
char *
virXMLNodeDump(xmlNode *node)
{
    g_autoptr(xmlBuffer) b = xmlBufferCreate();

    g_assert(b);
    if (xmlNodeDump(b, node->doc, node, 0, 0) < 0)
        return NULL;
    return g_strdup((const char *)xmlBufferContent(b));
}

/**
 * virXMLWriterEnd:
 *
 * Writes the end tag of the element opened last, or turns its start tag
 * into an empty element if nothing was written since.
 */
void
virXMLWriterEnd(virXMLWriter *w, const char *name)
{
    g_assert(w->depth > 0);
    w->depth--;
    if (w->buf->len == w->open_end) {
        g_string_truncate(w->buf, w->open_end - strlen(">\n"));
        g_string_append(w->buf, "/>\n");
        return;
    }
    g_string_append_printf(w->buf, "%*s</%s>\n", (int)w->depth * 2, "", name);
}

/**
 * virXMLWriterEmpty:
 *
 * Writes an element without content: <name attr='value'/>.
 */
void
virXMLWriterEmpty(virXMLWriter *w, const char *name, ...)
{
    va_list ap;

    va_start(ap, name);
    virXMLWriterOpen(w, name, ap);
    va_end(ap);
    g_string_append(w->buf, "/>\n");
}

/**
 * virXMLWriterText:
 * @text: the escaped content; nothing is written when it is NULL
 *
 * Writes an element holding text: <name attr='value'>text</name>.
 */
void
virXMLWriterText(virXMLWriter *w, const char *name, const char *text, ...)
{
    g_autofree char *escaped = NULL;
    va_list ap;

    if (!text)
        return;
    va_start(ap, text);
    virXMLWriterOpen(w, name, ap);
    va_end(ap);
    escaped = virXMLEscape(text, FALSE);
    g_string_append_printf(w->buf, ">%s</%s>\n", escaped, name);
}

/**
 * virXMLWriterNode:
 *
 * Writes a foreign subtree verbatim (libxml2's serialisation, namespace
 * declarations included), indented to the current depth.
 */
void
virXMLWriterNode(virXMLWriter *w, xmlNode *node)
{
    g_autoptr(xmlBuffer) b = xmlBufferCreate();

    g_assert(b);
    if (xmlNodeDump(b, node->doc, node, (int)w->depth, 1) < 0)
        return;
    g_string_append_printf(w->buf, "%*s%s\n", (int)w->depth * 2, "",
                           (const char *)xmlBufferContent(b));
}

/**
 * virXMLNodeUUID:
 * @node: a <uuid> element (no attributes)
 * @uuid: (out): its 16 bytes
 *
 * Returns: FALSE with VIR_ERR_XML_ERROR naming the value if it is not a
 * UUID.
 */
gboolean
virXMLNodeUUID(xmlNode *node, unsigned char *uuid, GError **error)
{
    g_autofree char *text = NULL;

    if (!virXMLCheckAttrs(node, VIR_XML_ATTRS(NULL), error) ||
        !(text = virXMLNodeTextStripped(node, error)))
        return FALSE;
    if (!virUUIDParse(text, uuid)) {
        virErrorSet(error, VIR_ERR_XML_ERROR, _("invalid UUID '%s' in <uuid>"), text);
        return FALSE;
    }
    return TRUE;
}

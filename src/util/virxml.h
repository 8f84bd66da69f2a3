/*
 * virxml.h: small libxml2 helpers for the XML configuration parsers
 *
 * Parsing is hardened once here (size cap, no network, no DTD, no entity
 * substitution, DOCTYPE refused, errors captured instead of printed), the
 * walk over an element's children refuses what its parser does not know,
 * and the writer emits libvirt's layout: single-quoted attributes, one
 * element per line, two spaces of indentation per level.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

/* The largest document accepted: libvirt's limit on an RPC string. */
#define VIR_XML_MAX_SIZE (4 * 1024 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

xmlDoc *virXMLParseString(const char *xml, const char *url, GError **error);
xmlDoc *virXMLParseFile(const char *path, GError **error);
xmlNode *virXMLGetRoot(xmlDoc *doc, const char *name, GError **error);

char *virXMLNodeName(const xmlNode *node);
gboolean virXMLIsBlank(const xmlChar *text);

/**
 * virXMLChildFunc:
 * @node: the child element
 * @opaque: what the caller gave virXMLParseChildren()
 *
 * Parses one child element.  Returns: FALSE with @error set on failure.
 */
typedef gboolean (*virXMLChildFunc)(xmlNode *node, gpointer opaque, GError **error);

typedef struct {
    const char *name;        /* local name, in no namespace */
    virXMLChildFunc parse;
    gboolean repeatable;     /* may appear more than once */
} virXMLChildHandler;

gboolean virXMLParseChildren(xmlNode *parent, const virXMLChildHandler *handlers,
                             gpointer opaque, GError **error);
gboolean virXMLCheckEmpty(xmlNode *node, GError **error);
gboolean virXMLCheckAttrs(xmlNode *node, const char *const *allowed, GError **error);

/* A NULL-terminated attribute list for virXMLCheckAttrs(). */
#define VIR_XML_ATTRS(...) ((const char *const[]){__VA_ARGS__, NULL})

char *virXMLNodeText(xmlNode *node, GError **error);
char *virXMLNodeTextStripped(xmlNode *node, GError **error);

typedef enum {
    VIR_XML_PROP_OPTIONAL = 0,
    VIR_XML_PROP_REQUIRED = 1 << 0,  /* absent (or empty) is an error */
} virXMLPropFlags;

char *virXMLPropString(xmlNode *node, const char *name);
gboolean virXMLPropStringGet(xmlNode *node, const char *name, virXMLPropFlags flags, char **value,
                             GError **error);
gboolean virXMLPropUInt(xmlNode *node, const char *name, unsigned int min, unsigned int max,
                        virXMLPropFlags flags, unsigned int *value, GError **error);
gboolean virXMLPropInt(xmlNode *node, const char *name, int min, int max, virXMLPropFlags flags,
                       int *value, GError **error);
gboolean virXMLPropEnum(xmlNode *node, const char *name, int (*fromString)(const char *),
                        virXMLPropFlags flags, int *value, GError **error);
gboolean virXMLPropOnOff(xmlNode *node, const char *name, virXMLPropFlags flags,
                         gboolean *value, GError **error);

/**
 * virXMLWriter:
 *
 * Accumulates a document in libvirt's layout.  Attributes are given as
 * name/value pairs ended by a NULL name; a pair whose value is NULL is
 * left out.  An element started and ended with nothing in between is
 * written as an empty element, <name/>.
 */
typedef struct {
    GString *buf;
    unsigned int depth;
    gsize open_end;          /* where the content of the last start tag begins */
} virXMLWriter;

void virXMLWriterInit(virXMLWriter *w);
char *virXMLWriterFinish(virXMLWriter *w);
void virXMLWriterStart(virXMLWriter *w, const char *name, ...) G_GNUC_NULL_TERMINATED;
void virXMLWriterStartv(virXMLWriter *w, const char *name, const char *const *attrs);
void virXMLWriterEnd(virXMLWriter *w, const char *name);
void virXMLWriterRaw(virXMLWriter *w, const char *xml);
void virXMLWriterEmpty(virXMLWriter *w, const char *name, ...) G_GNUC_NULL_TERMINATED;
void virXMLWriterText(virXMLWriter *w, const char *name, const char *text, ...)
    G_GNUC_NULL_TERMINATED;
void virXMLWriterNode(virXMLWriter *w, xmlNode *node);

char *virXMLNodeDump(xmlNode *node);
gboolean virXMLNodeUUID(xmlNode *node, unsigned char *uuid, GError **error);

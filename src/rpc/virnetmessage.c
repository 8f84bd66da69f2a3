/*
 * virnetmessage.c: frames of the remote protocol
 */
#define G_LOG_DOMAIN "virtd.rpc"

#include "virnetmessage.h"

#include <glib/gi18n.h>
#include <string.h>

#include "virerror.h"

/* Encoding starts with this buffer and doubles it while the payload does
 * not fit, up to the protocol's maximum. */
#define VIR_NET_MESSAGE_INITIAL (64U * 1024)

/* Error texts longer than this are cut (hook output is capped long before). */
#define VIR_NET_ERROR_MESSAGE_MAX (1024U * 1024)

/* Serial of the event frames we send; clients ignore it, libvirtd sends 1. */
#define VIR_NET_EVENT_SERIAL 1

/**
 * virNetMessageNew:
 * @data: (transfer full): a complete frame, length word included
 *
 * Returns: (transfer full): the message; its header is not decoded yet.
 */
virNetMessage *
virNetMessageNew(guint8 *data, gsize len)
{
    virNetMessage *msg = g_new0(virNetMessage, 1);

    msg->data = data;
    msg->len = len;
    return msg;
}

void
virNetMessageFree(virNetMessage *msg)
{
    if (!msg)
        return;
    g_free(msg->data);
    g_free(msg);
}

/**
 * virNetMessageDecodeLength:
 * @word: the first 4 bytes of a frame
 * @len: (out): the whole frame's length
 *
 * Returns: FALSE (VIR_ERR_RPC) if the length is outside the protocol's limits.
 */
gboolean
virNetMessageDecodeLength(const guint8 *word, gsize *len, GError **error)
{
    guint32 be;

    memcpy(&be, word, sizeof(be));
    *len = GUINT32_FROM_BE(be);
    if (*len < VIR_NET_MESSAGE_MIN) {
        virErrorSet(error, VIR_ERR_RPC, _("frame length %zu is below the minimum of %u bytes"),
                    *len, VIR_NET_MESSAGE_MIN);
        return FALSE;
    }
    if (*len - VIR_NET_MESSAGE_LEN_MAX > VIR_NET_MESSAGE_MAX) {
        virErrorSet(error, VIR_ERR_RPC, _("frame length %zu exceeds the maximum of %u bytes"), *len,
                    VIR_NET_MESSAGE_MAX + VIR_NET_MESSAGE_LEN_MAX);
        return FALSE;
    }
    return TRUE;
}

static gboolean
virNetMessageDecode(const guint8 *buf, gsize len, virNetXdrFilter filter, void *obj)
{
    XDR xdrs;
    gboolean ok;

    xdrmem_create(&xdrs, (char *)buf, len, XDR_DECODE);
    ok = filter(&xdrs, obj);
    xdr_destroy(&xdrs);
    if (!ok)
        virNetXdrFree(filter, obj);
    return ok;
}

gboolean
virNetMessageDecodeHeader(virNetMessage *msg, GError **error)
{
    g_return_val_if_fail(msg->len >= VIR_NET_MESSAGE_MIN, FALSE);

    if (!virNetMessageDecode(msg->data + VIR_NET_MESSAGE_LEN_MAX, VIR_NET_MESSAGE_HEADER_LEN,
                             virNetXdrHeader, &msg->header)) {
        virErrorSet(error, VIR_ERR_RPC, _("cannot decode the message header"));
        return FALSE;
    }
    return TRUE;
}

/**
 * virNetMessageDecodePayload:
 * @obj: (out caller-allocates): zeroed struct for @filter
 *
 * Decodes the payload that follows the header.  Trailing bytes are
 * ignored, as libvirt does.  On failure nothing stays allocated in @obj.
 */
gboolean
virNetMessageDecodePayload(const virNetMessage *msg, virNetXdrFilter filter, void *obj,
                           GError **error)
{
    if (!virNetMessageDecode(msg->data + VIR_NET_MESSAGE_MIN, msg->len - VIR_NET_MESSAGE_MIN,
                             filter, obj)) {
        virErrorSet(error, VIR_ERR_RPC, _("cannot decode the arguments of procedure %d"),
                    msg->header.proc);
        return FALSE;
    }
    return TRUE;
}

/* Encodes header and payload into @buf; returns the frame length or 0. */
static gsize
virNetMessageEncodeInto(guint8 *buf, gsize size, const virNetMessageHeader *header,
                        virNetXdrFilter filter, void *obj)
{
    XDR xdrs;
    gsize len = 0;
    guint32 be;

    xdrmem_create(&xdrs, (char *)buf + VIR_NET_MESSAGE_LEN_MAX, size - VIR_NET_MESSAGE_LEN_MAX,
                  XDR_ENCODE);
    if (virNetXdrHeader(&xdrs, (void *)header) && filter(&xdrs, obj))
        len = xdr_getpos(&xdrs) + VIR_NET_MESSAGE_LEN_MAX;
    xdr_destroy(&xdrs);
    be = GUINT32_TO_BE((guint32)len);
    memcpy(buf, &be, sizeof(be));
    return len;
}

/**
 * virNetMessageEncode:
 *
 * Returns: (transfer full): the complete frame, or NULL (VIR_ERR_INTERNAL_ERROR)
 * if @obj cannot be encoded within the protocol's limits.
 */
GBytes *
virNetMessageEncode(const virNetMessageHeader *header, virNetXdrFilter filter, void *obj,
                    GError **error)
{
    const gsize max = VIR_NET_MESSAGE_MAX + VIR_NET_MESSAGE_LEN_MAX;

    for (gsize size = VIR_NET_MESSAGE_INITIAL;; size = MIN(size * 2, max)) {
        g_autofree guint8 *buf = g_malloc(size);
        gsize len = virNetMessageEncodeInto(buf, size, header, filter, obj);

        if (len > 0)
            return g_bytes_new_take(g_realloc(g_steal_pointer(&buf), len), len);
        if (size == max)
            break;
    }
    virErrorSet(error, VIR_ERR_INTERNAL_ERROR,
                _("cannot encode the message of procedure %d: too large or invalid"), header->proc);
    return NULL;
}

GBytes *
virNetMessageEncodeReply(const virNetMessageHeader *call, virNetXdrFilter filter, void *ret,
                         GError **error)
{
    virNetMessageHeader h = *call;

    h.type = VIR_NET_REPLY;
    h.status = VIR_NET_OK;
    return virNetMessageEncode(&h, filter, ret, error);
}

static char *
virNetMessageCutText(const char *text)
{
    const char *end;

    if (strlen(text) <= VIR_NET_ERROR_MESSAGE_MAX)
        return g_strdup(text);
    /* the start of the character holding byte MAX: the text is longer,
     * so MAX + 1 is within it */
    end = g_utf8_find_prev_char(text, text + VIR_NET_ERROR_MESSAGE_MAX + 1);
    return g_strndup(text, end ? end - text : 0);
}

/**
 * virNetMessageEncodeError:
 * @call: header of the call being answered (prog, vers, proc, serial echoed)
 * @code: virErrorNumber
 * @domain: virErrorDomain
 *
 * Returns: (transfer full): a REPLY frame with status ERROR; never NULL.
 */
GBytes *
virNetMessageEncodeError(const virNetMessageHeader *call, int code, int domain, const char *message)
{
    g_autofree char *text = virNetMessageCutText(message ? message : "");
    virNetMessageHeader h = *call;
    remoteError err = {
        .code = code,
        .domain = domain,
        .message = text,
        .level = 2,
        .int1 = -1,
        .int2 = -1,
    };
    GBytes *frame;

    h.type = VIR_NET_REPLY;
    h.status = VIR_NET_ERROR;
    frame = virNetMessageEncode(&h, virNetXdrError, &err, NULL);
    g_assert(frame);
    return frame;
}

/**
 * virNetMessageEncodeEvent:
 * @proc: the REMOTE event procedure (107, 315, 318)
 *
 * Returns: (transfer full): a MESSAGE frame, or NULL if @msg cannot be encoded.
 */
GBytes *
virNetMessageEncodeEvent(int proc, virNetXdrFilter filter, void *msg, GError **error)
{
    virNetMessageHeader h = {
        .prog = VIR_NET_PROGRAM_REMOTE,
        .vers = VIR_NET_PROGRAM_VERSION,
        .proc = proc,
        .type = VIR_NET_MESSAGE,
        .serial = VIR_NET_EVENT_SERIAL,
        .status = VIR_NET_OK,
    };

    return virNetMessageEncode(&h, filter, msg, error);
}

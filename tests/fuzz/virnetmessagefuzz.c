/*
 * virnetmessagefuzz.c: libFuzzer target for the remote protocol's frames
 *
 * The input is what a client writes on virtd's socket: frames one after
 * the other, each a length word, the header and an XDR payload.  Each is
 * taken as the server reads it (virNetMessageDecodeLength, then exactly
 * that many bytes, virNetMessageDecodeHeader), and a CALL that the server
 * would dispatch has its arguments decoded with the filter of its
 * procedure in the real table (remoteProcedureLookup), as remoteDispatch
 * does.  REPLY and MESSAGE frames, which clients never send, have their
 * payload decoded as a client would decode virtd's replies, errors and
 * events, so that the encoders of those are checked too.
 *
 * Asserted (abort on violation), besides what ASan, UBSan and LSan find:
 *  - a length word is accepted exactly when it is within the protocol's
 *    limits, and every refusal is a VIR_ERR_RPC with a UTF-8 message;
 *  - a header always decodes from a frame of accepted length;
 *  - a payload that does not decode leaves nothing allocated (its struct
 *    is then released with g_free alone: LSan reports what was left);
 *  - a decoded struct encodes again, to a frame no longer than the input,
 *    with the same header, which decodes again and encodes to the same
 *    bytes (a fixed point after one round: decoding drops padding bytes,
 *    trailing bytes and what follows a NUL in a string);
 *  - freeing a decoded struct (virNetXdrFree) clears it: a second free is
 *    harmless.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote_dispatch.h"
#include "virerror.h"
#include "virnetmessage.h"
#include "virnetprotocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FAIL(...)                                                                             \
    do {                                                                                           \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

typedef struct {
    virNetXdrFilter filter;
    gsize size;
} fuzzShape;

/* The events virtd sends (remote_events.c). */
static const struct {
    int proc;
    fuzzShape shape;
} fuzzEvents[] = {
    {REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE,
     {virNetXdrDomainEventLifecycleMsg, sizeof(remoteDomainEventLifecycleMsg)}},
    {REMOTE_PROC_NETWORK_EVENT_LIFECYCLE,
     {virNetXdrNetworkEventLifecycleMsg, sizeof(remoteNetworkEventLifecycleMsg)}},
    {REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
     {virNetXdrDomainEventCallbackLifecycleMsg, sizeof(remoteDomainEventCallbackLifecycleMsg)}},
    {REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT,
     {virNetXdrDomainEventCallbackDomMsg, sizeof(remoteDomainEventCallbackIntMsg)}},
    {REMOTE_PROC_DOMAIN_EVENT_CALLBACK_WATCHDOG,
     {virNetXdrDomainEventCallbackIntMsg, sizeof(remoteDomainEventCallbackIntMsg)}},
};

static gboolean
fuzzEventShape(int proc, fuzzShape *shape)
{
    for (gsize i = 0; i < G_N_ELEMENTS(fuzzEvents); i++) {
        if (fuzzEvents[i].proc == proc) {
            *shape = fuzzEvents[i].shape;
            return TRUE;
        }
    }
    return FALSE;
}

/* What the payload of a frame with header @h is, if anything decodes it. */
static gboolean
fuzzShapeOf(const virNetMessageHeader *h, fuzzShape *shape)
{
    const remoteProcedureInfo *info;

    /* the server's gate (virNetServerClientHandleFrame); it reads nothing
     * of a keepalive's payload */
    if (h->prog != VIR_NET_PROGRAM_REMOTE || h->vers != VIR_NET_PROGRAM_VERSION)
        return FALSE;
    if (h->type == VIR_NET_MESSAGE)
        return fuzzEventShape(h->proc, shape);
    if (h->type == VIR_NET_REPLY && h->status == VIR_NET_ERROR) {
        *shape = (fuzzShape){virNetXdrError, sizeof(remoteError)};
        return TRUE;
    }
    if (!(info = remoteProcedureLookup(h->proc)))
        return FALSE;
    if (h->type == VIR_NET_CALL && h->status == VIR_NET_OK) {
        *shape = (fuzzShape){info->args_filter, info->args_size};
        return TRUE;
    }
    if (h->type == VIR_NET_REPLY && h->status == VIR_NET_OK) {
        *shape = (fuzzShape){info->ret_filter, info->ret_size};
        return TRUE;
    }
    return FALSE;
}

static void
fuzzCheckError(const GError *err, const char *what)
{
    if (!err || err->domain != VIR_ERROR || err->code != VIR_ERR_RPC ||
        !g_utf8_validate(err->message, -1, NULL))
        FUZZ_FAIL("%s: not a VIR_ERR_RPC with a UTF-8 message", what);
}

/* Frees @obj's members twice (the first must clear what it frees), then
 * @obj. */
static void
fuzzFree(virNetXdrFilter filter, void *obj)
{
    virNetXdrFree(filter, obj);
    virNetXdrFree(filter, obj);
    g_free(obj);
}

/* Decodes the payload of @msg (header decoded) into a new struct, or
 * returns NULL, having checked the error and freed the struct alone. */
static void *
fuzzDecode(const virNetMessage *msg, const fuzzShape *shape)
{
    void *obj = g_malloc0(shape->size);
    g_autoptr(GError) err = NULL;

    if (virNetMessageDecodePayload(msg, shape->filter, obj, &err))
        return obj;
    fuzzCheckError(err, "payload");
    g_free(obj);
    return NULL;
}

static virNetMessage *
fuzzMessageOf(GBytes *frame)
{
    gsize len;
    const guint8 *data = g_bytes_get_data(frame, &len);
    virNetMessage *msg = virNetMessageNew(g_memdup2(data, len), len);
    gsize declared;

    if (!virNetMessageDecodeLength(msg->data, &declared, NULL) || declared != len)
        FUZZ_FAIL("an encoded frame has a wrong length word");
    if (!virNetMessageDecodeHeader(msg, NULL))
        FUZZ_FAIL("an encoded header does not decode");
    return msg;
}

/* decode → encode → decode → encode: the two encodings are the same. */
static void
fuzzRoundTrip(const virNetMessage *msg, const fuzzShape *shape, void *obj)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) once = virNetMessageEncode(&msg->header, shape->filter, obj, &err);
    g_autoptr(GBytes) twice = NULL;
    g_autoptr(virNetMessage) again = NULL;
    void *obj2;

    if (!once)
        FUZZ_FAIL("proc %d: a decoded payload does not encode: %s", msg->header.proc, err->message);
    if (g_bytes_get_size(once) > msg->len)
        FUZZ_FAIL("proc %d: encoded to %zu bytes from %zu", msg->header.proc,
                  g_bytes_get_size(once), msg->len);
    again = fuzzMessageOf(once);
    if (memcmp(&again->header, &msg->header, sizeof(msg->header)) != 0)
        FUZZ_FAIL("proc %d: the header changed in a round trip", msg->header.proc);
    if (!(obj2 = fuzzDecode(again, shape)))
        FUZZ_FAIL("proc %d: an encoded payload does not decode", msg->header.proc);
    twice = virNetMessageEncode(&again->header, shape->filter, obj2, &err);
    if (!twice || !g_bytes_equal(once, twice))
        FUZZ_FAIL("proc %d: decode and encode is not a fixed point", msg->header.proc);
    fuzzFree(shape->filter, obj2);
}

/* One frame of @len bytes (its length word accepted). */
static void
fuzzFrame(const uint8_t *data, gsize len)
{
    g_autoptr(virNetMessage) msg = virNetMessageNew(g_memdup2(data, len), len);
    g_autoptr(GError) err = NULL;
    fuzzShape shape;
    void *obj;

    if (!virNetMessageDecodeHeader(msg, &err))
        FUZZ_FAIL("a header of %zu bytes does not decode: %s", len, err->message);
    if (!fuzzShapeOf(&msg->header, &shape))
        return;
    if (!(obj = fuzzDecode(msg, &shape)))
        return;
    fuzzRoundTrip(msg, &shape, obj);
    fuzzFree(shape.filter, obj);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const gsize max = VIR_NET_MESSAGE_MAX + VIR_NET_MESSAGE_LEN_MAX;

    while (size >= VIR_NET_MESSAGE_LEN_MAX) {
        g_autoptr(GError) err = NULL;
        guint32 be;
        gsize len = 0;
        gboolean ok = virNetMessageDecodeLength(data, &len, &err);

        memcpy(&be, data, sizeof(be));
        if (len != GUINT32_FROM_BE(be))
            FUZZ_FAIL("length word %u decoded as %zu", GUINT32_FROM_BE(be), len);
        if (ok != (len >= VIR_NET_MESSAGE_MIN && len <= max))
            FUZZ_FAIL("length %zu %s", len, ok ? "accepted" : "refused");
        if (!ok) {
            fuzzCheckError(err, "length word");
            return 0; /* the server closes the connection */
        }
        if (len > size)
            return 0; /* the server waits for the rest */
        fuzzFrame(data, len);
        data += len;
        size -= len;
    }
    return 0;
}

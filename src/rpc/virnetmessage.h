/*
 * virnetmessage.h: frames of the remote protocol
 *
 * A frame is a 4-byte big-endian length (counting itself), the 24-byte
 * header and an XDR payload.  These helpers check lengths, decode headers
 * and payloads, and build complete reply, error and event frames as
 * GBytes ready to be queued on a client.
 */
#pragma once

#include <glib.h>

#include "virnetprotocol.h"

typedef struct {
    virNetMessageHeader header;
    guint8 *data; /* the whole frame, length word included */
    gsize len;
} virNetMessage;

virNetMessage *virNetMessageNew(guint8 *data, gsize len);
void virNetMessageFree(virNetMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetMessage, virNetMessageFree)

gboolean virNetMessageDecodeLength(const guint8 *word, gsize *len, GError **error);
gboolean virNetMessageDecodeHeader(virNetMessage *msg, GError **error);
gboolean virNetMessageDecodePayload(const virNetMessage *msg, virNetXdrFilter filter, void *obj,
                                    GError **error);

GBytes *virNetMessageEncode(const virNetMessageHeader *header, virNetXdrFilter filter, void *obj,
                            GError **error);
GBytes *virNetMessageEncodeReply(const virNetMessageHeader *call, virNetXdrFilter filter, void *ret,
                                 GError **error);
GBytes *virNetMessageEncodeError(const virNetMessageHeader *call, int code, int domain,
                                 const char *message);
GBytes *virNetMessageEncodeEvent(int proc, virNetXdrFilter filter, void *msg, GError **error);

/*
 * virnetmessagetest.c: the remote protocol's frames, byte for byte
 *
 * The expected frames are written out here word by word from the protocol
 * (a 4-byte big-endian length counting itself, the 24-byte header, the XDR
 * payload: every item a multiple of 4 bytes, big-endian, strings as length
 * + bytes + zero padding, optional values as a 0/1 word + the value), so
 * that the codec is checked against the wire format and not against
 * itself.  Round trips then decode what was encoded.
 */
#include <glib.h>
#include <string.h>

#include "virerror.h"
#include "virnetmessage.h"
#include "virnetprotocol.h"

/* ---- expected bytes ---------------------------------------------------- */

static void
put_u32(GByteArray *b, guint32 v)
{
    guint32 be = GUINT32_TO_BE(v);

    g_byte_array_append(b, (const guint8 *)&be, sizeof(be));
}

static void
put_u64(GByteArray *b, guint64 v)
{
    put_u32(b, (guint32)(v >> 32));
    put_u32(b, (guint32)v);
}

static void
put_bytes(GByteArray *b, const void *data, gsize len)
{
    static const guint8 zero[4] = {0};

    g_byte_array_append(b, data, len);
    g_byte_array_append(b, zero, (4 - len % 4) % 4);
}

static void
put_string(GByteArray *b, const char *s)
{
    put_u32(b, strlen(s));
    put_bytes(b, s, strlen(s));
}

static void
put_header(GByteArray *b, guint32 prog, guint32 vers, gint32 proc, gint32 type, guint32 serial,
           gint32 status)
{
    put_u32(b, prog);
    put_u32(b, vers);
    put_u32(b, (guint32)proc);
    put_u32(b, (guint32)type);
    put_u32(b, serial);
    put_u32(b, (guint32)status);
}

/* A frame under construction: the length word is filled by frame_end(). */
static GByteArray *
frame_begin(void)
{
    GByteArray *b = g_byte_array_new();

    put_u32(b, 0);
    return b;
}

static GByteArray *
frame_end(GByteArray *b)
{
    guint32 be = GUINT32_TO_BE(b->len);

    memcpy(b->data, &be, sizeof(be));
    return b;
}

static void
assert_frame(GBytes *actual, const GByteArray *expected)
{
    gsize len;
    const guint8 *data = g_bytes_get_data(actual, &len);

    g_assert_cmpmem(data, len, expected->data, expected->len);
}

/* A message as the server builds it from what it read: a copy of @len
 * bytes of @data. */
static virNetMessage *
message_of(const guint8 *data, gsize len)
{
    return virNetMessageNew(g_memdup2(data, len), len);
}

static const unsigned char uuid1[VIR_UUID_BUFLEN] = {
    0x4d, 0xea, 0x22, 0xb3, 0x1d, 0x52, 0xd8, 0xf3, 0x27, 0x54, 0xe2, 0x4d, 0x97, 0x6d, 0x4a, 0x00};

/* DOMAIN_GET_XML_DESC (14), serial 5: remote_domain_get_xml_desc_args is
 * a domain (name, uuid, id) and flags. */
static GByteArray *
expected_get_xml_desc_call(void)
{
    GByteArray *b = frame_begin();

    put_header(b, VIR_NET_PROGRAM_REMOTE, 1, REMOTE_PROC_DOMAIN_GET_XML_DESC, VIR_NET_CALL, 5,
               VIR_NET_OK);
    put_string(b, "web1");
    put_bytes(b, uuid1, sizeof(uuid1));
    put_u32(b, (guint32)-1);
    put_u32(b, 2); /* VIR_DOMAIN_XML_INACTIVE */
    return frame_end(b);
}

/* ---- length word ------------------------------------------------------- */

static void
test_length_valid(void)
{
    const guint32 cases[] = {28, 29, 4096, 16 * 1024 * 1024 + 4};

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint32 be = GUINT32_TO_BE(cases[i]);
        g_autoptr(GError) err = NULL;
        gsize len = 0;

        g_assert_true(virNetMessageDecodeLength((const guint8 *)&be, &len, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(len, ==, cases[i]);
    }
}

/* Length words below the header's size or above the largest frame. */
static void
test_length_refused(void)
{
    const struct {
        guint32 word;
        const char *message;
    } cases[] = {
        {0, "frame length 0 is below the minimum of 28 bytes"},
        {4, "frame length 4 is below the minimum of 28 bytes"},
        {27, "frame length 27 is below the minimum of 28 bytes"},
        {16 * 1024 * 1024 + 5, "frame length 16777221 exceeds the maximum of 16777220 bytes"},
        {0x7fffffff, "frame length 2147483647 exceeds the maximum of 16777220 bytes"},
        {0xffffffff, "frame length 4294967295 exceeds the maximum of 16777220 bytes"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint32 be = GUINT32_TO_BE(cases[i].word);
        g_autoptr(GError) err = NULL;
        gsize len = 0;

        g_assert_false(virNetMessageDecodeLength((const guint8 *)&be, &len, &err));
        g_assert_error(err, VIR_ERROR, VIR_ERR_RPC);
        g_assert_cmpstr(err->message, ==, cases[i].message);
    }
}

/* ---- calls ------------------------------------------------------------- */

/* A call as a client sends it: header and arguments decode exactly. */
static void
test_call_decode(void)
{
    g_autoptr(GByteArray) wire = expected_get_xml_desc_call();
    g_autoptr(virNetMessage) msg = message_of(wire->data, wire->len);
    remoteDomainFlagsArgs args = {0};
    g_autoptr(GError) err = NULL;
    gsize len = 0;

    g_assert_cmpuint(wire->len, ==, 28 + 8 + 16 + 4 + 4);
    g_assert_true(virNetMessageDecodeLength(wire->data, &len, &err));
    g_assert_cmpuint(len, ==, wire->len);
    g_assert_true(virNetMessageDecodeHeader(msg, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(msg->header.prog, ==, 0x20008086);
    g_assert_cmpuint(msg->header.vers, ==, 1);
    g_assert_cmpint(msg->header.proc, ==, 14);
    g_assert_cmpint(msg->header.type, ==, VIR_NET_CALL);
    g_assert_cmpuint(msg->header.serial, ==, 5);
    g_assert_cmpint(msg->header.status, ==, VIR_NET_OK);

    g_assert_true(virNetMessageDecodePayload(msg, virNetXdrDomainFlagsArgs, &args, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(args.dom.name, ==, "web1");
    g_assert_cmpmem(args.dom.uuid, sizeof(args.dom.uuid), uuid1, sizeof(uuid1));
    g_assert_cmpint(args.dom.id, ==, -1);
    g_assert_cmpuint(args.flags, ==, 2);
    virNetXdrFree(virNetXdrDomainFlagsArgs, &args);
    g_assert_null(args.dom.name);
}

/* Encoding the same call gives the same bytes, and they decode back. */
static void
test_call_roundtrip(void)
{
    g_autoptr(GByteArray) expected = expected_get_xml_desc_call();
    virNetMessageHeader h = {
        .prog = VIR_NET_PROGRAM_REMOTE,
        .vers = VIR_NET_PROGRAM_VERSION,
        .proc = REMOTE_PROC_DOMAIN_GET_XML_DESC,
        .type = VIR_NET_CALL,
        .serial = 5,
        .status = VIR_NET_OK,
    };
    remoteDomainFlagsArgs args = {.dom = {.name = (char *)"web1", .id = -1}, .flags = 2};
    remoteDomainFlagsArgs back = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) frame = NULL;
    g_autoptr(virNetMessage) msg = NULL;

    memcpy(args.dom.uuid, uuid1, sizeof(uuid1));
    frame = virNetMessageEncode(&h, virNetXdrDomainFlagsArgs, &args, &err);
    g_assert_no_error(err);
    assert_frame(frame, expected);

    msg = message_of(g_bytes_get_data(frame, NULL), g_bytes_get_size(frame));
    g_assert_true(virNetMessageDecodeHeader(msg, &err));
    g_assert_cmpmem(&msg->header, sizeof(msg->header), &h, sizeof(h));
    g_assert_true(virNetMessageDecodePayload(msg, virNetXdrDomainFlagsArgs, &back, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(back.dom.name, ==, "web1");
    g_assert_cmpmem(back.dom.uuid, sizeof(back.dom.uuid), uuid1, sizeof(uuid1));
    g_assert_cmpint(back.dom.id, ==, -1);
    g_assert_cmpuint(back.flags, ==, 2);
    virNetXdrFree(virNetXdrDomainFlagsArgs, &back);
}

/* CONNECT_OPEN's name is a remote_string: present (1) or absent (0). */
static void
test_call_optional_string(void)
{
    const char *names[] = {"qemu:///system", NULL};

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(GByteArray) wire = frame_begin();
        g_autoptr(virNetMessage) msg = NULL;
        remoteConnectOpenArgs args = {0};
        g_autoptr(GError) err = NULL;

        put_header(wire, VIR_NET_PROGRAM_REMOTE, 1, REMOTE_PROC_CONNECT_OPEN, VIR_NET_CALL, 1,
                   VIR_NET_OK);
        put_u32(wire, names[i] != NULL);
        if (names[i])
            put_string(wire, names[i]);
        put_u32(wire, VIR_CONNECT_RO);
        frame_end(wire);
        msg = message_of(wire->data, wire->len);

        g_assert_true(virNetMessageDecodeHeader(msg, &err));
        g_assert_true(virNetMessageDecodePayload(msg, virNetXdrConnectOpenArgs, &args, &err));
        g_assert_no_error(err);
        g_assert_cmpstr(args.name, ==, names[i]);
        g_assert_cmpuint(args.flags, ==, VIR_CONNECT_RO);
        virNetXdrFree(virNetXdrConnectOpenArgs, &args);
    }
}

/* Bytes after the arguments are ignored, as libvirt does. */
static void
test_call_trailing_bytes(void)
{
    g_autoptr(GByteArray) wire = frame_begin();
    g_autoptr(virNetMessage) msg = NULL;
    remoteIntMsg args = {0};
    g_autoptr(GError) err = NULL;

    put_header(wire, VIR_NET_PROGRAM_REMOTE, 1, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, VIR_NET_CALL,
               3, VIR_NET_OK);
    put_u32(wire, VIR_NET_FEATURE_PROGRAM_KEEPALIVE);
    put_u32(wire, 0xdeadbeef);
    frame_end(wire);
    msg = message_of(wire->data, wire->len);

    g_assert_true(virNetMessageDecodeHeader(msg, &err));
    g_assert_true(virNetMessageDecodePayload(msg, virNetXdrIntMsg, &args, &err));
    g_assert_no_error(err);
    g_assert_cmpint(args.value, ==, 10);
}

/* Every cut of a valid call's arguments fails to decode, with nothing
 * left allocated in the argument struct. */
static void
test_call_truncated(void)
{
    g_autoptr(GByteArray) wire = expected_get_xml_desc_call();

    for (gsize cut = VIR_NET_MESSAGE_MIN; cut < wire->len; cut++) {
        g_autoptr(virNetMessage) msg = message_of(wire->data, cut);
        remoteDomainFlagsArgs args = {0};
        g_autoptr(GError) err = NULL;

        /* the length word still claims the whole frame: the codec must
         * trust the buffer's size, not the word */
        g_assert_true(virNetMessageDecodeHeader(msg, &err));
        g_assert_false(virNetMessageDecodePayload(msg, virNetXdrDomainFlagsArgs, &args, &err));
        g_assert_error(err, VIR_ERROR, VIR_ERR_RPC);
        g_assert_cmpstr(err->message, ==, "cannot decode the arguments of procedure 14");
        g_assert_null(args.dom.name);
    }
}

/* Lengths, counts and optional flags beyond the protocol's limits are
 * refused, with nothing left in the argument struct. */
static void
test_call_oversized_items(void)
{
    const struct {
        int proc;
        virNetXdrFilter filter;
        gsize size;
        guint32 words[3];
        gsize n_words;
    } cases[] = {
        /* a string of 4 MiB + 1 bytes (remote_nonnull_string max) */
        {REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
         virNetXdrStringMsg,
         sizeof(remoteStringMsg),
         {VIR_NET_STRING_MAX + 1},
         1},
        {REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
         virNetXdrStringMsg,
         sizeof(remoteStringMsg),
         {0xffffffff},
         1},
        /* an optional value flagged 2 */
        {REMOTE_PROC_CONNECT_OPEN,
         virNetXdrConnectOpenArgs,
         sizeof(remoteConnectOpenArgs),
         {2, 0, 0},
         3},
        /* a domain list of 16385 entries */
        {REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
         virNetXdrListAllDomainsRet,
         sizeof(remoteListAllDomainsRet),
         {VIR_NET_LIST_MAX + 1, 0},
         2},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GByteArray) wire = frame_begin();
        g_autoptr(virNetMessage) msg = NULL;
        g_autofree void *obj = g_malloc0(cases[i].size);
        g_autofree void *zero = g_malloc0(cases[i].size);
        g_autofree char *expected =
            g_strdup_printf("cannot decode the arguments of procedure %d", cases[i].proc);
        g_autoptr(GError) err = NULL;

        put_header(wire, VIR_NET_PROGRAM_REMOTE, 1, cases[i].proc, VIR_NET_CALL, 9, VIR_NET_OK);
        for (gsize w = 0; w < cases[i].n_words; w++)
            put_u32(wire, cases[i].words[w]);
        put_bytes(wire, "abcdefgh", 8);
        frame_end(wire);
        msg = message_of(wire->data, wire->len);

        g_assert_true(virNetMessageDecodeHeader(msg, &err));
        g_assert_false(virNetMessageDecodePayload(msg, cases[i].filter, obj, &err));
        g_assert_error(err, VIR_ERROR, VIR_ERR_RPC);
        g_assert_cmpstr(err->message, ==, expected);
        g_assert_cmpmem(obj, cases[i].size, zero, cases[i].size);
    }
}

/* The header decodes whatever program, version, type and status it
 * holds, exactly: telling a foreign program or an unknown version apart
 * is the server's job, and its error reply echoes them. */
static void
test_header_any_program(void)
{
    g_autoptr(GByteArray) wire = frame_begin();
    g_autoptr(GByteArray) expected = frame_begin();
    g_autoptr(virNetMessage) msg = NULL;
    g_autoptr(GBytes) reply = NULL;
    g_autoptr(GError) err = NULL;

    put_header(wire, 0x11223344, 7, -3, 99, 0xfffffffe, -1);
    frame_end(wire);
    msg = message_of(wire->data, wire->len);
    g_assert_true(virNetMessageDecodeHeader(msg, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(msg->header.prog, ==, 0x11223344);
    g_assert_cmpuint(msg->header.vers, ==, 7);
    g_assert_cmpint(msg->header.proc, ==, -3);
    g_assert_cmpint(msg->header.type, ==, 99);
    g_assert_cmpuint(msg->header.serial, ==, 0xfffffffe);
    g_assert_cmpint(msg->header.status, ==, -1);

    reply = virNetMessageEncodeError(&msg->header, VIR_ERR_RPC, VIR_FROM_RPC,
                                     "unknown program 0x11223344 version 7");
    put_header(expected, 0x11223344, 7, -3, VIR_NET_REPLY, 0xfffffffe, VIR_NET_ERROR);
    put_u32(expected, VIR_ERR_RPC);
    put_u32(expected, VIR_FROM_RPC);
    put_u32(expected, 1);
    put_string(expected, "unknown program 0x11223344 version 7");
    put_u32(expected, 2);           /* level: error */
    put_u32(expected, 0);           /* dom: absent */
    put_u32(expected, 0);           /* str1 */
    put_u32(expected, 0);           /* str2 */
    put_u32(expected, 0);           /* str3 */
    put_u32(expected, (guint32)-1); /* int1 */
    put_u32(expected, (guint32)-1); /* int2 */
    put_u32(expected, 0);           /* net: absent */
    assert_frame(reply, frame_end(expected));
}

/* ---- replies, errors, events ------------------------------------------- */

/* DOMAIN_GET_INFO's reply: the call's header with type REPLY, status OK;
 * u_char and u_short take a whole word each. */
static void
test_reply(void)
{
    virNetMessageHeader call = {
        .prog = VIR_NET_PROGRAM_REMOTE,
        .vers = 1,
        .proc = REMOTE_PROC_DOMAIN_GET_INFO,
        .type = VIR_NET_CALL,
        .serial = 42,
        .status = VIR_NET_OK,
    };
    remoteDomainGetInfoRet ret = {
        .state = 1,
        .max_mem = 262144,
        .memory = 131072,
        .nr_virt_cpu = 2,
        .cpu_time = G_GUINT64_CONSTANT(0x123456789a),
    };
    remoteDomainGetInfoRet back = {0};
    g_autoptr(GByteArray) expected = frame_begin();
    g_autoptr(GBytes) frame = NULL;
    g_autoptr(virNetMessage) msg = NULL;
    g_autoptr(GError) err = NULL;

    frame = virNetMessageEncodeReply(&call, virNetXdrDomainGetInfoRet, &ret, &err);
    g_assert_no_error(err);
    put_header(expected, VIR_NET_PROGRAM_REMOTE, 1, 16, VIR_NET_REPLY, 42, VIR_NET_OK);
    put_u32(expected, 1);
    put_u64(expected, 262144);
    put_u64(expected, 131072);
    put_u32(expected, 2);
    put_u64(expected, G_GUINT64_CONSTANT(0x123456789a));
    assert_frame(frame, frame_end(expected));
    g_assert_cmpuint(g_bytes_get_size(frame), ==, 28 + 4 + 8 + 8 + 4 + 8);

    msg = message_of(g_bytes_get_data(frame, NULL), g_bytes_get_size(frame));
    g_assert_true(virNetMessageDecodeHeader(msg, &err));
    g_assert_true(virNetMessageDecodePayload(msg, virNetXdrDomainGetInfoRet, &back, &err));
    g_assert_cmpuint(back.state, ==, 1);
    g_assert_cmpuint(back.max_mem, ==, 262144);
    g_assert_cmpuint(back.memory, ==, 131072);
    g_assert_cmpuint(back.nr_virt_cpu, ==, 2);
    g_assert_cmpuint(back.cpu_time, ==, G_GUINT64_CONSTANT(0x123456789a));
}

/* A reply holding a list of domains and strings needing every padding. */
static void
test_reply_list(void)
{
    virNetMessageHeader call = {
        .prog = VIR_NET_PROGRAM_REMOTE,
        .vers = 1,
        .proc = REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
        .type = VIR_NET_CALL,
        .serial = 8,
    };
    virDomainHandle doms[4] = {
        {.name = (char *)"a", .id = 1},
        {.name = (char *)"ab", .id = -1},
        {.name = (char *)"abc", .id = 3},
        {.name = (char *)"abcd", .id = 4},
    };
    remoteListAllDomainsRet ret = {.n_domains = 4, .domains = doms, .ret = 4};
    remoteListAllDomainsRet back = {0};
    g_autoptr(GByteArray) expected = frame_begin();
    g_autoptr(GBytes) frame = NULL;
    g_autoptr(virNetMessage) msg = NULL;
    g_autoptr(GError) err = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(doms); i++)
        memset(doms[i].uuid, (int)i + 1, sizeof(doms[i].uuid));
    frame = virNetMessageEncodeReply(&call, virNetXdrListAllDomainsRet, &ret, &err);
    g_assert_no_error(err);
    put_header(expected, VIR_NET_PROGRAM_REMOTE, 1, 273, VIR_NET_REPLY, 8, VIR_NET_OK);
    put_u32(expected, 4);
    for (gsize i = 0; i < G_N_ELEMENTS(doms); i++) {
        put_string(expected, doms[i].name);
        put_bytes(expected, doms[i].uuid, sizeof(doms[i].uuid));
        put_u32(expected, (guint32)doms[i].id);
    }
    put_u32(expected, 4);
    assert_frame(frame, frame_end(expected));
    /* names padded to 4 bytes each: 1, 2, 3 and 4 bytes take 4 */
    g_assert_cmpuint(g_bytes_get_size(frame), ==, 28 + 4 + 4 * (4 + 4 + 16 + 4) + 4);

    msg = message_of(g_bytes_get_data(frame, NULL), g_bytes_get_size(frame));
    g_assert_true(virNetMessageDecodeHeader(msg, &err));
    g_assert_true(virNetMessageDecodePayload(msg, virNetXdrListAllDomainsRet, &back, &err));
    g_assert_cmpuint(back.n_domains, ==, 4);
    g_assert_cmpuint(back.ret, ==, 4);
    for (gsize i = 0; i < G_N_ELEMENTS(doms); i++) {
        g_assert_cmpstr(back.domains[i].name, ==, doms[i].name);
        g_assert_cmpmem(back.domains[i].uuid, VIR_UUID_BUFLEN, doms[i].uuid, VIR_UUID_BUFLEN);
        g_assert_cmpint(back.domains[i].id, ==, doms[i].id);
    }
    virNetXdrFree(virNetXdrListAllDomainsRet, &back);
    g_assert_null(back.domains);
    g_assert_cmpuint(back.n_domains, ==, 0);
}

/* An error reply carries libvirt's remote_error: code, domain, message,
 * level, dom, str1-3, int1-2, net. */
static void
test_error(void)
{
    virNetMessageHeader call = {
        .prog = VIR_NET_PROGRAM_REMOTE,
        .vers = 1,
        .proc = REMOTE_PROC_DOMAIN_CREATE,
        .type = VIR_NET_CALL,
        .serial = 77,
    };
    const char *text = "Requested operation is not valid: domain is already running";
    g_autoptr(GByteArray) expected = frame_begin();
    g_autoptr(GBytes) frame = NULL;
    g_autoptr(virNetMessage) msg = NULL;
    remoteError back = {0};
    g_autoptr(GError) err = NULL;

    frame = virNetMessageEncodeError(&call, VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU, text);
    put_header(expected, VIR_NET_PROGRAM_REMOTE, 1, 9, VIR_NET_REPLY, 77, VIR_NET_ERROR);
    put_u32(expected, 55);
    put_u32(expected, 10);
    put_u32(expected, 1);
    put_string(expected, text);
    put_u32(expected, 2);
    put_u32(expected, 0);
    put_u32(expected, 0);
    put_u32(expected, 0);
    put_u32(expected, 0);
    put_u32(expected, (guint32)-1);
    put_u32(expected, (guint32)-1);
    put_u32(expected, 0);
    assert_frame(frame, frame_end(expected));

    msg = message_of(g_bytes_get_data(frame, NULL), g_bytes_get_size(frame));
    g_assert_true(virNetMessageDecodeHeader(msg, &err));
    g_assert_cmpint(msg->header.type, ==, VIR_NET_REPLY);
    g_assert_cmpint(msg->header.status, ==, VIR_NET_ERROR);
    g_assert_true(virNetMessageDecodePayload(msg, virNetXdrError, &back, &err));
    g_assert_no_error(err);
    g_assert_cmpint(back.code, ==, VIR_ERR_OPERATION_INVALID);
    g_assert_cmpint(back.domain, ==, VIR_FROM_QEMU);
    g_assert_cmpstr(back.message, ==, text);
    g_assert_cmpint(back.level, ==, 2);
    g_assert_null(back.dom);
    g_assert_null(back.str1);
    g_assert_null(back.str2);
    g_assert_null(back.str3);
    g_assert_cmpint(back.int1, ==, -1);
    g_assert_cmpint(back.int2, ==, -1);
    g_assert_null(back.net);
    virNetXdrFree(virNetXdrError, &back);
}

/* A client's error struct may carry the optional dom and net too. */
static void
test_error_decode_full(void)
{
    g_autoptr(GByteArray) wire = frame_begin();
    g_autoptr(virNetMessage) msg = NULL;
    remoteError e = {0};
    g_autoptr(GError) err = NULL;

    put_header(wire, VIR_NET_PROGRAM_REMOTE, 1, 9, VIR_NET_REPLY, 1, VIR_NET_ERROR);
    put_u32(wire, 42);
    put_u32(wire, 20);
    put_u32(wire, 0); /* no message */
    put_u32(wire, 1);
    put_u32(wire, 1);
    put_string(wire, "web1");
    put_bytes(wire, uuid1, sizeof(uuid1));
    put_u32(wire, 3);
    put_u32(wire, 1);
    put_string(wire, "s1");
    put_u32(wire, 0);
    put_u32(wire, 1);
    put_string(wire, "s3");
    put_u32(wire, 7);
    put_u32(wire, 8);
    put_u32(wire, 1);
    put_string(wire, "default");
    put_bytes(wire, uuid1, sizeof(uuid1));
    frame_end(wire);
    msg = message_of(wire->data, wire->len);

    g_assert_true(virNetMessageDecodeHeader(msg, &err));
    g_assert_true(virNetMessageDecodePayload(msg, virNetXdrError, &e, &err));
    g_assert_no_error(err);
    g_assert_cmpint(e.code, ==, 42);
    g_assert_cmpint(e.domain, ==, 20);
    g_assert_null(e.message);
    g_assert_cmpint(e.level, ==, 1);
    g_assert_nonnull(e.dom);
    g_assert_cmpstr(e.dom->name, ==, "web1");
    g_assert_cmpmem(e.dom->uuid, VIR_UUID_BUFLEN, uuid1, VIR_UUID_BUFLEN);
    g_assert_cmpint(e.dom->id, ==, 3);
    g_assert_cmpstr(e.str1, ==, "s1");
    g_assert_null(e.str2);
    g_assert_cmpstr(e.str3, ==, "s3");
    g_assert_cmpint(e.int1, ==, 7);
    g_assert_cmpint(e.int2, ==, 8);
    g_assert_nonnull(e.net);
    g_assert_cmpstr(e.net->name, ==, "default");
    virNetXdrFree(virNetXdrError, &e);
    g_assert_null(e.dom);
    g_assert_null(e.net);
    g_assert_null(e.str1);
}

/* No message is sent as an empty one, never as an absent one. */
static void
test_error_null_message(void)
{
    virNetMessageHeader call = {.prog = VIR_NET_PROGRAM_REMOTE, .vers = 1, .proc = 2, .serial = 3};
    g_autoptr(GByteArray) expected = frame_begin();
    g_autoptr(GBytes) frame =
        virNetMessageEncodeError(&call, VIR_ERR_INTERNAL_ERROR, VIR_FROM_REMOTE, NULL);

    put_header(expected, VIR_NET_PROGRAM_REMOTE, 1, 2, VIR_NET_REPLY, 3, VIR_NET_ERROR);
    put_u32(expected, 1);
    put_u32(expected, 13);
    put_u32(expected, 1);
    put_u32(expected, 0);
    put_u32(expected, 2);
    for (gsize i = 0; i < 4; i++)
        put_u32(expected, 0);
    put_u32(expected, (guint32)-1);
    put_u32(expected, (guint32)-1);
    put_u32(expected, 0);
    assert_frame(frame, frame_end(expected));
}

/* A lifecycle event of a callback registration (318): type MESSAGE,
 * serial 1. */
static void
test_event(void)
{
    remoteDomainEventCallbackLifecycleMsg ev = {
        .callback_id = 3,
        .dom = {.name = (char *)"web1", .id = 7},
        .event = 2, /* STARTED */
        .detail = 0,
    };
    g_autoptr(GByteArray) expected = frame_begin();
    g_autoptr(GBytes) frame = NULL;
    g_autoptr(GError) err = NULL;

    memcpy(ev.dom.uuid, uuid1, sizeof(uuid1));
    frame = virNetMessageEncodeEvent(REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                                     virNetXdrDomainEventCallbackLifecycleMsg, &ev, &err);
    g_assert_no_error(err);
    put_header(expected, VIR_NET_PROGRAM_REMOTE, 1, 318, VIR_NET_MESSAGE, 1, VIR_NET_OK);
    put_u32(expected, 3);
    put_string(expected, "web1");
    put_bytes(expected, uuid1, sizeof(uuid1));
    put_u32(expected, 7);
    put_u32(expected, 2);
    put_u32(expected, 0);
    assert_frame(frame, frame_end(expected));
}

/* The keepalive PONG: a bare header. */
static void
test_keepalive_pong(void)
{
    virNetMessageHeader pong = {
        .prog = VIR_NET_PROGRAM_KEEPALIVE,
        .vers = 1,
        .proc = VIR_NET_KEEPALIVE_PONG,
        .type = VIR_NET_MESSAGE,
    };
    static const guint8 expected[] = {0, 0, 0, 28, 'k', 'e', 'e', 'p', 0, 0, 0, 1, 0, 0,
                                      0, 2, 0, 0,  0,   2,   0,   0,   0, 0, 0, 0, 0, 0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) frame = virNetMessageEncode(&pong, virNetXdrVoid, NULL, &err);

    g_assert_no_error(err);
    g_assert_cmpmem(g_bytes_get_data(frame, NULL), g_bytes_get_size(frame), expected,
                    sizeof(expected));
}

/* ---- sizes ------------------------------------------------------------- */

/* A payload larger than the first buffer (64 KiB) is still one frame. */
static void
test_encode_grows(void)
{
    gsize n = 300 * 1024 + 1;
    g_autofree char *xml = g_malloc(n + 1);
    remoteStringMsg ret = {.str = xml};
    virNetMessageHeader call = {.prog = VIR_NET_PROGRAM_REMOTE, .vers = 1, .proc = 14, .serial = 2};
    g_autoptr(GByteArray) expected = frame_begin();
    g_autoptr(GBytes) frame = NULL;
    g_autoptr(GError) err = NULL;

    memset(xml, 'x', n);
    xml[n] = '\0';
    frame = virNetMessageEncodeReply(&call, virNetXdrStringMsg, &ret, &err);
    g_assert_no_error(err);
    put_header(expected, VIR_NET_PROGRAM_REMOTE, 1, 14, VIR_NET_REPLY, 2, VIR_NET_OK);
    put_string(expected, xml);
    assert_frame(frame, frame_end(expected));
    g_assert_cmpuint(g_bytes_get_size(frame), ==, 28 + 4 + 300 * 1024 + 4);
}

/* Nothing larger than the protocol allows is ever encoded. */
static void
test_encode_too_large(void)
{
    virNetMessageHeader call = {.prog = VIR_NET_PROGRAM_REMOTE, .vers = 1, .proc = 21, .serial = 4};
    const gsize max = VIR_NET_STRING_MAX;
    g_autofree char *big = g_malloc(max + 2);
    remoteStringMsg str = {.str = big};
    g_autoptr(GError) err = NULL;

    memset(big, 'n', max + 1);
    big[max + 1] = '\0';
    g_assert_null(virNetMessageEncodeReply(&call, virNetXdrStringMsg, &str, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_INTERNAL_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "cannot encode the message of procedure 21: too large or invalid");
}

/* Strings each within their limit fill a frame up to its limit: 4 + 24
 * + 4 (count) + 4 * (4 + length) = 16 MiB + 4 bytes with three strings of
 * 4 MiB and one of 4194260 bytes.  One byte more (4 with padding) is one
 * frame too large. */
static void
test_encode_frame_limit(void)
{
    virNetMessageHeader call = {.prog = VIR_NET_PROGRAM_REMOTE, .vers = 1, .proc = 21, .serial = 4};
    const gsize max = VIR_NET_STRING_MAX;
    const gsize last = 16 * 1024 * 1024 + 4 - 28 - 4 - 4 * 4 - 3 * max;
    g_autofree char *full = g_malloc(max + 1);
    g_autofree char *rest = g_malloc(last + 2);
    char *names[4] = {full, full, full, rest};
    remoteStringListRet list = {.n_names = G_N_ELEMENTS(names), .names = names};
    g_autoptr(GBytes) frame = NULL;
    g_autoptr(GError) err = NULL;
    const guint8 *data;
    guint32 word;

    g_assert_cmpuint(last, ==, 4194260);
    memset(full, 'f', max);
    full[max] = '\0';
    memset(rest, 'r', last + 1);
    rest[last] = '\0';
    frame = virNetMessageEncodeReply(&call, virNetXdrStringListRet, &list, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(g_bytes_get_size(frame), ==, 16 * 1024 * 1024 + 4);
    data = g_bytes_get_data(frame, NULL);
    memcpy(&word, data, sizeof(word));
    g_assert_cmpuint(GUINT32_FROM_BE(word), ==, 16 * 1024 * 1024 + 4);
    memcpy(&word, data + 28, sizeof(word));
    g_assert_cmpuint(GUINT32_FROM_BE(word), ==, 4);
    memcpy(&word, data + 28 + 4 + 3 * (4 + max), sizeof(word));
    g_assert_cmpuint(GUINT32_FROM_BE(word), ==, last);
    g_assert_cmpint(data[g_bytes_get_size(frame) - 1], ==, 'r');

    rest[last] = 'r';
    rest[last + 1] = '\0';
    g_assert_null(virNetMessageEncodeReply(&call, virNetXdrStringListRet, &list, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_INTERNAL_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "cannot encode the message of procedure 21: too large or invalid");
}

/* Error texts over 1 MiB are cut to at most 1 MiB, on a UTF-8 character
 * boundary, so that the reply always fits. */
static void
test_error_long_message(void)
{
    const gsize max = 1024 * 1024;
    const struct {
        const char *unit; /* repeated to fill the text */
        gsize sent;       /* bytes of the message in the frame */
    } cases[] = {
        {"a", max},
        /* 2-byte characters; 1 MiB is a boundary */
        {"\xc3\xa9", max},
        /* 3-byte characters: 1 MiB falls inside one, which goes */
        {"\xe2\x82\xac", max - max % 3},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        virNetMessageHeader call = {.prog = VIR_NET_PROGRAM_REMOTE, .vers = 1, .proc = 9};
        g_autoptr(GString) text = g_string_new(NULL);
        g_autoptr(GBytes) frame = NULL;
        g_autoptr(virNetMessage) msg = NULL;
        remoteError back = {0};
        g_autoptr(GError) err = NULL;

        while (text->len <= max + 8)
            g_string_append(text, cases[i].unit);
        frame =
            virNetMessageEncodeError(&call, VIR_ERR_HOOK_SCRIPT_FAILED, VIR_FROM_HOOK, text->str);
        msg = message_of(g_bytes_get_data(frame, NULL), g_bytes_get_size(frame));
        g_assert_true(virNetMessageDecodeHeader(msg, &err));
        g_assert_true(virNetMessageDecodePayload(msg, virNetXdrError, &back, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(strlen(back.message), ==, cases[i].sent);
        g_assert_cmpint(strncmp(back.message, text->str, cases[i].sent), ==, 0);
        g_assert_true(g_utf8_validate(back.message, -1, NULL));
        virNetXdrFree(virNetXdrError, &back);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/virnetmessage/length/valid", test_length_valid);
    g_test_add_func("/virnetmessage/length/refused", test_length_refused);
    g_test_add_func("/virnetmessage/call/decode", test_call_decode);
    g_test_add_func("/virnetmessage/call/roundtrip", test_call_roundtrip);
    g_test_add_func("/virnetmessage/call/optional-string", test_call_optional_string);
    g_test_add_func("/virnetmessage/call/trailing-bytes", test_call_trailing_bytes);
    g_test_add_func("/virnetmessage/call/truncated", test_call_truncated);
    g_test_add_func("/virnetmessage/call/oversized-items", test_call_oversized_items);
    g_test_add_func("/virnetmessage/header/any-program", test_header_any_program);
    g_test_add_func("/virnetmessage/reply/get-info", test_reply);
    g_test_add_func("/virnetmessage/reply/list", test_reply_list);
    g_test_add_func("/virnetmessage/error/encode", test_error);
    g_test_add_func("/virnetmessage/error/decode-full", test_error_decode_full);
    g_test_add_func("/virnetmessage/error/null-message", test_error_null_message);
    g_test_add_func("/virnetmessage/event/lifecycle", test_event);
    g_test_add_func("/virnetmessage/keepalive/pong", test_keepalive_pong);
    g_test_add_func("/virnetmessage/encode/grows", test_encode_grows);
    g_test_add_func("/virnetmessage/encode/too-large", test_encode_too_large);
    g_test_add_func("/virnetmessage/encode/frame-limit", test_encode_frame_limit);
    g_test_add_func("/virnetmessage/error/long-message", test_error_long_message);
    return g_test_run();
}

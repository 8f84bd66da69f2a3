/*
 * networkconftest.c: network XML parsing and formatting
 *
 * - every tests/networkconfdata/NAME.xml parses, formats to NAME.out.xml,
 *   and the output is a fixed point of parse+format (and of copy+format);
 * - every tests/networkconfdata/invalid/NAME.xml is refused with exactly
 *   the message of NAME.err, with VIR_ERR_CONFIG_UNSUPPORTED when the
 *   message says "unsupported" and VIR_ERR_XML_ERROR otherwise;
 * - the fields drivers read, MAC helpers, generated UUIDs;
 * - the live format: connections= and the default NAT port range.
 *
 * VIRTD_TEST_REGENERATE=1 rewrites the .out.xml and .err files from the
 * current output instead of comparing.
 */
#include <glib.h>

#include "testutils.h"
#include <string.h>

#include "network_conf.h"

#define DATA_DIR SOURCE_DIR "/tests/networkconfdata"
#define NULL_UUID "00000000-0000-0000-0000-000000000000"

static void
testXML2XML(gconstpointer data)
{
    const char *input = data;
    g_autofree char *golden = testSiblingPath(input, ".out.xml");
    g_autoptr(GError) err = NULL;
    g_autoptr(virNetworkDef) def = virNetworkDefParseFile(input, 0, &err);
    g_autoptr(virNetworkDef) again = NULL;
    g_autoptr(virNetworkDef) reparsed = NULL;
    g_autoptr(virNetworkDef) copy = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;
    g_autofree char *out3 = NULL;

    g_assert_no_error(err);
    out = virNetworkDefFormat(def, 0);
    reparsed = virNetworkDefParseString(out, 0, &err);
    g_assert_no_error(err);
    out2 = virNetworkDefFormat(reparsed, 0);
    g_assert_cmpstr(out, ==, out2);
    copy = virNetworkDefCopy(def);
    out3 = virNetworkDefFormat(copy, 0);
    g_assert_cmpstr(out, ==, out3);

    again = virNetworkDefParseFile(input, 0, &err);
    g_assert_no_error(err);
    if (memcmp(again->uuid, def->uuid, VIR_UUID_BUFLEN) != 0) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        g_autoptr(GString) masked = g_string_new(out);

        g_assert_false(virUUIDIsNull(def->uuid));
        virUUIDFormat(def->uuid, uuid);
        g_assert_cmpuint(g_string_replace(masked, uuid, NULL_UUID, 0), ==, 1);
        testCompareGolden(golden, masked->str);
        return;
    }
    testCompareGolden(golden, out);
}

static void
testInvalid(gconstpointer data)
{
    const char *input = data;
    g_autofree char *errfile = testSiblingPath(input, ".err");
    g_autofree char *xml = testReadFile(input);
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(virNetworkDef) def = virNetworkDefParseString(xml, 0, &err);

    g_assert_null(def);
    g_assert_nonnull(err);
    g_assert_true(err->domain == VIR_ERROR);
    if (g_str_has_prefix(err->message, "unsupported"))
        g_assert_cmpint(err->code, ==, VIR_ERR_CONFIG_UNSUPPORTED);
    else
        g_assert_cmpint(err->code, ==, VIR_ERR_XML_ERROR);
    if (testRegenerate()) {
        g_autofree char *line = g_strconcat(err->message, "\n", NULL);

        g_assert_true(g_file_set_contents(errfile, line, -1, NULL));
        return;
    }
    expected = testReadFile(errfile);
    g_assert_cmpstr(err->message, ==, g_strchomp(expected));
}

/* The fields the network driver reads, from a libvirt-style NAT network. */
static void
testFields(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virNetworkDef) def = virNetworkDefParseFile(DATA_DIR "/nat-dhcp.xml", 0, &err);
    const virNetworkIPDef *ip;
    const virNetworkDHCPRangeDef *range;
    const virNetworkDHCPHostDef *host;

    g_assert_no_error(err);
    g_assert_cmpstr(def->name, ==, "default");
    g_assert_cmpint(def->forward, ==, VIR_NETWORK_FORWARD_NAT);
    g_assert_cmpstr(def->bridge.name, ==, "virbr0");
    g_assert_true(def->bridge.stp);
    g_assert_cmpuint(def->bridge.delay, ==, 0);
    g_assert_cmpstr(def->mac, ==, "52:54:00:0a:0b:01");
    g_assert_cmpstr(def->domain_name, ==, "example.lan");
    g_assert_cmpuint(def->ips->len, ==, 1);
    ip = virNetworkDefGetIPv4(def);
    g_assert_true(ip == g_ptr_array_index(def->ips, 0));
    g_assert_cmpstr(ip->address, ==, "192.168.122.1");
    g_assert_cmpstr(ip->netmask, ==, "255.255.255.0");
    g_assert_cmpuint(ip->prefix, ==, 24);
    g_assert_cmpuint(ip->ranges->len, ==, 1);
    range = g_ptr_array_index(ip->ranges, 0);
    g_assert_cmpstr(range->start, ==, "192.168.122.2");
    g_assert_cmpstr(range->end, ==, "192.168.122.254");
    g_assert_cmpuint(ip->hosts->len, ==, 2);
    host = g_ptr_array_index(ip->hosts, 0);
    g_assert_cmpstr(host->mac, ==, "52:54:00:6c:3c:01");
    g_assert_cmpstr(host->name, ==, "vm1");
    g_assert_cmpstr(host->ip, ==, "192.168.122.11");
}

/* Forward modes, NAT ports, MTU, DNS and DHCPv6 hosts. */
static void
testFieldsNew(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virNetworkDef) dns = virNetworkDefParseFile(DATA_DIR "/dns-hosts.xml", 0, &err);
    g_autoptr(virNetworkDef) nat = virNetworkDefParseFile(DATA_DIR "/nat-port-dev.xml", 0, &err);
    g_autoptr(virNetworkDef) v6 = virNetworkDefParseFile(DATA_DIR "/ipv6-dhcp.xml", 0, &err);
    g_autoptr(virNetworkDef) br = virNetworkDefParseFile(DATA_DIR "/forward-bridge.xml", 0, &err);
    g_autoptr(virNetworkDef) open = virNetworkDefParseFile(DATA_DIR "/forward-open.xml", 0, &err);
    const virNetworkDNSHostDef *dhost;
    const virNetworkDHCPHostDef *host;
    const virNetworkIPDef *ip;

    g_assert_no_error(err);
    g_assert_cmpint(dns->domain_local_only, ==, VIR_NETWORK_BOOL_YES);
    g_assert_cmpint(dns->dns.enable, ==, VIR_NETWORK_BOOL_YES);
    g_assert_true(virNetworkDefDNSEnabled(dns));
    g_assert_cmpuint(dns->dns.hosts->len, ==, 2);
    dhost = g_ptr_array_index(dns->dns.hosts, 0);
    g_assert_cmpstr(dhost->ip, ==, "192.168.150.5");
    g_assert_cmpuint(dhost->hostnames->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(dhost->hostnames, 1), ==, "printer.example.lan");
    dhost = g_ptr_array_index(dns->dns.hosts, 1);
    g_assert_cmpstr(dhost->ip, ==, "2001:db8::5");
    g_assert_false(virNetworkDefHasDHCP(dns, VIR_NETWORK_IP_FAMILY_IPV4));

    g_assert_cmpint(nat->forward, ==, VIR_NETWORK_FORWARD_NAT);
    g_assert_cmpstr(nat->forward_dev, ==, "eth0");
    g_assert_cmpuint(nat->nat_port.start, ==, 2000);
    g_assert_cmpuint(nat->nat_port.end, ==, 3000);
    g_assert_cmpuint(nat->mtu, ==, 0);

    ip = g_ptr_array_index(v6->ips, 0);
    g_assert_cmpuint(ip->hosts->len, ==, 3);
    host = g_ptr_array_index(ip->hosts, 0);
    g_assert_cmpstr(host->id, ==, "0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63");
    g_assert_null(host->name);
    g_assert_null(host->mac);
    host = g_ptr_array_index(ip->hosts, 2);
    g_assert_null(host->id);
    g_assert_cmpstr(host->name, ==, "v6host");
    g_assert_true(virNetworkDefHasDHCP(v6, VIR_NETWORK_IP_FAMILY_IPV6));
    g_assert_false(virNetworkDefHasDHCP(v6, VIR_NETWORK_IP_FAMILY_IPV4));

    g_assert_cmpint(br->forward, ==, VIR_NETWORK_FORWARD_BRIDGE);
    g_assert_cmpstr(br->bridge.name, ==, "br0");
    g_assert_cmpint(br->dns.enable, ==, VIR_NETWORK_BOOL_NO);
    g_assert_false(virNetworkDefDNSEnabled(br));

    g_assert_cmpint(open->forward, ==, VIR_NETWORK_FORWARD_OPEN);
    g_assert_cmpuint(open->mtu, ==, 9000);
    g_assert_cmpint(open->dns.enable, ==, VIR_NETWORK_BOOL_ABSENT);
    g_assert_true(virNetworkDefDNSEnabled(open));
    g_assert_true(virNetworkDefHasDHCP(open, VIR_NETWORK_IP_FAMILY_IPV4));
}

/* Replaces the one occurrence of @from in @text. */
static char *
testReplaceOnce(const char *text, const char *from, const char *to)
{
    g_autoptr(GString) s = g_string_new(text);

    g_assert_cmpuint(g_string_replace(s, from, to, 0), ==, 1);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* What libvirt shows for an active network: connections= when there are
 * any, the default NAT port range; reparsed, the range stays. */
static void
testFormatLive(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virNetworkDef) nat = virNetworkDefParseFile(DATA_DIR "/nat-dhcp.xml", 0, &err);
    g_autoptr(virNetworkDef) route = virNetworkDefParseFile(DATA_DIR "/route-ipv6.xml", 0, &err);
    g_autoptr(virNetworkDef) sample = virNetworkDefParseFile(DATA_DIR "/libvirt-live.xml", 0, &err);
    g_autoptr(virNetworkDef) reparsed = NULL;
    g_autofree char *inactive = NULL;
    g_autofree char *live = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *expected3 = NULL;
    g_autofree char *live3 = NULL;
    g_autofree char *again = NULL;
    g_autofree char *golden = NULL;

    g_assert_no_error(err);
    inactive = virNetworkDefFormat(nat, 0);
    live = virNetworkDefFormatLive(nat, 0);
    expected = testReplaceOnce(inactive, "  <forward mode='nat'/>\n",
                               "  <forward mode='nat'>\n    <nat>\n"
                               "      <port start='1024' end='65535'/>\n"
                               "    </nat>\n  </forward>\n");
    g_assert_cmpstr(live, ==, expected);
    live3 = virNetworkDefFormatLive(nat, 3);
    expected3 = testReplaceOnce(expected, "<network>", "<network connections='3'>");
    g_assert_cmpstr(live3, ==, expected3);
    reparsed = virNetworkDefParseString(live3, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(reparsed->nat_port.start, ==, 1024);
    again = virNetworkDefFormat(reparsed, 0);
    g_assert_cmpstr(again, ==, expected);

    g_clear_pointer(&inactive, g_free);
    g_clear_pointer(&live, g_free);
    inactive = virNetworkDefFormat(route, 0);
    live = virNetworkDefFormatLive(route, 0);
    g_assert_cmpstr(live, ==, inactive);

    /* libvirt's own live XML formats back to itself. */
    g_clear_pointer(&live, g_free);
    live = virNetworkDefFormatLive(sample, 1);
    golden = testReadFile(DATA_DIR "/libvirt-live.out.xml");
    g_clear_pointer(&expected, g_free);
    expected = testReplaceOnce(golden, "<network>", "<network connections='1'>");
    g_assert_cmpstr(live, ==, expected);
}

static void
testDefaults(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virNetworkDef) def =
        virNetworkDefParseString("<network><name>iso</name></network>", 0, &err);
    g_autoptr(virNetworkDef) other =
        virNetworkDefParseString("<network><name>iso</name></network>", 0, &err);
    g_autoptr(virNetworkDef) fresh = virNetworkDefNew();

    g_assert_no_error(err);
    g_assert_cmpint(def->forward, ==, VIR_NETWORK_FORWARD_NONE);
    g_assert_null(def->bridge.name);
    g_assert_true(def->bridge.stp);
    g_assert_null(def->mac);
    g_assert_cmpuint(def->mtu, ==, 0);
    g_assert_null(def->forward_dev);
    g_assert_cmpuint(def->nat_port.start, ==, 0);
    g_assert_cmpint(def->dns.enable, ==, VIR_NETWORK_BOOL_ABSENT);
    g_assert_cmpuint(def->dns.hosts->len, ==, 0);
    g_assert_true(virNetworkDefDNSEnabled(def));
    g_assert_null(virNetworkDefGetIPv4(def));
    g_assert_false(virUUIDIsNull(def->uuid));
    g_assert_true(memcmp(def->uuid, other->uuid, VIR_UUID_BUFLEN) != 0);
    g_assert_true(fresh->bridge.stp);
    g_assert_nonnull(fresh->ips);
}

static void
testMacAddr(void)
{
    unsigned char mac[VIR_MAC_BUFLEN];
    char str[VIR_MAC_STRING_BUFLEN];
    g_autofree char *gen = virMacAddrGenerate();
    g_autofree char *canonical = NULL;
    g_autoptr(GError) err = NULL;

    g_assert_true(virMacAddrParse("52:54:00:AB:cd:0F", mac));
    virMacAddrFormat(mac, str);
    g_assert_cmpstr(str, ==, "52:54:00:ab:cd:0f");
    g_assert_false(virMacAddrParse("52:54:00:ab:cd", mac));
    g_assert_false(virMacAddrParse("52:54:00:ab:cd:0f:", mac));
    g_assert_false(virMacAddrParse("52-54-00-ab-cd-0f", mac));
    g_assert_false(virMacAddrParse("5:54:00:ab:cd:0f0", mac));
    g_assert_false(virMacAddrParse("", mac));
    g_assert_true(g_str_has_prefix(gen, "52:54:00:"));
    g_assert_true(virMacAddrParse(gen, mac));
    g_assert_true(virMacAddrCheck("52:54:00:AB:CD:EF", "mac", &canonical, &err));
    g_assert_cmpstr(canonical, ==, "52:54:00:ab:cd:ef");
    g_assert_false(virMacAddrCheck("ff:ff:ff:ff:ff:ff", "mac", &canonical, &err));
    g_assert_error(err, VIR_ERROR, VIR_ERR_XML_ERROR);
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    int ret;

    g_test_init(&argc, &argv, NULL);
    testAddDataDir(paths, DATA_DIR, "/network/xml2xml", testXML2XML);
    testAddDataDir(paths, DATA_DIR "/invalid", "/network/invalid", testInvalid);
    g_test_add_func("/network/fields", testFields);
    g_test_add_func("/network/fields-new", testFieldsNew);
    g_test_add_func("/network/format-live", testFormatLive);
    g_test_add_func("/network/defaults", testDefaults);
    g_test_add_func("/network/mac-addr", testMacAddr);
    ret = g_test_run();
    return ret;
}

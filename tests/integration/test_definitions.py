"""Persistent definitions through the real virsh and python3-libvirt.

Domains (qemu and lxc) and networks are defined, listed, inspected,
marked autostart and undefined; definitions must survive a virtd restart,
broken files on disk are skipped (and kept), and bad input is refused with
a clear error and nothing written.
"""

import os
import re
import uuid as uuidlib

import pytest

from virshutil import Virsh, kv_lines

libvirt = pytest.importorskip("libvirt")

QEMU_XML = """<domain type='qemu'>
  <name>{name}</name>
  {uuid}
  <description>integration test guest</description>
  <memory unit='MiB'>256</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/var/lib/virtd/test-guest/vmlinuz</kernel>
    <cmdline>console=ttyS0 test.action=run</cmdline>
  </os>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
  </devices>
</domain>
"""

LXC_XML = """<domain type='lxc'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type>exe</type>
    <init>/bin/sh</init>
  </os>
</domain>
"""

NET_XML = """<network>
  <name>{name}</name>
  {bridge}
  <forward mode='nat'/>
  <ip address='192.168.{n}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.{n}.10' end='192.168.{n}.100'/>
    </dhcp>
  </ip>
</network>
"""


def qemu_xml(name, uuid=None):
    return QEMU_XML.format(name=name, uuid=f"<uuid>{uuid}</uuid>" if uuid else "")


def net_xml(name, n=122, bridge=None):
    return NET_XML.format(name=name, n=n,
                          bridge=f"<bridge name='{bridge}'/>" if bridge else "")


@pytest.fixture
def virtd(virtd_factory):
    v = virtd_factory()
    v.start()
    return v


def test_define_list_info_dumpxml_undefine(virtd):
    virsh = Virsh(virtd)
    u = "c7a5fdbd-cdaf-9455-926a-d65c16db1809"
    p = virsh.define_file("dom", "web1", qemu_xml("web1", u))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"Domain 'web1' defined from {virsh.tmp}/web1.xml"

    assert virsh.rows("list", "--all") == [["-", "web1", "shut", "off"]]
    assert virsh.rows("list") == []
    assert virsh.out("domstate", "--reason", "web1").strip() == "shut off (unknown)"
    assert virsh.out("domuuid", "web1").strip() == u
    assert virsh.out("domname", u).strip() == "web1"

    info = kv_lines(virsh.out("dominfo", "web1"))
    assert info["Id"] == "-"
    assert info["Name"] == "web1"
    assert info["UUID"] == u
    assert info["OS Type"] == "hvm"
    assert info["State"] == "shut off"
    assert info["CPU(s)"] == "2"
    assert info["Max memory"] == "262144 KiB"
    assert info["Used memory"] == "262144 KiB"
    assert info["Persistent"] == "yes"
    assert info["Autostart"] == "disable"

    xml = virsh.out("dumpxml", "web1")
    assert xml.startswith("<domain type='qemu'>\n  <name>web1</name>\n")
    assert f"  <uuid>{u}</uuid>\n" in xml
    assert "  <memory unit='KiB'>262144</memory>\n" in xml
    assert "    <cmdline>console=ttyS0 test.action=run</cmdline>\n" in xml
    assert virsh.out("dumpxml", "--inactive", "web1") == xml
    # the file on disk is what dumpxml shows (virsh adds a newline)
    stored = virtd.conf_dir / "qemu" / "web1.xml"
    assert stored.read_text() + "\n" == xml
    assert oct(stored.stat().st_mode & 0o777) == "0o600"

    p = virsh.run("undefine", "web1")
    assert p.stdout.strip() == "Domain 'web1' has been undefined"
    assert not stored.exists()
    assert virsh.rows("list", "--all") == []
    p = virsh.run("dominfo", "web1", check=False)
    assert p.returncode == 1
    assert "failed to get domain 'web1'" in p.stderr


def test_redefine_updates_and_keeps_uuid(virtd):
    virsh = Virsh(virtd)
    assert virsh.define_file("dom", "web1", qemu_xml("web1")).returncode == 0
    u = virsh.out("domuuid", "web1").strip()
    assert str(uuidlib.UUID(u)) == u, "a uuid is generated when the XML has none"
    xml = virsh.out("dumpxml", "web1")
    xml = re.sub(r"(<vcpu[^>]*>)2</vcpu>", r"\g<1>1</vcpu>", xml)
    assert "1</vcpu>" in xml
    p = virsh.define_file("dom", "web1-v2", xml)
    assert p.returncode == 0, p.stderr
    assert kv_lines(virsh.out("dominfo", "web1"))["CPU(s)"] == "1"
    assert virsh.out("domuuid", "web1").strip() == u
    assert len(virsh.rows("list", "--all")) == 1


def test_name_and_uuid_clashes_refused(virtd):
    virsh = Virsh(virtd)
    u1 = "11111111-2222-3333-4444-555555555555"
    assert virsh.define_file("dom", "a", qemu_xml("a", u1)).returncode == 0
    p = virsh.define_file("dom", "a2", qemu_xml("a", "99999999-2222-3333-4444-555555555555"))
    assert p.returncode == 1
    assert f"domain 'a' already exists with uuid {u1}" in p.stderr
    p = virsh.define_file("dom", "b", qemu_xml("b", u1))
    assert p.returncode == 1
    assert f"domain 'a' is already defined with uuid {u1}" in p.stderr
    assert sorted(os.listdir(virtd.conf_dir / "qemu")) == ["a.xml"]


@pytest.mark.parametrize("text,message", [
    ("<domain type='qemu'><name>x</name>", "(domain_definition)"),
    ("not xml at all", "(domain_definition)"),
    ("<domain type='qemu'><name>x</name><memory>1024</memory><os><type>hvm</type></os>"
     "<devices><graphics type='vnc'/></devices></domain>", "graphics"),
    ("<domain type='qemu'><name>a/b</name><memory>1024</memory>"
     "<os><type>hvm</type></os></domain>", "a/b"),
    ("<domain type='lxc'><name>c</name><memory>1024</memory>"
     "<os><type>exe</type><init>/bin/sh</init></os></domain>", "lxc"),
])
def test_bad_xml_refused_nothing_written(virtd, text, message):
    virsh = Virsh(virtd)
    p = virsh.define_file("dom", "bad", text)
    assert p.returncode == 1
    assert p.stderr.startswith("error: Failed to define domain from"), p.stderr
    assert message in p.stderr
    assert not (virtd.conf_dir / "qemu").exists() or os.listdir(virtd.conf_dir / "qemu") == []
    assert virsh.rows("list", "--all") == []


def test_autostart(virtd):
    virsh = Virsh(virtd)
    assert virsh.define_file("dom", "web1", qemu_xml("web1")).returncode == 0
    link = virtd.conf_dir / "qemu" / "autostart" / "web1.xml"
    assert virsh.out("autostart", "web1").strip() == "Domain 'web1' marked as autostarted"
    assert link.is_symlink()
    assert os.path.realpath(link) == str(virtd.conf_dir / "qemu" / "web1.xml")
    assert kv_lines(virsh.out("dominfo", "web1"))["Autostart"] == "enable"
    assert virsh.rows("list", "--all", "--autostart") == [["-", "web1", "shut", "off"]]
    assert virsh.rows("list", "--all", "--no-autostart") == []
    p = virsh.run("autostart", "--disable", "web1")
    assert p.stdout.strip() == "Domain 'web1' unmarked as autostarted"
    assert not link.exists() and not link.is_symlink()
    assert kv_lines(virsh.out("dominfo", "web1"))["Autostart"] == "disable"
    virsh.out("autostart", "web1")
    virsh.out("undefine", "web1")
    assert not link.is_symlink(), "undefine removes the autostart link"


def test_definitions_survive_restart_and_broken_files_are_skipped(virtd):
    virsh = Virsh(virtd)
    assert virsh.define_file("dom", "keep", qemu_xml("keep")).returncode == 0
    virsh.out("autostart", "keep")
    assert virsh.define_file("net", "n1", net_xml("n1")).returncode == 0
    before = virsh.out("dumpxml", "keep")
    u = virsh.out("domuuid", "keep").strip()
    assert virtd.stop() == 0

    broken = virtd.conf_dir / "qemu" / "broken.xml"
    broken.write_text("<domain type='qemu'><name>broken</name>")
    misnamed = virtd.conf_dir / "qemu" / "other.xml"
    misnamed.write_text(qemu_xml("notother"))

    virtd.start()
    # 'keep' is autostarted; its kernel does not exist, so it fails to start
    virtd.wait_for_log(r"cannot autostart domain 'keep'")
    assert virsh.rows("list", "--all") == [["-", "keep", "shut", "off"]]
    assert virsh.out("dumpxml", "keep") == before
    assert virsh.out("domuuid", "keep").strip() == u
    assert kv_lines(virsh.out("dominfo", "keep"))["Autostart"] == "enable"
    assert [r[0] for r in virsh.rows("net-list", "--all")] == ["n1"]
    log = virtd.log_text()
    assert f"skipping domain definition '{broken}'" in log
    assert f"skipping domain definition '{misnamed}': it defines domain 'notother'" in log
    assert broken.exists() and misnamed.exists(), "broken files are never deleted"


def test_temporary_files_of_interrupted_writes_removed(virtd):
    """virtd killed between an atomic write and its rename leaves
    <name>.xml.XXXXXX behind; the next virtd removes them (definitions and
    status files), and nothing else."""
    virsh = Virsh(virtd)
    assert virsh.define_file("dom", "keep", qemu_xml("keep")).returncode == 0
    assert virtd.stop() == 0
    temps = [virtd.conf_dir / "qemu" / "keep.xml.Qz81aB",
             virtd.conf_dir / "network" / "n9.xml.x0X0x0",
             virtd.run_dir / "qemu" / "keep.xml.k3Ep9t"]
    kept = [virtd.conf_dir / "qemu" / "notes.txt.Qz81aB",
            virtd.conf_dir / "qemu" / "keep.xml.bak"]
    for p in temps + kept:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(qemu_xml("keep"))

    virtd.start()
    for p in temps:
        virtd.wait_for_log(rf"removed '{re.escape(str(p))}', left by an interrupted write")
        assert not p.exists()
    assert all(p.exists() for p in kept)
    assert virsh.rows("list", "--all") == [["-", "keep", "shut", "off"]]


def test_lxc_definitions(virtd):
    lxc = Virsh(virtd, scheme="lxc")
    qemu = Virsh(virtd)
    p = lxc.define_file("dom", "ct1", LXC_XML.format(name="ct1"))
    assert p.returncode == 0, p.stderr
    assert (virtd.conf_dir / "lxc" / "ct1.xml").exists()
    assert lxc.rows("list", "--all") == [["-", "ct1", "shut", "off"]]
    assert kv_lines(lxc.out("dominfo", "ct1"))["OS Type"] == "exe"
    assert qemu.rows("list", "--all") == [], "drivers keep their own domains"
    p = lxc.define_file("dom", "q", qemu_xml("q"))
    assert p.returncode == 1
    assert "domain type 'qemu' is not handled by the LXC driver" in p.stderr
    assert "error" not in lxc.run("undefine", "ct1").stderr


def test_networks(virtd):
    virsh = Virsh(virtd)
    p = virsh.define_file("net", "n1", net_xml("n1"))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"Network n1 defined from {virsh.tmp}/n1.xml"
    assert virsh.define_file("net", "n2", net_xml("n2", 123, bridge="br-test")).returncode == 0

    rows = virsh.rows("net-list", "--all")
    assert rows == [["n1", "inactive", "no", "yes"], ["n2", "inactive", "no", "yes"]]
    info = kv_lines(virsh.out("net-info", "n1"))
    assert info["Name"] == "n1"
    assert info["Active"] == "no"
    assert info["Persistent"] == "yes"
    assert info["Autostart"] == "no"
    assert info["Bridge"] == "virbr0", "a bridge name is assigned when none is given"
    assert kv_lines(virsh.out("net-info", "n2"))["Bridge"] == "br-test"

    xml = virsh.out("net-dumpxml", "n1")
    assert xml.startswith("<network>\n  <name>n1</name>\n")
    assert "  <forward mode='nat'/>\n" in xml
    assert "<bridge name='virbr0'" in xml
    assert (virtd.conf_dir / "network" / "n1.xml").read_text() + "\n" == xml

    virsh.out("net-autostart", "n1")
    assert (virtd.conf_dir / "network" / "autostart" / "n1.xml").is_symlink()
    assert virsh.rows("net-list", "--all")[0] == ["n1", "inactive", "yes", "yes"]
    virsh.out("net-autostart", "--disable", "n1")

    p = virsh.define_file("net", "n3", net_xml("n3", 124, bridge="br-test"))
    assert p.returncode == 1
    assert "bridge name 'br-test' is already used by network 'n2'" in p.stderr
    assert virsh.run("net-undefine", "n1").stdout.strip() == "Network n1 has been undefined"
    assert not (virtd.conf_dir / "network" / "n1.xml").exists()
    assert [r[0] for r in virsh.rows("net-list", "--all")] == ["n2"]


def test_python_libvirt(virtd):
    sock = virtd.run_dir / "virtd-sock"
    conn = libvirt.open(f"qemu+unix:///system?socket={sock}")
    try:
        d = conn.defineXML(qemu_xml("py1", "0e2f6a49-8bd2-4c38-9b6e-2e0b8f3c1a10"))
        assert d.name() == "py1"
        assert d.UUIDString() == "0e2f6a49-8bd2-4c38-9b6e-2e0b8f3c1a10"
        assert d.ID() == -1
        conn.defineXML(qemu_xml("py2"))
        assert conn.lookupByName("py1").UUIDString() == d.UUIDString()
        assert conn.lookupByUUIDString(d.UUIDString()).name() == "py1"
        assert "<name>py1</name>" in conn.lookupByName("py1").XMLDesc(0)
        assert sorted(x.name() for x in conn.listAllDomains(0)) == ["py1", "py2"]
        flags = libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE | \
            libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT
        assert sorted(x.name() for x in conn.listAllDomains(flags)) == ["py1", "py2"]
        assert conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE) == []
        d.setAutostart(1)
        assert [x.name() for x in
                conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_AUTOSTART)] == ["py1"]
        assert d.isPersistent() == 1 and d.isActive() == 0
        assert d.state() == [libvirt.VIR_DOMAIN_SHUTOFF, 0]
        with pytest.raises(libvirt.libvirtError) as e:
            conn.lookupByName("nope")
        assert e.value.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
        with pytest.raises(libvirt.libvirtError) as e:
            conn.defineXML("<domain type='qemu'><name>x</name>")
        assert e.value.get_error_code() == libvirt.VIR_ERR_XML_ERROR
        d.undefine()
        assert [x.name() for x in conn.listAllDomains(0)] == ["py2"]

        n = conn.networkDefineXML(net_xml("pynet", 130))
        assert n.name() == "pynet"
        assert [x.name() for x in conn.listAllNetworks(0)] == ["pynet"]
        assert conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE) == []
        assert n.bridgeName() == "virbr0"
        n.undefine()
        assert conn.listAllNetworks(0) == []
    finally:
        conn.close()


def test_read_only_socket_refuses_definitions(virtd):
    ro = Virsh(virtd, readonly=True)
    p = ro.define_file("dom", "ro", qemu_xml("ro"))
    assert p.returncode == 1
    assert p.stderr.endswith("error: operation forbidden: read only access prevents "
                             "virDomainDefineXML\n"), p.stderr
    assert ro.rows("list", "--all") == []
    assert not (virtd.conf_dir / "qemu" / "ro.xml").exists()

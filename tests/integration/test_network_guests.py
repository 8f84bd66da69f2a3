"""Guests on virtual networks: <interface type='network'> gets a port of
the network (a tap on its bridge), the network's 'plugged' hook runs
between the guest's 'prepare' and 'start', 'unplugged' between 'stopped'
and 'release'; the guest gets an address from the network's dnsmasq; a
network with guests on it cannot be destroyed; a restarted virtd
re-notifies each port ('plugged' with VIRTD_HOOK_RECONNECT=1) before the
guest's 'reconnect'.
"""

import json
import re
import subprocess
import sys

import pytest

from conftest import wait_for, write_script
from qemuutil import (BOOT_TIMEOUT, START, Guest, HangingHook,  # noqa: F401
                      guest_files_fixture,
                      kill_factory_guests_fixture, requires_qemu, stop_calls, testguest)
from rpcutil import uri, virsh
from test_network import define

pytestmark = requires_qemu

NIC = """<interface type='network'>
      <source network='n1'/>
      <mac address='52:54:00:aa:bb:01'/>
      <model type='virtio'/>
    </interface>"""


def run(v, *args, check=True, timeout=60):
    p = virsh(uri(v.run_dir / "virtd-sock"), *args, timeout=timeout)
    if check:
        assert p.returncode == 0, p
    return p


def calls(v):
    """(driver, op, subop, extra) of every qemu and network hook call."""
    out = []
    for c in v.hook_log.calls():
        drv = c.script.rsplit("/", 1)[-1]
        if drv in ("qemu", "network"):
            out.append((drv, *c.args[1:]))
    return out


def guest_calls(v):
    """The calls after the network's own start and started."""
    return [c for c in calls(v) if c[:2] not in (("network", "start"), ("network", "started"))]


def q(*ops):
    return [("qemu", *op) for op in ops]


PLUGGED = [("network", "plugged", "begin", "-")]
UNPLUGGED = [("network", "unplugged", "begin", "-")]


def stop_seq(reason):
    stop = stop_calls(reason)
    return q(stop[0]) + UNPLUGGED + q(stop[1])


def tap_master(where, tap):
    """The bridge @tap is a port of, None if it has none or is gone; in
    virtd @where's namespace, or in the namespace of that path."""
    netns = where if isinstance(where, str) else f"/proc/{where.pid}/ns/net"
    out = subprocess.run(["nsenter", f"--net={netns}", "ip", "-j", "link", "show", tap],
                         capture_output=True, text=True, check=False)
    return json.loads(out.stdout)[0].get("master") if out.returncode == 0 else None


@pytest.fixture
def netv(virtd_factory, tmp_path):
    v = virtd_factory()
    v.install_hook("qemu")
    v.install_hook("network")
    v.start()
    define(v, tmp_path)
    return v


def test_guest_on_a_network(netv, guest_files, tmp_path):
    v = netv
    seen = tmp_path / "stdin"
    seen.mkdir()
    write_script(v.hook_path("network", "20-stdin"), f'#!/bin/sh\ncat > "{seen}/$2.xml"\n')
    run(v, "net-start", "n1")
    g = Guest(v, guest_files, extra_devices=NIC, cmdline_extra="test.net=dhcp")
    g.start()
    assert guest_calls(v) == q(START[0]) + PLUGGED + q(*START[1:])
    xml = run(v, "dumpxml", "g1").stdout
    m = re.search(r"<source network='n1' portid='([0-9a-f-]{36})' bridge='vbr150'/>", xml)
    assert m, xml
    assert "<target dev='vnet0'/>" in xml
    assert tap_master(v, "vnet0") == "vbr150"
    assert "<network connections='1'>" in run(v, "net-dumpxml", "n1").stdout
    # 'plugged' reads the interface, the network and the guest, as designed
    plugged = (seen / "plugged.xml").read_text()
    assert re.fullmatch(r"<hookData>\n  <interface type='network'>\n.*"
                        r"  </interface>\n  <network connections='1'>\n.*  </network>\n"
                        r"  <domain type='qemu' id='\d+'>\n.*  </domain>\n</hookData>",
                        plugged, re.S), plugged
    assert "<target dev='vnet0'/>" in plugged
    # the guest's own DHCP client gets its address from the network's dnsmasq
    net = testguest.wait_marker(str(g.serial), "NET", BOOT_TIMEOUT)
    assert re.fullmatch(r"eth0 192\.168\.150\.(\d+)/24", net), net
    wait_for(lambda: "52:54:00:aa:bb:01" in run(v, "net-dhcp-leases", "n1").stdout,
             what="the guest's lease")
    # a network in use cannot be destroyed
    p = run(v, "net-destroy", "n1", check=False)
    assert p.returncode == 1
    assert ("network 'n1' is in use by domain 'g1': detach their interfaces or stop them "
            "first") in p.stderr
    run(v, "destroy", "g1")
    assert guest_calls(v) == q(START[0]) + PLUGGED + q(*START[1:]) + stop_seq("destroyed")
    assert "connections=" not in run(v, "net-dumpxml", "n1").stdout
    assert "portid" not in run(v, "dumpxml", "g1").stdout
    run(v, "net-destroy", "n1")


def test_inactive_network_fails_the_start(netv, guest_files):
    v = netv
    g = Guest(v, guest_files, extra_devices=NIC)
    p = g.start(check=False)
    assert p.returncode == 1
    assert "network 'n1' is not active" in p.stderr
    assert guest_calls(v) == q(("prepare", "begin", "-")) + q(*stop_calls("failed"))
    assert "shut off" in g.state()


def test_failing_plugged_hook_fails_the_start(virtd_factory, guest_files, tmp_path):
    v = virtd_factory()
    v.install_hook("qemu")
    v.install_hook("network", body='[ "$2" = plugged ] && { echo "no port for you" >&2; '
                                   'exit 1; }\nexit 0\n')
    v.start()
    define(v, tmp_path)
    run(v, "net-start", "n1")
    g = Guest(v, guest_files, extra_devices=NIC)
    p = g.start(check=False)
    assert p.returncode == 1
    assert "no port for you" in p.stderr
    assert guest_calls(v) == q(("prepare", "begin", "-")) + PLUGGED + stop_seq("failed")
    assert tap_master(v, "vnet0") is None, "no tap left"
    assert "connections=" not in run(v, "net-dumpxml", "n1").stdout
    run(v, "net-destroy", "n1")


def test_restart_renotifies_ports(virtd_factory, guest_files, tmp_path, netns_holder):
    v = virtd_factory(netns=netns_holder)
    v.install_hook("qemu")
    v.install_hook("network")
    v.start()
    define(v, tmp_path)
    run(v, "net-start", "n1")
    g = Guest(v, guest_files, extra_devices=NIC)
    g.start()
    g.wait_ready()
    v.stop()
    before = len(calls(v))
    v.start()
    wait_for(lambda: ("qemu", "reconnect", "begin", "-") in calls(v)[before:],
             what=lambda: f"the guest's reconnect: {calls(v)[before:]}")
    after = calls(v)[before:]
    assert after == [("network", "reconnect", "begin", "-")] + PLUGGED + \
        q(("reconnect", "begin", "-")), after
    reconnect = [c for c in v.hook_log.calls() if c.args[1:2] == ("plugged",)][-1]
    assert reconnect.env.get("VIRTD_HOOK_RECONNECT") == "1"
    assert "<network connections='1'>" in run(v, "net-dumpxml", "n1").stdout
    p = run(v, "net-destroy", "n1", check=False)
    assert "in use by domain 'g1'" in p.stderr
    run(v, "destroy", "g1")
    run(v, "net-destroy", "n1")


# ---------------------------------------------------------------------------
# port forwarding, end to end

PF_NET = """<network>
  <name>n1</name>
  <forward mode='nat'/>
  <bridge name='vbr150'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.150.10' end='192.168.150.50'/>
      <host mac='52:54:00:aa:bb:01' ip='192.168.150.77'/>
    </dhcp>
  </ip>
</network>
"""

# as the libvirt wiki writes it (iptables, here iptables-nft)
IPTABLES_HOOK = """GUEST_IP=192.168.150.77
if [ "$1" = g1 ]; then
  if [ "$2" = stopped ] || [ "$2" = reconnect ]; then
    /usr/sbin/iptables -D FORWARD -o vbr150 -p tcp -d $GUEST_IP --dport 80 -j ACCEPT
    /usr/sbin/iptables -t nat -D PREROUTING -p tcp --dport 8080 -j DNAT --to $GUEST_IP:80
  fi
  if [ "$2" = start ] || [ "$2" = reconnect ]; then
    /usr/sbin/iptables -I FORWARD -o vbr150 -p tcp -d $GUEST_IP --dport 80 -j ACCEPT
    /usr/sbin/iptables -t nat -I PREROUTING -p tcp --dport 8080 -j DNAT --to $GUEST_IP:80
  fi
fi
"""

NFT_HOOK = """if [ "$1" = g1 ]; then
  case $2 in
  start)
    /usr/sbin/nft -f - <<'NFT'
table ip portfwd {
  chain pre {
    type nat hook prerouting priority dstnat;
    tcp dport 8080 dnat to 192.168.150.77:80
  }
}
NFT
    ;;
  stopped) /usr/sbin/nft delete table ip portfwd ;;
  esac
fi
"""


def ns_run(pid, *cmd, timeout=30):
    return subprocess.run(["nsenter", "-t", str(pid), "-n", *cmd], capture_output=True,
                          text=True, timeout=timeout, check=False)


def join_outside(v, outside):
    for cmd in (["ip", "link", "add", "ext0", "type", "veth", "peer", "name", "ext1"],
                ["ip", "link", "set", "ext1", "netns", str(outside)],
                ["ip", "addr", "add", "10.99.0.1/24", "dev", "ext0"],
                ["ip", "link", "set", "ext0", "up"]):
        p = ns_run(v.pid, *cmd)
        assert p.returncode == 0, p
    for cmd in (["ip", "addr", "add", "10.99.0.2/24", "dev", "ext1"],
                ["ip", "link", "set", "ext1", "up"], ["ip", "link", "set", "lo", "up"]):
        p = ns_run(outside, *cmd)
        assert p.returncode == 0, p


FETCH = ("import sys, urllib.request\n"
         "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())")


def fetch(outside, url):
    """GET @url from the outside namespace (exit status 0 and the body, or not 0)."""
    return ns_run(outside, sys.executable, "-c", FETCH, url)


@pytest.mark.parametrize("hook", [IPTABLES_HOOK, NFT_HOOK], ids=["iptables", "nft"])
def test_port_forward_hook_reaches_the_guest(virtd_factory, guest_files, tmp_path, outside_ns,
                                             hook, open_dir):
    """A qemu hook opens port 8080 of the host to the guest's web server
    behind NAT: a client outside reaches it; once the guest is gone, the
    hook's rules are gone and the port is closed."""
    v = virtd_factory(run_dir=open_dir)
    v.install_hook("qemu", body=hook)
    v.start()
    join_outside(v, outside_ns)
    path = tmp_path / "n1.xml"
    path.write_text(PF_NET)
    run(v, "net-define", str(path))
    run(v, "net-start", "n1")
    g = Guest(v, guest_files, extra_devices=NIC, cmdline_extra="test.net=dhcp test.http=80")
    g.start()
    assert testguest.wait_marker(str(g.serial), "NET", BOOT_TIMEOUT) == "eth0 192.168.150.77/24"
    testguest.wait_marker(str(g.serial), "HTTP", BOOT_TIMEOUT)
    p = fetch(outside_ns, "http://10.99.0.1:8080/")
    assert (p.returncode, p.stdout.startswith("VIRTD-TEST-GUEST HTTP")) == (0, True), p
    # only what the hook opened: the guest itself is not reachable from outside
    assert fetch(outside_ns, "http://192.168.150.77/").returncode != 0
    run(v, "destroy", "g1")
    assert fetch(outside_ns, "http://10.99.0.1:8080/").returncode != 0
    rules = ns_run(v.pid, "nft", "list", "ruleset").stdout
    assert "192.168.150.77" not in rules, rules
    run(v, "net-destroy", "n1")


def test_port_created_ops(virtd_factory, guest_files, tmp_path):
    """[hooks] network_port_ops = port-created: libvirt >= 5.5's names and
    input (the network and the <networkport>), the guest still appended."""
    v = virtd_factory(hooks_config={"network_port_ops": "port-created"})
    v.install_hook("qemu")
    v.install_hook("network")
    seen = tmp_path / "stdin"
    seen.mkdir()
    write_script(v.hook_path("network", "20-stdin"), f'#!/bin/sh\ncat > "{seen}/$2.xml"\n')
    v.start()
    define(v, tmp_path)
    run(v, "net-start", "n1")
    g = Guest(v, guest_files, extra_devices=NIC)
    g.start()
    created = [("network", "port-created", "begin", "-")]
    deleted = [("network", "port-deleted", "begin", "-")]
    assert guest_calls(v) == q(START[0]) + created + q(*START[1:])
    text = (seen / "port-created.xml").read_text()
    portid = re.search(r"portid='([0-9a-f-]{36})'", run(v, "dumpxml", "g1").stdout).group(1)
    uuid = run(v, "domuuid", "g1").stdout.strip()
    assert (f"  <networkport>\n    <uuid>{portid}</uuid>\n    <owner>\n      <name>g1</name>\n"
            f"      <uuid>{uuid}</uuid>\n    </owner>\n"
            "    <mac address='52:54:00:aa:bb:01'/>\n"
            "    <plug type='network' bridge='vbr150'/>\n  </networkport>\n") in text, text
    assert text.startswith("<hookData>\n  <network connections='1'>\n"), text
    run(v, "destroy", "g1")
    stop = stop_calls("destroyed")
    assert guest_calls(v)[4:] == q(stop[0]) + deleted + q(stop[1])
    assert (seen / "port-deleted.xml").read_text().startswith("<hookData>\n  <network>\n")
    run(v, "net-destroy", "n1")


def test_sigkill_during_plugged_hook(virtd_factory, guest_files, tmp_path, netns_holder):
    """virtd killed while a guest's 'plugged' hook runs: once it is back,
    the start is finished as a failed one (stopped, unplugged, release
    failed), no tap is left, and the network is up, with no port."""
    v = virtd_factory(netns=netns_holder)
    v.install_hook("qemu")
    hook = HangingHook(v, "plugged", driver="network", once=True)
    v.start()
    define(v, tmp_path)
    run(v, "net-start", "n1")
    g = Guest(v, guest_files, extra_devices=NIC)
    hook.start_guest(g)
    hook.kill_virtd(v)
    hook.kill()
    before = len(calls(v))
    v.start()
    stop = stop_calls("failed")
    want = [("network", "reconnect", "begin", "-")] + q(stop[0]) + UNPLUGGED + q(stop[1])
    wait_for(lambda: calls(v)[before:] == want,
             what=lambda: f"{want}, got {calls(v)[before:]}")
    assert tap_master(netns_holder, "vnet0") is None, "no tap left"
    g.wait_state("shut off (failed)")
    assert "connections=" not in run(v, "net-dumpxml", "n1").stdout
    run(v, "net-destroy", "n1")



# ---------------------------------------------------------------------------
# hot-plug


def test_attach_and_detach_interface(netv, guest_files, tmp_path):
    """attach-interface on a running guest: a port and a tap on the
    network's bridge, 'plugged', the NIC in the guest; detach-interface:
    the guest lets go (PCIe hot-unplug), 'unplugged', nothing left."""
    v = netv
    run(v, "net-start", "n1")
    g = Guest(v, guest_files)
    g.start()
    g.wait_ready()
    before = len(calls(v))
    run(v, "attach-interface", "g1", "network", "n1", "--model", "virtio", "--mac",
        "52:54:00:aa:bb:02", "--live")
    assert calls(v)[before:] == PLUGGED
    xml = run(v, "dumpxml", "g1").stdout
    assert re.search(r"<mac address='52:54:00:aa:bb:02'/>\n\s*<source network='n1' "
                     r"portid='[0-9a-f-]{36}' bridge='vbr150'/>\n\s*<target dev='vnet0'/>", xml), xml
    assert "<alias name='net0'/>" in xml
    assert tap_master(v, "vnet0") == "vbr150"
    assert "<network connections='1'>" in run(v, "net-dumpxml", "n1").stdout
    # not in the persistent definition (--live)
    assert "52:54:00:aa:bb:02" not in run(v, "dumpxml", "--inactive", "g1").stdout
    # the same MAC twice is refused
    p = run(v, "attach-interface", "g1", "network", "n1", "--mac", "52:54:00:aa:bb:02",
            "--live", check=False)
    assert "already has an interface with MAC address 52:54:00:aa:bb:02" in p.stderr, p

    run(v, "detach-interface", "g1", "network", "--mac", "52:54:00:aa:bb:02", "--live",
        timeout=120)
    assert calls(v)[before:] == PLUGGED + UNPLUGGED
    assert "52:54:00:aa:bb:02" not in run(v, "dumpxml", "g1").stdout
    assert tap_master(v, "vnet0") is None
    assert "connections=" not in run(v, "net-dumpxml", "n1").stdout
    run(v, "destroy", "g1")
    run(v, "net-destroy", "n1")


def test_attach_refused_by_plugged_leaves_nothing(virtd_factory, guest_files, tmp_path):
    v = virtd_factory()
    v.install_hook("qemu")
    v.install_hook("network", body='[ "$2" = plugged ] && { echo "port refused" >&2; exit 1; }\n'
                                   'exit 0\n')
    v.start()
    define(v, tmp_path)
    run(v, "net-start", "n1")
    g = Guest(v, guest_files)
    g.start()
    before = len(calls(v))
    p = run(v, "attach-interface", "g1", "network", "n1", "--mac", "52:54:00:aa:bb:03",
            "--live", check=False)
    assert p.returncode == 1
    assert "port refused" in p.stderr
    assert calls(v)[before:] == PLUGGED + UNPLUGGED
    assert "52:54:00:aa:bb:03" not in run(v, "dumpxml", "g1").stdout
    assert tap_master(v, "vnet0") is None
    assert "connections=" not in run(v, "net-dumpxml", "n1").stdout
    run(v, "destroy", "g1")
    run(v, "net-destroy", "n1")


def test_attach_interface_config(netv, guest_files, tmp_path):
    """--config changes the persistent definition only: the next start has
    the interface; detach --config takes it away again."""
    v = netv
    run(v, "net-start", "n1")
    Guest(v, guest_files)
    run(v, "attach-interface", "g1", "network", "n1", "--model", "virtio", "--mac",
        "52:54:00:aa:bb:04", "--config")
    assert "52:54:00:aa:bb:04" in run(v, "dumpxml", "--inactive", "g1").stdout
    run(v, "start", "g1")
    assert tap_master(v, "vnet0") == "vbr150"
    run(v, "destroy", "g1")
    run(v, "detach-interface", "g1", "network", "--mac", "52:54:00:aa:bb:04", "--config")
    assert "52:54:00:aa:bb:04" not in run(v, "dumpxml", "--inactive", "g1").stdout
    run(v, "net-destroy", "n1")


def test_guest_reaches_outside_through_nat(virtd_factory, guest_files, tmp_path, outside_ns):
    """The guest connects to a server in the 'outside' namespace: the
    server sees virtd's namespace's address (masqueraded), not the guest's."""
    v = virtd_factory()
    v.install_hook("qemu")
    v.start()
    join_outside(v, outside_ns)
    define(v, tmp_path)
    run(v, "net-start", "n1")
    server = subprocess.Popen(
        ["nsenter", "-t", str(outside_ns), "-n", sys.executable, "-c",
         "import socket\n"
         "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
         "s.bind(('10.99.0.2', 9000)); s.listen(1); s.settimeout(120)\n"
         "c, peer = s.accept(); print(peer[0], c.recv(100).decode().strip(), flush=True)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        g = Guest(v, guest_files, extra_devices=NIC,
                  cmdline_extra="test.net=dhcp test.connect=10.99.0.2:9000")
        g.start()
        assert testguest.wait_marker(str(g.serial), "CONNECT", BOOT_TIMEOUT) == \
            "ok 10.99.0.2:9000"
        out, _ = server.communicate(timeout=60)
        assert out == "10.99.0.1 VIRTD-TEST-GUEST HELLO\n"
    finally:
        server.kill()
        server.wait()
    run(v, "destroy", "g1")
    run(v, "net-destroy", "n1")

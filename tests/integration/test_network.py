"""Running virtual networks: net-start / net-destroy / net-create build and
remove a real bridge with its addresses and nftables chains in virtd's
private network namespace, with the network hooks of the contract; a
failing hook leaves nothing behind; a restarted virtd takes its networks
back (and repairs what went missing).
"""

import json
import os
import signal
import subprocess

import pytest

from conftest import WAIT_TIMEOUT, pid_gone, wait_for, write_script
from qemuutil import HangingHook
from rpcutil import libvirt_module, uri, virsh

NET_XML = """<network>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  {forward}
  <bridge name='{bridge}' stp='on' delay='0'/>
  <mac address='52:54:00:0a:0b:{n:02x}'/>
  <ip address='192.168.{n}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.{n}.10' end='192.168.{n}.50'/>
    </dhcp>
  </ip>
</network>
"""


def net_xml(name="n1", n=150, bridge="vbr150", forward="<forward mode='nat'/>"):
    return NET_XML.format(name=name, n=n, bridge=bridge, forward=forward,
                          uuid=f"0e2b5d0c-5c1e-4b8e-9a55-4f5c0b1e0a{n % 100:02d}")


def sock(v):
    return uri(v.run_dir / "virtd-sock")


def run(v, *args, check=True):
    p = virsh(sock(v), *args)
    if check:
        assert p.returncode == 0, p
    return p


def define(v, tmp_path, **kw):
    path = tmp_path / f"{kw.get('name', 'n1')}.xml"
    path.write_text(net_xml(**kw))
    run(v, "net-define", str(path))


def in_netns(v, *cmd):
    p = subprocess.run(["nsenter", "-t", str(v.pid), "-n", *cmd], capture_output=True,
                       text=True, timeout=WAIT_TIMEOUT, check=False)
    return p


def links(where):
    """The interfaces of virtd @where's namespace (or of the namespace of
    that path), by name."""
    netns = where if isinstance(where, str) else f"/proc/{where.pid}/ns/net"
    out = subprocess.run(["nsenter", f"--net={netns}", "ip", "-j", "-d", "link", "show"],
                         capture_output=True, text=True, timeout=WAIT_TIMEOUT, check=True).stdout
    return {link["ifname"]: link for link in json.loads(out)}


def addresses(v, dev):
    out = json.loads(in_netns(v, "ip", "-j", "addr", "show", "dev", dev).stdout)
    return sorted(f"{a['local']}/{a['prefixlen']}" for a in out[0]["addr_info"]
                  if a.get("scope") != "link")


def chains(v):
    p = in_netns(v, "nft", "-j", "list", "chains")
    assert p.returncode == 0, p
    return sorted(c["chain"]["name"] for c in json.loads(p.stdout)["nftables"]
                  if "chain" in c and c["chain"]["table"] == "virtd")


def net_calls(v, name=None):
    return [tuple(c.args[1:]) for c in v.hook_log.calls()
            if os.path.basename(c.script) == "network" and (name is None or c.args[0] == name)]


def status_file(v, name="n1"):
    return v.run_dir / "network" / f"{name}.xml"


START = [("start", "begin", "-"), ("started", "begin", "-")]
STOPPED = [("stopped", "end", "-")]
FW_CHAINS = ["forward-vbr150", "input-vbr150", "output-vbr150", "postrouting-vbr150"]


@pytest.fixture
def netv(virtd_factory):
    v = virtd_factory()
    v.install_hook("network")
    return v.start()


def test_start_and_destroy(netv, tmp_path):
    v = netv
    define(v, tmp_path)
    run(v, "net-start", "n1")
    link = links(v)["vbr150"]
    assert link["linkinfo"]["info_kind"] == "bridge"
    assert link["address"] == "52:54:00:0a:0b:96"
    assert "UP" in link["flags"]
    assert addresses(v, "vbr150") == ["192.168.150.1/24"]
    assert chains(v) == FW_CHAINS
    assert status_file(v).exists()
    assert net_calls(v) == START
    out = run(v, "net-list", "--all").stdout
    assert " n1 " in out and "active" in out
    assert "<bridge name='vbr150'" in run(v, "net-dumpxml", "n1").stdout

    run(v, "net-destroy", "n1")
    assert "vbr150" not in links(v)
    assert chains(v) == []
    assert not status_file(v).exists()
    assert net_calls(v) == START + STOPPED
    p = run(v, "net-destroy", "n1", check=False)
    assert p.returncode == 1
    assert "network 'n1' is not active" in p.stderr
    # and again
    run(v, "net-start", "n1")
    assert "vbr150" in links(v)
    p = run(v, "net-start", "n1", check=False)
    assert "network is already active" in p.stderr


def test_hook_stdin_is_the_live_xml(virtd_factory, tmp_path):
    v = virtd_factory()
    seen = tmp_path / "seen"
    seen.mkdir()
    write_script(v.hook_path("network"), f'#!/bin/sh\ncat > "{seen}/$2"\n')
    v.start()
    define(v, tmp_path)
    run(v, "net-start", "n1")
    text = (seen / "started").read_text()
    assert text.startswith("<hookData>\n  <network>\n    <name>n1</name>\n"), text
    assert text.endswith("  </network>\n</hookData>"), text
    assert "    <bridge name='vbr150' stp='on' delay='0'/>\n" in text
    run(v, "net-destroy", "n1")
    assert (seen / "stopped").read_text() == text


def test_failing_start_hook_leaves_nothing(virtd_factory, tmp_path):
    v = virtd_factory()
    v.install_hook("network", body='[ "$2" = start ] && { echo "no network today" >&2; exit 1; }\n'
                                   'exit 0\n')
    v.start()
    define(v, tmp_path)
    p = run(v, "net-start", "n1", check=False)
    assert p.returncode == 1
    assert "no network today" in p.stderr
    assert "vbr150" not in links(v)
    assert chains(v) == []
    assert not status_file(v).exists()
    assert net_calls(v) == [("start", "begin", "-")]
    assert "inactive" in run(v, "net-list", "--all").stdout


def test_failing_started_hook_tears_everything_down(virtd_factory, tmp_path):
    v = virtd_factory()
    flag = tmp_path / "refuse"
    flag.touch()
    v.install_hook("network", body=f'[ "$2" = started ] && [ -e {flag} ] && '
                                   '{ echo "started refused" >&2; exit 1; }\nexit 0\n')
    v.start()
    define(v, tmp_path)
    p = run(v, "net-start", "n1", check=False)
    assert p.returncode == 1
    assert "started refused" in p.stderr
    assert "vbr150" not in links(v)
    assert chains(v) == []
    assert not status_file(v).exists()
    assert net_calls(v) == START + STOPPED
    assert "inactive" in run(v, "net-list", "--all").stdout
    # the next start works: nothing was leaked in the way
    flag.unlink()
    run(v, "net-start", "n1")
    assert "vbr150" in links(v)


def test_bridge_name_taken_by_another_interface(netv, tmp_path):
    v = netv
    define(v, tmp_path)
    assert in_netns(v, "ip", "link", "add", "vbr150", "type", "veth", "peer", "name",
                    "vbr150p").returncode == 0
    p = run(v, "net-start", "n1", check=False)
    assert p.returncode == 1
    assert "an interface named 'vbr150' already exists" in p.stderr
    # someone else's interface is left alone
    assert links(v)["vbr150"]["linkinfo"]["info_kind"] == "veth"
    assert chains(v) == []
    assert net_calls(v) == START[:1] + STOPPED


def test_transient_network(netv, tmp_path):
    v = netv
    path = tmp_path / "t.xml"
    path.write_text(net_xml(name="t1", n=151, bridge="vbr151"))
    run(v, "net-create", str(path))
    assert "vbr151" in links(v)
    assert " t1 " in run(v, "net-list").stdout
    run(v, "net-destroy", "t1")
    assert "vbr151" not in links(v)
    assert " t1 " not in run(v, "net-list", "--all").stdout


def test_isolated_and_route_networks(netv, tmp_path):
    v = netv
    define(v, tmp_path, name="iso", n=152, bridge="vbr152", forward="")
    define(v, tmp_path, name="rt", n=153, bridge="vbr153", forward="<forward mode='route'/>")
    run(v, "net-start", "iso")
    run(v, "net-start", "rt")
    assert {"vbr152", "vbr153"} <= set(links(v))
    # no NAT, so no postrouting chain
    assert chains(v) == sorted(f"{c}-{b}" for b in ("vbr152", "vbr153")
                               for c in ("forward", "input", "output"))
    run(v, "net-destroy", "iso")
    assert all(c.endswith("vbr153") for c in chains(v))
    run(v, "net-destroy", "rt")
    assert chains(v) == []


def test_restart_keeps_networks_and_repairs_them(virtd_factory, tmp_path, netns_holder):
    v = virtd_factory(netns=netns_holder)
    v.install_hook("network")
    v.start()
    define(v, tmp_path)
    define(v, tmp_path, name="n2", n=154, bridge="vbr154")
    run(v, "net-start", "n1")
    run(v, "net-start", "n2")
    v.stop()
    # the networks outlive virtd
    assert {"vbr150", "vbr154"} <= set(links(netns_holder))
    # while virtd is away, n2 loses its bridge
    assert subprocess.run(["nsenter", f"--net={netns_holder}", "ip", "link", "del", "vbr154"],
                          check=False).returncode == 0
    v.start()
    wait_for(lambda: net_calls(v).count(("reconnect", "begin", "-")) == 2,
             what=lambda: f"two reconnect hooks: {net_calls(v)}")
    assert net_calls(v, "n1") == START + [("reconnect", "begin", "-")]
    assert {"vbr150", "vbr154"} <= set(links(v))
    assert addresses(v, "vbr154") == ["192.168.154.1/24"]
    out = run(v, "net-list").stdout
    assert " n1 " in out and " n2 " in out
    v.wait_for_log(r"network 'n2': its bridge 'vbr154' is gone, making it again")
    run(v, "net-destroy", "n1")
    run(v, "net-destroy", "n2")
    assert chains(v) == []


def test_sigkill_during_started_hook_then_restart(virtd_factory, tmp_path, netns_holder):
    """Killed while 'started' runs (everything was up): the next virtd
    takes the network back, fully up."""
    v = virtd_factory(netns=netns_holder)
    hook = HangingHook(v, "started", driver="network", once=True)
    v.start()
    define(v, tmp_path)
    hook.start(lambda: run(v, "net-start", "n1", check=False))
    hook.kill_virtd(v)
    hook.kill()
    v.start()
    wait_for(lambda: ("reconnect", "begin", "-") in net_calls(v), what="the reconnect hook")
    assert "vbr150" in links(v)
    assert chains(v) == FW_CHAINS
    assert " n1 " in run(v, "net-list").stdout
    run(v, "net-destroy", "n1")
    assert "vbr150" not in links(v)


def test_interrupted_start_is_torn_down(virtd_factory, tmp_path, netns_holder):
    """A status file still saying "starting" (virtd killed in the middle of
    a start) makes the next virtd tear down what was made."""
    v = virtd_factory(netns=netns_holder)
    hook = HangingHook(v, "start", driver="network", once=True)
    v.start()
    define(v, tmp_path)
    hook.start(lambda: run(v, "net-start", "n1", check=False))
    hook.kill_virtd(v)
    hook.kill()
    # what a start cut after its status was saved leaves: a status file saying
    # "starting" and a bridge
    status = status_file(v)
    status.write_text(
        "<networkstatus state='0' reason='0' pid='0' id='-1'>\n" +
        net_xml() + "</networkstatus>\n")
    assert subprocess.run(["nsenter", f"--net={netns_holder}", "ip", "link", "add", "vbr150",
                           "type", "bridge"], check=False).returncode == 0
    v.start()
    wait_for(lambda: ("stopped", "end", "-") in net_calls(v), what="the stopped hook")
    assert "vbr150" not in links(v)
    assert not status.exists()
    assert "inactive" in run(v, "net-list", "--all").stdout
    run(v, "net-start", "n1")
    assert "vbr150" in links(v)


def test_autostart(virtd_factory, tmp_path, netns_holder):
    v = virtd_factory(netns=netns_holder)
    v.install_hook("network")
    v.start()
    define(v, tmp_path)
    run(v, "net-autostart", "n1")
    v.stop()
    v.start()
    wait_for(lambda: net_calls(v) == START, what=lambda: f"start and started: {net_calls(v)}")
    assert "vbr150" in links(v)
    run(v, "net-destroy", "n1")


def test_hook_calls_back_into_virtd(virtd_factory, tmp_path):
    """No deadlock: the started hook reads its own network; a state change
    of it from inside its hook fails at once."""
    v = virtd_factory()
    out = tmp_path / "out"
    u = sock(v)
    v.install_hook("network", body=f'[ "$2" = started ] || exit 0\n'
                                   f'virsh -c "{u}" net-dumpxml n1 > {out}.xml 2>&1\n'
                                   f'virsh -c "{u}" net-destroy n1 > {out}.destroy 2>&1\n'
                                   'exit 0\n')
    v.start()
    define(v, tmp_path)
    run(v, "net-start", "n1")
    assert "<name>n1</name>" in (tmp_path / "out.xml").read_text()
    assert (tmp_path / "out.destroy").read_text() == (
        "error: Failed to destroy network n1\n"
        "error: Requested operation is not valid: operation in progress: network 'n1' is in "
        "its 'start' operation, whose hook script is making this call\n\n")
    assert "vbr150" in links(v)


# ---------------------------------------------------------------------------
# dnsmasq


def dnsmasq_pid(v, name="n1"):
    path = v.run_dir / "network" / f"{name}.pid"
    return int(path.read_text()) if path.exists() else None


def dnsmasq_alive(v, name="n1"):
    pid = dnsmasq_pid(v, name)
    if pid is None or pid_gone(pid):
        return False
    cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
    return f"--conf-file={v.run_dir}/network/{name}.conf".encode() in cmdline


def plug_veth(v, guest_pid, bridge, mac):
    for cmd in (["ip", "link", "add", "vg0", "type", "veth", "peer", "name", "vg1"],
                ["ip", "link", "set", "vg1", "address", mac],
                ["ip", "link", "set", "vg0", "master", bridge, "up"],
                ["ip", "link", "set", "vg1", "netns", str(guest_pid)]):
        p = in_netns(v, *cmd)
        assert p.returncode == 0, p
    p = subprocess.run(["nsenter", "-t", str(guest_pid), "-n", "ip", "link", "set", "vg1", "up"],
                       capture_output=True, text=True, check=False)
    assert p.returncode == 0, p


def test_dnsmasq_serves_dhcp(netv, tmp_path, guest_ns):
    """The network's own dnsmasq hands a real DHCP client (busybox udhcpc in
    a namespace plugged into the bridge) an address from the range, and
    goes with the network."""
    v = netv
    define(v, tmp_path)
    run(v, "net-start", "n1")
    assert dnsmasq_alive(v)
    conf = (v.run_dir / "network" / "n1.conf").read_text()
    assert "interface=vbr150\n" in conf and "dhcp-range=192.168.150.10,192.168.150.50" in conf
    plug_veth(v, guest_ns, "vbr150", "52:54:00:12:34:56")
    # the bridge's STP delays the port ~4 s: udhcpc retries meanwhile
    p = subprocess.run(["nsenter", "-t", str(guest_ns), "-n", "busybox", "udhcpc", "-i", "vg1",
                        "-f", "-q", "-n", "-t", "20", "-T", "2", "-s", "/bin/true"],
                       capture_output=True, text=True, timeout=120, check=False)
    assert p.returncode == 0, p
    leases = v.state_dir / "network" / "n1.leases"
    wait_for(lambda: "52:54:00:12:34:56" in leases.read_text(), what="the lease in dnsmasq's file")
    (expiry, mac, ip, *_rest) = leases.read_text().split()[:3] + [None]
    assert mac == "52:54:00:12:34:56"
    assert ip.startswith("192.168.150.")
    assert 10 <= int(ip.rsplit(".", 1)[1]) <= 50
    # virsh and python3-libvirt read the same lease
    out = run(v, "net-dhcp-leases", "n1").stdout
    row = [line.split() for line in out.splitlines() if "52:54:00:12:34:56" in line]
    assert len(row) == 1, out
    assert row[0][2:5] == ["52:54:00:12:34:56", "ipv4", f"{ip}/24"], out
    assert "52:54:00:12:34:56" not in run(v, "net-dhcp-leases", "n1", "--mac",
                                          "52:54:00:00:00:01").stdout
    assert "52:54:00:12:34:56" in run(v, "net-dhcp-leases", "n1", "--mac",
                                      "52:54:00:12:34:56").stdout
    libvirt = libvirt_module()
    conn = libvirt.open(sock(v))
    try:
        leases = conn.networkLookupByName("n1").DHCPLeases()
    finally:
        conn.close()
    assert [(l["iface"], l["mac"], l["ipaddr"], l["prefix"], l["type"]) for l in leases] == \
        [("vbr150", "52:54:00:12:34:56", ip, 24, 0)]
    assert int(leases[0]["expirytime"]) == int(expiry)
    pid = dnsmasq_pid(v)
    run(v, "net-destroy", "n1")
    assert pid_gone(pid)
    assert not (v.run_dir / "network" / "n1.conf").exists()


def test_dnsmasq_survives_restart_and_is_restarted(virtd_factory, tmp_path, netns_holder):
    v = virtd_factory(netns=netns_holder)
    v.install_hook("network")
    v.start()
    define(v, tmp_path)
    define(v, tmp_path, name="n2", n=154, bridge="vbr154")
    run(v, "net-start", "n1")
    run(v, "net-start", "n2")
    pid1, pid2 = dnsmasq_pid(v, "n1"), dnsmasq_pid(v, "n2")
    v.stop()
    assert not pid_gone(pid1), "dnsmasq outlives virtd"
    os.kill(pid2, signal.SIGKILL)
    wait_for(lambda: pid_gone(pid2), what="n2's dnsmasq to die")
    v.start()
    wait_for(lambda: net_calls(v).count(("reconnect", "begin", "-")) == 2,
             what=lambda: f"two reconnect hooks: {net_calls(v)}")
    assert dnsmasq_pid(v, "n1") == pid1
    assert dnsmasq_alive(v, "n2") and dnsmasq_pid(v, "n2") != pid2
    v.wait_for_log(r"network 'n2': its dnsmasq is gone, starting it again")
    run(v, "net-destroy", "n1")
    run(v, "net-destroy", "n2")
    assert pid_gone(pid1)


def test_no_dnsmasq_without_dhcp_or_dns(netv, tmp_path):
    v = netv
    path = tmp_path / "plain.xml"
    path.write_text("""<network>
  <name>plain</name>
  <forward mode='route'/>
  <bridge name='vbr155'/>
  <dns enable='no'/>
  <ip address='192.168.155.1' netmask='255.255.255.0'/>
</network>
""")
    run(v, "net-define", str(path))
    run(v, "net-start", "plain")
    assert dnsmasq_pid(v, "plain") is None
    run(v, "net-destroy", "plain")


# ---------------------------------------------------------------------------
# net-update


HOST = "<host mac='52:54:00:12:34:56' ip='192.168.150.99'/>"


def test_net_update_dhcp_host(virtd_factory, tmp_path, guest_ns, open_dir):
    """net-update adds a static DHCP host to the running network (dnsmasq
    re-reads its hosts, no restart: a client then gets that address) and
    to its definition; 'updated' runs; delete takes it away again."""
    v = virtd_factory(run_dir=open_dir)
    v.install_hook("network")
    v.start()
    define(v, tmp_path)
    run(v, "net-start", "n1")
    pid = dnsmasq_pid(v)
    run(v, "net-update", "n1", "add", "ip-dhcp-host", HOST, "--live", "--config")
    assert dnsmasq_pid(v) == pid, "re-read, not restarted"
    assert HOST in run(v, "net-dumpxml", "n1").stdout
    assert HOST in run(v, "net-dumpxml", "n1", "--inactive").stdout
    assert "52:54:00:12:34:56,192.168.150.99" in \
        (v.run_dir / "network" / "n1.hosts").read_text()
    assert net_calls(v) == START + [("updated", "begin", "-")]
    # a real client gets the address just added
    plug_veth(v, guest_ns, "vbr150", "52:54:00:12:34:56")
    p = subprocess.run(["nsenter", "-t", str(guest_ns), "-n", "busybox", "udhcpc", "-i", "vg1",
                        "-f", "-q", "-n", "-t", "20", "-T", "2", "-s", "/bin/true"],
                       capture_output=True, text=True, timeout=120, check=False)
    assert p.returncode == 0, p
    wait_for(lambda: "192.168.150.99" in run(v, "net-dhcp-leases", "n1").stdout,
             what="the static address leased")
    # refused updates change nothing
    p = run(v, "net-update", "n1", "add", "ip-dhcp-host",
            "<host mac='52:54:00:12:34:57' ip='10.1.1.1'/>", "--live", check=False)
    assert p.returncode == 1
    assert "DHCP host address '10.1.1.1' is not inside network '192.168.150.1/24'" in p.stderr
    p = run(v, "net-update", "n1", "add", "dns-host",
            "<host ip='192.168.150.2'><hostname>x</hostname></host>", check=False)
    assert p.returncode == 1
    assert "can't update the 'dns-host' section of a network" in p.stderr
    p = run(v, "net-update", "n1", "delete", "ip-dhcp-host",
            "<host mac='52:54:00:00:00:01'/>", check=False)
    assert "couldn't locate a matching dhcp host entry in network 'n1'" in p.stderr
    # delete, live only: the definition keeps it
    run(v, "net-update", "n1", "delete", "ip-dhcp-host", HOST, "--live")
    assert HOST not in run(v, "net-dumpxml", "n1").stdout
    assert HOST in run(v, "net-dumpxml", "n1", "--inactive").stdout
    assert "192.168.150.99" not in (v.run_dir / "network" / "n1.hosts").read_text()
    run(v, "net-destroy", "n1")


def test_lifecycle_events(netv, tmp_path):
    """net-event clients see Defined, Started, Stopped and Undefined."""
    from rpcutil import OK, RawClient, xdr_int, xdr_opt_string, xdr_uint
    from test_rpc import PROC_NETWORK_EVENT_LIFECYCLE, PROC_NETWORK_EVENT_REGISTER, read_event
    v = netv
    with RawClient(v.run_dir / "virtd-sock") as c:
        assert c.call(1, xdr_opt_string(None) + xdr_uint(0)).status == OK   # CONNECT_OPEN
        r = c.call_ok(PROC_NETWORK_EVENT_REGISTER, xdr_int(0) + xdr_uint(0))
        cb = r.int()
        define(v, tmp_path)
        run(v, "net-start", "n1")
        run(v, "net-destroy", "n1")
        run(v, "net-undefine", "n1")
        events = []
        for _ in range(4):
            e = read_event(c, PROC_NETWORK_EVENT_LIFECYCLE)
            callback, name = e.int(), e.string()
            e.uuid()
            event = e.int()
            e.int()  # detail
            events.append((callback, name, event))
        # VIR_NETWORK_EVENT_DEFINED 0, UNDEFINED 1, STARTED 2, STOPPED 3
        assert events == [(cb, "n1", 0), (cb, "n1", 2), (cb, "n1", 3), (cb, "n1", 1)]


def test_net_info_and_undefine_while_active(netv, tmp_path):
    """net-info as virsh prints it; net-undefine of an active network
    leaves it running, transient, until it is destroyed."""
    v = netv
    define(v, tmp_path)
    run(v, "net-autostart", "n1")
    run(v, "net-start", "n1")
    info = dict(line.split(":", 1) for line in run(v, "net-info", "n1").stdout.splitlines()
                if ":" in line)
    assert {k.strip(): val.strip() for k, val in info.items()} == {
        "Name": "n1", "UUID": "0e2b5d0c-5c1e-4b8e-9a55-4f5c0b1e0a50", "Active": "yes",
        "Persistent": "yes", "Autostart": "yes", "Bridge": "vbr150"}
    run(v, "net-undefine", "n1")
    out = run(v, "net-list", "--all").stdout
    assert " n1 " in out and "active" in out
    assert "no" in run(v, "net-info", "n1").stdout.split("Persistent:")[1].splitlines()[0]
    assert "vbr150" in links(v)
    run(v, "net-destroy", "n1")
    assert " n1 " not in run(v, "net-list", "--all").stdout
    assert "vbr150" not in links(v)

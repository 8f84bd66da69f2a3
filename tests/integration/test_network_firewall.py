"""A virtual network's nftables ruleset (src/network/network_firewall.c),
applied for real, without virtd: tests/networkfirewallhelper calls the C
API (apply, remove, check, forwarding) inside network namespaces this
module creates and removes.  Nothing here touches the host's own network
or firewall.

Each namespace is held by an 'unshare --net -- sleep infinity' process of
its own; commands run in it through 'nsenter -t PID -n'.  When the holder
is killed (by pid) the namespace, its links and its ruleset go with it.

The port-forward test builds

    outside ns                 host ns ("virtd's")                guest ns
    oe0 203.0.113.2  <-veth->  vo0 203.0.113.1
                               vbr0 192.168.100.1/24  <- vg0 <-veth->  ge0 192.168.100.10

and shows that a connection an administrator's own rules DNAT to the
guest (an nft table of the administrator's, or iptables rules as the
libvirt wiki's hook script adds them) gets through virtd's forward chain, while a direct connection from
outside to the guest is rejected; that an accept in the administrator's
table alone would not do (with virtd's 'ct status dnat' rule taken out,
the DNATed connection is rejected too); that the guest reaches outside
masqueraded; and that an isolated network forwards nothing.
"""

import json
import os
import signal
import subprocess
import textwrap

import pytest

from conftest import DEFAULT_PATH, WAIT_TIMEOUT, minimal_env, wait_for, wait_gone

GUEST_IP = "192.168.100.10"
HOST_BRIDGE_IP = "192.168.100.1"
HOST_OUTSIDE_IP = "203.0.113.1"
OUTSIDE_IP = "203.0.113.2"

# A client's connect timeout, in seconds.  The negative checks expect a
# refusal (the reject's ICMP error), which comes at once: the timeout only
# bounds a test that would otherwise hang.
CONNECT_TIMEOUT = 3

SERVER = textwrap.dedent("""\
    import socket, sys
    addr, port, tag, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    open(marker, "w").close()
    while True:
        c, peer = s.accept()
        c.sendall(f"{tag} {peer[0]}\\n".encode())
        c.close()
    """)

CLIENT = textwrap.dedent("""\
    import socket, sys
    host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    try:
        c = socket.create_connection((host, port), timeout=timeout)
        print("ok", c.makefile().readline().strip())
    except ConnectionRefusedError:
        print("refused")
    except socket.timeout:
        print("timeout")
    except OSError as e:
        print("error", e)
    """)


@pytest.fixture(scope="module")
def helper(build_dir):
    path = build_dir / "tests" / "networkfirewallhelper"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} not found: build it first (ninja -C {build_dir})", pytrace=False)
    return path


@pytest.fixture(scope="module", autouse=True)
def _nft_cli():
    if not any(os.access(os.path.join(d, "nft"), os.X_OK) for d in DEFAULT_PATH.split(":")):
        pytest.skip("the nft command (Debian package nftables) is needed to inspect rulesets")


class Netns:
    """A network namespace held by a sleeping process of its own."""

    def __init__(self, unshare, name):
        self.name = name
        self.holder = subprocess.Popen([unshare, "--net", "--", "sleep", "infinity"],
                                       stdin=subprocess.DEVNULL, env=minimal_env())
        self.procs = []
        own = os.readlink("/proc/self/ns/net")
        wait_for(lambda: self._ns() not in (None, own), what=f"namespace {name} to exist")

    def _ns(self):
        try:
            return os.readlink(f"/proc/{self.holder.pid}/ns/net")
        except OSError:
            return None

    @property
    def pid(self):
        return self.holder.pid

    def argv(self, *args):
        return ["nsenter", "-t", str(self.pid), "-n", "--", *map(str, args)]

    def run(self, *args, check=True, input=None, timeout=WAIT_TIMEOUT):
        r = subprocess.run(self.argv(*args), input=input, capture_output=True, text=True,
                           env=minimal_env(), timeout=timeout, check=False)
        if check and r.returncode != 0:
            pytest.fail(f"in {self.name}: {' '.join(map(str, args))} exited {r.returncode}: "
                        f"{r.stdout}{r.stderr}")
        return r

    def spawn(self, *args):
        """A long-running process in the namespace, killed at close()."""
        p = subprocess.Popen(self.argv(*args), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, env=minimal_env())
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs + [self.holder]:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=WAIT_TIMEOUT)
        wait_gone(self.holder.pid, what=f"namespace {self.name}'s holder")


@pytest.fixture
def netns(unshare_path):
    made = []

    def make(name):
        ns = Netns(unshare_path, name)
        made.append(ns)
        return ns

    yield make
    for ns in made:
        ns.close()


def write_def(path, name, bridge, mode, subnets=(), nat_ports=None):
    lines = ["[network]", f"name={name}", f"bridge={bridge}", f"mode={mode}"]
    if subnets:
        lines.append("subnets=" + ";".join(subnets))
    if nat_ports:
        lines.append(f"nat-ports={nat_ports}")
    path.write_text("\n".join(lines) + "\n")
    return path


def fw(ns, helper, op, arg, check=True):
    return ns.run(helper, op, arg, check=check)


def chains(ns):
    """The chains of virtd's table: {name: hook}."""
    out = json.loads(ns.run("nft", "-j", "list", "chains", "inet").stdout)
    return {c["chain"]["name"]: c["chain"].get("hook")
            for c in out["nftables"]
            if "chain" in c and c["chain"]["table"] == "virtd"}


def chain_text(ns, chain):
    return ns.run("nft", "list", "chain", "inet", "virtd", chain).stdout


def add_bridge(ns, bridge, *addrs):
    ns.run("ip", "link", "add", bridge, "type", "bridge")
    for a in addrs:
        ns.run("ip", "addr", "add", a, "dev", bridge)
    ns.run("ip", "link", "set", bridge, "up")


def test_chains_per_network_removal_leaves_others(netns, helper, tmp_path):
    host = netns("host")
    add_bridge(host, "vbr0", "192.168.100.1/24")
    add_bridge(host, "vbr1", "10.20.30.1/24", "fd00:20::1/64")
    net1 = write_def(tmp_path / "net1.def", "net one", "vbr0", "nat",
                     ["ipv4:192.168.100.1/24"], "1024-65535")
    net2 = write_def(tmp_path / "net2.def", "net2", "vbr1", "route",
                     ["ipv4:10.20.30.1/24", "ipv6:fd00:20::1/64"])
    net1_chains = {"input-vbr0": "input", "output-vbr0": "output",
                   "forward-vbr0": "forward", "postrouting-vbr0": "postrouting"}
    net2_chains = {"input-vbr1": "input", "output-vbr1": "output", "forward-vbr1": "forward"}

    assert fw(host, helper, "check", net1).stdout == "absent\n"
    fw(host, helper, "apply", net1)
    assert chains(host) == net1_chains
    assert fw(host, helper, "check", net1).stdout == "present\n"
    forward1 = chain_text(host, "forward-vbr0")
    assert 'oifname "vbr0" ct status dnat accept' in forward1
    assert "masquerade to :1024-65535" in chain_text(host, "postrouting-vbr0")

    fw(host, helper, "apply", net2)
    assert chains(host) == {**net1_chains, **net2_chains}
    net2_text = {c: chain_text(host, c) for c in net2_chains}
    # applying again rewrites, it does not add
    fw(host, helper, "apply", net1)
    assert chain_text(host, "forward-vbr0") == forward1

    fw(host, helper, "remove", net1)
    assert chains(host) == net2_chains
    assert {c: chain_text(host, c) for c in net2_chains} == net2_text
    assert fw(host, helper, "check", net1).stdout == "absent\n"
    assert fw(host, helper, "check", net2).stdout == "present\n"

    # idempotent: removing what is not there is no error and changes nothing
    fw(host, helper, "remove", net1)
    assert chains(host) == net2_chains
    assert {c: chain_text(host, c) for c in net2_chains} == net2_text

    fw(host, helper, "remove", net2)
    assert chains(host) == {}
    assert fw(host, helper, "check", net2).stdout == "absent\n"


def connect(ns, host, port):
    """What a client in @ns gets from host:port: 'ok <reply>', 'refused',
    'timeout' or 'error ...'."""
    r = ns.run("python3", "-c", CLIENT, host, port, CONNECT_TIMEOUT,
               timeout=CONNECT_TIMEOUT + WAIT_TIMEOUT)
    return r.stdout.strip()


def start_server(ns, tmp_path, addr, port, tag):
    marker = tmp_path / f"{tag}.listening"
    proc = ns.spawn("python3", "-c", SERVER, addr, port, tag, marker)

    def up():
        if proc.poll() is not None:
            pytest.fail(f"the {tag} server exited with {proc.returncode}")
        return marker.exists()
    wait_for(up, what=f"the {tag} server to listen")


def veth(host, host_end, other, other_end, other_addr):
    host.run("ip", "link", "add", host_end, "type", "veth", "peer", "name", other_end,
             "netns", other.pid)
    other.run("ip", "addr", "add", other_addr, "dev", other_end)
    other.run("ip", "link", "set", other_end, "up")
    other.run("ip", "link", "set", "lo", "up")


ADMIN_DNAT = f"""\
table ip admin {{
    chain pre {{
        type nat hook prerouting priority dstnat; policy accept;
        tcp dport 8080 dnat to {GUEST_IP}:80
    }}
    chain allow {{
        type filter hook forward priority filter; policy accept;
        ip daddr {GUEST_IP} tcp dport 80 accept
    }}
}}
"""


# The same port forward as the libvirt wiki's hook script writes it.
ADMIN_IPTABLES = [
    ["-t", "nat", "-I", "PREROUTING", "-p", "tcp", "--dport", "8080",
     "-j", "DNAT", "--to-destination", f"{GUEST_IP}:80"],
    ["-I", "FORWARD", "-o", "vbr0", "-p", "tcp", "-d", GUEST_IP, "--dport", "80",
     "-j", "ACCEPT"],
]


def add_port_forward(ns, admin):
    """The administrator's port forward, host:8080 to the guest's port 80,
    in the administrator's own table: 'table ip admin' (nft), or iptables'
    own tables (iptables-nft: 'table ip nat' and 'table ip filter')."""
    if admin == "nft":
        ns.run("nft", "-f", "-", input=ADMIN_DNAT)
        return
    for rule in ADMIN_IPTABLES:
        ns.run("iptables", "-w", *rule)


def rule_handle(ns, chain, text):
    """The handle of the rule of virtd's @chain that reads @text."""
    for line in ns.run("nft", "-a", "list", "chain", "inet", "virtd", chain).stdout.splitlines():
        if line.strip().startswith(text + " # handle "):
            return line.rsplit(" ", 1)[1]
    pytest.fail(f"no rule '{text}' in {chain}")


@pytest.mark.parametrize("admin", ["nft", "iptables"])
def test_dnat_port_forward_reaches_guest_other_traffic_rejected(netns, helper, tmp_path, admin):
    if admin == "iptables" and not any(os.access(os.path.join(d, "iptables"), os.X_OK)
                                       for d in DEFAULT_PATH.split(":")):
        pytest.skip("the iptables command (Debian package iptables) is needed")
    host, guest, outside = netns("host"), netns("guest"), netns("outside")
    add_bridge(host, "vbr0", f"{HOST_BRIDGE_IP}/24")
    veth(host, "vg0", guest, "ge0", f"{GUEST_IP}/24")
    host.run("ip", "link", "set", "vg0", "master", "vbr0", "up")
    guest.run("ip", "route", "add", "default", "via", HOST_BRIDGE_IP)
    veth(host, "vo0", outside, "oe0", f"{OUTSIDE_IP}/24")
    host.run("ip", "addr", "add", f"{HOST_OUTSIDE_IP}/24", "dev", "vo0")
    host.run("ip", "link", "set", "vo0", "up")
    # the guest's subnet is routable from outside: only a firewall can
    # stop a direct connection
    outside.run("ip", "route", "add", "192.168.100.0/24", "via", HOST_OUTSIDE_IP)
    fw(host, helper, "forwarding", "ipv4")
    assert host.run("cat", "/proc/sys/net/ipv4/ip_forward").stdout == "1\n"

    start_server(guest, tmp_path, "0.0.0.0", 80, "guest")
    start_server(outside, tmp_path, OUTSIDE_IP, 9000, "outside")
    # without any ruleset, everything goes through: the refusals below are
    # the rules' doing
    assert connect(outside, GUEST_IP, 80) == f"ok guest {OUTSIDE_IP}"

    nat = write_def(tmp_path / "nat.def", "default", "vbr0", "nat",
                    [f"ipv4:{HOST_BRIDGE_IP}/24"], "1024-65535")
    fw(host, helper, "apply", nat)
    add_port_forward(host, admin)

    # the administrator's DNAT reaches the guest, which sees the real client
    assert connect(outside, HOST_OUTSIDE_IP, 8080) == f"ok guest {OUTSIDE_IP}"
    # a direct connection to the guest is rejected
    assert connect(outside, GUEST_IP, 80) == "refused"
    # the guest reaches outside, masqueraded behind the host's address
    assert connect(guest, OUTSIDE_IP, 9000) == f"ok outside {HOST_OUTSIDE_IP}"

    # virtd's own accept is what lets the DNATed connection through: the
    # administrator's accept in a table of its own cannot override virtd's
    # reject
    handle = rule_handle(host, "forward-vbr0", 'oifname "vbr0" ct status dnat accept')
    host.run("nft", "delete", "rule", "inet", "virtd", "forward-vbr0", "handle", handle)
    assert connect(outside, HOST_OUTSIDE_IP, 8080) == "refused"
    # a repair (apply again) puts it back
    fw(host, helper, "apply", nat)
    assert connect(outside, HOST_OUTSIDE_IP, 8080) == f"ok guest {OUTSIDE_IP}"

    # isolated: nothing forwarded, DNATed or not, either way
    isolated = write_def(tmp_path / "isolated.def", "default", "vbr0", "isolated",
                         [f"ipv4:{HOST_BRIDGE_IP}/24"])
    fw(host, helper, "apply", isolated)
    assert "postrouting-vbr0" not in chains(host)
    assert connect(outside, HOST_OUTSIDE_IP, 8080) == "refused"
    assert connect(guest, OUTSIDE_IP, 9000) == "refused"

    # removed: forwarding is back to the host's own rules (none here)
    fw(host, helper, "remove", isolated)
    assert chains(host) == {}
    assert connect(outside, GUEST_IP, 80) == f"ok guest {OUTSIDE_IP}"

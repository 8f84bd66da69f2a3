"""virtd's RPC server: sockets, framing, errors, keepalive, events, concurrency.

Clients are the real virsh and python3-libvirt (run the tests with
/usr/bin/python3), plus a raw protocol client (rpcutil.RawClient) for
exact bytes and for broken input.  See reference/remote-protocol.md.

Tests that need a hypervisor driver (anything after CONNECT_OPEN) skip
while virtd registers none; tests that need definitions skip while
'define' answers VIR_ERR_NO_SUPPORT.
"""

import os
import re
import signal
import socket
import stat
import struct
import subprocess
import threading
import uuid as uuidlib

import pytest

from conftest import DEFAULT_PATH, WAIT_TIMEOUT
from rpcutil import (
    ERROR, KEEPALIVE_PING, KEEPALIVE_PROG, MAX_FRAME, MESSAGE, OK, PROC_AUTH_LIST,
    PROC_CONNECT_CLOSE, PROC_CONNECT_GET_TYPE, PROC_CONNECT_GET_URI,
    PROC_CONNECT_LIST_ALL_DOMAINS, PROC_CONNECT_OPEN, PROC_CONNECT_SUPPORTS_FEATURE,
    PROC_DOMAIN_DEFINE_XML, PROC_DOMAIN_LOOKUP_BY_NAME, REMOTE_PROG, REPLY, STRING_MAX,
    VIR_ERR_INTERNAL_ERROR, VIR_ERR_NO_SUPPORT, VIR_ERR_OPEN_FAILED, VIR_ERR_OPERATION_DENIED,
    VIR_ERR_RPC, VIR_FROM_REMOTE, VIR_FROM_RPC, RawClient, XdrReader, assert_served, frame,
    libvirt_module, open_or_skip, uri, virsh, wait_for, xdr_int, xdr_opt_string, xdr_string,
    xdr_uint)

URI_HINT = "(use qemu:///system or lxc:///system)"
# libvirtd 9.0's exact text (checked with a raw client against it)
NOT_OPEN = "internal error: hypervisor connection not open"
VIR_ERR_INVALID_ARG = 8
VIR_FROM_QEMU = 10
VIR_ERR_NO_DOMAIN = 42
VIR_FROM_NETWORK = 19

# CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY and friends
PROC_EVENT_CALLBACK_REGISTER = 316
PROC_EVENT_CALLBACK_DEREGISTER = 317
PROC_EVENT_CALLBACK_LIFECYCLE = 318
PROC_EVENT_LEGACY_REGISTER = 167
PROC_EVENT_LEGACY_LIFECYCLE = 107
PROC_NETWORK_EVENT_REGISTER = 313
PROC_NETWORK_EVENT_LIFECYCLE = 315
PROC_NETWORK_EVENT_DEREGISTER = 314
PROC_NETWORK_DEFINE_XML = 41
PROC_DOMAIN_GET_MESSAGES = 426

DOMAIN_XML = """<domain type='qemu'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
</domain>
"""

NET_XML = """<network>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <ip address='192.168.{n}.1' netmask='255.255.255.0'/>
</network>
"""


@pytest.fixture(scope="module")
def virtd(virtd_module_factory):
    """One virtd shared by the tests of this module that need nothing special."""
    return virtd_module_factory("rpc").start()


def rw_sock(v):
    return v.run_dir / "virtd-sock"


def ro_sock(v):
    return v.run_dir / "virtd-sock-ro"


def open_fds(v):
    return len(os.listdir(f"/proc/{v.pid}/fd"))


def last_client_id(v):
    """The id virtd gave to the client that connected last."""
    return max(int(n) for n in re.findall(r"info: virtd\.rpc: client (\d+) connected to ",
                                          v.log_text()))


def raw_open_or_skip(client, name="qemu:///system", flags=0):
    """CONNECT_OPEN on a raw client; skips when virtd has no driver for @name."""
    f = client.call(PROC_CONNECT_OPEN, xdr_opt_string(name) + xdr_uint(flags))
    if f.status == ERROR:
        err = f.error()
        if "runs without its" in err["message"] or "has no hypervisor" in err["message"]:
            pytest.skip(f"virtd has no driver for {name!r} yet: {err['message']}")
        pytest.fail(f"CONNECT_OPEN {name!r} failed: {err}")
    assert f.payload == b""


def define_or_skip(conn, name, uuid=None):
    """Defines a domain through python3-libvirt; skips while unsupported."""
    libvirt = libvirt_module()
    try:
        return conn.defineXML(DOMAIN_XML.format(name=name, uuid=uuid or uuidlib.uuid4()))
    except libvirt.libvirtError as e:
        if e.get_error_code() == VIR_ERR_NO_SUPPORT:
            pytest.skip(f"virtd cannot define domains yet: {e}")
        raise


def expect_error(f, code, domain, message):
    err = f.error()
    assert (err["code"], err["domain"], err["message"], err["level"]) == \
        (code, domain, message, 2), err


# ---------------------------------------------------------------------------
# sockets


def test_socket_modes(virtd):
    for path, mode in ((rw_sock(virtd), 0o600), (ro_sock(virtd), 0o666)):
        st = os.lstat(path)
        assert stat.S_ISSOCK(st.st_mode), path
        assert stat.S_IMODE(st.st_mode) == mode, (path, oct(st.st_mode))
        assert st.st_uid == 0
    assert sorted(p.name for p in virtd.run_dir.iterdir()) == \
        ["network", "qemu", "virtd-sock", "virtd-sock-ro", "virtd.lock", "virtd.pid"]


def test_peer_credentials_logged(virtd):
    with RawClient(rw_sock(virtd)) as c:
        assert c.auth_list() == [0]
    with RawClient(ro_sock(virtd)) as c:
        assert c.auth_list() == [0]
    pid = os.getpid()
    virtd.wait_for_log(rf"info: virtd\.rpc: client \d+ connected to '{rw_sock(virtd)}' "
                       rf"\(read-write\): pid {pid}, uid 0\n")
    virtd.wait_for_log(rf"info: virtd\.rpc: client \d+ connected to '{ro_sock(virtd)}' "
                       rf"\(read-only\): pid {pid}, uid 0\n")


def make_stale_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()          # a socket file nobody listens on, as a crash leaves it
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_stale_sockets_replaced(virtd_factory):
    v = virtd_factory()
    v.run_dir.mkdir(mode=0o755)
    for name in ("virtd-sock", "virtd-sock-ro", "virtd-sock.new"):
        make_stale_socket(v.run_dir / name)
    v.start()
    # a stale socket refuses connections: being served proves it was replaced
    for path, mode in ((rw_sock(v), 0o600), (ro_sock(v), 0o666)):
        assert stat.S_IMODE(os.lstat(path).st_mode) == mode
        assert_served(path)
    assert not (v.run_dir / "virtd-sock.new").exists()
    for name in ("virtd-sock", "virtd-sock-ro"):
        v.wait_for_log(rf"info: virtd\.rpc: removed the stale socket '{v.run_dir / name}'\n")


def test_non_socket_in_the_way_is_not_removed(virtd_factory):
    v = virtd_factory()
    v.run_dir.mkdir(mode=0o755)
    (v.run_dir / "virtd-sock").write_text("precious\n")
    v.start(wait=False)
    assert v.wait_exit() == 1
    assert f"virtd: '{v.run_dir / 'virtd-sock'}' exists and is not a socket\n" in v.log_text()
    assert (v.run_dir / "virtd-sock").read_text() == "precious\n"
    assert not v.pid_path.exists()


def test_sockets_removed_at_shutdown(virtd_factory):
    v = virtd_factory().start()
    keeper = RawClient(rw_sock(v))
    assert keeper.auth_list() == [0]
    assert v.stop() == 0
    keeper.expect_eof()
    keeper.close()
    assert not rw_sock(v).exists()
    assert not ro_sock(v).exists()
    assert "info: virtd.rpc: client 1 disconnected: virtd is shutting down\n" in v.log_text()


# ---------------------------------------------------------------------------
# protocol basics on a raw socket


def test_unknown_procedure_exact_reply(virtd):
    message = b"unknown procedure: 9999"
    expected_payload = (
        xdr_int(39) + xdr_int(7)                        # code RPC, domain RPC
        + xdr_uint(1) + xdr_uint(len(message)) + message + b"\0"   # message, padded
        + xdr_int(2)                                    # level ERROR
        + xdr_uint(0)                                   # dom
        + xdr_uint(0) * 3                               # str1..str3
        + xdr_int(-1) + xdr_int(-1)                     # int1, int2
        + xdr_uint(0))                                  # net
    with RawClient(rw_sock(virtd)) as c:
        f = c.call(9999, serial=7)
        assert f.raw == struct.pack(">I", 28 + len(expected_payload)) + \
            struct.pack(">IIiiIi", REMOTE_PROG, 1, 9999, REPLY, 7, ERROR) + expected_payload
        assert len(f.raw) == 100
        assert f.error() == {"code": 39, "domain": 7, "message": "unknown procedure: 9999",
                             "level": 2, "str1": None, "str2": None, "str3": None,
                             "int1": -1, "int2": -1}
        # the connection stays usable, serial 0 is valid
        assert c.call(PROC_AUTH_LIST, serial=0).payload == xdr_uint(1) + xdr_int(0)


@pytest.mark.parametrize("proc", [0, -1, 5, 121, 201, 438, 0x7FFFFFFF])
def test_other_unknown_procedures(virtd, proc):
    with RawClient(rw_sock(virtd)) as c:
        expect_error(c.call(proc, serial=3), VIR_ERR_RPC, VIR_FROM_RPC,
                     f"unknown procedure: {proc}")


def test_calls_before_open(virtd):
    with RawClient(ro_sock(virtd)) as c:
        assert c.auth_list() == [0]
        for feature, supported in ((10, 1), (14, 1), (15, 1), (8, 0), (9, 0), (-1, 0)):
            r = c.call_ok(PROC_CONNECT_SUPPORTS_FEATURE, xdr_int(feature))
            assert r.int() == supported, feature
            r.done()
        for proc, args in ((PROC_CONNECT_GET_TYPE, b""), (PROC_CONNECT_GET_URI, b""),
                           (PROC_CONNECT_LIST_ALL_DOMAINS, xdr_int(1) + xdr_uint(0)),
                           (PROC_CONNECT_CLOSE, b""),
                           (PROC_DOMAIN_DEFINE_XML, xdr_string("<domain/>"))):
            expect_error(c.call(proc, args), VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, NOT_OPEN)


def test_keepalive_ping_pong(virtd):
    pong = struct.pack(">IIIiiIi", 28, KEEPALIVE_PROG, 1, 2, MESSAGE, 0, OK)
    with RawClient(rw_sock(virtd)) as c:
        for serial in (0, 9):
            c.send(frame(prog=KEEPALIVE_PROG, proc=KEEPALIVE_PING, mtype=MESSAGE,
                         serial=serial))
            assert c.recv_frame().raw == pong
        # a PONG from the client is not answered; the next call still is
        c.send(frame(prog=KEEPALIVE_PROG, proc=2, mtype=MESSAGE))
        assert c.auth_list() == [0]


def test_pipelined_calls_each_answered_once(virtd):
    with RawClient(rw_sock(virtd)) as c:
        c.send(b"".join(frame(proc=PROC_AUTH_LIST, serial=s) for s in range(100)) +
               frame(prog=KEEPALIVE_PROG, proc=KEEPALIVE_PING, mtype=MESSAGE))
        replies = [c.recv_frame() for _ in range(101)]
        assert sorted(f.serial for f in replies if f.type == REPLY) == list(range(100))
        assert all(f.payload == xdr_uint(1) + xdr_int(0) for f in replies if f.type == REPLY)
        assert [f.prog for f in replies if f.type == MESSAGE] == [KEEPALIVE_PROG]
        c.sock.settimeout(0.5)
        with pytest.raises(socket.timeout):
            c.sock.recv(1)


# Broken input: (name, bytes to send, what the server does): either the
# exact error reply, or it drops the connection after logging a reason.
TOO_BIG = "exceeds the maximum of 16777220 bytes"
MALFORMED = [
    ("length below 28", struct.pack(">I", 27) + b"\0" * 23,
     "frame length 27 is below the minimum of 28 bytes"),
    ("length 0", struct.pack(">I", 0), "frame length 0 is below the minimum of 28 bytes"),
    ("length above 16 MiB", struct.pack(">I", MAX_FRAME + 1), f"frame length 16777221 {TOO_BIG}"),
    ("length 0xffffffff", b"\xff" * 28, f"frame length 4294967295 {TOO_BIG}"),
    ("garbage header", struct.pack(">I", 28) + b"\x13\x37" * 12,
     "sent a message of type 322376503 for program 0x13371337, which clients may not send"),
    ("REPLY sent by the client", frame(mtype=REPLY),
     "sent a message of type 1 for program 0x20008086, which clients may not send"),
    ("STREAM sent by the client", frame(mtype=3),
     "sent a message of type 3 for program 0x20008086, which clients may not send"),
    ("unknown program", frame(prog=0x20008087, proc=1, serial=4),
     (VIR_ERR_RPC, VIR_FROM_RPC, "unknown program 0x20008087 version 1")),
    ("unknown version", frame(vers=2, serial=4),
     (VIR_ERR_RPC, VIR_FROM_RPC, "unknown program 0x20008086 version 2")),
    ("call with status error", frame(status=1, serial=4),
     (VIR_ERR_RPC, VIR_FROM_RPC, "a call must have status OK")),
    ("call with fds", frame(xdr_uint(0), mtype=4, serial=4),
     (VIR_ERR_NO_SUPPORT, VIR_FROM_RPC, "passing file descriptors is not supported")),
    ("string length above 4 MiB", frame(xdr_uint(1) + xdr_uint(STRING_MAX + 1) + b"abcd",
                                        proc=PROC_CONNECT_OPEN, serial=4),
     (VIR_ERR_RPC, VIR_FROM_RPC, "cannot decode the arguments of procedure 1")),
    ("truncated arguments", frame(b"\0\0", proc=PROC_CONNECT_OPEN, serial=4),
     (VIR_ERR_RPC, VIR_FROM_RPC, "cannot decode the arguments of procedure 1")),
    ("optional flag 2", frame(xdr_uint(2) + xdr_uint(0), proc=PROC_CONNECT_OPEN, serial=4),
     (VIR_ERR_RPC, VIR_FROM_RPC, "cannot decode the arguments of procedure 1")),
]


@pytest.mark.parametrize("name,data,outcome", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input(virtd, name, data, outcome):
    keeper = RawClient(rw_sock(virtd))
    assert keeper.auth_list() == [0]
    fds = open_fds(virtd)
    with RawClient(rw_sock(virtd)) as c:
        c.send(data)
        if isinstance(outcome, str):
            c.expect_eof()
            client = last_client_id(virtd)
            virtd.wait_for_log(rf"info: virtd\.rpc: client {client}:? {re.escape(outcome)}\n"
                               rf".*info: virtd\.rpc: client {client} disconnected: it broke "
                               rf"the protocol\n")
        else:
            f = c.recv_frame()
            # prog, vers, proc and serial echoed; a REPLY whatever the call's type
            assert (f.prog, f.vers, f.proc) == struct.unpack(">IIi", data[4:16])
            assert (f.type, f.serial) == (REPLY, 4)
            expect_error(f, *outcome)
            assert c.auth_list() == [0], "connection unusable after an error reply"
    assert virtd.running()
    assert keeper.auth_list() == [0]
    keeper.close()
    assert_served(rw_sock(virtd))
    assert_served(ro_sock(virtd))
    wait_for(lambda: open_fds(virtd) <= fds - 1, what="the client fds to be closed")


def test_truncated_frame_then_hangup(virtd):
    keeper = RawClient(ro_sock(virtd))
    data = frame(xdr_string("x" * 1000), proc=PROC_DOMAIN_LOOKUP_BY_NAME)
    with RawClient(rw_sock(virtd)) as c:
        c.send(data[:500])
    virtd.wait_for_log(r"info: virtd\.rpc: client \d+ disconnected: it hung up in the middle "
                       r"of a message\n")
    assert keeper.auth_list() == [0]
    keeper.close()


def test_largest_frame_and_string(virtd):
    """Once open, a read-write connection takes frames up to 16 MiB."""
    with RawClient(rw_sock(virtd), timeout=120) as c:
        raw_open_or_skip(c, None)
        # trailing bytes after the arguments are ignored, as libvirt does
        c.send(frame(b"\0" * (MAX_FRAME - 28), serial=1))
        f = c.recv_frame()
        assert (f.serial, f.status, f.payload) == (1, OK, xdr_uint(1) + xdr_int(0))
        # a 4 MiB string decodes: the call fails only for naming no domain
        err = c.call(PROC_DOMAIN_LOOKUP_BY_NAME, xdr_string("n" * STRING_MAX)).error()
        assert (err["code"], err["domain"]) == (VIR_ERR_NO_DOMAIN, VIR_FROM_QEMU), err
        assert err["message"].startswith("Domain not found: no domain with matching name 'nnn")
        expect_error(c.call(PROC_DOMAIN_LOOKUP_BY_NAME, xdr_string("n" * (STRING_MAX + 1))),
                     VIR_ERR_RPC, VIR_FROM_RPC, "cannot decode the arguments of procedure 23")


def test_client_hangs_up_mid_call(virtd_factory):
    virtd = virtd_factory().start()
    # no client yet, and no file start-up work (reconnect, autostart) has open
    virtd.wait_for_log(r"start-up done: networks and guests taken back, autostart done\n")
    fds = open_fds(virtd)
    keeper = RawClient(rw_sock(virtd))
    for _ in range(5):
        c = RawClient(rw_sock(virtd))
        c.send(b"".join(frame(xdr_int(1) + xdr_uint(0), proc=PROC_CONNECT_LIST_ALL_DOMAINS,
                              serial=s) for s in range(200)))
        c.close()              # without reading a single reply
    assert keeper.auth_list() == [0]
    keeper.close()
    wait_for(lambda: open_fds(virtd) == fds, what=f"virtd's fds to come back to {fds}")
    assert virtd.running()


# ---------------------------------------------------------------------------
# URIs and connections


def test_unknown_uris_refused_clearly(virtd):
    sock = rw_sock(virtd)
    for client_uri, name in ((f"xen+unix:///?socket={sock}", "xen:///"),
                             (f"qemu+unix:///session?socket={sock}", "qemu:///session"),
                             (f"test+unix:///default?socket={sock}", "test:///default")):
        p = virsh(client_uri, "list")
        assert p.returncode == 1
        assert p.stdout == ""
        assert p.stderr == ("error: failed to connect to the hypervisor\n"
                            f"error: URI '{name}' is not supported by virtd {URI_HINT}\n")
    libvirt = libvirt_module()
    with pytest.raises(libvirt.libvirtError) as e:
        libvirt.open(f"xen+unix:///?socket={sock}")
    assert (e.value.get_error_code(), e.value.get_error_domain(), str(e.value)) == \
        (VIR_ERR_OPEN_FAILED, VIR_FROM_REMOTE,
         f"URI 'xen:///' is not supported by virtd {URI_HINT}")
    with RawClient(sock) as c:
        for name in ("bogus", "qemu://host/system", "qemu:///system/x", "lxc:///session"):
            expect_error(c.call(PROC_CONNECT_OPEN, xdr_opt_string(name) + xdr_uint(0)),
                         VIR_ERR_OPEN_FAILED, VIR_FROM_REMOTE,
                         f"URI '{name}' is not supported by virtd {URI_HINT}")
        expect_error(c.call(PROC_CONNECT_GET_TYPE), VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC,
                     NOT_OPEN)


def test_valid_scheme_without_driver(virtd):
    """lxc:/// when virtd runs without an lxc driver: a clear error."""
    with RawClient(rw_sock(virtd)) as c:
        f = c.call(PROC_CONNECT_OPEN, xdr_opt_string("lxc:///") + xdr_uint(0))
        if f.status == OK:
            pytest.skip("this virtd has an lxc driver")
        expect_error(f, VIR_ERR_OPEN_FAILED, VIR_FROM_REMOTE,
                     "URI 'lxc:///' is not available: this virtd runs without its lxc driver")


def test_default_uri_and_second_open(virtd):
    with RawClient(rw_sock(virtd)) as c:
        raw_open_or_skip(c, None)
        r = c.call_ok(PROC_CONNECT_GET_URI)
        assert r.string() == "qemu:///system"
        r.done()
        expect_error(c.call(PROC_CONNECT_OPEN, xdr_opt_string("qemu:///system") + xdr_uint(0)),
                     VIR_ERR_INTERNAL_ERROR, VIR_FROM_REMOTE,
                     "internal error: connection already open")
        r = c.call_ok(PROC_CONNECT_GET_TYPE)
        assert r.string() == "QEMU"
        r.done()
        assert c.call_ok(PROC_CONNECT_CLOSE).data == b""
        expect_error(c.call(PROC_CONNECT_GET_TYPE), VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC,
                     NOT_OPEN)


def test_virsh_basic_commands(virtd_factory, virtd_version):
    v = virtd_factory().start()
    u = uri(rw_sock(v))
    open_or_skip(u).close()
    p = virsh(u, "uri")
    assert (p.returncode, p.stdout, p.stderr) == (0, u + "\n\n", "")
    p = virsh(u, "hostname")
    assert (p.returncode, p.stdout, p.stderr) == (0, socket.gethostname() + "\n\n", "")
    p = virsh(u, "version")
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout.splitlines()[3] == f"Running hypervisor: QEMU {virtd_version}"
    empty_list = " Id   Name   State\n--------------------\n\n"
    for args in (("list", "--all"), ("list",), ("-r", "list", "--all")):
        p = virsh(u, *args)
        assert (p.returncode, p.stdout, p.stderr) == (0, empty_list, ""), args
    p = virsh(uri(ro_sock(v)), "-r", "list", "--all")
    assert (p.returncode, p.stdout, p.stderr) == (0, empty_list, "")


def test_python_open_list_type(virtd_factory):
    v = virtd_factory().start()
    conn = open_or_skip(uri(rw_sock(v)))
    assert conn.getType() == "QEMU"
    assert conn.getURI() == uri(rw_sock(v))
    assert conn.isAlive() == 1
    assert conn.listAllDomains(0) == []
    assert conn.getHostname() == socket.gethostname()
    ro = open_or_skip(uri(ro_sock(v)), readonly=True)
    assert (ro.getType(), ro.listAllDomains(0)) == ("QEMU", [])
    u1 = uuidlib.uuid4()
    define_or_skip(conn, "py-t1", u1)
    for c in (conn, ro):
        assert [(d.name(), d.UUIDString(), d.ID()) for d in c.listAllDomains(0)] == \
            [("py-t1", str(u1), -1)]
    assert (conn.close(), ro.close()) == (0, 0)


def test_host_calls(virtd, virtd_version):
    conn = open_or_skip(uri(ro_sock(virtd)), readonly=True)
    major, minor, micro = (int(x) for x in virtd_version.split("."))
    number = major * 1000000 + minor * 1000 + micro
    assert (conn.getVersion(), conn.getLibVersion()) == (number, number)
    caps = conn.getCapabilities()
    assert caps.startswith("<capabilities>\n")
    assert f"      <arch>{os.uname().machine}</arch>\n" in caps
    assert "    <os_type>hvm</os_type>\n" in caps
    assert f"    <arch name='{os.uname().machine}'>\n" in caps
    assert "      <domain type='qemu'/>\n" in caps
    model, mem, cpus, mhz, nodes, sockets, cores, threads = conn.getInfo()
    assert (model, cpus, nodes, sockets, cores, threads) == \
        (os.uname().machine, os.cpu_count(), 1, 1, os.cpu_count(), 1)
    with open("/proc/meminfo") as f:
        assert mem == int(f.readline().split()[1]) // 1024
    assert conn.getSecurityModel() == ["", ""]
    conn.close()


def test_domain_calls(virtd, tmp_path):
    """What virsh and python send for a defined domain (reference section 3)."""
    libvirt = libvirt_module()
    u = uri(rw_sock(virtd))
    conn = open_or_skip(u)
    u1 = uuidlib.uuid4()
    dom = define_or_skip(conn, "calls-t1", u1)
    try:
        assert (dom.name(), dom.UUIDString(), dom.ID()) == ("calls-t1", str(u1), -1)
        assert (dom.isActive(), dom.isPersistent()) == (0, 1)
        assert dom.state() == [5, dom.state()[1]]                 # shut off
        assert dom.info()[0] == 5
        assert dom.hasManagedSaveImage() == 0
        assert dom.snapshotNum() == 0
        assert conn.lookupByUUIDString(str(u1)).name() == "calls-t1"
        assert conn.lookupByName("calls-t1").UUIDString() == str(u1)
        assert "calls-t1" in conn.listDefinedDomains()
        assert conn.numOfDefinedDomains() == len(conn.listDefinedDomains())
        assert conn.numOfDomains() == len(conn.listDomainsID())
        assert [d.name() for d in conn.listAllDomains(2) if d.name() == "calls-t1"] == \
            ["calls-t1"]
        assert [d.name() for d in conn.listAllDomains(1) if d.name() == "calls-t1"] == []
        assert "<name>calls-t1</name>" in dom.XMLDesc(0)
        with pytest.raises(libvirt.libvirtError) as e:
            conn.lookupByName("calls-none")
        assert e.value.get_error_code() == 42
        with pytest.raises(libvirt.libvirtError) as e:
            dom.state(1)
        assert (e.value.get_error_code(), str(e.value)) == \
            (VIR_ERR_INVALID_ARG, "unsupported flags (0x1) in virDomainGetState")

        with RawClient(rw_sock(virtd)) as c:
            raw_open_or_skip(c)
            handle = xdr_string("calls-t1") + u1.bytes + xdr_int(-1)
            # DOMAIN_GET_MESSAGES: an empty list; unknown flags refused
            assert c.call_ok(PROC_DOMAIN_GET_MESSAGES, handle + xdr_uint(3)).data == xdr_uint(0)
            expect_error(c.call(PROC_DOMAIN_GET_MESSAGES, handle + xdr_uint(4)),
                         VIR_ERR_INVALID_ARG, VIR_FROM_QEMU,
                         "unsupported flags (0x4) in virDomainGetMessages")

        p = virsh(u, "dominfo", "calls-t1")
        assert (p.returncode, p.stderr) == (0, "")
        lines = p.stdout.splitlines()
        for line in ("Name:           calls-t1", f"UUID:           {u1}",
                     "State:          shut off", "Persistent:     yes",
                     "Managed save:   no"):
            assert line in lines, p.stdout
        assert not [x for x in lines if x.startswith("Security")], p.stdout
        p = virsh(u, "dumpxml", str(u1))
        assert (p.returncode, p.stderr) == (0, "")
        assert "<name>calls-t1</name>" in p.stdout
    finally:
        dom.undefine()
    conn.close()


def test_network_events(virtd):
    libvirt = libvirt_module()
    conn = open_or_skip(uri(rw_sock(virtd)))
    with RawClient(rw_sock(virtd)) as c:
        raw_open_or_skip(c)
        f = c.call(PROC_NETWORK_EVENT_REGISTER, xdr_int(0) + xdr_uint(0))
        if f.status == ERROR and f.error()["code"] == VIR_ERR_NO_SUPPORT:
            pytest.skip(f"no network driver yet: {f.error()['message']}")
        r = XdrReader(f.payload)
        cb_id = r.int()
        r.done()
        u1 = uuidlib.uuid4()
        try:
            net = conn.networkDefineXML(NET_XML.format(name="ev-n1", uuid=u1, n=231))
        except libvirt.libvirtError as e:
            if e.get_error_code() == VIR_ERR_NO_SUPPORT:
                pytest.skip(f"virtd cannot define networks yet: {e}")
            raise
        r = read_event(c, PROC_NETWORK_EVENT_LIFECYCLE)
        assert (r.int(), r.string(), r.uuid(), r.int(), r.int()) == \
            (cb_id, "ev-n1", u1.bytes, 0, 0)
        r.done()
        assert c.call_ok(PROC_NETWORK_EVENT_DEREGISTER, xdr_int(cb_id)).data == b""
        expect_error(c.call(PROC_NETWORK_EVENT_DEREGISTER, xdr_int(cb_id)), VIR_ERR_INVALID_ARG,
                     VIR_FROM_NETWORK,
                     f"invalid argument: event callback id {cb_id} not registered")
        net.undefine()
        # deregistered: the undefine is not reported; the next frame is a reply
        assert c.call(PROC_AUTH_LIST, skip_events=False).payload == xdr_uint(1) + xdr_int(0)
    conn.close()


def test_readonly_socket_refuses_mutating_calls(virtd, tmp_path):
    """The client does not know it is read-only (no -r): the server refuses."""
    message = "operation forbidden: read only access prevents virDomainDefineXML"
    libvirt = libvirt_module()
    conn = open_or_skip(uri(ro_sock(virtd)))
    with pytest.raises(libvirt.libvirtError) as e:
        conn.defineXML(DOMAIN_XML.format(name="ro-t1", uuid=uuidlib.uuid4()))
    assert (e.value.get_error_code(), str(e.value)) == (VIR_ERR_OPERATION_DENIED, message)
    assert isinstance(conn.listAllDomains(0), list)
    conn.close()

    xml = tmp_path / "ro-t1.xml"
    xml.write_text(DOMAIN_XML.format(name="ro-t1", uuid=uuidlib.uuid4()))
    p = virsh(uri(ro_sock(virtd)), "define", str(xml))
    assert (p.returncode, p.stdout) == (1, "\n")
    assert p.stderr == f"error: Failed to define domain from {xml}\nerror: {message}\n"
    p = virsh(uri(ro_sock(virtd)), "list", "--all")
    assert p.returncode == 0 and "ro-t1" not in p.stdout

    # the read-only flag on the read-write socket does the same
    with RawClient(rw_sock(virtd)) as c:
        raw_open_or_skip(c, "qemu:///system", flags=1)
        expect_error(c.call(PROC_DOMAIN_DEFINE_XML, xdr_string(xml.read_text())),
                     VIR_ERR_OPERATION_DENIED, VIR_FROM_QEMU, message)


def test_concurrent_clients(virtd):
    u = uri(rw_sock(virtd))
    open_or_skip(u).close()
    libvirt = libvirt_module()
    expected = sorted(d.name() for d in libvirt.open(u).listAllDomains(0))
    results, errors = [], []
    barrier = threading.Barrier(50)

    def worker():
        try:
            barrier.wait(WAIT_TIMEOUT)
            c = libvirt.open(u)
            names = sorted(d.name() for d in c.listAllDomains(0))
            c.close()
            results.append(names)
        except Exception as e:       # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_TIMEOUT * 2)
    assert errors == []
    assert results == [expected] * 50
    assert virtd.running()


# ---------------------------------------------------------------------------
# events


def read_event(client, proc):
    """The next MESSAGE frame of @proc (skipping keepalive)."""
    while True:
        f = client.recv_frame()
        assert f is not None, "server hung up while waiting for an event"
        if f.prog == REMOTE_PROG and f.type == MESSAGE:
            assert (f.vers, f.proc, f.status) == (1, proc, OK), f
            return XdrReader(f.payload)


def test_domain_events_callback_and_legacy(virtd):
    u = uri(rw_sock(virtd))
    conn = open_or_skip(u)
    cb = RawClient(rw_sock(virtd))
    legacy = RawClient(rw_sock(virtd))
    filtered = RawClient(rw_sock(virtd))
    for c in (cb, legacy, filtered):
        raw_open_or_skip(c)
    r = cb.call_ok(PROC_EVENT_CALLBACK_REGISTER, xdr_int(0) + xdr_uint(0))
    cb_id = r.int()
    r.done()
    assert legacy.call_ok(PROC_EVENT_LEGACY_REGISTER, xdr_int(0)).data == b""
    # a filter on another domain's UUID: this client must see nothing
    other = uuidlib.uuid4().bytes
    r = filtered.call_ok(PROC_EVENT_CALLBACK_REGISTER,
                         xdr_int(0) + xdr_uint(1) + xdr_string("other") + other + xdr_int(-1))
    assert r.int() == cb_id + 1

    u1 = uuidlib.uuid4()
    dom = define_or_skip(conn, "ev-t1", u1)
    r = read_event(cb, PROC_EVENT_CALLBACK_LIFECYCLE)
    assert (r.int(), r.domain(), r.int(), r.int()) == (cb_id, ("ev-t1", u1.bytes, -1), 0, 0)
    r.done()
    r = read_event(legacy, PROC_EVENT_LEGACY_LIFECYCLE)
    assert (r.domain(), r.int(), r.int()) == (("ev-t1", u1.bytes, -1), 0, 0)
    r.done()
    dom.undefine()
    filtered.sock.settimeout(1)
    with pytest.raises(socket.timeout):
        filtered.recv_frame()
    assert cb.call_ok(PROC_EVENT_CALLBACK_DEREGISTER, xdr_int(cb_id)).data == b""
    expect_error(cb.call(PROC_EVENT_CALLBACK_DEREGISTER, xdr_int(cb_id)), VIR_ERR_INVALID_ARG,
                 VIR_FROM_QEMU, f"invalid argument: event callback id {cb_id} not registered")
    for c in (cb, legacy, filtered):
        c.close()
    virtd.wait_for_log(r"debug: virtd\.rpc: client \d+: 1 event registrations dropped\n")
    conn.close()


def test_virsh_event_loop(virtd, tmp_path):
    u = uri(rw_sock(virtd))
    conn = open_or_skip(u)
    events = virsh_popen(u, tmp_path, "event", "--loop", "--event", "lifecycle",
                         "--timeout", "20")
    client = virtd.wait_for_log(rf"client (\d+) connected to '{rw_sock(virtd)}' "
                                rf"\(read-write\): pid {events.pid}, uid 0\n").group(1)
    virtd.wait_for_log(rf"debug: virtd\.rpc: client {client}: domain event 0 registered "
                       rf"as callback \d+\n")
    dom = define_or_skip(conn, "ev-virsh")
    dom.undefine()
    lines = [events.stdout.readline() for _ in range(2)]
    events.send_signal(signal.SIGINT)      # virsh ends its loop and deregisters
    out, err = events.communicate(timeout=60)
    assert lines == ["event 'lifecycle' for domain 'ev-virsh': Defined Added\n",
                     "event 'lifecycle' for domain 'ev-virsh': Undefined Removed\n"]
    assert (out, err) == ("event loop interrupted\nevents received: 2\n\n", "")
    conn.close()


def virsh_popen(u, home, *args, options=()):
    env = {"PATH": DEFAULT_PATH, "LC_ALL": "C", "HOME": str(home)}
    return subprocess.Popen(["virsh", *options, "-c", u, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def test_python_events_with_keepalive(virtd):
    """python3-libvirt with an event loop: keepalive on (feature 10), 316/318."""
    libvirt = libvirt_module()
    libvirt.virEventRegisterDefaultImpl()
    conn = open_or_skip(uri(rw_sock(virtd)))
    assert conn.setKeepAlive(1, 3) == 0     # 1 would mean "server refused keepalive"
    seen = []
    cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                     lambda c, d, ev, det, op: seen.append((d.name(), ev, det)),
                                     None)
    dom = define_or_skip(conn, "py-ev1")
    dom.undefine()
    # each round runs the event loop once (it blocks until something happens)
    wait_for(lambda: libvirt.virEventRunDefaultImpl() == 0 and len(seen) >= 2,
             what=lambda: f"2 lifecycle events, got {seen}", interval=0)
    assert seen == [("py-ev1", 0, 0), ("py-ev1", 1, 0)]
    conn.domainEventDeregisterAny(cb)
    conn.close()


@pytest.mark.slow
def test_keepalive_with_virsh(virtd, tmp_path):
    """virsh pings every second (-k 1) and gives up after 2 unanswered
    pings (-K 2): an idle 'event --loop' of 8 s only survives if every
    PING is answered."""
    u = uri(rw_sock(virtd))
    open_or_skip(u).close()
    p = virsh_popen(u, tmp_path, "event", "--loop", "--event", "lifecycle", "--timeout", "8",
                    options=("-k", "1", "-K", "2"))
    out, err = p.communicate(timeout=60)
    assert (p.returncode, out, err) == (1, "event loop timed out\nevents received: 0\n\n", "")

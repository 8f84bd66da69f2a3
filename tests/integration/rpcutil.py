"""Helpers for tests that talk to virtd's RPC sockets.

- ``RawClient``: a raw libvirt-protocol client on a UNIX socket: builds
  frames byte by byte (so tests can also send broken ones), reads replies,
  decodes the error struct exactly.
- XDR packing/unpacking of the few shapes the tests need.
- ``virsh()`` / ``uri()``: run the real virsh against a virtd socket.
- ``open_or_skip()``: python3-libvirt connection, skipping the test when
  this virtd has no hypervisor driver for the URI yet.
- ``wait_for()``: polls a condition (defined in conftest, which this
  module imports; re-exported here).

Everything here follows reference/remote-protocol.md; nothing is copied
from libvirt.
"""

import os
import socket
import struct
import subprocess

import pytest

from conftest import DEFAULT_PATH, WAIT_TIMEOUT, wait_for  # noqa: F401 (wait_for re-exported)

REMOTE_PROG = 0x20008086
KEEPALIVE_PROG = 0x6B656570

CALL, REPLY, MESSAGE = 0, 1, 2
OK, ERROR = 0, 1
KEEPALIVE_PING, KEEPALIVE_PONG = 1, 2

# REMOTE procedures used by the tests
PROC_CONNECT_OPEN = 1
PROC_CONNECT_CLOSE = 2
PROC_CONNECT_GET_TYPE = 3
PROC_CONNECT_LIST_ALL_DOMAINS = 273
PROC_DOMAIN_DEFINE_XML = 11
PROC_DOMAIN_LOOKUP_BY_NAME = 23
PROC_CONNECT_SUPPORTS_FEATURE = 60
PROC_AUTH_LIST = 66
PROC_CONNECT_GET_URI = 110

# libvirt error numbers and domains
VIR_ERR_INTERNAL_ERROR = 1
VIR_ERR_NO_SUPPORT = 3
VIR_ERR_INVALID_ARG = 8
VIR_ERR_OPERATION_DENIED = 29
VIR_ERR_OPEN_FAILED = 30
VIR_ERR_RPC = 39
VIR_FROM_RPC = 7
VIR_FROM_REMOTE = 13

MAX_FRAME = 16 * 1024 * 1024 + 4     # largest legal length word
STRING_MAX = 4 * 1024 * 1024


# ---------------------------------------------------------------------------
# XDR


def xdr_int(v):
    return struct.pack(">i", v)


def xdr_uint(v):
    return struct.pack(">I", v)


def xdr_string(s):
    data = s.encode() if isinstance(s, str) else s
    return xdr_uint(len(data)) + data + b"\0" * (-len(data) % 4)


def xdr_opt_string(s):
    return xdr_uint(0) if s is None else xdr_uint(1) + xdr_string(s)


class XdrReader:
    """Sequential decoder over a payload; ``done()`` checks nothing is left."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _take(self, n):
        if self.pos + n > len(self.data):
            raise AssertionError(f"payload too short: need {n} bytes at {self.pos}, "
                                 f"have {len(self.data) - self.pos}: {self.data.hex()}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int(self):
        return struct.unpack(">i", self._take(4))[0]

    def uint(self):
        return struct.unpack(">I", self._take(4))[0]

    def hyper(self):
        return struct.unpack(">Q", self._take(8))[0]

    def string(self):
        n = self.uint()
        data = self._take(n)
        pad = self._take(-n % 4)
        assert pad == b"\0" * len(pad), f"non-zero string padding {pad!r}"
        return data.decode()

    def opt_string(self):
        flag = self.uint()
        assert flag in (0, 1), f"bad optional flag {flag}"
        return self.string() if flag else None

    def uuid(self):
        return self._take(16)

    def domain(self):
        return (self.string(), self.uuid(), self.int())

    def done(self):
        assert self.pos == len(self.data), \
            f"{len(self.data) - self.pos} unexpected trailing bytes: {self.data[self.pos:].hex()}"


def decode_error(payload):
    """The 11-field error struct; asserts it is exactly the payload."""
    r = XdrReader(payload)
    err = {"code": r.int(), "domain": r.int(), "message": r.opt_string(), "level": r.int()}
    assert r.uint() == 0, "error.dom should be absent"
    err["str1"], err["str2"], err["str3"] = r.opt_string(), r.opt_string(), r.opt_string()
    err["int1"], err["int2"] = r.int(), r.int()
    assert r.uint() == 0, "error.net should be absent"
    r.done()
    return err


# ---------------------------------------------------------------------------
# frames


def header(prog, vers, proc, mtype, serial, status):
    return struct.pack(">IIiiIi", prog, vers, proc, mtype, serial, status)


def frame(payload=b"", prog=REMOTE_PROG, vers=1, proc=PROC_AUTH_LIST, mtype=CALL, serial=0,
          status=OK, length=None):
    """A complete frame; @length overrides the length word (to lie)."""
    body = header(prog, vers, proc, mtype, serial, status) + payload
    return struct.pack(">I", len(body) + 4 if length is None else length) + body


class Frame:
    def __init__(self, raw):
        self.raw = raw
        (self.length, self.prog, self.vers, self.proc, self.type, self.serial,
         self.status) = struct.unpack(">IIIiiIi", raw[:28])
        self.payload = raw[28:]

    def __repr__(self):
        return (f"Frame(len={self.length} prog={self.prog:#x} vers={self.vers} "
                f"proc={self.proc} type={self.type} serial={self.serial} "
                f"status={self.status} payload={self.payload[:64].hex()})")

    def error(self):
        assert (self.type, self.status) == (REPLY, ERROR), f"not an error reply: {self}"
        return decode_error(self.payload)


class RawClient:
    """A raw protocol client; every read is bounded by @timeout."""

    def __init__(self, path, timeout=WAIT_TIMEOUT):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.serial = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def recv_frame(self):
        """The next frame, or None at EOF."""
        word = self._recv_exact(4)
        if word is None:
            return None
        (length,) = struct.unpack(">I", word)
        assert 28 <= length <= MAX_FRAME, f"server sent a bad length {length}"
        rest = self._recv_exact(length - 4)
        assert rest is not None, "server hung up in the middle of a frame"
        return Frame(word + rest)

    def call(self, proc, payload=b"", skip_events=True, **kw):
        """Sends one CALL, returns its reply; frames in between (events) are
        skipped, or refused when @skip_events is False."""
        serial = kw.pop("serial", self.serial)
        self.serial = serial + 1
        self.send(frame(payload, proc=proc, serial=serial, **kw))
        while True:
            f = self.recv_frame()
            assert f is not None, f"server hung up instead of answering proc {proc}"
            assert skip_events or f.type == REPLY, f"unexpected frame before the reply: {f}"
            if f.type == REPLY:
                assert (f.prog, f.vers, f.proc, f.serial) == \
                    (kw.get("prog", REMOTE_PROG), kw.get("vers", 1), proc, serial), f
                return f

    def call_ok(self, proc, payload=b""):
        f = self.call(proc, payload)
        assert f.status == OK, f"proc {proc} failed: {decode_error(f.payload)}"
        return XdrReader(f.payload)

    def expect_eof(self):
        """Asserts the server closes the connection (reading whatever precedes)."""
        while True:
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                return
            if not data:
                return

    def auth_list(self):
        r = self.call_ok(PROC_AUTH_LIST)
        types = [r.int() for _ in range(r.uint())]
        r.done()
        return types


def connect_raw(path, timeout=WAIT_TIMEOUT):
    return RawClient(path, timeout)


def assert_served(path):
    """A new client on @path is answered (AUTH_LIST -> [0])."""
    with RawClient(path) as c:
        assert c.auth_list() == [0]


# ---------------------------------------------------------------------------
# virsh and python3-libvirt


def uri(sock, driver="qemu", path="/system"):
    return f"{driver}+unix://{path}?socket={sock}"


def virsh(uri_, *args, timeout=60, env=None):
    """Runs the real virsh; returns the CompletedProcess (text)."""
    e = {"PATH": DEFAULT_PATH, "LC_ALL": "C", "HOME": os.environ.get("HOME", "/root")}
    e.update(env or {})
    return subprocess.run(["virsh", "-c", uri_, *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout, env=e, check=False)


def _ignore_libvirt_error(ctx, err):
    """Errors reach the tests as exceptions; do not also print them."""


def libvirt_module():
    libvirt = pytest.importorskip("libvirt", reason="python3-libvirt is not installed "
                                                    "(run the tests with /usr/bin/python3)")
    libvirt.registerErrorHandler(_ignore_libvirt_error, None)
    return libvirt


NO_DRIVER_MARKERS = ("runs without its", "has no hypervisor driver")


def open_or_skip(uri_, readonly=False):
    """python3-libvirt connection; skips when virtd has no driver for @uri_."""
    libvirt = libvirt_module()
    try:
        return libvirt.openReadOnly(uri_) if readonly else libvirt.open(uri_)
    except libvirt.libvirtError as e:
        if any(m in str(e) for m in NO_DRIVER_MARKERS):
            pytest.skip(f"virtd has no driver for {uri_} yet: {e}")
        raise


"""Limits on clients and frames ([server] in virtd.conf): a local user on
the world-writable read-only socket can neither lock root out nor make
virtd's memory grow without bound.

The unprivileged parts run as user nobody (setpriv), with the run
directory made reachable for it; everything else as root.
"""

import os
import re
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path

from conftest import WAIT_TIMEOUT, wait_for
from rpcutil import (
    CALL, KEEPALIVE_PING, KEEPALIVE_PROG, MAX_FRAME, MESSAGE, OK, PROC_AUTH_LIST,
    PROC_CONNECT_GET_TYPE, PROC_CONNECT_OPEN, PROC_CONNECT_SUPPORTS_FEATURE,
    PROC_DOMAIN_LOOKUP_BY_NAME, VIR_ERR_RPC, VIR_FROM_RPC, RawClient, frame, header, uri,
    virsh, xdr_int, xdr_opt_string, xdr_string, xdr_uint,
)

HOLDER = Path(__file__).with_name("holder.py")
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
VIR_CONNECT_RO = 1
KEEPALIVE_PONG = 2


def rw_sock(v):
    return v.run_dir / "virtd-sock"


def ro_sock(v):
    return v.run_dir / "virtd-sock-ro"


def server_config(**keys):
    return "[server]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items())


def start_virtd(virtd_factory, run_dir=None, nofile=None, **keys):
    v = virtd_factory(extra_config=server_config(**keys), run_dir=run_dir)
    return v.start(nofile=nofile)


class Holder:
    """holder.py as user nobody: opens @count read-only connections and
    keeps the ones virtd accepted until close()."""

    def __init__(self, sock, count, open_dir):
        script = open_dir / "holder.py"
        if not script.exists():
            shutil.copy(HOLDER, script)
            os.chmod(script, 0o644)
        self.proc = subprocess.Popen([*NOBODY, sys.executable, str(script), str(sock),
                                      str(count)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines = []
        while True:
            line = self.proc.stdout.readline()
            assert line, f"holder died: {self.proc.wait()}"
            line = line.rstrip("\n")
            if line.startswith("held "):
                self.held = int(line.split()[1])
                break
            self.lines.append(line)

    def refusals(self):
        return [line[len("refused: "):] for line in self.lines if line.startswith("refused: ")]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=WAIT_TIMEOUT)


def nobody_gets(v, count, open_dir):
    """How many of @count new read-only connections of nobody are served."""
    holder = Holder(ro_sock(v), count, open_dir)
    holder.close()
    return holder.held


def raw_open(c, flags=0):
    f = c.call(PROC_CONNECT_OPEN, xdr_opt_string(None) + xdr_uint(flags))
    assert f.status == OK, f.error()


def rss_kib(pid):
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB$", text, re.M).group(1))


def expect_refused_frame(f, message):
    err = f.error()
    assert (err["code"], err["domain"], err["message"]) == (VIR_ERR_RPC, VIR_FROM_RPC,
                                                           message), err


# ---------------------------------------------------------------------------
# caps on clients


def test_readonly_user_cannot_exhaust_descriptors(virtd_factory, open_dir):
    """With 256 descriptors and no per-user cap to help, user nobody opens
    300 idle read-only connections: virtd refuses the ones that would eat
    into the descriptors kept for root, root's virsh is answered at once,
    and the log says so once, not once per client."""
    v = start_virtd(virtd_factory, run_dir=open_dir, nofile=(256, 256),
                    max_clients_per_uid=1000, max_readonly_clients=999)
    holder = Holder(ro_sock(v), 300, open_dir)
    try:
        assert 150 < holder.held < 256, holder.lines[-5:]
        refused = holder.refusals()
        assert refused, holder.lines[-5:]
        assert set(refused) == {"virtd is short of file descriptors: read-only clients are "
                                "refused until others disconnect"}, set(refused)
        p = virsh(uri(rw_sock(v)), "list", "--all", timeout=WAIT_TIMEOUT)
        assert (p.returncode, p.stderr) == (0, ""), p
        p = virsh(uri(rw_sock(v)), "uri", timeout=WAIT_TIMEOUT)
        assert p.returncode == 0, p
        lines = re.findall(r"refused a client on .*", v.log_text())
        assert 1 <= len(lines) <= 2, lines
    finally:
        holder.close()
    # their slots come back
    wait_for(lambda: nobody_gets(v, 1, open_dir) == 1, what="a new client served")


def test_per_user_cap(virtd_factory, open_dir):
    v = start_virtd(virtd_factory, run_dir=open_dir, max_clients_per_uid=5)
    holder = Holder(ro_sock(v), 8, open_dir)
    try:
        assert holder.held == 5, holder.lines
        assert holder.refusals() == ["too many clients of uid 65534: virtd serves at most 5 "
                                     "per user at a time (max_clients_per_uid)"] * 3
        # root has no per-user cap, on either socket
        clients = [RawClient(ro_sock(v)) for _ in range(7)]
        for c in clients:
            assert c.auth_list() == [0]
            c.close()
        # and virsh run by the same user gets the reason
        p = subprocess.run([*NOBODY, "virsh", "-r", "-c", uri(ro_sock(v)), "list"],
                           capture_output=True, text=True, timeout=WAIT_TIMEOUT,
                           env={"PATH": os.environ["PATH"], "LC_ALL": "C", "HOME": "/"})
        assert p.returncode == 1, p
        assert "too many clients of uid 65534" in p.stderr, p.stderr
    finally:
        holder.close()
    wait_for(lambda: nobody_gets(v, 5, open_dir) == 5, what="nobody's 5 slots to come back")


def test_readonly_cap_keeps_slots_for_root(virtd_factory):
    v = start_virtd(virtd_factory, max_clients=6, max_readonly_clients=3)
    held = [RawClient(ro_sock(v)) for _ in range(3)]
    for c in held:
        assert c.auth_list() == [0]
    p = virsh(uri(ro_sock(v)), "-r", "list")
    assert p.returncode == 1, p
    assert ("too many read-only clients: virtd serves at most 3 at a time "
            "(max_readonly_clients)") in p.stderr, p.stderr
    p = virsh(uri(rw_sock(v)), "list")
    assert p.returncode == 0, p
    # a refused client hears why it is refused, whatever it sends first
    with RawClient(ro_sock(v)) as c:
        c.send(frame(xdr_string("n" * 65536), proc=PROC_DOMAIN_LOOKUP_BY_NAME, serial=3))
        f = c.recv_frame()
        assert f.serial == 3
        expect_refused_frame(f, "too many read-only clients: virtd serves at most 3 at a time "
                                "(max_readonly_clients)")
        c.expect_eof()

    # a reload raises the cap for new clients
    v.write_config(extra=server_config(max_clients=6, max_readonly_clients=4))
    v.sighup()

    def served():
        with RawClient(ro_sock(v)) as c:
            f = c.call(PROC_AUTH_LIST)
            return f.status == OK
    wait_for(served, what="a 4th read-only client after the reload")
    for c in held:
        c.close()


def test_bad_server_configuration_refused(virtd_factory):
    v = virtd_factory(extra_config=server_config(max_clients=10, max_readonly_clients=10))
    p = subprocess.run([str(v.binary), "--check-config", str(v.config_path)],
                       capture_output=True, text=True, timeout=WAIT_TIMEOUT)
    assert p.returncode == 1
    assert p.stderr == (f"virtd: {v.config_path}: [server] max_readonly_clients: 10 must be "
                        "below max_clients (10), so that read-only clients cannot take every "
                        "connection slot\n")


# ---------------------------------------------------------------------------
# frames


def test_frame_limit_before_open(virtd_factory):
    v = start_virtd(virtd_factory)
    with RawClient(rw_sock(v)) as c:
        c.send(frame(xdr_string("n" * 65536), proc=PROC_DOMAIN_LOOKUP_BY_NAME, serial=7))
        f = c.recv_frame()
        assert f.serial == 7
        expect_refused_frame(f, "message of 65568 bytes refused: at most 4096 bytes are "
                                "accepted before the connection is open")
        # the connection goes on
        assert c.auth_list() == [0]
        raw_open(c)
        c.send(frame(xdr_string("n" * 65536), proc=PROC_DOMAIN_LOOKUP_BY_NAME, serial=8))
        assert c.recv_frame().error()["message"].startswith("Domain not found")


def test_readonly_frames_refused_without_being_stored(virtd_factory):
    """40 read-only connections each announce a 16 MiB frame and send 1 MiB
    of it: each is answered as soon as its header is in, and virtd's
    memory does not grow with what they send."""
    v = start_virtd(virtd_factory)
    clients = []
    for _ in range(40):
        c = RawClient(ro_sock(v))
        raw_open(c, VIR_CONNECT_RO)
        clients.append(c)
    before = rss_kib(v.pid)
    for i, c in enumerate(clients):
        c.send(struct.pack(">I", MAX_FRAME) +
               header(0x20008086, 1, PROC_DOMAIN_LOOKUP_BY_NAME, CALL, 100 + i, OK))
        f = c.recv_frame()
        assert f.serial == 100 + i
        expect_refused_frame(f, f"message of {MAX_FRAME} bytes refused: read-only "
                                "connections accept at most 16384 bytes per message")
        c.send(b"\0" * (1024 * 1024))
    # all of it read (and dropped): a call behind it on the last client is answered
    last = clients[-1]
    last.send(b"\0" * (MAX_FRAME - 28 - 1024 * 1024))
    assert last.call(PROC_CONNECT_GET_TYPE).status == OK
    grown = rss_kib(v.pid) - before
    assert grown < 8 * 1024, f"virtd grew by {grown} KiB"
    for c in clients:
        c.close()


def test_input_budget(virtd_factory):
    """Frames being received share input_budget: a second 16 MiB frame
    waits, unread, until the first is in, then goes through."""
    v = start_virtd(virtd_factory, input_budget=32)
    first = RawClient(rw_sock(v))
    second = RawClient(rw_sock(v))
    for c in (first, second):
        raw_open(c)
    big = frame(b"\0" * (MAX_FRAME - 28), proc=PROC_CONNECT_GET_TYPE, serial=5)
    first.send(big[:1024 * 1024])
    sender = threading.Thread(target=second.send, args=(big,), daemon=True)
    sender.start()
    v.wait_for_log(rf"client \d+: a frame of {MAX_FRAME} bytes waits for input budget\n")
    first.send(big[1024 * 1024:])
    f = first.recv_frame()
    assert (f.serial, f.status) == (5, OK)
    f = second.recv_frame()
    assert (f.serial, f.status) == (5, OK)
    sender.join(timeout=WAIT_TIMEOUT)
    first.close()
    second.close()


# ---------------------------------------------------------------------------
# time limits


def test_open_and_frame_timeouts(virtd_factory):
    v = start_virtd(virtd_factory, open_timeout=2, frame_timeout=2)
    idle = RawClient(rw_sock(v))       # open, then silent: stays
    raw_open(idle)
    unopened = RawClient(rw_sock(v))
    assert unopened.auth_list() == [0]
    halfway = RawClient(rw_sock(v))
    raw_open(halfway)
    halfway.send(frame(xdr_string("x" * 1000), proc=PROC_DOMAIN_LOOKUP_BY_NAME)[:600])
    unopened.expect_eof()
    halfway.expect_eof()
    v.wait_for_log(r"client \d+ disconnected: it did not open a connection within 2 s "
                   r"\(open_timeout\)\n")
    v.wait_for_log(r"client \d+ disconnected: it did not finish sending a message within 2 s "
                   r"\(frame_timeout\)\n")
    assert idle.call(PROC_CONNECT_GET_TYPE).status == OK
    idle.close()


def test_keepalive_drops_silent_clients(virtd_factory, tmp_path):
    """A client that asked for keepalive is pinged after each second of
    silence and dropped after 2 unanswered PINGs; one that answers stays,
    and so does virsh."""
    v = start_virtd(virtd_factory, keepalive_interval=1, keepalive_count=2)
    silent = RawClient(rw_sock(v))
    answering = RawClient(rw_sock(v))
    for c in (silent, answering):
        r = c.call_ok(PROC_CONNECT_SUPPORTS_FEATURE, xdr_int(10))
        assert r.int() == 1
        raw_open(c)
    for _ in range(4):
        f = answering.recv_frame()
        assert (f.prog, f.proc) == (KEEPALIVE_PROG, KEEPALIVE_PING), f
        answering.send(frame(prog=KEEPALIVE_PROG, proc=KEEPALIVE_PONG, mtype=MESSAGE))
    assert answering.call(PROC_CONNECT_GET_TYPE).status == OK
    answering.close()
    # meanwhile the silent one got its PINGs, then was dropped
    pings = []
    while (f := silent.recv_frame()) is not None:
        pings.append((f.prog, f.proc, f.type, f.serial))
    assert pings == [(KEEPALIVE_PROG, KEEPALIVE_PING, MESSAGE, 0)] * 2
    v.wait_for_log(r"client \d+ disconnected: it did not answer keepalive messages for 3 s "
                   r"\(keepalive_interval, keepalive_count\)\n")

    # virsh answers the server's PINGs: 6 idle seconds, still connected
    p = subprocess.run(["virsh", "-c", uri(rw_sock(v)), "event", "--loop", "--event",
                        "lifecycle", "--timeout", "6"],
                       capture_output=True, text=True, timeout=60,
                       env={"PATH": os.environ["PATH"], "LC_ALL": "C", "HOME": str(tmp_path)})
    assert (p.returncode, p.stdout, p.stderr) == \
        (1, "event loop timed out\nevents received: 0\n\n", ""), p

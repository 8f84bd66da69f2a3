#!/usr/bin/python3
"""Helpers for virtd's test guest, and its smoke test.

Library (importable from pytest: ``sys.path.insert(0, "<src>/tests/guest")``):

- ``build(outdir=None)`` runs build.sh and returns ``(vmlinuz, initrd)``.
- ``MARKER_RE`` / ``wait_marker(path, what, timeout)`` read the serial log.
- ``QMP``: a minimal blocking QMP client (greeting, qmp_capabilities,
  ``execute``, ``wait_event``) that records every event with its arrival time
  and treats ECONNRESET as EOF.
- ``qemu_argv(...)``: the reference qemu command line for one action.
- ``Guest``: starts qemu directly (for this smoke test; virtd tests let the
  daemon start it) and always ends it by PID.

CLI: ``testguest.py smoke [--kernel K --initrd I] [--quiet-kernel] [SCENARIO...]``
boots the guest once per scenario and checks the QMP events (run by smoke.sh).
"""

import argparse
import ctypes
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TAG = "VIRTD-TEST-GUEST"
# One marker per line on the serial console, e.g.
#   VIRTD-TEST-GUEST READY action=run delay=0 uptime=2.41
MARKER_RE = re.compile(r"^VIRTD-TEST-GUEST (\S+)(?: (.*))?$")
QEMU = "qemu-system-x86_64"


class GuestError(Exception):
    pass


def build(outdir=None):
    """Run build.sh (idempotent) and return (vmlinuz, initrd)."""
    cmd = [os.path.join(HERE, "build.sh")]
    if outdir:
        cmd.append(str(outdir))
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    paths = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return paths["VMLINUZ"], paths["INITRD"]


# ------------------------------------------------------------------ serial
def read_markers(path):
    """All markers in the serial log: list of (name, rest-of-line)."""
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return []
    res = []
    # only whole lines: the guest may be in the middle of writing the last one
    for line in data.split("\n")[:-1]:
        m = MARKER_RE.match(line.strip("\r"))
        if m:
            res.append((m.group(1), m.group(2) or ""))
    return res


def wait_marker(path, name, timeout, count=1, proc=None, poll=0.02):
    """Wait until marker ``name`` appears ``count`` times in the serial log.

    Returns the rest of the line of that occurrence.  Raises GuestError on
    timeout, or when ``proc`` (a Popen) exits first.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = [rest for (n, rest) in read_markers(path) if n == name]
        if len(found) >= count:
            return found[count - 1]
        if proc is not None and proc.poll() is not None:
            raise GuestError(f"qemu exited (rc {proc.returncode}) before {TAG} {name} #{count}")
        if time.monotonic() >= deadline:
            raise GuestError(f"no {TAG} {name} #{count} within {timeout} s")
        time.sleep(poll)


# -------------------------------------------------------------------- QMP
class QMPError(GuestError):
    pass


class QMP:
    """Blocking QMP client; every event is kept as (monotonic time, dict)."""

    def __init__(self, path, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.monotonic() >= deadline:
                    raise GuestError(f"QMP socket {path} not connectable within {timeout} s")
                time.sleep(0.01)
        self.sock = s
        self.buf = b""
        self.eof = False
        self.events = []
        self._id = 0
        greeting = self._next(deadline)
        if not greeting or "QMP" not in greeting:
            raise QMPError(f"bad QMP greeting: {greeting!r}")
        self.execute("qmp_capabilities")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0 or self.eof:
            return False
        r, _, _ = select.select([self.sock], [], [], left)
        if not r:
            return False
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:  # qemu exited: the events were already read
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _read(self, deadline):
        """Next message of any kind (events are also recorded), or None on
        timeout or EOF."""
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                if not line.strip():
                    continue
                msg = json.loads(line)
                if "event" in msg:
                    self.events.append((time.monotonic(), msg))
                return msg
            if not self._fill(deadline):
                return None

    def _next(self, deadline):
        """Next non-event message, or None on timeout or EOF."""
        while True:
            msg = self._read(deadline)
            if msg is None or "event" not in msg:
                return msg

    def execute(self, cmd, args=None, timeout=10.0):
        self._id += 1
        req = {"execute": cmd, "id": self._id}
        if args:
            req["arguments"] = args
        try:
            self.sock.sendall(json.dumps(req).encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            self.eof = True
            raise QMPError(f"QMP closed before {cmd}")
        deadline = time.monotonic() + timeout
        while True:
            msg = self._next(deadline)
            if msg is None:
                if cmd == "quit" and self.eof:
                    return {}
                raise QMPError(f"no answer to {cmd} (eof={self.eof})")
            if msg.get("id") != self._id:
                continue
            if "error" in msg:
                raise QMPError(f"{cmd}: {msg['error']}")
            return msg.get("return")

    def pump(self, timeout):
        """Read (and record) events for up to ``timeout`` s or until EOF."""
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self._read(deadline)

    def wait_event(self, name, timeout, data=None, start=0):
        """Wait for event ``name`` (whose data includes ``data``) at index >= start.

        Returns (index, arrival time, event)."""
        deadline = time.monotonic() + timeout
        i = start
        while True:
            while i < len(self.events):
                t, ev = self.events[i]
                if ev["event"] == name and all(
                        ev.get("data", {}).get(k) == v for k, v in (data or {}).items()):
                    return i, t, ev
                i += 1
            if self.eof or time.monotonic() >= deadline:
                raise QMPError(f"no {name} {data or ''} event within {timeout} s "
                               f"(got {self.names()}, eof={self.eof})")
            self._read(deadline)

    def names(self):
        return [ev["event"] for _, ev in self.events]


# ------------------------------------------------------------------- qemu
def qemu_argv(kernel, initrd, serial, qmp, action="run", delay=None, wdt=None,
              append_extra=(), extra=(), memory=256, smp=1, quiet_kernel=False):
    """The reference command line: TCG q35, no default devices, serial to a file."""
    append = ["console=ttyS0"]
    if quiet_kernel:
        append.append("quiet")
    append.append(f"test.action={action}")
    if delay is not None:
        append.append(f"test.delay={delay}")
    if wdt is not None:
        append.append(f"test.wdt={wdt}")
    append.extend(append_extra)
    return [QEMU, "-machine", "q35,accel=tcg", "-nodefaults", "-no-user-config",
            "-display", "none", "-m", str(memory), "-smp", str(smp),
            "-kernel", kernel, "-initrd", initrd, "-append", " ".join(append),
            "-serial", f"file:{serial}",
            "-qmp", f"unix:{qmp},server=on,wait=off", *extra]


_LIVE = {}  # pid -> Popen of every qemu we started and have not reaped


def _pdeathsig():
    # qemu gets SIGKILL if this process dies without cleaning up
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def kill_all():
    for proc in list(_LIVE.values()):
        _stop(proc)


def _stop(proc, grace=3.0):
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    _LIVE.pop(proc.pid, None)


class Guest:
    """One qemu process with its own directory (serial.log, qmp.sock, qemu.log)."""

    def __init__(self, kernel, initrd, workdir, **kw):
        self.dir = workdir
        self.serial = os.path.join(workdir, "serial.log")
        self.qmp_path = os.path.join(workdir, "qmp.sock")
        self.qemu_log = os.path.join(workdir, "qemu.log")
        self.argv = qemu_argv(kernel, initrd, self.serial, self.qmp_path, **kw)
        self.proc = None
        self.qmp = None
        self.t0 = None

    def start(self):
        with open(self.qemu_log, "wb") as log:
            self.t0 = time.monotonic()
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, preexec_fn=_pdeathsig)
        _LIVE[self.proc.pid] = self.proc
        self.qmp = QMP(self.qmp_path)
        return self

    def since(self, t):
        return t - self.t0

    def wait_marker(self, name, timeout=30, count=1):
        rest = wait_marker(self.serial, name, timeout, count=count, proc=self.proc)
        return time.monotonic(), rest

    def wait_exit(self, timeout):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise GuestError(f"qemu still running {timeout} s later")
        _LIVE.pop(self.proc.pid, None)
        # drain the events qemu sent before closing the socket
        self.qmp.pump(1.0)
        return rc

    def close(self):
        if self.qmp:
            self.qmp.close()
        if self.proc:
            _stop(self.proc)


# ------------------------------------------------------------------ smoke
READY_TIMEOUT = 30


def _ready(g, res, action):
    t, rest = g.wait_marker("READY", READY_TIMEOUT)
    if f"action={action}" not in rest.split():
        raise GuestError(f"READY says {rest!r}, expected action={action}")
    res["ready"] = g.since(t)
    return t


def sc_run(g, res):
    _ready(g, res, "run")
    t = time.monotonic()
    g.qmp.execute("system_powerdown")
    g.qmp.wait_event("POWERDOWN", 5)
    _, t2, _ = g.qmp.wait_event("SHUTDOWN", 10, {"guest": True, "reason": "guest-shutdown"})
    res["detail"] = f"system_powerdown -> SHUTDOWN guest-shutdown in {t2 - t:.3f} s"
    res["rc"] = g.wait_exit(10)


def sc_poweroff(g, res):
    _ready(g, res, "poweroff")
    g.wait_marker("ACTION", 10)
    _, t, _ = g.qmp.wait_event("SHUTDOWN", 10, {"guest": True, "reason": "guest-shutdown"})
    res["detail"] = f"SHUTDOWN guest-shutdown at {g.since(t):.2f} s"
    res["rc"] = g.wait_exit(10)


def sc_poweroff_delay(g, res):
    tr = _ready(g, res, "poweroff")
    _, t, _ = g.qmp.wait_event("SHUTDOWN", 15, {"guest": True, "reason": "guest-shutdown"})
    if t - tr < 2.5:
        raise GuestError(f"SHUTDOWN {t - tr:.2f} s after READY, test.delay=3 not honoured")
    res["detail"] = f"SHUTDOWN guest-shutdown {t - tr:.2f} s after READY (test.delay=3)"
    res["rc"] = g.wait_exit(10)


def sc_reboot(g, res):
    _ready(g, res, "reboot")
    _, t, _ = g.qmp.wait_event("SHUTDOWN", 10, {"guest": True, "reason": "guest-reset"})
    res["detail"] = f"-no-reboot: SHUTDOWN guest-reset at {g.since(t):.2f} s"
    res["rc"] = g.wait_exit(10)


def sc_reboot_loop(g, res):
    _ready(g, res, "reboot")
    _, t, _ = g.qmp.wait_event("RESET", 10, {"guest": True, "reason": "guest-reset"})
    t2, _ = g.wait_marker("READY", READY_TIMEOUT, count=2)
    g.qmp.pump(0.1)  # read the events that came while we watched the serial log
    n = g.qmp.names().count("RESET")
    g.qmp.execute("quit")
    g.qmp.wait_event("SHUTDOWN", 5, {"guest": False, "reason": "host-qmp-quit"})
    res["detail"] = (f"RESET guest-reset x{n} at {g.since(t):.2f} s, rebooted: "
                     f"second READY {t2 - t:.2f} s later; quit -> SHUTDOWN host-qmp-quit")
    res["rc"] = g.wait_exit(10)


def _panic(g, res, dev):
    _ready(g, res, "panic")
    _, t, _ = g.qmp.wait_event("GUEST_PANICKED", 10, {"action": "poweroff"})
    g.qmp.wait_event("SHUTDOWN", 5, {"guest": True, "reason": "guest-panic"})
    res["detail"] = f"{dev}: GUEST_PANICKED poweroff + SHUTDOWN guest-panic at {g.since(t):.2f} s"
    res["rc"] = g.wait_exit(10)


def sc_panic(g, res):
    _panic(g, res, "pvpanic")


def sc_panic_pci(g, res):
    _panic(g, res, "pvpanic-pci")


def sc_panic_pause(g, res):
    _ready(g, res, "panic")
    _, t, _ = g.qmp.wait_event("GUEST_PANICKED", 10, {"action": "pause"})
    g.qmp.wait_event("STOP", 5)
    st = g.qmp.execute("query-status")
    if st.get("status") != "guest-panicked":
        raise GuestError(f"query-status: {st}")
    g.qmp.execute("quit")
    res["detail"] = f"panic=pause: GUEST_PANICKED pause + STOP at {g.since(t):.2f} s, status guest-panicked"
    res["rc"] = g.wait_exit(10)


def sc_watchdog(g, res):
    _ready(g, res, "watchdog")
    ta, rest = g.wait_marker("WATCHDOG-ARMED", 10)
    _, t, _ = g.qmp.wait_event("WATCHDOG", 10, {"action": "reset"})
    g.qmp.wait_event("RESET", 5, {"guest": True, "reason": "guest-reset"})
    g.qmp.execute("quit")
    res["detail"] = (f"WATCHDOG reset + RESET guest-reset {t - ta:.2f} s after "
                     f"WATCHDOG-ARMED ({rest})")
    res["rc"] = g.wait_exit(10)


def sc_watchdog_poweroff(g, res):
    _ready(g, res, "watchdog")
    ta, _ = g.wait_marker("WATCHDOG-ARMED", 10)
    _, t, _ = g.qmp.wait_event("WATCHDOG", 10, {"action": "poweroff"})
    res["rc"] = g.wait_exit(10)
    if "SHUTDOWN" in g.qmp.names():
        raise GuestError(f"unexpected SHUTDOWN: {g.qmp.names()}")
    res["detail"] = (f"WATCHDOG poweroff {t - ta:.2f} s after arming; qemu exited "
                     f"with no SHUTDOWN event (events: {' '.join(g.qmp.names())})")


def sc_hang(g, res):
    _ready(g, res, "hang")
    g.wait_marker("ACTION", 5)
    start = len(g.qmp.events)
    g.qmp.execute("system_powerdown")
    g.qmp.wait_event("POWERDOWN", 5, start=start)
    g.qmp.pump(5.0)
    if "SHUTDOWN" in g.qmp.names() or g.proc.poll() is not None:
        raise GuestError("hang guest obeyed the power button")
    st = g.qmp.execute("query-status")
    g.qmp.execute("quit")
    g.qmp.wait_event("SHUTDOWN", 5, {"guest": False, "reason": "host-qmp-quit"})
    res["detail"] = (f"system_powerdown ignored for 5 s (status {st['status']}); "
                     f"quit -> SHUTDOWN host-qmp-quit")
    res["rc"] = g.wait_exit(10)


def sc_net(g, res):
    _ready(g, res, "run")
    t, rest = g.wait_marker("NET", 20)
    if "10.0.2.15/24" not in rest:
        raise GuestError(f"unexpected lease {rest}")
    g.qmp.execute("system_powerdown")
    g.qmp.wait_event("SHUTDOWN", 10, {"guest": True, "reason": "guest-shutdown"})
    res["detail"] = f"NET {rest} at {g.since(t):.2f} s; system_powerdown -> SHUTDOWN"
    res["rc"] = g.wait_exit(10)


# name -> (function, qemu_argv keyword arguments, expected exit code)
SCENARIOS = {
    "run": (sc_run, dict(action="run"), 0),
    "poweroff": (sc_poweroff, dict(action="poweroff"), 0),
    "poweroff-delay": (sc_poweroff_delay, dict(action="poweroff", delay=3), 0),
    "reboot": (sc_reboot, dict(action="reboot", extra=["-no-reboot"]), 0),
    "reboot-loop": (sc_reboot_loop, dict(action="reboot"), 0),
    "panic": (sc_panic, dict(action="panic", extra=["-device", "pvpanic"]), 0),
    "panic-pci": (sc_panic_pci, dict(action="panic", extra=["-device", "pvpanic-pci"]), 0),
    "panic-pause": (sc_panic_pause, dict(action="panic", extra=[
        "-device", "pvpanic", "-action", "panic=pause"]), 0),
    "watchdog": (sc_watchdog, dict(action="watchdog", extra=[
        "-device", "i6300esb", "-watchdog-action", "reset"]), 0),
    "watchdog-poweroff": (sc_watchdog_poweroff, dict(action="watchdog", extra=[
        "-device", "i6300esb", "-watchdog-action", "poweroff"]), 0),
    "hang": (sc_hang, dict(action="hang"), 0),
    "net": (sc_net, dict(action="run", append_extra=["test.net=dhcp"], extra=[
        "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"]), 0),
}


def run_scenario(name, kernel, initrd, logdir, quiet_kernel):
    fn, kw, want_rc = SCENARIOS[name]
    work = tempfile.mkdtemp(prefix="tg-")  # short: AF_UNIX paths max 107 bytes
    res = {"name": name, "ok": False, "ready": None, "detail": "", "rc": None}
    g = Guest(kernel, initrd, work, quiet_kernel=quiet_kernel, **kw)
    res["argv"] = g.argv
    try:
        g.start()
        fn(g, res)
        if res["rc"] != want_rc:
            raise GuestError(f"qemu exit code {res['rc']}, expected {want_rc}")
        res["ok"] = True
    except Exception as e:  # report and go on with the next scenario
        res["detail"] = f"FAILED: {e}" + (f" [{res['detail']}]" if res["detail"] else "")
    finally:
        g.close()
        res["events"] = [ev for _, ev in g.qmp.events] if g.qmp else []
        dst = os.path.join(logdir, name)
        os.makedirs(dst, exist_ok=True)
        for f in ("serial.log", "qemu.log"):
            if os.path.exists(os.path.join(work, f)):
                shutil.copy(os.path.join(work, f), dst)
        with open(os.path.join(dst, "events.json"), "w") as f:
            json.dump(res["events"], f, indent=1)
        with open(os.path.join(dst, "argv.txt"), "w") as f:
            f.write(" ".join(res["argv"]) + "\n")
        shutil.rmtree(work, ignore_errors=True)
    return res


def _on_signal(signum, frame):
    kill_all()
    sys.exit(128 + signum)


def smoke(argv):
    ap = argparse.ArgumentParser(prog="smoke")
    ap.add_argument("--kernel")
    ap.add_argument("--initrd")
    ap.add_argument("--logdir", default=None,
                    help="keep serial/qemu/event logs here (default: a new temp dir)")
    ap.add_argument("--quiet-kernel", action="store_true", help="add 'quiet' to the cmdline")
    ap.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                    help=f"default: all of {' '.join(SCENARIOS)}")
    a = ap.parse_args(argv)
    for s in a.scenarios:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s}; known: {' '.join(SCENARIOS)}")
    if shutil.which(QEMU) is None:
        sys.exit(f"smoke: {QEMU} not found (apt-get install qemu-system-x86)")
    kernel, initrd = a.kernel, a.initrd
    if not (kernel and initrd):
        kernel, initrd = build()
    logdir = a.logdir or tempfile.mkdtemp(prefix="virtd-test-guest-smoke-")
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    results = []
    try:
        for name in a.scenarios or list(SCENARIOS):
            t = time.monotonic()
            r = run_scenario(name, kernel, initrd, logdir, a.quiet_kernel)
            r["wall"] = time.monotonic() - t
            results.append(r)
            ready = f"{r['ready']:.2f} s" if r["ready"] is not None else "-"
            print(f"{'PASS' if r['ok'] else 'FAIL'} {name:18} READY after {ready:>7}  "
                  f"({r['wall']:.1f} s)  {r['detail']}", flush=True)
    finally:
        kill_all()
    readies = sorted(r["ready"] for r in results if r["ready"] is not None)
    if readies:
        print(f"READY times: min {readies[0]:.2f} s, median {readies[len(readies) // 2]:.2f} s, "
              f"max {readies[-1]:.2f} s over {len(readies)} boots")
    failed = [r["name"] for r in results if not r["ok"]]
    print(f"logs: {logdir}")
    if failed:
        print(f"smoke: FAILED: {' '.join(failed)}")
        return 1
    print(f"smoke: all {len(results)} scenarios passed")
    return 0


def main():
    if len(sys.argv) < 2 or sys.argv[1] != "smoke":
        sys.exit(__doc__)
    sys.exit(smoke(sys.argv[2:]))


if __name__ == "__main__":
    main()

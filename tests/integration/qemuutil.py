"""Shared helpers for the tests that run real guests under virtd.

- ``guest_files`` (session fixture ``guest_files_fixture``): the tiny test
  guest (tests/guest), built once per machine.
- ``virtd`` (fixture ``virtd_fixture``): a virtd with a logging qemu hook;
  every qemu it left running is killed by pid at teardown.
- ``guest_xml`` / ``Guest``: a domain definition booting the test guest,
  and a defined domain with its serial log, state and qemu pid.
- ``qemu_calls`` / ``wait_calls`` / ``START`` / ``stop_calls``: the qemu
  hook calls logged so far, as ``(op, subop, extra)`` tuples.
- ``kill_factory_guests_fixture`` (autouse once imported): kills, by pid,
  every qemu left running by any virtd of the test's ``virtd_factory``.
- ``qemu_pids_of``: processes running a given domain uuid.

Test modules import the fixture functions (``from qemuutil import
guest_files_fixture, virtd_fixture``) so pytest finds them under their
names ``guest_files`` and ``virtd``.
"""

import os
import re
import signal
import sys
import threading
from pathlib import Path

import pytest

from conftest import wait_for
from virshutil import Virsh

SRC = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SRC / "tests" / "guest"))
import testguest  # noqa: E402

requires_qemu = pytest.mark.skipif(not os.path.exists("/usr/bin/qemu-system-x86_64"),
                                   reason="qemu-system-x86 is not installed")

BOOT_TIMEOUT = 60
STOP_TIMEOUT = 60


@pytest.fixture(scope="session", name="guest_files")
def guest_files_fixture():
    """(vmlinuz, initrd) of the test guest."""
    return testguest.build()


def guest_xml(files, name, serial, action="run", extra_devices="", on_crash="destroy",
              on_reboot="restart", cmdline_extra="", uuid=None, on_poweroff="destroy"):
    vmlinuz, initrd = files
    uuid_line = f"\n  <uuid>{uuid}</uuid>" if uuid else ""
    extra = f" {cmdline_extra}" if cmdline_extra else ""
    return f"""<domain type='qemu'>
  <name>{name}</name>{uuid_line}
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>{vmlinuz}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 test.action={action}{extra}</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_poweroff>{on_poweroff}</on_poweroff>
  <on_reboot>{on_reboot}</on_reboot>
  <on_crash>{on_crash}</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='{serial}'/>
      <target port='0'/>
    </serial>
    {extra_devices}
  </devices>
</domain>
"""


class Guest:
    """A domain defined in a virtd, with its serial log."""

    def __init__(self, virtd, files, name="g1", **kw):
        self.virtd = virtd
        self.name = name
        self.virsh = Virsh(virtd)
        self.serial = virtd.tmp_dir / f"{name}.serial"
        p = self.virsh.define_file("dom", name, guest_xml(files, name, self.serial, **kw))
        assert p.returncode == 0, p.stderr

    def start(self, check=True):
        return self.virsh.run("start", self.name, check=check)

    def wait_ready(self, count=1):
        testguest.wait_marker(str(self.serial), "READY", BOOT_TIMEOUT, count=count)

    def markers(self, name):
        """How many times the guest printed marker @name so far."""
        return sum(1 for n, _ in testguest.read_markers(str(self.serial)) if n == name)

    def state(self):
        return self.virsh.out("domstate", "--reason", self.name).strip()

    def wait_state(self, want, timeout=STOP_TIMEOUT):
        wait_for(lambda: self.state() == want, timeout,
                 lambda: f"domain '{self.name}' to be {want!r}: it is {self.state()!r}",
                 interval=0.1)

    def qemu_pid(self):
        return status_pid(self.virtd, self.name)


def status_pid(virtd, name):
    """qemu's pid from virtd's status file of domain @name."""
    status = virtd.run_dir / "qemu" / f"{name}.xml"
    return int(re.search(r"pid='(\d+)'", status.read_text()).group(1))


def qemu_calls(virtd, name=None):
    """(op, subop, extra) of every qemu hook call, in order."""
    out = []
    for c in virtd.hook_log.calls():
        if Path(c.script).name != "qemu":
            continue
        if name is None or c.args[0] == name:
            out.append(tuple(c.args[1:]))
    return out


def wait_calls(virtd, n, timeout=STOP_TIMEOUT):
    """The qemu hook calls, once there are at least @n."""
    def enough():
        calls = qemu_calls(virtd)
        return calls if len(calls) >= n else None
    return wait_for(enough, timeout,
                    lambda: f"{n} qemu hook calls: {qemu_calls(virtd)}\n{virtd.log_tail()}")


START = [("prepare", "begin", "-"), ("start", "begin", "-"), ("started", "begin", "-")]


def stop_calls(reason):
    return [("stopped", "end", "-"), ("release", "end", reason)]


def guest_pids(virtd):
    """Pids of the qemus @virtd started and still there: the processes whose
    command line holds a monitor socket in its run dir (never a pid read from
    a status file, which may have been recycled)."""
    mark = f"path={virtd.run_dir / 'qemu'}/".encode()
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if mark in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:
            pass
    return sorted(pids)


def kill_guests(virtd):
    """SIGKILL, by pid, every qemu @virtd started that is still there."""
    for pid in guest_pids(virtd):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(name="virtd")
def virtd_fixture(virtd_factory):
    """A started virtd with a logging qemu hook."""
    v = virtd_factory()
    v.install_hook("qemu")
    v.start()
    yield v
    # guests run in their own session: end ours by pid
    kill_guests(v)


@pytest.fixture(autouse=True, name="_kill_factory_guests")
def kill_factory_guests_fixture(virtd_factory):
    """After each test (before its virtds are killed): every qemu that any
    virtd of the test left running, killed by pid, also for tests that use
    virtd_factory directly."""
    yield
    for inst in virtd_factory.instances:
        kill_guests(inst)


def qemu_pids_of(uuid):
    """Processes whose command line has '-uuid <uuid>'."""
    want = b"-uuid\0" + uuid.encode() + b"\0"
    pids = []
    for p in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if want in p.read_bytes():
                pids.append(int(p.parent.name))
        except OSError:
            pass
    return pids


class HangingHook:
    """A logging hook of @driver (qemu by default) that, at @op, writes its
    pid (the id of its process group) to a file and sleeps 30 s: an
    operation held at that point, for tests that kill virtd there.  With
    @once, only the first call of @op hangs."""

    def __init__(self, virtd, op, driver="qemu", once=False):
        self.op = op
        self.pidfile = virtd.tmp_dir / f"{driver}-hook.pid"
        cond = f'[ "$2" = {op} ]' + (f" && [ ! -e {self.pidfile} ]" if once else "")
        virtd.install_hook(driver, body=f"if {cond}; then echo $$ > {self.pidfile}; "
                                        f"sleep 30; fi")
        self.starter = None

    def start(self, fn):
        """Runs @fn (a virsh call, say) in a thread; returns once the hook
        runs."""
        self.starter = threading.Thread(target=fn)
        self.starter.start()
        wait_for(lambda: self.pidfile.exists() and self.pidfile.read_text().strip(),
                 BOOT_TIMEOUT, f"the {self.op} hook to run")

    def start_guest(self, g):
        """'virsh start' of @g from a thread; returns once the hook runs."""
        self.start(lambda: g.start(check=False))

    @property
    def pgid(self):
        return int(self.pidfile.read_text())

    def kill_virtd(self, virtd):
        """SIGKILL of virtd; the held call then returns (an error)."""
        virtd.kill()
        self.starter.join(timeout=30)

    def kill(self):
        """SIGKILL of the hook's process group, which virtd's death leaves."""
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass

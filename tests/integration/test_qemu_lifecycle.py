"""Real guests under virtd: the lifecycle paths test_qemu.py leaves out.

Reboots (fake, guest-initiated, reset), suspend/resume, lifecycle events as
the real 'virsh event' prints them, transient domains, undefine of a running
domain, on_crash restart/preserve, the watchdog, graceful destroy, bridge
interfaces (taps) and the errors of start/destroy.  Each test boots the tiny
test guest (tests/guest, TCG) and asserts exact hook argv sequences, states
and event lines, per reference/hooks-contract.md.
"""

import json
import os
import signal
import subprocess
import threading

import pytest

from conftest import DEFAULT_PATH, pgid_members, wait_for, wait_gone, write_script
from qemuutil import (BOOT_TIMEOUT, START, STOP_TIMEOUT, Guest, HangingHook,  # noqa: F401
                      guest_files_fixture, guest_xml, kill_factory_guests_fixture,
                      qemu_calls, qemu_pids_of, requires_qemu, status_pid, stop_calls,
                      testguest, virtd_fixture, wait_calls)
from rpcutil import libvirt_module
from virshutil import Virsh, kv_lines

pytestmark = requires_qemu

# "No hook call / no event came" is asserted after a positive marker: a
# later state or marker of the guest, the exact hook sequence after a later
# operation (a job, so after whatever the guest's events did), or
# EventWatcher.sync() for events.


def release_env_at(virtd, index):
    """(REASON, DETAIL) of the release hook call number @index."""
    rel = virtd.hook_log.calls()[index]
    assert rel.args[1] == "release", rel
    return rel.env.get("VIRTD_HOOK_REASON"), rel.env.get("VIRTD_HOOK_DETAIL")


def release_env(virtd):
    return release_env_at(virtd, -1)


# EventWatcher.sync() defines and undefines domains of this name + a number.
SYNC_NAME = "event-sync-"
SYNC_XML = ("<domain type='qemu'><name>{name}</name><memory>1024</memory>"
            "<os><type>hvm</type></os></domain>")


class EventWatcher:
    """'virsh event --loop --all' in the background, its lines collected:
    those about sync()'s own domains in .synced, all others in .lines."""

    def __init__(self, virtd, timeout=300):
        self.virtd = virtd
        sock = virtd.run_dir / "virtd-sock"
        env = {"PATH": DEFAULT_PATH, "LC_ALL": "C", "HOME": str(virtd.tmp_dir)}
        self.proc = subprocess.Popen(
            ["virsh", "-c", f"qemu+unix:///system?socket={sock}", "event", "--loop", "--all",
             "--timeout", str(timeout)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env)
        self.lines = []
        self.synced = []
        self._syncs = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        client = virtd.wait_for_log(rf"client (\d+) connected to '{sock}' \(read-write\): "
                                    rf"pid {self.proc.pid}, uid 0\n").group(1)
        # virsh registers lifecycle (0) first, then every other event ID
        virtd.wait_for_log(rf"client {client}: domain event 0 registered as callback \d+\n")
        self.client = client

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            (self.synced if f"domain '{SYNC_NAME}" in line else self.lines).append(line)

    def wait(self, n, timeout=STOP_TIMEOUT):
        """The lines, once there are at least @n."""
        wait_for(lambda: len(self.lines) >= n, timeout,
                 lambda: f"{n} event lines, got {self.lines}")
        return list(self.lines)

    def sync(self):
        """Returns once every event virtd sent before this call was printed:
        defines and undefines a domain of its own and waits for its
        'Undefined' event, which virtd sends this client after them."""
        self._syncs += 1
        name = f"{SYNC_NAME}{self._syncs}"
        virsh = Virsh(self.virtd)
        p = virsh.define_file("dom", name, SYNC_XML.format(name=name))
        assert p.returncode == 0, p.stderr
        virsh.run("undefine", name)
        want = f"event 'lifecycle' for domain '{name}': Undefined Removed"
        wait_for(lambda: want in self.synced, STOP_TIMEOUT,
                 lambda: f"the sync event {want!r}, got {self.synced}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(10)
        return self.proc.stderr.read()


def lifecycle(name, *what):
    return [f"event 'lifecycle' for domain '{name}': {w}" for w in what]


def expect_events(w, want):
    """@w printed exactly the lines @want, and nothing more by the time the
    events virtd sent meanwhile (see EventWatcher.sync) were printed."""
    assert w.wait(len(want)) == want
    w.sync()
    assert w.lines == want


@pytest.fixture
def events(virtd):
    """'virsh event --loop --all' on @virtd, registered before the test runs."""
    w = EventWatcher(virtd)
    yield w
    w.close()


# ---------------------------------------------------------------------------
# (1) virsh reboot: libvirt's fake reboot


def test_virsh_reboot_is_a_fake_reboot(virtd, guest_files, events):
    """Power button, the guest powers off, virtd resets and resumes it
    instead of stopping it: same qemu, no hook, no lifecycle event."""
    g = Guest(virtd, guest_files)
    g.start()
    pid = g.qemu_pid()
    g.wait_ready()
    p = g.virsh.run("reboot", "g1")
    assert p.stdout == "Domain 'g1' is being rebooted\n\n"
    testguest.wait_marker(str(g.serial), "POWER-BUTTON", BOOT_TIMEOUT)
    g.wait_ready(count=2)
    assert g.markers("INIT") == 2
    assert g.state() == "running (booted)"
    assert g.qemu_pid() == pid, "the same qemu, reset, not a new one"
    # the second boot follows the reset virtd chose instead of a stop; the
    # shutdown below checks the whole hook sequence again
    assert qemu_calls(virtd) == START
    assert g.state() == "running (booted)"
    reboot = ["event 'reboot' for domain 'g1'"]
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted") + reboot)
    # still a working guest, and the reboot is over: a shutdown now stops it
    g.virsh.run("shutdown", "g1")
    g.wait_state("shut off (shutdown)")
    assert wait_calls(virtd, 5) == START + stop_calls("shutdown")
    assert release_env(virtd) == ("shutdown", "guest")
    assert g.markers("READY") == 2
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted") + reboot +
                  lifecycle("g1", "Shutdown Finished after guest request", "Stopped Shutdown"))


def test_shutdown_after_lost_reboot_press_stops(virtd, guest_files):
    """A 'virsh reboot' whose button press the guest never saw (sent before
    it loaded its ACPI button driver) must not turn a later 'virsh shutdown'
    into a reboot: shutdown clears the pending fake reboot (as libvirt's
    qemuDomainSetFakeReboot(vm, false) does)."""
    g = Guest(virtd, guest_files)
    g.start()
    g.virsh.run("reboot", "g1")        # the guest is still in its firmware: lost
    g.wait_ready()
    g.virsh.run("shutdown", "g1")
    testguest.wait_marker(str(g.serial), "POWER-BUTTON", BOOT_TIMEOUT)
    g.wait_state("shut off (shutdown)")
    assert wait_calls(virtd, 5) == START + stop_calls("shutdown")
    assert release_env(virtd) == ("shutdown", "guest")
    # one press seen, one boot: had the early press come late, the guest
    # would have been rebooted by it
    assert (g.markers("POWER-BUTTON"), g.markers("READY")) == (1, 1), \
        "the early press was not lost after all"


def test_virsh_reboot_with_on_reboot_destroy_stops(virtd, guest_files, events):
    """on_reboot=destroy: a reboot request stops the guest instead of
    resetting it (libvirt: "Domain on_reboot setting overridden, shutting
    down"), with the detail of any stop caused by on_reboot=destroy."""
    g = Guest(virtd, guest_files, on_reboot="destroy")
    g.start()
    g.wait_ready()
    assert g.virsh.run("reboot", "g1").stdout == "Domain 'g1' is being rebooted\n\n"
    g.wait_state("shut off (shutdown)")
    assert wait_calls(virtd, 5) == START + stop_calls("shutdown")
    assert release_env(virtd) == ("shutdown", "reboot")
    assert g.markers("READY") == 1
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted",
                                    "Shutdown Finished after guest request",
                                    "Stopped Shutdown"))


# ---------------------------------------------------------------------------
# (2) guest-initiated reboot


def test_guest_reboot_on_reboot_restart(virtd, guest_files, events):
    """qemu restarts a rebooting guest itself: no hook, no lifecycle event,
    a reboot event per reboot."""
    g = Guest(virtd, guest_files, action="reboot", on_reboot="restart")
    g.start()
    pid = g.qemu_pid()
    # every boot reboots again: two READY = at least one reboot done in qemu
    g.wait_ready(count=2)
    assert g.state() == "running (booted)"
    assert g.qemu_pid() == pid
    # the destroy below checks the whole hook sequence again
    assert qemu_calls(virtd) == START
    assert g.state() == "running (booted)"
    # every reboot of the loop is a reboot event (RESETs of one reboot merged)
    lines = events.wait(3)
    assert lines[:2] == lifecycle("g1", "Defined Added", "Started Booted")
    assert lines[2:] and set(lines[2:]) == {"event 'reboot' for domain 'g1'"}
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd) == START + stop_calls("destroyed")


def test_guest_reboot_on_reboot_destroy(virtd, guest_files, events):
    """qemu runs with -no-reboot: the reboot is a stop, reason shutdown,
    detail reboot."""
    g = Guest(virtd, guest_files, action="reboot", on_reboot="destroy")
    g.start()
    pid = g.qemu_pid()
    g.wait_state("shut off (shutdown)", timeout=BOOT_TIMEOUT)
    assert wait_calls(virtd, 5) == START + stop_calls("shutdown")
    assert release_env(virtd) == ("shutdown", "reboot")
    stopped = virtd.hook_log.calls()[-2]
    assert (stopped.env.get("VIRTD_HOOK_REASON"), stopped.env.get("VIRTD_HOOK_DETAIL")) == \
        ("shutdown", "reboot")
    assert g.markers("READY") == 1, "the guest did not boot a second time"
    wait_gone(pid, what="qemu")
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted",
                                    "Shutdown Finished after guest request",
                                    "Stopped Shutdown"))
    # qemu's exit is handled too by now: no second stop
    assert qemu_calls(virtd) == START + stop_calls("shutdown")
    assert g.state() == "shut off (shutdown)"


# ---------------------------------------------------------------------------
# (3) suspend / resume


def test_suspend_resume(virtd, guest_files, events):
    g = Guest(virtd, guest_files)
    g.start()
    g.wait_ready()
    p = g.virsh.run("suspend", "g1")
    assert p.stdout == "Domain 'g1' suspended\n\n"
    assert g.state() == "paused (user)"
    assert kv_lines(g.virsh.out("dominfo", "g1"))["State"] == "paused"
    # as with libvirt: a second suspend succeeds and changes nothing (no
    # second event); shutdown of a paused guest is refused (the guest would
    # see the press once resumed)
    assert g.virsh.run("suspend", "g1").returncode == 0
    assert g.state() == "paused (user)"
    p = g.virsh.run("shutdown", "g1", check=False)
    assert (p.returncode, p.stderr) == (1, "error: Failed to shutdown domain 'g1'\n"
                                           "error: Requested operation is not valid: "
                                           "domain is not running\n")
    assert g.state() == "paused (user)"
    p = g.virsh.run("resume", "g1")
    assert p.stdout == "Domain 'g1' resumed\n\n"
    assert g.state() == "running (unpaused)"
    # ... and resume of a running guest is refused
    p = g.virsh.run("resume", "g1", check=False)
    assert (p.returncode, p.stderr) == (1, "error: Failed to resume domain 'g1'\n"
                                           "error: Requested operation is not valid: "
                                           "domain is already running\n")
    assert g.state() == "running (unpaused)"
    assert qemu_calls(virtd) == START
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted",
                                    "Suspended Paused", "Resumed Unpaused"))
    # really running again: it honours the power button
    g.virsh.run("shutdown", "g1")
    g.wait_state("shut off (shutdown)")
    assert wait_calls(virtd, 5) == START + stop_calls("shutdown")


def test_dominfo_cpu_time(virtd, guest_files):
    """A running guest reports the CPU time its QEMU used (as libvirt: user +
    system time of the process), growing while it runs; none once stopped."""
    g = Guest(virtd, guest_files)
    g.start()
    pid = g.qemu_pid()
    libvirt = libvirt_module()
    conn = libvirt.open(g.virsh.uri)
    try:
        dom = conn.lookupByName("g1")
        first = dom.info()[4]
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        own_ns = (int(fields[11]) + int(fields[12])) * 10**9 // os.sysconf("SC_CLK_TCK")
        assert 0 < first <= own_ns, (first, own_ns)
        # the guest boots meanwhile: TCG keeps QEMU busy
        wait_for(lambda: dom.info()[4] > first, what=f"CPU time to grow past {first} ns")
        cpu = kv_lines(g.virsh.out("dominfo", "g1"))["CPU time"]
        assert cpu.endswith("s") and float(cpu[:-1]) > 0, cpu
        g.virsh.run("destroy", "g1")
        assert dom.info()[4] == 0
        assert "CPU time" not in kv_lines(g.virsh.out("dominfo", "g1"))
    finally:
        conn.close()


def test_suspend_survives_virtd_restart(virtd, guest_files):
    """The paused state is in the status file: a restarted virtd knows it."""
    g = Guest(virtd, guest_files)
    g.start()
    g.virsh.run("suspend", "g1")
    assert virtd.stop() == 0
    virtd.start()
    # reconnect runs once virtd serves clients: wait for its hook
    assert wait_calls(virtd, 4) == START + [("reconnect", "begin", "-")]
    assert g.state() == "paused (user)"
    g.virsh.run("resume", "g1")
    assert g.state() == "running (unpaused)"


# ---------------------------------------------------------------------------
# (4) lifecycle events as 'virsh event' prints them (also checked in most tests)


def test_events_start_suspend_resume_shutdown_destroy(virtd, guest_files, events):
    g = Guest(virtd, guest_files)
    g.start()
    g.wait_ready()
    g.virsh.run("suspend", "g1")
    g.virsh.run("resume", "g1")
    g.virsh.run("shutdown", "g1")
    g.wait_state("shut off (shutdown)")
    g.start()
    g.virsh.run("destroy", "g1")
    want = lifecycle("g1", "Defined Added", "Started Booted", "Suspended Paused",
                     "Resumed Unpaused", "Shutdown Finished after guest request",
                     "Stopped Shutdown", "Started Booted",
                     "Shutdown Finished after host request", "Stopped Destroyed")
    expect_events(events, want)
    # --all registered every event ID without an error; nothing else fired
    assert events.close() == ""
    assert events.lines == want + ["event loop interrupted",
                                   f"events received: {len(want) + len(events.synced)}", ""]


def test_events_panic(virtd, guest_files, events):
    g = Guest(virtd, guest_files, "p1", action="panic", extra_devices="<panic model='isa'/>")
    g.start()
    g.wait_state("shut off (crashed)", timeout=BOOT_TIMEOUT)
    expect_events(events, lifecycle("p1", "Defined Added", "Started Booted",
                                    "Crashed Panicked", "Stopped Crashed"))


@pytest.mark.parametrize("sig,reason,detail,state,events_after", [
    # SIGKILL, no SHUTDOWN: as libvirt, 'shut off (crashed)' and Stopped Failed
    (signal.SIGKILL, "crashed", "signal", "shut off (crashed)", ["Stopped Failed"]),
    # SIGTERM, QEMU says SHUTDOWN (host): as libvirt, 'shut off (shutdown)'
    (signal.SIGTERM, "shutdown", "host", "shut off (shutdown)",
     ["Shutdown Finished after host request", "Stopped Shutdown"]),
])
def test_qemu_signalled_outside_virtd(virtd, guest_files, events, sig, reason, detail, state,
                                      events_after):
    """QEMU killed or told to quit by someone else: the stop reason, the
    hooks' reason and detail, the events; the guest starts again normally."""
    g = Guest(virtd, guest_files)
    g.start()
    g.wait_ready()
    os.kill(g.qemu_pid(), sig)
    g.wait_state(state)
    assert wait_calls(virtd, 5) == START + stop_calls(reason)
    rel = virtd.hook_log.calls()[-1]
    assert (rel.env["VIRTD_HOOK_REASON"], rel.env["VIRTD_HOOK_DETAIL"]) == (reason, detail)
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted", *events_after))
    assert list((virtd.run_dir / "qemu").glob("*.xml")) == []
    g.start()
    assert g.state() == "running (booted)"


def test_events_failed_start(virtd_factory, guest_files):
    v = virtd_factory()
    v.install_hook("qemu", body="if [ \"$2\" = prepare ]; then exit 1; fi")
    v.start()
    w = EventWatcher(v)
    try:
        g = Guest(v, guest_files, "bad")
        assert g.start(check=False).returncode == 1
        expect_events(w, lifecycle("bad", "Defined Added", "Stopped Failed"))
    finally:
        w.close()


def test_events_python_client(virtd, guest_files):
    """python3-libvirt with the default event loop gets the same events as
    (event, detail) numbers."""
    libvirt = libvirt_module()
    libvirt.virEventRegisterDefaultImpl()
    conn = libvirt.open(f"qemu+unix:///system?socket={virtd.run_dir / 'virtd-sock'}")
    seen = []
    cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                     lambda c, d, ev, det, op: seen.append((d.name(), ev, det)),
                                     None)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            libvirt.virEventRunDefaultImpl()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        g = Guest(virtd, guest_files, "py1")
        g.start()
        g.virsh.run("destroy", "py1")
        want = [("py1", libvirt.VIR_DOMAIN_EVENT_DEFINED, libvirt.VIR_DOMAIN_EVENT_DEFINED_ADDED),
                ("py1", libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED),
                ("py1", libvirt.VIR_DOMAIN_EVENT_SHUTDOWN,
                 libvirt.VIR_DOMAIN_EVENT_SHUTDOWN_HOST),
                ("py1", libvirt.VIR_DOMAIN_EVENT_STOPPED,
                 libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED)]
        wait_for(lambda: len(seen) >= len(want), STOP_TIMEOUT,
                 lambda: f"{len(want)} lifecycle events, got {seen}")
        assert seen == want
    finally:
        conn.domainEventDeregisterAny(cb)
        stop.set()
        # wake the loop up with a timer so the thread ends
        libvirt.virEventAddTimeout(0, lambda timer, opaque: libvirt.virEventRemoveTimeout(timer),
                                   None)
        t.join(10)
        conn.close()


# ---------------------------------------------------------------------------
# (5) transient domains (createXML)


def test_transient_create_destroy(virtd, guest_files, events):
    libvirt = libvirt_module()
    conn = libvirt.open(f"qemu+unix:///system?socket={virtd.run_dir / 'virtd-sock'}")
    serial = virtd.tmp_dir / "t1.serial"
    try:
        dom = conn.createXML(guest_xml(guest_files, "t1", serial), 0)
        assert dom.name() == "t1"
        assert dom.isActive() == 1 and dom.isPersistent() == 0
        assert dom.ID() == 1
        assert qemu_calls(virtd) == START
        testguest.wait_marker(str(serial), "READY", BOOT_TIMEOUT)
        pid = status_pid(virtd, "t1")
    finally:
        conn.close()
    v = Virsh(virtd)
    assert v.rows("list") == [["1", "t1", "running"]]
    assert v.rows("list", "--all", "--transient") == [["1", "t1", "running"]]
    assert v.rows("list", "--all", "--persistent") == []
    assert kv_lines(v.out("dominfo", "t1"))["Persistent"] == "no"
    assert v.out("domstate", "--reason", "t1").strip() == "running (booted)"
    assert v.run("destroy", "t1").stdout == "Domain 't1' destroyed\n\n"
    assert qemu_calls(virtd) == START + stop_calls("destroyed")
    assert v.rows("list", "--all") == []
    p = v.run("domstate", "t1", check=False)
    assert (p.returncode, p.stderr) == (1, "error: failed to get domain 't1'\n")
    wait_gone(pid, what="qemu")
    assert list((virtd.run_dir / "qemu").glob("t1.*")) == []
    expect_events(events, lifecycle("t1", "Started Booted",
                                    "Shutdown Finished after host request",
                                    "Stopped Destroyed"))


def test_transient_guest_poweroff_disappears(virtd, guest_files):
    v = Virsh(virtd)
    xml = virtd.tmp_dir / "t2.xml"
    xml.write_text(guest_xml(guest_files, "t2", virtd.tmp_dir / "t2.serial", action="poweroff"))
    p = v.run("create", str(xml))
    assert p.stdout == f"Domain 't2' created from {xml}\n\n"
    assert wait_calls(virtd, 5, timeout=BOOT_TIMEOUT) == START + stop_calls("shutdown")
    wait_for(lambda: v.rows("list", "--all") == [], what="the transient domain to go",
             interval=0.1)


def test_transient_name_clash(virtd, guest_files):
    """createXML of a defined domain's name (another uuid): refused before
    any hook."""
    g = Guest(virtd, guest_files, "dup")
    uuid = g.virsh.out("domuuid", "dup").strip()
    libvirt = libvirt_module()
    conn = libvirt.open(f"qemu+unix:///system?socket={virtd.run_dir / 'virtd-sock'}")
    try:
        with pytest.raises(libvirt.libvirtError) as e:
            conn.createXML(guest_xml(guest_files, "dup", virtd.tmp_dir / "x.serial"), 0)
        assert (e.value.get_error_code(), str(e.value)) == \
            (libvirt.VIR_ERR_OPERATION_FAILED,
             f"operation failed: domain 'dup' already exists with uuid {uuid}")
    finally:
        conn.close()
    assert qemu_calls(virtd) == []


def test_transient_survives_virtd_restart(virtd, guest_files):
    """A transient guest is taken back from its status file."""
    libvirt = libvirt_module()
    conn = libvirt.open(f"qemu+unix:///system?socket={virtd.run_dir / 'virtd-sock'}")
    try:
        conn.createXML(guest_xml(guest_files, "t4", virtd.tmp_dir / "t4.serial"), 0)
    finally:
        conn.close()
    pid = status_pid(virtd, "t4")
    assert virtd.stop() == 0
    virtd.start()
    assert wait_calls(virtd, 4) == START + [("reconnect", "begin", "-")]
    v = Virsh(virtd)
    assert v.rows("list", "--all", "--transient") == [["1", "t4", "running"]]
    assert kv_lines(v.out("dominfo", "t4"))["Persistent"] == "no"
    assert status_pid(virtd, "t4") == pid
    v.run("destroy", "t4")
    assert qemu_calls(virtd) == START + [("reconnect", "begin", "-")] + \
        stop_calls("destroyed")
    assert v.rows("list", "--all") == []
    wait_gone(pid, what="qemu")


def test_transient_failed_start_leaves_nothing(virtd_factory, guest_files):
    """createXML whose prepare hook fails: the error, stopped/release
    failed, no domain left, and the name is free again."""
    v = virtd_factory()
    v.install_hook("qemu", body="if [ \"$2\" = prepare ]; then echo no >&2; exit 1; fi")
    v.start()
    w = EventWatcher(v)
    libvirt = libvirt_module()
    conn = libvirt.open(f"qemu+unix:///system?socket={v.run_dir / 'virtd-sock'}")
    try:
        with pytest.raises(libvirt.libvirtError) as e:
            conn.createXML(guest_xml(guest_files, "t5", v.tmp_dir / "t5.serial"), 0)
        assert str(e.value) == ("Hook script execution failed: "
                                f"hook script '{v.hook_path('qemu')}' failed (exit status 1): no")
        assert qemu_calls(v) == [("prepare", "begin", "-")] + stop_calls("failed")
        assert conn.listAllDomains(0) == []
        expect_events(w, lifecycle("t5", "Stopped Failed"))
        Guest(v, guest_files, "t5")
        assert [d.name() for d in conn.listAllDomains(0)] == ["t5"]
    finally:
        conn.close()
        w.close()


# ---------------------------------------------------------------------------
# (6) undefine while running


def test_undefine_running_domain_becomes_transient(virtd, guest_files, events):
    g = Guest(virtd, guest_files)
    g.start()
    pid = g.qemu_pid()
    conf = virtd.conf_dir / "qemu" / "g1.xml"
    assert conf.exists()
    p = g.virsh.run("undefine", "g1")
    assert p.stdout == "Domain 'g1' has been undefined\n\n"
    assert not conf.exists()
    info = kv_lines(g.virsh.out("dominfo", "g1"))
    assert (info["State"], info["Persistent"]) == ("running", "no")
    assert g.state() == "running (booted)"
    assert g.virsh.rows("list", "--all", "--transient") == [["1", "g1", "running"]]
    assert g.qemu_pid() == pid
    assert qemu_calls(virtd) == START
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd) == START + stop_calls("destroyed")
    assert g.virsh.rows("list", "--all") == []
    wait_gone(pid, what="qemu")
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted",
                                    "Undefined Removed",
                                    "Shutdown Finished after host request",
                                    "Stopped Destroyed"))


def test_redefine_while_running_applies_at_next_start(virtd, guest_files):
    """A definition changed while the guest runs: the live XML keeps the
    old one, the next start uses the new one."""
    g = Guest(virtd, guest_files)
    g.start()
    new = guest_xml(guest_files, "g1", g.serial, action="poweroff")
    uuid = g.virsh.out("domuuid", "g1").strip()
    new = new.replace("<name>g1</name>", f"<name>g1</name>\n  <uuid>{uuid}</uuid>")
    assert g.virsh.define_file("dom", "g1-new", new).returncode == 0
    assert "test.action=run" in g.virsh.out("dumpxml", "g1")
    assert "test.action=poweroff" in g.virsh.out("dumpxml", "--inactive", "g1")
    g.virsh.run("destroy", "g1")
    assert "test.action=poweroff" in g.virsh.out("dumpxml", "g1")
    g.start()
    g.wait_state("shut off (shutdown)", timeout=BOOT_TIMEOUT)
    assert wait_calls(virtd, 10) == START + stop_calls("destroyed") + START + \
        stop_calls("shutdown")


# ---------------------------------------------------------------------------
# (7) on_crash restart / preserve


def test_panic_on_crash_restart(virtd, guest_files, events):
    """on_crash=restart is a full stop then a start.  The definition is
    changed (action=run) while the first qemu runs, so the restarted guest
    boots with it and stays up: the restart uses the persistent definition."""
    g = Guest(virtd, guest_files, action="panic", extra_devices="<panic model='isa'/>",
              on_crash="restart", cmdline_extra="test.delay=2")
    g.start()
    pid = g.qemu_pid()
    uuid = g.virsh.out("domuuid", "g1").strip()
    calm = guest_xml(guest_files, "g1", g.serial, extra_devices="<panic model='isa'/>",
                     on_crash="restart", uuid=uuid)
    assert g.virsh.define_file("dom", "g1-calm", calm).returncode == 0
    assert wait_calls(virtd, 8, timeout=BOOT_TIMEOUT) == START + stop_calls("crashed") + START
    calls = virtd.hook_log.calls()
    for c in calls[3:5]:
        assert (c.env["VIRTD_HOOK_REASON"], c.env["VIRTD_HOOK_DETAIL"]) == \
            ("crashed", "panicked"), c
    # a new domain id for the new qemu; none once stopped
    assert [c.env.get("VIRTD_HOOK_ID") for c in calls] == ["1"] * 3 + [None] * 2 + ["2"] * 3
    wait_gone(pid, what="qemu")
    assert g.state() == "running (booted)"
    assert g.qemu_pid() != pid
    g.wait_ready(count=2)
    readies = [rest for n, rest in testguest.read_markers(str(g.serial)) if n == "READY"]
    assert [r.rsplit(" ", 1)[0] for r in readies] == ["action=panic delay=2",
                                                       "action=run delay=0"]
    # the destroy below checks the whole hook sequence again
    assert qemu_calls(virtd) == START + stop_calls("crashed") + START
    assert g.state() == "running (booted)"
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd) == START + stop_calls("crashed") + START + stop_calls("destroyed")
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted", "Defined Updated",
                                    "Crashed Panicked", "Stopped Crashed", "Started Booted",
                                    "Shutdown Finished after host request",
                                    "Stopped Destroyed"))


def test_panic_on_crash_preserve(virtd, guest_files, events):
    """The crashed guest is kept (paused in qemu): no stop, no hook."""
    g = Guest(virtd, guest_files, action="panic", extra_devices="<panic model='isa'/>",
              on_crash="preserve")
    g.start()
    pid = g.qemu_pid()
    g.wait_state("crashed (panicked)", timeout=BOOT_TIMEOUT)
    assert kv_lines(g.virsh.out("dominfo", "g1"))["State"] == "crashed"
    # the destroy below checks the whole hook sequence again
    assert qemu_calls(virtd) == START
    assert g.state() == "crashed (panicked)"
    assert g.qemu_pid() == pid
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted",
                                    "Crashed Panicked"))
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd) == START + stop_calls("destroyed")
    assert g.state() == "shut off (destroyed)"
    wait_gone(pid, what="qemu")


def test_panic_preserved_survives_virtd_restart(virtd, guest_files):
    """A crashed guest kept by on_crash=preserve is still a running qemu:
    a restarted virtd takes it back (reconnect hook) and keeps it crashed."""
    g = Guest(virtd, guest_files, action="panic", extra_devices="<panic model='isa'/>",
              on_crash="preserve")
    g.start()
    pid = g.qemu_pid()
    g.wait_state("crashed (panicked)", timeout=BOOT_TIMEOUT)
    assert virtd.stop() == 0
    virtd.start()
    assert wait_calls(virtd, 4) == START + [("reconnect", "begin", "-")]
    assert g.state() == "crashed (panicked)"
    assert g.qemu_pid() == pid
    # the destroy, a job after the reconnect's: nothing came in between
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd) == START + [("reconnect", "begin", "-")] + stop_calls("destroyed")


def test_transient_panic_on_crash_restart(virtd, guest_files, events):
    """A transient domain restarted after a crash is still a domain of
    virtd: listed, running, and destroyable (it used to vanish from the
    domain table while its new qemu ran)."""
    libvirt = libvirt_module()
    conn = libvirt.open(f"qemu+unix:///system?socket={virtd.run_dir / 'virtd-sock'}")
    serial = virtd.tmp_dir / "t3.serial"
    try:
        conn.createXML(guest_xml(guest_files, "t3", serial, action="panic",
                                 extra_devices="<panic model='isa'/>", on_crash="restart",
                                 cmdline_extra="test.delay=1"), 0)
    finally:
        conn.close()
    assert wait_calls(virtd, 8, timeout=BOOT_TIMEOUT)[:8] == \
        START + stop_calls("crashed") + START
    v = Virsh(virtd)
    assert v.rows("list", "--all") == [["2", "t3", "running"]]
    assert v.out("domstate", "--reason", "t3").strip() == "running (booted)"
    v.run("destroy", "t3")
    assert qemu_calls(virtd)[-2:] == stop_calls("destroyed")
    assert v.rows("list", "--all") == []
    assert list((virtd.run_dir / "qemu").glob("*.xml")) == []
    expect_events(events, lifecycle("t3", "Started Booted", "Crashed Panicked",
                                    "Stopped Crashed", "Started Booted",
                                    "Shutdown Finished after host request",
                                    "Stopped Destroyed"))


def test_guest_poweroff_on_poweroff_restart(virtd, guest_files, events):
    """on_poweroff=restart: a full stop (reason shutdown, detail guest) then
    a start, with the definition current at that time (action=run here)."""
    g = Guest(virtd, guest_files, action="poweroff", on_poweroff="restart",
              cmdline_extra="test.delay=2")
    g.start()
    uuid = g.virsh.out("domuuid", "g1").strip()
    calm = guest_xml(guest_files, "g1", g.serial, on_poweroff="restart", uuid=uuid)
    assert g.virsh.define_file("dom", "g1-calm", calm).returncode == 0
    assert wait_calls(virtd, 8, timeout=BOOT_TIMEOUT) == START + stop_calls("shutdown") + START
    assert release_env_at(virtd, 4) == ("shutdown", "guest")
    assert g.state() == "running (booted)"
    g.wait_ready(count=2)
    # the destroy, a job after the restart: nothing came in between
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd) == START + stop_calls("shutdown") + START + stop_calls("destroyed")
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted", "Defined Updated",
                                    "Shutdown Finished after guest request",
                                    "Stopped Shutdown", "Started Booted",
                                    "Shutdown Finished after host request",
                                    "Stopped Destroyed"))


# ---------------------------------------------------------------------------
# (8) watchdog


def test_watchdog_poweroff(virtd, guest_files, events):
    """qemu exits on its own (WATCHDOG event, no SHUTDOWN).  virtd reports
    it as qemu_process.c's stopWatchdog: reason 'crashed', detail
    'watchdog', state 'shut off (crashed)', event 'Stopped Crashed'
    (libvirt 9.0 says 'Stopped Failed' for any qemu exit without SHUTDOWN)."""
    g = Guest(virtd, guest_files, action="watchdog",
              extra_devices="<watchdog model='i6300esb' action='poweroff'/>")
    g.start()
    pid = g.qemu_pid()
    testguest.wait_marker(str(g.serial), "WATCHDOG-ARMED", BOOT_TIMEOUT)
    g.wait_state("shut off (crashed)")
    # qemu_process.c: a watchdog poweroff is reason 'crashed', detail 'watchdog'
    assert wait_calls(virtd, 5) == START + stop_calls("crashed")
    assert release_env(virtd) == ("crashed", "watchdog")
    stopped = virtd.hook_log.calls()[-2]
    assert (stopped.env["VIRTD_HOOK_REASON"], stopped.env["VIRTD_HOOK_DETAIL"]) == \
        ("crashed", "watchdog")
    wait_gone(pid, what="qemu")
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted") +
                  ["event 'watchdog' for domain 'g1': poweroff"] +
                  lifecycle("g1", "Stopped Crashed"))


def test_watchdog_pause(virtd, guest_files, events):
    g = Guest(virtd, guest_files, action="watchdog",
              extra_devices="<watchdog model='i6300esb' action='pause'/>")
    g.start()
    testguest.wait_marker(str(g.serial), "WATCHDOG-ARMED", BOOT_TIMEOUT)
    g.wait_state("paused (watchdog)")    # the watchdog fires 1 s after WATCHDOG-ARMED
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted") +
                  ["event 'watchdog' for domain 'g1': pause"] +
                  lifecycle("g1", "Suspended Watchdog"))
    # the destroy, a job after anything the watchdog caused: no stop before it
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd) == START + stop_calls("destroyed")


# ---------------------------------------------------------------------------
# (9) virsh reset


def test_virsh_reset(virtd, guest_files, events):
    """system_reset: the guest boots again in the same qemu, no power button."""
    g = Guest(virtd, guest_files)
    g.start()
    pid = g.qemu_pid()
    g.wait_ready()
    p = g.virsh.run("reset", "g1")
    assert p.stdout == "Domain 'g1' was reset\n\n"
    g.wait_ready(count=2)
    assert g.markers("INIT") == 2
    assert g.markers("POWER-BUTTON") == 0
    assert g.qemu_pid() == pid
    assert g.state() == "running (booted)"
    # the destroy below checks the whole hook sequence again
    assert qemu_calls(virtd) == START
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted") +
                  ["event 'reboot' for domain 'g1'"])
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd) == START + stop_calls("destroyed")


# ---------------------------------------------------------------------------
# (10) destroy --graceful


def test_destroy_graceful(virtd, guest_files, events):
    """SIGTERM only (no SIGKILL); otherwise a destroy like any other."""
    g = Guest(virtd, guest_files)
    g.start()
    pid = g.qemu_pid()
    g.wait_ready()
    p = g.virsh.run("destroy", "--graceful", "g1")
    assert p.stdout == "Domain 'g1' destroyed\n\n"
    assert g.state() == "shut off (destroyed)"
    assert qemu_calls(virtd) == START + stop_calls("destroyed")
    assert release_env(virtd) == ("destroyed", "host")
    wait_gone(pid, what="qemu")
    log = (virtd.state_dir / "qemu" / "log" / "g1.log").read_text()
    assert "terminating on signal 15" in log, "SIGTERM, not SIGKILL"
    expect_events(events, lifecycle("g1", "Defined Added", "Started Booted",
                                    "Shutdown Finished after host request",
                                    "Stopped Destroyed"))


# ---------------------------------------------------------------------------
# (11) bridge interfaces and their taps


def netns_links(virtd):
    out = subprocess.run(["nsenter", "-t", str(virtd.pid), "-n", "ip", "-j", "link", "show"],
                         check=True, capture_output=True, text=True).stdout
    return {link["ifname"]: link for link in json.loads(out)}


def netns_ip(virtd, *args):
    subprocess.run(["nsenter", "-t", str(virtd.pid), "-n", "ip", *args], check=True,
                   capture_output=True, text=True)


def save_stdin_hook(virtd):
    """A qemu.d hook that keeps the stdin of each call as <op>.xml."""
    d = virtd.tmp_dir / "stdin"
    d.mkdir(exist_ok=True)
    write_script(virtd.hook_path("qemu", "10-stdin"),
                 f"#!/bin/sh\ncat > {d}/\"$2\".xml\n")
    return d


BRIDGE_NIC = """<interface type='bridge'>
      <source bridge='br-test'/>
      <mac address='52:54:00:aa:bb:cc'/>{target}
      <model type='virtio'/>
    </interface>"""


@pytest.mark.parametrize("target,tap", [("", "vnet0"), ("mytap0", "mytap0")])
def test_bridge_interface_tap(virtd, guest_files, target, tap):
    netns_ip(virtd, "link", "add", "br-test", "type", "bridge")
    netns_ip(virtd, "link", "set", "br-test", "up")
    stdin = save_stdin_hook(virtd)
    nic = BRIDGE_NIC.format(target=f"\n      <target dev='{target}'/>" if target else "")
    g = Guest(virtd, guest_files, extra_devices=nic)
    g.start()
    assert qemu_calls(virtd) == START
    prepare = (stdin / "prepare.xml").read_text()
    start = (stdin / "start.xml").read_text()
    assert f"<target dev='{tap}'/>" in start
    assert "<mac address='52:54:00:aa:bb:cc'/>" in start
    if not target:
        assert "<target dev=" not in prepare, "no tap yet at prepare"
    assert f"<target dev='{tap}'/>" in g.virsh.out("dumpxml", "g1")
    links = netns_links(virtd)
    assert tap in links, links.keys()
    assert links[tap]["address"] == "fe:54:00:aa:bb:cc"
    assert links[tap].get("master") == "br-test"
    assert "UP" in links[tap]["flags"]
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd) == START + stop_calls("destroyed")
    wait_for(lambda: tap not in netns_links(virtd), what=f"the tap {tap} to go", interval=0.1)
    inactive = g.virsh.out("dumpxml", "g1")
    if target:
        assert f"<target dev='{tap}'/>" in inactive
    else:
        assert "<target dev=" not in inactive, "vnetN is not kept in the definition"


def test_bridge_missing_fails_start(virtd, guest_files):
    g = Guest(virtd, guest_files, extra_devices=BRIDGE_NIC.format(target=""))
    p = g.start(check=False)
    assert p.returncode == 1
    assert "br-test" in p.stderr
    assert qemu_calls(virtd) == [("prepare", "begin", "-")] + stop_calls("failed")
    assert g.state() == "shut off (failed)"
    assert [n for n in netns_links(virtd) if n.startswith("vnet")] == []


def test_sigkill_of_virtd_during_start_hook_leaks_no_tap(virtd_factory, guest_files):
    """The tap exists when the start hook runs; virtd killed then: the tap
    goes with virtd (the hook script does not hold it), no qemu was started,
    and the restarted virtd reports the start as failed."""
    v = virtd_factory()
    hook = HangingHook(v, "start")
    v.start()
    netns_ip(v, "link", "add", "br-test", "type", "bridge")
    netns_ip(v, "link", "set", "br-test", "up")
    g = Guest(v, guest_files, extra_devices=BRIDGE_NIC.format(target=""))
    uuid = g.virsh.out("domuuid", "g1").strip()
    hook.start_guest(g)
    assert netns_links(v)["vnet0"].get("master") == "br-test", "tap ready before 'start'"
    # keep virtd's network namespace alive past its death, to look inside
    ns = os.open(f"/proc/{v.pid}/ns/net", os.O_RDONLY)
    try:
        hook.kill_virtd(v)
        links_cmd = ["nsenter", f"--net=/proc/{os.getpid()}/fd/{ns}", "ip", "-j", "link",
                     "show"]
        def names():
            out = subprocess.run(links_cmd, check=True, capture_output=True, text=True).stdout
            return [link["ifname"] for link in json.loads(out)]
        wait_for(lambda: "vnet0" not in names(), what="the tap to go with virtd (it outlived it)",
                 interval=0.1)
        assert "br-test" in names()
        assert pgid_members(hook.pgid), "the hook script still runs: it did not hold the tap"
    finally:
        os.close(ns)
        hook.kill()
    assert qemu_pids_of(uuid) == [], "no qemu was started"
    v.start()
    assert wait_calls(v, 4) == START[:2] + stop_calls("failed")
    assert g.state() == "shut off (failed)"


# ---------------------------------------------------------------------------
# (12) errors


def test_start_already_running(virtd, guest_files):
    g = Guest(virtd, guest_files)
    g.start()
    p = g.start(check=False)
    assert (p.returncode, p.stderr) == (1, "error: Domain is already active\n")
    # the daemon's own check, past virsh's
    libvirt = libvirt_module()
    conn = libvirt.open(g.virsh.uri)
    try:
        with pytest.raises(libvirt.libvirtError) as e:
            conn.lookupByName("g1").create()
        assert (e.value.get_error_code(), e.value.get_error_domain(), str(e.value)) == \
            (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_QEMU,
             "Requested operation is not valid: domain is already running")
    finally:
        conn.close()
    assert qemu_calls(virtd) == START
    assert g.state() == "running (booted)"


def test_destroy_not_running(virtd, guest_files):
    g = Guest(virtd, guest_files)
    p = g.virsh.run("destroy", "g1", check=False)
    assert p.returncode == 1
    # libvirt's exact words, prefix included
    assert p.stderr == ("error: Failed to destroy domain 'g1'\n"
                        "error: Requested operation is not valid: domain is not running\n")
    for cmd, what in (("shutdown", "Failed to shutdown domain 'g1'"),
                      ("reboot", "Failed to reboot domain 'g1'"),
                      ("reset", "Failed to reset domain 'g1'"),
                      ("suspend", "Failed to suspend domain 'g1'"),
                      ("resume", "Failed to resume domain 'g1'")):
        p = g.virsh.run(cmd, "g1", check=False)
        assert (p.returncode, p.stderr) == \
            (1, f"error: {what}\nerror: Requested operation is not valid: "
                f"domain is not running\n"), cmd
    assert qemu_calls(virtd) == []
    assert g.state() == "shut off (unknown)"


EMULATOR_LINE = "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"


def test_default_emulator_from_config(virtd_factory, guest_files):
    """A definition without <emulator> runs [qemu] emulator."""
    v = virtd_factory()
    marker = v.tmp_dir / "wrapper-ran"
    wrapper = v.tmp_dir / "qemu-wrapper"
    write_script(wrapper, f"#!/bin/sh\necho \"$$\" > {marker}\n"
                          f"exec /usr/bin/qemu-system-x86_64 \"$@\"\n")
    v.write_config(extra=f"[qemu]\nemulator = {wrapper}\n")
    v.install_hook("qemu")
    v.start()
    xml = guest_xml(guest_files, "g1", v.tmp_dir / "g1.serial")
    assert EMULATOR_LINE in xml
    virsh = Virsh(v)
    p = virsh.define_file("dom", "g1", xml.replace(EMULATOR_LINE, ""))
    assert p.returncode == 0, p.stderr
    virsh.run("start", "g1")
    assert marker.exists(), "the configured emulator was not used"
    assert int(marker.read_text()) == status_pid(v, "g1"), "exec'd in place: the same process"
    assert qemu_calls(v) == START


def test_missing_emulator_fails_start(virtd, guest_files):
    virsh = Virsh(virtd)
    xml = guest_xml(guest_files, "g1", virtd.tmp_dir / "g1.serial")
    p = virsh.define_file("dom", "g1", xml.replace(
        EMULATOR_LINE, "    <emulator>/nonexistent/qemu-system-x86_64</emulator>\n"))
    assert p.returncode == 0, p.stderr
    p = virsh.run("start", "g1", check=False)
    assert p.returncode == 1
    assert p.stderr == ("error: Failed to start domain 'g1'\n"
                        "error: operation failed: cannot start qemu: cannot execute "
                        "'/nonexistent/qemu-system-x86_64': No such file or directory\n")
    assert qemu_calls(virtd) == START[:2] + stop_calls("failed")
    assert kv_lines(virsh.out("dominfo", "g1"))["State"] == "shut off"


def test_start_undefined(virtd):
    v = Virsh(virtd)
    p = v.run("start", "nosuch", check=False)
    assert p.returncode == 1
    assert p.stderr == "error: failed to get domain 'nosuch'\n"
    assert qemu_calls(virtd) == []


def test_start_on_readonly_socket_denied(virtd, guest_files):
    g = Guest(virtd, guest_files)
    ro = Virsh(virtd, readonly=True)
    p = ro.run("start", "g1", check=False)
    assert p.returncode == 1
    assert p.stderr == ("error: Failed to start domain 'g1'\n"
                        "error: operation forbidden: read only access prevents "
                        "virDomainCreate\n")
    assert qemu_calls(virtd) == []
    assert g.state() == "shut off (unknown)"
    g.start()
    for cmd in (("destroy", "g1"), ("suspend", "g1"), ("reboot", "g1")):
        p = ro.run(*cmd, check=False)
        assert p.returncode == 1 and "operation forbidden" in p.stderr, (cmd, p.stderr)
    assert g.state() == "running (booted)"
    assert qemu_calls(virtd) == START


def test_hook_failure_error_code(virtd_factory, guest_files):
    v = virtd_factory()
    v.install_hook("qemu", body="if [ \"$2\" = prepare ]; then exit 1; fi")
    v.start()
    Guest(v, guest_files, "hf")
    libvirt = libvirt_module()
    conn = libvirt.open(f"qemu+unix:///system?socket={v.run_dir / 'virtd-sock'}")
    try:
        with pytest.raises(libvirt.libvirtError) as e:
            conn.lookupByName("hf").create()
        assert str(e.value) == ("Hook script execution failed: hook script "
                                f"'{v.hook_path('qemu')}' failed (exit status 1): no error output")
        assert e.value.get_error_code() == libvirt.VIR_ERR_HOOK_SCRIPT_FAILED
    finally:
        conn.close()

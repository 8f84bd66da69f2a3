"""Real guests across virtd restarts: ignored ACPI shutdown, autostart,
daemon hooks around reconnect, reconnect hook failures.

Each test boots the tiny test guest (tests/guest, TCG) through the real
virsh and asserts the exact hook argv sequence it expects, as
reference/hooks-contract.md ("daemon" and "qemu" tables, "Full sequences")
describes it.  Daemon and qemu hooks log to the same file, so their
relative order is checked too.
"""

import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest

from conftest import pid_gone, wait_for, wait_gone, write_script
from qemuutil import (BOOT_TIMEOUT, START, Guest, HangingHook, guest_files_fixture,  # noqa: F401
                      guest_xml, kill_factory_guests_fixture, qemu_calls, qemu_pids_of,
                      requires_qemu, status_pid, stop_calls, virtd_fixture, wait_calls)
from rpcutil import libvirt_module
from virshutil import Virsh

pytestmark = requires_qemu

DAEMON_START = ("daemon", "-", "start", "-", "start")
DAEMON_SHUTDOWN = ("daemon", "-", "shutdown", "-", "shutdown")
RECONNECT = ("reconnect", "begin", "-")

# How long a guest that ignores the power button must stay running.
IGNORED_SHUTDOWN_WAIT = 5

FAIL_RECONNECT = ('if [ "$2" = reconnect ]; then echo "reconnect refused by hook" >&2; '
                  'exit 1; fi')


def all_calls(v):
    """(driver, $1, $2, $3, $4) of every daemon and qemu hook call, in order;
    the driver is the name of the script (argv[0] = <hooks>/<driver>)."""
    return [(Path(c.script).name, *c.args) for c in v.hook_log.calls()]


def qemu(name, *call):
    """One qemu hook call of domain @name as all_calls() records it."""
    return ("qemu", name, *call)


def virtd_with_hooks(virtd_factory, qemu_body="", **kwargs):
    """A virtd (not started) with a logging daemon hook and a logging qemu
    hook (running @qemu_body), both writing to its hook log."""
    v = virtd_factory(**kwargs)
    v.install_hook("daemon")
    v.install_hook("qemu", body=qemu_body)
    return v


def test_acpi_shutdown_ignored_stays_running(virtd, guest_files):
    """virsh shutdown only asks: a guest that does not watch its power
    button keeps running, no stop hook runs; destroy then ends it."""
    g = Guest(virtd, guest_files, action="hang")
    g.start()
    g.wait_ready()
    pid = g.qemu_pid()
    assert qemu_calls(virtd) == START

    p = g.virsh.run("shutdown", "g1")
    assert p.returncode == 0
    assert p.stdout.strip() == "Domain 'g1' is being shutdown"

    time.sleep(IGNORED_SHUTDOWN_WAIT)
    assert g.state() == "running (booted)"
    assert g.markers("POWER-BUTTON") == 0
    assert qemu_calls(virtd) == START, "no stopped/release hook for an ignored shutdown"
    assert g.qemu_pid() == pid
    os.kill(pid, 0)

    assert g.virsh.run("destroy", "g1").stdout.strip() == "Domain 'g1' destroyed"
    assert g.state() == "shut off (destroyed)"
    assert qemu_calls(virtd) == START + stop_calls("destroyed")
    rel = virtd.hook_log.calls()[-1]
    assert (rel.env["VIRTD_HOOK_REASON"], rel.env["VIRTD_HOOK_DETAIL"]) == ("destroyed", "host")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not (virtd.run_dir / "qemu" / "g1.xml").exists()


def test_autostart_starts_guest_after_daemon_start(virtd_factory, guest_files):
    v = virtd_with_hooks(virtd_factory)
    v.start()
    g = Guest(v, guest_files)
    assert g.virsh.run("autostart", "g1").stdout.strip() == "Domain 'g1' marked as autostarted"
    assert "Autostart:      enable" in g.virsh.out("dominfo", "g1")
    assert g.state() == "shut off (unknown)"  # defined, never started (as libvirt)
    assert v.stop() == 0
    assert all_calls(v) == [DAEMON_START, DAEMON_SHUTDOWN]

    v.start()
    assert wait_calls(v, 3) == START
    assert all_calls(v) == [DAEMON_START, DAEMON_SHUTDOWN, DAEMON_START] + \
        [qemu("g1", *c) for c in START]
    assert g.state() == "running (booted)"
    g.wait_ready()
    started = v.hook_log.calls()[-1]
    assert started.env["VIRTD_HOOK_PID"] == str(g.qemu_pid())
    assert "VIRTD_HOOK_RECONNECT" not in started.env

    g.virsh.run("destroy", "g1")
    assert qemu_calls(v) == START + stop_calls("destroyed")


def test_daemon_start_runs_before_reconnect(virtd_factory, guest_files):
    v = virtd_with_hooks(virtd_factory)
    v.start()
    g = Guest(v, guest_files)
    g.start()
    g.wait_ready()
    pid = g.qemu_pid()

    assert v.stop() == 0
    os.kill(pid, 0)  # still running without virtd
    v.start()
    assert wait_calls(v, 4) == START + [RECONNECT]
    assert all_calls(v) == [DAEMON_START] + [qemu("g1", *c) for c in START] + \
        [DAEMON_SHUTDOWN, DAEMON_START, qemu("g1", *RECONNECT)]
    rec = v.hook_log.calls()[-1]
    assert rec.env["VIRTD_HOOK_RECONNECT"] == "1"
    assert rec.env["VIRTD_HOOK_PID"] == str(pid)
    assert g.state() == "running (booted)"
    assert g.qemu_pid() == pid

    g.virsh.run("destroy", "g1")
    assert qemu_calls(v) == START + [RECONNECT] + stop_calls("destroyed")


def test_reconnect_hook_failure_keep(virtd_factory, guest_files):
    """Default reconnect_failure = keep: the guest stays, a warning says why."""
    v = virtd_with_hooks(virtd_factory, FAIL_RECONNECT)
    v.start()
    g = Guest(v, guest_files)
    g.start()
    g.wait_ready()
    pid = g.qemu_pid()

    assert v.stop() == 0
    v.start()
    assert wait_calls(v, 4) == START + [RECONNECT]
    m = v.wait_for_log(r"(?m)^.*reconnect hook failed, keeping domain 'g1': (.*)$")
    assert re.search(r"\bwarning\b", m.group(0), re.I), m.group(0)
    assert f"hook script '{v.hook_path('qemu')}' failed (exit status 1)" in m.group(1), \
        m.group(0)
    assert "reconnect refused by hook" in m.group(1), m.group(0)
    assert "killing domain" not in v.log_text()

    assert g.state() == "running (booted)"
    assert g.qemu_pid() == pid
    os.kill(pid, 0)
    # the warning comes once the reconnect decided to keep the guest; the
    # destroy below, a job after the reconnect's, checks the whole sequence
    assert qemu_calls(v) == START + [RECONNECT], "no stopped/release for a kept guest"
    assert all_calls(v) == [DAEMON_START] + [qemu("g1", *c) for c in START] + \
        [DAEMON_SHUTDOWN, DAEMON_START, qemu("g1", *RECONNECT)]

    # still managed: destroy works and runs the stop hooks
    assert g.virsh.run("destroy", "g1").stdout.strip() == "Domain 'g1' destroyed"
    assert qemu_calls(v) == START + [RECONNECT] + stop_calls("destroyed")
    assert pid_gone(pid), "qemu still running after destroy"


def test_reconnect_hook_failure_kill(virtd_factory, guest_files):
    """reconnect_failure = kill (libvirt's behaviour): the guest is killed
    with reason 'daemon'."""
    v = virtd_with_hooks(virtd_factory, FAIL_RECONNECT,
                         hooks_config={"reconnect_failure": "kill"})
    v.start()
    g = Guest(v, guest_files)
    uuid = g.virsh.out("domuuid", "g1").strip()
    g.start()
    g.wait_ready()
    pid = g.qemu_pid()
    status = v.run_dir / "qemu" / "g1.xml"
    assert status.exists()

    assert v.stop() == 0
    os.kill(pid, 0)
    v.start()
    assert wait_calls(v, 6) == START + [RECONNECT] + stop_calls("daemon")
    assert all_calls(v) == [DAEMON_START] + [qemu("g1", *c) for c in START] + \
        [DAEMON_SHUTDOWN, DAEMON_START, qemu("g1", *RECONNECT)] + \
        [qemu("g1", *c) for c in stop_calls("daemon")]
    rel = v.hook_log.calls()[-1]
    assert rel.env["VIRTD_HOOK_REASON"] == "daemon"

    m = v.wait_for_log(r"(?m)^.*reconnect hook failed, killing domain 'g1': (.*)$")
    assert "reconnect refused by hook" in m.group(1), m.group(0)

    g.wait_state("shut off (daemon)")
    wait_gone(lambda: qemu_pids_of(uuid), BOOT_TIMEOUT, "the guest's qemu")
    assert not status.exists(), "status file left behind"
    assert "keeping domain" not in v.log_text()


def test_reconnect_hook_calls_virsh(virtd_factory, guest_files):
    """virtd listens before the reconnect hooks run: a reconnect hook can ask
    virtd about its own guest, and may change another guest (started here)."""
    v = virtd_factory()
    sock = v.run_dir / "virtd-sock"
    out = v.tmp_dir / "reconnect-virsh.out"
    uri = f"qemu+unix:///system?socket={sock}"
    body = (f"if [ \"$2\" = reconnect ]; then\n"
            f"  virsh -c '{uri}' domstate --reason \"$1\" > {out} 2>&1\n"
            f"  virsh -c '{uri}' start other >> {out} 2>&1\n"
            f"fi")
    v.install_hook("qemu", body=body)
    v.start()
    g = Guest(v, guest_files)
    other = Guest(v, guest_files, "other")
    g.start()
    pid = g.qemu_pid()
    assert v.stop() == 0
    t0 = time.monotonic()
    v.start()
    wait_calls(v, 7)
    assert time.monotonic() - t0 < 30, "the hook's virsh calls did not hang"
    calls = [tuple(c.args[:2]) for c in v.hook_log.calls()]
    assert calls == [("g1", op) for op in ("prepare", "start", "started", "reconnect")] + \
        [("other", op) for op in ("prepare", "start", "started")], calls
    assert out.read_text().split("\n")[:3] == ["running (booted)", "",
                                               "Domain 'other' started"], out.read_text()
    assert g.qemu_pid() == pid
    assert other.state() == "running (booted)"


def test_guest_not_yet_reconnected_is_not_started_twice(virtd_factory, guest_files):
    """Right after a restart, before its reconnect: the guest is listed as
    running, and a start of it waits for the reconnect and fails instead of
    starting a second QEMU."""
    v = virtd_factory()
    v.install_hook("qemu", body='if [ "$2" = reconnect ]; then sleep 3; fi')
    v.start()
    guests = {n: Guest(v, guest_files, n) for n in ("a", "b")}
    pids = {}
    for n, g in guests.items():
        g.start()
        pids[n] = g.qemu_pid()
    assert v.stop() == 0
    v.start()
    # one guest's reconnect hook sleeps; the other guest waits its turn
    rec = wait_for(lambda: [c.args[0] for c in v.hook_log.calls() if c.args[1] == "reconnect"],
                   what="a reconnect hook to run")
    other = guests["b" if rec[0] == "a" else "a"]
    uuid = other.virsh.out("domuuid", other.name).strip()
    assert other.state() == "running (booted)"
    p = other.virsh.run("start", other.name, check=False)
    assert (p.returncode, p.stderr) == (1, "error: Domain is already active\n")
    # past virsh's own check: the daemon's
    libvirt = libvirt_module()
    conn = libvirt.open(other.virsh.uri)
    try:
        with pytest.raises(libvirt.libvirtError) as e:
            conn.lookupByName(other.name).create()
        assert (e.value.get_error_code(), str(e.value)) == \
            (libvirt.VIR_ERR_OPERATION_INVALID,
             "Requested operation is not valid: domain is already running")
    finally:
        conn.close()
    assert qemu_pids_of(uuid) == [pids[other.name]]
    assert wait_calls(v, 8) == START + START + [RECONNECT, RECONNECT]
    assert [g.qemu_pid() for g in guests.values()] == [pids["a"], pids["b"]]


def test_sigkill_of_virtd_during_started_hook(virtd_factory, guest_files):
    """QEMU already runs and its status is saved when 'started' runs: virtd
    killed then and restarted takes the guest back (reconnect), untouched."""
    v = virtd_factory()
    hook = HangingHook(v, "started")
    v.start()
    g = Guest(v, guest_files)
    hook.start_guest(g)
    pid = g.qemu_pid()
    hook.kill_virtd(v)
    hook.kill()
    assert not pid_gone(pid), "QEMU survives virtd"
    v.start()
    assert wait_calls(v, 4) == START + [RECONNECT]
    assert g.state() == "running (booted)"
    assert g.qemu_pid() == pid
    g.wait_ready()
    g.virsh.run("shutdown", "g1")
    g.wait_state("shut off (shutdown)")
    # 'release' runs after the state changed: wait for it
    expected = START + [RECONNECT] + stop_calls("shutdown")
    assert wait_calls(v, len(expected)) == expected


def test_sigkill_of_virtd_during_prepare_hook(virtd_factory, guest_files):
    """Killed during 'prepare' (nothing allocated yet): once virtd is back the
    start is finished as a failed one, so that what 'prepare' set up is
    released by the hooks."""
    v = virtd_factory()
    hook = HangingHook(v, "prepare")
    v.start()
    g = Guest(v, guest_files)
    hook.start_guest(g)
    hook.kill_virtd(v)
    hook.kill()
    v.start()
    assert wait_calls(v, 3) == START[:1] + stop_calls("failed")
    assert g.state() == "shut off (failed)"
    assert list((v.run_dir / "qemu").glob("*.xml")) == []


def test_copied_status_file_is_ignored(virtd_factory, guest_files):
    """A copy of a status file under another name (same guest, same uuid)
    is ignored with a warning; virtd starts and takes the guest back once."""
    v = virtd_with_hooks(virtd_factory)
    v.start()
    g = Guest(v, guest_files)
    g.start()
    pid = g.qemu_pid()
    assert v.stop() == 0
    status = v.run_dir / "qemu" / "g1.xml"
    for copy in ("a-copy.xml", "g1-copy.xml"):
        (v.run_dir / "qemu" / copy).write_text(status.read_text())
    v.start()
    assert wait_calls(v, 4) == START + [RECONNECT]
    for copy in ("a-copy.xml", "g1-copy.xml"):
        v.wait_for_log(rf"ignoring status file '[^']*/{copy}': it is about domain 'g1', "
                       rf"whose status file is 'g1.xml'")
    assert g.state() == "running (booted)"
    assert g.qemu_pid() == pid
    assert qemu_calls(v) == START + [RECONNECT]
    # the destroy is a job after any reconnect: no second one, before or since
    g.virsh.run("destroy", "g1")
    assert qemu_calls(v) == START + [RECONNECT] + stop_calls("destroyed")


def test_start_waiting_for_a_transient_guest_that_goes(virtd_factory, guest_files):
    """A start of a transient guest waits while virtd cleans it up (its QEMU
    died while virtd was down); once the guest is gone, the start fails
    with 'no domain' instead of running a QEMU nobody can see."""
    v = virtd_factory()
    mark = v.tmp_dir / "in-stopped-hook"
    v.install_hook("qemu", body=f'if [ "$2" = stopped ]; then touch {mark}; sleep 3; fi')
    v.start()
    virsh = Virsh(v)
    xml = v.tmp_dir / "t1.xml"
    xml.write_text(guest_xml(guest_files, "t1", v.tmp_dir / "t1.serial"))
    virsh.run("create", str(xml))
    uuid = virsh.out("domuuid", "t1").strip()
    pid = status_pid(v, "t1")
    assert v.stop() == 0
    os.kill(pid, signal.SIGKILL)
    v.start()
    wait_for(mark.exists, what="the stopped hook to run")
    libvirt = libvirt_module()
    conn = libvirt.open(virsh.uri)
    try:
        dom = conn.lookupByName("t1")
        with pytest.raises(libvirt.libvirtError) as e:
            dom.create()
        assert (e.value.get_error_code(), str(e.value)) == \
            (libvirt.VIR_ERR_NO_DOMAIN,
             f"Domain not found: no domain with matching uuid '{uuid}' (t1)")
    finally:
        conn.close()
    assert qemu_pids_of(uuid) == []
    expected = START + stop_calls("unknown")
    assert wait_calls(v, len(expected)) == expected
    assert "t1" not in virsh.out("list", "--all")


def test_unreadable_status_file_blocks_a_second_qemu(virtd_factory, guest_files):
    """A running guest's status file that virtd cannot read at start-up is
    ignored and kept; the guest is then listed shut off, but starting it
    is refused while the file is there: its QEMU may still run, and a
    second one would take over its files."""
    v = virtd_with_hooks(virtd_factory)
    v.start()
    g = Guest(v, guest_files)
    g.start()
    pid = g.qemu_pid()
    assert v.stop() == 0
    status = v.run_dir / "qemu" / "g1.xml"
    text = status.read_text()
    status.write_text(text[: len(text) // 2])
    v.start()
    v.wait_for_log(rf"ignoring status file '{re.escape(str(status))}': ")
    assert g.state() == "shut off (unknown)"
    p = g.virsh.run("start", "g1", check=False)
    assert p.returncode != 0
    assert (f"error: Requested operation is not valid: domain 'g1' has a status file that "
            f"virtd could not read at start-up ('{status}'): its QEMU may still be running; "
            f"stop that QEMU if it is, then remove the file") in p.stderr
    assert not pid_gone(pid)
    assert qemu_calls(v) == START
    # the administrator stops that QEMU and removes the file: it starts
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)
    status.unlink()
    g.start()
    assert g.state() == "running (booted)"
    assert g.qemu_pid() != pid


def test_sigkill_of_virtd_between_spawn_and_cont(virtd_factory, guest_files):
    """Killed after QEMU's spawn (its pid saved) but before its cont: the
    guest never ran and 'started' never did, so once virtd is back the
    start is finished as a failed one: QEMU killed, stopped and release
    'failed', listed 'shut off (failed)' without an id, startable again."""
    v = virtd_factory()
    v.install_hook("qemu")
    marker = v.tmp_dir / "spawned"
    go = v.tmp_dir / "go"
    wrapper = v.tmp_dir / "qemu-wrapper"
    write_script(wrapper, f"#!/bin/sh\necho \"$$\" > {marker}\n"
                          f"while [ ! -e {go} ]; do sleep 0.05; done\n"
                          f"exec /usr/bin/qemu-system-x86_64 \"$@\"\n")
    v.start()
    g = Guest(v, guest_files)
    virsh = Virsh(v)
    uuid = virsh.out("domuuid", "g1").strip()
    xml = guest_xml(guest_files, "g1", g.serial, uuid=uuid).replace(
        "<emulator>/usr/bin/qemu-system-x86_64</emulator>", f"<emulator>{wrapper}</emulator>")
    assert virsh.define_file("dom", "g1", xml).returncode == 0
    starter = threading.Thread(target=g.start, kwargs={"check": False})
    starter.start()
    wait_for(marker.exists, BOOT_TIMEOUT, "QEMU's spawn")
    pid = int(marker.read_text())
    wait_for(lambda: status_pid(v, "g1") == pid, BOOT_TIMEOUT, "the status file with QEMU's pid")
    v.kill()
    starter.join(timeout=30)
    go.touch()
    wait_for(lambda: b"qemu-system" in Path(f"/proc/{pid}/cmdline").read_bytes(),
             BOOT_TIMEOUT, "the wrapper to exec QEMU")

    v.start()
    assert wait_calls(v, 4) == START[:2] + stop_calls("failed")
    wait_gone(pid)
    assert g.state() == "shut off (failed)"
    assert virsh.rows("list", "--all") == [["-", "g1", "shut", "off"]]
    assert list((v.run_dir / "qemu").glob("*.xml")) == []
    v.wait_for_log(rf"domain 'g1' was being started when virtd stopped \(QEMU pid {pid} never "
                   rf"ran the guest\)")

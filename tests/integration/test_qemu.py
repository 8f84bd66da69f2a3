"""Real guests under virtd: the qemu hook points, reasons, jobs, reconnect.

Each test boots the tiny test guest (tests/guest, TCG) through the real
virsh and asserts the exact hook argv sequence it expects, as
reference/hooks-contract.md ("qemu" table, "Full sequences") describes it.
"""

import os
import signal
import threading
import time

import pytest

from conftest import wait_gone
from qemuutil import (BOOT_TIMEOUT, START, Guest, HangingHook, guest_files_fixture,  # noqa: F401
                      kill_factory_guests_fixture, qemu_calls, qemu_pids_of, requires_qemu,
                      stop_calls, virtd_fixture, wait_calls)

pytestmark = requires_qemu


def test_start_then_acpi_shutdown(virtd, guest_files):
    g = Guest(virtd, guest_files)
    p = g.start()
    assert p.stdout.strip() == "Domain 'g1' started"
    assert g.state() == "running (booted)"
    assert qemu_calls(virtd) == START
    g.wait_ready()

    calls = virtd.hook_log.calls()
    assert [c.env.get("VIRTD_HOOK_ID") for c in calls] == ["1", "1", "1"]
    assert calls[2].env["VIRTD_HOOK_PID"] == str(g.qemu_pid())
    assert "VIRTD_HOOK_PID" not in calls[0].env, "no process yet at prepare"

    assert g.virsh.run("shutdown", "g1").returncode == 0
    g.wait_state("shut off (shutdown)")
    assert wait_calls(virtd, 5) == START + stop_calls("shutdown")
    rel = virtd.hook_log.calls()[-1]
    assert rel.env["VIRTD_HOOK_REASON"] == "shutdown"
    assert rel.env["VIRTD_HOOK_DETAIL"] == "guest"
    assert not (virtd.run_dir / "qemu" / "g1.xml").exists()


def test_destroy(virtd, guest_files):
    g = Guest(virtd, guest_files)
    g.start()
    pid = g.qemu_pid()
    assert g.virsh.run("destroy", "g1").stdout.strip() == "Domain 'g1' destroyed"
    assert g.state() == "shut off (destroyed)"
    assert qemu_calls(virtd) == START + stop_calls("destroyed")
    rel = virtd.hook_log.calls()[-1]
    assert (rel.env["VIRTD_HOOK_REASON"], rel.env["VIRTD_HOOK_DETAIL"]) == ("destroyed", "host")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_longest_name_starts(virtd, guest_files):
    """The longest name accepted, 244 bytes: QEMU's monitor socket is named
    after the start, not the guest, so its path stays short enough for a
    socket (it used to fail after 30 s for names over about 85 bytes)."""
    name = "n" * 244
    g = Guest(virtd, guest_files, name)
    g.start()
    assert g.state() == "running (booted)"
    monitors = sorted(p.name for p in (virtd.run_dir / "qemu").iterdir()
                      if p.name.endswith(".monitor"))
    assert monitors == ["1.monitor"]
    g.wait_ready()
    assert g.virsh.run("destroy", name).stdout.strip() == f"Domain '{name}' destroyed"
    assert g.state() == "shut off (destroyed)"
    assert sorted(os.listdir(virtd.run_dir / "qemu")) == []


@pytest.mark.parametrize("body,what", [
    ("if [ \"$2\" = prepare ]; then echo 'prepare says no' >&2; exit 1; fi", "exit status 1"),
    ("if [ \"$2\" = prepare ]; then kill -TERM $$; fi", "killed by signal 15 (SIGTERM)"),
])
def test_prepare_failure(virtd_factory, guest_files, body, what):
    v = virtd_factory()
    v.install_hook("qemu", body=body)
    v.start()
    g = Guest(v, guest_files)
    p = g.start(check=False)
    assert p.returncode == 1
    assert f"hook script '{v.hook_path('qemu')}' failed ({what})" in p.stderr
    if "says no" in body:
        assert "prepare says no" in p.stderr
    assert qemu_calls(v) == [("prepare", "begin", "-")] + stop_calls("failed")
    assert g.state() == "shut off (failed)"


def test_start_hook_timeout(virtd_factory, guest_files):
    v = virtd_factory(hooks_config={"timeout.qemu.start": 1})
    v.install_hook("qemu", body="if [ \"$2\" = start ]; then sleep 600; fi")
    v.start()
    g = Guest(v, guest_files)
    t0 = time.monotonic()
    p = g.start(check=False)
    assert time.monotonic() - t0 < 1 + 5 + 5
    assert p.returncode == 1
    assert "(timed out after 1 s)" in p.stderr
    assert qemu_calls(v) == START[:2] + stop_calls("failed")


def test_started_failure_kills_guest(virtd_factory, guest_files):
    v = virtd_factory()
    v.install_hook("qemu", body="if [ \"$2\" = started ]; then exit 3; fi")
    v.start()
    g = Guest(v, guest_files)
    p = g.start(check=False)
    assert p.returncode == 1
    assert "exit status 3" in p.stderr
    assert qemu_calls(v) == START + stop_calls("failed")
    assert g.state() == "shut off (failed)"
    assert list((v.run_dir / "qemu").glob("*.xml")) == []


def test_dot_d_script_failure(virtd, guest_files):
    virtd.install_hook("qemu", "50-refuse", body="if [ \"$2\" = start ]; then exit 7; fi")
    g = Guest(virtd, guest_files)
    p = g.start(check=False)
    assert p.returncode == 1
    assert "50-refuse' failed (exit status 7)" in p.stderr
    main_calls = qemu_calls(virtd)
    assert main_calls == START[:2] + stop_calls("failed")


def test_hook_calls_back_into_virtd(virtd_factory, guest_files):
    """Read-only calls from a hook work; a state change on its own guest fails fast."""
    v = virtd_factory()
    sock = v.run_dir / "virtd-sock"
    out = v.tmp_dir / "hook-virsh.out"
    body = (f"if [ \"$2\" = started ]; then\n"
            f"  virsh -c 'qemu+unix:///system?socket={sock}' domstate \"$1\" > {out} 2>&1\n"
            f"  virsh -c 'qemu+unix:///system?socket={sock}' dumpxml \"$1\" | head -1 >> {out}\n"
            f"  virsh -c 'qemu+unix:///system?socket={sock}' destroy \"$1\" >> {out} 2>&1\n"
            f"  echo rc=$? >> {out}\n"
            f"fi")
    v.install_hook("qemu", body=body)
    v.start()
    g = Guest(v, guest_files)
    t0 = time.monotonic()
    g.start()
    assert time.monotonic() - t0 < 20, "no deadlock, no long wait"
    text = out.read_text()
    assert text.startswith("running\n\n<domain type='qemu' id='1'>\n"), text
    assert "operation in progress" in text
    assert text.rstrip().endswith("rc=1")
    assert g.state() == "running (booted)"


def test_two_guests_start_in_parallel(virtd_factory, guest_files):
    """Each guest's start hook waits (up to 60 s) until the other's runs as
    well: both starts succeed only if neither hook blocked the other."""
    v = virtd_factory()
    d = v.tmp_dir
    v.install_hook("qemu", body=f"if [ \"$2\" = start ]; then touch {d}/\"$1\".in; n=0\n"
                                f"  while [ ! -e {d}/a.in ] || [ ! -e {d}/b.in ]; do\n"
                                f"    n=$((n+1)); [ $n -gt 1200 ] && exit 1; sleep 0.05\n"
                                f"  done\n"
                                f"fi")
    v.start()
    a = Guest(v, guest_files, "a")
    b = Guest(v, guest_files, "b")
    results = {}

    def start(g):
        results[g.name] = g.start(check=False)

    threads = [threading.Thread(target=start, args=(g,)) for g in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in ("a", "b"):
        assert results[name].returncode == 0, \
            f"one guest's hook blocked the other: {results[name].stderr}"


def test_panic_on_crash_destroy(virtd, guest_files):
    g = Guest(virtd, guest_files, action="panic", extra_devices="<panic model='isa'/>")
    g.start()
    g.wait_state("shut off (crashed)", timeout=BOOT_TIMEOUT)
    assert wait_calls(virtd, 5) == START + stop_calls("crashed")
    rel = virtd.hook_log.calls()[-1]
    assert rel.env["VIRTD_HOOK_DETAIL"] == "panicked"


def test_guest_poweroff(virtd, guest_files):
    g = Guest(virtd, guest_files, action="poweroff")
    g.start()
    g.wait_state("shut off (shutdown)", timeout=BOOT_TIMEOUT)
    assert wait_calls(virtd, 5) == START + stop_calls("shutdown")
    assert virtd.hook_log.calls()[-1].env["VIRTD_HOOK_DETAIL"] == "guest"


def test_restart_reconnects_running_guest(virtd, guest_files):
    g = Guest(virtd, guest_files)
    g.start()
    pid = g.qemu_pid()
    g.wait_ready()
    assert virtd.stop() == 0
    os.kill(pid, 0)  # still running without virtd
    virtd.start()
    assert wait_calls(virtd, 4) == START + [("reconnect", "begin", "-")]
    rec = virtd.hook_log.calls()[-1]
    assert rec.env["VIRTD_HOOK_RECONNECT"] == "1"
    assert rec.env["VIRTD_HOOK_PID"] == str(pid)
    assert g.state() == "running (booted)"
    assert g.qemu_pid() == pid
    g.virsh.run("destroy", "g1")
    assert qemu_calls(virtd)[-2:] == stop_calls("destroyed")


def test_guest_killed_while_virtd_down(virtd, guest_files):
    g = Guest(virtd, guest_files)
    g.start()
    pid = g.qemu_pid()
    assert virtd.stop() == 0
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid, what="the killed qemu")
    virtd.start()
    assert wait_calls(virtd, 5) == START + stop_calls("unknown")
    assert g.state() == "shut off (unknown)"


def test_sigkill_of_virtd_during_start_hook(virtd_factory, guest_files):
    """No orphan qemu, no status left behind: the guest ends up shut off
    with release reason 'failed' once virtd is back."""
    v = virtd_factory()
    hook = HangingHook(v, "start")
    v.start()
    g = Guest(v, guest_files, "sigkill")
    uuid = g.virsh.out("domuuid", "sigkill").strip()
    hook.start_guest(g)
    hook.kill_virtd(v)
    hook.kill()
    assert qemu_pids_of(uuid) == [], "no qemu was started"

    v.start()
    assert wait_calls(v, 4) == START[:2] + stop_calls("failed")
    assert g.state() == "shut off (failed)"
    assert list((v.run_dir / "qemu").glob("*.xml")) == []



"""One state-changing operation at a time per guest, hooks included.

A second client's call waits for the operation in progress, at most
[qemu] job_wait seconds; an event of the guest (it powered off) that
arrives during an operation is handled once that operation is over.
"""

import threading
import time

from conftest import wait_for, write_file_atomic
from qemuutil import (BOOT_TIMEOUT, START, Guest, guest_files_fixture,  # noqa: F401
                      kill_factory_guests_fixture, qemu_calls, requires_qemu, stop_calls,
                      wait_calls)

pytestmark = requires_qemu


# How long a held 'start' hook waits for its release at most.
HELD_HOOK_MAX = 120


def start_in_slow_hook(virtd_factory, guest_files, seconds=None, extra_config=""):
    """A virtd whose 'start' hook takes @seconds, or (@seconds None) runs
    until release() is called; and a guest 'virsh start'ed from a thread.
    Returns (virtd, guest, thread, result, release) once the hook runs,
    result["p"] being virsh's once the thread ends."""
    v = virtd_factory(extra_config=extra_config)
    mark = v.tmp_dir / "in-start-hook"
    go = v.tmp_dir / "release-start-hook"
    wait = f"sleep {seconds}" if seconds is not None else \
        f"n=0; while [ ! -e {go} ] && [ $n -lt {HELD_HOOK_MAX * 20} ]; do " \
        f"n=$((n+1)); sleep 0.05; done"
    v.install_hook("qemu", body=f"if [ \"$2\" = start ]; then touch {mark}; {wait}; fi")
    v.start()
    g = Guest(v, guest_files)
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("p", g.start(check=False)))
    t.start()
    wait_for(mark.exists, BOOT_TIMEOUT, "the start hook to run")
    return v, g, t, result, lambda: write_file_atomic(go, "")


def test_other_client_waits_for_start(virtd_factory, guest_files):
    """virsh destroy from another client during a slow start hook waits for
    the start to finish, then destroys the guest."""
    v, g, t, result, _ = start_in_slow_hook(virtd_factory, guest_files, 3)
    t0 = time.monotonic()
    p = g.virsh.run("destroy", "g1", check=False)
    waited = time.monotonic() - t0
    t.join(timeout=BOOT_TIMEOUT)
    assert result["p"].returncode == 0, result["p"].stderr
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "Domain 'g1' destroyed"
    assert waited > 1.5, f"destroy returned after {waited:.2f} s, during the start hook"
    assert qemu_calls(v) == START + stop_calls("destroyed")
    assert g.state() == "shut off (destroyed)"


def test_job_wait_is_bounded(virtd_factory, guest_files):
    """With [qemu] job_wait = 1 the waiting call fails after 1 s with a clear
    error; the start carries on undisturbed.  The start hook runs until the
    call returned: a call that waited for the start would never return."""
    v, g, t, result, release = start_in_slow_hook(virtd_factory, guest_files,
                                                  extra_config="[qemu]\njob_wait = 1\n")
    t0 = time.monotonic()
    try:
        p = g.virsh.run("shutdown", "g1", check=False)
        waited = time.monotonic() - t0
    finally:
        release()
    assert p.returncode == 1
    assert p.stderr.endswith(
        "error: Timed out during operation: cannot acquire state change lock: the 'start' "
        "operation on domain 'g1' did not finish within 1 s\n"), p.stderr
    assert 0.9 < waited < 20, waited
    t.join(timeout=BOOT_TIMEOUT)
    assert result["p"].returncode == 0, result["p"].stderr
    assert qemu_calls(v) == START
    assert g.state() == "running (booted)"


def test_job_wait_zero_fails_at_once(virtd_factory, guest_files):
    """job_wait = 0: the call fails at once, not after the default job_wait
    (60 s), and not once the start is over: its hook runs until released."""
    v, g, t, result, release = start_in_slow_hook(virtd_factory, guest_files,
                                                  extra_config="[qemu]\njob_wait = 0\n")
    t0 = time.monotonic()
    try:
        p = g.virsh.run("destroy", "g1", check=False)
        waited = time.monotonic() - t0
    finally:
        release()
    assert waited < 10, waited
    assert p.returncode == 1
    assert "the 'start' operation on domain 'g1' did not finish within 0 s" in p.stderr, p.stderr
    t.join(timeout=BOOT_TIMEOUT)
    assert result["p"].returncode == 0
    assert g.state() == "running (booted)"


def test_poweroff_during_started_hook_is_handled_after_it(virtd_factory, guest_files):
    """The guest powers off while its 'started' hook still runs: once the
    hook is over, stopped and release (shutdown, guest) run; the guest does
    not stay listed as running."""
    v = virtd_factory()
    g_serial = v.tmp_dir / "g1.serial"
    # the hook outlives the guest: it waits for the guest's power-off (qemu
    # then reports SHUTDOWN), then a little more
    body = (f"if [ \"$2\" = started ]; then\n"
            f"  n=0\n"
            f"  while ! grep -q 'ACTION poweroff' {g_serial} 2>/dev/null; do\n"
            f"    n=$((n+1)); [ $n -gt 1200 ] && exit 0; sleep 0.05\n"
            f"  done\n"
            f"  sleep 2\n"
            f"fi")
    v.install_hook("qemu", body=body)
    v.start()
    g = Guest(v, guest_files, action="poweroff")
    assert g.serial == g_serial
    p = g.start(check=False)
    assert p.returncode == 0, p.stderr
    assert "ACTION poweroff" in g_serial.read_text()
    g.wait_state("shut off (shutdown)", timeout=BOOT_TIMEOUT)
    assert wait_calls(v, 5) == START + stop_calls("shutdown")
    rel = v.hook_log.calls()[-1]
    assert (rel.env["VIRTD_HOOK_REASON"], rel.env["VIRTD_HOOK_DETAIL"]) == ("shutdown", "guest")
    assert list((v.run_dir / "qemu").glob("*.xml")) == []

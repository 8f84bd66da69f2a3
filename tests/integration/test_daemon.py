"""virtd as a daemon: daemon hooks, signals, configuration, readiness.

See reference/hooks-contract.md, tables "Discovery and running" and
"daemon".
"""

import os
import re
import signal
import shutil
import socket
import struct
import subprocess

import pytest

from conftest import WAIT_TIMEOUT, pgid_members, run_virtd, wait_gone, write_script

START = ("-", "start", "-", "start")
RELOAD = ("-", "reload", "begin", "SIGHUP")
SHUTDOWN = ("-", "shutdown", "-", "shutdown")

DEFAULT_HOOK_TIMEOUT = "120"


def daemon_env(op, subop, timeout=DEFAULT_HOOK_TIMEOUT):
    """Exactly the recorded variables a daemon hook must see."""
    return {
        "LC_ALL": "C",
        "VIRTD_HOOK_DRIVER": "daemon",
        "VIRTD_HOOK_OBJECT": "-",
        "VIRTD_HOOK_OP": op,
        "VIRTD_HOOK_SUBOP": subop,
        "VIRTD_HOOK_TIMEOUT": str(timeout),
    }


def calls_for(scripts, *ops):
    """Expected argv sequence: for each op, every script in order."""
    return [(str(s), *op) for op in ops for s in scripts]


def timeout_of(call):
    return call.env.get("VIRTD_HOOK_TIMEOUT")


def test_start_reload_shutdown_hook_sequence(virtd_factory):
    v = virtd_factory()
    main = v.install_hook("daemon")
    # Created out of order: virtd runs daemon.d/ entries in byte order.
    second = v.install_hook("daemon", "20-second")
    first = v.install_hook("daemon", "10-first")
    scripts = [main, first, second]

    v.start()
    # The start hook has run, with every script, before virtd is ready.
    assert v.hook_log.argvs() == calls_for(scripts, START)

    v.sighup()
    v.hook_log.wait_for(6, virtd=v)
    assert v.hook_log.argvs() == calls_for(scripts, START, RELOAD)
    assert v.running()

    assert v.stop() == 0
    assert not v.pid_path.exists(), "virtd left its pid file behind"

    calls = v.hook_log.calls()
    assert [c.argv for c in calls] == calls_for(scripts, START, RELOAD, SHUTDOWN)
    expected_env = [daemon_env("start", "-")] * 3 + [daemon_env("reload", "begin")] * 3 + \
                   [daemon_env("shutdown", "-")] * 3
    assert [c.env for c in calls] == expected_env
    for c in calls:
        assert c.argc == 4, c
        assert c.stdin_bytes == 0, c
        assert c.cwd == "/", c

    # Every run is logged (contract: logged at info, script and argv).
    ran = re.findall(r"^.* info: virtd\.hook: hook ran: (.*)$", v.log_text(), re.M)
    assert len(ran) == 9, v.log_tail()
    for line, script in zip(ran, [main, first, second] * 3):
        assert line.startswith(str(script) + " "), line
        assert ": exit status 0 in " in line, line


@pytest.mark.slow
def test_start_hook_timeout(virtd_factory):
    v = virtd_factory(hooks_config={"timeout": 2})
    pgid_file = v.tmp_dir / "hook.pgid"
    # Hangs at start only.  The backgrounded child ignores SIGTERM, so only
    # the SIGKILL to the whole group after the 5 s grace period ends it.
    script = v.install_hook("daemon", body=f"""
if [ "$2" = start ]; then
    echo $$ > {pgid_file}
    (trap '' TERM; exec sleep 600) &
    sleep 600
fi""")
    pgid = None
    try:
        v.start(timeout=60)
        elapsed = v.ready_at - v.started_at
        pgid = int(pgid_file.read_text())

        assert 2 <= elapsed <= 2 + 5 + 1, f"ready after {elapsed:.2f} s"
        assert f"hook script '{script}' failed (timed out after 2 s)" in v.log_text(), \
            v.log_tail()
        assert v.hook_log.argvs() == calls_for([script], START)
        assert timeout_of(v.hook_log.calls()[0]) == "2"

        # Every process of the hook's group is gone (killed; orphans are
        # zombies until init reaps them, which may take a moment).
        wait_gone(lambda: [pid for pid, _state in pgid_members(pgid)],
                  what="the hook's processes")
        if not pgid_members(pgid):
            with pytest.raises(ProcessLookupError):
                os.killpg(pgid, 0)
        # else: all zombies; only an init that never reaps orphans keeps them.

        assert v.stop() == 0
        assert v.hook_log.argvs() == calls_for([script], START, SHUTDOWN)
    finally:
        # Do not leave a 600 s sleep behind if virtd failed to kill it:
        # only the processes of the group the hook reported, by pid.
        if pgid is not None:
            for pid, _state in pgid_members(pgid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def test_failing_hook_is_logged_and_ignored(virtd_factory):
    v = virtd_factory()
    bad = v.install_hook("daemon", "10-fails",
                         body='echo "hook is unhappy: code 3" >&2\nexit 3')
    good = v.install_hook("daemon", "20-ok")

    v.start()
    v.sighup()
    v.hook_log.wait_for(4, virtd=v)
    assert v.stop() == 0
    assert not v.pid_path.exists()

    # All scripts run even when one fails.
    assert v.hook_log.argvs() == calls_for([bad, good], START, RELOAD, SHUTDOWN)
    log = v.log_text()
    for op in ("start", "reload", "shutdown"):
        pattern = (rf"^.* warning: .*'{op}'.*hook script '{re.escape(str(bad))}' failed "
                   r"\(exit status 3\): hook is unhappy: code 3$")
        assert len(re.findall(pattern, log, re.M)) == 1, f"no warning for {op}\n{log}"
    assert str(good) + "' failed" not in log


def test_hook_dropped_in_while_running_is_used(virtd_factory):
    v = virtd_factory()
    main = v.install_hook("daemon")
    v.start()
    assert v.hook_log.argvs() == calls_for([main], START)

    late = v.install_hook("daemon", "10-late")
    v.sighup()
    v.hook_log.wait_for(3, virtd=v)
    assert v.hook_log.argvs() == calls_for([main], START) + calls_for([main, late], RELOAD)

    # ... and a removed one is no longer run.
    main.unlink()
    assert v.stop() == 0
    assert v.hook_log.argvs() == (calls_for([main], START) + calls_for([main, late], RELOAD) +
                                  calls_for([late], SHUTDOWN))


def test_reload_with_invalid_config_keeps_old_one(virtd_factory):
    v = virtd_factory(hooks_config={"timeout": 30})
    main = v.install_hook("daemon")
    v.start()

    v.write_config(hooks={"timeout": 45, "bogus_key": 1})
    v.sighup()
    calls = v.hook_log.wait_for(2, virtd=v)
    assert [c.argv for c in calls] == calls_for([main], START, RELOAD)
    # The reload hook ran, with the old configuration still in effect.
    assert [timeout_of(c) for c in calls] == ["30", "30"]
    m = re.search(r"^.* warning: .*configuration not reloaded.*$", v.log_text(), re.M)
    assert m, v.log_tail()
    assert "unknown key 'bogus_key' in [hooks]" in m.group(0)
    assert str(v.config_path) in m.group(0)
    assert v.running()
    assert v.is_ready()

    # Fixed, the next SIGHUP applies it.
    v.write_config(hooks={"timeout": 45})
    v.sighup()
    calls = v.hook_log.wait_for(3, virtd=v)
    assert timeout_of(calls[2]) == "45"

    assert v.stop() == 0
    calls = v.hook_log.calls()
    assert [c.argv for c in calls] == calls_for([main], START, RELOAD, RELOAD, SHUTDOWN)
    assert [timeout_of(c) for c in calls] == ["30", "30", "45", "45"]


def test_reload_applies_changed_config(virtd_factory):
    v = virtd_factory(hooks_config={"timeout": 30})
    main = v.install_hook("daemon")
    v.start()

    v.write_config(hooks={"timeout": 30, "timeout.daemon.reload": 7})
    v.sighup()
    v.hook_log.wait_for(2, virtd=v)
    assert v.stop() == 0

    calls = v.hook_log.calls()
    assert [c.argv for c in calls] == calls_for([main], START, RELOAD, SHUTDOWN)
    assert [c.env for c in calls] == [daemon_env("start", "-", 30),
                                      daemon_env("reload", "begin", 7),
                                      daemon_env("shutdown", "-", 30)]
    assert "configuration not reloaded" not in v.log_text()


# --check-config: (file content, fragments the error message must contain)
BAD_CONFIGS = {
    "unknown-group": ("[bogus]\nkey = 1\n", ["unknown group [bogus]"]),
    "unknown-hooks-key": ("[hooks]\ntimeuot = 5\n", ["unknown key 'timeuot' in [hooks]"]),
    "unknown-paths-key": ("[paths]\nlog_dir = /tmp\n", ["unknown key 'log_dir' in [paths]"]),
    "timeout-not-a-number": ("[hooks]\ntimeout = soon\n",
                             ["[hooks] timeout:", "'soon' is not a number of seconds"]),
    "timeout-negative": ("[hooks]\ntimeout = -1\n",
                         ["[hooks] timeout:", "'-1' is not a number of seconds"]),
    "timeout-too-large": ("[hooks]\ntimeout = 86401\n",
                          ["[hooks] timeout:", "'86401' is not a number of seconds"]),
    "op-timeout-not-a-number": ("[hooks]\ntimeout.qemu.prepare = 5s\n",
                                ["[hooks] timeout.qemu.prepare:", "'5s'"]),
    "timeout-unknown-driver": ("[hooks]\ntimeout.foo = 5\n",
                               ["[hooks] timeout.foo:", "unknown hook driver 'foo'"]),
    "timeout-unknown-op": ("[hooks]\ntimeout.qemu.frobnicate = 5\n",
                           ["[hooks] timeout.qemu.frobnicate:",
                            "unknown qemu hook operation 'frobnicate'"]),
    "relative-run-dir": ("[paths]\nrun_dir = run/virtd\n",
                         ["[paths] run_dir:", "must be an absolute path"]),
    "relative-hooks-dir": ("[hooks]\ndir = hooks\n",
                           ["[hooks] dir:", "must be an absolute path"]),
    "reconnect-failure": ("[hooks]\nreconnect_failure = maybe\n",
                          ["[hooks] reconnect_failure:", "must be 'keep' or 'kill'"]),
    "allow-unsafe": ("[hooks]\nallow_unsafe_permissions = perhaps\n",
                     ["[hooks] allow_unsafe_permissions:", "must be true or false"]),
    "not-a-keyfile": ("this is not a key file\n", ["cannot load"]),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_check_config_rejects(virtd_binary, tmp_path, name):
    text, fragments = BAD_CONFIGS[name]
    path = tmp_path / "virtd.conf"
    path.write_text(text)
    res = run_virtd(virtd_binary, "--check-config", path)
    assert res.returncode == 1, res
    assert res.stdout == ""
    assert res.stderr.startswith("virtd: "), res.stderr
    assert str(path) in res.stderr, res.stderr
    for fragment in fragments:
        assert fragment in res.stderr, res.stderr
    assert res.stderr.count("\n") == 1, res.stderr


def test_check_config_missing_file(virtd_binary, tmp_path):
    path = tmp_path / "nonexistent.conf"
    res = run_virtd(virtd_binary, "--check-config", path)
    assert res.returncode == 1, res
    assert res.stdout == ""
    assert res.stderr.startswith(f"virtd: cannot load '{path}': "), res.stderr
    assert "No such file or directory" in res.stderr, res.stderr


def test_check_config_accepts_valid(virtd_binary, tmp_path):
    path = tmp_path / "virtd.conf"
    path.write_text(f"""# every key virtd knows
[paths]
conf_dir = {tmp_path}/conf
state_dir = {tmp_path}/state
run_dir = {tmp_path}/run

[hooks]
dir = {tmp_path}/hooks
timeout = 0
timeout.qemu = 300
timeout.qemu.prepare = 86400
timeout.daemon.reload = 7
timeout.network.port-created = 5
allow_unsafe_permissions = false
reconnect_failure = kill
""")
    res = run_virtd(virtd_binary, "--check-config", path)
    assert (res.returncode, res.stdout, res.stderr) == \
        (0, f"{path}: configuration is valid\n", "")

    empty = tmp_path / "empty.conf"
    empty.write_text("")
    res = run_virtd(virtd_binary, "--check-config", empty)
    assert (res.returncode, res.stdout, res.stderr) == \
        (0, f"{empty}: configuration is valid\n", "")


def test_version(virtd_binary, virtd_version):
    for opt in ("--version", "-V"):
        res = run_virtd(virtd_binary, opt)
        assert (res.returncode, res.stdout, res.stderr) == (0, f"virtd {virtd_version}\n", "")


def test_bad_command_line(virtd_binary):
    res = run_virtd(virtd_binary, "--frobnicate")
    assert res.returncode == 2, res
    assert res.stdout == ""
    assert "--frobnicate" in res.stderr, res.stderr

    res = run_virtd(virtd_binary, "stray-argument")
    assert res.returncode == 2, res
    assert res.stdout == ""
    assert res.stderr.startswith("virtd: "), res.stderr


def test_second_daemon_on_same_run_dir_refused(virtd_factory):
    first = virtd_factory("first")
    first_hook = first.install_hook("daemon")
    first.start()

    second = virtd_factory("second", run_dir=first.run_dir)
    second.install_hook("daemon")
    second.start(wait=False)
    rc = second.wait_exit(WAIT_TIMEOUT)
    assert rc == 1, second.log_tail()
    assert f"another virtd is already running with run directory '{first.run_dir}'" in \
        second.log_text()
    # It gave up before running any hook, and left the first one's pid file alone.
    assert second.hook_log.calls() == []
    assert first.running()
    assert first.is_ready()

    first.sighup()
    first.hook_log.wait_for(2, virtd=first)
    assert first.stop() == 0
    assert first.hook_log.argvs() == calls_for([first_hook], START, RELOAD, SHUTDOWN)


UNSAFE = {
    "group-writable": (0o775, 0),
    "world-writable": (0o757, 0),
    "not-owned-by-root": (0o755, 65534),
}


@pytest.mark.parametrize("kind", sorted(UNSAFE))
def test_unsafe_hook_refused(virtd_factory, kind):
    mode, uid = UNSAFE[kind]
    v = virtd_factory()
    unsafe = v.install_hook("daemon", "10-unsafe", mode=mode)
    os.chown(unsafe, uid, 0)
    os.chmod(unsafe, mode)  # restate: chown may clear mode bits
    ok = v.install_hook("daemon", "20-ok")

    v.start()
    assert v.stop() == 0
    # The unsafe script never ran; the others did.
    assert v.hook_log.argvs() == calls_for([ok], START, SHUTDOWN)
    refusals = re.findall(rf"^.*hook script '{re.escape(str(unsafe))}' refused.*$",
                          v.log_text(), re.M)
    assert len(refusals) == 2, v.log_tail()
    for line in refusals:
        assert "allow_unsafe_permissions" in line, line


def test_unsafe_hook_allowed_by_config(virtd_factory):
    v = virtd_factory(hooks_config={"allow_unsafe_permissions": True})
    unsafe = v.install_hook("daemon", "10-unsafe", mode=0o775)
    ok = v.install_hook("daemon", "20-ok")

    v.start()
    assert v.stop() == 0
    assert v.hook_log.argvs() == calls_for([unsafe, ok], START, SHUTDOWN)
    assert "refused" not in v.log_text()


def test_hook_in_directory_others_can_write_refused(virtd_factory):
    """Whoever can write a directory on a hook's path can swap the hook:
    here the unprivileged user nobody replaces root's script in a daemon.d
    left world-writable by a symbolic link to a root-owned program that is
    not a hook.  virtd refuses what is in that directory and says why;
    the main script, in a directory only root can change, still runs."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is needed to act as nobody")
    v = virtd_factory()
    main = v.install_hook("daemon")
    legit = v.install_hook("daemon", "10-legit")
    ddir = legit.parent
    os.chmod(ddir, 0o777)
    marker = v.tmp_dir / "not-a-hook-ran"
    not_a_hook = write_script(v.tmp_dir / "not-a-hook", f"#!/bin/sh\ntouch '{marker}'\n")
    # nobody cannot reach ddir from "/" (pytest's base dir is root's, 0700):
    # it works from inside, its current directory.
    subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    "ln", "-sfn", str(not_a_hook), legit.name],
                   cwd=ddir, check=True, timeout=WAIT_TIMEOUT)
    assert legit.is_symlink() and legit.lstat().st_uid != 0

    v.start()
    assert v.stop() == 0
    assert not marker.exists(), "the swapped-in program ran as a hook"
    assert v.hook_log.argvs() == calls_for([main], START, SHUTDOWN)
    refusals = re.findall(rf"^.* warning: .*hook script '{re.escape(str(legit))}' refused: "
                          rf"directory '{re.escape(str(ddir))}' on its path must be owned by "
                          r"root and not writable by group or others.*$",
                          v.log_text(), re.M)
    assert len(refusals) == 2, v.log_tail()
    for line in refusals:
        assert f"run 'chmod go-w {ddir}'" in line, line
        assert "allow_unsafe_permissions" in line, line


def _recv_notify(sock, timeout):
    """One sd_notify datagram and the pid of its sender."""
    sock.settimeout(timeout)
    try:
        data, anc, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        pytest.fail(f"no sd_notify message within {timeout} s")
    pid = None
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid, _uid, _gid = struct.unpack("iII", payload[:12])
    return data.decode(), pid


def test_systemd_notify(virtd_factory, tmp_path):
    # A path socket, not an abstract one: virtd runs in its own network
    # namespace (abstract names are per netns), but sees the same file
    # system, so it can reach this socket.
    sock_path = tmp_path / "notify.sock"
    assert len(os.fsencode(sock_path)) < 108
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(str(sock_path))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)

        v = virtd_factory(env={"NOTIFY_SOCKET": str(sock_path)})
        main = v.install_hook("daemon", env_vars=("VIRTD_HOOK_OP", "NOTIFY_SOCKET"))
        v.start(wait=False)

        msg, sender = _recv_notify(sock, 30)
        # At READY=1 the start hook has run and the pid file is in place.
        assert (msg, sender) == ("READY=1", v.pid)
        assert v.hook_log.argvs() == calls_for([main], START)
        assert v.pid_path.read_text() == f"{v.pid}\n"
        v.wait_ready()

        assert v.stop() == 0
        assert _recv_notify(sock, 5) == ("STOPPING=1", v.pid)
        assert v.hook_log.argvs() == calls_for([main], START, SHUTDOWN)
        # Nothing else was sent.
        sock.setblocking(False)
        with pytest.raises(BlockingIOError):
            sock.recv(4096)
        # The hook environment is replaced: systemd's socket does not leak to hooks.
        assert [c.env for c in v.hook_log.calls()] == [{"VIRTD_HOOK_OP": "start"},
                                                       {"VIRTD_HOOK_OP": "shutdown"}]
    finally:
        sock.close()


def _nofile(pid):
    for line in open(f"/proc/{pid}/limits"):
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError(f"no 'Max open files' in /proc/{pid}/limits")


def test_open_files_limit_raised_to_hard(virtd_factory):
    """Started with systemd's soft limit of 1024, virtd raises it to the
    hard limit, so that idle clients cannot use up its descriptors."""
    v = virtd_factory()
    v.start(nofile=(1024, 4096))
    assert _nofile(v.pid) == (4096, 4096)
    v.wait_for_log(r"open files limit raised from 1024 to 4096")

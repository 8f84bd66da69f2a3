"""Harness for virtd's integration tests.

Every test drives a real virtd started as
``unshare --mount --net -- virtd --config <conf> --verbose`` with private
directories under pytest's tmp_path, and real hook scripts that log their
argv, part of their environment and the size of their stdin to a file the
test reads back.

unshare is run without --fork, so it execs virtd in the same process: the
pid of the Popen object *is* virtd's pid, signals sent to it reach virtd
and its exit status is virtd's.

The harness only ever signals processes it started itself, by pid.

Building blocks, meant to be extended by later tests (RPC sockets, virsh,
guests, networks):

- ``virtd_binary``: the built daemon ($VIRTD_BUILD_DIR/src/virtd).
- ``virtd_factory`` / ``virtd_module_factory``: create ``VirtdInstance``
  objects (function / module lifetime); all of them are torn down
  (SIGKILL by pid if still running) when the fixture ends.
- ``VirtdInstance``: dirs, config file, start/ready/sighup/stop, log access,
  hook installation.
- ``write_logging_hook`` / ``HookLog``: hook scripts that log each call and
  the parser that reads the log back as ``HookCall`` tuples.
"""

import contextlib
import dataclasses
import json
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

HOOK_DRIVERS = ("daemon", "qemu", "lxc", "network")

# What virtd and its hooks get as PATH; the environment is otherwise minimal.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Variables copied from the test's environment into virtd's when set, so
# sanitizer builds keep working.
PASSTHROUGH_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "MSAN_OPTIONS")

# In a sanitizer build (tools/run-tests.sh's second pass) each virtd the
# harness starts writes its sanitizer reports to <log>/sanitizer/<prefix>.PID
# instead of its stderr (log_path added to the variable's options), and the
# harness fails the test when such a file appears: a report in virtd.log
# would go unseen whenever the test passes anyway (a leak found at exit, an
# error in a virtd the test then kills).  Keys: variables that take log_path.
SANITIZER_LOG_PREFIXES = {"ASAN_OPTIONS": "asan", "UBSAN_OPTIONS": "ubsan",
                          "MSAN_OPTIONS": "msan"}
# GCC's UBSan runtime ignores log_path when ASan is linked in too (each
# runtime keeps its own report file, and ASan's setter is the one that
# runs), so UBSan reports are also looked for in virtd.log: a line
# "file:line:col: runtime error: ...", then its stack trace.
UBSAN_REPORT = re.compile(r"^[^\n]*:\d+:\d+: runtime error: ", re.M)
UBSAN_REPORT_LINES = 40

# Variables a logging hook records (when set in the hook's environment).
HOOK_ENV_VARS = (
    "LC_ALL",
    "VIRTD_HOOK_DRIVER",
    "VIRTD_HOOK_OBJECT",
    "VIRTD_HOOK_UUID",
    "VIRTD_HOOK_OP",
    "VIRTD_HOOK_SUBOP",
    "VIRTD_HOOK_ID",
    "VIRTD_HOOK_PID",
    "VIRTD_HOOK_REASON",
    "VIRTD_HOOK_DETAIL",
    "VIRTD_HOOK_TIMEOUT",
    "VIRTD_HOOK_RECONNECT",
)

# Bounded waits (seconds).  Generous: nothing here should take more than a
# fraction of a second on an idle machine.
READY_TIMEOUT = 30
STOP_TIMEOUT = 60
WAIT_TIMEOUT = 30
POLL_INTERVAL = 0.02

LOG_TAIL_LINES = 60


def wait_for(predicate, timeout=WAIT_TIMEOUT, what="condition", interval=POLL_INTERVAL,
             abort=None):
    """Polls @predicate until it returns a true value, and returns that
    value.  Fails the test after @timeout s, naming @what: a string, or a
    callable giving one when the wait fails (for what is only known then,
    such as a log tail).  @abort, when given, is called at every round; a
    message from it (not None) fails the test at once (say, virtd exited).
    (rpcutil exports it too: this module is the one rpcutil imports.)"""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        reason = abort() if abort is not None else None
        if reason:
            pytest.fail(reason)
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for "
                        f"{what() if callable(what) else what}")
        time.sleep(interval)


def pid_gone(pid):
    """@pid no longer runs: no such process, or a zombie (a qemu that a
    restarted virtd took back is no longer its child: once killed it stays
    a zombie until init reaps it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat[stat.rindex(")") + 2:].split()[0] == "Z"


def wait_gone(pids, timeout=STOP_TIMEOUT, what="process"):
    """Waits until process @pids is gone (see pid_gone), or every process
    @pids lists when it is a callable (asked again at each round, e.g.
    the members of a process group); fails the test otherwise."""
    def left():
        return [p for p in (pids() if callable(pids) else [pids]) if not pid_gone(p)]
    wait_for(lambda: not left(), timeout, lambda: f"{what} to end: {left()} still there")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: takes several seconds (timeouts, grace periods); still run in CI")


# ---------------------------------------------------------------------------
# Prerequisites


def _skip_reason_for_namespaces():
    """Why the integration tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "integration tests need root (virtd runs inside unshare --mount --net)"
    unshare = shutil.which("unshare", path=DEFAULT_PATH)
    if unshare is None:
        return "integration tests need unshare(1) (util-linux), not found in " + DEFAULT_PATH
    try:
        probe = subprocess.run([unshare, "--mount", "--net", "--", "true"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"'unshare --mount --net' cannot run here: {e}"
    if probe.returncode != 0:
        return ("'unshare --mount --net' does not work here (no CAP_SYS_ADMIN?): "
                + probe.stderr.strip())
    return None


@pytest.fixture(scope="session")
def unshare_path():
    """unshare(1); skips the tests that need it when not root or unusable."""
    reason = _skip_reason_for_namespaces()
    if reason:
        pytest.skip(reason)
    return shutil.which("unshare", path=DEFAULT_PATH)


@pytest.fixture(autouse=True)
def _integration_prerequisites(unshare_path):
    """Every integration test needs root and unshare: skip them all otherwise."""


@pytest.fixture(scope="session")
def build_dir():
    value = os.environ.get("VIRTD_BUILD_DIR")
    if not value:
        pytest.skip("VIRTD_BUILD_DIR is not set: run through 'meson test' or set it "
                    "to the meson build directory")
    return Path(value).resolve()


@pytest.fixture(scope="session")
def virtd_binary(build_dir):
    path = build_dir / "src" / "virtd"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"virtd binary not found at {path}: build it first "
                    f"(ninja -C {build_dir})", pytrace=False)
    return path


@pytest.fixture(scope="session")
def virtd_version(build_dir):
    """The project version meson configured (what 'virtd --version' must print)."""
    info = build_dir / "meson-info" / "intro-projectinfo.json"
    if info.is_file():
        return json.loads(info.read_text())["version"]
    source = Path(os.environ.get("VIRTD_SOURCE_DIR", Path(__file__).parents[2]))
    m = re.search(r"version\s*:\s*'([^']+)'", (source / "meson.build").read_text())
    assert m, "cannot find the project version in meson.build"
    return m.group(1)


def run_virtd(binary, *args, timeout=WAIT_TIMEOUT):
    """Runs the virtd binary directly (no namespace) for option handling
    such as --version or --check-config; returns the CompletedProcess."""
    return subprocess.run([str(binary), *map(str, args)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout,
                          env=minimal_env(), check=False)


def minimal_env(extra=None):
    env = {"PATH": DEFAULT_PATH, "LC_ALL": "C"}
    for key in PASSTHROUGH_ENV:
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(extra or {})
    return env


# ---------------------------------------------------------------------------
# Files and hook scripts


def write_file_atomic(path, text, mode=0o644):
    """Writes @path with @mode exactly (umask ignored).  The content is
    complete before the name appears, and the name appears without an
    execute bit until the final chmod: a daemon rediscovering hook scripts
    meanwhile skips it silently instead of running half a script."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.harness-tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.rename(tmp, path)
    os.chmod(path, mode)
    return path


def write_script(path, text, mode=0o755):
    """A script with @mode: 0755 by default, i.e. root-owned (we are root)
    and not writable by group/other, as virtd requires unless
    allow_unsafe_permissions is set."""
    return write_file_atomic(path, text, mode)


def logging_hook_text(log_path, body="", env_vars=HOOK_ENV_VARS):
    """A /bin/sh hook that appends one line per call to @log_path:
    "$0<TAB>$1<TAB>$2<TAB>$3<TAB>$4<TAB>argc=N<TAB>stdin=BYTES<TAB>cwd=DIR"
    then "<TAB>NAME=value" for each of @env_vars set in its environment;
    then runs @body (shell code; "$@" and $0 as given to the hook)."""
    lines = [
        "#!/bin/sh",
        "# Written by virtd's integration test harness: logs each call.",
        "hook_stdin=$(wc -c | tr -d ' ')",
        'hook_line="$0\t$1\t$2\t$3\t$4\targc=$#\tstdin=$hook_stdin\tcwd=$(pwd)"',
    ]
    for var in env_vars:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
            raise ValueError(f"bad variable name {var!r}")
        lines.append(f'if [ "${{{var}+set}}" = set ]; then '
                     f'hook_line="$hook_line\t{var}=${var}"; fi')
    lines.append(f"printf '%s\\n' \"$hook_line\" >> {shlex.quote(str(log_path))}")
    if body:
        lines.append(body.rstrip("\n"))
    return "\n".join(lines) + "\n"


def write_logging_hook(path, log_path, body="", mode=0o755, env_vars=HOOK_ENV_VARS):
    """Installs a logging hook script at @path (see logging_hook_text)."""
    return write_script(path, logging_hook_text(log_path, body, env_vars), mode)


@dataclasses.dataclass(frozen=True)
class HookCall:
    """One call of a logging hook, as it logged it."""
    argv: tuple          # (argv[0], $1, $2, $3, $4)
    argc: int            # $#, not counting argv[0]
    stdin_bytes: int     # bytes read from stdin until EOF (None if unreadable)
    cwd: str
    env: dict            # the recorded variables that were set

    @property
    def script(self):
        return self.argv[0]

    @property
    def args(self):
        return self.argv[1:]


def parse_hook_log(text):
    calls = []
    for n, line in enumerate(text.splitlines(), 1):
        fields = line.split("\t")
        if len(fields) < 8:
            raise AssertionError(f"hook log line {n} is malformed: {line!r}")
        argv, rest = tuple(fields[:5]), fields[5:]
        meta = {}
        env = {}
        for field in rest:
            key, sep, value = field.partition("=")
            if not sep:
                raise AssertionError(f"hook log line {n}: bad field {field!r}")
            if key in ("argc", "stdin", "cwd") and key not in meta:
                meta[key] = value
            else:
                env[key] = value
        calls.append(HookCall(argv=argv, argc=int(meta["argc"]),
                              stdin_bytes=int(meta["stdin"]) if meta["stdin"] else None,
                              cwd=meta["cwd"], env=env))
    return calls


class HookLog:
    """The log file shared by logging hooks; read back as HookCall objects."""

    def __init__(self, path):
        self.path = Path(path)

    def calls(self):
        if not self.path.exists():
            return []
        return parse_hook_log(self.path.read_text())

    def argvs(self):
        return [c.argv for c in self.calls()]

    def wait_for(self, count, timeout=WAIT_TIMEOUT, virtd=None):
        """Waits until at least @count calls were logged; fails (with
        virtd's log when given) if that takes longer than @timeout or
        @virtd exits meanwhile."""
        def enough():
            calls = self.calls()
            return calls if len(calls) >= count else None

        def exited():
            if virtd is not None and not virtd.running():
                return (f"virtd exited (status {virtd.returncode}) while waiting for {count} "
                        f"hook calls, got {len(self.calls())}\n{virtd.log_tail()}")
            return None

        def what():
            msg = f"{count} hook calls: {self.calls()}"
            return msg + "\n" + virtd.log_tail() if virtd is not None else msg

        return wait_for(enough, timeout, what, abort=exited)


def pgid_members(pgid):
    """Pids (with their state letter) currently in process group @pgid."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may contain spaces and ')'
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:
            members.append((int(entry.name), fields[0]))
    return members


# ---------------------------------------------------------------------------
# virtd


def _config_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class VirtdInstance:
    """One virtd with private directories under @base:

    base/conf/virtd.conf   the configuration (conf_dir)
    base/state, base/run   state_dir, run_dir
    base/hooks/            hooks dir, with daemon.d qemu.d lxc.d network.d
    base/log/virtd.log     virtd's stdout+stderr (appended across restarts)
    base/log/hooks.log     where logging hooks write by default
    base/log/sanitizer/    sanitizer reports of virtd, if built with them
    """

    def __init__(self, base, binary, unshare, hooks_config=None, paths_config=None,
                 extra_config="", env=None, run_dir=None, netns=None):
        self.base = Path(base)
        self.binary = Path(binary)
        self.unshare = unshare
        self.conf_dir = self.base / "conf"
        self.state_dir = self.base / "state"
        self.run_dir = Path(run_dir) if run_dir else self.base / "run"
        self.hooks_dir = self.base / "hooks"
        self.log_dir = self.base / "log"
        self.tmp_dir = self.base / "tmp"
        self.config_path = self.conf_dir / "virtd.conf"
        self.log_path = self.log_dir / "virtd.log"
        self.sanitizer_dir = self.log_dir / "sanitizer"
        self.sanitizer_seen = set()
        self.sanitizer_log_checked = 0
        self.pid_path = self.run_dir / "virtd.pid"
        self.hook_log = HookLog(self.log_dir / "hooks.log")
        self.env = dict(env or {})
        # a network namespace to run in (a path such as /proc/PID/ns/net) that
        # outlives virtd, instead of a new one per start
        self.netns = netns
        self.proc = None
        self.started_at = None
        self.ready_at = None

        for d in (self.conf_dir, self.state_dir, self.hooks_dir, self.log_dir, self.tmp_dir,
                  self.sanitizer_dir):
            d.mkdir(parents=True, exist_ok=True)
            os.chmod(d, 0o755)
        for drv in HOOK_DRIVERS:
            (self.hooks_dir / f"{drv}.d").mkdir(mode=0o755, exist_ok=True)
        self.write_config(hooks_config, paths_config, extra_config)

    # -- configuration ------------------------------------------------------

    def config_text(self, hooks=None, paths=None, extra=""):
        """virtd.conf pointing at the private dirs; @hooks / @paths add or
        override keys of [hooks] / [paths]; @extra is appended verbatim."""
        p = {"conf_dir": self.conf_dir, "state_dir": self.state_dir,
             "run_dir": self.run_dir}
        p.update(paths or {})
        h = {"dir": self.hooks_dir}
        h.update(hooks or {})
        out = ["# written by virtd's integration test harness", "[paths]"]
        out += [f"{k} = {_config_value(v)}" for k, v in p.items()]
        out += ["", "[hooks]"]
        out += [f"{k} = {_config_value(v)}" for k, v in h.items()]
        text = "\n".join(out) + "\n"
        if extra:
            text += "\n" + extra.rstrip("\n") + "\n"
        return text

    def write_config(self, hooks=None, paths=None, extra=""):
        write_file_atomic(self.config_path, self.config_text(hooks, paths, extra))

    # -- hooks --------------------------------------------------------------

    def hook_path(self, driver, name=None):
        """<hooks>/<driver> (main script) or <hooks>/<driver>.d/<name>."""
        if name is None:
            return self.hooks_dir / driver
        return self.hooks_dir / f"{driver}.d" / name

    def install_hook(self, driver, name=None, body="", mode=0o755, log=None,
                     env_vars=HOOK_ENV_VARS):
        """Installs a logging hook (main script when @name is None) writing
        to @log (default: this instance's hook log); returns its path."""
        log = Path(log) if log else self.hook_log.path
        return write_logging_hook(self.hook_path(driver, name), log, body, mode, env_vars)

    # -- process ------------------------------------------------------------

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def returncode(self):
        return self.proc.returncode if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def command(self, extra_args=()):
        virtd = [str(self.binary), "--config", str(self.config_path), "--verbose", *extra_args]
        if self.netns:
            return ["nsenter", f"--net={self.netns}", "--", self.unshare, "--mount", "--",
                    *virtd]
        return [self.unshare, "--mount", "--net", "--", *virtd]

    def start(self, wait=True, timeout=READY_TIMEOUT, extra_args=(), nofile=None):
        """@nofile: (soft, hard) RLIMIT_NOFILE virtd starts with."""
        assert not self.running(), "virtd already running"
        self.ready_at = None
        with open(self.log_path, "ab") as log:
            log.write(f"--- harness: starting {shlex.join(self.command(extra_args))}\n"
                      .encode())
            log.flush()
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen(
                self.command(extra_args), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=self.process_env(), cwd=self.base,
                start_new_session=True,
                preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, nofile))
                if nofile else None)
        if wait:
            self.wait_ready(timeout)
        return self

    def process_env(self):
        """virtd's environment: minimal_env() with this instance's
        variables, and the sanitizers' reports sent to sanitizer_dir."""
        env = minimal_env(self.env)
        for var, prefix in SANITIZER_LOG_PREFIXES.items():
            if var in env:
                env[var] += f":log_path={self.sanitizer_dir / prefix}"
        return env

    def _pidfile_pid(self):
        try:
            text = self.pid_path.read_text()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return int(text) if text.strip().isdigit() else None

    def is_ready(self):
        return self.running() and self._pidfile_pid() == self.pid

    def wait_ready(self, timeout=READY_TIMEOUT):
        """Ready = <run_dir>/virtd.pid holds virtd's pid."""
        deadline = self.started_at + timeout
        while True:
            if self._pidfile_pid() == self.pid:
                self.ready_at = time.monotonic()
                if not self.running():
                    pytest.fail(f"virtd wrote its pid file but exited with status "
                                f"{self.returncode}\n{self.log_tail()}")
                return
            if not self.running():
                pytest.fail(f"virtd exited with status {self.returncode} before "
                            f"becoming ready\n{self.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"virtd (pid {self.pid}) not ready after {timeout} s: "
                            f"{self.pid_path} does not hold its pid\n{self.log_tail()}")
            time.sleep(POLL_INTERVAL)

    def signal(self, sig):
        assert self.running(), f"virtd is not running (status {self.returncode})\n" \
                               f"{self.log_tail()}"
        os.kill(self.proc.pid, sig)

    def sighup(self):
        """Asks for a reload; returns at once (wait on the hook log or the
        daemon log for its effects)."""
        self.signal(signal.SIGHUP)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        assert self.proc is not None, "virtd was never started"
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"virtd (pid {self.pid}) still running after {timeout} s\n"
                        f"{self.log_tail()}")

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait (bounded); returns the exit status."""
        if self.running():
            os.kill(self.proc.pid, signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill(self):
        """Teardown: SIGKILL by pid if still running, reap."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass

    def kill_network_daemons(self):
        """Teardown: the networks' dnsmasq outlive virtd by design (and keep
        its network namespace alive): SIGKILL, by pid, those of this
        instance still there."""
        want = f"--conf-file={self.run_dir}/network/".encode()
        for p in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if want in p.read_bytes():
                    os.kill(int(p.parent.name), signal.SIGKILL)
            except (OSError, ValueError):
                pass

    # -- logs ---------------------------------------------------------------

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=LOG_TAIL_LINES):
        tail = self.log_text().splitlines()[-lines:]
        return f"--- last {len(tail)} lines of {self.log_path}:\n" + "\n".join(tail)

    def new_sanitizer_reports(self):
        """Sanitizer reports written since the last call: [(path, text)],
        from sanitizer_dir and from virtd.log (UBSan's, see UBSAN_REPORT)."""
        reports = []
        for path in sorted(self.sanitizer_dir.iterdir()):
            if path not in self.sanitizer_seen:
                self.sanitizer_seen.add(path)
                reports.append((path, path.read_text(errors="replace")))
        text = self.log_text()
        m = UBSAN_REPORT.search(text, self.sanitizer_log_checked)
        self.sanitizer_log_checked = len(text)
        if m:
            lines = text[m.start():].splitlines()[:UBSAN_REPORT_LINES]
            reports.append((self.log_path, "\n".join(lines)))
        return reports

    def wait_for_log(self, pattern, timeout=WAIT_TIMEOUT):
        """Waits until the daemon log matches regex @pattern; returns the match."""
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.log_text()), timeout,
                        lambda: f"virtd's log to match {pattern!r}\n{self.log_tail()}")


# Factories not closed yet, whose virtds _sanitizer_reports checks.
_OPEN_FACTORIES = []


class VirtdFactory:
    """Creates VirtdInstance objects in numbered dirs under @base and tears
    all of them down in close()."""

    def __init__(self, base, binary, unshare):
        self.base = Path(base)
        self.binary = binary
        self.unshare = unshare
        self.instances = []
        _OPEN_FACTORIES.append(self)

    def __call__(self, name=None, **kwargs):
        name = name or f"virtd{len(self.instances)}"
        inst = VirtdInstance(self.base / name, self.binary, self.unshare, **kwargs)
        self.instances.append(inst)
        return inst

    def check_sanitizer_reports(self):
        """Fails the test if a virtd of this factory wrote a sanitizer
        report since the last check, showing the reports."""
        found = [r for inst in self.instances for r in inst.new_sanitizer_reports()]
        if found:
            pytest.fail("virtd's sanitizer reported:\n" + "\n".join(
                f"--- {path}:\n{text}" for path, text in found), pytrace=False)

    def close(self):
        _OPEN_FACTORIES.remove(self)
        for inst in self.instances:
            inst.kill()
            inst.kill_network_daemons()
        self.check_sanitizer_reports()


@pytest.fixture(autouse=True)
def _sanitizer_reports():
    """After each test, fails it for any sanitizer report of a virtd still
    managed by a factory (a module's shared virtd too); factories check
    their virtds once more when they close."""
    yield
    for factory in list(_OPEN_FACTORIES):
        factory.check_sanitizer_reports()


@pytest.fixture
def virtd_factory(tmp_path, virtd_binary, unshare_path):
    factory = VirtdFactory(tmp_path, virtd_binary, unshare_path)
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def virtd_module_factory(tmp_path_factory, virtd_binary, unshare_path):
    """For test modules sharing one virtd across their tests."""
    factory = VirtdFactory(tmp_path_factory.mktemp("virtd"), virtd_binary, unshare_path)
    yield factory
    factory.close()


# ---------------------------------------------------------------------------
# network namespaces and directories other users can reach


@contextlib.contextmanager
def netns_process():
    """A network namespace of its own, held by an 'unshare --net sleep'
    process (killed by pid afterwards); yields that process's pid."""
    p = subprocess.Popen(["unshare", "--net", "--", "sleep", "infinity"])
    try:
        wait_for(lambda: os.readlink(f"/proc/{p.pid}/ns/net") != os.readlink("/proc/self/ns/net"),
                 what="a network namespace of its own")
        yield p.pid
    finally:
        p.kill()
        p.wait()


@pytest.fixture
def netns_holder():
    """The path of a network namespace that outlives each virtd of a test
    (VirtdInstance(netns=...))."""
    with netns_process() as pid:
        yield f"/proc/{pid}/ns/net"


@pytest.fixture
def guest_ns():
    """The pid holding a namespace that stands for a guest (a veth joins it
    to a bridge)."""
    with netns_process() as pid:
        yield pid


@pytest.fixture
def outside_ns():
    """The pid holding an 'outside' namespace (a veth joins it to virtd's)."""
    with netns_process() as pid:
        yield pid


@pytest.fixture
def open_dir():
    """A directory under /tmp that other users can reach (pytest's are
    0700): for a run directory that user nobody connects into, or whose
    files dnsmasq reads as its own user, as /run/virtd allows."""
    d = Path(tempfile.mkdtemp(prefix="virtd-open-", dir="/tmp"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)

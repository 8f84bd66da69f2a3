"""Calls that never wait have a lane of their own.

A state-changing call that waits for a guest's operation holds its worker
for up to [qemu] job_wait.  Read-only calls never take a job and run on a
small pool of their own, so a hook's own 'virsh dominfo' is answered at
once even while every ordinary worker waits for the job its guest holds
(docs/hooks.rst: "Read-only requests are answered at once").
"""

import threading

from conftest import WAIT_TIMEOUT
from qemuutil import (BOOT_TIMEOUT, Guest, guest_files_fixture,  # noqa: F401
                      kill_factory_guests_fixture, requires_qemu)
from rpcutil import (ERROR, KEEPALIVE_PING, KEEPALIVE_PONG, KEEPALIVE_PROG, MESSAGE,
                     PROC_CONNECT_OPEN, PROC_DOMAIN_LOOKUP_BY_NAME, REPLY, RawClient, frame,
                     wait_for, xdr_opt_string, xdr_string, xdr_uint)
from virshutil import kv_lines

pytestmark = requires_qemu

PROC_DOMAIN_CREATE = 9
VIR_ERR_OPERATION_INVALID = 55
VIR_FROM_QEMU = 10

# REMOTE_WORKERS in src/rpc/remote_dispatch.c.  With the 'virsh start'
# that holds the job, this many waiting calls leave no ordinary worker
# free: without a lane of their own, the hook's calls would queue behind
# them until they time out after job_wait.
WAITERS = 20
JOB_WAIT = 60
# what "at once" means on a loaded 2-core machine; far below JOB_WAIT,
# which is how long the hook's call would take without its own lane
ANSWER_BOUND = 10


class Waiter:
    """A raw client with a connection open and guest @name looked up, to
    send DOMAIN_CREATE at the right moment.  Prepared beforehand so that
    its set-up calls never compete for the workers its DOMAIN_CREATE is
    meant to occupy."""

    def __init__(self, sock, name):
        self.client = RawClient(sock, timeout=JOB_WAIT + BOOT_TIMEOUT)
        self.client.call_ok(PROC_CONNECT_OPEN, xdr_opt_string("qemu:///system") + xdr_uint(0))
        self.dom = self.client.call_ok(PROC_DOMAIN_LOOKUP_BY_NAME, xdr_string(name)).data
        self.serial = None

    def send_create(self):
        """Sends DOMAIN_CREATE, which waits for the guest's job; returns
        once virtd has handed it to a worker: virtd reads a client's frames
        in order and answers a keepalive PING on its main loop, so the PONG
        to a PING sent after the call proves the call was dispatched."""
        c = self.client
        self.serial = c.serial
        c.serial += 1
        c.send(frame(self.dom, proc=PROC_DOMAIN_CREATE, serial=self.serial))
        c.send(frame(prog=KEEPALIVE_PROG, proc=KEEPALIVE_PING, mtype=MESSAGE))
        pong = c.recv_frame()
        assert (pong.prog, pong.proc, pong.type) == (KEEPALIVE_PROG, KEEPALIVE_PONG, MESSAGE), \
            f"DOMAIN_CREATE was answered during the start hook: {pong}"

    def create_reply(self):
        f = self.client.recv_frame()
        assert (f.type, f.proc, f.serial, f.status) == \
            (REPLY, PROC_DOMAIN_CREATE, self.serial, ERROR), f
        return f.error()

    def close(self):
        self.client.close()


def test_hook_dominfo_answers_while_every_worker_waits(virtd_factory, guest_files):
    """The guest's 'start' hook waits until 20 other clients' DOMAIN_CREATE
    calls wait for the guest's job, then times its own 'virsh dominfo'."""
    v = virtd_factory(extra_config=f"[qemu]\njob_wait = {JOB_WAIT}\n")
    sock = v.run_dir / "virtd-sock"
    in_hook = v.tmp_dir / "in-start-hook"
    go = v.tmp_dir / "waiters-in-place"
    out = v.tmp_dir / "hook-dominfo.out"
    timing = v.tmp_dir / "hook-dominfo.time"
    body = (f"if [ \"$2\" = start ]; then\n"
            f"  touch {in_hook}\n"
            f"  n=0\n"
            f"  while [ ! -e {go} ]; do\n"
            f"    n=$((n+1)); [ $n -gt 1200 ] && exit 1; sleep 0.05\n"
            f"  done\n"
            f"  t0=$(date +%s%N)\n"
            f"  virsh -c 'qemu+unix:///system?socket={sock}' dominfo \"$1\" > {out} 2>&1\n"
            f"  rc=$?\n"
            f"  t1=$(date +%s%N)\n"
            f"  echo \"$rc $((t1 - t0))\" > {timing}.tmp && mv {timing}.tmp {timing}\n"
            f"fi")
    v.install_hook("qemu", body=body)
    v.start()
    g = Guest(v, guest_files)
    waiters = []
    result = {}
    starter = threading.Thread(target=lambda: result.setdefault("p", g.start(check=False)))
    try:
        for _ in range(WAITERS):
            waiters.append(Waiter(sock, "g1"))
        starter.start()
        wait_for(in_hook.exists, BOOT_TIMEOUT, "the start hook")
        for w in waiters:
            w.send_create()
        go.touch()
        # bounded by the hook's own call taking job_wait, and then some
        wait_for(timing.exists, JOB_WAIT + WAIT_TIMEOUT, "the hook's dominfo")
        rc, ns = map(int, timing.read_text().split())
        text = out.read_text()
        assert rc == 0, text
        assert ns / 1e9 < ANSWER_BOUND, \
            f"the hook's virsh dominfo took {ns / 1e9:.1f} s with {WAITERS} calls waiting"
        info = kv_lines(text)
        assert (info["Name"], info["State"]) == ("g1", "shut off"), text

        starter.join(BOOT_TIMEOUT)
        assert result["p"].returncode == 0, result["p"].stderr
        # every waiter got the job after the start: they were all waiting
        for w in waiters:
            err = w.create_reply()
            assert (err["code"], err["domain"], err["message"]) == \
                (VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU,
                 "Requested operation is not valid: domain is already running"), err
        assert g.state() == "running (booted)"
    finally:
        for w in waiters:
            w.close()
        if starter.is_alive():
            starter.join(JOB_WAIT + BOOT_TIMEOUT)

"""A guest's whole life through python3-libvirt, as a management program
drives it: createWithFlags, suspend/resume, reset, reboot, shutdownFlags,
destroyFlags (graceful), createXML (transient), with the hooks each one
runs and the states the API reports.
"""

import pytest

from qemuutil import (BOOT_TIMEOUT, START, Guest, guest_files_fixture,  # noqa: F401
                      guest_xml, kill_factory_guests_fixture, qemu_calls, requires_qemu,
                      stop_calls, testguest, virtd_fixture, wait_calls)
from rpcutil import libvirt_module

pytestmark = requires_qemu


@pytest.fixture(name="conn")
def conn_fixture(virtd):
    libvirt = libvirt_module()
    c = libvirt.open(f"qemu+unix:///system?socket={virtd.run_dir / 'virtd-sock'}")
    yield c
    c.close()


def test_python_lifecycle(virtd, guest_files, conn):
    libvirt = libvirt_module()
    g = Guest(virtd, guest_files)
    dom = conn.lookupByName("g1")
    assert dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_UNKNOWN]

    assert dom.createWithFlags(0) == 0
    assert dom.isActive() == 1 and dom.ID() == 1
    assert dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED]
    state, max_kib, kib, vcpus, _ = dom.info()
    assert (state, max_kib, kib, vcpus) == (libvirt.VIR_DOMAIN_RUNNING, 262144, 262144, 1)
    assert "<domain type='qemu' id='1'>" in dom.XMLDesc(0)
    assert qemu_calls(virtd) == START
    g.wait_ready()

    assert dom.suspend() == 0
    assert dom.state() == [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER]
    with pytest.raises(libvirt.libvirtError) as e:
        dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN)
    assert e.value.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID
    assert dom.resume() == 0
    assert dom.state() == [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_UNPAUSED]

    # reset and reboot happen inside QEMU: no hook, same process
    pid = g.qemu_pid()
    assert dom.reset(0) == 0
    g.wait_ready(count=2)
    assert dom.reboot(0) == 0
    g.wait_ready(count=3)
    assert g.qemu_pid() == pid
    assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    assert qemu_calls(virtd) == START

    assert dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) == 0
    g.wait_state("shut off (shutdown)")
    assert dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN]
    assert conn.lookupByName("g1").ID() == -1   # dom.ID() is cached by the client
    assert wait_calls(virtd, 5) == START + stop_calls("shutdown")

    # a shutdown mode virtd does not have (the guest agent) is refused
    assert dom.create() == 0
    with pytest.raises(libvirt.libvirtError) as e:
        dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT)
    assert (e.value.get_error_code(), str(e.value)) == \
        (libvirt.VIR_ERR_INVALID_ARG, "unsupported flags (0x2) in virDomainShutdownFlags")
    assert dom.isActive() == 1
    assert dom.destroyFlags(libvirt.VIR_DOMAIN_DESTROY_GRACEFUL) == 0
    assert dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED]
    assert qemu_calls(virtd) == START + stop_calls("shutdown") + START + \
        stop_calls("destroyed")


def test_python_transient(virtd, guest_files, conn):
    libvirt = libvirt_module()
    serial = virtd.tmp_dir / "t1.serial"
    dom = conn.createXML(guest_xml(guest_files, "t1", serial), 0)
    assert (dom.name(), dom.isPersistent(), dom.isActive()) == ("t1", 0, 1)
    assert qemu_calls(virtd) == START
    testguest.wait_marker(str(serial), "READY", BOOT_TIMEOUT)
    assert dom.destroy() == 0
    assert qemu_calls(virtd) == START + stop_calls("destroyed")
    with pytest.raises(libvirt.libvirtError) as e:
        conn.lookupByName("t1")
    assert e.value.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
    assert str(e.value) == "Domain not found: no domain with matching name 't1'"

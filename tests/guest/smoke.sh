#!/bin/bash
# Smoke test of virtd's test guest: build it (tests/guest/build.sh), then boot
# it with qemu-system-x86_64 (TCG) once per scenario and check the serial
# markers and QMP events.  Every qemu is ended by its PID whatever happens.
#
#   tests/guest/smoke.sh [--logdir DIR] [--quiet-kernel] [SCENARIO...]
#
# Scenarios: run poweroff poweroff-delay reboot reboot-loop panic panic-pci
# panic-pause watchdog watchdog-poweroff hang net (default: all).
# The guest is built in $VIRTD_TEST_GUEST_DIR (default /var/cache/virtd-test-guest).
# Installs qemu-system-x86 (and python3) when missing and running as root.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { printf 'smoke: ERROR: %s\n' "$*" >&2; exit 1; }

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[ -x /usr/bin/python3 ] || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing: ${missing[*]} (apt-get install ${missing[*]})"
	echo "smoke: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get -q -o DPkg::Lock::Timeout=300 update >&2 &&
			apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends "${missing[@]}" >&2; } ||
		die "apt-get install ${missing[*]} failed"
fi

paths=$("$HERE/build.sh") || die "build.sh failed"
VMLINUZ=$(sed -n 's/^VMLINUZ=//p' <<<"$paths")
INITRD=$(sed -n 's/^INITRD=//p' <<<"$paths")
{ [ -f "$VMLINUZ" ] && [ -f "$INITRD" ]; } || die "build.sh printed no usable paths: $paths"
echo "smoke: kernel $VMLINUZ, initrd $INITRD" >&2

# exec: a signal sent to this PID reaches the runner, which ends its qemus
exec /usr/bin/python3 "$HERE/testguest.py" smoke --kernel "$VMLINUZ" --initrd "$INITRD" "$@"

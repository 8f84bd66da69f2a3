#!/bin/sh
# /init (PID 1, busybox ash) of virtd's integration-test guest.
# Built into the initramfs by tests/guest/build.sh; see tests/guest/README.md.
#
# Kernel command line (read from /proc/cmdline: dotted names never reach
# init's argv or environment):
#   test.action=run|poweroff|reboot|panic|watchdog|hang   (default: run)
#   test.delay=N    seconds between READY and the action (default 0)
#   test.wdt=N      i6300esb timeout in seconds for test.action=watchdog (default 1)
#   test.net=dhcp   load virtio-net and run udhcpc on the first NIC (background)
#   test.http=PORT  with test.net=dhcp: once the lease is there, serve
#                   "VIRTD-TEST-GUEST HTTP <name>" over HTTP on PORT (busybox httpd)
#   test.connect=IP:PORT  with test.net=dhcp: once the lease is there, send
#                   "VIRTD-TEST-GUEST HELLO" over TCP to IP:PORT (busybox nc)
#
# Every marker goes to the console (ttyS0 with console=ttyS0), one line each,
# prefixed "VIRTD-TEST-GUEST ":
#   INIT                             /init started
#   READY action=A delay=N uptime=S  modules loaded, power button armed
#   ACTION A                         right before action A is carried out
#   POWER-BUTTON                     ACPI power button pressed (then ACTION poweroff)
#   WATCHDOG-ARMED timeout=N         i6300esb running, never petted again
#   NET IFACE ADDR/PREFIX            test.net=dhcp got a lease
#   NET-FAILED REASON                test.net=dhcp failed
#   HTTP PORT                        test.http=PORT: the server listens
#   CONNECT ok|failed IP:PORT        test.connect: whether the connection worked
#   WARN MSG / ERROR MSG             something is off; after an ERROR the guest idles
PATH=/bin
export PATH
TAG=VIRTD-TEST-GUEST

say() { echo "$TAG $*"; }

idle_forever() {
	while :; do sleep 3600; done
}

# Never let PID 1 exit: the kernel would panic ("Attempted to kill init").
fatal() {
	say "ERROR $*"
	idle_forever
}

say INIT
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# console=ttyS0 gives PID 1 the serial line as fds 0-2 already; this only
# matters if the kernel could not open a console before starting /init.
[ -t 1 ] || exec </dev/console >/dev/console 2>&1

action=run
delay=0
wdt=1
net=
http=
connect=
# shellcheck disable=SC2013 # words, not lines
for w in $(cat /proc/cmdline); do
	case $w in
	test.action=*) action=${w#*=} ;;
	test.delay=*) delay=${w#*=} ;;
	test.wdt=*) wdt=${w#*=} ;;
	test.net=*) net=${w#*=} ;;
	test.http=*) http=${w#*=} ;;
	test.connect=*) connect=${w#*=} ;;
	esac
done

case $action in
run | poweroff | reboot | panic | watchdog | hang) ;;
*) fatal "unknown test.action=$action (run|poweroff|reboot|panic|watchdog|hang)" ;;
esac
case $delay in '' | *[!0-9]*) fatal "test.delay=$delay is not a number of seconds" ;; esac
case $wdt in '' | *[!0-9]* | 0) fatal "test.wdt=$wdt is not a positive number of seconds" ;; esac
case $net in '' | dhcp) ;; *) fatal "test.net=$net is not supported (dhcp)" ;; esac
case $http in '' | *[!0-9]*) [ -z "$http" ] || fatal "test.http=$http is not a port" ;; esac
[ -z "$http" ] || [ "$net" = dhcp ] || fatal "test.http needs test.net=dhcp"
[ -z "$connect" ] || [ "$net" = dhcp ] || fatal "test.connect needs test.net=dhcp"
case $connect in '' | *:*) ;; *) fatal "test.connect=$connect is not IP:PORT" ;; esac

load_modules() {
	[ -f "/lib/modules/$1.list" ] || return 0
	while read -r m; do
		[ -n "$m" ] || continue
		insmod "/lib/modules/$m" 2>/dev/null || say "WARN insmod $m failed"
	done <"/lib/modules/$1.list"
}

# button + evdev: ACPI power button as an input device; pvpanic-mmio
# (-device pvpanic, ACPI QEMU0001) and pvpanic-pci (-device pvpanic-pci).
load_modules base

# ---------------------------------------------------------------- network
start_net() {
	load_modules net
	ip link set lo up
	n=0
	while :; do
		nic=
		for d in /sys/class/net/*; do
			case ${d##*/} in lo | '*') ;; *) nic=${d##*/} && break ;; esac
		done
		[ -n "$nic" ] && break
		n=$((n + 1))
		[ $n -ge 50 ] && { say "NET-FAILED no network interface"; return 1; }
		sleep 0.1
	done
	ip link set "$nic" up || { say "NET-FAILED cannot bring $nic up"; return 1; }
	# the script prints the NET marker
	udhcpc -i "$nic" -f -q -n -t 10 -T 1 -s /bin/udhcpc.script >/dev/null 2>&1 ||
		{ say "NET-FAILED no DHCP lease on $nic"; return 1; }
	if [ -n "$connect" ]; then
		if echo "$TAG HELLO" | nc -w 5 "${connect%:*}" "${connect##*:}" >/dev/null 2>&1; then
			say "CONNECT ok $connect"
		else
			say "CONNECT failed $connect"
		fi
	fi
	[ -n "$http" ] || return 0
	mkdir -p /www
	echo "$TAG HTTP $(cat /proc/sys/kernel/hostname)" >/www/index.html
	httpd -p "$http" -h /www && say "HTTP $http"
}
[ "$net" = dhcp ] && start_net &

# ----------------------------------------------------------- power button
# Open every "Power Button" evdev node in PID 1 *before* READY, so a press
# that comes right after READY is queued on the open file and not lost; a
# background reader per node powers the guest off on the first event.
watch_power_button() {
	fd=3
	tries=0
	while :; do
		for d in /sys/class/input/event*; do
			[ -e "$d/device/name" ] || continue
			[ "$(cat "$d/device/name")" = "Power Button" ] || continue
			[ -c "/dev/input/${d##*/}" ] || continue
			eval "exec $fd</dev/input/${d##*/}"
			# 24 bytes = one struct input_event on x86_64
			(
				dd bs=24 count=1 of=/dev/null 2>/dev/null <&$fd
				say POWER-BUTTON
				say "ACTION poweroff"
				sync
				poweroff -f
			) &
			fd=$((fd + 1))
			[ $fd -gt 9 ] && break
		done
		[ $fd -gt 3 ] && return 0
		tries=$((tries + 1))
		[ $tries -ge 20 ] && { say "WARN no ACPI power button found; system_powerdown will be ignored"; return 1; }
		sleep 0.1
	done
}
[ "$action" = hang ] || watch_power_button

# --------------------------------------------------------------- watchdog
# The cloud kernel has no i6300esb driver, so program the device directly:
# PCI config space through sysfs, the registers in BAR0 through /dev/mem.
esb_reg16() { devmem $((bar + $1)) 16 "$2"; }
esb_unlock() {
	esb_reg16 0xc 0x80
	esb_reg16 0xc 0x86
}
arm_watchdog() {
	dev=
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x25ab ] && dev=$d && break
	done
	[ -n "$dev" ] || fatal "no i6300esb PCI device (qemu needs -device i6300esb)"
	echo 1 >"$dev/enable" || fatal "cannot enable $dev"
	bar=$(head -n 1 "$dev/resource" | cut -d' ' -f1)
	[ $((bar)) -ne 0 ] || fatal "i6300esb BAR0 is not assigned"
	# 1 kHz clock, reset output enabled, no stage-1 interrupt (config 0x60 = 0x0003)
	printf '\003\000' | dd of="$dev/config" bs=2 seek=$((0x60 / 2)) count=1 conv=notrunc 2>/dev/null ||
		fatal "cannot write i6300esb config"
	# each of the two stages lasts N*512 ticks: about N seconds in total
	val=$((wdt << 9))
	esb_unlock
	devmem $((bar + 0x0)) 32 $val # timer 1
	esb_unlock
	devmem $((bar + 0x4)) 32 $val # timer 2
	esb_unlock
	esb_reg16 0xc 0x100 # reload
	# lock register 0x68: WDT_ENABLE (not locked)
	printf '\002' | dd of="$dev/config" bs=1 seek=$((0x68)) count=1 conv=notrunc 2>/dev/null ||
		fatal "cannot enable the i6300esb"
	say "WATCHDOG-ARMED timeout=$wdt"
}

up=$(cut -d' ' -f1 /proc/uptime)
say "READY action=$action delay=$delay uptime=$up"

[ "$delay" -gt 0 ] && sleep "$delay"

case $action in
run) ;;
poweroff)
	say "ACTION poweroff"
	sync
	poweroff -f
	;;
reboot)
	say "ACTION reboot"
	sync
	reboot -f
	;;
panic)
	say "ACTION panic"
	echo c >/proc/sysrq-trigger
	;;
watchdog)
	say "ACTION watchdog"
	arm_watchdog
	;;
hang)
	say "ACTION hang"
	;;
esac
idle_forever

#!/bin/sh
# The quick-start demo: builds virtd and the tiny test guest, then runs
# virtd in the foreground inside a private mount+network namespace with
# sample hooks (a logger, an admission-control hook and a port-forward
# hook), and drives it with the real virsh: a guest is started and shut
# down through ACPI, a guest whose <description> says "virtd:refuse" is
# refused, a NAT network with DHCP is started with a guest on it whose web
# server a client outside reaches through the port-forward hook, and
# virtd is reloaded and stopped.  It prints virsh's output and every hook
# call.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

tools/install-deps.sh demo
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null
eval "$(tests/guest/build.sh)"    # VMLINUZ, INITRD

demo=$(mktemp -d /tmp/virtd-demo.XXXXXX)
chmod 755 "$demo"
hooks=$demo/hooks
log=$demo/hook-calls.log
mkdir -p "$hooks/daemon.d" "$hooks/qemu.d" "$hooks/network.d" "$demo/run" "$demo/state" \
    "$demo/conf"
install_log_hook() {
    sed "s|^LOG=.*|LOG=$log|" examples/hooks/log-hook > "$1"
    chmod 0755 "$1"
}
install_log_hook "$hooks/daemon"
install_log_hook "$hooks/qemu.d/10-log"
install_log_hook "$hooks/network.d/10-log"
install -m 0755 examples/hooks/admission-control "$hooks/qemu.d/20-admission-control"
install -m 0755 examples/hooks/port-forward "$hooks/qemu.d/30-port-forward"
cat > "$demo/virtd.conf" <<CONF
[paths]
conf_dir = $demo/conf
state_dir = $demo/state
run_dir = $demo/run
[hooks]
dir = $hooks
timeout = 30
CONF

guest_xml() { # name description [cmdline-extra [devices]]
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <description>$2</description>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$VMLINUZ</kernel>
    <initrd>$INITRD</initrd>
    <cmdline>console=ttyS0 test.action=run${3:+ $3}</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='$demo/$1.serial'/>
    </serial>${4:-}
  </devices>
</domain>
XML
}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || true; }
export LIBVIRT_DEFAULT_URI="qemu+unix:///system?socket=$demo/run/virtd-sock"
vsh() { run virsh "$@"; }
wait_for() { # seconds command...
    t=$1; shift; i=0
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt $((t * 10)) ] || return 1; sleep 0.1
    done
}

say "starting virtd in a private mount+network namespace (its log follows, prefixed; client connections not shown)"
unshare --mount --net -- build/src/virtd --config "$demo/virtd.conf" 2>&1 |
    grep --line-buffered -v ' virtd\.rpc: ' | sed -u 's/^/    virtd| /' &
wait_for 10 test -s "$demo/run/virtd.pid"
pid=$(cat "$demo/run/virtd.pid")
trap 'kill $pid 2>/dev/null || true' EXIT

say "defining two guests: demo-ok, and demo-refused whose description says virtd:refuse"
guest_xml demo-ok "a guest admission control lets through" > "$demo/demo-ok.xml"
guest_xml demo-refused "virtd:refuse - not allowed on this host" > "$demo/demo-refused.xml"
vsh define "$demo/demo-ok.xml"
vsh define "$demo/demo-refused.xml"
vsh list --all

say "starting demo-ok (hooks: prepare, start, started) and waiting for it to boot"
vsh start demo-ok
vsh domstate --reason demo-ok
wait_for 60 grep -q 'VIRTD-TEST-GUEST READY' "$demo/demo-ok.serial"
grep 'VIRTD-TEST-GUEST' "$demo/demo-ok.serial" | sed 's/^/    serial| /'

say "ACPI shutdown of demo-ok: the guest powers off (hooks: stopped, release shutdown)"
vsh shutdown demo-ok
wait_for 60 sh -c "virsh domstate demo-ok | grep -q 'shut off'"
vsh domstate --reason demo-ok

say "starting demo-refused: the admission-control hook says no"
vsh start demo-refused
vsh domstate --reason demo-refused

say "a NAT network with DHCP (hooks: network start, started); demo-web gets 192.168.150.77"
cat > "$demo/demo-net.xml" <<XML
<network>
  <name>demo-net</name>
  <forward mode='nat'/>
  <bridge name='virbr-demo'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.150.10' end='192.168.150.50'/>
      <host mac='52:54:00:de:00:01' ip='192.168.150.77'/>
    </dhcp>
  </ip>
</network>
XML
vsh net-define "$demo/demo-net.xml"
vsh net-start demo-net
vsh net-list --all

say "an 'outside' namespace, joined to virtd's by a veth pair: 10.99.0.2 -> 10.99.0.1"
unshare --net -- sleep 3600 &
outside=$!
trap 'kill $pid $outside 2>/dev/null || true' EXIT
wait_for 10 sh -c "[ \"\$(readlink /proc/$outside/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
in_virtd() { nsenter -t "$pid" -n "$@"; }
in_outside() { nsenter -t "$outside" -n "$@"; }
in_virtd ip link add ext0 type veth peer name ext1
in_virtd ip link set ext1 netns "$outside"
in_virtd ip addr add 10.99.0.1/24 dev ext0
in_virtd ip link set ext0 up
in_outside ip addr add 10.99.0.2/24 dev ext1
in_outside ip link set ext1 up
fetch() { in_outside python3 -c 'import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode().strip())
except OSError as e:
    print("no answer:", e)' "$1"; }

say "demo-web, on demo-net, serves HTTP on port 80 (hooks: prepare, network plugged, start, started)"
guest_xml demo-web "a web server behind NAT" "test.net=dhcp test.http=80" "
    <interface type='network'>
      <source network='demo-net'/>
      <mac address='52:54:00:de:00:01'/>
      <model type='virtio'/>
    </interface>" > "$demo/demo-web.xml"
vsh define "$demo/demo-web.xml"
vsh start demo-web
wait_for 90 grep -q 'VIRTD-TEST-GUEST HTTP' "$demo/demo-web.serial" || true
grep 'VIRTD-TEST-GUEST \(NET\|HTTP\)' "$demo/demo-web.serial" | sed 's/^/    serial| /'
vsh net-dhcp-leases demo-net
vsh domiflist demo-web

say "from outside: http://10.99.0.1:8080/ reaches demo-web through the port-forward hook's DNAT"
fetch http://10.99.0.1:8080/

say "demo-web destroyed (hooks: stopped, network unplugged, release): the hook removed its rules"
vsh destroy demo-web
fetch http://10.99.0.1:8080/
vsh net-destroy demo-net
kill "$outside" 2>/dev/null || true
trap 'kill $pid 2>/dev/null || true' EXIT

say "SIGHUP (daemon reload hook), then SIGTERM (daemon shutdown hook)"
kill -HUP "$pid"; sleep 0.5
kill -TERM "$pid"
wait_for 30 sh -c "! kill -0 $pid"
trap - EXIT

say "every hook call virtd made ($log):"
cat "$log"
say "done; files are in $demo"

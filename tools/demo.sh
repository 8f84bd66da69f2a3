#!/bin/sh
# The quick-start demo: builds virtd and the tiny test guest, then runs
# virtd in the foreground inside a private mount+network namespace with
# two sample hooks (a logger and an admission-control hook), and drives it
# with the real virsh: a guest is started and shut down through ACPI, a
# guest whose <description> says "virtd:refuse" is refused, and virtd is
# reloaded and stopped.  It prints virsh's output and every hook call.
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
mkdir -p "$hooks/daemon.d" "$hooks/qemu.d" "$demo/run" "$demo/state" "$demo/conf"
install_log_hook() {
    sed "s|^LOG=.*|LOG=$log|" examples/hooks/log-hook > "$1"
    chmod 0755 "$1"
}
install_log_hook "$hooks/daemon"
install_log_hook "$hooks/qemu.d/10-log"
install -m 0755 examples/hooks/admission-control "$hooks/qemu.d/20-admission-control"
cat > "$demo/virtd.conf" <<CONF
[paths]
conf_dir = $demo/conf
state_dir = $demo/state
run_dir = $demo/run
[hooks]
dir = $hooks
timeout = 30
CONF

guest_xml() { # name description
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
    <cmdline>console=ttyS0 test.action=run</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='$demo/$1.serial'/>
    </serial>
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

say "SIGHUP (daemon reload hook), then SIGTERM (daemon shutdown hook)"
kill -HUP "$pid"; sleep 0.5
kill -TERM "$pid"
wait_for 30 sh -c "! kill -0 $pid"
trap - EXIT

say "every hook call virtd made ($log):"
cat "$log"
say "done; files are in $demo"

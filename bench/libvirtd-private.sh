#!/bin/bash
# bench/libvirtd-private.sh: run Debian's libvirtd 9.0 privately, as a baseline for the
# benchmarks of bench/.  Nothing of the host's libvirt is used or changed: no host /run,
# no host /etc/libvirt, no host network.
#
#   libvirtd-private.sh start [--hooks HOOKDIR] [DIR]
#                                         start; print the socket path usable from the host
#   libvirtd-private.sh stop DIR|SOCKET   stop everything, check that nothing is left, rm DIR
#   libvirtd-private.sh exec DIR CMD...   run CMD inside the namespace (nsenter)
#   libvirtd-private.sh pids DIR          host PIDs of every process in the namespace
#
# DIR (default: a new mktemp -d /tmp/virtd-bench-libvirtd.XXXXXX) holds everything:
#   etc-libvirt/   copy of /etc/libvirt, bind-mounted over /etc/libvirt in the namespace:
#                  libvirtd.conf with auth_unix_ro/rw="none" and a log file in DIR,
#                  qemu.conf with security_driver="none", no hook scripts (unless --hooks),
#                  no autostarted networks
#   skel/          copies of /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt (minus
#                  disk images), loaded into fresh tmpfs mounts over those directories
#   run/           bind-mounted on /run/libvirt in the namespace, so the sockets are visible
#                  on the host as DIR/run/libvirt-sock (and libvirt-sock-ro, libvirt-admin-sock)
#   libvirtd.log, virtlogd.log, holder.out, holder.pid, unshare.pid, pidns
#   hooks.src      the absolute HOOKDIR of --hooks, if given
#
# --hooks HOOKDIR: HOOKDIR (a directory of the host, left untouched by stop) is bind-mounted
# on /etc/libvirt/hooks in the namespace, so libvirtd runs HOOKDIR/qemu etc.  libvirtd looks
# for its hook scripts once, at startup: the scripts must exist (executable) before start;
# their contents may change afterwards.
#
# The namespace: unshare --mount --net --pid --fork --mount-proc --propagation private.  Its
# PID 1 (the "holder", this script with __holder) mounts a fresh tmpfs on /run (so
# /run/libvirtd.pid and /run/virtlogd.pid cannot clash with anything on the host, and no host
# dbus/systemd socket is visible), the tmpfs dirs and the /etc/libvirt copy, brings lo up,
# starts virtlogd -d and then libvirtd (setsid, env -i with a minimal environment, stdin
# /dev/null, --pid-file /run/libvirtd.pid, no --listen), then idles and reaps.  stop sends
# SIGTERM to libvirtd and virtlogd, then SIGKILL to the holder, which kills whatever is left
# in the pid namespace; the mount and net namespaces go away with their last process.
#
# Clients on the host: virsh -c 'qemu+unix:///system?socket=DIR/run/libvirt-sock'.
# Needs root and the Debian packages libvirt-daemon-system libvirt-daemon-driver-qemu
# qemu-system-x86 libvirt-clients util-linux iproute2; for virtual networks also
# dnsmasq-base and iptables (bookworm's network driver is in libvirt-daemon itself).
set -u
SELF=$(readlink -f "$0")
PATHV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "libvirtd-private: $*" >&2; exit 1; }
log() { echo "libvirtd-private: $*" >&2; }

# DIR from "DIR" or "DIR/run/libvirt-sock"; refuses anything this script did not create
resolve_dir() {
    local d=$1
    [ -S "$d" ] || [ "$(basename "$d")" = libvirt-sock ] && d=$(dirname "$(dirname "$d")")
    d=$(readlink -f "$d") || die "no such directory: $1"
    [ -f "$d/.libvirtd-private" ] || die "$d was not made by libvirtd-private.sh"
    echo "$d"
}

ns_pids() {             # ns_pids DIR: host pids of the processes in DIR's pid namespace
    local ns p
    ns=$(cat "$1/pidns" 2>/dev/null) || return 0
    [ -n "$ns" ] || return 0
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
    done
}

holder() {              # PID 1 of the private pid namespace
    local D=$1 d
    set -e
    mount -n -t tmpfs -o mode=755 lvdpriv-run /run
    mkdir -p /run/lock /run/libvirt
    mount -n --bind "$D/run" /run/libvirt
    if [ ! -L /var/run ]; then mount -n --bind /run /var/run; fi
    for d in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
        mkdir -p "$d"
        mount -n -t tmpfs -o "mode=$(stat -c %a "$D/skel$d")" "lvdpriv-${d##*/}" "$d"
        cp -a "$D/skel$d/." "$d/"
    done
    mount -n --bind "$D/etc-libvirt" /etc/libvirt
    if [ -s "$D/hooks.src" ]; then mount -n --bind "$(cat "$D/hooks.src")" /etc/libvirt/hooks; fi
    ip link set lo up
    env -i PATH=$PATHV LANG=C.UTF-8 /usr/sbin/virtlogd -d </dev/null
    setsid env -i PATH=$PATHV LANG=C.UTF-8 /usr/sbin/libvirtd --pid-file /run/libvirtd.pid \
        </dev/null >>"$D/libvirtd.stdout" 2>&1 &
    set +e
    echo ready > "$D/holder.ready"
    trap '' TERM INT HUP
    while :; do sleep 3600 & wait $!; done
}

start() {
    local D= hooks= upid hp i sock uri
    while [ $# -gt 0 ]; do
        case $1 in
            --hooks) hooks=${2:?--hooks needs a directory}; shift 2 ;;
            --hooks=*) hooks=${1#--hooks=}; shift ;;
            -*) die "unknown option $1" ;;
            *) D=$1; shift ;;
        esac
    done
    if [ -n "$hooks" ]; then
        hooks=$(readlink -f "$hooks") && [ -d "$hooks" ] || die "--hooks: no such directory"
    fi
    [ "$(id -u)" = 0 ] || die "must run as root"
    for f in /usr/sbin/libvirtd /usr/sbin/virtlogd /usr/bin/virsh /etc/libvirt/libvirtd.conf \
             /etc/libvirt/qemu.conf /usr/bin/qemu-system-x86_64; do
        [ -e "$f" ] || die "$f missing: apt-get install libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 libvirt-clients"
    done
    if [ -z "$D" ]; then
        D=$(mktemp -d /tmp/virtd-bench-libvirtd.XXXXXX) || die "mktemp failed"
    else
        mkdir -p "$D" || die "cannot create $D"
        [ -z "$(ls -A "$D")" ] || die "$D is not empty"
        D=$(readlink -f "$D")
    fi
    chmod 755 "$D"
    touch "$D/.libvirtd-private"
    [ -z "$hooks" ] || echo "$hooks" > "$D/hooks.src"
    mkdir -p "$D/run" "$D/skel"
    chmod 755 "$D/run"

    # configuration: a copy of the host's, with auth none and no security driver
    cp -a /etc/libvirt "$D/etc-libvirt"
    rm -rf "$D/etc-libvirt/hooks"; mkdir -m 755 "$D/etc-libvirt/hooks"
    rm -f "$D/etc-libvirt"/qemu/networks/autostart/* "$D/etc-libvirt"/qemu/autostart/* 2>/dev/null
    cat >> "$D/etc-libvirt/libvirtd.conf" <<EOF

# added by bench/libvirtd-private.sh
auth_unix_ro = "none"
auth_unix_rw = "none"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0700"
log_outputs = "3:file:$D/libvirtd.log"
EOF
    cat >> "$D/etc-libvirt/qemu.conf" <<EOF

# added by bench/libvirtd-private.sh
security_driver = "none"
EOF
    cat >> "$D/etc-libvirt/virtlogd.conf" <<EOF

# added by bench/libvirtd-private.sh
log_outputs = "3:file:$D/virtlogd.log"
EOF
    # state directories, without disk images
    tar -C / -cf - --exclude='var/lib/libvirt/images/*' \
        var/lib/libvirt var/cache/libvirt var/log/libvirt | tar -C "$D/skel" -xpf - ||
        die "cannot copy /var/{lib,cache,log}/libvirt"

    unshare --mount --net --pid --fork --mount-proc --propagation private -- \
        "$SELF" __holder "$D" </dev/null >"$D/holder.out" 2>&1 &
    upid=$!
    echo "$upid" > "$D/unshare.pid"
    for i in $(seq 100); do
        [ -f "$D/holder.ready" ] && break
        kill -0 "$upid" 2>/dev/null || break
        sleep 0.1
    done
    hp=$(awk '{print $1}' "/proc/$upid/task/$upid/children" 2>/dev/null)
    if [ ! -f "$D/holder.ready" ] || [ -z "$hp" ]; then
        cat "$D/holder.out" >&2
        kill -KILL "$upid" 2>/dev/null
        die "the namespace did not come up (state left in $D)"
    fi
    echo "$hp" > "$D/holder.pid"
    readlink "/proc/$hp/ns/pid" > "$D/pidns"

    sock=$D/run/libvirt-sock
    uri="qemu+unix:///system?socket=$sock"
    for i in $(seq 600); do
        [ -S "$sock" ] && virsh -q -c "$uri" uri >/dev/null 2>&1 && break
        sleep 0.05
    done
    if ! virsh -q -c "$uri" uri >/dev/null 2>&1; then
        cat "$D/libvirtd.stdout" "$D/libvirtd.log" >&2 2>/dev/null
        log "libvirtd did not answer on $sock within 30 s: stopping"
        ( stop "$D" )
        exit 1
    fi
    log "libvirtd up: holder pid $hp, state $D, uri $uri"
    echo "$sock"
}

stop() {
    local D pids p hp up i left
    D=$(resolve_dir "$1")
    pids=$(ns_pids "$D")
    # polite first, so libvirtd removes its sockets and pid file
    for p in $pids; do
        case $(cat "/proc/$p/comm" 2>/dev/null) in
            libvirtd|virtlogd) kill -TERM "$p" 2>/dev/null ;;
        esac
    done
    for i in $(seq 100); do
        left=
        for p in $pids; do
            case $(cat "/proc/$p/comm" 2>/dev/null) in libvirtd|virtlogd) left=1 ;; esac
        done
        [ -z "$left" ] && break
        sleep 0.1
    done
    hp=$(cat "$D/holder.pid" 2>/dev/null)
    # the holder is PID 1 of the namespace: SIGKILL to it kills everything still inside
    if [ -n "$hp" ] && [ "$(readlink "/proc/$hp/ns/pid" 2>/dev/null)" = "$(cat "$D/pidns")" ]; then
        kill -KILL "$hp" 2>/dev/null
    fi
    up=$(cat "$D/unshare.pid" 2>/dev/null)
    for i in $(seq 100); do
        [ -z "$(ns_pids "$D")" ] && { [ -z "$up" ] || ! kill -0 "$up" 2>/dev/null ||
            [ "$(cat "/proc/$up/comm" 2>/dev/null)" != unshare ]; } && break
        sleep 0.1
    done
    left=$(ns_pids "$D")
    if [ -n "$left" ]; then
        die "processes left in the namespace of $D: $left"
    fi
    if [ -n "$up" ] && [ "$(cat "/proc/$up/comm" 2>/dev/null)" = unshare ]; then
        die "unshare process $up still alive"
    fi
    rm -rf "$D"
    log "stopped, nothing left, removed $D"
}

case "${1:-}" in
__holder) holder "$2" ;;
start) shift; start "$@" ;;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR|SOCKET"; stop "$2" ;;
exec)
    [ $# -ge 3 ] || die "usage: $0 exec DIR CMD..."
    D=$(resolve_dir "$2"); shift 2
    exec nsenter -t "$(cat "$D/holder.pid")" -m -n -p -- "$@" ;;
pids)
    [ $# -eq 2 ] || die "usage: $0 pids DIR"
    D=$(resolve_dir "$2")
    for p in $(ns_pids "$D"); do echo "$p $(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-150)"; done ;;
*) sed -n '2,10p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

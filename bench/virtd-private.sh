#!/bin/bash
# bench/virtd-private.sh: run a built virtd privately for the benchmarks of bench/.
#
#   virtd-private.sh start [--virtd PATH] [--hooks HOOKDIR] [DIR]
#                                                 start; print the socket path (host-visible)
#   virtd-private.sh stop DIR|SOCKET              stop it, check nothing is left, rm DIR
#
# PATH defaults to build/src/virtd of this source tree.  DIR (default: a new
# mktemp -d /tmp/virtd-bench-virtd.XXXXXX) holds a private virtd.conf whose [paths]
# (conf_dir, state_dir, run_dir) and [hooks] dir all point inside DIR:
#   virtd.conf  conf/  state/  hooks/ (empty)  run/ (virtd-sock, virtd-sock-ro, virtd.pid)
# --hooks HOOKDIR: [hooks] dir = HOOKDIR (absolute; a directory of the host, left untouched
# by stop) instead of the empty DIR/hooks, which is then not created.
#   virtd.log (stdout and stderr of virtd)  netns (inode of its network namespace)
# virtd runs in 'unshare --mount --net --propagation private' (lo up), with setsid, stdin
# /dev/null and a minimal environment (env -i PATH LANG).  run/ is a plain directory of the
# host, so the socket is reachable from the host:
#   virsh -c 'qemu+unix:///system?socket=DIR/run/virtd-sock'
# stop sends SIGTERM (SIGKILL after 10 s) and checks that no process is left in virtd's
# network namespace.  Needs root and util-linux, iproute2.
set -u
SELF=$(readlink -f "$0")
TOP=$(dirname "$(dirname "$SELF")")
PATHV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "virtd-private: $*" >&2; exit 1; }
log() { echo "virtd-private: $*" >&2; }

resolve_dir() {
    local d=$1
    [ -S "$d" ] || [ "$(basename "$d")" = virtd-sock ] && d=$(dirname "$(dirname "$d")")
    d=$(readlink -f "$d") || die "no such directory: $1"
    [ -f "$d/.virtd-private" ] || die "$d was not made by virtd-private.sh"
    echo "$d"
}

ns_pids() {             # host pids of the processes in DIR's network namespace
    local ns p
    ns=$(cat "$1/netns" 2>/dev/null) || return 0
    [ -n "$ns" ] || return 0
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
    done
}

start() {
    local virtd=$TOP/build/src/virtd D= hooks= pid i sock uri bgpid out
    while [ $# -gt 0 ]; do
        case $1 in
            --virtd) virtd=${2:?--virtd needs a path}; shift 2 ;;
            --virtd=*) virtd=${1#--virtd=}; shift ;;
            --hooks) hooks=${2:?--hooks needs a directory}; shift 2 ;;
            --hooks=*) hooks=${1#--hooks=}; shift ;;
            -*) die "unknown option $1" ;;
            *) D=$1; shift ;;
        esac
    done
    [ "$(id -u)" = 0 ] || die "must run as root"
    virtd=$(readlink -f "$virtd") && [ -x "$virtd" ] || die "no virtd executable at $virtd"
    if [ -n "$hooks" ]; then
        hooks=$(readlink -f "$hooks") && [ -d "$hooks" ] || die "--hooks: no such directory"
    fi
    if [ -z "$D" ]; then
        D=$(mktemp -d /tmp/virtd-bench-virtd.XXXXXX) || die "mktemp failed"
    else
        mkdir -p "$D" || die "cannot create $D"
        [ -z "$(ls -A "$D")" ] || die "$D is not empty"
        D=$(readlink -f "$D")
    fi
    chmod 755 "$D"
    touch "$D/.virtd-private"
    mkdir -p "$D/conf" "$D/state" "$D/run"
    [ -n "$hooks" ] || { hooks=$D/hooks; mkdir -p "$hooks"; }
    cat > "$D/virtd.conf" <<EOF
# written by bench/virtd-private.sh
[paths]
conf_dir = $D/conf
state_dir = $D/state
run_dir = $D/run

[hooks]
dir = $hooks
EOF
    out=$("$virtd" --check-config "$D/virtd.conf" 2>&1) || {
        echo "$out" >&2; die "virtd refuses $D/virtd.conf"; }

    setsid unshare --mount --net --propagation private -- \
        sh -c 'ip link set lo up && exec "$@"' sh \
        env -i PATH=$PATHV LANG=C.UTF-8 "$virtd" --config "$D/virtd.conf" \
        </dev/null >"$D/virtd.log" 2>&1 &
    bgpid=$!   # setsid, unshare, sh and env all exec: this becomes virtd

    sock=$D/run/virtd-sock
    uri="qemu+unix:///system?socket=$sock"
    for i in $(seq 200); do
        [ -s "$D/run/virtd.pid" ] && [ -S "$sock" ] && break
        sleep 0.05
    done
    pid=$(cat "$D/run/virtd.pid" 2>/dev/null)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        cat "$D/virtd.log" >&2
        kill -KILL "$bgpid" 2>/dev/null
        die "virtd did not start within 10 s (state left in $D)"
    fi
    readlink "/proc/$pid/ns/net" > "$D/netns"
    echo "$pid" > "$D/virtd.pid"
    if [ "$(cat "$D/netns")" = "$(readlink /proc/self/ns/net)" ]; then
        die "virtd $pid is not in a network namespace of its own"
    fi
    log "virtd up: pid $pid, state $D, uri $uri"
    echo "$sock"
}

stop() {
    local D pid i left
    D=$(resolve_dir "$1")
    pid=$(cat "$D/virtd.pid" 2>/dev/null)
    if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$(cat "$D/netns")" ]; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            log "virtd $pid still alive 10 s after SIGTERM: SIGKILL"
            kill -KILL "$pid" 2>/dev/null
            sleep 0.2
        fi
    fi
    for i in $(seq 50); do left=$(ns_pids "$D"); [ -z "$left" ] && break; sleep 0.1; done
    [ -z "$left" ] || die "processes left in the network namespace of $D: $left"
    rm -rf "$D"
    log "stopped, nothing left, removed $D"
}

case "${1:-}" in
start) shift; start "$@" ;;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR|SOCKET"; stop "$2" ;;
*) sed -n '2,7p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

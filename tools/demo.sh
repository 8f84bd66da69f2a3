#!/bin/sh
# The quick-start demo: builds virtd, then runs it in the foreground inside
# a private mount+network namespace with sample logging hooks, drives it
# through start, a reload with a hook added while running, a failing hook
# and a shutdown, and prints every hook call it made.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

tools/install-deps.sh build
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null

demo=$(mktemp -d /tmp/virtd-demo.XXXXXX)
hooks=$demo/hooks
log=$demo/hook-calls.log
mkdir -p "$hooks/daemon.d" "$demo/run" "$demo/state" "$demo/conf"
install_hook() {
    sed "s|^LOG=.*|LOG=$log|" examples/hooks/log-hook > "$1"
    chmod 0755 "$1"
}
install_hook "$hooks/daemon"
install_hook "$hooks/daemon.d/10-log"
cat > "$demo/virtd.conf" <<CONF
[paths]
conf_dir = $demo/conf
state_dir = $demo/state
run_dir = $demo/run
[hooks]
dir = $hooks
timeout = 10
CONF

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_pidfile() {
    i=0
    while [ ! -s "$demo/run/virtd.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

say "starting virtd in a private mount+network namespace (its log follows)"
unshare --mount --net -- build/src/virtd --config "$demo/virtd.conf" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_pidfile
say "virtd is ready (pid $(cat "$demo/run/virtd.pid")); hook calls so far:"
cat "$log"

say "dropping a new hook into daemon.d while virtd runs, plus one that fails, then SIGHUP"
install_hook "$hooks/daemon.d/20-added-later"
printf '#!/bin/sh\necho "30-fails: this hook always says no" >&2\nexit 3\n' > "$hooks/daemon.d/30-fails"
chmod 0755 "$hooks/daemon.d/30-fails"
kill -HUP $pid
sleep 1

say "SIGTERM: virtd runs the shutdown hooks and exits"
kill -TERM $pid
wait $pid || true
trap - EXIT

say "every hook call virtd made ($log):"
cat "$log"
say "done; files are in $demo"

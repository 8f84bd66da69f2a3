#!/bin/sh
# Installs the test dependencies and runs every test (unit, syntax-check,
# integration) in two passes, each from its own build directory with
# warnings as errors:
#   1. the normal build (build/);
#   2. a build with AddressSanitizer and UndefinedBehaviorSanitizer
#      (build-sanitize/), where any finding fails the test: in a unit test
#      through its exit status, in a virtd of the integration tests through
#      the report the harness looks for after each test
#      (tests/integration/conftest.py).
# This is what CI runs.
#
#   tools/run-tests.sh [--sanitize | --no-sanitize] [MESON-TEST-ARGS...]
#     --sanitize      only the sanitizer pass
#     --no-sanitize   only the normal pass
#   Other arguments go to 'meson test' in each pass, e.g. --suite rpc.
#   VIRTD_BUILD and VIRTD_SANITIZE_BUILD override the two build directories.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

normal=yes
sanitize=yes
n=$#
while [ "$n" -gt 0 ]; do
    arg=$1
    shift
    n=$((n - 1))
    case $arg in
    --sanitize) normal=no sanitize=yes ;;
    --no-sanitize) normal=yes sanitize=no ;;
    *) set -- "$@" "$arg" ;;
    esac
done

tools/install-deps.sh test

# Any finding ends the process with an error.  Leaks are checked when a
# process exits normally (LeakSanitizer); none is suppressed, GLib's
# one-time allocations stay reachable and are not reported.  GLib has no
# frame pointers: without fast_unwind_on_malloc=0 the stack of a leaked
# allocation would stop at g_malloc.
sanitizer_env() {
    ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0:print_summary=1
    UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:print_summary=1
    export ASAN_OPTIONS UBSAN_OPTIONS
}

# setup BUILD-DIR OPTIONS...: configures (again) and builds
setup() {
    bdir=$1
    shift
    if [ -d "$bdir" ] && [ -f "$bdir/build.ninja" ]; then
        meson setup --reconfigure "$@" "$bdir"
    else
        rm -rf "$bdir"
        meson setup "$@" "$bdir"
    fi
    meson compile -C "$bdir"
}

# one plain summary line per pass, counting meson's tests (a GTest binary or the
# whole pytest suite is one test; their cases are in the log above)
summary() {
    /usr/bin/python3 - "$1" "$2" "$3" <<'PY' || true
import json, sys
path, name, seconds = sys.argv[1:]
passed = failed = skipped = 0
for line in open(path):
    r = json.loads(line)
    res = r.get("result")
    if res in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif res == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"meson ({name}): {passed} passed, {failed} failed, {skipped} skipped in {seconds} s")
PY
}

rc=0
summaries=
# run_pass NAME BUILD-DIR SETUP-OPTIONS... -- MESON-TEST-ARGS...
run_pass() {
    name=$1
    dir=$2
    shift 2
    opts=
    while [ "$1" != -- ]; do
        opts="$opts $1"
        shift
    done
    shift
    echo "=== $name pass ($dir)"
    start=$(date +%s)
    # shellcheck disable=SC2086
    setup "$dir" $opts
    meson test -C "$dir" --print-errorlogs "$@" || rc=1
    summaries="$summaries$(summary "$dir/meson-logs/testlog.json" "$name" \
        $(($(date +%s) - start)))
"
}

if [ "$normal" = yes ]; then
    run_pass normal "${VIRTD_BUILD:-build}" -Dwerror=true -- "$@"
fi
if [ "$sanitize" = yes ]; then
    sanitizer_env
    run_pass sanitizer "${VIRTD_SANITIZE_BUILD:-build-sanitize}" -Dwerror=true \
        -Db_sanitize=address,undefined -Db_lundef=false -- "$@"
fi
printf '%s' "$summaries"
exit $rc

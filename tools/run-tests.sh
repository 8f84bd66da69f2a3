#!/bin/sh
# Installs the test dependencies, builds virtd with warnings as errors and
# runs every test (unit, syntax-check, integration).  This is what CI runs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

tools/install-deps.sh test

build=${VIRTD_BUILD:-build}
if [ -d "$build" ] && [ -f "$build/build.ninja" ]; then
    meson setup --reconfigure -Dwerror=true "$build"
else
    rm -rf "$build"
    meson setup -Dwerror=true "$build"
fi
meson compile -C "$build"

rc=0
meson test -C "$build" --print-errorlogs "$@" || rc=$?

# one plain summary line, counting meson's tests and the TAP/pytest cases
/usr/bin/python3 - "$build/meson-logs/testlog.json" <<'PY' || true
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    res = r.get("result")
    if res in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif res == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"meson: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc

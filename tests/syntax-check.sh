#!/bin/sh
# syntax-check: rules the compiler does not enforce.
#  1. Every child process starts in src/util/vircommand.c (STYLE.md): no
#     fork/vfork/popen/system/posix_spawn/exec*/g_spawn/GSubprocess elsewhere
#     in src/ or tests/.  bench/ is exempt: its baseline is raw posix_spawn.
#  2. Every C file under src/ that has translatable messages is in po/POTFILES.
set -u
top=${1:-.}
cd "$top" || exit 2
fail=0

hits=$(grep -rnE '\b(fork|vfork|popen|system|posix_spawnp?|execvp?e?|execl[pe]?|execveat|fexecve|clone3?)[[:space:]]*\(|\bg_spawn_|\bg_subprocess_|GSubprocess' \
         --include='*.c' --include='*.h' src tests 2>/dev/null |
       grep -v '^src/util/vircommand\.[ch]:' |
       grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)')
if [ -n "$hits" ]; then
    echo "child processes must be started through src/util/vircommand.c:"
    echo "$hits"
    fail=1
fi

for f in $(grep -rlE '\bN?_\("' --include='*.c' src); do
    if ! grep -qxF "$f" po/POTFILES; then
        echo "$f has translatable messages but is not listed in po/POTFILES"
        fail=1
    fi
done
for f in $(grep -v '^#' po/POTFILES); do
    [ -f "$f" ] || { echo "po/POTFILES lists missing file $f"; fail=1; }
done

[ $fail = 0 ] && echo "syntax-check: ok"
exit $fail

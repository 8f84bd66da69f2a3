#!/bin/bash
# Build virtd's integration-test guest: the Debian cloud kernel (unpacked from
# its .deb, never installed) and a busybox-static gzip initramfs whose /init
# is tests/guest/init.sh.
#
#   tests/guest/build.sh [OUTDIR]
#
# OUTDIR defaults to $VIRTD_TEST_GUEST_DIR, then /var/cache/virtd-test-guest.
# Results: OUTDIR/vmlinuz and OUTDIR/initrd.img.  On success stdout is exactly
#   VMLINUZ=/abs/path/vmlinuz
#   INITRD=/abs/path/initrd.img
# (so `eval "$(tests/guest/build.sh)"` works); progress goes to stderr.
#
# Idempotent: OUTDIR/build.stamp records the inputs (kernel package + version,
# busybox-static version, the sha256 of this script, init.sh and
# udhcpc.script) and the sha256 of both outputs; when they all match nothing
# is rebuilt.  The kernel .deb is kept in OUTDIR/cache/ so an initramfs-only
# rebuild needs no download.  Concurrent runs serialise on OUTDIR/.lock.
#
# Environment:
#   VIRTD_TEST_GUEST_DIR         default OUTDIR
#   VIRTD_TEST_GUEST_KERNEL_PKG  pin the kernel package (e.g.
#                                linux-image-6.1.0-56-cloud-amd64) instead of
#                                what linux-image-cloud-amd64 depends on
#   VIRTD_TEST_GUEST_FORCE=1     rebuild even if the stamp matches
#
# Host needs: apt, dpkg, coreutils, findutils, util-linux (Debian essentials)
# and installs busybox-static, cpio, gzip when missing (root only; otherwise
# it fails and says what to install).  Network: only Debian's apt mirrors,
# and only when a package or the kernel .deb is not there yet.
set -euo pipefail
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=virtd-test-guest-build

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: ERROR: %s\n' "$PROG" "$*" >&2; exit 1; }
# never fail silently under set -e (-E: also inside functions)
on_err() { printf '%s: ERROR: command failed (exit %s) at build.sh line %s: %s\n' "$PROG" "$1" "$2" "$3" >&2; }
trap 'on_err $? $LINENO "$BASH_COMMAND"' ERR
set -E

OUTDIR=${1:-${VIRTD_TEST_GUEST_DIR:-/var/cache/virtd-test-guest}}
META_PKG=linux-image-cloud-amd64
BASE_MODULES="button evdev pvpanic_mmio pvpanic_pci"
NET_MODULES="virtio_pci virtio_net"
BUSYBOX_APPLETS="sh mount insmod cat head cut tr sleep printf dd devmem poweroff reboot ip udhcpc sync
                 mkdir httpd nc"

[ "$(uname -m)" = x86_64 ] || die "only x86_64 hosts are supported (found $(uname -m))"
for f in init.sh udhcpc.script; do
	[ -f "$HERE/$f" ] || die "missing $HERE/$f"
done

# ---------------------------------------------------------------- host tools
apt_updated=0
apt_update() {
	[ $apt_updated = 1 ] && return 0
	log "apt-get update"
	apt-get -q -o DPkg::Lock::Timeout=300 update >&2 || die "apt-get update failed (no network to the Debian mirror?)"
	apt_updated=1
}

pkg_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

ensure_packages() {
	local missing=() p
	for p in "$@"; do
		pkg_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		die "missing Debian packages: ${missing[*]} (run this script as root, or: apt-get install ${missing[*]})"
	fi
	log "installing ${missing[*]}"
	if ! DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
		install --no-install-recommends "${missing[@]}" >&2; then
		apt_update
		DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
			install --no-install-recommends "${missing[@]}" >&2 ||
			die "apt-get install ${missing[*]} failed"
	fi
}

for c in apt-get apt-cache dpkg-deb dpkg-query flock sha256sum find sort xargs; do
	command -v "$c" >/dev/null || die "required command '$c' not found (apt, dpkg, coreutils, findutils, util-linux)"
done
# busybox-static: /bin/busybox must be the static one (it runs as the guest's
# PID 1 with no libc).  It replaces the dynamic 'busybox' package if present.
ensure_packages busybox-static cpio gzip
BUSYBOX=/bin/busybox
[ -x $BUSYBOX ] || die "$BUSYBOX missing although busybox-static is installed"
APPLETS=$($BUSYBOX --list) || die "$BUSYBOX does not run"
for a in $BUSYBOX_APPLETS; do
	grep -Fx "$a" <<<"$APPLETS" >/dev/null || die "$BUSYBOX lacks the '$a' applet"
done
case $(dpkg-query -S $BUSYBOX 2>/dev/null) in
busybox-static:*) ;;
*) die "$BUSYBOX does not come from busybox-static (dpkg -S $BUSYBOX); reinstall busybox-static" ;;
esac
BUSYBOX_VERSION=$(dpkg-query -W -f='${Version}' busybox-static)

# -------------------------------------------------------------- locking, dirs
mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
[ -w "$OUTDIR" ] || die "$OUTDIR is not writable (set VIRTD_TEST_GUEST_DIR or pass OUTDIR)"
exec 9>"$OUTDIR/.lock"
flock -w 900 9 || die "timed out waiting for the lock $OUTDIR/.lock"

WORK=$(mktemp -d "$OUTDIR/.work.XXXXXX")
chmod 755 "$WORK" # apt-get download drops to _apt and must reach $WORK/dl
trap 'rm -rf "$WORK"' EXIT

# ------------------------------------------------------- kernel package choice
# both print nothing (and succeed) when apt does not know the package
resolve_kernel_pkg() {
	{ apt-cache depends "$META_PKG" 2>/dev/null || true; } |
		awk '/^ *Depends: linux-image-[0-9]/ && !seen++ { print $2 }'
}
pkg_candidate() {
	{ apt-cache show --no-all-versions "$1" 2>/dev/null || true; } |
		awk '/^Version:/ && !seen++ { print $2 }'
}

KPKG=${VIRTD_TEST_GUEST_KERNEL_PKG:-}
if [ -z "$KPKG" ]; then
	KPKG=$(resolve_kernel_pkg)
	if [ -z "$KPKG" ]; then
		apt_update
		KPKG=$(resolve_kernel_pkg)
	fi
	[ -n "$KPKG" ] || die "cannot resolve the kernel package $META_PKG depends on (is Debian main in the apt sources?)"
fi
KVER_PKG=$(pkg_candidate "$KPKG")
if [ -z "$KVER_PKG" ]; then
	apt_update
	KVER_PKG=$(pkg_candidate "$KPKG")
fi
[ -n "$KVER_PKG" ] || die "apt knows no package $KPKG"
KREL=${KPKG#linux-image-}            # e.g. 6.1.0-56-cloud-amd64

# -------------------------------------------------------------- stamp check
hash_of() { sha256sum "$1" | cut -d' ' -f1; }
INPUTS="format=1
kernel_pkg=$KPKG
kernel_version=$KVER_PKG
busybox_static=$BUSYBOX_VERSION
build_sh=$(hash_of "$HERE/build.sh")
init_sh=$(hash_of "$HERE/init.sh")
udhcpc_script=$(hash_of "$HERE/udhcpc.script")"

emit_paths() {
	printf 'VMLINUZ=%s\nINITRD=%s\n' "$OUTDIR/vmlinuz" "$OUTDIR/initrd.img"
}

if [ "${VIRTD_TEST_GUEST_FORCE:-0}" != 1 ] && [ -f "$OUTDIR/build.stamp" ] &&
	[ -f "$OUTDIR/vmlinuz" ] && [ -f "$OUTDIR/initrd.img" ]; then
	expect="$INPUTS
vmlinuz=$(hash_of "$OUTDIR/vmlinuz")
initrd=$(hash_of "$OUTDIR/initrd.img")"
	if [ "$(cat "$OUTDIR/build.stamp")" = "$expect" ]; then
		log "up to date ($KPKG $KVER_PKG, busybox-static $BUSYBOX_VERSION) in $OUTDIR"
		emit_paths
		exit 0
	fi
fi
rm -f "$OUTDIR/build.stamp"

# ------------------------------------------------------------ kernel .deb
CACHE=$OUTDIR/cache
mkdir -p "$CACHE"
# apt-get download names the file <pkg>_<version with ':' as %3a>_<arch>.deb
DEB=$CACHE/${KPKG}_${KVER_PKG//:/%3a}_amd64.deb
if [ ! -s "$DEB" ] || ! dpkg-deb --info "$DEB" >/dev/null 2>&1; then
	rm -f "$CACHE"/*.deb
	dl=$WORK/dl
	mkdir -p "$dl"
	# lets apt drop privileges to _apt instead of warning about it
	chown _apt "$dl" 2>/dev/null || true
	log "downloading $KPKG=$KVER_PKG"
	if ! (cd "$dl" && apt-get -q download "$KPKG=$KVER_PKG" >&2); then
		apt_update
		KVER_NEW=$(pkg_candidate "$KPKG")
		[ "$KVER_NEW" = "$KVER_PKG" ] || die "the candidate of $KPKG changed to $KVER_NEW during the build; run again"
		(cd "$dl" && apt-get -q download "$KPKG=$KVER_PKG" >&2) ||
			die "apt-get download $KPKG=$KVER_PKG failed (no network to the Debian mirror?)"
	fi
	got=("$dl"/*.deb)
	[ -f "${got[0]}" ] || die "apt-get download produced no .deb"
	mv "${got[0]}" "$DEB"
fi

log "unpacking $(basename "$DEB")"
KX=$WORK/kernel
dpkg-deb -x "$DEB" "$KX" || die "dpkg-deb -x $DEB failed"
VMLINUZ_SRC=$KX/boot/vmlinuz-$KREL
KCONFIG=$KX/boot/config-$KREL
MODROOT=$KX/lib/modules/$KREL
[ -f "$VMLINUZ_SRC" ] || die "$KPKG has no boot/vmlinuz-$KREL"
[ -d "$MODROOT/kernel" ] || die "$KPKG has no lib/modules/$KREL/kernel"

# The guest relies on these; fail now rather than with a silent guest later.
if [ -f "$KCONFIG" ]; then
	for opt in BLK_DEV_INITRD RD_GZIP DEVTMPFS PROC_FS SYSFS SERIAL_8250_CONSOLE MAGIC_SYSRQ DEVMEM ACPI INPUT PCI; do
		grep -q "^CONFIG_$opt=y" "$KCONFIG" || die "$KREL: CONFIG_$opt is not built in"
	done
	for opt in ACPI_BUTTON INPUT_EVDEV PVPANIC; do
		grep -qE "^CONFIG_$opt=[ym]" "$KCONFIG" || die "$KREL: CONFIG_$opt is not enabled"
	done
	# The watchdog action pokes the i6300esb from user space; a built-in
	# driver would own its BAR and /dev/mem access would be refused.
	if grep -q '^CONFIG_I6300ESB_WDT=y' "$KCONFIG"; then
		die "$KREL has a built-in i6300esb driver; init.sh's watchdog poke would not work"
	fi
else
	log "warning: no boot/config-$KREL in $KPKG, skipping the kernel config checks"
fi

# ------------------------------------------------------------ module closure
# name (dashes as underscores) -> path relative to $MODROOT
find "$MODROOT/kernel" -type f \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) -printf '%P\n' |
	awk '{ n = $0; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n); gsub(/-/, "_", n); print n, "kernel/" $0 }' |
	sort >"$WORK/modindex"
BUILTIN=$MODROOT/modules.builtin

MODSTAGE=$WORK/mods
mkdir -p "$MODSTAGE"
declare -A MOD_DONE=()
ORDER=()

# materialise module $1 (uncompressed, as <name>.ko) and print its depends
stage_module() {
	local name=$1 rel src dst
	rel=$(awk -v n="$name" '$1 == n && !seen++ { print $2 }' "$WORK/modindex")
	[ -n "$rel" ] || return 1
	src=$MODROOT/$rel
	dst=$MODSTAGE/$name.ko
	case $src in
	*.ko) cp "$src" "$dst" ;;
	*.ko.xz) xz -dc "$src" >"$dst" || die "cannot decompress $src (install xz-utils)" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst" || die "cannot decompress $src (install zstd)" ;;
	*.ko.gz) gzip -dc "$src" >"$dst" ;;
	esac
	return 0
}
module_depends() {
	tr '\0' '\n' <"$MODSTAGE/$1.ko" | awk -F= '$1 == "depends" && !seen++ { print $2 }' | tr ',' ' '
}
is_builtin() {
	[ -f "$BUILTIN" ] && sed -e 's,.*/,,; s,\.ko$,,; s,-,_,g' "$BUILTIN" | grep -x "$1" >/dev/null
}
resolve() {
	local name=${1//-/_} dep
	[ -n "${MOD_DONE[$name]:-}" ] && return 0
	MOD_DONE[$name]=1
	if ! stage_module "$name"; then
		is_builtin "$name" && return 0
		die "module $name is neither in $KPKG nor built into $KREL"
	fi
	for dep in $(module_depends "$name"); do
		resolve "$dep"
	done
	ORDER+=("$name.ko")
}
module_list() {
	local m
	ORDER=()
	for m in "$@"; do resolve "$m"; done
	printf '%s\n' "${ORDER[@]+"${ORDER[@]}"}"
}
# base.list: always loaded; net.list: loaded for test.net=dhcp
# shellcheck disable=SC2086 # word lists
BASE_LIST=$(module_list $BASE_MODULES)
# shellcheck disable=SC2086
NET_LIST=$(module_list $NET_MODULES)

# ------------------------------------------------------------------ initramfs
log "building initramfs"
ST=$WORK/root
mkdir -p "$ST"/{bin,dev,proc,sys,tmp,run,etc,lib/modules}
cp $BUSYBOX "$ST/bin/busybox"
chmod 755 "$ST/bin/busybox"
for a in $APPLETS; do
	# relative links: busybox --install -s would point at the host's path
	[ "$a" = busybox ] || ln -s busybox "$ST/bin/$a"
done
install -m 755 "$HERE/init.sh" "$ST/init"
install -m 755 "$HERE/udhcpc.script" "$ST/bin/udhcpc.script"
for m in $BASE_LIST $NET_LIST; do
	install -m 644 "$MODSTAGE/$m" "$ST/lib/modules/$m"
done
printf '%s\n' "$BASE_LIST" >"$ST/lib/modules/base.list"
printf '%s\n' "$NET_LIST" >"$ST/lib/modules/net.list"
printf '%s\n' "$KREL" >"$ST/etc/kernel-release"
printf 'kernel=%s %s\nbusybox-static=%s\n' "$KPKG" "$KVER_PKG" "$BUSYBOX_VERSION" >"$ST/etc/virtd-test-guest"

# reproducible: fixed mtimes, sorted names, owner 0:0, no gzip timestamp
find "$ST" -exec touch -h -d @0 {} +
(cd "$ST" && find . -mindepth 1 -printf '%P\n' | sort |
	cpio --quiet -o -H newc --owner=0:0 --reproducible) | gzip -9n >"$WORK/initrd.img"

# ------------------------------------------------------------------- install
cp "$VMLINUZ_SRC" "$WORK/vmlinuz"
chmod 644 "$WORK/vmlinuz" "$WORK/initrd.img"
mv -f "$WORK/vmlinuz" "$OUTDIR/vmlinuz"
mv -f "$WORK/initrd.img" "$OUTDIR/initrd.img"
printf '%s\n' "$KREL" >"$OUTDIR/kernel-release"
printf '%s\nvmlinuz=%s\ninitrd=%s\n' "$INPUTS" "$(hash_of "$OUTDIR/vmlinuz")" \
	"$(hash_of "$OUTDIR/initrd.img")" >"$OUTDIR/build.stamp.tmp"
mv -f "$OUTDIR/build.stamp.tmp" "$OUTDIR/build.stamp"
log "built $KREL kernel + initramfs ($(stat -c %s "$OUTDIR/initrd.img") bytes;" \
	"modules: $(echo "$BASE_LIST" "$NET_LIST" | tr '\n' ' ' | sed 's/\.ko//g; s/ $//')) in $OUTDIR"
emit_paths

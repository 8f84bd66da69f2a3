#!/bin/sh
# Installs what virtd needs from Debian 12's packages.
#   tools/install-deps.sh build   - to build virtd and its man pages
#   tools/install-deps.sh demo    - to build and run the quick-start demo
#   tools/install-deps.sh test    - to build and run every test
set -eu
what=${1:-build}

build_pkgs="meson ninja-build pkg-config gcc libc6-dev gettext
            libglib2.0-dev libxml2-dev libtirpc-dev libjson-glib-dev libnl-route-3-dev libnftables-dev python3-docutils"
test_pkgs="python3 python3-pytest util-linux procps iproute2
           libvirt-clients python3-libvirt qemu-system-x86 qemu-utils busybox-static cpio
           nftables iptables dnsmasq-base"

demo_pkgs="libvirt-clients qemu-system-x86 busybox-static cpio dnsmasq-base iptables iproute2
           util-linux python3"

case $what in
build) pkgs=$build_pkgs ;;
demo) pkgs="$build_pkgs $demo_pkgs" ;;
test) pkgs="$build_pkgs $test_pkgs" ;;
*) echo "usage: $0 build|demo|test" >&2; exit 2 ;;
esac

missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages:$missing (run as root to install them)" >&2
        exit 1
    fi
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

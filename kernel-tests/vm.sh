#!/usr/bin/env bash
# vm.sh: a throwaway QEMU VM with a real Debian kernel and two emulated SR-IOV NICs.
#
# The VM is q35 under TCG (no KVM needed) with two Intel 82576 "igb" PFs, each on its own
# PCIe root port. Its root file system is an initramfs: busybox-static, the igb/igbvf modules
# of the kernel package (decompressed), Debian's iproute2 `ip` with its shared libraries, and
# the test directory given on the command line, mounted at /t. /init runs /t/run, prints
# `VFNL-EXIT <code>` and powers off; this script returns that code.
#
# Usage:
#   vm.sh setup                 install what is missing, fetch the kernel, build the base image
#   vm.sh run PATH [ARGS...]    PATH is a directory (copied to /t, runs /t/run ARGS...)
#                               or one executable (copied to /t/run)
#   vm.sh capture               build kernel-tests/capture, run it, regenerate the golden files
#   vm.sh shell                 interactive busybox shell in the VM (Ctrl-A x quits QEMU)
#
# Environment:
#   VFNL_VM_CACHE      cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/vfnl-vm)
#   VFNL_VM_KERNEL     kernel package to use (default: newest linux-image-6.12.*-amd64-unsigned
#                      in bookworm-backports; the choice is remembered in the cache)
#   VFNL_VM_TIMEOUT    seconds before the VM is killed (default 300)
#   VFNL_VM_ACCEL      QEMU accelerator (default tcg)
#   VFNL_VM_QUIET=1    do not echo the VM console to stdout (it is always logged)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VFNL_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfnl-vm}
vm_timeout=${VFNL_VM_TIMEOUT:-300}
accel=${VFNL_VM_ACCEL:-tcg}
# Modules the VM needs; their dependencies are resolved from the package's modules.dep.
vm_modules=(igb igbvf)

log() { printf 'vm.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# bookworm-backports, on the same mirror as the existing Debian sources. Adds nothing else.
ensure_backports() {
    local sources=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
    # grep -q exits 0 on a match even when some of the files do not exist.
    if grep -qsE '^[^#]*bookworm-backports' "${sources[@]}"; then
        return 0
    fi
    local mirror
    mirror=$(cat "${sources[@]}" 2>/dev/null | grep -E '^(URIs:|deb )' |
        grep -oE 'https?://[^ ]*/debian/?( |$)' | head -n1 | tr -d ' ' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    log "adding bookworm-backports from ${mirror%/}"
    echo "deb ${mirror%/} bookworm-backports main" |
        as_root tee /etc/apt/sources.list.d/backports.list >/dev/null
    as_root apt-get update -q
}

apt_updated=0
apt_install() {
    if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -q; apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

qemu_has_igb() {
    command -v qemu-system-x86_64 >/dev/null &&
        qemu-system-x86_64 -device help 2>/dev/null | grep -q '"igb"'
}

ensure_packages() {
    local missing=() p
    for p in busybox-static cpio xz-utils iproute2 gzip kmod; do
        pkg_installed "$p" || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing ${missing[*]}"
        apt_install "${missing[@]}"
    fi
    if ! qemu_has_igb; then
        ensure_backports
        apt_updated=1
        log "installing qemu-system-x86 from bookworm-backports (igb needs QEMU >= 8)"
        apt_install -t bookworm-backports qemu-system-x86
        qemu_has_igb || die "qemu-system-x86_64 has no -device igb"
    fi
}

# Only `capture` compiles; plain `run` needs no compiler.
ensure_build_tools() {
    local missing=() p
    for p in gcc libc6-dev python3; do pkg_installed "$p" || missing+=("$p"); done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

# Fetch and unpack the kernel package into $cache/kernel (never installed on the host).
ensure_kernel() {
    local kdir=$cache/kernel pkg
    if [ -f "$kdir/.done" ] && { [ -z "${VFNL_VM_KERNEL:-}" ] ||
        [ "$(cat "$kdir/.done")" = "$VFNL_VM_KERNEL" ]; }; then
        kpkg=$(cat "$kdir/.done")
    else
        ensure_backports
        pkg=${VFNL_VM_KERNEL:-}
        if [ -z "$pkg" ]; then
            # The generic flavour (not -rt, not -cloud), newest first, from bookworm-backports
            # if it has one (bookworm-security carries 6.12 builds too).
            local cands c
            cands=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+[a-z0-9]+-amd64-unsigned$' |
                awk '{print $1}' | sort -rV)
            for c in $cands; do
                if apt-cache madison "$c" | grep -q bookworm-backports; then pkg=$c; break; fi
            done
            pkg=${pkg:-$(echo "$cands" | head -n1)}
            [ -n "$pkg" ] || die "no linux-image-6.12.*-amd64-unsigned in apt (is bookworm-backports enabled?)"
        fi
        log "fetching $pkg"
        rm -rf "$kdir" && mkdir -p "$kdir/dl"
        (cd "$kdir/dl" && apt-get download -q "$pkg" 2>&1 | grep -v 'as root' >&2 || true)
        local deb
        deb=$(ls "$kdir"/dl/*.deb 2>/dev/null | head -n1)
        [ -n "$deb" ] || die "apt-get download $pkg failed"
        dpkg -x "$deb" "$kdir/root"
        # Debian ships no modules.dep (depmod runs at install time); make one for this tree.
        depmod -b "$kdir/root" "$(ls "$kdir/root/lib/modules" | head -n1)"
        dpkg-deb -f "$deb" Package Version | tr '\n' ' ' >"$kdir/package"
        echo "$pkg" >"$kdir/.done"
        kpkg=$pkg
    fi
    kver=$(ls "$kdir/root/lib/modules" | head -n1)
    vmlinuz=$kdir/root/boot/vmlinuz-$kver
    [ -f "$vmlinuz" ] || die "no $vmlinuz in $kpkg"
}

# Print the module files (relative to lib/modules/$kver) needed for module $1, deps first.
module_files() {
    local mdir=$1 name=$2 line file deps d
    line=$(grep -E "/${name}\.ko(\.xz|\.zst|\.gz)?:" "$mdir/modules.dep" | head -n1)
    [ -n "$line" ] || die "module $name not in $kpkg"
    file=${line%%:*}
    deps=${line#*:}
    # modules.dep lists a module's full dependency closure, the deepest last.
    for d in $deps; do echo "$d"; done | tac
    echo "$file"
}

# Copy an ELF binary's shared libraries (and the dynamic loader) into the root $1.
copy_libs() {
    local root=$1 bin=$2 lib
    for lib in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+' | sort -u); do
        [ -e "$root$lib" ] && continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
}

# The part of the initramfs that does not change between tests: $cache/base.cpio.gz.
build_base() {
    local stamp="$kpkg $(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16) $(dpkg-query -W -f='${Version}' busybox-static iproute2)"
    if [ -f "$cache/base.cpio.gz" ] && [ "$(cat "$cache/base.stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    log "building base initramfs for $kver"
    local root=$cache/base mdir=$cache/kernel/root/lib/modules/$kver m f
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,t,lib/vfnl/mod}
    cp /bin/busybox "$root/bin/busybox"
    # iproute2 from the host, with its libraries; busybox's own `ip` stays out of the way.
    cp /usr/sbin/ip "$root/usr/sbin/ip"
    copy_libs "$root" /usr/sbin/ip
    mkdir -p "$root/usr/share/iproute2" "$root/etc/iproute2"
    cp -r /usr/share/iproute2/. "$root/usr/share/iproute2/" 2>/dev/null || true
    echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
    echo 'root:x:0:' >"$root/etc/group"
    for m in "${vm_modules[@]}"; do
        : >"$root/lib/vfnl/mod/$m"
        for f in $(module_files "$mdir" "$m"); do
            local out=$root/lib/modules/$kver/${f%.xz}
            if [ ! -f "$out" ]; then
                mkdir -p "$(dirname "$out")"
                case $f in
                *.xz) xz -dc "$mdir/$f" >"$out" ;;
                *) cp "$mdir/$f" "$out" ;;
                esac
            fi
            echo "/lib/modules/$kver/${f%.xz}" >>"$root/lib/vfnl/mod/$m"
        done
    done
    cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# Kernel messages stay off the console so they cannot split test output lines; use dmesg.
echo 1 >/proc/sys/kernel/printk
ip link set lo up
export PATH=/t/bin:/t:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root VFNL_VM=1
echo "VFNL-BOOT $(uname -r) up $(cut -d' ' -f1 /proc/uptime)s"
echo "VFNL-KERNEL $(cat /proc/version)"
if [ -f /etc/vfnl-shell ]; then
    setsid cttyhack sh
    rc=0
elif [ -x /t/run ]; then
    args=$(cat /etc/vfnl-args 2>/dev/null)
    (cd /t && exec /t/run $args)
    rc=$?
else
    echo "vm: no executable /t/run"
    rc=127
fi
echo "VFNL-EXIT $rc"
sync
poweroff -f
EOF
    chmod 755 "$root/init"
    # Helpers for test scripts: `. /lib/vfnl/vm-lib.sh`.
    cat >"$root/lib/vfnl/vm-lib.sh" <<'EOF'
# vm_modprobe MOD...: insmod MOD and its dependencies (the list was made from modules.dep).
vm_modprobe() {
    local m f n
    for m in "$@"; do
        [ -f "/lib/vfnl/mod/$m" ] || { echo "vm_modprobe: no module $m" >&2; return 1; }
        while read -r f; do
            n=$(basename "$f" .ko | tr - _)
            grep -q "^$n " /proc/modules || insmod "$f" || return 1
        done <"/lib/vfnl/mod/$m"
    done
}
# vm_wait_netdev NAME [TENTHS]: wait until /sys/class/net/NAME exists (default 10 s).
vm_wait_netdev() {
    local i=0
    while [ ! -e "/sys/class/net/$1" ]; do
        i=$((i + 1))
        [ "$i" -le "${2:-100}" ] || { echo "vm_wait_netdev: no $1" >&2; return 1; }
        sleep 0.1
    done
}
EOF
    (cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --quiet --owner=0:0) |
        gzip -1 >"$cache/base.cpio.gz.tmp"
    mv "$cache/base.cpio.gz.tmp" "$cache/base.cpio.gz"
    echo "$stamp" >"$cache/base.stamp"
}

setup() {
    mkdir -p "$cache"
    ensure_packages
    ensure_kernel
    build_base
}

# boot CPIO_OVERLAY LOG: boot the VM with base + overlay; prints the /t/run exit code.
boot() {
    local overlay=$1 logf=$2 initrd=$cache/initrd.gz
    cat "$cache/base.cpio.gz" "$overlay" >"$initrd"
    local -a qemu=(
        qemu-system-x86_64 -machine q35 -accel "$accel" -m 1024 -smp 2
        -nodefaults -display none -no-reboot
        -kernel "$vmlinuz" -initrd "$initrd"
        -append "console=ttyS0 quiet panic=-1 ${VFNL_VM_APPEND:-}"
        -device pcie-root-port,id=rp0,chassis=1,slot=1
        -device igb,bus=rp0,netdev=n0,mac=52:54:00:12:00:01,romfile=
        -netdev user,id=n0,restrict=on
        -device pcie-root-port,id=rp1,chassis=2,slot=2
        -device igb,bus=rp1,netdev=n1,mac=52:54:00:12:00:02,romfile=
        -netdev user,id=n1,restrict=on
    )
    : >"$logf"
    local t0 t1 qrc=0
    t0=$(date +%s.%N)
    if [ -f "$cache/shell" ]; then
        "${qemu[@]}" -serial mon:stdio || qrc=$?
        return 0
    elif [ "${VFNL_VM_QUIET:-0}" = 1 ]; then
        timeout "$vm_timeout" "${qemu[@]}" -serial "file:$logf" </dev/null || qrc=$?
    else
        timeout "$vm_timeout" "${qemu[@]}" -chardev "stdio,id=con,signal=off,logfile=$logf" \
            -serial chardev:con </dev/null || qrc=$?
    fi
    t1=$(date +%s.%N)
    log "VM ran $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s (qemu status $qrc), console log: $logf"
    local rc
    rc=$(tr -d '\r' <"$logf" | sed -n 's/^VFNL-EXIT \([0-9]*\)$/\1/p' | tail -n1)
    if [ -z "$rc" ]; then
        [ "$qrc" -eq 124 ] && log "timed out after $vm_timeout s" || log "no VFNL-EXIT line"
        rc=125
    fi
    return "$rc"
}

# run PATH [ARGS...]: pack PATH as /t and boot.
run() {
    [ $# -ge 1 ] || die "usage: vm.sh run DIR|EXECUTABLE [ARGS...]"
    local src=$1
    shift
    setup
    local ov=$cache/overlay f
    rm -rf "$ov" && mkdir -p "$ov/t" "$ov/etc"
    if [ -d "$src" ]; then
        cp -a "$src/." "$ov/t/"
    elif [ -f "$src" ]; then
        cp "$src" "$ov/t/run"
    else
        die "$src: not found"
    fi
    [ -x "$ov/t/run" ] || die "$src has no executable run"
    # Dynamically linked test binaries (cargo test, C tests) bring their libraries along.
    while IFS= read -r -d '' f; do
        if head -c4 "$f" | grep -q 'ELF'; then copy_libs "$ov" "$f"; fi
    done < <(find "$ov/t" -type f -perm -u+x -print0)
    printf '%s' "$*" >"$ov/etc/vfnl-args"
    (cd "$ov" && find . -print0 | sort -z | cpio --null -o -H newc --quiet --owner=0:0) |
        gzip -1 >"$cache/overlay.cpio.gz"
    boot "$cache/overlay.cpio.gz" "${VFNL_VM_LOG:-$cache/console.log}"
}

capture() {
    ensure_build_tools
    setup
    local cap=$here/capture build=$cache/capture
    rm -rf "$build" && mkdir -p "$build"
    gcc -static -O2 -Wall -Wextra -Werror -o "$build/nlcap" "$cap/nlcap.c"
    cp "$cap/run" "$build/run"
    local logf=$cache/capture.log rc=0
    VFNL_VM_LOG=$logf run "$build" || rc=$?
    [ "$rc" -eq 0 ] || die "capture run failed with status $rc (see $logf)"
    local top
    top=$(cd "$here/.." && pwd)
    python3 "$cap/extract.py" --log "$logf" --command "bash kernel-tests/vm.sh capture" \
        --qemu "QEMU $(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([^ ]*\).*/\1/p')" \
        --rust "$top/core/tests/golden/igb_kernel.rs" \
        --json "$top/core/tests/golden/igb_ip_link.json"
}

shell() {
    setup
    local ov=$cache/overlay
    rm -rf "$ov" && mkdir -p "$ov/etc" && : >"$ov/etc/vfnl-shell"
    (cd "$ov" && find . | cpio -o -H newc --quiet --owner=0:0) | gzip -1 >"$cache/overlay.cpio.gz"
    touch "$cache/shell"
    boot "$cache/overlay.cpio.gz" "$cache/shell.log" || true
    rm -f "$cache/shell"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
setup) setup ;;
run) run "$@" ;;
capture) capture ;;
shell) shell ;;
*)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

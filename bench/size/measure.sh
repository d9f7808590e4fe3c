#!/usr/bin/env bash
# Size: how much a minimal C program grows when it statically links libvfnl.a (as `make lib`
# builds it: release, fat LTO, one codegen unit) and uses the whole encode/decode API
# (bench/size/codec.c). gcc -O2, --gc-sections, stripped. Prints a markdown section on
# stdout; fails when the probe does not run or carries Rust's panic machinery. Run from the
# repository root after `make lib`.
set -euo pipefail
T=target/size
mkdir -p "$T"
LIB=target/release/libvfnl.a
LIBS_PRIVATE=${LIBS_PRIVATE:--lgcc_s -lutil -lrt -lpthread -lm -ldl -lc}
CFLAGS=(-O2 -Wall -Wextra -Werror -ffunction-sections -fdata-sections)
LDFLAGS=(-Wl,--gc-sections)

cc "${CFLAGS[@]}" -DBASELINE -o "$T/baseline" bench/size/codec.c "${LDFLAGS[@]}" -s
# shellcheck disable=SC2086 # LIBS_PRIVATE is a list of flags
cc "${CFLAGS[@]}" -Iinclude -o "$T/codec.full" bench/size/codec.c "$LIB" "${LDFLAGS[@]}" $LIBS_PRIVATE
strip -o "$T/codec" "$T/codec.full"

# The probe must work: a real igb GETLINK reply (4 VFs) goes through every call.
out=$("$T/codec" < fuzz/seeds/link_reply/igb_getlink_vf)
grep -q '^eth0: 4 VFs (success)$' <<<"$out" &&
    grep -q '^restore: success$' <<<"$out" ||
    { echo "size probe printed:" >&2; echo "$out" >&2; exit 1; }

# No panic path: had any reachable function a panic site, std's panic handler (message
# formatting, backtrace symbolization) would come with it, some 270 KiB.
panic_syms=$(nm "$T/codec.full" | grep -c 'rust_begin_unwind\|panic_fmt\|gimli' || true)

size_of() { stat -c %s "$1"; }
text_of() { size -A "$1" | awk '$1==".text"{print $2}'; }
kib() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1024}'; }
base=$(size_of "$T/baseline")
with=$(size_of "$T/codec")
growth=$((with - base))

echo "A minimal C program (bench/size/codec.c) that uses libvfnl's whole encode/decode API:"
echo "every function but vfnl_resolve_vf, vfnl_apply and vfnl_release. gcc -O2,"
echo "--gc-sections, stripped; libvfnl.a as \`make lib\` builds it (release, fat LTO,"
echo "codegen-units 1)."
echo
echo "| build | file size | .text | growth |"
echo "|---|---:|---:|---:|"
echo "| the C program alone | $(kib "$base") KiB | $(kib "$(text_of "$T/baseline")") KiB | - |"
echo "| + libvfnl.a | $(kib "$with") KiB | $(kib "$(text_of "$T/codec")") KiB | **$(kib "$growth") KiB** |"
echo
echo "Panic machinery linked in: $([ "$panic_syms" = 0 ] && echo none || echo "$panic_syms symbols")."
echo "Target: ≤ 100 KiB: $([ "$growth" -le 102400 ] && echo met || echo '**NOT met**')."
[ "$panic_syms" = 0 ] || { echo "size probe: the encode/decode API links Rust's panic machinery" >&2; exit 1; }

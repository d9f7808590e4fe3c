#!/usr/bin/env bash
# Size probe: how much a minimal C program grows when it statically links vfnl's encode and
# decode (bench/size/src/lib.rs), built release + LTO + panic=abort, linked with
# --gc-sections and stripped. Prints a markdown section on stdout. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
T=../../target/size
mkdir -p "$T"
export CARGO_TARGET_DIR="$PWD/$T/cargo"
CFLAGS=(-O2 -Wall -Wextra -Werror -ffunction-sections -fdata-sections)
LDFLAGS=(-Wl,--gc-sections -s)

cc "${CFLAGS[@]}" -DBASELINE -o "$T/baseline" main.c "${LDFLAGS[@]}"

# no_std: the codec and nothing else.
cargo build -q --release
cc "${CFLAGS[@]}" -o "$T/with_nostd" main.c "$CARGO_TARGET_DIR/release/libvfnl_size.a" "${LDFLAGS[@]}"

# std: what a staticlib that links std (as a C ABI crate usually does) carries.
libs=$(cargo rustc -q --release --features std -- --print native-static-libs 2>&1 |
    sed -n 's/.*native-static-libs: //p' | tail -n 1)
cc "${CFLAGS[@]}" -o "$T/with_std" main.c "$CARGO_TARGET_DIR/release/libvfnl_size.a" $libs "${LDFLAGS[@]}"

# The probes must work: decode the igb reply's VFs, encode the 120-byte SETLINK.
for b in with_nostd with_std; do
    got=$(printf '' | "$T/$b")
    [ "$got" = "-1 120" ] || { echo "size probe $b printed '$got'" >&2; exit 1; }
done

size_of() { stat -c %s "$1"; }
text_of() { size -A "$1" | awk '$1==".text"{print $2}'; }
base=$(size_of "$T/baseline"); base_text=$(text_of "$T/baseline")
kib() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1024}'; }

echo "Minimal C program (bench/size/main.c), gcc -O2, --gc-sections, stripped; the staticlib"
echo "built release + LTO + codegen-units=1 + panic=abort (bench/size/Cargo.toml)."
echo
echo "| build | file size | .text | growth over the C program alone |"
echo "|---|---:|---:|---:|"
echo "| C program alone | $(kib "$base") KiB | $(kib "$base_text") KiB | - |"
for b in with_nostd with_std; do
    s=$(size_of "$T/$b"); t=$(text_of "$T/$b")
    label=$([ $b = with_nostd ] && echo "+ vfnl, no_std staticlib" || echo "+ vfnl, staticlib linking std")
    echo "| $label | $(kib "$s") KiB | $(kib "$t") KiB | **$(kib $((s - base))) KiB** |"
done
echo
echo "Target: ≤ 100 KiB. To be re-measured against libvfnl.a once the C ABI (ffi/) lands."

#!/usr/bin/env bash
# `make bench`: builds the Rust harness, the libnl peer (C) and the size probe, then runs
# them all and writes bench/results.md. Not part of `make check`.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-bench/results.md}
DATA=target/bench-data
mkdir -p "$DATA" target/bench

# The libnl peer needs Debian's libnl-route-3-dev.
if ! pkg-config --exists libnl-route-3.0; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -q && apt-get install -y -q libnl-route-3-dev pkg-config
    fi
fi
LIBNL_ARGS=()
if pkg-config --exists libnl-route-3.0; then
    cc -O2 -Wall -Wextra -Werror -o target/bench/libnl_bench bench/c/libnl_bench.c \
        $(pkg-config --cflags --libs libnl-route-3.0)
    LIBNL_ARGS=(--libnl target/bench/libnl_bench)
else
    echo "bench: libnl-route-3-dev not available; the libnl peer is left out" >&2
fi

make -s lib
make -s lib
bash bench/size/measure.sh > "$DATA/size.md"

cargo build --release -p vfnl-bench
./target/release/vfnl-bench "$DATA" "${LIBNL_ARGS[@]}" --size "$DATA/size.md" --out "$OUT"

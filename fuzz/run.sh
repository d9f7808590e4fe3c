#!/usr/bin/env bash
# `make fuzz`: runs every cargo-fuzz target (link_reply, ack, dump, snapshot, and c_abi, the
# C ABI's decode entry points) for FUZZ_SECONDS (default 60) each; FUZZ_TARGETS picks some.
# Each starts from the committed seeds (fuzz/seeds/TARGET, written by `make fuzz-seeds`) plus
# whatever earlier runs kept in fuzz/corpus/TARGET (not committed). Prints and writes a
# summary (target/fuzz-results.md) with the executions per target and in total; exits
# non-zero on a crash, leaving the input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"link_reply ack dump snapshot c_abi"}
OUT=target/fuzz-results.md

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

mkdir -p target/fuzz-logs
(cd fuzz && cargo +nightly fuzz build)
{
    echo "| target | seconds | executions | exec/s | corpus | crashes |"
    echo "|---|---:|---:|---:|---:|---:|"
} > "$OUT.tmp"
status=0
total_seconds=0 total_execs=0 total_corpus=0 total_crashes=0
for t in $TARGETS; do
    mkdir -p "fuzz/corpus/$t"
    log=target/fuzz-logs/$t.log
    # -rss_limit_mb: the decoders never allocate; a growing RSS would be a leak in the target.
    if (cd fuzz && cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$SECONDS_EACH" -print_final_stats=1 -rss_limit_mb=2048) >"$log" 2>&1; then
        crashes=0
    else
        crashes=1
        status=1
        echo "fuzz: $t FAILED; see $log and fuzz/artifacts/$t/" >&2
        tail -n 30 "$log" >&2
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    echo "| $t | $SECONDS_EACH | ${execs:-?} | ${rate:-?} | $corpus | $crashes |" >> "$OUT.tmp"
    total_seconds=$((total_seconds + SECONDS_EACH))
    [[ ${execs:-} =~ ^[0-9]+$ ]] && total_execs=$((total_execs + execs))
    total_corpus=$((total_corpus + corpus))
    total_crashes=$((total_crashes + crashes))
done
echo "| total | $total_seconds | $total_execs | | $total_corpus | $total_crashes |" >> "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
exit $status

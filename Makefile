# vfnl — one entry point per job. `make check` needs only Rust and a C compiler.
CARGO ?= cargo
EMBEDDED_TARGET := thumbv7em-none-eabihf

.PHONY: check fmt-check clippy test embedded doc bench fuzz fuzz-seeds miri

## Everything CI runs: formatting, lints, all tests, the bare-metal build, the docs.
check: fmt-check clippy test embedded doc
	@echo "make check: all passed"

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

test:
	$(CARGO) test --workspace --all-features

# The core must build with no std and no allocator for a microcontroller target.
embedded:
	@rustup target list --installed | grep -qx $(EMBEDDED_TARGET) || rustup target add $(EMBEDDED_TARGET)
	$(CARGO) build -p vfnl --no-default-features --target $(EMBEDDED_TARGET)

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --all-features

## Benchmarks against netlink-packet-route, libnl and a hand-written floor, plus the size
## probe; prints the table and writes bench/results.md. Not part of `make check`.
bench:
	bash bench/run.sh

## Fuzzing (nightly, cargo-fuzz): every target FUZZ_SECONDS (default 60) each.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh

## Rewrites the fuzz seed corpora (fuzz/seeds/) from the golden vectors.
fuzz-seeds:
	$(CARGO) run -q -p vfnl-bench --bin fuzz-seeds -- fuzz/seeds

## The core's test suite under Miri (nightly): every test of the no_std core, then the std
## layer's unit tests and its transactional-apply tests over a fake transport. Not run:
## tests/socket.rs, which needs real netlink sockets (Miri has none). Isolation is off so
## proptest can read its persisted regression seeds; PROPTEST_CASES keeps each property to
## 8 random cases in the interpreter (the native `make test` runs 256).
MIRI_ENV = MIRIFLAGS="-Zmiri-disable-isolation" PROPTEST_CASES=8
miri:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@rustup +nightly component list --installed | grep -q '^miri' || rustup +nightly component add miri rust-src
	$(MIRI_ENV) $(CARGO) +nightly miri test -p vfnl
	$(MIRI_ENV) $(CARGO) +nightly miri test -p vfnl --features std --lib --test apply

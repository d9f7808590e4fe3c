# vfnl — one entry point per job. `make check` needs only Rust and a C compiler.
CARGO ?= cargo
EMBEDDED_TARGET := thumbv7em-none-eabihf

.PHONY: check fmt-check clippy test embedded doc

## The demo a newcomer runs first: the RFC's dual-port <hostdev> resolved against a bundled
## mlx4 sysfs tree, printed per port (see examples/demo.rs for --sysfs /sys and --apply).
.PHONY: demo
demo:
	$(CARGO) run -q -p vfnl-examples --bin vfnl-demo

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

## The real-kernel suite: a QEMU VM with Debian's 6.12 kernel and two emulated igb SR-IOV
## NICs (installs QEMU and the kernel when missing; root). Console log: target/kernel-check.log
.PHONY: kernel-check
kernel-check:
	$(CARGO) build --release -p vfnl-kernel-suite
	rm -rf target/ksuite && mkdir -p target/ksuite
	cp kernel-tests/suite/run target/release/vfnl-ksuite target/ksuite/
	VFNL_VM_QUIET=1 VFNL_VM_LOG=$(CURDIR)/target/kernel-check.log \
		bash kernel-tests/vm.sh run target/ksuite; rc=$$?; \
		tr -d '\r' <target/kernel-check.log >target/kernel-check.txt; \
		grep -E '^(ok|FAIL) - |^igb log: ' target/kernel-check.txt; \
		grep -E '^[0-9]+ passed, [0-9]+ failed$$' target/kernel-check.txt \
			|| { echo "0 passed, 1 failed (no result lines; see target/kernel-check.log)"; rc=1; }; \
		exit $$rc

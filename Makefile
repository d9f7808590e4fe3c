# vfnl — one entry point per job. `make check` needs only Rust and a C compiler.
CARGO ?= cargo
EMBEDDED_TARGET := thumbv7em-none-eabihf

.PHONY: check fmt-check clippy test embedded doc bench fuzz fuzz-seeds

## The demo a newcomer runs first: the RFC's dual-port <hostdev> resolved against a bundled
## mlx4 sysfs tree, printed per port (see examples/demo.rs for --sysfs /sys and --apply).
.PHONY: demo
demo:
	$(CARGO) run -q -p vfnl-examples --bin vfnl-demo

## Everything CI runs: formatting, lints, all tests, the bare-metal build, the docs, and the
## C ABI (header, exported symbols, C tests under sanitizers and valgrind, pkg-config builds).
check: fmt-check clippy test embedded doc c-check
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
kernel-check: lib
	$(CARGO) build --release -p vfnl-kernel-suite
	rm -rf target/ksuite && mkdir -p target/ksuite
	cp kernel-tests/suite/run target/release/vfnl-ksuite target/ksuite/
	gcc $(CFLAGS_STRICT) -Iinclude kernel-tests/suite/c_apply.c $(LIB).a $(LIBS_PRIVATE) -o target/ksuite/c_apply
	VFNL_VM_QUIET=1 VFNL_VM_LOG=$(CURDIR)/target/kernel-check.log \
		bash kernel-tests/vm.sh run target/ksuite; rc=$$?; \
		tr -d '\r' <target/kernel-check.log >target/kernel-check.txt; \
		grep -E '^(ok|FAIL) - |^igb log: ' target/kernel-check.txt; \
		grep -E '^[0-9]+ passed, [0-9]+ failed$$' target/kernel-check.txt \
			|| { echo "0 passed, 1 failed (no result lines; see target/kernel-check.log)"; rc=1; }; \
		exit $$rc

## ---- The C ABI: libvfnl.a, libvfnl.so.0, include/vfnl.h, vfnl.pc ----
CBINDGEN_VERSION := 0.29.4
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
SOVERSION := 0
PREFIX ?= /usr/local
LIB := target/release/libvfnl
# What a static link of a Rust staticlib needs (cargo rustc -- --print native-static-libs).
LIBS_PRIVATE := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
CFLAGS_STRICT := -std=c11 -Wall -Wextra -Wpedantic -Werror -g
FIXTURE := $(CURDIR)/fixtures/sysfs/mlx4-dual-port

.PHONY: lib cbindgen-install header header-check symbols-check size-check c-tests c-examples c-check install

# One crate type per build: with several (rlib for the Rust tests), rustc does not merge the
# staticlib into one LTO unit, and an unmerged libvfnl.a drags std's panic machinery (some
# 270 KiB) into every C program that links it.
lib:
	$(CARGO) rustc --release -p vfnl-ffi --crate-type staticlib
	$(CARGO) rustc --release -p vfnl-ffi --crate-type cdylib

cbindgen-install:
	@cbindgen --version 2>/dev/null | grep -qx "cbindgen $(CBINDGEN_VERSION)" || \
		$(CARGO) install cbindgen --version $(CBINDGEN_VERSION) --locked

## Regenerates include/vfnl.h (commit the result).
header: cbindgen-install
	cbindgen --quiet --config ffi/cbindgen.toml --crate vfnl-ffi --output include/vfnl.h ffi

## Fails when the committed header differs from what the code generates, or when its
## version macros differ from Cargo.toml; checks it compiles as C11 and C++.
header-check: cbindgen-install
	mkdir -p target/c
	cbindgen --quiet --config ffi/cbindgen.toml --crate vfnl-ffi --output target/c/vfnl.h ffi
	cmp include/vfnl.h target/c/vfnl.h || { echo "include/vfnl.h is stale: run make header"; exit 1; }
	grep -q '^#define VFNL_VERSION "$(VERSION)"$$' include/vfnl.h || { echo "VFNL_VERSION != $(VERSION)"; exit 1; }
	v() { sed -n "s/^#define VFNL_VERSION_$$1 //p" include/vfnl.h; }; \
		test "$$(v MAJOR).$$(v MINOR).$$(v PATCH)" = "$(VERSION)" \
		|| { echo "VFNL_VERSION_MAJOR/MINOR/PATCH != $(VERSION)"; exit 1; }
	printf '#include "vfnl.h"\nint main(void) { return VFNL_OK; }\n' > target/c/header.c
	gcc $(CFLAGS_STRICT) -Iinclude -c target/c/header.c -o target/c/header-c.o
	cp target/c/header.c target/c/header.cpp
	g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -Iinclude -c target/c/header.cpp -o target/c/header-cpp.o

## Only vfnl_ symbols leave the shared library; it carries its soname.
symbols-check: lib
	@bad=$$(nm -D --defined-only $(LIB).so | awk '{print $$3}' | grep -v '^vfnl_' || true); \
		if [ -n "$$bad" ]; then echo "exported without the vfnl_ prefix:"; echo "$$bad"; exit 1; fi
	readelf -d $(LIB).so | grep -q 'SONAME.*libvfnl.so.$(SOVERSION)\]'
	@echo "symbols-check: $$(nm -D --defined-only $(LIB).so | wc -l) symbols, all vfnl_; soname libvfnl.so.$(SOVERSION)"

## The C tests, with ASan+UBSan and again under valgrind.
c-tests: lib
	mkdir -p target/c
	python3 c-tests/golden_h.py target/c/golden.h
	gcc $(CFLAGS_STRICT) -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
		-Iinclude -Itarget/c -DVFNL_FIXTURE='"$(FIXTURE)"' c-tests/test_vfnl.c $(LIB).a $(LIBS_PRIVATE) -o target/c/test_vfnl_asan
	gcc $(CFLAGS_STRICT) -Iinclude -Itarget/c -DVFNL_FIXTURE='"$(FIXTURE)"' c-tests/test_vfnl.c $(LIB).a $(LIBS_PRIVATE) -o target/c/test_vfnl
	@echo "== C tests (ASan + UBSan)"
	./target/c/test_vfnl_asan
	@echo "== C tests (valgrind)"
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite ./target/c/test_vfnl

## Installs the header, both libraries and vfnl.pc under $(PREFIX).
install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/vfnl.h $(DESTDIR)$(PREFIX)/include/vfnl.h
	install -m 644 $(LIB).a $(DESTDIR)$(PREFIX)/lib/libvfnl.a
	install -m 755 $(LIB).so $(DESTDIR)$(PREFIX)/lib/libvfnl.so.$(VERSION)
	ln -sf libvfnl.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libvfnl.so.$(SOVERSION)
	ln -sf libvfnl.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libvfnl.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|' \
		ffi/vfnl.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/vfnl.pc

## The C examples, built against an installed copy through pkg-config, static and shared.
C_EX_PREFIX := $(CURDIR)/target/c/prefix
c-examples:
	rm -rf $(C_EX_PREFIX)
	$(MAKE) --no-print-directory install PREFIX=$(C_EX_PREFIX)
	for ex in dual_port own_socket; do \
		PKG_CONFIG_PATH=$(C_EX_PREFIX)/lib/pkgconfig; export PKG_CONFIG_PATH; \
		gcc $(CFLAGS_STRICT) examples/c/$$ex.c $$(pkg-config --cflags --libs vfnl) \
			-Wl,-rpath,$$(pkg-config --variable=libdir vfnl) -o target/c/$$ex-shared || exit 1; \
		gcc $(CFLAGS_STRICT) examples/c/$$ex.c $$(pkg-config --cflags vfnl) \
			-L$$(pkg-config --variable=libdir vfnl) -l:libvfnl.a \
			$$(pkg-config --static --libs vfnl | sed 's/-lvfnl//') -o target/c/$$ex-static || exit 1; \
	done
	ldd target/c/dual_port-shared | grep -q 'libvfnl.so.$(SOVERSION) =>'
	! ldd target/c/dual_port-static | grep -q libvfnl
	./target/c/dual_port-shared > target/c/dual_port-shared.out
	./target/c/dual_port-static > target/c/dual_port-static.out
	cmp target/c/dual_port-shared.out target/c/dual_port-static.out
	./target/c/own_socket-shared
	./target/c/own_socket-static > /dev/null
	@echo "c-examples: built with pkg-config, static and shared, and ran"

## The encode/decode API links into a C program with no panic path and within 100 KiB
## (bench/size/measure.sh; `make bench` reports the same figures).
size-check: lib
	@mkdir -p target/size
	@LIBS_PRIVATE="$(LIBS_PRIVATE)" bash bench/size/measure.sh > target/size/report.md; rc=$$?; \
		grep -E 'growth|libvfnl.a \||Panic|Target' target/size/report.md; exit $$rc

c-check: header-check symbols-check size-check c-tests c-examples

## Benchmarks against netlink-packet-route, libnl and a hand-written floor, plus the size
## probe; prints the table and writes bench/results.md. Not part of `make check`.
bench:
	bash bench/run.sh

## Fuzzing (nightly, cargo-fuzz): every target FUZZ_SECONDS (default 60) each: link_reply,
## ack, dump, snapshot (the decoders) and c_abi (the C ABI's decode entry points).
## FUZZ_TARGETS="c_abi ..." runs only those.
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

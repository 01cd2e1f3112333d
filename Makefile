# mcsync: one non-recursive Makefile.
#   make            build libmc.a, every program into $(O)/, the test tools into $(O)/tools/
#   make check      build and run every test; ends with "N passed, N failed"
#   make asan       the same tests under AddressSanitizer (+LeakSanitizer)
#   make ubsan      the same tests under UndefinedBehaviorSanitizer
#   make sanitize   the same tests once under both together (what CI runs)
#   make tsan       the tests of the threaded code under ThreadSanitizer
#                   (TSAN_TESTS; not in CI)
#   make fuzz       libFuzzer targets with clang (FUZZ_SECONDS per target)
#   make bench      benchmarks against the peers (never fails on a timing)
#   make soak       the tests sized for CI at their full size (SOAK_TESTS)
#   make deps       install the Debian packages the project needs
#   make man        the manual pages, build/man/*.1, from docs/PROGRAM.md (lowdown)
#   make install PREFIX=/usr/local [DESTDIR=...]
#   make deb        a Debian package, $(O)/deb/mcsync_VERSION_ARCH.deb (debian/;
#                   built by dpkg-buildpackage in a copy of the tree)

O ?= build
PREFIX ?= /usr/local
CC ?= cc
CFLAGS ?= -O2 -g
WERROR ?= -Werror
VERSION := 0.1.0

WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla
MC_CPPFLAGS := -Icommon -Icmd/lib -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DMC_VERSION='"$(VERSION)"' $(shell pkg-config --cflags libmariadb 2>/dev/null) $(CPPFLAGS)
MC_CFLAGS := -std=c11 $(WARNINGS) $(WERROR) $(CFLAGS)
LIBS := $(LDFLAGS) -Wl,--as-needed -lmsgpackc -lzstd -lz -lcurl -lcrypto \
	$(shell pkg-config --libs libfyaml 2>/dev/null) \
	$(shell pkg-config --libs libmariadb 2>/dev/null) -lm -lpthread

COMMON_SRC := $(sort $(wildcard common/*/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(O)/%.o)
CMDLIB_SRC := $(sort $(wildcard cmd/lib/*.c))
CMDLIB_OBJ := $(CMDLIB_SRC:%.c=$(O)/%.o)
PROG_SRC := $(sort $(wildcard cmd/*.c))
PROGS := $(PROG_SRC:cmd/%.c=$(O)/%)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNITS := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOLS := $(TOOL_SRC:tests/tools/%.c=$(O)/tools/%)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:fuzz/%.c=$(O)/fuzz/%-replay)
MANS := $(PROG_SRC:cmd/%.c=$(O)/man/%.1)
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
LIBDIR ?= $(PREFIX)/lib
DOCDIR ?= $(PREFIX)/share/doc/mcsync
# the pipelines that run from an installed tree (the demo needs the tests)
PIPE_SCRIPTS := pipelines/replay.sh pipelines/tail-service.sh pipelines/merge-daily.sh
MAN_DATE := $(if $(SOURCE_DATE_EPOCH),$(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%d))

# the local MaxCompute server's C block decoder (tests/odps-server/blockdec.c)
BLOCKDEC := $(O)/tools/odps-blockdec.so

all: $(PROGS) $(TOOLS) $(BLOCKDEC)

# the programs only (what make install installs; the package builds them)
progs: $(PROGS)

$(O)/libmc.a: $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(MC_CPPFLAGS) $(MC_CFLAGS) -MMD -MP -c -o $@ $<

# The programs without -lcurl: libcurl is opened by dlopen at the first
# HTTP request (cmd/lib/curl_lazy.c, one of CMDLIB_OBJ); the unit tests and
# test tools link it.
PROG_LIBS := $(filter-out -lcurl,$(LIBS)) -ldl
$(O)/%: $(O)/cmd/%.o $(CMDLIB_OBJ) $(O)/libmc.a
	@mkdir -p $(@D)
	$(CC) $(MC_CFLAGS) -o $@ $< $(CMDLIB_OBJ) $(O)/libmc.a $(PROG_LIBS)

# mc-binlog-tail without -lmariadb: the client library (and OpenSSL with it)
# is opened by dlopen only for a server connection (cmd/tail/mariadb_lazy.c);
# without -lzstd -lz: they are opened for compressed data only
# (cmd/tail/compress_lazy.c).
MARIADB_LIBS := $(shell pkg-config --libs libmariadb 2>/dev/null)
TAIL_LAZY_OBJ := $(O)/cmd/tail/mariadb_lazy.o $(O)/cmd/tail/compress_lazy.o
$(O)/mc-binlog-tail: $(O)/cmd/mc-binlog-tail.o $(TAIL_LAZY_OBJ) $(CMDLIB_OBJ) $(O)/libmc.a
	@mkdir -p $(@D)
	$(CC) $(MC_CFLAGS) -o $@ $< $(TAIL_LAZY_OBJ) $(CMDLIB_OBJ) $(O)/libmc.a \
		$(filter-out $(MARIADB_LIBS) -lzstd -lz,$(PROG_LIBS))

$(O)/tests/%: $(O)/tests/unit/%.o $(O)/libmc.a
	@mkdir -p $(@D)
	$(CC) $(MC_CFLAGS) -o $@ $< $(O)/libmc.a $(LIBS)

# Loaded into Python by ctypes (tests/odps-server/blockdec.py): built with
# its own flags, -fPIC -shared and no sanitizer (Python does not load a
# sanitizer's runtime), whatever CFLAGS says; the fuzz target
# fuzz_odps_blockdec runs the same code under the sanitizers.
$(BLOCKDEC): tests/odps-server/blockdec.c tests/odps-server/blockinf.c tests/odps-server/blockdec.h
	@mkdir -p $(@D)
	$(CC) -std=c11 $(WARNINGS) $(WERROR) -O2 -g -fPIC -shared -o $@ tests/odps-server/blockdec.c \
		tests/odps-server/blockinf.c -lzstd -lz

$(O)/tools/%: $(O)/tests/tools/%.o $(O)/libmc.a
	@mkdir -p $(@D)
	$(CC) $(MC_CFLAGS) -o $@ $< $(O)/libmc.a $(LIBS)

# Fuzz targets replayed over their saved corpus with a plain main (gcc).
$(O)/fuzz/%-replay: $(O)/fuzz/%.o $(O)/fuzz/replay_main.o $(O)/libmc.a
	@mkdir -p $(@D)
	$(CC) $(MC_CFLAGS) -o $@ $^ $(LIBS)

check: all $(UNITS) $(TOOLS) $(FUZZ_REPLAY)
	@O=$(O) sh tests/run.sh

# The tests some sizes of which are cut for CI (docs/testing.md "Soak
# sizes"), and those sizes at full: make soak runs them so.
SOAK_TESTS := t3000 t3030 t6300 t7037
SOAK_SIZES := MERGE_TABLES=600 LAYOUT_TABLES=40 REPLAY_TABLES=30 INFLATE_BLOCKS=30
soak: all $(UNITS) $(TOOLS)
	@$(SOAK_SIZES) O=$(O) TESTS="$${TESTS-$(SOAK_TESTS)}" sh tests/run.sh

# The sanitizer builds run some tests at smaller sizes (SAN_SIZES; the
# plain check's sizes there took most of CI's time: docs/testing.md
# "Sanitizers") and leave out the tests that run none of our code under
# them: the package build (t1009: its own binaries) and the checks of the
# local MaxCompute server alone (Python; its C block decoder is built
# without sanitizers whatever CFLAGS says). Each size can be set from the
# environment.
SAN_SIZES := MERGE_TABLES=$${MERGE_TABLES:-20} LAYOUT_TABLES=$${LAYOUT_TABLES:-10} \
	MERGE_TRIALS=$${MERGE_TRIALS:-500} REPLAY_TABLES=$${REPLAY_TABLES:-8} \
	T6201_KILLS=$${T6201_KILLS:-2} T7039_KILLS="$${T7039_KILLS:-1 3}" T7066_STEP=$${T7066_STEP:-2} \
	INFLATE_BLOCKS=$${INFLATE_BLOCKS:-2} INFLATE_STREAMS=$${INFLATE_STREAMS:-10}
SAN_EXCLUDE := t1009-deb t7000-odps-server t7035-odps-lazy-commit t7050-odps-upsert-server
# LeakSanitizer's check at each process's exit costs about 30 ms on a
# 2-core VM (3,000 page faults): most of the sanitizer run's time in tests
# that start the programs hundreds of times. make sanitize keeps it in the
# unit tests, the fuzz replays and the shell tests of SAN_LEAK (each
# program's main paths, live and spilled included), and runs the other
# shell tests with detect_leaks=0 (docs/testing.md "Sanitizers"); make
# asan keeps it everywhere.
SAN_LEAK := t1000-mc-cat t2010-binlog-vv t2040-binlog-live t2064-binlog-tail-spill \
	t3001-mc-tunnel-put t3002-mc-merge t4000-transform-rules t4002-transform-into-sink \
	t6001-snapshot-types t6015-every-type-both-ways t6100-pipeline-demo t7010-odps-http \
	t7021-odps-put-ddl t7026-odps-merge-truncate
SAN_RUN = $(SAN_SIZES) TESTS_EXCLUDE="$${TESTS_EXCLUDE-$(SAN_EXCLUDE)}" $(MAKE)
# The sanitizers' runtimes linked in, into programs that are not PIE: a
# program then starts with about 690 page faults instead of 1,000 (no
# relocation of libasan.so and of the ~1 MB of the sanitizers' tables of
# globals and types), 20% of the CPU time of a test that runs the programs
# hundreds of times (docs/testing.md "Sanitizers").
SAN_LDFLAGS = -no-pie $(LDFLAGS)
asan:
	$(SAN_RUN) O=build-asan CFLAGS="-O1 -g -fsanitize=address -fno-omit-frame-pointer" \
		LDFLAGS="-static-libasan $(SAN_LDFLAGS)" check

ubsan:
	$(SAN_RUN) O=build-ubsan CFLAGS="-O1 -g -fsanitize=undefined -fno-sanitize-recover=all" \
		LDFLAGS="-static-libubsan $(SAN_LDFLAGS)" check

sanitize:
	TESTS_LEAK="$${TESTS_LEAK-$(SAN_LEAK)}" $(SAN_RUN) O=build-asan-ubsan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-static-libasan -static-libubsan $(SAN_LDFLAGS)" check

# the tests that run our threads (docs/testing.md "Sanitizers"); a race
# stops the program (exit 66) and leaves its report in build-tsan/tsan/,
# which fails the target even when the test expected a failing exit
TSAN_TESTS := t_pdeflate t_tunnel_rec t7070 t7089 t7090 t_sink t7022 t7028 t2092 t60 t3002 t_snapjob t_common t_zframe
tsan:
	@rm -rf build-tsan/tsan && mkdir -p build-tsan/tsan
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 log_path=$(CURDIR)/build-tsan/tsan/report$(if $(wildcard tests/tsan.supp), suppressions=$(CURDIR)/tests/tsan.supp) $${TSAN_OPTIONS:-}" \
	TESTS="$${TESTS:-$(TSAN_TESTS)}" $(MAKE) O=build-tsan \
		CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" check; rc=$$?; \
	for f in build-tsan/tsan/report*; do \
		[ -f "$$f" ] && { echo "ThreadSanitizer: $$f"; cat "$$f"; rc=1; }; \
	done; exit $$rc

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
fuzz:
	@mkdir -p $(O)/fuzzer
	@for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		echo "fuzz: building $$n"; \
		$(FUZZ_CC) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined $(MC_CPPFLAGS) \
			-o $(O)/fuzzer/$$n $$f $(COMMON_SRC) $(LIBS) || exit 1; \
		mkdir -p $(O)/fuzzer/new-$$n fuzz/corpus/$$n; \
		$(O)/fuzzer/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			$(O)/fuzzer/new-$$n fuzz/corpus/$$n || exit 1; \
		echo "fuzz: minimising fuzz/corpus/$$n with the new inputs"; \
		rm -rf $(O)/fuzzer/min-$$n && mkdir -p $(O)/fuzzer/min-$$n; \
		$(O)/fuzzer/$$n -merge=1 $(O)/fuzzer/min-$$n fuzz/corpus/$$n \
			$(O)/fuzzer/new-$$n 2>&1 | tail -n 1; \
		rm -rf fuzz/corpus/$$n && mv $(O)/fuzzer/min-$$n fuzz/corpus/$$n; \
	done

bench: all $(TOOLS)
	@O=$(O) sh tests/bench/run.sh

deps:
	@sh tests/deps.sh

# Manual pages: each program's page in docs/ is its manual, converted by
# lowdown (make deps installs it), not written twice.
man: $(MANS)

# The page's first heading (its title, which .TH has) becomes the NAME
# section whatis and lexgrog read: the program and what it does, from its
# row of README.md's table of programs; the page follows under DESCRIPTION.
$(O)/man/%.1: docs/%.md README.md
	@mkdir -p $(@D)
	lowdown -s -Tman -M title=$* -M section=1 -M source="mcsync $(VERSION)" \
		$(if $(MAN_DATE),-M date=$(MAN_DATE)) -o $@.tmp $<
	@desc=$$(sed -n 's/^| `$*` | \(.*\) | \[docs.*/\1/p' README.md | tr -d '`'); \
	test -n "$$desc" || { echo "README.md: no row for $* in the table of programs" >&2; exit 1; }; \
	awk -v name='$*' -v desc="$$desc" '!done && $$0 == ".SH" { print ".SH NAME"; \
		print name " \\- " desc; print ".SH DESCRIPTION"; getline; done = 1; next } { print }' \
		$@.tmp >$@
	@rm -f $@.tmp

install: $(PROGS) $(MANS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(LIBDIR)/mcsync/pipelines/systemd
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(MANS) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -m 755 $(PIPE_SCRIPTS) $(DESTDIR)$(LIBDIR)/mcsync/pipelines/
	install -m 644 pipelines/cron.example $(DESTDIR)$(LIBDIR)/mcsync/pipelines/
	install -m 644 pipelines/systemd/mcsync-* pipelines/systemd/mcsync.env \
		$(DESTDIR)$(LIBDIR)/mcsync/pipelines/systemd/

# The Debian package (docs/install.md): dpkg-buildpackage -us -uc -b in a
# copy of the tree (its clean step would remove build/), the git-tracked
# files (or, outside git, the source directories); DEB_BUILD_OPTIONS as
# usual (nocheck: without make check).
DEB_SRC := Makefile README.md cmd common debian docs fuzz pipelines tests
deb:
	rm -rf $(O)/deb
	mkdir -p $(O)/deb/mcsync-$(VERSION)
	{ git ls-files -z 2>/dev/null || find $(DEB_SRC) -type f -print0; } | \
		tar --null -T - -cf - | tar -xf - -C $(O)/deb/mcsync-$(VERSION)
	# the package's flags are dpkg-buildflags' alone: no CFLAGS or O of an
	# outer make (make asan runs this test) reach the package's make
	cd $(O)/deb/mcsync-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CFLAGS -u O \
		dpkg-buildpackage -us -uc -b
	@ls $(O)/deb/*.deb

clean:
	rm -rf build build-asan build-ubsan build-asan-ubsan build-tsan

.PHONY: all progs check soak asan ubsan sanitize tsan fuzz bench deps man install deb clean
.SECONDARY:

-include $(shell find $(O) -name '*.d' 2>/dev/null)

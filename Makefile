# SPDX-License-Identifier: Apache-2.0
# hopquy: one non-recursive Makefile.  CFLAGS is the builder's; HQ_CFLAGS
# always applies, so `make CFLAGS=-O0` keeps -Werror.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DATADIR	?= $(PREFIX)/share/hopquy
BUILD	?= build
VERSION	 = 0.1.0
BUILD_ID:= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

PKGS	 = libcurl openssl libpcap libnl-3.0 libnl-route-3.0 libcjson libwebsockets libssh2 \
	   libpng libjpeg libseccomp
CFLAGS	?= -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
HQ_CFLAGS = -std=c11 -D_GNU_SOURCE -I. -Iharness -Itestcases \
	-Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wno-format-truncation -pthread \
	-DHQ_VERSION='"$(VERSION)"' -DHQ_BUILD_ID='"$(BUILD_ID)"' \
	-DHQ_DATADIR='"$(DATADIR)"' \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl and libpcap are not linked: harness/util/curl_lazy.c and
# pcap_lazy.c load them on first use (their ~35 dependencies cost every
# process ~8 ms of loading otherwise); nor are libwebsockets, libssh2,
# libpng, libjpeg and ALSA, which only some families call (util/lazy.h:
# ~1.5 ms off every process and the worker's fork).
HQ_LAZY	 = libcurl libpcap libwebsockets libssh2 libpng libjpeg
# libseccomp is used when building only: tools/seccomp-bpf.c compiles the
# worker's filter into $(BUILD)/gen/bench/seccomp_bpf.h.
HQ_BUILDONLY = libseccomp
HQ_LDLIBS = $(shell pkg-config --libs $(filter-out $(HQ_LAZY) \
	$(HQ_BUILDONLY),$(PKGS)) 2>/dev/null) -ldl -lpthread -lm
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

# ALSA capture for netcut's audio evidence: optional, used when pkg-config
# finds libasound (libasound2-dev); `make HQ_ALSA=0` leaves it out.
HQ_ALSA	?= $(shell pkg-config --exists alsa 2>/dev/null && echo 1)
ifeq ($(HQ_ALSA),1)
HQ_CFLAGS += -DHQ_HAVE_ALSA $(shell pkg-config --cflags alsa)
endif

HQ_SRCS	 = $(filter-out harness/core/main.c,$(wildcard harness/*/*.c)) \
	   $(wildcard testcases/*.c)
HQ_OBJS	 = $(HQ_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS = $(wildcard tests/unit/check_*.c)
UNIT_OBJS = $(UNIT_SRCS:%.c=$(BUILD)/%.o)

HOPQUY	 = $(BUILD)/hopquy
UNITRUN	 = $(BUILD)/tests/unit/check_all
FIXTURE_BINS =

.PHONY: all check unit e2e sanitize valgrind lint-man lint-layers install \
	uninstall clean deps bench bench-smoke demo FORCE fuzz fuzz-bins \
	fuzz-replay check-parallel

all: $(HOPQUY) fixtures

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HQ_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The data directory is compiled in (HQ_DATADIR): a stamp holding it is
# rewritten when it changes, and the objects that use it depend on the
# stamp, so `make install PREFIX=/usr` never installs a stale path.
DATADIR_USERS = $(shell grep -l HQ_DATADIR $(HQ_SRCS) harness/core/main.c)
$(DATADIR_USERS:%.c=$(BUILD)/%.o): $(BUILD)/datadir.stamp
$(BUILD)/datadir.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' >$@
FORCE:

# The worker's seccomp filter, as BPF (harness/bench/priv_deny.inc).
$(BUILD)/tools/seccomp-bpf: tools/seccomp-bpf.c harness/bench/priv_deny.inc
	@mkdir -p $(@D)
	$(CC) -std=c11 -Iharness -Wall -Wextra -Werror -o $@ $< \
	    $(shell pkg-config --libs libseccomp)
$(BUILD)/gen/bench/seccomp_bpf.h: $(BUILD)/tools/seccomp-bpf
	@mkdir -p $(@D)
	$< >$@.tmp
	mv $@.tmp $@
$(BUILD)/harness/bench/priv.o: $(BUILD)/gen/bench/seccomp_bpf.h
$(BUILD)/harness/bench/priv.o: HQ_CFLAGS += -I$(BUILD)/gen

$(HOPQUY): $(BUILD)/harness/core/main.o $(HQ_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(HQ_LDLIBS)

$(UNITRUN): $(UNIT_OBJS) $(HQ_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(HQ_LDLIBS)

# Every `Suite *suite_<name>(void)` in tests/unit/check_*.c joins the runner.
$(BUILD)/tests/unit/suites.inc: $(UNIT_SRCS)
	@mkdir -p $(@D)
	grep -h '^suite_[a-z0-9_]*(void)' $(UNIT_SRCS) | \
	    sed 's/^\(suite_[a-z0-9_]*\)(void).*/HQ_SUITE(\1)/' | sort > $@.tmp
	mv $@.tmp $@

# clang's own warnings are not the project's gate (make fuzz only).
ifeq ($(HQ_FUZZ),1)
HQ_CFLAGS += -Wno-error
endif

# Test files: suites are found by name, tables may leave fields out.
$(BUILD)/tests/%.o: HQ_CFLAGS += -Wno-missing-prototypes \
	-Wno-missing-field-initializers
$(BUILD)/tests/unit/check_main.o: $(BUILD)/tests/unit/suites.inc
$(BUILD)/tests/unit/check_main.o: HQ_CFLAGS += -I$(BUILD)/tests/unit

# Each fixture (simulator, cloud, ...) brings its own fragment, adding its
# binaries to FIXTURE_BINS.
include $(wildcard fixtures/*/*.mk)

fixtures: $(FIXTURE_BINS)

unit: $(UNITRUN) $(HOPQUY)
	HQ_BIN=$(abspath $(HOPQUY)) HQ_TOP=$(CURDIR) $(UNITRUN)

e2e: all
	HQ_BUILD=$(abspath $(BUILD)) tests/e2e/run-all.sh

# The suite under load: two copies of the e2e suite at once, each with its
# own logs.  The second (HQ_E2E_COPY=2) runs every script on other bench
# instances (tests/e2e/lib.sh bn, tests/e2e/README), so the copies truly
# run side by side and load each other; the few scripts whose instances
# stay put (run-all.sh's fixed_benches) take turns through their lock
# (/tmp/hq-e2e-NAME.lock).
check-parallel: all
	@b=$(abspath $(BUILD)); \
	HQ_BUILD=$$b HQ_E2E_LOGDIR=$$b/e2e-1 tests/e2e/run-all.sh \
	    >$$b/e2e-1.out 2>&1 & p1=$$!; \
	HQ_BUILD=$$b HQ_E2E_LOGDIR=$$b/e2e-2 HQ_E2E_COPY=2 tests/e2e/run-all.sh \
	    >$$b/e2e-2.out 2>&1; r2=$$?; wait $$p1; r1=$$?; \
	for k in 1 2; do echo "copy $$k: $$(tail -n 1 $$b/e2e-$$k.out)"; \
	    grep -E '^(FAIL|    ! )' $$b/e2e-$$k.out; done; \
	test $$r1 -eq 0 && test $$r2 -eq 0

lint-man:
	mandoc -T lint -W warning man/*.[15]

# The include boundaries of harness/README.
lint-layers:
	tools/check-layers.sh

check: all lint-man lint-layers unit fuzz-replay e2e bench-smoke

# Fuzzing (tests/fuzz/README): each tests/fuzz/fuzz_NAME.c is a libFuzzer
# target with seeds in tests/fuzz/corpus/NAME/.  `make fuzz` builds them
# with clang, ASan and UBSan in build-fuzz and runs each FUZZ_SECONDS;
# `make check` replays the seeds through a plain main() (driver.c, the
# compiler of the build, no clang), so a parser regression fails CI.
FUZZ_NAMES = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_BUILD = build-fuzz
FUZZ_CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined

$(BUILD)/libhq.a: $(HQ_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/fuzz/replay-%: $(BUILD)/tests/fuzz/fuzz_%.o \
    $(BUILD)/tests/fuzz/driver.o $(BUILD)/libhq.a
	$(CC) $(LDFLAGS) -o $@ $^ $(HQ_LDLIBS)

fuzz-replay: $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay-%)
	@for t in $(FUZZ_NAMES); do \
		$(BUILD)/tests/fuzz/replay-$$t tests/fuzz/corpus/$$t || exit 1; \
	done

$(BUILD)/tests/fuzz/fuzz-%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libhq.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(HQ_LDLIBS)

.SECONDARY: $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz_%.o) \
    $(BUILD)/tests/fuzz/driver.o

fuzz-bins: $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz-%)

fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang HQ_FUZZ=1 \
	    CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" fuzz-bins
	@for t in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
		echo "fuzz $$t: $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/tests/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) \
		    -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
		    -artifact_prefix=$(FUZZ_BUILD)/crash-$$t- \
		    $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
		    >$(FUZZ_BUILD)/fuzz-$$t.log 2>&1 || \
		    { tail -n 60 $(FUZZ_BUILD)/fuzz-$$t.log; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' \
		    $(FUZZ_BUILD)/fuzz-$$t.log | sed "s/^/  $$t /"; \
	done

sanitize:
	$(MAKE) BUILD=build-san LDFLAGS="-fsanitize=address,undefined" \
	    CFLAGS="-O1 -g -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer" check

# The unit suites under valgrind, unforked so it sees every test's memory.
valgrind: $(UNITRUN) $(HOPQUY)
	CK_FORK=no HQ_BIN=$(abspath $(HOPQUY)) HQ_TOP=$(CURDIR) \
	    valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
	    --error-exitcode=9 $(UNITRUN)

deps:
	tools/deps.sh

# The full comparison with the peer tools (ends with a table), and the
# smoke run make check uses: one run, small sizes, findings asserted.
bench: all
	HQ_BUILD=$(abspath $(BUILD)) bench/run-all.sh

bench-smoke: all
	HQ_BUILD=$(abspath $(BUILD)) bench/run-all.sh --smoke

demo: all
	HQ_BUILD=$(abspath $(BUILD)) tools/demo.sh

SCHEMAS	 = $(wildcard harness/model/*.schema.json profiles/*.schema.json \
	   reports/*.schema.json)

install: $(HOPQUY)
	install -D -m 0755 $(HOPQUY) $(DESTDIR)$(BINDIR)/hopquy
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(wildcard man/*.5) $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(DATADIR)/profiles/data $(DESTDIR)$(DATADIR)/reports \
	    $(DESTDIR)$(DATADIR)/schemas
	install -m 0644 profiles/*.json $(DESTDIR)$(DATADIR)/profiles/
	install -m 0644 $(wildcard profiles/data/*) $(DESTDIR)$(DATADIR)/profiles/data/
	install -m 0644 reports/*.json $(DESTDIR)$(DATADIR)/reports/
	install -m 0644 $(SCHEMAS) $(DESTDIR)$(DATADIR)/schemas/
	@# The unprivileged user of a run's worker (hopquy(1), SECURITY);
	@# the Debian package makes it in its postinst.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && \
	    ! getent passwd _hopquy >/dev/null; then \
	    useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin --user-group _hopquy; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hopquy
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard man/*.1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(wildcard man/*.5)))
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# vigil: build, test and benchmark.
#
#   make            build ./vigil (BPF object, skeleton, collector)
#   make deps       install the Debian packages the build and tests need
#   make demo       deps + build + the rogue-agent demo (root)
#   make test       deps + build + unit, fuzz corpus and integration tests (root)
#   make fuzz       fuzz the parsers (FUZZ_SECONDS each)
#   make bench      deps + build + benchmarks (root)
#   make vmlinux    regenerate vmlinux/vmlinux.h from VMLINUX_BTF
#   make layers     check that modules include each other one way, by layer
#   make install    install (PREFIX, DESTDIR); make uninstall; make man
#   make deb        the Debian package (packaging/README.md)
#   make V=1 ...    show full commands

OUTPUT      := build
CLANG       ?= clang
BPFTOOL     ?= bpftool
CC          ?= cc
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VERSION     := $(shell cat VERSION)
ARCH        := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS     ?= -O2 -g

# SANITIZE=1 builds the collector and unit tests with ASan and UBSan.
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
OUTPUT  := build-san
endif

# Each program file is compiled alone, then all are linked into one object
# with one skeleton (bpf/README.md).
BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_HDRS   := $(wildcard bpf/*.h)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL       := $(OUTPUT)/vigil.skel.h
# Generated headers the collector's modules include.
GEN_HDRS   := $(SKEL) $(OUTPUT)/syscalls_ia32.h
# The collector's modules, a folder per stage (userspace/README.md).
USER_DIRS  := $(sort $(dir $(wildcard userspace/*/*.c userspace/*/*/*.c)))
USER_DIRS  := $(USER_DIRS:/=)
USER_SRCS  := $(foreach d,$(USER_DIRS),$(wildcard $(d)/*.c))
USER_HDRS  := $(foreach d,$(USER_DIRS),$(wildcard $(d)/*.h))
# The shipped rules, built into the binary.
RULE_FILES := $(sort $(wildcard rules/*.yaml))
USER_OBJS  := $(patsubst %.c,$(OUTPUT)/%.o,$(notdir $(USER_SRCS))) \
	      $(OUTPUT)/builtin_rules.o $(OUTPUT)/console_page.o
LIB_OBJS   := $(filter-out $(OUTPUT)/main.o,$(USER_OBJS))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

WARN       := -Wall -Wextra -Werror -Werror=undef -Wshadow -Wformat=2 \
	      -Wno-unused-parameter -Wmissing-prototypes -Wno-format-truncation
CFLAGS     += $(WARN) -std=gnu11 -D_GNU_SOURCE -DVIGIL_VERSION='"$(VERSION)"' \
	      -I$(OUTPUT) -Ibpf $(addprefix -I,$(USER_DIRS)) -fno-strict-aliasing
LDLIBS     := -lbpf -lelf -lz -lyajl -lyaml -lrdkafka -lpcre2-8 -lsystemd -lm \
	      -lpthread -lmicrohttpd -lcrypto
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Ibpf \
	      -Wall -Werror -Wno-unused-function

.DELETE_ON_ERROR:
.PHONY: all deps demo test unit integration bench vmlinux layers clean \
	alert-rules

all: vigil

vigil: $(OUTPUT)/vigil
	$(Q)cp $< $@.tmp && mv -f $@.tmp $@

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/bpf:
	$(Q)mkdir -p $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) vmlinux/vmlinux.h | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The linker keeps one instance of each __weak map and setting that every
# program file declares (bpf/maps.bpf.h).
$(OUTPUT)/vigil.bpf.o: $(BPF_OBJS)
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(OUTPUT)/vigil.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The ia32 syscall numbers from the kernel's uapi header, renamed
# IA32_NR_<name> so they can stand beside the native SYS_<name>
# (userspace/lib/syscalls.c).
$(OUTPUT)/syscalls_ia32.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(CC) -E -dM -include asm/unistd_32.h -x c /dev/null > $@.defs
	$(Q)sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/#define IA32_NR_\1 \2/p' \
		$@.defs > $@ && rm -f $@.defs

vpath %.c $(USER_DIRS)

$(OUTPUT)/%.o: %.c $(USER_HDRS) $(BPF_HDRS) $(GEN_HDRS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/builtin_rules.o: $(RULE_FILES) scripts/embed-rules.sh | $(OUTPUT)
	$(call msg,EMBED,$@)
	$(Q)scripts/embed-rules.sh $(RULE_FILES) > $(OUTPUT)/builtin_rules.S
	$(Q)$(CC) -c $(OUTPUT)/builtin_rules.S -o $@

# The console's one page, built into the binary (userspace/console/page.h).
$(OUTPUT)/console_page.o: userspace/console/page.html | $(OUTPUT)
	$(call msg,EMBED,$@)
	$(Q)printf '\t.section .rodata\n\t.globl console_page, console_page_end\nconsole_page:\n\t.incbin "%s"\nconsole_page_end:\n\t.byte 0\n\t.section .note.GNU-stack,"",@progbits\n' $< > $(OUTPUT)/console_page.S
	$(Q)$(CC) -c $(OUTPUT)/console_page.S -o $@

$(OUTPUT)/vigil: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -lcmocka -o $@

vmlinux:
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > vmlinux/vmlinux.h

deps:
	$(Q)scripts/deps.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory vigil
	$(Q)scripts/demo.sh

# Unit tests run under ASan/UBSan; integration tests drive the sanitized
# binary too, so a memory error anywhere in the collector fails the run.
unit:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 $(patsubst $(OUTPUT)/%,build-san/%,$(UNIT_BINS))
	$(Q)tests/unit/run.sh build-san/tests

integration:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 build-san/vigil
	$(Q)VIGIL=$(CURDIR)/build-san/vigil python3 -m pytest -q tests/integration

test: deps
	$(Q)$(MAKE) --no-print-directory layers
	$(Q)$(MAKE) --no-print-directory vigil
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory fuzz-regress
	$(Q)$(MAKE) --no-print-directory alert-rules
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)$(MAKE) --no-print-directory package-test

bench: deps
	$(Q)$(MAKE) --no-print-directory vigil $(OUTPUT)/bench/rules_bench \
		$(OUTPUT)/bench/render_bench $(OUTPUT)/bench/render_bench_yajl
	$(Q)bench/run.sh
	$(Q)$(OUTPUT)/bench/rules_bench
	$(Q)bench/render.sh
	$(Q)bench/kill.py
	$(Q)bench/enforce.py
	$(Q)bench/egress.py
	$(Q)bench/exeallow.py
	$(Q)bench/flood.py
	$(Q)bench/kafka.sh
	$(Q)bench/metrics.py

# The rule engine's benchmark links the collector's modules, as the unit
# tests do, with the flags ./vigil is built with; the baseline's scoring
# is timed beside it (bench/novelty_bench.c).
$(OUTPUT)/bench/rules_bench: bench/rules_bench.c bench/novelty_bench.c \
		bench/novelty_bench.h $(LIB_OBJS)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< bench/novelty_bench.c $(LIB_OBJS) \
		$(LDLIBS) -o $@

# The Prometheus alerting rules: valid, and their unit tests pass
# (dashboards/vigil-alerts.test.yml). The dashboards' and rules' queries
# run against a real Prometheus in tests/integration/test_metrics.py.
alert-rules:
	$(Q)promtool check rules dashboards/vigil-alerts.yml
	$(Q)cd dashboards && promtool test rules vigil-alerts.test.yml

# The renderer's benchmark, over vigil's JSON writer and over yajl's (the
# writer before issue 12, bench/json_yajl.c), to time them side by side.
$(OUTPUT)/bench/render_bench: bench/render_bench.c $(LIB_OBJS)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUTPUT)/bench/render_bench_yajl: bench/render_bench.c bench/json_yajl.c \
		$(LIB_OBJS)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< bench/json_yajl.c \
		$(filter-out $(OUTPUT)/json.o,$(LIB_OBJS)) $(LDLIBS) -o $@

# No import cycles, and no folder including one above it
# (scripts/check-layers.py lists the layers).
layers:
	$(Q)scripts/check-layers.py

clean:
	rm -rf build build-san vigil

# Fuzzing: libFuzzer targets in tests/fuzz, built with clang apart from the
# gcc objects (own object directory), with ASan and UBSan; any sanitizer
# report, abort or leak is a crash.
#
#   make fuzz [FUZZ_SECONDS=30]   fuzz each target for FUZZ_SECONDS
#   make fuzz-regress             each target once over its committed corpus
FUZZ_OUT     := build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_SRCS))
# The userspace modules the targets reach (no BPF skeleton needed, only
# the generated ia32 syscall numbers, $(OUTPUT)/syscalls_ia32.h).
FUZZ_MODS    := config event dnsrec kafka_conf render evidence_render sandbox \
		metrics_addr dropped \
		$(patsubst userspace/lib/%.c,%,$(wildcard userspace/lib/*.c)) \
		$(patsubst userspace/rules/%.c,%,$(wildcard userspace/rules/*.c)) \
		baseline baseline_file ptree
FUZZ_OBJS    := $(patsubst %,$(FUZZ_OUT)/obj/%.o,$(FUZZ_MODS)) \
		$(FUZZ_OUT)/obj/builtin_rules.o
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
# clang's -Wformat=2 also flags va_list formats (log.c), gcc's does not.
FUZZ_WARN    := $(filter-out -Wno-format-truncation,$(WARN)) \
		-Wno-format-nonliteral
FUZZ_CFLAGS  := -g -O1 $(FUZZ_SAN) $(FUZZ_WARN) -std=gnu11 -D_GNU_SOURCE \
		-DVIGIL_VERSION='"$(VERSION)"' -I$(OUTPUT) -Ibpf \
		$(addprefix -I,$(USER_DIRS)) -fno-strict-aliasing

.PHONY: fuzz fuzz-regress fuzz-clean
.SECONDARY: $(FUZZ_OBJS)

$(FUZZ_OUT)/obj/%.o: %.c $(USER_HDRS) $(BPF_HDRS) $(OUTPUT)/syscalls_ia32.h
	$(Q)mkdir -p $(@D)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_OUT)/obj/builtin_rules.o: $(OUTPUT)/builtin_rules.o
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS) $(USER_HDRS) $(BPF_HDRS)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS) \
		$(LDLIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh fuzz $(FUZZ_OUT) $(FUZZ_SECONDS)

fuzz-regress: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh regress $(FUZZ_OUT)

fuzz-clean:
	rm -rf $(FUZZ_OUT)

include packaging/packaging.mk

# exitless: top-level build.
#
#   make run        the main job (scripts/run.sh): the delivery modes side
#                   by side on the best platform here (this host's VT-x
#                   with exitless.ko, else the emulated VT-x host), with
#                   the model's figures beside; installs what it needs.
#                   RUN_ARGS="--count N --rig bochs" passes options.
#   make check      install missing Debian packages, then run every test
#                   tier this machine supports (scripts/check.sh)
#   make            build the mechanisms, the model, the tool, the tests,
#                   and exitless.ko when the pinned kernel headers exist;
#                   names the Debian packages it lacks
#   make deps       install the packages `make` and `make report` need
#   make report     the report page with its plots (bench/report) in
#                   build/report/, from bench/results, the model and the
#                   projection
#   make kmod       build exitless.ko (KDIR=... to pick the headers)
#
# Each directory adds itself through a build.mk fragment, so parts can be
# added without touching this file. A fragment appends to:
#   MECH_SRCS    mechanism sources (plain C, also linked into exitless.ko)
#   MODEL_SRCS   reference-model sources
#   TOOL_SRCS    sources of the `exitless` tool (userspace/)
#   UNIT_TESTS   names of cmocka test programs; test NAME is built from
#                NAME_SRCS, with ASan+UBSan, against the mechanisms+model
#   ALL_EXTRA    further targets `make` builds

.DEFAULT_GOAL	:= all

BUILD		?= build
CC		?= gcc
OPT		?= -O2
WARN		:= -Wall -Wextra -Wno-unused-parameter -Wshadow \
		   -Werror=implicit-function-declaration -Werror=vla
CPPFLAGS	+= -Iinclude -D_GNU_SOURCE
CFLAGS		+= -std=gnu11 -g $(WARN)
SANFLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
TOOL_LIBS	:= $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) -lpthread
TOOL_CFLAGS	:= $(shell pkg-config --cflags json-c 2>/dev/null)

MECH_SRCS	:=
MODEL_SRCS	:=
TOOL_SRCS	:=
UNIT_TESTS	:=
ALL_EXTRA	:=

include $(sort $(wildcard */build.mk))

obj		= $(patsubst %.c,$(BUILD)/obj/%.o,$(filter %.c,$(1))) \
		  $(patsubst %.S,$(BUILD)/obj/%.o,$(filter %.S,$(1)))
san		= $(patsubst %.c,$(BUILD)/san/%.o,$(1))

LIBXL		:= $(BUILD)/libxl.a
LIBXL_SAN	:= $(BUILD)/libxl-san.a
TOOL		:= $(BUILD)/exitless
TEST_BINS	:= $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))

.PHONY: all check run kmod clean unit distclean deps report
all: $(LIBXL) $(TOOL) $(TEST_BINS) $(ALL_EXTRA)

# Every compile waits for this: a missing package is named once, with the
# command that installs it, instead of as a compiler error.
DEPS_OK		:= $(BUILD)/.deps-build
$(DEPS_OK): scripts/deps.sh
	@scripts/deps.sh --check build || { \
		echo "make: install them with 'make deps' (as root); 'make run' and 'make check' install what they need themselves" >&2; \
		exit 1; }
	@mkdir -p $(dir $@) && touch $@
deps:
	@scripts/deps.sh build bench

$(BUILD)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPT) $(TOOL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/%.o: %.S | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/san/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O1 $(SANFLAGS) $(TOOL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBXL): $(call obj,$(MECH_SRCS) $(MODEL_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBXL_SAN): $(call san,$(MECH_SRCS) $(MODEL_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(TOOL): $(call obj,$(TOOL_SRCS)) $(LIBXL)
	$(CC) $(CFLAGS) -o $@ $^ $(TOOL_LIBS)

# One rule per unit test: NAME_SRCS, sanitized, linked with cmocka.
define unit_test_rule
$(BUILD)/tests/$(1): $$(call san,$$($(1)_SRCS)) $(LIBXL_SAN)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(SANFLAGS) -o $$@ $$^ -lcmocka $$(TOOL_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

unit: $(TEST_BINS)
	@scripts/check.sh unit

check:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory all
	@scripts/check.sh

run:
	@scripts/run.sh $(RUN_ARGS)

# bench/report plots with matplotlib (scripts/deps.sh bench installs it).
report: $(TOOL)
	@scripts/deps.sh bench
	@bench/report --out $(BUILD)/report --exitless $(TOOL)

kmod:
	$(MAKE) -C kmod

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C kmod clean >/dev/null 2>&1

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

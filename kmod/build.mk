# exitless.ko and its VM test helper. The module is built by `make` only
# when the pinned headers (or KDIR) exist; otherwise a one-line note.
XL_PINNED_KDIR := /usr/src/linux-headers-$(shell sed -n 's/^XL_KABI=\([^ ]*\).*/\1/p' scripts/pins.sh)
ALL_EXTRA += kmod-auto $(BUILD)/vm/bin/xl-kmodtest

.PHONY: kmod-auto
kmod-auto:
	@if [ -n "$(KDIR)" ] || [ -f "$(XL_PINNED_KDIR)/Makefile" ] || \
	    [ -f "/lib/modules/$$(uname -r)/build/Makefile" ]; then \
		$(MAKE) --no-print-directory -C kmod; \
	else \
		echo "kmod: no kernel headers (linux-headers-$$(uname -r) or $(XL_PINNED_KDIR)): exitless.ko not built"; \
	fi

# Static, so the busybox initramfs needs no libc (tests/vm/mkinitramfs.sh
# copies everything in build/vm/bin/). The in-guest test programs share
# one reporter (tests/vm/src/report.h).
XL_VM_REPORT_C := tests/vm/src/report.c
XL_VM_REPORT := $(XL_VM_REPORT_C) tests/vm/src/report.h
$(BUILD)/vm/bin/xl-kmodtest: tests/vm/src/xl-kmodtest.c $(XL_VM_REPORT) include/uapi/exitless.h
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -std=gnu11 -Wall -Wextra -Iinclude -o $@ $< $(XL_VM_REPORT_C)

# The tool's side of /dev/exitless (kept here rather than in the shared
# userspace/build.mk; each file is self-registering).
TOOL_SRCS += userspace/xl_dev.c userspace/cmd_attach.c \
	     userspace/cmd_detach.c userspace/cmd_counters.c

# Host unit test of userspace/xl_dev.c (tier unit).
UNIT_TESTS += xl_dev
xl_dev_SRCS := tests/kmod/test_xl_dev.c userspace/xl_dev.c

# `pi` mode (kmod/pi.c) replayed through the engine + fake hw with VT-d
# posting and SDM 29.6 processing simulated (tests/pi/, tier unit).
UNIT_TESTS += pi_replay
pi_replay_SRCS := tests/pi/test_pi_replay.c tests/mech/fake_hw.c

# `exitless caps` and the `pi` VM test helper (tests/vm/guest/pi.sh).
TOOL_SRCS += userspace/cmd_caps.c
ALL_EXTRA += $(BUILD)/vm/bin/xl-pitest
$(BUILD)/vm/bin/xl-pitest: tests/vm/src/xl-pitest.c $(XL_VM_REPORT) include/uapi/exitless.h
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -std=gnu11 -Wall -Wextra -Iinclude -o $@ $< $(XL_VM_REPORT_C)

# The Bochs rig's end-to-end test of the VMX backend (tests/vm/guest/
# bochs-eli.sh); static, with its guest code in a .rodata section.
ALL_EXTRA += $(BUILD)/vm/bin/xl-elitest
$(BUILD)/vm/bin/xl-elitest: tests/vm/src/xl-elitest.c $(XL_VM_REPORT) include/uapi/exitless.h
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -std=gnu11 -Wall -Wextra -Iinclude -o $@ $< $(XL_VM_REPORT_C) -lpthread

# SPDX-License-Identifier: GPL-2.0
# Which kernel tree exitless.ko and exitless_guest.ko build against, for
# kmod/Makefile and kmod/guest/Makefile (TOP: the project's top).
# KDIR: the running kernel's build dir when it exists (a user's host),
# otherwise the pinned Debian headers (scripts/pins.sh).
XL_KABI		:= $(shell sed -n 's/^XL_KABI=\([^ ]*\).*/\1/p' $(TOP)/scripts/pins.sh)
RUNNING_KDIR	:= /lib/modules/$(shell uname -r)/build
PINNED_KDIR	:= /usr/src/linux-headers-$(XL_KABI)
ifeq ($(origin KDIR),undefined)
KDIR		:= $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(PINNED_KDIR))
endif

# SPDX-License-Identifier: GPL-2.0
#
# serdev-suite top-level Makefile.
#
#   make                  build every module against KDIR
#   make test             lint, KUnit and end-to-end scenarios in QEMU
#   make demo             boot the QEMU board and show what the suite does
#   make stress           ldisc-compat reliability figures (100 cycles each)
#   make bench            every benchmark, one table with the commit measured
#   make fuzz             every wire parser's fuzz case at 10^6 inputs
#   make modules_install  install into INSTALL_MOD_PATH / the KDIR's kernel
#   make clean
#
# KDIR (or KERNEL_SRC, as Yocto's module.bbclass sets it) selects the kernel
# build tree. Without either, the project's own arm64 test kernel is built
# (or reused from the cache) and the modules are cross-compiled for it.

# Kbuild reads ./Kbuild for the M= build, never this file; DKMS passes
# KERNELRELEASE on the command line, so that cannot tell the two apart.

KERNEL_SRC ?=
KDIR ?= $(KERNEL_SRC)

ifeq ($(KDIR),)
SUITE_KERNEL := 1
KDIR = $(shell scripts/kernel.sh --path)
SUITE_FLAGS := ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
endif

INTERACTIVE ?= 0

.PHONY: all modules modules_install clean kernel test demo stress bench fuzz lint check

all: modules

ifeq ($(SUITE_KERNEL),1)
modules modules_install check: kernel
endif

kernel:
	@scripts/deps.sh
	@scripts/kernel.sh >/dev/null

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(SUITE_FLAGS) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(SUITE_FLAGS) modules_install

# W=1 and sparse on every source (C=2 checks files even when up to date).
check:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(SUITE_FLAGS) W=1 C=2 modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(SUITE_FLAGS) clean

test:
	@scripts/test.sh

demo:
	@INTERACTIVE=$(INTERACTIVE) scripts/demo.sh

bench: modules
	@scripts/deps.sh
	@scripts/bench/all.sh

ROUNDS ?= 20
fuzz: modules
	@scripts/deps.sh
	@scripts/fuzz.sh $(ROUNDS)

CYCLES ?= 100
stress: modules
	@scripts/stress/ldisc-compat.sh $(CYCLES)

# SPDX-License-Identifier: GPL-2.0
# Yocto / OpenEmbedded recipe for serdev-suite's kernel modules. The
# module class builds with the tree's Makefile (make KERNEL_SRC=... all,
# then modules_install with INSTALL_MOD_PATH), the path make test checks
# ("packaging: ..."). Point EXTERNALSRC at a checkout in local.conf:
#   INHERIT += "externalsrc"
#   EXTERNALSRC:pn-serdev-suite = "/path/to/serdev-suite"
# The target kernel needs CONFIG_SERIAL_DEV_BUS and, for most modules,
# CONFIG_OF and 6.10 or later; what it cannot carry is skipped with a
# message in the build log. The KUnit suites are built only when the
# kernel has KUnit.
SUMMARY = "serdev-suite: UART-attached devices as Linux devices (serdev drivers)"
LICENSE = "GPL-2.0-only"
LIC_FILES_CHKSUM = "file://Kbuild;beginline=1;endline=1;md5=daad6f7f7a0a286391cd7773ccf79340"

inherit module

# What the kernel can carry decides which modules exist: packages for the
# usual ones, so that images can name them.
RPROVIDES:${PN} += "kernel-module-btserdev kernel-module-serdev-mux \
                     kernel-module-serdev-modbus kernel-module-xymd02 \
                     kernel-module-sdm120 kernel-module-serdev-ldisc \
                     kernel-module-dtbo-configfs kernel-module-serport-serdev \
                     kernel-module-modbus-tty"

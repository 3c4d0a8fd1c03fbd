################################################################################
#
# serdev-suite
#
################################################################################

# This BR2_EXTERNAL tree sits in the checkout it builds:
#   make BR2_EXTERNAL=/path/to/serdev-suite/packaging/buildroot menuconfig
SERDEV_SUITE_VERSION = 0.1
SERDEV_SUITE_SITE_METHOD = local
SERDEV_SUITE_SITE = $(BR2_EXTERNAL_SERDEV_SUITE_PATH)/../..
SERDEV_SUITE_LICENSE = GPL-2.0
SERDEV_SUITE_LICENSE_FILES = Kbuild

# kernel-module: make -C $(LINUX_DIR) M=$(@D) modules, then
# modules_install; Kbuild picks what the kernel can carry (make test
# checks this path: "packaging: ...").
$(eval $(kernel-module))
$(eval $(generic-package))

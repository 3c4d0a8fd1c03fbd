// SPDX-License-Identifier: GPL-2.0
/*
 * Firmware lookup shared by the btserdev back ends.
 *
 * A board-specific file is tried first, then the chip's generic one, so a
 * board can carry its own calibration without renaming anything; the DT
 * property firmware-name overrides both. A missing file is reported once,
 * with every name tried, and the caller decides whether the ROM firmware
 * is good enough to go on.
 */

#include <linux/device.h>
#include <linux/firmware.h>
#include <linux/of.h>
#include <linux/property.h>
#include <linux/serdev.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "btserdev.h"

/* "vendor,board" from the root node, with '/' (not allowed in names) mapped. */
static char *btserdev_board_name(void)
{
	struct device_node *root = of_find_node_by_path("/");
	const char *compat;
	char *board = NULL;

	if (root && !of_property_read_string(root, "compatible", &compat))
		board = kstrdup(compat, GFP_KERNEL);
	of_node_put(root);
	if (board)
		strreplace(board, '/', '_');
	return board;
}

/**
 * btserdev_fw_request() - load a back end's firmware file
 * @bd: the controller
 * @dir: firmware subdirectory, e.g. "brcm"
 * @chip: the chip's name, e.g. "BCM43430A1"
 * @ext: file extension, e.g. "hcd"
 * @fw: the firmware, on success
 *
 * Tries, in order: the firmware-name property alone if present; else
 * DIR/CHIP.BOARD.EXT (BOARD: the root node's first compatible) and
 * DIR/CHIP.EXT.
 *
 * Context: process context; sleeps.
 * Return: 0, or -ENOENT after one message naming the files tried.
 */
int btserdev_fw_request(struct btserdev *bd, const char *dir, const char *chip,
			const char *ext, const struct firmware **fw)
{
	struct device *dev = &bd->serdev->dev;
	const char *override;
	char *names[2] = { };
	char *board;
	int i, n = 0, ret = -ENOENT;

	if (!device_property_read_string(dev, "firmware-name", &override)) {
		ret = firmware_request_nowarn(fw, override, dev);
		if (!ret) {
			dev_info(dev, "firmware %s\n", override);
			return 0;
		}
		dev_warn(dev, "firmware-name %s not found (%pe)\n", override,
			 ERR_PTR(ret));
		return -ENOENT;
	}

	board = btserdev_board_name();
	if (board)
		names[n++] = kasprintf(GFP_KERNEL, "%s/%s.%s.%s", dir, chip,
				       board, ext);
	names[n++] = kasprintf(GFP_KERNEL, "%s/%s.%s", dir, chip, ext);
	kfree(board);

	for (i = 0; i < n; i++) {
		if (!names[i])
			continue;
		ret = firmware_request_nowarn(fw, names[i], dev);
		if (!ret) {
			dev_info(dev, "firmware %s\n", names[i]);
			break;
		}
	}
	if (ret) {
		dev_warn(dev, "no firmware file: tried %s%s%s\n",
			 names[0] ?: "?", n > 1 ? ", " : "",
			 n > 1 ? (names[1] ?: "?") : "");
		ret = -ENOENT;
	}
	for (i = 0; i < n; i++)
		kfree(names[i]);
	return ret;
}

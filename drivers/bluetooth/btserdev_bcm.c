// SPDX-License-Identifier: GPL-2.0
/*
 * Broadcom back end of btserdev: chip identity, firmware names and
 * download through btbcm, and the vendor UART speed command.
 *
 * A .hcd file is a list of HCI vendor commands (Write RAM records and a
 * final Launch RAM) that btbcm_patchram() replays after Download
 * Minidriver, checking each record as it sends it. A file that btbcm
 * finds by name is btbcm's to check. A file named by the firmware-name
 * property is loaded here and checked whole first, so a damaged one is
 * not sent at all (the chip stays on its ROM firmware).
 */

#include <kunit/visibility.h>
#include <linux/delay.h>
#include <linux/firmware.h>
#include <linux/property.h>
#include <linux/serdev.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci_core.h>

#include "btserdev.h"

#define BCM_OP_UPDATE_BAUD	0xfc18
#define BCM_OP_WRITE_RAM	0xfc4c
#define BCM_OP_LAUNCH_RAM	0xfc4e
#define BCM_HCD_HDR		3	/* opcode (le16), parameter length */

struct bcm_update_baud {
	__le16 zero;
	__le32 baud;
} __packed;

/**
 * btserdev_bcm_hcd_check() - check a whole .hcd file before sending any of it
 * @data: the file
 * @size: its size
 * @bad: set to the offset of the first bad record on failure
 *
 * Every record must be a vendor command (OGF 0x3f) that fits in the file;
 * Write RAM records carry an address and data, and the file ends with
 * exactly one Launch RAM record (an address).
 *
 * Return: 0 or -EINVAL.
 */
VISIBLE_IF_KUNIT int btserdev_bcm_hcd_check(const u8 *data, size_t size,
					    size_t *bad)
{
	size_t off = 0, plen;
	bool launched = false;
	u16 opcode;

	*bad = 0;
	if (!size)
		return -EINVAL;

	while (off < size) {
		*bad = off;
		if (launched || size - off < BCM_HCD_HDR)
			return -EINVAL;
		opcode = data[off] | data[off + 1] << 8;
		plen = data[off + 2];
		if (hci_opcode_ogf(opcode) != 0x3f || size - off - BCM_HCD_HDR < plen)
			return -EINVAL;
		if (opcode == BCM_OP_WRITE_RAM && plen < 5)
			return -EINVAL;
		if (opcode == BCM_OP_LAUNCH_RAM) {
			if (plen != 4)
				return -EINVAL;
			launched = true;
		}
		off += BCM_HCD_HDR + plen;
	}
	if (!launched) {
		*bad = size;
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_bcm_hcd_check);

static int bcm_cmd(struct hci_dev *hdev, u16 opcode, u32 plen,
		   const void *param, struct sk_buff **out)
{
	struct sk_buff *skb;

	skb = __hci_cmd_sync(hdev, opcode, plen, param, HCI_INIT_TIMEOUT);
	if (IS_ERR(skb)) {
		bt_dev_err(hdev, "command %04x failed: %pe", opcode, skb);
		return PTR_ERR(skb);
	}
	if (out)
		*out = skb;
	else
		kfree_skb(skb);
	return 0;
}

static int bcm_set_speed(struct btserdev *bd, u32 speed)
{
	struct bcm_update_baud param = { .baud = cpu_to_le32(speed) };
	int ret;

	ret = bcm_cmd(bd->hdev, BCM_OP_UPDATE_BAUD, sizeof(param), &param,
		      NULL);
	if (ret)
		return ret;
	btserdev_set_speed(bd, speed);
	return 0;
}

/*
 * The file named by the firmware-name property: btbcm never sees it, so
 * it is checked whole here before any of it is sent. btbcm still reads
 * and logs the chip's identity first (with *loaded set it stops there).
 */
static int bcm_download_named(struct btserdev *bd, const char *name,
			      bool *loaded)
{
	struct hci_dev *hdev = bd->hdev;
	const struct firmware *fw;
	bool identity_only = true;
	size_t bad;
	int ret;

	ret = btbcm_initialize(hdev, &identity_only, false);
	if (ret)
		return ret;

	ret = firmware_request_nowarn(&fw, name, &bd->serdev->dev);
	if (ret) {
		bt_dev_err(hdev, "firmware-name %s not found (%pe): running the ROM firmware",
			   name, ERR_PTR(ret));
		return 0;
	}
	if (btserdev_bcm_hcd_check(fw->data, fw->size, &bad)) {
		bt_dev_err(hdev, "%s is damaged at byte %zu of %zu: not loaded, running the ROM firmware",
			   name, bad, fw->size);
		release_firmware(fw);
		return 0;
	}
	bt_dev_info(hdev, "firmware %s", name);
	ret = btbcm_patchram(hdev, fw);
	release_firmware(fw);
	if (!ret)
		*loaded = true;
	return ret;
}

/*
 * Reset at the init speed, switch to the operating speed, and let btbcm
 * identify the chip (Read Local Version's subversion, through its table)
 * and download brcm/<chip>.<board>.hcd or brcm/<chip>.hcd, as
 * linux-firmware and board distributions name them. The new firmware
 * starts at the chip's default speed: back to it, switch again, and let
 * btbcm finish (identity again, address check).
 */
static int btserdev_bcm_setup(struct btserdev *bd)
{
	struct hci_dev *hdev = bd->hdev;
	const char *name;
	bool loaded = false;
	int ret;

	ret = bcm_cmd(hdev, HCI_OP_RESET, 0, NULL, NULL);
	if (ret) {
		bt_dev_err(hdev, "no answer to HCI Reset at %u baud", bd->init_speed);
		return ret;
	}

	/* Download at the operating speed when there is one. */
	if (bd->oper_speed) {
		ret = bcm_set_speed(bd, bd->oper_speed);
		if (ret)
			return ret;
	}

	if (!device_property_read_string(&bd->serdev->dev, "firmware-name", &name))
		ret = bcm_download_named(bd, name, &loaded);
	else
		ret = btbcm_initialize(hdev, &loaded, false);
	if (ret)
		return ret;

	if (loaded) {
		btserdev_set_speed(bd, bd->init_speed);
		if (bd->oper_speed) {
			ret = bcm_set_speed(bd, bd->oper_speed);
			if (ret)
				return ret;
		}
	}
	return btbcm_finalize(hdev, &loaded, false);
}

const struct btserdev_vendor btserdev_bcm = {
	.name = "Broadcom",
	.manufacturer = 15,
	.setup = btserdev_bcm_setup,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * Realtek back end of btserdev: RTL8723BS/DS and relatives on a UART.
 *
 * The controller speaks three-wire UART (H5) at 115200 8E1 without flow
 * control from power-up. Setup lets btrtl read the chip's identity, pick
 * and load its firmware and its config file; the config file carries the
 * speed the firmware is to run at and whether it uses RTS/CTS. The
 * controller is switched first (vendor command 0xfc17), the host UART
 * follows, then btrtl downloads the firmware, which it checks whole before
 * the first fragment goes out.
 */

#include <linux/serdev.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci_core.h>

#include "btserdev.h"

#ifdef BTSERDEV_BTRTL_H
/* The kernel tree's own header, when there is one: check the room below. */
#include BTSERDEV_BTRTL_H
#endif

/* Realtek's vendor command: the UART speed, in the chip's encoding. */
#define BTSERDEV_RTL_SET_SPEED	0xfc17

/*
 * btrtl keeps its state (struct btrealtek_data: flags and the coredump's
 * description) in the hci_dev's private area, whose layout it does not
 * export.
 */
#define BTSERDEV_RTL_PRIV	64
#ifdef BTSERDEV_BTRTL_H
static_assert(sizeof(struct btrealtek_data) <= BTSERDEV_RTL_PRIV);
#endif

static int btserdev_rtl_setup(struct btserdev *bd)
{
	struct hci_dev *hdev = bd->hdev;
	struct btrtl_device_info *rtl;
	unsigned int host_speed;
	struct sk_buff *skb;
	u32 chip_speed;
	__le32 param;
	bool flow;
	int ret;

	rtl = btrtl_initialize(hdev, NULL);
	if (IS_ERR(rtl)) {
		bt_dev_err(hdev, "Realtek: chip identity or firmware files: %pe",
			   rtl);
		return PTR_ERR(rtl);
	}

	/*
	 * UART parts need the config file: without it the speed and flow
	 * control the firmware will use are unknown.
	 */
	ret = btrtl_get_uart_settings(hdev, rtl, &host_speed, &chip_speed,
				      &flow);
	if (ret) {
		bt_dev_err(hdev, "Realtek: no usable UART settings in the config file (%pe): nothing sent",
			   ERR_PTR(ret));
		goto out;
	}

	param = cpu_to_le32(chip_speed);
	skb = __hci_cmd_sync(hdev, BTSERDEV_RTL_SET_SPEED, sizeof(param),
			     &param, HCI_INIT_TIMEOUT);
	if (IS_ERR(skb)) {
		ret = PTR_ERR(skb);
		bt_dev_err(hdev, "Realtek: speed command (%#010x) failed: %pe",
			   chip_speed, skb);
		goto out;
	}
	kfree_skb(skb);
	btserdev_switch_speed(bd, host_speed, flow);
	bt_dev_info(hdev, "Realtek: UART at %u baud, flow control %s",
		    host_speed, flow ? "on" : "off");

	ret = btrtl_download_firmware(hdev, rtl);
	if (ret) {
		bt_dev_err(hdev, "Realtek: firmware download failed: %pe",
			   ERR_PTR(ret));
		goto out;
	}
	btrtl_set_quirks(hdev, rtl);
out:
	btrtl_free(rtl);
	return ret;
}

const struct btserdev_vendor btserdev_rtl = {
	.name = "Realtek",
	.manufacturer = 0x005d,
	.transport = &btserdev_h5_transport,
	.even_parity = true,
	.no_init_flow = true,
	.priv_size = BTSERDEV_RTL_PRIV,
	.setup = btserdev_rtl_setup,
};

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`, fourth boot: a Realtek RTL8723BS on the PL011, three-wire
# UART (H5) at 115200 8E1. Bringing hci0 up runs the Realtek back end:
# btrtl reads the chip, loads its firmware and config, the UART follows
# the config's speed, the firmware goes down, BlueZ takes over.
# shellcheck source=SCRIPTDIR/guest/lib.sh
. /lib/suite.sh

echo "=== A Realtek module on the PL011 (H5), from the device tree"
check "hci0 registered at boot by btserdev" wait_for 30 test -e /sys/class/bluetooth/hci0
echo "hci0: driver $(basename "$(readlink /sys/class/bluetooth/hci0/device/driver)"), node $(tr -d '\0' </sys/class/bluetooth/hci0/device/of_node/compatible)"
echo "=== hciconfig hci0 up: H5 link, chip identity, speed, firmware download"
check "hci0 up: firmware in, UART at the config's speed" hciconfig hci0 up
dmesg | grep -E 'hci0: (RTL|Realtek)' | sed 's/^\[ *[0-9.]*\] //'
echo "=== hci0 now"
hciconfig -a hci0 | grep -E 'hci0|BD Address|UP|HCI Version|Manufacturer'
echo "=== btserdev's counters (debugfs)"
grep -E 'transport|uart_speed|h5_|rx_frames|rx_packets|tx_frames|retransmits' \
	/sys/kernel/debug/bluetooth/hci0/btserdev
check "hci0 answers" sh -c 'hcitool -i hci0 cmd 0x04 0x0001 | grep -q "01 01 10 00"'
hciconfig hci0 down
exit 0

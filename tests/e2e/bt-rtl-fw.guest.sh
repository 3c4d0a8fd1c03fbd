#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-rtl-fw: hci0 is btserdev's Realtek controller on the
# PL011 (H5), hci1 upstream hci_uart (H4) on the FTDI adapter; both are
# controllers of one btvirt once hci0's firmware is in.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

h5_errors() {
	for _c in rx_garbage_bytes rx_bad_slip rx_bad_headers rx_bad_crc rx_too_long \
		rx_out_of_order rx_not_active rx_unknown rx_bad_acks; do
		[ "$(btserdev_stat "$_c")" = 0 ] || { echo "$_c $(btserdev_stat "$_c")"; return 1; }
	done
}
frames=50
size=672
stream() { l2_stream "$1" "$2" "$3" "$frames" "$size"; }

check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hci0 is btserdev's" is "driver hci0" btserdev
check "transport H5" is "btserdev_stat transport" H5
check "hci0 up: link, identity, speed, firmware" hciconfig hci0 up piscan
dmesg | grep -E 'RTL|Realtek|H5' | tail -n 20
check "btrtl found the chip and its files" \
	sh -c "dmesg | grep -q 'RTL: loading rtl_bt/rtl8723bs_config.bin'"
check "the config file's speed and RTS/CTS, announced" \
	sh -c "dmesg | grep -q 'Realtek: UART at 1500000 baud, flow control on'"
check "the UART runs at 1500000 baud" is "btserdev_stat uart_speed" 1500000
h5_link() { echo "$(btserdev_stat h5_state) $(btserdev_stat h5_window) $(btserdev_stat h5_crc)"; }
check "H5 link active, window 4, no CRC (not asked)" is h5_link "active 4 off"
check "the FTDI adapter is ttyUSB0" wait_for 30 test -c /dev/ttyUSB0
btattach -B /dev/ttyUSB0 -P h4 >/tmp/btattach.log 2>&1 &
check "btattach registers hci1 (hci_uart)" wait_for 30 test -e /sys/class/bluetooth/hci1
check "hci1 up" hciconfig hci1 up piscan
a0=$(bdaddr hci0)
a1=$(bdaddr hci1)
echo "hci0 $a0, hci1 $a1"
check "two controllers of one btvirt" sh -c "[ -n '$a0' ] && [ -n '$a1' ] && [ '$a0' != '$a1' ]"
check "hci0 answers through H5 and btvirt" hci_answers "$a0"
check "l2ping from hci0 to hci1: 10 echoes" pings hci0 "$a1"
check "l2ping from hci1 to hci0: 10 echoes" pings hci1 "$a0"
check "$frames frames of $size bytes from hci0 to hci1, intact" stream hci0 hci1 "$a1"
check "$frames frames of $size bytes from hci1 to hci0, intact" stream hci1 hci0 "$a0"
check "the links are gone" wait_for 20 no_links
cat /sys/kernel/debug/bluetooth/hci0/btserdev
check "no H5 receive errors" h5_errors
# A power cycle loses the firmware: setup downloads it again.
check "hci0 down" hciconfig hci0 down
check "hci0 up again: a second download" hciconfig hci0 up
check "hci0 answers after the second download" hci_answers "$a0"
check "l2ping from hci1 to hci0 after it" pings hci1 "$a0"
hciconfig hci1 down
hciconfig hci0 down
killall btattach
check "hci1 goes when btattach ends" wait_for 10 test ! -e /sys/class/bluetooth/hci1
exit 0

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-h5-upstream: hci0 is upstream hci_h5 (Realtek) on the
# PL011, hci1 upstream hci_uart (H4) on the FTDI adapter.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

up_running() { hciconfig "$1" | grep -q 'UP RUNNING'; }

check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hci0 is upstream hci_h5's" is "driver hci0" hci_uart_h5
check "hci0 up (upstream H5 link, btrtl download)" hciconfig hci0 up piscan
check "hci0 UP RUNNING" up_running hci0
dmesg | grep -E 'RTL|H5|hci0' | tail -n 20
check "upstream btrtl loaded the config file" \
	sh -c "dmesg | grep -q 'RTL: loading rtl_bt/rtl8723bs_config.bin'"
check "the FTDI adapter is ttyUSB0" wait_for 30 test -c /dev/ttyUSB0
btattach -B /dev/ttyUSB0 -P h4 >/tmp/btattach.log 2>&1 &
check "btattach registers hci1 (hci_uart)" wait_for 30 test -e /sys/class/bluetooth/hci1
check "hci1 up" hciconfig hci1 up piscan
a0=$(bdaddr hci0)
a1=$(bdaddr hci1)
echo "hci0 $a0, hci1 $a1"
check "l2ping from hci1 to upstream's hci0: 10 echoes" pings hci1 "$a0"
check "l2ping from upstream's hci0 to hci1: 10 echoes" pings hci0 "$a1"
hciconfig hci1 down
hciconfig hci0 down
killall btattach
check "hci1 goes when btattach ends" wait_for 10 test ! -e /sys/class/bluetooth/hci1
exit 0

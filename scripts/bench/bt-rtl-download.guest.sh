#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-rtl-download.sh: bring hci0 (btserdev's Realtek
# controller) up ROUNDS times; each power-up downloads the firmware.
# shellcheck source=SCRIPTDIR/../guest/lib.sh
. /lib/suite.sh

rounds=$(cat /etc/suite/rounds)
check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
i=0
while [ $i -lt "$rounds" ]; do
	i=$((i + 1))
	check "download $i: hci0 up" hciconfig hci0 up
	check "download $i: hci0 down" hciconfig hci0 down
done
exit 0

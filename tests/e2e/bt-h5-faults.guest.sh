#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of bt-h5-faults: hci0 is btserdev's Realtek controller (H5,
# CRC on); the emulator's test command 0xfcf1 CODE ARG arms a fault.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

fw=/lib/firmware/rtl_bt
# fault CODE [ARG]: arm one of the emulator's faults (test-only command).
fault() {
	hcitool -i hci0 cmd 0x3f 0x0f1 "$1" "${2:-0}" >/tmp/fault.txt 2>&1
	cat /tmp/fault.txt
	grep -q 'HCI Event: 0x0e plen 4' /tmp/fault.txt &&
		grep -q 'F1 FC 00' /tmp/fault.txt
}
# version: Read Local Version Information, answered in full.
version() {
	hcitool -i hci0 cmd 0x04 0x0001 >/tmp/ver.txt 2>&1
	cat /tmp/ver.txt
	grep -q '01 10 00 0' /tmp/ver.txt
}
# traffic: three commands through the link, each answered.
traffic() { version && version && version; }
stat() { btserdev_stat "$1"; }
# grew COUNTER BEFORE: the counter is above BEFORE now.
grew() { [ "$(stat "$1")" -gt "$2" ]; }
rx_junk() { echo $(($(stat rx_garbage_bytes) + $(stat rx_bad_slip) + $(stat rx_bad_headers))); }
junk_grew() { [ "$(rx_junk)" -gt "$1" ]; }
up_running() { hciconfig hci0 | grep -q 'UP RUNNING'; }
# refused FILE DAMAGED: with FILE replaced by DAMAGED, hci0 does not come up.
refused() {
	cp "/etc/suite/rtl/$2.bin" "$fw/rtl8723bs_$1.bin"
	hciconfig hci0 down
	if hciconfig hci0 up; then
		echo "hci0 came up with a damaged $1 file"
		return 1
	fi
	cp "/etc/suite/rtl/good_$1.bin" "$fw/rtl8723bs_$1.bin"
	dmesg | grep -E 'RTL|Realtek' | tail -n 4
}

check "hci0 registered at boot" wait_for 30 test -e /sys/class/bluetooth/hci0
check "hci0 up" hciconfig hci0 up
a0=$(bdaddr hci0)
h5_link() { echo "$(stat h5_state) $(stat h5_crc)"; }
check "H5 link active with the CRC" is h5_link "active on"
check "hci0 answers" hci_answers "$a0"

j=$(rx_junk)
check "fault 1 armed: garbage between frames" fault 1 40
check "commands answered through the garbage" traffic
check "garbage counted ($(rx_junk) > $j)" junk_grew "$j"

for f in 2:rx_bad_headers:"a bad header checksum" 3:rx_bad_crc:"a bad CRC" \
	4:rx_out_of_order:"an out-of-window sequence number" \
	5:rx_out_of_order:"a duplicate" 6:tx_retransmits:"a lost acknowledgment"; do
	code=${f%%:*}
	rest=${f#*:}
	counter=${rest%%:*}
	what=${rest#*:}
	n=$(stat "$counter")
	check "fault $code armed: $what" fault "$code"
	check "commands answered after $what" traffic
	check "$what counted in $counter (was $n)" wait_for 5 grew "$counter" "$n"
done

r=$(stat recoveries)
check "fault 7 armed: the peer resets the link" fault 7
check "the peer's reset is seen" wait_for 10 grew h5_peer_resets 0
check "hci0 recovered: power cycle, link, download" wait_for 30 hci_answers "$a0"
check "counted as a recovery" grew recoveries "$r"

check "fault 8 armed: SYNC ignored for 5 s" fault 8 5
hciconfig hci0 down
check "hci0 up fails while the peer does not answer SYNC" sh -c '! hciconfig hci0 up'
check "the timeout is reported" sh -c "dmesg | grep -q 'H5: no answer to SYNC'"
sleep 3
check "hci0 up once the peer answers again" hciconfig hci0 up
check "hci0 answers after it" hci_answers "$a0"

check "a truncated firmware file is refused" refused fw truncated-fw
check "a firmware file with a bad signature is refused" refused fw bad-signature
check "a truncated config file is refused" refused config truncated-cfg
check "a config file with a bad magic is refused" refused config bad-cfg-magic
check "hci0 up with the files restored" hciconfig hci0 up
check "hci0 answers at the end" hci_answers "$a0"
cat /sys/kernel/debug/bluetooth/hci0/btserdev
hciconfig hci0 down
exit 0

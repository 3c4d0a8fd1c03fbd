#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of modbus-tty: Debian's mbpoll (libmodbus) polls, through
# /dev/ttyMB0, the slaves that have no kernel driver while the XY-MD02
# and SDM120 hwmon drivers poll theirs on the same bus.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

tty=/dev/ttyMB0
mux=/sys/kernel/debug/serdev-mux/serial0-0

check "modbus-tty gave port 8 a tty: $tty" wait_for 50 test -c $tty
dev=$(readlink -f /sys/class/tty/ttyMB0/device)
mt_stat() { cat "/sys/kernel/debug/serdev-modbus-tty/${dev##*/}/$1"; }
# send FRAME: one write(2) of FRAME (printf escapes) to the tty; dd's
# message goes to /tmp/dd.txt.
send() {
	printf '%b' "$1" >/tmp/frame && dd if=/tmp/frame of=$tty bs=300 count=1 2>/tmp/dd.txt
}
# A read of slave 10's input registers 1 and 2, and a broadcast write of
# 42 to holding register 22.
req10='\012\004\000\001\000\002\041\160'
bcast='\000\006\000\026\000\052\350\000'
# refused FRAME MESSAGE: the write of FRAME fails with MESSAGE.
refused() { ! send "$1" && grep -qi "$2" /tmp/dd.txt; }
not() { ! "$@"; }
check "the port's device holds its tty" test -d "$dev/tty/ttyMB0"
three_hwmon() { modbus_hwmon 1 && modbus_hwmon 2 && modbus_hwmon 4; } >/dev/null
check "two XY-MD02 and an SDM120 in hwmon" wait_for 50 three_hwmon

# mb ARGS...: mbpoll at the userspace slaves' 115200 baud, 8N1, register
# numbers from 0, a 1 s timeout.
mb() { mbpoll -m rtu -b 115200 -P none -0 -o 1 "$@"; }
values() { sed -n 's/^\[\([0-9]*\)\]:[[:space:]]*\([^[:space:]]*\).*/\1=\2/p' | tr '\n' ' '; }

mb -a 10 -r 1 -c 2 -t 3 -1 $tty >/tmp/mb.txt 2>&1
cat /tmp/mb.txt
check "mbpoll reads slave 10 (no kernel driver): 21.5 C, 40.2 %" \
	is "values </tmp/mb.txt" "1=215 2=402 "
check "mbpoll writes slave 11's holding registers" \
	mb -a 11 -r 20 -t 4 $tty 1234 5678
mb -a 11 -r 20 -c 2 -t 4 -1 $tty >/tmp/mb.txt 2>&1
check "and reads them back" is "values </tmp/mb.txt" "20=1234 21=5678 "
check "the tty's speed applies to port 8 alone" is "cat $mux/port@8/baud" 115200
check "port 1 keeps its own" is "cat $mux/port@1/baud" 19200

# Addresses the kernel's drivers own are refused, as i2c-dev refuses a
# bound client's address; so is a broadcast.
mb -a 1 -r 1 -c 2 -t 3 -1 $tty >/tmp/mb.txt 2>&1
cat /tmp/mb.txt
check "slave 1 (the XY-MD02 driver's) refused to mbpoll: busy" \
	grep -q "Device or resource busy" /tmp/mb.txt
check "counted" is "mt_stat refused_owned" 1
# The tty starts raw (binary frames): no stty needed.
check "a broadcast refused: permission denied" refused "$bcast" "Permission denied"
check "counted" is "mt_stat refused_broadcast" 1

# The administrator's switches: nobody cannot set them, root can.
check "nobody cannot allow broadcasts" not as_nobody "echo 1 >$dev/allow_broadcast"
check "nobody cannot allow owned addresses" not as_nobody "echo 1 >$dev/allow_owned"
check "root allows broadcasts" sh -c "test -f $dev/allow_broadcast && echo 1 >$dev/allow_broadcast"
check "a broadcast then goes out" send "$bcast"
mb -a 11 -r 22 -c 1 -t 4 -1 $tty >/tmp/mb.txt 2>&1
check "and slave 11 executed it" is "values </tmp/mb.txt" "22=42 "
echo 0 >"$dev/allow_broadcast"
# The device node is the administrator's too: the kernel does not widen it.
check "nobody cannot open $tty (mode $(stat -c %a $tty))" sh -c \
	"test -c $tty && ! su -s /bin/sh nobody -c 'true <>$tty'"
chmod 666 $tty
check "once the administrator opens it up, nobody can (positive control)" \
	as_nobody "true <>$tty"
chmod 600 $tty

# Bad frames from userspace: each refused with its own error, the bus
# and the kernel's drivers go on.
check "a write longer than a Modbus frame: EMSGSIZE" sh -c \
	"head -c 300 /dev/zero | dd of=$tty bs=300 count=1 2>/tmp/dd.txt; grep -q 'too long' /tmp/dd.txt"
check "a frame with a bad CRC: EBADMSG" \
	refused '\012\004\000\001\000\002\000\000' "bad message"
check "counted" is "mt_stat refused_frames" 2
# A master that writes and never reads: its answer waits in the tty, the
# bus is free at once.
printf '%b' "$req10" >/tmp/req10
sh -c "dd if=/tmp/req10 bs=300 count=1 2>/dev/null >&0; sleep 5" <>$tty &
holder=$!
check "the kernel's drivers read on while that master sleeps" \
	read -r _ <"$(modbus_hwmon 1)/temp1_input"
check "that master's request went out whole" is "mt_stat refused_frames" 2
kill $holder
# A master that closes mid-transaction.
send "$req10"
mb -a 10 -r 1 -c 2 -t 3 -1 $tty >/tmp/mb.txt 2>&1
check "the next master is answered" is "values </tmp/mb.txt" "1=215 2=402 "

# Sustained: the hwmon drivers and mbpoll at once. The host's simulator
# counts every frame and checks each one's CRC and silent interval.
# mbpoll polls slave 10 every 10 ms until interrupted, then prints its
# statistics: frames transmitted, received, errors.
mbpoll -m rtu -b 115200 -P none -0 -o 1 -a 10 -r 1 -c 2 -t 3 -l 10 $tty \
	>/tmp/mbloop.txt 2>&1 &
mbp=$!
read_sensors 800 "$(modbus_hwmon 1)" "$(modbus_hwmon 2)"
kill -INT $mbp
wait $mbp
grep -v '^\[[12]\]:\|^-- Polling\|^$' /tmp/mbloop.txt | tail -n 8
check "no hwmon read failed beside mbpoll" is "wc -l </tmp/errors" 0
stats=$(grep 'frames transmitted' /tmp/mbloop.txt)
sent=$(echo "$stats" | awk '{print $1}')
check "mbpoll polled all along: $sent requests" test "${sent:-0}" -ge 500
got=$(echo "$stats" | awk '{print $4}')
# The poll that SIGINT cuts short is sent and never read: at most one.
check "every mbpoll request answered but the one SIGINT cut short; no error" sh -c \
	"echo '$stats' | grep -q ' received, 0 errors' && [ $((sent - got)) -le 1 ]"
check "every answer mbpoll printed is the slave's value" is \
	"grep '^\[[12]\]:' /tmp/mbloop.txt | sort | uniq -c | awk '{print \$1 \$2 \$3}' | tr '\n' ' '" \
	"${got}[1]:215 ${got}[2]:402 "

# pymodbus on the host polls slaves 10 and 11 through a virtio-serial port
# and frame-relay while the driver reads its sensors.
for p in /sys/class/virtio-ports/*; do
	[ "$(cat "$p/name" 2>/dev/null)" = suite.modbus ] && port=/dev/${p##*/}
done
check "the host's port is there" test -c "${port:-/nonexistent}"
a0=$(mt_stat answers)
frame-relay "$port" $tty 115200 2>/tmp/relay.err &
relay=$!
echo "SUITE-PYMODBUS: go"
pym_done() { [ $(($(mt_stat answers) - a0)) -ge 300 ]; }
read_sensors 200 "$(modbus_hwmon 1)" "$(modbus_hwmon 2)"
check "no hwmon read failed beside pymodbus" is "wc -l </tmp/errors" 0
check "pymodbus's 300 requests answered through ttyMB0" wait_for 120 pym_done
kill $relay
cat /tmp/relay.err
check "frame-relay dropped nothing" test ! -s /tmp/relay.err
check "modbus-tty: no timeout" is "mt_stat timeouts" 0
grep . /sys/kernel/debug/serdev-modbus-tty/*/*
exit 0

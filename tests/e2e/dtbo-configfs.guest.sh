#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of dtbo-configfs.
# shellcheck source=SCRIPTDIR/../../scripts/guest/lib.sh
. /lib/suite.sh

cfs=/sys/kernel/config/device-tree/overlays
reg=/etc/suite/regulator.dtbo
node=/proc/device-tree/dtbo-test-regulator
dev=/sys/bus/platform/devices/dtbo-test-regulator
bound() { [ -e "$dev/driver" ]; }
gone() { [ ! -e "$node" ] && [ ! -e "$dev" ]; }

check "load dtbo-configfs" modprobe dtbo-configfs
check "configfs shows device-tree/overlays" test -d "$cfs"

mkdir "$cfs/reg"
check "a new overlay is unapplied" is "cat $cfs/reg/status" unapplied
check "write the blob" sh -c "cat $reg >$cfs/reg/dtbo"
check "the blob reads back unchanged" cmp "$reg" "$cfs/reg/dtbo"
check "apply it" sh -c "echo 1 >$cfs/reg/status"
check "status: applied" is "cat $cfs/reg/status" applied
check "the kernel's tree has the node" is "cat $node/regulator-name | tr -d '\\000'" dtbo-test
check "its device probed and bound (regulator-fixed)" wait_for 5 bound
# (configfs reports a refused binary write only to close(): the tests look
# at what was kept.)
head -c 200 /dev/urandom >"$cfs/reg/dtbo"
check "a new blob is refused while applied: the applied one is kept" cmp "$reg" "$cfs/reg/dtbo"
check "and the refusal is logged" sh -c "dmesg | grep -q 'dtbo reg: applied: write 0 to status before a new blob'"
check "remove it (status 0)" sh -c "echo 0 >$cfs/reg/status"
check "node and device are gone" wait_for 5 gone
check "apply again" sh -c "echo 1 >$cfs/reg/status"
check "bound again" wait_for 5 bound
check "rmdir removes the applied overlay, device bound" rmdir "$cfs/reg"
check "node and device gone after rmdir" wait_for 5 gone

# An overlay whose directory goes while another one applied after it
# changes its node cannot be removed then: it stays applied and listed,
# and goes as soon as the later one is removed.
apply() { mkdir "$cfs/$1" && cat "$2" >"$cfs/$1/dtbo" && echo 1 >"$cfs/$1/status"; }
check "apply the regulator again (a)" apply a "$reg"
check "apply an overlay that changes its node (b)" apply b /etc/suite/regulator-extra.dtbo
check "nothing is stuck yet" is "cat $cfs/stuck" ""
check "rmdir a while b changes its node" rmdir "$cfs/a"
check "a stays applied: its node is still there" test -e "$node/dtbo-test-extra"
check "and is listed as stuck" is "cat $cfs/stuck" a
check "the kernel said why" sh -c "dmesg | grep -q 'dtbo a: stays applied (overlays/stuck)'"
check "rmdir b" rmdir "$cfs/b"
check "a is removed at last: node and device gone" wait_for 5 gone
check "nothing is stuck any more" is "cat $cfs/stuck" ""
check "the kernel said so" sh -c "dmesg | grep -q 'dtbo a: removed at last'"

# Bad input.
mkdir "$cfs/bad"
cat "$reg" >"$cfs/bad/dtbo"
head -c 300 /dev/urandom >"$cfs/bad/dtbo"
check "garbage is refused and no blob is kept" is "wc -c <$cfs/bad/dtbo" 0
head -c 200 "$reg" >"$cfs/bad/dtbo"
check "a truncated blob is refused and no blob is kept" is "wc -c <$cfs/bad/dtbo" 0
check "applying with no blob fails" sh -c "! echo 1 >$cfs/bad/status"
check "still unapplied" is "cat $cfs/bad/status" unapplied
check "a blob with a missing target is taken" sh -c "cat /etc/suite/missing-target.dtbo >$cfs/bad/dtbo"
check "applying it fails" sh -c "! echo 1 >$cfs/bad/status"
check "nothing of it is left" sh -c "[ \"\$(cat $cfs/bad/status)\" = unapplied ] && ! grep -rqs dtbo-orphan /proc/device-tree"
check "the errors were reported" sh -c "dmesg | grep -q 'dtbo bad: cannot apply' && dmesg | grep -q 'dtbo bad: 300 bytes are not a flattened device tree: bad magic' && dmesg | grep -q 'dtbo bad: 200 bytes are not a flattened device tree: size differs'"
rmdir "$cfs/bad"

echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
mkdir "$cfs/user"
check "a non-root user cannot create an overlay" sh -c "! su -s /bin/sh nobody -c 'mkdir $cfs/x' 2>/dev/null"
check "a non-root user cannot write a blob" sh -c "! su -s /bin/sh nobody -c 'cat $reg >$cfs/user/dtbo' 2>/dev/null"
check "a non-root user cannot apply" sh -c "! su -s /bin/sh nobody -c 'echo 1 >$cfs/user/status' 2>/dev/null"
check "nothing applied" is "cat $cfs/user/status" unapplied
rmdir "$cfs/user"

# Lockdown, last: it cannot be lifted, and it closes debugfs, so the
# verdict's kmemleak scan runs before it. Root's overlays above are the
# control.
check "kmemleak: no leaks (scanned before the lockdown)" kmemleak_check_early
mount -t securityfs securityfs /sys/kernel/security
check "lockdown: integrity" sh -c 'echo integrity >/sys/kernel/security/lockdown'
check "root cannot create an overlay under lockdown" sh -c "! mkdir $cfs/locked"
check "the kernel said why" sh -c "dmesg | grep -q 'dtbo: the kernel is locked down: no overlay changes'"
check "nothing created" test ! -e "$cfs/locked"
check "unload dtbo-configfs" modprobe -r dtbo-configfs
exit 0

// SPDX-License-Identifier: GPL-2.0
/*
 * btserdev counters in debugfs, next to the core's files of the hci_dev:
 * /sys/kernel/debug/bluetooth/hciN/btserdev.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci_core.h>

#include "btserdev.h"

static int btserdev_stats_show(struct seq_file *m, void *unused)
{
	struct btserdev *bd = m->private;

	seq_printf(m, "transport %s\n", bd->tr->name);
	seq_printf(m, "uart_speed %u\n", bd->speed);
	bd->tr->show(bd, m);
	seq_printf(m, "recoveries %u\n", bd->recoveries);
	seq_printf(m, "recoveries_refused %u\n", bd->recoveries_refused);
	seq_printf(m, "host_wakes %d\n", atomic_read(&bd->host_wakes));
	seq_printf(m, "pm_suspends %u\n", bd->pm_suspends);
	seq_printf(m, "pm_resumes %u\n", bd->pm_resumes);
	seq_printf(m, "power %s\n", bd->power.on ? "on" : "off");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(btserdev_stats);

/**
 * btserdev_debugfs_init() - add the counters file to the hci_dev's folder
 * @bd: the controller, registered
 */
void btserdev_debugfs_init(struct btserdev *bd)
{
	debugfs_create_file("btserdev", 0444, bd->hdev->debugfs, bd,
			    &btserdev_stats_fops);
}

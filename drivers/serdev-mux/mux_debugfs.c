// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-mux counters in debugfs: serdev-mux/DEVICE/{owner,direction,
 * switches,rx_unowned,bad_ports} and serdev-mux/DEVICE/port@N/{tx_bytes,...}.
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/seq_file.h>

#include "mux_internal.h"

static struct dentry *serdev_mux_debugfs_root;

void serdev_mux_debugfs_module_init(void)
{
	serdev_mux_debugfs_root = debugfs_create_dir("serdev-mux", NULL);
}

void serdev_mux_debugfs_module_exit(void)
{
	debugfs_remove_recursive(serdev_mux_debugfs_root);
}

static int serdev_mux_owner_show(struct seq_file *s, void *unused)
{
	struct serdev_mux *mux = s->private;

	mutex_lock(&mux->lock);
	if (mux->owner)
		seq_printf(s, "port@%x%s\n", mux->owner->reg,
			   mux->owner->explicit ? " locked" : "");
	else
		seq_puts(s, "none\n");
	mutex_unlock(&mux->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(serdev_mux_owner);

static int serdev_mux_direction_show(struct seq_file *s, void *unused)
{
	static const char * const names[] = {
		[SERDEV_MUX_DIR_NONE] = "none",
		[SERDEV_MUX_DIR_GPIO] = "gpio",
		[SERDEV_MUX_DIR_UART] = "uart-rs485",
	};
	struct serdev_mux *mux = s->private;

	seq_printf(s, "%s\n", names[mux->direction]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(serdev_mux_direction);

static void serdev_mux_debugfs_port(struct serdev_mux_port *port,
				    struct dentry *parent)
{
	struct serdev_mux_stats *st = &port->stats;
	struct dentry *d;
	char name[16];

	snprintf(name, sizeof(name), "port@%x", port->reg);
	d = debugfs_create_dir(name, parent);
	debugfs_create_u64("tx_bytes", 0444, d, &st->tx_bytes);
	debugfs_create_u64("rx_bytes", 0444, d, &st->rx_bytes);
	debugfs_create_u64("rx_dropped", 0444, d, &st->rx_dropped);
	debugfs_create_u64("selects", 0444, d, &st->selects);
	debugfs_create_u64("transactions", 0444, d, &st->transactions);
	debugfs_create_u64("timeouts", 0444, d, &st->timeouts);
	debugfs_create_u64("waits", 0444, d, &st->waits);
	debugfs_create_u64("lock_timeouts", 0444, d, &st->lock_timeouts);
	debugfs_create_u64("revoked", 0444, d, &st->revoked);
	debugfs_create_u32("baud", 0444, d, &port->baud);
	debugfs_create_u32("silent_interval_us", 0444, d, &port->gap_us);
}

void serdev_mux_debugfs_init(struct serdev_mux *mux)
{
	mux->debugfs = debugfs_create_dir(dev_name(mux->dev),
					  serdev_mux_debugfs_root);
	debugfs_create_file("owner", 0444, mux->debugfs, mux,
			    &serdev_mux_owner_fops);
	debugfs_create_file("direction", 0444, mux->debugfs, mux,
			    &serdev_mux_direction_fops);
	debugfs_create_u64("switches", 0444, mux->debugfs, &mux->switches);
	debugfs_create_u64("rx_unowned", 0444, mux->debugfs, &mux->rx_unowned);
	debugfs_create_u64("bad_ports", 0444, mux->debugfs, &mux->bad_ports);
}

/**
 * serdev_mux_debugfs_ports() - add the registered ports' directories
 * @mux: the mux, after its ports were set up
 */
void serdev_mux_debugfs_ports(struct serdev_mux *mux)
{
	unsigned int i;

	for (i = 0; i < mux->nports; i++)
		if (mux->ports[i])
			serdev_mux_debugfs_port(mux->ports[i], mux->debugfs);
}

void serdev_mux_debugfs_exit(struct serdev_mux *mux)
{
	debugfs_remove_recursive(mux->debugfs);
}

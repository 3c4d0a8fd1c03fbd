// SPDX-License-Identifier: GPL-2.0
/*
 * serport-serdev: a serio port on a serdev device, for serial input
 * devices (mice, touchscreens, keyboards on an RS232 line).
 *
 * This is the worked example of Documentation/serial/ldisc-migration.rst:
 * upstream's serport line discipline (N_MOUSE, attached by inputattach)
 * turned into a serdev client. What inputattach's SPIOCSTYPE ioctl set,
 * the device tree node says (serio-proto, serio-id, serio-extra); the
 * serio port exists from probe to remove instead of for the length of a
 * blocking read(). Boards describe the device under their UART; on any
 * other tty, serdev-ldisc gives the same node a controller:
 *
 *   ldattach 29 /dev/ttyUSB0    (node /serdev-ldisc/ttyUSB0/mouse)
 */

#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/serdev.h>
#include <linux/serio.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct serport_serdev {
	struct serdev_device *serdev;
	struct serio *serio;
	struct work_struct wakeup_work;
	spinlock_t lock;	/* active, against RX and write wake-ups */
	bool active;		/* a serio driver has the port open */
};

static int serport_serio_write(struct serio *serio, unsigned char data)
{
	struct serport_serdev *sp = serio->port_data;

	return serdev_device_write_buf(sp->serdev, &data, 1) == 1 ? 0 : -EIO;
}

static void serport_set_active(struct serport_serdev *sp, bool active)
{
	unsigned long flags;

	spin_lock_irqsave(&sp->lock, flags);
	sp->active = active;
	spin_unlock_irqrestore(&sp->lock, flags);
}

static int serport_serio_open(struct serio *serio)
{
	serport_set_active(serio->port_data, true);
	return 0;
}

static void serport_serio_close(struct serio *serio)
{
	serport_set_active(serio->port_data, false);
}

static size_t serport_receive_buf(struct serdev_device *serdev,
				  const u8 *buf, size_t count)
{
	struct serport_serdev *sp = serdev_device_get_drvdata(serdev);
	unsigned long flags;
	size_t i;

	/* serdev passes no per-byte flags: no SERIO_FRAME or SERIO_PARITY. */
	spin_lock_irqsave(&sp->lock, flags);
	if (sp->active)
		for (i = 0; i < count; i++)
			serio_interrupt(sp->serio, buf[i], 0);
	spin_unlock_irqrestore(&sp->lock, flags);
	return count;
}

static void serport_wakeup_work(struct work_struct *work)
{
	struct serport_serdev *sp = container_of(work, struct serport_serdev,
						 wakeup_work);
	unsigned long flags;

	spin_lock_irqsave(&sp->lock, flags);
	if (sp->active)
		serio_drv_write_wakeup(sp->serio);
	spin_unlock_irqrestore(&sp->lock, flags);
}

/*
 * Called with the UART's port lock held. The serio driver is told from a
 * work item: taking our lock here would order it after the port lock,
 * while RX orders it before the input core's event lock, under which
 * input drivers write to the port (LEDs).
 */
static void serport_write_wakeup(struct serdev_device *serdev)
{
	struct serport_serdev *sp = serdev_device_get_drvdata(serdev);

	schedule_work(&sp->wakeup_work);
	serdev_device_write_wakeup(serdev);
}

static void serport_cancel_wakeup(void *data)
{
	struct serport_serdev *sp = data;

	cancel_work_sync(&sp->wakeup_work);
}

static const struct serdev_device_ops serport_serdev_ops = {
	.receive_buf = serport_receive_buf,
	.write_wakeup = serport_write_wakeup,
};

static int serport_read_id(struct device *dev, const char *prop, u8 *val)
{
	u32 v = 0;

	if (of_property_read_u32(dev->of_node, prop, &v) == -EINVAL)
		return 0;	/* absent: 0 */
	if (v > 0xff)
		return dev_err_probe(dev, -EINVAL, "%s %u is beyond 255\n",
				     prop, v);
	*val = v;
	return 0;
}

static int serport_probe(struct serdev_device *serdev)
{
	struct device *dev = &serdev->dev;
	struct serport_serdev *sp;
	struct serio *serio;
	u32 speed = 1200;	/* what serial mice speak */
	unsigned int got;
	int ret;

	sp = devm_kzalloc(dev, sizeof(*sp), GFP_KERNEL);
	if (!sp)
		return -ENOMEM;
	sp->serdev = serdev;
	spin_lock_init(&sp->lock);
	INIT_WORK(&sp->wakeup_work, serport_wakeup_work);
	/* Released after the UART is closed: no wake-up comes after it. */
	ret = devm_add_action(dev, serport_cancel_wakeup, sp);
	if (ret)
		return ret;
	serdev_device_set_drvdata(serdev, sp);
	serdev_device_set_client_ops(serdev, &serport_serdev_ops);

	/* The serio core frees the port when it is unregistered. */
	serio = kzalloc(sizeof(*serio), GFP_KERNEL);
	if (!serio)
		return -ENOMEM;
	serio->id.type = SERIO_RS232;
	ret = serport_read_id(dev, "serio-proto", &serio->id.proto) ?:
	      serport_read_id(dev, "serio-id", &serio->id.id) ?:
	      serport_read_id(dev, "serio-extra", &serio->id.extra);
	if (ret)
		goto err_free;

	ret = devm_serdev_device_open(dev, serdev);
	if (ret)
		goto err_free;
	of_property_read_u32(dev->of_node, "current-speed", &speed);
	got = serdev_device_set_baudrate(serdev, speed);
	if (got != speed)
		dev_warn(dev, "the UART runs at %u baud, not %u\n", got, speed);
	serdev_device_set_flow_control(serdev, false);

	strscpy(serio->name, "Serial port", sizeof(serio->name));
	snprintf(serio->phys, sizeof(serio->phys), "%s/serio0", dev_name(dev));
	serio->write = serport_serio_write;
	serio->open = serport_serio_open;
	serio->close = serport_serio_close;
	serio->port_data = sp;
	serio->dev.parent = dev;
	sp->serio = serio;
	serio_register_port(serio);
	dev_info(dev, "serio port %s, protocol %u\n", serio->phys,
		 serio->id.proto);
	return 0;

err_free:
	kfree(serio);
	return ret;
}

static void serport_remove(struct serdev_device *serdev)
{
	struct serport_serdev *sp = serdev_device_get_drvdata(serdev);

	/* Its driver goes first; the UART is closed after (devm). */
	serio_unregister_port(sp->serio);
}

static const struct of_device_id serport_of_match[] = {
	{ .compatible = "serdev-suite,serport" },
	{ }
};
MODULE_DEVICE_TABLE(of, serport_of_match);

static struct serdev_device_driver serport_serdev_driver = {
	.probe = serport_probe,
	.remove = serport_remove,
	.driver = {
		.name = "serport-serdev",
		.of_match_table = serport_of_match,
	},
};
module_serdev_device_driver(serport_serdev_driver);

MODULE_DESCRIPTION("serio port on a serdev device (serport as a serdev client)");
MODULE_LICENSE("GPL");

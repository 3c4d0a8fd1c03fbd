// SPDX-License-Identifier: GPL-2.0
/*
 * modbus-tty: a userspace Modbus RTU master's port on a serdev-mux RS485
 * bus, beside the kernel's Modbus drivers on the same bus.
 *
 * Each port node with a "serdev-suite,modbus-tty" child gets a tty,
 * /dev/ttyMBn, that libmodbus, pymodbus, mbpoll or Home Assistant open as
 * they would a serial port. One write(2) is one request frame; it becomes
 * one transaction on the bus (serdev_mux_transfer()), serialised with the
 * kernel clients' transactions by the mux's bus ownership, with the mux's
 * direction control and silent intervals. The answer is read back from the
 * tty once complete: its length is known from its function code and byte
 * count, so no silence has to be waited for. The port's termios (speed,
 * parity) apply while it owns the bus.
 *
 * Requests to an address that a kernel driver on the same bus owns (a
 * sibling port's "modbus-address") are refused with -EBUSY, like i2c-dev
 * refuses a client's address, and broadcasts (address 0) with -EACCES;
 * the administrator allows either through the device's allow_owned and
 * allow_broadcast attributes (root only). A frame with a bad CRC is
 * refused (-EBADMSG): it would only make every slave discard it.
 */

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mod_devicetable.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/property.h>
#include <linux/serdev.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/tty_flip.h>
#include <linux/unaligned.h>
#include <linux/workqueue.h>

#include "modbus.h"
#include "serdev-mux.h"

#define MODBUS_TTY_NAME		"ttyMB"
#define MODBUS_TTY_MINORS	16
#define MODBUS_TTY_MIN_FRAME	4	/* address, function, CRC */
#define MODBUS_TTY_TIMEOUT_MS	200

/**
 * struct modbus_tty_stats - counters (debugfs serdev-modbus-tty/<dev>/)
 * @requests: request frames sent on the bus
 * @answers: answers delivered to the tty
 * @timeouts: requests that got no (complete) answer in time
 * @refused_owned: requests to an address a kernel driver owns
 * @refused_broadcast: broadcasts while not allowed
 * @refused_frames: writes that are not a frame (too short or long, bad CRC)
 * @errors: transactions that failed otherwise (bus gone, interrupted)
 * @tx_bytes: request bytes sent
 * @rx_bytes: answer bytes delivered
 * @rx_lost: answer bytes the tty had no room for, or nobody to take
 * @rx_stray: bytes that came outside a transaction
 */
struct modbus_tty_stats {
	u64 requests;
	u64 answers;
	u64 timeouts;
	u64 refused_owned;
	u64 refused_broadcast;
	u64 refused_frames;
	u64 errors;
	u64 tx_bytes;
	u64 rx_bytes;
	u64 rx_lost;
	u64 rx_stray;
};

/**
 * struct modbus_tty - one userspace port
 * @port: the tty port; its reference count keeps this alive
 * @index: the tty's minor
 * @serdev: the client on the mux port, NULL once removed
 * @lock: protects @busy, @req, @req_len, the line settings and @serdev
 *        (which removal also clears under @port.mutex, as open holds it)
 * @busy: a request is in flight
 * @req: the request in flight
 * @req_len: its length
 * @resp: its answer
 * @work: runs the transaction
 * @baud: the tty's speed, for the mux port
 * @parity: the tty's parity, for the mux port
 * @line_changed: @baud or @parity changed since the last request
 * @owned: addresses kernel drivers on this bus own (read at open)
 * @allow_owned: the administrator allows requests to @owned addresses
 * @allow_broadcast: the administrator allows broadcasts
 * @timeout_ms: a slave's time to answer
 * @debugfs: counters
 * @stats: the counters
 */
struct modbus_tty {
	struct tty_port port;
	unsigned int index;
	struct serdev_device *serdev;

	spinlock_t lock;	/* @busy, @req, @req_len, line, @serdev */
	bool busy;
	u8 req[MODBUS_RTU_MAX];
	size_t req_len;
	u8 resp[MODBUS_RTU_MAX];
	struct work_struct work;
	unsigned int baud;
	enum serdev_parity parity;
	bool line_changed;

	DECLARE_BITMAP(owned, 256);
	bool allow_owned;
	bool allow_broadcast;
	unsigned int timeout_ms;

	struct dentry *debugfs;
	struct modbus_tty_stats stats;
};

static struct tty_driver *modbus_tty_driver;
static DEFINE_IDR(modbus_tty_idr);
static DEFINE_MUTEX(modbus_tty_idr_lock);	/* @modbus_tty_idr, port refs */
static struct dentry *modbus_tty_debugfs_root;

/*
 * The length of the answer to a request, once @buf holds enough of it: the
 * function codes a master commonly sends. Others are refused at write time
 * (their answers' ends would need the bus's silence to be seen).
 */
static ssize_t modbus_tty_answer_len(const u8 *buf, size_t len, void *ctx)
{
	if (len < 2)
		return 0;
	if (buf[1] & 0x80)
		return 5;			/* exception */
	switch (buf[1]) {
	case 0x01: case 0x02: case 0x03: case 0x04: case 0x17:
		return len < 3 ? 0 : 5 + buf[2];
	case 0x05: case 0x06: case 0x0f: case 0x10:
		return 8;
	default:
		return -EBADMSG;
	}
}

static bool modbus_tty_function_known(u8 fc)
{
	u8 answer[2] = { 0, fc };

	return modbus_tty_answer_len(answer, sizeof(answer), NULL) >= 0;
}

/* The modbus-address of every device on the other ports of this bus. */
static void modbus_tty_read_owned(struct modbus_tty *mt, struct device *dev)
{
	struct device_node *mine = dev->of_node ? of_get_parent(dev->of_node) : NULL;
	struct device_node *bus = mine ? of_get_parent(mine) : NULL;
	struct device_node *port, *child;
	u32 addr;

	bitmap_zero(mt->owned, 256);
	if (!bus)
		goto out;
	for_each_available_child_of_node(bus, port) {
		if (port == mine)
			continue;
		for_each_available_child_of_node(port, child)
			if (!of_property_read_u32(child, "modbus-address", &addr) &&
			    addr < 256)
				__set_bit(addr, mt->owned);
	}
out:
	of_node_put(bus);
	of_node_put(mine);
}

static void modbus_tty_work(struct work_struct *work)
{
	struct modbus_tty *mt = container_of(work, struct modbus_tty, work);
	struct serdev_mux_xfer xfer = {
		.tx = mt->req,
		.tx_len = mt->req_len,
		.rx = mt->resp,
		.rx_len = sizeof(mt->resp),
		.rx_done = modbus_tty_answer_len,
		.timeout_ms = mt->timeout_ms,
	};
	struct serdev_device *serdev;
	enum serdev_parity parity;
	struct tty_struct *tty;
	bool line_changed;
	unsigned int baud;
	ssize_t n;
	int pushed;

	spin_lock_irq(&mt->lock);
	serdev = mt->serdev;
	line_changed = mt->line_changed;
	mt->line_changed = false;
	baud = mt->baud;
	parity = mt->parity;
	spin_unlock_irq(&mt->lock);
	if (!serdev) {
		n = -ENODEV;
		goto done;
	}
	if (line_changed) {
		serdev_device_set_baudrate(serdev, baud);
		if (serdev_device_set_parity(serdev, parity))
			dev_warn_ratelimited(&serdev->dev, "parity not supported by the UART\n");
	}

	/* Nobody answers a broadcast: send it and give the bus back. */
	if (!mt->req[0])
		xfer.rx_len = 0;
	n = serdev_mux_transfer(serdev, &xfer);
	mt->stats.requests++;
	mt->stats.tx_bytes += mt->req_len;
	/* An answer for a master that has gone is nobody's: drop it. */
	tty = n > 0 ? tty_port_tty_get(&mt->port) : NULL;
	if (tty) {
		pushed = tty_insert_flip_string(&mt->port, mt->resp, n);
		tty_flip_buffer_push(&mt->port);
		tty_kref_put(tty);
		mt->stats.answers++;
		mt->stats.rx_bytes += pushed;
		mt->stats.rx_lost += n - pushed;
	} else if (n > 0) {
		mt->stats.answers++;
		mt->stats.rx_lost += n;
	} else if (n == -ETIMEDOUT || n == -EPROTO) {
		mt->stats.timeouts++;
		dev_dbg_ratelimited(&serdev->dev, "no answer from %u (function %#04x): %pe\n",
				    mt->req[0], mt->req[1], ERR_PTR(n));
	} else if (n < 0) {
		mt->stats.errors++;
		dev_warn_ratelimited(&serdev->dev, "request to %u failed: %pe\n",
				     mt->req[0], ERR_PTR(n));
	}
done:
	spin_lock_irq(&mt->lock);
	mt->busy = false;
	spin_unlock_irq(&mt->lock);
	tty_port_tty_wakeup(&mt->port);
}

/* 0, or why the frame may not go on the bus. */
static int modbus_tty_refuse(struct modbus_tty *mt, const u8 *buf, size_t count)
{
	if (count < MODBUS_TTY_MIN_FRAME) {
		mt->stats.refused_frames++;
		return -EINVAL;
	}
	if (count > MODBUS_RTU_MAX) {
		mt->stats.refused_frames++;
		return -EMSGSIZE;
	}
	if (get_unaligned_le16(buf + count - 2) != modbus_rtu_crc(buf, count - 2)) {
		mt->stats.refused_frames++;
		return -EBADMSG;
	}
	if (!modbus_tty_function_known(buf[1])) {
		mt->stats.refused_frames++;
		return -EOPNOTSUPP;
	}
	if (!buf[0] && !READ_ONCE(mt->allow_broadcast)) {
		mt->stats.refused_broadcast++;
		return -EACCES;
	}
	if (test_bit(buf[0], mt->owned) && !READ_ONCE(mt->allow_owned)) {
		mt->stats.refused_owned++;
		return -EBUSY;
	}
	return 0;
}

static ssize_t modbus_tty_write(struct tty_struct *tty, const u8 *buf,
				size_t count)
{
	struct modbus_tty *mt = tty->driver_data;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&mt->lock, flags);
	if (!mt->serdev) {
		ret = -ENODEV;
	} else if (mt->busy) {
		ret = 0;	/* n_tty waits for write_wakeup */
	} else {
		ret = modbus_tty_refuse(mt, buf, count);
		if (!ret) {
			memcpy(mt->req, buf, count);
			mt->req_len = count;
			mt->busy = true;
			ret = count;
		}
	}
	spin_unlock_irqrestore(&mt->lock, flags);

	if (ret > 0)
		schedule_work(&mt->work);
	else if (ret < 0 && ret != -ENODEV)
		dev_info_ratelimited(tty->dev, "request of %zu bytes to %u refused: %pe\n",
				     count, count ? buf[0] : 0, ERR_PTR(ret));
	return ret;
}

static unsigned int modbus_tty_write_room(struct tty_struct *tty)
{
	struct modbus_tty *mt = tty->driver_data;

	return READ_ONCE(mt->busy) ? 0 : MODBUS_RTU_MAX;
}

static unsigned int modbus_tty_chars_in_buffer(struct tty_struct *tty)
{
	struct modbus_tty *mt = tty->driver_data;

	return READ_ONCE(mt->busy) ? mt->req_len : 0;
}

/*
 * The tty's speed and parity become the mux port's, applied whenever the
 * port owns the bus; 8 data bits and one stop bit are all a mux port has.
 * They are handed to the mux by the work item before its next request:
 * here the tty's termios lock is held, and the mux takes the UART's own
 * termios lock when the port gets the bus.
 */
static void modbus_tty_take_termios(struct modbus_tty *mt,
				    struct tty_struct *tty)
{
	enum serdev_parity parity = SERDEV_PARITY_NONE;
	unsigned int baud = tty_get_baud_rate(tty);
	unsigned long flags;

	if (C_PARENB(tty))
		parity = C_PARODD(tty) ? SERDEV_PARITY_ODD : SERDEV_PARITY_EVEN;
	tty->termios.c_cflag &= ~(CSIZE | CSTOPB | CMSPAR | CRTSCTS);
	tty->termios.c_cflag |= CS8;

	spin_lock_irqsave(&mt->lock, flags);
	if (baud)
		mt->baud = baud;
	mt->parity = parity;
	mt->line_changed = true;
	spin_unlock_irqrestore(&mt->lock, flags);
}

static void modbus_tty_set_termios(struct tty_struct *tty,
				   const struct ktermios *old)
{
	modbus_tty_take_termios(tty->driver_data, tty);
}

/* Called with the port's mutex held: removal cannot take @mt->serdev away. */
static int modbus_tty_activate(struct tty_port *port, struct tty_struct *tty)
{
	struct modbus_tty *mt = container_of(port, struct modbus_tty, port);

	if (!mt->serdev)
		return -ENODEV;
	modbus_tty_read_owned(mt, &mt->serdev->dev);
	modbus_tty_take_termios(mt, tty);
	return 0;
}

static void modbus_tty_destruct(struct tty_port *port)
{
	struct modbus_tty *mt = container_of(port, struct modbus_tty, port);

	mutex_lock(&modbus_tty_idr_lock);
	idr_remove(&modbus_tty_idr, mt->index);
	mutex_unlock(&modbus_tty_idr_lock);
	kfree(mt);
}

static const struct tty_port_operations modbus_tty_port_ops = {
	.activate = modbus_tty_activate,
	.destruct = modbus_tty_destruct,
};

static int modbus_tty_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct modbus_tty *mt;
	struct tty_port *port = NULL;
	int ret;

	mutex_lock(&modbus_tty_idr_lock);
	mt = idr_find(&modbus_tty_idr, tty->index);
	if (mt)
		port = tty_port_get(&mt->port);
	mutex_unlock(&modbus_tty_idr_lock);
	if (!port)
		return -ENODEV;

	tty->driver_data = mt;
	ret = tty_port_install(port, driver, tty);
	if (ret)
		tty_port_put(port);
	return ret;
}

static void modbus_tty_cleanup(struct tty_struct *tty)
{
	tty_port_put(tty->port);
}

static int modbus_tty_open(struct tty_struct *tty, struct file *filp)
{
	return tty_port_open(tty->port, tty, filp);
}

static void modbus_tty_close(struct tty_struct *tty, struct file *filp)
{
	tty_port_close(tty->port, tty, filp);
}

static void modbus_tty_hangup(struct tty_struct *tty)
{
	tty_port_hangup(tty->port);
}

static const struct tty_operations modbus_tty_ops = {
	.install = modbus_tty_install,
	.cleanup = modbus_tty_cleanup,
	.open = modbus_tty_open,
	.close = modbus_tty_close,
	.hangup = modbus_tty_hangup,
	.write = modbus_tty_write,
	.write_room = modbus_tty_write_room,
	.chars_in_buffer = modbus_tty_chars_in_buffer,
	.set_termios = modbus_tty_set_termios,
};

/* The administrator's switches: root writes them, anyone reads them. */
static ssize_t modbus_tty_flag_store(struct device *dev, bool *flag,
				     const char *buf, size_t count)
{
	bool val;
	int ret;

	ret = kstrtobool(buf, &val);
	if (ret)
		return ret;
	WRITE_ONCE(*flag, val);
	return count;
}

static ssize_t allow_owned_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct modbus_tty *mt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(mt->allow_owned));
}

static ssize_t allow_owned_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct modbus_tty *mt = dev_get_drvdata(dev);

	return modbus_tty_flag_store(dev, &mt->allow_owned, buf, count);
}
static DEVICE_ATTR_RW(allow_owned);

static ssize_t allow_broadcast_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct modbus_tty *mt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(mt->allow_broadcast));
}

static ssize_t allow_broadcast_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct modbus_tty *mt = dev_get_drvdata(dev);

	return modbus_tty_flag_store(dev, &mt->allow_broadcast, buf, count);
}
static DEVICE_ATTR_RW(allow_broadcast);

static struct attribute *modbus_tty_attrs[] = {
	&dev_attr_allow_owned.attr,
	&dev_attr_allow_broadcast.attr,
	NULL
};
ATTRIBUTE_GROUPS(modbus_tty);

static void modbus_tty_debugfs_add(struct modbus_tty *mt, struct device *dev)
{
	struct modbus_tty_stats *st = &mt->stats;
	struct dentry *d;

	d = debugfs_create_dir(dev_name(dev), modbus_tty_debugfs_root);
	debugfs_create_u64("requests", 0400, d, &st->requests);
	debugfs_create_u64("answers", 0400, d, &st->answers);
	debugfs_create_u64("timeouts", 0400, d, &st->timeouts);
	debugfs_create_u64("refused_owned", 0400, d, &st->refused_owned);
	debugfs_create_u64("refused_broadcast", 0400, d, &st->refused_broadcast);
	debugfs_create_u64("refused_frames", 0400, d, &st->refused_frames);
	debugfs_create_u64("errors", 0400, d, &st->errors);
	debugfs_create_u64("tx_bytes", 0400, d, &st->tx_bytes);
	debugfs_create_u64("rx_bytes", 0400, d, &st->rx_bytes);
	debugfs_create_u64("rx_lost", 0400, d, &st->rx_lost);
	debugfs_create_u64("rx_stray", 0400, d, &st->rx_stray);
	mt->debugfs = d;
}

/* Bytes outside a transaction: no master asked for them. */
static size_t modbus_tty_receive_buf(struct serdev_device *serdev,
				     const u8 *buf, size_t count)
{
	struct modbus_tty *mt = serdev_device_get_drvdata(serdev);

	mt->stats.rx_stray += count;
	return count;
}

static const struct serdev_device_ops modbus_tty_serdev_ops = {
	.receive_buf = modbus_tty_receive_buf,
	.write_wakeup = serdev_device_write_wakeup,
};

static int modbus_tty_probe(struct serdev_device *serdev)
{
	struct device *dev = &serdev->dev;
	struct device *tty_dev;
	struct modbus_tty *mt;
	int ret;

	if (!serdev_mux_is_port(serdev))
		return dev_err_probe(dev, -EINVAL, "not on a serdev-mux port\n");

	mt = kzalloc(sizeof(*mt), GFP_KERNEL);
	if (!mt)
		return -ENOMEM;
	spin_lock_init(&mt->lock);
	INIT_WORK(&mt->work, modbus_tty_work);
	mt->serdev = serdev;
	mt->timeout_ms = MODBUS_TTY_TIMEOUT_MS;
	device_property_read_u32(dev, "serdev-suite,response-timeout-ms",
				 &mt->timeout_ms);
	tty_port_init(&mt->port);
	mt->port.ops = &modbus_tty_port_ops;

	mutex_lock(&modbus_tty_idr_lock);
	ret = idr_alloc(&modbus_tty_idr, mt, 0, MODBUS_TTY_MINORS, GFP_KERNEL);
	mutex_unlock(&modbus_tty_idr_lock);
	if (ret < 0) {
		tty_port_destroy(&mt->port);
		kfree(mt);
		return dev_err_probe(dev, ret, "no free minor\n");
	}
	mt->index = ret;
	serdev_device_set_drvdata(serdev, mt);
	serdev_device_set_client_ops(serdev, &modbus_tty_serdev_ops);

	/*
	 * The mux port stays open while bound: opening it costs nothing on
	 * the bus, and doing it at tty open would take the mux's locks under
	 * the tty port's.
	 */
	ret = serdev_device_open(serdev);
	if (ret) {
		tty_port_put(&mt->port);
		return dev_err_probe(dev, ret, "cannot open the mux port\n");
	}

	tty_dev = tty_port_register_device(&mt->port, modbus_tty_driver,
					   mt->index, dev);
	if (IS_ERR(tty_dev)) {
		serdev_device_close(serdev);
		tty_port_put(&mt->port);
		return dev_err_probe(dev, PTR_ERR(tty_dev), "no tty\n");
	}
	modbus_tty_debugfs_add(mt, dev);
	dev_info(dev, "%s%u: userspace Modbus master port\n", MODBUS_TTY_NAME,
		 mt->index);
	return 0;
}

/*
 * The bus is going (the mux, or the USB adapter under it): no new request
 * starts, the one in flight ends, the port is closed, and an open tty is
 * hung up; it lives on, answering -ENODEV, until its last close.
 */
static void modbus_tty_remove(struct serdev_device *serdev)
{
	struct modbus_tty *mt = serdev_device_get_drvdata(serdev);

	debugfs_remove_recursive(mt->debugfs);
	tty_unregister_device(modbus_tty_driver, mt->index);
	/* Under the port's mutex too, for an open racing with the removal. */
	mutex_lock(&mt->port.mutex);
	spin_lock_irq(&mt->lock);
	mt->serdev = NULL;
	spin_unlock_irq(&mt->lock);
	mutex_unlock(&mt->port.mutex);
	flush_work(&mt->work);
	serdev_device_close(serdev);
	tty_port_tty_hangup(&mt->port, false);
	tty_port_put(&mt->port);
}

static const struct of_device_id modbus_tty_of_match[] = {
	{ .compatible = "serdev-suite,modbus-tty" },
	{ }
};
MODULE_DEVICE_TABLE(of, modbus_tty_of_match);

static struct serdev_device_driver modbus_tty_serdev_driver = {
	.probe = modbus_tty_probe,
	.remove = modbus_tty_remove,
	.driver = {
		.name = "modbus-tty",
		.of_match_table = modbus_tty_of_match,
		.dev_groups = modbus_tty_groups,
	},
};

static int __init modbus_tty_init(void)
{
	struct tty_driver *driver;
	int ret;

	driver = tty_alloc_driver(MODBUS_TTY_MINORS, TTY_DRIVER_REAL_RAW |
				  TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(driver))
		return PTR_ERR(driver);
	driver->driver_name = "modbus-tty";
	driver->name = MODBUS_TTY_NAME;
	driver->type = TTY_DRIVER_TYPE_SERIAL;
	driver->subtype = SERIAL_TYPE_NORMAL;
	/* Raw: frames are binary, and a master sets its own line anyway. */
	driver->init_termios = tty_std_termios;
	driver->init_termios.c_iflag = 0;
	driver->init_termios.c_oflag = 0;
	driver->init_termios.c_lflag = 0;
	driver->init_termios.c_cflag = B9600 | CS8 | CREAD | HUPCL | CLOCAL;
	driver->init_termios.c_ispeed = 9600;
	driver->init_termios.c_ospeed = 9600;
	tty_set_operations(driver, &modbus_tty_ops);
	ret = tty_register_driver(driver);
	if (ret) {
		tty_driver_kref_put(driver);
		return ret;
	}
	modbus_tty_driver = driver;
	modbus_tty_debugfs_root = debugfs_create_dir("serdev-modbus-tty", NULL);

	ret = serdev_device_driver_register(&modbus_tty_serdev_driver);
	if (ret) {
		debugfs_remove_recursive(modbus_tty_debugfs_root);
		tty_unregister_driver(driver);
		tty_driver_kref_put(driver);
	}
	return ret;
}
module_init(modbus_tty_init);

static void __exit modbus_tty_exit(void)
{
	serdev_device_driver_unregister(&modbus_tty_serdev_driver);
	debugfs_remove_recursive(modbus_tty_debugfs_root);
	tty_unregister_driver(modbus_tty_driver);
	tty_driver_kref_put(modbus_tty_driver);
	idr_destroy(&modbus_tty_idr);
}
module_exit(modbus_tty_exit);

MODULE_DESCRIPTION("Userspace Modbus RTU master port on a serdev-mux bus");
MODULE_LICENSE("GPL");

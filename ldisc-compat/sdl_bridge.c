// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-ldisc bridge: a serdev controller whose writes, line settings,
 * modem lines and break go to a tty, and whose RX and write wake-ups come
 * from the tty's line discipline.
 *
 * The controller's node says what sits behind the tty. It is, in order:
 * the node of the USB device (or interface) at the adapter's position; a
 * /serdev-ldisc child that names the adapter by USB identity;
 * /serdev-ldisc/TTYNAME (for ttys with stable names and for ptys).
 */

#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/serdev.h>
#include <linux/slab.h>
#include <linux/tty.h>

#include "sdl_internal.h"

static LIST_HEAD(sdl_bridges);
static DEFINE_MUTEX(sdl_bridges_lock);	/* sdl_bridges */
static struct device *sdl_root;		/* parent of the controllers */

static struct sdl_bridge *ctrl_bridge(struct serdev_controller *ctrl)
{
	return serdev_controller_get_drvdata(ctrl);
}

static ssize_t sdl_write_buf(struct serdev_controller *ctrl, const u8 *buf,
			     size_t len)
{
	struct sdl_bridge *b = ctrl_bridge(ctrl);
	struct tty_struct *tty = b->tty;

	if (!READ_ONCE(b->active) || READ_ONCE(b->hung_up))
		return -EIO;
	set_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
	return tty->ops->write(tty, buf, len);
}

static void sdl_write_flush(struct serdev_controller *ctrl)
{
	tty_driver_flush_buffer(ctrl_bridge(ctrl)->tty);
}

static int sdl_write_room(struct serdev_controller *ctrl)
{
	return tty_write_room(ctrl_bridge(ctrl)->tty);
}

static int sdl_open(struct serdev_controller *ctrl)
{
	struct sdl_bridge *b = ctrl_bridge(ctrl);
	struct ktermios kt = b->tty->termios;

	if (READ_ONCE(b->hung_up))
		return -EIO;
	/*
	 * Raw 8-bit, no flow control, as serial core's serdev port does, and
	 * one stop bit whatever the tty had: serdev clients cannot ask for
	 * two, and the suite's wire times count one (serdev-line.h).
	 */
	kt.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
			ICRNL | IXON);
	kt.c_oflag &= ~OPOST;
	kt.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	kt.c_cflag &= ~(CSIZE | PARENB | CRTSCTS | CSTOPB);
	kt.c_cflag |= CS8 | CLOCAL | CREAD;
	tty_set_termios(b->tty, &kt);
	WRITE_ONCE(b->active, true);
	return 0;
}

static void sdl_close(struct serdev_controller *ctrl)
{
	WRITE_ONCE(ctrl_bridge(ctrl)->active, false);
}

static unsigned int sdl_set_baudrate(struct serdev_controller *ctrl,
				     unsigned int speed)
{
	struct tty_struct *tty = ctrl_bridge(ctrl)->tty;
	struct ktermios kt = tty->termios;

	tty_termios_encode_baud_rate(&kt, speed, speed);
	tty_set_termios(tty, &kt);
	return tty->termios.c_ospeed;
}

static void sdl_set_flow_control(struct serdev_controller *ctrl, bool enable)
{
	struct tty_struct *tty = ctrl_bridge(ctrl)->tty;
	struct ktermios kt = tty->termios;

	if (enable)
		kt.c_cflag |= CRTSCTS;
	else
		kt.c_cflag &= ~CRTSCTS;
	tty_set_termios(tty, &kt);
}

static int sdl_set_parity(struct serdev_controller *ctrl,
			  enum serdev_parity parity)
{
	struct tty_struct *tty = ctrl_bridge(ctrl)->tty;
	struct ktermios kt = tty->termios;

	kt.c_cflag &= ~(PARENB | PARODD | CMSPAR);
	if (parity != SERDEV_PARITY_NONE) {
		kt.c_cflag |= PARENB;
		if (parity == SERDEV_PARITY_ODD)
			kt.c_cflag |= PARODD;
	}
	tty_set_termios(tty, &kt);
	if ((tty->termios.c_cflag & (PARENB | PARODD)) !=
	    (kt.c_cflag & (PARENB | PARODD)))
		return -EINVAL;
	return 0;
}

static void sdl_wait_until_sent(struct serdev_controller *ctrl, long timeout)
{
	tty_wait_until_sent(ctrl_bridge(ctrl)->tty, timeout);
}

static int sdl_get_tiocm(struct serdev_controller *ctrl)
{
	struct tty_struct *tty = ctrl_bridge(ctrl)->tty;

	return tty->ops->tiocmget ? tty->ops->tiocmget(tty) : -EOPNOTSUPP;
}

static int sdl_set_tiocm(struct serdev_controller *ctrl, unsigned int set,
			 unsigned int clear)
{
	struct tty_struct *tty = ctrl_bridge(ctrl)->tty;

	return tty->ops->tiocmset ? tty->ops->tiocmset(tty, set, clear) :
				    -EOPNOTSUPP;
}

static int sdl_break_ctl(struct serdev_controller *ctrl, unsigned int state)
{
	struct tty_struct *tty = ctrl_bridge(ctrl)->tty;

	return tty->ops->break_ctl ? tty->ops->break_ctl(tty, state) :
				     -EOPNOTSUPP;
}

static const struct serdev_controller_ops sdl_ctrl_ops = {
	.write_buf = sdl_write_buf,
	.write_flush = sdl_write_flush,
	.write_room = sdl_write_room,
	.open = sdl_open,
	.close = sdl_close,
	.set_flow_control = sdl_set_flow_control,
	.set_parity = sdl_set_parity,
	.set_baudrate = sdl_set_baudrate,
	.wait_until_sent = sdl_wait_until_sent,
	.get_tiocm = sdl_get_tiocm,
	.set_tiocm = sdl_set_tiocm,
	.break_ctl = sdl_break_ctl,
};

static struct device_node *sdl_find_node(struct tty_struct *tty)
{
	struct device_node *parent, *np;

	np = sdl_usb_find_node(tty);
	if (np)
		return np;
	parent = of_find_node_by_path("/serdev-ldisc");
	if (parent) {
		np = of_get_child_by_name(parent, tty->name);
		of_node_put(parent);
	}
	return np;
}

/* List @b unless another bridge has its node already. */
static int sdl_bridge_claim(struct sdl_bridge *b)
{
	struct sdl_bridge *other;
	int ret = 0;

	mutex_lock(&sdl_bridges_lock);
	list_for_each_entry(other, &sdl_bridges, entry) {
		if (other->np == b->np) {
			pr_err_ratelimited("serdev-ldisc: %s: %pOF describes it, but %s has it already: not bridged (give the node a usb-serial-number)\n",
					   b->tty->name, b->np, other->tty->name);
			ret = -EEXIST;
			break;
		}
	}
	if (!ret)
		list_add(&b->entry, &sdl_bridges);
	mutex_unlock(&sdl_bridges_lock);
	return ret;
}

/**
 * sdl_bridge_create() - give @tty a serdev controller
 * @tty: the tty the line discipline is being attached to
 *
 * Return: the bridge, or an ERR_PTR() when no node describes what is
 * behind @tty or its clients cannot be registered.
 */
struct sdl_bridge *sdl_bridge_create(struct tty_struct *tty)
{
	struct serdev_controller *ctrl;
	struct device_node *np;
	struct sdl_bridge *b;
	int ret;

	if (!tty->ops->write)
		return ERR_PTR(-EOPNOTSUPP);
	np = sdl_find_node(tty);
	if (!np) {
		pr_err_ratelimited("serdev-ldisc: no /serdev-ldisc/%s node (nor a USB node) describes what is behind %s\n",
				   tty->name, tty->name);
		return ERR_PTR(-ENODEV);
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		ret = -ENOMEM;
		goto err_put;
	}
	b->tty = tty;
	b->np = np;
	/*
	 * One tty a node: an identity node without a serial number matches
	 * every adapter of its kind, and only the first one gets it. The
	 * bridge is listed from here on, so that two attaching at once see
	 * each other.
	 */
	ret = sdl_bridge_claim(b);
	if (ret)
		goto err_free;
	/*
	 * The controller hangs below the bridge's root device, not below the
	 * tty: a client device that outlives its removal for a while (an
	 * hci_dev still referenced) must not keep a USB device, and with it
	 * the device tree node USB core holds for it, from being released.
	 */
	ctrl = serdev_controller_alloc(tty->dev ?: sdl_root, sdl_root, 0);
	if (!ctrl) {
		ret = -ENOMEM;
		goto err_unlist;
	}
	b->tty = tty_kref_get(tty);
	b->ctrl = ctrl;
	ctrl->ops = &sdl_ctrl_ops;
	serdev_controller_set_drvdata(ctrl, b);
	device_set_node(&ctrl->dev, of_fwnode_handle(np));

	ret = serdev_controller_add(ctrl);
	if (ret) {
		pr_err_ratelimited("serdev-ldisc: %s: %pOF has no client (%d)\n",
				   tty->name, np, ret);
		serdev_controller_put(ctrl);
		tty_kref_put(tty);
		goto err_unlist;
	}
	pr_info("serdev-ldisc: %s bridged to %s (%pOF)\n", tty->name,
		dev_name(&ctrl->dev), np);
	return b;

err_unlist:
	mutex_lock(&sdl_bridges_lock);
	list_del(&b->entry);
	mutex_unlock(&sdl_bridges_lock);
err_free:
	kfree(b);
err_put:
	of_node_put(np);
	return ERR_PTR(ret);
}

/**
 * sdl_bridge_destroy() - remove the clients and the controller of a bridge
 * @b: the bridge
 *
 * Called from the line discipline's close, while the tty still works, so
 * that the clients can say goodbye to their device.
 */
void sdl_bridge_destroy(struct sdl_bridge *b)
{
	struct tty_struct *tty = b->tty;

	mutex_lock(&sdl_bridges_lock);
	list_del(&b->entry);
	mutex_unlock(&sdl_bridges_lock);
	serdev_controller_remove(b->ctrl);
	serdev_controller_put(b->ctrl);
	of_node_put(b->np);
	pr_info("serdev-ldisc: %s released\n", tty->name);
	tty_kref_put(tty);
	kfree(b);
}

static bool sdl_node_within(struct device_node *dn, struct device_node *np)
{
	for (; dn; dn = dn->parent)
		if (dn == np)
			return true;
	return false;
}

/**
 * sdl_bridges_node_removed() - let go of a node that leaves the tree
 * @dn: the node being detached (an overlay's node being removed)
 *
 * A bridge whose node, or a node below it, goes is torn down before the
 * nodes are freed: one attached from inside the kernel is detached; a tty
 * attached from userspace is hung up, which closes the line discipline and
 * so removes the clients. The attaching process keeps a hung-up tty.
 */
void sdl_bridges_node_removed(struct device_node *dn)
{
	struct tty_struct *tty;
	struct sdl_bridge *b;

	do {
		tty = NULL;
		mutex_lock(&sdl_bridges_lock);
		list_for_each_entry(b, &sdl_bridges, entry) {
			if (!READ_ONCE(b->hung_up) &&
			    sdl_node_within(dn, b->np)) {
				tty = tty_kref_get(b->tty);
				WRITE_ONCE(b->hung_up, true);
				break;
			}
		}
		mutex_unlock(&sdl_bridges_lock);
		if (tty) {
			pr_warn("serdev-ldisc: %s: %pOF leaves the tree; letting go\n",
				tty->name, dn);
			if (!sdl_usb_release(tty))
				tty_vhangup(tty);
			tty_kref_put(tty);
		}
	} while (tty);
}

int sdl_bridge_init(void)
{
	sdl_root = root_device_register("serdev-ldisc");
	return PTR_ERR_OR_ZERO(sdl_root);
}

void sdl_bridge_exit(void)
{
	root_device_unregister(sdl_root);
}

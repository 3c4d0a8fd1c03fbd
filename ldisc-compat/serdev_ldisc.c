// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-ldisc: a line discipline that gives the tty it is attached to a
 * serdev controller, so that serdev client drivers work on any tty
 * (USB-serial, pty, ...), not only on serial-core UARTs.
 *
 * What sits behind the tty is described by the device tree node
 * /serdev-ldisc/TTYNAME (for example added at run time with an overlay
 * through dtbo-configfs); its children with a compatible are the clients.
 * Attach with util-linux's ldattach and the line discipline's number:
 *
 *   ldattach 29 /dev/ttyUSB0
 *
 * The number is N_DEVELOPMENT (29), the one the kernel sets aside for line
 * disciplines developed out of tree: no in-kernel line discipline ever
 * takes it. The module parameter "ldisc" picks another one.
 *
 * On close, hang-up or a change of line discipline, the clients are
 * removed before the tty lets go of the line discipline.
 */

#include <linux/module.h>
#include <linux/of.h>
#include <linux/serdev.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>

static int ldisc = N_DEVELOPMENT;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number (default 29, N_DEVELOPMENT)");

struct sdl_bridge {
	struct tty_struct *tty;
	struct serdev_controller *ctrl;
	struct device_node *np;
	bool active;		/* the client has the port open */
	bool hung_up;
};

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
	/* Raw 8-bit, no flow control, as serial core's serdev port does. */
	kt.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
			ICRNL | IXON);
	kt.c_oflag &= ~OPOST;
	kt.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	kt.c_cflag &= ~(CSIZE | PARENB | CRTSCTS);
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

	parent = of_find_node_by_path("/serdev-ldisc");
	if (!parent)
		return NULL;
	np = of_get_child_by_name(parent, tty->name);
	of_node_put(parent);
	return np;
}

static int sdl_ldisc_open(struct tty_struct *tty)
{
	struct serdev_controller *ctrl;
	struct device_node *np;
	struct sdl_bridge *b;
	int ret;

	if (!tty->ops->write)
		return -EOPNOTSUPP;
	if (!tty->dev) {
		pr_err("serdev-ldisc: %s has no device to hang a controller on\n",
		       tty->name);
		return -ENODEV;
	}
	np = sdl_find_node(tty);
	if (!np) {
		pr_err("serdev-ldisc: no /serdev-ldisc/%s node describes what is behind %s\n",
		       tty->name, tty->name);
		return -ENODEV;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		ret = -ENOMEM;
		goto err_put;
	}
	ctrl = serdev_controller_alloc(tty->dev, tty->dev, 0);
	if (!ctrl) {
		ret = -ENOMEM;
		goto err_free;
	}
	b->tty = tty;
	b->ctrl = ctrl;
	ctrl->ops = &sdl_ctrl_ops;
	serdev_controller_set_drvdata(ctrl, b);
	device_set_node(&ctrl->dev, of_fwnode_handle(np));
	tty->disc_data = b;
	tty->receive_room = 65536;

	ret = serdev_controller_add(ctrl);
	if (ret) {
		pr_err("serdev-ldisc: %s: %pOF has no client (%d)\n", tty->name,
		       np, ret);
		serdev_controller_put(ctrl);
		tty->disc_data = NULL;
		goto err_free;
	}
	pr_info("serdev-ldisc: %s bridged to %s (%pOF)\n", tty->name,
		dev_name(&ctrl->dev), np);
	b->np = np;	/* the controller's node: held until close */
	return 0;

err_free:
	kfree(b);
err_put:
	of_node_put(np);
	return ret;
}

static void sdl_ldisc_close(struct tty_struct *tty)
{
	struct sdl_bridge *b = tty->disc_data;

	if (!b)
		return;
	/* The clients go while the tty still works for their goodbyes. */
	serdev_controller_remove(b->ctrl);
	serdev_controller_put(b->ctrl);
	of_node_put(b->np);
	pr_info("serdev-ldisc: %s released\n", tty->name);
	tty->disc_data = NULL;
	kfree(b);
}

static void sdl_ldisc_hangup(struct tty_struct *tty)
{
	struct sdl_bridge *b = tty->disc_data;

	/* No more writes to a line that is gone; close removes the clients. */
	if (b)
		WRITE_ONCE(b->hung_up, true);
}

static size_t sdl_ldisc_receive(struct tty_struct *tty, const u8 *cp,
				const u8 *fp, size_t count)
{
	struct sdl_bridge *b = tty->disc_data;

	if (!b || !READ_ONCE(b->active))
		return count;	/* nobody listens: the bytes are dropped */
	return serdev_controller_receive_buf(b->ctrl, cp, count);
}

static void sdl_ldisc_write_wakeup(struct tty_struct *tty)
{
	struct sdl_bridge *b = tty->disc_data;

	clear_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
	if (b && READ_ONCE(b->active))
		serdev_controller_write_wakeup(b->ctrl);
}

static struct tty_ldisc_ops sdl_ldisc_ops = {
	.owner = THIS_MODULE,
	.name = "serdev",
	.open = sdl_ldisc_open,
	.close = sdl_ldisc_close,
	.hangup = sdl_ldisc_hangup,
	.receive_buf2 = sdl_ldisc_receive,
	.write_wakeup = sdl_ldisc_write_wakeup,
};

static int __init sdl_init(void)
{
	int ret;

	if (ldisc < 0 || ldisc >= NR_LDISCS)
		return -EINVAL;
	sdl_ldisc_ops.num = ldisc;
	ret = tty_register_ldisc(&sdl_ldisc_ops);
	if (ret)
		pr_err("serdev-ldisc: cannot register line discipline %d: %d\n",
		       ldisc, ret);
	return ret;
}
module_init(sdl_init);

static void __exit sdl_exit(void)
{
	tty_unregister_ldisc(&sdl_ldisc_ops);
}
module_exit(sdl_exit);

MODULE_DESCRIPTION("serdev controller on any tty through a line discipline");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-ldisc: a line discipline that gives the tty it is attached to a
 * serdev controller, so that serdev client drivers work on any tty
 * (USB-serial, pty, ...), not only on serial-core UARTs.
 *
 * From userspace, attach with util-linux's ldattach and the line
 * discipline's number; the node /serdev-ldisc/TTYNAME (for example added
 * at run time with an overlay through dtbo-configfs) describes the clients:
 *
 *   ldattach 29 /dev/ttyUSB0
 *
 * USB-serial ports that a node describes by their USB position or
 * identity are attached from inside the kernel when they appear (see
 * sdl_usb.c): no ldattach, no udev rule.
 *
 * The number is N_DEVELOPMENT (29), the one the kernel sets aside for line
 * disciplines developed out of tree: no in-kernel line discipline ever
 * takes it. The module parameter "ldisc" exists for kernels that number
 * line disciplines differently; it accepts only a number that no upstream
 * line discipline has, since tty_register_ldisc() would silently replace
 * the one that is there.
 *
 * Privilege: attaching makes the kernel instantiate whatever devices the
 * node describes, so open() needs CAP_SYS_ADMIN, as serport and slip do
 * (hci_uart asks for CAP_NET_ADMIN, but the clients here are not only
 * network devices). Pseudo-terminals belong to whoever opened them, so
 * they are bridged only when the administrator said so with the module
 * parameter "pty".
 *
 * On close, hang-up or a change of line discipline, the clients are
 * removed before the tty lets go of the line discipline. While a bridge
 * is attached, its line settings belong to the serdev client: termios
 * changes from userspace are refused.
 *
 * Modem-control (TIOCMSET, TIOCMBIS, TIOCMBIC), break and serial-settings
 * (TIOCSSERIAL) ioctls never reach a line discipline: the tty core serves
 * them first. So nobody else may hold the line: a tty another program has
 * open is not bridged (EBUSY), and a bridged tty is exclusive (as after
 * TIOCEXCL), so that later opens without CAP_SYS_ADMIN fail with EBUSY.
 * Who may still reach those ioctls has CAP_SYS_ADMIN: the attacher and
 * the administrator. Ttys bridged from the kernel (sdl_usb.c) are opened
 * with tty_kopen_exclusive(), which userspace cannot open at all.
 */

#include <linux/module.h>
#include <linux/of.h>
#include <linux/serdev.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>

#include "sdl_internal.h"

int sdl_ldisc_num = N_DEVELOPMENT;
module_param_named(ldisc, sdl_ldisc_num, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number (default 29, N_DEVELOPMENT)");

static bool sdl_allow_pty;
module_param_named(pty, sdl_allow_pty, bool, 0644);
MODULE_PARM_DESC(pty, "bridge pseudo-terminals too (default: no)");

/*
 * Files open on the tty besides the attacher's (TIOCSETD is issued through
 * one); a tty opened from the kernel has none. Called with the tty locked,
 * as tty_set_ldisc() holds it.
 */
static size_t sdl_other_files(struct tty_struct *tty)
{
	size_t n;

	spin_lock(&tty->files_lock);
	n = list_count_nodes(&tty->tty_files);
	spin_unlock(&tty->files_lock);
	return n ? n - 1 : 0;
}

static int sdl_ldisc_open(struct tty_struct *tty)
{
	struct sdl_bridge *b;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (tty->driver->type == TTY_DRIVER_TYPE_PTY &&
	    !READ_ONCE(sdl_allow_pty)) {
		pr_err_ratelimited("serdev-ldisc: %s is a pseudo-terminal: not bridged (module parameter pty=0)\n",
				   tty->name);
		return -EPERM;
	}
	if (sdl_other_files(tty)) {
		pr_err_ratelimited("serdev-ldisc: %s is open in another program: not bridged\n",
				   tty->name);
		return -EBUSY;
	}
	b = sdl_bridge_create(tty);
	if (IS_ERR(b))
		return PTR_ERR(b);
	b->was_exclusive = test_and_set_bit(TTY_EXCLUSIVE, &tty->flags);
	tty->disc_data = b;
	tty->receive_room = 65536;
	return 0;
}

static void sdl_ldisc_close(struct tty_struct *tty)
{
	struct sdl_bridge *b = tty->disc_data;

	if (!b)
		return;
	tty->disc_data = NULL;
	if (!b->was_exclusive)
		clear_bit(TTY_EXCLUSIVE, &tty->flags);
	/* The clients go while the tty still works for their goodbyes. */
	sdl_bridge_destroy(b);
}

static void sdl_ldisc_hangup(struct tty_struct *tty)
{
	struct sdl_bridge *b = tty->disc_data;

	/* No more writes to a line that is gone; close removes the clients. */
	if (b)
		WRITE_ONCE(b->hung_up, true);
}

static int sdl_ldisc_ioctl(struct tty_struct *tty, unsigned int cmd,
			   unsigned long arg)
{
	switch (cmd) {
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
	case TCSETS2:
	case TCSETSW2:
	case TCSETSF2:
	case TCSETA:
	case TCSETAW:
	case TCSETAF:
		pr_err_ratelimited("serdev-ldisc: %s is bridged: its line settings belong to its serdev client\n",
				   tty->name);
		return -EBUSY;
	default:
		return n_tty_ioctl_helper(tty, cmd, arg);
	}
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
	.ioctl = sdl_ldisc_ioctl,
	.receive_buf2 = sdl_ldisc_receive,
	.write_wakeup = sdl_ldisc_write_wakeup,
};

/*
 * Tree changes (overlays applied and removed): attach what new nodes
 * describe; let go of nodes as they leave. These notifiers run with
 * of_mutex held, as of_platform_notify() does when it removes platform
 * devices; the clients must be gone, and their references to the nodes
 * dropped, before the overlay's nodes are freed, so this cannot be put
 * off to a work item. Nothing here takes of_mutex.
 */
static int sdl_of_notify(struct notifier_block *nb, unsigned long action,
			 void *arg)
{
	struct of_reconfig_data *rd = arg;

	switch (of_reconfig_get_state_change(action, rd)) {
	case OF_RECONFIG_CHANGE_ADD:
		sdl_usb_rescan();
		break;
	case OF_RECONFIG_CHANGE_REMOVE:
		sdl_bridges_node_removed(rd->dn);
		break;
	}
	return NOTIFY_OK;
}

static struct notifier_block sdl_of_nb = {
	.notifier_call = sdl_of_notify,
};

static int __init sdl_init(void)
{
	int ret;

	/* 6.12 gives every other number below NR_LDISCS to an upstream one. */
	if (sdl_ldisc_num != N_DEVELOPMENT) {
		pr_err("serdev-ldisc: ldisc=%d refused: only %d (N_DEVELOPMENT) is free for out-of-tree line disciplines\n",
		       sdl_ldisc_num, N_DEVELOPMENT);
		return -EINVAL;
	}
	ret = sdl_bridge_init();
	if (ret)
		return ret;
	sdl_ldisc_ops.num = sdl_ldisc_num;
	ret = tty_register_ldisc(&sdl_ldisc_ops);
	if (ret) {
		pr_err("serdev-ldisc: cannot register line discipline %d: %d\n",
		       sdl_ldisc_num, ret);
		goto err_bridge;
	}
	ret = of_reconfig_notifier_register(&sdl_of_nb);
	if (ret)
		goto err_ldisc;
	ret = sdl_usb_init();
	if (ret)
		goto err_of;
	return 0;

err_of:
	of_reconfig_notifier_unregister(&sdl_of_nb);
err_ldisc:
	tty_unregister_ldisc(&sdl_ldisc_ops);
err_bridge:
	sdl_bridge_exit();
	return ret;
}
module_init(sdl_init);

static void __exit sdl_exit(void)
{
	/* No tree change may queue work on the watcher once it is gone. */
	of_reconfig_notifier_unregister(&sdl_of_nb);
	sdl_usb_exit();
	tty_unregister_ldisc(&sdl_ldisc_ops);
	sdl_bridge_exit();
}
module_exit(sdl_exit);

MODULE_DESCRIPTION("serdev controller on any tty through a line discipline");
MODULE_LICENSE("GPL");

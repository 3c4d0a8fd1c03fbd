// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-ldisc USB-serial watcher: a USB-serial (or CDC ACM) port that a
 * device tree node describes is bridged from inside the kernel as soon as
 * it appears, and let go of before it goes.
 *
 * Which node: the standard USB device binding at the adapter's position
 * (a "usbVID,PID" node with the port number in reg, below the host
 * controller's or hub's node; an "interface@N" child of it for one
 * interface of a composite device), or, for adapters that move between
 * ports, a /serdev-ldisc child that names it by usb-vendor-id,
 * usb-product-id and optionally usb-serial-number and
 * usb-interface-number. The node's child is the serdev client.
 *
 * How ports are learnt of: the kernel exports neither the tty class nor
 * the usb-serial bus nor the USB bus type to modules. The USB core's
 * device notifier (usb_register_notify) is exported and hands over USB
 * devices; their dev.bus is the USB bus, whose driver-core notifier then
 * reports every interface bound to a driver (usb-serial and cdc-acm have
 * registered the interface's ttys by then) and every interface about to
 * be unbound (before usb-serial hangs its ttys up). So the bridge is
 * attached with the ports' ttys in place and detached, its clients
 * removed, while the tty still works: no tty refcount warning on unplug.
 *
 * The tty is opened with tty_kopen_exclusive() and given the serdev line
 * discipline with tty_set_ldisc(), the way speakup opens its synthesizer
 * port; userspace cannot open it while it is bridged.
 */

#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/serial.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>
#include <linux/usb/of.h>
#include <linux/workqueue.h>

#include "sdl_internal.h"

/**
 * struct sdl_port - a tty of a USB interface
 * @entry: in sdl_ports
 * @intf: the interface; only compared once it is unbound
 * @tty_dev: the tty's device (a reference is held)
 * @tty: open and bridged from here
 * @refused: attaching failed; not tried again until the tree changes
 */
struct sdl_port {
	struct list_head entry;
	struct usb_interface *intf;
	struct device *tty_dev;
	struct tty_struct *tty;
	bool refused;
};

static LIST_HEAD(sdl_ports);
static DEFINE_MUTEX(sdl_usb_lock);	/* sdl_ports, attach and detach */
static const struct bus_type *sdl_usb_bus;
static struct workqueue_struct *sdl_wq;
static bool sdl_retry;			/* the tree changed: retry refusals */

static struct usb_interface *sdl_dev_intf(struct device *dev)
{
	/* DEVTYPE=usb_interface is what the uevents tell userspace. */
	if (dev->type && dev->type->name &&
	    !strcmp(dev->type->name, "usb_interface"))
		return to_usb_interface(dev);
	return NULL;
}

static bool sdl_has_client(struct device_node *np)
{
	struct device_node *c;

	for_each_available_child_of_node(np, c) {
		if (of_property_present(c, "compatible")) {
			of_node_put(c);
			return true;
		}
	}
	return false;
}

/* The port number the device tree uses for a device on @udev's hub. */
static int sdl_dt_port(struct usb_device *udev)
{
	struct usb_hcd *hcd = bus_to_hcd(udev->bus);

	/* A root hub's ports are numbered as the HCD numbers them (xHCI). */
	if (!udev->parent->parent && hcd->driver->find_raw_port_number)
		return hcd->driver->find_raw_port_number(hcd, udev->portnum);
	return udev->portnum;
}

static struct device_node *sdl_position_node(struct usb_device *udev,
					     struct usb_interface *intf)
{
	struct device_node *np = intf->dev.of_node;

	if (!udev->parent)
		return NULL;
	/*
	 * USB core gives an interface the node of its own (interface@N) when
	 * the device is plugged in; that node may have gone with an overlay
	 * since. The device's node is looked up afresh, so an overlay applied
	 * or applied again after the plug is seen.
	 */
	if (np && !of_node_check_flag(np, OF_DETACHED) && np != udev->dev.of_node)
		np = of_node_get(np);
	else
		np = usb_of_get_device_node(udev->parent, sdl_dt_port(udev));
	if (np && !sdl_has_client(np)) {
		of_node_put(np);
		np = NULL;
	}
	return np;
}

static bool sdl_ids_match(struct usb_interface *intf, u16 vid, u16 pid,
			  u8 ifnum)
{
	const struct usb_device_id id = {
		USB_DEVICE_INTERFACE_NUMBER(vid, pid, ifnum)
	};

	return usb_match_one_id(intf, &id);
}

static bool sdl_identity_match(struct device_node *np,
			       struct usb_interface *intf)
{
	struct usb_device *udev = interface_to_usbdev(intf);
	u32 vid, pid, ifnum = 0;
	const char *serial;

	if (of_property_read_u32(np, "usb-vendor-id", &vid) ||
	    of_property_read_u32(np, "usb-product-id", &pid))
		return false;
	of_property_read_u32(np, "usb-interface-number", &ifnum);
	if (vid > 0xffff || pid > 0xffff || ifnum > 0xff) {
		pr_err_ratelimited("serdev-ldisc: %pOF: USB ids out of range\n",
				   np);
		return false;
	}
	if (!sdl_ids_match(intf, vid, pid, ifnum))
		return false;
	if (!of_property_read_string(np, "usb-serial-number", &serial) &&
	    (!udev->serial || strcmp(serial, udev->serial)))
		return false;
	return sdl_has_client(np);
}

static struct device_node *sdl_identity_node(struct usb_interface *intf)
{
	struct device_node *parent, *c;

	parent = of_find_node_by_path("/serdev-ldisc");
	if (!parent)
		return NULL;
	for_each_available_child_of_node(parent, c)
		if (sdl_identity_match(c, intf))
			break;
	of_node_put(parent);
	return c;
}

static struct device_node *sdl_node_for_dev(struct device *tty_dev)
{
	struct usb_interface *intf = NULL;
	struct device *d = tty_dev;
	struct device_node *np;
	int i;

	/* ttyUSBn -> usb-serial port -> interface; ttyACMn -> interface */
	for (i = 0; d && i < 3 && !intf; i++, d = d->parent)
		intf = sdl_dev_intf(d);
	if (!intf)
		return NULL;
	np = sdl_position_node(interface_to_usbdev(intf), intf);
	return np ?: sdl_identity_node(intf);
}

/**
 * sdl_usb_find_node() - the node that describes what is behind a USB tty
 * @tty: the tty
 *
 * Return: the node (a reference is taken), or NULL for a tty that is not
 * on USB or that no node describes.
 */
struct device_node *sdl_usb_find_node(struct tty_struct *tty)
{
	return tty->dev ? sdl_node_for_dev(tty->dev) : NULL;
}

static int sdl_port_attach(struct sdl_port *p)
{
	struct tty_struct *tty;
	int ret;

	tty = tty_kopen_exclusive(p->tty_dev->devt);
	if (IS_ERR(tty))
		return PTR_ERR(tty);
	ret = tty->ops->open ? tty->ops->open(tty, NULL) : -ENODEV;
	if (ret)
		goto err_close;
	clear_bit(TTY_HUPPED, &tty->flags);
	tty_unlock(tty);
	ret = tty_set_ldisc(tty, sdl_ldisc_num);
	if (!ret) {
		p->tty = tty;
		return 0;
	}
	tty_lock(tty);
err_close:
	if (tty->ops->close)
		tty->ops->close(tty, NULL);
	tty_unlock(tty);
	tty_kclose(tty);
	return ret;
}

static void sdl_port_detach(struct sdl_port *p, bool drop_output)
{
	struct tty_struct *tty = p->tty;

	p->tty = NULL;
	/*
	 * What is left to send to an adapter that was unplugged never leaves,
	 * and a client whose node leaves the tree has nobody to send to: do
	 * not wait for it (closing_wait is 30 s by default).
	 */
	if (drop_output && tty->port) {
		tty_driver_flush_buffer(tty);
		tty->port->closing_wait = ASYNC_CLOSING_WAIT_NONE;
	}
	/*
	 * Back to N_TTY: the serdev line discipline's close removes the
	 * clients while the port still works. A tty that was hung up lost
	 * its line discipline already.
	 */
	tty_set_ldisc(tty, N_TTY);
	tty_lock(tty);
	if (tty->ops->close)
		tty->ops->close(tty, NULL);
	tty_unlock(tty);
	tty_kclose(tty);
	pr_info("serdev-ldisc: %s detached\n", dev_name(p->tty_dev));
}

/*
 * A node describes an interface; an interface with several ports (rare)
 * gets its first port bridged.
 */
static bool sdl_intf_bridged(struct usb_interface *intf)
{
	struct sdl_port *p;

	list_for_each_entry(p, &sdl_ports, entry)
		if (p->intf == intf && p->tty)
			return true;
	return false;
}

static void sdl_rescan_fn(struct work_struct *work)
{
	struct device_node *np;
	struct sdl_port *p;
	int ret;

	mutex_lock(&sdl_usb_lock);
	list_for_each_entry(p, &sdl_ports, entry) {
		if (READ_ONCE(sdl_retry))
			p->refused = false;
		if (p->tty || p->refused || sdl_intf_bridged(p->intf))
			continue;
		np = sdl_node_for_dev(p->tty_dev);
		if (!np)
			continue;
		ret = sdl_port_attach(p);
		if (ret == -EBUSY)
			pr_err("serdev-ldisc: %s: %pOF describes it, but it is open in userspace: not bridged\n",
			       dev_name(p->tty_dev), np);
		else if (ret && ret != -EEXIST)	/* the bridge said whose it is */
			pr_err("serdev-ldisc: %s: %pOF describes it, but it cannot be bridged (%d)\n",
			       dev_name(p->tty_dev), np, ret);
		p->refused = ret != 0;
		of_node_put(np);
	}
	WRITE_ONCE(sdl_retry, false);
	mutex_unlock(&sdl_usb_lock);
}

static DECLARE_WORK(sdl_rescan_work, sdl_rescan_fn);

/**
 * sdl_usb_rescan() - attach ports that the tree now describes
 */
void sdl_usb_rescan(void)
{
	WRITE_ONCE(sdl_retry, true);
	if (sdl_wq)
		queue_work(sdl_wq, &sdl_rescan_work);
}

static void sdl_port_add(struct usb_interface *intf, struct device *tty_dev)
{
	struct sdl_port *p;

	list_for_each_entry(p, &sdl_ports, entry)
		if (p->tty_dev == tty_dev)
			return;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return;
	p->intf = intf;
	p->tty_dev = get_device(tty_dev);
	list_add_tail(&p->entry, &sdl_ports);
}

static bool sdl_is_tty(struct device *dev)
{
	return dev->devt && dev->class && !strcmp(dev->class->name, "tty");
}

static int sdl_add_tty(struct device *dev, void *intf)
{
	if (sdl_is_tty(dev))
		sdl_port_add(intf, dev);
	return 0;
}

static int sdl_add_child(struct device *dev, void *intf)
{
	if (sdl_is_tty(dev))			/* cdc-acm */
		sdl_port_add(intf, dev);
	else					/* a usb-serial port */
		device_for_each_child(dev, intf, sdl_add_tty);
	return 0;
}

/* Called with the interface's device lock held, as driver core does. */
static void sdl_intf_bound(struct usb_interface *intf)
{
	mutex_lock(&sdl_usb_lock);
	device_for_each_child(&intf->dev, intf, sdl_add_child);
	mutex_unlock(&sdl_usb_lock);
	queue_work(sdl_wq, &sdl_rescan_work);
}

static void sdl_port_forget(struct sdl_port *p, bool gone)
{
	if (p->tty)
		sdl_port_detach(p, gone);
	list_del(&p->entry);
	put_device(p->tty_dev);
	kfree(p);
}

static void sdl_intf_unbind(struct usb_interface *intf)
{
	bool gone = interface_to_usbdev(intf)->state == USB_STATE_NOTATTACHED;
	struct sdl_port *p, *n;

	mutex_lock(&sdl_usb_lock);
	list_for_each_entry_safe(p, n, &sdl_ports, entry)
		if (p->intf == intf)
			sdl_port_forget(p, gone);
	mutex_unlock(&sdl_usb_lock);
}

static int sdl_bus_notify(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct usb_interface *intf = sdl_dev_intf(data);

	if (!intf)
		return NOTIFY_DONE;
	if (action == BUS_NOTIFY_BOUND_DRIVER)
		sdl_intf_bound(intf);
	else if (action == BUS_NOTIFY_UNBIND_DRIVER)
		sdl_intf_unbind(intf);
	return NOTIFY_OK;
}

static struct notifier_block sdl_bus_nb = {
	.notifier_call = sdl_bus_notify,
};

static int sdl_scan_dev(struct device *dev, void *unused)
{
	struct usb_interface *intf = sdl_dev_intf(dev);

	if (!intf)
		return 0;
	device_lock(dev);
	if (dev->driver)
		sdl_intf_bound(intf);
	device_unlock(dev);
	return 0;
}

static int sdl_find_bus(struct usb_device *udev, void *unused)
{
	sdl_usb_bus = udev->dev.bus;
	return 1;
}

/* Find the USB bus through its first device, then watch it. */
static void sdl_watch_fn(struct work_struct *work)
{
	if (sdl_usb_bus)
		return;
	usb_for_each_dev(NULL, sdl_find_bus);
	if (!sdl_usb_bus)
		return;
	if (bus_register_notifier(sdl_usb_bus, &sdl_bus_nb)) {
		pr_err("serdev-ldisc: cannot watch the USB bus; USB-serial ports are not attached on hot-plug\n");
		return;
	}
	/* Interfaces bound before the watch started. */
	bus_for_each_dev(sdl_usb_bus, NULL, NULL, sdl_scan_dev);
}

static DECLARE_WORK(sdl_watch_work, sdl_watch_fn);

static int sdl_usbdev_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	if (action == USB_DEVICE_ADD && !READ_ONCE(sdl_usb_bus))
		queue_work(sdl_wq, &sdl_watch_work);
	return NOTIFY_OK;
}

static struct notifier_block sdl_usbdev_nb = {
	.notifier_call = sdl_usbdev_notify,
};

/**
 * sdl_usb_release() - detach a tty if it was attached from here
 * @tty: the tty, whose node is leaving the tree
 *
 * Output still pending is dropped: the device it was for is going.
 *
 * Return: true if @tty was bridged on hot-plug and is now detached.
 */
bool sdl_usb_release(struct tty_struct *tty)
{
	struct sdl_port *p;
	bool found = false;

	mutex_lock(&sdl_usb_lock);
	list_for_each_entry(p, &sdl_ports, entry) {
		if (p->tty == tty) {
			sdl_port_detach(p, true);
			found = true;
			break;
		}
	}
	mutex_unlock(&sdl_usb_lock);
	return found;
}

int sdl_usb_init(void)
{
	sdl_wq = alloc_ordered_workqueue("serdev-ldisc", 0);
	if (!sdl_wq)
		return -ENOMEM;
	usb_register_notify(&sdl_usbdev_nb);
	queue_work(sdl_wq, &sdl_watch_work);
	return 0;
}

void sdl_usb_exit(void)
{
	struct sdl_port *p, *n;

	usb_unregister_notify(&sdl_usbdev_nb);
	flush_workqueue(sdl_wq);
	if (sdl_usb_bus)
		bus_unregister_notifier(sdl_usb_bus, &sdl_bus_nb);
	destroy_workqueue(sdl_wq);
	sdl_wq = NULL;
	mutex_lock(&sdl_usb_lock);
	list_for_each_entry_safe(p, n, &sdl_ports, entry)
		sdl_port_forget(p, false);
	mutex_unlock(&sdl_usb_lock);
}

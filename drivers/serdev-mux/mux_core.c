// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-mux: several serdev clients on one UART.
 *
 * The mux is the UART's one serdev client. For each port@N child node it
 * registers a virtual serdev controller whose one client is the node below
 * the port, so unmodified serdev client drivers bind to it. One port owns
 * the UART at a time (mux_bus.c); received bytes go to the owner only.
 */

#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/serdev.h>

#include "mux_internal.h"
#include "serdev-line.h"

#define CREATE_TRACE_POINTS
#include "mux_trace.h"

#define SERDEV_MUX_DEFAULT_BAUD		9600
#define SERDEV_MUX_DEFAULT_IDLE_MS	100
#define SERDEV_MUX_DEFAULT_HOLD_MS	1000
#define SERDEV_MUX_RX_RETRY_MS		10

/* Hand the port's routed bytes to its client, as much as it takes. */
static void serdev_mux_deliver(struct serdev_mux_port *port)
{
	unsigned long flags;
	unsigned int n;
	size_t took;
	u8 *ptr;

	mutex_lock(&port->rx_mutex);
	while (port->open) {
		spin_lock_irqsave(&port->rx_lock, flags);
		n = kfifo_out_linear_ptr(&port->rx_fifo, &ptr,
					 SERDEV_MUX_FIFO_SIZE);
		spin_unlock_irqrestore(&port->rx_lock, flags);
		if (!n)
			break;
		took = min_t(size_t, n,
			     serdev_controller_receive_buf(port->ctrl, ptr, n));
		spin_lock_irqsave(&port->rx_lock, flags);
		kfifo_skip_count(&port->rx_fifo, took);
		spin_unlock_irqrestore(&port->rx_lock, flags);
		if (took < n) {
			/* The client is busy: offer the rest again later. */
			if (READ_ONCE(port->mux->owner) == port)
				queue_delayed_work(port->mux->wq,
						   &port->mux->rx_work,
						   msecs_to_jiffies(SERDEV_MUX_RX_RETRY_MS));
			break;
		}
	}
	mutex_unlock(&port->rx_mutex);
}

void serdev_mux_rx_work(struct work_struct *work)
{
	struct serdev_mux *mux = container_of(to_delayed_work(work),
					      struct serdev_mux, rx_work);
	unsigned int i;

	for (i = 0; i < mux->nports; i++)
		if (mux->ports[i] && !kfifo_is_empty(&mux->ports[i]->rx_fifo))
			serdev_mux_deliver(mux->ports[i]);
}

static size_t serdev_mux_receive(struct serdev_device *serdev, const u8 *buf,
				 size_t count)
{
	struct serdev_mux *mux = serdev_device_get_drvdata(serdev);
	struct serdev_mux_port *port;
	unsigned long flags;
	unsigned int n;

	trace_serdev_mux_rx(dev_name(mux->dev), count);
	spin_lock_irqsave(&mux->owner_lock, flags);
	port = mux->owner;
	spin_unlock_irqrestore(&mux->owner_lock, flags);
	serdev_mux_touch(mux, ktime_get());

	if (!port) {
		mux->rx_unowned += count;
		dev_warn_ratelimited(mux->dev,
				     "%zu bytes received while no port owned the bus: dropped\n",
				     count);
		return count;
	}
	if (serdev_mux_route_xfer(port, buf, count))
		return count;

	spin_lock_irqsave(&port->rx_lock, flags);
	n = kfifo_in(&port->rx_fifo, buf, count);
	port->stats.rx_bytes += n;
	port->stats.rx_dropped += count - n;
	spin_unlock_irqrestore(&port->rx_lock, flags);
	if (n < count)
		dev_warn_ratelimited(mux->dev,
				     "port@%x: client not reading, %zu bytes dropped\n",
				     port->reg, count - n);
	serdev_mux_deliver(port);
	return count;
}

static void serdev_mux_write_wakeup(struct serdev_device *serdev)
{
	struct serdev_mux *mux = serdev_device_get_drvdata(serdev);

	serdev_device_write_wakeup(serdev);
	serdev_mux_kick(mux);
}

static const struct serdev_device_ops serdev_mux_uart_ops = {
	.receive_buf = serdev_mux_receive,
	.write_wakeup = serdev_mux_write_wakeup,
};

static void serdev_mux_port_unregister_key(void *data)
{
	struct serdev_mux_port *port = data;

	lockdep_unregister_key(&port->xfer_key);
}

static struct serdev_mux_port *serdev_mux_port_alloc(struct serdev_mux *mux,
						     struct device_node *np,
						     unsigned int index)
{
	struct serdev_mux_port *port;
	unsigned int i;
	u32 reg;

	if (of_property_read_u32(np, "reg", &reg)) {
		dev_err(mux->dev, "%pOF: no reg: port skipped\n", np);
		return ERR_PTR(-EINVAL);
	}
	for (i = 0; i < index; i++) {
		if (mux->ports[i] && mux->ports[i]->reg == reg) {
			dev_err(mux->dev,
				"%pOF: reg %#x already used by another port: port skipped\n",
				np, reg);
			return ERR_PTR(-EBUSY);
		}
	}

	port = devm_kzalloc(mux->dev, sizeof(*port), GFP_KERNEL);
	if (!port)
		return ERR_PTR(-ENOMEM);
	lockdep_register_key(&port->xfer_key);
	if (devm_add_action_or_reset(mux->dev, serdev_mux_port_unregister_key,
				     port))
		return ERR_PTR(-ENOMEM);
	port->mux = mux;
	port->reg = reg;
	port->index = index;
	port->baud = SERDEV_MUX_DEFAULT_BAUD;
	of_property_read_u32(np, "current-speed", &port->baud);
	port->parity = SERDEV_PARITY_NONE;
	port->listen = of_property_read_bool(np, "serdev-suite,listen-when-idle");
	if (port->listen && mux->listener) {
		dev_err(mux->dev,
			"%pOF: port@%x listens when idle already: not this one\n",
			np, mux->listener->reg);
		port->listen = false;
	}
	if (of_property_read_u32(np, "silent-interval-us", &port->gap_us)) {
		port->gap_auto = mux->chan == &serdev_mux_chan_rs485;
		if (port->gap_auto)
			port->gap_us = serdev_line_silent_us(port->baud,
							     port->parity);
	}
	spin_lock_init(&port->tx_lock);
	INIT_KFIFO(port->tx_fifo);
	init_waitqueue_head(&port->tx_wq);
	mutex_init(&port->rx_mutex);
	spin_lock_init(&port->rx_lock);
	INIT_KFIFO(port->rx_fifo);
	mutex_init(&port->xfer_mutex);
	lockdep_set_class(&port->xfer_mutex, &port->xfer_key);
	INIT_LIST_HEAD(&port->wait_node);
	return port;
}

static int serdev_mux_port_add(struct serdev_mux *mux, struct device_node *np,
			       unsigned int index)
{
	struct serdev_controller *ctrl;
	struct serdev_mux_port *port;
	int ret;

	port = serdev_mux_port_alloc(mux, np, index);
	if (IS_ERR(port))
		return PTR_ERR(port);

	ctrl = serdev_controller_alloc(mux->dev, mux->dev, 0);
	if (!ctrl)
		return -ENOMEM;
	ctrl->ops = &serdev_mux_port_ops;
	serdev_controller_set_drvdata(ctrl, port);
	device_set_node(&ctrl->dev, of_fwnode_handle(np));
	port->ctrl = ctrl;
	mux->ports[index] = port;
	/* Before the client can open the port and be given the bus. */
	if (port->listen)
		mux->listener = port;

	ret = serdev_controller_add(ctrl);
	if (ret) {
		mutex_lock(&mux->lock);
		if (mux->listener == port)
			mux->listener = NULL;
		mutex_unlock(&mux->lock);
		if (ret == -ENODEV)
			dev_err(mux->dev,
				"%pOF: no client node with a compatible: port skipped\n",
				np);
		else
			dev_err(mux->dev, "%pOF: cannot register: %pe\n", np,
				ERR_PTR(ret));
		mux->ports[index] = NULL;
		serdev_controller_put(ctrl);
		return ret;
	}
	return 0;
}

static unsigned int serdev_mux_count_ports(struct device_node *np)
{
	unsigned int n = 0;

	for_each_available_child_of_node_scoped(np, child)
		if (of_node_name_eq(child, "port"))
			n++;
	return n;
}

static int serdev_mux_setup(struct serdev_mux *mux)
{
	unsigned int i = 0, added = 0;

	for_each_available_child_of_node_scoped(mux->dev->of_node, child) {
		if (!of_node_name_eq(child, "port"))
			continue;
		/* A port node added (by an overlay) since they were counted. */
		if (i >= mux->nports) {
			dev_warn(mux->dev, "%pOF appeared after probe began: ignored\n",
				 child);
			mux->bad_ports++;
			continue;
		}
		if (!serdev_mux_port_add(mux, child, i))
			added++;
		else
			mux->bad_ports++;
		i++;
	}
	if (!added)
		return dev_err_probe(mux->dev, -ENODEV, "no usable port\n");
	dev_info(mux->dev, "%u of %u ports registered (%s)\n", added,
		 mux->nports, mux->chan->name);
	return 0;
}

/* Fail what is in flight: transfers, bus waiters, queued writes. */
static void serdev_mux_abort(struct serdev_mux *mux)
{
	struct serdev_mux_port *port;
	unsigned long flags;
	unsigned int i;

	mutex_lock(&mux->lock);
	mux->dying = true;
	mutex_unlock(&mux->lock);
	wake_up_all(&mux->owner_wq);
	for (i = 0; i < mux->nports; i++) {
		port = mux->ports[i];
		if (!port)
			continue;
		spin_lock_irqsave(&port->rx_lock, flags);
		if (port->rx_xfer) {
			port->rx_xfer->err = -ENODEV;
			complete(&port->rx_xfer->done);
		}
		spin_unlock_irqrestore(&port->rx_lock, flags);
		wake_up_all(&port->tx_wq);
	}
}

static void serdev_mux_teardown(struct serdev_mux *mux)
{
	unsigned int i;

	/*
	 * Waiters are released with an error first, so that the clients'
	 * remove paths do not wait for their timeouts.
	 */
	serdev_mux_abort(mux);
	/* No write wake-up may reach a client while it is being removed. */
	cancel_work_sync(&mux->tx_work);
	for (i = 0; i < mux->nports; i++)
		if (mux->ports[i])
			serdev_controller_remove(mux->ports[i]->ctrl);

	cancel_work_sync(&mux->tx_work);
	cancel_delayed_work_sync(&mux->idle_work);
	cancel_delayed_work_sync(&mux->rx_work);
	mutex_lock(&mux->lock);
	if (mux->owner)
		mux->chan->deselect(mux, mux->owner);
	mux->owner = NULL;
	mutex_unlock(&mux->lock);
	for (i = 0; i < mux->nports; i++)
		if (mux->ports[i])
			serdev_controller_put(mux->ports[i]->ctrl);
}

static int serdev_mux_probe(struct serdev_device *serdev)
{
	struct device *dev = &serdev->dev;
	struct serdev_mux *mux;
	unsigned int nports;
	int ret;

	nports = serdev_mux_count_ports(dev->of_node);
	if (!nports)
		return dev_err_probe(dev, -ENODEV, "no port@N child nodes\n");
	mux = devm_kzalloc(dev, struct_size(mux, ports, nports), GFP_KERNEL);
	if (!mux)
		return -ENOMEM;
	mux->nports = nports;
	mux->serdev = serdev;
	mux->dev = dev;
	mux->chan = of_device_get_match_data(dev);
	mutex_init(&mux->lock);
	spin_lock_init(&mux->owner_lock);
	INIT_LIST_HEAD(&mux->waiters);
	init_waitqueue_head(&mux->owner_wq);
	INIT_WORK(&mux->tx_work, serdev_mux_tx_work);
	INIT_DELAYED_WORK(&mux->idle_work, serdev_mux_idle_work);
	INIT_DELAYED_WORK(&mux->rx_work, serdev_mux_rx_work);
	mux->idle_ms = SERDEV_MUX_DEFAULT_IDLE_MS;
	of_property_read_u32(dev->of_node, "idle-timeout-ms", &mux->idle_ms);
	mux->max_hold_ms = SERDEV_MUX_DEFAULT_HOLD_MS;
	of_property_read_u32(dev->of_node, "max-hold-ms", &mux->max_hold_ms);
	if (!mux->idle_ms || mux->max_hold_ms < mux->idle_ms)
		return dev_err_probe(dev, -EINVAL,
				     "need 0 < idle-timeout-ms <= max-hold-ms\n");

	ret = mux->chan->init(mux);
	if (ret)
		return ret;

	mux->wq = alloc_ordered_workqueue("%s", 0, dev_name(dev));
	if (!mux->wq)
		return -ENOMEM;

	serdev_device_set_drvdata(serdev, mux);
	serdev_device_set_client_ops(serdev, &serdev_mux_uart_ops);
	ret = serdev_device_open(serdev);
	if (ret) {
		dev_err_probe(dev, ret, "cannot open the UART\n");
		goto err_wq;
	}
	/* ttyport opens with RTS/CTS on: start from a known line. */
	mux->applied_baud = serdev_device_set_baudrate(serdev,
						       SERDEV_MUX_DEFAULT_BAUD);
	serdev_device_set_flow_control(serdev, false);
	mux->applied_flow = false;
	mux->applied_parity = SERDEV_PARITY_NONE;

	serdev_mux_debugfs_init(mux);
	ret = serdev_mux_setup(mux);
	if (ret)
		goto err_close;
	serdev_mux_debugfs_ports(mux);
	return 0;

err_close:
	serdev_mux_teardown(mux);
	serdev_mux_debugfs_exit(mux);
	serdev_device_close(serdev);
err_wq:
	destroy_workqueue(mux->wq);
	return ret;
}

static void serdev_mux_remove(struct serdev_device *serdev)
{
	struct serdev_mux *mux = serdev_device_get_drvdata(serdev);

	serdev_mux_teardown(mux);
	serdev_mux_debugfs_exit(mux);
	serdev_device_close(serdev);
	destroy_workqueue(mux->wq);
}

static const struct of_device_id serdev_mux_of_match[] = {
	{ .compatible = "serdev-suite,serdev-mux",
	  .data = &serdev_mux_chan_muxctl },
	{ .compatible = "serdev-suite,rs485-bus",
	  .data = &serdev_mux_chan_rs485 },
	{ }
};
MODULE_DEVICE_TABLE(of, serdev_mux_of_match);

static struct serdev_device_driver serdev_mux_driver = {
	.probe = serdev_mux_probe,
	.remove = serdev_mux_remove,
	.driver = {
		.name = "serdev-mux",
		.of_match_table = serdev_mux_of_match,
	},
};

static int __init serdev_mux_init(void)
{
	int ret;

	serdev_mux_debugfs_module_init();
	ret = serdev_device_driver_register(&serdev_mux_driver);
	if (ret)
		serdev_mux_debugfs_module_exit();
	return ret;
}
module_init(serdev_mux_init);

static void __exit serdev_mux_exit(void)
{
	serdev_device_driver_unregister(&serdev_mux_driver);
	serdev_mux_debugfs_module_exit();
}
module_exit(serdev_mux_exit);

MODULE_DESCRIPTION("Several serdev clients on one UART: virtual ports, RS485 multi-drop");
MODULE_LICENSE("GPL");

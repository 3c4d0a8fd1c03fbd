// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-mux virtual ports: the serdev controller operations a port's
 * client sees. Writes are queued in the port's FIFO (write_buf may be called
 * in atomic context) and go out when the port owns the bus; line settings
 * are the port's own and reach the UART only while it owns the bus.
 */

#include <linux/device.h>
#include <linux/jiffies.h>

#include "mux_internal.h"
#include "serdev-line.h"

static struct serdev_mux_port *to_port(struct serdev_controller *ctrl)
{
	return serdev_controller_get_drvdata(ctrl);
}

static ssize_t serdev_mux_port_write_buf(struct serdev_controller *ctrl,
					 const u8 *buf, size_t count)
{
	struct serdev_mux_port *port = to_port(ctrl);
	unsigned long flags;
	unsigned int n;

	if (!port->open || READ_ONCE(port->mux->dying))
		return -EBADF;
	spin_lock_irqsave(&port->tx_lock, flags);
	n = kfifo_in(&port->tx_fifo, buf, count);
	spin_unlock_irqrestore(&port->tx_lock, flags);
	if (n)
		serdev_mux_kick(port->mux);
	return n;
}

static void serdev_mux_port_write_flush(struct serdev_controller *ctrl)
{
	struct serdev_mux_port *port = to_port(ctrl);
	unsigned long flags;

	spin_lock_irqsave(&port->tx_lock, flags);
	kfifo_reset(&port->tx_fifo);
	port->tx_busy = false;
	spin_unlock_irqrestore(&port->tx_lock, flags);
	wake_up_all(&port->tx_wq);
}

static int serdev_mux_port_write_room(struct serdev_controller *ctrl)
{
	struct serdev_mux_port *port = to_port(ctrl);
	unsigned long flags;
	int room;

	spin_lock_irqsave(&port->tx_lock, flags);
	room = kfifo_avail(&port->tx_fifo);
	spin_unlock_irqrestore(&port->tx_lock, flags);
	return room;
}

static int serdev_mux_port_open(struct serdev_controller *ctrl)
{
	struct serdev_mux_port *port = to_port(ctrl);
	unsigned long flags;

	if (READ_ONCE(port->mux->dying))
		return -ENODEV;
	mutex_lock(&port->rx_mutex);
	spin_lock_irqsave(&port->rx_lock, flags);
	kfifo_reset(&port->rx_fifo);
	spin_unlock_irqrestore(&port->rx_lock, flags);
	port->open = true;
	mutex_unlock(&port->rx_mutex);
	/* A listener is given the bus as soon as nobody else has it. */
	if (port->listen)
		serdev_mux_kick(port->mux);
	return 0;
}

static void serdev_mux_port_close(struct serdev_controller *ctrl)
{
	struct serdev_mux_port *port = to_port(ctrl);
	unsigned long flags;

	mutex_lock(&port->rx_mutex);
	port->open = false;
	spin_lock_irqsave(&port->rx_lock, flags);
	kfifo_reset(&port->rx_fifo);
	if (port->rx_xfer) {
		port->rx_xfer->err = -ESHUTDOWN;
		complete(&port->rx_xfer->done);
	}
	spin_unlock_irqrestore(&port->rx_lock, flags);
	mutex_unlock(&port->rx_mutex);

	serdev_mux_port_write_flush(ctrl);
	serdev_mux_release(port);
	/*
	 * TX work that picked this port before it closed may still be about
	 * to wake its client up: the client may go once close returns.
	 */
	flush_work(&port->mux->tx_work);
	/* Whoever waits for the bus on this port's behalf gives up now. */
	wake_up_all(&port->mux->owner_wq);
}

/* Store a setting; apply it now if the port owns the bus. */
static void serdev_mux_port_update(struct serdev_mux_port *port)
{
	struct serdev_mux *mux = port->mux;

	lockdep_assert_held(&mux->lock);
	if (port->gap_auto)
		port->gap_us = serdev_line_silent_us(port->baud, port->parity);
	if (mux->owner == port)
		serdev_mux_apply_line(mux, port);
}

static void serdev_mux_port_set_flow(struct serdev_controller *ctrl,
				     bool enable)
{
	struct serdev_mux_port *port = to_port(ctrl);

	mutex_lock(&port->mux->lock);
	port->flow = enable;
	serdev_mux_port_update(port);
	mutex_unlock(&port->mux->lock);
}

static int serdev_mux_port_set_parity(struct serdev_controller *ctrl,
				      enum serdev_parity parity)
{
	struct serdev_mux_port *port = to_port(ctrl);
	struct serdev_mux *mux = port->mux;
	int ret = 0;

	mutex_lock(&mux->lock);
	port->parity = parity;
	serdev_mux_port_update(port);
	if (mux->owner == port && mux->applied_parity != parity)
		ret = -EINVAL;
	mutex_unlock(&mux->lock);
	return ret;
}

static unsigned int serdev_mux_port_set_baud(struct serdev_controller *ctrl,
					     unsigned int baud)
{
	struct serdev_mux_port *port = to_port(ctrl);
	struct serdev_mux *mux = port->mux;
	unsigned int applied = baud;

	mutex_lock(&mux->lock);
	port->baud = baud;
	serdev_mux_port_update(port);
	if (mux->owner == port)
		applied = mux->applied_baud;
	mutex_unlock(&mux->lock);
	return applied;
}

static void serdev_mux_port_wait_until_sent(struct serdev_controller *ctrl,
					    long timeout)
{
	struct serdev_mux_port *port = to_port(ctrl);
	long left;

	left = wait_event_timeout(port->tx_wq,
				  !serdev_mux_tx_pending(port) || !port->open ||
				  READ_ONCE(port->mux->dying),
				  timeout ? timeout : MAX_SCHEDULE_TIMEOUT);
	if (left && READ_ONCE(port->mux->owner) == port)
		serdev_device_wait_until_sent(port->mux->serdev, left);
}

static int serdev_mux_port_get_tiocm(struct serdev_controller *ctrl)
{
	return serdev_device_get_tiocm(to_port(ctrl)->mux->serdev);
}

static int serdev_mux_port_set_tiocm(struct serdev_controller *ctrl,
				     unsigned int set, unsigned int clear)
{
	struct serdev_mux_port *port = to_port(ctrl);
	int ret = -EBUSY;

	mutex_lock(&port->mux->lock);
	if (port->mux->owner == port)
		ret = serdev_device_set_tiocm(port->mux->serdev, set, clear);
	mutex_unlock(&port->mux->lock);
	return ret;
}

static int serdev_mux_port_break_ctl(struct serdev_controller *ctrl,
				     unsigned int state)
{
	struct serdev_mux_port *port = to_port(ctrl);
	int ret = -EBUSY;

	mutex_lock(&port->mux->lock);
	if (port->mux->owner == port)
		ret = serdev_device_break_ctl(port->mux->serdev, state);
	mutex_unlock(&port->mux->lock);
	return ret;
}

const struct serdev_controller_ops serdev_mux_port_ops = {
	.write_buf = serdev_mux_port_write_buf,
	.write_flush = serdev_mux_port_write_flush,
	.write_room = serdev_mux_port_write_room,
	.open = serdev_mux_port_open,
	.close = serdev_mux_port_close,
	.set_flow_control = serdev_mux_port_set_flow,
	.set_parity = serdev_mux_port_set_parity,
	.set_baudrate = serdev_mux_port_set_baud,
	.wait_until_sent = serdev_mux_port_wait_until_sent,
	.get_tiocm = serdev_mux_port_get_tiocm,
	.set_tiocm = serdev_mux_port_set_tiocm,
	.break_ctl = serdev_mux_port_break_ctl,
};

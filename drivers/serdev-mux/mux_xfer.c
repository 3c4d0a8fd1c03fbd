// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-mux transaction API for request/response clients (Modbus and the
 * like): lock the bus, send a request, collect its response, unlock. While
 * a transfer runs, the port's RX goes to the transfer, not to receive_buf.
 */

#include <linux/completion.h>
#include <linux/export.h>
#include <linux/jiffies.h>

#include "mux_internal.h"
#include "mux_trace.h"

/*
 * How long @port's queued bytes may take to leave the wire, with what the
 * UART still holds and the RS485 silent interval and DE delays.
 */
static unsigned long serdev_mux_port_sent_jiffies(struct serdev_mux_port *port)
{
	struct serdev_mux *mux = port->mux;
	unsigned long flags, timeout;
	unsigned int queued;

	spin_lock_irqsave(&port->tx_lock, flags);
	queued = kfifo_len(&port->tx_fifo);
	spin_unlock_irqrestore(&port->tx_lock, flags);
	mutex_lock(&mux->lock);
	timeout = serdev_mux_sent_jiffies(mux, queued, port->gap_us +
					  mux->de_setup_us + mux->de_hold_us);
	mutex_unlock(&mux->lock);
	return timeout;
}

static struct serdev_mux_port *serdev_mux_port_of(struct serdev_device *serdev)
{
	struct serdev_controller *ctrl = serdev ? serdev->ctrl : NULL;

	if (!ctrl || ctrl->ops != &serdev_mux_port_ops)
		return NULL;
	return serdev_controller_get_drvdata(ctrl);
}

/**
 * serdev_mux_is_port() - is a client on a serdev-mux port?
 * @serdev: the client
 *
 * Lets a client that also works on a bare UART choose its path.
 *
 * Return: true if @serdev's controller is a serdev-mux port.
 */
bool serdev_mux_is_port(struct serdev_device *serdev)
{
	return serdev_mux_port_of(serdev);
}
EXPORT_SYMBOL_GPL(serdev_mux_is_port);

static int serdev_mux_lock_port(struct serdev_mux_port *port,
				unsigned long timeout)
{
	int ret;

	if (mutex_lock_interruptible(&port->xfer_mutex))
		return -ERESTARTSYS;
	ret = serdev_mux_acquire(port, timeout);
	if (ret)
		mutex_unlock(&port->xfer_mutex);
	else
		WRITE_ONCE(port->locker, current);
	return ret;
}

/**
 * serdev_mux_bus_lock() - own the bus until serdev_mux_bus_unlock()
 * @serdev: a client on a mux port, with the port open
 * @timeout_ms: how long to wait for the other ports' traffic
 *
 * Waiting is fair: ports get the bus in the order they asked for it. One
 * caller per port holds the lock at a time; other callers for the same port
 * wait here too. The mux takes the bus back (and logs it) from a holder
 * that keeps it beyond the mux's max-hold-ms while other ports wait. A
 * task holds the lock of one port at a time. May sleep.
 *
 * Return: 0, -ETIMEDOUT when the bus stayed busy, -ERESTARTSYS on a signal,
 * -ENODEV when the port or the mux is going away, -EINVAL if @serdev is not
 * on a mux port.
 */
int serdev_mux_bus_lock(struct serdev_device *serdev, unsigned int timeout_ms)
{
	struct serdev_mux_port *port = serdev_mux_port_of(serdev);

	if (!port)
		return -EINVAL;
	return serdev_mux_lock_port(port, msecs_to_jiffies(timeout_ms));
}
EXPORT_SYMBOL_GPL(serdev_mux_bus_lock);

/**
 * serdev_mux_bus_unlock() - give the bus back after serdev_mux_bus_lock()
 * @serdev: the client that locked it
 *
 * Waits until what the client wrote has left the UART. May sleep.
 */
void serdev_mux_bus_unlock(struct serdev_device *serdev)
{
	struct serdev_mux_port *port = serdev_mux_port_of(serdev);

	if (WARN_ON_ONCE(!port))
		return;
	wait_event_timeout(port->tx_wq, !serdev_mux_tx_pending(port) ||
			   READ_ONCE(port->mux->dying),
			   serdev_mux_port_sent_jiffies(port));
	WRITE_ONCE(port->locker, NULL);
	serdev_mux_release(port);
	mutex_unlock(&port->xfer_mutex);
}
EXPORT_SYMBOL_GPL(serdev_mux_bus_unlock);

static bool serdev_mux_xfer_full(const struct serdev_mux_rx_xfer *rx)
{
	return rx->err || rx->got == rx->xfer->rx_len ||
	       (rx->want > 0 && rx->got >= rx->want);
}

/*
 * Called with port->rx_lock held: take routed bytes into a transfer, and
 * no more than its response: while rx_done cannot tell the response's
 * length yet, one byte at a time. What follows the response in the same
 * chunk is left to the caller, which counts it as dropped.
 */
static void serdev_mux_xfer_feed(struct serdev_mux_rx_xfer *rx, const u8 *buf,
				 size_t count)
{
	const struct serdev_mux_xfer *xfer = rx->xfer;
	size_t n;

	while (count && !serdev_mux_xfer_full(rx)) {
		if (rx->want > 0)
			n = rx->want - rx->got;
		else
			n = xfer->rx_done ? 1 : count;
		n = min3(n, count, xfer->rx_len - rx->got);
		memcpy(xfer->rx + rx->got, buf, n);
		rx->got += n;
		buf += n;
		count -= n;
		if (xfer->rx_done && rx->want <= 0) {
			rx->want = xfer->rx_done(xfer->rx, rx->got, xfer->ctx);
			if (rx->want < 0)
				rx->err = rx->want;
			else if (rx->want > xfer->rx_len)
				rx->err = -EMSGSIZE;
		}
	}
	if (serdev_mux_xfer_full(rx))
		complete(&rx->done);
}

/**
 * serdev_mux_route_xfer() - give RX to the port's transfer, if one runs
 * @port: the port that owns the bus
 * @buf: received bytes
 * @count: how many
 *
 * Return: true if a transfer took the bytes (extra bytes beyond its buffer
 * are counted as dropped), false if the client gets them.
 */
bool serdev_mux_route_xfer(struct serdev_mux_port *port, const u8 *buf,
			   size_t count)
{
	struct serdev_mux_rx_xfer *rx;
	unsigned long flags;
	size_t before;

	spin_lock_irqsave(&port->rx_lock, flags);
	rx = port->rx_xfer;
	if (rx) {
		before = rx->got;
		if (!completion_done(&rx->done))
			serdev_mux_xfer_feed(rx, buf, count);
		port->stats.rx_bytes += rx->got - before;
		port->stats.rx_dropped += count - (rx->got - before);
	}
	spin_unlock_irqrestore(&port->rx_lock, flags);
	return rx;
}

/*
 * The response's time counts from the end of the request on the wire (a
 * UART may send later than its speed says: wait until it has), then the
 * peer's @xfer->timeout_ms, then @xfer->rx_len characters.
 */
static unsigned long serdev_mux_xfer_rx_jiffies(struct serdev_mux_port *port,
						const struct serdev_mux_xfer *xfer)
{
	struct serdev_mux *mux = port->mux;
	unsigned long timeout;

	mutex_lock(&mux->lock);
	serdev_mux_drain(mux);
	timeout = serdev_mux_rx_jiffies(mux, xfer->rx_len, xfer->timeout_ms);
	mutex_unlock(&mux->lock);
	return timeout;
}

static int serdev_mux_xfer_send(struct serdev_mux_port *port, const u8 *tx,
				size_t len)
{
	unsigned long flags;
	unsigned int n;
	long left;

	while (len) {
		spin_lock_irqsave(&port->tx_lock, flags);
		n = kfifo_in(&port->tx_fifo, tx, len);
		spin_unlock_irqrestore(&port->tx_lock, flags);
		tx += n;
		len -= n;
		serdev_mux_kick(port->mux);
		left = wait_event_timeout(port->tx_wq,
					  !serdev_mux_tx_pending(port) ||
					  !port->open ||
					  READ_ONCE(port->mux->dying),
					  serdev_mux_port_sent_jiffies(port));
		if (!port->open)
			return -ESHUTDOWN;
		if (READ_ONCE(port->mux->dying))
			return -ENODEV;
		if (!left)
			return -ETIMEDOUT;
	}
	return 0;
}

/**
 * serdev_mux_transfer() - send a request and collect its response
 * @serdev: a client on a mux port
 * @xfer: the request, the response buffer and when the response ends
 *
 * Locks the bus for the transfer unless the caller already holds it through
 * serdev_mux_bus_lock(), waiting as long as the other ports' turns can take
 * (one each, see max-hold-ms), whatever their line speeds. Bytes left from
 * earlier traffic for this port are dropped first, so the response cannot
 * be mixed with a late answer to an older request. The response ends when
 * @xfer->rx is full or @xfer->rx_done says it is complete. @xfer->rx_done
 * runs in atomic context. May sleep.
 *
 * Return: the number of response bytes, or -ETIMEDOUT when none came in
 * time (see struct serdev_mux_xfer), -EPROTO for an incomplete response,
 * the error from @xfer->rx_done, -ESHUTDOWN when the client closes the
 * port, -ENODEV when the mux goes away, or a bus lock error.
 */
ssize_t serdev_mux_transfer(struct serdev_device *serdev,
			    const struct serdev_mux_xfer *xfer)
{
	struct serdev_mux_port *port = serdev_mux_port_of(serdev);
	struct serdev_mux_rx_xfer rx = { .xfer = xfer };
	struct serdev_mux *mux;
	unsigned long flags;
	bool locked_here = false;
	ssize_t ret;

	if (!port)
		return -EINVAL;
	mux = port->mux;
	if (xfer->rx_len && !xfer->rx)
		return -EINVAL;
	if (READ_ONCE(port->locker) != current) {
		ret = serdev_mux_lock_port(port, serdev_mux_turns_jiffies(port));
		if (ret)
			return ret;
		locked_here = true;
	} else if (READ_ONCE(mux->owner) != port) {
		return -EBUSY;	/* taken back after max-hold-ms */
	}

	init_completion(&rx.done);
	mutex_lock(&port->rx_mutex);	/* no delivery holds the FIFO */
	spin_lock_irqsave(&port->rx_lock, flags);
	port->stats.rx_dropped += kfifo_len(&port->rx_fifo);
	kfifo_reset(&port->rx_fifo);
	if (xfer->rx_len)
		port->rx_xfer = &rx;
	spin_unlock_irqrestore(&port->rx_lock, flags);
	mutex_unlock(&port->rx_mutex);

	ret = serdev_mux_xfer_send(port, xfer->tx, xfer->tx_len);
	if (!ret && xfer->rx_len &&
	    !wait_for_completion_timeout(&rx.done,
					 serdev_mux_xfer_rx_jiffies(port, xfer)))
		ret = rx.got ? -EPROTO : -ETIMEDOUT;

	spin_lock_irqsave(&port->rx_lock, flags);
	port->rx_xfer = NULL;
	if (!ret)
		ret = rx.err ? rx.err : rx.got;
	spin_unlock_irqrestore(&port->rx_lock, flags);

	if (ret == -ETIMEDOUT || ret == -EPROTO)
		port->stats.timeouts++;
	else if (ret >= 0)
		port->stats.transactions++;
	trace_serdev_mux_transfer(dev_name(mux->dev), port->reg, 0, ret);
	if (locked_here)
		serdev_mux_bus_unlock(serdev);
	return ret;
}
EXPORT_SYMBOL_GPL(serdev_mux_transfer);

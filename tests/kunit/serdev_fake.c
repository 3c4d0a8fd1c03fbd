// SPDX-License-Identifier: GPL-2.0
/*
 * Fake serdev controller for KUnit suites.
 *
 * The controller is registered through serdev_controller_alloc() and
 * serdev_controller_add() like any UART driver's, so the serdev core
 * enumerates the client below the given device tree node and binds its
 * driver. Its "wire" is memory: writes are recorded, RX is injected by the
 * test, and every line setting the client makes is kept for inspection.
 */

#include <kunit/device.h>
#include <kunit/of.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/serdev.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/termios.h>

#include "serdev-fake.h"

#define SERDEV_FAKE_TX_CAPACITY	SZ_64K
/* write_room reported while no limit is set: a typical tty buffer. */
#define SERDEV_FAKE_DEFAULT_ROOM	4096

struct serdev_fake {
	struct serdev_controller *ctrl;
	/* Serialises injections, as the tty layer's flip buffer work does. */
	struct mutex rx_lock;
	/* Protects everything below. */
	spinlock_t lock;
	u8 *tx;
	size_t tx_len;
	bool room_limited;
	size_t room_cap;
	size_t room;
	int write_error;
	int open_error;
	int parity_error;
	unsigned int max_baud;
	struct serdev_fake_line line;
	struct serdev_fake_stats stats;
};

static atomic_t serdev_fake_ids = ATOMIC_INIT(0);

static struct serdev_fake *ctrl_to_fake(struct serdev_controller *ctrl)
{
	return serdev_controller_get_drvdata(ctrl);
}

static ssize_t serdev_fake_write_buf(struct serdev_controller *ctrl,
				     const u8 *buf, size_t count)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;
	size_t n, fit;
	ssize_t ret;

	spin_lock_irqsave(&fake->lock, flags);
	fake->stats.tx_calls++;
	if (fake->write_error) {
		fake->stats.tx_refused++;
		ret = fake->write_error;
		goto out;
	}
	n = count;
	if (fake->room_limited) {
		n = min(count, fake->room);
		fake->room -= n;
	}
	if (n < count)
		fake->stats.tx_short++;
	fit = min(n, SERDEV_FAKE_TX_CAPACITY - fake->tx_len);
	memcpy(fake->tx + fake->tx_len, buf, fit);
	fake->tx_len += fit;
	fake->stats.tx_overflow += n - fit;
	fake->stats.tx_bytes += n;
	ret = n;
out:
	spin_unlock_irqrestore(&fake->lock, flags);
	return ret;
}

static void serdev_fake_write_flush(struct serdev_controller *ctrl)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->line.flushes++;
	fake->room = fake->room_cap;
	spin_unlock_irqrestore(&fake->lock, flags);
}

static int serdev_fake_write_room(struct serdev_controller *ctrl)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;
	int room;

	spin_lock_irqsave(&fake->lock, flags);
	room = fake->room_limited ? min_t(size_t, fake->room, INT_MAX) :
				    SERDEV_FAKE_DEFAULT_ROOM;
	spin_unlock_irqrestore(&fake->lock, flags);
	return room;
}

static int serdev_fake_open(struct serdev_controller *ctrl)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&fake->lock, flags);
	ret = fake->open_error;
	if (!ret) {
		fake->line.open = true;
		fake->line.opens++;
	}
	spin_unlock_irqrestore(&fake->lock, flags);
	return ret;
}

static void serdev_fake_close(struct serdev_controller *ctrl)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->line.open = false;
	fake->line.closes++;
	spin_unlock_irqrestore(&fake->lock, flags);
}

static void serdev_fake_set_flow_control(struct serdev_controller *ctrl,
					 bool enable)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->line.flow = enable;
	fake->line.flow_changes++;
	spin_unlock_irqrestore(&fake->lock, flags);
}

static int serdev_fake_set_parity(struct serdev_controller *ctrl,
				  enum serdev_parity parity)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&fake->lock, flags);
	ret = fake->parity_error;
	if (!ret) {
		fake->line.parity = parity;
		fake->line.parity_changes++;
	}
	spin_unlock_irqrestore(&fake->lock, flags);
	return ret;
}

static unsigned int serdev_fake_set_baudrate(struct serdev_controller *ctrl,
					     unsigned int speed)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;
	unsigned int baud;

	spin_lock_irqsave(&fake->lock, flags);
	baud = fake->max_baud ? min(speed, fake->max_baud) : speed;
	fake->line.baud = baud;
	fake->line.baud_changes++;
	spin_unlock_irqrestore(&fake->lock, flags);
	return baud;
}

static void serdev_fake_wait_until_sent(struct serdev_controller *ctrl,
					long timeout)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->line.waits++;
	fake->line.wait_timeout = timeout;
	fake->line.wait_at = ktime_get();
	spin_unlock_irqrestore(&fake->lock, flags);
}

static int serdev_fake_get_tiocm(struct serdev_controller *ctrl)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;
	int tiocm;

	spin_lock_irqsave(&fake->lock, flags);
	tiocm = fake->line.tiocm;
	spin_unlock_irqrestore(&fake->lock, flags);
	return tiocm;
}

static int serdev_fake_set_tiocm(struct serdev_controller *ctrl,
				 unsigned int set, unsigned int clear)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->line.tiocm = (fake->line.tiocm & ~clear) | set;
	fake->line.tiocm_changes++;
	spin_unlock_irqrestore(&fake->lock, flags);
	return 0;
}

static int serdev_fake_break_ctl(struct serdev_controller *ctrl,
				 unsigned int break_state)
{
	struct serdev_fake *fake = ctrl_to_fake(ctrl);
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->line.break_state = break_state;
	fake->line.breaks++;
	spin_unlock_irqrestore(&fake->lock, flags);
	return 0;
}

static const struct serdev_controller_ops serdev_fake_ops = {
	.write_buf = serdev_fake_write_buf,
	.write_flush = serdev_fake_write_flush,
	.write_room = serdev_fake_write_room,
	.open = serdev_fake_open,
	.close = serdev_fake_close,
	.set_flow_control = serdev_fake_set_flow_control,
	.set_parity = serdev_fake_set_parity,
	.set_baudrate = serdev_fake_set_baudrate,
	.wait_until_sent = serdev_fake_wait_until_sent,
	.get_tiocm = serdev_fake_get_tiocm,
	.set_tiocm = serdev_fake_set_tiocm,
	.break_ctl = serdev_fake_break_ctl,
};

static void serdev_fake_release(void *data)
{
	struct serdev_fake *fake = data;

	serdev_controller_remove(fake->ctrl);
	serdev_controller_put(fake->ctrl);
}

/**
 * serdev_fake_create() - register a fake serdev controller for a test
 * @test: the test case; the controller is removed when it ends
 * @np: device tree node of the controller; its available child with a
 *	compatible becomes the serdev client, as below a real UART node
 *
 * Context: process context; may sleep.
 * Return: the fake, or an ERR_PTR(): -ENODEV when @np has no client node.
 */
struct serdev_fake *serdev_fake_create(struct kunit *test,
				       struct device_node *np)
{
	struct serdev_controller *ctrl;
	struct serdev_fake *fake;
	struct device *host;
	char name[32];
	int ret;

	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	if (!fake)
		return ERR_PTR(-ENOMEM);
	fake->tx = kunit_kzalloc(test, SERDEV_FAKE_TX_CAPACITY, GFP_KERNEL);
	if (!fake->tx)
		return ERR_PTR(-ENOMEM);
	mutex_init(&fake->rx_lock);
	spin_lock_init(&fake->lock);

	snprintf(name, sizeof(name), "serdev-fake.%d",
		 atomic_inc_return(&serdev_fake_ids));
	host = kunit_device_register(test, name);
	if (IS_ERR(host))
		return ERR_CAST(host);
	device_set_node(host, of_fwnode_handle(np));

	ctrl = serdev_controller_alloc(host, host, 0);
	if (!ctrl)
		return ERR_PTR(-ENOMEM);
	ctrl->ops = &serdev_fake_ops;
	serdev_controller_set_drvdata(ctrl, fake);
	fake->ctrl = ctrl;

	ret = serdev_controller_add(ctrl);
	if (ret) {
		serdev_controller_put(ctrl);
		return ERR_PTR(ret);
	}
	ret = kunit_add_action_or_reset(test, serdev_fake_release, fake);
	if (ret)
		return ERR_PTR(ret);
	return fake;
}
EXPORT_SYMBOL_GPL(serdev_fake_create);

/**
 * serdev_fake_client() - the serdev client enumerated on the fake
 * @fake: the fake controller
 *
 * Return: the client device (bound or not).
 */
struct serdev_device *serdev_fake_client(struct serdev_fake *fake)
{
	return fake->ctrl->serdev;
}
EXPORT_SYMBOL_GPL(serdev_fake_client);

/**
 * serdev_fake_wait_bound() - wait until the client's driver has probed
 * @fake: the fake controller
 *
 * serdev drivers probe asynchronously; this waits for all pending probes.
 *
 * Context: process context; sleeps.
 * Return: 0 when a driver is bound to the client, -ENODEV otherwise.
 */
int serdev_fake_wait_bound(struct serdev_fake *fake)
{
	struct serdev_device *serdev = serdev_fake_client(fake);

	wait_for_device_probe();
	if (!serdev || !device_is_bound(&serdev->dev))
		return -ENODEV;
	return 0;
}
EXPORT_SYMBOL_GPL(serdev_fake_wait_bound);

/**
 * serdev_fake_bind() - a fake controller on a node, its client bound
 * @test: the test case; it is failed and ended when a step fails
 * @path: full path of the controller's node (from an overlay the test
 *	  applied, e.g. with of_overlay_apply_kunit())
 *
 * Looks the node up, registers the fake controller on it and waits until
 * the client's driver has probed.
 *
 * Context: process context, in the test case's thread; sleeps.
 * Return: the fake.
 */
struct serdev_fake *serdev_fake_bind(struct kunit *test, const char *path)
{
	struct serdev_fake *fake;
	struct device_node *np;

	np = of_find_node_by_path(path);
	KUNIT_ASSERT_NOT_NULL_MSG(test, np, "no node %s", path);
	of_node_put_kunit(test, np);
	fake = serdev_fake_create(test, np);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fake);
	KUNIT_ASSERT_EQ_MSG(test, 0, serdev_fake_wait_bound(fake),
			    "no driver bound to the client below %s", path);
	return fake;
}
EXPORT_SYMBOL_GPL(serdev_fake_bind);

/**
 * serdev_fake_inject() - deliver bytes to the client as if received
 * @fake: the fake controller
 * @buf: the bytes
 * @len: number of bytes
 * @chunk: largest piece handed to receive_buf in one call; 0 for all
 *
 * Like the tty layer, the fake offers again whatever the client did not
 * consume, and stops when the client consumes nothing (an RX stall, which
 * is counted). Bytes arriving while the port is closed are dropped and
 * counted, as a closed UART drops them.
 *
 * Context: process context; the client's receive_buf runs in it.
 * Return: the number of bytes the client consumed.
 */
size_t serdev_fake_inject(struct serdev_fake *fake, const u8 *buf,
			  size_t len, size_t chunk)
{
	size_t done = 0, n, got;
	unsigned long flags;
	bool open;

	if (!chunk)
		chunk = len;

	mutex_lock(&fake->rx_lock);
	while (done < len) {
		spin_lock_irqsave(&fake->lock, flags);
		open = fake->line.open;
		if (!open)
			fake->stats.rx_dropped += len - done;
		spin_unlock_irqrestore(&fake->lock, flags);
		if (!open)
			break;

		n = min(chunk, len - done);
		got = serdev_controller_receive_buf(fake->ctrl, buf + done, n);
		got = min(got, n);

		spin_lock_irqsave(&fake->lock, flags);
		fake->stats.rx_calls++;
		fake->stats.rx_bytes += got;
		if (!got)
			fake->stats.rx_stalls++;
		spin_unlock_irqrestore(&fake->lock, flags);
		if (!got)
			break;
		done += got;
	}
	mutex_unlock(&fake->rx_lock);
	return done;
}
EXPORT_SYMBOL_GPL(serdev_fake_inject);

/**
 * serdev_fake_tx_len() - number of recorded bytes not yet taken
 * @fake: the fake controller
 *
 * Return: the byte count.
 */
size_t serdev_fake_tx_len(struct serdev_fake *fake)
{
	unsigned long flags;
	size_t len;

	spin_lock_irqsave(&fake->lock, flags);
	len = fake->tx_len;
	spin_unlock_irqrestore(&fake->lock, flags);
	return len;
}
EXPORT_SYMBOL_GPL(serdev_fake_tx_len);

/**
 * serdev_fake_tx_take() - take recorded bytes, oldest first
 * @fake: the fake controller
 * @buf: where to copy them
 * @len: room in @buf
 *
 * Return: the number of bytes copied and removed from the record.
 */
size_t serdev_fake_tx_take(struct serdev_fake *fake, u8 *buf, size_t len)
{
	unsigned long flags;
	size_t n;

	spin_lock_irqsave(&fake->lock, flags);
	n = min(len, fake->tx_len);
	memcpy(buf, fake->tx, n);
	memmove(fake->tx, fake->tx + n, fake->tx_len - n);
	fake->tx_len -= n;
	spin_unlock_irqrestore(&fake->lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(serdev_fake_tx_take);

/**
 * serdev_fake_set_write_room() - model a transmit FIFO of limited size
 * @fake: the fake controller
 * @room: FIFO size in bytes; SIZE_MAX removes the limit
 *
 * With a limit, write_buf accepts only what fits (a short write, or none
 * at all when full) until serdev_fake_drain() empties the FIFO.
 */
void serdev_fake_set_write_room(struct serdev_fake *fake, size_t room)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->room_limited = room != SIZE_MAX;
	fake->room_cap = room;
	fake->room = room;
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_GPL(serdev_fake_set_write_room);

/**
 * serdev_fake_drain() - empty the transmit FIFO and wake the writer
 * @fake: the fake controller
 *
 * Restores the room set by serdev_fake_set_write_room() and calls the
 * client's write_wakeup, as a UART driver does once its FIFO has room.
 *
 * Context: any context the client's write_wakeup accepts.
 */
void serdev_fake_drain(struct serdev_fake *fake)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->room = fake->room_cap;
	fake->stats.wakeups++;
	spin_unlock_irqrestore(&fake->lock, flags);
	serdev_controller_write_wakeup(fake->ctrl);
}
EXPORT_SYMBOL_GPL(serdev_fake_drain);

/**
 * serdev_fake_set_write_error() - make write_buf refuse with an error
 * @fake: the fake controller
 * @err: negative errno to return, or 0 to accept writes again
 */
void serdev_fake_set_write_error(struct serdev_fake *fake, int err)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->write_error = err;
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_GPL(serdev_fake_set_write_error);

/**
 * serdev_fake_set_max_baud() - cap the baud rate the "hardware" reaches
 * @fake: the fake controller
 * @max: highest rate set_baudrate applies; 0 for no cap
 */
void serdev_fake_set_max_baud(struct serdev_fake *fake, unsigned int max)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->max_baud = max;
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_GPL(serdev_fake_set_max_baud);

/**
 * serdev_fake_set_open_error() - make the next opens fail
 * @fake: the fake controller
 * @err: negative errno for open to return, or 0
 */
void serdev_fake_set_open_error(struct serdev_fake *fake, int err)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->open_error = err;
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_GPL(serdev_fake_set_open_error);

/**
 * serdev_fake_set_parity_error() - make set_parity fail
 * @fake: the fake controller
 * @err: negative errno for set_parity to return, or 0
 */
void serdev_fake_set_parity_error(struct serdev_fake *fake, int err)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->parity_error = err;
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_GPL(serdev_fake_set_parity_error);

/**
 * serdev_fake_line() - snapshot of the line settings
 * @fake: the fake controller
 * @line: filled in
 */
void serdev_fake_line(struct serdev_fake *fake, struct serdev_fake_line *line)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	*line = fake->line;
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_GPL(serdev_fake_line);

/**
 * serdev_fake_stats() - snapshot of the traffic counters
 * @fake: the fake controller
 * @stats: filled in
 */
void serdev_fake_stats(struct serdev_fake *fake,
		       struct serdev_fake_stats *stats)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	*stats = fake->stats;
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_GPL(serdev_fake_stats);

MODULE_DESCRIPTION("Fake serdev controller for KUnit suites");
MODULE_LICENSE("GPL");

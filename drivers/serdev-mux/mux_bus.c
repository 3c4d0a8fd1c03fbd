// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-mux bus ownership: one port owns the UART at a time. Ports wait in
 * arrival order; an implicit owner (a client that just writes) keeps the bus
 * until its traffic has been idle for idle-timeout-ms, an explicit owner
 * until it unlocks. Nobody keeps it beyond max-hold-ms while others wait.
 */

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>

#include "mux_internal.h"
#include "mux_trace.h"
#include "serdev-line.h"

/**
 * serdev_mux_touch() - note traffic on the wire
 * @mux: the mux
 * @when: when the traffic ended (may be ahead of now: bytes still to leave)
 */
void serdev_mux_touch(struct serdev_mux *mux, ktime_t when)
{
	atomic64_set(&mux->last_activity, ktime_to_ns(when));
}

/**
 * serdev_mux_last_activity() - when the last traffic on the wire ended
 * @mux: the mux
 *
 * Return: that time; it is ahead of now while the UART still sends.
 */
ktime_t serdev_mux_last_activity(struct serdev_mux *mux)
{
	return ns_to_ktime(atomic64_read(&mux->last_activity));
}

/*
 * @count bytes went into the UART: they leave the wire after those before
 * them, at the speed the line has now. Called with mux->lock held.
 */
static void serdev_mux_tx_account(struct serdev_mux *mux, size_t count)
{
	ktime_t now = ktime_get();
	ktime_t start = ktime_after(mux->tx_wire_end, now) ?
			mux->tx_wire_end : now;

	lockdep_assert_held(&mux->lock);
	mux->tx_wire_end = ktime_add_ns(start,
					serdev_line_ns(mux->applied_baud,
						       mux->applied_parity,
						       count));
}

/**
 * serdev_mux_drain() - wait until the UART has sent what it holds
 * @mux: the mux, with @mux->lock held
 *
 * The wait lasts as long as the bytes take on the wire, plus the margin.
 * Once the UART reports its transmitter empty, the line is known to be
 * idle, whatever the estimate said (a UART may run slightly fast).
 */
void serdev_mux_drain(struct serdev_mux *mux)
{
	s64 left;

	lockdep_assert_held(&mux->lock);
	/*
	 * Sleep on a high-resolution timer until the estimated last stop
	 * bit: the UART's own wait then finds its transmitter empty at once,
	 * where it would otherwise poll it once a jiffy (4 ms at HZ=250, more
	 * than the 1.75 ms a Modbus slave may take to answer). A UART that
	 * is slower than the estimate is still waited for.
	 */
	left = ktime_us_delta(mux->tx_wire_end, ktime_get());
	if (left > 0)
		serdev_line_sleep_us(left);
	serdev_device_wait_until_sent(mux->serdev,
				      serdev_mux_sent_jiffies(mux, 0, 0));
	mux->tx_wire_end = ktime_get();
}

/*
 * Wire time of what the UART still holds and of @chars more characters at
 * the line's speed, in ns. Called with mux->lock held.
 */
static u64 serdev_mux_wire_ns(struct serdev_mux *mux, size_t chars)
{
	s64 in_uart = ktime_to_ns(ktime_sub(mux->tx_wire_end, ktime_get()));

	lockdep_assert_held(&mux->lock);
	return max_t(s64, in_uart, 0) +
	       serdev_line_ns(mux->applied_baud, mux->applied_parity, chars);
}

/**
 * serdev_mux_sent_jiffies() - how long bytes may take to leave the wire
 * @mux: the mux, with @mux->lock held
 * @queued: bytes not yet handed to the UART (a port's FIFO)
 * @extra_us: time spent on the line besides the bytes (silent interval,
 *            DE setup and hold)
 *
 * The wire time of what the UART still holds, of @queued more bytes at the
 * line's speed, @extra_us and the drain slack of serdev-line.h. A wait for
 * the UART to drain uses it as its timeout: it grows with the bytes
 * pending and the slowness of the line, never a fixed cap.
 *
 * Return: a timeout in jiffies, at least 1.
 */
unsigned long serdev_mux_sent_jiffies(struct serdev_mux *mux, size_t queued,
				      unsigned int extra_us)
{
	return serdev_line_jiffies(serdev_mux_wire_ns(mux, queued) +
				   ((u64)extra_us + SERDEV_LINE_DRAIN_SLACK_MS *
				    USEC_PER_MSEC) * NSEC_PER_USEC);
}

/**
 * serdev_mux_rx_jiffies() - how long a response may take
 * @mux: the mux, with @mux->lock held
 * @chars: the response's length
 * @timeout_ms: the peer's own time to answer
 *
 * Return: the wire time of what the UART still holds and of @chars, plus
 * @timeout_ms and the margin of serdev-line.h, in jiffies.
 */
unsigned long serdev_mux_rx_jiffies(struct serdev_mux *mux, size_t chars,
				    unsigned int timeout_ms)
{
	return serdev_line_jiffies(serdev_mux_wire_ns(mux, chars) +
				   ((u64)timeout_ms + SERDEV_LINE_MARGIN_MS) *
				   NSEC_PER_MSEC);
}

/**
 * serdev_mux_turns_jiffies() - the longest fair waiting for the bus can take
 * @port: the port that waits
 *
 * Ports get the bus in the order they asked for it, so each other open
 * port has at most one turn first. A turn ends at max-hold-ms once others
 * wait, after the frame then on the wire (max-hold never cuts a frame): at
 * most a full port FIFO at that port's speed, with its silent interval and
 * the DE delays. Add what the UART holds now and the drain slack. It grows
 * with the ports' speeds, never a fixed cap a slow line could outrun.
 *
 * Return: a timeout in jiffies.
 */
unsigned long serdev_mux_turns_jiffies(struct serdev_mux_port *port)
{
	struct serdev_mux *mux = port->mux;
	struct serdev_mux_port *other;
	unsigned int i;
	u64 ns;

	mutex_lock(&mux->lock);
	ns = serdev_mux_wire_ns(mux, 0) +
	     (u64)SERDEV_LINE_DRAIN_SLACK_MS * NSEC_PER_MSEC;
	for (i = 0; i < mux->nports; i++) {
		other = mux->ports[i];
		if (!other || other == port || !other->open)
			continue;
		ns += (u64)mux->max_hold_ms * NSEC_PER_MSEC +
		      serdev_line_ns(other->baud, other->parity,
				     SERDEV_MUX_FIFO_SIZE) +
		      ((u64)other->gap_us + mux->de_setup_us +
		       mux->de_hold_us) * NSEC_PER_USEC;
	}
	mutex_unlock(&mux->lock);
	return serdev_line_jiffies(ns);
}

/**
 * serdev_mux_tx_pending() - has @port bytes not yet out of the UART?
 * @port: the port
 *
 * Return: true while its FIFO holds bytes or the TX work is sending them.
 */
bool serdev_mux_tx_pending(struct serdev_mux_port *port)
{
	unsigned long flags;
	bool pending;

	spin_lock_irqsave(&port->tx_lock, flags);
	pending = !kfifo_is_empty(&port->tx_fifo) || port->tx_busy;
	spin_unlock_irqrestore(&port->tx_lock, flags);
	return pending;
}

static void serdev_mux_set_owner(struct serdev_mux *mux,
				 struct serdev_mux_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&mux->owner_lock, flags);
	mux->owner = port;
	spin_unlock_irqrestore(&mux->owner_lock, flags);
	wake_up_all(&mux->owner_wq);
}

/**
 * serdev_mux_apply_line() - give the UART a port's line settings
 * @mux: the mux, with @mux->lock held
 * @port: the port that owns (or is about to own) the bus
 */
void serdev_mux_apply_line(struct serdev_mux *mux, struct serdev_mux_port *port)
{
	int ret;

	lockdep_assert_held(&mux->lock);
	if (mux->applied_baud != port->baud)
		mux->applied_baud = serdev_device_set_baudrate(mux->serdev,
							       port->baud);
	if (mux->applied_parity != port->parity) {
		ret = serdev_device_set_parity(mux->serdev, port->parity);
		if (ret)
			dev_err_ratelimited(mux->dev,
					    "port@%x: the UART refuses parity %d: %d\n",
					    port->reg, port->parity, ret);
		else
			mux->applied_parity = port->parity;
	}
	if (mux->applied_flow != port->flow) {
		serdev_device_set_flow_control(mux->serdev, port->flow);
		mux->applied_flow = port->flow;
	}
}

/*
 * Bytes a client left unread through a whole ownership belong to an
 * exchange that is over: they must not be taken for the start of the next.
 */
static void serdev_mux_drop_stale_rx(struct serdev_mux_port *port)
{
	unsigned long flags;
	unsigned int n;

	/* A delivery in progress means the client is taking them now. */
	if (!mutex_trylock(&port->rx_mutex))
		return;
	spin_lock_irqsave(&port->rx_lock, flags);
	n = kfifo_len(&port->rx_fifo);
	if (n) {
		kfifo_reset(&port->rx_fifo);
		port->stats.rx_dropped += n;
	}
	spin_unlock_irqrestore(&port->rx_lock, flags);
	mutex_unlock(&port->rx_mutex);
	if (n)
		dev_warn_ratelimited(port->mux->dev,
				     "port@%x: %u bytes its client never took: dropped\n",
				     port->reg, n);
}

/* Called with mux->lock held: @port gets the free bus. */
static int serdev_mux_give(struct serdev_mux *mux, struct serdev_mux_port *port)
{
	int ret;

	lockdep_assert_held(&mux->lock);
	ret = mux->chan->select(mux, port);
	if (ret) {
		dev_err_ratelimited(mux->dev,
				    "port@%x: cannot select its channel: %d\n",
				    port->reg, ret);
		return ret;
	}
	serdev_mux_apply_line(mux, port);
	/* What the listener has not taken yet is what it listens to. */
	if (port != mux->listener)
		serdev_mux_drop_stale_rx(port);
	port->explicit = false;
	port->stats.selects++;
	mux->switches++;
	mux->owned_since = ktime_get();
	serdev_mux_touch(mux, mux->owned_since);
	serdev_mux_set_owner(mux, port);
	trace_serdev_mux_select(dev_name(mux->dev), port->reg,
				mux->applied_baud);
	return 0;
}

/*
 * Called with mux->lock held: the first waiter gets a free bus; with no
 * waiter, the listener (if any) does, and keeps it until a port wants it.
 */
static void serdev_mux_grant(struct serdev_mux *mux)
{
	struct serdev_mux_port *next;

	lockdep_assert_held(&mux->lock);
	while (!mux->owner && !mux->dying && !list_empty(&mux->waiters)) {
		next = list_first_entry(&mux->waiters, struct serdev_mux_port,
					wait_node);
		list_del_init(&next->wait_node);
		if (serdev_mux_give(mux, next)) {
			wake_up_all(&mux->owner_wq);
			continue;
		}
		queue_work(mux->wq, &mux->tx_work);
		mod_delayed_work(mux->wq, &mux->idle_work,
				 msecs_to_jiffies(mux->idle_ms));
	}
	next = mux->listener;
	if (!mux->owner && !mux->dying && next && next->open &&
	    !serdev_mux_give(mux, next))
		queue_work(mux->wq, &mux->tx_work);
}

static void serdev_mux_release_locked(struct serdev_mux_port *port);

/**
 * serdev_mux_want() - queue a port for the bus
 * @port: the port; @port->mux->lock held
 *
 * A port is queued at most once; the current owner is not queued.
 */
void serdev_mux_want(struct serdev_mux_port *port)
{
	struct serdev_mux *mux = port->mux;

	lockdep_assert_held(&mux->lock);
	if (mux->owner == port || !list_empty(&port->wait_node))
		return;
	list_add_tail(&port->wait_node, &mux->waiters);
	/* The listener only holds a bus nobody wanted: it yields at once. */
	if (mux->owner && mux->owner == mux->listener &&
	    !mux->owner->explicit && !serdev_mux_tx_pending(mux->owner)) {
		serdev_mux_release_locked(mux->owner);
		return;
	}
	if (mux->owner) {
		port->stats.waits++;
		/* The owner's hold is now limited: have that checked. */
		mod_delayed_work(mux->wq, &mux->idle_work, 0);
	}
}

/* Called with mux->lock held: @port gives the bus back. */
static void serdev_mux_release_locked(struct serdev_mux_port *port)
{
	struct serdev_mux *mux = port->mux;

	lockdep_assert_held(&mux->lock);
	if (mux->owner != port)
		return;
	/* What the port sent must leave the UART before the channel changes. */
	serdev_mux_drain(mux);
	mux->chan->deselect(mux, port);
	port->explicit = false;
	serdev_mux_set_owner(mux, NULL);
	trace_serdev_mux_deselect(dev_name(mux->dev), port->reg,
				  ktime_ms_delta(ktime_get(), mux->owned_since));
	serdev_mux_grant(mux);
}

/**
 * serdev_mux_release() - give the bus back if @port has it
 * @port: the port
 */
void serdev_mux_release(struct serdev_mux_port *port)
{
	struct serdev_mux *mux = port->mux;

	mutex_lock(&mux->lock);
	list_del_init(&port->wait_node);
	serdev_mux_release_locked(port);
	mutex_unlock(&mux->lock);
}

/**
 * serdev_mux_acquire() - wait until @port owns the bus, explicitly
 * @port: the port
 * @timeout: how long to wait for the other ports, in jiffies
 *
 * Return: 0, -ETIMEDOUT, -ERESTARTSYS, -ESHUTDOWN when the client closes
 * the port, or -ENODEV when the mux goes away.
 */
int serdev_mux_acquire(struct serdev_mux_port *port, unsigned long timeout)
{
	struct serdev_mux *mux = port->mux;
	long left;
	int ret = 0;

	mutex_lock(&mux->lock);
	if (mux->dying || !port->open) {
		mutex_unlock(&mux->lock);
		return -ENODEV;
	}
	serdev_mux_want(port);
	serdev_mux_grant(mux);
	mutex_unlock(&mux->lock);

	left = wait_event_interruptible_timeout(mux->owner_wq,
						READ_ONCE(mux->owner) == port ||
						READ_ONCE(mux->dying) ||
						!READ_ONCE(port->open),
						timeout);

	mutex_lock(&mux->lock);
	if (mux->owner == port && !mux->dying && port->open) {
		port->explicit = true;
	} else {
		list_del_init(&port->wait_node);
		if (mux->dying)
			ret = -ENODEV;
		else if (!port->open)
			ret = -ESHUTDOWN;
		else if (left < 0)
			ret = left;
		else
			ret = -ETIMEDOUT;
		if (ret == -ETIMEDOUT) {
			port->stats.lock_timeouts++;
			dev_warn_ratelimited(mux->dev,
					     "port@%x: bus still busy after %u ms\n",
					     port->reg, jiffies_to_msecs(timeout));
		}
	}
	mutex_unlock(&mux->lock);
	return ret;
}

/**
 * serdev_mux_kick() - have the TX work look at every port
 * @mux: the mux
 */
void serdev_mux_kick(struct serdev_mux *mux)
{
	queue_work(mux->wq, &mux->tx_work);
}

/* Move the owner's FIFO to the UART. Called with mux->lock held. */
static bool serdev_mux_tx_owner(struct serdev_mux *mux,
				struct serdev_mux_port *port, u8 *buf,
				size_t size)
{
	unsigned long flags;
	unsigned int n;
	ktime_t now;
	int sent;
	bool drained = false, resumed;

	spin_lock_irqsave(&port->tx_lock, flags);
	if (kfifo_is_empty(&port->tx_fifo)) {
		spin_unlock_irqrestore(&port->tx_lock, flags);
		return false;
	}
	resumed = port->tx_busy;
	port->tx_busy = true;
	spin_unlock_irqrestore(&port->tx_lock, flags);

	/* A frame the full UART interrupted goes on without a new preamble. */
	if (!resumed)
		mux->chan->tx_begin(mux, port);
	for (;;) {
		spin_lock_irqsave(&port->tx_lock, flags);
		n = kfifo_out_peek(&port->tx_fifo, buf, size);
		spin_unlock_irqrestore(&port->tx_lock, flags);
		if (!n) {
			drained = true;
			break;
		}
		sent = serdev_device_write_buf(mux->serdev, buf, n);
		if (sent < 0) {
			dev_err_ratelimited(mux->dev,
					    "port@%x: UART write failed: %d; %u bytes dropped\n",
					    port->reg, sent, n);
			sent = n;
		}
		spin_lock_irqsave(&port->tx_lock, flags);
		sent = kfifo_out(&port->tx_fifo, buf, sent);
		spin_unlock_irqrestore(&port->tx_lock, flags);
		serdev_mux_tx_account(mux, sent);
		port->stats.tx_bytes += sent;
		trace_serdev_mux_transfer(dev_name(mux->dev), port->reg, sent, 0);
		if (sent < n)
			break;	/* the UART is full: its write_wakeup kicks us */
	}
	if (drained) {
		mux->chan->tx_end(mux, port);
		/* Idle time counts from the last stop bit, not from now. */
		now = ktime_get();
		serdev_mux_touch(mux, ktime_after(mux->tx_wire_end, now) ?
				      mux->tx_wire_end : now);
		spin_lock_irqsave(&port->tx_lock, flags);
		port->tx_busy = !kfifo_is_empty(&port->tx_fifo);
		spin_unlock_irqrestore(&port->tx_lock, flags);
		wake_up_all(&port->tx_wq);
	}
	return true;
}

void serdev_mux_tx_work(struct work_struct *work)
{
	struct serdev_mux *mux = container_of(work, struct serdev_mux, tx_work);
	struct serdev_mux_port *port, *woken = NULL;
	u8 buf[256];
	unsigned int i;

	mutex_lock(&mux->lock);
	if (mux->dying)
		goto out;
	for (i = 0; i < mux->nports; i++) {
		port = mux->ports[i];
		if (port && port->open && serdev_mux_tx_pending(port))
			serdev_mux_want(port);
	}
	serdev_mux_grant(mux);
	port = mux->owner;
	if (port && serdev_mux_tx_owner(mux, port, buf, sizeof(buf))) {
		woken = port;
		mod_delayed_work(mux->wq, &mux->idle_work,
				 msecs_to_jiffies(mux->idle_ms));
	}
out:
	mutex_unlock(&mux->lock);
	/*
	 * Room in the FIFO again: a client blocked in serdev_device_write().
	 * A port that closed meanwhile waits in its close for this work to
	 * end, so its client is still there; a closed one is not woken.
	 */
	if (woken && woken->ctrl && READ_ONCE(woken->open))
		serdev_controller_write_wakeup(woken->ctrl);
}

void serdev_mux_idle_work(struct work_struct *work)
{
	struct serdev_mux *mux = container_of(to_delayed_work(work),
					      struct serdev_mux, idle_work);
	struct serdev_mux_port *port;
	s64 held, idle, rearm;
	bool waiting;

	mutex_lock(&mux->lock);
	port = mux->owner;
	if (!port || mux->dying)
		goto out;
	held = ktime_ms_delta(ktime_get(), mux->owned_since);
	idle = ktime_ms_delta(ktime_get(), serdev_mux_last_activity(mux));
	waiting = !list_empty(&mux->waiters);

	if (waiting && held >= mux->max_hold_ms) {
		/*
		 * Not in the middle of a frame: a slow line's frame may
		 * outlast max-hold-ms (255 bytes at 2400 baud: 1.06 s).
		 */
		if (serdev_mux_tx_pending(port) || idle < 0) {
			rearm = max_t(s64, -idle, 1);
			goto rearm;
		}
		if (port->explicit) {
			port->stats.revoked++;
			dev_warn_ratelimited(mux->dev,
					     "port@%x held the bus for %lld ms while others waited: taken back\n",
					     port->reg, held);
		}
		serdev_mux_release_locked(port);
		goto out;
	}
	if (port == mux->listener && !port->explicit) {
		/* Keeps a bus nobody wants; hands it over once it is quiet. */
		if (!waiting)
			goto out;
		if (!serdev_mux_tx_pending(port) && idle >= 0) {
			serdev_mux_release_locked(port);
			goto out;
		}
	}
	if (!port->explicit && idle >= mux->idle_ms &&
	    !serdev_mux_tx_pending(port)) {
		serdev_mux_release_locked(port);
		goto out;
	}

	if (port->explicit && !waiting)
		goto out;	/* serdev_mux_want() checks again */
	rearm = port->explicit ? mux->max_hold_ms - held : mux->idle_ms - idle;
	if (waiting && !port->explicit)
		rearm = min_t(s64, rearm, mux->max_hold_ms - held);
rearm:
	mod_delayed_work(mux->wq, &mux->idle_work,
			 msecs_to_jiffies(clamp_t(s64, rearm, 1, mux->max_hold_ms)));
out:
	mutex_unlock(&mux->lock);
}

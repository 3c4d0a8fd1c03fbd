/* SPDX-License-Identifier: GPL-2.0 */
/*
 * serdev-mux internals: one UART (the mux's own serdev device), several
 * virtual serdev controllers (ports), one owner of the bus at a time.
 */
#ifndef _SERDEV_MUX_INTERNAL_H
#define _SERDEV_MUX_INTERNAL_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kfifo.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/serdev.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "serdev-mux.h"

struct dentry;
struct gpio_desc;
struct mux_control;
struct serdev_mux;
struct task_struct;

#define SERDEV_MUX_FIFO_SIZE	4096

/**
 * struct serdev_mux_stats - per-port counters (debugfs)
 * @tx_bytes: bytes sent on the UART for this port
 * @rx_bytes: bytes routed to this port (client or transfer)
 * @rx_dropped: bytes for this port lost because its RX buffer was full
 * @selects: times the port was given the bus
 * @transactions: completed transfers
 * @timeouts: transfers without a (complete) response in time
 * @waits: times the port had to wait for another port's traffic
 * @lock_timeouts: bus locks that gave up waiting
 * @revoked: explicit ownerships taken back after max-hold-ms
 */
struct serdev_mux_stats {
	u64 tx_bytes;
	u64 rx_bytes;
	u64 rx_dropped;
	u64 selects;
	u64 transactions;
	u64 timeouts;
	u64 waits;
	u64 lock_timeouts;
	u64 revoked;
};

/* A transfer in progress on a port: RX goes here instead of the client. */
struct serdev_mux_rx_xfer {
	const struct serdev_mux_xfer *xfer;
	size_t got;
	ssize_t want;
	int err;
	struct completion done;
};

/**
 * struct serdev_mux_port - one virtual serdev controller
 * @mux: the mux it belongs to
 * @ctrl: its serdev controller (NULL if registration failed)
 * @reg: the port node's reg: mux state or bus slot
 * @index: position in the mux's port array
 * @baud: line speed applied when the port owns the bus
 * @parity: parity applied when the port owns the bus
 * @flow: RTS/CTS flow control applied when the port owns the bus
 * @gap_us: silent interval before each frame (RS485 bus), 0 for none
 * @gap_auto: @gap_us follows the baud rate (3.5 characters)
 * @open: the client has the port open
 * @listen: the port has the bus whenever no other port wants it, so that a
 *          device that talks unprompted (a GNSS receiver) is heard
 * @tx_lock: protects @tx_fifo (write_buf may run in atomic context)
 * @tx_fifo: bytes written by the client, not yet on the UART
 * @tx_wq: woken when @tx_fifo drains
 * @tx_busy: bytes are between the FIFO and the wire
 * @rx_mutex: serialises delivery to the client with close
 * @rx_lock: protects @rx_fifo and @rx_xfer
 * @rx_fifo: routed bytes the client has not taken yet
 * @rx_xfer: the transfer collecting RX, if any
 * @xfer_mutex: one bus lock holder per port
 * @locker: the task holding @xfer_mutex
 * @xfer_key: lockdep class of @xfer_mutex: each port is its own bus to its
 *            client, and a task waiting for one port's transfer while
 *            holding another port's lock is not a self-deadlock
 * @wait_node: entry in the mux's queue of ports waiting for the bus
 * @explicit: the port holds the bus through serdev_mux_bus_lock()
 * @stats: counters
 */
struct serdev_mux_port {
	struct serdev_mux *mux;
	struct serdev_controller *ctrl;
	u32 reg;
	unsigned int index;

	unsigned int baud;
	enum serdev_parity parity;
	bool flow;
	unsigned int gap_us;
	bool gap_auto;
	bool open;
	bool listen;

	spinlock_t tx_lock;	/* @tx_fifo, @tx_busy */
	DECLARE_KFIFO(tx_fifo, u8, SERDEV_MUX_FIFO_SIZE);
	wait_queue_head_t tx_wq;
	bool tx_busy;

	struct mutex rx_mutex;	/* delivery vs. close */
	spinlock_t rx_lock;	/* @rx_fifo, @rx_xfer */
	DECLARE_KFIFO(rx_fifo, u8, SERDEV_MUX_FIFO_SIZE);
	struct serdev_mux_rx_xfer *rx_xfer;

	struct mutex xfer_mutex;	/* one bus lock holder */
	struct task_struct *locker;
	struct lock_class_key xfer_key;
	struct list_head wait_node;
	bool explicit;

	struct serdev_mux_stats stats;
};

/**
 * enum serdev_mux_direction - who drives an RS485 transceiver's DE
 * @SERDEV_MUX_DIR_NONE: nobody here (an auto-direction transceiver, or not
 *                       an RS485 bus)
 * @SERDEV_MUX_DIR_GPIO: the mux, on its de-gpios line
 * @SERDEV_MUX_DIR_UART: the UART's own RS485 mode (RTS)
 */
enum serdev_mux_direction {
	SERDEV_MUX_DIR_NONE,
	SERDEV_MUX_DIR_GPIO,
	SERDEV_MUX_DIR_UART,
};

/**
 * struct serdev_mux_chan_ops - a channel back end
 * @name: for messages and debugfs
 * @init: reads its DT properties and resources (devm)
 * @select: the port gets the bus (may sleep)
 * @deselect: the port gives the bus back (may sleep)
 * @tx_begin: before a frame goes out (RS485: wait for the silent interval,
 *            drive DE)
 * @tx_end: after the frame left the UART (RS485: release DE)
 */
struct serdev_mux_chan_ops {
	const char *name;
	int (*init)(struct serdev_mux *mux);
	int (*select)(struct serdev_mux *mux, struct serdev_mux_port *port);
	void (*deselect)(struct serdev_mux *mux, struct serdev_mux_port *port);
	void (*tx_begin)(struct serdev_mux *mux, struct serdev_mux_port *port);
	void (*tx_end)(struct serdev_mux *mux, struct serdev_mux_port *port);
};

/**
 * struct serdev_mux - the mux device (the UART's one serdev client)
 * @serdev: the UART
 * @dev: its device
 * @chan: channel back end
 * @lock: protects ownership, the wait queue and the UART's settings
 * @owner_lock: protects @owner for the RX path
 * @owner: the port that has the bus, or NULL
 * @listener: the port with serdev-suite,listen-when-idle, or NULL
 * @waiters: ports waiting for the bus, in arrival order
 * @owner_wq: woken whenever the owner changes
 * @owned_since: when @owner got the bus
 * @last_activity: end of the last traffic on the wire (TX or RX), in ktime
 *                 nanoseconds; atomic64 so that 32-bit readers never see
 *                 half of an update from the RX path
 * @tx_wire_end: when the last byte handed to the UART leaves the wire, at
 *               the line's speed (mux->lock)
 * @idle_ms: an implicit owner keeps the bus this long after its traffic
 * @max_hold_ms: longest ownership while other ports wait
 * @wq: ordered workqueue for @tx_work and @idle_work
 * @tx_work: moves port FIFOs to the UART
 * @idle_work: ends implicit ownership and revokes overlong holds
 * @rx_work: re-offers RX the client did not take
 * @dying: the mux is being removed
 * @mc: mux controller (mux-controls back end)
 * @direction: who drives the transceiver's DE (RS485)
 * @de: RS485 driver-enable GPIO
 * @de_setup_us: DE asserted this long before the first bit
 * @de_hold_us: DE kept this long after the last bit
 * @rx_unowned: bytes received while no port had the bus (dropped)
 * @bad_ports: port nodes refused (no reg, reg in use, no client)
 * @switches: owner changes
 * @applied_baud: what the UART runs at now
 * @applied_parity: the UART's parity now
 * @applied_flow: the UART's flow control now
 * @debugfs: debugfs directory
 * @nports: number of ports
 * @ports: the ports
 */
struct serdev_mux {
	struct serdev_device *serdev;
	struct device *dev;
	const struct serdev_mux_chan_ops *chan;

	struct mutex lock;	/* ownership, waiters, UART */
	spinlock_t owner_lock;	/* @owner for RX */
	struct serdev_mux_port *owner;
	struct serdev_mux_port *listener;
	struct list_head waiters;
	wait_queue_head_t owner_wq;
	ktime_t owned_since;
	atomic64_t last_activity;
	ktime_t tx_wire_end;
	unsigned int idle_ms;
	unsigned int max_hold_ms;

	struct workqueue_struct *wq;
	struct work_struct tx_work;
	struct delayed_work idle_work;
	struct delayed_work rx_work;
	bool dying;

	struct mux_control *mc;
	enum serdev_mux_direction direction;
	struct gpio_desc *de;
	unsigned int de_setup_us;
	unsigned int de_hold_us;

	u64 rx_unowned;
	u64 bad_ports;
	u64 switches;
	unsigned int applied_baud;
	enum serdev_parity applied_parity;
	bool applied_flow;

	struct dentry *debugfs;
	unsigned int nports;
	struct serdev_mux_port *ports[] __counted_by(nports);
};

extern const struct serdev_controller_ops serdev_mux_port_ops;
extern const struct serdev_mux_chan_ops serdev_mux_chan_muxctl;
extern const struct serdev_mux_chan_ops serdev_mux_chan_rs485;

/* mux_bus.c: ownership */
bool serdev_mux_tx_pending(struct serdev_mux_port *port);
void serdev_mux_want(struct serdev_mux_port *port);
int serdev_mux_acquire(struct serdev_mux_port *port, unsigned long timeout);
unsigned long serdev_mux_turns_jiffies(struct serdev_mux_port *port);
void serdev_mux_release(struct serdev_mux_port *port);
void serdev_mux_apply_line(struct serdev_mux *mux, struct serdev_mux_port *port);
void serdev_mux_tx_work(struct work_struct *work);
void serdev_mux_idle_work(struct work_struct *work);
void serdev_mux_kick(struct serdev_mux *mux);
void serdev_mux_touch(struct serdev_mux *mux, ktime_t when);
ktime_t serdev_mux_last_activity(struct serdev_mux *mux);
void serdev_mux_drain(struct serdev_mux *mux);
unsigned long serdev_mux_sent_jiffies(struct serdev_mux *mux, size_t queued,
				      unsigned int extra_us);
unsigned long serdev_mux_rx_jiffies(struct serdev_mux *mux, size_t chars,
				    unsigned int timeout_ms);

/* mux_xfer.c */
bool serdev_mux_route_xfer(struct serdev_mux_port *port, const u8 *buf,
			   size_t count);

/* mux_core.c: RX routing */
void serdev_mux_rx_work(struct work_struct *work);

/* mux_debugfs.c */
void serdev_mux_debugfs_module_init(void);
void serdev_mux_debugfs_module_exit(void);
void serdev_mux_debugfs_init(struct serdev_mux *mux);
void serdev_mux_debugfs_ports(struct serdev_mux *mux);
void serdev_mux_debugfs_exit(struct serdev_mux *mux);

#endif /* _SERDEV_MUX_INTERNAL_H */

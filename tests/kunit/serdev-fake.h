/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake serdev controller for KUnit suites: a real serdev controller
 * (serdev_controller_alloc/add) whose "wire" is memory. It records what
 * clients write and the line settings they choose, and injects RX in any
 * chunking the test asks for.
 */
#ifndef _SERDEV_FAKE_H
#define _SERDEV_FAKE_H

#include <linux/ktime.h>
#include <linux/serdev.h>
#include <linux/types.h>

struct kunit;
struct device_node;
struct serdev_fake;

/**
 * struct serdev_fake_line - line settings last chosen by the client
 * @open: the port is open
 * @opens: number of successful opens
 * @closes: number of closes
 * @baud: last baud rate applied (what set_baudrate returned)
 * @baud_changes: number of set_baudrate calls
 * @flow: hardware flow control (RTS/CTS) on
 * @flow_changes: number of set_flow_control calls
 * @parity: last parity set
 * @parity_changes: number of successful set_parity calls
 * @tiocm: modem line bits (TIOCM_*)
 * @tiocm_changes: number of set_tiocm calls
 * @break_state: last break_ctl state
 * @breaks: number of break_ctl calls
 * @flushes: number of write_flush calls
 * @waits: number of wait_until_sent calls
 * @wait_timeout: the timeout of the last wait_until_sent call, in jiffies
 * @wait_at: when that call came
 */
struct serdev_fake_line {
	bool open;
	unsigned int opens;
	unsigned int closes;
	unsigned int baud;
	unsigned int baud_changes;
	bool flow;
	unsigned int flow_changes;
	enum serdev_parity parity;
	unsigned int parity_changes;
	unsigned int tiocm;
	unsigned int tiocm_changes;
	int break_state;
	unsigned int breaks;
	unsigned int flushes;
	unsigned int waits;
	long wait_timeout;
	ktime_t wait_at;
};

/**
 * struct serdev_fake_stats - traffic counters
 * @tx_bytes: bytes accepted by write_buf
 * @tx_calls: write_buf calls, including refused and short ones
 * @tx_short: write_buf calls that accepted fewer bytes than offered
 * @tx_refused: write_buf calls that returned an error
 * @tx_overflow: accepted bytes that did not fit the record buffer
 * @rx_bytes: bytes consumed by the client's receive_buf
 * @rx_calls: receive_buf calls
 * @rx_dropped: injected bytes dropped because the port was closed
 * @rx_stalls: injections that stopped because the client consumed nothing
 * @wakeups: write_wakeup calls made to the client
 */
struct serdev_fake_stats {
	u64 tx_bytes;
	unsigned int tx_calls;
	unsigned int tx_short;
	unsigned int tx_refused;
	u64 tx_overflow;
	u64 rx_bytes;
	unsigned int rx_calls;
	u64 rx_dropped;
	unsigned int rx_stalls;
	unsigned int wakeups;
};

struct serdev_fake *serdev_fake_create(struct kunit *test,
				       struct device_node *np);
struct serdev_device *serdev_fake_client(struct serdev_fake *fake);
int serdev_fake_wait_bound(struct serdev_fake *fake);
struct serdev_fake *serdev_fake_bind(struct kunit *test, const char *path);

size_t serdev_fake_inject(struct serdev_fake *fake, const u8 *buf,
			  size_t len, size_t chunk);
size_t serdev_fake_tx_len(struct serdev_fake *fake);
size_t serdev_fake_tx_take(struct serdev_fake *fake, u8 *buf, size_t len);

void serdev_fake_set_write_room(struct serdev_fake *fake, size_t room);
void serdev_fake_set_write_error(struct serdev_fake *fake, int err);
void serdev_fake_drain(struct serdev_fake *fake);
void serdev_fake_set_max_baud(struct serdev_fake *fake, unsigned int max);
void serdev_fake_set_open_error(struct serdev_fake *fake, int err);
void serdev_fake_set_parity_error(struct serdev_fake *fake, int err);

void serdev_fake_line(struct serdev_fake *fake, struct serdev_fake_line *line);
void serdev_fake_stats(struct serdev_fake *fake,
		       struct serdev_fake_stats *stats);

#endif /* _SERDEV_FAKE_H */

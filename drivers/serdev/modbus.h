/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Modbus RTU master for serdev clients: one request and its response at a
 * time, on a serdev-mux port (whole transactions through the mux) or on a
 * bare UART (the client passes its receive_buf bytes to the library).
 */
#ifndef _SERDEV_MODBUS_H
#define _SERDEV_MODBUS_H

#include <linux/completion.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/serdev.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct serdev_mux_xfer;

#define MODBUS_RTU_MAX		256	/* address + PDU (253) + CRC */
#define MODBUS_MAX_READ		125	/* registers in one 0x03/0x04 */
#define MODBUS_MAX_WRITE	123	/* registers in one 0x10 */

#define MODBUS_FC_READ_HOLDING	0x03
#define MODBUS_FC_READ_INPUT	0x04
#define MODBUS_FC_WRITE_SINGLE	0x06
#define MODBUS_FC_WRITE_MULTI	0x10

/**
 * struct modbus_stats - what happened on the wire, per slave
 * @requests: requests sent (retries included)
 * @responses: valid responses
 * @timeouts: requests without a response in time
 * @crc_errors: responses with a bad CRC
 * @bad_frames: truncated or malformed responses
 * @wrong_slave: responses from another address
 * @exceptions: exception responses
 * @retries: requests sent again after a timeout or a damaged response
 */
struct modbus_stats {
	u64 requests;
	u64 responses;
	u64 timeouts;
	u64 crc_errors;
	u64 bad_frames;
	u64 wrong_slave;
	u64 exceptions;
	u64 retries;
};

/**
 * struct modbus_dev - a Modbus RTU slave seen from its serdev client
 * @serdev: the client's serdev device (open)
 * @label: the node's "label" (where the device is, for people), or NULL
 * @addr: slave address, 1..247
 * @timeout_ms: the slave's time to answer; the wire time of the request and
 *	of the response is added to it
 * @retries: extra attempts after a timeout or a damaged response
 * @stats: counters
 * @lock: one request at a time
 * @mux_transfer: serdev_mux_transfer(), held while @serdev is on a
 *	serdev-mux port; NULL on a bare UART
 * @rx_lock: protects the bare-UART receive state below
 * @rx: bare UART: the response being received
 * @rx_len: bytes in @rx
 * @rx_active: a request waits for its response
 * @rx_stray: bytes received with no request waiting (dropped)
 * @rx_done: completed when @rx holds a whole response
 * @last: bare UART: end of the last frame, for the silent interval
 * @baud: the line speed, for wire times
 * @gap_us: bare UART: silent interval between frames
 *
 * Fill in nothing by hand: use modbus_dev_init().
 */
struct modbus_dev {
	struct serdev_device *serdev;
	const char *label;
	u8 addr;
	unsigned int timeout_ms;
	unsigned int retries;
	struct modbus_stats stats;

	struct mutex lock;	/* one request at a time */
	ssize_t (*mux_transfer)(struct serdev_device *serdev,
				const struct serdev_mux_xfer *xfer);
	spinlock_t rx_lock;	/* bare UART receive state */
	u8 rx[MODBUS_RTU_MAX];
	size_t rx_len;
	bool rx_active;
	u64 rx_stray;
	struct completion rx_done;
	ktime_t last;
	unsigned int baud;
	unsigned int gap_us;
};

u16 modbus_rtu_crc(const u8 *buf, size_t len);
ssize_t modbus_rtu_response_len(const u8 *buf, size_t len);
size_t modbus_rtu_expected_len(const u8 *req);
int modbus_rtu_check(const u8 *req, const u8 *resp, size_t len);

int modbus_dev_init(struct modbus_dev *mb, struct serdev_device *serdev,
		    u8 addr, unsigned int baud);
size_t modbus_receive_buf(struct modbus_dev *mb, const u8 *buf, size_t count);
int devm_modbus_serdev_open(struct modbus_dev *mb,
			    struct serdev_device *serdev,
			    unsigned int default_baud);
int modbus_read_registers(struct modbus_dev *mb, u8 fc, u16 start, u16 count,
			  u16 *vals);
int modbus_write_register(struct modbus_dev *mb, u16 reg, u16 val);
int modbus_write_registers(struct modbus_dev *mb, u16 start, u16 count,
			   const u16 *vals);

#endif /* _SERDEV_MODBUS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Modbus RTU master transport: build a request, send it, collect and check
 * the response, retry on timeouts and damaged frames. On a serdev-mux port
 * each attempt is one mux transaction, so no other port's traffic comes in
 * between; on a bare UART the library keeps the silent interval itself and
 * takes the response from the client's receive_buf.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/property.h>
#include <linux/unaligned.h>

#include "modbus.h"
#include "serdev-line.h"
#include "serdev-mux.h"

#define CREATE_TRACE_POINTS
#include "modbus_trace.h"

/*
 * The slave's own time to answer, after the request's last bit and before
 * its reply's first: the wire time of both is added to it at the line's
 * speed, and on a mux the wait for the bus is the mux's.
 */
#define MODBUS_DEFAULT_TIMEOUT_MS	200
#define MODBUS_DEFAULT_RETRIES		2

static struct dentry *modbus_debugfs_root;

static void modbus_debugfs_remove(void *data)
{
	debugfs_remove_recursive(data);
}

/* serdev-modbus/DEVICE/{requests,...}: the counters of one slave. */
static int modbus_debugfs_add(struct modbus_dev *mb)
{
	struct modbus_stats *st = &mb->stats;
	struct dentry *d;

	d = debugfs_create_dir(dev_name(&mb->serdev->dev), modbus_debugfs_root);
	debugfs_create_u64("requests", 0444, d, &st->requests);
	debugfs_create_u64("responses", 0444, d, &st->responses);
	debugfs_create_u64("timeouts", 0444, d, &st->timeouts);
	debugfs_create_u64("crc_errors", 0444, d, &st->crc_errors);
	debugfs_create_u64("bad_frames", 0444, d, &st->bad_frames);
	debugfs_create_u64("wrong_slave", 0444, d, &st->wrong_slave);
	debugfs_create_u64("exceptions", 0444, d, &st->exceptions);
	debugfs_create_u64("retries", 0444, d, &st->retries);
	debugfs_create_u64("rx_stray", 0444, d, &mb->rx_stray);
	return devm_add_action_or_reset(&mb->serdev->dev, modbus_debugfs_remove,
					d);
}

/*
 * serdev-mux is needed only on a mux port, where it is loaded already (it
 * registered the port): its two functions are looked up, not linked, so
 * that the library loads and works on a bare UART without the mux module.
 */
static void modbus_mux_put(void *unused)
{
	symbol_put(serdev_mux_transfer);
}

static int modbus_mux_get(struct modbus_dev *mb)
{
	bool (*is_port)(struct serdev_device *serdev);

	is_port = symbol_get(serdev_mux_is_port);
	if (!is_port)
		return 0;
	if (is_port(mb->serdev))
		mb->mux_transfer = symbol_get(serdev_mux_transfer);
	symbol_put(serdev_mux_is_port);
	if (!mb->mux_transfer)
		return 0;
	return devm_add_action_or_reset(&mb->serdev->dev, modbus_mux_put, NULL);
}

/*
 * The library runs 8N1 on a bare UART (devm_modbus_serdev_open()); a mux
 * port keeps the silent interval itself, at its own parity.
 */
static void modbus_set_baud(struct modbus_dev *mb, unsigned int baud)
{
	mb->baud = baud;
	mb->gap_us = serdev_line_silent_us(baud, SERDEV_PARITY_NONE);
}

/**
 * modbus_dev_init() - set up a slave for its serdev client
 * @mb: the slave, in the client's private data
 * @serdev: the client's serdev device (the client opens it)
 * @addr: the slave's address, 1..247
 * @baud: the line speed (for the bare-UART silent interval)
 *
 * Call it from the client's probe: the slave's counters appear in debugfs
 * (serdev-modbus/DEVICE/) until the client is unbound.
 *
 * Return: 0, -EINVAL for an address outside 1..247, or -ENOMEM.
 */
int modbus_dev_init(struct modbus_dev *mb, struct serdev_device *serdev,
		    u8 addr, unsigned int baud)
{
	int ret;

	if (addr < 1 || addr > 247)
		return -EINVAL;
	memset(mb, 0, sizeof(*mb));
	mb->serdev = serdev;
	mb->addr = addr;
	mb->timeout_ms = MODBUS_DEFAULT_TIMEOUT_MS;
	mb->retries = MODBUS_DEFAULT_RETRIES;
	mutex_init(&mb->lock);
	spin_lock_init(&mb->rx_lock);
	init_completion(&mb->rx_done);
	modbus_set_baud(mb, baud);
	ret = modbus_mux_get(mb);
	if (ret)
		return ret;
	return modbus_debugfs_add(mb);
}
EXPORT_SYMBOL_GPL(modbus_dev_init);

/**
 * modbus_receive_buf() - bytes from a bare UART, for the library
 * @mb: the slave
 * @buf: received bytes
 * @count: how many
 *
 * A client on a bare UART calls this from its receive_buf. Bytes that come
 * while no request waits are counted and dropped. Not needed on a mux port.
 *
 * Return: @count (the library takes every byte).
 */
size_t modbus_receive_buf(struct modbus_dev *mb, const u8 *buf, size_t count)
{
	unsigned long flags;
	ssize_t want;
	size_t n;

	trace_serdev_modbus_rx(dev_name(&mb->serdev->dev), count);
	spin_lock_irqsave(&mb->rx_lock, flags);
	if (!mb->rx_active) {
		mb->rx_stray += count;
		goto out;
	}
	n = min(count, sizeof(mb->rx) - mb->rx_len);
	memcpy(mb->rx + mb->rx_len, buf, n);
	mb->rx_len += n;
	want = modbus_rtu_response_len(mb->rx, mb->rx_len);
	if (want < 0 || (want > 0 && mb->rx_len >= want) ||
	    mb->rx_len == sizeof(mb->rx))
		complete(&mb->rx_done);
out:
	spin_unlock_irqrestore(&mb->rx_lock, flags);
	return count;
}
EXPORT_SYMBOL_GPL(modbus_receive_buf);

static size_t modbus_serdev_receive(struct serdev_device *serdev,
				    const u8 *buf, size_t count)
{
	return modbus_receive_buf(serdev_device_get_drvdata(serdev), buf, count);
}

static const struct serdev_device_ops modbus_serdev_ops = {
	.receive_buf = modbus_serdev_receive,
	.write_wakeup = serdev_device_write_wakeup,
};

/**
 * devm_modbus_serdev_open() - the common probe of a Modbus slave driver
 * @mb: the slave, in the driver's private data
 * @serdev: the driver's serdev device
 * @default_baud: line speed when the node has no current-speed
 *
 * Reads the node's modbus-address, current-speed and optional label, sets
 * up @mb (modbus_dev_init()), takes the serdev device's client ops and
 * driver data (the library receives for the driver), opens the port for
 * the device's lifetime and sets it to the speed, 8N1, no flow control.
 * Each failure is logged. May sleep.
 *
 * Return: 0 or a negative errno.
 */
int devm_modbus_serdev_open(struct modbus_dev *mb,
			    struct serdev_device *serdev,
			    unsigned int default_baud)
{
	struct device *dev = &serdev->dev;
	u32 addr, baud = default_baud;
	int ret;

	if (device_property_read_u32(dev, "modbus-address", &addr))
		return dev_err_probe(dev, -EINVAL, "no modbus-address\n");
	device_property_read_u32(dev, "current-speed", &baud);
	ret = modbus_dev_init(mb, serdev, addr > 255 ? 0 : addr, baud);
	if (ret)
		return dev_err_probe(dev, ret, "modbus-address %u out of 1..247\n",
				     addr);
	device_property_read_string(dev, "label", &mb->label);
	serdev_device_set_drvdata(serdev, mb);
	serdev_device_set_client_ops(serdev, &modbus_serdev_ops);
	ret = devm_serdev_device_open(dev, serdev);
	if (ret)
		return dev_err_probe(dev, ret, "cannot open the port\n");
	/* Time the line at the speed the UART really runs. */
	modbus_set_baud(mb, serdev_device_set_baudrate(serdev, baud));
	serdev_device_set_flow_control(serdev, false);
	ret = serdev_device_set_parity(serdev, SERDEV_PARITY_NONE);
	if (ret)
		return dev_err_probe(dev, ret, "cannot set 8N1\n");
	return 0;
}
EXPORT_SYMBOL_GPL(devm_modbus_serdev_open);

static ssize_t modbus_rx_done(const u8 *buf, size_t len, void *ctx)
{
	return modbus_rtu_response_len(buf, len);
}

static ssize_t modbus_xfer_mux(struct modbus_dev *mb, const u8 *req,
			       size_t req_len, u8 *resp)
{
	struct serdev_mux_xfer xfer = {
		.tx = req,
		.tx_len = req_len,
		.rx = resp,
		.rx_len = modbus_rtu_expected_len(req),
		.rx_done = modbus_rx_done,
		.timeout_ms = mb->timeout_ms,
	};

	return mb->mux_transfer(mb->serdev, &xfer);
}

static ssize_t modbus_xfer_uart(struct modbus_dev *mb, const u8 *req,
				size_t req_len, u8 *resp)
{
	unsigned long flags, timeout;
	s64 quiet;
	ssize_t ret;
	long left;

	quiet = ktime_us_delta(ktime_get(), mb->last);
	if (quiet < mb->gap_us)
		serdev_line_sleep_us(mb->gap_us - quiet);
	trace_serdev_modbus_tx_start(dev_name(&mb->serdev->dev), mb->gap_us);

	spin_lock_irqsave(&mb->rx_lock, flags);
	mb->rx_len = 0;
	mb->rx_active = true;
	reinit_completion(&mb->rx_done);
	spin_unlock_irqrestore(&mb->rx_lock, flags);

	ret = serdev_device_write(mb->serdev, req, req_len,
				  serdev_line_wait_jiffies(mb->baud,
							   SERDEV_PARITY_NONE,
							   req_len, 0));
	if (ret >= 0 && ret != req_len)
		ret = -ETIMEDOUT;
	if (ret >= 0) {
		/*
		 * The slave's time counts from the end of the request on the
		 * wire: a UART may send later than its speed says.
		 */
		serdev_device_wait_until_sent(mb->serdev,
					      serdev_line_drain_jiffies(mb->baud,
									SERDEV_PARITY_NONE,
									req_len));
		timeout = serdev_line_wait_jiffies(mb->baud, SERDEV_PARITY_NONE,
						   modbus_rtu_expected_len(req),
						   mb->timeout_ms);
		left = wait_for_completion_timeout(&mb->rx_done, timeout);
		ret = 0;
		if (!left)
			ret = -ETIMEDOUT;
	}

	spin_lock_irqsave(&mb->rx_lock, flags);
	mb->rx_active = false;
	if (mb->rx_len)		/* cut short if it did not complete in time */
		ret = ret == -ETIMEDOUT ? -EPROTO : mb->rx_len;
	memcpy(resp, mb->rx, mb->rx_len);
	spin_unlock_irqrestore(&mb->rx_lock, flags);
	mb->last = ktime_get();
	return ret;
}

static void modbus_count(struct modbus_dev *mb, u8 fc, int err)
{
	struct modbus_stats *st = &mb->stats;

	switch (err) {
	case 0:
		st->responses++;
		return;
	case -ETIMEDOUT:
		st->timeouts++;
		break;
	case -EBADMSG:
		st->crc_errors++;
		break;
	case -EREMCHG:
		st->wrong_slave++;
		break;
	case -EPROTO:
		st->bad_frames++;
		break;
	default:
		st->exceptions++;
		break;
	}
	dev_warn_ratelimited(&mb->serdev->dev, "slave %u, function %#x: %pe\n",
			     mb->addr, fc, ERR_PTR(err));
}

static bool modbus_retryable(int err)
{
	return err == -ETIMEDOUT || err == -EBADMSG || err == -EREMCHG ||
	       err == -EPROTO;
}

/*
 * Send @req (address and CRC are filled in here) and check the response.
 * Returns the response length in @resp, or a negative errno.
 */
static ssize_t modbus_request(struct modbus_dev *mb, u8 *req, size_t req_len,
			      u8 *resp)
{
	unsigned int attempt;
	ssize_t len;
	int err = 0;

	req[0] = mb->addr;
	put_unaligned_le16(modbus_rtu_crc(req, req_len - 2),
			   req + req_len - 2);

	mutex_lock(&mb->lock);
	for (attempt = 0; attempt <= mb->retries; attempt++) {
		if (attempt)
			mb->stats.retries++;
		mb->stats.requests++;
		if (mb->mux_transfer)
			len = modbus_xfer_mux(mb, req, req_len, resp);
		else
			len = modbus_xfer_uart(mb, req, req_len, resp);
		if (len == -EPROTO || len == -EMSGSIZE || len == -EBADMSG)
			err = -EPROTO;	/* the mux saw an incomplete frame */
		else if (len < 0)
			err = len;
		else
			err = modbus_rtu_check(req, resp, len);
		modbus_count(mb, req[1], err);
		if (!err || !modbus_retryable(err))
			break;
		if (len == -ENODEV || len == -ESHUTDOWN)
			break;
	}
	mutex_unlock(&mb->lock);
	return err ? err : len;
}

/**
 * modbus_read_registers() - read holding (0x03) or input (0x04) registers
 * @mb: the slave
 * @fc: MODBUS_FC_READ_HOLDING or MODBUS_FC_READ_INPUT
 * @start: first register address
 * @count: number of registers, 1..125
 * @vals: where the values go (CPU order)
 *
 * May sleep. Nothing is written to @vals unless the read succeeds.
 *
 * Return: 0, -EINVAL for bad arguments, or the error of the last attempt
 * (see modbus_rtu_check(), plus -ETIMEDOUT and the mux's errors).
 */
int modbus_read_registers(struct modbus_dev *mb, u8 fc, u16 start, u16 count,
			  u16 *vals)
{
	u8 req[8], resp[MODBUS_RTU_MAX];
	ssize_t ret;
	unsigned int i;

	if ((fc != MODBUS_FC_READ_HOLDING && fc != MODBUS_FC_READ_INPUT) ||
	    !count || count > MODBUS_MAX_READ)
		return -EINVAL;
	req[1] = fc;
	put_unaligned_be16(start, req + 2);
	put_unaligned_be16(count, req + 4);
	ret = modbus_request(mb, req, sizeof(req), resp);
	if (ret < 0)
		return ret;
	for (i = 0; i < count; i++)
		vals[i] = get_unaligned_be16(resp + 3 + 2 * i);
	return 0;
}
EXPORT_SYMBOL_GPL(modbus_read_registers);

/**
 * modbus_write_register() - write one holding register (0x06)
 * @mb: the slave
 * @reg: register address
 * @val: value
 *
 * May sleep.
 *
 * Return: 0 or a negative errno, as for modbus_read_registers().
 */
int modbus_write_register(struct modbus_dev *mb, u16 reg, u16 val)
{
	u8 req[8], resp[MODBUS_RTU_MAX];
	ssize_t ret;

	req[1] = MODBUS_FC_WRITE_SINGLE;
	put_unaligned_be16(reg, req + 2);
	put_unaligned_be16(val, req + 4);
	ret = modbus_request(mb, req, sizeof(req), resp);
	return ret < 0 ? ret : 0;
}
EXPORT_SYMBOL_GPL(modbus_write_register);

/**
 * modbus_write_registers() - write consecutive holding registers (0x10)
 * @mb: the slave
 * @start: first register address
 * @count: number of registers, 1..123
 * @vals: the values (CPU order)
 *
 * May sleep.
 *
 * Return: 0 or a negative errno, as for modbus_read_registers().
 */
int modbus_write_registers(struct modbus_dev *mb, u16 start, u16 count,
			   const u16 *vals)
{
	u8 req[MODBUS_RTU_MAX], resp[MODBUS_RTU_MAX];
	ssize_t ret;
	unsigned int i;

	if (!count || count > MODBUS_MAX_WRITE)
		return -EINVAL;
	req[1] = MODBUS_FC_WRITE_MULTI;
	put_unaligned_be16(start, req + 2);
	put_unaligned_be16(count, req + 4);
	req[6] = 2 * count;
	for (i = 0; i < count; i++)
		put_unaligned_be16(vals[i], req + 7 + 2 * i);
	ret = modbus_request(mb, req, 9 + 2 * count, resp);
	return ret < 0 ? ret : 0;
}
EXPORT_SYMBOL_GPL(modbus_write_registers);

static int __init modbus_init(void)
{
	modbus_debugfs_root = debugfs_create_dir("serdev-modbus", NULL);
	return 0;
}
module_init(modbus_init);

static void __exit modbus_exit(void)
{
	debugfs_remove_recursive(modbus_debugfs_root);
}
module_exit(modbus_exit);

MODULE_DESCRIPTION("Modbus RTU master for serdev clients");
MODULE_LICENSE("GPL");

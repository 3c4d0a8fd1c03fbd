/* SPDX-License-Identifier: GPL-2.0 */
/*
 * serdev-mux client API: whole transactions on a virtual serdev port.
 *
 * A client bound to a port of a serdev mux shares one UART with the clients
 * of the other ports. Unmodified clients just write: the mux gives their
 * port the bus and takes it back after an idle time. Request/response
 * clients lock the bus, run transfers and unlock it, so no other port's
 * bytes come between a request and its response.
 */
#ifndef _SERDEV_MUX_H
#define _SERDEV_MUX_H

#include <linux/serdev.h>
#include <linux/types.h>

/**
 * typedef serdev_mux_rx_done_t - tells whether a response is complete
 * @buf: the bytes received so far
 * @len: how many
 * @ctx: the caller's context from struct serdev_mux_xfer
 *
 * Return: the total length of the response once @buf holds enough of it to
 * know (for example after a header with a length field), or 0 while that is
 * not known yet. A negative errno ends the transfer with that error.
 */
typedef ssize_t (*serdev_mux_rx_done_t)(const u8 *buf, size_t len, void *ctx);

/**
 * struct serdev_mux_xfer - one request and its response
 * @tx: request bytes, sent as one frame
 * @tx_len: request length (may be 0: receive only)
 * @rx: buffer for the response (may be NULL with @rx_len 0: send only)
 * @rx_len: size of @rx; the transfer ends when it is full
 * @rx_done: optional; ends the transfer as soon as the response is complete
 * @ctx: passed to @rx_done
 * @timeout_ms: the peer's time to answer. The mux adds the wire time of the
 *              request still in the UART and of @rx_len characters at the
 *              port's line speed, so a slow line needs no longer timeout.
 *              It does not bound the wait for the bus: other ports' turns
 *              are waited for as long as they can take
 */
struct serdev_mux_xfer {
	const u8 *tx;
	size_t tx_len;
	u8 *rx;
	size_t rx_len;
	serdev_mux_rx_done_t rx_done;
	void *ctx;
	unsigned int timeout_ms;
};

bool serdev_mux_is_port(struct serdev_device *serdev);
int serdev_mux_bus_lock(struct serdev_device *serdev, unsigned int timeout_ms);
void serdev_mux_bus_unlock(struct serdev_device *serdev);
ssize_t serdev_mux_transfer(struct serdev_device *serdev,
			    const struct serdev_mux_xfer *xfer);

#endif /* _SERDEV_MUX_H */

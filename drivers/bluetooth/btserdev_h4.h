/* SPDX-License-Identifier: GPL-2.0 */
/*
 * H4 (UART) receive path of the btserdev driver: reassembles HCI packets
 * from a byte stream in any chunking and resynchronises after garbage.
 */
#ifndef _BTSERDEV_H4_H
#define _BTSERDEV_H4_H

#include <linux/ratelimit.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct device;

/**
 * struct btserdev_h4_stats - receive path counters
 * @frames: packets delivered
 * @garbage: bytes skipped while looking for a packet type
 * @bad_header: headers refused (impossible length, handle or event size)
 * @dropped: partial packets dropped by btserdev_h4_rx_reset()
 * @nomem: packets lost because no buffer could be allocated
 */
struct btserdev_h4_stats {
	u64 frames;
	u64 garbage;
	u64 bad_header;
	u64 dropped;
	u64 nomem;
};

/**
 * typedef btserdev_h4_deliver_t - hand a complete packet on
 * @ctx: the context given to btserdev_h4_rx_init()
 * @skb: the packet, without its H4 type byte; hci_skb_pkt_type() is set.
 *	 Ownership passes to the callee.
 */
typedef void (*btserdev_h4_deliver_t)(void *ctx, struct sk_buff *skb);

/**
 * struct btserdev_h4_rx - receive state; callers serialise access
 * @dev: device named in error messages
 * @deliver: called for every complete packet
 * @ctx: passed to @deliver
 * @stats: counters
 * @rs: rate limit of the error messages
 * @state: internal
 * @type: internal: packet type being assembled
 * @hdr: internal: header bytes received so far
 * @hdr_have: internal: number of bytes in @hdr
 * @need: internal: payload bytes still to come
 * @skb: internal: packet being assembled, or NULL while skipping
 */
struct btserdev_h4_rx {
	struct device *dev;
	btserdev_h4_deliver_t deliver;
	void *ctx;
	struct btserdev_h4_stats stats;
	struct ratelimit_state rs;
	/* private */
	u8 state;
	u8 type;
	u8 hdr[4];
	u8 hdr_have;
	unsigned int need;
	struct sk_buff *skb;
};

void btserdev_h4_rx_init(struct btserdev_h4_rx *rx, struct device *dev,
			 btserdev_h4_deliver_t deliver, void *ctx);
void btserdev_h4_rx_feed(struct btserdev_h4_rx *rx, const u8 *data,
			 size_t count);
bool btserdev_h4_rx_busy(const struct btserdev_h4_rx *rx);
void btserdev_h4_rx_reset(struct btserdev_h4_rx *rx);

#endif /* _BTSERDEV_H4_H */

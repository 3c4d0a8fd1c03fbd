/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Three-wire UART (H5) link layer of the btserdev driver: SLIP framing,
 * header checksum and optional CRC, link establishment, the sliding window
 * of reliable packets with acknowledgment and retransmission, and the
 * sleep and wake messages. It knows nothing of the hci_dev or the UART:
 * the caller feeds it received bytes, hands it HCI packets to send, and
 * gets encoded frames and received packets back through its ops.
 */
#ifndef _BTSERDEV_H5_H
#define _BTSERDEV_H5_H

#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct device;

/* Payload of one packet: the length field has 12 bits. */
#define BTSERDEV_H5_MAX_PAYLOAD	0xfff
/* Header, payload and CRC, before SLIP escapes. */
#define BTSERDEV_H5_MAX_FRAME	(4 + BTSERDEV_H5_MAX_PAYLOAD + 2)
/* Largest window of unacknowledged reliable packets (3-bit field). */
#define BTSERDEV_H5_MAX_WINDOW	7

enum btserdev_h5_state {
	BTSERDEV_H5_UNINITIALIZED,	/* sending SYNC */
	BTSERDEV_H5_INITIALIZED,	/* SYNC answered, sending CONFIG */
	BTSERDEV_H5_ACTIVE,		/* CONFIG answered: HCI traffic */
};

/**
 * struct btserdev_h5_stats - link counters
 * @rx_frames: frames accepted (HCI packets, link messages and acks)
 * @rx_packets: HCI packets delivered
 * @rx_garbage: bytes outside frames, and frames too short for a header
 * @rx_bad_slip: frames with an invalid escape sequence
 * @rx_bad_header: frames with a bad header checksum or a length that does
 *	not match the bytes between the delimiters
 * @rx_bad_crc: frames whose data integrity check failed
 * @rx_too_long: frames longer than any valid frame
 * @rx_out_of_order: reliable packets out of sequence (duplicates included)
 * @rx_not_active: frames while the link is stopped, and non-link packets
 *	before it was active
 * @rx_unknown: packets of a type the host does not take
 * @rx_bad_ack: acknowledgments of packets never sent
 * @rx_nomem: packets lost because no buffer could be allocated
 * @tx_frames: frames sent
 * @tx_retransmits: reliable packets sent again after the ack timeout
 * @tx_acks: pure acknowledgments sent
 * @syncs: SYNC and CONFIG messages sent during link establishment
 * @peer_resets: SYNC received on an active link (the peer reset it)
 * @peer_sleeps: SLEEP messages received
 * @wakeups: WAKEUP messages sent to a sleeping peer
 */
struct btserdev_h5_stats {
	u64 rx_frames;
	u64 rx_packets;
	u64 rx_garbage;
	u64 rx_bad_slip;
	u64 rx_bad_header;
	u64 rx_bad_crc;
	u64 rx_too_long;
	u64 rx_out_of_order;
	u64 rx_not_active;
	u64 rx_unknown;
	u64 rx_bad_ack;
	u64 rx_nomem;
	u64 tx_frames;
	u64 tx_retransmits;
	u64 tx_acks;
	u64 syncs;
	u64 peer_resets;
	u64 peer_sleeps;
	u64 wakeups;
};

/**
 * struct btserdev_h5_ops - what the link needs from its user
 * @deliver: an HCI packet arrived (hci_skb_pkt_type() set); takes the skb
 * @write: an encoded frame is ready to be written to the UART; takes the
 *	   skb. Called with the link's lock held: it must only queue.
 * @kick: frames were queued by the receive path, the timer or the start
 *	  of link establishment: have them written. Called without the lock.
 *	  (After btserdev_h5_send() the caller writes them itself.)
 * @peer_reset: the peer reset an active link; what it had not acknowledged
 *	   is lost. Called with the link's lock held: it must only queue.
 */
struct btserdev_h5_ops {
	void (*deliver)(void *ctx, struct sk_buff *skb);
	void (*write)(void *ctx, struct sk_buff *skb);
	void (*kick)(void *ctx);
	void (*peer_reset)(void *ctx);
};

/**
 * struct btserdev_h5 - one H5 link
 * @dev: device named in error messages
 * @ops: callbacks
 * @ctx: passed to @ops
 * @stats: counters, under @lock
 * @rs: rate limit of the error messages
 * @lock: the link state, queues and counters
 * @running: between btserdev_h5_start() and btserdev_h5_stop(); a stopped
 *	     link ignores what it receives and sends nothing
 * @state: link establishment state
 * @want_crc: ask the peer for the data integrity check
 * @crc: the data integrity check is in use
 * @window: window agreed with the peer
 * @tx_seq: sequence number of the next new reliable packet
 * @rx_ack: next sequence number expected from the peer (sent as our ack)
 * @ack_pending: a received reliable packet waits for our acknowledgment
 * @peer_asleep: the peer said SLEEP and has not woken since
 * @rel: reliable packets waiting for room in the window
 * @unrel: link messages waiting to be sent
 * @unack: reliable packets sent and not acknowledged, oldest first
 * @timer: retransmission, and SYNC/CONFIG repetition before the link is up
 * @active: completed when the link becomes active
 * @char_ns: time of one character on the wire, in ns
 * @rx_state: receive path: internal
 * @rx_len: receive path: bytes of the frame being collected
 * @rx_buf: receive path: the frame being collected, SLIP escapes removed
 */
struct btserdev_h5 {
	struct device *dev;
	const struct btserdev_h5_ops *ops;
	void *ctx;
	struct btserdev_h5_stats stats;
	struct ratelimit_state rs;

	/* link state, queues and counters; taken by RX, TX and the timer */
	struct mutex lock;
	bool running;
	enum btserdev_h5_state state;
	bool want_crc;
	bool crc;
	u8 window;
	u8 tx_seq;
	u8 rx_ack;
	bool ack_pending;
	bool peer_asleep;
	struct sk_buff_head rel;
	struct sk_buff_head unrel;
	struct sk_buff_head unack;
	struct delayed_work timer;
	struct completion active;
	u32 char_ns;

	u8 rx_state;
	size_t rx_len;
	u8 *rx_buf;
};

int btserdev_h5_init(struct btserdev_h5 *h5, struct device *dev,
		     const struct btserdev_h5_ops *ops, void *ctx);
void btserdev_h5_destroy(struct btserdev_h5 *h5);
void btserdev_h5_set_speed(struct btserdev_h5 *h5, unsigned int baud,
			   unsigned int bits_per_char);
void btserdev_h5_start(struct btserdev_h5 *h5, bool want_crc);
int btserdev_h5_wait_active(struct btserdev_h5 *h5, unsigned int tries);
void btserdev_h5_stop(struct btserdev_h5 *h5);
int btserdev_h5_send(struct btserdev_h5 *h5, struct sk_buff *skb);
void btserdev_h5_rx_feed(struct btserdev_h5 *h5, const u8 *data, size_t count);
bool btserdev_h5_rx_busy(struct btserdev_h5 *h5);
void btserdev_h5_rx_reset(struct btserdev_h5 *h5);
void btserdev_h5_get_stats(struct btserdev_h5 *h5,
			   struct btserdev_h5_stats *stats);
size_t btserdev_h5_encode(u8 *out, const u8 *hdr, const u8 *payload,
			  size_t len, bool crc);
u16 btserdev_h5_crc(const u8 *data, size_t len);

#endif /* _BTSERDEV_H5_H */

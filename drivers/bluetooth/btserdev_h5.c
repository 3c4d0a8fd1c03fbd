// SPDX-License-Identifier: GPL-2.0
/*
 * Three-wire UART (H5) link layer of btserdev.
 *
 * A frame is SLIP-delimited (0xc0, with 0xc0 and 0xdb escaped as 0xdb 0xdc
 * and 0xdb 0xdd) and starts with a four-byte header: sequence number (3
 * bits), acknowledgment number (3 bits), integrity-check-present and
 * reliable flags; packet type (4 bits) and payload length (12 bits); a
 * checksum that makes the four bytes sum to 0xff. The optional integrity
 * check is a CRC-CCITT over header and payload, sent bit-reversed, most
 * significant byte first.
 *
 * Before any HCI packet each side sends SYNC until it gets SYNC RESPONSE,
 * then CONFIG (window size and integrity check) until CONFIG RESPONSE.
 * Commands and ACL data then go as reliable packets: at most a window of
 * them unacknowledged, sent again from the oldest when no acknowledgment
 * comes in time. Everything here runs in process context under the link's
 * mutex: the receive path (serdev's receive_buf), the sender and the timer
 * (a delayed work item).
 */

#include <kunit/visibility.h>
#include <linux/bitrev.h>
#include <linux/crc-ccitt.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci.h>

#include "btserdev_h5.h"

#define H5_ACK_PKT		0
#define H5_LINK_PKT		15

#define SLIP_DELIM		0xc0
#define SLIP_ESC		0xdb
#define SLIP_ESC_DELIM		0xdc
#define SLIP_ESC_ESC		0xdd

#define H5_HDR_SEQ(h)		((h)[0] & 0x07)
#define H5_HDR_ACK(h)		(((h)[0] >> 3) & 0x07)
#define H5_HDR_CRC(h)		(((h)[0] >> 6) & 0x01)
#define H5_HDR_REL(h)		(((h)[0] >> 7) & 0x01)
#define H5_HDR_TYPE(h)		((h)[1] & 0x0f)

/* CONFIG field: window size, and the data integrity check. */
#define H5_CFG_WINDOW		0x07
#define H5_CFG_CRC		BIT(4)

/*
 * What the peer may take to answer, on top of the time the bytes take on
 * the wire at the current speed: between SYNC (or CONFIG) messages, and
 * before unacknowledged packets are sent again.
 */
#define H5_SYNC_PERIOD_MS	100
#define H5_ACK_TIMEOUT_MS	250

static size_t h5_hdr_len(const u8 *h)
{
	return ((h[1] >> 4) & 0x0f) | (h[2] << 4);
}

enum { H5_RX_HUNT, H5_RX_FRAME, H5_RX_ESC };

static const u8 h5_sync[] = { 0x01, 0x7e };
static const u8 h5_sync_rsp[] = { 0x02, 0x7d };
static const u8 h5_config[] = { 0x03, 0xfc };
static const u8 h5_config_rsp[] = { 0x04, 0x7b };
static const u8 h5_wakeup[] = { 0x05, 0xfa };
static const u8 h5_woken[] = { 0x06, 0xf9 };
static const u8 h5_sleep[] = { 0x07, 0x78 };

/**
 * btserdev_h5_crc() - the data integrity check of a frame
 * @data: header and payload
 * @len: their length
 *
 * Return: the value sent after the payload, most significant byte first.
 */
u16 btserdev_h5_crc(const u8 *data, size_t len)
{
	return bitrev16(crc_ccitt(0xffff, data, len));
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_crc);

static size_t h5_slip_put(u8 *out, const u8 *data, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++) {
		switch (data[i]) {
		case SLIP_DELIM:
			out[n++] = SLIP_ESC;
			out[n++] = SLIP_ESC_DELIM;
			break;
		case SLIP_ESC:
			out[n++] = SLIP_ESC;
			out[n++] = SLIP_ESC_ESC;
			break;
		default:
			out[n++] = data[i];
		}
	}
	return n;
}

/**
 * btserdev_h5_encode() - one SLIP-framed H5 packet
 * @out: room for 2 + 2 * (4 + @len + 2) bytes
 * @hdr: the first three header bytes; the checksum is added here, and the
 *	 integrity-check flag set when @crc is true
 * @payload: the payload
 * @len: its length, at most BTSERDEV_H5_MAX_PAYLOAD
 * @crc: append the data integrity check
 *
 * Return: the number of bytes written to @out.
 */
size_t btserdev_h5_encode(u8 *out, const u8 *hdr, const u8 *payload,
			  size_t len, bool crc)
{
	u8 h[4] = { hdr[0], hdr[1], hdr[2] };
	u8 check[2];
	size_t n = 0;
	u16 c;

	if (crc)
		h[0] |= BIT(6);
	h[3] = ~(h[0] + h[1] + h[2]);
	out[n++] = SLIP_DELIM;
	n += h5_slip_put(out + n, h, sizeof(h));
	n += h5_slip_put(out + n, payload, len);
	if (crc) {
		c = bitrev16(crc_ccitt(crc_ccitt(0xffff, h, sizeof(h)),
				       payload, len));
		check[0] = c >> 8;
		check[1] = c & 0xff;
		n += h5_slip_put(out + n, check, sizeof(check));
	}
	out[n++] = SLIP_DELIM;
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_encode);

static u32 h5_char_ns(unsigned int baud, unsigned int bits_per_char)
{
	baud = max(baud, 1U);
	return div_u64((u64)bits_per_char * NSEC_PER_SEC + baud - 1, baud);
}

static unsigned long h5_wire_jiffies(struct btserdev_h5 *h5, size_t bytes)
{
	return nsecs_to_jiffies((u64)bytes * h5->char_ns);
}

static unsigned long h5_sync_period(struct btserdev_h5 *h5)
{
	/* A CONFIG and its answer, escapes included, both ways. */
	return msecs_to_jiffies(H5_SYNC_PERIOD_MS) + h5_wire_jiffies(h5, 2 * 16);
}

/* The frames waiting for an acknowledgment, header and CRC included. */
static size_t h5_unack_bytes(struct btserdev_h5 *h5)
{
	struct sk_buff *skb;
	size_t n = 0;

	skb_queue_walk(&h5->unack, skb)
		n += skb->len + 6;
	return n;
}

static unsigned long h5_ack_timeout(struct btserdev_h5 *h5)
{
	/*
	 * The window's frames on the wire (escapes can double them), and as
	 * much again for what the peer sends before its acknowledgment.
	 */
	return msecs_to_jiffies(H5_ACK_TIMEOUT_MS) +
	       h5_wire_jiffies(h5, 4 * h5_unack_bytes(h5));
}

/* Encode and hand on one frame; false if no buffer could be had. */
static bool h5_frame(struct btserdev_h5 *h5, u8 type, bool reliable, u8 seq,
		     const u8 *payload, size_t len)
{
	struct sk_buff *skb;
	u8 hdr[3];

	skb = alloc_skb(2 + 2 * (4 + len + 2), GFP_KERNEL);
	if (!skb)
		return false;
	hdr[0] = seq | (h5->rx_ack << 3) | (reliable ? BIT(7) : 0);
	hdr[1] = type | ((len & 0x0f) << 4);
	hdr[2] = len >> 4;
	skb_put(skb, btserdev_h5_encode(skb->data, hdr, payload, len, h5->crc));
	h5->stats.tx_frames++;
	h5->ops->write(h5->ctx, skb);
	return true;
}

static void h5_link_msg(struct btserdev_h5 *h5, const u8 *msg, size_t len)
{
	struct sk_buff *skb;

	skb = alloc_skb(len, GFP_KERNEL);
	if (!skb) {
		h5->stats.rx_nomem++;
		return;
	}
	skb_put_data(skb, msg, len);
	hci_skb_pkt_type(skb) = H5_LINK_PKT;
	skb_queue_tail(&h5->unrel, skb);
}

static u8 h5_cfg(struct btserdev_h5 *h5)
{
	return BTSERDEV_H5_MAX_WINDOW | (h5->want_crc ? H5_CFG_CRC : 0);
}

static void h5_send_config(struct btserdev_h5 *h5, const u8 *head)
{
	u8 msg[3] = { head[0], head[1], h5_cfg(h5) };

	h5_link_msg(h5, msg, sizeof(msg));
}

/* Send what may go now: link messages, reliable packets, an ack. */
static void h5_tx(struct btserdev_h5 *h5)
{
	struct sk_buff *skb;
	u8 seq;

	lockdep_assert_held(&h5->lock);
	while ((skb = skb_dequeue(&h5->unrel))) {
		/* Unreliable HCI packets (SCO) only go on an active link. */
		if (hci_skb_pkt_type(skb) == H5_LINK_PKT ||
		    h5->state == BTSERDEV_H5_ACTIVE)
			if (!h5_frame(h5, hci_skb_pkt_type(skb), false, 0,
				      skb->data, skb->len))
				h5->stats.rx_nomem++;
		kfree_skb(skb);
	}
	if (h5->state != BTSERDEV_H5_ACTIVE)
		return;

	if (h5->peer_asleep) {
		/* The timer repeats WAKEUP until the peer says WOKEN. */
		if (!skb_queue_empty(&h5->rel) &&
		    !delayed_work_pending(&h5->timer)) {
			h5->stats.wakeups++;
			h5_frame(h5, H5_LINK_PKT, false, 0, h5_wakeup,
				 sizeof(h5_wakeup));
			schedule_delayed_work(&h5->timer, h5_sync_period(h5));
		}
	} else {
		while (skb_queue_len(&h5->unack) < h5->window &&
		       (skb = skb_dequeue(&h5->rel))) {
			seq = h5->tx_seq;
			if (!h5_frame(h5, hci_skb_pkt_type(skb), true, seq,
				      skb->data, skb->len)) {
				/* The ack timer tries again. */
				skb_queue_head(&h5->rel, skb);
				break;
			}
			h5->tx_seq = (seq + 1) & 0x07;
			h5->ack_pending = false;
			skb_queue_tail(&h5->unack, skb);
		}
		if (!skb_queue_empty(&h5->unack) ||
		    !skb_queue_empty(&h5->rel))
			if (!delayed_work_pending(&h5->timer))
				schedule_delayed_work(&h5->timer,
						      h5_ack_timeout(h5));
	}

	if (h5->ack_pending) {
		if (h5_frame(h5, H5_ACK_PKT, false, 0, NULL, 0)) {
			h5->stats.tx_acks++;
			h5->ack_pending = false;
		}
	}
}

static void h5_reset_link(struct btserdev_h5 *h5)
{
	skb_queue_purge(&h5->rel);
	skb_queue_purge(&h5->unrel);
	skb_queue_purge(&h5->unack);
	h5->state = BTSERDEV_H5_UNINITIALIZED;
	h5->crc = false;
	h5->window = 1;
	h5->tx_seq = 0;
	h5->rx_ack = 0;
	h5->ack_pending = false;
	h5->peer_asleep = false;
	reinit_completion(&h5->active);
}

static void h5_timer(struct work_struct *work)
{
	struct btserdev_h5 *h5 = container_of(to_delayed_work(work),
					      struct btserdev_h5, timer);
	struct sk_buff *skb;
	unsigned int n = 0;

	mutex_lock(&h5->lock);
	if (!h5->running) {
		mutex_unlock(&h5->lock);
		return;
	}
	switch (h5->state) {
	case BTSERDEV_H5_UNINITIALIZED:
		h5->stats.syncs++;
		h5_link_msg(h5, h5_sync, sizeof(h5_sync));
		schedule_delayed_work(&h5->timer, h5_sync_period(h5));
		break;
	case BTSERDEV_H5_INITIALIZED:
		h5->stats.syncs++;
		h5_send_config(h5, h5_config);
		schedule_delayed_work(&h5->timer, h5_sync_period(h5));
		break;
	case BTSERDEV_H5_ACTIVE:
		if (h5->peer_asleep)
			break;
		/* Everything not acknowledged goes again, oldest first. */
		while ((skb = skb_dequeue_tail(&h5->unack))) {
			skb_queue_head(&h5->rel, skb);
			h5->tx_seq = (h5->tx_seq - 1) & 0x07;
			n++;
		}
		h5->stats.tx_retransmits += n;
		if (n && __ratelimit(&h5->rs))
			dev_warn(h5->dev, "H5: no acknowledgment: sending %u packets again\n",
				 n);
		break;
	}
	h5_tx(h5);
	mutex_unlock(&h5->lock);
	h5->ops->kick(h5->ctx);
}

/* The peer acknowledged everything before @ack. */
static void h5_acked(struct btserdev_h5 *h5, u8 ack)
{
	unsigned int qlen = skb_queue_len(&h5->unack);
	unsigned int done = (ack - (h5->tx_seq - qlen)) & 0x07;
	struct sk_buff *skb;

	if (done > qlen) {
		h5->stats.rx_bad_ack++;
		if (__ratelimit(&h5->rs))
			dev_err(h5->dev, "H5: acknowledgment %u of a packet never sent\n",
				ack);
		return;
	}
	if (!done)
		return;
	while (done--) {
		skb = skb_dequeue(&h5->unack);
		kfree_skb(skb);
	}
	/* The timer now runs for what is left, if anything. */
	if (skb_queue_empty(&h5->unack) && skb_queue_empty(&h5->rel))
		cancel_delayed_work(&h5->timer);
	else
		mod_delayed_work(system_wq, &h5->timer, h5_ack_timeout(h5));
}

static void h5_rx_link(struct btserdev_h5 *h5, const u8 *p, size_t len)
{
	u8 cfg;

	if (len < 2) {
		h5->stats.rx_unknown++;
		return;
	}
	if (!memcmp(p, h5_sync, 2)) {
		if (h5->state == BTSERDEV_H5_ACTIVE) {
			h5->stats.peer_resets++;
			if (__ratelimit(&h5->rs))
				dev_err(h5->dev, "H5: the peer reset the link\n");
			h5_reset_link(h5);
			h5->ops->peer_reset(h5->ctx);
			mod_delayed_work(system_wq, &h5->timer, 0);
		}
		h5_link_msg(h5, h5_sync_rsp, sizeof(h5_sync_rsp));
	} else if (!memcmp(p, h5_sync_rsp, 2)) {
		/* Late answers to repeated SYNCs are ignored. */
		if (h5->state == BTSERDEV_H5_UNINITIALIZED) {
			h5->state = BTSERDEV_H5_INITIALIZED;
			h5->stats.syncs++;
			h5_send_config(h5, h5_config);
			mod_delayed_work(system_wq, &h5->timer,
					 h5_sync_period(h5));
		}
	} else if (!memcmp(p, h5_config, 2)) {
		h5_send_config(h5, h5_config_rsp);
	} else if (!memcmp(p, h5_config_rsp, 2)) {
		if (h5->state != BTSERDEV_H5_INITIALIZED)
			return;
		/* Without a field the peer takes the defaults: 1, no CRC. */
		cfg = len > 2 ? p[2] : 1;
		h5->window = clamp_t(u8, cfg & H5_CFG_WINDOW, 1,
				     BTSERDEV_H5_MAX_WINDOW);
		h5->crc = h5->want_crc && (cfg & H5_CFG_CRC);
		h5->state = BTSERDEV_H5_ACTIVE;
		cancel_delayed_work(&h5->timer);
		complete_all(&h5->active);
		dev_dbg(h5->dev, "H5: link active, window %u, CRC %s\n",
			h5->window, h5->crc ? "on" : "off");
	} else if (!memcmp(p, h5_wakeup, 2)) {
		h5->peer_asleep = false;
		h5_link_msg(h5, h5_woken, sizeof(h5_woken));
	} else if (!memcmp(p, h5_woken, 2)) {
		if (h5->peer_asleep)
			cancel_delayed_work(&h5->timer);
		h5->peer_asleep = false;
	} else if (!memcmp(p, h5_sleep, 2)) {
		h5->stats.peer_sleeps++;
		h5->peer_asleep = true;
	} else {
		h5->stats.rx_unknown++;
	}
}

static void h5_rx_packet(struct btserdev_h5 *h5, u8 type, const u8 *p,
			 size_t len)
{
	struct sk_buff *skb;

	skb = bt_skb_alloc(len, GFP_KERNEL);
	if (!skb) {
		h5->stats.rx_nomem++;
		return;
	}
	skb_put_data(skb, p, len);
	hci_skb_pkt_type(skb) = type;
	h5->stats.rx_packets++;
	h5->ops->deliver(h5->ctx, skb);
}

static void h5_rx_frame(struct btserdev_h5 *h5)
{
	const u8 *h = h5->rx_buf;
	size_t len = h5->rx_len, plen;
	u8 type;

	if (len < 4) {
		h5->stats.rx_garbage += len;
		return;
	}
	plen = h5_hdr_len(h);
	if (((h[0] + h[1] + h[2] + h[3]) & 0xff) != 0xff ||
	    len != 4 + plen + (H5_HDR_CRC(h) ? 2 : 0)) {
		h5->stats.rx_bad_header++;
		if (__ratelimit(&h5->rs))
			dev_err(h5->dev, "H5: bad header (checksum or length %zu)\n",
				len);
		return;
	}
	if (H5_HDR_CRC(h) &&
	    btserdev_h5_crc(h, 4 + plen) != (h[4 + plen] << 8 | h[5 + plen])) {
		h5->stats.rx_bad_crc++;
		if (__ratelimit(&h5->rs))
			dev_err(h5->dev, "H5: data integrity check failed\n");
		return;
	}
	type = H5_HDR_TYPE(h);
	/*
	 * A stopped link (the controller is closed) takes nothing: a late
	 * answer to its last SYNC must not restart link establishment.
	 */
	if (!h5->running ||
	    (h5->state != BTSERDEV_H5_ACTIVE && type != H5_LINK_PKT)) {
		h5->stats.rx_not_active++;
		return;
	}
	if (H5_HDR_REL(h)) {
		/* Out of sequence: dropped, and the expected one asked for. */
		h5->ack_pending = true;
		if (H5_HDR_SEQ(h) != h5->rx_ack) {
			h5->stats.rx_out_of_order++;
			if (__ratelimit(&h5->rs))
				dev_warn(h5->dev, "H5: packet %u out of sequence (expected %u)\n",
					 H5_HDR_SEQ(h), h5->rx_ack);
			return;
		}
		h5->rx_ack = (h5->rx_ack + 1) & 0x07;
	}
	h5->stats.rx_frames++;
	if (h5->state == BTSERDEV_H5_ACTIVE)
		h5_acked(h5, H5_HDR_ACK(h));

	switch (type) {
	case HCI_EVENT_PKT:
	case HCI_ACLDATA_PKT:
	case HCI_SCODATA_PKT:
	case HCI_ISODATA_PKT:
		h5_rx_packet(h5, type, h + 4, plen);
		break;
	case H5_ACK_PKT:
		break;
	case H5_LINK_PKT:
		h5_rx_link(h5, h + 4, plen);
		break;
	default:
		h5->stats.rx_unknown++;
		break;
	}
}

static void h5_rx_put(struct btserdev_h5 *h5, u8 c)
{
	if (h5->rx_len == BTSERDEV_H5_MAX_FRAME) {
		h5->stats.rx_too_long++;
		if (__ratelimit(&h5->rs))
			dev_err(h5->dev, "H5: frame longer than %u bytes dropped\n",
				BTSERDEV_H5_MAX_FRAME);
		h5->rx_state = H5_RX_HUNT;
		h5->rx_len = 0;
		return;
	}
	h5->rx_buf[h5->rx_len++] = c;
}

/**
 * btserdev_h5_rx_feed() - take received bytes
 * @h5: the link
 * @data: the bytes
 * @count: how many
 *
 * Complete frames are checked and acted on at once: HCI packets go to the
 * deliver op, acknowledgments free sent packets, link messages advance
 * the link. Anything else is counted and skipped up to the next delimiter.
 */
void btserdev_h5_rx_feed(struct btserdev_h5 *h5, const u8 *data, size_t count)
{
	size_t i;
	u8 c;

	mutex_lock(&h5->lock);
	for (i = 0; i < count; i++) {
		c = data[i];
		switch (h5->rx_state) {
		case H5_RX_HUNT:
			if (c == SLIP_DELIM) {
				h5->rx_state = H5_RX_FRAME;
				h5->rx_len = 0;
			} else {
				h5->stats.rx_garbage++;
			}
			break;
		case H5_RX_FRAME:
			if (c == SLIP_DELIM) {
				if (h5->rx_len)
					h5_rx_frame(h5);
				h5->rx_len = 0;
			} else if (c == SLIP_ESC) {
				h5->rx_state = H5_RX_ESC;
			} else {
				h5_rx_put(h5, c);
			}
			break;
		case H5_RX_ESC:
			if (c == SLIP_ESC_DELIM || c == SLIP_ESC_ESC) {
				h5->rx_state = H5_RX_FRAME;
				h5_rx_put(h5, c == SLIP_ESC_DELIM ? SLIP_DELIM : SLIP_ESC);
				break;
			}
			h5->stats.rx_bad_slip++;
			if (__ratelimit(&h5->rs))
				dev_err(h5->dev, "H5: invalid escape %#04x\n", c);
			/* A delimiter after the escape starts the next frame. */
			h5->rx_state = c == SLIP_DELIM ? H5_RX_FRAME : H5_RX_HUNT;
			h5->rx_len = 0;
			break;
		}
	}
	h5_tx(h5);
	mutex_unlock(&h5->lock);
	h5->ops->kick(h5->ctx);
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_rx_feed);

/**
 * btserdev_h5_rx_busy() - a frame is being received
 * @h5: the link
 *
 * Return: true between the start of a frame and its end.
 */
bool btserdev_h5_rx_busy(struct btserdev_h5 *h5)
{
	bool busy;

	mutex_lock(&h5->lock);
	busy = h5->rx_state != H5_RX_HUNT && h5->rx_len;
	mutex_unlock(&h5->lock);
	return busy;
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_rx_busy);

/**
 * btserdev_h5_rx_reset() - drop a frame the line left incomplete
 * @h5: the link
 *
 * Its bytes are counted as garbage; the next delimiter starts a frame.
 */
void btserdev_h5_rx_reset(struct btserdev_h5 *h5)
{
	mutex_lock(&h5->lock);
	if (h5->rx_state != H5_RX_HUNT)
		h5->stats.rx_garbage += h5->rx_len;
	h5->rx_state = H5_RX_HUNT;
	h5->rx_len = 0;
	mutex_unlock(&h5->lock);
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_rx_reset);

/**
 * btserdev_h5_send() - send an HCI packet
 * @h5: the link
 * @skb: the packet, hci_skb_pkt_type() set, without a type byte; taken
 *
 * Commands, ACL and ISO data go reliably, in the window; SCO data goes
 * unreliably.
 *
 * Return: 0, or -EINVAL for a type H5 does not carry or a packet too long.
 */
int btserdev_h5_send(struct btserdev_h5 *h5, struct sk_buff *skb)
{
	switch (hci_skb_pkt_type(skb)) {
	case HCI_COMMAND_PKT:
	case HCI_ACLDATA_PKT:
	case HCI_ISODATA_PKT:
	case HCI_SCODATA_PKT:
		if (skb->len <= BTSERDEV_H5_MAX_PAYLOAD)
			break;
		fallthrough;
	default:
		kfree_skb(skb);
		return -EINVAL;
	}
	mutex_lock(&h5->lock);
	if (hci_skb_pkt_type(skb) == HCI_SCODATA_PKT)
		skb_queue_tail(&h5->unrel, skb);
	else
		skb_queue_tail(&h5->rel, skb);
	h5_tx(h5);
	mutex_unlock(&h5->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_send);

/**
 * btserdev_h5_set_speed() - the UART's speed changed
 * @h5: the link
 * @baud: bits per second
 * @bits_per_char: start, data, parity and stop bits of a character
 *
 * Timeouts grow with the time the bytes pending take on the wire.
 */
void btserdev_h5_set_speed(struct btserdev_h5 *h5, unsigned int baud,
			   unsigned int bits_per_char)
{
	mutex_lock(&h5->lock);
	h5->char_ns = h5_char_ns(baud, bits_per_char);
	mutex_unlock(&h5->lock);
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_set_speed);

/**
 * btserdev_h5_start() - start link establishment
 * @h5: the link
 * @want_crc: ask the peer for the data integrity check
 *
 * Everything from an earlier link is dropped; SYNC is sent, and repeated
 * by the timer until the link is active.
 */
void btserdev_h5_start(struct btserdev_h5 *h5, bool want_crc)
{
	mutex_lock(&h5->lock);
	h5_reset_link(h5);
	h5->running = true;
	h5->want_crc = want_crc;
	h5->rx_state = H5_RX_HUNT;
	h5->rx_len = 0;
	h5->stats.syncs++;
	h5_link_msg(h5, h5_sync, sizeof(h5_sync));
	h5_tx(h5);
	mod_delayed_work(system_wq, &h5->timer, h5_sync_period(h5));
	mutex_unlock(&h5->lock);
	h5->ops->kick(h5->ctx);
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_start);

/**
 * btserdev_h5_wait_active() - wait for link establishment
 * @h5: the link, started
 * @tries: SYNC/CONFIG periods to wait
 *
 * Return: 0 once the link is active, -ETIMEDOUT if the peer did not
 * answer in time.
 */
int btserdev_h5_wait_active(struct btserdev_h5 *h5, unsigned int tries)
{
	unsigned long period;
	int state;

	mutex_lock(&h5->lock);
	period = h5_sync_period(h5);
	mutex_unlock(&h5->lock);
	if (wait_for_completion_timeout(&h5->active, tries * period))
		return 0;
	mutex_lock(&h5->lock);
	state = h5->state;
	mutex_unlock(&h5->lock);
	dev_err(h5->dev, "H5: no answer to %s in %u tries (%u ms)\n",
		state == BTSERDEV_H5_UNINITIALIZED ? "SYNC" : "CONFIG", tries,
		jiffies_to_msecs(tries * period));
	return -ETIMEDOUT;
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_wait_active);

/**
 * btserdev_h5_stop() - take the link down
 * @h5: the link
 *
 * Stops the timer and drops every queued packet; until the next start,
 * received frames are ignored (counted as rx_not_active).
 */
void btserdev_h5_stop(struct btserdev_h5 *h5)
{
	mutex_lock(&h5->lock);
	h5->running = false;
	mutex_unlock(&h5->lock);
	cancel_delayed_work_sync(&h5->timer);
	mutex_lock(&h5->lock);
	h5_reset_link(h5);
	mutex_unlock(&h5->lock);
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_stop);

/**
 * btserdev_h5_get_stats() - a copy of the counters
 * @h5: the link
 * @stats: where to put it
 */
void btserdev_h5_get_stats(struct btserdev_h5 *h5,
			   struct btserdev_h5_stats *stats)
{
	mutex_lock(&h5->lock);
	*stats = h5->stats;
	mutex_unlock(&h5->lock);
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_get_stats);

/**
 * btserdev_h5_init() - set up a link, down
 * @h5: the link
 * @dev: device named in messages
 * @ops: callbacks
 * @ctx: passed to @ops
 *
 * Return: 0 or -ENOMEM.
 */
int btserdev_h5_init(struct btserdev_h5 *h5, struct device *dev,
		     const struct btserdev_h5_ops *ops, void *ctx)
{
	memset(h5, 0, sizeof(*h5));
	h5->rx_buf = kmalloc(BTSERDEV_H5_MAX_FRAME, GFP_KERNEL);
	if (!h5->rx_buf)
		return -ENOMEM;
	h5->dev = dev;
	h5->ops = ops;
	h5->ctx = ctx;
	ratelimit_state_init(&h5->rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	mutex_init(&h5->lock);
	skb_queue_head_init(&h5->rel);
	skb_queue_head_init(&h5->unrel);
	skb_queue_head_init(&h5->unack);
	INIT_DELAYED_WORK(&h5->timer, h5_timer);
	init_completion(&h5->active);
	h5->window = 1;
	h5->char_ns = h5_char_ns(115200, 10);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_init);

/**
 * btserdev_h5_destroy() - free a link set up by btserdev_h5_init()
 * @h5: the link
 */
void btserdev_h5_destroy(struct btserdev_h5 *h5)
{
	btserdev_h5_stop(h5);
	kfree(h5->rx_buf);
	h5->rx_buf = NULL;
	mutex_destroy(&h5->lock);
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h5_destroy);

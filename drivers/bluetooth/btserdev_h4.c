// SPDX-License-Identifier: GPL-2.0
/*
 * H4 receive path: HCI packets from a UART byte stream.
 *
 * Upstream's h4_recv_buf() drops the rest of a chunk on an unknown packet
 * type and never looks for the next packet. Here every header is checked
 * for plausibility before a buffer is committed to it, and a refused type
 * byte or header is skipped one byte at a time, so the next real packet is
 * found wherever it starts. What cannot be told from the stream alone (a
 * packet cut short and followed by silence) is left to the caller's
 * inactivity timer, which calls btserdev_h4_rx_reset().
 */

#include <kunit/visibility.h>
#include <linux/device.h>
#include <linux/export.h>
#include <linux/module.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci.h>

#include "btserdev_h4.h"

enum {
	H4_WAIT_TYPE,
	H4_HEADER,
	H4_PAYLOAD,
};

/* Connection handles are 12 bits; 0x0f00 and above are reserved. */
#define H4_MAX_HANDLE	0x0eff

/* Little-endian 16-bit field of a header (headers are byte arrays). */
static u16 h4_le16(const u8 *p)
{
	return p[0] | p[1] << 8;
}

struct h4_type {
	u8 type;
	u8 hdr_len;
};

static const struct h4_type h4_types[] = {
	{ HCI_ACLDATA_PKT, HCI_ACL_HDR_SIZE },
	{ HCI_SCODATA_PKT, HCI_SCO_HDR_SIZE },
	{ HCI_EVENT_PKT, HCI_EVENT_HDR_SIZE },
	{ HCI_ISODATA_PKT, HCI_ISO_HDR_SIZE },
};

static const struct h4_type *h4_type_lookup(u8 type)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(h4_types); i++)
		if (h4_types[i].type == type)
			return &h4_types[i];
	return NULL;
}

/* Payload length announced by a complete header. */
static unsigned int h4_payload_len(u8 type, const u8 *hdr)
{
	switch (type) {
	case HCI_ACLDATA_PKT:
		return h4_le16(hdr + 2);
	case HCI_SCODATA_PKT:
		return hdr[2];
	case HCI_EVENT_PKT:
		return hdr[1];
	case HCI_ISODATA_PKT:
		return h4_le16(hdr + 2) & 0x3fff;
	}
	return 0;
}

/* Events whose parameter length is fixed or has a known minimum. */
static bool h4_event_plausible(u8 evt, unsigned int plen)
{
	switch (evt) {
	case 0x00:
		return false;
	case HCI_EV_CMD_COMPLETE:
		return plen >= sizeof(struct hci_ev_cmd_complete);
	case HCI_EV_CMD_STATUS:
		return plen == sizeof(struct hci_ev_cmd_status);
	case HCI_EV_HARDWARE_ERROR:
		return plen == 1;
	case HCI_EV_NUM_COMP_PKTS:
		return plen >= 1 && (plen - 1) % 4 == 0;
	case HCI_EV_DISCONN_COMPLETE:
		return plen == sizeof(struct hci_ev_disconn_complete);
	case HCI_EV_CONN_COMPLETE:
		return plen == sizeof(struct hci_ev_conn_complete);
	}
	return true;
}

static bool h4_header_plausible(u8 type, const u8 *hdr, unsigned int len)
{
	switch (type) {
	case HCI_ACLDATA_PKT:
		return (h4_le16(hdr) & 0x0fff) <= H4_MAX_HANDLE &&
		       len <= HCI_MAX_ACL_SIZE;
	case HCI_SCODATA_PKT:
		return (h4_le16(hdr) & 0x0fff) <= H4_MAX_HANDLE;
	case HCI_EVENT_PKT:
		return h4_event_plausible(hdr[0], len);
	case HCI_ISODATA_PKT:
		return (h4_le16(hdr) & 0x0fff) <= H4_MAX_HANDLE &&
		       len <= HCI_MAX_FRAME_SIZE - HCI_ISO_HDR_SIZE;
	}
	return false;
}

/**
 * btserdev_h4_rx_init() - prepare a receive path
 * @rx: the state to initialise
 * @dev: device named in error messages
 * @deliver: called with every complete packet
 * @ctx: passed to @deliver
 */
void btserdev_h4_rx_init(struct btserdev_h4_rx *rx, struct device *dev,
			 btserdev_h4_deliver_t deliver, void *ctx)
{
	memset(rx, 0, sizeof(*rx));
	rx->dev = dev;
	rx->deliver = deliver;
	rx->ctx = ctx;
	ratelimit_state_init(&rx->rs, 5 * HZ, 10);
	rx->state = H4_WAIT_TYPE;
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h4_rx_init);

static void h4_deliver(struct btserdev_h4_rx *rx)
{
	struct sk_buff *skb = rx->skb;

	rx->skb = NULL;
	rx->state = H4_WAIT_TYPE;
	rx->stats.frames++;
	rx->deliver(rx->ctx, skb);
}

static void h4_feed(struct btserdev_h4_rx *rx, const u8 *p, size_t count);

/*
 * The header at rx->hdr was refused: its type byte was noise. Look for a
 * packet start again from the byte after it.
 */
static void h4_resync(struct btserdev_h4_rx *rx)
{
	u8 again[sizeof(rx->hdr)];
	u8 n = rx->hdr_have;

	memcpy(again, rx->hdr, n);
	rx->stats.bad_header++;
	rx->state = H4_WAIT_TYPE;
	rx->hdr_have = 0;
	if (__ratelimit(&rx->rs))
		dev_warn(rx->dev, "h4: implausible header (type %#04x, %*ph): resynchronising\n",
			 rx->type, n, again);
	/* Recursion is bounded: each level re-reads a shorter run. */
	h4_feed(rx, again, n);
}

static void h4_header_done(struct btserdev_h4_rx *rx)
{
	unsigned int len = h4_payload_len(rx->type, rx->hdr);

	if (!h4_header_plausible(rx->type, rx->hdr, len)) {
		h4_resync(rx);
		return;
	}

	rx->skb = bt_skb_alloc(rx->hdr_have + len, GFP_ATOMIC);
	if (!rx->skb) {
		rx->stats.nomem++;
		if (__ratelimit(&rx->rs))
			dev_err(rx->dev, "h4: no memory for a %u byte packet\n",
				rx->hdr_have + len);
	} else {
		hci_skb_pkt_type(rx->skb) = rx->type;
		skb_put_data(rx->skb, rx->hdr, rx->hdr_have);
	}
	rx->need = len;
	rx->state = H4_PAYLOAD;
	if (!len && rx->skb)
		h4_deliver(rx);
	else if (!len)
		rx->state = H4_WAIT_TYPE;
}

static void h4_feed(struct btserdev_h4_rx *rx, const u8 *p, size_t count)
{
	const u8 *end = p + count;
	const struct h4_type *t;
	size_t skipped = 0;
	unsigned int n;

	while (p < end) {
		switch (rx->state) {
		case H4_WAIT_TYPE:
			t = h4_type_lookup(*p);
			if (!t) {
				skipped++;
				p++;
				break;
			}
			rx->type = *p++;
			rx->hdr_have = 0;
			rx->state = H4_HEADER;
			break;
		case H4_HEADER:
			rx->hdr[rx->hdr_have++] = *p++;
			t = h4_type_lookup(rx->type);
			if (rx->hdr_have == t->hdr_len)
				h4_header_done(rx);
			break;
		case H4_PAYLOAD:
			n = min_t(size_t, rx->need, end - p);
			if (rx->skb)
				skb_put_data(rx->skb, p, n);
			rx->need -= n;
			p += n;
			if (rx->need)
				break;
			if (rx->skb)
				h4_deliver(rx);
			else
				rx->state = H4_WAIT_TYPE;
			break;
		}
	}

	if (skipped) {
		rx->stats.garbage += skipped;
		if (__ratelimit(&rx->rs))
			dev_warn(rx->dev, "h4: skipped %zu bytes that start no packet\n",
				 skipped);
	}
}

/**
 * btserdev_h4_rx_feed() - take bytes received from the UART
 * @rx: the receive path
 * @data: the bytes
 * @count: number of bytes
 *
 * Every byte is consumed: complete packets are delivered, a packet split
 * across calls is kept until its remaining bytes arrive, and bytes that
 * start no plausible packet are counted and skipped.
 *
 * Context: any; the caller serialises calls on one @rx.
 */
void btserdev_h4_rx_feed(struct btserdev_h4_rx *rx, const u8 *data,
			 size_t count)
{
	h4_feed(rx, data, count);
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h4_rx_feed);

/**
 * btserdev_h4_rx_busy() - is a packet partly received?
 * @rx: the receive path
 *
 * Return: true between a packet's type byte and its last byte.
 */
bool btserdev_h4_rx_busy(const struct btserdev_h4_rx *rx)
{
	return rx->state != H4_WAIT_TYPE;
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h4_rx_busy);

/**
 * btserdev_h4_rx_reset() - drop a partly received packet
 * @rx: the receive path
 *
 * For the caller's inactivity timeout and for port close: the next byte
 * is expected to start a packet.
 */
void btserdev_h4_rx_reset(struct btserdev_h4_rx *rx)
{
	if (rx->state != H4_WAIT_TYPE) {
		rx->stats.dropped++;
		if (__ratelimit(&rx->rs))
			dev_warn(rx->dev, "h4: dropped a partial packet (type %#04x)\n",
				 rx->type);
	}
	kfree_skb(rx->skb);
	rx->skb = NULL;
	rx->hdr_have = 0;
	rx->need = 0;
	rx->state = H4_WAIT_TYPE;
}
EXPORT_SYMBOL_IF_KUNIT(btserdev_h4_rx_reset);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the three-wire (H5) link layer of btserdev
 * (btserdev_h5.c). The test plays the controller: it reads the frames the
 * link writes (decoded here, independently of the code under test) and
 * feeds frames it builds itself. Cases: link establishment and the
 * CONFIG negotiation, every chunking of valid streams, garbage, bad
 * checksums and CRCs, out-of-sequence and duplicate packets, the window
 * and acknowledgments, retransmission after a lost acknowledgment, a peer
 * that resets the link, a peer that never answers SYNC, sleep and wake,
 * and a seeded fuzz run of random and mutated inputs.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/bitrev.h>
#include <linux/crc-ccitt.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/skbuff.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci.h>

#include "btserdev_h5.h"

#define T_ACK	0
#define T_LINK	15
#define T_MAX_FRAMES	64
#define T_OUT_MAX	(64 * 1024)

/* One frame as the test decodes it. */
struct t_frame {
	u8 seq, ack, type;
	bool rel, crc;
	size_t len;
	u8 data[64];
};

struct t_ctx {
	struct btserdev_h5 h5;
	/* what the link wrote, SLIP-encoded, as it wrote it */
	u8 *out;
	size_t out_len;
	size_t out_read;
	/* what it delivered */
	unsigned int delivered;
	u8 last_type;
	size_t last_len;
	u8 last[64];
	u64 delivered_bytes;
	unsigned int resets;
	bool check_deliveries;
};

static void t_deliver(void *ctx, struct sk_buff *skb)
{
	struct t_ctx *c = ctx;

	c->delivered++;
	c->delivered_bytes += skb->len;
	c->last_type = hci_skb_pkt_type(skb);
	c->last_len = skb->len;
	memcpy(c->last, skb->data, min_t(size_t, skb->len, sizeof(c->last)));
	kfree_skb(skb);
}

static void t_write(void *ctx, struct sk_buff *skb)
{
	struct t_ctx *c = ctx;

	/* The fuzz run only keeps the tail: enough to decode the last frames. */
	if (c->out_len + skb->len > T_OUT_MAX) {
		c->out_len = 0;
		c->out_read = 0;
	}
	memcpy(c->out + c->out_len, skb->data, skb->len);
	c->out_len += skb->len;
	kfree_skb(skb);
}

static void t_kick(void *ctx)
{
	/* t_write keeps every frame at once. */
}

static void t_peer_reset(void *ctx)
{
	struct t_ctx *c = ctx;

	c->resets++;
}

static const struct btserdev_h5_ops t_ops = {
	.deliver = t_deliver,
	.write = t_write,
	.kick = t_kick,
	.peer_reset = t_peer_reset,
};

static u16 t_crc(const u8 *p, size_t len)
{
	/* The H5 check: CRC-CCITT, 0xffff first, sent bit-reversed. */
	return bitrev16(crc_ccitt(0xffff, p, len));
}

/* Build a frame here, not with the code under test. */
static size_t t_build(u8 *out, u8 seq, u8 ack, bool rel, bool crc, u8 type,
		      const u8 *p, size_t len)
{
	u8 raw[4 + 64 + 2];
	size_t n = 0, i, rl;

	raw[0] = seq | ack << 3 | (crc ? 0x40 : 0) | (rel ? 0x80 : 0);
	raw[1] = type | (len & 0x0f) << 4;
	raw[2] = len >> 4;
	raw[3] = ~(raw[0] + raw[1] + raw[2]);
	memcpy(raw + 4, p, len);
	rl = 4 + len;
	if (crc) {
		u16 c = t_crc(raw, rl);

		raw[rl++] = c >> 8;
		raw[rl++] = c & 0xff;
	}
	out[n++] = 0xc0;
	for (i = 0; i < rl; i++) {
		if (raw[i] == 0xc0) {
			out[n++] = 0xdb;
			out[n++] = 0xdc;
		} else if (raw[i] == 0xdb) {
			out[n++] = 0xdb;
			out[n++] = 0xdd;
		} else {
			out[n++] = raw[i];
		}
	}
	out[n++] = 0xc0;
	return n;
}

static void t_feed_frame(struct t_ctx *c, u8 seq, u8 ack, bool rel, u8 type,
			 const u8 *p, size_t len)
{
	u8 buf[2 + 2 * (4 + 64 + 2)];

	btserdev_h5_rx_feed(&c->h5, buf,
			    t_build(buf, seq, ack, rel, c->h5.crc, type, p, len));
}

/* Decode the next frame the link wrote; false when there is none. */
static bool t_next(struct kunit *test, struct t_ctx *c, struct t_frame *f)
{
	u8 raw[4 + 64 + 2];
	size_t n = 0;
	bool esc = false, started = false;

	while (c->out_read < c->out_len) {
		u8 b = c->out[c->out_read++];

		if (b == 0xc0) {
			if (!started) {
				started = true;
				continue;
			}
			if (!n)
				continue;
			break;
		}
		if (!started)
			continue;
		if (esc) {
			b = b == 0xdc ? 0xc0 : 0xdb;
			esc = false;
		} else if (b == 0xdb) {
			esc = true;
			continue;
		}
		if (n < sizeof(raw))
			raw[n++] = b;
	}
	if (n < 4)
		return false;
	KUNIT_EXPECT_EQ(test, (raw[0] + raw[1] + raw[2] + raw[3]) & 0xff, 0xff);
	f->seq = raw[0] & 7;
	f->ack = (raw[0] >> 3) & 7;
	f->crc = raw[0] & 0x40;
	f->rel = raw[0] & 0x80;
	f->type = raw[1] & 0x0f;
	f->len = (raw[1] >> 4) | raw[2] << 4;
	KUNIT_EXPECT_EQ(test, n, 4 + f->len + (f->crc ? 2 : 0));
	if (f->crc)
		KUNIT_EXPECT_EQ(test, t_crc(raw, 4 + f->len),
				(u16)(raw[4 + f->len] << 8 | raw[5 + f->len]));
	memcpy(f->data, raw + 4, min_t(size_t, f->len, sizeof(f->data)));
	return true;
}

/*
 * The next frame written must be this link message; the timer's repeats of
 * SYNC and CONFIG (link establishment) in between are skipped.
 */
static bool t_repeat(const struct t_frame *f, u8 a)
{
	return f->type == T_LINK && f->len >= 2 && f->data[0] != a &&
	       (f->data[0] == 0x01 || f->data[0] == 0x03);
}

static bool t_next_not_repeat(struct kunit *test, struct t_ctx *c,
			      struct t_frame *f, u8 a)
{
	while (t_next(test, c, f))
		if (!t_repeat(f, a))
			return true;
	return false;
}

static void t_expect_link(struct kunit *test, struct t_ctx *c, u8 a, u8 b)
{
	struct t_frame f;

	KUNIT_ASSERT_TRUE(test, t_next_not_repeat(test, c, &f, a));
	KUNIT_EXPECT_EQ(test, f.type, T_LINK);
	KUNIT_EXPECT_FALSE(test, f.rel);
	KUNIT_ASSERT_GE(test, f.len, 2);
	KUNIT_EXPECT_EQ(test, f.data[0], a);
	KUNIT_EXPECT_EQ(test, f.data[1], b);
}

static void t_skip_all(struct t_ctx *c)
{
	c->out_read = c->out_len;
}

static void t_destroy(void *data)
{
	struct t_ctx *c = data;

	btserdev_h5_destroy(&c->h5);
}

static struct t_ctx *t_new(struct kunit *test)
{
	struct t_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct device *dev;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->out = kunit_kzalloc(test, T_OUT_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->out);
	dev = kunit_device_register(test, "btserdev-h5-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, btserdev_h5_init(&c->h5, dev, &t_ops, c), 0);
	/* The link's timer must stop before KUnit frees its memory. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, t_destroy, c), 0);
	/* Fast timers: 1 Mbaud, 10 bits. */
	btserdev_h5_set_speed(&c->h5, 1000000, 10);
	return c;
}

/* Bring the link up as a controller would; cfg is the peer's answer. */
static void t_activate(struct kunit *test, struct t_ctx *c, bool want_crc,
		       u8 cfg)
{
	static const u8 sync_rsp[] = { 0x02, 0x7d };
	u8 cfg_rsp[] = { 0x04, 0x7b, cfg };

	btserdev_h5_start(&c->h5, want_crc);
	t_feed_frame(c, 0, 0, false, T_LINK, sync_rsp, sizeof(sync_rsp));
	t_feed_frame(c, 0, 0, false, T_LINK, cfg_rsp, sizeof(cfg_rsp));
	KUNIT_ASSERT_EQ(test, btserdev_h5_wait_active(&c->h5, 1), 0);
	t_skip_all(c);
}

static void h5_link_establishment(struct kunit *test)
{
	static const u8 sync_rsp[] = { 0x02, 0x7d };
	static const u8 cfg_rsp[] = { 0x04, 0x7b, 0x13 };
	struct t_ctx *c = t_new(test);
	struct t_frame f;

	btserdev_h5_start(&c->h5, true);
	t_expect_link(test, c, 0x01, 0x7e);
	KUNIT_EXPECT_EQ(test, c->h5.state, BTSERDEV_H5_UNINITIALIZED);
	/* An HCI packet before the link is up is not taken. */
	t_feed_frame(c, 0, 0, true, HCI_EVENT_PKT, "\x0e\x00", 2);
	KUNIT_EXPECT_EQ(test, c->delivered, 0);
	KUNIT_EXPECT_EQ(test, c->h5.stats.rx_not_active, 1);

	t_feed_frame(c, 0, 0, false, T_LINK, sync_rsp, sizeof(sync_rsp));
	KUNIT_ASSERT_TRUE(test, t_next_not_repeat(test, c, &f, 0x03));
	KUNIT_EXPECT_EQ(test, f.type, T_LINK);
	KUNIT_ASSERT_EQ(test, f.len, 3);
	KUNIT_EXPECT_EQ(test, f.data[0], 0x03);
	KUNIT_EXPECT_EQ(test, f.data[1], 0xfc);
	/* Window 7, CRC asked for. */
	KUNIT_EXPECT_EQ(test, f.data[2], 0x17);

	/* The peer's own SYNC and CONFIG are answered. */
	t_feed_frame(c, 0, 0, false, T_LINK, "\x01\x7e", 2);
	t_expect_link(test, c, 0x02, 0x7d);
	t_feed_frame(c, 0, 0, false, T_LINK, "\x03\xfc\x03", 3);
	t_expect_link(test, c, 0x04, 0x7b);

	t_feed_frame(c, 0, 0, false, T_LINK, cfg_rsp, sizeof(cfg_rsp));
	KUNIT_EXPECT_EQ(test, btserdev_h5_wait_active(&c->h5, 1), 0);
	KUNIT_EXPECT_EQ(test, c->h5.window, 3);
	KUNIT_EXPECT_TRUE(test, c->h5.crc);
}

static void h5_crc_not_granted(struct kunit *test)
{
	struct t_ctx *c = t_new(test);

	/* The peer answers without the CRC bit: no CRC, its window. */
	t_activate(test, c, true, 0x04);
	KUNIT_EXPECT_FALSE(test, c->h5.crc);
	KUNIT_EXPECT_EQ(test, c->h5.window, 4);
}

static void h5_sync_never_answered(struct kunit *test)
{
	struct t_ctx *c = t_new(test);
	struct t_frame f;
	unsigned int syncs = 0;

	btserdev_h5_start(&c->h5, false);
	KUNIT_EXPECT_EQ(test, btserdev_h5_wait_active(&c->h5, 3), -ETIMEDOUT);
	/* SYNC was sent again by the timer, nothing else. */
	while (t_next(test, c, &f)) {
		KUNIT_EXPECT_EQ(test, f.type, T_LINK);
		KUNIT_EXPECT_EQ(test, f.data[0], 0x01);
		syncs++;
	}
	KUNIT_EXPECT_GE(test, syncs, 2);
	btserdev_h5_stop(&c->h5);
}

/*
 * A stopped link (the controller closed) takes nothing: a late answer to
 * its last SYNC must not start CONFIG, or the timer, on a powered-off
 * module.
 */
static void h5_stopped_link_ignores(struct kunit *test)
{
	struct t_ctx *c = t_new(test);
	struct t_frame f;

	btserdev_h5_start(&c->h5, false);
	btserdev_h5_stop(&c->h5);
	t_skip_all(c);
	t_feed_frame(c, 0, 0, false, T_LINK, "\x02\x7d", 2);
	t_feed_frame(c, 0, 0, false, T_LINK, "\x01\x7e", 2);
	KUNIT_EXPECT_EQ(test, c->h5.state, BTSERDEV_H5_UNINITIALIZED);
	KUNIT_EXPECT_EQ(test, c->h5.stats.rx_not_active, 2);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&c->h5.timer));
	msleep(250);
	KUNIT_EXPECT_FALSE(test, t_next(test, c, &f));
}

/* A stream of reliable events and ACL packets, seq 0 onwards. */
static size_t t_stream(u8 *buf, bool crc, unsigned int n)
{
	size_t len = 0;
	unsigned int i;
	u8 p[40];

	for (i = 0; i < n; i++) {
		size_t pl = 3 + (i * 7) % 30, j;

		for (j = 0; j < pl; j++)
			p[j] = (i % 2) ? 0xc0 + j % 3 * 0x1b : i + j;
		len += t_build(buf + len, i & 7, 0, true, crc,
			       i % 2 ? HCI_ACLDATA_PKT : HCI_EVENT_PKT, p, pl);
	}
	return len;
}

static void h5_every_chunking(struct kunit *test)
{
	struct t_ctx *c = t_new(test);
	u8 *stream = kunit_kzalloc(test, 4096, GFP_KERNEL);
	size_t len, size, pos, a, b;
	unsigned int pass;

	KUNIT_ASSERT_NOT_NULL(test, stream);
	for (pass = 0; pass < 2; pass++) {
		bool crc = pass;

		len = t_stream(stream, crc, 6);
		/* Every chunk size. */
		for (size = 1; size <= len; size++) {
			t_activate(test, c, crc, crc ? 0x14 : 0x04);
			c->delivered = 0;
			for (pos = 0; pos < len; pos += size)
				btserdev_h5_rx_feed(&c->h5, stream + pos,
						    min(size, len - pos));
			KUNIT_ASSERT_EQ_MSG(test, c->delivered, 6,
					    "chunk size %zu, crc %d", size, crc);
		}
		/* Every cut into three pieces. */
		for (a = 0; a <= len; a += 3) {
			for (b = a; b <= len; b += 5) {
				t_activate(test, c, crc, crc ? 0x14 : 0x04);
				c->delivered = 0;
				btserdev_h5_rx_feed(&c->h5, stream, a);
				btserdev_h5_rx_feed(&c->h5, stream + a, b - a);
				btserdev_h5_rx_feed(&c->h5, stream + b, len - b);
				KUNIT_ASSERT_EQ_MSG(test, c->delivered, 6,
						    "cuts %zu %zu", a, b);
			}
		}
		KUNIT_EXPECT_EQ(test, c->h5.stats.rx_bad_header, 0);
		KUNIT_EXPECT_EQ(test, c->h5.stats.rx_bad_crc, 0);
		KUNIT_EXPECT_EQ(test, c->h5.stats.rx_out_of_order, 0);
	}
}

static void h5_bad_frames_counted(struct kunit *test)
{
	static const u8 junk[] = { 0x11, 0x22, 0xdb, 0x33, 0xc0, 0x01, 0x02,
				   0xc0, 0xdb, 0x01, 0xc0 };
	struct t_ctx *c = t_new(test);
	u8 buf[160];
	size_t n;

	t_activate(test, c, true, 0x14);
	/* Garbage, then a good event. */
	btserdev_h5_rx_feed(&c->h5, junk, sizeof(junk));
	t_feed_frame(c, 0, 0, true, HCI_EVENT_PKT, "\x0e\x01\x01", 3);
	KUNIT_EXPECT_EQ(test, c->delivered, 1);
	KUNIT_EXPECT_GT(test, c->h5.stats.rx_garbage, 0);
	KUNIT_EXPECT_GT(test, c->h5.stats.rx_bad_slip, 0);

	/* Bad header checksum: dropped, counted, next one taken. */
	n = t_build(buf, 1, 0, true, true, HCI_EVENT_PKT, "\x0e\x01\x02", 3);
	buf[4] ^= 0x01;
	btserdev_h5_rx_feed(&c->h5, buf, n);
	KUNIT_EXPECT_EQ(test, c->h5.stats.rx_bad_header, 1);
	KUNIT_EXPECT_EQ(test, c->delivered, 1);

	/* Bad CRC: the same. */
	n = t_build(buf, 1, 0, true, true, HCI_EVENT_PKT, "\x0e\x01\x02", 3);
	buf[n - 3] ^= 0x40;
	btserdev_h5_rx_feed(&c->h5, buf, n);
	KUNIT_EXPECT_EQ(test, c->h5.stats.rx_bad_crc, 1);
	KUNIT_EXPECT_EQ(test, c->delivered, 1);

	/* Out of window and duplicate: dropped and acked with seq 1. */
	t_skip_all(c);
	t_feed_frame(c, 4, 0, true, HCI_EVENT_PKT, "\x0e\x01\x04", 3);
	t_feed_frame(c, 0, 0, true, HCI_EVENT_PKT, "\x0e\x01\x01", 3);
	KUNIT_EXPECT_EQ(test, c->h5.stats.rx_out_of_order, 2);
	KUNIT_EXPECT_EQ(test, c->delivered, 1);
	{
		struct t_frame f;

		KUNIT_ASSERT_TRUE(test, t_next(test, c, &f));
		KUNIT_EXPECT_EQ(test, f.type, T_ACK);
		KUNIT_EXPECT_EQ(test, f.ack, 1);
	}
	t_feed_frame(c, 1, 0, true, HCI_EVENT_PKT, "\x0e\x01\x02", 3);
	KUNIT_EXPECT_EQ(test, c->delivered, 2);
	KUNIT_EXPECT_EQ(test, c->last[2], 0x02);

	/* A frame longer than any valid one. */
	memset(buf, 0x55, sizeof(buf));
	buf[0] = 0xc0;
	for (n = 0; n < BTSERDEV_H5_MAX_FRAME / sizeof(buf) + 2; n++)
		btserdev_h5_rx_feed(&c->h5, buf + (n ? 1 : 0),
				    sizeof(buf) - (n ? 1 : 0));
	KUNIT_EXPECT_EQ(test, c->h5.stats.rx_too_long, 1);
	t_feed_frame(c, 2, 0, true, HCI_EVENT_PKT, "\x0e\x01\x03", 3);
	KUNIT_EXPECT_EQ(test, c->delivered, 3);
}

static struct sk_buff *t_cmd(struct kunit *test, u8 tag)
{
	struct sk_buff *skb = bt_skb_alloc(4, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, "\x03\x0c\x01", 3);
	skb_put_u8(skb, tag);
	hci_skb_pkt_type(skb) = HCI_COMMAND_PKT;
	return skb;
}

static void h5_window_and_acks(struct kunit *test)
{
	struct t_ctx *c = t_new(test);
	struct t_frame f;
	unsigned int i;

	t_activate(test, c, false, 0x02);
	for (i = 0; i < 5; i++)
		KUNIT_ASSERT_EQ(test, btserdev_h5_send(&c->h5, t_cmd(test, i)), 0);
	/* Window 2: two frames, seq 0 and 1. */
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_TRUE(test, t_next(test, c, &f));
		KUNIT_EXPECT_TRUE(test, f.rel);
		KUNIT_EXPECT_EQ(test, f.type, HCI_COMMAND_PKT);
		KUNIT_EXPECT_EQ(test, f.seq, i);
		KUNIT_EXPECT_EQ(test, f.data[3], i);
	}
	KUNIT_EXPECT_FALSE(test, t_next(test, c, &f));
	/* A pure ack of the first lets the third go. */
	t_feed_frame(c, 0, 1, false, T_ACK, NULL, 0);
	KUNIT_ASSERT_TRUE(test, t_next(test, c, &f));
	KUNIT_EXPECT_EQ(test, f.seq, 2);
	KUNIT_EXPECT_EQ(test, f.data[3], 2);
	/* An ack of a packet never sent is refused. */
	t_feed_frame(c, 0, 6, false, T_ACK, NULL, 0);
	KUNIT_EXPECT_EQ(test, c->h5.stats.rx_bad_ack, 1);
	/* A reliable event acking all three, itself acked in the next frame. */
	t_feed_frame(c, 0, 3, true, HCI_EVENT_PKT, "\x0e\x01\x00", 3);
	KUNIT_ASSERT_TRUE(test, t_next(test, c, &f));
	KUNIT_EXPECT_EQ(test, f.seq, 3);
	KUNIT_EXPECT_EQ(test, f.ack, 1);
	KUNIT_ASSERT_TRUE(test, t_next(test, c, &f));
	KUNIT_EXPECT_EQ(test, f.seq, 4);
	t_feed_frame(c, 1, 5, true, HCI_EVENT_PKT, "\x0e\x01\x00", 3);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&c->h5.unack), 0);
	/* Nothing left to send: a pure ack. */
	KUNIT_ASSERT_TRUE(test, t_next(test, c, &f));
	KUNIT_EXPECT_EQ(test, f.type, T_ACK);
	KUNIT_EXPECT_EQ(test, f.ack, 2);
}

static void h5_retransmit_lost_ack(struct kunit *test)
{
	struct t_ctx *c = t_new(test);
	struct t_frame f;
	unsigned int i;

	t_activate(test, c, false, 0x04);
	KUNIT_ASSERT_EQ(test, btserdev_h5_send(&c->h5, t_cmd(test, 7)), 0);
	KUNIT_ASSERT_EQ(test, btserdev_h5_send(&c->h5, t_cmd(test, 8)), 0);
	t_skip_all(c);
	/* No ack: both go again, same sequence numbers, after 250 ms. */
	for (i = 0; i < 300 && READ_ONCE(c->h5.stats.tx_retransmits) < 2; i++)
		usleep_range(10000, 11000);
	KUNIT_ASSERT_GE(test, c->h5.stats.tx_retransmits, 2);
	KUNIT_ASSERT_TRUE(test, t_next(test, c, &f));
	KUNIT_EXPECT_EQ(test, f.seq, 0);
	KUNIT_EXPECT_EQ(test, f.data[3], 7);
	KUNIT_ASSERT_TRUE(test, t_next(test, c, &f));
	KUNIT_EXPECT_EQ(test, f.seq, 1);
	KUNIT_EXPECT_EQ(test, f.data[3], 8);
	/* Acked now: nothing left to send again, the timer is off. */
	t_feed_frame(c, 0, 2, false, T_ACK, NULL, 0);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&c->h5.unack), 0);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&c->h5.timer));
}

/*
 * On a slow line the acknowledgment takes the frame's wire time to come:
 * at 1200 baud 8E1 the first 10-byte frame, escapes allowed for, and as
 * much back are 40 characters, 367 ms on top of the 250 ms. The timer is
 * armed by that first frame (the second joins the running timer); its
 * timeout is read from the timer itself: no sleeping, so a loaded machine
 * cannot fail it.
 */
static void h5_ack_timeout_follows_the_line(struct kunit *test)
{
	struct t_ctx *c = t_new(test);
	unsigned long t0, armed;

	t_activate(test, c, false, 0x04);
	btserdev_h5_set_speed(&c->h5, 1200, 11);
	t0 = jiffies;
	KUNIT_ASSERT_EQ(test, btserdev_h5_send(&c->h5, t_cmd(test, 1)), 0);
	KUNIT_ASSERT_EQ(test, btserdev_h5_send(&c->h5, t_cmd(test, 2)), 0);
	KUNIT_ASSERT_TRUE(test, delayed_work_pending(&c->h5.timer));
	armed = READ_ONCE(c->h5.timer.timer.expires) - t0;
	KUNIT_EXPECT_GE(test, armed, msecs_to_jiffies(250 + 360));
	KUNIT_EXPECT_LE(test, armed, msecs_to_jiffies(250 + 375) + 2);
}

static void h5_peer_reset(struct kunit *test)
{
	struct t_ctx *c = t_new(test);

	t_activate(test, c, false, 0x04);
	KUNIT_ASSERT_EQ(test, btserdev_h5_send(&c->h5, t_cmd(test, 1)), 0);
	t_skip_all(c);
	t_feed_frame(c, 0, 0, false, T_LINK, "\x01\x7e", 2);
	KUNIT_EXPECT_EQ(test, c->resets, 1);
	KUNIT_EXPECT_EQ(test, c->h5.stats.peer_resets, 1);
	KUNIT_EXPECT_EQ(test, c->h5.state, BTSERDEV_H5_UNINITIALIZED);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&c->h5.unack), 0);
	t_expect_link(test, c, 0x02, 0x7d);
	/* The link comes back; sequence numbers start over. */
	t_feed_frame(c, 0, 0, false, T_LINK, "\x02\x7d", 2);
	t_feed_frame(c, 0, 0, false, T_LINK, "\x04\x7b\x04", 3);
	KUNIT_EXPECT_EQ(test, btserdev_h5_wait_active(&c->h5, 1), 0);
	t_feed_frame(c, 0, 0, true, HCI_EVENT_PKT, "\x0e\x01\x00", 3);
	KUNIT_EXPECT_EQ(test, c->delivered, 1);
}

static void h5_sleep_and_wake(struct kunit *test)
{
	struct t_ctx *c = t_new(test);
	struct t_frame f;

	t_activate(test, c, false, 0x04);
	t_feed_frame(c, 0, 0, false, T_LINK, "\x07\x78", 2);
	KUNIT_EXPECT_EQ(test, c->h5.stats.peer_sleeps, 1);
	t_skip_all(c);
	/* A packet for a sleeping peer: WAKEUP first, the packet after WOKEN. */
	KUNIT_ASSERT_EQ(test, btserdev_h5_send(&c->h5, t_cmd(test, 3)), 0);
	t_expect_link(test, c, 0x05, 0xfa);
	KUNIT_EXPECT_FALSE(test, t_next(test, c, &f));
	t_feed_frame(c, 0, 0, false, T_LINK, "\x06\xf9", 2);
	KUNIT_ASSERT_TRUE(test, t_next(test, c, &f));
	KUNIT_EXPECT_EQ(test, f.type, HCI_COMMAND_PKT);
	/* The peer's WAKEUP is answered with WOKEN. */
	t_feed_frame(c, 0, 1, false, T_LINK, "\x05\xfa", 2);
	t_expect_link(test, c, 0x06, 0xf9);
}

static unsigned int fuzz_inputs = 1000000;
module_param(fuzz_inputs, uint, 0444);
MODULE_PARM_DESC(fuzz_inputs, "inputs of the fuzz case");

static void h5_fuzz(struct kunit *test)
{
	struct t_ctx *c = t_new(test);
	struct rnd_state rs;
	u8 *in = kunit_kzalloc(test, 512, GFP_KERNEL);
	u64 bytes = 0, mutated = 0;
	unsigned int i, good = 0;
	size_t n, k;
	u8 seq = 0;

	KUNIT_ASSERT_NOT_NULL(test, in);
	prandom_seed_state(&rs, 0x6835667a7a317aULL);
	t_activate(test, c, true, 0x17);
	c->check_deliveries = true;
	for (i = 0; i < fuzz_inputs; i++) {
		if (c->h5.state != BTSERDEV_H5_ACTIVE) {
			t_activate(test, c, true, 0x17);
			seq = 0;
		}
		if (prandom_u32_state(&rs) & 1) {
			/* Random bytes, with delimiters and escapes likely. */
			n = 1 + prandom_u32_state(&rs) % 64;
			prandom_bytes_state(&rs, in, n);
			for (k = 0; k < n; k++)
				if (!(in[k] & 0x0c))
					in[k] = (in[k] & 1) ? 0xc0 : 0xdb;
		} else {
			/* A valid frame, mutated. */
			u8 p[32];
			size_t pl = prandom_u32_state(&rs) % sizeof(p);

			prandom_bytes_state(&rs, p, pl);
			n = t_build(in, prandom_u32_state(&rs) & 7,
				    prandom_u32_state(&rs) & 7,
				    prandom_u32_state(&rs) & 1, c->h5.crc,
				    prandom_u32_state(&rs) % 16, p, pl);
			k = 1 + prandom_u32_state(&rs) % 3;
			while (k--) {
				in[prandom_u32_state(&rs) % n] ^=
					1 << (prandom_u32_state(&rs) % 8);
				mutated++;
			}
		}
		btserdev_h5_rx_feed(&c->h5, in, n);
		bytes += n;
		if (c->delivered && c->check_deliveries) {
			KUNIT_ASSERT_LE(test, c->last_len, 32);
			KUNIT_ASSERT_TRUE(test, c->last_type == HCI_EVENT_PKT ||
					  c->last_type == HCI_ACLDATA_PKT ||
					  c->last_type == HCI_SCODATA_PKT ||
					  c->last_type == HCI_ISODATA_PKT);
		}
		/* Now and then: a valid event must still get through. */
		if (i % 1000 == 999 && c->h5.state == BTSERDEV_H5_ACTIVE) {
			unsigned int before = c->delivered;
			u8 delim = 0xc0;

			btserdev_h5_rx_feed(&c->h5, &delim, 1);
			if (c->h5.state != BTSERDEV_H5_ACTIVE)
				continue;
			seq = c->h5.rx_ack;
			t_feed_frame(c, seq, 0, true, HCI_EVENT_PKT,
				     "\x0e\x01\x00", 3);
			KUNIT_ASSERT_EQ(test, c->delivered, before + 1);
			good++;
		}
	}
	kunit_info(test, "fuzz: %u inputs, %llu bytes fed, %llu mutations, %u packets delivered, %u known-good packets taken, %llu bad headers, %llu bad CRCs, %llu out of sequence\n",
		   fuzz_inputs, bytes, mutated, c->delivered, good,
		   c->h5.stats.rx_bad_header, c->h5.stats.rx_bad_crc,
		   c->h5.stats.rx_out_of_order);
}

static struct kunit_case h5_cases[] = {
	KUNIT_CASE(h5_link_establishment),
	KUNIT_CASE(h5_crc_not_granted),
	KUNIT_CASE(h5_sync_never_answered),
	KUNIT_CASE(h5_stopped_link_ignores),
	KUNIT_CASE_SLOW(h5_every_chunking),
	KUNIT_CASE(h5_bad_frames_counted),
	KUNIT_CASE(h5_window_and_acks),
	KUNIT_CASE(h5_retransmit_lost_ack),
	KUNIT_CASE(h5_ack_timeout_follows_the_line),
	KUNIT_CASE(h5_peer_reset),
	KUNIT_CASE(h5_sleep_and_wake),
	KUNIT_CASE_ATTR(h5_fuzz, {.speed = KUNIT_SPEED_VERY_SLOW}),
	{}
};

static struct kunit_suite h5_suite = {
	.name = "btserdev-h5",
	.test_cases = h5_cases,
};

kunit_test_suite(h5_suite);

MODULE_DESCRIPTION("KUnit tests for btserdev's three-wire (H5) link layer");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

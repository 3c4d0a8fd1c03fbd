// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the H4 receive path of btserdev (btserdev_h4.c): packet
 * reassembly in every chunking, resynchronisation after garbage, unknown
 * type bytes and refused headers, partial packets dropped by the caller's
 * reset, and a seeded fuzz run that checks what must hold for any input.
 *
 * Every packet the parser delivers is copied into a log (type, length,
 * bytes) and freed at once; the cases compare that log with the packets
 * they put into the stream, and the parser's counters with the bytes they
 * put around them.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci.h>

#include "btserdev_h4.h"

/* Largest stream a case builds, and room for the log of its packets. */
#define H4T_STREAM_MAX		8192
/* A log record is 3 + n bytes for a packet of 1 + n stream bytes (n >= 2). */
#define H4T_LOG_MAX		(2 * H4T_STREAM_MAX)
#define H4T_REC_HDR		3

/* Connection handles are 12 bits; 0x0f00 and above are reserved. */
#define H4T_MAX_HANDLE		0x0eff

/* A byte buffer of fixed capacity; running out of room is remembered. */
struct h4t_buf {
	u8 *data;
	size_t len;
	size_t cap;
	bool overflow;
};

/* Packets as records: type, length (le16), the bytes without the type. */
struct h4t_log {
	struct h4t_buf rec;
	unsigned int pkts;
};

struct h4t_rec {
	u8 type;
	size_t len;
	const u8 *data;
};

struct h4t_ctx {
	struct btserdev_h4_rx rx;
	struct h4t_buf in;		/* the stream a case feeds */
	struct h4t_log want;		/* the packets it put into the stream */
	struct h4t_log got;		/* the packets the parser delivered */
	u8 body[HCI_MAX_FRAME_SIZE];	/* scratch: one packet being built */
	u16 len_cap;			/* fuzz: longest payload to build */
};

static void h4t_buf_put(struct h4t_buf *b, const void *p, size_t n)
{
	if (n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void h4t_buf_clear(struct h4t_buf *b)
{
	b->len = 0;
	b->overflow = false;
}

static void h4t_log_add(struct h4t_log *log, u8 type, const u8 *p, size_t n)
{
	u8 head[H4T_REC_HDR] = { type, n & 0xff, n >> 8 };

	h4t_buf_put(&log->rec, head, sizeof(head));
	h4t_buf_put(&log->rec, p, n);
	log->pkts++;
}

static void h4t_log_clear(struct h4t_log *log)
{
	h4t_buf_clear(&log->rec);
	log->pkts = 0;
}

/* Next record of @log at *@pos; false at the end. */
static bool h4t_log_next(const struct h4t_log *log, size_t *pos,
			 struct h4t_rec *r)
{
	const u8 *p = log->rec.data + *pos;

	if (*pos + H4T_REC_HDR > log->rec.len)
		return false;
	r->type = p[0];
	r->len = p[1] | p[2] << 8;
	r->data = p + H4T_REC_HDR;
	if (r->len > log->rec.len - *pos - H4T_REC_HDR)
		return false;
	*pos += H4T_REC_HDR + r->len;
	return true;
}

/* The deliver callback: log the packet, free it. */
static void h4t_deliver(void *ctx, struct sk_buff *skb)
{
	struct h4t_log *log = ctx;

	h4t_log_add(log, hci_skb_pkt_type(skb), skb->data, skb->len);
	kfree_skb(skb);
}

static void h4t_buf_alloc(struct kunit *test, struct h4t_buf *b, size_t cap)
{
	b->data = kunit_kmalloc(test, cap, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->data);
	b->cap = cap;
}

static int h4t_init(struct kunit *test)
{
	struct device *dev;
	struct h4t_ctx *c;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	dev = kunit_device_register(test, "btserdev-h4-test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	h4t_buf_alloc(test, &c->in, H4T_STREAM_MAX);
	h4t_buf_alloc(test, &c->want.rec, H4T_LOG_MAX);
	h4t_buf_alloc(test, &c->got.rec, H4T_LOG_MAX);
	btserdev_h4_rx_init(&c->rx, dev, h4t_deliver, &c->got);
	test->priv = c;
	return 0;
}

/* A case that stopped half way must not leave a packet buffer behind. */
static void h4t_exit(struct kunit *test)
{
	struct h4t_ctx *c = test->priv;

	if (c)
		btserdev_h4_rx_reset(&c->rx);
}

/*
 * Start a run on the same receive state (its message rate limit carries
 * over): nothing in progress, counters and the delivery log cleared.
 */
static void h4t_restart(struct h4t_ctx *c)
{
	btserdev_h4_rx_reset(&c->rx);
	memset(&c->rx.stats, 0, sizeof(c->rx.stats));
	h4t_log_clear(&c->got);
}

/* Start a new stream: no bytes, no expected packets. */
static void h4t_new_stream(struct h4t_ctx *c)
{
	h4t_buf_clear(&c->in);
	h4t_log_clear(&c->want);
}

/* Bytes that are no packet: into the stream only. */
static void h4t_put_raw(struct h4t_ctx *c, const u8 *p, size_t n)
{
	h4t_buf_put(&c->in, p, n);
}

/* A packet: its type byte and c->body[0..n) into the stream and the log. */
static void h4t_put_pkt(struct h4t_ctx *c, u8 type, size_t n)
{
	h4t_buf_put(&c->in, &type, 1);
	h4t_buf_put(&c->in, c->body, n);
	h4t_log_add(&c->want, type, c->body, n);
}

/* Payload bytes that differ from packet to packet (@seed) and in each. */
static void h4t_fill(u8 *p, size_t n, u8 seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = seed + i * 13 + (i >> 8);
}

static void h4t_le16(u8 *p, u16 v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void h4t_event(struct h4t_ctx *c, u8 evt, const u8 *param, u8 plen)
{
	c->body[0] = evt;
	c->body[1] = plen;
	memcpy(c->body + HCI_EVENT_HDR_SIZE, param, plen);
	h4t_put_pkt(c, HCI_EVENT_PKT, HCI_EVENT_HDR_SIZE + plen);
}

/* @handle includes the flag bits 12-15. */
static void h4t_acl(struct h4t_ctx *c, u16 handle, u16 len, u8 seed)
{
	h4t_le16(c->body, handle);
	h4t_le16(c->body + 2, len);
	h4t_fill(c->body + HCI_ACL_HDR_SIZE, len, seed);
	h4t_put_pkt(c, HCI_ACLDATA_PKT, HCI_ACL_HDR_SIZE + len);
}

static void h4t_sco(struct h4t_ctx *c, u16 handle, u8 len, u8 seed)
{
	h4t_le16(c->body, handle);
	c->body[2] = len;
	h4t_fill(c->body + HCI_SCO_HDR_SIZE, len, seed);
	h4t_put_pkt(c, HCI_SCODATA_PKT, HCI_SCO_HDR_SIZE + len);
}

/* @len is the 14-bit data load length (bits 14-15 are reserved). */
static void h4t_iso(struct h4t_ctx *c, u16 handle, u16 len, u8 seed)
{
	h4t_le16(c->body, handle);
	h4t_le16(c->body + 2, len);
	h4t_fill(c->body + HCI_ISO_HDR_SIZE, len & 0x3fff, seed);
	h4t_put_pkt(c, HCI_ISODATA_PKT, HCI_ISO_HDR_SIZE + (len & 0x3fff));
}

/* Command Complete for HCI_Reset: 1 credit, opcode 0x0c03, success. */
static const u8 h4t_reset_complete[] = { 0x01, 0x03, 0x0c, 0x00 };

static void h4t_known_good(struct h4t_ctx *c)
{
	h4t_event(c, HCI_EV_CMD_COMPLETE, h4t_reset_complete,
		  sizeof(h4t_reset_complete));
}

/* Feed the stream in chunks of @chunk bytes (the last may be shorter). */
static void h4t_feed_chunks(struct h4t_ctx *c, size_t chunk)
{
	size_t off, n;

	for (off = 0; off < c->in.len; off += n) {
		n = min(chunk, c->in.len - off);
		btserdev_h4_rx_feed(&c->rx, c->in.data + off, n);
	}
}

/* Feed the stream as two pieces, the first @at bytes long (may be empty). */
static void h4t_feed_split(struct h4t_ctx *c, size_t at)
{
	btserdev_h4_rx_feed(&c->rx, c->in.data, at);
	btserdev_h4_rx_feed(&c->rx, c->in.data + at, c->in.len - at);
}

/* Feed the stream in chunks of random size, 1 to @max bytes. */
static void h4t_feed_random(struct h4t_ctx *c, struct rnd_state *rs, size_t max)
{
	size_t off, n;

	for (off = 0; off < c->in.len; off += n) {
		n = 1 + prandom_u32_state(rs) % max;
		n = min(n, c->in.len - off);
		btserdev_h4_rx_feed(&c->rx, c->in.data + off, n);
	}
}

/*
 * The delivered packets are the expected ones: types, bytes and order.
 * Reports the first difference with @how and @arg (the run's chunking).
 */
static bool h4t_same(struct kunit *test, struct h4t_ctx *c, const char *how,
		     size_t arg)
{
	struct h4t_rec g, w;
	size_t gp = 0, wp = 0;
	unsigned int i;

	KUNIT_ASSERT_FALSE(test, c->want.rec.overflow);
	if (c->got.rec.overflow) {
		KUNIT_FAIL(test, "%s %zu: more was delivered than the log holds",
			   how, arg);
		return false;
	}
	for (i = 0; ; i++) {
		bool more_g = h4t_log_next(&c->got, &gp, &g);
		bool more_w = h4t_log_next(&c->want, &wp, &w);

		if (!more_g && !more_w)
			return true;
		if (!more_g) {
			KUNIT_FAIL(test,
				   "%s %zu: packet %u (type %#04x, %zu bytes) not delivered",
				   how, arg, i, w.type, w.len);
			return false;
		}
		if (!more_w) {
			KUNIT_FAIL(test,
				   "%s %zu: extra packet %u (type %#04x, %zu bytes: %*ph)",
				   how, arg, i, g.type, g.len,
				   (int)min_t(size_t, g.len, 16), g.data);
			return false;
		}
		if (g.type != w.type || g.len != w.len ||
		    memcmp(g.data, w.data, g.len)) {
			KUNIT_FAIL(test,
				   "%s %zu: packet %u: type %#04x, %zu bytes: %*ph",
				   how, arg, i, g.type, g.len,
				   (int)min_t(size_t, g.len, 16), g.data);
			KUNIT_FAIL(test,
				   "%s %zu: expected type %#04x, %zu bytes: %*ph",
				   how, arg, w.type, w.len,
				   (int)min_t(size_t, w.len, 16), w.data);
			return false;
		}
	}
}

/* The counters after a run, and no packet left half received. */
static bool h4t_counts(struct kunit *test, struct h4t_ctx *c, const char *how,
		       size_t arg, u64 garbage, u64 bad_header)
{
	const struct btserdev_h4_stats *s = &c->rx.stats;
	bool busy = btserdev_h4_rx_busy(&c->rx);

	KUNIT_EXPECT_EQ_MSG(test, s->frames, (u64)c->want.pkts, "%s %zu", how, arg);
	KUNIT_EXPECT_EQ_MSG(test, s->garbage, garbage, "%s %zu", how, arg);
	KUNIT_EXPECT_EQ_MSG(test, s->bad_header, bad_header, "%s %zu", how, arg);
	KUNIT_EXPECT_EQ_MSG(test, s->dropped, 0ULL, "%s %zu", how, arg);
	KUNIT_EXPECT_EQ_MSG(test, s->nomem, 0ULL, "%s %zu", how, arg);
	KUNIT_EXPECT_FALSE_MSG(test, busy, "%s %zu", how, arg);
	return s->frames == c->want.pkts && s->garbage == garbage &&
	       s->bad_header == bad_header && !s->dropped && !s->nomem && !busy;
}

/* One run: the whole check, stopping the caller's loop at a failure. */
static bool h4t_check(struct kunit *test, struct h4t_ctx *c, const char *how,
		      size_t arg, u64 garbage, u64 bad_header)
{
	bool same = h4t_same(test, c, how, arg);

	return h4t_counts(test, c, how, arg, garbage, bad_header) && same;
}

/*
 * Feed the stream whole, a byte at a time and split at every position;
 * each run must deliver the expected packets and count as given.
 */
static bool h4t_run_splits(struct kunit *test, struct h4t_ctx *c, u64 garbage,
			   u64 bad_header)
{
	size_t at;

	h4t_restart(c);
	h4t_feed_chunks(c, c->in.len);
	if (!h4t_check(test, c, "whole stream of", c->in.len, garbage, bad_header))
		return false;
	h4t_restart(c);
	h4t_feed_chunks(c, 1);
	if (!h4t_check(test, c, "chunk size", 1, garbage, bad_header))
		return false;
	for (at = 0; at <= c->in.len; at++) {
		h4t_restart(c);
		h4t_feed_split(c, at);
		if (!h4t_check(test, c, "split at", at, garbage, bad_header))
			return false;
	}
	return true;
}

/* Every chunk size from 1 to the whole stream, then every split. */
static bool h4t_run_all_cuts(struct kunit *test, struct h4t_ctx *c,
			     u64 garbage, u64 bad_header)
{
	size_t chunk;

	for (chunk = 1; chunk <= c->in.len; chunk++) {
		h4t_restart(c);
		h4t_feed_chunks(c, chunk);
		if (!h4t_check(test, c, "chunk size", chunk, garbage, bad_header))
			return false;
	}
	return h4t_run_splits(test, c, garbage, bad_header);
}

/* A valid stream with packets of every type. */
static void h4t_build_valid(struct h4t_ctx *c)
{
	/* Command Status: success, 1 credit, Create Connection (0x0405). */
	static const u8 create_conn_status[] = { 0x00, 0x01, 0x05, 0x04 };
	/* Command Complete for Read BD_ADDR: 1 credit, 0x1009, success. */
	static const u8 bdaddr_complete[] = {
		0x01, 0x09, 0x10, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
	};
	/* Command Complete, no return parameters: 1 credit, HCI_NOP. */
	static const u8 nop_complete[] = { 0x01, 0x00, 0x00 };
	/* Number of Completed Packets: 1 handle (0x0001), 2 packets. */
	static const u8 num_comp[] = { 0x01, 0x01, 0x00, 0x02, 0x00 };
	/* LE Meta, Connection Complete sub-event. */
	static const u8 le_conn[] = {
		0x01, 0x00, 0x40, 0x00, 0x00, 0x00, 0xa1, 0xb2, 0xc3, 0xd4,
		0xe5, 0xf6, 0x18, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00,
	};

	h4t_known_good(c);
	h4t_event(c, HCI_EV_CMD_STATUS, create_conn_status,
		  sizeof(create_conn_status));
	h4t_event(c, HCI_EV_CMD_COMPLETE, bdaddr_complete,
		  sizeof(bdaddr_complete));
	h4t_acl(c, 0x2001, 0, 0x10);
	h4t_acl(c, 0x2001, 1, 0x20);
	h4t_acl(c, 0x1001, 1021, 0x30);
	h4t_sco(c, 0x0003, 48, 0x40);
	h4t_iso(c, 0x2004, 40, 0x50);
	h4t_event(c, HCI_EV_NUM_COMP_PKTS, num_comp, sizeof(num_comp));
	h4t_event(c, HCI_EV_LE_META, le_conn, sizeof(le_conn));
	h4t_sco(c, H4T_MAX_HANDLE, 0, 0x60);
	h4t_iso(c, H4T_MAX_HANDLE | 0x6000, 0, 0x70);
	h4t_event(c, HCI_EV_CMD_COMPLETE, nop_complete, sizeof(nop_complete));
	h4t_acl(c, 0x2002, 17, 0x80);
}

/* 1. A valid stream in every chunk size and split at every position. */
static void h4_every_chunking(struct kunit *test)
{
	struct h4t_ctx *c = test->priv;

	h4t_new_stream(c);
	h4t_build_valid(c);
	KUNIT_ASSERT_FALSE(test, c->in.overflow);
	KUNIT_ASSERT_EQ(test, c->want.pkts, 14U);
	kunit_info(test, "stream of %zu bytes, %u packets\n", c->in.len,
		   c->want.pkts);

	h4t_run_all_cuts(test, c, 0, 0);
}

/* Bytes that start no packet: anything but 0x02..0x05. */
static void h4t_put_garbage(struct h4t_ctx *c, struct rnd_state *rs, size_t n)
{
	u8 b;

	while (n--) {
		do {
			b = prandom_u32_state(rs);
		} while (b >= HCI_ACLDATA_PKT && b <= HCI_ISODATA_PKT);
		h4t_put_raw(c, &b, 1);
	}
}

/* A valid packet, picked by @i from a few kinds. */
static void h4t_put_some_packet(struct h4t_ctx *c, unsigned int i, u8 seed)
{
	static const u8 disconn[] = { 0x00, 0x01, 0x00, 0x13 };

	switch (i % 6) {
	case 0:
		h4t_known_good(c);
		break;
	case 1:
		h4t_acl(c, 0x2001, i % 300, seed);
		break;
	case 2:
		h4t_sco(c, 0x0002, i % 60, seed);
		break;
	case 3:
		h4t_iso(c, 0x2003, i % 100, seed);
		break;
	case 4:
		h4t_event(c, HCI_EV_DISCONN_COMPLETE, disconn, sizeof(disconn));
		break;
	default:
		h4t_acl(c, 0x2005, 0, seed);
		break;
	}
}

/* 2. Garbage between packets is skipped, counted, and loses no packet. */
static void h4_resync_after_garbage(struct kunit *test)
{
	struct h4t_ctx *c = test->priv;
	struct rnd_state rs;
	unsigned int round, i;
	size_t garbage, n;

	prandom_seed_state(&rs, 0x6761726261676531ULL);
	for (round = 0; round < 10; round++) {
		h4t_new_stream(c);
		garbage = 0;
		for (i = 0; i < 12; i++) {
			n = 1 + prandom_u32_state(&rs) % (i == 0 ? 400 : 60);
			h4t_put_garbage(c, &rs, n);
			garbage += n;
			h4t_put_some_packet(c, round + i, round * 16 + i);
		}
		/* Garbage at the end of the stream, too. */
		h4t_put_garbage(c, &rs, 7);
		garbage += 7;
		KUNIT_ASSERT_FALSE(test, c->in.overflow);

		h4t_restart(c);
		h4t_feed_chunks(c, c->in.len);
		if (!h4t_check(test, c, "whole stream, round", round, garbage, 0))
			return;
		h4t_restart(c);
		h4t_feed_chunks(c, 1);
		if (!h4t_check(test, c, "byte by byte, round", round, garbage, 0))
			return;
		for (i = 0; i < 8; i++) {
			h4t_restart(c);
			h4t_feed_random(c, &rs, 1 << i);
			if (!h4t_check(test, c, "random chunks, round", round,
				       garbage, 0))
				return;
		}
	}
}

/*
 * 3. An unknown type byte between two packets of one chunk: both packets
 * are delivered (upstream's h4_recv_buf() drops the rest of the chunk).
 */
static void h4_unknown_type_mid_chunk(struct kunit *test)
{
	struct h4t_ctx *c = test->priv;
	unsigned int v;
	u8 b;

	for (v = 0; v <= 0xff; v++) {
		b = v;
		if (b >= HCI_ACLDATA_PKT && b <= HCI_ISODATA_PKT)
			continue;
		h4t_new_stream(c);
		h4t_known_good(c);
		h4t_put_raw(c, &b, 1);
		h4t_acl(c, 0x2001, 8, b);
		h4t_known_good(c);

		h4t_restart(c);
		btserdev_h4_rx_feed(&c->rx, c->in.data, c->in.len);
		if (!h4t_check(test, c, "unknown type byte", b, 1, 0))
			return;
	}
}

/*
 * 4. An ACL header announcing more than HCI_MAX_ACL_SIZE bytes is refused
 * and the bytes after its type byte are scanned again: the packets after
 * it are delivered, the largest allowed one included.
 */
static void h4_acl_too_long(struct kunit *test)
{
	/* Lengths whose bytes (and the handle's) start no packet. */
	static const u16 lens[] = { 0x0601, 0x0fff, 0x8000, 0xffff };
	/* Length 1025: 01 04, and 04 starts an event; 00 00 refuses it. */
	static const u8 len1025[] = { 0x02, 0x01, 0x20, 0x01, 0x04, 0x00, 0x00 };
	static const size_t chunks[] = { 1, 2, 5, 7, 64, 1000, SIZE_MAX };
	struct h4t_ctx *c = test->priv;
	u8 hdr[1 + HCI_ACL_HDR_SIZE];
	unsigned int i;

	hdr[0] = HCI_ACLDATA_PKT;
	h4t_le16(hdr + 1, 0x2001);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		h4t_new_stream(c);
		h4t_le16(hdr + 3, lens[i]);
		h4t_put_raw(c, hdr, sizeof(hdr));
		h4t_acl(c, 0x2001, 17, i);
		h4t_known_good(c);
		/* Type byte refused; the 4 header bytes are garbage. */
		if (!h4t_run_splits(test, c, 4, 1))
			return;
	}

	h4t_new_stream(c);
	h4t_put_raw(c, len1025, sizeof(len1025));
	h4t_acl(c, 0x2001, 17, 0x99);
	h4t_known_good(c);
	/* 01 20 01 and 00 00 are garbage; the ACL and the event are refused. */
	if (!h4t_run_splits(test, c, 5, 2))
		return;

	/* The largest ACL packet allowed, right behind a refused header. */
	h4t_new_stream(c);
	h4t_le16(hdr + 3, lens[0]);
	h4t_put_raw(c, hdr, sizeof(hdr));
	h4t_acl(c, 0x2001, HCI_MAX_ACL_SIZE, 0x55);
	h4t_known_good(c);
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		h4t_restart(c);
		h4t_feed_chunks(c, chunks[i]);
		if (!h4t_check(test, c, "chunk size", chunks[i], 4, 1))
			return;
	}
}

/* A refused header and what it costs: garbage bytes and refused headers. */
struct h4t_bad_hdr {
	const char *what;
	u8 bytes[7];
	u8 len;
	u8 garbage;
	u8 bad_header;
};

static const struct h4t_bad_hdr h4t_bad_hdrs[] = {
	{ "event code 0, plen 0", { 0x04, 0x00, 0x00 }, 3, 2, 1 },
	{ "event code 0, plen 6", { 0x04, 0x00, 0x06 }, 3, 2, 1 },
	{ "event code 0, plen 255", { 0x04, 0x00, 0xff }, 3, 2, 1 },
	{ "Command Status, plen 0", { 0x04, 0x0f, 0x00 }, 3, 2, 1 },
	{ "Command Status, plen 1", { 0x04, 0x0f, 0x01 }, 3, 2, 1 },
	{ "Command Status, plen 6", { 0x04, 0x0f, 0x06 }, 3, 2, 1 },
	{ "Command Status, plen 255", { 0x04, 0x0f, 0xff }, 3, 2, 1 },
	{ "Command Complete, plen 0", { 0x04, 0x0e, 0x00 }, 3, 2, 1 },
	{ "Command Complete, plen 1", { 0x04, 0x0e, 0x01 }, 3, 2, 1 },
	/* 02 starts an ACL header; handle 0x0fff refuses that too. */
	{ "Command Complete, plen 2",
	  { 0x04, 0x0e, 0x02, 0xff, 0x0f, 0x00, 0x00 }, 7, 5, 2 },
	{ "Hardware Error, plen 0", { 0x04, 0x10, 0x00 }, 3, 2, 1 },
	{ "Number of Completed Packets, plen 0", { 0x04, 0x13, 0x00 }, 3, 2, 1 },
	{ "Number of Completed Packets, plen 6", { 0x04, 0x13, 0x06 }, 3, 2, 1 },
	{ "ACL handle 0x0f00", { 0x02, 0x00, 0x0f, 0x10, 0x00 }, 5, 4, 1 },
	{ "SCO handle 0x0fff", { 0x03, 0xff, 0x0f, 0x10 }, 4, 3, 1 },
	{ "ISO handle 0x0f01", { 0x05, 0x01, 0x0f, 0x10, 0x00 }, 5, 4, 1 },
	{ "ISO length 1537", { 0x05, 0x01, 0x20, 0x01, 0x06 }, 5, 4, 1 },
};

/*
 * 5. Implausible headers (events that cannot have their length, reserved
 * handles, lengths beyond the buffer) are refused and the next packet,
 * right behind them in the same chunk, is delivered.
 */
static void h4_implausible_headers(struct kunit *test)
{
	/* Header bytes the packet behind would otherwise be read as. */
	static const u8 plen2_hides_acl[] = {
		0x04, 0x0e, 0x02, 0x01, 0x20, 0x00, 0x00,
	};
	struct h4t_ctx *c = test->priv;
	const struct h4t_bad_hdr *b;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(h4t_bad_hdrs); i++) {
		b = &h4t_bad_hdrs[i];
		h4t_new_stream(c);
		h4t_put_raw(c, b->bytes, b->len);
		h4t_known_good(c);
		h4t_acl(c, 0x2001, 3, i);

		h4t_restart(c);
		btserdev_h4_rx_feed(&c->rx, c->in.data, c->in.len);
		if (!h4t_check(test, c, b->what, b->len, b->garbage,
			       b->bad_header))
			return;
		h4t_restart(c);
		h4t_feed_chunks(c, 1);
		if (!h4t_check(test, c, b->what, 1, b->garbage, b->bad_header))
			return;
	}

	/*
	 * Command Complete with plen 2 whose "parameters" are the start of an
	 * empty ACL packet: the rescan finds it inside the refused header.
	 */
	h4t_new_stream(c);
	h4t_put_raw(c, plen2_hides_acl, 2);
	memcpy(c->body, plen2_hides_acl + 3, HCI_ACL_HDR_SIZE);
	h4t_put_pkt(c, HCI_ACLDATA_PKT, HCI_ACL_HDR_SIZE);
	h4t_known_good(c);
	KUNIT_ASSERT_EQ(test, c->in.len, sizeof(plen2_hides_acl) + 7);
	KUNIT_ASSERT_TRUE(test, !memcmp(c->in.data, plen2_hides_acl,
					sizeof(plen2_hides_acl)));
	h4t_run_splits(test, c, 1, 1);
}

/*
 * A stray ISO type byte right before a Command Status event: the event's
 * first 4 bytes read as an ISO header with a reserved handle (0x0f04) are
 * refused, and the event is found in them, in any chunking.
 */
static void h4_rescan_finds_packet_in_header(struct kunit *test)
{
	static const u8 status[] = { 0x00, 0x01, 0x05, 0x04 };
	struct h4t_ctx *c = test->priv;
	u8 stray = HCI_ISODATA_PKT;

	h4t_new_stream(c);
	h4t_put_raw(c, &stray, 1);
	h4t_event(c, HCI_EV_CMD_STATUS, status, sizeof(status));
	h4t_acl(c, 0x2001, 2, 0);

	h4t_run_all_cuts(test, c, 0, 1);
}

/*
 * Feed the stream's first @cut bytes, then nothing more: the packet stays
 * pending until the reset drops it, and the whole stream fed after that is
 * delivered intact, once.
 */
static bool h4t_cut_reset(struct kunit *test, struct h4t_ctx *c, size_t cut)
{
	h4t_restart(c);
	btserdev_h4_rx_feed(&c->rx, c->in.data, cut);
	KUNIT_EXPECT_TRUE_MSG(test, btserdev_h4_rx_busy(&c->rx), "cut at %zu", cut);
	btserdev_h4_rx_reset(&c->rx);
	KUNIT_EXPECT_EQ_MSG(test, c->rx.stats.dropped, 1ULL, "cut at %zu", cut);
	KUNIT_EXPECT_FALSE_MSG(test, btserdev_h4_rx_busy(&c->rx), "cut at %zu",
			       cut);
	/* A second reset has nothing left to drop. */
	btserdev_h4_rx_reset(&c->rx);
	KUNIT_EXPECT_EQ_MSG(test, c->rx.stats.dropped, 1ULL, "cut at %zu", cut);
	KUNIT_EXPECT_EQ_MSG(test, c->got.pkts, 0U, "cut at %zu", cut);
	KUNIT_EXPECT_EQ_MSG(test, c->rx.stats.frames, 0ULL, "cut at %zu", cut);
	if (c->rx.stats.dropped != 1 || c->got.pkts)
		return false;

	c->rx.stats.dropped = 0;
	btserdev_h4_rx_feed(&c->rx, c->in.data, c->in.len);
	return h4t_check(test, c, "after a packet cut at", cut, 0, 0);
}

/*
 * 6. A packet cut short and followed by silence stays pending until the
 * caller's reset drops it; the next packet is delivered intact, once.
 */
static void h4_truncated_then_reset(struct kunit *test)
{
	struct h4t_ctx *c = test->priv;
	size_t cut;

	/* A reset with nothing in progress drops nothing. */
	h4t_restart(c);
	btserdev_h4_rx_reset(&c->rx);
	KUNIT_EXPECT_EQ(test, c->rx.stats.dropped, 0ULL);
	KUNIT_EXPECT_FALSE(test, btserdev_h4_rx_busy(&c->rx));

	/* A Command Complete event cut after each of its bytes. */
	h4t_new_stream(c);
	h4t_known_good(c);
	for (cut = 1; cut < c->in.len; cut++)
		if (!h4t_cut_reset(test, c, cut))
			return;

	/* A 1021 byte ACL packet cut in its header and in its payload. */
	h4t_new_stream(c);
	h4t_acl(c, 0x2001, 1021, 0x42);
	for (cut = 1; cut < c->in.len; cut += cut < 8 ? 1 : 61)
		if (!h4t_cut_reset(test, c, cut))
			return;
	h4t_cut_reset(test, c, c->in.len - 1);
}

/*
 * The fuzz cases: mutated valid streams and random streams, with a fixed
 * seed so that a failure reproduces (the message names the input). One
 * run takes long streams (up to 2 KiB, packets of every size); the other
 * takes a million short inputs (a few small packets, or random bytes), the
 * size at which every header field and state change is hit most often.
 */
struct h4t_fuzz {
	const char *name;
	u64 seed;
	unsigned int random_in;	/* 1 input in this many is random bytes */
	unsigned int packets;	/* at most this many packets in a valid one */
	u16 len_cap;		/* longest payload in a valid one */
	size_t random_len;	/* longest random input */
	unsigned int max_mutations;
};

static const struct h4t_fuzz h4t_fuzz_long = {
	.name = "long streams",
	.seed = 0x4834206675a7a21ULL,
	.random_in = 6,
	.packets = 6,
	.len_cap = U16_MAX,
	.random_len = 1024,
	.max_mutations = 8,
};

static const struct h4t_fuzz h4t_fuzz_short = {
	.name = "short inputs",
	.seed = 0x73686f7274483421ULL,
	.random_in = 5,
	.packets = 3,
	.len_cap = 24,
	.random_len = 48,
	.max_mutations = 3,
};

/* Inputs of the long-stream run. */
#define H4T_FUZZ_LONG_INPUTS	14500U

/*
 * The short-input run goes in rounds of H4T_SHORT_ROUND inputs, each a
 * case of its own (KUnit's 300 s limit is per case), with seeds of their
 * own; short_rounds of them, 20 (10^6 inputs) by default. Each input
 * allocates a packet buffer or two, ~0.5 ms on the QEMU board with KASAN
 * and kmemleak, so make test's boot asks for one round (the count is
 * printed) and make fuzz for the default.
 */
#define H4T_SHORT_ROUND		50000U
#define H4T_SHORT_MAX_ROUNDS	64
static unsigned int short_rounds = 20;
module_param(short_rounds, uint, 0444);
MODULE_PARM_DESC(short_rounds, "rounds of 50,000 inputs of the short-input fuzz (default 20, at most 64)");

/* Valid streams are built up to this length (mutations may add a little). */
#define H4T_FUZZ_LEN		2048

static u32 h4t_rand(struct rnd_state *rs, u32 n)
{
	return prandom_u32_state(rs) % n;
}

/*
 * Lengths are mostly short so that packets are many; sometimes the largest
 * (the largest the run allows: c->len_cap).
 */
static u16 h4t_rand_len(struct h4t_ctx *c, struct rnd_state *rs, u16 max)
{
	max = min(max, c->len_cap);
	switch (h4t_rand(rs, 16)) {
	case 0:
		return max;
	case 1:
	case 2:
		return h4t_rand(rs, max + 1);
	default:
		return h4t_rand(rs, min_t(u16, max, 40) + 1);
	}
}

static u16 h4t_rand_handle(struct rnd_state *rs)
{
	return h4t_rand(rs, H4T_MAX_HANDLE + 1) | h4t_rand(rs, 16) << 12;
}

/* A random event the parser must accept. */
static void h4t_rand_event(struct h4t_ctx *c, struct rnd_state *rs)
{
	u8 param[255];
	u8 evt, plen;

	prandom_bytes_state(rs, param, sizeof(param));
	switch (h4t_rand(rs, 8)) {
	case 0:
		evt = HCI_EV_CMD_COMPLETE;
		plen = 3 + h4t_rand_len(c, rs, 252);
		break;
	case 1:
		evt = HCI_EV_CMD_STATUS;
		plen = 4;
		break;
	case 2:
		evt = HCI_EV_NUM_COMP_PKTS;
		plen = 1 + 4 * h4t_rand(rs, 8);
		break;
	case 3:
		evt = HCI_EV_HARDWARE_ERROR;
		plen = 1;
		break;
	case 4:
		evt = HCI_EV_DISCONN_COMPLETE;
		plen = 4;
		break;
	case 5:
		evt = HCI_EV_CONN_COMPLETE;
		plen = 11;
		break;
	default:
		do {
			evt = 1 + h4t_rand(rs, 255);
		} while (evt == HCI_EV_CMD_COMPLETE || evt == HCI_EV_CMD_STATUS ||
			 evt == HCI_EV_NUM_COMP_PKTS ||
			 evt == HCI_EV_HARDWARE_ERROR ||
			 evt == HCI_EV_DISCONN_COMPLETE ||
			 evt == HCI_EV_CONN_COMPLETE);
		plen = h4t_rand_len(c, rs, 255);
		break;
	}
	h4t_event(c, evt, param, plen);
}

/* A random valid stream of up to H4T_FUZZ_LEN bytes and @max packets. */
static void h4t_rand_stream(struct h4t_ctx *c, struct rnd_state *rs,
			    unsigned int max)
{
	unsigned int n = 1 + h4t_rand(rs, max);
	u8 seed;

	h4t_new_stream(c);
	while (n-- && c->in.len < H4T_FUZZ_LEN - HCI_MAX_FRAME_SIZE - 1) {
		seed = prandom_u32_state(rs);
		switch (h4t_rand(rs, 4)) {
		case 0:
			h4t_acl(c, h4t_rand_handle(rs),
				h4t_rand_len(c, rs, HCI_MAX_ACL_SIZE), seed);
			break;
		case 1:
			h4t_sco(c, h4t_rand_handle(rs), h4t_rand_len(c, rs, 255),
				seed);
			break;
		case 2:
			h4t_rand_event(c, rs);
			break;
		default:
			h4t_iso(c, h4t_rand_handle(rs) & 0x7fff,
				h4t_rand_len(c, rs, HCI_MAX_FRAME_SIZE -
					     HCI_ISO_HDR_SIZE), seed);
			break;
		}
	}
}

/* A random byte, a packet type byte one time in four. */
static u8 h4t_rand_byte(struct rnd_state *rs)
{
	if (!h4t_rand(rs, 4))
		return HCI_ACLDATA_PKT + h4t_rand(rs, 4);
	return prandom_u32_state(rs);
}

/* Apply one random mutation to the stream. */
static void h4t_mutate(struct h4t_ctx *c, struct rnd_state *rs)
{
	struct h4t_buf *in = &c->in;
	size_t pos, n, from;
	u8 *p = in->data;
	u8 span[32];

	if (!in->len)
		return;
	pos = h4t_rand(rs, in->len);
	switch (h4t_rand(rs, 8)) {
	case 0:		/* flip a bit */
		p[pos] ^= 1 << h4t_rand(rs, 8);
		break;
	case 1:		/* replace a byte */
		p[pos] = h4t_rand_byte(rs);
		break;
	case 2:		/* insert a byte */
		if (in->len == in->cap)
			break;
		memmove(p + pos + 1, p + pos, in->len - pos);
		p[pos] = h4t_rand_byte(rs);
		in->len++;
		break;
	case 3:		/* delete bytes */
		n = min_t(size_t, 1 + h4t_rand(rs, 4), in->len - pos);
		memmove(p + pos, p + pos + n, in->len - pos - n);
		in->len -= n;
		break;
	case 4:		/* truncate */
		in->len = pos;
		break;
	case 5:		/* copy a span of the stream to another place */
		from = h4t_rand(rs, in->len);
		n = min_t(size_t, 1 + h4t_rand(rs, sizeof(span)),
			  in->len - from);
		n = min(n, in->cap - in->len);
		memcpy(span, p + from, n);
		memmove(p + pos + n, p + pos, in->len - pos);
		memcpy(p + pos, span, n);
		in->len += n;
		break;
	case 6:		/* insert random bytes */
		n = min_t(size_t, 1 + h4t_rand(rs, 16), in->cap - in->len);
		memmove(p + pos + n, p + pos, in->len - pos);
		prandom_bytes_state(rs, p + pos, n);
		in->len += n;
		break;
	default:	/* overwrite a 16-bit field with an extreme value */
		if (pos + 2 > in->len)
			break;
		h4t_le16(p + pos, h4t_rand(rs, 2) ? 0xffff :
			 HCI_MAX_ACL_SIZE + h4t_rand(rs, 8));
		break;
	}
}

/* Header length of a packet type the parser takes, 0 for others. */
static unsigned int h4t_hdr_len(u8 type)
{
	switch (type) {
	case HCI_ACLDATA_PKT:
		return HCI_ACL_HDR_SIZE;
	case HCI_SCODATA_PKT:
		return HCI_SCO_HDR_SIZE;
	case HCI_EVENT_PKT:
		return HCI_EVENT_HDR_SIZE;
	case HCI_ISODATA_PKT:
		return HCI_ISO_HDR_SIZE;
	}
	return 0;
}

/* Payload length a header announces. */
static unsigned int h4t_announced(u8 type, const u8 *h)
{
	switch (type) {
	case HCI_ACLDATA_PKT:
		return h[2] | h[3] << 8;
	case HCI_SCODATA_PKT:
		return h[2];
	case HCI_EVENT_PKT:
		return h[1];
	default:
		return (h[2] | h[3] << 8) & 0x3fff;
	}
}

/* The header rules of btserdev_h4.h's parser, written out again. */
static bool h4t_acceptable(u8 type, const u8 *h, unsigned int len)
{
	unsigned int handle = (h[0] | h[1] << 8) & 0x0fff;

	switch (type) {
	case HCI_ACLDATA_PKT:
		return handle <= H4T_MAX_HANDLE && len <= HCI_MAX_ACL_SIZE;
	case HCI_SCODATA_PKT:
		return handle <= H4T_MAX_HANDLE;
	case HCI_ISODATA_PKT:
		return handle <= H4T_MAX_HANDLE &&
		       len <= HCI_MAX_FRAME_SIZE - HCI_ISO_HDR_SIZE;
	}
	switch (h[0]) {
	case 0x00:
		return false;
	case HCI_EV_CMD_COMPLETE:
		return len >= 3;
	case HCI_EV_CMD_STATUS:
		return len == 4;
	case HCI_EV_HARDWARE_ERROR:
		return len == 1;
	case HCI_EV_NUM_COMP_PKTS:
		return len >= 1 && (len - 1) % 4 == 0;
	case HCI_EV_DISCONN_COMPLETE:
		return len == 4;
	case HCI_EV_CONN_COMPLETE:
		return len == 11;
	}
	return true;
}

/* Find @r (type byte and bytes) in the stream at or after *@pos. */
static bool h4t_find(const struct h4t_buf *in, size_t *pos,
		     const struct h4t_rec *r)
{
	size_t i;

	for (i = *pos; i + 1 + r->len <= in->len; i++) {
		if (in->data[i] == r->type &&
		    !memcmp(in->data + i + 1, r->data, r->len)) {
			*pos = i + 1 + r->len;
			return true;
		}
	}
	return false;
}

/*
 * What must hold after any input: every delivered packet has a header the
 * parser accepts and exactly the length it announces, and appears in the
 * input, in order, without overlapping another. Every input byte is
 * accounted for once: as part of a delivered packet (with its type byte),
 * as garbage, as the type byte of a refused header (one per bad_header),
 * or as part of the packet still in progress.
 */
static bool h4t_fuzz_check(struct kunit *test, struct h4t_ctx *c,
			   unsigned int iter)
{
	const struct btserdev_h4_stats *s = &c->rx.stats;
	bool busy = btserdev_h4_rx_busy(&c->rx);
	size_t pos = 0, at = 0;
	u64 used = 0;
	struct h4t_rec r;
	unsigned int hl;

	if (c->got.rec.overflow) {
		KUNIT_FAIL(test, "iteration %u: delivery log overflow", iter);
		return false;
	}
	while (h4t_log_next(&c->got, &pos, &r)) {
		hl = h4t_hdr_len(r.type);
		if (!hl || r.len < hl) {
			KUNIT_FAIL(test, "iteration %u: packet type %#04x of %zu bytes",
				   iter, r.type, r.len);
			return false;
		}
		if (r.len != hl + h4t_announced(r.type, r.data) ||
		    !h4t_acceptable(r.type, r.data, r.len - hl)) {
			KUNIT_FAIL(test, "iteration %u: packet type %#04x, %zu bytes, header %*ph",
				   iter, r.type, r.len, hl, r.data);
			return false;
		}
		if (!h4t_find(&c->in, &at, &r)) {
			KUNIT_FAIL(test,
				   "iteration %u: packet %#04x/%zu (%*ph) not in the input",
				   iter, r.type, r.len, hl, r.data);
			return false;
		}
		used += 1 + r.len;
	}
	if (pos != c->got.rec.len || s->frames != c->got.pkts) {
		KUNIT_FAIL(test, "iteration %u: %llu frames counted, %u delivered",
			   iter, s->frames, c->got.pkts);
		return false;
	}
	used += s->garbage + s->bad_header;
	if (used > c->in.len || (busy && used == c->in.len) ||
	    (!busy && !s->nomem && used != c->in.len)) {
		KUNIT_FAIL(test,
			   "iteration %u: %zu bytes fed, %llu accounted for, busy %d",
			   iter, c->in.len, used, busy);
		KUNIT_FAIL(test,
			   "iteration %u: garbage %llu, bad headers %llu, packets %u",
			   iter, s->garbage, s->bad_header, c->got.pkts);
		return false;
	}
	return true;
}

/* h4t_known_good() as it is on the wire. */
static const u8 h4t_good_wire[] = {
	HCI_EVENT_PKT, HCI_EV_CMD_COMPLETE, 4, 0x01, 0x03, 0x0c, 0x00,
};

/*
 * Fed to a reset parser, h4t_good_wire is delivered, alone and intact;
 * or, when the parser could not get a buffer for it (GFP_ATOMIC may fail
 * under the fuzz's churn), counted as such and not delivered at all.
 */
static bool h4t_good_after_reset(struct kunit *test, struct h4t_ctx *c,
				 unsigned int iter, u64 *nomem)
{
	const u8 *rec = c->got.rec.data;
	u64 before = c->rx.stats.nomem;

	h4t_log_clear(&c->got);
	btserdev_h4_rx_feed(&c->rx, h4t_good_wire, sizeof(h4t_good_wire));
	if (c->rx.stats.nomem == before + 1 && !c->got.pkts &&
	    !btserdev_h4_rx_busy(&c->rx)) {
		(*nomem)++;
		return true;
	}
	if (c->got.pkts == 1 && !btserdev_h4_rx_busy(&c->rx) &&
	    c->rx.stats.nomem == before &&
	    c->got.rec.len == H4T_REC_HDR + sizeof(h4t_good_wire) - 1 &&
	    rec[0] == HCI_EVENT_PKT &&
	    !memcmp(rec + H4T_REC_HDR, h4t_good_wire + 1,
		    sizeof(h4t_good_wire) - 1))
		return true;
	KUNIT_FAIL(test,
		   "iteration %u: after a reset, %u packets delivered (%u bytes logged, busy %d)",
		   iter, c->got.pkts, (unsigned int)c->got.rec.len,
		   btserdev_h4_rx_busy(&c->rx));
	return false;
}

/* One fuzz input: feed it in a random chunking, check, reset, check. */
static bool h4t_fuzz_one(struct kunit *test, struct h4t_ctx *c,
			 struct rnd_state *rs, unsigned int iter, bool intact,
			 u64 *delivered, u64 *nomem)
{
	bool busy, ok;

	h4t_restart(c);
	switch (h4t_rand(rs, 4)) {
	case 0:
		h4t_feed_chunks(c, c->in.len);
		break;
	case 1:
		h4t_feed_chunks(c, 1);
		break;
	case 2:
		h4t_feed_random(c, rs, 16);
		break;
	default:
		h4t_feed_random(c, rs, c->in.len ? c->in.len : 1);
		break;
	}
	ok = h4t_fuzz_check(test, c, iter);
	if (ok && intact)
		ok = h4t_check(test, c, "intact stream, iteration", iter, 0, 0);
	*delivered += c->got.pkts;
	busy = btserdev_h4_rx_busy(&c->rx);
	btserdev_h4_rx_reset(&c->rx);
	if (c->rx.stats.dropped != busy || btserdev_h4_rx_busy(&c->rx)) {
		KUNIT_FAIL(test, "iteration %u: reset while busy %d dropped %llu",
			   iter, busy, c->rx.stats.dropped);
		ok = false;
	}
	if (ok)
		ok = h4t_good_after_reset(test, c, iter, nomem);
	if (!ok)
		kunit_info(test, "input of iteration %u (%zu bytes) starts %*ph\n",
			   iter, c->in.len, (int)min_t(size_t, c->in.len, 48),
			   c->in.data);
	return ok;
}

/*
 * One fuzz run of @inputs inputs: 1 in @f->random_in random bytes, the
 * others valid streams (1 in 8 left intact, the others with 1 to
 * @f->max_mutations mutations: bit flips, byte changes, insertions,
 * deletions, truncations, copied spans, extreme length fields), each fed
 * in a random chunking and checked by h4t_fuzz_one(). Prints the count.
 */
static void h4t_fuzz_run(struct kunit *test, const struct h4t_fuzz *f,
			 unsigned int inputs)
{
	struct h4t_ctx *c = test->priv;
	u64 bytes = 0, mutations = 0, delivered = 0, nomem = 0;
	unsigned int iter, k, n;
	struct rnd_state rs;
	bool intact;

	prandom_seed_state(&rs, f->seed);
	c->len_cap = f->len_cap;
	for (iter = 0; iter < inputs; iter++) {
		intact = false;
		if (iter < inputs - inputs / f->random_in) {
			h4t_rand_stream(c, &rs, f->packets);
			KUNIT_ASSERT_FALSE(test, c->in.overflow);
			n = h4t_rand(&rs, 8) ?
				1 + h4t_rand(&rs, f->max_mutations) : 0;
			for (k = 0; k < n; k++)
				h4t_mutate(c, &rs);
			intact = !n;
			mutations += n;
		} else {
			h4t_new_stream(c);
			c->in.len = h4t_rand(&rs, f->random_len + 1);
			if (h4t_rand(&rs, 2))
				prandom_bytes_state(&rs, c->in.data, c->in.len);
			else
				for (k = 0; k < c->in.len; k++)
					c->in.data[k] = h4t_rand_byte(&rs);
		}
		if (!h4t_fuzz_one(test, c, &rs, iter, intact, &delivered,
				  &nomem))
			return;
		bytes += c->in.len;
	}
	kunit_info(test, "fuzz, %s: %u inputs, %llu bytes fed, %llu mutations, %llu packets delivered, %llu known-good packets without memory\n",
		   f->name, iter, bytes, mutations, delivered, nomem);
	KUNIT_EXPECT_EQ(test, iter, inputs);

	/* After all that, a reset parser takes a known-good stream intact. */
	h4t_restart(c);
	h4t_new_stream(c);
	h4t_build_valid(c);
	h4t_feed_chunks(c, 7);
	h4t_check(test, c, "after the fuzz, chunk size", 7, 0, 0);
}

/*
 * 7. Fuzz with long streams: 14,500 inputs, 4.3 * 10^6 bytes, some 10 s
 * on the project's QEMU board (TCG, KASAN, kmemleak).
 */
static void h4_fuzz_long(struct kunit *test)
{
	h4t_fuzz_run(test, &h4t_fuzz_long, H4T_FUZZ_LONG_INPUTS);
}

/* The rounds are told apart by their place in this array. */
static const u8 h4t_rounds[H4T_SHORT_MAX_ROUNDS];

/* 8. Fuzz with short inputs: one round, seeded by its number. */
static void h4_fuzz_short(struct kunit *test)
{
	const u8 *round = test->param_value;
	struct h4t_fuzz f = h4t_fuzz_short;

	f.seed += round - h4t_rounds;
	h4t_fuzz_run(test, &f, H4T_SHORT_ROUND);
}

static const void *h4t_short_rounds(const void *prev, char *desc)
{
	const u8 *p = prev ? (const u8 *)prev + 1 : h4t_rounds;
	unsigned int i = p - h4t_rounds;
	unsigned int n = min_t(unsigned int, short_rounds, H4T_SHORT_MAX_ROUNDS);

	if (i >= n)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "round %u of %u", i + 1, n);
	return p;
}

static struct kunit_case h4_cases[] = {
	KUNIT_CASE_SLOW(h4_every_chunking),
	KUNIT_CASE(h4_resync_after_garbage),
	KUNIT_CASE(h4_unknown_type_mid_chunk),
	KUNIT_CASE(h4_acl_too_long),
	KUNIT_CASE(h4_implausible_headers),
	KUNIT_CASE(h4_rescan_finds_packet_in_header),
	KUNIT_CASE(h4_truncated_then_reset),
	KUNIT_CASE_ATTR(h4_fuzz_long, {.speed = KUNIT_SPEED_VERY_SLOW}),
	KUNIT_CASE_PARAM_ATTR(h4_fuzz_short, h4t_short_rounds,
			      {.speed = KUNIT_SPEED_VERY_SLOW}),
	{}
};

static struct kunit_suite h4_suite = {
	.name = "btserdev-h4",
	.init = h4t_init,
	.exit = h4t_exit,
	.test_cases = h4_cases,
};

kunit_test_suite(h4_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for the btserdev H4 receive path");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for btserdev as a whole driver on the fake serdev controller:
 * the driver binds to a fake UART described by a DT overlay, registers an
 * hci_dev, and the Bluetooth core powers it on. The test plays the
 * controller: it reads the commands the fake recorded and injects events.
 * Power and wake lines are read back from the board's gpio-sim bank.
 *
 * The controller answers HCI Reset, then refuses the next commands, so the
 * core's init fails and it powers the device off: from then on the driver
 * is idle and the transmit and receive paths are driven directly.
 */

#include <kunit/of.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/serdev.h>
#include <linux/skbuff.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci_core.h>

#include "btserdev.h"
#include "serdev-fake.h"
#include "suite-gpio.h"

#define BT_LINE_ENABLE	0
#define BT_LINE_RESET	1
#define BT_LINE_WAKE	2
#define BT_LINE_VBAT	4

/* HCI status "Unknown HCI Command" */
#define BT_UNKNOWN_COMMAND	0x01

struct bt_ctx {
	struct serdev_fake *fake;
	struct btserdev *bd;
	struct hci_dev *hdev;
};

/* Poll @cond every 5 ms for up to 3 s. */
#define bt_wait(cond) ({					\
	int __i;						\
	bool __ok = false;					\
	for (__i = 0; __i < 600 && !__ok; __i++) {		\
		__ok = (cond);					\
		if (!__ok)					\
			usleep_range(5000, 6000);		\
	}							\
	__ok;							\
})

/* Take the next HCI command off the wire; returns its opcode or -1. */
static int bt_next_command(struct bt_ctx *ctx)
{
	u8 hdr[4], param[255];

	if (!bt_wait(serdev_fake_tx_len(ctx->fake) >= sizeof(hdr)))
		return -1;
	if (serdev_fake_tx_take(ctx->fake, hdr, sizeof(hdr)) != sizeof(hdr) ||
	    hdr[0] != HCI_COMMAND_PKT)
		return -1;
	if (hdr[3] && (!bt_wait(serdev_fake_tx_len(ctx->fake) >= hdr[3]) ||
		       serdev_fake_tx_take(ctx->fake, param, hdr[3]) != hdr[3]))
		return -1;
	return hdr[1] | hdr[2] << 8;
}

/* Command Complete for @opcode with only a status. */
static void bt_complete(struct bt_ctx *ctx, int opcode, u8 status)
{
	u8 ev[] = { HCI_EVENT_PKT, HCI_EV_CMD_COMPLETE, 4, 1,
		    opcode & 0xff, opcode >> 8, status };

	serdev_fake_inject(ctx->fake, ev, sizeof(ev), 0);
}

static bool bt_is_up(struct hci_dev *hdev)
{
	return test_bit(HCI_UP, &hdev->flags);
}

static bool bt_init_running(struct hci_dev *hdev)
{
	return test_bit(HCI_INIT, &hdev->flags);
}

/*
 * Bind the driver to a fresh fake UART and wait for the core's power-on,
 * whose first command is HCI Reset. The caller answers it.
 */
static struct bt_ctx *bt_bind_at(struct kunit *test, const char *path)
{
	struct bt_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, 0, of_overlay_apply_kunit(test, btserdev_test));
	ctx->fake = serdev_fake_bind(test, path);
	ctx->bd = serdev_device_get_drvdata(serdev_fake_client(ctx->fake));
	KUNIT_ASSERT_NOT_NULL(test, ctx->bd);
	ctx->hdev = ctx->bd->hdev;
	KUNIT_ASSERT_NOT_NULL(test, ctx->hdev);
	return ctx;
}

static struct bt_ctx *bt_bind(struct kunit *test)
{
	return bt_bind_at(test, "/btserdev-test-uart");
}

/*
 * Answer the Reset just taken off the wire, refuse what follows ("Unknown
 * HCI Command") until the core gives up its init, and wait until it has
 * powered the device off.
 */
static void bt_answer_reset_fail_init(struct kunit *test, struct bt_ctx *ctx)
{
	struct hci_dev *hdev = ctx->hdev;
	int opcode, refused = 0;

	bt_complete(ctx, HCI_OP_RESET, 0);
	while (refused < 8) {
		KUNIT_ASSERT_TRUE(test, bt_wait(serdev_fake_tx_len(ctx->fake) ||
						(!bt_init_running(hdev) &&
						 !ctx->bd->power.on)));
		if (!serdev_fake_tx_len(ctx->fake))
			break;
		opcode = bt_next_command(ctx);
		KUNIT_ASSERT_GE(test, opcode, 0);
		KUNIT_EXPECT_NE(test, opcode, HCI_OP_RESET);
		bt_complete(ctx, opcode, BT_UNKNOWN_COMMAND);
		refused++;
	}
	KUNIT_EXPECT_GT(test, refused, 0);
	KUNIT_ASSERT_TRUE(test, bt_wait(!bt_init_running(hdev) &&
					!ctx->bd->power.on));
	KUNIT_ASSERT_FALSE(test, bt_is_up(hdev));
}

static void bt_fail_init(struct kunit *test, struct bt_ctx *ctx)
{
	KUNIT_ASSERT_EQ(test, bt_next_command(ctx), HCI_OP_RESET);
	bt_answer_reset_fail_init(test, ctx);
}

/*
 * The module's lines as the driver drives them: powered means supply and
 * enable on, reset released and the device woken; off is the reverse.
 */
static void bt_expect_powered(struct kunit *test, struct bt_ctx *ctx, bool on)
{
	KUNIT_EXPECT_EQ(test, ctx->bd->power.on, on);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, BT_LINE_VBAT), on);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, BT_LINE_ENABLE), on);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, BT_LINE_RESET), !on);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, BT_LINE_WAKE), on);
}

/* The core's power-on: supply, enable, reset released, then HCI Reset. */
static void bt_power_on_sends_reset(struct kunit *test)
{
	struct bt_ctx *ctx = bt_bind(test);
	struct serdev_fake_line line;

	KUNIT_ASSERT_EQ(test, bt_next_command(ctx), HCI_OP_RESET);
	bt_expect_powered(test, ctx, true);

	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_TRUE(test, line.open);
	KUNIT_EXPECT_EQ(test, line.baud, 115200);
	KUNIT_EXPECT_TRUE(test, line.flow);
	bt_answer_reset_fail_init(test, ctx);
}

/*
 * A board tree's Broadcom node names the power line shutdown-gpios
 * (BT_REG_ON): it powers the module as enable-gpios does.
 */
static void bt_shutdown_gpio_is_the_enable_line(struct kunit *test)
{
	struct bt_ctx *ctx = bt_bind_at(test, "/btserdev-test-uart-shutdown");

	KUNIT_ASSERT_EQ(test, bt_next_command(ctx), HCI_OP_RESET);
	KUNIT_EXPECT_TRUE(test, ctx->bd->power.on);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, BT_LINE_ENABLE), 1);
	bt_answer_reset_fail_init(test, ctx);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, BT_LINE_ENABLE), 0);
}

/*
 * A failed init powers the module off (supply, enable, wake down, reset
 * asserted); the UART itself stays open until the driver is removed.
 */
static void bt_failed_init_powers_off(struct kunit *test)
{
	struct bt_ctx *ctx = bt_bind(test);
	struct serdev_fake_line line;

	bt_fail_init(test, ctx);
	bt_expect_powered(test, ctx, false);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_TRUE(test, line.open);
	KUNIT_EXPECT_EQ(test, line.closes, 0);
	/* The refused commands were sent once each: no stray retransmission. */
	KUNIT_EXPECT_EQ(test, serdev_fake_tx_len(ctx->fake), 0);
}

/* An ACL packet of @len payload bytes, pattern from @seed, for hdev->send. */
static struct sk_buff *bt_acl(struct kunit *test, u16 len, u8 seed, u8 *wire)
{
	struct sk_buff *skb;
	u16 i;

	skb = bt_skb_alloc(HCI_ACL_HDR_SIZE + len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	hci_skb_pkt_type(skb) = HCI_ACLDATA_PKT;
	skb_put_u8(skb, 0x2a);
	skb_put_u8(skb, 0x20);
	skb_put_u8(skb, len & 0xff);
	skb_put_u8(skb, len >> 8);
	for (i = 0; i < len; i++)
		skb_put_u8(skb, seed + i);
	wire[0] = HCI_ACLDATA_PKT;
	memcpy(wire + 1, skb->data, skb->len);
	return skb;
}

#define BT_TX_PACKETS	12

/*
 * A UART FIFO of 7 bytes: every packet needs several short writes, each
 * resumed by write_wakeup. The wire carries every packet whole, in order.
 */
static void bt_tx_backpressure(struct kunit *test)
{
	struct bt_ctx *ctx = bt_bind(test);
	struct serdev_fake_stats st;
	size_t total = 0, rounds = 0;
	u64 byte_tx;
	u8 *want, *got;
	int i;

	bt_fail_init(test, ctx);
	byte_tx = ctx->hdev->stat.byte_tx;
	want = kunit_kzalloc(test, 8192, GFP_KERNEL);
	got = kunit_kzalloc(test, 8192, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_NOT_NULL(test, got);

	serdev_fake_set_write_room(ctx->fake, 7);
	for (i = 0; i < BT_TX_PACKETS; i++) {
		u16 len = 1 + i * 37;
		struct sk_buff *skb = bt_acl(test, len, i, want + total);

		total += 1 + HCI_ACL_HDR_SIZE + len;
		KUNIT_ASSERT_EQ(test, ctx->hdev->send(ctx->hdev, skb), 0);
	}
	while (serdev_fake_tx_len(ctx->fake) < total && rounds++ < 10000) {
		serdev_fake_drain(ctx->fake);
		usleep_range(200, 400);
	}
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_len(ctx->fake), total);
	KUNIT_EXPECT_EQ(test, serdev_fake_tx_take(ctx->fake, got, total), total);
	KUNIT_EXPECT_MEMEQ(test, got, want, total);
	KUNIT_EXPECT_EQ(test, ctx->hdev->stat.acl_tx, BT_TX_PACKETS);
	KUNIT_EXPECT_EQ(test, ctx->hdev->stat.byte_tx - byte_tx, total);
	serdev_fake_stats(ctx->fake, &st);
	KUNIT_EXPECT_GT(test, st.tx_short, 0);
}

/* A write error drops that packet, counted; the next one goes out whole. */
static void bt_tx_write_error(struct kunit *test)
{
	struct bt_ctx *ctx = bt_bind(test);
	u8 want[64], got[64];
	struct sk_buff *skb;

	bt_fail_init(test, ctx);
	serdev_fake_set_write_error(ctx->fake, -EIO);
	skb = bt_acl(test, 20, 1, want);
	KUNIT_ASSERT_EQ(test, ctx->hdev->send(ctx->hdev, skb), 0);
	KUNIT_EXPECT_TRUE(test, bt_wait(ctx->hdev->stat.err_tx == 1));
	KUNIT_EXPECT_EQ(test, serdev_fake_tx_len(ctx->fake), 0);

	serdev_fake_set_write_error(ctx->fake, 0);
	skb = bt_acl(test, 30, 2, want);
	KUNIT_ASSERT_EQ(test, ctx->hdev->send(ctx->hdev, skb), 0);
	KUNIT_ASSERT_TRUE(test, bt_wait(serdev_fake_tx_len(ctx->fake) == 35));
	serdev_fake_tx_take(ctx->fake, got, 35);
	KUNIT_EXPECT_MEMEQ(test, got, want, 35);
	KUNIT_EXPECT_EQ(test, ctx->hdev->stat.acl_tx, 1);
}

/*
 * Three packets (an event, an ACL packet, an event) through the driver's
 * receive_buf in every chunk size: each pass delivers three frames and
 * leaves nothing half-read.
 */
static void bt_rx_every_chunking(struct kunit *test)
{
	static const u8 stream[] = {
		HCI_EVENT_PKT, HCI_EV_CMD_COMPLETE, 4, 1, 0x03, 0x0c, 0x00,
		HCI_ACLDATA_PKT, 0x2a, 0x20, 5, 0, 'h', 'e', 'l', 'l', 'o',
		HCI_EVENT_PKT, HCI_EV_NUM_COMP_PKTS, 5, 1, 0x2a, 0x00, 1, 0,
	};
	struct bt_ctx *ctx = bt_bind(test);
	u64 frames, byte_rx;
	size_t chunk;

	bt_fail_init(test, ctx);
	frames = ctx->bd->rx.stats.frames;
	byte_rx = ctx->hdev->stat.byte_rx;
	for (chunk = 1; chunk <= sizeof(stream); chunk++) {
		KUNIT_ASSERT_EQ(test, serdev_fake_inject(ctx->fake, stream,
							 sizeof(stream), chunk),
				sizeof(stream));
		KUNIT_EXPECT_EQ(test, ctx->bd->rx.stats.frames - frames, 3);
		frames = ctx->bd->rx.stats.frames;
	}
	KUNIT_EXPECT_FALSE(test, btserdev_h4_rx_busy(&ctx->bd->rx));
	KUNIT_EXPECT_EQ(test, ctx->bd->rx.stats.garbage, 0);
	KUNIT_EXPECT_EQ(test, ctx->bd->rx.stats.bad_header, 0);
	KUNIT_EXPECT_EQ(test, ctx->hdev->stat.err_rx, 0);
	KUNIT_EXPECT_EQ(test, ctx->hdev->stat.byte_rx - byte_rx,
			sizeof(stream) * sizeof(stream));
}

/* Garbage before a packet is skipped and counted in hdev's err_rx. */
static void bt_rx_garbage_resync(struct kunit *test)
{
	static const u8 junk[] = { 0x00, 0xff, 0x7e, 0x99 };
	static const u8 ev[] = { HCI_EVENT_PKT, HCI_EV_CMD_COMPLETE, 4, 1,
				 0x03, 0x0c, 0x00 };
	struct bt_ctx *ctx = bt_bind(test);
	u64 frames, err_rx;

	bt_fail_init(test, ctx);
	frames = ctx->bd->rx.stats.frames;
	err_rx = ctx->hdev->stat.err_rx;
	serdev_fake_inject(ctx->fake, junk, sizeof(junk), 1);
	serdev_fake_inject(ctx->fake, ev, sizeof(ev), 3);
	KUNIT_EXPECT_EQ(test, ctx->bd->rx.stats.frames - frames, 1);
	KUNIT_EXPECT_EQ(test, ctx->bd->rx.stats.garbage, sizeof(junk));
	KUNIT_EXPECT_EQ(test, ctx->hdev->stat.err_rx - err_rx, sizeof(junk));
}

/*
 * Half a packet and then silence: the driver's receive timeout drops it
 * (counted), and the next packet is read from its first byte.
 */
static void bt_rx_partial_timeout(struct kunit *test)
{
	static const u8 ev[] = { HCI_EVENT_PKT, HCI_EV_CMD_COMPLETE, 4, 1,
				 0x03, 0x0c, 0x00 };
	struct bt_ctx *ctx = bt_bind(test);
	u64 frames;
	bool busy;

	bt_fail_init(test, ctx);
	frames = ctx->bd->rx.stats.frames;
	serdev_fake_inject(ctx->fake, ev, 4, 0);
	KUNIT_EXPECT_TRUE(test, btserdev_h4_rx_busy(&ctx->bd->rx));
	KUNIT_EXPECT_TRUE(test, bt_wait(ctx->bd->rx.stats.dropped == 1));
	/* The counter moves first: the reset is done once rx_lock is free. */
	mutex_lock(&ctx->bd->rx_lock);
	busy = btserdev_h4_rx_busy(&ctx->bd->rx);
	mutex_unlock(&ctx->bd->rx_lock);
	KUNIT_EXPECT_FALSE(test, busy);
	serdev_fake_inject(ctx->fake, ev, sizeof(ev), 0);
	KUNIT_EXPECT_EQ(test, ctx->bd->rx.stats.frames - frames, 1);
	KUNIT_EXPECT_EQ(test, ctx->bd->rx.stats.garbage, 0);
}

/*
 * The UART cannot take anything: packets queue in the driver. Removing
 * the driver then (the fake controller goes when the case ends) must free
 * them; kmemleak checks after the suite.
 */
static void bt_remove_with_tx_queued(struct kunit *test)
{
	struct bt_ctx *ctx = bt_bind(test);
	u8 wire[64];
	int i;

	bt_fail_init(test, ctx);
	serdev_fake_set_write_room(ctx->fake, 0);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, ctx->hdev->send(ctx->hdev,
						      bt_acl(test, 40, i, wire)), 0);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&ctx->bd->txq), 4);
	KUNIT_EXPECT_EQ(test, serdev_fake_tx_len(ctx->fake), 0);
}

#if IS_ENABLED(CONFIG_CRC_CCITT)
/* One SLIP-framed H5 frame off the fake's wire, escapes removed. */
static size_t bt_h5_take(struct bt_ctx *ctx, u8 *frame, size_t max)
{
	size_t n = 0;
	bool esc = false, in = false;
	u8 b;

	for (;;) {
		if (!bt_wait(serdev_fake_tx_len(ctx->fake)))
			return 0;
		serdev_fake_tx_take(ctx->fake, &b, 1);
		if (b == 0xc0) {
			if (in && n)
				return n;
			in = true;
			continue;
		}
		if (esc) {
			b = b == 0xdc ? 0xc0 : 0xdb;
			esc = false;
		} else if (b == 0xdb) {
			esc = true;
			continue;
		}
		if (n < max)
			frame[n++] = b;
	}
}

/* Put one H5 frame on the fake's receive side, @chunk bytes at a time. */
static void bt_h5_put(struct bt_ctx *ctx, u8 seq, u8 ack, bool rel, u8 type,
		      const u8 *p, size_t len, size_t chunk)
{
	u8 hdr[3] = { seq | ack << 3 | (rel ? 0x80 : 0),
		      type | (len & 0x0f) << 4, len >> 4 };
	u8 out[2 + 2 * (4 + 16 + 2)];
	size_t n = btserdev_h5_encode(out, hdr, p, len, false);

	serdev_fake_inject(ctx->fake, out, n, chunk);
}

/*
 * An H5 controller on the fake UART: the core's power-on brings the link
 * up (SYNC, CONFIG), its commands arrive as reliable frames in sequence,
 * and the events the test answers with, fed a byte at a time and then in
 * larger pieces, each reach the core once. The core's init is refused, as
 * in the H4 cases, and the link goes down with the power. (Every chunking
 * of longer streams is btserdev-h5's h5_every_chunking, on the link
 * layer alone.)
 */
static void bt_h5_link_and_chunked_events(struct kunit *test)
{
	struct bt_ctx *ctx = bt_bind_at(test, "/btserdev-test-uart-h5");
	struct serdev_fake_line line;
	struct btserdev_h5_stats st;
	u8 f[64], ev[6], seq = 0;
	unsigned int events = 0;
	size_t n;
	int opcode;

	KUNIT_ASSERT_NOT_NULL(test, ctx->bd->h5);
	n = bt_h5_take(ctx, f, sizeof(f));
	KUNIT_ASSERT_EQ(test, n, 6);
	KUNIT_EXPECT_EQ(test, f[1] & 0x0f, 15);
	KUNIT_EXPECT_EQ(test, f[4], 0x01);	/* SYNC */
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.baud, 115200);
	bt_h5_put(ctx, 0, 0, false, 15, "\x02\x7d", 2, 1);
	/* CONFIG, perhaps after a repeated SYNC. */
	do {
		n = bt_h5_take(ctx, f, sizeof(f));
		KUNIT_ASSERT_GE(test, n, 6);
	} while (f[4] == 0x01);
	KUNIT_ASSERT_EQ(test, n, 7);
	KUNIT_EXPECT_EQ(test, f[4], 0x03);
	bt_h5_put(ctx, 0, 0, false, 15, "\x04\x7b\x04", 3, 2);

	/* Commands: reliable, in sequence; each answered in pieces of n. */
	for (n = 1; n <= 12; n++) {
		size_t len = bt_h5_take(ctx, f, sizeof(f));

		if (!len)
			break;
		if ((f[1] & 0x0f) == 0)
			continue;	/* a pure ack */
		KUNIT_ASSERT_EQ(test, f[1] & 0x0f, HCI_COMMAND_PKT);
		KUNIT_ASSERT_TRUE(test, f[0] & 0x80);
		opcode = f[4] | f[5] << 8;
		ev[0] = HCI_EV_CMD_COMPLETE;
		ev[1] = 4;
		ev[2] = 1;
		ev[3] = opcode & 0xff;
		ev[4] = opcode >> 8;
		ev[5] = opcode == HCI_OP_RESET ? 0 : BT_UNKNOWN_COMMAND;
		bt_h5_put(ctx, seq, ((f[0] & 7) + 1) & 7, true, HCI_EVENT_PKT,
			  ev, sizeof(ev), n);
		seq = (seq + 1) & 7;
		events++;
		if (opcode != HCI_OP_RESET)
			break;
	}
	KUNIT_ASSERT_TRUE(test, bt_wait(!bt_init_running(ctx->hdev) &&
					!ctx->bd->power.on));
	btserdev_h5_get_stats(ctx->bd->h5, &st);
	KUNIT_EXPECT_EQ(test, st.rx_packets, events);
	KUNIT_EXPECT_GE(test, events, 2);
	KUNIT_EXPECT_EQ(test, st.rx_bad_header + st.rx_bad_crc + st.rx_garbage +
			      st.rx_out_of_order + st.rx_bad_slip, 0);
	KUNIT_EXPECT_EQ(test, ctx->bd->h5->state, BTSERDEV_H5_UNINITIALIZED);
}

#if IS_ENABLED(CONFIG_BT_RTL)
/*
 * A Realtek controller: the link's first SYNC goes out at 115200 baud,
 * 8E1, without flow control, as the chip expects from power-up. Nobody
 * answers it: the core's power-on gives up after the SYNC timeout.
 */
static void bt_rtl_starts_8e1(struct kunit *test)
{
	struct bt_ctx *ctx = bt_bind_at(test, "/btserdev-test-uart-rtl");
	struct serdev_fake_line line;
	u8 f[16];

	KUNIT_ASSERT_EQ(test, bt_h5_take(ctx, f, sizeof(f)), 6);
	KUNIT_EXPECT_EQ(test, f[4], 0x01);	/* SYNC */
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.baud, 115200);
	KUNIT_EXPECT_EQ(test, line.parity, SERDEV_PARITY_EVEN);
	KUNIT_EXPECT_FALSE(test, line.flow);
	KUNIT_EXPECT_TRUE(test, bt_wait(!bt_init_running(ctx->hdev) &&
					!ctx->bd->power.on));
	KUNIT_EXPECT_FALSE(test, bt_is_up(ctx->hdev));
}
#endif
#endif

static struct kunit_case btserdev_driver_cases[] = {
	KUNIT_CASE(bt_power_on_sends_reset),
	KUNIT_CASE(bt_failed_init_powers_off),
	KUNIT_CASE(bt_shutdown_gpio_is_the_enable_line),
	KUNIT_CASE(bt_tx_backpressure),
	KUNIT_CASE(bt_tx_write_error),
	KUNIT_CASE(bt_rx_every_chunking),
	KUNIT_CASE(bt_rx_garbage_resync),
	KUNIT_CASE(bt_rx_partial_timeout),
	KUNIT_CASE(bt_remove_with_tx_queued),
#if IS_ENABLED(CONFIG_CRC_CCITT)
	KUNIT_CASE(bt_h5_link_and_chunked_events),
#if IS_ENABLED(CONFIG_BT_RTL)
	KUNIT_CASE(bt_rtl_starts_8e1),
#endif
#endif
	{ }
};

static struct kunit_suite btserdev_driver_suite = {
	.name = "btserdev-driver",
	.test_cases = btserdev_driver_cases,
};

kunit_test_suite(btserdev_driver_suite);

MODULE_DESCRIPTION("KUnit suite for btserdev on the fake serdev controller");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the fake serdev controller: every behaviour later suites
 * rely on (recorded writes, RX chunking, short and refused writes,
 * write_room, write_wakeup, line settings) checked through the real serdev
 * client API, with a small client driver bound from a device tree overlay.
 */

#include <kunit/of.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/serdev.h>
#include <linux/termios.h>
#include <linux/workqueue.h>

#include "serdev-fake.h"

#define CLIENT_RX_SIZE	4096

/* The client: keeps what it receives, consumes at most @max_take a call. */
struct test_client {
	struct serdev_device *serdev;
	u8 rx[CLIENT_RX_SIZE];
	size_t rx_len;
	size_t max_take;
	unsigned int calls;
	unsigned int wakeups;
};

static size_t test_client_receive(struct serdev_device *serdev,
				  const u8 *buf, size_t count)
{
	struct test_client *c = serdev_device_get_drvdata(serdev);
	size_t n = count;

	c->calls++;
	if (c->max_take != SIZE_MAX)
		n = min(n, c->max_take);
	n = min(n, CLIENT_RX_SIZE - c->rx_len);
	memcpy(c->rx + c->rx_len, buf, n);
	c->rx_len += n;
	return n;
}

static void test_client_wakeup(struct serdev_device *serdev)
{
	struct test_client *c = serdev_device_get_drvdata(serdev);

	c->wakeups++;
	serdev_device_write_wakeup(serdev);
}

static const struct serdev_device_ops test_client_ops = {
	.receive_buf = test_client_receive,
	.write_wakeup = test_client_wakeup,
};

static int test_client_probe(struct serdev_device *serdev)
{
	struct test_client *c;

	c = devm_kzalloc(&serdev->dev, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->serdev = serdev;
	c->max_take = SIZE_MAX;
	serdev_device_set_drvdata(serdev, c);
	serdev_device_set_client_ops(serdev, &test_client_ops);
	return devm_serdev_device_open(&serdev->dev, serdev);
}

static const struct of_device_id test_client_of_match[] = {
	{ .compatible = "serdev-suite,test-client" },
	{ }
};

static struct serdev_device_driver test_client_driver = {
	.probe = test_client_probe,
	.driver = {
		.name = "serdev-fake-test-client",
		.of_match_table = test_client_of_match,
	},
};

struct fake_ctx {
	struct serdev_fake *fake;
	struct serdev_device *serdev;
	struct test_client *client;
};

static int fake_test_init(struct kunit *test)
{
	struct fake_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, 0, of_overlay_apply_kunit(test, fake_client));
	ctx->fake = serdev_fake_bind(test, "/serdev-fake-test");
	ctx->serdev = serdev_fake_client(ctx->fake);
	ctx->client = serdev_device_get_drvdata(ctx->serdev);
	KUNIT_ASSERT_NOT_NULL(test, ctx->client);
	test->priv = ctx;
	return 0;
}

static void fake_probe_opens_port(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_line line;

	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_TRUE(test, line.open);
	KUNIT_EXPECT_EQ(test, line.opens, 1U);
	KUNIT_EXPECT_EQ(test, line.closes, 0U);
}

static void fake_writes_recorded_in_order(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_stats st;
	u8 out[16];

	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->serdev, "hello", 5), 5);
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->serdev, " world", 6), 6);
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_len(ctx->fake), (size_t)11);
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, 5), (size_t)5);
	KUNIT_EXPECT_MEMEQ(test, out, "hello", 5);
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, sizeof(out)),
			(size_t)6);
	KUNIT_EXPECT_MEMEQ(test, out, " world", 6);
	KUNIT_EXPECT_EQ(test, serdev_fake_tx_len(ctx->fake), (size_t)0);

	serdev_fake_stats(ctx->fake, &st);
	KUNIT_EXPECT_EQ(test, st.tx_bytes, 11ULL);
	KUNIT_EXPECT_EQ(test, st.tx_calls, 2U);
	KUNIT_EXPECT_EQ(test, st.tx_short, 0U);
}

static void fake_short_write_and_room(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_stats st;
	u8 out[8];

	KUNIT_EXPECT_GT(test, serdev_device_write_room(ctx->serdev), 0);
	serdev_fake_set_write_room(ctx->fake, 3);
	KUNIT_EXPECT_EQ(test, serdev_device_write_room(ctx->serdev), 3);
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->serdev, "abcdef", 6), 3);
	KUNIT_EXPECT_EQ(test, serdev_device_write_room(ctx->serdev), 0);
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->serdev, "def", 3), 0);

	serdev_fake_drain(ctx->fake);
	KUNIT_EXPECT_EQ(test, ctx->client->wakeups, 1U);
	KUNIT_EXPECT_EQ(test, serdev_device_write_room(ctx->serdev), 3);
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->serdev, "def", 3), 3);

	KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, sizeof(out)),
			(size_t)6);
	KUNIT_EXPECT_MEMEQ(test, out, "abcdef", 6);
	serdev_fake_stats(ctx->fake, &st);
	KUNIT_EXPECT_EQ(test, st.tx_short, 2U);
	KUNIT_EXPECT_EQ(test, st.tx_bytes, 6ULL);
}

static void fake_refused_write(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_stats st;

	serdev_fake_set_write_error(ctx->fake, -EIO);
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->serdev, "x", 1), -EIO);
	KUNIT_EXPECT_EQ(test, serdev_fake_tx_len(ctx->fake), (size_t)0);
	serdev_fake_set_write_error(ctx->fake, 0);
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->serdev, "x", 1), 1);
	serdev_fake_stats(ctx->fake, &st);
	KUNIT_EXPECT_EQ(test, st.tx_refused, 1U);
	KUNIT_EXPECT_EQ(test, st.tx_bytes, 1ULL);
}

struct drainer {
	struct delayed_work work;
	struct serdev_fake *fake;
	int rounds;
};

static void drainer_fn(struct work_struct *work)
{
	struct drainer *d = container_of(to_delayed_work(work), struct drainer,
					 work);

	serdev_fake_drain(d->fake);
	if (--d->rounds > 0)
		schedule_delayed_work(&d->work, msecs_to_jiffies(2));
}

/* serdev_device_write() must finish a large write through write_wakeup. */
static void fake_blocking_write_uses_wakeup(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct drainer d = { .fake = ctx->fake, .rounds = 1000 };
	u8 msg[40], out[64];
	ssize_t ret;
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = i * 7 + 1;
	serdev_fake_set_write_room(ctx->fake, 4);
	INIT_DELAYED_WORK_ONSTACK(&d.work, drainer_fn);
	schedule_delayed_work(&d.work, msecs_to_jiffies(2));
	ret = serdev_device_write(ctx->serdev, msg, sizeof(msg),
				  msecs_to_jiffies(5000));
	cancel_delayed_work_sync(&d.work);
	destroy_delayed_work_on_stack(&d.work);

	KUNIT_EXPECT_EQ(test, ret, (ssize_t)sizeof(msg));
	KUNIT_EXPECT_GE(test, ctx->client->wakeups, 9U);
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, sizeof(out)),
			sizeof(msg));
	KUNIT_EXPECT_MEMEQ(test, out, msg, sizeof(msg));
}

static void fake_rx_every_chunking(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_stats st;
	u8 msg[300];
	size_t chunk;
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (i * 31) ^ (i >> 3);

	for (chunk = 1; chunk <= sizeof(msg); chunk++) {
		ctx->client->rx_len = 0;
		ctx->client->calls = 0;
		KUNIT_ASSERT_EQ(test, serdev_fake_inject(ctx->fake, msg,
							 sizeof(msg), chunk),
				sizeof(msg));
		KUNIT_ASSERT_EQ(test, ctx->client->rx_len, sizeof(msg));
		KUNIT_ASSERT_MEMEQ(test, ctx->client->rx, msg, sizeof(msg));
		KUNIT_ASSERT_EQ(test, ctx->client->calls,
				(unsigned int)DIV_ROUND_UP(sizeof(msg), chunk));
	}
	serdev_fake_stats(ctx->fake, &st);
	KUNIT_EXPECT_EQ(test, st.rx_bytes, 300ULL * 300);
	KUNIT_EXPECT_EQ(test, st.rx_stalls, 0U);
}

/*
 * What the client does not consume is offered again, in order: each offer
 * starts at the first unconsumed byte and holds up to a chunk's worth.
 */
static void fake_rx_partial_consumption(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	static const u8 msg[] = "0123456789abcdefghij";

	ctx->client->max_take = 3;
	KUNIT_EXPECT_EQ(test, serdev_fake_inject(ctx->fake, msg, 20, 8),
			(size_t)20);
	KUNIT_EXPECT_EQ(test, ctx->client->rx_len, (size_t)20);
	KUNIT_EXPECT_MEMEQ(test, ctx->client->rx, msg, 20);
	/* offers of 8 bytes, 3 taken each time: 20 bytes in 7 calls */
	KUNIT_EXPECT_EQ(test, ctx->client->calls, 7U);
}

static void fake_rx_stall_counted(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_stats st;

	ctx->client->max_take = 0;
	KUNIT_EXPECT_EQ(test, serdev_fake_inject(ctx->fake, "abc", 3, 0),
			(size_t)0);
	serdev_fake_stats(ctx->fake, &st);
	KUNIT_EXPECT_EQ(test, st.rx_stalls, 1U);
	KUNIT_EXPECT_EQ(test, ctx->client->rx_len, (size_t)0);
}

static void fake_rx_dropped_while_closed(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_stats st;
	struct serdev_fake_line line;

	serdev_device_close(ctx->serdev);
	KUNIT_EXPECT_EQ(test, serdev_fake_inject(ctx->fake, "abcd", 4, 1),
			(size_t)0);
	serdev_fake_stats(ctx->fake, &st);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, st.rx_dropped, 4ULL);
	KUNIT_EXPECT_EQ(test, ctx->client->calls, 0U);
	KUNIT_EXPECT_FALSE(test, line.open);
	KUNIT_EXPECT_EQ(test, line.closes, 1U);

	KUNIT_ASSERT_EQ(test, serdev_device_open(ctx->serdev), 0);
	KUNIT_EXPECT_EQ(test, serdev_fake_inject(ctx->fake, "ef", 2, 1),
			(size_t)2);
	KUNIT_EXPECT_MEMEQ(test, ctx->client->rx, "ef", 2);
}

static void fake_open_error(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_line line;

	serdev_device_close(ctx->serdev);
	serdev_fake_set_open_error(ctx->fake, -ENXIO);
	KUNIT_EXPECT_EQ(test, serdev_device_open(ctx->serdev), -ENXIO);
	serdev_fake_set_open_error(ctx->fake, 0);
	KUNIT_EXPECT_EQ(test, serdev_device_open(ctx->serdev), 0);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.opens, 2U);
	KUNIT_EXPECT_TRUE(test, line.open);
}

static void fake_baudrate(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_line line;

	KUNIT_EXPECT_EQ(test, serdev_device_set_baudrate(ctx->serdev, 115200),
			115200U);
	serdev_fake_set_max_baud(ctx->fake, 921600);
	KUNIT_EXPECT_EQ(test, serdev_device_set_baudrate(ctx->serdev, 3000000),
			921600U);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.baud, 921600U);
	KUNIT_EXPECT_EQ(test, line.baud_changes, 2U);
}

static void fake_flow_and_parity(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_line line;

	serdev_device_set_flow_control(ctx->serdev, true);
	KUNIT_EXPECT_EQ(test, serdev_device_set_parity(ctx->serdev,
						       SERDEV_PARITY_EVEN), 0);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_TRUE(test, line.flow);
	KUNIT_EXPECT_EQ(test, line.parity, SERDEV_PARITY_EVEN);

	serdev_fake_set_parity_error(ctx->fake, -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, serdev_device_set_parity(ctx->serdev,
						       SERDEV_PARITY_ODD),
			-EOPNOTSUPP);
	serdev_device_set_flow_control(ctx->serdev, false);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_FALSE(test, line.flow);
	KUNIT_EXPECT_EQ(test, line.flow_changes, 2U);
	KUNIT_EXPECT_EQ(test, line.parity, SERDEV_PARITY_EVEN);
	KUNIT_EXPECT_EQ(test, line.parity_changes, 1U);
}

static void fake_tiocm_break_flush_wait(struct kunit *test)
{
	struct fake_ctx *ctx = test->priv;
	struct serdev_fake_line line;

	KUNIT_EXPECT_EQ(test, serdev_device_set_tiocm(ctx->serdev,
						      TIOCM_RTS | TIOCM_DTR, 0),
			0);
	KUNIT_EXPECT_EQ(test, serdev_device_get_tiocm(ctx->serdev),
			TIOCM_RTS | TIOCM_DTR);
	KUNIT_EXPECT_EQ(test, serdev_device_set_tiocm(ctx->serdev, 0, TIOCM_RTS),
			0);
	KUNIT_EXPECT_EQ(test, serdev_device_get_tiocm(ctx->serdev), TIOCM_DTR);

	KUNIT_EXPECT_EQ(test, serdev_device_break_ctl(ctx->serdev, -1), 0);
	serdev_device_write_flush(ctx->serdev);
	serdev_device_wait_until_sent(ctx->serdev, 0);

	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.tiocm_changes, 2U);
	KUNIT_EXPECT_EQ(test, line.break_state, -1);
	KUNIT_EXPECT_EQ(test, line.breaks, 1U);
	KUNIT_EXPECT_EQ(test, line.flushes, 1U);
	KUNIT_EXPECT_EQ(test, line.waits, 1U);
}

static struct kunit_case serdev_fake_cases[] = {
	KUNIT_CASE(fake_probe_opens_port),
	KUNIT_CASE(fake_writes_recorded_in_order),
	KUNIT_CASE(fake_short_write_and_room),
	KUNIT_CASE(fake_refused_write),
	KUNIT_CASE(fake_blocking_write_uses_wakeup),
	KUNIT_CASE(fake_rx_every_chunking),
	KUNIT_CASE(fake_rx_partial_consumption),
	KUNIT_CASE(fake_rx_stall_counted),
	KUNIT_CASE(fake_rx_dropped_while_closed),
	KUNIT_CASE(fake_open_error),
	KUNIT_CASE(fake_baudrate),
	KUNIT_CASE(fake_flow_and_parity),
	KUNIT_CASE(fake_tiocm_break_flush_wait),
	{ }
};

static int fake_suite_init(struct kunit_suite *suite)
{
	return serdev_device_driver_register(&test_client_driver);
}

static void fake_suite_exit(struct kunit_suite *suite)
{
	serdev_device_driver_unregister(&test_client_driver);
}

static struct kunit_suite serdev_fake_suite = {
	.name = "serdev-fake",
	.suite_init = fake_suite_init,
	.suite_exit = fake_suite_exit,
	.init = fake_test_init,
	.test_cases = serdev_fake_cases,
};

kunit_test_suite(serdev_fake_suite);

MODULE_DESCRIPTION("KUnit tests for the fake serdev controller");
MODULE_LICENSE("GPL");

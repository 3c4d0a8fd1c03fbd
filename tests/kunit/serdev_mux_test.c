// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for serdev-mux on the fake serdev controller: the mux binds to
 * a fake UART, registers its ports, and test clients on the ports write,
 * receive and run transfers. The fake records what reaches the UART and
 * injects what the "bus" answers; DE and the switch's select lines are read
 * back from the board's gpio-sim bank.
 */

#include <kunit/of.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/serdev.h>
#include <linux/workqueue.h>

#include "serdev-fake.h"
#include "suite-gpio.h"
#include "mux_internal.h"
#include "serdev-line.h"

#define MT_RX_SIZE	256
#define MT_LINE_DE	5
#define MT_LINE_S0	6
#define MT_LINE_S1	7

struct mt_client {
	struct serdev_device *serdev;
	u8 rx[MT_RX_SIZE];
	size_t rx_len;
	unsigned int wakeups;
	struct work_struct *busy;	/* a transfer the test started */
};

static size_t mt_client_receive(struct serdev_device *serdev, const u8 *buf,
				size_t count)
{
	struct mt_client *c = serdev_device_get_drvdata(serdev);
	size_t n = min(count, MT_RX_SIZE - c->rx_len);

	memcpy(c->rx + c->rx_len, buf, n);
	c->rx_len += n;
	return n;
}

/*
 * The client whose port was closed last, and wake-ups it got after that;
 * with mt_slow_wakeup, a wake-up takes a millisecond before it looks, as
 * one on a busy CPU may.
 */
static struct serdev_device *mt_closed;
static atomic_t mt_late_wakeups;
static bool mt_slow_wakeup;

static void mt_client_wakeup(struct serdev_device *serdev)
{
	struct mt_client *c;

	if (READ_ONCE(mt_slow_wakeup))
		mdelay(1);
	if (READ_ONCE(mt_closed) == serdev) {
		atomic_inc(&mt_late_wakeups);
		return;		/* its data may be gone */
	}
	c = serdev_device_get_drvdata(serdev);
	c->wakeups++;
	serdev_device_write_wakeup(serdev);
}

static const struct serdev_device_ops mt_client_ops = {
	.receive_buf = mt_client_receive,
	.write_wakeup = mt_client_wakeup,
};

static int mt_client_probe(struct serdev_device *serdev)
{
	struct mt_client *c;

	c = devm_kzalloc(&serdev->dev, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->serdev = serdev;
	WRITE_ONCE(mt_closed, NULL);
	serdev_device_set_drvdata(serdev, c);
	serdev_device_set_client_ops(serdev, &mt_client_ops);
	return serdev_device_open(serdev);
}

/* Like a real driver: close the port (ends its transfers), then wait for
 * its users.
 */
static void mt_client_remove(struct serdev_device *serdev)
{
	struct mt_client *c = serdev_device_get_drvdata(serdev);

	serdev_device_close(serdev);
	/* From here on, nothing of the mux may reach this client. */
	WRITE_ONCE(mt_closed, serdev);
	if (c->busy)
		flush_work(c->busy);
}

static const struct of_device_id mt_client_of_match[] = {
	{ .compatible = "serdev-suite,mux-test-client" },
	{ }
};

static struct serdev_device_driver mt_client_driver = {
	.probe = mt_client_probe,
	.remove = mt_client_remove,
	.driver = {
		.name = "serdev-mux-test-client",
		.of_match_table = mt_client_of_match,
	},
};

struct mt_ctx {
	struct serdev_fake *fake;
	struct serdev_mux *mux;
	struct mt_client *a;	/* port@1 */
	struct mt_client *b;	/* port@2 */
};

static struct mt_client *mt_port_client(struct serdev_mux *mux, u32 reg)
{
	struct serdev_device *serdev;
	unsigned int i;

	for (i = 0; i < mux->nports; i++) {
		if (!mux->ports[i] || mux->ports[i]->reg != reg)
			continue;
		serdev = mux->ports[i]->ctrl->serdev;
		if (!serdev || !device_is_bound(&serdev->dev))
			return NULL;
		return serdev_device_get_drvdata(serdev);
	}
	return NULL;
}

static struct mt_ctx *mt_setup(struct kunit *test, const char *path)
{
	struct mt_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, 0, of_overlay_apply_kunit(test, serdev_mux_test));
	ctx->fake = serdev_fake_bind(test, path);
	wait_for_device_probe();	/* the ports' clients probe async */
	ctx->mux = serdev_device_get_drvdata(serdev_fake_client(ctx->fake));
	KUNIT_ASSERT_NOT_NULL(test, ctx->mux);
	ctx->a = mt_port_client(ctx->mux, 1);
	ctx->b = mt_port_client(ctx->mux, 2);
	KUNIT_ASSERT_NOT_NULL(test, ctx->a);
	KUNIT_ASSERT_NOT_NULL(test, ctx->b);
	return ctx;
}

static struct serdev_mux_port *mt_port(struct mt_client *c)
{
	return serdev_controller_get_drvdata(c->serdev->ctrl);
}

/* Wait (up to 2 s) until the fake UART has recorded @len bytes. */
static bool mt_wait_tx(struct serdev_fake *fake, size_t len)
{
	int i;

	for (i = 0; i < 400; i++) {
		if (serdev_fake_tx_len(fake) >= len)
			return true;
		usleep_range(5000, 6000);
	}
	return false;
}

static bool mt_wait_owner(struct serdev_mux *mux, struct serdev_mux_port *p)
{
	int i;

	for (i = 0; i < 400; i++) {
		if (READ_ONCE(mux->owner) == p)
			return true;
		usleep_range(5000, 6000);
	}
	return false;
}

static void mt_ports_registered(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	unsigned int i, registered = 0;

	/* port@3 has no client, port@5 reuses reg 2: both refused. */
	KUNIT_EXPECT_EQ(test, ctx->mux->nports, 4U);
	KUNIT_EXPECT_EQ(test, ctx->mux->bad_ports, 2ULL);
	for (i = 0; i < ctx->mux->nports; i++)
		registered += !!ctx->mux->ports[i];
	KUNIT_EXPECT_EQ(test, registered, 2U);
	KUNIT_EXPECT_EQ(test, mt_port(ctx->a)->reg, 1U);
	KUNIT_EXPECT_EQ(test, mt_port(ctx->b)->reg, 2U);
	KUNIT_EXPECT_TRUE(test, serdev_mux_is_port(ctx->a->serdev));
	KUNIT_EXPECT_FALSE(test,
			   serdev_mux_is_port(serdev_fake_client(ctx->fake)));
	/* RS485: 3.5 characters of 10 bits at 9600 baud. */
	KUNIT_EXPECT_EQ(test, mt_port(ctx->a)->gap_us, 3646U);
	KUNIT_EXPECT_EQ(test, mt_port(ctx->b)->gap_us, 1823U);
}

static void mt_rx_goes_to_owner_only(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_fake_line line;
	u8 out[8];

	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->a->serdev, "req-a", 5), 5);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 5));
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, sizeof(out)),
			(size_t)5);
	KUNIT_EXPECT_MEMEQ(test, out, "req-a", 5);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.baud, 9600U);

	serdev_fake_inject(ctx->fake, "ans-a", 5, 2);
	KUNIT_EXPECT_EQ(test, ctx->a->rx_len, (size_t)5);
	KUNIT_EXPECT_MEMEQ(test, ctx->a->rx, "ans-a", 5);
	KUNIT_EXPECT_EQ(test, ctx->b->rx_len, (size_t)0);

	/* b's request waits for a's idle timeout, then b owns the bus. */
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->b->serdev, "req-b", 5), 5);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 5));
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, sizeof(out)),
			(size_t)5);
	KUNIT_EXPECT_MEMEQ(test, out, "req-b", 5);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.baud, 19200U);
	serdev_fake_inject(ctx->fake, "ans-b", 5, 1);
	KUNIT_EXPECT_EQ(test, ctx->b->rx_len, (size_t)5);
	KUNIT_EXPECT_MEMEQ(test, ctx->b->rx, "ans-b", 5);
	KUNIT_EXPECT_EQ(test, ctx->a->rx_len, (size_t)5);
	KUNIT_EXPECT_EQ(test, mt_port(ctx->b)->stats.waits, 1ULL);

	/* After b's idle timeout nobody owns the bus: RX is dropped, counted. */
	KUNIT_ASSERT_TRUE(test, mt_wait_owner(ctx->mux, NULL));
	serdev_fake_inject(ctx->fake, "stray", 5, 0);
	KUNIT_EXPECT_EQ(test, ctx->mux->rx_unowned, 5ULL);
	KUNIT_EXPECT_EQ(test, ctx->a->rx_len + ctx->b->rx_len, (size_t)10);
}

static void mt_frames_never_interleave(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	u8 out[64];
	int i;

	/* Both clients queue frames at once; each frame leaves whole. */
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->a->serdev,
							      "AAAAAAAA", 8), 8);
		KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->b->serdev,
							      "bbbbbbbb", 8), 8);
	}
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 64));
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, sizeof(out)),
			(size_t)64);
	/* One port's 32 bytes, then the other's: no byte in between. */
	KUNIT_EXPECT_NULL(test, memchr_inv(out, out[0], 32));
	KUNIT_EXPECT_NULL(test, memchr_inv(out + 32, out[32], 32));
	KUNIT_EXPECT_NE(test, out[0], out[32]);
}

static void mt_line_settings_per_port(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_fake_line line;

	/* a changes its settings while nobody owns the bus: UART untouched. */
	KUNIT_EXPECT_EQ(test, serdev_device_set_parity(ctx->a->serdev,
						       SERDEV_PARITY_EVEN), 0);
	KUNIT_EXPECT_EQ(test, serdev_device_set_baudrate(ctx->a->serdev, 4800),
			4800U);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.parity, SERDEV_PARITY_NONE);
	KUNIT_EXPECT_NE(test, line.baud, 4800U);
	/* 3.5 characters of 11 bits at 4800 baud. */
	KUNIT_EXPECT_EQ(test, mt_port(ctx->a)->gap_us, 8021U);

	serdev_device_write_buf(ctx->a->serdev, "x", 1);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 1));
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.parity, SERDEV_PARITY_EVEN);
	KUNIT_EXPECT_EQ(test, line.baud, 4800U);

	serdev_device_write_buf(ctx->b->serdev, "y", 1);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 2));
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.parity, SERDEV_PARITY_NONE);
	KUNIT_EXPECT_EQ(test, line.baud, 19200U);
	KUNIT_EXPECT_FALSE(test, line.flow);
}

/* A transfer run in a work item, so that the test can answer it. */
struct mt_xfer {
	struct work_struct work;
	struct mt_client *client;
	struct serdev_device *serdev;
	struct serdev_mux_xfer xfer;
	u8 rx[32];
	ssize_t ret;
	bool locked;
	struct completion done;
};

static void mt_xfer_fn(struct work_struct *work)
{
	struct mt_xfer *x = container_of(work, struct mt_xfer, work);
	int ret = 0;

	if (x->locked)
		ret = serdev_mux_bus_lock(x->serdev, x->xfer.timeout_ms);
	if (ret) {
		x->ret = ret;
	} else {
		x->ret = serdev_mux_transfer(x->serdev, &x->xfer);
		if (x->locked)
			serdev_mux_bus_unlock(x->serdev);
	}
	/* The client's remove waits for this work; after it, no need. */
	x->client->busy = NULL;
	complete(&x->done);
}

/* Responses here are "<len>" then len bytes. */
static ssize_t mt_rx_done(const u8 *buf, size_t len, void *ctx)
{
	return len ? 1 + buf[0] : 0;
}

static struct mt_xfer *mt_xfer_start(struct kunit *test, struct mt_client *c,
				     const char *tx, unsigned int timeout_ms,
				     bool locked)
{
	struct mt_xfer *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->client = c;
	x->serdev = c->serdev;
	x->locked = locked;
	x->xfer.tx = tx;
	x->xfer.tx_len = strlen(tx);
	x->xfer.rx = x->rx;
	x->xfer.rx_len = sizeof(x->rx);
	x->xfer.rx_done = mt_rx_done;
	x->xfer.timeout_ms = timeout_ms;
	init_completion(&x->done);
	INIT_WORK(&x->work, mt_xfer_fn);
	c->busy = &x->work;
	schedule_work(&x->work);
	return x;
}

static ssize_t mt_xfer_wait(struct kunit *test, struct mt_xfer *x)
{
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&x->done, 5 * HZ));
	flush_work(&x->work);
	return x->ret;
}

static void mt_transfer_takes_the_response(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_mux_port *pa = mt_port(ctx->a);
	struct mt_xfer *x;
	u8 out[8];

	x = mt_xfer_start(test, ctx->a, "read", 500, true);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 4));
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, sizeof(out)),
			(size_t)4);
	KUNIT_EXPECT_MEMEQ(test, out, "read", 4);
	/*
	 * The response byte by byte, its last byte arriving together with a
	 * stray one: the transfer takes what it asked for, the rest is dropped.
	 * (Injected on its own, the stray byte would race with the transfer's
	 * end: after it, the bus owner's receive_buf gets the byte.)
	 */
	serdev_fake_inject(ctx->fake, "\x03xy", 3, 1);
	serdev_fake_inject(ctx->fake, "zQ", 2, 0);
	KUNIT_EXPECT_EQ(test, mt_xfer_wait(test, x), 4);
	KUNIT_EXPECT_MEMEQ(test, x->rx, "\x03xyz", 4);
	/* The transfer's bytes never reach receive_buf. */
	KUNIT_EXPECT_EQ(test, ctx->a->rx_len, (size_t)0);
	KUNIT_EXPECT_EQ(test, pa->stats.transactions, 1ULL);
	KUNIT_EXPECT_EQ(test, pa->stats.rx_bytes, 4ULL);
	KUNIT_EXPECT_EQ(test, pa->stats.rx_dropped, 1ULL);
}

static void mt_transfer_timeout_frees_bus(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_mux_port *pa = mt_port(ctx->a);
	struct mt_xfer *x;

	x = mt_xfer_start(test, ctx->a, "ping", 50, false);
	KUNIT_EXPECT_EQ(test, mt_xfer_wait(test, x), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, pa->stats.timeouts, 1ULL);
	/* A truncated response is an error too, not a short success. */
	x = mt_xfer_start(test, ctx->a, "ping", 100, false);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 8));
	serdev_fake_inject(ctx->fake, "\005ab", 3, 0);
	KUNIT_EXPECT_EQ(test, mt_xfer_wait(test, x), -EPROTO);
	KUNIT_EXPECT_EQ(test, pa->stats.timeouts, 2ULL);

	/* The bus is free again at once: b's write goes out. */
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->b->serdev, "go", 2), 2);
	KUNIT_EXPECT_TRUE(test, mt_wait_tx(ctx->fake, 10));
}

static void mt_lock_waits_and_times_out(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_mux_port *pb = mt_port(ctx->b);
	struct mt_xfer *x;

	KUNIT_ASSERT_EQ(test, serdev_mux_bus_lock(ctx->a->serdev, 100), 0);
	x = mt_xfer_start(test, ctx->b, "b", 20, true);
	KUNIT_EXPECT_EQ(test, mt_xfer_wait(test, x), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, pb->stats.lock_timeouts, 1ULL);
	/* b's plain write waits for a's unlock, then goes out. */
	serdev_device_write_buf(ctx->b->serdev, "late", 4);
	msleep(50);
	KUNIT_EXPECT_EQ(test, serdev_fake_tx_len(ctx->fake), (size_t)0);
	serdev_mux_bus_unlock(ctx->a->serdev);
	KUNIT_EXPECT_TRUE(test, mt_wait_tx(ctx->fake, 4));
	KUNIT_EXPECT_EQ(test, serdev_mux_bus_lock(ctx->b->serdev, 1000), 0);
	serdev_mux_bus_unlock(ctx->b->serdev);
}

static void mt_holder_that_never_releases(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_mux_port *pa = mt_port(ctx->a);
	struct mt_xfer *x;

	KUNIT_ASSERT_EQ(test, serdev_mux_bus_lock(ctx->a->serdev, 100), 0);
	/* b waits; after max-hold-ms (300) the mux takes the bus from a. */
	x = mt_xfer_start(test, ctx->b, "b", 1000, true);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 1));
	serdev_fake_inject(ctx->fake, "\x01!", 2, 0);
	KUNIT_EXPECT_EQ(test, mt_xfer_wait(test, x), 2);
	KUNIT_EXPECT_EQ(test, pa->stats.revoked, 1ULL);
	/* a's transfers now fail until it unlocks and locks again. */
	x->xfer.tx = "a";
	x->xfer.tx_len = 1;
	KUNIT_EXPECT_EQ(test, serdev_mux_transfer(ctx->a->serdev, &x->xfer),
			-EBUSY);
	serdev_mux_bus_unlock(ctx->a->serdev);
	KUNIT_EXPECT_EQ(test, serdev_mux_bus_lock(ctx->a->serdev, 1000), 0);
	serdev_mux_bus_unlock(ctx->a->serdev);
}

static void mt_fair_turns(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct mt_xfer *xa, *xb;
	u8 out[4];
	int i;

	/* Two request/response clients in a loop: they alternate. */
	for (i = 0; i < 3; i++) {
		xa = mt_xfer_start(test, ctx->a, "a", 500, false);
		xb = mt_xfer_start(test, ctx->b, "b", 500, false);
		KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 1));
		KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, 1),
				(size_t)1);
		serdev_fake_inject(ctx->fake, "\0011", 2, 0);
		KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 1));
		KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out + 1, 1),
				(size_t)1);
		KUNIT_EXPECT_NE(test, out[0], out[1]);
		serdev_fake_inject(ctx->fake, "\0012", 2, 0);
		KUNIT_EXPECT_EQ(test, mt_xfer_wait(test, xa), 2);
		KUNIT_EXPECT_EQ(test, mt_xfer_wait(test, xb), 2);
		/* Each got the answer to its own request. */
		KUNIT_EXPECT_EQ(test, xa->rx[1], out[0] == 'a' ? '1' : '2');
		KUNIT_EXPECT_EQ(test, xb->rx[1], out[0] == 'b' ? '1' : '2');
	}
}

static void mt_de_line_follows_tx(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_fake_line line;

	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_DE), 0);
	/* The UART takes nothing: the frame is stuck with DE driven. */
	serdev_fake_set_write_room(ctx->fake, 0);
	serdev_device_write_buf(ctx->a->serdev, "frame", 5);
	KUNIT_ASSERT_TRUE(test, mt_wait_owner(ctx->mux, mt_port(ctx->a)));
	msleep(20);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_DE), 1);
	serdev_fake_set_write_room(ctx->fake, SIZE_MAX);
	serdev_fake_drain(ctx->fake);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 5));
	msleep(20);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_DE), 0);
	/* DE is released only after the UART reported the frame sent. */
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_GE(test, line.waits, 1U);
}

/* The fake's line after its next wait_until_sent beyond @waits calls. */
static bool mt_wait_drain(struct serdev_fake *fake, unsigned int waits,
			  struct serdev_fake_line *line)
{
	int i;

	for (i = 0; i < 400; i++) {
		serdev_fake_line(fake, line);
		if (line->waits > waits)
			return true;
		usleep_range(5000, 6000);
	}
	return false;
}

/*
 * @us from a write to the UART's wait: never before the frame's last stop
 * bit (@wire_us after the silent interval, @gap_us), and not much later:
 * 10 % and 50 ms for a busy machine, far less than the drain slack or a
 * wrong line speed would add.
 */
static void mt_expect_drain_at(struct kunit *test, s64 us, s64 wire_us,
			       s64 gap_us, const char *what)
{
	KUNIT_EXPECT_GE_MSG(test, us, wire_us + gap_us - 1000, what);
	KUNIT_EXPECT_LE_MSG(test, us, wire_us * 11 / 10 + gap_us + 50000, what);
}

/*
 * DE drops at the last stop bit, however long the frame: 255 bytes at 2400
 * baud take 1062.5 ms, after the 14.6 ms silent interval, past any fixed
 * cap. The mux sleeps on an hrtimer until then and only then asks the UART
 * (the tty core polls once a jiffy), with the drain slack as the timeout.
 */
static void mt_drain_wait_follows_the_line(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_fake_line line;
	static u8 frame[255];
	ktime_t start;

	KUNIT_ASSERT_EQ(test, serdev_device_set_baudrate(ctx->a->serdev, 2400),
			2400U);
	serdev_fake_line(ctx->fake, &line);
	start = ktime_get();
	KUNIT_ASSERT_EQ(test, serdev_device_write_buf(ctx->a->serdev, frame,
						      sizeof(frame)),
			(int)sizeof(frame));
	KUNIT_ASSERT_TRUE(test, mt_wait_drain(ctx->fake, line.waits, &line));
	KUNIT_EXPECT_EQ(test, line.baud, 2400U);
	/* The interval counts from the grant, a few us before the frame. */
	mt_expect_drain_at(test, ktime_us_delta(line.wait_at, start), 1062500,
			   14584, "255 bytes at 2400 baud");
	KUNIT_EXPECT_LE(test, jiffies_to_msecs(line.wait_timeout),
			SERDEV_LINE_DRAIN_SLACK_MS + 2 * jiffies_to_msecs(1));
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, sizeof(frame)));

	/* The next port's frame is timed at its own speed. */
	KUNIT_ASSERT_TRUE(test, mt_wait_owner(ctx->mux, NULL));
	serdev_fake_line(ctx->fake, &line);
	start = ktime_get();
	KUNIT_ASSERT_EQ(test, serdev_device_write_buf(ctx->b->serdev, frame,
						      sizeof(frame)),
			(int)sizeof(frame));
	KUNIT_ASSERT_TRUE(test, mt_wait_drain(ctx->fake, line.waits, &line));
	KUNIT_EXPECT_EQ(test, line.baud, 19200U);
	mt_expect_drain_at(test, ktime_us_delta(line.wait_at, start), 132813, 0,
			   "255 bytes at 19200 baud");
}

/*
 * A port that listens when idle (a GNSS receiver) has the bus, its
 * channel selected, whenever nobody else wants it, and hears what its
 * device sends unprompted; another port's request takes the bus at once
 * and gives it back after its idle time.
 */
static void mt_listener_hears_unsolicited_rx(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-listen");
	struct serdev_fake_line line;
	u8 out[8];

	KUNIT_ASSERT_TRUE(test, mt_wait_owner(ctx->mux, mt_port(ctx->b)));
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S0), 0);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S1), 1);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.baud, 9600U);
	serdev_fake_inject(ctx->fake, "$GPGGA,1", 8, 3);
	KUNIT_EXPECT_EQ(test, ctx->b->rx_len, (size_t)8);

	/* a's request: the listener yields without waiting for an idle time. */
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->a->serdev, "req-a", 5), 5);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 5));
	KUNIT_ASSERT_EQ(test, serdev_fake_tx_take(ctx->fake, out, sizeof(out)),
			(size_t)5);
	KUNIT_EXPECT_MEMEQ(test, out, "req-a", 5);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S0), 1);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S1), 0);
	KUNIT_EXPECT_EQ(test, mt_port(ctx->a)->stats.waits, 0ULL);
	serdev_fake_inject(ctx->fake, "ans-a", 5, 2);
	KUNIT_EXPECT_EQ(test, ctx->a->rx_len, (size_t)5);

	/* After a's idle time the bus is the listener's again. */
	KUNIT_ASSERT_TRUE(test, mt_wait_owner(ctx->mux, mt_port(ctx->b)));
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S1), 1);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.baud, 9600U);
	serdev_fake_inject(ctx->fake, "$GPGGA,2", 8, 1);
	KUNIT_EXPECT_EQ(test, ctx->b->rx_len, (size_t)16);
	KUNIT_EXPECT_MEMEQ(test, ctx->b->rx, "$GPGGA,1$GPGGA,2", 16);
	KUNIT_EXPECT_EQ(test, ctx->mux->rx_unowned, 0ULL);
}

static void mt_switch_selects_channel(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-switch");
	struct serdev_fake_line line;

	/* Idle: state 0. */
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S0), 0);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S1), 0);
	/* a's gap is 0: a switched UART has no silent interval. */
	KUNIT_EXPECT_EQ(test, mt_port(ctx->a)->gap_us, 0U);

	KUNIT_ASSERT_EQ(test, serdev_mux_bus_lock(ctx->b->serdev, 100), 0);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S0), 0);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S1), 1);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.baud, 57600U);
	serdev_mux_bus_unlock(ctx->b->serdev);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S1), 0);

	serdev_device_write_buf(ctx->a->serdev, "hi", 2);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 2));
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S0), 1);
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S1), 0);
	serdev_fake_line(ctx->fake, &line);
	KUNIT_EXPECT_EQ(test, line.baud, 115200U);
	/* After the idle timeout the switch goes back to its idle state. */
	KUNIT_ASSERT_TRUE(test, mt_wait_owner(ctx->mux, NULL));
	KUNIT_EXPECT_EQ(test, suite_gpio_line(test, MT_LINE_S0), 0);
}

static void mt_unbind_client_mid_transfer(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct mt_xfer *x;

	x = mt_xfer_start(test, ctx->a, "slow", 3000, true);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 4));
	device_release_driver(&ctx->a->serdev->dev);
	KUNIT_EXPECT_EQ(test, mt_xfer_wait(test, x), -ESHUTDOWN);
	/* The other port still works. */
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->b->serdev, "ok", 2), 2);
	KUNIT_EXPECT_TRUE(test, mt_wait_tx(ctx->fake, 6));
}

static void mt_remove_mux_mid_transfer(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct mt_xfer *xa, *xb;

	/* a is in a transfer, b waits for the bus; then the mux goes. */
	xa = mt_xfer_start(test, ctx->a, "slow", 3000, true);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 4));
	xb = mt_xfer_start(test, ctx->b, "next", 3000, true);
	msleep(20);
	device_release_driver(&serdev_fake_client(ctx->fake)->dev);
	KUNIT_EXPECT_LT(test, mt_xfer_wait(test, xa), 0);
	KUNIT_EXPECT_LT(test, mt_xfer_wait(test, xb), 0);
}

/*
 * A client goes while the mux's TX work is about to wake it up: the
 * client's write queues TX work, which moves the bytes to the UART and
 * then wakes the client; the moment the bytes reach the UART the client
 * is unbound, and then bound again, 1000 times. No wake-up may reach a
 * client after its port was closed (its data is freed once remove ends).
 */
static void mt_unbind_while_tx_work_runs(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_device *serdev = ctx->a->serdev;
	unsigned long deadline;
	u8 sink[64];
	int i;

	/*
	 * Each close drains the line for the frame's wire time: at 115200
	 * baud a frame takes 0.9 ms (10.4 ms at the port's 9600), so the
	 * 1000 rounds race the TX work, not the clock.
	 */
	KUNIT_ASSERT_EQ(test, serdev_device_set_baudrate(serdev, 115200), 115200U);
	atomic_set(&mt_late_wakeups, 0);
	WRITE_ONCE(mt_slow_wakeup, true);
	for (i = 0; i < 1000; i++) {
		KUNIT_ASSERT_NOT_NULL(test, serdev_device_get_drvdata(serdev));
		KUNIT_ASSERT_EQ(test, serdev_device_write_buf(serdev, "0123456789", 10), 10);
		/*
		 * Yield while waiting: on one CPU without preemption the TX
		 * work only runs when this thread lets it.
		 */
		deadline = jiffies + 2 * HZ;
		while (!serdev_fake_tx_len(ctx->fake) && time_before(jiffies, deadline))
			cond_resched();
		device_release_driver(&serdev->dev);
		KUNIT_ASSERT_EQ(test, device_attach(&serdev->dev), 1);
		while (serdev_fake_tx_take(ctx->fake, sink, sizeof(sink)))
			;
	}
	WRITE_ONCE(mt_slow_wakeup, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&mt_late_wakeups), 0);
	/* The port still carries what its client writes, and only that. */
	msleep(100);
	while (serdev_fake_tx_take(ctx->fake, sink, sizeof(sink)))
		;
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(serdev, "ok", 2), 2);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 2));
	KUNIT_EXPECT_EQ(test, serdev_fake_tx_take(ctx->fake, sink, sizeof(sink)), 2);
	KUNIT_EXPECT_MEMEQ(test, sink, "ok", 2);
}

/*
 * A transfer waits for the bus as long as the other ports' turns can take
 * (one each, of max-hold-ms, here 300 ms, plus its frame), not its peer's
 * answer time: while a holds the bus, b's transfer, whose peer answers
 * within 50 ms, waits, and goes out when a's hold is taken back.
 */
static void mt_transfer_waits_its_turn(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-bus");
	struct serdev_mux_port *pa = mt_port(ctx->a), *pb = mt_port(ctx->b);
	struct mt_xfer *x;
	ktime_t start;

	KUNIT_ASSERT_EQ(test, serdev_mux_bus_lock(ctx->a->serdev, 100), 0);
	start = ktime_get();
	x = mt_xfer_start(test, ctx->b, "ping", 50, false);
	KUNIT_ASSERT_TRUE(test, mt_wait_tx(ctx->fake, 4));
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), start), 300);
	serdev_fake_inject(ctx->fake, "\002ok", 3, 0);
	KUNIT_EXPECT_EQ(test, mt_xfer_wait(test, x), 3);
	KUNIT_EXPECT_EQ(test, pa->stats.revoked, 1ULL);
	KUNIT_EXPECT_EQ(test, pb->stats.lock_timeouts, 0ULL);
	KUNIT_EXPECT_EQ(test, pb->stats.transactions, 1ULL);
	serdev_mux_bus_unlock(ctx->a->serdev);
}

/*
 * The UART's own RS485 mode (rs485 properties on its node) drives DE: the
 * mux takes no GPIO and still keeps its frames whole. A DE GPIO next to
 * that mode is a second driver of one line: the mux refuses to probe.
 */
static void mt_uart_rs485_mode(struct kunit *test)
{
	struct mt_ctx *ctx = mt_setup(test, "/serdev-mux-test-uart-rs485");
	struct serdev_fake *two;
	struct device_node *np;

	KUNIT_EXPECT_EQ(test, ctx->mux->direction, SERDEV_MUX_DIR_UART);
	KUNIT_EXPECT_NULL(test, ctx->mux->de);
	KUNIT_EXPECT_EQ(test, serdev_device_write_buf(ctx->a->serdev, "req", 3), 3);
	KUNIT_EXPECT_TRUE(test, mt_wait_tx(ctx->fake, 3));

	np = of_find_node_by_path("/serdev-mux-test-two-de");
	KUNIT_ASSERT_NOT_NULL(test, np);
	of_node_put_kunit(test, np);
	two = serdev_fake_create(test, np);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, two);
	KUNIT_EXPECT_EQ(test, serdev_fake_wait_bound(two), -ENODEV);
}

static struct kunit_case serdev_mux_cases[] = {
	KUNIT_CASE(mt_ports_registered),
	KUNIT_CASE(mt_rx_goes_to_owner_only),
	KUNIT_CASE(mt_frames_never_interleave),
	KUNIT_CASE(mt_line_settings_per_port),
	KUNIT_CASE(mt_transfer_takes_the_response),
	KUNIT_CASE(mt_transfer_timeout_frees_bus),
	KUNIT_CASE(mt_lock_waits_and_times_out),
	KUNIT_CASE(mt_transfer_waits_its_turn),
	KUNIT_CASE(mt_holder_that_never_releases),
	KUNIT_CASE(mt_fair_turns),
	KUNIT_CASE(mt_de_line_follows_tx),
	KUNIT_CASE(mt_uart_rs485_mode),
	KUNIT_CASE(mt_drain_wait_follows_the_line),
	KUNIT_CASE(mt_listener_hears_unsolicited_rx),
	KUNIT_CASE(mt_switch_selects_channel),
	KUNIT_CASE(mt_unbind_client_mid_transfer),
	KUNIT_CASE(mt_remove_mux_mid_transfer),
	KUNIT_CASE_SLOW(mt_unbind_while_tx_work_runs),
	{ }
};

static int mt_suite_init(struct kunit_suite *suite)
{
	return serdev_device_driver_register(&mt_client_driver);
}

static void mt_suite_exit(struct kunit_suite *suite)
{
	serdev_device_driver_unregister(&mt_client_driver);
}

static struct kunit_suite serdev_mux_suite = {
	.name = "serdev-mux",
	.suite_init = mt_suite_init,
	.suite_exit = mt_suite_exit,
	.test_cases = serdev_mux_cases,
};

kunit_test_suite(serdev_mux_suite);

MODULE_DESCRIPTION("KUnit tests for serdev-mux on the fake serdev controller");
MODULE_LICENSE("GPL");

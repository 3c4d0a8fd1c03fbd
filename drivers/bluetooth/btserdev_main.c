// SPDX-License-Identifier: GPL-2.0
/*
 * btserdev: Bluetooth HCI controllers on a UART.
 *
 * The board's device tree describes the module below its UART; the serdev
 * core binds this driver, which registers an hci_dev at probe, so BlueZ
 * sees hciN at boot with no hciattach or btattach. Opening the hci_dev
 * powers the module, opens the port at the init speed and runs the vendor
 * back end's setup; closing it reverses that. The transport is H4 or
 * three-wire (H5, btserdev_tr_h5.c), as the back end says.
 */

#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/pm_runtime.h>
#include <linux/property.h>
#include <linux/seq_file.h>
#include <linux/serdev.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci_core.h>

#include "btserdev.h"

#define BTSERDEV_DEFAULT_SPEED	115200
/* A packet stalled this long mid-way is given up and the stream resynced. */
#define BTSERDEV_RX_TIMEOUT_MS	500

static const struct btserdev_vendor btserdev_generic = {
	.name = "generic H4",
	.manufacturer = 0xffff,
};

#if IS_ENABLED(CONFIG_CRC_CCITT)
static const struct btserdev_vendor btserdev_generic_h5 = {
	.name = "generic H5",
	.manufacturer = 0xffff,
	.transport = &btserdev_h5_transport,
};
#endif

static void btserdev_account_rx_errors(struct btserdev *bd)
{
	u64 errors = bd->tr->rx_errors(bd);

	bd->hdev->stat.err_rx += errors - bd->rx_errors;
	bd->rx_errors = errors;
}

/* The core counts received packets by type (hdev->stat.*_rx). */
static void btserdev_deliver(void *ctx, struct sk_buff *skb)
{
	struct btserdev *bd = ctx;

	hci_recv_frame(bd->hdev, skb);
}

static void btserdev_h4_recv(struct btserdev *bd, const u8 *data,
			     size_t count)
{
	btserdev_h4_rx_feed(&bd->rx, data, count);
}

static bool btserdev_h4_busy(struct btserdev *bd)
{
	return btserdev_h4_rx_busy(&bd->rx);
}

static void btserdev_h4_reset(struct btserdev *bd)
{
	btserdev_h4_rx_reset(&bd->rx);
}

static u64 btserdev_h4_errors(struct btserdev *bd)
{
	const struct btserdev_h4_stats *st = &bd->rx.stats;

	return st->garbage + st->bad_header + st->dropped + st->nomem;
}

static void btserdev_h4_show(struct btserdev *bd, struct seq_file *m)
{
	struct btserdev_h4_stats st;

	mutex_lock(&bd->rx_lock);
	st = bd->rx.stats;
	mutex_unlock(&bd->rx_lock);

	seq_printf(m, "rx_frames %llu\n", st.frames);
	seq_printf(m, "rx_garbage_bytes %llu\n", st.garbage);
	seq_printf(m, "rx_bad_headers %llu\n", st.bad_header);
	seq_printf(m, "rx_dropped_partial %llu\n", st.dropped);
	seq_printf(m, "rx_nomem %llu\n", st.nomem);
}

static size_t btserdev_rx(struct serdev_device *serdev, const u8 *data,
			  size_t count)
{
	struct btserdev *bd = serdev_device_get_drvdata(serdev);

	pm_runtime_mark_last_busy(&serdev->dev);
	if (!pm_runtime_active(&serdev->dev))
		pm_request_resume(&serdev->dev);

	mutex_lock(&bd->rx_lock);
	bd->hdev->stat.byte_rx += count;
	bd->tr->recv(bd, data, count);
	btserdev_account_rx_errors(bd);
	/*
	 * A packet is under way: note when its bytes last came. The timeout
	 * is armed once and pushes itself on while they keep coming, rather
	 * than being re-armed for every chunk the UART delivers.
	 */
	if (bd->tr->rx_busy(bd)) {
		bd->rx_last = jiffies;
		if (!delayed_work_pending(&bd->rx_timeout))
			schedule_delayed_work(&bd->rx_timeout,
					      msecs_to_jiffies(BTSERDEV_RX_TIMEOUT_MS));
	}
	mutex_unlock(&bd->rx_lock);
	return count;
}

/* receive_buf returns size_t since 6.9, int before (see Kbuild). */
#ifndef BTSERDEV_RX_RETURNS_INT
#define btserdev_receive_buf btserdev_rx
#else
static int btserdev_receive_buf(struct serdev_device *serdev, const u8 *data,
				size_t count)
{
	return btserdev_rx(serdev, data, count);
}
#endif

static void btserdev_rx_timeout(struct work_struct *work)
{
	struct btserdev *bd = container_of(to_delayed_work(work),
					   struct btserdev, rx_timeout);
	unsigned long deadline;

	mutex_lock(&bd->rx_lock);
	deadline = bd->rx_last + msecs_to_jiffies(BTSERDEV_RX_TIMEOUT_MS);
	if (bd->tr->rx_busy(bd)) {
		if (time_before(jiffies, deadline)) {
			schedule_delayed_work(&bd->rx_timeout, deadline - jiffies);
		} else {
			bd->tr->rx_reset(bd);
			btserdev_account_rx_errors(bd);
		}
	}
	mutex_unlock(&bd->rx_lock);
}

static void btserdev_write_wakeup(struct serdev_device *serdev)
{
	struct btserdev *bd = serdev_device_get_drvdata(serdev);

	/* The UART wakes us after every write; only a queue needs the work. */
	if (!skb_queue_empty(&bd->txq))
		schedule_work(&bd->tx_work);
}

static const struct serdev_device_ops btserdev_client_ops = {
	.receive_buf = btserdev_receive_buf,
	.write_wakeup = btserdev_write_wakeup,
};

void btserdev_count_tx(struct hci_dev *hdev, struct sk_buff *skb)
{
	switch (hci_skb_pkt_type(skb)) {
	case HCI_COMMAND_PKT:
		hdev->stat.cmd_tx++;
		break;
	case HCI_ACLDATA_PKT:
		hdev->stat.acl_tx++;
		break;
	case HCI_SCODATA_PKT:
		hdev->stat.sco_tx++;
		break;
	}
}

/*
 * Write queued packets until the UART takes no more; write_wakeup brings
 * the work item back when it has room again. tx_lock keeps the writers
 * (the work item and btserdev_send()) from interleaving packets.
 */
static void btserdev_tx(struct btserdev *bd)
{
	struct hci_dev *hdev = bd->hdev;
	struct sk_buff *skb;
	int len;

	lockdep_assert_held(&bd->tx_lock);
	if (skb_queue_empty(&bd->txq))
		return;
	btserdev_pm_get(bd);
	while ((skb = skb_dequeue(&bd->txq))) {
		len = serdev_device_write_buf(bd->serdev, skb->data, skb->len);
		if (len < 0) {
			bt_dev_err_ratelimited(hdev, "write failed: %pe", ERR_PTR(len));
			hdev->stat.err_tx++;
			kfree_skb(skb);
			continue;
		}
		hdev->stat.byte_tx += len;
		skb_pull(skb, len);
		if (skb->len) {
			skb_queue_head(&bd->txq, skb);
			break;
		}
		btserdev_count_tx(hdev, skb);
		kfree_skb(skb);
	}
	btserdev_pm_put(bd);
}

static void btserdev_tx_work(struct work_struct *work)
{
	struct btserdev *bd = container_of(work, struct btserdev, tx_work);

	mutex_lock(&bd->tx_lock);
	btserdev_tx(bd);
	mutex_unlock(&bd->tx_lock);
}

/**
 * btserdev_kick_tx() - write what is queued, from process context
 * @bd: the controller
 *
 * Writes right away when no other writer is busy, saving a work item hop
 * per packet (it adds up in command/response sequences such as a firmware
 * download); otherwise the work item writes.
 */
void btserdev_kick_tx(struct btserdev *bd)
{
	if (mutex_trylock(&bd->tx_lock)) {
		btserdev_tx(bd);
		mutex_unlock(&bd->tx_lock);
	} else {
		schedule_work(&bd->tx_work);
	}
}

static int btserdev_h4_send(struct btserdev *bd, struct sk_buff *skb)
{
	memcpy(skb_push(skb, 1), &hci_skb_pkt_type(skb), 1);
	skb_queue_tail(&bd->txq, skb);
	btserdev_kick_tx(bd);
	return 0;
}

const struct btserdev_transport btserdev_h4_transport = {
	.name = "H4",
	.send = btserdev_h4_send,
	.recv = btserdev_h4_recv,
	.rx_busy = btserdev_h4_busy,
	.rx_reset = btserdev_h4_reset,
	.rx_errors = btserdev_h4_errors,
	.show = btserdev_h4_show,
};

static int btserdev_send(struct hci_dev *hdev, struct sk_buff *skb)
{
	struct btserdev *bd = hci_get_drvdata(hdev);

	return bd->tr->send(bd, skb);
}

static void btserdev_stop_io(struct btserdev *bd)
{
	if (bd->tr->close)
		bd->tr->close(bd);
	cancel_work_sync(&bd->tx_work);
	skb_queue_purge(&bd->txq);
	cancel_delayed_work_sync(&bd->rx_timeout);
	mutex_lock(&bd->rx_lock);
	bd->tr->rx_reset(bd);
	mutex_unlock(&bd->rx_lock);
}

/* Start, data, parity and stop bits of one character on the line. */
static unsigned int btserdev_bits_per_char(struct btserdev *bd)
{
	return bd->vendor->even_parity ? 11 : 10;
}

/**
 * btserdev_set_speed() - set the UART's speed
 * @bd: the controller
 * @speed: bits per second
 */
void btserdev_set_speed(struct btserdev *bd, unsigned int speed)
{
	bd->speed = serdev_device_set_baudrate(bd->serdev, speed);
	if (bd->h5)
		btserdev_h5_set_speed(bd->h5, bd->speed,
				      btserdev_bits_per_char(bd));
}

/**
 * btserdev_switch_speed() - follow a controller to a new speed
 * @bd: the controller, which has taken the speed command
 * @speed: its new speed
 * @flow: RTS/CTS flow control from now on
 *
 * What is queued for the UART goes out at the old speed first: the
 * acknowledgment of the speed command's answer, for H5.
 */
void btserdev_switch_speed(struct btserdev *bd, unsigned int speed, bool flow)
{
	unsigned int bits = btserdev_bits_per_char(bd);
	unsigned long wait;

	flush_work(&bd->tx_work);
	/* The UART's FIFO and buffer at most, twice, and a tick. */
	wait = 2 * DIV_ROUND_UP(4096 * bits * HZ, max(bd->speed, 1U)) + 1;
	serdev_device_wait_until_sent(bd->serdev, wait);
	btserdev_set_speed(bd, speed);
	serdev_device_set_flow_control(bd->serdev, flow);
	if (bd->speed != speed)
		bt_dev_warn(bd->hdev, "UART at %u baud, not %u", bd->speed, speed);
}

/*
 * The UART stays open from probe to remove, as hci_serdev keeps it: closing
 * it here would take the tty's ldisc_sem under the core's req_lock, which
 * lockdep sees as the reverse of an hci_uart line discipline (or a
 * serdev-ldisc bridge) unregistering its hci_dev under ldisc_sem. Bringing
 * hciN down powers the module off; the port just idles.
 */
/*
 * More recoveries than this in a minute, hardware errors and command
 * timeouts together: the controller is given up on.
 */
#define BTSERDEV_MAX_RECOVERIES	5
#define BTSERDEV_RECOVERY_WINDOW	(60 * HZ)

static bool btserdev_recovery_window_over(struct btserdev *bd)
{
	return time_after(jiffies, bd->recovery_window + BTSERDEV_RECOVERY_WINDOW);
}

static bool btserdev_recovery_allowed(struct btserdev *bd)
{
	if (btserdev_recovery_window_over(bd)) {
		bd->recovery_window = jiffies;
		bd->window_recoveries = 0;
	}
	if (++bd->window_recoveries <= BTSERDEV_MAX_RECOVERIES)
		return true;
	bd->recoveries_refused++;
	return false;
}

static int btserdev_open(struct hci_dev *hdev)
{
	struct btserdev *bd = hci_get_drvdata(hdev);
	struct serdev_device *serdev = bd->serdev;
	int ret;

	/* A controller given up on stays off for the rest of the window. */
	if (bd->gave_up) {
		if (!btserdev_recovery_window_over(bd)) {
			bt_dev_err_ratelimited(hdev, "given up on after %u recoveries in a minute: stays off",
					       BTSERDEV_MAX_RECOVERIES);
			return -EIO;
		}
		bd->gave_up = false;
	}
	btserdev_set_speed(bd, bd->init_speed);
	serdev_device_set_flow_control(serdev, !bd->vendor->no_init_flow);
	/* A controller that speaks 8E1 is deaf to a UART that cannot. */
	if (bd->vendor->even_parity) {
		ret = serdev_device_set_parity(serdev, SERDEV_PARITY_EVEN);
		if (ret) {
			bt_dev_err(hdev, "the UART cannot do even parity: %pe",
				   ERR_PTR(ret));
			return ret;
		}
	}
	ret = btserdev_power_on(&bd->power);
	if (ret)
		return ret;
	btserdev_pm_get(bd);
	if (bd->tr->open) {
		ret = bd->tr->open(bd);
		if (ret) {
			btserdev_pm_put(bd);
			btserdev_stop_io(bd);
			btserdev_power_off(&bd->power);
			return ret;
		}
	}
	btserdev_pm_put(bd);
	return 0;
}

static int btserdev_close(struct hci_dev *hdev)
{
	struct btserdev *bd = hci_get_drvdata(hdev);

	btserdev_stop_io(bd);
	btserdev_power_off(&bd->power);
	return 0;
}

static int btserdev_flush(struct hci_dev *hdev)
{
	struct btserdev *bd = hci_get_drvdata(hdev);

	/* Not under a writer that has a packet off the queue. */
	mutex_lock(&bd->tx_lock);
	skb_queue_purge(&bd->txq);
	mutex_unlock(&bd->tx_lock);
	return 0;
}

static int btserdev_setup(struct hci_dev *hdev)
{
	struct btserdev *bd = hci_get_drvdata(hdev);

	return bd->vendor->setup(bd);
}

/*
 * The core follows a Hardware Error event with a close and an open of the
 * hci_dev: for us a power cycle through the supplies and the enable and
 * reset lines, and the back end's setup again, with the same hci_dev.
 */
static void btserdev_hw_error(struct hci_dev *hdev, u8 code)
{
	struct btserdev *bd = hci_get_drvdata(hdev);

	/*
	 * The core closes and opens the hci_dev after this whatever we say:
	 * past the limit, the open refuses, so that a controller looping
	 * Hardware Error events is not power-cycled forever.
	 */
	if (!btserdev_recovery_allowed(bd)) {
		if (!bd->gave_up)
			bt_dev_err(hdev, "hardware error %#04x: %u recoveries in a minute, giving up: the controller stays off",
				   code, BTSERDEV_MAX_RECOVERIES);
		bd->gave_up = true;
		return;
	}
	bd->recoveries++;
	bt_dev_err(hdev, "hardware error %#04x: power cycle and setup (recovery %u)",
		   code, bd->recoveries);
}

static void btserdev_cmd_timeout(struct hci_dev *hdev)
{
	struct btserdev *bd = hci_get_drvdata(hdev);

	if (bd->gave_up)
		return;
	/*
	 * hci_reset_dev() goes through a Hardware Error event, so the limit
	 * is applied (once) in btserdev_hw_error().
	 */
	bt_dev_err(hdev, "command timeout: resetting the controller");
	hci_reset_dev(hdev);
}

static int btserdev_probe(struct serdev_device *serdev)
{
	struct device *dev = &serdev->dev;
	struct hci_dev *hdev;
	struct btserdev *bd;
	int ret;

	bd = devm_kzalloc(dev, sizeof(*bd), GFP_KERNEL);
	if (!bd)
		return -ENOMEM;
	bd->serdev = serdev;
	bd->vendor = device_get_match_data(dev);
	if (!bd->vendor)
		bd->vendor = &btserdev_generic;
	bd->tr = bd->vendor->transport ?: &btserdev_h4_transport;

	bd->init_speed = BTSERDEV_DEFAULT_SPEED;
	device_property_read_u32(dev, "current-speed", &bd->init_speed);
	device_property_read_u32(dev, "max-speed", &bd->oper_speed);
	if (!bd->init_speed)
		return dev_err_probe(dev, -EINVAL, "current-speed must not be 0\n");

	ret = btserdev_power_get(dev, &bd->power);
	if (ret)
		return ret;

	skb_queue_head_init(&bd->txq);
	INIT_WORK(&bd->tx_work, btserdev_tx_work);
	mutex_init(&bd->tx_lock);
	mutex_init(&bd->rx_lock);
	INIT_DELAYED_WORK(&bd->rx_timeout, btserdev_rx_timeout);
	btserdev_h4_rx_init(&bd->rx, dev, btserdev_deliver, bd);

	serdev_device_set_drvdata(serdev, bd);
	serdev_device_set_client_ops(serdev, &btserdev_client_ops);

	ret = btserdev_pm_init(bd);
	if (ret)
		return ret;

	hdev = hci_alloc_dev_priv(bd->vendor->priv_size);
	if (!hdev)
		return -ENOMEM;
	bd->hdev = hdev;
	hci_set_drvdata(hdev, bd);
	hdev->bus = HCI_UART;
	hdev->manufacturer = bd->vendor->manufacturer;
	SET_HCIDEV_DEV(hdev, dev);
	hdev->open = btserdev_open;
	hdev->close = btserdev_close;
	hdev->flush = btserdev_flush;
	hdev->send = btserdev_send;
	hdev->hw_error = btserdev_hw_error;
	hdev->cmd_timeout = btserdev_cmd_timeout;
	if (bd->vendor->setup) {
		hdev->setup = btserdev_setup;
		/* A power cycle loses what setup loaded: run it every time. */
		set_bit(HCI_QUIRK_NON_PERSISTENT_SETUP, &hdev->quirks);
	}

	if (bd->tr->init) {
		ret = bd->tr->init(bd);
		if (ret)
			goto err_free;
	}
	ret = serdev_device_open(serdev);
	if (ret) {
		dev_err_probe(dev, ret, "cannot open the UART\n");
		goto err_destroy;
	}
	/* hci_register_dev() returns the new index (hciN) on success. */
	ret = hci_register_dev(hdev);
	if (ret < 0) {
		dev_err(dev, "cannot register hci device: %pe\n", ERR_PTR(ret));
		goto err_close;
	}
	btserdev_debugfs_init(bd);
	bt_dev_info(hdev, "%s controller (%s) at %u baud", bd->vendor->name,
		    bd->tr->name, bd->init_speed);
	return 0;

err_close:
	serdev_device_close(serdev);
	btserdev_stop_io(bd);
err_destroy:
	if (bd->tr->destroy)
		bd->tr->destroy(bd);
err_free:
	hci_free_dev(hdev);
	return ret;
}

static void btserdev_remove(struct serdev_device *serdev)
{
	struct btserdev *bd = serdev_device_get_drvdata(serdev);

	hci_unregister_dev(bd->hdev);
	serdev_device_close(serdev);
	btserdev_stop_io(bd);
	btserdev_power_off(&bd->power);
	if (bd->tr->destroy)
		bd->tr->destroy(bd);
	hci_free_dev(bd->hdev);
}

static const struct of_device_id btserdev_of_match[] = {
	{ .compatible = "serdev-suite,bt-h4", .data = &btserdev_generic },
#if IS_ENABLED(CONFIG_CRC_CCITT)
	{ .compatible = "serdev-suite,bt-h5", .data = &btserdev_generic_h5 },
#endif
#if IS_ENABLED(CONFIG_BT_BCM)
	{ .compatible = "serdev-suite,bt-bcm", .data = &btserdev_bcm },
#endif
#if IS_ENABLED(CONFIG_BT_RTL) && IS_ENABLED(CONFIG_CRC_CCITT)
	{ .compatible = "serdev-suite,bt-rtl8723bs", .data = &btserdev_rtl },
	{ .compatible = "serdev-suite,bt-rtl8723ds", .data = &btserdev_rtl },
#endif
	{ }
};
MODULE_DEVICE_TABLE(of, btserdev_of_match);

static struct serdev_device_driver btserdev_driver = {
	.probe = btserdev_probe,
	.remove = btserdev_remove,
	.driver = {
		.name = "btserdev",
		.of_match_table = btserdev_of_match,
		.pm = pm_ptr(&btserdev_pm_ops),
	},
};
module_serdev_device_driver(btserdev_driver);

MODULE_DESCRIPTION("Bluetooth HCI controllers on a UART (serdev, H4 and H5)");
MODULE_LICENSE("GPL");

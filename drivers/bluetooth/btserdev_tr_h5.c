// SPDX-License-Identifier: GPL-2.0
/*
 * The three-wire (H5) transport of btserdev: joins the H5 link layer
 * (btserdev_h5.c) to the controller's UART and hci_dev. Opening the
 * hci_dev brings the link up (SYNC, CONFIG) before the back end's setup
 * sends its first command; a peer that resets an active link gets the
 * controller reset through the core, as a hardware error.
 */

#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/serdev.h>
#include <net/bluetooth/bluetooth.h>
#include <net/bluetooth/hci_core.h>

#include "btserdev.h"

static bool h5_crc;
module_param(h5_crc, bool, 0444);
MODULE_PARM_DESC(h5_crc, "ask H5 controllers for the data integrity check (CRC)");

/*
 * SYNC (then CONFIG) periods to wait for link establishment at open: about
 * two seconds, as long as a controller takes to boot its ROM.
 */
static unsigned int h5_sync_tries = 20;
module_param(h5_sync_tries, uint, 0444);
MODULE_PARM_DESC(h5_sync_tries, "SYNC/CONFIG periods (100 ms + wire time) to wait for an H5 link");

static void btserdev_h5_deliver(void *ctx, struct sk_buff *skb)
{
	struct btserdev *bd = ctx;

	hci_recv_frame(bd->hdev, skb);
}

static void btserdev_h5_write(void *ctx, struct sk_buff *skb)
{
	struct btserdev *bd = ctx;

	skb_queue_tail(&bd->txq, skb);
}

/* From the receive path and the timer: the work item writes. */
static void btserdev_h5_kick(void *ctx)
{
	struct btserdev *bd = ctx;

	if (!skb_queue_empty(&bd->txq))
		schedule_work(&bd->tx_work);
}

static void btserdev_h5_peer_reset(void *ctx)
{
	struct btserdev *bd = ctx;

	/* A Hardware Error event: the core closes and opens the hci_dev. */
	hci_reset_dev(bd->hdev);
}

static const struct btserdev_h5_ops btserdev_h5_link_ops = {
	.deliver = btserdev_h5_deliver,
	.write = btserdev_h5_write,
	.kick = btserdev_h5_kick,
	.peer_reset = btserdev_h5_peer_reset,
};

static int btserdev_tr_h5_init(struct btserdev *bd)
{
	struct device *dev = &bd->serdev->dev;

	bd->h5 = devm_kzalloc(dev, sizeof(*bd->h5), GFP_KERNEL);
	if (!bd->h5)
		return -ENOMEM;
	return btserdev_h5_init(bd->h5, dev, &btserdev_h5_link_ops, bd);
}

static void btserdev_tr_h5_destroy(struct btserdev *bd)
{
	btserdev_h5_destroy(bd->h5);
}

/* The core's open has set the init speed, and with it the link's timing. */
static int btserdev_tr_h5_open(struct btserdev *bd)
{
	btserdev_h5_start(bd->h5, h5_crc);
	return btserdev_h5_wait_active(bd->h5, max(h5_sync_tries, 1U));
}

static void btserdev_tr_h5_close(struct btserdev *bd)
{
	btserdev_h5_stop(bd->h5);
}

static int btserdev_tr_h5_send(struct btserdev *bd, struct sk_buff *skb)
{
	struct hci_dev *hdev = bd->hdev;
	int ret;

	btserdev_count_tx(hdev, skb);
	ret = btserdev_h5_send(bd->h5, skb);
	if (ret) {
		hdev->stat.err_tx++;
		return ret;
	}
	btserdev_kick_tx(bd);
	return 0;
}

static void btserdev_tr_h5_recv(struct btserdev *bd, const u8 *data,
				size_t count)
{
	btserdev_h5_rx_feed(bd->h5, data, count);
}

static bool btserdev_tr_h5_rx_busy(struct btserdev *bd)
{
	return btserdev_h5_rx_busy(bd->h5);
}

static void btserdev_tr_h5_rx_reset(struct btserdev *bd)
{
	btserdev_h5_rx_reset(bd->h5);
}

static u64 btserdev_tr_h5_rx_errors(struct btserdev *bd)
{
	struct btserdev_h5_stats st;

	btserdev_h5_get_stats(bd->h5, &st);
	return st.rx_garbage + st.rx_bad_slip + st.rx_bad_header +
	       st.rx_bad_crc + st.rx_too_long + st.rx_out_of_order +
	       st.rx_not_active + st.rx_unknown + st.rx_bad_ack + st.rx_nomem;
}

static void btserdev_tr_h5_show(struct btserdev *bd, struct seq_file *m)
{
	struct btserdev_h5_stats st;
	struct btserdev_h5 *h5 = bd->h5;
	const char *state;
	u8 window;
	bool crc;

	btserdev_h5_get_stats(h5, &st);
	mutex_lock(&h5->lock);
	state = h5->state == BTSERDEV_H5_ACTIVE ? "active" :
		h5->state == BTSERDEV_H5_INITIALIZED ? "initialized" :
		"uninitialized";
	window = h5->window;
	crc = h5->crc;
	mutex_unlock(&h5->lock);

	seq_printf(m, "h5_state %s\n", state);
	seq_printf(m, "h5_window %u\n", window);
	seq_printf(m, "h5_crc %s\n", crc ? "on" : "off");
	seq_printf(m, "rx_frames %llu\n", st.rx_frames);
	seq_printf(m, "rx_packets %llu\n", st.rx_packets);
	seq_printf(m, "rx_garbage_bytes %llu\n", st.rx_garbage);
	seq_printf(m, "rx_bad_slip %llu\n", st.rx_bad_slip);
	seq_printf(m, "rx_bad_headers %llu\n", st.rx_bad_header);
	seq_printf(m, "rx_bad_crc %llu\n", st.rx_bad_crc);
	seq_printf(m, "rx_too_long %llu\n", st.rx_too_long);
	seq_printf(m, "rx_out_of_order %llu\n", st.rx_out_of_order);
	seq_printf(m, "rx_not_active %llu\n", st.rx_not_active);
	seq_printf(m, "rx_unknown %llu\n", st.rx_unknown);
	seq_printf(m, "rx_bad_acks %llu\n", st.rx_bad_ack);
	seq_printf(m, "rx_nomem %llu\n", st.rx_nomem);
	seq_printf(m, "tx_frames %llu\n", st.tx_frames);
	seq_printf(m, "tx_retransmits %llu\n", st.tx_retransmits);
	seq_printf(m, "tx_acks %llu\n", st.tx_acks);
	seq_printf(m, "h5_syncs %llu\n", st.syncs);
	seq_printf(m, "h5_peer_resets %llu\n", st.peer_resets);
	seq_printf(m, "h5_peer_sleeps %llu\n", st.peer_sleeps);
	seq_printf(m, "h5_wakeups %llu\n", st.wakeups);
}

const struct btserdev_transport btserdev_h5_transport = {
	.name = "H5",
	.init = btserdev_tr_h5_init,
	.destroy = btserdev_tr_h5_destroy,
	.open = btserdev_tr_h5_open,
	.close = btserdev_tr_h5_close,
	.send = btserdev_tr_h5_send,
	.recv = btserdev_tr_h5_recv,
	.rx_busy = btserdev_tr_h5_rx_busy,
	.rx_reset = btserdev_tr_h5_rx_reset,
	.rx_errors = btserdev_tr_h5_rx_errors,
	.show = btserdev_tr_h5_show,
};

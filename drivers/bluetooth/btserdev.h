/* SPDX-License-Identifier: GPL-2.0 */
/*
 * btserdev: Bluetooth HCI controllers on a UART, as standalone serdev
 * clients that own their hci_dev. Shared definitions of the core and its
 * parts (power, H4 receive path, vendor back ends).
 */
#ifndef _BTSERDEV_H
#define _BTSERDEV_H

#include <linux/mutex.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

#include "btserdev_h4.h"
#include "btserdev_h5.h"

struct clk;
struct gpio_desc;
struct hci_dev;
struct regulator;
struct seq_file;
struct serdev_device;
struct btserdev;

/**
 * struct btserdev_transport - how HCI packets travel on the UART
 * @name: shown in messages
 * @init: set up at probe (optional)
 * @destroy: undo @init at remove (optional)
 * @open: after power-up, the port at the init speed: bring the link up
 *	  (optional)
 * @close: take the link down (optional)
 * @send: send a packet from the core (hci_skb_pkt_type() set); takes it
 * @recv: bytes from the UART, under rx_lock
 * @rx_busy: a packet is under way (the receive timeout runs)
 * @rx_reset: drop the packet under way
 * @rx_errors: receive errors counted so far
 * @show: the transport's counters in debugfs
 */
struct btserdev_transport {
	const char *name;
	int (*init)(struct btserdev *bd);
	void (*destroy)(struct btserdev *bd);
	int (*open)(struct btserdev *bd);
	void (*close)(struct btserdev *bd);
	int (*send)(struct btserdev *bd, struct sk_buff *skb);
	void (*recv)(struct btserdev *bd, const u8 *data, size_t count);
	bool (*rx_busy)(struct btserdev *bd);
	void (*rx_reset)(struct btserdev *bd);
	u64 (*rx_errors)(struct btserdev *bd);
	void (*show)(struct btserdev *bd, struct seq_file *m);
};

extern const struct btserdev_transport btserdev_h4_transport;
extern const struct btserdev_transport btserdev_h5_transport;

/**
 * struct btserdev_power - what powers the module, all of it optional
 * @dev: the serdev client device
 * @vbat: main supply
 * @vddio: I/O supply
 * @clk: low-power (sleep) clock
 * @enable: enable line ("enable-gpios"), active means powered
 * @reset: reset line ("reset-gpios"), active means held in reset
 * @wake: device-wakeup line ("device-wakeup-gpios"), active means awake
 * @on: the sequence has run up
 */
struct btserdev_power {
	struct device *dev;
	struct regulator *vbat;
	struct regulator *vddio;
	struct clk *clk;
	struct gpio_desc *enable;
	struct gpio_desc *reset;
	struct gpio_desc *wake;
	bool on;
};

int btserdev_power_get(struct device *dev, struct btserdev_power *pw);
int btserdev_power_on(struct btserdev_power *pw);
void btserdev_power_off(struct btserdev_power *pw);

/**
 * struct btserdev_vendor - a vendor back end
 * @name: shown in messages
 * @manufacturer: Bluetooth SIG company identifier, or 0xffff
 * @transport: H4 when NULL
 * @even_parity: the UART runs 8E1 rather than 8N1
 * @no_init_flow: no RTS/CTS flow control until setup turns it on
 * @priv_size: room the vendor's helpers expect in the hci_dev's private
 *	       area (hci_get_priv())
 * @setup: bring the controller from its ROM to operation (firmware, speed);
 *	   runs after every power-up, with the port open at the init speed
 */
struct btserdev_vendor {
	const char *name;
	u16 manufacturer;
	const struct btserdev_transport *transport;
	bool even_parity;
	bool no_init_flow;
	size_t priv_size;
	int (*setup)(struct btserdev *bd);
};

/**
 * struct btserdev - one controller
 * @serdev: the serdev client
 * @hdev: the hci_dev it owns
 * @vendor: the back end chosen by the compatible
 * @tr: the transport, from the back end
 * @h5: the H5 link, when that is the transport
 * @speed: the UART's speed now
 * @power: power resources
 * @init_speed: UART speed the controller starts at ("current-speed")
 * @oper_speed: UART speed to switch to ("max-speed"), 0 to stay
 * @txq: packets to send, H4 type byte in front
 * @tx_work: writes @txq to the UART once it has room again
 * @tx_lock: one writer of @txq at a time
 * @rx_lock: serialises the receive path and its timeout
 * @rx: the H4 receive path
 * @rx_timeout: drops a packet left incomplete by a silent line
 * @rx_errors: receive errors already added to hdev->stat.err_rx
 * @host_wake_irq: host-wakeup interrupt, or 0
 * @host_wakes: host-wakeup interrupts taken
 * @irq_wake_armed: the host-wakeup interrupt is armed to wake the system
 * @pm_suspends: runtime suspends
 * @pm_resumes: runtime resumes
 * @recoveries: hardware errors and command timeouts recovered from
 * @recovery_window: start of the current window of the recovery limit
 * @window_recoveries: recoveries in that window
 * @recoveries_refused: recoveries refused by the limit
 * @gave_up: the limit was reached: the controller stays off until the
 *	window has passed
 */
struct btserdev {
	struct serdev_device *serdev;
	struct hci_dev *hdev;
	const struct btserdev_vendor *vendor;
	const struct btserdev_transport *tr;
	struct btserdev_h5 *h5;
	unsigned int speed;
	struct btserdev_power power;
	u32 init_speed;
	u32 oper_speed;

	struct sk_buff_head txq;
	struct work_struct tx_work;
	/* one writer of txq at a time: the work item or btserdev_send() */
	struct mutex tx_lock;

	/* serialises the receive path and its timeout */
	struct mutex rx_lock;
	struct btserdev_h4_rx rx;
	struct delayed_work rx_timeout;
	unsigned long rx_last;		/* jiffies of the latest partial-packet RX */
	u64 rx_errors;

	int host_wake_irq;
	atomic_t host_wakes;
	bool irq_wake_armed;
	unsigned int pm_suspends;
	unsigned int pm_resumes;

	unsigned int recoveries;
	unsigned long recovery_window;
	unsigned int window_recoveries;
	unsigned int recoveries_refused;
	bool gave_up;
};

struct firmware;

void btserdev_set_speed(struct btserdev *bd, unsigned int speed);
void btserdev_switch_speed(struct btserdev *bd, unsigned int speed, bool flow);
void btserdev_count_tx(struct hci_dev *hdev, struct sk_buff *skb);
void btserdev_kick_tx(struct btserdev *bd);

int btserdev_pm_init(struct btserdev *bd);
void btserdev_pm_get(struct btserdev *bd);
void btserdev_pm_put(struct btserdev *bd);
extern const struct dev_pm_ops btserdev_pm_ops;

void btserdev_debugfs_init(struct btserdev *bd);

extern const struct btserdev_vendor btserdev_bcm;
/* Exported by btbcm; its header is not part of the kernel's include/. */
int btbcm_patchram(struct hci_dev *hdev, const struct firmware *fw);
int btbcm_initialize(struct hci_dev *hdev, bool *fw_load_done,
		     bool use_autobaud_mode);
int btbcm_finalize(struct hci_dev *hdev, bool *fw_load_done,
		   bool use_autobaud_mode);

extern const struct btserdev_vendor btserdev_rtl;
/* Exported by btrtl; its header is not part of the kernel's include/. */
struct btrtl_device_info;
struct btrtl_device_info *btrtl_initialize(struct hci_dev *hdev,
					   const char *postfix);
void btrtl_free(struct btrtl_device_info *btrtl_dev);
int btrtl_download_firmware(struct hci_dev *hdev,
			    struct btrtl_device_info *btrtl_dev);
void btrtl_set_quirks(struct hci_dev *hdev,
		      struct btrtl_device_info *btrtl_dev);
int btrtl_get_uart_settings(struct hci_dev *hdev,
			    struct btrtl_device_info *btrtl_dev,
			    unsigned int *controller_baudrate,
			    u32 *device_baudrate, bool *flow_control);
#if IS_ENABLED(CONFIG_KUNIT)
int btserdev_bcm_hcd_check(const u8 *data, size_t size, size_t *bad);
#endif

#endif /* _BTSERDEV_H */

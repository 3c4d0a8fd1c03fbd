// SPDX-License-Identifier: GPL-2.0
/*
 * serdev-mux channel back ends.
 *
 * mux-controls: each port is a state of a mux controller (an analog switch
 * in front of the UART, e.g. mux-gpio); the state is selected while the
 * port owns the bus and deselected after.
 *
 * rs485: the ports are slaves on one half-duplex line. Selecting a port is
 * ownership plus its line settings. Before each frame the bus stays silent
 * for the port's interval (Modbus RTU: 3.5 characters); the driver enable
 * comes from the UART's own RS485 mode, or from a DE GPIO driven here with
 * setup and hold delays around the frame.
 */

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/gpio/consumer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mux/consumer.h>
#include <linux/of.h>

#include "mux_internal.h"
#include "mux_trace.h"
#include "serdev-line.h"

static int muxctl_init(struct serdev_mux *mux)
{
	mux->mc = devm_mux_control_get(mux->dev, NULL);
	if (IS_ERR(mux->mc))
		return dev_err_probe(mux->dev, PTR_ERR(mux->mc),
				     "no mux controller (mux-controls)\n");
	return 0;
}

static int muxctl_select(struct serdev_mux *mux, struct serdev_mux_port *port)
{
	return mux_control_select(mux->mc, port->reg);
}

static void muxctl_deselect(struct serdev_mux *mux,
			    struct serdev_mux_port *port)
{
	mux_control_deselect(mux->mc);
}

static void chan_nop(struct serdev_mux *mux, struct serdev_mux_port *port)
{
}

const struct serdev_mux_chan_ops serdev_mux_chan_muxctl = {
	.name = "mux-controls",
	.init = muxctl_init,
	.select = muxctl_select,
	.deselect = muxctl_deselect,
	.tx_begin = chan_nop,
	.tx_end = chan_nop,
};

/*
 * The UART's own RS485 mode is set up by its driver from the UART's node
 * (serial core, rs485.yaml) before the mux opens it: the UART raises RTS
 * for each burst and drops it after the last stop bit. A DE GPIO next to
 * it would be a second driver of one transceiver, so the two are refused
 * together rather than guessed between.
 */
static bool rs485_uart_mode(struct serdev_mux *mux)
{
	struct device_node *uart = mux->serdev->ctrl->dev.of_node;

	return uart && of_property_read_bool(uart,
					     "linux,rs485-enabled-at-boot-time");
}

static int rs485_init(struct serdev_mux *mux)
{
	u32 delay[2] = { 0, 0 };

	if (rs485_uart_mode(mux)) {
		if (of_property_present(mux->dev->of_node, "de-gpios"))
			return dev_err_probe(mux->dev, -EINVAL,
					     "de-gpios and the UART's RS485 mode both drive DE: keep one\n");
		mux->direction = SERDEV_MUX_DIR_UART;
		dev_info(mux->dev, "driver enable: the UART's RS485 mode\n");
		return 0;
	}

	mux->de = devm_gpiod_get_optional(mux->dev, "de", GPIOD_OUT_LOW);
	if (IS_ERR(mux->de))
		return dev_err_probe(mux->dev, PTR_ERR(mux->de),
				     "cannot get the DE GPIO\n");
	mux->direction = mux->de ? SERDEV_MUX_DIR_GPIO : SERDEV_MUX_DIR_NONE;
	if (of_property_present(mux->dev->of_node, "de-delay-us") &&
	    of_property_read_u32_array(mux->dev->of_node, "de-delay-us",
				       delay, 2))
		return dev_err_probe(mux->dev, -EINVAL,
				     "de-delay-us needs two values: setup and hold\n");
	if (delay[0] > USEC_PER_SEC || delay[1] > USEC_PER_SEC)
		return dev_err_probe(mux->dev, -EINVAL,
				     "de-delay-us beyond one second\n");
	mux->de_setup_us = delay[0];
	mux->de_hold_us = delay[1];
	return 0;
}

static int rs485_select(struct serdev_mux *mux, struct serdev_mux_port *port)
{
	return 0;
}

static void rs485_tx_begin(struct serdev_mux *mux, struct serdev_mux_port *port)
{
	s64 quiet = ktime_us_delta(ktime_get(), serdev_mux_last_activity(mux));

	if (quiet < port->gap_us)
		serdev_line_sleep_us(port->gap_us - quiet);
	trace_serdev_mux_tx_start(dev_name(mux->dev), port->reg, port->gap_us);
	if (mux->de) {
		gpiod_set_value_cansleep(mux->de, 1);
		if (mux->de_setup_us)
			serdev_line_sleep_us(mux->de_setup_us);
	}
}

static void rs485_tx_end(struct serdev_mux *mux, struct serdev_mux_port *port)
{
	/* The silent interval counts from the last bit on the wire. */
	serdev_mux_drain(mux);
	if (mux->de) {
		if (mux->de_hold_us)
			serdev_line_sleep_us(mux->de_hold_us);
		gpiod_set_value_cansleep(mux->de, 0);
	}
}

const struct serdev_mux_chan_ops serdev_mux_chan_rs485 = {
	.name = "rs485",
	.init = rs485_init,
	.select = rs485_select,
	.deselect = chan_nop,
	.tx_begin = rs485_tx_begin,
	.tx_end = rs485_tx_end,
};

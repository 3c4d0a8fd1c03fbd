// SPDX-License-Identifier: GPL-2.0
/*
 * Power sequencing of a Bluetooth module on a UART, shared by every back
 * end: supplies, clock, enable and reset lines, in one order up and the
 * reverse down. Each resource is optional; one that is described but
 * unusable fails the probe with a message naming it.
 */

#include <linux/clk.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/regulator/consumer.h>

#include "btserdev.h"

/* Reset pulse and the time a module needs after it before it talks. */
#define BTSERDEV_RESET_US	10000
#define BTSERDEV_BOOT_MS	50

static int btserdev_get_supply(struct device *dev, const char *id,
			       struct regulator **out)
{
	struct regulator *reg = devm_regulator_get_optional(dev, id);

	if (IS_ERR(reg)) {
		if (PTR_ERR(reg) == -ENODEV) {
			*out = NULL;
			return 0;
		}
		return dev_err_probe(dev, PTR_ERR(reg), "%s-supply\n", id);
	}
	*out = reg;
	return 0;
}

/**
 * btserdev_power_get() - look up the power resources of a module
 * @dev: the serdev client device
 * @pw: filled in
 *
 * Lines are requested in their "off" state: enable inactive, reset active.
 *
 * Return: 0, -EPROBE_DEFER while a provider is missing, or an error.
 */
int btserdev_power_get(struct device *dev, struct btserdev_power *pw)
{
	int ret;

	pw->dev = dev;
	ret = btserdev_get_supply(dev, "vbat", &pw->vbat);
	if (ret)
		return ret;
	ret = btserdev_get_supply(dev, "vddio", &pw->vddio);
	if (ret)
		return ret;

	pw->clk = devm_clk_get_optional(dev, NULL);
	if (IS_ERR(pw->clk))
		return dev_err_probe(dev, PTR_ERR(pw->clk), "clock\n");

	pw->enable = devm_gpiod_get_optional(dev, "enable", GPIOD_OUT_LOW);
	if (IS_ERR(pw->enable))
		return dev_err_probe(dev, PTR_ERR(pw->enable), "enable-gpios\n");
	/*
	 * Broadcom's binding calls the same line (BT_REG_ON, active: powered)
	 * shutdown-gpios, and board trees (Raspberry Pi) describe it so.
	 */
	if (!pw->enable) {
		pw->enable = devm_gpiod_get_optional(dev, "shutdown",
						     GPIOD_OUT_LOW);
		if (IS_ERR(pw->enable))
			return dev_err_probe(dev, PTR_ERR(pw->enable),
					     "shutdown-gpios\n");
	}
	pw->reset = devm_gpiod_get_optional(dev, "reset", GPIOD_OUT_HIGH);
	if (IS_ERR(pw->reset))
		return dev_err_probe(dev, PTR_ERR(pw->reset), "reset-gpios\n");
	pw->wake = devm_gpiod_get_optional(dev, "device-wakeup", GPIOD_OUT_LOW);
	if (IS_ERR(pw->wake))
		return dev_err_probe(dev, PTR_ERR(pw->wake),
				     "device-wakeup-gpios\n");
	/* Realtek's binding (realtek,*-bt) calls it device-wake-gpios. */
	if (!pw->wake) {
		pw->wake = devm_gpiod_get_optional(dev, "device-wake",
						   GPIOD_OUT_LOW);
		if (IS_ERR(pw->wake))
			return dev_err_probe(dev, PTR_ERR(pw->wake),
					     "device-wake-gpios\n");
	}
	return 0;
}

static int btserdev_supply_on(struct regulator *reg)
{
	return reg ? regulator_enable(reg) : 0;
}

static void btserdev_supply_off(struct regulator *reg)
{
	if (reg)
		regulator_disable(reg);
}

/**
 * btserdev_power_on() - power the module up and take it out of reset
 * @pw: the module's resources
 *
 * Order: vbat, vddio, clock, enable, then a reset pulse and the boot
 * time. Calling it while on does nothing.
 *
 * Context: process context; sleeps.
 * Return: 0 or an error, with everything switched back off.
 */
int btserdev_power_on(struct btserdev_power *pw)
{
	int ret;

	if (pw->on)
		return 0;

	ret = btserdev_supply_on(pw->vbat);
	if (ret)
		goto err;
	ret = btserdev_supply_on(pw->vddio);
	if (ret)
		goto err_vbat;
	ret = clk_prepare_enable(pw->clk);
	if (ret)
		goto err_vddio;

	gpiod_set_value_cansleep(pw->reset, 1);
	gpiod_set_value_cansleep(pw->enable, 1);
	gpiod_set_value_cansleep(pw->wake, 1);
	if (pw->reset || pw->enable) {
		fsleep(BTSERDEV_RESET_US);
		gpiod_set_value_cansleep(pw->reset, 0);
		msleep(BTSERDEV_BOOT_MS);
	}
	pw->on = true;
	return 0;

err_vddio:
	btserdev_supply_off(pw->vddio);
err_vbat:
	btserdev_supply_off(pw->vbat);
err:
	dev_err(pw->dev, "power-up failed: %pe\n", ERR_PTR(ret));
	return ret;
}

/**
 * btserdev_power_off() - put the module in reset and power it down
 * @pw: the module's resources
 *
 * The reverse of btserdev_power_on(). Calling it while off does nothing.
 *
 * Context: process context; may sleep.
 */
void btserdev_power_off(struct btserdev_power *pw)
{
	if (!pw->on)
		return;

	gpiod_set_value_cansleep(pw->wake, 0);
	gpiod_set_value_cansleep(pw->reset, 1);
	gpiod_set_value_cansleep(pw->enable, 0);
	clk_disable_unprepare(pw->clk);
	btserdev_supply_off(pw->vddio);
	btserdev_supply_off(pw->vbat);
	pw->on = false;
}

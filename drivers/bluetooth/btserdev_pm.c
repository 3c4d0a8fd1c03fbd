// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime PM of btserdev: after an idle delay (autosuspend, set through
 * the device's power/autosuspend_delay_ms) the device-wakeup line is
 * released and the module may sleep; sending, receiving or the module's
 * host-wakeup interrupt bring it back. System suspend releases the line
 * too and arms the host-wakeup interrupt as a wake-up source.
 */

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/gpio/consumer.h>
#include <linux/interrupt.h>
#include <linux/pm_runtime.h>
#include <linux/pm_wakeirq.h>
#include <linux/property.h>
#include <linux/serdev.h>

#include "btserdev.h"

#define BTSERDEV_AUTOSUSPEND_MS	2000
/* Time a module needs to leave its sleep state after device-wakeup. */
#define BTSERDEV_WAKE_US	5000

static irqreturn_t btserdev_host_wake(int irq, void *data)
{
	struct btserdev *bd = data;
	struct device *dev = &bd->serdev->dev;

	atomic_inc(&bd->host_wakes);
	pm_runtime_mark_last_busy(dev);
	pm_request_resume(dev);
	return IRQ_HANDLED;
}

/**
 * btserdev_pm_init() - enable runtime PM and the host-wakeup interrupt
 * @bd: the controller
 *
 * Return: 0 or an error (a described but unusable interrupt).
 */
int btserdev_pm_init(struct btserdev *bd)
{
	struct device *dev = &bd->serdev->dev;
	struct gpio_desc *wake;
	unsigned long flags;
	int irq, ret;

	pm_runtime_set_suspended(dev);
	pm_runtime_set_autosuspend_delay(dev, BTSERDEV_AUTOSUSPEND_MS);
	pm_runtime_use_autosuspend(dev);
	ret = devm_pm_runtime_enable(dev);
	if (ret)
		return ret;

	/*
	 * The host-wakeup signal is an interrupt ("host-wakeup") or a GPIO
	 * line ("host-wakeup-gpios") whose edge into its active level wakes.
	 */
	wake = devm_gpiod_get_optional(dev, "host-wakeup", GPIOD_IN);
	if (IS_ERR(wake))
		return dev_err_probe(dev, PTR_ERR(wake), "host-wakeup-gpios\n");
	/* Realtek's binding (realtek,*-bt) calls it host-wake-gpios. */
	if (!wake) {
		wake = devm_gpiod_get_optional(dev, "host-wake", GPIOD_IN);
		if (IS_ERR(wake))
			return dev_err_probe(dev, PTR_ERR(wake),
					     "host-wake-gpios\n");
	}
	if (wake) {
		irq = gpiod_to_irq(wake);
		flags = gpiod_is_active_low(wake) ? IRQF_TRIGGER_FALLING :
						    IRQF_TRIGGER_RISING;
	} else {
		irq = fwnode_irq_get_byname(dev_fwnode(dev), "host-wakeup");
		flags = 0;
	}
	if (irq == -EPROBE_DEFER)
		return irq;
	if (irq <= 0)
		return 0;

	ret = devm_request_threaded_irq(dev, irq, NULL, btserdev_host_wake,
					IRQF_ONESHOT | flags,
					"btserdev-host-wake", bd);
	if (ret)
		return dev_err_probe(dev, ret, "host-wakeup interrupt %d\n", irq);
	bd->host_wake_irq = irq;
	device_init_wakeup(dev, true);
	return 0;
}

/**
 * btserdev_pm_get() - keep the module awake for I/O
 * @bd: the controller
 *
 * Context: process context; may sleep.
 */
void btserdev_pm_get(struct btserdev *bd)
{
	pm_runtime_get_sync(&bd->serdev->dev);
}

/**
 * btserdev_pm_put() - I/O done; start the idle delay
 * @bd: the controller
 */
void btserdev_pm_put(struct btserdev *bd)
{
	struct device *dev = &bd->serdev->dev;

	pm_runtime_mark_last_busy(dev);
	pm_runtime_put_autosuspend(dev);
}

static int btserdev_runtime_suspend(struct device *dev)
{
	struct btserdev *bd = dev_get_drvdata(dev);

	if (bd->power.on)
		gpiod_set_value_cansleep(bd->power.wake, 0);
	bd->pm_suspends++;
	return 0;
}

static int btserdev_runtime_resume(struct device *dev)
{
	struct btserdev *bd = dev_get_drvdata(dev);

	if (bd->power.on && bd->power.wake) {
		gpiod_set_value_cansleep(bd->power.wake, 1);
		fsleep(BTSERDEV_WAKE_US);
	}
	bd->pm_resumes++;
	return 0;
}

static int btserdev_suspend(struct device *dev)
{
	struct btserdev *bd = dev_get_drvdata(dev);
	int ret;

	ret = pm_runtime_force_suspend(dev);
	if (ret)
		return ret;
	/*
	 * Armed here rather than through dev_pm_set_wake_irq(): in 6.12 the
	 * PM core ignores enable_irq_wake()'s error and disables the wake
	 * afterwards all the same, which WARNs ("Unbalanced IRQ wake
	 * disable") on a controller that cannot wake the system (gpio-sim's,
	 * for one).
	 */
	if (bd->host_wake_irq > 0 && device_may_wakeup(dev)) {
		/* Not every interrupt controller can wake the system. */
		ret = enable_irq_wake(bd->host_wake_irq);
		bd->irq_wake_armed = !ret;
		if (ret)
			dev_info_once(dev, "the host-wakeup interrupt cannot wake the system (%d)\n",
				      ret);
	}
	return 0;
}

static int btserdev_resume(struct device *dev)
{
	struct btserdev *bd = dev_get_drvdata(dev);

	if (bd->irq_wake_armed) {
		disable_irq_wake(bd->host_wake_irq);
		bd->irq_wake_armed = false;
	}
	return pm_runtime_force_resume(dev);
}

const struct dev_pm_ops btserdev_pm_ops = {
	SYSTEM_SLEEP_PM_OPS(btserdev_suspend, btserdev_resume)
	RUNTIME_PM_OPS(btserdev_runtime_suspend, btserdev_runtime_resume, NULL)
};

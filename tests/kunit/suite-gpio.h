/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The board's gpio-sim bank ("suite-gpio") as KUnit suites read it: the
 * value a consumer drives on a line, read back through gpiolib.
 */
#ifndef _SUITE_GPIO_H
#define _SUITE_GPIO_H

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>

static inline int suite_gpio_line(struct kunit *test, unsigned int line)
{
	struct gpio_device *gdev;
	struct gpio_desc *desc;
	int val;

	gdev = gpio_device_find_by_label("suite-gpio");
	KUNIT_ASSERT_NOT_NULL(test, gdev);
	desc = gpio_device_get_desc(gdev, line);
	KUNIT_ASSERT_FALSE(test, IS_ERR(desc));
	val = gpiod_get_raw_value_cansleep(desc);
	gpio_device_put(gdev);
	return val;
}

#endif /* _SUITE_GPIO_H */

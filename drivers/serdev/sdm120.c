// SPDX-License-Identifier: GPL-2.0
/*
 * Eastron SDM120 single-phase energy meter (Modbus RTU) as a hwmon device.
 * Input registers hold IEEE-754 float32 values, big-endian over two
 * registers: voltage 0x0000, current 0x0006, active power 0x000C,
 * frequency 0x0046, import active energy 0x0048. They are read as one
 * block and kept for update_interval; a failed read is an error for the
 * reader, never an older value.
 *
 * Values are computed in 64 bits on every machine. Energy goes out as
 * hwmon's energy64 (microjoules: 12,345 kWh is 4.4e16 uJ). hwmon has no
 * 64-bit power: where a long is 32 bits, power beyond +-2147.48 W in
 * microwatts saturates at LONG_MAX/LONG_MIN, as the PMBus core does, with
 * one warning.
 */

#include <linux/bits.h>
#include <linux/device.h>
#include <linux/hwmon.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/property.h>
#include <linux/serdev.h>

#include "modbus.h"

#define SDM120_REG_VOLTAGE	0x0000
#define SDM120_REG_CURRENT	0x0006
#define SDM120_REG_POWER	0x000c
#define SDM120_REG_FREQUENCY	0x0046
#define SDM120_REG_ENERGY	0x0048
#define SDM120_BLOCK		(SDM120_REG_ENERGY + 2)
#define SDM120_DEFAULT_BAUD	2400
#define SDM120_DEFAULT_INTERVAL	1000	/* ms */

struct sdm120 {
	struct modbus_dev mb;
	struct mutex lock;	/* cache below */
	unsigned long updated;
	bool valid;
	u16 regs[SDM120_BLOCK];
	unsigned int interval_ms;
};

/*
 * An IEEE-754 single times @scale, truncated to an integer, without
 * floating point. NaN and infinity read as -ERANGE.
 */
static int sdm120_float(u32 bits, u64 scale, s64 *out)
{
	int exp = ((bits >> 23) & 0xff) - 127 - 23;
	u64 mant = (bits & GENMASK(22, 0)) | BIT(23);
	u64 val;

	if (((bits >> 23) & 0xff) == 0xff)
		return -ERANGE;
	if (!(bits & GENMASK(30, 0))) {
		*out = 0;
		return 0;
	}
	if (exp >= 0) {
		if (exp > 20)
			return -ERANGE;
		if (check_mul_overflow(mant << exp, scale, &val))
			return -ERANGE;
	} else {
		val = exp < -63 ? 0 : mul_u64_u64_shr(mant, scale, -exp);
	}
	if (val > S64_MAX)
		return -ERANGE;
	*out = bits & BIT(31) ? -(s64)val : (s64)val;
	return 0;
}

static int sdm120_value(struct sdm120 *sdm, unsigned int reg, u64 scale,
			s64 *val)
{
	int ret;

	mutex_lock(&sdm->lock);
	ret = 0;
	if (!sdm->valid || time_after_eq(jiffies, sdm->updated +
					 msecs_to_jiffies(sdm->interval_ms))) {
		sdm->valid = false;
		ret = modbus_read_registers(&sdm->mb, MODBUS_FC_READ_INPUT, 0,
					    SDM120_BLOCK, sdm->regs);
		if (!ret) {
			sdm->valid = true;
			sdm->updated = jiffies;
		}
	}
	if (!ret)
		ret = sdm120_float((u32)sdm->regs[reg] << 16 | sdm->regs[reg + 1],
				   scale, val);
	mutex_unlock(&sdm->lock);
	return ret;
}

/* A value in a long: saturated where a long is 32 bits and too small. */
static int sdm120_long(struct sdm120 *sdm, unsigned int reg, u64 scale,
		       long *val)
{
	s64 v;
	int ret;

	ret = sdm120_value(sdm, reg, scale, &v);
	if (ret)
		return ret;
	if (v > LONG_MAX || v < LONG_MIN)
		dev_warn_once(&sdm->mb.serdev->dev,
			      "%lld is beyond a long here: saturated\n", v);
	*val = clamp_t(s64, v, LONG_MIN, LONG_MAX);
	return 0;
}

static int sdm120_read(struct device *dev, enum hwmon_sensor_types type,
		       u32 attr, int channel, long *val)
{
	struct sdm120 *sdm = dev_get_drvdata(dev);

	switch (type) {
	case hwmon_chip:
		*val = sdm->interval_ms;
		return 0;
	case hwmon_in:		/* mV */
		return sdm120_long(sdm, SDM120_REG_VOLTAGE, 1000, val);
	case hwmon_curr:	/* mA */
		return sdm120_long(sdm, SDM120_REG_CURRENT, 1000, val);
	case hwmon_power:	/* uW */
		return sdm120_long(sdm, SDM120_REG_POWER, 1000000, val);
	case hwmon_energy64:	/* uJ from kWh; hwmon passes an s64 */
		return sdm120_value(sdm, SDM120_REG_ENERGY, 3600000000000ULL,
				    (s64 *)val);
	default:
		return -EOPNOTSUPP;
	}
}

static int sdm120_write(struct device *dev, enum hwmon_sensor_types type,
			u32 attr, int channel, long val)
{
	struct sdm120 *sdm = dev_get_drvdata(dev);

	if (val < 0 || val > 3600000)
		return -EINVAL;
	mutex_lock(&sdm->lock);
	sdm->interval_ms = val;
	mutex_unlock(&sdm->lock);
	return 0;
}

/*
 * The node's label names the channels: it tells meters apart. (hwmon 6.12
 * has no label for energy64 channels.)
 */
static int sdm120_read_string(struct device *dev, enum hwmon_sensor_types type,
			      u32 attr, int channel, const char **str)
{
	struct sdm120 *sdm = dev_get_drvdata(dev);

	*str = sdm->mb.label;
	return 0;
}

static bool sdm120_is_label(enum hwmon_sensor_types type, u32 attr)
{
	return (type == hwmon_in && attr == hwmon_in_label) ||
	       (type == hwmon_curr && attr == hwmon_curr_label) ||
	       (type == hwmon_power && attr == hwmon_power_label);
}

static umode_t sdm120_is_visible(const void *data,
				 enum hwmon_sensor_types type, u32 attr,
				 int channel)
{
	const struct sdm120 *sdm = data;

	if (sdm120_is_label(type, attr))
		return sdm->mb.label ? 0444 : 0;
	return type == hwmon_chip ? 0644 : 0444;
}

/*
 * hwmon has no frequency attribute: the line frequency is an attribute of
 * the meter's own device (Documentation/ABI/testing/sysfs-driver-sdm120).
 */
static ssize_t line_frequency_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct modbus_dev *mb = dev_get_drvdata(dev);
	struct sdm120 *sdm = container_of(mb, struct sdm120, mb);
	s64 val;
	int ret;

	ret = sdm120_value(sdm, SDM120_REG_FREQUENCY, 1000, &val);
	return ret ? ret : sysfs_emit(buf, "%lld\n", val);
}
static DEVICE_ATTR_RO(line_frequency);

static struct attribute *sdm120_attrs[] = {
	&dev_attr_line_frequency.attr,
	NULL
};
ATTRIBUTE_GROUPS(sdm120);

static const struct hwmon_channel_info * const sdm120_info[] = {
	HWMON_CHANNEL_INFO(chip, HWMON_C_UPDATE_INTERVAL),
	HWMON_CHANNEL_INFO(in, HWMON_I_INPUT | HWMON_I_LABEL),
	HWMON_CHANNEL_INFO(curr, HWMON_C_INPUT | HWMON_C_LABEL),
	HWMON_CHANNEL_INFO(power, HWMON_P_INPUT | HWMON_P_LABEL),
	HWMON_CHANNEL_INFO(energy64, HWMON_E_INPUT),
	NULL
};

static const struct hwmon_ops sdm120_hwmon_ops = {
	.is_visible = sdm120_is_visible,
	.read = sdm120_read,
	.read_string = sdm120_read_string,
	.write = sdm120_write,
};

static const struct hwmon_chip_info sdm120_chip_info = {
	.ops = &sdm120_hwmon_ops,
	.info = sdm120_info,
};

static int sdm120_probe(struct serdev_device *serdev)
{
	struct device *dev = &serdev->dev;
	struct device *hwmon;
	struct sdm120 *sdm;
	int ret;

	sdm = devm_kzalloc(dev, sizeof(*sdm), GFP_KERNEL);
	if (!sdm)
		return -ENOMEM;
	mutex_init(&sdm->lock);
	sdm->interval_ms = SDM120_DEFAULT_INTERVAL;
	ret = devm_modbus_serdev_open(&sdm->mb, serdev, SDM120_DEFAULT_BAUD);
	if (ret)
		return ret;

	hwmon = devm_hwmon_device_register_with_info(dev, "sdm120", sdm,
						     &sdm120_chip_info, NULL);
	return PTR_ERR_OR_ZERO(hwmon);
}

static const struct of_device_id sdm120_of_match[] = {
	{ .compatible = "serdev-suite,sdm120" },
	{ }
};
MODULE_DEVICE_TABLE(of, sdm120_of_match);

static struct serdev_device_driver sdm120_driver = {
	.probe = sdm120_probe,
	.driver = {
		.name = "sdm120",
		.of_match_table = sdm120_of_match,
		.dev_groups = sdm120_groups,
	},
};
module_serdev_device_driver(sdm120_driver);

MODULE_DESCRIPTION("Eastron SDM120 energy meter (Modbus RTU)");
MODULE_LICENSE("GPL");

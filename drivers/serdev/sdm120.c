// SPDX-License-Identifier: GPL-2.0
/*
 * Eastron SDM120 single-phase energy meter (Modbus RTU) as a hwmon device.
 * Input registers hold IEEE-754 float32 values, big-endian over two
 * registers: voltage 0x0000, current 0x0006, active power 0x000C,
 * frequency 0x0046, import active energy 0x0048. They are read as one
 * block and kept for update_interval; a failed read is an error for the
 * reader, never an older value.
 */

#include <linux/bits.h>
#include <linux/device.h>
#include <linux/hwmon.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
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
static int sdm120_float(u32 bits, u64 scale, long *out)
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
	if (val > LONG_MAX)
		return -ERANGE;
	*out = bits & BIT(31) ? -(long)val : (long)val;
	return 0;
}

static int sdm120_value(struct sdm120 *sdm, unsigned int reg, u64 scale,
			long *val)
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

static int sdm120_read(struct device *dev, enum hwmon_sensor_types type,
		       u32 attr, int channel, long *val)
{
	struct sdm120 *sdm = dev_get_drvdata(dev);

	switch (type) {
	case hwmon_chip:
		*val = sdm->interval_ms;
		return 0;
	case hwmon_in:		/* mV */
		return sdm120_value(sdm, SDM120_REG_VOLTAGE, 1000, val);
	case hwmon_curr:	/* mA */
		return sdm120_value(sdm, SDM120_REG_CURRENT, 1000, val);
	case hwmon_power:	/* uW */
		return sdm120_value(sdm, SDM120_REG_POWER, 1000000, val);
	case hwmon_energy:	/* uJ from kWh */
		return sdm120_value(sdm, SDM120_REG_ENERGY, 3600000000000ULL,
				    val);
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

static umode_t sdm120_is_visible(const void *data,
				 enum hwmon_sensor_types type, u32 attr,
				 int channel)
{
	return type == hwmon_chip ? 0644 : 0444;
}

/* hwmon has no frequency: shown in mHz, named like the other inputs. */
static ssize_t freq1_input_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct sdm120 *sdm = dev_get_drvdata(dev);
	long val;
	int ret;

	ret = sdm120_value(sdm, SDM120_REG_FREQUENCY, 1000, &val);
	return ret ? ret : sysfs_emit(buf, "%ld\n", val);
}
static DEVICE_ATTR_RO(freq1_input);

static struct attribute *sdm120_attrs[] = {
	&dev_attr_freq1_input.attr,
	NULL
};
ATTRIBUTE_GROUPS(sdm120);

static const struct hwmon_channel_info * const sdm120_info[] = {
	HWMON_CHANNEL_INFO(chip, HWMON_C_UPDATE_INTERVAL),
	HWMON_CHANNEL_INFO(in, HWMON_I_INPUT),
	HWMON_CHANNEL_INFO(curr, HWMON_C_INPUT),
	HWMON_CHANNEL_INFO(power, HWMON_P_INPUT),
	HWMON_CHANNEL_INFO(energy, HWMON_E_INPUT),
	NULL
};

static const struct hwmon_ops sdm120_hwmon_ops = {
	.is_visible = sdm120_is_visible,
	.read = sdm120_read,
	.write = sdm120_write,
};

static const struct hwmon_chip_info sdm120_chip_info = {
	.ops = &sdm120_hwmon_ops,
	.info = sdm120_info,
};

static size_t sdm120_receive_buf(struct serdev_device *serdev, const u8 *buf,
				 size_t count)
{
	struct sdm120 *sdm = serdev_device_get_drvdata(serdev);

	return modbus_receive_buf(&sdm->mb, buf, count);
}

static const struct serdev_device_ops sdm120_serdev_ops = {
	.receive_buf = sdm120_receive_buf,
	.write_wakeup = serdev_device_write_wakeup,
};

static int sdm120_probe(struct serdev_device *serdev)
{
	struct device *dev = &serdev->dev;
	u32 addr, baud = SDM120_DEFAULT_BAUD;
	struct device *hwmon;
	struct sdm120 *sdm;
	int ret;

	if (device_property_read_u32(dev, "modbus-address", &addr))
		return dev_err_probe(dev, -EINVAL, "no modbus-address\n");
	device_property_read_u32(dev, "current-speed", &baud);

	sdm = devm_kzalloc(dev, sizeof(*sdm), GFP_KERNEL);
	if (!sdm)
		return -ENOMEM;
	ret = modbus_dev_init(&sdm->mb, serdev, addr, baud);
	if (ret)
		return dev_err_probe(dev, ret, "modbus-address %u out of 1..247\n",
				     addr);
	mutex_init(&sdm->lock);
	sdm->interval_ms = SDM120_DEFAULT_INTERVAL;
	serdev_device_set_drvdata(serdev, sdm);
	serdev_device_set_client_ops(serdev, &sdm120_serdev_ops);

	ret = devm_serdev_device_open(dev, serdev);
	if (ret)
		return dev_err_probe(dev, ret, "cannot open the port\n");
	serdev_device_set_baudrate(serdev, baud);
	serdev_device_set_flow_control(serdev, false);
	ret = serdev_device_set_parity(serdev, SERDEV_PARITY_NONE);
	if (ret)
		return dev_err_probe(dev, ret, "cannot set 8N1\n");

	hwmon = devm_hwmon_device_register_with_info(dev, "sdm120", sdm,
						     &sdm120_chip_info,
						     sdm120_groups);
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
	},
};
module_serdev_device_driver(sdm120_driver);

MODULE_DESCRIPTION("Eastron SDM120 energy meter (Modbus RTU)");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * XY-MD02 / SHT20-RS485 temperature and humidity sensor (Modbus RTU) as a
 * hwmon device: input registers 1 (temperature) and 2 (humidity) in tenths,
 * holding registers 0x0103/0x0104 the corrections, also in tenths.
 *
 * One bus read serves every attribute for update_interval; a failed read is
 * reported to the reader, never replaced by an older value.
 */

#include <linux/device.h>
#include <linux/hwmon.h>
#include <linux/hwmon-sysfs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/serdev.h>

#include "modbus.h"

#define XYMD02_REG_TEMP		0x0001
#define XYMD02_REG_TEMP_OFFSET	0x0103
#define XYMD02_REG_HUM_OFFSET	0x0104
#define XYMD02_DEFAULT_BAUD	9600
#define XYMD02_DEFAULT_INTERVAL	1000	/* ms */

struct xymd02 {
	struct modbus_dev mb;
	struct mutex lock;	/* cache below */
	unsigned long updated;	/* jiffies of the last good read */
	bool valid;
	s16 temp;		/* 0.1 degC */
	u16 hum;		/* 0.1 %RH */
	unsigned int interval_ms;
};

static int xymd02_update(struct xymd02 *xy)
{
	u16 regs[2];
	int ret;

	lockdep_assert_held(&xy->lock);
	if (xy->valid && time_before(jiffies, xy->updated +
				     msecs_to_jiffies(xy->interval_ms)))
		return 0;
	xy->valid = false;
	ret = modbus_read_registers(&xy->mb, MODBUS_FC_READ_INPUT,
				    XYMD02_REG_TEMP, 2, regs);
	if (ret)
		return ret;
	xy->temp = (s16)regs[0];
	xy->hum = regs[1];
	xy->updated = jiffies;
	xy->valid = true;
	return 0;
}

static int xymd02_read_offset(struct xymd02 *xy, u16 reg, long *val)
{
	u16 raw;
	int ret;

	ret = modbus_read_registers(&xy->mb, MODBUS_FC_READ_HOLDING, reg, 1,
				    &raw);
	if (!ret)
		*val = (s16)raw * 100L;
	return ret;
}

static int xymd02_write_offset(struct xymd02 *xy, u16 reg, long val)
{
	int ret;

	val = DIV_ROUND_CLOSEST(clamp_val(val, -100000L, 100000L), 100);
	mutex_lock(&xy->lock);
	ret = modbus_write_register(&xy->mb, reg, (u16)(s16)val);
	xy->valid = false;	/* the readings change with the offset */
	mutex_unlock(&xy->lock);
	return ret;
}

static int xymd02_read(struct device *dev, enum hwmon_sensor_types type,
		       u32 attr, int channel, long *val)
{
	struct xymd02 *xy = dev_get_drvdata(dev);
	int ret = 0;

	if (type == hwmon_chip) {
		*val = xy->interval_ms;
		return 0;
	}
	if (type == hwmon_temp && attr == hwmon_temp_offset)
		return xymd02_read_offset(xy, XYMD02_REG_TEMP_OFFSET, val);

	mutex_lock(&xy->lock);
	ret = xymd02_update(xy);
	if (!ret)
		*val = type == hwmon_temp ? xy->temp * 100L : xy->hum * 100L;
	mutex_unlock(&xy->lock);
	return ret;
}

static int xymd02_write(struct device *dev, enum hwmon_sensor_types type,
			u32 attr, int channel, long val)
{
	struct xymd02 *xy = dev_get_drvdata(dev);

	if (type == hwmon_chip) {
		if (val < 0 || val > 3600000)
			return -EINVAL;
		mutex_lock(&xy->lock);
		xy->interval_ms = val;
		mutex_unlock(&xy->lock);
		return 0;
	}
	return xymd02_write_offset(xy, XYMD02_REG_TEMP_OFFSET, val);
}

/* The node's label names both channels: it tells sensors apart. */
static int xymd02_read_string(struct device *dev, enum hwmon_sensor_types type,
			      u32 attr, int channel, const char **str)
{
	struct xymd02 *xy = dev_get_drvdata(dev);

	*str = xy->mb.label;
	return 0;
}

static umode_t xymd02_is_visible(const void *data,
				 enum hwmon_sensor_types type, u32 attr,
				 int channel)
{
	const struct xymd02 *xy = data;

	if ((type == hwmon_temp && attr == hwmon_temp_label) ||
	    (type == hwmon_humidity && attr == hwmon_humidity_label))
		return xy->mb.label ? 0444 : 0;
	if ((type == hwmon_chip && attr == hwmon_chip_update_interval) ||
	    (type == hwmon_temp && attr == hwmon_temp_offset))
		return 0644;
	return 0444;
}

/* hwmon has no humidity offset: the second correction, named like temp's. */
static ssize_t humidity1_offset_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct xymd02 *xy = dev_get_drvdata(dev);
	long val;
	int ret;

	ret = xymd02_read_offset(xy, XYMD02_REG_HUM_OFFSET, &val);
	return ret ? ret : sysfs_emit(buf, "%ld\n", val);
}

static ssize_t humidity1_offset_store(struct device *dev,
				      struct device_attribute *attr,
				      const char *buf, size_t count)
{
	struct xymd02 *xy = dev_get_drvdata(dev);
	long val;
	int ret;

	ret = kstrtol(buf, 10, &val);
	if (ret)
		return ret;
	ret = xymd02_write_offset(xy, XYMD02_REG_HUM_OFFSET, val);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(humidity1_offset);

static struct attribute *xymd02_attrs[] = {
	&dev_attr_humidity1_offset.attr,
	NULL
};
ATTRIBUTE_GROUPS(xymd02);

static const struct hwmon_channel_info * const xymd02_info[] = {
	HWMON_CHANNEL_INFO(chip, HWMON_C_UPDATE_INTERVAL),
	HWMON_CHANNEL_INFO(temp, HWMON_T_INPUT | HWMON_T_OFFSET | HWMON_T_LABEL),
	HWMON_CHANNEL_INFO(humidity, HWMON_H_INPUT | HWMON_H_LABEL),
	NULL
};

static const struct hwmon_ops xymd02_hwmon_ops = {
	.is_visible = xymd02_is_visible,
	.read = xymd02_read,
	.read_string = xymd02_read_string,
	.write = xymd02_write,
};

static const struct hwmon_chip_info xymd02_chip_info = {
	.ops = &xymd02_hwmon_ops,
	.info = xymd02_info,
};

static int xymd02_probe(struct serdev_device *serdev)
{
	struct device *dev = &serdev->dev;
	struct device *hwmon;
	struct xymd02 *xy;
	int ret;

	xy = devm_kzalloc(dev, sizeof(*xy), GFP_KERNEL);
	if (!xy)
		return -ENOMEM;
	mutex_init(&xy->lock);
	xy->interval_ms = XYMD02_DEFAULT_INTERVAL;
	ret = devm_modbus_serdev_open(&xy->mb, serdev, XYMD02_DEFAULT_BAUD);
	if (ret)
		return ret;

	hwmon = devm_hwmon_device_register_with_info(dev, "xymd02", xy,
						     &xymd02_chip_info,
						     xymd02_groups);
	return PTR_ERR_OR_ZERO(hwmon);
}

static const struct of_device_id xymd02_of_match[] = {
	{ .compatible = "serdev-suite,xy-md02" },
	{ }
};
MODULE_DEVICE_TABLE(of, xymd02_of_match);

static struct serdev_device_driver xymd02_driver = {
	.probe = xymd02_probe,
	.driver = {
		.name = "xymd02",
		.of_match_table = xymd02_of_match,
	},
};
module_serdev_device_driver(xymd02_driver);

MODULE_DESCRIPTION("XY-MD02 RS485 temperature/humidity sensor (Modbus RTU)");
MODULE_LICENSE("GPL");

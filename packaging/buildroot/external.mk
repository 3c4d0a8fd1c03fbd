include $(sort $(wildcard $(BR2_EXTERNAL_SERDEV_SUITE_PATH)/package/*/*.mk))

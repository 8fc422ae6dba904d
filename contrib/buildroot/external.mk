include $(sort $(wildcard $(BR2_EXTERNAL_MINIRUN_PATH)/package/*/*.mk))

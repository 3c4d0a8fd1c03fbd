/* SPDX-License-Identifier: GPL-2.0 */
/*
 * serdev-modbus tracepoints on a bare UART: bytes arrive from the UART; a
 * request goes to it after the silent interval.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM serdev_modbus

#if !defined(_SERDEV_MODBUS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SERDEV_MODBUS_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(serdev_modbus_rx,
	    TP_PROTO(const char *dev, size_t count),
	    TP_ARGS(dev, count),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(size_t, count)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->count = count;),
	    TP_printk("%s count=%zu", __get_str(dev), __entry->count)
);

/* A request goes to the UART now, gap_us having been kept since the last. */
TRACE_EVENT(serdev_modbus_tx_start,
	    TP_PROTO(const char *dev, u32 gap_us),
	    TP_ARGS(dev, gap_us),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u32, gap_us)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->gap_us = gap_us;),
	    TP_printk("%s gap_us=%u", __get_str(dev), __entry->gap_us)
);

#endif /* _SERDEV_MODBUS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE modbus_trace
#include <trace/define_trace.h>

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * serdev-mux tracepoints: a port gets the bus, gives it back, moves bytes;
 * bytes arrive from the UART; a frame starts after its silent interval.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM serdev_mux

#if !defined(_SERDEV_MUX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SERDEV_MUX_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(serdev_mux_select,
	    TP_PROTO(const char *mux, u32 reg, unsigned int baud),
	    TP_ARGS(mux, reg, baud),
	    TP_STRUCT__entry(__string(mux, mux)
			     __field(u32, reg)
			     __field(unsigned int, baud)),
	    TP_fast_assign(__assign_str(mux);
			   __entry->reg = reg;
			   __entry->baud = baud;),
	    TP_printk("%s port@%x baud=%u", __get_str(mux), __entry->reg,
		      __entry->baud)
);

TRACE_EVENT(serdev_mux_deselect,
	    TP_PROTO(const char *mux, u32 reg, s64 held_ms),
	    TP_ARGS(mux, reg, held_ms),
	    TP_STRUCT__entry(__string(mux, mux)
			     __field(u32, reg)
			     __field(s64, held_ms)),
	    TP_fast_assign(__assign_str(mux);
			   __entry->reg = reg;
			   __entry->held_ms = held_ms;),
	    TP_printk("%s port@%x held=%lldms", __get_str(mux), __entry->reg,
		      __entry->held_ms)
);

/* tx > 0: bytes sent; tx == 0: a transfer ended with rx (bytes or -errno). */
TRACE_EVENT(serdev_mux_transfer,
	    TP_PROTO(const char *mux, u32 reg, int tx, int rx),
	    TP_ARGS(mux, reg, tx, rx),
	    TP_STRUCT__entry(__string(mux, mux)
			     __field(u32, reg)
			     __field(int, tx)
			     __field(int, rx)),
	    TP_fast_assign(__assign_str(mux);
			   __entry->reg = reg;
			   __entry->tx = tx;
			   __entry->rx = rx;),
	    TP_printk("%s port@%x tx=%d rx=%d", __get_str(mux), __entry->reg,
		      __entry->tx, __entry->rx)
);

/* Bytes from the UART, before they are routed. */
TRACE_EVENT(serdev_mux_rx,
	    TP_PROTO(const char *mux, size_t count),
	    TP_ARGS(mux, count),
	    TP_STRUCT__entry(__string(mux, mux)
			     __field(size_t, count)),
	    TP_fast_assign(__assign_str(mux);
			   __entry->count = count;),
	    TP_printk("%s count=%zu", __get_str(mux), __entry->count)
);

/*
 * An RS485 frame goes to the UART now, the silent interval of its port
 * (gap_us) having been kept since the last traffic.
 */
TRACE_EVENT(serdev_mux_tx_start,
	    TP_PROTO(const char *mux, u32 reg, u32 gap_us),
	    TP_ARGS(mux, reg, gap_us),
	    TP_STRUCT__entry(__string(mux, mux)
			     __field(u32, reg)
			     __field(u32, gap_us)),
	    TP_fast_assign(__assign_str(mux);
			   __entry->reg = reg;
			   __entry->gap_us = gap_us;),
	    TP_printk("%s port@%x gap_us=%u", __get_str(mux), __entry->reg,
		      __entry->gap_us)
);

#endif /* _SERDEV_MUX_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mux_trace
#include <trace/define_trace.h>

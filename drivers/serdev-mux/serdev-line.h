/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time on a serdev line: the one place where serdev-mux and serdev-modbus
 * turn bytes into wire time. Every silent interval, drain wait and
 * response timeout of the suite derives from it.
 *
 * A character is a start bit, eight data bits, a parity bit when parity is
 * on, and one stop bit: serdev ports are always CS8, serdev offers no way
 * to ask for two stop bits, and serdev-ldisc clears CSTOPB when it bridges
 * a tty. serdev has no call that reports the frame size of the line (the
 * tty core's tty_get_frame_size() needs the termios, which a serdev client
 * never sees), hence this header.
 */
#ifndef _SERDEV_LINE_H
#define _SERDEV_LINE_H

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/serdev.h>
#include <linux/time64.h>
#include <linux/types.h>

/* A line whose speed is not known yet is timed as if it were this slow. */
#define SERDEV_LINE_SLOWEST_BAUD	300U

/*
 * Added to every wait for a peer's answer: the UART's interrupt latency
 * and the scheduler. It is a margin on top of the wire time, never a cap
 * on it.
 */
#define SERDEV_LINE_MARGIN_MS		20U

/*
 * Added to every wait for the UART to send what it holds. A UART may fall
 * behind its nominal speed (its FIFO refilled late, flow control, an
 * emulated UART on a busy host): a wait that ended at the estimate would
 * start the next step while the frame is still going out. One that has not
 * drained after this much more is taken as stuck and the wait ends.
 */
#define SERDEV_LINE_DRAIN_SLACK_MS	1000U

/**
 * serdev_line_char_bits() - bits in one character on a serdev line
 * @parity: the line's parity
 *
 * Return: 10, or 11 with a parity bit.
 */
static inline unsigned int serdev_line_char_bits(enum serdev_parity parity)
{
	return 10 + (parity != SERDEV_PARITY_NONE);
}

/**
 * serdev_line_ns() - wire time of some characters
 * @baud: the line speed in bits per second (0: not known yet)
 * @parity: the line's parity
 * @chars: how many characters
 *
 * Return: nanoseconds from the first start bit to the last stop bit,
 * rounded up. 64-bit arithmetic: right on 32-bit machines too.
 */
static inline u64 serdev_line_ns(unsigned int baud, enum serdev_parity parity,
				 u64 chars)
{
	u64 bits = chars * serdev_line_char_bits(parity);

	if (!baud)
		baud = SERDEV_LINE_SLOWEST_BAUD;
	return DIV_ROUND_UP_ULL(bits * NSEC_PER_SEC, baud);
}

/**
 * serdev_line_silent_us() - the Modbus RTU silent interval
 * @baud: the line speed (0: none is kept)
 * @parity: the line's parity
 *
 * Return: 3.5 character times in microseconds, rounded up, or the fixed
 * 1750 us the Modbus serial line specification prescribes above 19200 baud.
 */
static inline unsigned int serdev_line_silent_us(unsigned int baud,
						 enum serdev_parity parity)
{
	if (!baud)
		return 0;
	if (baud > 19200)
		return 1750;
	return DIV_ROUND_UP_ULL(serdev_line_ns(baud, parity, 7), 2 * NSEC_PER_USEC);
}

/* How late a wire-timed sleep may end: 1 % of a character at 115200. */
#define SERDEV_LINE_SLEEP_SLACK_US	1UL

/**
 * serdev_line_sleep_us() - sleep for a wire-timed delay
 * @us: microseconds, any length
 *
 * An hrtimer sleep that ends at most SERDEV_LINE_SLEEP_SLACK_US late, for
 * silent intervals and DE delays: fsleep() may take twice as long below
 * 20 ms, msleep() a jiffy more. May sleep.
 */
static inline void serdev_line_sleep_us(unsigned long us)
{
	usleep_range(us, us + SERDEV_LINE_SLEEP_SLACK_US);
}

/**
 * serdev_line_jiffies() - a wire time as a timeout
 * @ns: nanoseconds
 *
 * Return: @ns in jiffies rounded up (nsecs_to_jiffies() rounds down, which
 * would end a wait before the time it was given), at least 1: a timeout
 * of 0 means "forever" to the tty core.
 */
static inline unsigned long serdev_line_jiffies(u64 ns)
{
	u64 us = DIV_ROUND_UP_ULL(ns, NSEC_PER_USEC);

	return max(usecs_to_jiffies(min_t(u64, us, UINT_MAX)), 1UL);
}

/**
 * serdev_line_wait_jiffies() - how long to wait for characters to cross
 * @baud: the line speed (0: not known yet)
 * @parity: the line's parity
 * @chars: characters still to go out or come in
 * @extra_ms: time the peer may add (its response time), 0 for none
 *
 * Return: the wire time of @chars plus @extra_ms plus SERDEV_LINE_MARGIN_MS,
 * as serdev_line_jiffies().
 */
static inline unsigned long serdev_line_wait_jiffies(unsigned int baud,
						     enum serdev_parity parity,
						     u64 chars,
						     unsigned int extra_ms)
{
	u64 ns = serdev_line_ns(baud, parity, chars) +
		 ((u64)extra_ms + SERDEV_LINE_MARGIN_MS) * NSEC_PER_MSEC;

	return serdev_line_jiffies(ns);
}

/**
 * serdev_line_drain_jiffies() - how long to wait for a UART to drain
 * @baud: the line speed (0: not known yet)
 * @parity: the line's parity
 * @chars: characters the UART still holds
 *
 * Return: the wire time of @chars plus SERDEV_LINE_DRAIN_SLACK_MS, as
 * serdev_line_jiffies().
 */
static inline unsigned long serdev_line_drain_jiffies(unsigned int baud,
						      enum serdev_parity parity,
						      u64 chars)
{
	return serdev_line_jiffies(serdev_line_ns(baud, parity, chars) +
				   (u64)SERDEV_LINE_DRAIN_SLACK_MS * NSEC_PER_MSEC);
}

#endif /* _SERDEV_LINE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Modbus RTU framing: CRC, response length and response checks. Pure
 * functions on byte buffers, so the KUnit suite can feed them anything.
 */

#include <linux/crc16.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/unaligned.h>

#include "modbus.h"

/**
 * modbus_rtu_crc() - the Modbus RTU CRC of a buffer
 * @buf: bytes
 * @len: how many
 *
 * CRC-16 with polynomial 0x8005 (reflected) from 0xffff: the kernel's
 * crc16(). It goes on the wire low byte first.
 *
 * Return: the CRC.
 */
u16 modbus_rtu_crc(const u8 *buf, size_t len)
{
	return crc16(0xffff, buf, len);
}
EXPORT_SYMBOL_GPL(modbus_rtu_crc);

/**
 * modbus_rtu_response_len() - how long a response will be
 * @buf: the first bytes of a response
 * @len: how many there are
 *
 * Return: the whole frame's length once the bytes received say it, 0 while
 * more bytes are needed to know, -EBADMSG for a function code no request
 * of this library can get back.
 */
ssize_t modbus_rtu_response_len(const u8 *buf, size_t len)
{
	if (len < 2)
		return 0;
	if (buf[1] & 0x80)
		return 5;			/* address, fc, code, CRC */
	switch (buf[1]) {
	case MODBUS_FC_READ_HOLDING:
	case MODBUS_FC_READ_INPUT:
		return len < 3 ? 0 : 5 + buf[2];
	case MODBUS_FC_WRITE_SINGLE:
	case MODBUS_FC_WRITE_MULTI:
		return 8;
	default:
		return -EBADMSG;
	}
}
EXPORT_SYMBOL_GPL(modbus_rtu_response_len);

/**
 * modbus_rtu_expected_len() - the longest good response to a request
 * @req: a request this library built (function 0x03, 0x04, 0x06 or 0x10)
 *
 * Return: its length in bytes (an exception response is shorter), for the
 * response's wire time.
 */
size_t modbus_rtu_expected_len(const u8 *req)
{
	switch (req[1]) {
	case MODBUS_FC_READ_HOLDING:
	case MODBUS_FC_READ_INPUT:
		return 5 + 2 * min_t(size_t, get_unaligned_be16(req + 4),
				     MODBUS_MAX_READ);
	case MODBUS_FC_WRITE_SINGLE:
	case MODBUS_FC_WRITE_MULTI:
		return 8;
	default:
		return MODBUS_RTU_MAX;
	}
}
EXPORT_SYMBOL_GPL(modbus_rtu_expected_len);

static int modbus_exception_errno(u8 code)
{
	switch (code) {
	case 0x01:		/* illegal function */
		return -EOPNOTSUPP;
	case 0x02:		/* illegal data address */
		return -ENXIO;
	case 0x03:		/* illegal data value */
		return -EINVAL;
	case 0x04:		/* server device failure */
		return -EREMOTEIO;
	case 0x05:		/* acknowledge: still working */
	case 0x06:		/* server device busy */
		return -EBUSY;
	default:
		return -EPROTO;
	}
}

/**
 * modbus_rtu_check() - is @resp the answer to @req?
 * @req: the request sent (address, function code, fields, CRC)
 * @resp: the bytes received
 * @len: how many
 *
 * Return: 0 for a valid response; -EPROTO when truncated, too long or
 * inconsistent with the request, -EBADMSG for a bad CRC, -EREMCHG when
 * another address answered, or the errno of an exception response
 * (-EOPNOTSUPP, -ENXIO, -EINVAL, -EREMOTEIO, -EBUSY, -EPROTO).
 */
int modbus_rtu_check(const u8 *req, const u8 *resp, size_t len)
{
	ssize_t want;

	if (len < 5)
		return -EPROTO;
	if (get_unaligned_le16(resp + len - 2) != modbus_rtu_crc(resp, len - 2))
		return -EBADMSG;
	if (resp[0] != req[0])
		return -EREMCHG;
	if (resp[1] == (req[1] | 0x80))
		return len == 5 ? modbus_exception_errno(resp[2]) : -EPROTO;
	if (resp[1] != req[1])
		return -EPROTO;
	want = modbus_rtu_response_len(resp, len);
	if (want != len)
		return -EPROTO;
	switch (req[1]) {
	case MODBUS_FC_READ_HOLDING:
	case MODBUS_FC_READ_INPUT:
		if (resp[2] != 2 * get_unaligned_be16(req + 4))
			return -EPROTO;
		return 0;
	case MODBUS_FC_WRITE_SINGLE:
		return memcmp(req, resp, 6) ? -EPROTO : 0;
	case MODBUS_FC_WRITE_MULTI:
		return memcmp(req, resp, 6) ? -EPROTO : 0;
	default:
		return -EPROTO;
	}
}
EXPORT_SYMBOL_GPL(modbus_rtu_check);

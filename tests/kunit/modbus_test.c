// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the Modbus RTU framing of serdev-modbus: valid responses
 * of every function code pass, every truncation and every 1-3 bit error is
 * refused, exceptions map to their errnos, and a million random and
 * mutated frames never pass as a valid response by accident.
 */

#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/unaligned.h>

#include "modbus.h"

#define MBT_RANDOM_FRAMES	1000000

static void mbt_seal(u8 *f, size_t len)
{
	put_unaligned_le16(modbus_rtu_crc(f, len - 2), f + len - 2);
}

/* A read request for @count registers and its valid response. */
static size_t mbt_read_pair(u8 *req, u8 *resp, u8 addr, u8 fc, u16 count)
{
	unsigned int i;

	req[0] = addr;
	req[1] = fc;
	put_unaligned_be16(0x0001, req + 2);
	put_unaligned_be16(count, req + 4);
	mbt_seal(req, 8);
	resp[0] = addr;
	resp[1] = fc;
	resp[2] = 2 * count;
	for (i = 0; i < 2 * count; i++)
		resp[3 + i] = i * 37 + 1;
	mbt_seal(resp, 5 + 2 * count);
	return 5 + 2 * count;
}

static void mbt_crc_known_value(struct kunit *test)
{
	/* Read holding registers 0-1 of slave 1: the classic "01 03 00 00 00 02 c4 0b". */
	static const u8 req[] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x02 };

	KUNIT_EXPECT_EQ(test, modbus_rtu_crc(req, sizeof(req)), 0x0bc4);
}

static void mbt_valid_responses(struct kunit *test)
{
	u8 req[MODBUS_RTU_MAX], resp[MODBUS_RTU_MAX];
	size_t len;
	u16 count;

	for (count = 1; count <= MODBUS_MAX_READ; count++) {
		len = mbt_read_pair(req, resp, 7, MODBUS_FC_READ_INPUT, count);
		KUNIT_ASSERT_EQ(test, modbus_rtu_response_len(resp, len),
				(ssize_t)len);
		KUNIT_ASSERT_EQ(test, modbus_rtu_check(req, resp, len), 0);
	}
	/* A single write is echoed. */
	req[0] = 9;
	req[1] = MODBUS_FC_WRITE_SINGLE;
	put_unaligned_be16(0x0103, req + 2);
	put_unaligned_be16(0xfff6, req + 4);
	mbt_seal(req, 8);
	KUNIT_EXPECT_EQ(test, modbus_rtu_check(req, req, 8), 0);
	/* A multiple write is answered with start and count. */
	req[1] = MODBUS_FC_WRITE_MULTI;
	put_unaligned_be16(2, req + 4);
	req[6] = 4;
	memcpy(resp, req, 6);
	mbt_seal(resp, 8);
	KUNIT_EXPECT_EQ(test, modbus_rtu_response_len(resp, 8), 8);
	KUNIT_EXPECT_EQ(test, modbus_rtu_check(req, resp, 8), 0);
}

static void mbt_every_truncation(struct kunit *test)
{
	u8 req[8], resp[MODBUS_RTU_MAX];
	ssize_t want;
	size_t len, cut;
	u16 count;

	for (count = 1; count <= MODBUS_MAX_READ; count += 31) {
		len = mbt_read_pair(req, resp, 1, MODBUS_FC_READ_HOLDING, count);
		for (cut = 0; cut < len; cut++) {
			want = modbus_rtu_response_len(resp, cut);
			/* Either "need more" or the full length: never less. */
			KUNIT_EXPECT_TRUE(test, want == 0 || want == len);
			KUNIT_EXPECT_NE(test, modbus_rtu_check(req, resp, cut), 0);
		}
		/* Too long is refused too. */
		resp[len] = 0;
		KUNIT_EXPECT_NE(test, modbus_rtu_check(req, resp, len + 1), 0);
	}
}

static void mbt_exceptions_and_wrong_slave(struct kunit *test)
{
	static const struct { u8 code; int err; } map[] = {
		{ 1, -EOPNOTSUPP }, { 2, -ENXIO }, { 3, -EINVAL },
		{ 4, -EREMOTEIO }, { 5, -EBUSY }, { 6, -EBUSY }, { 0x0b, -EPROTO },
	};
	u8 req[8], resp[MODBUS_RTU_MAX];
	unsigned int i;
	size_t len;

	len = mbt_read_pair(req, resp, 5, MODBUS_FC_READ_INPUT, 2);
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		u8 ex[5] = { 5, MODBUS_FC_READ_INPUT | 0x80, map[i].code };

		mbt_seal(ex, 5);
		KUNIT_EXPECT_EQ(test, modbus_rtu_response_len(ex, 2), 5);
		KUNIT_EXPECT_EQ(test, modbus_rtu_check(req, ex, 5), map[i].err);
	}
	/* Slave 6 answering slave 5's request. */
	resp[0] = 6;
	mbt_seal(resp, len);
	KUNIT_EXPECT_EQ(test, modbus_rtu_check(req, resp, len), -EREMCHG);
	/* Right slave, wrong function, wrong byte count. */
	resp[0] = 5;
	resp[1] = MODBUS_FC_READ_HOLDING;
	mbt_seal(resp, len);
	KUNIT_EXPECT_EQ(test, modbus_rtu_check(req, resp, len), -EPROTO);
	len = mbt_read_pair(req, resp, 5, MODBUS_FC_READ_INPUT, 2);
	put_unaligned_be16(3, req + 4);
	KUNIT_EXPECT_EQ(test, modbus_rtu_check(req, resp, len), -EPROTO);
}

static void mbt_bit_errors_caught(struct kunit *test)
{
	u8 req[8], good[MODBUS_RTU_MAX], bad[MODBUS_RTU_MAX];
	struct rnd_state rs;
	unsigned int i, k, flips;
	size_t len;

	prandom_seed_state(&rs, 0x6d6f64627573ULL);
	len = mbt_read_pair(req, good, 3, MODBUS_FC_READ_INPUT, 10);
	for (i = 0; i < 100000; i++) {
		memcpy(bad, good, len);
		flips = 1 + prandom_u32_state(&rs) % 3;
		for (k = 0; k < flips; k++) {
			u32 bit = prandom_u32_state(&rs) % (len * 8);

			bad[bit / 8] ^= BIT(bit % 8);
		}
		if (!memcmp(bad, good, len))
			continue;	/* two flips of the same bit */
		KUNIT_ASSERT_NE(test, modbus_rtu_check(req, bad, len), 0);
	}
}

static void mbt_random_and_mutated_frames(struct kunit *test)
{
	u8 req[8], good[MODBUS_RTU_MAX], buf[MODBUS_RTU_MAX];
	unsigned int i, passed = 0, refused = 0;
	struct rnd_state rs;
	size_t len, glen;
	ssize_t want;
	int ret;

	prandom_seed_state(&rs, 0x72616e646f6dULL);
	glen = mbt_read_pair(req, good, 1, MODBUS_FC_READ_HOLDING, 4);
	for (i = 0; i < MBT_RANDOM_FRAMES; i++) {
		if (i & 1) {
			/* Mutated: a valid frame with bytes replaced or cut. */
			memcpy(buf, good, glen);
			len = glen;
			buf[prandom_u32_state(&rs) % len] = prandom_u32_state(&rs);
			if (prandom_u32_state(&rs) % 4 == 0)
				len = prandom_u32_state(&rs) % (len + 1);
		} else {
			len = prandom_u32_state(&rs) % (sizeof(buf) + 1);
			prandom_bytes_state(&rs, buf, len);
			buf[0] = 1;	/* make the address plausible */
		}
		want = modbus_rtu_response_len(buf, len);
		KUNIT_ASSERT_TRUE(test, want >= -EBADMSG && want <= 5 + 255);
		ret = modbus_rtu_check(req, buf, len);
		if (!ret) {
			/* Only a consistent frame with a good CRC may pass. */
			KUNIT_ASSERT_EQ(test, want, (ssize_t)len);
			KUNIT_ASSERT_EQ(test, get_unaligned_le16(buf + len - 2),
					modbus_rtu_crc(buf, len - 2));
			KUNIT_ASSERT_EQ(test, buf[2], 8);
			passed++;
		} else {
			refused++;
		}
	}
	kunit_info(test, "%u frames: %u passed (all consistent), %u refused\n",
		   MBT_RANDOM_FRAMES, passed, refused);
	KUNIT_EXPECT_EQ(test, passed + refused, MBT_RANDOM_FRAMES);
	KUNIT_EXPECT_GT(test, refused, MBT_RANDOM_FRAMES / 2);
}

static struct kunit_case modbus_cases[] = {
	KUNIT_CASE(mbt_crc_known_value),
	KUNIT_CASE(mbt_valid_responses),
	KUNIT_CASE(mbt_every_truncation),
	KUNIT_CASE(mbt_exceptions_and_wrong_slave),
	KUNIT_CASE(mbt_bit_errors_caught),
	KUNIT_CASE_SLOW(mbt_random_and_mutated_frames),
	{ }
};

static struct kunit_suite modbus_suite = {
	.name = "serdev-modbus",
	.test_cases = modbus_cases,
};

kunit_test_suite(modbus_suite);

MODULE_DESCRIPTION("KUnit tests for the Modbus RTU framing of serdev-modbus");
MODULE_LICENSE("GPL");

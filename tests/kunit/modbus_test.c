// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the Modbus RTU framing of serdev-modbus: valid responses
 * of every function code pass, every truncation and every 1-3 bit error is
 * refused, exceptions map to their errnos, and a million fuzzed responses
 * to random requests get the verdict that what they are calls for.
 */

#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/prandom.h>
#include <linux/unaligned.h>

#include "modbus.h"
#include "serdev-line.h"

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

/*
 * The fuzz (fuzz_inputs inputs, 10^6 unless told; make test runs 10^5):
 * random requests of every function code this library sends, and
 * for each a response that is valid, an exception, mutated (bit flips,
 * replaced, inserted and deleted bytes, cuts, appended bytes, changed
 * function code or byte count; half of them given a correct CRC again so
 * that the checks behind the CRC are reached) or random. Each response is
 * received as modbus_receive_buf() does, byte by byte until
 * modbus_rtu_response_len() says it is whole, and both that frame and the
 * whole buffer go through modbus_rtu_check(), whose verdict must agree with
 * what the frame is (the rules written out again below).
 */
static unsigned int fuzz_inputs = 1000000;
module_param(fuzz_inputs, uint, 0444);
MODULE_PARM_DESC(fuzz_inputs, "inputs of the Modbus RTU fuzz (default 10^6, at least 10^4)");
#define MBT_FUZZ_SEED		0x6d62667a7a3031ULL
/* Room for a response plus what mutations may add. */
#define MBT_FUZZ_BUF		(MODBUS_RTU_MAX + 16)

struct mbt_fuzz {
	struct rnd_state rs;
	u8 req[8];
	u16 count;			/* registers a read asks for */
	u8 resp[MBT_FUZZ_BUF];
	size_t len;
	int expect;			/* verdict when known by construction */
	bool known;
	unsigned int verdicts[8];	/* see mbt_fuzz_verdict() */
};

static u32 mbt_rand(struct mbt_fuzz *z, u32 n)
{
	return prandom_u32_state(&z->rs) % n;
}

static void mbt_fuzz_request(struct mbt_fuzz *z)
{
	static const u8 fcs[] = {
		MODBUS_FC_READ_HOLDING, MODBUS_FC_READ_INPUT,
		MODBUS_FC_WRITE_SINGLE, MODBUS_FC_WRITE_MULTI,
	};
	u8 fc = fcs[mbt_rand(z, ARRAY_SIZE(fcs))];
	u16 max = fc == MODBUS_FC_WRITE_MULTI ? MODBUS_MAX_WRITE :
		  MODBUS_MAX_READ;

	z->req[0] = 1 + mbt_rand(z, 247);
	z->req[1] = fc;
	put_unaligned_be16(prandom_u32_state(&z->rs), z->req + 2);
	/* Mostly few registers, so that frames are short and many. */
	z->count = 1 + mbt_rand(z, mbt_rand(z, 4) ? 8 : max);
	if (fc == MODBUS_FC_WRITE_SINGLE)
		put_unaligned_be16(prandom_u32_state(&z->rs), z->req + 4);
	else
		put_unaligned_be16(z->count, z->req + 4);
	mbt_seal(z->req, 8);
}

static int mbt_exception_errno(u8 code)
{
	static const int map[] = {
		[1] = -EOPNOTSUPP, [2] = -ENXIO, [3] = -EINVAL,
		[4] = -EREMOTEIO, [5] = -EBUSY, [6] = -EBUSY,
	};

	return code < ARRAY_SIZE(map) && map[code] ? map[code] : -EPROTO;
}

/* The valid answer to the request, or an exception one time in eight. */
static void mbt_fuzz_answer(struct mbt_fuzz *z)
{
	u8 *r = z->resp;
	unsigned int i;

	r[0] = z->req[0];
	if (!mbt_rand(z, 8)) {
		r[1] = z->req[1] | 0x80;
		r[2] = mbt_rand(z, 13);
		z->len = 5;
		z->expect = mbt_exception_errno(r[2]);
	} else if (z->req[1] == MODBUS_FC_READ_HOLDING ||
		   z->req[1] == MODBUS_FC_READ_INPUT) {
		r[1] = z->req[1];
		r[2] = 2 * z->count;
		for (i = 0; i < r[2]; i++)
			r[3 + i] = prandom_u32_state(&z->rs);
		z->len = 5 + r[2];
		z->expect = 0;
	} else {
		memcpy(r, z->req, 6);
		z->len = 8;
		z->expect = 0;
	}
	mbt_seal(r, z->len);
	z->known = true;
}

static void mbt_fuzz_mutate(struct mbt_fuzz *z)
{
	u8 *r = z->resp;
	size_t pos, n;

	pos = z->len ? mbt_rand(z, z->len) : 0;
	switch (mbt_rand(z, 8)) {
	case 0:		/* flip a bit */
		if (z->len)
			r[pos] ^= BIT(mbt_rand(z, 8));
		break;
	case 1:		/* replace a byte */
		if (z->len)
			r[pos] = prandom_u32_state(&z->rs);
		break;
	case 2:		/* cut */
		z->len = pos;
		break;
	case 3:		/* append bytes */
		n = min_t(size_t, 1 + mbt_rand(z, 8), MODBUS_RTU_MAX - z->len);
		prandom_bytes_state(&z->rs, r + z->len, n);
		z->len += n;
		break;
	case 4:		/* delete a byte */
		if (z->len) {
			memmove(r + pos, r + pos + 1, z->len - pos - 1);
			z->len--;
		}
		break;
	case 5:		/* insert a byte */
		if (z->len < MODBUS_RTU_MAX) {
			memmove(r + pos + 1, r + pos, z->len - pos);
			r[pos] = prandom_u32_state(&z->rs);
			z->len++;
		}
		break;
	case 6:		/* another function code, or the exception's */
		if (z->len > 1)
			r[1] = mbt_rand(z, 2) ? z->req[1] ^ 0x80 :
				prandom_u32_state(&z->rs);
		break;
	default:	/* another byte count */
		if (z->len > 2)
			r[2] = prandom_u32_state(&z->rs);
		break;
	}
}

/* One input: the request and its response bytes in z->resp[0..z->len). */
static void mbt_fuzz_input(struct mbt_fuzz *z)
{
	unsigned int n;

	mbt_fuzz_request(z);
	z->known = false;
	if (mbt_rand(z, 8)) {
		mbt_fuzz_answer(z);
		n = mbt_rand(z, 4) ? 1 + mbt_rand(z, 3) : 0;
		if (n)
			z->known = false;
		while (n--)
			mbt_fuzz_mutate(z);
	} else {
		z->len = mbt_rand(z, MODBUS_RTU_MAX + 1);
		prandom_bytes_state(&z->rs, z->resp, z->len);
		if (z->len && mbt_rand(z, 2))
			z->resp[0] = z->req[0];
	}
	/* A correct CRC again, so that the checks behind it are reached. */
	if (!z->known && z->len >= 3 && mbt_rand(z, 2))
		mbt_seal(z->resp, z->len);
}

/*
 * What modbus_rtu_check()'s verdict on @len bytes says about them, each
 * implication written out on its own; false if the verdict is wrong.
 */
static bool mbt_fuzz_verdict(struct mbt_fuzz *z, size_t len, int ret)
{
	const u8 *r = z->resp, *q = z->req;
	bool crc_ok = len >= 5 &&
		get_unaligned_le16(r + len - 2) == modbus_rtu_crc(r, len - 2);
	bool exc = len == 5 && crc_ok && r[0] == q[0] && r[1] == (q[1] | 0x80);
	bool read = q[1] == MODBUS_FC_READ_HOLDING ||
		    q[1] == MODBUS_FC_READ_INPUT;
	bool valid = crc_ok && r[0] == q[0] && r[1] == q[1] &&
		(read ? len == 5 + 2 * z->count && r[2] == 2 * z->count :
			len == 8 && !memcmp(r, q, 6));

	switch (ret) {
	case 0:
		z->verdicts[0]++;
		return valid;
	case -EBADMSG:
		z->verdicts[1]++;
		return len >= 5 && !crc_ok;
	case -EREMCHG:
		z->verdicts[2]++;
		return crc_ok && r[0] != q[0];
	case -EPROTO:
		z->verdicts[3]++;
		if (exc)
			return mbt_exception_errno(r[2]) == -EPROTO;
		return !valid && (len < 5 || (crc_ok && r[0] == q[0]));
	case -EOPNOTSUPP:
	case -ENXIO:
	case -EINVAL:
	case -EREMOTEIO:
	case -EBUSY:
		z->verdicts[4]++;
		return exc && mbt_exception_errno(r[2]) == ret;
	default:
		z->verdicts[5]++;
		return false;
	}
}

/*
 * Receive z->resp as the bare-UART path does; return the length at which
 * it completes. modbus_rtu_response_len() may say "more" (0), a length or
 * "impossible" (-EBADMSG), and once it has said a length or -EBADMSG it
 * must not change its mind as more bytes come.
 */
static bool mbt_fuzz_receive(struct kunit *test, struct mbt_fuzz *z,
			     unsigned int iter, size_t *done)
{
	ssize_t want, said = 0;
	size_t k;

	for (k = 1; k <= z->len; k++) {
		want = modbus_rtu_response_len(z->resp, k);
		if (want != 0 && want != -EBADMSG && (want < 5 || want > 5 + 255)) {
			KUNIT_FAIL(test, "input %u: %zd bytes announced", iter, want);
			return false;
		}
		if (said && want != said) {
			KUNIT_FAIL(test, "input %u: %zd bytes announced after %zd",
				   iter, want, said);
			return false;
		}
		said = want;
		if (want < 0 || (want > 0 && k >= want) || k == MODBUS_RTU_MAX)
			break;
	}
	*done = min(k, z->len);
	return true;
}

static void mbt_fuzz(struct kunit *test)
{
	struct mbt_fuzz *z = kunit_kzalloc(test, sizeof(*z), GFP_KERNEL);
	unsigned int iter, i;
	u64 bytes = 0;
	size_t done;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_ASSERT_GE(test, fuzz_inputs, 10000U);
	prandom_seed_state(&z->rs, MBT_FUZZ_SEED);
	for (iter = 0; iter < fuzz_inputs; iter++) {
		mbt_fuzz_input(z);
		bytes += z->len;
		ret = modbus_rtu_check(z->req, z->resp, z->len);
		if (z->known && ret != z->expect) {
			KUNIT_FAIL(test, "input %u: %d for a response built to give %d",
				   iter, ret, z->expect);
			break;
		}
		if (!mbt_fuzz_verdict(z, z->len, ret)) {
			KUNIT_FAIL(test, "input %u: %d for %zu bytes %*ph (request %*ph)",
				   iter, ret, z->len, (int)min_t(size_t, z->len, 32),
				   z->resp, 8, z->req);
			break;
		}
		if (!mbt_fuzz_receive(test, z, iter, &done))
			break;
		ret = modbus_rtu_check(z->req, z->resp, done);
		if (!mbt_fuzz_verdict(z, done, ret)) {
			KUNIT_FAIL(test, "input %u: %d for the %zu bytes received of %*ph",
				   iter, ret, done, (int)min_t(size_t, z->len, 32),
				   z->resp);
			break;
		}
	}
	kunit_info(test, "fuzz: %u inputs, %llu bytes; verdicts: %u valid, %u bad CRC, %u other slave, %u malformed, %u exceptions\n",
		   iter, bytes, z->verdicts[0], z->verdicts[1], z->verdicts[2],
		   z->verdicts[3], z->verdicts[4]);
	KUNIT_EXPECT_EQ(test, iter, fuzz_inputs);
	/* Every verdict must have been reached, or the inputs prove little. */
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_GT_MSG(test, z->verdicts[i], fuzz_inputs / 1000,
				    "verdict class %u", i);
}

/* One character's time, from the bits a serdev line really sends. */
static void mbt_char_time(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, serdev_line_char_bits(SERDEV_PARITY_NONE), 10U);
	KUNIT_EXPECT_EQ(test, serdev_line_char_bits(SERDEV_PARITY_EVEN), 11U);
	KUNIT_EXPECT_EQ(test, serdev_line_ns(9600, SERDEV_PARITY_NONE, 1),
			1041667ULL);
	KUNIT_EXPECT_EQ(test, serdev_line_ns(9600, SERDEV_PARITY_ODD, 1),
			1145834ULL);
	/* Beyond 32 bits: 65535 characters at 300 baud 8E1 (40 min). */
	KUNIT_EXPECT_EQ(test, serdev_line_ns(300, SERDEV_PARITY_EVEN, 65535),
			2402950000000ULL);
	/* A speed not known yet is timed as the slowest. */
	KUNIT_EXPECT_EQ(test, serdev_line_ns(0, SERDEV_PARITY_NONE, 3),
			serdev_line_ns(SERDEV_LINE_SLOWEST_BAUD,
				       SERDEV_PARITY_NONE, 3));
}

/*
 * The silent interval is 3.5 of those characters: the mux and the library
 * agree (8N1 at 9600: 3646 us; 8E1: 4011 us), 1750 us above 19200 baud.
 */
static void mbt_silent_interval(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, serdev_line_silent_us(9600, SERDEV_PARITY_NONE),
			3646U);
	KUNIT_EXPECT_EQ(test, serdev_line_silent_us(9600, SERDEV_PARITY_EVEN),
			4011U);
	KUNIT_EXPECT_EQ(test, serdev_line_silent_us(2400, SERDEV_PARITY_NONE),
			14584U);
	KUNIT_EXPECT_EQ(test, serdev_line_silent_us(19200, SERDEV_PARITY_NONE),
			1823U);
	KUNIT_EXPECT_EQ(test, serdev_line_silent_us(38400, SERDEV_PARITY_NONE),
			1750U);
	KUNIT_EXPECT_EQ(test, serdev_line_silent_us(0, SERDEV_PARITY_NONE), 0U);
}

/*
 * Waits grow with the bytes and the slowness of the line, plus the stated
 * margin: a 255-byte frame at 2400 baud (1062.5 ms) is never cut short.
 */
static void mbt_wait_follows_the_line(struct kunit *test)
{
	unsigned int slack = SERDEV_LINE_MARGIN_MS + 2 * jiffies_to_msecs(1);
	unsigned int ms;

	ms = jiffies_to_msecs(serdev_line_wait_jiffies(2400, SERDEV_PARITY_NONE,
						       255, 0));
	KUNIT_EXPECT_GE(test, ms, 1063U + SERDEV_LINE_MARGIN_MS);
	KUNIT_EXPECT_LE(test, ms, 1063U + slack);
	ms = jiffies_to_msecs(serdev_line_wait_jiffies(19200,
						       SERDEV_PARITY_NONE, 8,
						       200));
	KUNIT_EXPECT_GE(test, ms, 205U + SERDEV_LINE_MARGIN_MS);
	KUNIT_EXPECT_LE(test, ms, 205U + slack);
	KUNIT_EXPECT_GE(test, serdev_line_wait_jiffies(115200,
						       SERDEV_PARITY_NONE, 0,
						       0), 1UL);
}

/* The response a request expects, for its wire time. */
static void mbt_expected_len(struct kunit *test)
{
	u8 req[8] = { 1, MODBUS_FC_READ_INPUT, 0, 0, 0, 125 };

	KUNIT_EXPECT_EQ(test, modbus_rtu_expected_len(req), (size_t)255);
	req[1] = MODBUS_FC_READ_HOLDING;
	req[5] = 2;
	KUNIT_EXPECT_EQ(test, modbus_rtu_expected_len(req), (size_t)9);
	req[1] = MODBUS_FC_WRITE_SINGLE;
	KUNIT_EXPECT_EQ(test, modbus_rtu_expected_len(req), (size_t)8);
	req[1] = MODBUS_FC_WRITE_MULTI;
	KUNIT_EXPECT_EQ(test, modbus_rtu_expected_len(req), (size_t)8);
}

static struct kunit_case modbus_cases[] = {
	KUNIT_CASE(mbt_crc_known_value),
	KUNIT_CASE(mbt_valid_responses),
	KUNIT_CASE(mbt_every_truncation),
	KUNIT_CASE(mbt_exceptions_and_wrong_slave),
	KUNIT_CASE(mbt_bit_errors_caught),
	KUNIT_CASE(mbt_char_time),
	KUNIT_CASE(mbt_silent_interval),
	KUNIT_CASE(mbt_wait_follows_the_line),
	KUNIT_CASE(mbt_expected_len),
	KUNIT_CASE_ATTR(mbt_fuzz, {.speed = KUNIT_SPEED_VERY_SLOW}),
	{ }
};

static struct kunit_suite modbus_suite = {
	.name = "serdev-modbus",
	.test_cases = modbus_cases,
};

kunit_test_suite(modbus_suite);

MODULE_DESCRIPTION("KUnit tests for the Modbus RTU framing of serdev-modbus");
MODULE_LICENSE("GPL");

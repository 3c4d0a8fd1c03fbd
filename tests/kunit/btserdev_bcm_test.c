// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for btserdev's Broadcom .hcd check: a file is accepted only
 * if every byte of it would be sent as a well-formed vendor command and
 * it ends with one Launch RAM; anything else is refused with the offset of
 * the first bad record, before any of it reaches the chip.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "btserdev.h"

#define HCD_MAX	4096

struct hcd {
	u8 data[HCD_MAX];
	size_t len;
};

static size_t hcd_record(struct hcd *f, u16 opcode, const u8 *params, u8 plen)
{
	size_t at = f->len;

	f->data[f->len++] = opcode & 0xff;
	f->data[f->len++] = opcode >> 8;
	f->data[f->len++] = plen;
	memcpy(f->data + f->len, params, plen);
	f->len += plen;
	return at;
}

static size_t hcd_write_ram(struct hcd *f, u32 addr, u8 datalen)
{
	u8 p[255];
	int i;

	p[0] = addr;
	p[1] = addr >> 8;
	p[2] = addr >> 16;
	p[3] = addr >> 24;
	for (i = 0; i < datalen; i++)
		p[4 + i] = addr + i;
	return hcd_record(f, 0xfc4c, p, 4 + datalen);
}

static size_t hcd_launch(struct hcd *f)
{
	static const u8 addr[4] = { 0xff, 0xff, 0xff, 0xff };

	return hcd_record(f, 0xfc4e, addr, sizeof(addr));
}

/* Three Write RAM records of different sizes and the launch. */
static void hcd_good(struct hcd *f)
{
	f->len = 0;
	hcd_write_ram(f, 0x218000, 251);
	hcd_write_ram(f, 0x2180fb, 1);
	hcd_write_ram(f, 0x2180fc, 100);
	hcd_launch(f);
}

static int hcd_check(const struct hcd *f, size_t len, size_t *bad)
{
	return btserdev_bcm_hcd_check(f->data, len, bad);
}

static void hcd_good_file_accepted(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_good(f);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), 0);
}

/* Every proper prefix is a truncated file: none may pass. */
static void hcd_every_truncation_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t len, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_good(f);
	for (len = 0; len < f->len; len++) {
		KUNIT_ASSERT_EQ_MSG(test, hcd_check(f, len, &bad), -EINVAL,
				    "prefix of %zu bytes accepted", len);
		KUNIT_ASSERT_LE(test, bad, len);
	}
}

static void hcd_length_past_end_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_write_ram(f, 0x218000, 16);
	at = hcd_launch(f);
	f->data[at + 2] = 200;	/* announces 200 bytes, 4 follow */
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_non_vendor_opcode_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_write_ram(f, 0x218000, 16);
	at = hcd_record(f, 0x0c03, NULL, 0);	/* HCI Reset */
	hcd_launch(f);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_short_write_ram_refused(struct kunit *test)
{
	static const u8 addr_only[4] = { 0x00, 0x80, 0x21, 0x00 };
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	at = hcd_record(f, 0xfc4c, addr_only, sizeof(addr_only));
	hcd_launch(f);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_bad_launch_refused(struct kunit *test)
{
	static const u8 five[5] = { 0xff, 0xff, 0xff, 0xff, 0x00 };
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_write_ram(f, 0x218000, 16);
	at = hcd_record(f, 0xfc4e, five, sizeof(five));
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_record_after_launch_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t at, bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_good(f);
	at = hcd_write_ram(f, 0x219000, 8);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, at);
}

static void hcd_missing_launch_refused(struct kunit *test)
{
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	size_t bad;

	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_write_ram(f, 0x218000, 16);
	hcd_write_ram(f, 0x218010, 16);
	KUNIT_EXPECT_EQ(test, hcd_check(f, f->len, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, f->len);
}

/*
 * An independent walk of an accepted file: it must split exactly into
 * vendor records and end with the launch. 100,000 mutated files (byte
 * flips and truncations of a good one) must never be accepted unless
 * they pass it.
 */
static bool hcd_walk_ok(const u8 *d, size_t len)
{
	size_t off = 0, plen;
	u16 op;

	while (off + 3 <= len) {
		op = d[off] | d[off + 1] << 8;
		plen = d[off + 2];
		if ((op >> 10) != 0x3f || off + 3 + plen > len)
			return false;
		off += 3 + plen;
		if (op == 0xfc4e)
			return off == len && plen == 4;
	}
	return false;
}

static void hcd_mutations(struct kunit *test)
{
	struct hcd *good = kunit_kzalloc(test, sizeof(*good), GFP_KERNEL);
	struct hcd *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i, n, accepted = 0, refused = 0;
	struct rnd_state rnd;
	size_t len, bad;

	KUNIT_ASSERT_NOT_NULL(test, good);
	KUNIT_ASSERT_NOT_NULL(test, f);
	hcd_good(good);
	prandom_seed_state(&rnd, 0x6863640a);

	for (i = 0; i < 100000; i++) {
		memcpy(f->data, good->data, good->len);
		len = good->len;
		for (n = prandom_u32_state(&rnd) % 3; n; n--)
			f->data[prandom_u32_state(&rnd) % len] =
				prandom_u32_state(&rnd);
		if (prandom_u32_state(&rnd) % 4 == 0)
			len = prandom_u32_state(&rnd) % (len + 1);

		if (!btserdev_bcm_hcd_check(f->data, len, &bad)) {
			accepted++;
			KUNIT_ASSERT_TRUE_MSG(test, hcd_walk_ok(f->data, len),
					      "mutation %u accepted", i);
		} else {
			refused++;
			KUNIT_ASSERT_LE(test, bad, len);
		}
	}
	/* Both outcomes must have happened, or the mutations prove nothing. */
	KUNIT_EXPECT_GT(test, accepted, 0U);
	KUNIT_EXPECT_GT(test, refused, 0U);
}

static struct kunit_case btserdev_bcm_cases[] = {
	KUNIT_CASE(hcd_good_file_accepted),
	KUNIT_CASE(hcd_every_truncation_refused),
	KUNIT_CASE(hcd_length_past_end_refused),
	KUNIT_CASE(hcd_non_vendor_opcode_refused),
	KUNIT_CASE(hcd_short_write_ram_refused),
	KUNIT_CASE(hcd_bad_launch_refused),
	KUNIT_CASE(hcd_record_after_launch_refused),
	KUNIT_CASE(hcd_missing_launch_refused),
	KUNIT_CASE(hcd_mutations),
	{ }
};

static struct kunit_suite btserdev_bcm_suite = {
	.name = "btserdev-bcm-hcd",
	.test_cases = btserdev_bcm_cases,
};

kunit_test_suite(btserdev_bcm_suite);

MODULE_DESCRIPTION("KUnit tests for btserdev's Broadcom firmware file check");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
